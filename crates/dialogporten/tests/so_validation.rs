//! Every validation rule and limit of api.md §2.1, §2.3, §2.4 and §2.5, over HTTP: each row of
//! a table edits a valid create body, and the answer must carry the spec's status, `errors`
//! key and message; a refused body creates nothing. Children (§2.2) are in
//! `so_validation_children.rs`.
#![allow(clippy::unwrap_used)]

mod common;
mod table;

use Want::{Contains, Exact, NonEmpty, Prefix};
use common::TestServer;
use common::dialogs::*;
use serde_json::{Value, json};
use table::{
    ADMIN, CORRESPONDENCE, Case, DIALOGS, LEGACY_HTML, Want, assert_none, bad, check, content,
    long_url, ok, remove, run, set, v7_at,
};

fn minimal() -> Value {
    minimal_dialog(TTD_RESOURCE, PARTY_ORG)
}

const PARTY_FORMAT: &str = "'Party' must be on format";
const LENGTH_255: &str =
    "The length of 'Value' must be 255 characters or fewer. You entered 256 characters.";
const UNOWNED: &str = "Not allowed to reference the following unowned resources: \
[urn:altinn:resource:brg-dialogporten-automated-tests].";

#[rustfmt::skip]
fn top_level_cases() -> Vec<Case> {
    vec![
        // id
        bad("id not v7", |b| b["id"] = json!("0194f7ec-35a4-4b3c-a3e1-7d0f2b7e5c11"), 400, "dto.id",
            Exact("Invalid Id. Expected big endian UUIDv7 format. Got '0194f7ec-35a4-4b3c-a3e1-7d0f2b7e5c11'.")),
        bad("id in the future", |b| b["id"] = json!(v7_at(3600)), 400, "dto.id",
            Prefix("Invalid Id. Expected the unix timestamp portion of the UUIDv7 to be in the past. Extrapolated '")),
        ok("id a few seconds ahead", |b| b["id"] = json!(v7_at(5))),
        ok("no id", |b| remove(b, "/id")),
        // idempotentKey
        bad("idempotentKey of 2", |b| b["idempotentKey"] = json!("ab"), 400, "dto.idempotentKey",
            Exact("The length of 'IdempotentKey' must be at least 3 characters. You entered 2 characters.")),
        bad("idempotentKey of 37", |b| b["idempotentKey"] = json!("k".repeat(37)), 400, "dto.idempotentKey",
            Exact("The length of 'IdempotentKey' must be 36 characters or fewer. You entered 37 characters.")),
        ok("idempotentKey of 3", |b| b["idempotentKey"] = json!("abc")),
        ok("idempotentKey of 36", |b| b["idempotentKey"] = json!("k".repeat(36))),
        // serviceResource
        bad("serviceResource missing", |b| remove(b, "/serviceResource"), 400, "dto.serviceResource",
            Exact("'ServiceResource' must not be empty.")),
        bad("serviceResource not a URI", |b| b["serviceResource"] = json!("urn:altinn:resource:a b"), 400,
            "dto.serviceResource", Exact("'ServiceResource' is not a well-formatted URI.")),
        bad("serviceResource wrong prefix", |b| b["serviceResource"] = json!("urn:altinn:ressurs:ttd-dialogporten-automated-tests"),
            400, "dto.serviceResource", Exact("'ServiceResource' must start with 'urn:altinn:resource:'.")),
        bad("serviceResource over 1023", |b| b["serviceResource"] = json!(format!("urn:altinn:resource:{}", "a".repeat(1004))),
            400, "dto.serviceResource",
            Exact("The length of 'ServiceResource' must be 1023 characters or fewer. You entered 1024 characters.")),
        // party: every allowed form, then the invalid ones
        ok("party organisation", |b| b["party"] = json!(PARTY_ORG)),
        ok("party person", |b| b["party"] = json!(PARTY_PERSON)),
        ok("party d-number", |b| b["party"] = json!("urn:altinn:person:identifier-no:41018012365")),
        ok("party legacy self-identified", |b| b["party"] = json!("urn:altinn:person:legacy-selfidentified:Ola")),
        ok("party idporten e-mail", |b| b["party"] = json!("urn:altinn:person:idporten-email:Ola@Example.com")),
        bad("party org mod 11", |b| b["party"] = json!("urn:altinn:organization:identifier-no:310923045"), 400,
            "dto.party", Prefix(PARTY_FORMAT)),
        bad("party org of 8 digits", |b| b["party"] = json!("urn:altinn:organization:identifier-no:31092304"), 400,
            "dto.party", Prefix(PARTY_FORMAT)),
        bad("party person mod 11", |b| b["party"] = json!("urn:altinn:person:identifier-no:08844397714"), 400,
            "dto.party", Prefix(PARTY_FORMAT)),
        bad("party unknown form", |b| b["party"] = json!("urn:altinn:party:id:12345"), 400, "dto.party",
            Prefix(PARTY_FORMAT)),
        bad("party e-mail without @", |b| b["party"] = json!("urn:altinn:person:idporten-email:ola"), 400,
            "dto.party", Prefix(PARTY_FORMAT)),
        bad("party missing", |b| remove(b, "/party"), 400, "dto.party", Exact("'Party' must not be empty.")),
        bad("party over 255", |b| b["party"] = json!(format!("urn:altinn:person:legacy-selfidentified:{}", "a".repeat(216))),
            400, "dto.party", Exact("The length of 'Party' must be 255 characters or fewer. You entered 256 characters.")),
        // progress, extendedStatus, externalReference
        bad("progress 101", |b| b["progress"] = json!(101), 400, "dto.progress",
            Exact("'Progress' must be between 0 and 100. You entered 101.")),
        bad("progress -1", |b| b["progress"] = json!(-1), 400, "dto.progress",
            Exact("'Progress' must be between 0 and 100. You entered -1.")),
        ok("progress 0", |b| b["progress"] = json!(0)),
        ok("progress 100", |b| b["progress"] = json!(100)),
        bad("extendedStatus over 255", |b| b["extendedStatus"] = json!("s".repeat(256)), 400, "dto.extendedStatus",
            Exact("The length of 'ExtendedStatus' must be 255 characters or fewer. You entered 256 characters.")),
        ok("extendedStatus of 255", |b| b["extendedStatus"] = json!("s".repeat(255))),
        bad("externalReference over 255", |b| b["externalReference"] = json!("r".repeat(256)), 400, "dto.externalReference",
            Exact("The length of 'ExternalReference' must be 255 characters or fewer. You entered 256 characters.")),
        ok("externalReference of 255", |b| b["externalReference"] = json!("r".repeat(255))),
        // process, precedingProcess
        bad("process not a URI", |b| b["process"] = json!("urn:ttd:a process"), 400, "dto.process",
            Exact("'Process' is not a well-formatted URI.")),
        bad("process over 1023", |b| b["process"] = json!(long_url(1024)), 400, "dto.process",
            Exact("The length of 'Process' must be 1023 characters or fewer. You entered 1024 characters.")),
        // The absolute-URI rule (issue 10 item 3): a relative reference or a character that
        // needs escaping is refused; "" is no value.
        bad("process relative", |b| b["process"] = json!("processes/1"), 400, "dto.process",
            Exact("'Process' is not a well-formatted URI.")),
        bad("process with a bar", |b| b["process"] = json!("inval|d"), 400, "dto.process",
            Exact("'Process' is not a well-formatted URI.")),
        ok("process empty", |b| b["process"] = json!("")),
        bad("precedingProcess without process", |b| b["precedingProcess"] = json!("urn:ttd:process:0"), 400,
            "dto.process", Exact("Process must not be empty when PrecedingProcess is set.")),
        bad("precedingProcess not a URI", |b| { b["process"] = json!("urn:ttd:p:1"); b["precedingProcess"] = json!("a b"); },
            400, "dto.precedingProcess", Exact("'PrecedingProcess' is not a well-formatted URI.")),
        bad("precedingProcess over 1023", |b| { b["process"] = json!("urn:ttd:p:1"); b["precedingProcess"] = json!(long_url(1024)); },
            400, "dto.precedingProcess",
            Exact("The length of 'PrecedingProcess' must be 1023 characters or fewer. You entered 1024 characters.")),
        ok("process and precedingProcess", |b| { b["process"] = json!("urn:ttd:p:1"); b["precedingProcess"] = json!("urn:ttd:p:0"); }),
        // createdAt, updatedAt
        bad("createdAt in the future", |b| b["createdAt"] = json!("2099-01-01T00:00:00Z"), 400, "dto.createdAt",
            Exact("'CreatedAt' must be in the past.")),
        bad("updatedAt without createdAt", |b| b["updatedAt"] = json!("2024-01-01T00:00:00Z"), 400, "dto.createdAt",
            Exact("CreatedAt must not be empty when 'UpdatedAt is set.")),
        bad("updatedAt before createdAt",
            |b| { b["createdAt"] = json!("2024-01-02T00:00:00Z"); b["updatedAt"] = json!("2024-01-01T00:00:00Z"); },
            400, "dto.updatedAt", Exact("'UpdatedAt' must be greater than or equal to 'CreatedAt'.")),
        bad("updatedAt in the future",
            |b| { b["createdAt"] = json!("2024-01-01T00:00:00Z"); b["updatedAt"] = json!("2099-01-01T00:00:00Z"); },
            400, "dto.updatedAt", Exact("'UpdatedAt' must be in the past.")),
        ok("createdAt and updatedAt in the past",
            |b| { b["createdAt"] = json!("2024-01-01T00:00:00Z"); b["updatedAt"] = json!("2024-01-01T00:00:00Z"); }),
        // status, including the deprecated inputs
        ok("status NotApplicable", |b| b["status"] = json!("NotApplicable")),
        ok("status inProgress", |b| b["status"] = json!("inProgress")),
        ok("status Draft", |b| b["status"] = json!("Draft")),
        ok("status Awaiting", |b| b["status"] = json!("Awaiting")),
        ok("status RequiresAttention", |b| b["status"] = json!("RequiresAttention")),
        ok("status completed", |b| b["status"] = json!("completed")),
        ok("status New (deprecated)", |b| b["status"] = json!("New")),
        ok("status Sent (deprecated)", |b| b["status"] = json!("Sent")),
        bad("status unknown", |b| b["status"] = json!("Done"), 400, "*", NonEmpty),
        // systemLabel
        ok("systemLabel Default", |b| b["systemLabel"] = json!("Default")),
        ok("systemLabel bin", |b| b["systemLabel"] = json!("bin")),
        ok("systemLabel Archive", |b| b["systemLabel"] = json!("Archive")),
        bad("systemLabel MarkedAsUnopened", |b| b["systemLabel"] = json!("MarkedAsUnopened"), 400, "dto.systemLabel",
            Exact("SystemLabel must be Default, Bin or Archive.")),
        bad("systemLabel Sent", |b| b["systemLabel"] = json!("Sent"), 400, "dto.systemLabel",
            Exact("SystemLabel must be Default, Bin or Archive.")),
        // serviceOwnerLabels
        bad("label of 2", |b| set(b, "/serviceOwnerContext/serviceOwnerLabels", json!([{ "value": "ab" }])), 400,
            "dto.serviceOwnerContext.serviceOwnerLabels[0].value",
            Exact("The length of 'Value' must be at least 3 characters. You entered 2 characters.")),
        bad("label over 255", |b| set(b, "/serviceOwnerContext/serviceOwnerLabels", json!([{ "value": "l".repeat(256) }])),
            400, "dto.serviceOwnerContext.serviceOwnerLabels[0].value", Exact(LENGTH_255)),
        bad("labels equal but for case",
            |b| set(b, "/serviceOwnerContext/serviceOwnerLabels", json!([{ "value": "Label" }, { "value": "lABEL" }])),
            400, "dto.serviceOwnerContext.serviceOwnerLabels", Prefix("Can not contain duplicate items: [")),
        bad("21 labels", |b| set(b, "/serviceOwnerContext/serviceOwnerLabels", labels(21, "z")), 400,
            "dto.serviceOwnerContext.serviceOwnerLabels", Exact("Maximum 20 service owner labels are allowed.")),
        ok("20 labels of 3 to 255", |b| set(b, "/serviceOwnerContext/serviceOwnerLabels", labels(20, &"z".repeat(247)))),
        // content presence
        bad("content missing", |b| remove(b, "/content"), 400, "dto.content", Exact("'Content' must not be empty.")),
        ok("content missing when api-only", |b| { remove(b, "/content"); b["isApiOnly"] = json!(true); }),
        bad("title missing", |b| { remove(b, "/content/title"); set(b, "/content/summary", content("S", "text/plain")); },
            400, "dto.content", Exact("Title must not be empty.")),
        // searchTags
        bad("search tag of 2", |b| b["searchTags"] = json!([{ "value": "ab" }]), 400, "dto.searchTags[0].value",
            Exact("The length of 'Value' must be at least 3 characters. You entered 2 characters.")),
        bad("search tag over 63", |b| b["searchTags"] = json!([{ "value": "t".repeat(64) }]), 400, "dto.searchTags[0].value",
            Exact("The length of 'Value' must be 63 characters or fewer. You entered 64 characters.")),
        bad("search tags equal but for case", |b| b["searchTags"] = json!([{ "value": "Skatt" }, { "value": "sKATT" }]), 400,
            "dto.searchTags", Prefix("Can not contain duplicate items: [")),
        ok("search tags of 3 and 63", |b| b["searchTags"] = json!([{ "value": "abc" }, { "value": "t".repeat(63) }])),
    ]
}

