//! The child objects of api.md §2.2 over HTTP: attachments, GUI and API actions,
//! transmissions, activities and actors. Each row edits a valid rich create body; the answer
//! must carry the spec's status, `errors` key and message, and a refused body creates nothing.
#![allow(clippy::unwrap_used)]

mod common;
mod table;

use Want::{Contains, Exact, NonEmpty, Prefix};
use common::TestServer;
use common::dialogs::*;
use serde_json::{Value, json};
use table::{
    CORRESPONDENCE, Case, Want, assert_none, bad, content, long_url, ok, remove, run, set, texts,
};

const URL_HTTPS: &str = "'Url' is not a well-formatted HTTPS URL.";
const NOT_V7: &str = "Invalid Id. Expected big endian UUIDv7 format. Got '";
const DUPLICATES: &str = "Can not contain duplicate items: [";
const ATTRIBUTE: &str = "'AuthorizationAttribute' must be on format 'urn:altinn:{resourcetype}:{resourcename}' \
or {resourcename} with valid names (letters, digits, '-' or '_', starting with a letter).";
const ACTOR_RULE: &str = "If 'ActorType' is 'ServiceOwner', both 'ActorId' and 'ActorName' must be null. \
For any other value of 'ActorType', 'ActorId' or 'ActorName' must be set, but not both simultaneously.";
const NOT_A_V7: &str = "0194f7ec-35a4-4b3c-a3e1-7d0f2b7e5c11";

/// Appends a copy of list item 0 under a fresh id (or the same id with `same_id`).
fn copy_first(body: &mut Value, list: &str, same_id: bool) {
    let mut copy = body[list][0].clone();
    if !same_id {
        copy["id"] = json!(v7());
    }
    body[list].as_array_mut().unwrap().push(copy);
}

/// GUI actions with the given priorities, all otherwise valid.
fn gui_actions(priorities: &[&str]) -> Value {
    priorities
        .iter()
        .map(|p| json!({ "action": "read", "url": "https://example.com/a", "priority": p, "title": texts("Gå") }))
        .collect()
}

