//! The embedded Maskinporten (auth.md §2–§3), driven as a client of the real service would
//! drive it: grants signed with the `jsonwebtoken` crate (or by hand where a library refuses
//! to make a bad grant), sent with plain HTTP, tokens used on the dialog APIs. Every rule of
//! the JWT-bearer grant has a negative test; suppliers, system users, `x5c`, the admin API and
//! the `clients` command are covered end to end.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::dialogs::{TTD_RESOURCE, encode, minimal_dialog};
use common::{TestServer, header, now, payload};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_dialogporten");
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const SERVICE_PROVIDER: &str = "digdir:dialogporten.serviceprovider";
const SEARCH: &str = "digdir:dialogporten.serviceprovider.search";
const TTD: &str = "991825827";
const SUPPLIER: &str = "310923044";
const SYSTEM_USER_ORG: &str = "310057223";
const SYSTEM_USER_ID: &str = "7633be4c-dbd5-49f4-bbc4-c058b275de7b";

// ---------------------------------------------------------------------------------------------
// DER helpers (test side): PKCS#8 → PKCS#1 for jsonwebtoken, and a self-signed certificate.

fn tlv(data: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = data[0];
    let (length, start) = if data[1] < 0x80 {
        (data[1] as usize, 2)
    } else {
        let count = (data[1] & 0x7f) as usize;
        let length = data[2..2 + count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (length, 2 + count)
    };
    (tag, &data[start..start + length], &data[start + length..])
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (what jsonwebtoken's RSA signer reads).
fn pkcs1(pkcs8: &[u8]) -> Vec<u8> {
    let (_, info, _) = tlv(pkcs8);
    let (_, _, rest) = tlv(info); // version
    let (_, _, rest) = tlv(rest); // algorithm
    let (tag, key, _) = tlv(rest);
    assert_eq!(tag, 0x04, "an OCTET STRING");
    key.to_vec()
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// A self-signed X.509 certificate for `pair`, valid between two UTCTimes (`YYMMDDHHMMSSZ`).
fn certificate(pair: &RsaKeyPair, not_before: &str, not_after: &str) -> Vec<u8> {
    let algorithm = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let name = der(
        0x30,
        &der(
            0x31,
            &der(
                0x30,
                &[
                    der(0x06, &[0x55, 0x04, 0x03]),
                    der(0x0c, b"Test Virksomhet"),
                ]
                .concat(),
            ),
        ),
    );
    let validity = der(
        0x30,
        &[
            der(0x17, not_before.as_bytes()),
            der(0x17, not_after.as_bytes()),
        ]
        .concat(),
    );
    let spki = pair.public_key().as_der().unwrap();
    let tbs = der(
        0x30,
        &[
            der(0xa0, &der(0x02, &[2])),
            der(0x02, &[1]),
            algorithm.clone(),
            name.clone(),
            validity,
            name,
            spki.as_ref().to_vec(),
        ]
        .concat(),
    );
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        &tbs,
        &mut signature,
    )
    .unwrap();
    der(
        0x30,
        &[
            tbs,
            algorithm,
            der(0x03, &[&[0u8][..], &signature].concat()),
        ]
        .concat(),
    )
}

// ---------------------------------------------------------------------------------------------
// A Maskinporten client of the test: an RSA key, registered as a JWK.

struct ClientKey {
    kid: String,
    pair: Arc<RsaKeyPair>,
    encoding: EncodingKey,
    /// The public JWK (with `alg` RS256 unless built with `any_alg`).
    jwk: Value,
}

impl ClientKey {
    fn new(kid: &str) -> Self {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 = pair.as_der().unwrap();
        Self::from_pkcs8(kid, pkcs8.as_ref())
    }

    fn from_pkcs8(kid: &str, pkcs8: &[u8]) -> Self {
        let pair = RsaKeyPair::from_pkcs8(pkcs8).unwrap();
        let public = pair.public_key();
        let jwk = json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero())});
        Self {
            kid: kid.into(),
            encoding: EncodingKey::from_rsa_der(&pkcs1(pkcs8)),
            pair: Arc::new(pair),
            jwk,
        }
    }

    /// The JWK without `alg`: any of RS256, RS384, RS512.
    fn any_alg(mut self) -> Self {
        self.jwk.as_object_mut().unwrap().remove("alg");
        self
    }

    /// A grant signed by jsonwebtoken with header `alg` + `kid`.
    fn sign(&self, claims: &Value) -> String {
        self.sign_alg(claims, Algorithm::RS256)
    }

    fn sign_alg(&self, claims: &Value, algorithm: Algorithm) -> String {
        let mut header = Header::new(algorithm);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }

    /// A grant with a hand-made header (RS256 signature by this key).
    fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .unwrap();
        format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

fn register(server: &TestServer, client_id: &str, org: &str, scopes: &[&str], keys: &[&ClientKey]) {
    let clients = server.clients();
    let client = dp_idp::OAuthClient {
        client_id: client_id.into(),
        kind: dp_idp::ClientKind::Maskinporten,
        org_number: org.into(),
        name: format!("Test client {client_id}"),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        jwks: Some(json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})),
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        token_endpoint_auth_method: "private_key_jwt".into(),
        secret_sha256: None,
    };
    client.validate().unwrap();
    clients.add(client).unwrap();
}

