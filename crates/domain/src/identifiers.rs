//! Norwegian identifiers as Dialogporten validates them (authz.md §5, auth.md §6.5).
//!
//! Both organisation numbers and national identity numbers (fødselsnummer / d-nummer) end in
//! mod-11 check digits. Dialogporten checks only the digits and the check digits, not the
//! encoded birth date, so synthetic test numbers (month + 40 or + 80) are valid too.

use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("expected {expected} digits")]
    WrongLength { expected: usize },
    #[error("the mod-11 check digit does not match")]
    CheckDigit,
    #[error("unknown identifier prefix")]
    UnknownPrefix,
    #[error("not a valid UUID")]
    Uuid,
    #[error("not a valid e-mail address")]
    Email,
}

const ORG_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
const PID_WEIGHTS_1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const PID_WEIGHTS_2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// The mod-11 check digit for `digits` with `weights`, or `None` when the remainder makes
/// the number impossible (a check digit of 10).
fn mod11_check_digit(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        check => Some(check),
    }
}

fn ascii_digits(value: &str, expected: usize) -> Result<Vec<u32>, IdentifierError> {
    if value.len() != expected || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentifierError::WrongLength { expected });
    }
    Ok(value.bytes().map(|b| u32::from(b - b'0')).collect())
}

/// A nine-digit Norwegian organisation number with a valid mod-11 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganizationNumber(String);

impl OrganizationNumber {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        let digits = ascii_digits(value, 9)?;
        match mod11_check_digit(&digits[..8], &ORG_WEIGHTS) {
            Some(check) if check == digits[8] => Ok(Self(value.to_owned())),
            _ => Err(IdentifierError::CheckDigit),
        }
    }

    /// Completes eight leading digits with their check digit, when one exists.
    pub fn from_prefix(prefix: [u8; 8]) -> Option<Self> {
        let digits: Vec<u32> = prefix.iter().map(|d| u32::from(*d % 10)).collect();
        let check = mod11_check_digit(&digits, &ORG_WEIGHTS)?;
        let text: String = digits
            .iter()
            .chain([&check])
            .map(|d| char::from(b'0' + *d as u8))
            .collect();
        Some(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `urn:altinn:organization:identifier-no:<orgno>`
    pub fn urn(&self) -> String {
        format!("{}{}", PartyIdentifier::ORGANIZATION_PREFIX, self.0)
    }
}

impl fmt::Display for OrganizationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An eleven-digit fødselsnummer or d-nummer with two valid mod-11 check digits.
///
/// `Debug` masks the number: it is a personal identifier and must not reach the logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalIdentityNumber(String);

impl NationalIdentityNumber {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        let digits = ascii_digits(value, 11)?;
        let first = mod11_check_digit(&digits[..9], &PID_WEIGHTS_1);
        let second = mod11_check_digit(&digits[..10], &PID_WEIGHTS_2);
        if first == Some(digits[9]) && second == Some(digits[10]) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdentifierError::CheckDigit)
        }
    }

    /// Completes nine leading digits (birth date and individual number) with both check
    /// digits, when they exist.
    pub fn from_prefix(prefix: [u8; 9]) -> Option<Self> {
        let mut digits: Vec<u32> = prefix.iter().map(|d| u32::from(*d % 10)).collect();
        digits.push(mod11_check_digit(&digits, &PID_WEIGHTS_1)?);
        digits.push(mod11_check_digit(&digits, &PID_WEIGHTS_2)?);
        Some(Self(
            digits.iter().map(|d| char::from(b'0' + *d as u8)).collect(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `urn:altinn:person:identifier-no:<pid>`
    pub fn urn(&self) -> String {
        format!("{}{}", PartyIdentifier::PERSON_PREFIX, self.0)
    }
}

impl fmt::Debug for NationalIdentityNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalIdentityNumber({}*****)", &self.0[..6])
    }
}

/// The party identifiers Dialogporten uses in URNs (DP `Domain/Parties/*.cs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PartyIdentifier {
    Person(NationalIdentityNumber),
    Organization(OrganizationNumber),
    SystemUser(uuid::Uuid),
    IdportenEmail(String),
}

impl PartyIdentifier {
    pub const PERSON_PREFIX: &'static str = "urn:altinn:person:identifier-no:";
    pub const ORGANIZATION_PREFIX: &'static str = "urn:altinn:organization:identifier-no:";
    pub const SYSTEM_USER_PREFIX: &'static str = "urn:altinn:systemuser:uuid:";
    pub const IDPORTEN_EMAIL_PREFIX: &'static str = "urn:altinn:person:idporten-email:";

    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        if let Some(pid) = value.strip_prefix(Self::PERSON_PREFIX) {
            return NationalIdentityNumber::parse(pid).map(Self::Person);
        }
        if let Some(org) = value.strip_prefix(Self::ORGANIZATION_PREFIX) {
            return OrganizationNumber::parse(org).map(Self::Organization);
        }
        if let Some(id) = value.strip_prefix(Self::SYSTEM_USER_PREFIX) {
            return uuid::Uuid::parse_str(id)
                .map(Self::SystemUser)
                .map_err(|_| IdentifierError::Uuid);
        }
        if let Some(email) = value.strip_prefix(Self::IDPORTEN_EMAIL_PREFIX) {
            return match email.split_once('@') {
                Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                    Ok(Self::IdportenEmail(email.to_lowercase()))
                }
                _ => Err(IdentifierError::Email),
            };
        }
        Err(IdentifierError::UnknownPrefix)
    }
}

