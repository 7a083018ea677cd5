//! The end-user dialog search over HTTP (api.md §3.2–3.4, §4.9; authz.md §3.4, §3.7): who
//! lists what, the implicit visibility filters, validation, ordering and keyset pages, free
//! text, the `org` filter, the end-user view of an item, and rights changes taking effect on
//! the next request.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use common::dialogs::*;
use dialogporten::registry::{Right, change_right};
use serde_json::{Value, json};

const SEARCH: &str = "/api/v1/enduser/dialogs";
const SO_DIALOGS: &str = "/api/v1/serviceowner/dialogs";
const SIMPLE_RESOURCE: &str = "urn:altinn:resource:super-simple-service";
/// Holds only `PRIV` on themselves.
const OTHER_PERSON: &str = "urn:altinn:person:identifier-no:08895699684";
/// The system user's owner; the system user holds a delegation of `TTD_RESOURCE` only.
const SYSTEM_ORG: &str = "urn:altinn:organization:identifier-no:310057223";
const EMAIL_PARTY: &str = "urn:altinn:person:idporten-email:someone@example.com";

fn text(value: &str) -> Value {
    json!({ "value": [ { "languageCode": "nb", "value": value } ] })
}

/// A 200 end-user search answer's body; panics on any other status.
async fn page(server: &TestServer, token: &str, pairs: &[(&str, &str)]) -> Value {
    search_page(server, token, SEARCH, pairs).await
}

/// The ids a search returns, as a set.
async fn found(server: &TestServer, token: &str, pairs: &[(&str, &str)]) -> BTreeSet<String> {
    ids(&page(server, token, pairs).await).into_iter().collect()
}

/// Every party the tests create dialogs on.
const ALL_PARTIES: &[(&str, &str)] = &[
    ("party", PARTY_PERSON),
    ("party", PARTY_ORG),
    ("party", OTHER_PERSON),
    ("party", SYSTEM_ORG),
    ("party", EMAIL_PARTY),
];

#[tokio::test]
async fn each_end_user_lists_only_the_dialogs_they_are_authorized_for() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let create = |resource: &'static str, party: &'static str| {
        let server = &server;
        let so = so.clone();
        async move {
            server
                .create_dialog(&so, &minimal_dialog(resource, party))
                .await
        }
    };
    let own = create(TTD_RESOURCE, PARTY_PERSON).await;
    let org = create(TTD_RESOURCE, PARTY_ORG).await;
    let org_simple = create(SIMPLE_RESOURCE, PARTY_ORG).await;
    let other = create(TTD_RESOURCE, OTHER_PERSON).await;
    let system = create(TTD_RESOURCE, SYSTEM_ORG).await;
    let system_simple = create(SIMPLE_RESOURCE, SYSTEM_ORG).await;
    let email = create(TTD_RESOURCE, EMAIL_PARTY).await;

    let dagl = server.person("08844397713").await;
    assert_eq!(
        found(&server, &dagl, ALL_PARTIES).await,
        set(&[&own, &org, &org_simple]),
        "their own party (PRIV) and the organisation they are DAGL of"
    );
    assert_eq!(
        found(&server, &dagl, &[("serviceResource", TTD_RESOURCE)]).await,
        set(&[&own, &org]),
        "a service resource alone is enough"
    );
    assert_eq!(
        found(&server, &dagl, &[("party", SYSTEM_ORG)]).await,
        BTreeSet::new()
    );

    let lykkelig = server.person("08895699684").await;
    assert_eq!(
        found(&server, &lykkelig, ALL_PARTIES).await,
        set(&[&other]),
        "no role anywhere: only their own party"
    );

    let system_token = server.system_user().await;
    assert_eq!(
        found(&server, &system_token, ALL_PARTIES).await,
        set(&[&system]),
        "the delegated resource on its owner, not {system_simple}"
    );
    assert_eq!(
        found(
            &server,
            &system_token,
            &[("serviceResource", SIMPLE_RESOURCE)]
        )
        .await,
        BTreeSet::new()
    );

    let email_token = server.email_user().await;
    assert_eq!(
        found(&server, &email_token, ALL_PARTIES).await,
        set(&[&email])
    );
}

