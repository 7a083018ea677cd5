//! User types, policies and the route-by-token-kind matrix, end to end over HTTP with tokens
//! from the embedded test-token generator.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use dp_api::ROUTES;
use dp_auth::Policy;
use serde_json::Value;

const TTD: &str = "org=ttd&orgNo=991825827";

/// The token kinds of the matrix: (name, endpoint, query).
const TOKEN_KINDS: &[(&str, &str, &str)] = &[
    (
        "serviceowner",
        "GetEnterpriseToken",
        "scopes=digdir:dialogporten.serviceprovider",
    ),
    (
        "serviceowner+search",
        "GetEnterpriseToken",
        "scopes=digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.search",
    ),
    (
        "serviceowner+admin",
        "GetEnterpriseToken",
        "scopes=digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.admin",
    ),
    (
        "serviceowner+changetransmissions",
        "GetEnterpriseToken",
        "scopes=digdir:dialogporten.serviceprovider,digdir:dialogporten.serviceprovider.changetransmissions",
    ),
    (
        "notification-check",
        "GetEnterpriseToken",
        "scopes=altinn:system/notifications.condition.check",
    ),
    (
        "developer-test",
        "GetEnterpriseToken",
        "scopes=digdir:dialogporten.developer.test",
    ),
    (
        "enterprise-with-enduser-scope",
        "GetEnterpriseToken",
        "scopes=digdir:dialogporten",
    ),
    (
        "person",
        "GetPersonalToken",
        "scopes=digdir:dialogporten&pid=08844397713",
    ),
    (
        "person-noconsent",
        "GetPersonalToken",
        "scopes=digdir:dialogporten.noconsent&pid=03886595947",
    ),
    (
        "person-other-scope",
        "GetPersonalToken",
        "scopes=altinn:enduser&pid=03886595947",
    ),
    (
        "systemuser",
        "GetSystemUserToken",
        "scopes=digdir:dialogporten&systemUserId=7633be4c-dbd5-49f4-bbc4-c058b275de7b&systemUserOrg=310057223",
    ),
    (
        "email",
        "GetSelfRegisteredEmailUserToken",
        "scopes=digdir:dialogporten&email=someone@example.com",
    ),
];

