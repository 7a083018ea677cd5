//! The contract checker that every dialog test runs on every answer: it accepts what the official
//! OpenAPI document allows and names each drift (extra member, wrong type, date-time form, null,
//! enum value, guid) with its JSON pointer and schema.
#![allow(clippy::unwrap_used)]

mod common;

use common::dialogs::Answer;
use common::schema::{find_operation, is_contract_date_time, mismatches, validate_component};
use serde_json::{Value, json};

const DIALOG: &str = "V1ServiceOwnerDialogsQueriesGet_Dialog";
const ID: &str = "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11";

fn get_dialog_path() -> String {
    format!("/api/v1/serviceowner/dialogs/{ID}")
}

/// A service-owner GET answer in the contract shape.
fn valid_dialog() -> Value {
    json!({
        "id": ID,
        "revision": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c12",
        "org": "ttd",
        "serviceResource": "urn:altinn:resource:ttd-dialogporten-automated-tests",
        "serviceResourceType": "GenericAccessResource",
        "party": "urn:altinn:organization:identifier-no:310923044",
        "progress": 42,
        "createdAt": "2024-07-31T09:09:03.0257090Z",
        "updatedAt": "2024-07-31T09:09:03.0257090Z",
        "contentUpdatedAt": "2024-07-31T09:09:03.0257090Z",
        "status": "InProgress",
        "systemLabel": "Default",
        "isApiOnly": false,
        "hasUnopenedContent": false,
        "fromServiceOwnerTransmissionsCount": 0,
        "fromPartyTransmissionsCount": 0,
        "content": {
            "title": { "value": [ { "languageCode": "nb", "value": "Tittel" } ] }
        },
        "searchTags": [ { "value": "skattemelding" } ],
        "activities": [ {
            "id": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c13",
            "createdAt": "2024-07-31T09:09:03.0257090Z",
            "type": "Information",
            "performedBy": { "actorType": "ServiceOwner" }
        } ],
        "endUserContext": {
            "revision": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c14",
            "systemLabels": ["Default"]
        },
        "serviceOwnerContext": { "serviceOwnerLabels": [ { "value": "label-one" } ] }
    })
}

fn get_dialog(body: &Value) -> Vec<String> {
    mismatches("GET", &get_dialog_path(), 200, body, &body.to_string())
}

fn assert_one_error(errors: &[String], pointer: &str, fragment: &str) {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!("{pointer}: ")) && errors[0].contains(fragment),
        "{errors:#?}"
    );
}

#[test]
fn the_contract_is_loaded_and_routes_resolve_to_operations() {
    let (template, _) = find_operation("GET", &get_dialog_path()).unwrap();
    assert_eq!(template, "/api/v1/serviceowner/dialogs/{dialogId}");
    // A literal segment beats a template segment.
    let (template, _) =
        find_operation("GET", "/api/v1/serviceowner/dialogs/endusercontext").unwrap();
    assert_eq!(template, "/api/v1/serviceowner/dialogs/endusercontext");
    // Query strings, trailing slashes and case do not matter.
    let (template, _) = find_operation("get", "/api/v1/ServiceOwner/dialogs/?Limit=10").unwrap();
    assert_eq!(template, "/api/v1/serviceowner/dialogs");
    let (template, _) = find_operation(
        "POST",
        &format!("/api/v1/serviceowner/dialogs/{ID}/activities"),
    )
    .unwrap();
    assert_eq!(
        template,
        "/api/v1/serviceowner/dialogs/{dialogId}/activities"
    );
    // Outside the contract: nothing to check.
    assert!(find_operation("GET", "/health").is_none());
    assert!(find_operation("GET", "/testtools/api/GetEnterpriseToken?env=tt02").is_none());
    assert!(find_operation("POST", &get_dialog_path()).is_none());
    assert!(mismatches("GET", "/health", 200, &json!({"x": null}), "").is_empty());
}

#[test]
fn a_valid_answer_passes() {
    assert_eq!(get_dialog(&valid_dialog()), Vec::<String>::new());
    // Nullable members may be null; absent members are fine.
    let mut body = valid_dialog();
    body["dueAt"] = Value::Null;
    body["content"] = Value::Null;
    assert_eq!(get_dialog(&body), Vec::<String>::new());
    assert!(get_dialog(&json!({})).is_empty());
}

#[test]
fn an_undeclared_member_is_drift() {
    let mut body = valid_dialog();
    body["activities"][0]["performedBy"]["actorNmae"] = json!("Ola");
    let errors = get_dialog(&body);
    assert_one_error(
        &errors,
        "#/activities/0/performedBy/actorNmae",
        "not declared",
    );
    assert!(
        errors[0].contains("[V1ServiceOwnerCommonActors_Actor]"),
        "{errors:?}"
    );

    let mut body = valid_dialog();
    body["etag"] = json!("x");
    assert_one_error(&get_dialog(&body), "#/etag", "not declared");
}

#[test]
fn a_wrong_type_is_drift() {
    let mut body = valid_dialog();
    body["progress"] = json!("42");
    assert_one_error(&get_dialog(&body), "#/progress", "expected an integer");

    let mut body = valid_dialog();
    body["isApiOnly"] = json!(0);
    assert_one_error(&get_dialog(&body), "#/isApiOnly", "expected a boolean");

    let mut body = valid_dialog();
    body["searchTags"] = json!({"value": "x"});
    assert_one_error(&get_dialog(&body), "#/searchTags", "expected an array");

    let mut body = valid_dialog();
    body["progress"] = json!(4_294_967_296_i64);
    assert_one_error(&get_dialog(&body), "#/progress", "int32");

    let mut body = valid_dialog();
    body["endUserContext"]["systemLabels"] = json!(["default"]);
    let errors = get_dialog(&body);
    assert_one_error(&errors, "#/endUserContext/systemLabels/0", "enum");
    assert!(
        errors[0].contains("[DialogEndUserContextsEntities_SystemLabel]"),
        "{errors:?}"
    );

    let mut body = valid_dialog();
    body["revision"] = json!("not-a-guid");
    assert_one_error(&get_dialog(&body), "#/revision", "not a guid");
}

