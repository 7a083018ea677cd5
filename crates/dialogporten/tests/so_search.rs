//! The service-owner dialog searches over HTTP (api.md §3.1, §3.3, §3.4): every filter,
//! ordering, keyset pagination with continuation tokens, validation errors, free text for an
//! end user, the org restriction and the end-user-context search.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use common::dialogs::*;
use serde_json::{Value, json};

const SEARCH: &str = "/api/v1/serviceowner/dialogs";
const CONTEXTS: &str = "/api/v1/serviceowner/dialogs/endusercontext";
const SIMPLE_RESOURCE: &str = "urn:altinn:resource:super-simple-service";
const OTHER_PERSON: &str = "urn:altinn:person:identifier-no:03886595947";

/// Query-string pairs of one request.
type Pairs<'a> = Vec<(&'a str, &'a str)>;

/// A create body: the minimal dialog for ttd with `fields` merged in.
fn dialog(fields: Value) -> Value {
    dialog_on(TTD_RESOURCE, PARTY_ORG, fields)
}

fn title(text: &str) -> Value {
    json!({ "title": { "value": [ { "languageCode": "nb", "value": text } ] } })
}

fn labels(values: &[&str]) -> Value {
    let labels: Vec<Value> = values.iter().map(|v| json!({ "value": v })).collect();
    json!({ "serviceOwnerLabels": labels })
}

/// The ids a search returns, as a set.
async fn found(server: &TestServer, token: &str, pairs: &[(&str, &str)]) -> BTreeSet<String> {
    ids(&search_page(server, token, SEARCH, pairs).await)
        .into_iter()
        .collect()
}

/// The 400 answer's `errors`, asserting the status.
async fn errors(server: &TestServer, token: &str, path: &str, pairs: &[(&str, &str)]) -> Value {
    let (status, body) = server
        .get_json(&format!("{path}{}", query(pairs)), token)
        .await;
    assert_eq!(status, 400, "{pairs:?}: {body}");
    assert_eq!(body["title"], "One or more validation errors occurred.");
    body["errors"].clone()
}