/// Which token kinds each policy accepts (auth.md §6.4–6.5); every other kind gets 403.
fn accepted(policy: Policy, kind: &str) -> bool {
    match policy {
        Policy::EndUser => matches!(kind, "person" | "person-noconsent" | "systemuser" | "email"),
        Policy::ServiceProvider => kind.starts_with("serviceowner"),
        Policy::ServiceProviderSearch => kind == "serviceowner+search",
        Policy::ServiceProviderAdmin => kind == "serviceowner+admin",
        Policy::ServiceProviderChangeTransmissions => kind == "serviceowner+changetransmissions",
        Policy::NotificationConditionCheck => kind == "notification-check",
        Policy::Testing => kind == "developer-test",
    }
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn mint(server: &TestServer, endpoint: &str, query: &str) -> String {
    let query = if endpoint == "GetEnterpriseToken" {
        format!("env=tt02&{query}&{TTD}")
    } else {
        format!("env=tt02&{query}")
    };
    server.test_token(endpoint, &query).await
}

#[tokio::test]
async fn every_route_answers_every_token_kind_as_its_policy_says() {
    let server = TestServer::local().await;
    let mut tokens = Vec::new();
    for (kind, endpoint, query) in TOKEN_KINDS {
        tokens.push((*kind, mint(&server, endpoint, query).await));
    }
    assert!(ROUTES.len() >= 42, "the route table lists every operation");
    for route in ROUTES {
        let path = concrete(route.path);
        let anonymous = server.call(route.method, &path, None).await;
        assert_eq!(
            anonymous.status(),
            401,
            "{} {} without a token",
            route.method,
            route.path
        );
        assert_eq!(common::www_authenticate(&anonymous), "Bearer");
        for (kind, token) in &tokens {
            let response = server.call(route.method, &path, Some(token)).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if accepted(route.policy, kind) {
                // Past the policy: the handler answers (404 for the unknown dialog, 400 or
                // 415 for a missing body …), or 501 naming the policy where none is built yet.
                assert_ne!(status, 401, "{} {} with {kind}", route.method, route.path);
                let policy_refusal = ["Scope", "Consumer", "Type"]
                    .iter()
                    .any(|key| body["errors"].get(key).is_some());
                assert!(
                    !policy_refusal,
                    "{} {} with {kind}: {body}",
                    route.method, route.path
                );
                if status == 501 {
                    assert_eq!(body["policy"], route.policy.name());
                }
            } else {
                assert_eq!(
                    status, 403,
                    "{} {} with {kind}: {body}",
                    route.method, route.path
                );
                assert_eq!(body["status"], 403);
                assert_eq!(body["title"], "Forbidden.");
                assert!(body["traceId"].as_str().unwrap().starts_with("00-"));
                assert!(body["errors"].as_object().is_some_and(|e| !e.is_empty()));
            }
        }
    }
}

async fn caller(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    let response = server.call("GET", path, Some(token)).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_user_type_is_recognised() {
    let server = TestServer::local().await;
    // A service owner: creates and reads its dialog (the org comes from the registry).
    let so = mint(&server, "GetEnterpriseToken", TOKEN_KINDS[0].2).await;
    let id = server
        .create_dialog(
            &so,
            &common::dialogs::minimal_dialog(
                common::dialogs::TTD_RESOURCE,
                common::dialogs::PARTY_ORG,
            ),
        )
        .await;
    let (status, body) = caller(&server, &format!("/api/v1/serviceowner/dialogs/{id}"), &so).await;
    assert_eq!((status, body["org"].as_str()), (200, Some("ttd")));

    // End users: the dialog token of an end-user read names who the server took them to be
    // (`c`, `y`) and their authentication level (`l`), auth.md §7.
    let create = |party: &str| {
        let body = common::dialogs::minimal_dialog(common::dialogs::TTD_RESOURCE, party);
        let server = &server;
        let so = so.clone();
        async move { server.create_dialog(&so, &body).await }
    };
    let person_dialog = create("urn:altinn:person:identifier-no:08844397713").await;
    let system_dialog = create("urn:altinn:organization:identifier-no:310057223").await;
    let email_dialog = create("urn:altinn:person:idporten-email:someone@example.com").await;
    for (kind, dialog, c, level) in [
        (
            "person",
            &person_dialog,
            "urn:altinn:person:identifier-no:08844397713",
            3,
        ),
        (
            "systemuser",
            &system_dialog,
            "urn:altinn:organization:identifier-no:991825827",
            3,
        ),
    ] {
        let (_, endpoint, query) = TOKEN_KINDS.iter().find(|(k, _, _)| *k == kind).unwrap();
        let token = mint(&server, endpoint, query).await;
        let (status, body) = caller(
            &server,
            &format!("/api/v1/enduser/dialogs/{dialog}"),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{kind}: {body}");
        let claims = common::payload(body["dialogToken"].as_str().unwrap());
        assert_eq!(claims["c"], c, "{kind}");
        assert_eq!(claims["l"], level, "{kind}");
        if kind == "systemuser" {
            assert_eq!(
                claims["y"],
                "urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b"
            );
        }
    }
    // The e-mail user (level 0) reaches its own dialog and is refused for its level.
    let (_, endpoint, query) = TOKEN_KINDS.iter().find(|(k, _, _)| *k == "email").unwrap();
    let email = mint(&server, endpoint, query).await;
    let (status, body) = caller(
        &server,
        &format!("/api/v1/enduser/dialogs/{email_dialog}"),
        &email,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["errors"]["Forbidden"][0],
        "Altinn authentication level too low."
    );

    // A level-4 person: authLvl maps to acr and urn:altinn:authlevel.
    let high = server
        .test_token(
            "GetPersonalToken",
            "env=tt02&scopes=digdir:dialogporten&pid=08844397713&authLvl=4",
        )
        .await;
    let (_, body) = caller(
        &server,
        &format!("/api/v1/enduser/dialogs/{person_dialog}"),
        &high,
    )
    .await;
    assert_eq!(
        common::payload(body["dialogToken"].as_str().unwrap())["l"],
        4
    );

    // Unknown: an end-user scope without pid, system user or e-mail login.
    let unknown = mint(&server, "GetEnterpriseToken", "scopes=digdir:dialogporten").await;
    let (status, body) = caller(&server, "/api/v1/enduser/dialogs", &unknown).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["errors"]["Type"][0],
        "The request was authenticated, but we were unable to determine valid user type in order to authorize the request. Valid user types for this endpoint are: Person, SystemUser, IdportenEmailIdentifiedUser"
    );
}

#[tokio::test]
async fn enduserid_makes_a_service_owner_act_for_a_person() {
    let server = TestServer::local().await;
    let so = mint(&server, "GetEnterpriseToken", TOKEN_KINDS[0].2).await;
    let id = server
        .create_dialog(
            &so,
            &common::dialogs::minimal_dialog(
                common::dialogs::TTD_RESOURCE,
                common::dialogs::PARTY_ORG,
            ),
        )
        .await;
    let valid = format!(
        "/api/v1/serviceowner/dialogs/{id}?endUserId=urn:altinn:person:identifier-no:08844397713"
    );
    assert_eq!(caller(&server, &valid, &so).await.0, 200);
    // Query keys are case-insensitive, as in ASP.NET.
    let lower = format!(
        "/api/v1/serviceowner/dialogs/{id}?enduserid=urn:altinn:person:identifier-no:08844397713"
    );
    assert_eq!(caller(&server, &lower, &so).await.0, 200);

    for invalid in [
        "urn:altinn:person:identifier-no:08844397714",
        "urn:altinn:person:identifier-no:123",
        "08844397",
        // Present but empty is still an enduserid, and not a valid one (as in DP).
        "",
    ] {
        let (status, body) = caller(
            &server,
            &format!("/api/v1/serviceowner/dialogs/x?enduserid={invalid}"),
            &so,
        )
        .await;
        assert_eq!(status, 400, "{invalid}");
        assert_eq!(body["title"], "One or more validation errors occurred.");
        assert_eq!(
            body["errors"]["EndUserId"][0],
            "EndUserId must be a valid end user identifier. It must match the format 'urn:altinn:person:identifier-no:{norwegian f-nr/d-nr}'."
        );
    }

    // The admin policy serves only ServiceOwner: acting for a person is refused there.
    let admin = mint(&server, "GetEnterpriseToken", TOKEN_KINDS[2].2).await;
    let path = "/api/v1/serviceowner/dialogs/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11/activities/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11/actions/updateFormSavedActivityTime?enduserid=urn:altinn:person:identifier-no:08844397713";
    let response = server.call("POST", path, Some(&admin)).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"]["Type"][0]
            .as_str()
            .unwrap()
            .ends_with("Valid user types for this endpoint are: ServiceOwner")
    );
}

#[tokio::test]
async fn both_correspondence_scope_names_are_recognised() {
    let server = TestServer::local().await;
    let body = common::dialogs::minimal_dialog(
        "urn:altinn:resource:ttd-dialogporten-automated-tests-correspondence",
        common::dialogs::PARTY_ORG,
    );
    for (scope, expected) in [
        ("digdir:dialogporten.correspondence", 201),
        ("digdir:dialogporten.serviceprovider.correspondence", 201),
        ("digdir:dialogporten.correspondence.other", 403),
    ] {
        let token = mint(
            &server,
            "GetEnterpriseToken",
            &format!("scopes=digdir:dialogporten.serviceprovider%20{scope}"),
        )
        .await;
        let answer = server
            .send_json("POST", "/api/v1/serviceowner/dialogs", &token, &body, &[])
            .await;
        assert_eq!(answer.status, expected, "{scope}: {}", answer.text);
    }
}

#[tokio::test]
async fn supplier_tokens_act_as_the_consumer_service_owner() {
    let server = TestServer::local().await;
    let token = server
        .test_token(
            "GetEnterpriseToken",
            "env=tt02&scopes=digdir:dialogporten.serviceprovider&org=ttd&orgNo=991825827&supplierOrgNo=310923044&delegationSource=https://tt02.altinn.no/",
        )
        .await;
    let id = server
        .create_dialog(
            &token,
            &common::dialogs::minimal_dialog(
                common::dialogs::TTD_RESOURCE,
                common::dialogs::PARTY_ORG,
            ),
        )
        .await;
    let (status, body) = caller(
        &server,
        &format!("/api/v1/serviceowner/dialogs/{id}"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["org"], "ttd");
    // A supplier token for another consumer does not reach ttd's dialog.
    let brg = server
        .test_token(
            "GetEnterpriseToken",
            "env=tt02&scopes=digdir:dialogporten.serviceprovider&org=brg&orgNo=974760673&supplierOrgNo=310923044&delegationSource=https://tt02.altinn.no/",
        )
        .await;
    assert_eq!(
        caller(&server, &format!("/api/v1/serviceowner/dialogs/{id}"), &brg)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn error_bodies_carry_instance_and_trace_id_and_large_bodies_get_413() {
    let server = TestServer::local().await;
    let person = mint(&server, "GetPersonalToken", TOKEN_KINDS[7].2).await;
    let response = server
        .client
        .get(format!("{}/api/v1/serviceowner/dialogs/x", server.url))
        .bearer_auth(&person)
        .header(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["instance"], "/api/v1/serviceowner/dialogs/x");
    assert_eq!(
        body["traceId"],
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    );

    let so = mint(&server, "GetEnterpriseToken", TOKEN_KINDS[0].2).await;
    let response = server
        .client
        .post(format!("{}/api/v1/serviceowner/dialogs", server.url))
        .bearer_auth(&so)
        .header("content-type", "application/json")
        .body(vec![b' '; 20_000_001])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["title"],
        "Payload too large. The maximum allowed size is 20000000 bytes."
    );
    assert_eq!(body["status"], 413);
}