#[rustfmt::skip]
fn attachment_cases() -> Vec<Case> {
    vec![
        bad("urls empty", |b| b["attachments"][0]["urls"] = json!([]), 400, "dto.attachments[0].urls",
            Exact("'Urls' must not be empty.")),
        bad("urls missing", |b| remove(b, "/attachments/0/urls"), 400, "dto.attachments[0].urls", Exact("'Urls' must not be empty.")),
        bad("url over http", |b| set(b, "/attachments/0/urls/0/url", json!("http://example.com/a.pdf")), 400,
            "dto.attachments[0].urls[0].url", Exact(URL_HTTPS)),
        bad("url relative", |b| set(b, "/attachments/0/urls/0/url", json!("/a.pdf")), 400, "dto.attachments[0].urls[0].url",
            Exact(URL_HTTPS)),
        bad("url missing", |b| remove(b, "/attachments/0/urls/0/url"), 400, "dto.attachments[0].urls[0].url",
            Exact("'Url' must not be empty.")),
        bad("url over 1023", |b| set(b, "/attachments/0/urls/0/url", json!(long_url(1024))), 400, "dto.attachments[0].urls[0].url",
            Exact("The length of 'Url' must be 1023 characters or fewer. You entered 1024 characters.")),
        ok("url of 1023", |b| set(b, "/attachments/0/urls/0/url", json!(long_url(1023)))),
        bad("mediaType over 255", |b| set(b, "/attachments/0/urls/0/mediaType", json!("m".repeat(256))), 400,
            "dto.attachments[0].urls[0].mediaType",
            Exact("The length of 'MediaType' must be 255 characters or fewer. You entered 256 characters.")),
        ok("mediaType of 255", |b| set(b, "/attachments/0/urls/0/mediaType", json!("m".repeat(255)))),
        bad("consumerType unknown", |b| set(b, "/attachments/0/urls/0/consumerType", json!("Email")), 400, "*", NonEmpty),
        ok("consumerType Api", |b| set(b, "/attachments/0/urls/0/consumerType", json!("Api"))),
        bad("name over 255", |b| set(b, "/attachments/0/name", json!("n".repeat(256))), 400, "dto.attachments[0].name",
            Exact("The length of 'Name' must be 255 characters or fewer. You entered 256 characters.")),
        bad("displayName empty value", |b| set(b, "/attachments/0/displayName/0/value", json!("")), 400,
            "dto.attachments[0].displayName[0].value", Exact("'Value' must not be empty.")),
        bad("displayName 'no'", |b| set(b, "/attachments/0/displayName/0/languageCode", json!("no")), 400,
            "dto.attachments[0].displayName[0].languageCode", Contains("Use 'nb' or 'nn' for Norwegian.")),
        bad("id not v7", |b| set(b, "/attachments/0/id", json!(NOT_A_V7)), 400, "dto.attachments[0].id", Prefix(NOT_V7)),
        bad("url id not v7", |b| set(b, "/attachments/0/urls/0/id", json!(NOT_A_V7)), 400, "dto.attachments[0].urls[0].id",
            Prefix(NOT_V7)),
        bad("duplicate ids", |b| copy_first(b, "attachments", true), 400, "dto.attachments", Prefix(DUPLICATES)),
        ok("two attachments", |b| copy_first(b, "attachments", false)),
        bad("attachment expired", |b| set(b, "/attachments/0/expiresAt", json!("2020-01-01T00:00:00Z")),
            400, "dto.attachments[0].expiresAt", Exact("'ExpiresAt' must be in the future.")),
        bad("transmission attachment expired", |b| set(b, "/transmissions/0/attachments/0/expiresAt", json!("2020-01-01T00:00:00Z")),
            400, "dto.transmissions[0].attachments[0].expiresAt", Exact("'ExpiresAt' must be in the future.")),
        bad("transmission attachment urls empty", |b| set(b, "/transmissions/0/attachments/0/urls", json!([])), 400,
            "dto.transmissions[0].attachments[0].urls", Exact("'Urls' must not be empty.")),
        bad("transmission attachment url over http", |b| set(b, "/transmissions/0/attachments/0/urls/0/url", json!("http://x.no")),
            400, "dto.transmissions[0].attachments[0].urls[0].url", Exact(URL_HTTPS)),
        bad("transmission attachments with one id", |b| {
            let copy = b["transmissions"][0]["attachments"][0].clone();
            b["transmissions"][0]["attachments"].as_array_mut().unwrap().push(copy);
        }, 400, "dto.transmissions[0].attachments", Prefix(DUPLICATES)),
    ]
}