/// `count` labels `label-<i><suffix>`: 8 to 255 characters with the longest suffix.
fn labels(count: usize, suffix: &str) -> Value {
    (0..count)
        .map(|i| json!({ "value": format!("label-{i:02}{suffix}") }))
        .collect()
}

#[tokio::test]
async fn top_level_fields_follow_section_2_1() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    assert_none(&run(&server, &ttd, "", minimal, &top_level_cases()).await);

    // Stored forms: deprecated statuses map; the party, labels and tags are lower-cased.
    for (input, stored) in [("New", "NotApplicable"), ("Sent", "Awaiting")] {
        let mut body = minimal();
        body["status"] = json!(input);
        let id = server.create_dialog(&ttd, &body).await;
        let (_, dialog) = server.get_json(&format!("{DIALOGS}/{id}"), &ttd).await;
        assert_eq!(dialog["status"], stored, "{input}");
    }
    let mut body = minimal();
    body["party"] = json!("urn:altinn:person:idporten-email:Ola@Example.com");
    body["searchTags"] = json!([{ "value": " Skatt " }]);
    body["serviceOwnerContext"] = json!({ "serviceOwnerLabels": [{ "value": " Merke " }] });
    body["systemLabel"] = json!("Archive");
    let id = server.create_dialog(&ttd, &body).await;
    let (_, dialog) = server.get_json(&format!("{DIALOGS}/{id}"), &ttd).await;
    assert_eq!(
        dialog["party"],
        "urn:altinn:person:idporten-email:ola@example.com"
    );
    assert_eq!(dialog["searchTags"], json!([{ "value": "skatt" }]));
    assert_eq!(
        dialog["serviceOwnerContext"]["serviceOwnerLabels"],
        json!([{ "value": "merke" }])
    );
    assert_eq!(dialog["systemLabel"], "Archive");
}

