//! Transmissions, activities, seen log, labels, system labels, dialog lookup, notification
//! conditions and metadata limits of the service-owner API, over HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::dialogs::*;
use serde_json::{Value, json};

fn transmission(title: &str) -> Value {
    json!({ "type": "information", "sender": { "actorType": "serviceOwner" },
            "content": { "title": { "value": [ { "languageCode": "nb", "value": title } ] } } })
}

#[tokio::test]
async fn transmissions_are_created_listed_read_and_replaced_only_silently() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let change = server
        .service_owner_token(
            "ttd",
            "991825827",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.changetransmissions",
        )
        .await;
    let id = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    let (_, before) = server.get_json(&path, &ttd).await;

    let mut body = transmission("Første");
    body["idempotentKey"] = json!("first-key");
    let answer = server
        .send_json(
            "POST",
            &format!("{path}/transmissions"),
            &ttd,
            &body,
            &[("if-match", before["revision"].as_str().unwrap())],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let transmission_id = answer.body.as_str().unwrap().to_owned();
    assert_eq!(
        answer.header("location").unwrap(),
        format!("{path}/transmissions/{transmission_id}")
    );
    let (_, dialog) = server.get_json(&path, &ttd).await;
    assert_eq!(answer.header("etag").unwrap(), dialog["revision"]);
    assert_eq!(dialog["hasUnopenedContent"], true);
    assert_ne!(dialog["contentUpdatedAt"], before["contentUpdatedAt"]);

    // 409: the same idempotent key again; 412: a stale revision.
    let answer = server
        .send_json("POST", &format!("{path}/transmissions"), &ttd, &body, &[])
        .await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    let stale = before["revision"].as_str().unwrap();
    let answer = server
        .send_json(
            "POST",
            &format!("{path}/transmissions"),
            &ttd,
            &transmission("x"),
            &[("if-match", stale)],
        )
        .await;
    assert_eq!(answer.status, 412);
    // 400: validation of the transmission.
    let answer = server
        .send_json(
            "POST",
            &format!("{path}/transmissions"),
            &ttd,
            &json!({ "type": "information" }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);

    let (status, list) = server
        .get_json(&format!("{path}/transmissions"), &ttd)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], json!(transmission_id));
    let (status, one) = server
        .get_json(&format!("{path}/transmissions/{transmission_id}"), &ttd)
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["content"]["title"]["value"][0]["value"], "Første");
    let unknown = uuid::Uuid::now_v7();
    let (status, body404) = server
        .get_json(&format!("{path}/transmissions/{unknown}"), &ttd)
        .await;
    assert_eq!(status, 404);
    assert!(body404["errors"]["DialogTransmission"].is_array());

    // Replacing needs isSilentUpdate and the changetransmissions scope.
    let mut replacement = transmission("Rettet");
    let item = format!("{path}/transmissions/{transmission_id}");
    let answer = server
        .send_json("PUT", &item, &change, &replacement, &[])
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body["errors"]["IsSilentUpdate"][0],
        "IsSilentUpdate must be true when updating transmissions."
    );
    replacement["isSilentUpdate"] = json!(true);
    assert_eq!(
        server
            .send_json("PUT", &item, &ttd, &replacement, &[])
            .await
            .status,
        403
    );
    let (_, before_put) = server.get_json(&path, &ttd).await;
    let answer = server
        .send_json("PUT", &item, &change, &replacement, &[])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let (_, one) = server.get_json(&item, &ttd).await;
    assert_eq!(one["content"]["title"]["value"][0]["value"], "Rettet");
    let (_, after_put) = server.get_json(&path, &ttd).await;
    assert_eq!(after_put["updatedAt"], before_put["updatedAt"], "silent");
    let answer = server
        .send_json(
            "PUT",
            &format!("{path}/transmissions/{unknown}"),
            &change,
            &replacement,
            &[],
        )
        .await;
    assert_eq!(answer.status, 404);

    // Deleted dialogs: 410 on the collection.
    assert_eq!(
        server.send("DELETE", &path, &ttd, None, &[]).await.status,
        204
    );
    assert_eq!(
        server
            .get_json(&format!("{path}/transmissions"), &ttd)
            .await
            .0,
        410
    );
    assert_eq!(
        server
            .send_json(
                "POST",
                &format!("{path}/transmissions"),
                &ttd,
                &transmission("y"),
                &[]
            )
            .await
            .status,
        410
    );
}