fn issuer(server: &TestServer) -> String {
    format!("{}/maskinporten/", server.url)
}

/// Grant claims as Maskinporten's documentation shows them, valid now.
fn claims(server: &TestServer, client_id: &str, scope: &str) -> Value {
    let now = now();
    json!({"aud": issuer(server), "iss": client_id, "scope": scope, "iat": now, "exp": now + 60,
        "jti": uuid::Uuid::new_v4().to_string()})
}

/// POSTs a form to the token endpoint: (status, body).
async fn post_form(server: &TestServer, pairs: &[(&str, &str)]) -> (u16, Value) {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let response = server
        .client
        .post(format!("{}/maskinporten/token", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.join("&"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers().get("cache-control").unwrap(),
        "no-store",
        "token answers are not cached"
    );
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token_request(server: &TestServer, assertion: &str) -> (u16, Value) {
    post_form(
        server,
        &[("grant_type", GRANT_TYPE), ("assertion", assertion)],
    )
    .await
}

/// The access token of a grant that must succeed.
async fn access_token(server: &TestServer, assertion: &str) -> String {
    let (status, body) = token_request(server, assertion).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// Asserts a refusal: 400, the OAuth error code, and a description containing `text`.
async fn refused(server: &TestServer, assertion: &str, error: &str, text: &str) -> Value {
    let (status, body) = token_request(server, assertion).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains(text),
        "{description:?} should contain {text:?}"
    );
    body
}

async fn setup(client_id: &str, org: &str, scopes: &[&str]) -> (TestServer, ClientKey) {
    let server = TestServer::local().await;
    let key = ClientKey::new(&format!("{client_id}-key-1"));
    register(&server, client_id, org, scopes, &[&key]);
    (server, key)
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn metadata_and_keys_are_published_at_the_real_paths() {
    let server = TestServer::local().await;
    for path in [
        "/maskinporten/.well-known/oauth-authorization-server",
        "/maskinporten/.well-known/oauth-authorization-server/",
    ] {
        let response = server.call("GET", path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        let metadata: Value = response.json().await.unwrap();
        assert_eq!(metadata["issuer"], issuer(&server));
        assert_eq!(
            metadata["token_endpoint"],
            format!("{}/maskinporten/token", server.url)
        );
        assert_eq!(
            metadata["grant_types_supported"],
            json!([GRANT_TYPE]),
            "only the JWT-bearer grant"
        );
        assert_eq!(
            metadata["token_endpoint_auth_signing_alg_values_supported"],
            json!(["RS256", "RS384", "RS512"])
        );
        let jwks: Value = server
            .client
            .get(metadata["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let key = &jwks["keys"][0];
        assert_eq!(
            (key["kty"].as_str(), key["alg"].as_str()),
            (Some("RSA"), Some("RS256"))
        );
        assert!(key["kid"].is_string() && key.get("d").is_none());
    }
    let response = server.call("GET", "/maskinporten/token", None).await;
    assert_eq!(response.status(), 405, "the token endpoint takes POST only");
}

#[tokio::test]
async fn a_jwt_grant_gives_a_token_the_service_owner_api_accepts() {
    let (server, key) = setup("ttd-system", TTD, &[SERVICE_PROVIDER, SEARCH]).await;
    let scope = format!("{SERVICE_PROVIDER} {SEARCH}");
    let (status, body) =
        token_request(&server, &key.sign(&claims(&server, "ttd-system", &scope))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 120);
    assert_eq!(body["scope"], scope);
    let token = body["access_token"].as_str().unwrap();

    // Verified independently against the published key set.
    let jwks: jsonwebtoken::jwk::JwkSet = server
        .client
        .get(format!("{}/maskinporten/jwk", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = header(token)["kid"].as_str().unwrap().to_owned();
    assert_eq!(header(token)["alg"], "RS256");
    let jwk = jwks.find(&kid).expect("the token's kid is published");
    let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[issuer(&server)]);
    let verified = jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;

    assert_eq!(verified["iss"], issuer(&server));
    assert_eq!(verified["client_amr"], "private_key_jwt");
    assert_eq!(verified["token_type"], "Bearer");
    assert_eq!(verified["client_id"], "ttd-system");
    assert_eq!(verified["scope"], scope);
    assert_eq!(
        verified["consumer"],
        json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"})
    );
    assert_eq!(
        verified["exp"].as_i64().unwrap() - verified["iat"].as_i64().unwrap(),
        120
    );
    assert_eq!(verified["jti"].as_str().unwrap().len(), 43);
    for absent in ["aud", "supplier", "authorization_details", "pid"] {
        assert!(verified.get(absent).is_none(), "{absent}: {verified}");
    }

    let id = server
        .create_dialog(
            token,
            &minimal_dialog(TTD_RESOURCE, common::dialogs::PARTY_ORG),
        )
        .await;
    let (status, dialog) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{id}"), token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(dialog["org"], "ttd");
    let (status, _) = server
        .get_json("/api/v1/serviceowner/dialogs?serviceResource=urn:altinn:resource:ttd-dialogporten-automated-tests", token)
        .await;
    assert_eq!(status, 200, "the search scope was granted");

    // `resource` restricts the audience; `sub` = client id and the issuer without its
    // trailing slash are accepted, as RFC 7523 clients send them.
    let mut grant = claims(&server, "ttd-system", SERVICE_PROVIDER);
    grant["resource"] = json!("https://dialogporten.example/api");
    grant["sub"] = json!("ttd-system");
    grant["aud"] = json!(issuer(&server).trim_end_matches('/'));
    let token = access_token(&server, &key.sign(&grant)).await;
    assert_eq!(payload(&token)["aud"], "https://dialogporten.example/api");
    assert_eq!(payload(&token)["scope"], SERVICE_PROVIDER);
    let (status, _) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{id}"), &token)
        .await;
    assert_eq!(status, 200, "audience-restricted tokens work as well");
}

#[tokio::test]
async fn every_grant_rule_is_enforced_with_maskinporten_errors() {
    let (server, key) = setup("rules", TTD, &[SERVICE_PROVIDER]).await;
    let good = || claims(&server, "rules", SERVICE_PROVIDER);
    let with = |name: &str, value: Value| {
        let mut grant = good();
        grant[name] = value;
        grant
    };

    // Replay: the same jti twice, and the same grant eight times at once.
    let grant = key.sign(&good());
    access_token(&server, &grant).await;
    let body = refused(&server, &grant, "invalid_grant", "used before").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .ends_with("(MP-012)")
    );
    assert_eq!(body["error_uri"], "https://maskinporten.no/errors/MP-012");
    let same_jti = with("jti", good()["jti"].clone());
    access_token(&server, &key.sign(&same_jti)).await;
    let mut replayed = same_jti.clone();
    replayed["scope"] = json!(format!("{SERVICE_PROVIDER} "));
    refused(
        &server,
        &key.sign(&replayed),
        "invalid_grant",
        "used before",
    )
    .await;
    let concurrent = key.sign(&good());
    let answers = futures_join(&server, &concurrent, 8).await;
    assert_eq!(
        answers.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    // Without a jti the assertion itself is single-use.
    let mut no_jti = good();
    no_jti.as_object_mut().unwrap().remove("jti");
    let once = key.sign(&no_jti);
    access_token(&server, &once).await;
    refused(&server, &once, "invalid_grant", "used before").await;

    // Time: iat within ±10 s, exp in the future and at most 120 s after iat.
    refused(
        &server,
        &key.sign(&with("iat", json!(now() - 30))),
        "invalid_grant",
        "Invalid JWT claim iat: issued",
    )
    .await;
    refused(
        &server,
        &key.sign(&with("iat", json!(now() + 30))),
        "invalid_grant",
        "ahead of the server clock",
    )
    .await;
    let mut long = good();
    long["exp"] = json!(long["iat"].as_i64().unwrap() + 121);
    let body = refused(
        &server,
        &key.sign(&long),
        "invalid_grant",
        "exp - iat is 121 s",
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("Invalid assertion. Client authentication failed.")
    );
    let mut expired = good();
    let at = now();
    expired["iat"] = json!(at - 8);
    expired["exp"] = json!(at - 2);
    refused(
        &server,
        &key.sign(&expired),
        "invalid_grant",
        "The JWT has expired",
    )
    .await;
    let mut no_exp = good();
    no_exp.as_object_mut().unwrap().remove("exp");
    refused(
        &server,
        &key.sign(&no_exp),
        "invalid_grant",
        "Missing JWT claim exp",
    )
    .await;

    // Audience: the issuer only (not the token endpoint, not another issuer, one value).
    for aud in [
        json!(format!("{}/maskinporten/token", server.url)),
        json!("https://maskinporten.no/"),
        json!([issuer(&server), "https://maskinporten.no/"]),
    ] {
        let body = refused(
            &server,
            &key.sign(&with("aud", aud)),
            "invalid_grant",
            "Invalid JWT claim aud",
        )
        .await;
        assert_eq!(body["error_uri"], "https://maskinporten.no/errors/MP-110");
    }
    access_token(&server, &key.sign(&with("aud", json!([issuer(&server)])))).await;

    // Keys and algorithms.
    let stranger = ClientKey::new("unknown-kid");
    refused(
        &server,
        &stranger.sign(&good()),
        "invalid_grant",
        "No key with kid 'unknown-kid'",
    )
    .await;
    let impostor = ClientKey::new(&key.kid);
    let body = refused(
        &server,
        &impostor.sign(&good()),
        "invalid_grant",
        "Invalid JWT signature.",
    )
    .await;
    assert_eq!(body["error_uri"], "https://maskinporten.no/errors/MP-124");
    let tampered = {
        let signed = key.sign(&good());
        let parts: Vec<&str> = signed.split('.').collect();
        let mut claims = good();
        claims["scope"] = json!("digdir:dialogporten.serviceprovider.admin");
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        )
    };
    refused(
        &server,
        &tampered,
        "invalid_grant",
        "Invalid JWT signature.",
    )
    .await;
    let mut hmac = Header::new(Algorithm::HS256);
    hmac.kid = Some(key.kid.clone());
    let hs256 = jsonwebtoken::encode(
        &hmac,
        &good(),
        &EncodingKey::from_secret(key.jwk["n"].as_str().unwrap().as_bytes()),
    )
    .unwrap();
    refused(
        &server,
        &hs256,
        "invalid_grant",
        "Unsupported JWT algorithm 'HS256'",
    )
    .await;
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": key.kid}).to_string()),
        URL_SAFE_NO_PAD.encode(good().to_string())
    );
    refused(
        &server,
        &none,
        "invalid_grant",
        "Unsupported JWT algorithm 'none'",
    )
    .await;
    refused(
        &server,
        &key.sign_alg(&good(), Algorithm::RS384),
        "invalid_grant",
        "registered for RS256",
    )
    .await;
    refused(
        &server,
        &key.sign_with_header(&json!({"alg": "RS256"}), &good()),
        "invalid_grant",
        "either kid",
    )
    .await;
    refused(&server, "not.a-jwt", "invalid_grant", "not a signed JWT").await;

    // Client and claims.
    refused(
        &server,
        &key.sign(&with("iss", json!("nobody"))),
        "invalid_grant",
        "Unknown client 'nobody'",
    )
    .await;
    refused(
        &server,
        &key.sign(&with("sub", json!("someone-else"))),
        "invalid_grant",
        "Invalid JWT claim sub",
    )
    .await;
    refused(
        &server,
        &key.sign(&with("foo", json!("bar"))),
        "invalid_grant",
        "Claims not supported in a JWT grant: foo",
    )
    .await;
    refused(
        &server,
        &key.sign(&with("pid", json!("08844397713"))),
        "invalid_request",
        "pid is not supported",
    )
    .await;

    // Scopes: every one registered for the client.
    let body = refused(
        &server,
        &key.sign(&with(
            "scope",
            json!(format!("{SERVICE_PROVIDER} {SEARCH}")),
        )),
        "invalid_scope",
        &format!("Invalid scopes: {SEARCH}"),
    )
    .await;
    assert_eq!(body["error_uri"], "https://maskinporten.no/errors/MP-200");
    let mut no_scope = good();
    no_scope.as_object_mut().unwrap().remove("scope");
    refused(
        &server,
        &key.sign(&no_scope),
        "invalid_request",
        "Missing JWT claim scope",
    )
    .await;

    // The request itself.
    let (status, body) = post_form(
        &server,
        &[("grant_type", "client_credentials"), ("assertion", "x")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = post_form(&server, &[("grant_type", GRANT_TYPE)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let response = server
        .client
        .post(format!("{}/maskinporten/token", server.url))
        .header("content-type", "application/json")
        .body(json!({"grant_type": GRANT_TYPE, "assertion": key.sign(&good())}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");

    // A key registered without `alg` takes RS384 and RS512 as well.
    let flexible = ClientKey::new("flexible").any_alg();
    register(&server, "flexible", TTD, &[SERVICE_PROVIDER], &[&flexible]);
    for algorithm in [Algorithm::RS384, Algorithm::RS512] {
        access_token(
            &server,
            &flexible.sign_alg(&claims(&server, "flexible", SERVICE_PROVIDER), algorithm),
        )
        .await;
    }
}

/// Sends `count` token requests with the same assertion at once; returns their statuses.
async fn futures_join(server: &TestServer, assertion: &str, count: usize) -> Vec<u16> {
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let client = server.client.clone();
            let url = format!("{}/maskinporten/token", server.url);
            let body = format!(
                "grant_type={}&assertion={}",
                encode(GRANT_TYPE),
                encode(assertion)
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

#[tokio::test]
async fn a_supplier_acts_for_a_service_owner_that_delegated_the_scopes() {
    let (server, key) = setup(
        "vendor",
        SUPPLIER,
        &[
            SERVICE_PROVIDER,
            SEARCH,
            "digdir:dialogporten.serviceprovider.admin",
        ],
    )
    .await;
    let supplier_grant = |consumer: &str, scope: &str| {
        let mut grant = claims(&server, "vendor", scope);
        grant["consumer_org"] = json!(consumer);
        key.sign(&grant)
    };

    // The demo registry: ttd (991825827) delegated both scopes to 310923044.
    let token = access_token(
        &server,
        &supplier_grant(TTD, &format!("{SERVICE_PROVIDER} {SEARCH}")),
    )
    .await;
    let claims = payload(&token);
    assert_eq!(
        claims["consumer"],
        json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"})
    );
    assert_eq!(
        claims["supplier"],
        json!({"authority": "iso6523-actorid-upis", "ID": "0192:310923044"})
    );
    assert_eq!(claims["delegation_source"], format!("{}/", server.url));
    let id = server
        .create_dialog(
            &token,
            &minimal_dialog(TTD_RESOURCE, common::dialogs::PARTY_PERSON),
        )
        .await;
    let (status, dialog) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{id}"), &token)
        .await;
    assert_eq!(
        (status, dialog["org"].as_str()),
        (200, Some("ttd")),
        "created as ttd"
    );

    // Not delegated: another consumer, or a scope the consumer kept.
    let body = refused(
        &server,
        &supplier_grant("974760673", SERVICE_PROVIDER),
        "invalid_grant",
        "has not delegated",
    )
    .await;
    assert_eq!(body["error_uri"], "https://maskinporten.no/errors/MP-251");
    refused(
        &server,
        &supplier_grant(TTD, "digdir:dialogporten.serviceprovider.admin"),
        "invalid_grant",
        "digdir:dialogporten.serviceprovider.admin to the supplier 310923044",
    )
    .await;
    refused(
        &server,
        &supplier_grant(SUPPLIER, SERVICE_PROVIDER),
        "invalid_request",
        "The combination consumer_org=310923044",
    )
    .await;
    refused(
        &server,
        &supplier_grant("12345", SERVICE_PROVIDER),
        "invalid_request",
        "Invalid parameter consumer_org",
    )
    .await;

    // Delegations are managed like the other rights, and apply to the next grant.
    let store_args = server.store_args();
    let store: Vec<&str> = store_args.iter().map(String::as_str).collect();
    let (ok, out, err) = run(&[
        &[
            "registry",
            "grant",
            "--from",
            "974760673",
            "--to",
            "urn:altinn:organization:identifier-no:310923044",
            "--scopes",
            SERVICE_PROVIDER,
        ],
        &store[..],
    ]
    .concat());
    assert!(ok, "{out}{err}");
    let token = access_token(&server, &supplier_grant("974760673", SERVICE_PROVIDER)).await;
    assert_eq!(payload(&token)["consumer"]["ID"], "0192:974760673");
    let (ok, out, _) = run(&[
        &[
            "registry",
            "revoke",
            "--from",
            "974760673",
            "--to",
            SUPPLIER,
            "--scopes",
            SERVICE_PROVIDER,
        ],
        &store[..],
    ]
    .concat());
    assert!(ok && out.contains("revoked"), "{out}");
    refused(
        &server,
        &supplier_grant("974760673", SERVICE_PROVIDER),
        "invalid_grant",
        "has not delegated",
    )
    .await;
}

#[tokio::test]
async fn a_system_user_grant_gives_a_token_the_end_user_api_accepts() {
    let (server, key) = setup("vendor-system", TTD, &["digdir:dialogporten"]).await;
    let detail = |org: &str| {
        json!([{"type": "urn:altinn:systemuser",
        "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")}}])
    };
    let grant = |details: Value| {
        let mut grant = claims(&server, "vendor-system", "digdir:dialogporten");
        grant["authorization_details"] = details;
        key.sign(&grant)
    };

    let token = access_token(&server, &grant(detail(SYSTEM_USER_ORG))).await;
    let claims = payload(&token);
    assert_eq!(
        claims["authorization_details"],
        json!([{"type": "urn:altinn:systemuser", "systemuser_id": [SYSTEM_USER_ID],
            "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:310057223"},
            "system_id": "991825827_demo-system"}])
    );
    assert_eq!(claims["consumer"]["ID"], "0192:991825827", "the vendor");

    // The system user sees the dialogs of the resource delegated to it.
    let so = server.ttd().await;
    let party = "urn:altinn:organization:identifier-no:310057223";
    let id = server
        .create_dialog(&so, &minimal_dialog(TTD_RESOURCE, party))
        .await;
    let (status, body) = server
        .get_json(
            &format!("/api/v1/enduser/dialogs?party={}", encode(party)),
            &token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let (status, _) = server
        .get_json(&format!("/api/v1/enduser/dialogs/{id}"), &token)
        .await;
    assert_eq!(status, 200);

    // An externalRef and a matching system_id are carried over.
    let mut with_ref = detail(SYSTEM_USER_ORG);
    with_ref[0]["externalRef"] = json!("customer-42");
    with_ref[0]["system_id"] = json!("991825827_demo-system");
    let token = access_token(&server, &grant(with_ref)).await;
    assert_eq!(
        payload(&token)["authorization_details"][0]["externalRef"],
        "customer-42"
    );

    // No system user of that organisation; another vendor's client; another system.
    let body = refused(
        &server,
        &grant(detail(SUPPLIER)),
        "invalid_altinn_customer_configuration",
        "has no system users",
    )
    .await;
    assert_eq!(body["error_uri"], "https://maskinporten.no/errors/MP-303");
    let other_vendor = ClientKey::new("other-vendor-key");
    register(
        &server,
        "other-vendor",
        SUPPLIER,
        &["digdir:dialogporten"],
        &[&other_vendor],
    );
    let mut foreign = claims_for(&server, "other-vendor");
    foreign["authorization_details"] = detail(SYSTEM_USER_ORG);
    refused(
        &server,
        &other_vendor.sign(&foreign),
        "invalid_altinn_customer_configuration",
        "client's organisation 310923044",
    )
    .await;
    let mut wrong_system = detail(SYSTEM_USER_ORG);
    wrong_system[0]["system_id"] = json!("991825827_other-system");
    refused(
        &server,
        &grant(wrong_system),
        "invalid_altinn_customer_configuration",
        "with system_id",
    )
    .await;

    // Malformed requests.
    refused(
        &server,
        &grant(json!([{"type": "urn:altinn:other"}])),
        "invalid_request",
        "Unsupported authorization_details type",
    )
    .await;
    refused(
        &server,
        &grant(json!({"type": "urn:altinn:systemuser"})),
        "invalid_request",
        "must be a JSON array",
    )
    .await;
    let two = json!([
        detail(SYSTEM_USER_ORG)[0].clone(),
        detail(SYSTEM_USER_ORG)[0].clone()
    ]);
    refused(
        &server,
        &grant(two),
        "invalid_request",
        "one system user per grant",
    )
    .await;
    let mut lower = detail(SYSTEM_USER_ORG);
    lower[0]["systemuser_org"] = json!({"authority": "iso6523-actorid-upis", "ID": "0192:123"});
    refused(
        &server,
        &grant(lower),
        "invalid_request",
        "Invalid systemuser_org",
    )
    .await;
}

fn claims_for(server: &TestServer, client_id: &str) -> Value {
    claims(server, client_id, "digdir:dialogporten")
}

#[tokio::test]
async fn an_x5c_certificate_counts_only_when_its_public_key_is_registered() {
    let (server, key) = setup("certified", TTD, &[SERVICE_PROVIDER]).await;
    let chain = |cert: &[u8]| json!([STANDARD.encode(cert)]);
    let valid = certificate(&key.pair, "200101000000Z", "491231235959Z");
    let header = json!({"alg": "RS256", "x5c": chain(&valid)});
    let token = access_token(
        &server,
        &key.sign_with_header(&header, &claims(&server, "certified", SERVICE_PROVIDER)),
    )
    .await;
    assert_eq!(payload(&token)["client_amr"], "virksomhetssertifikat");

    // A certificate that parses but carries an unregistered key, signed by that key.
    let stranger = ClientKey::new("stranger");
    let foreign = certificate(&stranger.pair, "200101000000Z", "491231235959Z");
    let grant = stranger.sign_with_header(
        &json!({"alg": "RS256", "x5c": chain(&foreign)}),
        &claims(&server, "certified", SERVICE_PROVIDER),
    );
    refused(
        &server,
        &grant,
        "invalid_grant",
        "public key is not registered",
    )
    .await;
    // The registered key's certificate on a grant signed by another key.
    let grant = stranger.sign_with_header(&header, &claims(&server, "certified", SERVICE_PROVIDER));
    refused(&server, &grant, "invalid_grant", "Invalid JWT signature.").await;
    // Expired, not an array, not a certificate.
    let expired = certificate(&key.pair, "200101000000Z", "210101000000Z");
    let grant = key.sign_with_header(
        &json!({"alg": "RS256", "x5c": chain(&expired)}),
        &claims(&server, "certified", SERVICE_PROVIDER),
    );
    let body = refused(
        &server,
        &grant,
        "invalid_grant",
        "The JWT is signed with an invalid certificate.",
    )
    .await;
    assert_eq!(body["error_uri"], "https://maskinporten.no/errors/MP-120");
    let grant = key.sign_with_header(
        &json!({"alg": "RS256", "x5c": STANDARD.encode(&valid)}),
        &claims(&server, "certified", SERVICE_PROVIDER),
    );
    refused(&server, &grant, "invalid_grant", "x5c must be an array").await;
    let grant = key.sign_with_header(
        &json!({"alg": "RS256", "x5c": [STANDARD.encode(b"junk")]}),
        &claims(&server, "certified", SERVICE_PROVIDER),
    );
    refused(&server, &grant, "invalid_grant", "invalid certificate").await;
    let both = json!({"alg": "RS256", "kid": key.kid, "x5c": chain(&valid)});
    refused(
        &server,
        &key.sign_with_header(&both, &claims(&server, "certified", SERVICE_PROVIDER)),
        "invalid_grant",
        "exactly one of them",
    )
    .await;
}

#[tokio::test]
async fn the_admin_api_manages_clients_behind_the_admin_token() {
    let server = TestServer::local().await;
    let admin = format!("{}/admin/clients", server.url);
    let token = std::fs::read_to_string(server.data_dir().join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(server.data_dir().join("admin-token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for presented in [None, Some("wrong-token-wrong-token"), Some(&token[1..])] {
        let mut request = server.client.get(&admin);
        if let Some(presented) = presented {
            request = request.bearer_auth(presented);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{presented:?}");
        assert!(
            response
                .headers()
                .get("www-authenticate")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    let response = server
        .client
        .delete(format!("{admin}/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let key = ClientKey::new("admin-added-1");
    let body = json!({"client_id": "admin-added", "kind": "maskinporten", "org_number": TTD,
        "name": "Added over HTTP", "scopes": SERVICE_PROVIDER, "jwks": {"keys": [key.jwk]}});
    let response = server
        .client
        .post(&admin)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["scopes"], json!([SERVICE_PROVIDER]));
    let response = server
        .client
        .post(&admin)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409, "the id is taken");

    // The new client gets tokens at once.
    access_token(
        &server,
        &key.sign(&claims(&server, "admin-added", SERVICE_PROVIDER)),
    )
    .await;

    // Invalid registrations name the problem.
    for (field, value, text) in [
        ("org_number", json!("991825828"), "org_number"),
        (
            "jwks",
            json!({"keys": [{"kty": "RSA", "kid": "x", "n": "AQAB", "e": "AQAB"}]}),
            "at least 2048",
        ),
        (
            "jwks",
            json!({"keys": [{"kty": "EC", "kid": "x"}]}),
            "only RSA keys",
        ),
        ("client_id", json!("has space"), "client_id"),
    ] {
        let mut bad = body.clone();
        bad[field] = value;
        bad["client_id"] = if field == "client_id" {
            bad["client_id"].clone()
        } else {
            json!("another")
        };
        let response = server
            .client
            .post(&admin)
            .bearer_auth(&token)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{field}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error_description"].as_str().unwrap().contains(text),
            "{error}"
        );
    }
    let mut private = key.jwk.clone();
    private["d"] = json!("AQAB");
    let response = server
        .client
        .put(format!("{admin}/admin-added/jwks"))
        .bearer_auth(&token)
        .json(&json!({"keys": [private]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "private keys are refused");

    // An ID-porten client gets a generated secret, shown once; the list shows no secrets.
    let response = server.client.post(&admin).bearer_auth(&token)
        .json(&json!({"kind": "idporten", "org_number": TTD, "scopes": ["openid", "digdir:dialogporten"],
            "redirect_uris": ["http://localhost:3000/callback"]}))
        .send().await.unwrap();
    assert_eq!(response.status(), 201);
    let web: Value = response.json().await.unwrap();
    assert_eq!(web["client_secret"].as_str().unwrap().len(), 43);
    assert_eq!(web["token_endpoint_auth_method"], "client_secret_basic");
    let list: Value = server
        .client
        .get(&admin)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Two added here, and the Swagger UI client the server registers in local mode.
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(
        !list.to_string().contains("secret_sha256")
            && !list
                .to_string()
                .contains(web["client_secret"].as_str().unwrap())
    );
    let web_id = web["client_id"].as_str().unwrap();
    let listed_web = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == web_id)
        .unwrap();
    assert_eq!(listed_web["has_client_secret"], true);

    // Replace, new keys, remove.
    let mut replaced = body.clone();
    replaced["scopes"] = json!([SERVICE_PROVIDER, SEARCH]);
    let response = server
        .client
        .put(format!("{admin}/admin-added"))
        .bearer_auth(&token)
        .json(&replaced)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let second = ClientKey::new("admin-added-2");
    let response = server
        .client
        .put(format!("{admin}/admin-added/jwks"))
        .bearer_auth(&token)
        .json(&json!({"keys": [second.jwk]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    refused(
        &server,
        &key.sign(&claims(&server, "admin-added", SERVICE_PROVIDER)),
        "invalid_grant",
        "No key with kid",
    )
    .await;
    access_token(
        &server,
        &second.sign(&claims(
            &server,
            "admin-added",
            &format!("{SERVICE_PROVIDER} {SEARCH}"),
        )),
    )
    .await;
    let read: Value = server
        .client
        .get(format!("{admin}/admin-added"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["jwks"]["keys"][0]["kid"], "admin-added-2");
    let response = server
        .client
        .delete(format!("{admin}/admin-added"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = server
        .client
        .get(format!("{admin}/admin-added"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    refused(
        &server,
        &second.sign(&claims(&server, "admin-added", SERVICE_PROVIDER)),
        "invalid_grant",
        "Unknown client",
    )
    .await;
}

#[tokio::test]
async fn a_configured_admin_token_replaces_the_generated_one() {
    let configured = "a-configured-admin-token-0123456789";
    let server = TestServer::start(|config| config.admin_token = Some(configured.into())).await;
    assert!(!server.data_dir().join("admin-token").exists());
    let admin = format!("{}/admin/clients", server.url);
    let response = server
        .client
        .get(&admin)
        .bearer_auth(configured)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Only the Swagger UI client the server registers in local mode.
    let listed = response.json::<Value>().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["client_id"], "swagger");
    let response = server
        .client
        .get(&admin)
        .bearer_auth("a-configured-admin-token-012345678")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

fn run(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .args(args)
        .env_remove("DIALOGPORTEN_CONFIG")
        .env_remove("DIALOGPORTEN_ADMIN_TOKEN")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn read_key(path: &Path, kid: &str) -> ClientKey {
    let pem = std::fs::read_to_string(path).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    ClientKey::from_pkcs8(kid, &pem_to_der(&pem))
}

fn kid_from(out: &str) -> String {
    out.split("key id (kid): ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

#[tokio::test]
async fn the_clients_command_adds_lists_rekeys_and_removes_clients_of_a_running_server() {
    let server = TestServer::local().await;
    // The server's store (data directory, or database) as a configuration file.
    let data = server.config_file();
    let keys = tempfile::tempdir().unwrap();
    let pem = keys.path().join("cli.pem");

    let (ok, help, _) = run(&["clients", "--help"]);
    assert!(
        ok && ["add", "list", "keys", "remove", "/admin/clients"]
            .iter()
            .all(|w| help.contains(w)),
        "{help}"
    );
    let (_, add_help, _) = run(&["clients", "add", "--help"]);
    for flag in [
        "--kind",
        "--client-id",
        "--org",
        "--scopes",
        "--jwks",
        "--generate-key",
        "--redirect-uri",
        "--auth-method",
        "--secret",
    ] {
        assert!(add_help.contains(flag), "{flag}: {add_help}");
    }

    let scopes = format!("{SERVICE_PROVIDER} {SEARCH}");
    let (ok, out, err) = run(&[
        "clients",
        "add",
        "--kind",
        "maskinporten",
        "--client-id",
        "cli-client",
        "--org",
        TTD,
        "--scopes",
        &scopes,
        "--generate-key",
        pem.to_str().unwrap(),
        "--name",
        "CLI client",
        "--config",
        &data,
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("/maskinporten/token"), "{out}");
    let key = read_key(&pem, &kid_from(&out));
    let token = access_token(&server, &key.sign(&claims(&server, "cli-client", &scopes))).await;
    server
        .create_dialog(
            &token,
            &minimal_dialog(TTD_RESOURCE, common::dialogs::PARTY_ORG),
        )
        .await;

    // Refusals: an existing key file, an existing id, a Maskinporten client without keys.
    let (ok, _, err) = run(&[
        "clients",
        "add",
        "--kind",
        "maskinporten",
        "--client-id",
        "second",
        "--org",
        TTD,
        "--scopes",
        SERVICE_PROVIDER,
        "--generate-key",
        pem.to_str().unwrap(),
        "--config",
        &data,
    ]);
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = run(&[
        "clients",
        "add",
        "--kind",
        "maskinporten",
        "--client-id",
        "cli-client",
        "--org",
        TTD,
        "--scopes",
        SERVICE_PROVIDER,
        "--generate-key",
        keys.path().join("x.pem").to_str().unwrap(),
        "--config",
        &data,
    ]);
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = run(&[
        "clients",
        "add",
        "--kind",
        "maskinporten",
        "--org",
        TTD,
        "--scopes",
        SERVICE_PROVIDER,
        "--config",
        &data,
    ]);
    assert!(
        !ok && err.contains("--jwks FILE or --generate-key"),
        "{err}"
    );

    // A JWKS file, and an ID-porten client with a generated secret.
    let jwks_key = ClientKey::new("from-file");
    let jwks_file = keys.path().join("jwks.json");
    std::fs::write(&jwks_file, json!({"keys": [jwks_key.jwk]}).to_string()).unwrap();
    let (ok, out, err) = run(&[
        "clients",
        "add",
        "--kind",
        "maskinporten",
        "--client-id",
        "file-client",
        "--org",
        SUPPLIER,
        "--scopes",
        SERVICE_PROVIDER,
        "--jwks",
        jwks_file.to_str().unwrap(),
        "--config",
        &data,
    ]);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = run(&[
        "clients",
        "add",
        "--kind",
        "idporten",
        "--client-id",
        "web",
        "--org",
        TTD,
        "--scopes",
        "openid,digdir:dialogporten",
        "--redirect-uri",
        "http://localhost:3000/callback",
        "--config",
        &data,
    ]);
    assert!(
        ok && out.contains("client secret (shown only now"),
        "{out}{err}"
    );

    let (ok, list, _) = run(&["clients", "list", "--config", &data]);
    assert!(ok);
    for expected in [
        "cli-client  maskinporten  org 991825827",
        "file-client",
        "keys: from-file",
        "web  idporten",
        "redirect URIs: http://localhost:3000/callback",
    ] {
        assert!(list.contains(expected), "{expected}: {list}");
    }
    let (_, json_list, _) = run(&["clients", "list", "--json", "--config", &data]);
    let parsed: Value = serde_json::from_str(&json_list).unwrap();
    // Three added here, and the Swagger UI client the server registers in local mode.
    assert_eq!(parsed.as_array().unwrap().len(), 4);
    assert!(!json_list.contains("secret_sha256"));

    // New keys: the old kid stops working, the new one works.
    let second_pem = keys.path().join("cli-2.pem");
    let (ok, out, err) = run(&[
        "clients",
        "keys",
        "cli-client",
        "--generate-key",
        second_pem.to_str().unwrap(),
        "--config",
        &data,
    ]);
    assert!(ok, "{out}{err}");
    let new_kid = out
        .split("keys now: ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned();
    refused(
        &server,
        &key.sign(&claims(&server, "cli-client", SERVICE_PROVIDER)),
        "invalid_grant",
        "No key with kid",
    )
    .await;
    let second = read_key(&second_pem, &new_kid);
    access_token(
        &server,
        &second.sign(&claims(&server, "cli-client", SERVICE_PROVIDER)),
    )
    .await;
    let (ok, _, _) = run(&[
        "clients",
        "keys",
        "cli-client",
        "--jwks",
        jwks_file.to_str().unwrap(),
        "--config",
        &data,
    ]);
    assert!(ok);
    access_token(
        &server,
        &jwks_key.sign(&claims(&server, "cli-client", SERVICE_PROVIDER)),
    )
    .await;

    let (ok, out, _) = run(&["clients", "remove", "cli-client", "--config", &data]);
    assert!(ok && out.contains("removed cli-client"));
    refused(
        &server,
        &jwks_key.sign(&claims(&server, "cli-client", SERVICE_PROVIDER)),
        "invalid_grant",
        "Unknown client",
    )
    .await;
    let (ok, _, err) = run(&["clients", "remove", "cli-client", "--config", &data]);
    assert!(!ok && err.contains("no client"), "{err}");
}