#[tokio::test]
async fn party_or_service_resource_is_required_and_values_are_validated() {
    let server = TestServer::local().await;
    let token = server.person("08844397713").await;
    let errors = |pairs: &'static [(&'static str, &'static str)]| {
        let server = &server;
        let token = token.clone();
        async move {
            let (status, body) = server
                .get_json(&format!("{SEARCH}{}", query(pairs)), &token)
                .await;
            assert_eq!(status, 400, "{pairs:?}: {body}");
            assert_eq!(body["title"], "One or more validation errors occurred.");
            body["errors"].clone()
        }
    };
    let e = errors(&[]).await;
    assert_eq!(
        e[""],
        json!(["Either ServiceResource or Party must be specified."])
    );
    let e = errors(&[("org", "ttd")]).await;
    assert!(e.get("").is_some(), "{e}");
    let e = errors(&[("party", "urn:altinn:organization:identifier-no:123")]).await;
    assert!(e.get("party[0]").is_some(), "{e}");
    let e = errors(&[("party", PARTY_ORG), ("search", "ab")]).await;
    assert_eq!(
        e["search"],
        json!(["The length of 'Search' must be at least 3 characters. You entered 2 characters."])
    );
    let e = errors(&[("party", PARTY_ORG), ("searchLanguageCode", "no")]).await;
    assert!(e.get("searchLanguageCode").is_some(), "{e}");
    let e = errors(&[
        ("party", PARTY_ORG),
        ("createdAfter", "2024-01-02T00:00:00Z"),
        ("createdBefore", "2024-01-01T00:00:00Z"),
    ])
    .await;
    assert_eq!(
        e["createdAfter"],
        json!(["'CreatedAfter' must be less than or equal to 'CreatedBefore'."])
    );
    let e = errors(&[("party", PARTY_ORG), ("limit", "1001")]).await;
    assert!(e.get("limit").is_some(), "{e}");
    let e = errors(&[("party", PARTY_ORG), ("orderBy", "nope")]).await;
    assert!(e.get("orderBy").is_some(), "{e}");
    let e = errors(&[("party", PARTY_ORG), ("status", "nope")]).await;
    assert!(e.get("status").is_some(), "{e}");

    // 100 parties are allowed, 101 are not.
    let many: Vec<(&str, &str)> = std::iter::repeat_n(("party", PARTY_ORG), 100).collect();
    page(&server, &token, &many).await;
    let too_many: Vec<(&str, &str)> = std::iter::repeat_n(("party", PARTY_ORG), 101).collect();
    let (status, body) = server
        .get_json(&format!("{SEARCH}{}", query(&too_many)), &token)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"]["party.Count"],
        json!(["'Count' must be less than or equal to '100'."])
    );
    // The service-owner-only filters are no filters here.
    page(
        &server,
        &token,
        &[
            ("party", PARTY_ORG),
            ("deleted", "nope"),
            ("endUserId", "x"),
        ],
    )
    .await;
}

#[tokio::test]
async fn hidden_expired_and_deleted_dialogs_are_not_listed() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let silent = |body: Value| {
        let server = &server;
        let so = so.clone();
        async move {
            let answer = server
                .send_json(
                    "POST",
                    &format!("{SO_DIALOGS}?isSilentUpdate=true"),
                    &so,
                    &body,
                    &[],
                )
                .await;
            assert_eq!(answer.status, 201, "{}", answer.text);
            answer.body.as_str().unwrap().to_owned()
        }
    };
    let plain = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let not_yet_visible = server
        .create_dialog(
            &so,
            &dialog_on(
                TTD_RESOURCE,
                PARTY_ORG,
                json!({ "visibleFrom": "2040-01-01T00:00:00Z" }),
            ),
        )
        .await;
    let expiring_later = server
        .create_dialog(
            &so,
            &dialog_on(
                TTD_RESOURCE,
                PARTY_ORG,
                json!({ "expiresAt": "2040-01-01T00:00:00Z" }),
            ),
        )
        .await;
    let visible_since = silent(dialog_on(
        TTD_RESOURCE,
        PARTY_ORG,
        json!({ "visibleFrom": "2024-01-01T00:00:00Z" }),
    ))
    .await;
    let expired = silent(dialog_on(
        TTD_RESOURCE,
        PARTY_ORG,
        json!({ "expiresAt": "2024-01-01T00:00:00Z" }),
    ))
    .await;
    let deleted = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let answer = server
        .send("DELETE", &format!("{SO_DIALOGS}/{deleted}"), &so, None, &[])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);

    let token = server.person("08844397713").await;
    assert_eq!(
        found(&server, &token, &[("party", PARTY_ORG)]).await,
        set(&[&plain, &expiring_later, &visible_since]),
        "not {not_yet_visible}, {expired} or {deleted}"
    );
    // The service owner still sees all but the deleted one.
    let (status, body) = server
        .get_json(&format!("{SO_DIALOGS}?party={}", encode(PARTY_ORG)), &so)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().unwrap().len(), 5, "{body}");
}