#[rustfmt::skip]
fn action_cases() -> Vec<Case> {
    vec![
        // GUI actions
        bad("gui action without action", |b| remove(b, "/guiActions/0/action"), 400, "dto.guiActions[0].action", NonEmpty),
        bad("gui action over 255", |b| set(b, "/guiActions/0/action", json!("a".repeat(256))), 400, "dto.guiActions[0].action",
            Exact("The length of 'Action' must be 255 characters or fewer. You entered 256 characters.")),
        bad("gui url missing", |b| remove(b, "/guiActions/0/url"), 400, "dto.guiActions[0].url", Exact("'Url' must not be empty.")),
        bad("gui url over http", |b| set(b, "/guiActions/0/url", json!("http://example.com")), 400, "dto.guiActions[0].url",
            Exact(URL_HTTPS)),
        bad("gui url over 1023", |b| set(b, "/guiActions/0/url", json!(long_url(1024))), 400, "dto.guiActions[0].url",
            Exact("The length of 'Url' must be 1023 characters or fewer. You entered 1024 characters.")),
        bad("gui PUT", |b| set(b, "/guiActions/0/httpMethod", json!("PUT")), 400, "dto.guiActions[0].httpMethod",
            Exact("'HttpMethod' for GUI actions must be one of the following: [GET, POST, DELETE].")),
        bad("gui PATCH", |b| set(b, "/guiActions/0/httpMethod", json!("PATCH")), 400, "dto.guiActions[0].httpMethod",
            Exact("'HttpMethod' for GUI actions must be one of the following: [GET, POST, DELETE].")),
        ok("gui POST", |b| set(b, "/guiActions/0/httpMethod", json!("POST"))),
        ok("gui DELETE", |b| { set(b, "/guiActions/0/httpMethod", json!("DELETE")); set(b, "/guiActions/0/isDeleteDialogAction", json!(true)); }),
        bad("two primary", |b| b["guiActions"] = gui_actions(&["primary", "primary"]), 400, "dto.guiActions",
            Exact("Only one primary GUI action is allowed.")),
        bad("two secondary", |b| b["guiActions"] = gui_actions(&["secondary", "Secondary"]), 400, "dto.guiActions",
            Exact("Only one secondary GUI action is allowed.")),
        bad("six tertiary", |b| b["guiActions"] = gui_actions(&["tertiary"; 6]), 400, "dto.guiActions",
            Exact("Only five tertiary GUI actions are allowed.")),
        ok("one primary, one secondary, five tertiary", |b| b["guiActions"] = gui_actions(&[
            "primary", "secondary", "tertiary", "tertiary", "tertiary", "tertiary", "tertiary"])),
        bad("priority unknown", |b| set(b, "/guiActions/0/priority", json!("Quaternary")), 400, "*", NonEmpty),
        bad("title empty", |b| set(b, "/guiActions/0/title", json!([])), 400, "dto.guiActions[0].title",
            Exact("'Title' must not be empty.")),
        bad("title missing", |b| remove(b, "/guiActions/0/title"), 400, "dto.guiActions[0].title", Exact("'Title' must not be empty.")),
        bad("title empty value", |b| set(b, "/guiActions/0/title/0/value", json!("")), 400, "dto.guiActions[0].title[0].value",
            Exact("'Value' must not be empty.")),
        bad("prompt bad language", |b| set(b, "/guiActions/0/prompt/0/languageCode", json!("zz")), 400,
            "dto.guiActions[0].prompt[0].languageCode", Prefix("'LanguageCode' 'zz' is not a valid language code.")),
        bad("attribute type starts with a digit", |b| set(b, "/guiActions/0/authorizationAttribute", json!("urn:altinn:9x:y")), 400,
            "dto.guiActions[0].authorizationAttribute", Exact(ATTRIBUTE)),
        bad("attribute with a space", |b| set(b, "/guiActions/0/authorizationAttribute", json!("sub resource")), 400,
            "dto.guiActions[0].authorizationAttribute", Exact(ATTRIBUTE)),
        bad("attribute of another namespace", |b| set(b, "/guiActions/0/authorizationAttribute", json!("urn:other:x:y")), 400,
            "dto.guiActions[0].authorizationAttribute", Exact(ATTRIBUTE)),
        bad("attribute over 255", |b| set(b, "/guiActions/0/authorizationAttribute", json!("a".repeat(256))), 400,
            "dto.guiActions[0].authorizationAttribute",
            Exact("The length of 'AuthorizationAttribute' must be 255 characters or fewer. You entered 256 characters.")),
        ok("attribute plain name", |b| set(b, "/guiActions/0/authorizationAttribute", json!("Sub_Resource-1"))),
        bad("gui duplicate ids", |b| { copy_first(b, "guiActions", true); b["guiActions"][1]["priority"] = json!("secondary"); },
            400, "dto.guiActions", Prefix(DUPLICATES)),
        bad("gui id not v7", |b| set(b, "/guiActions/0/id", json!(NOT_A_V7)), 400, "dto.guiActions[0].id", Prefix(NOT_V7)),
        // API actions
        bad("endpoints empty", |b| set(b, "/apiActions/0/endpoints", json!([])), 400, "dto.apiActions[0].endpoints",
            Exact("'Endpoints' must not be empty.")),
        bad("endpoints missing", |b| remove(b, "/apiActions/0/endpoints"), 400, "dto.apiActions[0].endpoints",
            Exact("'Endpoints' must not be empty.")),
        bad("api action without action", |b| remove(b, "/apiActions/0/action"), 400, "dto.apiActions[0].action", NonEmpty),
        bad("api name over 255", |b| set(b, "/apiActions/0/name", json!("n".repeat(256))), 400, "dto.apiActions[0].name",
            Exact("The length of 'Name' must be 255 characters or fewer. You entered 256 characters.")),
        bad("api attribute format", |b| set(b, "/apiActions/0/authorizationAttribute", json!("urn:altinn:resource")), 400,
            "dto.apiActions[0].authorizationAttribute", Exact(ATTRIBUTE)),
        bad("endpoint over http", |b| set(b, "/apiActions/0/endpoints/0/url", json!("http://example.com/api")), 400,
            "dto.apiActions[0].endpoints[0].url", Exact(URL_HTTPS)),
        bad("endpoint url missing", |b| remove(b, "/apiActions/0/endpoints/0/url"), 400, "dto.apiActions[0].endpoints[0].url",
            Exact("'Url' must not be empty.")),
        bad("endpoint version over 255", |b| set(b, "/apiActions/0/endpoints/0/version", json!("v".repeat(256))), 400,
            "dto.apiActions[0].endpoints[0].version",
            Exact("The length of 'Version' must be 255 characters or fewer. You entered 256 characters.")),
        bad("documentationUrl not a URI", |b| set(b, "/apiActions/0/endpoints/0/documentationUrl", json!("a b")), 400,
            "dto.apiActions[0].endpoints[0].documentationUrl", NonEmpty),
        bad("requestSchema over 1023", |b| set(b, "/apiActions/0/endpoints/0/requestSchema", json!(long_url(1024))), 400,
            "dto.apiActions[0].endpoints[0].requestSchema", Prefix("The length of 'RequestSchema' must be 1023 characters or fewer.")),
        bad("sunsetAt without deprecated", |b| set(b, "/apiActions/0/endpoints/0/deprecated", json!(false)), 400,
            "dto.apiActions[0].endpoints[0].deprecated", Exact("'Deprecated' must be equal to 'True' when SunsetAt is set.")),
        ok("deprecated without sunsetAt", |b| remove(b, "/apiActions/0/endpoints/0/sunsetAt")),
        bad("endpoint method unknown", |b| set(b, "/apiActions/0/endpoints/0/httpMethod", json!("FETCH")), 400, "*", NonEmpty),
        ok("endpoint method PATCH", |b| set(b, "/apiActions/0/endpoints/0/httpMethod", json!("PATCH"))),
        bad("api duplicate ids", |b| copy_first(b, "apiActions", true), 400, "dto.apiActions", Prefix(DUPLICATES)),
    ]
}

