//! Validation errors the way FluentValidation words and keys them (api.md §2, §4.10).
//!
//! Keys are camel-cased property paths under `dto.` (`dto.attachments[0].urls`); display names
//! in messages are the raw member names (`'Progress'`), as DP configures
//! `DisplayNameResolver = member.Name`; lengths count UTF-16 code units, as .NET strings do.
//!
//! The create-dialog validators form one tree without a circle: [`create`] (the dialog's own
//! fields, DP's `CreateDialogDtoValidator`) calls [`children`] (attachments, transmissions,
//! activities, actions, api.md §2.2), which calls [`content`] (content values and
//! localizations, §2.3); all three use the collector and the limits defined here once.

pub mod children;
pub mod content;
pub mod create;

use std::collections::HashSet;

use dp_domain::{NationalIdentityNumber, OrganizationNumber, Timestamp};
use uuid::Uuid;

use crate::{AppError, FieldErrors};

/// `Constants.DefaultMaxStringLength` of the real service.
pub const MAX_STRING: usize = 255;
/// `Constants.DefaultMaxUriLength`.
pub const MAX_URI: usize = 1023;
/// String limits for callers with the correspondence scope.
pub const CORRESPONDENCE_MAX_STRING: usize = 512;
/// `Limits.ServiceOwnerSearch` / `Limits.EndUserSearch`: values per list filter (`org`,
/// `serviceResource`, `party`, …); `/metadata/limits` publishes them.
pub const MAX_FILTER_VALUES: usize = 20;
/// `party` values of an end-user search or parties filter (and of a service-owner search with
/// `endUserId`).
pub const MAX_END_USER_PARTY_VALUES: usize = 100;
/// A free-text search has at least this many characters.
pub const MIN_SEARCH_LENGTH: usize = 3;
/// Timestamps and UUIDv7 times may lie this far in the future (DP `FutureTolerance`).
const FUTURE_TOLERANCE_MICROS: i64 = 15_000_000;

/// The real service's party-identifier message (`IsValidPartyIdentifier`) for member `name`.
pub fn party_format_message(name: &str) -> String {
    format!(
        "'{name}' must be on format 'urn:altinn:organization:identifier-no:{{norwegian org-nr}}', \
         'urn:altinn:person:identifier-no:{{norwegian f-nr/d-nr}}', \
         'urn:altinn:person:legacy-selfidentified:{{username}}' or \
         'urn:altinn:person:idporten-email:{{e-mail}}' with valid values, respectively."
    )
}

/// The length .NET reports for a string: UTF-16 code units.
pub fn dotnet_length(value: &str) -> usize {
    value.encode_utf16().count()
}

/// Collected errors, keyed by property path.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Errors(FieldErrors);

impl Errors {
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.entry(path.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, path: &str) -> Option<&[String]> {
        self.0.get(path).map(Vec::as_slice)
    }

    /// `Ok(())` when nothing was collected, else the 400 ProblemDetails error.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }

    /// FluentValidation `NotEmpty` / `NotNull`.
    pub fn not_empty(&mut self, path: &str, name: &str) {
        self.add(path, format!("'{name}' must not be empty."));
    }

    /// FluentValidation `MaximumLength`, when `value` is over `max`.
    pub fn max_length(&mut self, path: &str, name: &str, value: Option<&str>, max: usize) {
        if let Some(length) = value.map(dotnet_length).filter(|l| *l > max) {
            self.add(
                path,
                format!("The length of '{name}' must be {max} characters or fewer. You entered {length} characters."),
            );
        }
    }

    /// FluentValidation `MinimumLength`, when `value` is under `min`.
    pub fn min_length(&mut self, path: &str, name: &str, value: Option<&str>, min: usize) {
        if let Some(length) = value.map(dotnet_length).filter(|l| *l < min) {
            self.add(
                path,
                format!("The length of '{name}' must be at least {min} characters. You entered {length} characters."),
            );
        }
    }

