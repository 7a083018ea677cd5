//! The service-owner dialog commands and query over HTTP: create, get, delete, restore, purge,
//! freeze, with tokens from the embedded generator.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::dialogs::*;
use serde_json::json;

#[tokio::test]
async fn a_rich_dialog_is_created_and_read_back_in_the_contract_shape() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let body = rich_dialog();
    let answer = server
        .send_json("POST", "/api/v1/serviceowner/dialogs", &token, &body, &[])
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let location = answer.header("location").unwrap().to_owned();
    let etag = answer.header("etag").unwrap().to_owned();
    let id = answer.body.as_str().unwrap().to_owned();
    assert_eq!(id, body["id"]);
    assert_eq!(location, format!("/api/v1/serviceowner/dialogs/{id}"));
    let (status, dialog) = server.get_json(&location, &token).await;
    assert_eq!(status, 200, "{dialog}");
    assert_eq!(dialog["revision"], json!(etag));
    assert_eq!(dialog["org"], "ttd");
    assert_eq!(dialog["serviceResourceType"], "genericaccessresource");
    // A future visibleFrom moves the creation times to it (api.md §4.6).
    assert_eq!(dialog["createdAt"], "2029-12-31T23:00:00.0000000Z");
    assert_eq!(dialog["dueAt"], "2031-01-01T12:00:00.0000000Z");
    assert_eq!(dialog["status"], "InProgress");
    assert_eq!(dialog["systemLabel"], "Default");
    assert_eq!(
        dialog["endUserContext"]["systemLabels"],
        json!(["Default", "Sent"])
    );
    assert_eq!(
        dialog["serviceOwnerContext"]["serviceOwnerLabels"],
        json!([{"value": "label-one"}])
    );
    assert_eq!(
        dialog["searchTags"],
        json!([{"value": "skattemelding"}, {"value": "tag-two"}])
    );
    assert_eq!(dialog["fromServiceOwnerTransmissionsCount"], 1);
    assert_eq!(dialog["fromPartyTransmissionsCount"], 1);
    assert_eq!(dialog["hasUnopenedContent"], false);
    assert_eq!(dialog["transmissions"][0]["isOpened"], true);
    assert_eq!(
        dialog["transmissions"][1]["sender"]["actorName"],
        "UROMANTISK LITTERATUR"
    );
    assert_eq!(
        dialog["activities"][0]["performedBy"]["actorName"],
        "UROMANTISK LITTERATUR"
    );
    assert_eq!(
        dialog["content"]["additionalInfo"]["mediaType"],
        "text/markdown"
    );
    assert_eq!(dialog["content"]["title"]["mediaType"], "text/plain");
}

/// The acceptance round trip: POST, GET, PATCH with the revision, PATCH with a random
/// If-Match, purge, and 404 afterwards.
#[tokio::test]
async fn patch_with_the_revision_changes_the_dialog_and_purge_removes_it() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let id = server.create_dialog(&token, &rich_dialog()).await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    let (_, before) = server.get_json(&path, &token).await;
    let revision = before["revision"].as_str().unwrap().to_owned();
    let patch = json!([
        { "op": "replace", "path": "/Progress", "value": 77 },
        { "op": "replace", "path": "/content/title/value/0/value", "value": "Ny tittel" },
        { "op": "remove", "path": "/guiActions" },
        { "op": "add", "path": "/transmissions/-", "value": {
            "type": "information", "sender": { "actorType": "serviceOwner" },
            "content": { "title": { "value": [ { "languageCode": "nb", "value": "Ny forsendelse" } ] } } } }
    ]);
    let answer = server
        .send(
            "PATCH",
            &path,
            &token,
            Some(&patch),
            &[
                ("if-match", &revision),
                ("content-type", "application/json-patch+json"),
            ],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let new_revision = answer.header("etag").unwrap().to_owned();
    assert_ne!(new_revision, revision);
    let (_, after) = server.get_json(&path, &token).await;
    assert_eq!(after["revision"], json!(new_revision));
    assert_eq!(after["progress"], 77);
    assert_eq!(after["content"]["title"]["value"][0]["value"], "Ny tittel");
    assert_eq!(after["guiActions"], json!([]));
    assert_eq!(after["transmissions"].as_array().unwrap().len(), 3);
    assert_eq!(
        after["hasUnopenedContent"], true,
        "a new service-owner transmission is unopened"
    );
    assert_ne!(after["updatedAt"], before["updatedAt"]);
    assert_ne!(after["contentUpdatedAt"], before["contentUpdatedAt"]);
    // Everything the patch did not touch is as it was.
    for key in [
        "attachments",
        "apiActions",
        "searchTags",
        "activities",
        "createdAt",
        "party",
    ] {
        assert_eq!(after[key], before[key], "{key}");
    }

    let random = uuid::Uuid::new_v4().to_string();
    let answer = server
        .send(
            "PATCH",
            &path,
            &token,
            Some(&json!([])),
            &[("if-match", &random)],
        )
        .await;
    assert_eq!(answer.status, 412);
    assert_eq!(answer.body["title"], "Precondition failed.");

    let answer = server
        .send("POST", &format!("{path}/actions/purge"), &token, None, &[])
        .await;
    assert_eq!(answer.status, 204);
    assert!(answer.header("etag").is_none());
    let (status, body) = server.get_json(&path, &token).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["errors"]["DialogEntity"][0],
        format!("Entity 'DialogEntity' with the following key(s) was not found: ({id}).")
    );
}