#[rustfmt::skip]
fn order_cases() -> Vec<Case> {
    vec![
        bad("dueAt before visibleFrom",
            |b| { b["visibleFrom"] = json!("2032-01-01T00:00:00Z"); b["dueAt"] = json!("2031-01-01T00:00:00Z"); },
            400, "dto.dueAt", Exact("'DueAt' must be after 'VisibleFrom'.")),
        bad("expiresAt before dueAt",
            |b| { b["dueAt"] = json!("2032-01-01T00:00:00Z"); b["expiresAt"] = json!("2031-01-01T00:00:00Z"); },
            400, "dto.expiresAt", Exact("'ExpiresAt' must be after 'DueAt'.")),
        bad("expiresAt before visibleFrom",
            |b| { b["visibleFrom"] = json!("2032-01-01T00:00:00Z"); b["expiresAt"] = json!("2031-01-01T00:00:00Z"); },
            400, "dto.expiresAt", Exact("'ExpiresAt' must be after 'VisibleFrom'.")),
        ok("all equal", |b| for key in ["visibleFrom", "dueAt", "expiresAt"] { b[key] = json!("2031-01-01T00:00:00Z"); }),
        ok("in order", |b| {
            b["visibleFrom"] = json!("2030-01-01T00:00:00Z");
            b["dueAt"] = json!("2031-01-01T00:00:00Z");
            b["expiresAt"] = json!("2032-01-01T00:00:00Z");
        }),
    ]
}

#[rustfmt::skip]
fn past_cases() -> Vec<Case> {
    vec![
        bad("visibleFrom in the past", |b| b["visibleFrom"] = json!("2020-01-01T00:00:00Z"), 422, "VisibleFrom",
            Exact("Must be in the future")),
        bad("dueAt in the past", |b| b["dueAt"] = json!("2020-01-01T00:00:00Z"), 422, "DueAt", Exact("Must be in the future")),
        bad("expiresAt in the past", |b| b["expiresAt"] = json!("2020-01-01T00:00:00Z"), 422, "ExpiresAt",
            Exact("Must be in the future")),
    ]
}