    /// FluentValidation `Length(min, max)`, when `value` is outside it.
    pub fn length_between(
        &mut self,
        path: &str,
        name: &str,
        value: Option<&str>,
        min: usize,
        max: usize,
    ) {
        if let Some(length) = value.map(dotnet_length).filter(|l| *l < min || *l > max) {
            self.add(
                path,
                format!("'{name}' must be between {min} and {max} characters. You entered {length} characters."),
            );
        }
    }

    /// FluentValidation `InclusiveBetween`, when `value` is outside it.
    pub fn between(&mut self, path: &str, name: &str, value: Option<i64>, from: i64, to: i64) {
        if let Some(value) = value.filter(|v| *v < from || *v > to) {
            self.add(
                path,
                format!("'{name}' must be between {from} and {to}. You entered {value}."),
            );
        }
    }
}

/// What validation needs besides the body.
pub struct Context {
    pub now: Timestamp,
    /// The caller has `digdir:dialogporten.serviceprovider.admin`.
    pub is_admin: bool,
    /// The caller has the correspondence scope: 255-character limits become 512.
    pub correspondence: bool,
    /// The caller has `digdir:dialogporten.serviceprovider.legacyhtml`: HTML media types allowed.
    pub legacy_html: bool,
    /// Transmissions the dialog has already (updates): related ids and activity
    /// `transmissionId`s may name them as well as the request's own.
    pub existing_transmissions: Vec<Uuid>,
    /// PUT/PATCH rather than create: references to transmissions are checked by the handler
    /// (422, api.md §2.5), the stored `visibleFrom` bounds `dueAt` for admins too, and only
    /// new attachments must not have expired.
    pub is_update: bool,
    /// Dialog attachments the dialog has already (updates).
    pub existing_attachments: Vec<Uuid>,
}

/// `DateTimeOffset.ToString("o")` for a UTC time: seven fractional digits and `+00:00`.
fn round_trip_offset(t: Timestamp) -> String {
    let text = t.to_string();
    format!("{}+00:00", text.trim_end_matches('Z'))
}

/// The unix-millisecond timestamp of a UUIDv7 (its first 48 bits, big endian).
fn uuid_v7_millis(id: &Uuid) -> i64 {
    let bytes = id.as_bytes();
    bytes[..6]
        .iter()
        .fold(0i64, |acc, b| (acc << 8) | i64::from(*b))
}

/// DP's `IsValidUuidV7().UuidV7TimestampIsInPast(clock)`; both messages can apply.
pub fn uuid_v7(errors: &mut Errors, path: &str, name: &str, id: Option<&Uuid>, now: Timestamp) {
    let Some(id) = id else { return };
    if id.get_version_num() != 7 || id.get_variant() != uuid::Variant::RFC4122 {
        errors.add(
            path,
            format!("Invalid {name}. Expected big endian UUIDv7 format. Got '{id}'."),
        );
    }
    let date = Timestamp::from_unix_micros(uuid_v7_millis(id).saturating_mul(1000));
    let in_past =
        date.is_some_and(|d| d.unix_micros() < now.unix_micros() + FUTURE_TOLERANCE_MICROS);
    if !in_past {
        let date = date.map_or_else(|| "invalid date".to_owned(), round_trip_offset);
        errors.add(
            path,
            format!(
                "Invalid {name}. Expected the unix timestamp portion of the UUIDv7 to be in the past. Extrapolated '{date}' from '{id}'."
            ),
        );
    }
}

/// DP's `IsInPast(clock)`: at most 15 s ahead of now.
pub fn in_past(
    errors: &mut Errors,
    path: &str,
    name: &str,
    value: Option<Timestamp>,
    now: Timestamp,
) {
    if value.is_some_and(|v| v.unix_micros() > now.unix_micros() + FUTURE_TOLERANCE_MICROS) {
        errors.add(path, format!("'{name}' must be in the past."));
    }
}

