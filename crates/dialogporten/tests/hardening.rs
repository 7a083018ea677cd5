//! Issue 11, hardening: no request can exhaust the server, and every check holds on every
//! route. Real server on loopback, tokens from the embedded generator.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::dialogs::*;
use serde_json::{Value, json};

const SO: &str = "/api/v1/serviceowner/dialogs";

/// The resident set of this process (the server runs in it), in bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Item 1: a patch that copies the document into itself is refused once the document would
/// outgrow the body limit, with memory growth bounded; more than 100 operations are refused.
#[tokio::test]
async fn patch_amplification_is_refused_with_bounded_memory() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["content"]["additionalInfo"] =
        json!({ "value": [{ "languageCode": "nb", "value": "x".repeat(1000) }] });
    let id = server.create_dialog(&ttd, &body).await;
    let path = format!("{SO}/{id}");

    let bomb: Vec<Value> = (0..40)
        .map(|_| json!({ "op": "copy", "from": "", "path": "/searchTags/-" }))
        .collect();
    let before = rss_bytes();
    let answer = server
        .send_json("PATCH", &path, &ttd, &Value::Array(bomb), &[])
        .await;
    let grown = rss_bytes().saturating_sub(before);
    assert_eq!(answer.status, 400, "{}", answer.text);
    let message = answer.body["errors"]["patchDocument"][0].as_str().unwrap();
    assert!(message.contains("20000000 bytes"), "{message}");
    // 40 doublings of ~3 KB would be 3 PB; the refusal comes before the document passes 20 MB.
    assert!(grown < 400 * 1024 * 1024, "RSS grew by {grown} bytes");

    let long: Vec<Value> = (0..101)
        .map(|_| json!({ "op": "test", "path": "/progress", "value": null }))
        .collect();
    let answer = server
        .send_json("PATCH", &path, &ttd, &Value::Array(long), &[])
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(
        answer.body["errors"]["patchDocument"][0],
        "The patch document has 101 operations; at most 100 are allowed."
    );
    // The dialog is unchanged and a normal patch still works.
    let ok = json!([{ "op": "replace", "path": "/progress", "value": 5 }]);
    let answer = server.send_json("PATCH", &path, &ttd, &ok, &[]).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
}

/// Item 5: a JWS with a `crit` header parameter is refused (RFC 7515 §4.1.11): this server
/// understands no extension. The same token without `crit` passes.
#[tokio::test]
async fn tokens_with_critical_header_parameters_are_refused() {
    let key = common::IssuerKey::rsa("rsa-1", jsonwebtoken::Algorithm::RS256);
    let issuer = common::ExternalIssuer::start(vec![key.clone()]).await;
    let well_known = issuer.well_known.clone();
    let server = TestServer::start(move |config| {
        config.issuers.maskinporten = Some(dp_auth::IssuerConfig::new(well_known));
    })
    .await;
    let claims = issuer.service_owner_claims("digdir:dialogporten.serviceprovider");
    let route = format!("{SO}/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11");
    let plain = key.sign_with_header(&claims, json!({}));
    let response = server.call("GET", &route, Some(&plain)).await;
    assert_eq!(response.status(), 404, "the token without crit passes");
    for crit in [json!(["exp"]), json!(["x-unknown"]), json!([])] {
        let token = key.sign_with_header(&claims, json!({ "crit": crit, "x-unknown": true }));
        let response = server.call("GET", &route, Some(&token)).await;
        assert_eq!(response.status(), 401, "crit {crit}");
        let challenge = common::www_authenticate(&response);
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token""#) && challenge.contains("crit"),
            "{challenge}"
        );
    }
}

