//! Items 6 (representation of reads), 7 (Accept-Language), 8 (messages, error order) and 10
//! (`GET /api/v1/metadata/serviceresources`) of issue 10.

use super::*;

fn localized(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(code, value)| json!({ "languageCode": code, "value": value }))
            .collect(),
    )
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l["languageCode"].as_str().unwrap())
        .collect()
}

/// Item 6: lower-case resource type, localizations by language code, `description: null`,
/// sorted service-owner labels, newest transmission first, and `mainContentReference.
/// isAuthorized` for the end user a service owner reads for.
#[tokio::test]
async fn reads_are_represented_as_the_real_service_returns_them() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let id = create(
        &server,
        &ttd,
        json!({
            "content": {
                "title": { "value": localized(&[("nn", "Tittel"), ("en", "Title"), ("nb", "Tittel")]) },
                "mainContentReference": {
                    "value": localized(&[("nb", "https://example.com/main.md")]),
                    "mediaType": "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown" } },
            "serviceOwnerContext": { "serviceOwnerLabels": [{ "value": "zeta" }, { "value": "alpha" }] },
            "activities": [{ "type": "dialogOpened", "performedBy": { "actorType": "serviceOwner" } }],
            "transmissions": [
                { "type": "information", "createdAt": "2024-01-01T00:00:00Z",
                  "content": { "title": nb("Eldst") }, "sender": { "actorType": "serviceOwner" } },
                { "type": "information", "createdAt": "2024-06-01T00:00:00Z",
                  "content": { "title": nb("Nyest") }, "sender": { "actorType": "serviceOwner" } }
            ]
        }),
    )
    .await;
    let dialog = so_get(&server, &ttd, &id).await;
    assert_eq!(dialog["serviceResourceType"], "genericaccessresource");
    assert_eq!(
        codes(&dialog["content"]["title"]["value"]),
        ["en", "nb", "nn"]
    );
    let activity = dialog["activities"][0].as_object().unwrap();
    assert_eq!(activity.get("description"), Some(&Value::Null));
    assert_eq!(
        dialog["serviceOwnerContext"]["serviceOwnerLabels"],
        json!([{ "value": "alpha" }, { "value": "zeta" }])
    );
    assert!(
        dialog["content"]["mainContentReference"]
            .get("isAuthorized")
            .is_none_or(Value::is_null),
        "only evaluated with endUserId: {dialog}"
    );

    let (status, list) = server
        .get_json(&format!("{SO}/{id}/transmissions"), &ttd)
        .await;
    assert_eq!(status, 200, "{list}");
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["content"]["title"]["value"][0]["value"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Nyest", "Eldst"]);

    let person = server.person(DAGL).await;
    let (status, eu) = server.get_json(&format!("{EU}/{id}"), &person).await;
    assert_eq!(status, 200, "{eu}");
    assert_eq!(eu["serviceResourceType"], "genericaccessresource");
    assert_eq!(eu["activities"][0]["description"], Value::Null);
    {
        let (end_user, expected) = (DAGL, true);
        let path = format!("{SO}/{id}?endUserId=urn:altinn:person:identifier-no:{end_user}");
        let (status, dialog) = server.get_json(&path, &ttd).await;
        assert_eq!(status, 200, "{dialog}");
        assert_eq!(
            dialog["content"]["mainContentReference"]["isAuthorized"], expected,
            "{end_user}"
        );
        // The service-owner view flags only: the URL stays.
        assert_eq!(
            dialog["content"]["mainContentReference"]["value"][0]["value"],
            "https://example.com/main.md"
        );
    }
}