/// `Uri.IsWellFormedUriString(value, UriKind.RelativeOrAbsolute)`, approximated: no spaces,
/// control characters, backslashes or other characters .NET wants escaped (`|`, `"`, `<`,
/// `>`, `{`, `}`, `^`, `` ` ``), and an absolute URI has a valid scheme.
pub fn is_well_formed_uri(value: &str) -> bool {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\\|\"<>{}^`".contains(c))
    {
        return false;
    }
    match value.split_once(':') {
        Some((scheme, _)) if !scheme.contains('/') => is_scheme(scheme),
        _ => true,
    }
}

fn is_scheme(scheme: &str) -> bool {
    scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// The absolute-URI rule of `process` and `precedingProcess` (and the searches' `process`
/// filter): well formed and with a scheme (`urn:…`, `https://…`).
pub fn is_absolute_uri(value: &str) -> bool {
    is_well_formed_uri(value)
        && value
            .split_once(':')
            .is_some_and(|(scheme, rest)| is_scheme(scheme) && !rest.is_empty())
}

/// DP's party identifiers for a dialog: person, organisation, legacy self-identified user or
/// ID-porten e-mail user.
pub fn is_valid_party(value: &str) -> bool {
    if let Some(pid) = value.strip_prefix("urn:altinn:person:identifier-no:") {
        return NationalIdentityNumber::parse(pid).is_ok();
    }
    if let Some(org) = value.strip_prefix("urn:altinn:organization:identifier-no:") {
        return OrganizationNumber::parse(org).is_ok();
    }
    if let Some(user) = value.strip_prefix("urn:altinn:person:legacy-selfidentified:") {
        return !user.is_empty();
    }
    if let Some(email) = value.strip_prefix("urn:altinn:person:idporten-email:") {
        return email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty());
    }
    false
}

/// FluentValidation's `UniqueBy`: "Can not contain duplicate items: [a,b]." (null keys ignored).
pub fn unique_by<K: std::hash::Hash + Eq + Clone + std::fmt::Display>(
    errors: &mut Errors,
    path: &str,
    keys: impl IntoIterator<Item = Option<K>>,
) {
    let mut seen = HashSet::new();
    let mut duplicates: Vec<K> = Vec::new();
    for key in keys.into_iter().flatten() {
        if !seen.insert(key.clone()) && !duplicates.contains(&key) {
            duplicates.push(key);
        }
    }
    if !duplicates.is_empty() {
        let list: Vec<String> = duplicates.iter().map(ToString::to_string).collect();
        errors.add(
            path,
            format!("Can not contain duplicate items: [{}].", list.join(",")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_fluentvalidation_defaults() {
        let mut errors = Errors::default();
        errors.between("dto.progress", "Progress", Some(101), 0, 100);
        errors.between("dto.progress", "Progress", Some(50), 0, 100);
        errors.max_length(
            "dto.externalReference",
            "ExternalReference",
            Some(&"x".repeat(256)),
            255,
        );
        errors.length_between("dto.idempotentKey", "IdempotentKey", Some("ab"), 3, 36);
        errors.not_empty("dto.party", "Party");
        assert_eq!(
            errors.get("dto.progress"),
            Some(&["'Progress' must be between 0 and 100. You entered 101.".to_owned()][..])
        );
        assert_eq!(
            errors.get("dto.externalReference").map(|m| m[0].as_str()),
            Some(
                "The length of 'ExternalReference' must be 255 characters or fewer. You entered 256 characters."
            )
        );
        assert_eq!(
            errors.get("dto.idempotentKey").map(|m| m[0].as_str()),
            Some("'IdempotentKey' must be between 3 and 36 characters. You entered 2 characters.")
        );
        assert_eq!(
            errors.get("dto.party").map(|m| m[0].as_str()),
            Some("'Party' must not be empty.")
        );
        assert!(matches!(errors.into_result(), Err(AppError::Validation(map)) if map.len() == 4));
        // Astral characters count twice, as in .NET.
        assert_eq!(dotnet_length("😀"), 2);
    }
}