#[test]
fn a_date_time_not_in_the_output_form_is_drift() {
    for bad in [
        "2024-07-31T09:09:03Z",
        "2024-07-31T09:09:03.025709Z",
        "2024-07-31T09:09:03.0257090+00:00",
        "2024-07-31 09:09:03.0257090Z",
    ] {
        assert!(!is_contract_date_time(bad), "{bad}");
        let mut body = valid_dialog();
        body["activities"][0]["createdAt"] = json!(bad);
        assert_one_error(&get_dialog(&body), "#/activities/0/createdAt", "date-time");
    }
    assert!(is_contract_date_time("2024-07-31T09:09:03.0257090Z"));
}

#[test]
fn a_null_in_a_non_nullable_member_is_drift() {
    let mut body = valid_dialog();
    body["createdAt"] = Value::Null;
    assert_one_error(&get_dialog(&body), "#/createdAt", "null is not allowed");

    // Through a oneOf with a $ref (no nullable on the member).
    let mut body = valid_dialog();
    body["endUserContext"] = Value::Null;
    assert_one_error(
        &get_dialog(&body),
        "#/endUserContext",
        "null is not allowed",
    );

    let mut body = valid_dialog();
    body["activities"][0]["id"] = Value::Null;
    assert_one_error(
        &get_dialog(&body),
        "#/activities/0/id",
        "null is not allowed",
    );
}

#[test]
fn every_mismatch_is_listed() {
    let mut body = valid_dialog();
    body["progress"] = json!(true);
    body["status"] = json!("inProgress");
    body["extra"] = json!(1);
    body["createdAt"] = json!("2024-07-31T09:09:03Z");
    let errors = get_dialog(&body);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(errors.iter().all(|e| e.starts_with("#/")), "{errors:#?}");
}

#[test]
fn created_answers_are_a_string_and_undocumented_success_statuses_are_drift() {
    let path = "/api/v1/serviceowner/dialogs";
    assert!(mismatches("POST", path, 201, &json!(ID), "").is_empty());
    assert_one_error(
        &mismatches("POST", path, 201, &json!({ "id": ID }), ""),
        "#",
        "expected a string",
    );
    assert_eq!(
        mismatches("POST", path, 200, &json!(ID), ""),
        vec!["status 200 is not documented for POST /api/v1/serviceowner/dialogs".to_owned()]
    );
    // 204: no body documented, nothing to validate.
    let delete = get_dialog_path();
    assert!(mismatches("DELETE", &delete, 204, &Value::Null, "").is_empty());
}

#[test]
fn client_errors_are_problem_details() {
    let path = get_dialog_path();
    let problem = json!({
        "type": "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4",
        "title": "Resource not found.",
        "status": 404,
        "instance": path,
        "traceId": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
        "errors": { "DialogEntity": ["Entity 'DialogEntity' with the following key(s) was not found."] }
    });
    assert!(mismatches("GET", &path, 404, &problem, "x").is_empty());

    let mut wrong = problem.clone();
    wrong["status"] = json!(400);
    assert_one_error(
        &mismatches("GET", &path, 404, &wrong, "x"),
        "#/status",
        "404",
    );

    let mut wrong = problem.clone();
    wrong.as_object_mut().unwrap().remove("traceId");
    assert_one_error(
        &mismatches("GET", &path, 404, &wrong, "x"),
        "#/traceId",
        "missing",
    );

    let mut wrong = problem.clone();
    wrong["errors"] = json!({ "DialogEntity": "not a list" });
    assert_one_error(
        &mismatches("GET", &path, 404, &wrong, "x"),
        "#/errors/DialogEntity",
        "expected an array",
    );

    assert_one_error(
        &mismatches("GET", &path, 404, &Value::Null, ""),
        "#",
        "ProblemDetails",
    );
    // 401 has an empty body; so has a 403 from a policy failure (auth.md §6.8).
    assert!(mismatches("GET", &path, 401, &Value::Null, "").is_empty());
    assert!(mismatches("GET", &path, 403, &Value::Null, "").is_empty());
    // Server errors are not checked here.
    assert!(mismatches("GET", &path, 500, &Value::Null, "oops").is_empty());
}

#[test]
fn component_schemas_validate_directly() {
    assert!(
        validate_component(
            &json!({"languageCode": "nb", "value": "x"}),
            "V1CommonLocalizations_Localization"
        )
        .is_empty()
    );
    let errors = validate_component(
        &json!({"languageCode": 1}),
        "V1CommonLocalizations_Localization",
    );
    assert_one_error(&errors, "#/languageCode", "expected a string");
    assert!(errors[0].ends_with("[V1CommonLocalizations_Localization]"));
    assert!(validate_component(&valid_dialog(), DIALOG).is_empty());
}

#[test]
#[should_panic(expected = "#/extra: member \"extra\" is not declared")]
fn check_panics_with_the_mismatches() {
    let mut body = valid_dialog();
    body["extra"] = json!(true);
    let answer = Answer {
        status: 200,
        headers: reqwest::header::HeaderMap::new(),
        text: body.to_string(),
        body,
    };
    common::schema::check("GET", &get_dialog_path(), &answer);
}