#[tokio::test]
async fn create_answers_each_documented_error() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let brg = server.brg().await;
    let create = |token: &str, body: serde_json::Value| {
        let token = token.to_owned();
        let server = &server;
        async move {
            server
                .send_json("POST", "/api/v1/serviceowner/dialogs", &token, &body, &[])
                .await
        }
    };

    // 400: validation, with dto.-keys and FluentValidation messages.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["progress"] = json!(101);
    let answer = create(&ttd, body).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body["errors"]["dto.progress"][0],
        "'Progress' must be between 0 and 100. You entered 101."
    );
    // 400: malformed JSON names the position.
    let answer = server
        .client
        .post(format!("{}/api/v1/serviceowner/dialogs", server.url))
        .bearer_auth(&ttd)
        .header("content-type", "application/json")
        .body("{\"party\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    // 403: a resource the caller does not own.
    let answer = create(&ttd, minimal_dialog(BRG_RESOURCE, PARTY_ORG)).await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body["errors"]["Forbidden"][0],
        "Not allowed to reference the following unowned resources: [urn:altinn:resource:brg-dialogporten-automated-tests]."
    );
    // 422: a resource the registry does not know.
    let answer = create(
        &ttd,
        minimal_dialog("urn:altinn:resource:no-such-thing", PARTY_ORG),
    )
    .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body["errors"]["ServiceResource"][0]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    // 409: an idempotent key the same org used; another org may reuse it.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["idempotentKey"] = json!("key-one");
    let first = server.create_dialog(&ttd, &body).await;
    let answer = create(&ttd, body.clone()).await;
    assert_eq!(answer.status, 409);
    assert_eq!(
        answer.body["errors"]["IdempotentKey"][0],
        format!("'key-one' already exists with DialogId '{first}'")
    );
    body["serviceResource"] = json!(BRG_RESOURCE);
    assert_eq!(create(&brg, body).await.status, 201);
    // 422: an id that exists already.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["id"] = json!(first);
    let answer = create(&ttd, body).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    // 422: times that must lie in the future.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["dueAt"] = json!("2020-01-01T00:00:00Z");
    let answer = create(&ttd, body.clone()).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.body["errors"]["DueAt"][0], "Must be in the future");
    // … unless the update is silent.
    let answer = server
        .send_json(
            "POST",
            "/api/v1/serviceowner/dialogs?isSilentUpdate=true",
            &ttd,
            &body,
            &[],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    // 403: correspondence activity types need the correspondence scope.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["activities"] =
        json!([{ "type": "correspondenceOpened", "performedBy": { "actorType": "serviceOwner" } }]);
    let answer = create(&ttd, body).await;
    assert_eq!(answer.status, 403);
    assert!(
        answer.body["errors"]["Forbidden"][0]
            .as_str()
            .unwrap()
            .starts_with("Use of CorrespondenceConfirmed")
    );
    // 409: duplicate transmission idempotent keys.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    let transmission = json!({ "idempotentKey": "same", "type": "information", "sender": { "actorType": "serviceOwner" },
        "content": { "title": { "value": [ { "languageCode": "nb", "value": "T" } ] } } });
    body["transmissions"] = json!([transmission, transmission]);
    let answer = create(&ttd, body).await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    // 422: an actor id the registry cannot name.
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["activities"] = json!([{ "type": "dialogOpened",
        "performedBy": { "actorType": "partyRepresentative", "actorId": "urn:altinn:person:identifier-no:15018510100" } }]);
    let answer = create(&ttd, body).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    let message = answer.body["errors"]["ActorId"][0].as_str().unwrap();
    assert!(
        message.starts_with(
            "Unable to look up name for actor id: urn:altinn:person:identifier-no:15018510100. "
        ) && message.contains("registry add-party"),
        "{message}"
    );
    // 415: not JSON.
    let answer = server
        .client
        .post(format!("{}/api/v1/serviceowner/dialogs", server.url))
        .bearer_auth(&ttd)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 415);
}

