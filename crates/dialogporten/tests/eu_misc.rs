//! The end-user operations beside dialogs (api.md §1; authz.md §3.3, §3.4): the parties the
//! user may represent, the service resources they are authorized for, and the dialog lookup by
//! instance reference with its authorization evidence. Every answer is checked against the
//! contract.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::dialogs::{
    Answer, BRG_RESOURCE, PARTY_ORG, PARTY_PERSON, TTD_RESOURCE, minimal_dialog, v7,
};
use dialogporten::registry::{Right, change_right};
use dp_authz::registry::{Party, RoleAssignment};
use dp_authz::{Registry, RegistryDocument};
use serde_json::{Value, json};

const OTHER_PERSON: &str = "urn:altinn:person:identifier-no:08895699684";
const SYSTEM_ORG: &str = "urn:altinn:organization:identifier-no:310057223";
const EMAIL_PARTY: &str = "urn:altinn:person:idporten-email:someone@example.com";
const SUPER_SIMPLE: &str = "urn:altinn:resource:super-simple-service";
const SYSTEM_USER: &str = "urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b";
const SUBUNIT: &str = "urn:altinn:organization:identifier-no:315010195";
const OTHER_MAIN_UNIT: &str = "urn:altinn:organization:identifier-no:310010693";
const OTHER_SUBUNIT: &str = "urn:altinn:organization:identifier-no:313876144";
const PARTIES: &str = "/api/v1/enduser/parties";
const RESOURCES: &str = "/api/v1/enduser/serviceresources";
const LOOKUP: &str = "/api/v1/enduser/dialoglookup";

async fn store(server: &TestServer) -> std::sync::Arc<dyn dp_store::Store> {
    server.store().await
}

async fn change(server: &TestServer, grant: bool, from: &str, to: &str, right: &Right) {
    assert!(
        change_right(store(server).await.as_ref(), grant, from, to, right)
            .await
            .unwrap()
    );
}

/// The demo registry plus sub-units: 315010195 under 310923044 (where 08844397713 is DAGL),
/// and 313876144 under 310010693, with DAGL on the sub-unit only for 08895699684.
async fn with_subunits(server: &TestServer) {
    let mut document = RegistryDocument::demo();
    let party = |identifier: &str, name: &str, parent: Option<&str>| Party {
        identifier: identifier.into(),
        name: name.into(),
        parent: parent.map(str::to_owned),
    };
    document.parties.extend([
        party(
            SUBUNIT,
            "ÆRLIG UROKKELIG TIGER AS AVD BERGEN",
            Some(PARTY_ORG),
        ),
        party(OTHER_MAIN_UNIT, "TAKTFULL ORDENTLIG APE", None),
        party(
            OTHER_SUBUNIT,
            "TAKTFULL ORDENTLIG APE AVD OSLO",
            Some(OTHER_MAIN_UNIT),
        ),
    ]);
    document.roles.push(RoleAssignment {
        from: OTHER_SUBUNIT.into(),
        to: OTHER_PERSON.into(),
        role: "DAGL".into(),
    });
    Registry::new(document.clone()).unwrap();
    store(server)
        .await
        .replace_registry(document.clone())
        .await
        .unwrap();
}

async fn get(server: &TestServer, path: &str, token: &str, headers: &[(&str, &str)]) -> Answer {
    server.send("GET", path, token, None, headers).await
}