#[tokio::test]
async fn time_order_is_400_and_the_past_is_422_except_for_admins_and_silent_creates() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let admin = server.service_owner_token("ttd", "991825827", ADMIN).await;
    assert_none(&run(&server, &ttd, "", minimal, &order_cases()).await);
    assert_none(&run(&server, &ttd, "", minimal, &past_cases()).await);
    // The same bodies pass silently and for admins.
    let accepted: Vec<Case> = past_cases().iter().map(|c| ok(c.name, c.edit)).collect();
    let silent = "?isSilentUpdate=true";
    assert_none(&run(&server, &ttd, silent, minimal, &accepted).await);
    assert_none(&run(&server, &admin, "", minimal, &accepted).await);
    // Admins may also set dueAt before visibleFrom; expiresAt still may not precede either.
    let order = order_cases();
    let admin_cases = [
        ok("admin: dueAt before visibleFrom", order[0].edit),
        bad(
            "admin: expiresAt before dueAt",
            order[1].edit,
            400,
            "dto.expiresAt",
            Exact("'ExpiresAt' must be after 'DueAt'."),
        ),
    ];
    assert_none(&run(&server, &admin, "", minimal, &admin_cases).await);
}

const HTML_MESSAGE: &str = "Value contains unsupported HTML. The following tags are supported: \
[<p>,<a>,<br>,<em>,<strong>,<ul>,<ol>,<li>,<table>,<thead>,<tbody>,<tr>,<td>,<th>]. Tag attributes \
are not supported except for on '<a>' which must contain a 'href' starting with 'https://'.";
const EMBED_MD: &str = "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown";
const EMBED_HTML: &str = "application/vnd.dialogporten.frontchannelembed-url;type=text/html";
const EMBED_MD_OLD: &str = "application/vnd.dialogporten.frontchannelembed+json;type=markdown";
const EMBED_HTML_OLD: &str = "application/vnd.dialogporten.frontchannelembed+json;type=html";
const V0: &str = "dto.content.value[0].value";
const MEDIA: &str = "dto.content.mediaType";

#[rustfmt::skip]
fn content_cases() -> Vec<Case> {
    vec![
        // Lengths per field.
        bad("title over 255", |b| set(b, "/content/title", content(&"t".repeat(256), "text/plain")), 400, V0, Exact(LENGTH_255)),
        ok("title of 255", |b| set(b, "/content/title", content(&"t".repeat(255), "text/plain"))),
        bad("nonSensitiveTitle over 255", |b| set(b, "/content/nonSensitiveTitle", content(&"t".repeat(256), "text/plain")),
            400, V0, Exact(LENGTH_255)),
        bad("summary over 255", |b| set(b, "/content/summary", content(&"t".repeat(256), "text/plain")), 400, V0, Exact(LENGTH_255)),
        bad("nonSensitiveSummary over 255", |b| set(b, "/content/nonSensitiveSummary", content(&"t".repeat(256), "text/plain")),
            400, V0, Exact(LENGTH_255)),
        bad("senderName over 255", |b| set(b, "/content/senderName", content(&"t".repeat(256), "text/plain")), 400, V0,
            Exact(LENGTH_255)),
        ok("summaries and sender of 255", |b| for key in ["nonSensitiveTitle", "summary", "nonSensitiveSummary", "senderName"] {
            set(b, &format!("/content/{key}"), content(&"t".repeat(255), "text/plain"));
        }),
        bad("additionalInfo over 1023", |b| set(b, "/content/additionalInfo", content(&"i".repeat(1024), "text/markdown")), 400, V0,
            Exact("The length of 'Value' must be 1023 characters or fewer. You entered 1024 characters.")),
        ok("additionalInfo of 1023", |b| set(b, "/content/additionalInfo", content(&"i".repeat(1023), "text/plain"))),
        bad("extendedStatus over 25", |b| set(b, "/content/extendedStatus", content(&"e".repeat(26), "text/plain")), 400, V0,
            Exact("The length of 'Value' must be 25 characters or fewer. You entered 26 characters.")),
        ok("extendedStatus of 25", |b| set(b, "/content/extendedStatus", content(&"e".repeat(25), "text/plain"))),
        bad("mainContentReference over 1023", |b| set(b, "/content/mainContentReference", content(&long_url(1024), EMBED_MD)),
            400, V0, Exact("The length of 'Value' must be 1023 characters or fewer. You entered 1024 characters.")),
        ok("mainContentReference of 1023", |b| set(b, "/content/mainContentReference", content(&long_url(1023), EMBED_MD))),
        // Media types.
        bad("title as markdown", |b| set(b, "/content/title", content("T", "text/markdown")), 400, MEDIA,
            Exact("MediaType 'text/markdown' is not allowed for content type Title. Allowed media types are 'text/plain'")),
        bad("nonSensitiveTitle as markdown", |b| set(b, "/content/nonSensitiveTitle", content("T", "text/markdown")), 400, MEDIA,
            Prefix("MediaType 'text/markdown' is not allowed for content type NonSensitiveTitle.")),
        bad("summary as html", |b| set(b, "/content/summary", content("S", "text/html")), 400, MEDIA,
            Prefix("MediaType 'text/html' is not allowed for content type Summary.")),
        bad("nonSensitiveSummary as markdown", |b| set(b, "/content/nonSensitiveSummary", content("S", "text/markdown")), 400, MEDIA,
            Prefix("MediaType 'text/markdown' is not allowed for content type NonSensitiveSummary.")),
        bad("senderName as markdown", |b| set(b, "/content/senderName", content("S", "text/markdown")), 400, MEDIA,
            Prefix("MediaType 'text/markdown' is not allowed for content type SenderName.")),
        bad("extendedStatus as markdown", |b| set(b, "/content/extendedStatus", content("S", "text/markdown")), 400, MEDIA,
            Prefix("MediaType 'text/markdown' is not allowed for content type ExtendedStatus.")),
        bad("empty media type", |b| set(b, "/content/title", content("T", "")), 400, MEDIA, Exact("'MediaType' must not be empty.")),
        ok("additionalInfo as markdown", |b| set(b, "/content/additionalInfo", content("*md*", "text/markdown"))),
        bad("additionalInfo as html without the scope", |b| set(b, "/content/additionalInfo", content("<p>x</p>", "text/html")),
            400, MEDIA, Exact("MediaType 'text/html' is not allowed for content type AdditionalInfo. \
                               Allowed media types are 'text/plain', 'text/markdown'")),
        bad("mainContentReference as plain text",
            |b| set(b, "/content/mainContentReference", content("https://example.com", "text/plain")), 400, MEDIA,
            Exact("MediaType 'text/plain' is not allowed for content type MainContentReference. \
                   Allowed media types are 'application/vnd.dialogporten.frontchannelembed-url;type=text/markdown'")),
        bad("mainContentReference html embed without the scope",
            |b| set(b, "/content/mainContentReference", content("https://example.com", EMBED_HTML)), 400, MEDIA,
            Prefix("MediaType 'application/vnd.dialogporten.frontchannelembed-url;type=text/html' is not allowed")),
        ok("mainContentReference deprecated markdown embed",
            |b| set(b, "/content/mainContentReference", content("https://example.com", EMBED_MD_OLD))),
        bad("mainContentReference over http", |b| set(b, "/content/mainContentReference", content("http://example.com/m", EMBED_MD)),
            400, V0, Exact("'Value' is not a well-formatted HTTPS URL.")),
        bad("mainContentReference not a URL", |b| set(b, "/content/mainContentReference", content("example.com/m", EMBED_MD)),
            400, V0, Exact("'Value' is not a well-formatted HTTPS URL.")),
        // Localizations.
        bad("empty value", |b| set(b, "/content/title", content("", "text/plain")), 400, V0, Exact("'Value' must not be empty.")),
        bad("no localizations", |b| set(b, "/content/title", json!({ "value": [] })), 400, "dto.content.value",
            Exact("'Value' must not be empty.")),
        bad("invalid language code", |b| set(b, "/content/title/value/0/languageCode", json!("xx")), 400,
            "dto.content.value[0].languageCode",
            Exact("'LanguageCode' 'xx' is not a valid language code. \
                   Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).")),
        bad("language code no", |b| set(b, "/content/title/value/0/languageCode", json!("no")), 400,
            "dto.content.value[0].languageCode",
            Exact("'LanguageCode' 'no' is not a valid language code. Use 'nb' or 'nn' for Norwegian. \
                   Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).")),
        bad("language code missing", |b| remove(b, "/content/title/value/0/languageCode"), 400,
            "dto.content.value[0].languageCode", NonEmpty),
        bad("en_GB and en-US",
            |b| set(b, "/content/title/value", json!([{ "languageCode": "en_GB", "value": "A" }, { "languageCode": "en-US", "value": "B" }])),
            400, "dto.content.value",
            Exact("Can not contain duplicate items: [en]. \
                   Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).")),
        bad("nb and NB", |b| set(b, "/content/title/value/1", json!({ "languageCode": "NB", "value": "B" })), 400,
            "dto.content.value", Prefix("Can not contain duplicate items: [nb].")),
        ok("en_GB beside nb", |b| set(b, "/content/title/value/1", json!({ "languageCode": "en_GB", "value": "Title" }))),
    ]
}