#[tokio::test]
async fn each_filter_returns_exactly_the_matching_dialogs() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let a = server
        .create_dialog(
            &token,
            &dialog(json!({
                "status": "inProgress",
                "extendedStatus": "urn:ttd:status:a",
                "externalReference": "ref-a",
                "process": "urn:ttd:process:a",
                "createdAt": "2024-01-01T00:00:00Z",
                "updatedAt": "2024-01-02T00:00:00Z",
                "dueAt": "2031-01-01T00:00:00Z",
                "serviceOwnerContext": labels(&["alpha-one"]),
            })),
        )
        .await;
    let b = server
        .create_dialog(
            &token,
            &dialog(json!({
                "serviceResource": SIMPLE_RESOURCE,
                "party": PARTY_PERSON,
                "status": "completed",
                "extendedStatus": "urn:ttd:status:b",
                "externalReference": "ref-b",
                "createdAt": "2024-02-01T00:00:00Z",
                "updatedAt": "2024-02-02T00:00:00Z",
                "isApiOnly": true,
                "systemLabel": "archive",
                "serviceOwnerContext": labels(&["beta-two"]),
            })),
        )
        .await;
    let c = server
        .create_dialog(
            &token,
            &dialog(json!({
                "party": PARTY_PERSON,
                "status": "draft",
                "visibleFrom": "2030-06-01T00:00:00Z",
                "dueAt": "2032-01-01T00:00:00Z",
                "systemLabel": "bin",
            })),
        )
        .await;
    let all = set(&[&a, &b, &c]);
    let upper_org = PARTY_ORG.to_uppercase();
    assert_eq!(found(&server, &token, &[]).await, all);
    let cases: Vec<(Pairs, BTreeSet<String>)> = vec![
        (vec![("serviceResource", SIMPLE_RESOURCE)], set(&[&b])),
        (
            vec![
                ("serviceResource", TTD_RESOURCE),
                ("serviceResource", SIMPLE_RESOURCE),
            ],
            all.clone(),
        ),
        (vec![("party", PARTY_PERSON)], set(&[&b, &c])),
        // Party values are lower-cased before matching.
        (vec![("party", upper_org.as_str())], set(&[&a])),
        (vec![("extendedStatus", "urn:ttd:status:a")], set(&[&a])),
        (
            vec![
                ("extendedStatus", "urn:ttd:status:a"),
                ("extendedStatus", "urn:ttd:status:b"),
            ],
            set(&[&a, &b]),
        ),
        (vec![("externalReference", "ref-b")], set(&[&b])),
        (vec![("status", "Completed")], set(&[&b])),
        (
            vec![("status", "draft"), ("status", "inprogress")],
            set(&[&a, &c]),
        ),
        (
            vec![("createdAfter", "2024-01-15T00:00:00Z")],
            set(&[&b, &c]),
        ),
        (
            vec![("createdBefore", "2024-02-01T00:00:00Z")],
            set(&[&a, &b]),
        ),
        (
            vec![
                ("createdAfter", "2024-01-01T00:00:00Z"),
                ("createdBefore", "2024-01-01T00:00:00Z"),
            ],
            set(&[&a]),
        ),
        (
            vec![("updatedAfter", "2024-02-02T00:00:00Z")],
            set(&[&b, &c]),
        ),
        (vec![("updatedBefore", "2024-01-31T00:00:00Z")], set(&[&a])),
        (
            vec![("contentUpdatedAfter", "2025-01-01T00:00:00Z")],
            set(&[&c]),
        ),
        (
            vec![("contentUpdatedBefore", "2024-01-02T00:00:00Z")],
            set(&[&a]),
        ),
        (vec![("dueAfter", "2031-06-01T00:00:00Z")], set(&[&c])),
        (vec![("dueBefore", "2031-06-01T00:00:00Z")], set(&[&a])),
        (vec![("visibleAfter", "2030-01-01T00:00:00Z")], set(&[&c])),
        (
            vec![("visibleBefore", "2029-01-01T00:00:00Z")],
            BTreeSet::new(),
        ),
        (vec![("process", "urn:ttd:process:a")], set(&[&a])),
        (vec![("systemLabel", "Archive")], set(&[&b])),
        (
            vec![("systemLabel", "bin"), ("systemLabel", "archive")],
            set(&[&b, &c]),
        ),
        (vec![("excludeApiOnly", "true")], set(&[&a, &c])),
        (vec![("excludeApiOnly", "false")], all.clone()),
        // Nobody has seen anything yet.
        (vec![("isContentSeen", "false")], all.clone()),
        (vec![("isContentSeen", "true")], BTreeSet::new()),
        (vec![("serviceOwnerLabels", "alpha-one")], set(&[&a])),
        (vec![("serviceOwnerLabels", "BETA-TWO")], set(&[&b])),
        // Filters of different parameters are AND-ed.
        (
            vec![("party", PARTY_PERSON), ("status", "completed")],
            set(&[&b]),
        ),
        (
            vec![("party", PARTY_ORG), ("status", "completed")],
            BTreeSet::new(),
        ),
    ];
    for (pairs, expected) in cases {
        assert_eq!(found(&server, &token, &pairs).await, expected, "{pairs:?}");
    }
    // Query-string names are case-insensitive (api.md §0).
    assert_eq!(
        found(&server, &token, &[("SERVICERESOURCE", SIMPLE_RESOURCE)]).await,
        set(&[&b])
    );
    // Items are the search view of the dialog.
    let body = search_page(&server, &token, SEARCH, &[("externalReference", "ref-a")]).await;
    let item = &body["items"][0];
    assert_eq!(item["org"], "ttd");
    assert_eq!(item["externalReference"], "ref-a");
    assert_eq!(item["content"]["title"]["value"][0]["value"], "En tittel");
    assert_eq!(
        item["serviceOwnerContext"]["serviceOwnerLabels"],
        json!([{ "value": "alpha-one" }])
    );
    assert!(item.get("deletedAt").is_none());
}

#[tokio::test]
async fn service_owner_labels_are_and_ed_and_a_trailing_star_is_a_prefix() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let alpha = server
        .create_dialog(
            &token,
            &dialog(json!({ "serviceOwnerContext": labels(&["project:alpha", "team-x"]) })),
        )
        .await;
    let beta = server
        .create_dialog(
            &token,
            &dialog(json!({ "serviceOwnerContext": labels(&["project:beta"]) })),
        )
        .await;
    let other = server
        .create_dialog(
            &token,
            &dialog(json!({ "serviceOwnerContext": labels(&["projector"]) })),
        )
        .await;
    let none = server.create_dialog(&token, &dialog(json!({}))).await;
    let cases: Vec<(Pairs, BTreeSet<String>)> = vec![
        (
            vec![("serviceOwnerLabels", "project:*")],
            set(&[&alpha, &beta]),
        ),
        (
            vec![("serviceOwnerLabels", "PROJECT*")],
            set(&[&alpha, &beta, &other]),
        ),
        (vec![("serviceOwnerLabels", "project")], BTreeSet::new()),
        (
            vec![
                ("serviceOwnerLabels", "project:*"),
                ("serviceOwnerLabels", "team-x"),
            ],
            set(&[&alpha]),
        ),
        (
            vec![
                ("serviceOwnerLabels", "project:beta"),
                ("serviceOwnerLabels", "team-x"),
            ],
            BTreeSet::new(),
        ),
        (vec![], set(&[&alpha, &beta, &other, &none])),
    ];
    for (pairs, expected) in cases {
        assert_eq!(found(&server, &token, &pairs).await, expected, "{pairs:?}");
    }
}