fn parties_by_urn(body: &Value) -> Vec<(&str, &Value)> {
    body["authorizedParties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["party"].as_str().unwrap(), p))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Parties

#[tokio::test]
async fn parties_list_the_user_first_and_every_party_they_may_represent() {
    let server = TestServer::local().await;
    let token = server.person("08844397713").await;
    let answer = get(&server, PARTIES, &token, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let parties = parties_by_urn(&answer.body);
    assert_eq!(
        parties.iter().map(|(urn, _)| *urn).collect::<Vec<_>>(),
        [PARTY_PERSON, PARTY_ORG]
    );
    let me = parties[0].1;
    assert_eq!(me["name"], "UROMANTISK LITTERATUR");
    assert_eq!(me["partyType"], "Person");
    assert_eq!(me["dateOfBirth"], "1943-04-08", "Tenor: month + 80");
    assert_eq!(me["isCurrentEndUser"], true);
    assert_eq!(me["subParties"], json!([]));
    let org = parties[1].1;
    assert_eq!(org["name"], "ÆRLIG UROKKELIG TIGER AS");
    assert_eq!(org["partyType"], "Organization");
    assert!(org.get("dateOfBirth").is_none(), "null is left out");
    for party in [me, org] {
        // Include flags are off, so AM lists no roles: every role-derived flag is false.
        for flag in [
            "isDeleted",
            "hasKeyRole",
            "isMainAdministrator",
            "isAccessManager",
            "hasOnlyAccessToSubParties",
        ] {
            assert_eq!(party[flag], false, "{flag}: {party}");
        }
        uuid::Uuid::parse_str(party["partyUuid"].as_str().unwrap()).unwrap();
        assert!(party["partyId"].as_i64().unwrap() > 0);
    }
    assert_eq!(org["isCurrentEndUser"], false);
    // Stable ids across calls.
    let again = get(&server, PARTIES, &token, &[]).await;
    assert_eq!(again.body, answer.body);

    // Someone with no roles: themselves only.
    let other = server.person("08895699684").await;
    let answer = get(&server, PARTIES, &other, &[]).await;
    let parties = parties_by_urn(&answer.body);
    assert_eq!(parties.len(), 1);
    assert_eq!(parties[0].0, OTHER_PERSON);
    assert_eq!(parties[0].1["dateOfBirth"], "1956-09-08");
    assert_eq!(parties[0].1["isCurrentEndUser"], true);

    // A person the registry does not list still appears as themselves.
    let stranger = server.person("13913712581").await;
    let answer = get(&server, PARTIES, &stranger, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let parties = parties_by_urn(&answer.body);
    assert_eq!(parties.len(), 1);
    assert_eq!(parties[0].0, "urn:altinn:person:identifier-no:13913712581");
    assert_eq!(parties[0].1["isCurrentEndUser"], true);
    assert_eq!(parties[0].1["dateOfBirth"], "1937-11-13");

    // Revoking the role removes the organisation on the next request.
    change(
        &server,
        false,
        PARTY_ORG,
        PARTY_PERSON,
        &Right::Role("DAGL".into()),
    )
    .await;
    let answer = get(&server, PARTIES, &token, &[]).await;
    assert_eq!(
        parties_by_urn(&answer.body)
            .iter()
            .map(|(urn, _)| *urn)
            .collect::<Vec<_>>(),
        [PARTY_PERSON]
    );
}

#[tokio::test]
async fn system_users_and_email_users_have_their_parties() {
    let server = TestServer::local().await;
    let system = server.system_user().await;
    let answer = get(&server, PARTIES, &system, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let parties = parties_by_urn(&answer.body);
    assert_eq!(parties.len(), 1);
    assert_eq!(parties[0].0, SYSTEM_ORG);
    assert_eq!(parties[0].1["name"], "SYSTEMBRUKER DEMO AS");
    assert_eq!(parties[0].1["isCurrentEndUser"], false);

    let email = server.email_user().await;
    let answer = get(&server, PARTIES, &email, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let parties = parties_by_urn(&answer.body);
    assert_eq!(parties.len(), 1);
    assert_eq!(parties[0].0, EMAIL_PARTY);
    assert_eq!(parties[0].1["partyType"], "SelfIdentified");
    assert_eq!(parties[0].1["isCurrentEndUser"], true);
    assert!(parties[0].1.get("dateOfBirth").is_none());

    // A system user without rights has no parties (not an error).
    change(
        &server,
        false,
        SYSTEM_ORG,
        SYSTEM_USER,
        &Right::Resource {
            resource: "ttd-dialogporten-automated-tests".into(),
            actions: None,
        },
    )
    .await;
    let answer = get(&server, PARTIES, &system, &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({ "authorizedParties": [] }));
}

#[tokio::test]
async fn sub_units_are_nested_under_their_main_unit() {
    let server = TestServer::local().await;
    with_subunits(&server).await;
    let token = server.person("08844397713").await;
    let answer = get(&server, PARTIES, &token, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let parties = parties_by_urn(&answer.body);
    let (_, org) = parties.iter().find(|(urn, _)| *urn == PARTY_ORG).unwrap();
    assert_eq!(org["hasOnlyAccessToSubParties"], false);
    let subs = org["subParties"].as_array().unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["party"], SUBUNIT);
    assert_eq!(subs[0]["name"], "ÆRLIG UROKKELIG TIGER AS AVD BERGEN");
    assert_eq!(subs[0]["subParties"], json!([]));
    assert!(
        !parties.iter().any(|(urn, _)| *urn == SUBUNIT),
        "not flattened"
    );

    // A right on a sub-unit only: the main unit is listed as a hierarchy element without access.
    let other = server.person("08895699684").await;
    let answer = get(&server, PARTIES, &other, &[]).await;
    let parties = parties_by_urn(&answer.body);
    let (_, main) = parties
        .iter()
        .find(|(urn, _)| *urn == OTHER_MAIN_UNIT)
        .unwrap();
    assert_eq!(main["hasOnlyAccessToSubParties"], true);
    assert_eq!(main["subParties"][0]["party"], OTHER_SUBUNIT);
    assert_eq!(main["subParties"][0]["hasOnlyAccessToSubParties"], false);

    // The sub-unit's dialogs are readable through the main unit's role.
    let so = server.ttd().await;
    let id = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, SUBUNIT))
        .await;
    let answer = get(
        &server,
        &format!("/api/v1/enduser/dialogs/{id}"),
        &token,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let answer = get(
        &server,
        &format!("{RESOURCES}?party={SUBUNIT}"),
        &token,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.body["items"][0]["serviceResource"]["id"],
        "ttd-dialogporten-automated-tests"
    );
}

#[tokio::test]
async fn parties_need_an_accept_header_that_allows_json() {
    let server = TestServer::local().await;
    let token = server.person("08844397713").await;
    for accept in ["text/html", "application/xml, text/plain"] {
        let answer = get(&server, PARTIES, &token, &[("accept", accept)]).await;
        assert_eq!(answer.status, 406, "{accept}");
        assert_eq!(
            answer.body["errors"]["Accept"],
            json!(["The request must accept application/json responses."])
        );
    }
    for accept in ["application/json", "*/*", "text/html, application/*;q=0.1"] {
        let answer = get(&server, PARTIES, &token, &[("accept", accept)]).await;
        assert_eq!(answer.status, 200, "{accept}");
    }
}

// ---------------------------------------------------------------------------------------------
// Authorized service resources

fn resource_ids(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["serviceResource"]["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn service_resources_are_the_authorized_ones_that_dialogs_refer_to() {
    let server = TestServer::local().await;
    let token = server.person("08844397713").await;
    // Nothing is referenced yet: pruning to the referenced catalogue leaves nothing.
    let answer = get(&server, RESOURCES, &token, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body, json!({ "items": [] }));

    let so = server.ttd().await;
    let brg = server.brg().await;
    for (token, resource, party) in [
        (&so, TTD_RESOURCE, PARTY_PERSON),
        (&so, SUPER_SIMPLE, PARTY_ORG),
        (&brg, BRG_RESOURCE, OTHER_PERSON),
        (&so, SUPER_SIMPLE, SYSTEM_ORG),
    ] {
        server
            .create_dialog(token, &minimal_dialog(resource, party))
            .await;
    }
    let answer = get(&server, RESOURCES, &token, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // Sorted by name ("Dialogporten automated tests", "Super simple service").
    assert_eq!(
        resource_ids(&answer.body),
        ["ttd-dialogporten-automated-tests", "super-simple-service"]
    );
    assert!(answer.body.get("isFullCatalogueFallback").is_none());
    let item = &answer.body["items"][1];
    let resource = &item["serviceResource"];
    assert_eq!(resource["resourceType"], "GenericAccessResource");
    assert_eq!(resource["minimumAuthenticationLevel"], 3);
    assert_eq!(resource["isDelegable"], true);
    assert_eq!(
        resource["links"]["metadata"],
        "https://platform.tt02.altinn.no/resourceregistry/api/v1/resource/super-simple-service"
    );
    assert_eq!(resource["name"].as_array().unwrap().len(), 2, "en and nb");
    assert_eq!(item["serviceOwner"]["code"], "ttd");
    assert_eq!(item["serviceOwner"]["orgNumber"], "991825827");
    let roles: Vec<&str> = item["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["urn"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["urn:altinn:rolecode:dagl", "urn:altinn:rolecode:priv"]
    );
    assert_eq!(item["accessPackages"], json!([]));

    // Party filters narrow the union; parties the caller may not represent are ignored.
    let answer = get(
        &server,
        &format!("{RESOURCES}?party={PARTY_ORG}"),
        &token,
        &[],
    )
    .await;
    assert_eq!(resource_ids(&answer.body), ["super-simple-service"]);
    let answer = get(
        &server,
        &format!("{RESOURCES}?party={OTHER_PERSON}&Party={PARTY_PERSON}"),
        &token,
        &[],
    )
    .await;
    assert_eq!(
        resource_ids(&answer.body),
        ["ttd-dialogporten-automated-tests"]
    );
    let answer = get(
        &server,
        &format!("{RESOURCES}?party={OTHER_PERSON}"),
        &token,
        &[],
    )
    .await;
    assert_eq!(answer.body, json!({ "items": [] }));

    // The other person sees brg's resource on their own party; the system user nothing yet
    // (its organisation's only dialog is on a resource it was not delegated).
    let other = server.person("08895699684").await;
    let answer = get(&server, RESOURCES, &other, &[]).await;
    assert_eq!(
        resource_ids(&answer.body),
        ["brg-dialogporten-automated-tests"]
    );
    assert_eq!(answer.body["items"][0]["serviceOwner"]["code"], "brg");
    let system = server.system_user().await;
    assert_eq!(
        get(&server, RESOURCES, &system, &[]).await.body,
        json!({ "items": [] })
    );
    server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, SYSTEM_ORG))
        .await;
    let answer = get(&server, RESOURCES, &system, &[]).await;
    assert_eq!(
        resource_ids(&answer.body),
        ["ttd-dialogporten-automated-tests"]
    );
}

#[tokio::test]
async fn service_resources_prune_languages_and_validate_parties() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_PERSON))
        .await;
    let token = server.person("08844397713").await;
    let answer = get(&server, RESOURCES, &token, &[("accept-language", "nb")]).await;
    let item = &answer.body["items"][0];
    assert_eq!(
        item["serviceResource"]["name"],
        json!([{ "languageCode": "nb", "value": "Dialogporten automatiserte tester" }])
    );
    assert_eq!(
        item["serviceOwner"]["name"],
        json!([{ "languageCode": "nb", "value": "Digitaliseringsdirektoratet" }])
    );
    assert_eq!(
        item["roles"][0]["name"],
        json!([{ "languageCode": "nb", "value": "Daglig leder" }])
    );
    let answer = get(&server, RESOURCES, &token, &[("accept-language", "en-GB")]).await;
    assert_eq!(
        answer.body["items"][0]["serviceResource"]["name"],
        json!([{ "languageCode": "en", "value": "Dialogporten automated tests" }])
    );

    for query in [
        "party=",
        "party=urn:altinn:organization:identifier-no:310923045",
        "party=nonsense",
    ] {
        let answer = get(&server, &format!("{RESOURCES}?{query}"), &token, &[]).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        assert!(answer.body["errors"]["Parties[0]"].is_array(), "{query}");
    }
    let many: Vec<String> = (0..101).map(|_| format!("party={PARTY_ORG}")).collect();
    let answer = get(
        &server,
        &format!("{RESOURCES}?{}", many.join("&")),
        &token,
        &[],
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body["errors"]["Parties.Length"].is_array());
}

// ---------------------------------------------------------------------------------------------
// Dialog lookup

fn lookup(reference: &str) -> String {
    format!("{LOOKUP}?instanceRef={reference}")
}

#[tokio::test]
async fn the_lookup_finds_the_dialog_and_shows_the_evidence() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let instance = uuid::Uuid::new_v4();
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["content"]["title"]["value"] = json!([
        { "languageCode": "nb", "value": "En tittel" },
        { "languageCode": "en", "value": "A title" }
    ]);
    body["serviceOwnerContext"] = json!({ "serviceOwnerLabels": [
        { "value": format!("urn:altinn:integration:storage:50001/{instance}") } ] });
    let id = server.create_dialog(&so, &body).await;
    let token = server.person("08844397713").await;
    let app_ref = format!("urn:altinn:instance-id:50001/{instance}");

    // By dialog id: the answer names the app instance the dialog carries.
    let answer = get(
        &server,
        &lookup(&format!("urn:altinn:dialog-id:{id}")),
        &token,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let found = &answer.body;
    assert_eq!(found["dialogId"], json!(id));
    assert_eq!(found["instanceRef"], json!(app_ref));
    assert_eq!(found["party"], PARTY_ORG);
    assert_eq!(found["serviceOwner"]["code"], "ttd");
    assert_eq!(found["serviceOwner"]["orgNumber"], "991825827");
    assert_eq!(found["serviceResource"]["id"], TTD_RESOURCE);
    assert_eq!(found["serviceResource"]["minimumAuthenticationLevel"], 3);
    assert_eq!(found["title"].as_array().unwrap().len(), 2);
    let evidence = &found["authorizationEvidence"];
    assert_eq!(evidence["currentAuthenticationLevel"], 3);
    assert_eq!(evidence["viaRole"], true);
    assert_eq!(evidence["viaAccessPackage"], false);
    assert_eq!(evidence["viaResourceDelegation"], false);
    assert_eq!(evidence["viaInstanceDelegation"], false);
    let items = evidence["evidence"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["grantType"], "Role");
    assert_eq!(items[0]["subject"], "urn:altinn:rolecode:dagl");
    assert_eq!(items[0]["name"].as_array().unwrap().len(), 3);
    assert!(
        items[0]["links"]["metadata"].as_str().unwrap().starts_with(
            "https://platform.tt02.altinn.no/accessmanagement/api/v1/meta/info/roles/"
        )
    );

    // By the app instance, in either spelling and any case; Accept-Language prunes.
    for reference in [
        app_ref.clone(),
        format!("urn:altinn:integration:storage:50001/{instance}"),
        format!(
            "URN:ALTINN:INSTANCE-ID:50001/{}",
            instance.to_string().to_uppercase()
        ),
    ] {
        let answer = get(
            &server,
            &lookup(&reference),
            &token,
            &[("accept-language", "en")],
        )
        .await;
        assert_eq!(answer.status, 200, "{reference}: {}", answer.text);
        assert_eq!(answer.body["dialogId"], json!(id));
        assert_eq!(answer.body["instanceRef"], json!(app_ref));
        assert_eq!(
            answer.body["title"],
            json!([{ "languageCode": "en", "value": "A title" }])
        );
        assert_eq!(
            answer.body["serviceResource"]["name"],
            json!([{ "languageCode": "en", "value": "Dialogporten automated tests" }])
        );
        assert_eq!(
            answer.body["authorizationEvidence"]["evidence"][0]["name"],
            json!([{ "languageCode": "en", "value": "Managing director" }])
        );
    }

    // Not authorized: 403. Unknown: 404. Malformed: 400.
    let other = server.person("08895699684").await;
    let answer = get(&server, &lookup(&app_ref), &other, &[]).await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    assert_eq!(answer.body["errors"]["Forbidden"], json!(["Forbidden"]));
    let unknown = format!("urn:altinn:dialog-id:{}", v7());
    let answer = get(&server, &lookup(&unknown), &token, &[]).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    assert_eq!(
        answer.body["errors"]["InstanceRef"],
        json!([format!(
            "Entity 'InstanceRef' with the following key(s) was not found: ({unknown})."
        )])
    );
    let answer = get(
        &server,
        &lookup(&format!("urn:altinn:instance-id:50002/{instance}")),
        &token,
        &[],
    )
    .await;
    assert_eq!(answer.status, 404);
    for bad in [
        lookup("urn:altinn:dialog-id:nope"),
        lookup(""),
        LOOKUP.to_owned(),
        lookup(&format!("urn:altinn:instance-id:{instance}")),
    ] {
        let answer = get(&server, &bad, &token, &[]).await;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.text);
        assert!(answer.body["errors"]["InstanceRef"].is_array());
    }

    // Deleted dialogs are not found.
    server
        .send(
            "DELETE",
            &format!("/api/v1/serviceowner/dialogs/{id}"),
            &so,
            None,
            &[],
        )
        .await;
    let answer = get(&server, &lookup(&app_ref), &token, &[]).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
}

#[tokio::test]
async fn lookup_evidence_for_each_kind_of_right() {
    let server = TestServer::local().await;
    let so = server.ttd().await;

    // PRIV on one's own party is a role.
    let own = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_PERSON))
        .await;
    let token = server.person("08844397713").await;
    let answer = get(
        &server,
        &lookup(&format!("urn:altinn:dialog-id:{own}")),
        &token,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.body["instanceRef"],
        json!(format!("urn:altinn:dialog-id:{own}"))
    );
    let evidence = &answer.body["authorizationEvidence"];
    assert_eq!(
        evidence["evidence"][0]["subject"],
        "urn:altinn:rolecode:priv"
    );
    assert_eq!(evidence["viaRole"], true);

    // The system user's resource delegation.
    let system_dialog = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, SYSTEM_ORG))
        .await;
    let system = server.system_user().await;
    let answer = get(
        &server,
        &lookup(&format!("urn:altinn:dialog-id:{system_dialog}")),
        &system,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let evidence = &answer.body["authorizationEvidence"];
    assert_eq!(evidence["viaRole"], false);
    assert_eq!(evidence["viaResourceDelegation"], true);
    assert_eq!(evidence["currentAuthenticationLevel"], 3);
    assert_eq!(
        evidence["evidence"],
        json!([{ "grantType": "ResourceDelegation", "subject": TTD_RESOURCE }])
    );

    // An instance delegation of one dialog to someone without other rights on the party.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    let correspondence = uuid::Uuid::new_v4();
    body["serviceOwnerContext"] = json!({ "serviceOwnerLabels": [
        { "value": format!("urn:altinn:correspondence-id:{correspondence}") } ] });
    let delegated = server.create_dialog(&so, &body).await;
    let correspondence_ref = format!("urn:altinn:correspondence-id:{correspondence}");
    let other = server.person("08895699684").await;
    assert_eq!(
        get(&server, &lookup(&correspondence_ref), &other, &[])
            .await
            .status,
        403
    );
    change_right(
        store(&server).await.as_ref(),
        true,
        PARTY_ORG,
        OTHER_PERSON,
        &Right::Instance {
            resource: "ttd-dialogporten-automated-tests".into(),
            instance_ref: correspondence_ref.clone(),
            actions: None,
        },
    )
    .await
    .unwrap();
    for reference in [
        correspondence_ref.clone(),
        format!("urn:altinn:dialog-id:{delegated}"),
    ] {
        let answer = get(&server, &lookup(&reference), &other, &[]).await;
        assert_eq!(answer.status, 200, "{reference}: {}", answer.text);
        assert_eq!(answer.body["dialogId"], json!(delegated));
        assert_eq!(answer.body["instanceRef"], json!(correspondence_ref));
        let evidence = &answer.body["authorizationEvidence"];
        assert_eq!(evidence["viaInstanceDelegation"], true);
        assert_eq!(evidence["viaRole"], false);
        assert_eq!(
            evidence["evidence"],
            json!([{ "grantType": "InstanceDelegation", "subject": correspondence_ref }])
        );
    }
    // The delegation names this instance only.
    let sibling = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    assert_eq!(
        get(
            &server,
            &lookup(&format!("urn:altinn:dialog-id:{sibling}")),
            &other,
            &[]
        )
        .await
        .status,
        403
    );

    // The lookup reports the level; the level is not a condition of the lookup itself.
    let email_dialog = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, EMAIL_PARTY))
        .await;
    let email = server.email_user().await;
    let answer = get(
        &server,
        &lookup(&format!("urn:altinn:dialog-id:{email_dialog}")),
        &email,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.body["authorizationEvidence"]["currentAuthenticationLevel"],
        0
    );
}