/// Walks every page of a search; returns the ids in order.
async fn walk(
    server: &TestServer,
    token: &str,
    pairs: &[(&str, &str)],
    limit: usize,
) -> Vec<String> {
    let limit_text = limit.to_string();
    let mut all = Vec::new();
    let mut continuation: Option<String> = None;
    for _ in 0..50 {
        let mut request: Vec<(&str, &str)> = pairs.to_vec();
        request.push(("limit", &limit_text));
        if let Some(token) = &continuation {
            request.push(("continuationToken", token));
        }
        let body = page(server, token, &request).await;
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{body}");
        all.extend(ids(&body));
        if !items.is_empty() {
            assert!(body["continuationToken"].is_string(), "{body}");
        }
        if body["hasNextPage"] == false {
            return all;
        }
        assert_eq!(items.len(), limit, "a page before the last is full: {body}");
        continuation = Some(body["continuationToken"].as_str().unwrap().to_owned());
    }
    panic!("more than 50 pages");
}

#[tokio::test]
async fn results_are_ordered_and_paged_by_keyset() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let mut by_created = Vec::new();
    for day in 1..=7 {
        let when = format!("2024-03-0{day}T12:00:00Z");
        let party = if day % 2 == 0 {
            PARTY_ORG
        } else {
            PARTY_PERSON
        };
        by_created.push(
            server
                .create_dialog(
                    &so,
                    &dialog_on(
                        TTD_RESOURCE,
                        party,
                        json!({ "createdAt": when, "updatedAt": when }),
                    ),
                )
                .await,
        );
    }
    // One the user may not list, in the middle of the order.
    server
        .create_dialog(
            &so,
            &dialog_on(
                TTD_RESOURCE,
                OTHER_PERSON,
                json!({ "createdAt": "2024-03-04T13:00:00Z", "updatedAt": "2024-03-04T13:00:00Z" }),
            ),
        )
        .await;
    let token = server.person("08844397713").await;
    let parties = [
        ("party", PARTY_PERSON),
        ("party", PARTY_ORG),
        ("party", OTHER_PERSON),
    ];
    let first = page(&server, &token, &parties).await;
    assert_eq!(first["orderBy"], "contentupdatedat_desc,id_desc");
    let newest_first: Vec<String> = by_created.iter().rev().cloned().collect();
    assert_eq!(ids(&first), newest_first, "content updated, newest first");

    let ascending = [parties.to_vec(), vec![("orderBy", "createdAt_asc")]].concat();
    assert_eq!(walk(&server, &token, &ascending, 3).await, by_created);
    assert_eq!(walk(&server, &token, &parties, 2).await, newest_first);

    let first = page(
        &server,
        &token,
        &[ascending.clone(), vec![("limit", "3")]].concat(),
    )
    .await;
    assert_eq!(first["hasNextPage"], true);
    assert_eq!(first["orderBy"], "createdat_asc,id_desc");
    let last = &first["items"][2];
    assert_eq!(
        first["continuationToken"].as_str().unwrap(),
        format!(
            "createdat_{},id_{}",
            last["createdAt"].as_str().unwrap(),
            last["id"].as_str().unwrap()
        )
    );
    // A token must name every sort key.
    let (status, body) = server
        .get_json(
            &format!(
                "{SEARCH}{}",
                query(&[
                    ("party", PARTY_ORG),
                    ("orderBy", "createdAt_asc"),
                    (
                        "continuationToken",
                        "id_0c089101-b7cf-a476-955c-f00a78d74a4e"
                    ),
                ])
            ),
            &token,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"]["continuationToken"],
        json!(["ContinuationToken does not match OrderBy. Missing token keys: [createdAt]."])
    );
}