/// Creates `count` dialogs whose createdAt/updatedAt cycle through three days, so sort keys tie
/// and only the id breaks the tie.
async fn create_many(server: &TestServer, token: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..count {
        let day = i % 3 + 1;
        let body = dialog(json!({
            "createdAt": format!("2024-03-0{day}T12:00:00Z"),
            "updatedAt": format!("2024-03-0{day}T12:00:00Z"),
            "dueAt": if i % 2 == 0 { json!(format!("2031-0{day}-01T00:00:00Z")) } else { Value::Null },
        }));
        ids.push(server.create_dialog(token, &body).await);
    }
    ids
}

/// Walks every page of a search, checking the page shape; returns the ids in order.
async fn walk(
    server: &TestServer,
    token: &str,
    path: &str,
    pairs: &[(&str, &str)],
    limit: usize,
) -> Vec<String> {
    let limit_text = limit.to_string();
    let mut all = Vec::new();
    let mut continuation: Option<String> = None;
    for _ in 0..100 {
        let mut request: Vec<(&str, &str)> = pairs.to_vec();
        request.push(("limit", &limit_text));
        if let Some(token) = &continuation {
            request.push(("continuationToken", token));
        }
        let body = search_page(server, token, path, &request).await;
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{body}");
        for item in items {
            let id = item.get("id").or_else(|| item.get("dialogId")).unwrap();
            all.push(id.as_str().unwrap().to_owned());
        }
        if !items.is_empty() {
            assert!(body["continuationToken"].is_string(), "{body}");
        }
        if body["hasNextPage"] == false {
            return all;
        }
        assert_eq!(items.len(), limit, "a page before the last is full: {body}");
        continuation = Some(body["continuationToken"].as_str().unwrap().to_owned());
    }
    panic!("more than 100 pages");
}

#[tokio::test]
async fn keyset_pages_walk_every_dialog_once_in_every_order() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let created = create_many(&server, &token, 25).await;
    let expected: BTreeSet<String> = created.iter().cloned().collect();
    for order in [
        None,
        Some("createdAt_asc"),
        Some("createdAt_desc"),
        Some("updatedAt"),
        Some("contentUpdatedAt_asc,id_asc"),
        Some("dueAt_asc"),
        Some("dueAt_desc"),
        Some("id_asc"),
    ] {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(order) = order {
            pairs.push(("orderBy", order));
        }
        let whole = ids(&search_page(
            &server,
            &token,
            SEARCH,
            &[pairs.clone(), vec![("limit", "1000")]].concat(),
        )
        .await);
        assert_eq!(whole.len(), 25, "{order:?}");
        let walked = walk(&server, &token, SEARCH, &pairs, 7).await;
        assert_eq!(
            walked, whole,
            "pages in order {order:?} equal the whole list"
        );
        assert_eq!(walked.iter().cloned().collect::<BTreeSet<_>>(), expected);
    }
    // Exact page boundaries: 25 = 7 + 7 + 7 + 4.
    let first = search_page(
        &server,
        &token,
        SEARCH,
        &[("limit", "7"), ("orderBy", "createdAt_asc")],
    )
    .await;
    assert_eq!(first["hasNextPage"], true);
    assert_eq!(first["orderBy"], "createdat_asc,id_desc");
    let token_text = first["continuationToken"].as_str().unwrap();
    let last = &first["items"][6];
    assert_eq!(
        token_text,
        format!(
            "createdat_{},id_{}",
            last["createdAt"].as_str().unwrap(),
            last["id"].as_str().unwrap()
        )
    );
    let everything = search_page(&server, &token, SEARCH, &[("limit", "25")]).await;
    assert_eq!(everything["hasNextPage"], false);
    assert!(
        everything["continuationToken"].is_string(),
        "the last item's token"
    );
}