/// Item 6: several `Authorization` headers are a 400 naming the header (RFC 9110 §5.3), even
/// when each of them alone would be accepted, on every route.
#[tokio::test]
async fn several_authorization_headers_are_refused() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let brg = server.brg().await;
    let response = server
        .client
        .get(format!("{}{SO}", server.url))
        .header("authorization", format!("Bearer {ttd}"))
        .header("authorization", format!("Bearer {brg}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["Authorization"].is_array(), "{body}");
    // The same on the identity providers' endpoints: the token exchange, ID-porten's userinfo.
    for path in [
        "/authentication/api/v1/exchange/maskinporten",
        "/idporten/userinfo",
    ] {
        let response = server
            .client
            .get(format!("{}{path}", server.url))
            .header("authorization", format!("Bearer {ttd}"))
            .header("authorization", format!("Bearer {brg}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}");
    }
    let response = server
        .client
        .get(format!("{}{SO}", server.url))
        .header("authorization", format!("Bearer {ttd}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Item 13: the store and its WAL and SHM files are readable by their owner only, and every
/// response, the exchange endpoint's plain-text errors among them, says `nosniff`.
#[tokio::test]
async fn store_files_are_private_and_responses_are_not_sniffed() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    // The SQLite store's files (on PostgreSQL there are none in the data directory).
    let files: &[&str] = match server.database_url {
        Some(_) => &[],
        None => &[
            "dialogporten.db",
            "dialogporten.db-wal",
            "dialogporten.db-shm",
        ],
    };
    for name in files {
        let path = server.data_dir().join(name);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} has mode {mode:o}");
    }
    for (path, token) in [
        ("/authentication/api/v1/exchange/maskinporten", None),
        (
            "/authentication/api/v1/exchange/maskinporten",
            Some("not-a-token"),
        ),
        (SO, Some(ttd.as_str())),
        ("/health", None),
        ("/no-such-path", None),
    ] {
        let response = server.call("GET", path, token).await;
        assert_eq!(
            response
                .headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{path} ({})",
            response.status()
        );
    }
}

mod connections {
    //! Item 2: the connection limits, with short configured values.
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    async fn server_with(
        configure: impl FnOnce(&mut dialogporten::config::ConnectionLimits),
    ) -> TestServer {
        TestServer::start(|config| configure(&mut config.limits)).await
    }

    async fn connect(server: &TestServer) -> TcpStream {
        TcpStream::connect(server.url.trim_start_matches("http://"))
            .await
            .unwrap()
    }

    /// Reads until the peer closes; returns what came, or panics after `within`.
    async fn closed_within(stream: &mut TcpStream, within: Duration) -> String {
        let mut received = Vec::new();
        let read = tokio::time::timeout(within, async {
            let mut buffer = [0u8; 4096];
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => received.extend_from_slice(&buffer[..n]),
                }
            }
        })
        .await;
        assert!(
            read.is_ok(),
            "the connection was still open after {within:?}"
        );
        String::from_utf8_lossy(&received).into_owned()
    }

    #[tokio::test]
    async fn a_slow_request_head_is_cut_off() {
        let server = server_with(|l| {
            l.header_read_timeout_secs = 1.0;
            l.keep_alive_timeout_secs = 60.0;
        })
        .await;
        let mut stream = connect(&server).await;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        closed_within(&mut stream, Duration::from_secs(10)).await;
    }

    #[tokio::test]
    async fn idle_connections_are_closed_before_and_between_requests() {
        let server = server_with(|l| l.keep_alive_timeout_secs = 1.0).await;
        let mut silent = connect(&server).await;
        let mut used = connect(&server).await;
        used.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let answer = closed_within(&mut used, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("Healthy"), "{answer}");
        assert_eq!(
            closed_within(&mut silent, Duration::from_secs(10)).await,
            ""
        );
    }

    #[tokio::test]
    async fn a_request_body_below_the_minimum_rate_fails() {
        let server = server_with(|l| {
            l.min_request_body_rate = 240;
            l.min_request_body_grace_secs = 1.0;
        })
        .await;
        let ttd = server.ttd().await;
        let mut stream = connect(&server).await;
        let head = format!(
            "POST /api/v1/serviceowner/dialogs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {ttd}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // Ten bytes a second, far below 240.
        let trickle = async {
            for _ in 0..30 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(b"          ").await.is_err() {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(4), trickle).await;
        let answer = closed_within(&mut stream, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    #[tokio::test]
    async fn over_the_cap_connections_are_refused_and_health_still_answers() {
        let server = server_with(|l| l.max_connections = Some(3)).await;
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(connect(&server).await);
        }
        // Let the server accept the three before the next one.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut refused = connect(&server).await;
        refused
            .write_all(b"GET /api/v1/metadata/limits HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let answer = closed_within(&mut refused, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("retry-after: 1"),
            "{answer}"
        );
        let mut health = connect(&server).await;
        health
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let answer = closed_within(&mut health, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // A held connection is served normally.
        held[0]
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = closed_within(&mut held[0], Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}

/// Item 3: every end-user route with a login below the resource's minimum authentication
/// level: reads of the dialog and its parts and every change are refused with the real
/// service's 403, search and lookup show the non-sensitive texts instead. A route added to
/// `ROUTES` without an answer here fails the test.
#[tokio::test]
async fn every_end_user_route_refuses_or_masks_a_login_below_the_level() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let transmission = v7();
    let activity = v7();
    let id = server
        .create_dialog(
            &ttd,
            &dialog_on(
                TTD_RESOURCE,
                PARTY_ORG,
                json!({
                    "content": {
                        "title": { "value": [{ "languageCode": "nb", "value": "Hemmelig tittel" }] },
                        "nonSensitiveTitle": { "value": [{ "languageCode": "nb", "value": "Åpen tittel" }] },
                        "summary": { "value": [{ "languageCode": "nb", "value": "Hemmelig sammendrag" }] },
                        "nonSensitiveSummary": { "value": [{ "languageCode": "nb", "value": "Åpent sammendrag" }] }
                    },
                    "transmissions": [{ "id": transmission, "type": "information",
                        "content": { "title": { "value": [{ "languageCode": "nb", "value": "T" }] } },
                        "sender": { "actorType": "serviceOwner" } }],
                    "activities": [{ "id": activity, "type": "dialogOpened",
                        "performedBy": { "actorType": "serviceOwner" } }]
                }),
            ),
        )
        .await;
    let level3 = server.person("08844397713").await;
    let level2 = server
        .test_token(
            "GetPersonalToken",
            "env=tt02&scopes=digdir:dialogporten&pid=08844397713&authLvl=2",
        )
        .await;
    let (status, _) = server
        .get_json(&format!("/api/v1/enduser/dialogs/{id}"), &level3)
        .await;
    assert_eq!(status, 200);
    let (_, seen) = server
        .get_json(&format!("/api/v1/enduser/dialogs/{id}/seenlog"), &level3)
        .await;
    let seen_id = seen[0]["id"].as_str().unwrap().to_owned();

    let mut checked = 0;
    for route in dp_api::ROUTES
        .iter()
        .filter(|r| r.policy == dp_auth::Policy::EndUser)
    {
        let path = route
            .path
            .replace("{dialogId}", &id)
            .replace("{transmissionId}", &transmission)
            .replace("{activityId}", &activity)
            .replace("{seenLogId}", &seen_id);
        let (path, body) = match (route.method, route.path) {
            ("GET", "/api/v1/enduser/dialogs") => (format!("{path}?party={PARTY_ORG}"), None),
            ("GET", "/api/v1/enduser/dialoglookup") => (
                format!("{path}?instanceRef=urn:altinn:dialog-id:{id}"),
                None,
            ),
            ("PUT", _) => (path, Some(json!({ "addLabels": ["Bin"] }))),
            ("POST", _) => (
                path,
                Some(json!({ "dialogs": [{ "dialogId": id }], "addLabels": ["Bin"] })),
            ),
            _ => (path, None),
        };
        let answer = server
            .send(route.method, &path, &level2, body.as_ref(), &[])
            .await;
        let what = format!("{} {}", route.method, route.path);
        match (route.method, route.path) {
            ("GET", "/api/v1/enduser/dialogs") => {
                assert_eq!(answer.status, 200, "{what}: {}", answer.text);
                let item = &answer.body["items"][0];
                assert_eq!(
                    item["content"]["title"]["value"][0]["value"], "Åpen tittel",
                    "{what}"
                );
                assert_eq!(
                    item["content"]["summary"]["value"][0]["value"], "Åpent sammendrag",
                    "{what}"
                );
            }
            ("GET", "/api/v1/enduser/dialoglookup") => {
                assert_eq!(answer.status, 200, "{what}: {}", answer.text);
                assert_eq!(answer.body["title"][0]["value"], "Åpen tittel", "{what}");
            }
            ("GET", "/api/v1/enduser/parties" | "/api/v1/enduser/serviceresources") => {
                assert_eq!(answer.status, 200, "{what}: {}", answer.text);
            }
            (_, path) if path.starts_with("/api/v1/enduser/dialogs") => {
                assert_eq!(answer.status, 403, "{what}: {}", answer.text);
                assert_eq!(
                    answer.body["errors"]["Forbidden"][0], "Altinn authentication level too low.",
                    "{what}"
                );
            }
            _ => panic!("{what}: no expectation for a login below the minimum level"),
        }
        checked += 1;
    }
    assert!(checked >= 14, "{checked} end-user routes");
    // Nothing was changed by the refused label requests.
    let (_, dialog) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{id}"), &ttd)
        .await;
    assert_eq!(dialog["systemLabel"], "Default");
}

/// Item 4, as the real service answers (README): an end user without rights learns that a
/// dialog exists — 403 where it exists and is not theirs, 404 where it does not exist — on GET,
/// system labels and lookup; the bulk operation answers both with the same 404.
#[tokio::test]
async fn existence_answers_follow_the_real_service() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let id = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let missing = v7();
    let stranger = server.person("08895699684").await;
    for (dialog, status) in [(&id, 403), (&missing, 404)] {
        let answer = server
            .send(
                "GET",
                &format!("/api/v1/enduser/dialogs/{dialog}"),
                &stranger,
                None,
                &[],
            )
            .await;
        assert_eq!(answer.status, status, "GET {}", answer.text);
        let answer = server
            .send_json(
                "PUT",
                &format!("/api/v1/enduser/dialogs/{dialog}/context/systemlabels"),
                &stranger,
                &json!({ "addLabels": ["Bin"] }),
                &[],
            )
            .await;
        assert_eq!(answer.status, status, "PUT labels {}", answer.text);
        let answer = server
            .send(
                "GET",
                &format!("/api/v1/enduser/dialoglookup?instanceRef=urn:altinn:dialog-id:{dialog}"),
                &stranger,
                None,
                &[],
            )
            .await;
        assert_eq!(answer.status, status, "lookup {}", answer.text);
        let answer = server
            .send_json(
                "POST",
                "/api/v1/enduser/dialogs/context/systemlabels/actions/bulkset",
                &stranger,
                &json!({ "dialogs": [{ "dialogId": dialog }], "addLabels": ["Bin"] }),
                &[],
            )
            .await;
        assert_eq!(answer.status, 404, "bulk {}", answer.text);
        assert!(answer.text.contains(dialog.as_str()), "{}", answer.text);
    }
}

/// Item 9: browser apps on allowed origins (local mode: any loopback origin, plus
/// `[cors] allowed_origins`) get CORS answers on the API and the identity providers'
/// endpoints, preflights included; other origins get none.
#[tokio::test]
async fn cors_is_answered_for_allowed_origins_only() {
    let server = TestServer::start(|config| {
        config.cors.allowed_origins = vec!["https://inbox.example.no".into()];
    })
    .await;
    let allowed = |response: &reqwest::Response| {
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1:5173",
        "https://inbox.example.no",
    ] {
        for (path, method) in [
            ("/api/v1/enduser/dialogs", "GET"),
            ("/idporten/token", "POST"),
            (
                "/api/v1/serviceowner/dialogs/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11",
                "PATCH",
            ),
        ] {
            let response = server
                .client
                .request(reqwest::Method::OPTIONS, format!("{}{path}", server.url))
                .header("origin", origin)
                .header("access-control-request-method", method)
                .header(
                    "access-control-request-headers",
                    "authorization, content-type",
                )
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{origin} {path}");
            assert_eq!(
                allowed(&response).as_deref(),
                Some(origin),
                "{origin} {path}"
            );
            let headers = response.headers()["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase();
            assert!(headers.contains("authorization"), "{headers}");
        }
        let response = server
            .client
            .get(format!(
                "{}/idporten/.well-known/openid-configuration",
                server.url
            ))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(allowed(&response).as_deref(), Some(origin));
    }
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
    ] {
        let response = server
            .client
            .get(format!(
                "{}/idporten/.well-known/openid-configuration",
                server.url
            ))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(allowed(&response), None, "{origin}");
    }
}
