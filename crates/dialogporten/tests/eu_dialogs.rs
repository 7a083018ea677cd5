//! End users read dialogs exactly as far as the registry's rights reach (issue 4; api.md §1,
//! §4.7–4.9, §6; authz.md §3), over HTTP with tokens from the embedded generator and the demo
//! registry: who may read what, revocation on the next request, the minimum authentication
//! level, visibility, the dialog token, authorization flags and URL replacement, the seen log,
//! every sub-resource, and system labels. Every answer is checked against the contract.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::dialogs::{
    Answer, PARTY_ORG, PARTY_PERSON, TTD_RESOURCE, minimal_dialog, rich_dialog, v7,
};
use dialogporten::registry::{Right, change_right};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

const OTHER_PERSON: &str = "urn:altinn:person:identifier-no:08895699684";
const THIRD_PERSON: &str = "urn:altinn:person:identifier-no:03886595947";
const SYSTEM_ORG: &str = "urn:altinn:organization:identifier-no:310057223";
const EMAIL_PARTY: &str = "urn:altinn:person:idporten-email:someone@example.com";
const SUPER_SIMPLE: &str = "urn:altinn:resource:super-simple-service";
const SYSTEM_USER: &str = "urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b";
const UNAUTHORIZED: &str = "urn:dialogporten:unauthorized";
const EXPIRED: &str = "urn:dialogporten:expired";
const MASKED_PREFIX: &str = "urn:altinn:person:identifier-ephemeral:";

fn path(id: &str) -> String {
    format!("/api/v1/enduser/dialogs/{id}")
}

/// Grants (`grant`) or revokes a right in the stored registry, as `dialogporten registry
/// grant|revoke` does; the server sees it on its next request.
async fn change(server: &TestServer, grant: bool, from: &str, to: &str, right: &Right) {
    let store = server.store().await;
    assert!(
        change_right(store.as_ref(), grant, from, to, right)
            .await
            .unwrap()
    );
}

fn dagl() -> Right {
    Right::Role("DAGL".into())
}

async fn create(server: &TestServer, so: &str, resource: &str, party: &str) -> String {
    server
        .create_dialog(so, &minimal_dialog(resource, party))
        .await
}

async fn get(server: &TestServer, path: &str, token: &str) -> Answer {
    server.send("GET", path, token, None, &[]).await
}

async fn status(server: &TestServer, path: &str, token: &str) -> u16 {
    get(server, path, token).await.status
}

/// Every end-user sub-resource path of a dialog (lists only).
fn sub_resources(id: &str) -> [String; 4] {
    [
        format!("{}/transmissions", path(id)),
        format!("{}/activities", path(id)),
        format!("{}/seenlog", path(id)),
        format!("{}/context/labellog", path(id)),
    ]
}

#[tokio::test]
async fn each_subject_reads_exactly_what_its_rights_reach() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let own = create(&server, &so, TTD_RESOURCE, PARTY_PERSON).await;
    let org = create(&server, &so, TTD_RESOURCE, PARTY_ORG).await;
    let org_other_resource = create(&server, &so, SUPER_SIMPLE, PARTY_ORG).await;
    let others = create(&server, &so, TTD_RESOURCE, OTHER_PERSON).await;
    let third = create(&server, &so, TTD_RESOURCE, THIRD_PERSON).await;
    let system_org = create(&server, &so, TTD_RESOURCE, SYSTEM_ORG).await;
    let system_org_other = create(&server, &so, SUPER_SIMPLE, SYSTEM_ORG).await;

    // 08844397713: their own party and 310923044 (DAGL), on every resource, nothing else.
    let dagl_token = server.person("08844397713").await;
    for id in [&own, &org, &org_other_resource] {
        let answer = get(&server, &path(id), &dagl_token).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.body["id"], json!(id));
        assert_eq!(answer.header("etag"), answer.body["revision"].as_str());
        for sub in sub_resources(id) {
            assert_eq!(status(&server, &sub, &dagl_token).await, 200, "{sub}");
        }
    }
    for id in [&others, &third, &system_org, &system_org_other] {
        let answer = get(&server, &path(id), &dagl_token).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        assert_eq!(answer.body["errors"]["Forbidden"], json!(["Forbidden"]));
        // Sub-resources answer 404 without main access (authz.md §3.6).
        for sub in sub_resources(id) {
            assert_eq!(status(&server, &sub, &dagl_token).await, 404, "{sub}");
        }
    }
    // An unknown dialog is 404 for anyone.
    let unknown = get(&server, &path(&v7()), &dagl_token).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body["errors"]["DialogEntity"].is_array());
    assert_eq!(
        get(&server, &path("not-a-guid"), &dagl_token).await.status,
        400
    );

    // 08895699684: none of the above, only their own party.
    let other_token = server.person("08895699684").await;
    for id in [&own, &org, &org_other_resource, &third, &system_org] {
        assert_eq!(status(&server, &path(id), &other_token).await, 403, "{id}");
    }
    assert_eq!(status(&server, &path(&others), &other_token).await, 200);

    // The system user: its organisation's dialogs on the delegated resource only.
    let system = server.system_user().await;
    assert_eq!(status(&server, &path(&system_org), &system).await, 200);
    for sub in sub_resources(&system_org) {
        assert_eq!(status(&server, &sub, &system).await, 200, "{sub}");
    }
    for id in [&system_org_other, &org, &own, &others] {
        assert_eq!(status(&server, &path(id), &system).await, 403, "{id}");
    }

    // Revoking DAGL hides 310923044's dialogs on the next request; granting it shows them again.
    change(&server, false, PARTY_ORG, PARTY_PERSON, &dagl()).await;
    assert_eq!(status(&server, &path(&org), &dagl_token).await, 403);
    assert_eq!(
        status(
            &server,
            &format!("{}/transmissions", path(&org)),
            &dagl_token
        )
        .await,
        404
    );
    assert_eq!(
        status(&server, &path(&own), &dagl_token).await,
        200,
        "PRIV stays"
    );
    change(&server, true, PARTY_ORG, PARTY_PERSON, &dagl()).await;
    assert_eq!(status(&server, &path(&org), &dagl_token).await, 200);
    // A grant reaches a new holder, too.
    change(&server, true, PARTY_ORG, OTHER_PERSON, &dagl()).await;
    assert_eq!(status(&server, &path(&org), &other_token).await, 200);
    // And the system user loses its resource delegation.
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
    assert_eq!(status(&server, &path(&system_org), &system).await, 403);
}