#[tokio::test]
async fn ordering_is_ascending_or_descending_with_id_last() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let mut by_created = Vec::new();
    for (day, due) in [
        (1, Some("2031-03-01T00:00:00Z")),
        (2, None),
        (3, Some("2031-01-01T00:00:00Z")),
    ] {
        let mut fields = json!({
            "createdAt": format!("2024-04-0{day}T00:00:00Z"),
            "updatedAt": format!("2024-05-0{}T00:00:00Z", 4 - day),
        });
        if let Some(due) = due {
            fields["dueAt"] = json!(due);
        }
        by_created.push(server.create_dialog(&token, &dialog(fields)).await);
    }
    let [first, second, third] = [&by_created[0], &by_created[1], &by_created[2]];
    let order = |body: &Value| ids(body);
    let body = search_page(&server, &token, SEARCH, &[]).await;
    assert_eq!(body["orderBy"], "contentupdatedat_desc,id_desc");
    // contentUpdatedAt = updatedAt on create: day 1 has the latest.
    assert_eq!(order(&body), [first.clone(), second.clone(), third.clone()]);
    let body = search_page(&server, &token, SEARCH, &[("orderBy", "CreatedAt_Asc")]).await;
    assert_eq!(body["orderBy"], "createdat_asc,id_desc");
    assert_eq!(order(&body), [first.clone(), second.clone(), third.clone()]);
    let body = search_page(&server, &token, SEARCH, &[("orderBy", "createdAt_desc")]).await;
    assert_eq!(order(&body), [third.clone(), second.clone(), first.clone()]);
    let body = search_page(&server, &token, SEARCH, &[("orderBy", "updatedAt_asc")]).await;
    assert_eq!(order(&body), [third.clone(), second.clone(), first.clone()]);
    // A missing dueAt sorts after every date ascending (PostgreSQL's NULLS LAST).
    let body = search_page(&server, &token, SEARCH, &[("orderBy", "dueAt_asc")]).await;
    assert_eq!(order(&body), [third.clone(), first.clone(), second.clone()]);
    let body = search_page(&server, &token, SEARCH, &[("orderBy", "dueAt")]).await;
    assert_eq!(body["orderBy"], "dueat_desc,id_desc");
    assert_eq!(order(&body), [second.clone(), first.clone(), third.clone()]);
    // A null dueAt is an empty value in the token, and the next page follows it.
    let body = search_page(
        &server,
        &token,
        SEARCH,
        &[("orderBy", "dueAt"), ("limit", "1")],
    )
    .await;
    let continuation = body["continuationToken"].as_str().unwrap().to_owned();
    assert_eq!(continuation, format!("dueat_,id_{second}"));
    let next = search_page(
        &server,
        &token,
        SEARCH,
        &[
            ("orderBy", "dueAt"),
            ("limit", "1"),
            ("continuationToken", &continuation),
        ],
    )
    .await;
    assert_eq!(order(&next), std::slice::from_ref(first));
    // Only id: the default key goes first.
    let body = search_page(&server, &token, SEARCH, &[("orderBy", "id_asc")]).await;
    assert_eq!(body["orderBy"], "contentupdatedat_desc,id_asc");
    let body = search_page(
        &server,
        &token,
        SEARCH,
        &[("orderBy", "createdAt_asc,id_asc")],
    )
    .await;
    assert_eq!(body["orderBy"], "createdat_asc,id_asc");
    assert_eq!(order(&body), [first.clone(), second.clone(), third.clone()]);
}