/// Item 7: a malformed header is a 400 naming `Accept-Language`; pruning takes the accepted
/// codes by weight, then `en`, `nb` (`nb`, `en` for Swedish or Danish).
#[tokio::test]
async fn accept_language_is_parsed_and_pruned_as_the_real_service_does() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let person = server.person(DAGL).await;
    let id = create(
        &server,
        &ttd,
        json!({ "content": { "title": { "value": localized(&[("nb", "Hei"), ("en", "Hello")]) } } }),
    )
    .await;
    let path = format!("{EU}/{id}");
    let answer = server
        .send(
            "GET",
            &path,
            &person,
            None,
            &[("accept-language", "invalid;;;;q=0.01")],
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(
        message(&answer.body, "Accept-Language").contains("invalid;;;;q=0.01"),
        "{}",
        answer.text
    );
    for (header, expected) in [
        ("*", "Hello"),
        ("de", "Hello"),
        ("sv", "Hei"),
        ("da, en;q=0.5", "Hello"),
        ("nn, nb;q=0.9", "Hei"),
        ("en;q=0.2, nb;q=0.8", "Hei"),
    ] {
        let answer = server
            .send("GET", &path, &person, None, &[("accept-language", header)])
            .await;
        assert_eq!(answer.status, 200, "{header}: {}", answer.text);
        assert_eq!(
            answer.body["content"]["title"]["value"],
            json!([{ "languageCode": if expected == "Hei" { "nb" } else { "en" }, "value": expected }]),
            "{header}"
        );
    }
    // Without the header nothing is pruned.
    let (_, whole) = server.get_json(&path, &person).await;
    assert_eq!(
        whole["content"]["title"]["value"].as_array().unwrap().len(),
        2
    );
    // The search prunes the same way and refuses the same header.
    let search = format!("{EU}?party={PARTY_ORG}");
    let answer = server
        .send("GET", &search, &person, None, &[("accept-language", "*")])
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.body["items"][0]["content"]["title"]["value"][0]["value"],
        "Hello"
    );
    let answer = server
        .send(
            "GET",
            &search,
            &person,
            None,
            &[("accept-language", "nb;level=1")],
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(answer.body["errors"]["Accept-Language"].is_array());
}

/// Item 8: the party-identifier message in its current text, and `errors` members in the
/// order the validators ran.
#[tokio::test]
async fn messages_and_error_order_are_the_real_services() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let body = json!({
        "serviceResource": "not-a-resource",
        "party": "urn:altinn:person:identifier-no:123",
        "progress": 101,
        "content": { "title": nb("Hei") }
    });
    let answer = server.send_json("POST", SO, &ttd, &body, &[]).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(
        message(&answer.body, "dto.party"),
        "'Party' must be on format 'urn:altinn:organization:identifier-no:{norwegian org-nr}', \
         'urn:altinn:person:identifier-no:{norwegian f-nr/d-nr}', \
         'urn:altinn:person:legacy-selfidentified:{username}' or \
         'urn:altinn:person:idporten-email:{e-mail}' with valid values, respectively."
    );
    let keys = error_keys(&answer.body);
    let position = |key: &str| {
        keys.iter()
            .position(|k| k == key)
            .unwrap_or_else(|| panic!("{key} in {keys:?}"))
    };
    // The create validator checks the resource before the party and the party before the
    // progress: not alphabetical.
    assert!(
        position("dto.serviceResource") < position("dto.party"),
        "{keys:?}"
    );
    assert!(position("dto.party") < position("dto.progress"), "{keys:?}");
    let mut sorted = keys.clone();
    sorted.sort();
    assert_ne!(keys, sorted, "errors are not alphabetical: {keys:?}");
}

/// Item 10: the 44th operation, anonymous: metadata of the service resources dialogs use.
#[tokio::test]
async fn metadata_lists_the_service_resources_in_use() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let url = format!("{}/api/v1/metadata/serviceresources", server.url);
    let empty: Value = server
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(empty, json!({ "items": [] }));
    create(&server, &ttd, json!({})).await;
    server
        .create_dialog(
            &ttd,
            &minimal_dialog("urn:altinn:resource:super-simple-service", PARTY_ORG),
        )
        .await;
    let response = server
        .client
        .get(&url)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let errors = common::schema::mismatches(
        "GET",
        "/api/v1/metadata/serviceresources",
        200,
        &body,
        &text,
    );
    assert!(errors.is_empty(), "{errors:?}");
    let items = body["items"].as_array().unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i["serviceResource"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{body}");
    assert!(ids.contains(&"ttd-dialogporten-automated-tests"), "{ids:?}");
    assert!(ids.contains(&"super-simple-service"), "{ids:?}");
    assert_eq!(items[0]["serviceOwner"]["code"], "ttd");
    assert_eq!(items[0]["serviceOwner"]["orgNumber"], "991825827");
    assert_eq!(
        items[0]["serviceOwner"]["name"],
        json!([{ "languageCode": "en", "value": "Norwegian Digitalisation Agency" }])
    );
}