#[tokio::test]
async fn soft_delete_restore_and_freeze_follow_the_revision_rules() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let admin = server
        .service_owner_token(
            "ttd",
            "991825827",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.admin",
        )
        .await;
    let id = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    let (_, dialog) = server.get_json(&path, &ttd).await;
    let revision = dialog["revision"].as_str().unwrap().to_owned();

    // Delete: 412 on a stale If-Match, 204 with the right one, 410 afterwards.
    let stale = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        server
            .send("DELETE", &path, &ttd, None, &[("if-match", &stale)])
            .await
            .status,
        412
    );
    let answer = server
        .send("DELETE", &path, &ttd, None, &[("if-match", &revision)])
        .await;
    assert_eq!(answer.status, 204);
    let deleted_revision = answer.header("etag").unwrap().to_owned();
    let (status, deleted) = server.get_json(&path, &ttd).await;
    assert_eq!(status, 200, "service owners still see deleted dialogs");
    assert!(deleted["deletedAt"].is_string());
    assert_eq!(
        deleted["updatedAt"], dialog["updatedAt"],
        "delete keeps updatedAt"
    );
    let answer = server.send("DELETE", &path, &ttd, None, &[]).await;
    assert_eq!(answer.status, 410);
    assert_eq!(
        answer.body["errors"]["DialogEntity"][0],
        format!("Entity 'DialogEntity' with the following key(s) is removed: ({id}).")
    );
    let put = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    assert_eq!(
        server.send_json("PUT", &path, &ttd, &put, &[]).await.status,
        410
    );

    // Restore: a new revision; a second restore is a no-op with the same one.
    let answer = server
        .send("POST", &format!("{path}/actions/restore"), &ttd, None, &[])
        .await;
    assert_eq!(answer.status, 204);
    let restored = answer.header("etag").unwrap().to_owned();
    assert_ne!(restored, deleted_revision);
    let again = server
        .send("POST", &format!("{path}/actions/restore"), &ttd, None, &[])
        .await;
    assert_eq!(again.header("etag"), Some(restored.as_str()));
    assert!(
        server
            .get_json(&path, &ttd)
            .await
            .1
            .get("deletedAt")
            .is_none()
    );

    // Freeze: admins only; then non-admins cannot change it, admins can, purge still works.
    let answer = server
        .send("POST", &format!("{path}/actions/freeze"), &ttd, None, &[])
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body["errors"]["Forbidden"][0],
        "Only ServiceOwner admin can freeze dialogs."
    );
    assert_eq!(
        server
            .send("POST", &format!("{path}/actions/freeze"), &admin, None, &[])
            .await
            .status,
        204
    );
    let answer = server.send_json("PUT", &path, &ttd, &put, &[]).await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body["errors"]["Forbidden"][0],
        "User cannot modify frozen dialog"
    );
    assert_eq!(
        server.send("DELETE", &path, &ttd, None, &[]).await.status,
        403
    );
    assert_eq!(
        server
            .send_json("PUT", &path, &admin, &put, &[])
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .send("POST", &format!("{path}/actions/purge"), &ttd, None, &[])
            .await
            .status,
        204
    );
    assert_eq!(server.get_json(&path, &ttd).await.0, 404);
    assert_eq!(
        server
            .send("POST", &format!("{path}/actions/purge"), &ttd, None, &[])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn put_replaces_merges_by_id_and_appends_transmissions() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let body = rich_dialog();
    let id = server.create_dialog(&ttd, &body).await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    let (_, before) = server.get_json(&path, &ttd).await;

    // A whole create body is accepted: create-only fields are ignored (api.md §0).
    let mut put = body.clone();
    put["progress"] = json!(10);
    put["transmissions"] = json!([]);
    put["activities"] = json!([]);
    put["attachments"][0]["name"] = json!("renamed.pdf");
    put["serviceResource"] = json!(BRG_RESOURCE);
    let answer = server.send_json("PUT", &path, &ttd, &put, &[]).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let (_, after) = server.get_json(&path, &ttd).await;
    assert_eq!(after["progress"], 10);
    assert_eq!(after["serviceResource"], TTD_RESOURCE);
    assert_eq!(
        after["attachments"][0]["id"], before["attachments"][0]["id"],
        "merged by id"
    );
    assert_eq!(after["attachments"][0]["name"], "renamed.pdf");
    assert_eq!(
        after["transmissions"], before["transmissions"],
        "append-only"
    );
    assert_eq!(after["activities"], before["activities"]);

    // Re-sending an existing transmission is a 422 and changes nothing.
    put["transmissions"] = json!([body["transmissions"][0]]);
    let answer = server.send_json("PUT", &path, &ttd, &put, &[]).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert!(
        answer.body["errors"]["DialogTransmission"][0]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    assert_eq!(
        server.get_json(&path, &ttd).await.1["revision"],
        after["revision"]
    );

    // A silent update keeps updatedAt.
    put["transmissions"] = json!([]);
    put["progress"] = json!(11);
    let answer = server
        .send_json(
            "PUT",
            &format!("{path}?isSilentUpdate=true"),
            &ttd,
            &put,
            &[],
        )
        .await;
    assert_eq!(answer.status, 204);
    let (_, silent) = server.get_json(&path, &ttd).await;
    assert_eq!(silent["progress"], 11);
    assert_eq!(silent["updatedAt"], after["updatedAt"]);

    // Validation applies as on create, with the same keys; a bad patch is a 400.
    put["progress"] = json!(-1);
    let answer = server.send_json("PUT", &path, &ttd, &put, &[]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body["errors"]["dto.progress"].is_array());
    let answer = server
        .send(
            "PATCH",
            &path,
            &ttd,
            Some(&json!([{ "op": "replace", "path": "/nothing/here", "value": 1 }])),
            &[],
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    let answer = server
        .send("PATCH", &path, &ttd, Some(&json!({ "op": "replace" })), &[])
        .await;
    assert_eq!(answer.status, 400);
}

/// Two service owners cannot read, change or find each other's dialogs: every operation on
/// another org's dialog is a 404, and nothing changes.
#[tokio::test]
async fn another_service_owner_gets_404_from_every_operation() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let brg = server.brg().await;
    let brg_all = server
        .service_owner_token(
            "brg",
            "974760673",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.changetransmissions",
        )
        .await;
    let body = rich_dialog();
    let id = server.create_dialog(&ttd, &body).await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    let (_, before) = server.get_json(&path, &ttd).await;
    let transmission = body["transmissions"][0]["id"].as_str().unwrap();
    let activity = body["activities"][0]["id"].as_str().unwrap();
    let new_transmission = json!({ "type": "information", "sender": { "actorType": "serviceOwner" },
        "content": { "title": { "value": [ { "languageCode": "nb", "value": "T" } ] } } });
    let new_activity =
        json!({ "type": "dialogOpened", "performedBy": { "actorType": "serviceOwner" } });
    let labels = json!({ "addLabels": ["bin"] });
    let calls: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        ("GET", path.clone(), None),
        ("PUT", path.clone(), Some(minimal_dialog(TTD_RESOURCE, PARTY_ORG))),
        ("PATCH", path.clone(), Some(json!([{ "op": "replace", "path": "/progress", "value": 1 }]))),
        ("DELETE", path.clone(), None),
        ("POST", format!("{path}/actions/restore"), None),
        ("POST", format!("{path}/actions/purge"), None),
        ("GET", format!("{path}/transmissions"), None),
        ("POST", format!("{path}/transmissions"), Some(new_transmission.clone())),
        ("GET", format!("{path}/transmissions/{transmission}"), None),
        ("GET", format!("{path}/activities"), None),
        ("POST", format!("{path}/activities"), Some(new_activity)),
        ("GET", format!("{path}/activities/{activity}"), None),
        ("GET", format!("{path}/seenlog"), None),
        ("GET", format!("{path}/context/labels"), None),
        ("POST", format!("{path}/context/labels"), Some(json!({ "value": "brg-label" }))),
        ("DELETE", format!("{path}/context/labels/label-one"), None),
        (
            "PUT",
            format!("{path}/endusercontext/systemlabels?enduserId=urn:altinn:person:identifier-no:08844397713"),
            Some(labels),
        ),
        (
            "POST",
            "/api/v1/serviceowner/dialogs/endusercontext/systemlabels/actions/bulkset?enduserId=urn:altinn:person:identifier-no:08844397713".to_owned(),
            Some(json!({ "dialogs": [ { "dialogId": id } ], "addLabels": ["archive"] })),
        ),
        ("GET", format!("/api/v1/serviceowner/dialoglookup?instanceRef=urn:altinn:dialog-id:{id}"), None),
    ];
    for (method, call_path, call_body) in &calls {
        let answer = server
            .send(method, call_path, &brg, call_body.as_ref(), &[])
            .await;
        assert_eq!(answer.status, 404, "{method} {call_path}: {}", answer.text);
    }
    let answer = server
        .send("PUT", &format!("{path}/transmissions/{transmission}"), &brg_all,
              Some(&json!({ "isSilentUpdate": true, "type": "information", "sender": { "actorType": "serviceOwner" },
                           "content": { "title": { "value": [ { "languageCode": "nb", "value": "T" } ] } } })), &[])
        .await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    let (status, after) = server.get_json(&path, &ttd).await;
    assert_eq!(status, 200);
    assert_eq!(after, before, "nothing changed");
}

