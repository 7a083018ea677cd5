//! Timestamps as Dialogporten writes and reads them (api.md §0).
//!
//! Output is UTC in the round-trip "O" form with exactly seven fractional digits and `Z`
//! (`2024-07-31T09:09:03.0257090Z`). Input must carry an explicit offset (`Z` or `±hh:mm`);
//! anything else is refused with .NET's message, which names the offending value.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A point in time, kept in UTC with 100 ns precision (.NET ticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// The input was not a timestamp with an explicit offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The JSON value could not be converted to System.DateTimeOffset. Expected explicit offset postfix. For example '+00:00', '-05:00', 'Z'. Got '{0}'"
)]
pub struct TimestampError(pub String);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Truncates to 100 ns, the precision the wire format carries.
    pub fn from_datetime(value: OffsetDateTime) -> Self {
        let utc = value.to_offset(UtcOffset::UTC);
        let nanos = utc.nanosecond() / 100 * 100;
        Self(utc.replace_nanosecond(nanos).unwrap_or(utc))
    }

    pub fn from_unix_micros(micros: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
            .ok()
            .map(Self)
    }

    pub fn unix_micros(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1000) as i64
    }

    pub fn datetime(&self) -> OffsetDateTime {
        self.0
    }

    /// Parses RFC 3339 / ISO 8601 with an explicit `Z` or `±hh:mm` offset.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let error = || TimestampError(text.to_owned());
        let tail = text.get(text.len().saturating_sub(6)..).ok_or_else(error)?;
        let explicit = text.ends_with('Z')
            || text.ends_with('z')
            || (tail.len() == 6
                && matches!(tail.as_bytes()[0], b'+' | b'-')
                && tail.as_bytes()[3] == b':');
        if !explicit {
            return Err(error());
        }
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Self::from_datetime)
            .map_err(|_| error())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond() / 100
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_utc_with_seven_fractional_digits() {
        let t = Timestamp::parse("2024-07-31T11:09:03.025709+02:00").expect("valid");
        assert_eq!(t.to_string(), "2024-07-31T09:09:03.0257090Z");
        let whole = Timestamp::parse("2024-07-31T09:09:03Z").expect("valid");
        assert_eq!(whole.to_string(), "2024-07-31T09:09:03.0000000Z");
        let fine = Timestamp::parse("2024-07-31T09:09:03.123456789Z").expect("valid");
        assert_eq!(fine.to_string(), "2024-07-31T09:09:03.1234567Z");
        assert_eq!(
            serde_json::to_string(&fine).expect("json"),
            "\"2024-07-31T09:09:03.1234567Z\""
        );
        let micros = Timestamp::from_unix_micros(fine.unix_micros()).expect("in range");
        assert_eq!(micros.to_string(), "2024-07-31T09:09:03.1234560Z");
    }

    #[test]
    fn input_without_an_explicit_offset_is_refused_with_the_dotnet_message() {
        for bad in [
            "2024-07-31T09:09:03",
            "2024-07-31",
            "2024-07-31T09:09:03.123",
            "nonsense",
            "",
        ] {
            let error = Timestamp::parse(bad).expect_err(bad);
            assert!(
                error.to_string().ends_with(&format!("Got '{bad}'")),
                "{error}"
            );
            assert!(
                error
                    .to_string()
                    .starts_with("The JSON value could not be converted to System.DateTimeOffset.")
            );
        }
        assert!(Timestamp::parse("2024-07-31T09:09:03-05:00").is_ok());
        assert!(serde_json::from_str::<Timestamp>("\"2024-07-31T09:09:03\"").is_err());
    }
}