#[rustfmt::skip]
fn legacy_html_cases() -> Vec<Case> {
    const V: &str = "dto.content.value[0]";
    vec![
        ok("html additionalInfo", |b| set(b, "/content/additionalInfo", content(
            "<p>Hei <strong>du</strong><br><em>!</em><a href=\"https://example.com\">lenke</a></p><ul><li>1</li></ul>\
             <ol><li>2</li></ol><table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
            "text/html"))),
        bad("html script", |b| set(b, "/content/additionalInfo", content("<p>x</p><script>alert(1)</script>", "text/html")),
            400, V, Exact(HTML_MESSAGE)),
        bad("html div", |b| set(b, "/content/additionalInfo", content("<DIV>x</DIV>", "text/html")), 400, V, Exact(HTML_MESSAGE)),
        bad("html attribute", |b| set(b, "/content/additionalInfo", content("<p class=\"x\">x</p>", "text/html")),
            400, V, Exact(HTML_MESSAGE)),
        bad("html http link", |b| set(b, "/content/additionalInfo", content("<a href=\"http://example.com\">x</a>", "text/html")),
            400, V, Exact(HTML_MESSAGE)),
        bad("html link with target",
            |b| set(b, "/content/additionalInfo", content("<a href=\"https://example.com\" target=\"_blank\">x</a>", "text/html")),
            400, V, Exact(HTML_MESSAGE)),
        bad("html in summary still refused", |b| set(b, "/content/summary", content("<p>x</p>", "text/html")), 400, MEDIA,
            Prefix("MediaType 'text/html' is not allowed for content type Summary.")),
        ok("html embed", |b| set(b, "/content/mainContentReference", content("https://example.com/h", EMBED_HTML))),
        ok("deprecated html embed", |b| set(b, "/content/mainContentReference", content("https://example.com/h", EMBED_HTML_OLD))),
        ok("markdown embed", |b| set(b, "/content/mainContentReference", content("https://example.com/m", EMBED_MD))),
    ]
}