#[tokio::test]
async fn invalid_parameters_are_400_naming_the_parameter() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let many: Vec<String> = (0..21)
        .map(|i| format!("urn:altinn:resource:r{i}"))
        .collect();
    let mut too_many: Vec<(&str, &str)> = many
        .iter()
        .map(|r| ("serviceResource", r.as_str()))
        .collect();
    let errors_for = |e: &Value, key: &str| e[key][0].as_str().unwrap_or_default().to_owned();

    let e = errors(&server, &token, SEARCH, &too_many).await;
    assert_eq!(
        errors_for(&e, "serviceResource.Count"),
        "'Count' must be less than or equal to '20'."
    );
    too_many.truncate(20);
    search_page(&server, &token, SEARCH, &too_many).await;

    let cases: Vec<(Pairs, &str, &str)> = vec![
        (
            vec![("limit", "0")],
            "limit",
            "'Limit' must be between 1 and 1000. You entered 0.",
        ),
        (
            vec![("limit", "1001")],
            "limit",
            "'Limit' must be between 1 and 1000. You entered 1001.",
        ),
        (
            vec![("limit", "many")],
            "limit",
            "Value [many] is not valid for a limit parameter!",
        ),
        (
            vec![("orderBy", "title_desc")],
            "orderBy",
            "Value [title_desc] is not valid for a orderBy parameter!",
        ),
        (
            vec![("continuationToken", "nonsense")],
            "continuationToken",
            "Value [nonsense] is not valid for a continuationToken parameter!",
        ),
        (
            vec![(
                "continuationToken",
                "createdat_2024-07-31T09:09:03.0257090Z",
            )],
            "continuationToken",
            "ContinuationToken does not match OrderBy. Missing token keys: [contentUpdatedAt,id].",
        ),
        (
            vec![
                ("orderBy", "dueAt_asc"),
                (
                    "continuationToken",
                    "id_0c089101-b7cf-a476-955c-f00a78d74a4e",
                ),
            ],
            "continuationToken",
            "ContinuationToken does not match OrderBy. Missing token keys: [dueAt].",
        ),
        (
            vec![
                ("createdAfter", "2024-02-01T00:00:00Z"),
                ("createdBefore", "2024-01-01T00:00:00Z"),
            ],
            "createdAfter",
            "'CreatedAfter' must be less than or equal to 'CreatedBefore'.",
        ),
        (
            vec![
                ("updatedAfter", "2024-02-01T00:00:00Z"),
                ("updatedBefore", "2024-01-01T00:00:00Z"),
            ],
            "updatedAfter",
            "'UpdatedAfter' must be less than or equal to 'UpdatedBefore'.",
        ),
        (
            vec![
                ("contentUpdatedAfter", "2024-02-01T00:00:00Z"),
                ("contentUpdatedBefore", "2024-01-01T00:00:00Z"),
            ],
            "contentUpdatedAfter",
            "'ContentUpdatedAfter' must be less than or equal to 'ContentUpdatedBefore'.",
        ),
        (
            vec![
                ("dueAfter", "2024-02-01T00:00:00Z"),
                ("dueBefore", "2024-01-01T00:00:00Z"),
            ],
            "dueAfter",
            "'DueAfter' must be less than or equal to 'DueBefore'.",
        ),
        (
            vec![
                ("visibleAfter", "2024-02-01T00:00:00Z"),
                ("visibleBefore", "2024-01-01T00:00:00Z"),
            ],
            "visibleAfter",
            "'VisibleAfter' must be less than or equal to 'VisibleBefore'.",
        ),
        (
            vec![("createdAfter", "2024-02-01T00:00:00")],
            "createdAfter",
            "The JSON value could not be converted to System.DateTimeOffset. Expected explicit offset postfix. For example '+00:00', '-05:00', 'Z'. Got '2024-02-01T00:00:00'",
        ),
        (
            vec![("search", "skatt")],
            "search",
            "'EndUserId' must be specified if Search is provided.",
        ),
        (
            vec![
                ("search", "ab"),
                ("endUserId", PARTY_PERSON),
                ("party", PARTY_ORG),
            ],
            "search",
            "The length of 'Search' must be at least 3 characters. You entered 2 characters.",
        ),
        (
            vec![("endUserId", PARTY_PERSON)],
            "endUserId",
            "Either 'ServiceResource' or 'Party' must be specified if 'EndUserId' is provided.",
        ),
        (
            vec![("serviceOwnerLabels", "ab")],
            "serviceOwnerLabels[0]",
            "The length of 'ServiceOwnerLabels' must be at least 3 characters. You entered 2 characters.",
        ),
        (
            vec![("party", "urn:altinn:organization:identifier-no:123")],
            "party[0]",
            "",
        ),
        (
            vec![("status", "Sent")],
            "status",
            "Value [Sent] is not valid for a status parameter!",
        ),
        (
            vec![("systemLabel", "Trash")],
            "systemLabel",
            "Value [Trash] is not valid for a systemLabel parameter!",
        ),
        (
            vec![("deleted", "Sometimes")],
            "deleted",
            "Value [Sometimes] is not valid for a deleted parameter!",
        ),
        (
            vec![("isContentSeen", "maybe")],
            "isContentSeen",
            "Value [maybe] is not valid for a isContentSeen parameter!",
        ),
        (
            vec![("searchLanguageCode", "xx")],
            "searchLanguageCode",
            "'SearchLanguageCode' 'xx' is not a valid language code. Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).",
        ),
        (
            vec![("process", "not a uri")],
            "process",
            "'Process' is not a well-formatted URI.",
        ),
    ];
    for (pairs, key, message) in cases {
        let e = errors(&server, &token, SEARCH, &pairs).await;
        assert!(e.get(key).is_some(), "{pairs:?} names {key}: {e}");
        if !message.is_empty() {
            assert_eq!(errors_for(&e, key), message, "{pairs:?}");
        }
    }
    // Party limits: 20, or 100 when searching for an end user.
    let parties: Vec<(&str, &str)> = std::iter::repeat_n(("party", PARTY_ORG), 21).collect();
    let e = errors(&server, &token, SEARCH, &parties).await;
    assert_eq!(
        errors_for(&e, "party.Count"),
        "'Count' must be less than or equal to '20'."
    );
    let mut for_end_user = parties.clone();
    for_end_user.push(("endUserId", PARTY_PERSON));
    search_page(&server, &token, SEARCH, &for_end_user).await;
    // Every rule failure comes back at once.
    let e = errors(
        &server,
        &token,
        SEARCH,
        &[
            ("limit", "0"),
            ("search", "skatt"),
            ("serviceOwnerLabels", "x"),
        ],
    )
    .await;
    for key in ["limit", "search", "serviceOwnerLabels[0]"] {
        assert!(e.get(key).is_some(), "{key}: {e}");
    }
}

