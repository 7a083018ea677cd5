//! Python's `authlib` against the embedded ID-porten (issue 11, item 10): a refused code, a
//! refused refresh token and a wrong client secret reach the library as `invalid_grant` and
//! `invalid_client` OAuth errors, which it can only raise when `error_description` keeps to
//! RFC 6749 §5.2 (no `"` or `\`).
//!
//! The library comes from PyPI (`pip install authlib`; `.ci/run` does it). Without `python3`
//! or without authlib the test says so on stderr and passes without running.
#![allow(clippy::unwrap_used)]

mod idporten_support;

use std::path::PathBuf;
use std::process::Command;

use idporten_support::{IdpServer, REDIRECT_URI, client};
use serde_json::Value;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests-py/authlib_errors.py")
}

fn missing_authlib() -> Option<String> {
    match Command::new("python3")
        .args(["-c", "import authlib"])
        .output()
    {
        Ok(output) if output.status.success() => None,
        Ok(_) => Some("authlib is not installed (pip install authlib, as .ci/run does)".into()),
        Err(_) => Some("python3 is not installed".into()),
    }
}

#[tokio::test]
async fn authlib_sees_the_oauth_errors_of_refused_token_requests() {
    if let Some(why) = missing_authlib() {
        eprintln!("SKIPPED authlib_sees_the_oauth_errors_of_refused_token_requests: {why}");
        return;
    }
    let server = IdpServer::start().await;
    server.register(client(
        "py-app",
        "client_secret_basic",
        Some("py-secret"),
        None,
    ));
    let mut command = Command::new("python3");
    command
        .arg(script())
        .env("TOKEN_URL", format!("{}/token", server.issuer))
        .env("CLIENT_ID", "py-app")
        .env("CLIENT_SECRET", "py-secret")
        .env("REDIRECT_URI", REDIRECT_URI);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "authlib script failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cases: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let error_of = |case: &str| {
        cases
            .iter()
            .find(|c| c["case"] == case)
            .unwrap_or_else(|| panic!("{case} in {stdout}"))["error"]
            .clone()
    };
    assert_eq!(error_of("unknown code"), "invalid_grant", "{stdout}");
    assert_eq!(
        error_of("unknown refresh token"),
        "invalid_grant",
        "{stdout}"
    );
    assert_eq!(
        error_of("wrong client secret"),
        "invalid_client",
        "{stdout}"
    );
}