#[rustfmt::skip]
fn correspondence_cases() -> Vec<Case> {
    vec![
        ok("title of 512", |b| set(b, "/content/title", content(&"t".repeat(512), "text/plain"))),
        ok("summary of 512", |b| set(b, "/content/summary", content(&"t".repeat(512), "text/plain"))),
        bad("title of 513", |b| set(b, "/content/title", content(&"t".repeat(513), "text/plain")), 400, V0,
            Exact("The length of 'Value' must be 512 characters or fewer. You entered 513 characters.")),
        bad("extendedStatus still 25", |b| set(b, "/content/extendedStatus", content(&"e".repeat(26), "text/plain")), 400, V0,
            Exact("The length of 'Value' must be 25 characters or fewer. You entered 26 characters.")),
        bad("top-level extendedStatus still 255", |b| b["extendedStatus"] = json!("s".repeat(256)), 400, "dto.extendedStatus",
            Prefix("The length of 'ExtendedStatus' must be 255 characters or fewer.")),
    ]
}

#[tokio::test]
async fn content_values_follow_section_2_3() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    assert_none(&run(&server, &ttd, "", minimal, &content_cases()).await);
    // The legacy-HTML scope allows HTML in additionalInfo (supported tags only) and the HTML
    // embed.
    let html = server
        .service_owner_token("ttd", "991825827", LEGACY_HTML)
        .await;
    assert_none(&run(&server, &html, "", minimal, &legacy_html_cases()).await);
    // The correspondence scope raises the 255 limits to 512, and only those.
    let correspondence = server
        .service_owner_token("ttd", "991825827", CORRESPONDENCE)
        .await;
    assert_none(
        &run(
            &server,
            &correspondence,
            "",
            minimal,
            &correspondence_cases(),
        )
        .await,
    );

    // The deprecated embed alias is stored as the current one.
    let mut body = minimal();
    let reference = content("https://example.com/m", EMBED_MD_OLD);
    set(&mut body, "/content/mainContentReference", reference);
    let id = server.create_dialog(&ttd, &body).await;
    let (_, dialog) = server.get_json(&format!("{DIALOGS}/{id}"), &ttd).await;
    assert_eq!(
        dialog["content"]["mainContentReference"]["mediaType"],
        EMBED_MD
    );
}

#[rustfmt::skip]
fn handler_cases() -> Vec<Case> {
    vec![
        bad("unowned service resource", |b| b["serviceResource"] = json!(BRG_RESOURCE), 403, "Forbidden", Exact(UNOWNED)),
        bad("unowned resource on a GUI action", |b| set(b, "/guiActions/0/authorizationAttribute", json!(BRG_RESOURCE)),
            403, "Forbidden", Exact(UNOWNED)),
        bad("unowned resource on an API action", |b| set(b, "/apiActions/0/authorizationAttribute", json!(BRG_RESOURCE)),
            403, "Forbidden", Exact(UNOWNED)),
        bad("unowned resource on a transmission", |b| set(b, "/transmissions/0/authorizationAttribute", json!(BRG_RESOURCE)),
            403, "Forbidden", Exact(UNOWNED)),
        bad("unknown resource", |b| b["serviceResource"] = json!("urn:altinn:resource:no-such-resource"), 422,
            "ServiceResource", Contains("does not exist in the resource registry")),
        bad("correspondence activity without the scope",
            |b| set(b, "/activities/0", json!({ "type": "correspondenceOpened", "performedBy": { "actorType": "serviceOwner" } })),
            403, "Forbidden",
            Exact("Use of CorrespondenceConfirmed or CorrespondenceOpened activity types requires the scope \
                   digdir:dialogporten.correspondence.")),
        bad("unknown actor id on an activity", |b| set(b, "/activities/0/performedBy",
                json!({ "actorType": "partyRepresentative", "actorId": "urn:altinn:person:identifier-no:15018510100" })),
            422, "ActorId", Contains("Unable to look up name for actor id: urn:altinn:person:identifier-no:15018510100. ")),
        bad("unknown actor id on a sender", |b| set(b, "/transmissions/1/sender",
                json!({ "actorType": "partyRepresentative", "actorId": "urn:altinn:organization:identifier-no:912345602" })),
            422, "ActorId", Contains("Unable to look up name for actor id: urn:altinn:organization:identifier-no:912345602. ")),
        bad("duplicate transmission idempotent keys", |b| set(b, "/transmissions/1/idempotentKey", json!("t-1")), 409,
            "IdempotentKey", Exact("Duplicate IdempotentKey detected in dialog transmissions. Conflicting keys: 't-1'.")),
    ]
}

