//! Dialog bodies and service-owner tokens for the dialog API tests.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::{Value, json};
use uuid::Uuid;

use super::TestServer;

pub const TTD_RESOURCE: &str = "urn:altinn:resource:ttd-dialogporten-automated-tests";
pub const BRG_RESOURCE: &str = "urn:altinn:resource:brg-dialogporten-automated-tests";
pub const PARTY_ORG: &str = "urn:altinn:organization:identifier-no:310923044";
pub const PARTY_PERSON: &str = "urn:altinn:person:identifier-no:08844397713";

pub fn v7() -> String {
    Uuid::now_v7().to_string()
}

impl TestServer {
    /// A Maskinporten-style service-owner token from the embedded generator.
    pub async fn service_owner_token(&self, org: &str, org_no: &str, scopes: &str) -> String {
        self.test_token(
            "GetEnterpriseToken",
            &format!("env=tt02&scopes={scopes}&org={org}&orgNo={org_no}"),
        )
        .await
    }

    /// `ttd` with `digdir:dialogporten.serviceprovider` (+ search).
    pub async fn ttd(&self) -> String {
        self.service_owner_token(
            "ttd",
            "991825827",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.search",
        )
        .await
    }

    /// `brg` with `digdir:dialogporten.serviceprovider` (+ search).
    pub async fn brg(&self) -> String {
        self.service_owner_token(
            "brg",
            "974760673",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.search",
        )
        .await
    }

    /// Sends a request (JSON body optional) and buffers the answer. Every answer is checked
    /// against the official contract's response schema for its operation and status
    /// ([`super::schema::check`]), so drift from the contract fails the test that saw it.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let http_method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(http_method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
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
        super::schema::check(method, path, &answer);
        answer
    }

    /// Sends a JSON body with a bearer token and optional extra headers.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        self.send(method, path, token, Some(body), headers).await
    }

    /// Creates a dialog and returns its id; panics unless the answer is 201.
    pub async fn create_dialog(&self, token: &str, body: &Value) -> String {
        let answer = self
            .send_json("POST", "/api/v1/serviceowner/dialogs", token, body, &[])
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.body.as_str().unwrap().to_owned()
    }

    /// GETs a path with a token and returns (status, body as JSON or Null).
    pub async fn get_json(&self, path: &str, token: &str) -> (u16, Value) {
        let answer = self.send("GET", path, token, None, &[]).await;
        (answer.status, answer.body)
    }
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl TestServer {
    /// An ID-porten-style person token (`digdir:dialogporten`) from the generator.
    pub async fn person(&self, pid: &str) -> String {
        self.test_token(
            "GetPersonalToken",
            &format!("env=tt02&scopes=digdir:dialogporten&pid={pid}"),
        )
        .await
    }

    /// The demo system user (7633be4c-…, organisation 310057223).
    pub async fn system_user(&self) -> String {
        self.test_token(
            "GetSystemUserToken",
            "env=tt02&scopes=digdir:dialogporten&systemUserId=7633be4c-dbd5-49f4-bbc4-c058b275de7b&systemUserOrg=310057223",
        )
        .await
    }

    /// The demo e-mail user (someone@example.com, level 0).
    pub async fn email_user(&self) -> String {
        self.test_token(
            "GetSelfRegisteredEmailUserToken",
            "env=tt02&scopes=digdir:dialogporten&email=someone@example.com",
        )
        .await
    }
}

/// A buffered HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The body parsed as JSON, or `Null`.
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The smallest valid create body.
pub fn minimal_dialog(resource: &str, party: &str) -> Value {
    json!({
        "serviceResource": resource,
        "party": party,
        "content": {
            "title": { "value": [ { "languageCode": "nb", "value": "En tittel" } ] }
        }
    })
}

fn text(value: &str) -> Value {
    json!({ "value": [ { "languageCode": "nb", "value": value } ] })
}

