//! Token validation failures and trusted external issuers with key rotation, over real HTTP
//! against a server configured to trust an independent issuer on another port.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{ExternalIssuer, IssuerKey, TestServer, now, www_authenticate};
use dp_auth::IssuerConfig;
use serde_json::{Value, json};

/// A dialog that does not exist: a token that passes authentication gets the handler's 404.
const SO_ROUTE: &str = "/api/v1/serviceowner/dialogs/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11";
/// The status of a request whose token was accepted.
const PASSED: u16 = 404;
const SCOPE: &str = "digdir:dialogporten.serviceprovider";

async fn trusting(issuer: &ExternalIssuer, min_refresh_secs: u64) -> TestServer {
    let well_known = issuer.well_known.clone();
    TestServer::start(move |config| {
        let mut issuer_config = IssuerConfig::new(well_known);
        issuer_config.refresh_min_interval_secs = min_refresh_secs;
        config.issuers.maskinporten = Some(issuer_config);
    })
    .await
}

/// Asserts a 401 `invalid_token` challenge whose description contains `fragment`.
async fn assert_invalid(server: &TestServer, token: &str, fragment: &str) {
    let response = server.call("GET", SO_ROUTE, Some(token)).await;
    assert_eq!(response.status(), 401, "expected 401 for {fragment}");
    let challenge = www_authenticate(&response);
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token""#),
        "{challenge}"
    );
    assert!(
        challenge.contains(fragment),
        "{challenge} should mention {fragment}"
    );
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[tokio::test]
async fn a_configured_issuer_is_trusted_and_every_bad_token_is_refused() {
    let key = IssuerKey::es256("key-1");
    let eddsa = IssuerKey::ed25519("key-ed");
    let issuer = ExternalIssuer::start(vec![key.clone(), eddsa.clone()]).await;
    let server = trusting(&issuer, 60).await;

    let good = key.sign(&issuer.service_owner_claims(SCOPE));
    let response = server.call("GET", SO_ROUTE, Some(&good)).await;
    assert_eq!(response.status(), PASSED, "a valid ES256 token passes");

    // Missing and malformed.
    let missing = server.call("GET", SO_ROUTE, None).await;
    assert_eq!(
        (missing.status().as_u16(), www_authenticate(&missing)),
        (401, "Bearer".to_owned())
    );
    let basic = server
        .client
        .get(format!("{}{SO_ROUTE}", server.url))
        .basic_auth("a", Some("b"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    for malformed in [
        "abc",
        "a.b.c",
        "a.b",
        "....",
        &format!("{}.{}.", b64(&json!([1])), b64(&json!({}))),
    ] {
        assert_invalid(&server, malformed, "malformed").await;
    }

    // Expired and not yet valid (beyond the 2 s skew); `exp` required.
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims["exp"] = json!(now() - 10);
    assert_invalid(&server, &key.sign(&claims), "The token expired at").await;
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims["nbf"] = json!(now() + 60);
    assert_invalid(&server, &key.sign(&claims), "The token is not valid before").await;
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims.as_object_mut().unwrap().remove("exp");
    assert_invalid(&server, &key.sign(&claims), "no expiration").await;
    // Within the skew is still fine.
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims["exp"] = json!(now() - 1);
    assert_eq!(
        server
            .call("GET", SO_ROUTE, Some(&key.sign(&claims)))
            .await
            .status(),
        PASSED
    );

    // Wrong signature: a valid token's payload swapped for another.
    let other = key.sign(&json!({"iss": issuer.issuer, "exp": now() + 100, "scope": "x"}));
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        other.split('.').nth(1).unwrap(),
        parts[2]
    );
    assert_invalid(&server, &tampered, "The signature is invalid").await;
    // Signed by a key the issuer does not publish, under a published kid.
    let impostor = IssuerKey::es256("key-1");
    assert_invalid(
        &server,
        &impostor.sign(&issuer.service_owner_claims(SCOPE)),
        "The signature is invalid",
    )
    .await;

    // Unknown issuer: same key, other iss.
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims["iss"] = json!("https://test.maskinporten.no/");
    assert_invalid(&server, &key.sign(&claims), "not trusted").await;
    // The issuer must match exactly (no trailing-slash leniency).
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims["iss"] = json!(issuer.issuer.trim_end_matches('/'));
    assert_invalid(&server, &key.sign(&claims), "not trusted").await;

    // alg none, with and without a signature.
    let payload = b64(&issuer.service_owner_claims(SCOPE));
    let none_header = b64(&json!({"alg": "none", "typ": "JWT"}));
    assert_invalid(
        &server,
        &format!("{none_header}.{payload}."),
        "'none' is not allowed",
    )
    .await;
    assert_invalid(
        &server,
        &format!("{none_header}.{payload}.{}", parts[2]),
        "'none' is not allowed",
    )
    .await;

    // HS256 keyed with the issuer's public key material (algorithm confusion).
    let public_x = key.jwk["x"].as_str().unwrap().to_owned();
    for secret in [
        public_x.as_bytes().to_vec(),
        serde_json::to_vec(&key.jwk).unwrap(),
    ] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("key-1".into());
        let forged = jsonwebtoken::encode(
            &header,
            &issuer.service_owner_claims(SCOPE),
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_invalid(&server, &forged, "'HS256' is not allowed").await;
    }

    // A token claiming an algorithm of another key family than the kid's key.
    let message = format!(
        "{}.{}",
        b64(&json!({"alg": "EdDSA", "kid": "key-1"})),
        payload
    );
    assert_invalid(
        &server,
        &format!("{message}.{}", parts[2]),
        "The signature key was not found",
    )
    .await;

    // Unknown kid.
    let stranger = IssuerKey::es256("who-is-this");
    assert_invalid(
        &server,
        &stranger.sign(&issuer.service_owner_claims(SCOPE)),
        "The signature key was not found",
    )
    .await;

    // Oversized.
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims["padding"] = json!("x".repeat(70 * 1024));
    assert_invalid(&server, &key.sign(&claims), "larger than 65536").await;

    // EdDSA from the same issuer is accepted.
    assert_eq!(
        server
            .call(
                "GET",
                SO_ROUTE,
                Some(&eddsa.sign(&issuer.service_owner_claims(SCOPE)))
            )
            .await
            .status(),
        PASSED
    );

    // The server is still healthy after all that.
    assert_eq!(server.call("GET", "/health", None).await.status(), 200);
}

#[tokio::test]
async fn rotated_keys_are_picked_up_on_an_unknown_kid_at_most_once_per_interval() {
    let old = IssuerKey::es256("2026-old");
    let issuer = ExternalIssuer::start(vec![old.clone()]).await;
    let server = trusting(&issuer, 1).await;
    assert_eq!(
        server
            .call(
                "GET",
                SO_ROUTE,
                Some(&old.sign(&issuer.service_owner_claims(SCOPE)))
            )
            .await
            .status(),
        PASSED
    );
    let fetches_at_start = issuer.jwks_fetches();
    assert_eq!(fetches_at_start, 1, "keys are fetched once at startup");

    // Rotation: the issuer now publishes only the new key and signs with it.
    let new = IssuerKey::ed25519("2026-new");
    issuer.publish(vec![new.clone()]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let token = new.sign(&issuer.service_owner_claims(SCOPE));
    assert_eq!(
        server.call("GET", SO_ROUTE, Some(&token)).await.status(),
        PASSED,
        "the new kid triggers a refresh"
    );
    assert_eq!(issuer.jwks_fetches(), fetches_at_start + 1);

    // Unknown kids within the interval do not refetch.
    for n in 0..5 {
        let unknown = IssuerKey::es256(&format!("unknown-{n}"));
        assert_invalid(
            &server,
            &unknown.sign(&issuer.service_owner_claims(SCOPE)),
            "key was not found",
        )
        .await;
    }
    assert_eq!(
        issuer.jwks_fetches(),
        fetches_at_start + 1,
        "refresh is rate-limited"
    );

    // After the interval a new unknown kid may refresh again; the retired key is gone.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh_old_token = old.sign(
        &json!({"iss": issuer.issuer, "exp": now() + 60, "scope": SCOPE, "jti": "other",
        "consumer": {"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}}),
    );
    assert_invalid(&server, &fresh_old_token, "key was not found").await;
    assert_eq!(issuer.jwks_fetches(), fetches_at_start + 2);
}

#[tokio::test]
async fn an_opt_in_audience_is_enforced() {
    let key = IssuerKey::es256("k");
    let issuer = ExternalIssuer::start(vec![key.clone()]).await;
    let well_known = issuer.well_known.clone();
    let server = TestServer::start(move |config| {
        let mut issuer_config = IssuerConfig::new(well_known);
        issuer_config.audience = vec!["https://dialogporten.example/".into()];
        config.issuers.idporten = Some(issuer_config);
    })
    .await;
    let mut claims = issuer.service_owner_claims(SCOPE);
    assert_invalid(&server, &key.sign(&claims), "audience").await;
    claims["aud"] = json!(["other", "https://dialogporten.example/"]);
    assert_eq!(
        server
            .call("GET", SO_ROUTE, Some(&key.sign(&claims)))
            .await
            .status(),
        PASSED
    );
}

#[tokio::test]
async fn with_external_issuers_the_embedded_minting_is_off() {
    let issuer = ExternalIssuer::start(vec![IssuerKey::es256("k")]).await;
    let server = trusting(&issuer, 60).await;
    let response = server
        .client
        .get(format!(
            "{}/testtools/api/GetEnterpriseToken?scopes=x",
            server.url
        ))
        .basic_auth("dev", Some("dev"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let discovery = server
        .call(
            "GET",
            "/authentication/api/v1/openid/.well-known/openid-configuration",
            None,
        )
        .await;
    assert_eq!(discovery.status(), 404);
}

#[tokio::test]
async fn an_unreachable_issuer_does_not_stop_the_server() {
    let server = TestServer::start(|config| {
        config.issuers.maskinporten = Some(IssuerConfig::new(
            "http://127.0.0.1:9/.well-known/openid-configuration",
        ));
    })
    .await;
    let key = IssuerKey::es256("k");
    let token = key.sign(&json!({"iss": "http://127.0.0.1:9/", "exp": now() + 60}));
    assert_invalid(&server, &token, "not trusted").await;
    assert_eq!(server.call("GET", "/health", None).await.status(), 200);
}

#[tokio::test]
async fn a_cached_token_is_still_refused_once_it_expires() {
    let key = IssuerKey::es256("k");
    let issuer = ExternalIssuer::start(vec![key.clone()]).await;
    let server = trusting(&issuer, 60).await;
    let mut claims = issuer.service_owner_claims(SCOPE);
    claims["exp"] = json!(now() + 1);
    let token = key.sign(&claims);
    assert_eq!(
        server.call("GET", SO_ROUTE, Some(&token)).await.status(),
        PASSED
    );
    assert_eq!(
        server.call("GET", SO_ROUTE, Some(&token)).await.status(),
        PASSED,
        "served from the cache"
    );
    // Past exp plus the 2 s skew.
    tokio::time::sleep(Duration::from_millis(4100)).await;
    assert_invalid(&server, &token, "The token expired at").await;
}

#[tokio::test]
async fn every_mutation_of_a_valid_token_is_a_401_never_a_500() {
    let server = TestServer::local().await;
    let token = server
        .test_token(
            "GetEnterpriseToken",
            "env=tt02&scopes=digdir:dialogporten.serviceprovider&orgNo=991825827",
        )
        .await;
    assert_eq!(
        server.call("GET", SO_ROUTE, Some(&token)).await.status(),
        PASSED
    );
    let bytes = token.as_bytes();
    // Every position of the header and payload, and a sample of the signature.
    let signature_start = token.rfind('.').unwrap();
    let positions = (0..signature_start).chain((signature_start..bytes.len()).step_by(17));
    for (n, position) in positions.enumerate() {
        let mut mutated = bytes.to_vec();
        mutated[position] = match mutated[position] {
            b'A' => b'B',
            b'.' => b'x',
            _ => b'A',
        };
        let mutated = String::from_utf8(mutated).unwrap();
        let status = server
            .call("GET", SO_ROUTE, Some(&mutated))
            .await
            .status()
            .as_u16();
        assert_eq!(status, 401, "mutation {n} at byte {position}");
    }
    for garbage in [
        "",
        " ",
        "Bearer",
        "\u{7f}",
        "eyJ",
        "e30.e30.e30",
        "null.null.null",
        ".....",
    ] {
        let response = server
            .client
            .get(format!("{}{SO_ROUTE}", server.url))
            .header("authorization", format!("Bearer {garbage}"))
            .send()
            .await;
        // Some of these are not even valid header values; those never reach the server.
        if let Ok(response) = response {
            assert_eq!(response.status(), 401, "{garbage:?}");
        }
    }
    assert_eq!(server.call("GET", "/health", None).await.status(), 200);
}

#[tokio::test]
async fn rsa_keys_published_altinn_style_verify_rs256_rs384_and_rs512() {
    let rs256 = IssuerKey::rsa("rsa-1", jsonwebtoken::Algorithm::RS256);
    let issuer = ExternalIssuer::start(vec![rs256.clone()]).await;
    let server = trusting(&issuer, 60).await;
    for algorithm in [
        jsonwebtoken::Algorithm::RS256,
        jsonwebtoken::Algorithm::RS384,
        jsonwebtoken::Algorithm::RS512,
    ] {
        let key = IssuerKey {
            algorithm,
            ..rs256.clone()
        };
        let status = server
            .call(
                "GET",
                SO_ROUTE,
                Some(&key.sign(&issuer.service_owner_claims(SCOPE))),
            )
            .await
            .status();
        assert_eq!(status, PASSED, "{algorithm:?}");
    }
    // The real generator puts a thumbprint *string* in `x5c`; only `alg` and `kid` are read, so
    // such tokens verify, and `jku`/`x5u` are never fetched.
    let header = json!({"x5c": "D8D867C7D521360F4F35CD51580C49A05165D4E1", "jku": "http://127.0.0.1:9/keys", "x5u": "http://127.0.0.1:9/cert"});
    let token = rs256.sign_with_header(&issuer.service_owner_claims(SCOPE), header);
    assert_eq!(
        server.call("GET", SO_ROUTE, Some(&token)).await.status(),
        PASSED
    );
}

#[tokio::test]
async fn keys_without_kid_and_a_narrowed_algorithm_list() {
    let anonymous_key = IssuerKey::rsa("", jsonwebtoken::Algorithm::RS256);
    let es256 = IssuerKey::es256("ec");
    let issuer = ExternalIssuer::start(vec![anonymous_key.clone(), es256.clone()]).await;
    let well_known = issuer.well_known.clone();
    let server = TestServer::start(move |config| {
        let mut issuer_config = IssuerConfig::new(well_known);
        issuer_config.algorithms = Some(vec!["RS256".into()]);
        config.issuers.altinn = Some(issuer_config);
    })
    .await;
    // No kid in the token: every key of the family is tried.
    let token = anonymous_key.sign(&issuer.service_owner_claims(SCOPE));
    assert_eq!(
        server.call("GET", SO_ROUTE, Some(&token)).await.status(),
        PASSED
    );
    // A kid no published key has falls back to the keys published without one.
    let named = IssuerKey {
        kid: "not-published".into(),
        ..anonymous_key.clone()
    };
    assert_eq!(
        server
            .call(
                "GET",
                SO_ROUTE,
                Some(&named.sign(&issuer.service_owner_claims(SCOPE)))
            )
            .await
            .status(),
        PASSED
    );
    // Only RS256 is allowed for this issuer.
    assert_invalid(
        &server,
        &es256.sign(&issuer.service_owner_claims(SCOPE)),
        "'ES256' is not allowed",
    )
    .await;
    let rs384 = IssuerKey {
        algorithm: jsonwebtoken::Algorithm::RS384,
        ..anonymous_key
    };
    assert_invalid(
        &server,
        &rs384.sign(&issuer.service_owner_claims(SCOPE)),
        "'RS384' is not allowed",
    )
    .await;
}

#[tokio::test]
async fn a_burst_of_requests_during_a_rotation_all_pass() {
    let old = IssuerKey::es256("burst-old");
    let issuer = ExternalIssuer::start(vec![old]).await;
    let server = std::sync::Arc::new(trusting(&issuer, 1).await);
    let new = IssuerKey::ed25519("burst-new");
    issuer.publish(vec![new.clone()]);
    // Past the minimum interval since the startup fetch, so the first unknown kid refreshes.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut requests = Vec::new();
    for n in 0..20 {
        let mut claims = issuer.service_owner_claims(SCOPE);
        claims["jti"] = json!(format!("burst-{n}"));
        let token = new.sign(&claims);
        let server = server.clone();
        requests.push(tokio::spawn(async move {
            server
                .call("GET", SO_ROUTE, Some(&token))
                .await
                .status()
                .as_u16()
        }));
    }
    for request in requests {
        assert_eq!(
            request.await.unwrap(),
            PASSED,
            "every request sees the rotated key"
        );
    }
    assert_eq!(
        issuer.jwks_fetches(),
        2,
        "one refresh served the whole burst"
    );
}