#[tokio::test]
async fn activities_are_appended_and_opening_a_transmission_clears_unopened_content() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    let transmission_id = v7();
    let mut t = transmission("Brev");
    t["id"] = json!(transmission_id);
    body["transmissions"] = json!([t]);
    let id = server.create_dialog(&ttd, &body).await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    assert_eq!(
        server.get_json(&path, &ttd).await.1["hasUnopenedContent"],
        true
    );

    let opened = json!({ "type": "transmissionOpened", "transmissionId": transmission_id,
                         "performedBy": { "actorType": "partyRepresentative", "actorId": PARTY_PERSON } });
    let answer = server
        .send_json("POST", &format!("{path}/activities"), &ttd, &opened, &[])
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let activity_id = answer.body.as_str().unwrap().to_owned();
    assert_eq!(
        answer.header("location").unwrap(),
        format!("{path}/activities/{activity_id}")
    );
    let (_, dialog) = server.get_json(&path, &ttd).await;
    assert_eq!(dialog["hasUnopenedContent"], false);
    assert_eq!(dialog["transmissions"][0]["isOpened"], true);

    let (status, list) = server.get_json(&format!("{path}/activities"), &ttd).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], json!(activity_id));
    assert!(
        list[0].get("performedBy").is_none(),
        "the list leaves the actor out"
    );
    let (status, one) = server
        .get_json(&format!("{path}/activities/{activity_id}"), &ttd)
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["performedBy"]["actorName"], "UROMANTISK LITTERATUR");
    let unknown = uuid::Uuid::now_v7();
    let (status, missing) = server
        .get_json(&format!("{path}/activities/{unknown}"), &ttd)
        .await;
    assert_eq!(status, 404);
    assert!(missing["errors"]["DialogActivity"].is_array());

    // The same activity id again is refused; so is a transmission that does not exist.
    let mut again = opened.clone();
    again["id"] = json!(activity_id);
    let answer = server
        .send_json("POST", &format!("{path}/activities"), &ttd, &again, &[])
        .await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    let mut dangling = opened.clone();
    dangling["transmissionId"] = json!(unknown);
    let answer = server
        .send_json("POST", &format!("{path}/activities"), &ttd, &dangling, &[])
        .await;
    // Checked by the handler against the stored dialog (api.md §2.5).
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert!(answer.body["errors"]["DialogActivity"].is_array());
    // Correspondence types need the correspondence scope.
    let answer = server
        .send_json("POST", &format!("{path}/activities"), &ttd,
                   &json!({ "type": "correspondenceOpened", "performedBy": { "actorType": "serviceOwner" } }), &[])
        .await;
    assert_eq!(answer.status, 403);
}

#[tokio::test]
async fn reads_on_an_end_users_behalf_fill_the_seen_log() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let id = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}/seenlog");
    let (status, list) = server.get_json(&path, &ttd).await;
    assert_eq!((status, list), (200, json!([])));

    // Reading on an end user's behalf records one entry, once, without a new revision.
    let dialog_path = format!("/api/v1/serviceowner/dialogs/{id}");
    let (_, before) = server.get_json(&dialog_path, &ttd).await;
    let on_behalf = format!("{dialog_path}?endUserId=urn:altinn:person:identifier-no:08844397713");
    let (status, seen) = server.get_json(&on_behalf, &ttd).await;
    assert_eq!(status, 200);
    assert_eq!(seen["revision"], before["revision"]);
    assert_eq!(seen["seenSinceLastUpdate"][0]["isCurrentEndUser"], true);
    assert_eq!(
        seen["seenSinceLastUpdate"][0]["seenBy"]["actorName"],
        "UROMANTISK LITTERATUR"
    );
    assert_eq!(seen["isContentSeen"], true);
    server.get_json(&on_behalf, &ttd).await;
    let (_, list) = server.get_json(&path, &ttd).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["isViaServiceOwner"], true);
    let entry = list[0]["id"].as_str().unwrap();
    let (status, one) = server.get_json(&format!("{path}/{entry}"), &ttd).await;
    assert_eq!(status, 200);
    assert_eq!(
        one["seenBy"]["actorId"],
        "urn:altinn:person:identifier-no:08844397713"
    );
    let (_, plain) = server.get_json(&dialog_path, &ttd).await;
    assert_eq!(plain["seenSinceLastUpdate"][0]["isCurrentEndUser"], false);

    let (status, body) = server
        .get_json(&format!("{path}/{}", uuid::Uuid::now_v7()), &ttd)
        .await;
    assert_eq!(status, 404);
    assert!(body["errors"]["DialogSeenLog"].is_array());
    assert_eq!(
        server.get_json(&format!("{path}/not-a-guid"), &ttd).await.0,
        400
    );
}