#[tokio::test]
async fn free_text_for_an_end_user_matches_titles_and_tags_with_or_semantics() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let tax = server
        .create_dialog(
            &token,
            &dialog(json!({ "content": title("Skattemelding for 2024") })),
        )
        .await;
    let kindergarten = server
        .create_dialog(
            &token,
            &dialog(json!({
                "content": title("Søknad om plass"),
                "searchTags": [ { "value": "barnehage" } ],
            })),
        )
        .await;
    let own = server
        .create_dialog(
            &token,
            &dialog(json!({ "party": PARTY_PERSON, "content": title("Skattemelding privat") })),
        )
        .await;
    // 08844397713 is DAGL for PARTY_ORG; 03886595947's dialogs are not theirs to see.
    let foreign = server
        .create_dialog(
            &token,
            &dialog(json!({ "party": OTHER_PERSON, "content": title("Skattemelding annen") })),
        )
        .await;
    let end_user = [
        ("endUserId", PARTY_PERSON),
        ("party", PARTY_ORG),
        ("party", PARTY_PERSON),
        ("party", OTHER_PERSON),
    ];
    let search = |text: &'static str| {
        let mut pairs = end_user.to_vec();
        pairs.push(("search", text));
        pairs
    };
    assert_eq!(
        found(&server, &token, &end_user).await,
        set(&[&tax, &kindergarten, &own]),
        "the end user's authorization limits the search"
    );
    assert_eq!(
        found(&server, &token, &search("skattemelding")).await,
        set(&[&tax, &own])
    );
    assert_eq!(
        found(&server, &token, &search("Barnehage")).await,
        set(&[&kindergarten])
    );
    assert_eq!(
        found(&server, &token, &search("barnehage skattemelding")).await,
        set(&[&tax, &kindergarten, &own]),
        "plain words are OR-ed"
    );
    assert_eq!(
        found(&server, &token, &search("ingenting")).await,
        BTreeSet::new()
    );
    // The service owner itself sees every dialog, including the one the end user may not.
    assert_eq!(
        found(&server, &token, &[("party", OTHER_PERSON)]).await,
        set(&[&foreign])
    );
    // Someone with no role on the organisation sees only their own party's dialogs.
    let other = [
        ("endUserId", OTHER_PERSON),
        ("party", PARTY_ORG),
        ("party", OTHER_PERSON),
    ];
    assert_eq!(found(&server, &token, &other).await, set(&[&foreign]));
}

#[tokio::test]
async fn another_service_owner_never_sees_ttds_dialogs() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let brg = server.brg().await;
    let mine = server.create_dialog(&ttd, &dialog(json!({}))).await;
    let theirs = server
        .create_dialog(&brg, &minimal_dialog(BRG_RESOURCE, PARTY_ORG))
        .await;
    assert_eq!(found(&server, &ttd, &[]).await, set(&[&mine]));
    assert_eq!(found(&server, &brg, &[]).await, set(&[&theirs]));
    assert_eq!(
        found(
            &server,
            &brg,
            &[("serviceResource", TTD_RESOURCE), ("deleted", "Include")]
        )
        .await,
        BTreeSet::new()
    );
    let contexts = search_page(&server, &brg, CONTEXTS, &[("party", PARTY_ORG)]).await;
    assert_eq!(contexts["items"].as_array().unwrap().len(), 1);
    assert_eq!(contexts["items"][0]["dialogId"], json!(theirs));
}

