//! Validation of localized texts and content values (api.md §2.2 "Localization", §2.3): unique
//! language codes after normalisation, ISO 639-1 codes, value lengths per field, and the media
//! types each content field allows (with the legacy-HTML and correspondence scopes).

use dp_domain::localization::{is_valid_language_code, normalize_language_code};

use super::create_dialog::{Content, ContentValue, Localization, TransmissionContent};
use super::validate_create::Context;
use super::validation::Errors;

const MAX_STRING: usize = 255;
const MAX_URI: usize = 1023;
const CORRESPONDENCE_MAX_STRING: usize = 512;
const NORMALIZATION: &str =
    "Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).";
const EMBED_MARKDOWN: &str =
    "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown";
const EMBED_HTML: &str = "application/vnd.dialogporten.frontchannelembed-url;type=text/html";
const EMBED_MARKDOWN_DEPRECATED: &str =
    "application/vnd.dialogporten.frontchannelembed+json;type=markdown";
const EMBED_HTML_DEPRECATED: &str = "application/vnd.dialogporten.frontchannelembed+json;type=html";

/// `IsValidHttpsUrl`: absolute with the `https` scheme.
pub(super) fn is_https_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| u.scheme() == "https")
        && !value.contains(char::is_whitespace)
}

/// `LocalizationDtosValidator`: unique codes after normalisation, each value and code valid.
pub fn localizations(errors: &mut Errors, path: &str, items: &[Localization], max: usize) {
    let codes: Vec<Option<String>> = items
        .iter()
        .map(|l| l.language_code.as_deref().map(normalize_language_code))
        .collect();
    let mut duplicates: Vec<&str> = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        if let Some(code) = code
            && codes[..i].iter().flatten().any(|c| c == code)
            && !duplicates.contains(&code.as_str())
        {
            duplicates.push(code);
        }
    }
    if !duplicates.is_empty() {
        errors.add(
            path,
            format!(
                "Can not contain duplicate items: [{}]. {NORMALIZATION}",
                duplicates.join(", ")
            ),
        );
    }
    for (i, (item, code)) in items.iter().zip(&codes).enumerate() {
        let value_path = format!("{path}[{i}].value");
        match item.value.as_deref() {
            None | Some("") => errors.not_empty(&value_path, "Value"),
            value => errors.max_length(&value_path, "Value", value, max),
        }
        let code_path = format!("{path}[{i}].languageCode");
        match code.as_deref() {
            None | Some("") => errors.not_empty(&code_path, "LanguageCode"),
            Some(code) if !is_valid_language_code(code) => {
                let hint = if code == "no" {
                    "Use 'nb' or 'nn' for Norwegian. "
                } else {
                    ""
                };
                errors.add(code_path, format!("'LanguageCode' '{code}' is not a valid language code. {hint}{NORMALIZATION}"));
            }
            Some(_) => {}
        }
    }
}

/// One kind of content field: its name, maximum length and allowed media types.
struct ContentKind {
    name: &'static str,
    max: usize,
    markdown: bool,
    embeddable: bool,
}

const fn kind(name: &'static str, max: usize) -> ContentKind {
    ContentKind {
        name,
        max,
        markdown: false,
        embeddable: false,
    }
}

fn allowed_media_types(kind: &ContentKind, context: &Context) -> Vec<&'static str> {
    if kind.embeddable {
        let mut types = vec![EMBED_MARKDOWN, EMBED_MARKDOWN_DEPRECATED];
        if context.legacy_html {
            types.extend([EMBED_HTML, EMBED_HTML_DEPRECATED]);
        }
        return types;
    }
    let mut types = vec!["text/plain"];
    if kind.markdown {
        types.push("text/markdown");
        if context.legacy_html {
            types.push("text/html");
        }
    }
    types
}

/// `ContentValueDtoValidator`. Keys drop the field name, as DP's member-less rule does
/// (`dto.content.mediaType`).
fn content_value(
    errors: &mut Errors,
    path: &str,
    value: &ContentValue,
    kind: &ContentKind,
    context: &Context,
) {
    let media_type = value.media_type.as_deref().unwrap_or("text/plain");
    let allowed = allowed_media_types(kind, context);
    if media_type.is_empty() {
        errors.not_empty(&format!("{path}.mediaType"), "MediaType");
    }
    if !allowed.contains(&media_type) {
        let list: Vec<String> = allowed.iter().map(|t| format!("'{t}'")).collect();
        errors.add(
            format!("{path}.mediaType"),
            format!(
                "MediaType '{media_type}' is not allowed for content type {}. Allowed media types are {}",
                kind.name,
                list.join(", ")
            ),
        );
    }
    let items = value.value.as_deref().unwrap_or_default();
    if items.is_empty() {
        errors.not_empty(&format!("{path}.value"), "Value");
    }
    let max = if context.correspondence && kind.max == MAX_STRING {
        CORRESPONDENCE_MAX_STRING
    } else {
        kind.max
    };
    localizations(errors, &format!("{path}.value"), items, max);
    if kind.embeddable {
        for (i, item) in items.iter().enumerate() {
            if item.value.as_deref().is_some_and(|v| !is_https_url(v)) {
                errors.add(
                    format!("{path}.value[{i}].value"),
                    "'Value' is not a well-formatted HTTPS URL.",
                );
            }
        }
    }
}

/// Validates each present field; a missing required one is "<Name> must not be empty." on the
/// content's own key.
fn content_fields(
    errors: &mut Errors,
    path: &str,
    fields: &[(&Option<ContentValue>, ContentKind, bool)],
    context: &Context,
) {
    for (value, kind, required) in fields {
        match value {
            Some(value) => content_value(errors, path, value, kind, context),
            None if *required => errors.add(path, format!("{} must not be empty.", kind.name)),
            None => {}
        }
    }
}

pub(super) fn dialog_content(errors: &mut Errors, content: &Content, context: &Context) {
    let path = "dto.content";
    let fields: [(&Option<ContentValue>, ContentKind, bool); 8] = [
        (&content.title, kind("Title", MAX_STRING), true),
        (
            &content.non_sensitive_title,
            kind("NonSensitiveTitle", MAX_STRING),
            false,
        ),
        (&content.summary, kind("Summary", MAX_STRING), false),
        (
            &content.non_sensitive_summary,
            kind("NonSensitiveSummary", MAX_STRING),
            false,
        ),
        (&content.sender_name, kind("SenderName", MAX_STRING), false),
        (
            &content.additional_info,
            ContentKind {
                markdown: true,
                ..kind("AdditionalInfo", MAX_URI)
            },
            false,
        ),
        (&content.extended_status, kind("ExtendedStatus", 25), false),
        (
            &content.main_content_reference,
            ContentKind {
                embeddable: true,
                ..kind("MainContentReference", MAX_URI)
            },
            false,
        ),
    ];
    content_fields(errors, path, &fields, context);
}

pub(super) fn transmission_content(
    errors: &mut Errors,
    path: &str,
    content: &TransmissionContent,
    context: &Context,
) {
    let fields: [(&Option<ContentValue>, ContentKind, bool); 3] = [
        (&content.title, kind("Title", MAX_STRING), true),
        (&content.summary, kind("Summary", MAX_STRING), false),
        (
            &content.content_reference,
            ContentKind {
                embeddable: true,
                ..kind("ContentReference", MAX_URI)
            },
            false,
        ),
    ];
    content_fields(errors, path, &fields, context);
}