/// A valid body that uses every field of the create schema at least once, with fresh ids.
pub fn rich_dialog() -> Value {
    let first_transmission = v7();
    let transmissions = json!([
        {
            "id": first_transmission,
            "idempotentKey": "t-1",
            "createdAt": "2024-01-01T00:00:00Z",
            "authorizationAttribute": "urn:altinn:subresource:secret",
            "extendedType": "urn:ttd:transmission:1",
            "externalReference": "t-ext-1",
            "type": "information",
            "sender": { "actorType": "serviceOwner" },
            "content": {
                "title": text("Forsendelse"),
                "summary": text("Sammendrag av forsendelse"),
                "contentReference": { "value": [ { "languageCode": "nb", "value": "https://example.com/t" } ],
                                      "mediaType": "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown" }
            },
            "attachments": [ { "id": v7(), "displayName": [ { "languageCode": "nb", "value": "T-vedlegg" } ], "name": "t.pdf",
                               "expiresAt": "2033-01-01T00:00:00Z",
                               "urls": [ { "url": "https://example.com/t.pdf", "mediaType": "application/pdf", "consumerType": "api" } ] } ],
            "navigationalActions": [ { "title": [ { "languageCode": "nb", "value": "Gå" } ], "url": "https://example.com/go", "expiresAt": "2033-01-01T00:00:00Z" } ]
        },
        {
            "id": v7(),
            "relatedTransmissionId": first_transmission,
            "type": "submission",
            "sender": { "actorType": "partyRepresentative", "actorId": PARTY_PERSON },
            "content": { "title": text("Innsending") }
        }
    ]);
    let activities = json!([
        {
            "id": v7(),
            "createdAt": "2024-01-01T00:00:00Z",
            "extendedType": "urn:ttd:activity:1",
            "type": "information",
            "performedBy": { "actorType": "partyRepresentative", "actorId": PARTY_PERSON },
            "description": [ { "languageCode": "nb", "value": "Aktivitet" } ]
        },
        {
            "type": "transmissionOpened",
            "transmissionId": first_transmission,
            "performedBy": { "actorType": "partyRepresentative", "actorName": "Ola Nordmann" }
        }
    ]);
    let mut body = json!({
        "id": v7(),
        "idempotentKey": format!("rich-{}", &v7()[24..]),
        "serviceResource": TTD_RESOURCE,
        "party": PARTY_ORG,
        "progress": 42,
        "extendedStatus": "urn:ttd:status:waiting",
        "externalReference": "ext-1",
        "visibleFrom": "2030-01-01T00:00:00+01:00",
        "dueAt": "2031-01-01T13:00:00+01:00",
        "expiresAt": "2032-01-01T00:00:00Z",
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "process": "urn:ttd:process:1",
        "precedingProcess": "urn:ttd:process:0",
        "isApiOnly": false,
        "status": "inProgress",
        "systemLabel": "default",
        "serviceOwnerContext": { "serviceOwnerLabels": [ { "value": "Label-One" } ] },
        "content": {
            "title": text("Tittel"),
            "nonSensitiveTitle": text("Ikke-sensitiv tittel"),
            "summary": text("Sammendrag"),
            "nonSensitiveSummary": text("Ikke-sensitivt sammendrag"),
            "senderName": text("Avsender"),
            "additionalInfo": { "value": [ { "languageCode": "nb", "value": "Mer **info**" } ], "mediaType": "text/markdown" },
            "extendedStatus": text("Venter"),
            "mainContentReference": { "value": [ { "languageCode": "nb", "value": "https://example.com/main" } ],
                                      "mediaType": "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown" }
        },
        "searchTags": [ { "value": "skattemelding" }, { "value": "Tag-Two" } ],
        "attachments": [ {
            "id": v7(),
            "displayName": [ { "languageCode": "nb", "value": "Vedlegg" } ],
            "name": "vedlegg.pdf",
            "expiresAt": "2033-01-01T00:00:00Z",
            "urls": [ { "id": v7(), "url": "https://example.com/a.pdf", "mediaType": "application/pdf", "consumerType": "gui" } ]
        } ],
        "guiActions": [ {
            "id": v7(),
            "action": "read",
            "url": "https://example.com/gui",
            "authorizationAttribute": "urn:altinn:subresource:gui",
            "isDeleteDialogAction": false,
            "httpMethod": "get",
            "priority": "primary",
            "title": [ { "languageCode": "nb", "value": "Åpne" } ],
            "prompt": [ { "languageCode": "nb", "value": "Sikker?" } ]
        } ],
        "apiActions": [ {
            "id": v7(),
            "action": "write",
            "authorizationAttribute": "urn:altinn:resource:super-simple-service",
            "name": "submit",
            "endpoints": [ {
                "id": v7(),
                "version": "v1",
                "url": "https://example.com/api",
                "httpMethod": "POST",
                "documentationUrl": "https://example.com/docs",
                "requestSchema": "https://example.com/request.json",
                "responseSchema": "https://example.com/response.json",
                "deprecated": true,
                "sunsetAt": "2034-01-01T00:00:00Z"
            } ]
        } ]
    });
    body["transmissions"] = transmissions;
    body["activities"] = activities;
    body
}

/// `?k=v&k2=v2`, values encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// The minimal dialog for `resource` and `party` with `fields` merged in.
pub fn dialog_on(resource: &str, party: &str, fields: Value) -> Value {
    let mut body = minimal_dialog(resource, party);
    for (key, value) in fields.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

/// A 200 search answer's body from `path` with `pairs`; panics on any other status.
pub async fn search_page(
    server: &TestServer,
    token: &str,
    path: &str,
    pairs: &[(&str, &str)],
) -> Value {
    let (status, body) = server
        .get_json(&format!("{path}{}", query(pairs)), token)
        .await;
    assert_eq!(status, 200, "{pairs:?}: {body}");
    body
}

/// The ids of a search page's items, in order.
pub fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

pub fn set(ids: &[&String]) -> std::collections::BTreeSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}