/// The remaining documented statuses of the dialog actions: 400 for an id that is not a GUID,
/// 404 for an unknown dialog, 412 for a stale If-Match, 410 for freezing a deleted dialog.
#[tokio::test]
async fn dialog_actions_answer_their_documented_statuses() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let admin = server
        .service_owner_token(
            "ttd",
            "991825827",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.admin",
        )
        .await;
    let id = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    let unknown = format!("/api/v1/serviceowner/dialogs/{}", uuid::Uuid::now_v7());
    let stale = uuid::Uuid::new_v4().to_string();

    assert_eq!(
        server
            .get_json("/api/v1/serviceowner/dialogs/not-a-guid", &ttd)
            .await
            .0,
        400
    );
    for action in ["restore", "purge"] {
        let answer = server
            .send(
                "POST",
                &format!("{unknown}/actions/{action}"),
                &ttd,
                None,
                &[],
            )
            .await;
        assert_eq!(answer.status, 404, "{action}");
        let answer = server
            .send(
                "POST",
                &format!("{path}/actions/{action}"),
                &ttd,
                None,
                &[("if-match", &stale)],
            )
            .await;
        assert_eq!(answer.status, 412, "{action}");
    }
    let answer = server
        .send(
            "POST",
            &format!("{path}/actions/freeze"),
            &admin,
            None,
            &[("if-match", &stale)],
        )
        .await;
    assert_eq!(answer.status, 412);
    assert_eq!(
        server
            .send(
                "POST",
                &format!("{unknown}/actions/freeze"),
                &admin,
                None,
                &[]
            )
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .send("DELETE", &unknown, &ttd, None, &[])
            .await
            .status,
        404
    );
    let put = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    assert_eq!(
        server
            .send_json("PUT", &unknown, &ttd, &put, &[])
            .await
            .status,
        404
    );
    let patch = json!([{ "op": "replace", "path": "/progress", "value": 1 }]);
    assert_eq!(
        server
            .send_json("PATCH", &unknown, &ttd, &patch, &[])
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .send_json("PATCH", &path, &ttd, &patch, &[("if-match", &stale)])
            .await
            .status,
        412
    );
    assert_eq!(
        server
            .send_json("PUT", &path, &ttd, &put, &[("if-match", &stale)])
            .await
            .status,
        412
    );

    assert_eq!(
        server.send("DELETE", &path, &ttd, None, &[]).await.status,
        204
    );
    let answer = server
        .send("POST", &format!("{path}/actions/freeze"), &admin, None, &[])
        .await;
    assert_eq!(answer.status, 410);
    assert_eq!(
        server
            .send_json("PATCH", &path, &ttd, &patch, &[])
            .await
            .status,
        410
    );
    // A correspondence dialog cannot be changed without the correspondence scope.
    let correspondence = server
        .service_owner_token(
            "ttd",
            "991825827",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.correspondence",
        )
        .await;
    let resource = "urn:altinn:resource:ttd-dialogporten-automated-tests-correspondence";
    let id = server
        .create_dialog(&correspondence, &minimal_dialog(resource, PARTY_ORG))
        .await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    let answer = server
        .send_json(
            "PUT",
            &path,
            &ttd,
            &minimal_dialog(resource, PARTY_ORG),
            &[],
        )
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body["errors"]["Forbidden"][0],
        "User cannot create or modify a dialog with resource type correspondenceservice."
    );
    assert_eq!(
        server.send("DELETE", &path, &ttd, None, &[]).await.status,
        403
    );
    assert_eq!(
        server
            .send_json(
                "PUT",
                &path,
                &correspondence,
                &minimal_dialog(resource, PARTY_ORG),
                &[]
            )
            .await
            .status,
        204
    );
}