#[tokio::test]
async fn service_owner_labels_have_their_own_revision() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let id = server.create_dialog(&ttd, &rich_dialog()).await;
    let dialog_path = format!("/api/v1/serviceowner/dialogs/{id}");
    let path = format!("{dialog_path}/context/labels");
    let (_, dialog) = server.get_json(&dialog_path, &ttd).await;

    let answer = server.send("GET", &path, &ttd, None, &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!([{ "value": "label-one" }]));
    let revision = answer.header("etag").unwrap().to_owned();
    assert_eq!(json!(revision), dialog["serviceOwnerContext"]["revision"]);

    let stale = uuid::Uuid::new_v4().to_string();
    let label =
        json!({ "value": "Urn:Altinn:Instance-Id:50001/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11" });
    assert_eq!(
        server
            .send_json("POST", &path, &ttd, &label, &[("if-match", &stale)])
            .await
            .status,
        412
    );
    let answer = server
        .send_json("POST", &path, &ttd, &label, &[("if-match", &revision)])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_ne!(answer.header("etag").unwrap(), revision);
    let answer = server.send_json("POST", &path, &ttd, &label, &[]).await;
    assert_eq!(answer.status, 400, "duplicate");
    let answer = server
        .send_json("POST", &path, &ttd, &json!({ "value": "ab" }), &[])
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body["errors"]["dto.value"].is_array());
    let (_, labels) = server.get_json(&path, &ttd).await;
    assert_eq!(
        labels[1]["value"],
        "urn:altinn:instance-id:50001/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11"
    );

    // The label is an instance reference for the lookup.
    let (status, lookup) = server
        .get_json("/api/v1/serviceowner/dialoglookup?instanceRef=urn:altinn:integration:storage:50001/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11", &ttd)
        .await;
    assert_eq!(status, 200, "{lookup}");
    assert_eq!(lookup["dialogId"], json!(id));
    assert_eq!(lookup["serviceOwner"]["code"], "ttd");
    assert_eq!(lookup["serviceOwner"]["orgNumber"], "991825827");

    assert_eq!(
        server
            .send("DELETE", &format!("{path}/LABEL-ONE"), &ttd, None, &[])
            .await
            .status,
        204
    );
    let answer = server
        .send("DELETE", &format!("{path}/label-one"), &ttd, None, &[])
        .await;
    assert_eq!(answer.status, 404);
    assert!(answer.body["errors"]["Label"].is_array());
    let (_, after) = server.get_json(&dialog_path, &ttd).await;
    assert_eq!(
        after["revision"], dialog["revision"],
        "labels leave the dialog revision alone"
    );
    assert_eq!(after["updatedAt"], dialog["updatedAt"]);
}