impl fmt::Display for PartyIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Person(pid) => write!(f, "{}{}", Self::PERSON_PREFIX, pid.as_str()),
            Self::Organization(org) => write!(f, "{}{}", Self::ORGANIZATION_PREFIX, org),
            Self::SystemUser(id) => write!(f, "{}{}", Self::SYSTEM_USER_PREFIX, id),
            Self::IdportenEmail(email) => write!(f, "{}{}", Self::IDPORTEN_EMAIL_PREFIX, email),
        }
    }
}

/// The date of birth in a Norwegian national identity number (authz.md §5): D-numbers add 40 to
/// the day, H-numbers 40 to the month, Tenor's synthetic persons 80 to the month; the century
/// comes from the individual number. `None` when the digits do not make a date.
pub fn date_of_birth(pid: &str) -> Option<String> {
    if pid.len() != 11 || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| pid[range].parse::<u32>().ok();
    let mut day = number(0..2)?;
    let mut month = number(2..4)?;
    let year = number(4..6)?;
    let individual = number(6..9)?;
    if day > 40 {
        day -= 40;
    }
    if month > 80 {
        month -= 80;
    } else if month > 40 {
        month -= 40;
    }
    let century = match individual {
        0..=499 => 1900,
        500..=749 if year >= 54 => 1800,
        500..=999 if year <= 39 => 2000,
        900..=999 if year >= 40 => 1900,
        _ => return None,
    };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(century + year).ok()?,
        month,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_follow_the_number_rules() {
        // Tenor (+80 on the month), 1900s by individual number 900–999.
        assert_eq!(date_of_birth("08844397713").as_deref(), Some("1943-04-08"));
        assert_eq!(date_of_birth("08895699684").as_deref(), Some("1956-09-08"));
        // NAV/Dolly (+40 on the month), D-number (+40 on the day).
        assert_eq!(date_of_birth("08454397713").as_deref(), Some("1943-05-08"));
        assert_eq!(date_of_birth("48044312345").as_deref(), Some("1943-04-08"));
        // Individual numbers 500–999 with a year ≤ 39 are the 2000s; 500–749 with ≥ 54 the 1800s.
        assert_eq!(date_of_birth("01011055555").as_deref(), Some("2010-01-01"));
        assert_eq!(date_of_birth("01019060012").as_deref(), Some("1890-01-01"));
        assert_eq!(date_of_birth("01014412345").as_deref(), Some("1944-01-01"));
        assert_eq!(date_of_birth("31029912345"), None, "no 31 February");
        assert_eq!(date_of_birth("0101"), None);
    }

    #[test]
    fn organisation_numbers_of_the_demo_registry_are_valid() {
        for org in [
            "991825827",
            "974760673",
            "974761076",
            "889640782",
            "310923044",
            "310057223",
        ] {
            assert!(OrganizationNumber::parse(org).is_ok(), "{org}");
        }
        assert_eq!(
            OrganizationNumber::parse("991825828"),
            Err(IdentifierError::CheckDigit)
        );
        assert_eq!(
            OrganizationNumber::parse("99182582"),
            Err(IdentifierError::WrongLength { expected: 9 })
        );
        assert_eq!(
            OrganizationNumber::parse("99182582a"),
            Err(IdentifierError::WrongLength { expected: 9 })
        );
    }

    #[test]
    fn national_identity_numbers_accept_synthetic_months_and_reject_bad_check_digits() {
        for pid in ["08844397713", "03886595947", "08895699684", "19914897281"] {
            assert!(NationalIdentityNumber::parse(pid).is_ok(), "{pid}");
        }
        assert_eq!(
            NationalIdentityNumber::parse("08844397714"),
            Err(IdentifierError::CheckDigit)
        );
        assert!(NationalIdentityNumber::parse("0884439771").is_err());
    }

    #[test]
    fn prefixes_complete_to_valid_numbers() {
        let org =
            OrganizationNumber::from_prefix([9, 9, 1, 8, 2, 5, 8, 2]).expect("check digit exists");
        assert_eq!(org.as_str(), "991825827");
        let pid = NationalIdentityNumber::from_prefix([0, 8, 8, 4, 4, 3, 9, 7, 7])
            .expect("check digits exist");
        assert_eq!(pid.as_str(), "08844397713");
    }

    #[test]
    fn party_identifiers_round_trip() {
        for urn in [
            "urn:altinn:person:identifier-no:08844397713",
            "urn:altinn:organization:identifier-no:991825827",
            "urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b",
            "urn:altinn:person:idporten-email:someone@example.com",
        ] {
            assert_eq!(
                PartyIdentifier::parse(urn)
                    .map(|p| p.to_string())
                    .as_deref(),
                Ok(urn)
            );
        }
        assert_eq!(
            PartyIdentifier::parse("urn:altinn:other:1"),
            Err(IdentifierError::UnknownPrefix)
        );
        assert!(format!("{:?}", NationalIdentityNumber::parse("08844397713")).contains("*****"));
    }
}