#[tokio::test]
async fn attachments_and_actions_follow_section_2_2() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    assert_none(&run(&server, &ttd, "", rich_dialog, &attachment_cases()).await);
    assert_none(&run(&server, &ttd, "", rich_dialog, &action_cases()).await);
}

#[rustfmt::skip]
fn transmission_cases() -> Vec<Case> {
    vec![
        bad("self reference", |b| b["transmissions"][0]["relatedTransmissionId"] = b["transmissions"][0]["id"].clone(), 400,
            "dto.transmissions[0].relatedTransmissionId",
            Prefix("A transmission cannot reference itself (RelatedTransmissionId is equal to Id, '")),
        bad("unknown related id", |b| set(b, "/transmissions/1/relatedTransmissionId", json!(v7())), 400, "dto.transmissions[1]",
            Contains("' in 'Transmissions' does not exist.")),
        bad("idempotentKey of 2", |b| set(b, "/transmissions/0/idempotentKey", json!("ab")), 400, "dto.transmissions[0].idempotentKey",
            Exact("The length of 'IdempotentKey' must be at least 3 characters. You entered 2 characters.")),
        bad("idempotentKey of 37", |b| set(b, "/transmissions/0/idempotentKey", json!("k".repeat(37))), 400,
            "dto.transmissions[0].idempotentKey",
            Exact("The length of 'IdempotentKey' must be 36 characters or fewer. You entered 37 characters.")),
        ok("idempotentKeys of 3 and 36", |b| {
            set(b, "/transmissions/0/idempotentKey", json!("abc"));
            set(b, "/transmissions/1/idempotentKey", json!("k".repeat(36)));
        }),
        bad("sender missing", |b| remove(b, "/transmissions/0/sender"), 400, "dto.transmissions[0].sender",
            Exact("'Sender' must not be empty.")),
        bad("service owner sender with a name", |b| set(b, "/transmissions/0/sender/actorName", json!("Etaten")), 400,
            "dto.transmissions[0].sender", Exact(ACTOR_RULE)),
        bad("representative sender with both", |b| set(b, "/transmissions/1/sender/actorName", json!("Ola")), 400,
            "dto.transmissions[1].sender", Exact(ACTOR_RULE)),
        bad("representative sender with neither", |b| remove(b, "/transmissions/1/sender/actorId"), 400,
            "dto.transmissions[1].sender", Exact(ACTOR_RULE)),
        bad("sender id not a party", |b| set(b, "/transmissions/1/sender/actorId", json!("urn:altinn:person:identifier-no:123")),
            400, "dto.transmissions[1].sender.actorId", Prefix("'ActorId' must be on format")),
        ok("sender by name", |b| set(b, "/transmissions/1/sender", json!({ "actorType": "partyRepresentative", "actorName": "Ola" }))),
        bad("content missing", |b| remove(b, "/transmissions/0/content"), 400, "dto.transmissions[0].content",
            Exact("'Content' must not be empty.")),
        ok("content missing when api-only", |b| { remove(b, "/transmissions/0/content"); b["isApiOnly"] = json!(true); }),
        bad("title missing", |b| remove(b, "/transmissions/0/content/title"), 400, T0_CONTENT, Exact("Title must not be empty.")),
        bad("title over 255", |b| set(b, "/transmissions/0/content/title", content(&"t".repeat(256), "text/plain")), 400,
            "dto.transmissions[0].content.value[0].value",
            Exact("The length of 'Value' must be 255 characters or fewer. You entered 256 characters.")),
        bad("summary over 255", |b| set(b, "/transmissions/0/content/summary", content(&"t".repeat(256), "text/plain")), 400,
            "dto.transmissions[0].content.value[0].value", Prefix("The length of 'Value' must be 255 characters or fewer.")),
        bad("summary as markdown", |b| set(b, "/transmissions/0/content/summary/mediaType", json!("text/markdown")), 400,
            "dto.transmissions[0].content.mediaType", Prefix("MediaType 'text/markdown' is not allowed for content type Summary.")),
        bad("contentReference as plain text", |b| set(b, "/transmissions/0/content/contentReference/mediaType", json!("text/plain")),
            400, "dto.transmissions[0].content.mediaType",
            Prefix("MediaType 'text/plain' is not allowed for content type ContentReference.")),
        bad("contentReference html embed without the scope", |b| set(b, "/transmissions/0/content/contentReference/mediaType",
                json!("application/vnd.dialogporten.frontchannelembed-url;type=text/html")),
            400, "dto.transmissions[0].content.mediaType", NonEmpty),
        ok("contentReference deprecated embed", |b| set(b, "/transmissions/0/content/contentReference/mediaType",
            json!("application/vnd.dialogporten.frontchannelembed+json;type=markdown"))),
        bad("contentReference over http", |b| set(b, "/transmissions/0/content/contentReference/value/0/value", json!("http://x.no")),
            400, "dto.transmissions[0].content.value[0].value", Exact("'Value' is not a well-formatted HTTPS URL.")),
        bad("contentReference over 1023", |b| set(b, "/transmissions/0/content/contentReference/value/0/value", json!(long_url(1024))),
            400, "dto.transmissions[0].content.value[0].value", Prefix("The length of 'Value' must be 1023 characters or fewer.")),
        bad("type unknown", |b| set(b, "/transmissions/0/type", json!("Letter")), 400, "*", NonEmpty),
        ok("every type", |b| {
            let base = b["transmissions"][0].clone();
            b["transmissions"] = ["Information", "Acceptance", "Rejection", "Request", "Alert", "Decision", "Submission", "correction"]
                .iter()
                .map(|t| { let mut x = base.clone(); x["id"] = json!(v7()); x["type"] = json!(t); remove(&mut x, "/idempotentKey"); remove(&mut x, "/attachments"); x })
                .collect();
            b["activities"] = json!([]);
        }),
        bad("externalReference over 255", |b| set(b, "/transmissions/0/externalReference", json!("r".repeat(256))), 400,
            "dto.transmissions[0].externalReference",
            Exact("The length of 'ExternalReference' must be 255 characters or fewer. You entered 256 characters.")),
        bad("extendedType not a URI", |b| set(b, "/transmissions/0/extendedType", json!("a b")), 400,
            "dto.transmissions[0].extendedType", NonEmpty),
        bad("createdAt in the future", |b| set(b, "/transmissions/0/createdAt", json!("2099-01-01T00:00:00Z")), 400,
            "dto.transmissions[0].createdAt", Exact("'CreatedAt' must be in the past.")),
        bad("id not v7", |b| set(b, "/transmissions/1/id", json!(NOT_A_V7)), 400, "dto.transmissions[1].id", Prefix(NOT_V7)),
        bad("duplicate ids", |b| b["transmissions"][1]["id"] = b["transmissions"][0]["id"].clone(), 400, "dto.transmissions",
            Prefix(DUPLICATES)),
        bad("attribute format", |b| set(b, "/transmissions/0/authorizationAttribute", json!("urn:altinn:")), 400,
            "dto.transmissions[0].authorizationAttribute", Exact(ATTRIBUTE)),
        bad("navigational action title empty", |b| set(b, "/transmissions/0/navigationalActions/0/title", json!([])), 400,
            "dto.transmissions[0].navigationalActions[0].title", Exact("'Title' must not be empty.")),
        bad("navigational action over http", |b| set(b, "/transmissions/0/navigationalActions/0/url", json!("http://x.no")), 400,
            "dto.transmissions[0].navigationalActions[0].url", Exact(URL_HTTPS)),
        bad("navigational action expired", |b| set(b, "/transmissions/0/navigationalActions/0/expiresAt", json!("2020-01-01T00:00:00Z")),
            400, "dto.transmissions[0].navigationalActions[0].expiresAt", Exact("'ExpiresAt' must be in the future.")),
    ]
}

