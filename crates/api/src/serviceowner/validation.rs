//! Validation errors the way FluentValidation words and keys them (api.md §2, §4.10).
//!
//! Keys are camel-cased property paths under `dto.` (`dto.attachments[0].urls`); display names
//! in messages are the raw member names (`'Progress'`), as DP configures
//! `DisplayNameResolver = member.Name`; lengths count UTF-16 code units, as .NET strings do.

use crate::problem::{ApiError, FieldErrors};

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
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
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
        assert!(matches!(errors.into_result(), Err(ApiError::Validation(map)) if map.len() == 4));
        // Astral characters count twice, as in .NET.
        assert_eq!(dotnet_length("😀"), 2);
    }
}
