//! Dialog-token keys: the anonymous well-known endpoints (JWKS and OAuth metadata) in the
//! contract's shape with their cache headers, tokens that verify with the published keys, and
//! `dialogporten keys rotate` (auth.md §7).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::TestServer;
use common::dialogs::Answer;
use dp_auth::{DialogTokenClaims, DialogTokenIssuer};
use serde_json::{Map, Value};

const BIN: &str = env!("CARGO_BIN_EXE_dialogporten");
const JWKS: &str = "/api/v1/.well-known/jwks.json";
const METADATA: &str = "/api/v1/.well-known/oauth-authorization-server";

/// An anonymous GET (no `Authorization` header), checked against the contract.
async fn anonymous(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = server.client.get(format!("{}{path}", server.url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    let answer = Answer {
        status,
        headers,
        text,
        body,
    };
    common::schema::check("GET", path, &answer);
    answer
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_jwks_publishes_two_ed25519_keys_in_the_contract_shape() {
    let server = TestServer::local().await;
    let answer = anonymous(&server, JWKS, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        answer.header("cache-control"),
        Some("public, max-age=86400")
    );
    assert_eq!(answer.header("vary"), Some("Accept-Encoding"));
    let keys = answer.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for key in keys {
        let members: Vec<&str> = key
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(members, ["kty", "use", "kid", "crv", "x", "alg"]);
        assert_eq!(key["kty"], "OKP");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["crv"], "Ed25519");
        assert_eq!(key["alg"], "EdDSA");
        assert!(key["kid"].as_str().unwrap().starts_with("dp-"));
        assert_eq!(key["x"].as_str().unwrap().len(), 43, "32 bytes, base64url");
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);

    // The contract's schema, explicitly (the check above is by operation).
    assert!(
        common::schema::validate_component(&answer.body, "V1WellKnownJwksQueriesGet_Jwks")
            .is_empty()
    );
    // Anonymous also means a bearer header is ignored, and `send` checks the contract too.
    let with_token = server.send("GET", JWKS, "garbage", None, &[]).await;
    assert_eq!(with_token.status, 200);
    assert_eq!(with_token.body, answer.body);
}

#[tokio::test]
async fn the_metadata_names_the_issuer_and_the_jwks() {
    let server = TestServer::local().await;
    let answer = anonymous(&server, METADATA, &[("accept", "application/json")]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let issuer = format!("{}/api/v1", server.url);
    assert_eq!(answer.body["issuer"], issuer.as_str());
    assert_eq!(
        answer.body["jwks_uri"],
        format!("{issuer}/.well-known/jwks.json").as_str()
    );
    assert_eq!(answer.body.as_object().unwrap().len(), 2);
    assert_eq!(
        answer.header("cache-control"),
        Some("public, max-age=86400")
    );
    assert_eq!(answer.header("vary"), Some("Accept-Encoding"));
    // The advertised JWKS URI is the one served.
    let jwks = server
        .client
        .get(answer.body["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
}

#[tokio::test]
async fn a_request_that_does_not_accept_json_gets_406() {
    let server = TestServer::local().await;
    for path in [JWKS, METADATA] {
        let answer = anonymous(&server, path, &[("accept", "text/html")]).await;
        assert_eq!(answer.status, 406, "{path}: {}", answer.text);
        assert_eq!(answer.body["status"], 406);
        assert_eq!(
            answer.body["title"],
            "Requested content type is not acceptable."
        );
        for accept in ["*/*", "application/*", "text/html, application/json;q=0.5"] {
            let answer = anonymous(&server, path, &[("accept", accept)]).await;
            assert_eq!(answer.status, 200, "{path} with Accept: {accept}");
        }
    }
}

#[tokio::test]
async fn tokens_of_the_servers_issuer_verify_with_the_served_keys_and_rotation_moves_the_secondary()
{
    dp_auth::install_crypto_provider();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();
    let server = TestServer::start(|config| config.data_dir = data_dir.clone()).await;
    if server.database_url.is_some() {
        // The key ring of the data directory is the subject here; on PostgreSQL it is the
        // database's, which tests/instances.rs checks (`keys rotate` once for all).
        return;
    }
    let before = anonymous(&server, JWKS, &[]).await.body;
    let before_kids = kids(&before);

    // A token signed with the ring the server loaded verifies with the served JWKS.
    let issuer = DialogTokenIssuer::load_or_create(&server.url, data.path()).unwrap();
    assert_eq!(issuer.primary_kid(), before_kids[0]);
    let claims = DialogTokenClaims {
        c: "urn:altinn:person:identifier-no:08844397713".into(),
        y: None,
        o: None,
        u: None,
        l: 3,
        p: "urn:altinn:organization:identifier-no:310923044".into(),
        s: "urn:altinn:resource:ttd-dialogporten-automated-tests".into(),
        i: uuid::Uuid::now_v7(),
        a: dp_auth::actions_claim(&[("read", None::<&str>)]),
    };
    let token = issuer.issue(&claims, common::now());
    let header = common::header(&token);
    let key = before["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap();
    let decoding =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&[format!("{}/api/v1", server.url)]);
    let decoded =
        jsonwebtoken::decode::<Map<String, Value>>(&token, &decoding, &validation).unwrap();
    assert_eq!(decoded.claims["a"], "read");
    assert_eq!(decoded.claims["i"], claims.i.to_string());

    // `keys rotate` through the binary.
    let output = Command::new(BIN)
        .args([
            "keys",
            "rotate",
            "--data-dir",
            data.path().to_str().unwrap(),
        ])
        .env_remove("DIALOGPORTEN_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("old primary kid: {}", before_kids[0])),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("new primary kid: {}", before_kids[1])),
        "{stdout}"
    );

    // A server started on the rotated directory signs with the former secondary.
    let restarted = TestServer::start(|config| config.data_dir = data.path().to_owned()).await;
    let after = kids(&anonymous(&restarted, JWKS, &[]).await.body);
    assert_eq!(after.len(), 2);
    assert_eq!(after[0], before_kids[1]);
    assert!(!before_kids.contains(&after[1]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = data.path().join("keys").join("dialog-token-keys.json");
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn keys_rotate_is_documented() {
    let output = Command::new(BIN)
        .args(["keys", "rotate", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success());
    for expected in ["Secondary becomes Primary", "48 hours", "--data-dir"] {
        assert!(help.contains(expected), "{expected}:\n{help}");
    }
}