const T0_CONTENT: &str = "dto.transmissions[0].content";

#[rustfmt::skip]
fn activity_cases() -> Vec<Case> {
    vec![
        bad("information without description", |b| remove(b, "/activities/0/description"), 400, "dto.activities[0].description",
            Exact("Description is required when the type is 'Information'.")),
        bad("information with an empty description", |b| set(b, "/activities/0/description", json!([])), 400,
            "dto.activities[0].description", Exact("Description is required when the type is 'Information'.")),
        bad("description on another type", |b| set(b, "/activities/1/description", texts("Åpnet")), 400,
            "dto.activities[1].description", Exact("Description is only allowed when the type is 'Information'.")),
        bad("description over 255", |b| set(b, "/activities/0/description/0/value", json!("d".repeat(256))), 400,
            "dto.activities[0].description[0].value",
            Exact("The length of 'Value' must be 255 characters or fewer. You entered 256 characters.")),
        bad("description 'no'", |b| set(b, "/activities/0/description/0/languageCode", json!("no")), 400,
            "dto.activities[0].description[0].languageCode", Contains("Use 'nb' or 'nn' for Norwegian.")),
        bad("opened without transmissionId", |b| remove(b, "/activities/1/transmissionId"), 400, "dto.activities[1].transmissionId",
            Exact("An activity of type TransmissionOpened needs to reference a transmission.")),
        bad("transmissionId on information", |b| b["activities"][0]["transmissionId"] = b["transmissions"][0]["id"].clone(), 400,
            "dto.activities[0].transmissionId", Exact("Only activities of type TransmissionOpened can reference a transmission.")),
        bad("unknown transmissionId", |b| set(b, "/activities/1/transmissionId", json!(v7())), 400, "dto.activities[1]",
            Contains("' in 'Transmissions' does not exist.")),
        bad("performedBy missing", |b| remove(b, "/activities/0/performedBy"), 400, "dto.activities[0].performedBy",
            Exact("'PerformedBy' must not be empty.")),
        bad("service owner performer with an id", |b| set(b, "/activities/0/performedBy/actorType", json!("ServiceOwner")), 400,
            "dto.activities[0].performedBy", Exact(ACTOR_RULE)),
        ok("service owner performer", |b| set(b, "/activities/0/performedBy", json!({ "actorType": "serviceOwner" }))),
        bad("performer id not a party", |b| set(b, "/activities/0/performedBy/actorId", json!("urn:altinn:organization:identifier-no:1")),
            400, "dto.activities[0].performedBy.actorId", Prefix("'ActorId' must be on format")),
        bad("type unknown", |b| set(b, "/activities/0/type", json!("Signed")), 400, "*", NonEmpty),
        ok("every other type", |b| {
            let performer = json!({ "actorType": "serviceOwner" });
            b["activities"] = ["DialogCreated", "DialogClosed", "PaymentMade", "SignatureProvided", "DialogOpened", "DialogDeleted",
                               "DialogRestored", "SentToSigning", "SentToFormFill", "SentToSendIn", "SentToPayment", "FormSubmitted",
                               "formSaved"]
                .iter()
                .map(|t| json!({ "id": v7(), "type": t, "performedBy": performer }))
                .collect();
        }),
        bad("createdAt in the future", |b| set(b, "/activities/0/createdAt", json!("2099-01-01T00:00:00Z")), 400,
            "dto.activities[0].createdAt", Exact("'CreatedAt' must be in the past.")),
        bad("extendedType over 1023", |b| set(b, "/activities/0/extendedType", json!(long_url(1024))), 400,
            "dto.activities[0].extendedType", Prefix("The length of 'ExtendedType' must be 1023 characters or fewer.")),
        bad("id not v7", |b| set(b, "/activities/0/id", json!(NOT_A_V7)), 400, "dto.activities[0].id", Prefix(NOT_V7)),
        bad("duplicate ids", |b| b["activities"][1]["id"] = b["activities"][0]["id"].clone(), 400, "dto.activities",
            Prefix(DUPLICATES)),
    ]
}