#[tokio::test]
async fn system_labels_are_set_for_an_end_user_singly_and_in_bulk() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let first = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let second = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_PERSON))
        .await;
    let enduser = "enduserId=urn:altinn:person:identifier-no:08844397713";
    let path =
        format!("/api/v1/serviceowner/dialogs/{first}/endusercontext/systemlabels?{enduser}");
    let (_, dialog) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{first}"), &ttd)
        .await;
    let context_revision = dialog["endUserContext"]["revision"]
        .as_str()
        .unwrap()
        .to_owned();

    let answer = server
        .send_json(
            "PUT",
            &path,
            &ttd,
            &json!({ "addLabels": ["bin"] }),
            &[("if-match", &context_revision)],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let new_context = answer.header("etag").unwrap().to_owned();
    assert_ne!(new_context, context_revision);
    let (_, after) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{first}"), &ttd)
        .await;
    assert_eq!(after["systemLabel"], "Bin");
    assert_eq!(after["endUserContext"]["systemLabels"], json!(["Bin"]));
    assert_eq!(
        after["revision"], dialog["revision"],
        "the dialog revision stays"
    );

    let answer = server
        .send_json(
            "PUT",
            &path,
            &ttd,
            &json!({ "addLabels": ["archive"] }),
            &[("if-match", &context_revision)],
        )
        .await;
    assert_eq!(answer.status, 412);
    let answer = server
        .send_json("PUT", &path, &ttd, &json!({ "addLabels": ["sent"] }), &[])
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body["errors"]["dto.addLabels"].is_array());
    let both = json!({ "addLabels": ["archive"], "performedBy": { "actorType": "serviceOwner" } });
    assert_eq!(
        server
            .send_json("PUT", &path, &ttd, &both, &[])
            .await
            .status,
        400
    );
    // Acting for a person who may not list the dialog is a 403 naming it (issue 10 item 4).
    let stranger = format!(
        "/api/v1/serviceowner/dialogs/{first}/endusercontext/systemlabels?enduserId=urn:altinn:person:identifier-no:08895699684"
    );
    let answer = server
        .send_json(
            "PUT",
            &stranger,
            &ttd,
            &json!({ "addLabels": ["archive"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    let stranger_bulk = "/api/v1/serviceowner/dialogs/endusercontext/systemlabels/actions/bulkset?enduserId=urn:altinn:person:identifier-no:08895699684";
    let answer = server
        .send_json(
            "POST",
            stranger_bulk,
            &ttd,
            &json!({ "dialogs": [ { "dialogId": first } ], "addLabels": ["archive"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    let neither = format!("/api/v1/serviceowner/dialogs/{first}/endusercontext/systemlabels");
    assert_eq!(
        server
            .send_json(
                "PUT",
                &neither,
                &ttd,
                &json!({ "addLabels": ["archive"] }),
                &[]
            )
            .await
            .status,
        400
    );

    // Bulk: all or nothing.
    let bulk = format!(
        "/api/v1/serviceowner/dialogs/endusercontext/systemlabels/actions/bulkset?{enduser}"
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    let answer = server
        .send_json("POST", &bulk, &ttd, &json!({ "dialogs": [ { "dialogId": first }, { "dialogId": unknown } ], "addLabels": ["archive"] }), &[])
        .await;
    assert_eq!(answer.status, 404);
    assert!(
        answer.body["errors"]["DialogEntity"][0]
            .as_str()
            .unwrap()
            .contains(&unknown)
    );
    let answer = server
        .send_json("POST", &bulk, &ttd, &json!({ "dialogs": [ { "dialogId": first, "endUserContextRevision": context_revision },
                                                            { "dialogId": second } ], "addLabels": ["archive"] }), &[])
        .await;
    assert_eq!(answer.status, 412);
    let (_, unchanged) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{second}"), &ttd)
        .await;
    assert_eq!(
        unchanged["systemLabel"], "Default",
        "nothing written on failure"
    );
    let answer = server
        .send_json("POST", &bulk, &ttd, &json!({ "dialogs": [ { "dialogId": first, "endUserContextRevision": new_context },
                                                            { "dialogId": second } ], "addLabels": ["archive", "markedAsUnopened"] }), &[])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    for id in [&first, &second] {
        let (_, d) = server
            .get_json(&format!("/api/v1/serviceowner/dialogs/{id}"), &ttd)
            .await;
        assert_eq!(d["systemLabel"], "Archive");
        assert_eq!(d["isContentSeen"], false);
    }
    let answer = server
        .send_json(
            "POST",
            &bulk,
            &ttd,
            &json!({ "dialogs": [], "addLabels": ["bin"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 400);

    // A non-silent update brings the dialog back to Default (api.md §4.8).
    let put = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    assert_eq!(
        server
            .send_json(
                "PUT",
                &format!("/api/v1/serviceowner/dialogs/{first}"),
                &ttd,
                &put,
                &[]
            )
            .await
            .status,
        204
    );
    let (_, d) = server
        .get_json(&format!("/api/v1/serviceowner/dialogs/{first}"), &ttd)
        .await;
    assert_eq!(d["systemLabel"], "Default");
}

#[tokio::test]
async fn dialog_lookup_notification_conditions_and_limits() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["content"]["nonSensitiveTitle"] =
        json!({ "value": [ { "languageCode": "nb", "value": "Åpen tittel" } ] });
    let id = server.create_dialog(&ttd, &body).await;

    let (status, lookup) = server
        .get_json(
            &format!("/api/v1/serviceowner/dialoglookup?instanceRef=urn:altinn:dialog-id:{id}"),
            &ttd,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(lookup["party"], PARTY_ORG);
    assert_eq!(lookup["title"][0]["value"], "En tittel");
    assert_eq!(lookup["nonSensitiveTitle"][0]["value"], "Åpen tittel");
    assert_eq!(lookup["serviceResource"]["id"], TTD_RESOURCE);
    let (status, _) = server
        .get_json(
            "/api/v1/serviceowner/dialoglookup?instanceRef=nonsense",
            &ttd,
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = server
        .get_json(
            &format!(
                "/api/v1/serviceowner/dialoglookup?instanceRef=urn:altinn:dialog-id:{}",
                uuid::Uuid::now_v7()
            ),
            &ttd,
        )
        .await;
    assert_eq!(status, 404);

    let check = server
        .service_owner_token(
            "digdir",
            "991825827",
            "altinn:system/notifications.condition.check",
        )
        .await;
    let condition = |query: String| {
        let server = &server;
        let check = check.clone();
        async move {
            server
                .get_json(&format!("/api/v1/serviceowner/dialogs/{query}"), &check)
                .await
        }
    };
    let (status, answer) = condition(format!(
        "{id}/actions/should-send-notification?conditionType=NotExists&activityType=DialogOpened"
    ))
    .await;
    assert_eq!((status, answer), (200, json!({ "sendNotification": true })));
    let (_, answer) = condition(format!(
        "{id}/actions/should-send-notification?conditionType=Exists&activityType=DialogOpened"
    ))
    .await;
    assert_eq!(answer, json!({ "sendNotification": false }));
    let opened = json!({ "type": "dialogOpened", "performedBy": { "actorType": "serviceOwner" } });
    let path = format!("/api/v1/serviceowner/dialogs/{id}/activities");
    assert_eq!(
        server
            .send_json("POST", &path, &ttd, &opened, &[])
            .await
            .status,
        201
    );
    let (_, answer) = condition(format!(
        "{id}/actions/should-send-notification?conditionType=NotExists&activityType=DialogOpened"
    ))
    .await;
    assert_eq!(answer, json!({ "sendNotification": false }));
    let (status, answer) = condition(format!(
        "{id}/actions/should-send-notification?activityType=TransmissionOpened"
    ))
    .await;
    assert_eq!(status, 400);
    assert!(answer["errors"]["ConditionType"].is_array());
    assert!(answer["errors"]["TransmissionId"].is_array());
    let (status, _) = condition(format!(
        "{}/actions/should-send-notification?conditionType=Exists&activityType=DialogOpened",
        uuid::Uuid::now_v7()
    ))
    .await;
    assert_eq!(status, 404);

    let limits = server.call("GET", "/api/v1/metadata/limits", None).await;
    assert_eq!(limits.status(), 200);
    let limits: Value = limits.json().await.unwrap();
    assert_eq!(limits["serviceOwnerSearch"]["maxPartyFilterValues"], 20);
    assert_eq!(limits["endUserSearch"]["maxPartyFilterValues"], 100);
    let refused = server
        .client
        .get(format!("{}/api/v1/metadata/limits", server.url))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 406);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(
        refused["errors"]["Accept"][0],
        "The request must accept application/json responses."
    );
}

#[tokio::test]
async fn admins_move_the_time_of_a_form_saved_activity() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let admin = server
        .service_owner_token(
            "ttd",
            "991825827",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.admin",
        )
        .await;
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    let saved = v7();
    let other = v7();
    body["activities"] = json!([
        { "id": saved, "type": "formSaved", "performedBy": { "actorType": "serviceOwner" } },
        { "id": other, "type": "dialogOpened", "performedBy": { "actorType": "serviceOwner" } }
    ]);
    let id = server.create_dialog(&ttd, &body).await;
    let path = |activity: &str| {
        format!(
            "/api/v1/serviceowner/dialogs/{id}/activities/{activity}/actions/updateFormSavedActivityTime"
        )
    };
    let time = json!("2025-03-01T10:00:00+01:00");
    assert_eq!(
        server
            .send_json("POST", &path(&saved), &ttd, &time, &[])
            .await
            .status,
        403
    );
    let answer = server
        .send_json("POST", &path(&saved), &admin, &time, &[])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let (_, activity) = server
        .get_json(
            &format!("/api/v1/serviceowner/dialogs/{id}/activities/{saved}"),
            &ttd,
        )
        .await;
    assert_eq!(activity["createdAt"], "2025-03-01T09:00:00.0000000Z");
    assert_eq!(
        server
            .send_json("POST", &path(&other), &admin, &time, &[])
            .await
            .status,
        400
    );
    assert_eq!(
        server
            .send_json("POST", &path(&v7()), &admin, &time, &[])
            .await
            .status,
        404
    );
}
