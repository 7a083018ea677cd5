//! Items 4 (system labels, set semantics), 5 (label-assignment log) and the label messages of
//! item 8 of issue 10.

use super::*;

async fn put_labels(server: &TestServer, token: &str, path: &str, body: Value) -> u16 {
    let answer = server.send_json("PUT", path, token, &body, &[]).await;
    assert!(
        answer.status == 204 || answer.status >= 400,
        "{}",
        answer.text
    );
    answer.status
}

async fn system_label(server: &TestServer, ttd: &str, id: &str) -> Value {
    so_get(server, ttd, id).await["systemLabel"].clone()
}

/// The end user's label log as (name, action, actorType) triples.
async fn label_log(server: &TestServer, person: &str, id: &str) -> Vec<(String, String, String)> {
    let (status, body) = server
        .get_json(&format!("{EU}/{id}/context/labellog"), person)
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["performedBy"]["actorType"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Item 4: the last of Default/Bin/Archive wins, removal runs before addition, on both APIs
/// and both bulk endpoints; `enduserId` may be a bare national identity number; acting for an
/// end user without access is a 403.
#[tokio::test]
async fn system_labels_have_set_semantics_on_both_apis() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let person = server.person(DAGL).await;
    let id = create(&server, &ttd, json!({})).await;
    let eu_path = format!("{EU}/{id}/context/systemlabels");
    let so_path = format!("{SO}/{id}/endusercontext/systemlabels");

    let add_all = json!({ "addLabels": ["Bin", "Default", "Archive"] });
    assert_eq!(
        put_labels(&server, &person, &eu_path, add_all.clone()).await,
        204
    );
    assert_eq!(system_label(&server, &ttd, &id).await, "Archive");
    let both = json!({ "addLabels": ["Bin"], "removeLabels": ["Bin"] });
    assert_eq!(
        put_labels(&server, &person, &eu_path, both.clone()).await,
        204
    );
    assert_eq!(system_label(&server, &ttd, &id).await, "Bin");

    let bare = format!("{so_path}?enduserId={DAGL}");
    let archive_last = json!({ "addLabels": ["Default", "Archive"] });
    assert_eq!(put_labels(&server, &ttd, &bare, archive_last).await, 204);
    assert_eq!(system_label(&server, &ttd, &id).await, "Archive");
    let urn = format!("{so_path}?enduserId=urn:altinn:person:identifier-no:{DAGL}");
    let remove_then_add = json!({ "addLabels": ["Default"], "removeLabels": ["Default"] });
    assert_eq!(put_labels(&server, &ttd, &urn, remove_then_add).await, 204);
    assert_eq!(system_label(&server, &ttd, &id).await, "Default");

    let stranger = format!("{so_path}?enduserId={STRANGER}");
    let answer = server
        .send_json(
            "PUT",
            &stranger,
            &ttd,
            &json!({ "addLabels": ["Bin"] }),
            &[],
        )
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    assert_eq!(
        message(&answer.body, "Forbidden"),
        format!("The following dialog ids are unauthorized and/or missing: ({id}).")
    );

    let bulk = |labels: Value| {
        let mut body = labels;
        body["dialogs"] = json!([{ "dialogId": id }]);
        body
    };
    let answer = server
        .send_json(
            "POST",
            &format!("{EU}/context/systemlabels/actions/bulkset"),
            &person,
            &bulk(json!({ "addLabels": ["Archive", "Bin"] })),
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(system_label(&server, &ttd, &id).await, "Bin");
    let so_bulk = format!("{SO}/endusercontext/systemlabels/actions/bulkset");
    let answer = server
        .send_json(
            "POST",
            &format!("{so_bulk}?enduserId={DAGL}"),
            &ttd,
            &bulk(json!({ "addLabels": ["Archive"], "removeLabels": ["Archive", "Bin"] })),
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(system_label(&server, &ttd, &id).await, "Archive");
    let answer = server
        .send_json(
            "POST",
            &format!("{so_bulk}?enduserId={STRANGER}"),
            &ttd,
            &bulk(json!({ "addLabels": ["Bin"] })),
            &[],
        )
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    assert!(message(&answer.body, "Forbidden").contains(&id));
}

/// Item 5: a replacing label's `set` comes before the replaced one's `remove`; opening the
/// dialog logs the removal of `MarkedAsUnopened` by the end user; a service-owner update that
/// takes the dialog out of Archive logs a `remove` by the service owner.
#[tokio::test]
async fn the_label_log_is_written_as_the_real_service_writes_it() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let person = server.person(DAGL).await;
    let id = create(&server, &ttd, json!({})).await;
    let path = format!("{EU}/{id}/context/systemlabels");
    put_labels(&server, &person, &path, json!({ "addLabels": ["Bin"] })).await;
    put_labels(&server, &person, &path, json!({ "addLabels": ["Archive"] })).await;
    let entry = |name: &str, action: &str, actor: &str| {
        (
            format!("systemlabel:{name}"),
            action.to_owned(),
            actor.to_owned(),
        )
    };
    let party = "PartyRepresentative";
    assert_eq!(
        label_log(&server, &person, &id).await,
        [
            entry("Bin", "set", party),
            entry("Archive", "set", party),
            entry("Bin", "remove", party),
        ]
    );

    put_labels(
        &server,
        &person,
        &path,
        json!({ "addLabels": ["MarkedAsUnopened"] }),
    )
    .await;
    let (status, _) = server.get_json(&format!("{EU}/{id}"), &person).await;
    assert_eq!(status, 200);
    let log = label_log(&server, &person, &id).await;
    assert_eq!(log[3], entry("MarkedAsUnopened", "set", party));
    assert_eq!(log[4], entry("MarkedAsUnopened", "remove", party));

    let patch = json!([{ "op": "replace", "path": "/progress", "value": 10 }]);
    let answer = server
        .send_json("PATCH", &format!("{SO}/{id}"), &ttd, &patch, &[])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(system_label(&server, &ttd, &id).await, "Default");
    let log = label_log(&server, &person, &id).await;
    assert_eq!(log.len(), 6, "{log:?}");
    assert_eq!(log[5], entry("Archive", "remove", "ServiceOwner"));
}

/// Item 8, labels: the duplicate and length messages of the real service's label validator.
#[tokio::test]
async fn service_owner_label_messages_are_the_real_services() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let id = create(&server, &ttd, json!({})).await;
    let path = format!("{SO}/{id}/context/labels");
    let post = |value: String| {
        let server = &server;
        let ttd = &ttd;
        let path = &path;
        async move {
            server
                .send_json("POST", path, ttd, &json!({ "value": value }), &[])
                .await
        }
    };
    assert_eq!(post("zeta".into()).await.status, 204);
    let answer = post("ZETA".into()).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(
        message(&answer.body, "dto.value").contains("duplicate"),
        "{}",
        answer.text
    );
    let answer = post("x".repeat(256)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        message(&answer.body, "dto.value"),
        "The length of 'Value' must be 255 characters or fewer. You entered 256 characters."
    );
    let answer = post("ab".into()).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        message(&answer.body, "dto.value"),
        "The length of 'Value' must be at least 3 characters. You entered 2 characters."
    );
}