#[rustfmt::skip]
fn correspondence_cases() -> Vec<Case> {
    vec![
        ok("correspondence activity types", |b| set(b, "/activities/2", json!({ "type": "correspondenceOpened",
            "performedBy": { "actorType": "serviceOwner" } }))),
        ok("correspondence confirmed", |b| set(b, "/activities/2", json!({ "type": "CorrespondenceConfirmed",
            "performedBy": { "actorType": "partyRepresentative", "actorName": "Ola" } }))),
        ok("description of 4095", |b| set(b, "/activities/0/description/0/value", json!("d".repeat(4095)))),
        bad("description of 4096", |b| set(b, "/activities/0/description/0/value", json!("d".repeat(4096))), 400,
            "dto.activities[0].description[0].value",
            Exact("The length of 'Value' must be 4095 characters or fewer. You entered 4096 characters.")),
        ok("transmission title of 512", |b| set(b, "/transmissions/0/content/title", content(&"t".repeat(512), "text/plain"))),
        bad("transmission title of 513", |b| set(b, "/transmissions/0/content/title", content(&"t".repeat(513), "text/plain")),
            400, "dto.transmissions[0].content.value[0].value",
            Exact("The length of 'Value' must be 512 characters or fewer. You entered 513 characters.")),
    ]
}

#[tokio::test]
async fn transmissions_activities_and_actors_follow_section_2_2() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    assert_none(&run(&server, &ttd, "", rich_dialog, &transmission_cases()).await);
    assert_none(&run(&server, &ttd, "", rich_dialog, &activity_cases()).await);
    let correspondence = server
        .service_owner_token("ttd", "991825827", CORRESPONDENCE)
        .await;
    let cases = correspondence_cases();
    assert_none(&run(&server, &correspondence, "", rich_dialog, &cases).await);
    // Transmission content without a title key: every error of a body is reported at once.
    let mut body = rich_dialog();
    remove(&mut body, "/transmissions/0/content/title");
    body["progress"] = json!(-5);
    let answer = server
        .send_json("POST", table::DIALOGS, &ttd, &body, &[])
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(
        answer.body["errors"][T0_CONTENT],
        json!(["Title must not be empty."])
    );
    assert_eq!(
        answer.body["errors"]["dto.progress"],
        json!(["'Progress' must be between 0 and 100. You entered -5."])
    );
    assert_eq!(
        answer.body["title"],
        "One or more validation errors occurred."
    );
    assert_eq!(
        answer.body["type"],
        "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1"
    );
}