#[tokio::test]
async fn free_text_matches_what_the_user_may_list_with_or_semantics() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let titled = |party: &'static str, title: &'static str, tags: Value| {
        let server = &server;
        let so = so.clone();
        async move {
            let body = dialog_on(
                TTD_RESOURCE,
                party,
                json!({ "content": { "title": text(title) }, "searchTags": tags }),
            );
            server.create_dialog(&so, &body).await
        }
    };
    let tax = titled(PARTY_ORG, "Skattemelding for 2024", json!([])).await;
    let kindergarten = titled(
        PARTY_PERSON,
        "Søknad om plass",
        json!([ { "value": "barnehage" } ]),
    )
    .await;
    let _foreign = titled(OTHER_PERSON, "Skattemelding annen", json!([])).await;
    let token = server.person("08844397713").await;
    let search = |words: &'static str| {
        let mut pairs = ALL_PARTIES.to_vec();
        pairs.push(("search", words));
        pairs
    };
    assert_eq!(
        found(&server, &token, &search("skattemelding")).await,
        set(&[&tax])
    );
    assert_eq!(
        found(&server, &token, &search("Barnehage")).await,
        set(&[&kindergarten])
    );
    assert_eq!(
        found(&server, &token, &search("barnehage skattemelding")).await,
        set(&[&tax, &kindergarten])
    );
    let mut with_language = search("skattemelding");
    with_language.push(("searchLanguageCode", "nb-NO"));
    assert_eq!(found(&server, &token, &with_language).await, set(&[&tax]));
    assert_eq!(
        found(&server, &token, &search("ingenting")).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn the_org_filter_keeps_the_named_service_owners_dialogs() {
    let server = TestServer::local().await;
    let ttd = server
        .create_dialog(
            &server.ttd().await,
            &minimal_dialog(TTD_RESOURCE, PARTY_ORG),
        )
        .await;
    let brg = server
        .create_dialog(
            &server.brg().await,
            &minimal_dialog(BRG_RESOURCE, PARTY_ORG),
        )
        .await;
    let token = server.person("08844397713").await;
    let party = ("party", PARTY_ORG);
    assert_eq!(found(&server, &token, &[party]).await, set(&[&ttd, &brg]));
    assert_eq!(
        found(&server, &token, &[party, ("org", "ttd")]).await,
        set(&[&ttd])
    );
    assert_eq!(
        found(&server, &token, &[party, ("org", "brg")]).await,
        set(&[&brg])
    );
    assert_eq!(
        found(&server, &token, &[party, ("org", "brg"), ("org", "ttd")]).await,
        set(&[&ttd, &brg])
    );
    assert_eq!(
        found(&server, &token, &[party, ("org", "skd")]).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn items_are_the_end_user_view_pruned_to_the_accepted_language() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let id = server
        .create_dialog(
            &so,
            &dialog_on(
                TTD_RESOURCE,
                PARTY_ORG,
                json!({
                    "content": {
                        "title": { "value": [
                            { "languageCode": "nb", "value": "Tittel" },
                            { "languageCode": "en", "value": "Title" } ] },
                        "nonSensitiveTitle": text("Ikke-sensitiv tittel"),
                        "summary": text("Sammendrag"),
                        "nonSensitiveSummary": text("Ikke-sensitivt sammendrag"),
                    },
                    "serviceOwnerContext": { "serviceOwnerLabels": [ { "value": "intern" } ] },
                    "visibleFrom": "2030-01-01T00:00:00Z",
                }),
            ),
        )
        .await;
    // Visible now, with an activity by a person.
    let visible = server
        .send_json(
            "POST",
            &format!("{SO_DIALOGS}?isSilentUpdate=true"),
            &so,
            &dialog_on(
                TTD_RESOURCE,
                PARTY_ORG,
                json!({
                    "content": {
                        "title": { "value": [
                            { "languageCode": "nb", "value": "Tittel" },
                            { "languageCode": "en", "value": "Title" } ] },
                        "nonSensitiveTitle": text("Ikke-sensitiv tittel"),
                        "summary": text("Sammendrag"),
                        "nonSensitiveSummary": text("Ikke-sensitivt sammendrag"),
                    },
                    "serviceOwnerContext": { "serviceOwnerLabels": [ { "value": "intern" } ] },
                    "visibleFrom": "2024-01-01T00:00:00Z",
                    "activities": [ {
                        "type": "information",
                        "performedBy": { "actorType": "partyRepresentative", "actorId": PARTY_PERSON },
                        "description": [ { "languageCode": "nb", "value": "Gjort" } ]
                    } ],
                }),
            ),
            &[],
        )
        .await;
    assert_eq!(visible.status, 201, "{}", visible.text);
    let visible = visible.body.as_str().unwrap().to_owned();
    let token = server.person("08844397713").await;
    let path = format!("{SEARCH}{}", query(&[("party", PARTY_ORG)]));

    let answer = server.send("GET", &path, &token, None, &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(ids(&answer.body), vec![visible.clone()], "not {id} yet");
    let item = &answer.body["items"][0];
    for hidden in [
        "revision",
        "deletedAt",
        "visibleFrom",
        "serviceOwnerContext",
    ] {
        assert!(item.get(hidden).is_none(), "{hidden}: {item}");
    }
    assert_eq!(
        item["content"]["title"]["value"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        item["content"]["summary"]["value"][0]["value"],
        "Sammendrag"
    );
    assert!(item["content"].get("nonSensitiveTitle").is_none(), "{item}");
    let actor = item["latestActivity"]["performedBy"]["actorId"]
        .as_str()
        .unwrap();
    assert!(
        actor.starts_with("urn:altinn:person:identifier-ephemeral:"),
        "{actor}"
    );

    let english = server
        .send(
            "GET",
            &path,
            &token,
            None,
            &[("Accept-Language", "en-GB, nb;q=0.5")],
        )
        .await;
    assert_eq!(
        english.body["items"][0]["content"]["title"]["value"],
        json!([ { "languageCode": "en", "value": "Title" } ])
    );
    let norwegian = server
        .send("GET", &path, &token, None, &[("Accept-Language", "nb")])
        .await;
    assert_eq!(
        norwegian.body["items"][0]["content"]["title"]["value"],
        json!([ { "languageCode": "nb", "value": "Tittel" } ])
    );

    // Below the resource's minimum level (3): the non-sensitive title and summary.
    let low = server
        .test_token(
            "GetPersonalToken",
            "env=tt02&scopes=digdir:dialogporten&pid=08844397713&authLvl=2",
        )
        .await;
    let body = server.get_json(&path, &low).await.1;
    assert_eq!(
        body["items"][0]["content"]["title"]["value"],
        text("Ikke-sensitiv tittel")["value"]
    );
    assert_eq!(
        body["items"][0]["content"]["summary"]["value"],
        text("Ikke-sensitivt sammendrag")["value"]
    );
}

#[tokio::test]
async fn rights_granted_or_revoked_take_effect_on_the_next_search() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let org = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let system = server
        .create_dialog(&so, &minimal_dialog(SIMPLE_RESOURCE, SYSTEM_ORG))
        .await;
    let store = server.store().await;
    let dagl = Right::Role("DAGL".into());
    let token = server.person("08844397713").await;
    let party = [("party", PARTY_ORG)];
    assert_eq!(found(&server, &token, &party).await, set(&[&org]));

    assert!(
        change_right(store.as_ref(), false, PARTY_ORG, PARTY_PERSON, &dagl)
            .await
            .unwrap()
    );
    let empty = page(&server, &token, &party).await;
    assert_eq!(empty["items"], json!([]));
    assert_eq!(empty["hasNextPage"], false);
    assert_eq!(empty["orderBy"], "contentupdatedat_desc,id_desc");

    assert!(
        change_right(store.as_ref(), true, PARTY_ORG, PARTY_PERSON, &dagl)
            .await
            .unwrap()
    );
    assert_eq!(found(&server, &token, &party).await, set(&[&org]));

    // An instance delegation lists that one dialog, on a party the user has nothing else on.
    let instance = Right::Instance {
        resource: "super-simple-service".into(),
        instance_ref: format!("urn:altinn:dialog-id:{system}"),
        actions: None,
    };
    let lykkelig = server.person("08895699684").await;
    let system_party = [("party", SYSTEM_ORG)];
    assert_eq!(
        found(&server, &lykkelig, &system_party).await,
        BTreeSet::new()
    );
    assert!(
        change_right(store.as_ref(), true, SYSTEM_ORG, OTHER_PERSON, &instance)
            .await
            .unwrap()
    );
    assert_eq!(
        found(&server, &lykkelig, &system_party).await,
        set(&[&system])
    );
    assert!(
        change_right(store.as_ref(), false, SYSTEM_ORG, OTHER_PERSON, &instance)
            .await
            .unwrap()
    );
    assert_eq!(
        found(&server, &lykkelig, &system_party).await,
        BTreeSet::new()
    );
}
