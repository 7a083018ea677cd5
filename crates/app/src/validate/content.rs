//! Validation of localized texts and content values (api.md §2.2 "Localization", §2.3): unique
//! language codes after normalisation, ISO 639-1 codes, value lengths per field, and the media
//! types each content field allows (with the legacy-HTML and correspondence scopes), and the
//! tags legacy HTML may use.

use dp_domain::localization::{is_valid_language_code, normalize_language_code};

use super::{CORRESPONDENCE_MAX_STRING, Context, Errors, MAX_STRING, MAX_URI};
use crate::input::{Content, ContentValue, Localization, TransmissionContent};

const NORMALIZATION: &str =
    "Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).";
const EMBED_MARKDOWN: &str =
    "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown";
const EMBED_HTML: &str = "application/vnd.dialogporten.frontchannelembed-url;type=text/html";
const EMBED_MARKDOWN_DEPRECATED: &str =
    "application/vnd.dialogporten.frontchannelembed+json;type=markdown";
const EMBED_HTML_DEPRECATED: &str = "application/vnd.dialogporten.frontchannelembed+json;type=html";

/// The tags legacy HTML may use (DP `FluentValidationStringExtensions.AllowedTags`).
const HTML_TAGS: [&str; 14] = [
    "p", "a", "br", "em", "strong", "ul", "ol", "li", "table", "thead", "tbody", "tr", "td", "th",
];
const HTML_MESSAGE: &str = "Value contains unsupported HTML. The following tags are supported: \
[<p>,<a>,<br>,<em>,<strong>,<ul>,<ol>,<li>,<table>,<thead>,<tbody>,<tr>,<td>,<th>]. Tag attributes \
are not supported except for on '<a>' which must contain a 'href' starting with 'https://'.";

/// One start tag: its lower-cased name and attributes (lower-cased names, raw values).
struct StartTag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// Reads the start tag whose name begins at `text[0]`; returns it and the length consumed.
fn start_tag(text: &str) -> (StartTag, usize) {
    let end_of = |s: &str, stop: &dyn Fn(char) -> bool| s.find(stop).unwrap_or(s.len());
    let name_len = end_of(text, &|c: char| c.is_whitespace() || c == '/' || c == '>');
    let mut tag = StartTag {
        name: text[..name_len].to_ascii_lowercase(),
        attributes: Vec::new(),
    };
    let mut i = name_len;
    loop {
        let rest = &text[i..];
        let skipped = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_whitespace() || c == '/')
                .len();
        i += skipped;
        let rest = &text[i..];
        if rest.is_empty() {
            return (tag, i);
        }
        if rest.starts_with('>') {
            return (tag, i + 1);
        }
        let len = end_of(rest, &|c: char| c.is_whitespace() || "=>/".contains(c)).max(1);
        let name = rest[..len].to_ascii_lowercase();
        i += len;
        let after = text[i..].trim_start();
        let mut value = String::new();
        if let Some(after_eq) = after.strip_prefix('=') {
            let value_text = after_eq.trim_start();
            let start = text.len() - value_text.len();
            let (raw, consumed) = match value_text.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let inner = &value_text[1..];
                    let close = inner.find(quote).unwrap_or(inner.len());
                    (&inner[..close], (close + 2).min(value_text.len()))
                }
                _ => {
                    let len = end_of(value_text, &|c: char| c.is_whitespace() || c == '>');
                    (&value_text[..len], len)
                }
            };
            value = raw.to_owned();
            i = start + consumed;
        }
        tag.attributes.push((name, value));
    }
}

/// DP's `HtmlAgilityPackCheck`: every element is one of [`HTML_TAGS`] without attributes,
/// except `<a>`, which has exactly an `href` starting with `https://`. Closing tags, comments
/// and declarations are not elements; a `<` not followed by a letter is text.
fn is_supported_html(html: &str) -> bool {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        if after.starts_with(['!', '?', '/']) {
            rest = after.find('>').map_or("", |end| &after[end + 1..]);
            continue;
        }
        if !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            rest = after;
            continue;
        }
        let (tag, consumed) = start_tag(after);
        if !HTML_TAGS.contains(&tag.name.as_str()) {
            return false;
        }
        let valid = if tag.name == "a" {
            matches!(tag.attributes.as_slice(), [(name, value)]
                if name == "href" && value.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("https://")))
        } else {
            tag.attributes.is_empty()
        };
        if !valid {
            return false;
        }
        rest = &after[consumed..];
    }
    true
}

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
        // DP leaves the deprecated aliases out of the list it names.
        let list: Vec<String> = allowed
            .iter()
            .filter(|t| ![EMBED_MARKDOWN_DEPRECATED, EMBED_HTML_DEPRECATED].contains(t))
            .map(|t| format!("'{t}'"))
            .collect();
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
    if media_type == "text/html" {
        for (i, item) in items.iter().enumerate() {
            if item.value.as_deref().is_some_and(|v| !is_supported_html(v)) {
                errors.add(format!("{path}.value[{i}]"), HTML_MESSAGE);
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_html_allows_the_supported_tags_only() {
        for html in [
            "plain text, 1 < 2",
            "<p>Hei <STRONG>du</STRONG><br/><em>!</em></p><!-- <script> -->",
            "<a href=\"https://example.com/?a=1&b=2\">lenke</a>",
            "<a HREF='HTTPS://example.com'>lenke</a>",
            "<ul><li>1</li></ul><ol><li>2</li></ol>",
            "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
        ] {
            assert!(is_supported_html(html), "{html}");
        }
        for html in [
            "<script>alert(1)</script>",
            "<div>x</div>",
            "<p class=\"x\">x</p>",
            "<br clear>",
            "<a>no href</a>",
            "<a href=\"http://example.com\">x</a>",
            "<a href=\"https://example.com\" target=\"_blank\">x</a>",
            "<a href=https://x.no onclick=alert(1)>x</a>",
            "<p>ok</p><img src=\"https://x.no/i.png\">",
        ] {
            assert!(!is_supported_html(html), "{html}");
        }
    }
}
