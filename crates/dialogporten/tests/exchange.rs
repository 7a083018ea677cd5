//! Altinn token exchange (auth.md §4): tokens of the embedded Maskinporten and ID-porten are
//! exchanged for Altinn tokens that both dialog APIs accept as they would the originals.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::dialogs::*;
use serde_json::{Map, Value, json};

fn now() -> i64 {
    common::now()
}

/// A token as the embedded provider would issue it, signed with its persisted key.
async fn provider_token(server: &TestServer, provider: &str, claims: Value) -> String {
    let key = server.embedded_key(provider).await;
    let mut map: Map<String, Value> = claims.as_object().unwrap().clone();
    let issuer = match provider {
        "maskinporten" => format!("{}/maskinporten/", server.url),
        _ => format!("{}/idporten", server.url),
    };
    map.insert("iss".into(), json!(issuer));
    map.insert("iat".into(), json!(now()));
    map.insert("exp".into(), json!(now() + 120));
    map.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
    key.sign(&map).unwrap()
}

async fn exchange(server: &TestServer, provider: &str, token: Option<&str>) -> (u16, String) {
    let response = server
        .call(
            "GET",
            &format!("/authentication/api/v1/exchange/{provider}"),
            token,
        )
        .await;
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_maskinporten_token_is_exchanged_and_works_on_the_service_owner_api() {
    let server = TestServer::local().await;
    let original = provider_token(
        &server,
        "maskinporten",
        json!({
            "scope": "digdir:dialogporten.serviceprovider altinn:serviceowner/instances.read",
            "client_amr": "private_key_jwt", "token_type": "Bearer", "client_id": "test-client",
            "aud": "https://example.com", "consumer": { "authority": "iso6523-actorid-upis", "ID": "0192:991825827" }
        }),
    ).await;
    // The original itself is trusted.
    let answer = server
        .send_json(
            "POST",
            "/api/v1/serviceowner/dialogs",
            &original,
            &minimal_dialog(TTD_RESOURCE, PARTY_ORG),
            &[],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);

    let (status, exchanged) = exchange(&server, "maskinporten", Some(&original)).await;
    assert_eq!(status, 200, "{exchanged}");
    let claims = common::payload(&exchanged);
    assert_eq!(
        claims["iss"],
        format!("{}/authentication/api/v1/openid/", server.url)
    );
    assert_eq!(claims["urn:altinn:org"], "ttd");
    assert_eq!(claims["urn:altinn:orgNumber"], "991825827");
    assert_eq!(claims["urn:altinn:authenticatemethod"], "maskinporten");
    assert_eq!(claims["urn:altinn:authlevel"], 3);
    assert_eq!(claims["client_id"], "test-client");
    for removed in ["aud", "client_amr"] {
        assert!(claims.get(removed).is_none(), "{removed}");
    }
    assert!(
        claims["exp"].as_i64().unwrap() >= now() + 29 * 60,
        "30 minutes"
    );
    let answer = server
        .send_json(
            "POST",
            "/api/v1/serviceowner/dialogs",
            &exchanged,
            &minimal_dialog(TTD_RESOURCE, PARTY_ORG),
            &[],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let id = answer.body.as_str().unwrap();
    assert_eq!(
        server
            .get_json(&format!("/api/v1/serviceowner/dialogs/{id}"), &exchanged)
            .await
            .0,
        200
    );

    // Without a service-owner scope there is no org code, and the consumer is still the org.
    let plain = provider_token(
        &server,
        "maskinporten",
        json!({ "scope": "digdir:dialogporten.serviceprovider",
                "consumer": { "authority": "iso6523-actorid-upis", "ID": "0192:991825827" } }),
    )
    .await;
    let (_, exchanged) = exchange(&server, "MaskinPorten", Some(&plain)).await;
    assert!(common::payload(&exchanged).get("urn:altinn:org").is_none());
}

#[tokio::test]
async fn id_porten_and_system_user_tokens_are_exchanged_for_the_end_user_api() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let person_dialog = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_PERSON))
        .await;
    let org_dialog = server
        .create_dialog(
            &ttd,
            &minimal_dialog(
                TTD_RESOURCE,
                "urn:altinn:organization:identifier-no:310057223",
            ),
        )
        .await;

    let person = provider_token(
        &server,
        "idporten",
        json!({ "pid": "08844397713", "acr": "idporten-loa-substantial", "amr": ["BankID"],
                "scope": "openid digdir:dialogporten", "client_id": "web", "sub": "abc", "sid": "s", "aud": "web" }),
    ).await;
    let (status, exchanged) = exchange(&server, "id-porten", Some(&person)).await;
    assert_eq!(status, 200, "{exchanged}");
    let claims = common::payload(&exchanged);
    assert_eq!(claims["pid"], "08844397713");
    assert_eq!(claims["urn:altinn:authlevel"], 3);
    assert_eq!(claims["urn:altinn:authenticatemethod"], "BankID");
    assert_eq!(
        claims["exp"],
        common::payload(&person)["exp"],
        "ID-porten keeps the original expiry"
    );
    assert!(claims["urn:altinn:userid"].is_string() && claims["urn:altinn:partyid"].is_i64());
    for removed in ["aud", "sub", "sid"] {
        assert_ne!(
            claims.get(removed),
            common::payload(&person).get(removed),
            "{removed}"
        );
    }
    let (status, body) = server
        .get_json(
            &format!("/api/v1/enduser/dialogs/{person_dialog}"),
            &exchanged,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        common::payload(body["dialogToken"].as_str().unwrap())["c"],
        PARTY_PERSON
    );

    let system_user = provider_token(
        &server,
        "maskinporten",
        json!({ "scope": "digdir:dialogporten",
                "consumer": { "authority": "iso6523-actorid-upis", "ID": "0192:991825827" },
                "authorization_details": [ { "type": "urn:altinn:systemuser",
                    "systemuser_org": { "authority": "iso6523-actorid-upis", "ID": "0192:310057223" },
                    "systemuser_id": ["7633be4c-dbd5-49f4-bbc4-c058b275de7b"], "system_id": "991825827_demo-system" } ] }),
    ).await;
    let (status, exchanged) = exchange(&server, "maskinporten", Some(&system_user)).await;
    assert_eq!(status, 200, "{exchanged}");
    assert!(
        common::payload(&exchanged)["authorization_details"].is_object(),
        "one system user is an object"
    );
    let (status, body) = server
        .get_json(&format!("/api/v1/enduser/dialogs/{org_dialog}"), &exchanged)
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_exchange_refuses_what_altinn_refuses() {
    let server = TestServer::local().await;
    let mp = provider_token(
        &server,
        "maskinporten",
        json!({ "scope": "digdir:dialogporten.serviceprovider",
                "consumer": { "authority": "iso6523-actorid-upis", "ID": "0192:991825827" } }),
    )
    .await;
    let (status, body) = exchange(&server, "altinnstudio2", Some(&mp)).await;
    assert_eq!(
        (status, body.as_str()),
        (400, "Invalid token provider: altinnstudio2")
    );
    assert_eq!(exchange(&server, "maskinporten", None).await.0, 401);
    assert_eq!(
        exchange(&server, "maskinporten", Some("not.a.token"))
            .await
            .0,
        401
    );
    assert_eq!(
        exchange(&server, "id-porten", Some(&mp)).await.0,
        401,
        "wrong provider for the token"
    );
    let no_consumer = provider_token(
        &server,
        "maskinporten",
        json!({ "scope": "digdir:dialogporten.serviceprovider" }),
    )
    .await;
    assert_eq!(
        exchange(&server, "maskinporten", Some(&no_consumer))
            .await
            .0,
        401
    );
    let openid_only = provider_token(
        &server,
        "idporten",
        json!({ "pid": "08844397713", "acr": "idporten-loa-substantial", "scope": "openid profile" }),
    ).await;
    assert_eq!(
        exchange(&server, "id-porten", Some(&openid_only)).await.0,
        403
    );
    // An Altinn token cannot be exchanged again.
    let altinn = server.ttd().await;
    assert_eq!(
        exchange(&server, "maskinporten", Some(&altinn)).await.0,
        401
    );
    let response = server
        .client
        .get(format!(
            "{}/authentication/api/v1/exchange/maskinporten",
            server.url
        ))
        .bearer_auth(&mp)
        .header("X-Altinn-EnterpriseUser-Authentication", "x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 410);
}