#[tokio::test]
async fn the_deleted_filter_excludes_includes_or_isolates_soft_deleted_dialogs() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let kept = server.create_dialog(&token, &dialog(json!({}))).await;
    let gone = server.create_dialog(&token, &dialog(json!({}))).await;
    let answer = server
        .send("DELETE", &format!("{SEARCH}/{gone}"), &token, None, &[])
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(found(&server, &token, &[]).await, set(&[&kept]));
    assert_eq!(
        found(&server, &token, &[("deleted", "Exclude")]).await,
        set(&[&kept])
    );
    assert_eq!(
        found(&server, &token, &[("deleted", "include")]).await,
        set(&[&kept, &gone])
    );
    let only = search_page(&server, &token, SEARCH, &[("deleted", "ONLY")]).await;
    assert_eq!(ids(&only), std::slice::from_ref(&gone));
    assert!(only["items"][0]["deletedAt"].is_string(), "{only}");
}

#[tokio::test]
async fn the_end_user_context_search_lists_labels_per_dialog() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let default = server
        .create_dialog(
            &token,
            &dialog(
                json!({ "updatedAt": "2024-06-03T00:00:00Z", "createdAt": "2024-06-01T00:00:00Z" }),
            ),
        )
        .await;
    let archived = server
        .create_dialog(
            &token,
            &dialog(json!({ "systemLabel": "archive", "updatedAt": "2024-06-02T00:00:00Z", "createdAt": "2024-06-01T00:00:00Z" })),
        )
        .await;
    let binned = server
        .create_dialog(
            &token,
            &dialog(json!({ "systemLabel": "bin", "updatedAt": "2024-06-01T00:00:00Z", "createdAt": "2024-06-01T00:00:00Z" })),
        )
        .await;
    let elsewhere = server
        .create_dialog(&token, &dialog(json!({ "party": PARTY_PERSON })))
        .await;

    let body = search_page(&server, &token, CONTEXTS, &[("party", PARTY_ORG)]).await;
    assert_eq!(body["orderBy"], "contentupdatedat_desc,id_desc");
    assert_eq!(body["hasNextPage"], false);
    let context_ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["dialogId"].as_str().unwrap())
        .collect();
    assert_eq!(
        context_ids,
        [default.as_str(), archived.as_str(), binned.as_str()]
    );
    let (_, stored) = server
        .get_json(&format!("{SEARCH}/{archived}"), &token)
        .await;
    assert_eq!(
        body["items"][1],
        json!({
            "dialogId": archived,
            "endUserContextRevision": stored["endUserContext"]["revision"],
            "systemLabels": ["Archive"],
        })
    );
    let labelled = |pairs: Vec<(&'static str, &'static str)>| {
        let mut all = vec![("party", PARTY_ORG)];
        all.extend(pairs);
        all
    };
    let body = search_page(
        &server,
        &token,
        CONTEXTS,
        &labelled(vec![("label", "bin"), ("label", "Archive")]),
    )
    .await;
    let found: BTreeSet<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["dialogId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, set(&[&archived, &binned]), "labels are OR-ed");
    let body = search_page(
        &server,
        &token,
        CONTEXTS,
        &labelled(vec![("contentUpdatedAfter", "2024-06-02T00:00:00Z")]),
    )
    .await;
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        2,
        "contentUpdatedAfter is inclusive"
    );
    let body = search_page(&server, &token, CONTEXTS, &[("party", PARTY_PERSON)]).await;
    assert_eq!(body["items"][0]["dialogId"], json!(elsewhere));
    // Paging with the same token rules.
    let walked = walk(
        &server,
        &token,
        CONTEXTS,
        &[("party", PARTY_ORG), ("party", PARTY_PERSON)],
        1,
    )
    .await;
    assert_eq!(walked.len(), 4);
    assert_eq!(walked.iter().collect::<BTreeSet<_>>().len(), 4);
    // party is required; tokens must carry the order's keys.
    let e = errors(&server, &token, CONTEXTS, &[]).await;
    assert_eq!(e["party"][0], "'Party' must not be empty.");
    let e = errors(
        &server,
        &token,
        CONTEXTS,
        &[
            ("party", PARTY_ORG),
            (
                "continuationToken",
                "id_0c089101-b7cf-a476-955c-f00a78d74a4e",
            ),
        ],
    )
    .await;
    assert_eq!(
        e["continuationToken"][0],
        "ContinuationToken does not match OrderBy. Missing token keys: [contentUpdatedAt]."
    );
    let e = errors(
        &server,
        &token,
        CONTEXTS,
        &[("party", PARTY_ORG), ("label", "nope"), ("limit", "x")],
    )
    .await;
    assert!(e.get("label").is_some() && e.get("limit").is_some(), "{e}");
}