#[tokio::test]
async fn handler_rules_answer_403_409_and_422() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let brg = server.brg().await;
    assert_none(&run(&server, &ttd, "", rich_dialog, &handler_cases()).await);

    // An idempotent key is unique per org: 409 names the first dialog; brg may reuse it.
    let mut body = minimal();
    body["idempotentKey"] = json!("same-key");
    let first = server.create_dialog(&ttd, &body).await;
    let second = v7();
    body["id"] = json!(second);
    let answer = server.send_json("POST", DIALOGS, &ttd, &body, &[]).await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    assert_eq!(
        answer.body["errors"]["IdempotentKey"],
        json!([format!("'same-key' already exists with DialogId '{first}'")])
    );
    let (status, _) = server.get_json(&format!("{DIALOGS}/{second}"), &ttd).await;
    assert_eq!(status, 404);
    body["serviceResource"] = json!(BRG_RESOURCE);
    server.create_dialog(&brg, &body).await;

    // A CorrespondenceService resource needs the correspondence scope (403).
    let mut body = minimal();
    body["serviceResource"] =
        json!("urn:altinn:resource:ttd-dialogporten-automated-tests-correspondence");
    let answer = server.send_json("POST", DIALOGS, &ttd, &body, &[]).await;
    let refused = check(
        "correspondence resource",
        &answer,
        403,
        "Forbidden",
        NonEmpty,
    );
    assert_eq!(refused, None);
    let correspondence = server
        .service_owner_token("ttd", "991825827", CORRESPONDENCE)
        .await;
    server.create_dialog(&correspondence, &body).await;

    // Ids are unique across dialogs, the dialog's own and its children's (422).
    let existing = rich_dialog();
    server.create_dialog(&ttd, &existing).await;
    for pointer in [
        "/id",
        "/transmissions/0/id",
        "/activities/0/id",
        "/attachments/0/id",
        "/guiActions/0/id",
        "/apiActions/0/id",
    ] {
        let mut body = rich_dialog();
        let fresh = body["id"].as_str().unwrap().to_owned();
        let reused = existing.pointer(pointer).unwrap().clone();
        set(&mut body, pointer, reused.clone());
        if pointer == "/transmissions/0/id" {
            // What referred to the transmission follows its id.
            body["transmissions"][1]["relatedTransmissionId"] = reused.clone();
            body["activities"][1]["transmissionId"] = reused;
        }
        let answer = server.send_json("POST", DIALOGS, &ttd, &body, &[]).await;
        assert!(
            check(pointer, &answer, 422, "*", NonEmpty).is_none(),
            "{pointer}: {}",
            answer.text
        );
        if pointer != "/id" {
            let (status, _) = server.get_json(&format!("{DIALOGS}/{fresh}"), &ttd).await;
            assert_eq!(status, 404, "{pointer}: nothing was created");
        }
    }
    let mut body = rich_dialog();
    body["activities"][0]["id"] = existing["activities"][0]["id"].clone();
    let answer = server.send_json("POST", DIALOGS, &ttd, &body, &[]).await;
    let id = existing["activities"][0]["id"].as_str().unwrap();
    assert_eq!(
        answer.body["errors"]["DialogActivity"],
        json!([format!("Key ('Id')=({id}) already exists.")]),
        "{}",
        answer.text
    );
}

/// PUT rows: an edit of the PUT body, then status, key and message.
type PutCase = (&'static str, fn(&mut Value), u16, &'static str, Want);

#[rustfmt::skip]
fn put_cases() -> Vec<PutCase> {
    vec![
        ("progress 101", |b| b["progress"] = json!(101), 400, "dto.progress",
            Exact("'Progress' must be between 0 and 100. You entered 101.")),
        ("title over 255", |b| set(b, "/content/title", content(&"t".repeat(256), "text/plain")), 400, V0, Exact(LENGTH_255)),
        ("content missing", |b| remove(b, "/content"), 400, "dto.content", Exact("'Content' must not be empty.")),
        ("expiresAt before dueAt", |b| b["expiresAt"] = json!("2030-06-01T00:00:00Z"), 400, "dto.expiresAt",
            Exact("'ExpiresAt' must be after 'DueAt'.")),
        ("dueAt before the stored visibleFrom", |b| b["dueAt"] = json!("2029-06-01T00:00:00Z"), 400, "dto.dueAt", NonEmpty),
        ("expiresAt before the stored visibleFrom", |b| { remove(b, "/dueAt"); b["expiresAt"] = json!("2029-06-01T00:00:00Z"); },
            400, "dto.expiresAt", NonEmpty),
        ("two primary GUI actions", |b| {
            let mut second = b["guiActions"][0].clone();
            second["id"] = json!(v7());
            b["guiActions"].as_array_mut().unwrap().push(second);
        }, 400, "dto.guiActions", Exact("Only one primary GUI action is allowed.")),
        ("unowned attribute", |b| set(b, "/guiActions/0/authorizationAttribute", json!(BRG_RESOURCE)), 403, "Forbidden",
            Exact(UNOWNED)),
        ("correspondence activity",
            |b| b["activities"] = json!([{ "type": "correspondenceConfirmed", "performedBy": { "actorType": "serviceOwner" } }]),
            403, "Forbidden", Prefix("Use of CorrespondenceConfirmed or CorrespondenceOpened")),
        ("repeated transmission id", |b| {
            let mut repeated = table::transmission();
            repeated["id"] = b["transmissions"][0]["id"].clone();
            b["transmissions"] = json!([repeated]);
        }, 422, "DialogTransmission", Prefix("Entity 'DialogTransmission' with the following key(s) already exists: (")),
        ("repeated activity id", |b| {
            b["activities"] = json!([{ "id": b["activities"][0]["id"].clone(), "type": "dialogOpened",
                                       "performedBy": { "actorType": "serviceOwner" } }]);
        }, 422, "DialogActivity", Prefix("Entity 'DialogActivity' with the following key(s) already exists: (")),
        // On update, references to transmissions are checked by the handler against the
        // stored dialog: 422 (api.md §2.5).
        ("activity opening an unknown transmission", |b| b["activities"] = json!([{ "type": "transmissionOpened",
            "transmissionId": v7(), "performedBy": { "actorType": "serviceOwner" } }]), 422, "DialogActivity", NonEmpty),
        ("transmission related to an unknown one", |b| {
            let mut related = table::transmission();
            related["relatedTransmissionId"] = json!(v7());
            b["transmissions"] = json!([related]);
        }, 422, "DialogTransmission", NonEmpty),
    ]
}

