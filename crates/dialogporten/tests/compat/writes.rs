//! Items 1 (actor names), 2 (JSON Patch), 3 (URIs), 9 (admin on deleted dialogs) and 11
//! (undocumented status codes) of issue 10.

use super::*;

fn activity_by(actor_id: &str) -> Value {
    json!([{ "type": "dialogOpened",
             "performedBy": { "actorType": "partyRepresentative", "actorId": actor_id } }])
}

/// Item 1: ids the real service can name are named without a registry party entry; the rest
/// is a 422 that says how to add the party, and `registry add-party` makes it nameable.
#[tokio::test]
async fn actor_ids_resolve_to_names_and_unknown_ones_say_how_to_add_them() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    for (actor_id, name) in [
        (
            "urn:altinn:organization:identifier-no:991825827",
            "Digitaliseringsdirektoratet",
        ),
        (
            "urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b",
            "Demo system user",
        ),
        (
            "urn:altinn:person:legacy-selfidentified:SomeUser",
            "someuser",
        ),
    ] {
        let id = create(
            &server,
            &ttd,
            json!({ "activities": activity_by(actor_id) }),
        )
        .await;
        let dialog = so_get(&server, &ttd, &id).await;
        assert_eq!(
            dialog["activities"][0]["performedBy"]["actorName"], name,
            "{actor_id}"
        );
    }
    // A transmission sender is named the same way.
    let id = create(
        &server,
        &ttd,
        json!({ "transmissions": [{ "type": "information", "content": { "title": nb("T") },
                "sender": { "actorType": "partyRepresentative",
                            "actorId": "urn:altinn:organization:identifier-no:991825827" } }] }),
    )
    .await;
    let dialog = so_get(&server, &ttd, &id).await;
    assert_eq!(
        dialog["transmissions"][0]["sender"]["actorName"],
        "Digitaliseringsdirektoratet"
    );

    let unknown = "urn:altinn:person:identifier-no:15018510100";
    let body = dialog_on(
        TTD_RESOURCE,
        PARTY_ORG,
        json!({ "activities": activity_by(unknown) }),
    );
    let answer = server.send_json("POST", SO, &ttd, &body, &[]).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    let text = message(&answer.body, "ActorId");
    assert!(
        text.starts_with(&format!("Unable to look up name for actor id: {unknown}"))
            && text.contains("registry add-party")
            && text.contains("registry import"),
        "{text}"
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dialogporten"))
        .args(["registry", "add-party", "15018510100", "KARI NORDMANN"])
        .args(server.store_args())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains(unknown));
    let answer = server.send_json("POST", SO, &ttd, &body, &[]).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let dialog = so_get(&server, &ttd, answer.body.as_str().unwrap()).await;
    assert_eq!(
        dialog["activities"][0]["performedBy"]["actorName"],
        "KARI NORDMANN"
    );
}

/// Item 2: every member of the update document exists (null where unset), so replace, add,
/// remove and test work on unset members; members the update DTO lacks are a 400 naming the
/// path.
#[tokio::test]
async fn json_patch_applies_to_the_full_update_document() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let id = create(&server, &ttd, json!({})).await;
    let path = format!("{SO}/{id}");
    let patch = json!([
        { "op": "test", "path": "/progress", "value": null },
        { "op": "replace", "path": "/progress", "value": 50 },
        { "op": "replace", "path": "/externalReference", "value": "ext-1" },
        { "op": "replace", "path": "/content/summary", "value": nb("Et sammendrag") },
        { "op": "add", "path": "/content/senderName", "value": nb("Avsender") },
        { "op": "replace", "path": "/content/additionalInfo", "value": nb("Mer info") },
        { "op": "remove", "path": "/extendedStatus" }
    ]);
    let answer = server.send_json("PATCH", &path, &ttd, &patch, &[]).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert!(answer.header("etag").is_some());
    let dialog = so_get(&server, &ttd, &id).await;
    assert_eq!(dialog["progress"], 50);
    assert_eq!(dialog["externalReference"], "ext-1");
    assert_eq!(
        dialog["content"]["summary"]["value"][0]["value"],
        "Et sammendrag"
    );
    assert_eq!(
        dialog["content"]["senderName"]["value"][0]["value"],
        "Avsender"
    );
    assert_eq!(
        dialog["content"]["additionalInfo"]["value"][0]["value"],
        "Mer info"
    );

    for (bad_path, op) in [("/notAMember", "add"), ("/content/title/bogus", "add")] {
        let patch = json!([{ "op": op, "path": bad_path, "value": 1 }]);
        let answer = server.send_json("PATCH", &path, &ttd, &patch, &[]).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        assert!(
            message(&answer.body, "patchDocument").contains(bad_path),
            "{}",
            answer.text
        );
    }
}