#[tokio::test]
async fn searches_need_the_search_scope() {
    let server = TestServer::local().await;
    let plain = server
        .service_owner_token("ttd", "991825827", "digdir:dialogporten.serviceprovider")
        .await;
    for path in [SEARCH, CONTEXTS] {
        let answer = server.send("GET", path, &plain, None, &[]).await;
        assert_eq!(answer.status, 403, "{path}: {}", answer.text);
    }
}

#[tokio::test]
async fn is_content_seen_follows_the_seen_log_and_marks_the_current_end_user() {
    let server = TestServer::local().await;
    let token = server.ttd().await;
    let seen = server.create_dialog(&token, &dialog(json!({}))).await;
    let unseen = server.create_dialog(&token, &dialog(json!({}))).await;
    let (status, body) = server
        .get_json(
            &format!("{SEARCH}/{seen}{}", query(&[("endUserId", PARTY_PERSON)])),
            &token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        found(&server, &token, &[("isContentSeen", "true")]).await,
        set(&[&seen])
    );
    assert_eq!(
        found(&server, &token, &[("isContentSeen", "false")]).await,
        set(&[&unseen])
    );
    let body = search_page(
        &server,
        &token,
        SEARCH,
        &[
            ("endUserId", PARTY_PERSON),
            ("party", PARTY_ORG),
            ("isContentSeen", "true"),
        ],
    )
    .await;
    let item = &body["items"][0];
    assert_eq!(item["isContentSeen"], true, "{body}");
    assert_eq!(
        item["seenSinceLastUpdate"][0]["isCurrentEndUser"], true,
        "{body}"
    );
    let body = search_page(&server, &token, SEARCH, &[("isContentSeen", "true")]).await;
    assert_eq!(
        body["items"][0]["seenSinceLastUpdate"][0]["isCurrentEndUser"],
        false
    );
}

#[tokio::test]
async fn end_user_id_applies_that_persons_list_authorization_with_delegations() {
    const SYSTEM_ORG: &str = "urn:altinn:organization:identifier-no:310057223";
    let server = TestServer::local().await;
    let token = server.ttd().await;
    server
        .create_dialog(&token, &dialog(json!({ "party": SYSTEM_ORG })))
        .await;
    let simple = server
        .create_dialog(&token, &minimal_dialog(SIMPLE_RESOURCE, SYSTEM_ORG))
        .await;
    let org = server.create_dialog(&token, &dialog(json!({}))).await;
    let parties = [("party", SYSTEM_ORG), ("party", PARTY_ORG)];
    // The person is DAGL of PARTY_ORG and has nothing on SYSTEM_ORG. (A system user cannot be
    // an `endUserId`: the on-behalf-of middleware takes persons only, auth.md §6.6.)
    let person = [parties.to_vec(), vec![("endUserId", PARTY_PERSON)]].concat();
    assert_eq!(found(&server, &token, &person).await, set(&[&org]));

    // An instance delegation lists that one dialog; revoked, it does not.
    let store = server.store().await;
    let instance = dialogporten::registry::Right::Instance {
        resource: "super-simple-service".into(),
        instance_ref: format!("urn:altinn:dialog-id:{simple}"),
        actions: None,
    };
    for grant in [true, false] {
        assert!(
            dialogporten::registry::change_right(
                store.as_ref(),
                grant,
                SYSTEM_ORG,
                PARTY_PERSON,
                &instance
            )
            .await
            .unwrap()
        );
        let expected = if grant {
            set(&[&org, &simple])
        } else {
            set(&[&org])
        };
        assert_eq!(found(&server, &token, &person).await, expected, "{grant}");
    }
    // Someone with nothing on the requested parties gets an empty page.
    let nobody = [
        ("party", SYSTEM_ORG),
        ("endUserId", "urn:altinn:person:identifier-no:08895699684"),
    ];
    let body = search_page(&server, &token, SEARCH, &nobody).await;
    assert_eq!(body["items"], json!([]));
    assert_eq!(body["orderBy"], "contentupdatedat_desc,id_desc");
}