#[tokio::test]
async fn updates_validate_like_create_and_apply_their_own_time_rules() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let body = rich_dialog();
    let id = server.create_dialog(&ttd, &body).await;
    let path = format!("{DIALOGS}/{id}");
    let (_, dialog) = server.get_json(&path, &ttd).await;
    let revision = dialog["revision"].as_str().unwrap().to_owned();
    // Each case edits the whole create body (create-only fields are ignored by PUT), whose
    // transmissions and activities the edit may keep to refer to; they are then emptied
    // unless the edit replaced them, as both lists are append-only.
    for (name, edit, status, key, want) in put_cases() {
        let mut put = body.clone();
        edit(&mut put);
        for list in ["transmissions", "activities"] {
            if put[list] == body[list] {
                put[list] = json!([]);
            }
        }
        let answer = server.send_json("PUT", &path, &ttd, &put, &[]).await;
        let failure = check(name, &answer, status, key, want);
        assert!(failure.is_none(), "PUT {failure:?}");
    }
    // Nothing was changed.
    let (_, after) = server.get_json(&path, &ttd).await;
    assert_eq!(after["revision"], json!(revision));

    // PATCH goes through the same rules.
    let patch = |path: String, ops: Value| {
        let (server, ttd) = (&server, &ttd);
        let headers = [("content-type", "application/json-patch+json")];
        async move { server.send("PATCH", &path, ttd, Some(&ops), &headers).await }
    };
    let ops = json!([{ "op": "replace", "path": "/Progress", "value": 101 }]);
    let answer = patch(path.clone(), ops).await;
    let want = Exact("'Progress' must be between 0 and 100. You entered 101.");
    assert_eq!(
        check("PATCH progress", &answer, 400, "dto.progress", want),
        None
    );
    let ops = json!([{ "op": "add", "path": "/searchTags/-", "value": { "value": "ab" } }]);
    let answer = patch(path.clone(), ops).await;
    let key = "dto.searchTags[2].value";
    assert_eq!(check("PATCH tag", &answer, 400, key, NonEmpty), None);
    let ops = json!([{ "op": "replace", "path": "/nope/0", "value": 1 }]);
    let answer = patch(path.clone(), ops).await;
    assert_eq!(check("PATCH bad path", &answer, 400, "*", NonEmpty), None);

    // dueAt: an unchanged past value is accepted, and so is removing it; a changed one must
    // lie in the future (422) unless the update is silent or an admin's.
    let mut past = minimal();
    past["dueAt"] = json!("2020-01-01T00:00:00Z");
    let silent = format!("{DIALOGS}?isSilentUpdate=true");
    let answer = server.send_json("POST", &silent, &ttd, &past, &[]).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let past_path = format!("{DIALOGS}/{}", answer.body.as_str().unwrap());
    let put = |body: Value, query: &'static str, token: String| {
        let (server, path) = (&server, &past_path);
        async move {
            let path = format!("{path}{query}");
            server.send_json("PUT", &path, &token, &body, &[]).await
        }
    };
    let answer = put(past.clone(), "", ttd.clone()).await;
    assert_eq!(answer.status, 204, "unchanged past dueAt: {}", answer.text);
    past["dueAt"] = json!("2020-01-02T00:00:00Z");
    let answer = put(past.clone(), "", ttd.clone()).await;
    let want = Exact("Must be in future or current value.");
    assert_eq!(check("new past dueAt", &answer, 422, "DueAt", want), None);
    let ops = json!([{ "op": "replace", "path": "/dueAt", "value": "2020-01-03T00:00:00Z" }]);
    let answer = patch(past_path.clone(), ops).await;
    assert_eq!(check("PATCH past dueAt", &answer, 422, "DueAt", want), None);
    let answer = put(past.clone(), "?isSilentUpdate=true", ttd.clone()).await;
    assert_eq!(answer.status, 204, "silent: {}", answer.text);
    past["dueAt"] = json!("2020-01-04T00:00:00Z");
    let admin = server.service_owner_token("ttd", "991825827", ADMIN).await;
    let answer = put(past.clone(), "", admin.clone()).await;
    assert_eq!(answer.status, 204, "admin: {}", answer.text);
    let (_, stored) = server.get_json(&past_path, &ttd).await;
    assert_eq!(stored["dueAt"], "2020-01-04T00:00:00.0000000Z");
    remove(&mut past, "/dueAt");
    let answer = put(past.clone(), "", ttd.clone()).await;
    assert_eq!(answer.status, 204, "dueAt removed: {}", answer.text);
    past["expiresAt"] = json!("2020-01-01T00:00:00Z");
    let answer = put(past.clone(), "", ttd.clone()).await;
    assert_eq!(
        check("past expiresAt", &answer, 422, "ExpiresAt", NonEmpty),
        None
    );

    // 412 on a stale If-Match, 410 once deleted.
    let mut put_body = body.clone();
    put_body["transmissions"] = json!([]);
    put_body["activities"] = json!([]);
    let stale = uuid::Uuid::new_v4().to_string();
    let headers = [("if-match", stale.as_str())];
    let answer = server
        .send_json("PUT", &path, &ttd, &put_body, &headers)
        .await;
    assert_eq!(answer.status, 412, "{}", answer.text);
    assert_eq!(answer.body["title"], "Precondition failed.");
    assert!(answer.body.get("errors").is_none());
    let headers = [("if-match", revision.as_str())];
    let answer = server
        .send_json("PUT", &path, &ttd, &put_body, &headers)
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    // A frozen dialog refuses non-admin updates (403); admins may still delete it.
    let freeze = format!("{path}/actions/freeze");
    let answer = server.send("POST", &freeze, &admin, None, &[]).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let answer = server.send_json("PUT", &path, &ttd, &put_body, &[]).await;
    let want = Exact("User cannot modify frozen dialog");
    assert_eq!(check("PUT frozen", &answer, 403, "Forbidden", want), None);
    let answer = server.send("DELETE", &path, &admin, None, &[]).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let gone = json!([format!(
        "Entity 'DialogEntity' with the following key(s) is removed: ({id})."
    )]);
    let answer = server.send_json("PUT", &path, &ttd, &put_body, &[]).await;
    assert_eq!(answer.status, 410, "{}", answer.text);
    assert_eq!(answer.body["errors"]["DialogEntity"], gone);
    let ops = json!([{ "op": "replace", "path": "/progress", "value": 5 }]);
    let answer = patch(path.clone(), ops).await;
    assert_eq!(answer.status, 410, "{}", answer.text);
    assert_eq!(answer.body["errors"]["DialogEntity"], gone);
}