/// Item 2, acceptance: the README's copy-paste session (create, ETag by HEAD, PATCH
/// `/progress` with If-Match, search) answers with the statuses the README shows.
#[tokio::test]
async fn the_readme_session_runs_as_printed() {
    let server = TestServer::local().await;
    let token = server
        .test_token(
            "GetEnterpriseToken",
            "env=tt02&org=ttd&orgNo=991825827&scopes=digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.search",
        )
        .await;
    let body = json!({
      "serviceResource": "urn:altinn:resource:ttd-dialogporten-automated-tests",
      "party": "urn:altinn:organization:identifier-no:310923044",
      "content": { "title": { "value": [ { "languageCode": "nb", "value": "Hei" } ] } } });
    let answer = server.send_json("POST", SO, &token, &body, &[]).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let id = answer.body.as_str().unwrap().to_owned();
    let head = server
        .call("HEAD", &format!("{SO}/{id}"), Some(&token))
        .await;
    assert_eq!(head.status(), 200);
    let etag = head.headers()["etag"].to_str().unwrap().to_owned();
    let patch = json!([{"op": "replace", "path": "/progress", "value": 50}]);
    let answer = server
        .client
        .patch(format!("{}{SO}/{id}", server.url))
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .header("Content-Type", "application/json-patch+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    assert_ne!(answer.headers()["etag"].to_str().unwrap(), etag);
    let page = search_page(
        &server,
        &token,
        SO,
        &[
            ("party", "urn:altinn:organization:identifier-no:310923044"),
            ("limit", "10"),
        ],
    )
    .await;
    assert_eq!(page["items"][0]["id"], json!(id));
    assert_eq!(page["items"][0]["progress"], 50);
}

/// Item 3: `process` and `precedingProcess` follow the absolute-URI rule on create and in both
/// searches; `""` is no value; URLs come back as .NET's `Uri` writes them.
#[tokio::test]
async fn uris_are_validated_and_normalised() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    for field in ["process", "precedingProcess"] {
        let mut fields = json!({ "process": "urn:ttd:process:1" });
        fields[field] = json!("inval|d");
        let body = dialog_on(TTD_RESOURCE, PARTY_ORG, fields);
        let answer = server.send_json("POST", SO, &ttd, &body, &[]).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        assert_eq!(
            message(&answer.body, &format!("dto.{field}")),
            format!(
                "'{}' is not a well-formatted URI.",
                if field == "process" {
                    "Process"
                } else {
                    "PrecedingProcess"
                }
            )
        );
    }
    let (status, body) = server
        .get_json(&format!("{SO}?process=inval%7Cd"), &ttd)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["process"].is_array(), "{body}");
    let person = server.person(DAGL).await;
    let (status, body) = server
        .get_json(
            &format!("{EU}?party={PARTY_ORG}&process=inval%7Cd"),
            &person,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["process"].is_array(), "{body}");

    let id = create(
        &server,
        &ttd,
        json!({ "process": "", "precedingProcess": "",
                "attachments": [{ "displayName": [{ "languageCode": "nb", "value": "Vedlegg" }],
                                  "urls": [{ "url": "https://digdir.no", "consumerType": "gui" }] }],
                "guiActions": [{ "action": "read", "url": "https://DIGDIR.no", "priority": "primary",
                                 "title": [{ "languageCode": "nb", "value": "Åpne" }] }] }),
    )
    .await;
    let dialog = so_get(&server, &ttd, &id).await;
    assert!(dialog.get("process").is_none(), "{dialog}");
    assert!(dialog.get("precedingProcess").is_none(), "{dialog}");
    assert_eq!(
        dialog["attachments"][0]["urls"][0]["url"],
        "https://digdir.no/"
    );
    assert_eq!(dialog["guiActions"][0]["url"], "https://digdir.no/");
}

/// Item 9: the admin scope may append activities and transmissions to a soft-deleted dialog;
/// others still get 410.
#[tokio::test]
async fn admins_append_to_deleted_dialogs() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let admin = server.ttd_admin().await;
    let id = create(&server, &ttd, json!({})).await;
    let answer = server
        .send("DELETE", &format!("{SO}/{id}"), &ttd, None, &[])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let activity = json!({ "type": "information",
                           "performedBy": { "actorType": "serviceOwner" },
                           "description": [{ "languageCode": "nb", "value": "Etter sletting" }] });
    let transmission = json!({ "type": "information", "content": { "title": nb("Etter sletting") },
                               "sender": { "actorType": "serviceOwner" } });
    for (list, item) in [("activities", &activity), ("transmissions", &transmission)] {
        let path = format!("{SO}/{id}/{list}");
        let answer = server.send_json("POST", &path, &ttd, item, &[]).await;
        assert_eq!(answer.status, 410, "{list}: {}", answer.text);
        assert!(answer.body["errors"]["DialogEntity"].is_array());
        let answer = server.send_json("POST", &path, &admin, item, &[]).await;
        assert_eq!(answer.status, 201, "{list}: {}", answer.text);
        assert!(answer.header("location").is_some());
    }
    let dialog = so_get(&server, &admin, &id).await;
    assert_eq!(dialog["activities"].as_array().unwrap().len(), 1);
    assert_eq!(dialog["transmissions"].as_array().unwrap().len(), 1);
}

/// Item 11: service-owner labels stay writable and readable on a soft-deleted dialog; an empty
/// query value is a 400 naming the parameter.
#[tokio::test]
async fn labels_on_deleted_dialogs_and_empty_query_values() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let id = create(&server, &ttd, json!({})).await;
    server
        .send("DELETE", &format!("{SO}/{id}"), &ttd, None, &[])
        .await;
    let labels = format!("{SO}/{id}/context/labels");
    let answer = server
        .send_json(
            "POST",
            &labels,
            &ttd,
            &json!({ "value": "etter-sletting" }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let (status, body) = server.get_json(&labels, &ttd).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([{ "value": "etter-sletting" }]));
    let answer = server
        .send(
            "DELETE",
            &format!("{labels}/etter-sletting"),
            &ttd,
            None,
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);

    for parameter in ["dueAfter", "createdBefore", "limit"] {
        let (status, body) = server.get_json(&format!("{SO}?{parameter}="), &ttd).await;
        assert_eq!(status, 400, "{parameter}: {body}");
        assert!(body["errors"][parameter].is_array(), "{parameter}: {body}");
    }
    let person = server.person(DAGL).await;
    let (status, body) = server
        .get_json(&format!("{EU}?party={PARTY_ORG}&dueAfter="), &person)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["dueAfter"].is_array(), "{body}");
}