#[tokio::test]
async fn a_level_0_email_user_is_refused_resources_needing_level_3() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let own = create(&server, &so, TTD_RESOURCE, EMAIL_PARTY).await;
    let org = create(&server, &so, TTD_RESOURCE, PARTY_ORG).await;
    let email = server.email_user().await;
    let answer = get(&server, &path(&own), &email).await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    assert_eq!(
        answer.body["errors"]["Forbidden"],
        json!(["Altinn authentication level too low."])
    );
    for sub in sub_resources(&own) {
        let answer = get(&server, &sub, &email).await;
        assert_eq!(answer.status, 403, "{sub}");
        assert_eq!(
            answer.body["errors"]["Forbidden"],
            json!(["Altinn authentication level too low."])
        );
    }
    // Without a right the answer is the plain 403 (access is checked first).
    let answer = get(&server, &path(&org), &email).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body["errors"]["Forbidden"], json!(["Forbidden"]));
}

#[tokio::test]
async fn invisible_expired_and_deleted_dialogs() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let token = server.person("08844397713").await;

    let mut future = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    future["visibleFrom"] = json!("2040-02-03T04:05:06Z");
    let future = server.create_dialog(&so, &future).await;
    let answer = get(&server, &path(&future), &token).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    assert_eq!(
        answer.body["errors"]["DialogEntity"],
        json!(["Dialog is not visible until 2040-02-03T04:05:06"])
    );
    assert_eq!(
        answer.header("expires"),
        Some("Fri, 03 Feb 2040 04:05:06 GMT")
    );

    let mut expired = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    expired["expiresAt"] = json!("2020-01-02T03:04:05Z");
    let answer = server
        .send_json(
            "POST",
            "/api/v1/serviceowner/dialogs?isSilentUpdate=true",
            &so,
            &expired,
            &[],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let expired = answer.body.as_str().unwrap().to_owned();
    let answer = get(&server, &path(&expired), &token).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    assert_eq!(
        answer.body["errors"]["DialogEntity"],
        json!(["Dialog expired at 2020-01-02T03:04:05"])
    );
    assert!(answer.header("expires").is_none());

    // Deleted: 410 on the dialog and every sub-resource, for those with access; the others
    // still get 403 / 404 (access is checked first).
    let deleted = server
        .create_dialog(&so, &rich_without_visible_from())
        .await;
    let (_, dialog) = server.get_json(&path(&deleted), &token).await;
    let transmission = dialog["transmissions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let activity = dialog["activities"][0]["id"].as_str().unwrap().to_owned();
    let seen = dialog["seenSinceLastUpdate"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = server
        .send(
            "DELETE",
            &format!("/api/v1/serviceowner/dialogs/{deleted}"),
            &so,
            None,
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let base = path(&deleted);
    let children = [
        format!("{base}/transmissions/{transmission}"),
        format!("{base}/activities/{activity}"),
        format!("{base}/seenlog/{seen}"),
    ];
    for target in std::iter::once(base.clone())
        .chain(sub_resources(&deleted))
        .chain(children.clone())
    {
        let answer = get(&server, &target, &token).await;
        assert_eq!(answer.status, 410, "{target}: {}", answer.text);
        assert!(answer.body["errors"]["DialogEntity"].is_array(), "{target}");
    }
    let stranger = server.person("08895699684").await;
    assert_eq!(status(&server, &base, &stranger).await, 403);
    for target in sub_resources(&deleted).into_iter().chain(children) {
        assert_eq!(status(&server, &target, &stranger).await, 404, "{target}");
    }
}

/// The rich dialog of the common helpers, visible now.
fn rich_without_visible_from() -> Value {
    let mut body = rich_dialog();
    body.as_object_mut().unwrap().remove("visibleFrom");
    body
}

/// The published JWKS as (kid, x) pairs.
async fn published_keys(server: &TestServer) -> Vec<(String, String)> {
    let jwks: Value = server
        .client
        .get(format!("{}/api/v1/.well-known/jwks.json", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["x"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Verifies a dialog token with the published key its `kid` names, using jsonwebtoken, and
/// returns its claims (in the order they were written).
async fn verify(server: &TestServer, token: &str) -> serde_json::Map<String, Value> {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let kid = header.kid.unwrap();
    let keys = published_keys(server).await;
    let (_, x) = keys
        .iter()
        .find(|(k, _)| *k == kid)
        .expect("the token's kid is published");
    let key = DecodingKey::from_ed_components(x).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[format!("{}/api/v1", server.url)]);
    validation.validate_aud = false;
    validation.validate_nbf = true;
    let data = jsonwebtoken::decode::<serde_json::Map<String, Value>>(token, &key, &validation)
        .expect("the dialog token verifies with the published key");
    // A key that is not the signer's does not verify it.
    let (_, other) = keys.iter().find(|(k, _)| *k != kid).unwrap();
    assert!(
        jsonwebtoken::decode::<Value>(
            token,
            &DecodingKey::from_ed_components(other).unwrap(),
            &validation
        )
        .is_err()
    );
    data.claims
}

fn claim_names(claims: &serde_json::Map<String, Value>) -> Vec<&str> {
    claims.keys().map(String::as_str).collect()
}

#[tokio::test]
async fn the_dialog_token_verifies_with_the_published_keys_and_names_the_rights() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let id = server
        .create_dialog(&so, &rich_without_visible_from())
        .await;
    let token = server.person("08844397713").await;
    let answer = get(&server, &path(&id), &token).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let claims = verify(&server, answer.body["dialogToken"].as_str().unwrap()).await;
    assert_eq!(
        claim_names(&claims),
        [
            "jti", "c", "l", "p", "s", "i", "a", "iss", "iat", "nbf", "exp"
        ]
    );
    assert_eq!(claims["c"], PARTY_PERSON);
    assert_eq!(claims["l"], 3);
    assert_eq!(claims["p"], PARTY_ORG);
    assert_eq!(claims["s"], TTD_RESOURCE);
    assert_eq!(claims["i"], json!(id));
    // Permitted (action, attribute) pairs, sorted, `main` left out: the GUI action's
    // subresource, the transmission's `transmissionread` and the API action's separate policy.
    assert_eq!(
        claims["a"],
        "read;read,urn:altinn:subresource:gui;transmissionread,urn:altinn:subresource:secret;write,urn:altinn:resource:super-simple-service"
    );
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - common::now()).abs() < 30);
    assert_eq!(claims["nbf"].as_i64(), Some(iat));
    assert_eq!(claims["exp"].as_i64(), Some(iat + 600));
    uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).unwrap();

    // A fresh token on every read.
    let again = get(&server, &path(&id), &token).await;
    assert_ne!(again.body["dialogToken"], answer.body["dialogToken"]);

    // The system user: `c` is the vendor, `y` the system user, `o` its organisation.
    let mut body = minimal_dialog(TTD_RESOURCE, SYSTEM_ORG);
    body["guiActions"] = json!([{ "action": "write", "url": "https://example.com/w", "priority": "primary",
        "title": [ { "languageCode": "nb", "value": "Skriv" } ] }]);
    let system_dialog = server.create_dialog(&so, &body).await;
    let system = server.system_user().await;
    let answer = get(&server, &path(&system_dialog), &system).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let claims = verify(&server, answer.body["dialogToken"].as_str().unwrap()).await;
    assert_eq!(
        claim_names(&claims),
        [
            "jti", "c", "y", "o", "l", "p", "s", "i", "a", "iss", "iat", "nbf", "exp"
        ]
    );
    assert_eq!(
        claims["c"],
        "urn:altinn:organization:identifier-no:991825827"
    );
    assert_eq!(claims["y"], SYSTEM_USER);
    assert_eq!(claims["o"], SYSTEM_ORG);
    assert_eq!(claims["l"], 3);
    assert_eq!(claims["p"], SYSTEM_ORG);
    assert_eq!(claims["s"], TTD_RESOURCE);
    assert_eq!(claims["i"], json!(system_dialog));
    assert_eq!(claims["a"], "read;write");
}

#[tokio::test]
async fn actions_and_transmissions_are_flagged_and_links_replaced() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    // Attachments and navigational actions must not have expired when created: these expire
    // two seconds after creation, and are read after that.
    let soon = dp_domain::Timestamp::from_unix_micros(
        dp_domain::Timestamp::now().unix_micros() + 2_000_000,
    )
    .unwrap()
    .to_string();
    let past = soon.as_str();
    let future = "2033-01-01T00:00:00Z";
    let mut body = minimal_dialog(TTD_RESOURCE, SYSTEM_ORG);
    body["content"]["mainContentReference"] = json!({
        "value": [ { "languageCode": "nb", "value": "https://example.com/main" } ],
        "mediaType": "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown" });
    body["guiActions"] = json!([
        { "action": "read", "url": "https://example.com/read", "priority": "primary",
          "title": [ { "languageCode": "nb", "value": "Les" } ] },
        { "action": "sign", "url": "https://example.com/sign", "priority": "secondary",
          "authorizationAttribute": "urn:altinn:subresource:secret",
          "title": [ { "languageCode": "nb", "value": "Signer" } ] },
        { "action": "read", "url": "https://example.com/read-secret", "priority": "tertiary",
          "authorizationAttribute": "urn:altinn:subresource:secret",
          "title": [ { "languageCode": "nb", "value": "Les hemmelig" } ] }
    ]);
    body["apiActions"] = json!([
        { "action": "sign", "authorizationAttribute": "urn:altinn:subresource:secret",
          "endpoints": [ { "url": "https://example.com/api/sign", "httpMethod": "POST" } ] },
        { "action": "read",
          "endpoints": [ { "url": "https://example.com/api/read", "httpMethod": "GET" } ] }
    ]);
    let attachment = |url: &str, expires: &str| {
        json!({ "displayName": [ { "languageCode": "nb", "value": "Vedlegg" } ], "expiresAt": expires,
                "urls": [ { "url": url, "consumerType": "gui" } ] })
    };
    body["attachments"] = json!([
        attachment("https://example.com/old.pdf", past),
        attachment("https://example.com/new.pdf", future)
    ]);
    let transmission = |attribute: Option<&str>| {
        let mut t = json!({
            "id": v7(),
            "type": "information",
            "sender": { "actorType": "partyRepresentative", "actorId": PARTY_PERSON },
            "content": {
                "title": { "value": [ { "languageCode": "nb", "value": "Forsendelse" } ] },
                "contentReference": { "value": [ { "languageCode": "nb", "value": "https://example.com/t" } ],
                    "mediaType": "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown" }
            },
            "attachments": [ attachment("https://example.com/t-old.pdf", past),
                             attachment("https://example.com/t-new.pdf", future) ],
            "navigationalActions": [
                { "title": [ { "languageCode": "nb", "value": "Gå" } ], "url": "https://example.com/go", "expiresAt": future },
                { "title": [ { "languageCode": "nb", "value": "Gått" } ], "url": "https://example.com/gone", "expiresAt": past }
            ]
        });
        if let Some(attribute) = attribute {
            t["authorizationAttribute"] = json!(attribute);
        }
        t
    };
    // The system user holds a resource delegation of the dialog's resource only: a
    // transmission behind another resource's policy is closed to it.
    body["transmissions"] = json!([
        transmission(None),
        transmission(Some("urn:altinn:subresource:secret")),
        transmission(Some(SUPER_SIMPLE))
    ]);
    let answer = server
        .send_json(
            "POST",
            "/api/v1/serviceowner/dialogs?isSilentUpdate=true",
            &so,
            &body,
            &[],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let id = answer.body.as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;

    let system = server.system_user().await;
    let answer = get(&server, &path(&id), &system).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let dialog = &answer.body;
    let reference = &dialog["content"]["mainContentReference"];
    assert_eq!(reference["isAuthorized"], true);
    assert_eq!(reference["value"][0]["value"], "https://example.com/main");
    let gui = dialog["guiActions"].as_array().unwrap();
    let flags: Vec<(&str, bool, &str)> = gui
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap(),
                a["isAuthorized"].as_bool().unwrap(),
                a["url"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("read", true, "https://example.com/read"),
            ("sign", false, UNAUTHORIZED),
            ("read", true, "https://example.com/read-secret"),
        ]
    );
    let api = dialog["apiActions"].as_array().unwrap();
    assert_eq!(api[0]["isAuthorized"], false);
    assert_eq!(api[0]["endpoints"][0]["url"], UNAUTHORIZED);
    assert_eq!(api[1]["isAuthorized"], true);
    assert_eq!(
        api[1]["endpoints"][0]["url"],
        "https://example.com/api/read"
    );
    // Dialog-level attachments: only expiry hides them.
    let urls: Vec<&str> = dialog["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["urls"][0]["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, [EXPIRED, "https://example.com/new.pdf"]);

    let check_transmission = |t: &Value, authorized: bool| {
        assert_eq!(t["isAuthorized"], authorized, "{t}");
        let attachments: Vec<&str> = t["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["urls"][0]["url"].as_str().unwrap())
            .collect();
        let actions: Vec<&str> = t["navigationalActions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["url"].as_str().unwrap())
            .collect();
        let content = t["content"]["contentReference"]["value"][0]["value"]
            .as_str()
            .unwrap();
        if authorized {
            assert_eq!(attachments, [EXPIRED, "https://example.com/t-new.pdf"]);
            assert_eq!(actions, ["https://example.com/go", EXPIRED]);
            assert_eq!(content, "https://example.com/t");
        } else {
            assert_eq!(attachments, [UNAUTHORIZED, UNAUTHORIZED]);
            assert_eq!(actions, [UNAUTHORIZED, UNAUTHORIZED]);
            assert_eq!(content, UNAUTHORIZED);
        }
        // The sender is a person: masked.
        assert!(
            t["sender"]["actorId"]
                .as_str()
                .unwrap()
                .starts_with(MASKED_PREFIX),
            "{t}"
        );
    };
    let transmissions = dialog["transmissions"].as_array().unwrap();
    assert_eq!(transmissions.len(), 3);
    let expected_flags = [true, true, false];
    for (t, authorized) in transmissions.iter().zip(expected_flags) {
        check_transmission(t, authorized);
    }
    // The transmission endpoints decorate the same way.
    let answer = get(&server, &format!("{}/transmissions", path(&id)), &system).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let listed = answer.body.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    for t in listed {
        let position = transmissions
            .iter()
            .position(|d| d["id"] == t["id"])
            .unwrap();
        check_transmission(t, expected_flags[position]);
        let answer = get(
            &server,
            &format!("{}/transmissions/{}", path(&id), t["id"].as_str().unwrap()),
            &system,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        check_transmission(&answer.body, expected_flags[position]);
    }
    let answer = get(
        &server,
        &format!("{}/transmissions/{}", path(&id), v7()),
        &system,
    )
    .await;
    assert_eq!(answer.status, 404);
    assert!(answer.body["errors"]["DialogTransmission"].is_array());

    // A person with DAGL (on another party's copy of the dialog) may read every
    // transmission: the demo rules grant read/transmissionread on any subresource.
    body["party"] = json!(PARTY_ORG);
    body["attachments"] = json!([]);
    let mut secret = transmission(Some("urn:altinn:subresource:secret"));
    secret["attachments"] = json!([]);
    secret["navigationalActions"] = json!([]);
    body["transmissions"] = json!([secret]);
    body["guiActions"][0]["id"] = json!(v7());
    let answer = server
        .send_json(
            "POST",
            "/api/v1/serviceowner/dialogs?isSilentUpdate=true",
            &so,
            &body,
            &[],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let org_dialog = answer.body.as_str().unwrap().to_owned();
    let token = server.person("08844397713").await;
    let answer = get(&server, &path(&org_dialog), &token).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let t = &answer.body["transmissions"][0];
    assert_eq!(t["isAuthorized"], true);
    assert_eq!(
        t["content"]["contentReference"]["value"][0]["value"],
        "https://example.com/t"
    );
    assert_eq!(
        answer.body["guiActions"][1]["isAuthorized"], false,
        "no sign"
    );
    assert_eq!(
        common::payload(answer.body["dialogToken"].as_str().unwrap())["a"],
        "read;read,urn:altinn:subresource:secret;transmissionread,urn:altinn:subresource:secret"
    );
}

#[tokio::test]
async fn list_access_without_main_access_shows_the_dialog_with_everything_closed() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["content"]["mainContentReference"] = json!({
        "value": [ { "languageCode": "nb", "value": "https://example.com/main" } ],
        "mediaType": "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown" });
    body["guiActions"] = json!([{ "action": "read", "url": "https://example.com/read", "priority": "primary",
        "title": [ { "languageCode": "nb", "value": "Les" } ] }]);
    body["apiActions"] = json!([{ "action": "sign", "authorizationAttribute": "urn:altinn:subresource:secret",
        "endpoints": [ { "url": "https://example.com/api/sign", "httpMethod": "POST" } ] }]);
    let id = server.create_dialog(&so, &body).await;
    let token = server.person("08895699684").await;
    assert_eq!(status(&server, &path(&id), &token).await, 403);

    // An instance delegation of `sign` only: the dialog is listed for them, the PDP permits
    // sign on the secret subresource, nothing on main.
    change(
        &server,
        true,
        PARTY_ORG,
        OTHER_PERSON,
        &Right::Instance {
            resource: "ttd-dialogporten-automated-tests".into(),
            instance_ref: format!("urn:altinn:dialog-id:{id}"),
            actions: Some(vec!["sign".into()]),
        },
    )
    .await;
    let answer = get(&server, &path(&id), &token).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let dialog = &answer.body;
    assert_eq!(
        dialog["content"]["mainContentReference"]["isAuthorized"],
        false
    );
    assert_eq!(
        dialog["content"]["mainContentReference"]["value"][0]["value"],
        UNAUTHORIZED
    );
    assert_eq!(dialog["guiActions"][0]["isAuthorized"], false);
    assert_eq!(dialog["guiActions"][0]["url"], UNAUTHORIZED);
    assert_eq!(dialog["apiActions"][0]["isAuthorized"], true);
    assert_eq!(
        dialog["apiActions"][0]["endpoints"][0]["url"],
        "https://example.com/api/sign"
    );
    assert_eq!(
        common::payload(dialog["dialogToken"].as_str().unwrap())["a"],
        "sign,urn:altinn:subresource:secret"
    );
    // Sub-resources need main access.
    for sub in sub_resources(&id) {
        assert_eq!(status(&server, &sub, &token).await, 404, "{sub}");
    }
}

#[tokio::test]
async fn reading_writes_the_seen_log_once_per_user_and_revision() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let id = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let first = server.person("08844397713").await;
    let seen_log = format!("{}/seenlog", path(&id));

    let answer = get(&server, &path(&id), &first).await;
    assert_eq!(answer.status, 200);
    let seen = answer.body["seenSinceLastUpdate"].as_array().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["isCurrentEndUser"], true);
    assert_eq!(answer.body["isContentSeen"], true);
    let revision = answer.body["revision"].clone();
    get(&server, &path(&id), &first).await;
    let (_, log) = server.get_json(&seen_log, &first).await;
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    let (_, again) = server.get_json(&path(&id), &first).await;
    assert_eq!(
        again["revision"], revision,
        "seeing does not change the revision"
    );

    // A service-owner update makes a new revision: the next read is seen again.
    let patch = json!([{ "op": "add", "path": "/progress", "value": 50 }]);
    let answer = server
        .send_json(
            "PATCH",
            &format!("/api/v1/serviceowner/dialogs/{id}"),
            &so,
            &patch,
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    get(&server, &path(&id), &first).await;
    let (_, log) = server.get_json(&seen_log, &first).await;
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");

    // A second reader: their own entry, and the first reader masked.
    change(&server, true, PARTY_ORG, OTHER_PERSON, &dagl()).await;
    let second = server.person("08895699684").await;
    let answer = get(&server, &path(&id), &second).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let seen = answer.body["seenSinceLastUpdate"].as_array().unwrap();
    assert_eq!(seen.len(), 2, "one per reader since the update");
    let answer = get(&server, &seen_log, &second).await;
    let log = answer.body.as_array().unwrap();
    assert_eq!(log.len(), 3);
    let mine: Vec<&Value> = log
        .iter()
        .filter(|e| e["isCurrentEndUser"] == true)
        .collect();
    assert_eq!(mine.len(), 1);
    let ids: Vec<&str> = log
        .iter()
        .map(|e| e["seenBy"]["actorId"].as_str().unwrap())
        .collect();
    for actor in &ids {
        assert!(actor.starts_with(MASKED_PREFIX), "{actor}");
        let hex = &actor[MASKED_PREFIX.len()..];
        assert_eq!(hex.len(), 10);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!actor.contains("08844397713") && !actor.contains("08895699684"));
    }
    // The first reader's two entries mask to the same id; the second reader's differs.
    let first_reader = log
        .iter()
        .filter(|e| e["isCurrentEndUser"] == false)
        .map(|e| e["seenBy"]["actorId"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(first_reader.len(), 2);
    assert_eq!(first_reader[0], first_reader[1]);
    assert_ne!(
        first_reader[0],
        mine[0]["seenBy"]["actorId"].as_str().unwrap()
    );
    assert_eq!(mine[0]["seenBy"]["actorName"], "LYKKELIG ELEFANT");
    assert_eq!(mine[0]["seenBy"]["actorType"], "PartyRepresentative");
    assert_eq!(mine[0]["isViaServiceOwner"], false);
    // One entry by id: the first reader sees their own as theirs.
    let entry = mine[0]["id"].as_str().unwrap();
    let answer = get(&server, &format!("{seen_log}/{entry}"), &first).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["isCurrentEndUser"], false);
    let answer = get(&server, &format!("{seen_log}/{entry}"), &second).await;
    assert_eq!(answer.body["isCurrentEndUser"], true);
    let answer = get(&server, &format!("{seen_log}/{}", v7()), &second).await;
    assert_eq!(answer.status, 404);

    // In the dialog, too, other readers are masked and only the caller's entry is theirs.
    let (_, dialog) = server.get_json(&path(&id), &second).await;
    for entry in dialog["seenSinceLastUpdate"].as_array().unwrap() {
        let actor = entry["seenBy"]["actorId"].as_str().unwrap();
        assert!(actor.starts_with(MASKED_PREFIX), "{actor}");
        assert_eq!(
            entry["isCurrentEndUser"],
            actor == mine[0]["seenBy"]["actorId"].as_str().unwrap()
        );
    }

    // Marked as unopened: the next read is seen again (though seen since the update) and
    // takes the label away in the same answer.
    let labels = format!("{}/context/systemlabels", path(&id));
    let answer = server
        .send_json(
            "PUT",
            &labels,
            &first,
            &json!({ "addLabels": ["MarkedAsUnopened"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let marked_revision = answer.header("etag").unwrap().to_owned();
    let (_, dialog) = server.get_json(&path(&id), &first).await;
    assert_eq!(dialog["endUserContext"]["systemLabels"], json!(["Default"]));
    assert_ne!(dialog["endUserContext"]["revision"], json!(marked_revision));
    assert_eq!(dialog["isContentSeen"], true);
    let (_, log) = server.get_json(&seen_log, &first).await;
    assert_eq!(log.as_array().unwrap().len(), 4, "{log}");
}

#[tokio::test]
async fn activities_transmissions_and_their_items() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let id = server
        .create_dialog(&so, &rich_without_visible_from())
        .await;
    let token = server.person("08844397713").await;
    let (_, dialog) = server.get_json(&path(&id), &token).await;

    let answer = get(&server, &format!("{}/activities", path(&id)), &token).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let activities = answer.body.as_array().unwrap();
    assert_eq!(activities.len(), 2);
    assert!(activities.iter().all(|a| a.get("performedBy").is_none()));
    let first = activities[0]["id"].as_str().unwrap();
    let answer = get(
        &server,
        &format!("{}/activities/{first}", path(&id)),
        &token,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        answer.body["performedBy"]["actorId"]
            .as_str()
            .unwrap()
            .starts_with(MASKED_PREFIX)
    );
    assert_eq!(
        answer.body["performedBy"]["actorId"], dialog["activities"][0]["performedBy"]["actorId"],
        "masked alike in the dialog and the item"
    );
    let answer = get(
        &server,
        &format!("{}/activities/{}", path(&id), v7()),
        &token,
    )
    .await;
    assert_eq!(answer.status, 404);
    assert!(answer.body["errors"]["DialogActivity"].is_array());

    // Accept-Language prunes every localized list to one language.
    let answer = server
        .send(
            "GET",
            &format!("{}/transmissions", path(&id)),
            &token,
            None,
            &[("accept-language", "en;q=0.9, nb;q=0.8")],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body[0]["content"]["title"]["value"],
        json!([{ "languageCode": "nb", "value": "Forsendelse" }])
    );
    let (_, listed) = server
        .get_json(&format!("{}/transmissions", path(&id)), &token)
        .await;
    for t in listed.as_array().unwrap() {
        let item = get(
            &server,
            &format!("{}/transmissions/{}", path(&id), t["id"].as_str().unwrap()),
            &token,
        )
        .await;
        assert_eq!(item.status, 200);
        assert_eq!(&item.body, t);
    }
    // Not-authorized readers get 404 for every item too.
    let stranger = server.person("08895699684").await;
    let transmission = listed[0]["id"].as_str().unwrap();
    for target in [
        format!("{}/transmissions/{transmission}", path(&id)),
        format!("{}/activities/{first}", path(&id)),
    ] {
        assert_eq!(status(&server, &target, &stranger).await, 404, "{target}");
    }
}

#[tokio::test]
async fn system_labels_one_at_a_time() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let id = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let token = server.person("08844397713").await;
    let labels = format!("{}/context/systemlabels", path(&id));
    let (_, dialog) = server.get_json(&path(&id), &token).await;
    let revision = dialog["endUserContext"]["revision"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(dialog["endUserContext"]["systemLabels"], json!(["Default"]));

    let archive = json!({ "addLabels": ["Archive"] });
    let stale = uuid::Uuid::new_v4().to_string();
    let answer = server
        .send_json("PUT", &labels, &token, &archive, &[("if-match", &stale)])
        .await;
    assert_eq!(answer.status, 412, "{}", answer.text);
    let answer = server
        .send_json("PUT", &labels, &token, &archive, &[("if-match", &revision)])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let new_revision = answer.header("etag").unwrap().to_owned();
    assert_ne!(new_revision, revision);
    let (_, dialog) = server.get_json(&path(&id), &token).await;
    assert_eq!(dialog["endUserContext"]["revision"], json!(new_revision));
    assert_eq!(dialog["endUserContext"]["systemLabels"], json!(["Archive"]));
    assert_eq!(dialog["systemLabel"], "Archive");
    // The old revision no longer matches.
    let answer = server
        .send_json(
            "PUT",
            &labels,
            &token,
            &json!({ "removeLabels": ["Archive"] }),
            &[("if-match", &revision)],
        )
        .await;
    assert_eq!(answer.status, 412);
    let answer = server
        .send_json(
            "PUT",
            &labels,
            &token,
            &json!({ "removeLabels": ["Archive"] }),
            &[("if-match", &new_revision)],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let (_, dialog) = server.get_json(&path(&id), &token).await;
    assert_eq!(dialog["endUserContext"]["systemLabels"], json!(["Default"]));

    // The label log: set, then remove, by the (masked) person.
    let answer = get(&server, &format!("{}/context/labellog", path(&id)), &token).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let log = answer.body.as_array().unwrap();
    let entries: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("systemlabel:Archive", "set"),
            ("systemlabel:Archive", "remove")
        ]
    );
    for entry in log {
        assert!(
            entry["performedBy"]["actorId"]
                .as_str()
                .unwrap()
                .starts_with(MASKED_PREFIX)
        );
    }

    // Sent can never be set by hand; unauthorized users and deleted dialogs are refused.
    let answer = server
        .send_json(
            "PUT",
            &labels,
            &token,
            &json!({ "addLabels": ["Sent"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    let stranger = server.person("08895699684").await;
    let answer = server
        .send_json("PUT", &labels, &stranger, &archive, &[])
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    let answer = server
        .send_json(
            "PUT",
            &format!("{}/context/systemlabels", path(&v7())),
            &token,
            &archive,
            &[],
        )
        .await;
    assert_eq!(answer.status, 404);
    server
        .send(
            "DELETE",
            &format!("/api/v1/serviceowner/dialogs/{id}"),
            &so,
            None,
            &[],
        )
        .await;
    let answer = server
        .send_json("PUT", &labels, &token, &archive, &[])
        .await;
    assert_eq!(answer.status, 410, "{}", answer.text);
}

#[tokio::test]
async fn system_labels_in_bulk_all_or_nothing() {
    let server = TestServer::local().await;
    let so = server.ttd().await;
    let mine = create(&server, &so, TTD_RESOURCE, PARTY_ORG).await;
    let also_mine = create(&server, &so, TTD_RESOURCE, PARTY_PERSON).await;
    let not_mine = create(&server, &so, TTD_RESOURCE, OTHER_PERSON).await;
    let token = server.person("08844397713").await;
    const BULK: &str = "/api/v1/enduser/dialogs/context/systemlabels/actions/bulkset";
    let labels = |id: &str| {
        let server = &server;
        let token = token.clone();
        let id = id.to_owned();
        async move {
            let (_, dialog) = server.get_json(&path(&id), &token).await;
            dialog["endUserContext"].clone()
        }
    };

    // One unauthorized (and one unknown) id: 404 naming them, nothing changes.
    let unknown = v7();
    let request = json!({ "dialogs": [ { "dialogId": mine }, { "dialogId": not_mine }, { "dialogId": unknown } ],
                          "addLabels": ["Bin"] });
    let answer = server.send_json("POST", BULK, &token, &request, &[]).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    let message = answer.body["errors"]["DialogEntity"][0].as_str().unwrap();
    assert!(
        message.contains(&not_mine) && message.contains(&unknown),
        "{message}"
    );
    assert!(!message.contains(&mine), "{message}");
    assert_eq!(labels(&mine).await["systemLabels"], json!(["Default"]));

    // A stale revision: 412, nothing changes.
    let context = labels(&mine).await;
    let request = json!({ "dialogs": [
            { "dialogId": mine, "endUserContextRevision": context["revision"] },
            { "dialogId": also_mine, "endUserContextRevision": uuid::Uuid::new_v4() } ],
        "addLabels": ["Bin"] });
    let answer = server.send_json("POST", BULK, &token, &request, &[]).await;
    assert_eq!(answer.status, 412, "{}", answer.text);
    assert_eq!(labels(&mine).await["systemLabels"], json!(["Default"]));

    // All authorized: every dialog is labelled.
    let request = json!({ "dialogs": [
            { "dialogId": mine, "endUserContextRevision": context["revision"] },
            { "dialogId": also_mine } ],
        "addLabels": ["Bin"] });
    let answer = server.send_json("POST", BULK, &token, &request, &[]).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    for id in [&mine, &also_mine] {
        let context = labels(id).await;
        assert_eq!(context["systemLabels"], json!(["Bin"]), "{id}");
        let (_, log) = server
            .get_json(&format!("{}/context/labellog", path(id)), &token)
            .await;
        assert_eq!(log[0]["name"], "systemlabel:Bin");
        assert_eq!(log[0]["action"], "set");
    }
    // Validation: no dialogs, and duplicates.
    let answer = server
        .send_json(
            "POST",
            BULK,
            &token,
            &json!({ "dialogs": [], "addLabels": ["Bin"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    let answer = server
        .send_json(
            "POST",
            BULK,
            &token,
            &json!({ "dialogs": [ { "dialogId": mine }, { "dialogId": mine } ], "addLabels": ["Bin"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
}
