//! Just enough DER to read an `x5c` certificate: its RSA public key and validity period.
//!
//! The certificate is not trusted because it parses or chains to anything: a grant signed
//! under `x5c` is accepted only when the certificate's public key is one the client has
//! registered (auth.md §2.3–2.4), and the signature verifies with that registered key.

/// What a grant check needs from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// RSA modulus and exponent, big-endian without leading zeros.
    pub n: Vec<u8>,
    pub e: Vec<u8>,
    /// Validity period, Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const VERSION: u8 = 0xA0;
/// 1.2.840.113549.1.1.1
const RSA_ENCRYPTION: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// One tag-length-value: `(tag, content, rest)`. Definite lengths up to 4 bytes only.
fn tlv(data: &[u8]) -> Result<(u8, &[u8], &[u8]), &'static str> {
    let (&tag, rest) = data.split_first().ok_or("truncated DER")?;
    let (&first, rest) = rest.split_first().ok_or("truncated DER")?;
    let (length, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 || rest.len() < count {
            return Err("unsupported DER length");
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (length, &rest[count..])
    };
    if rest.len() < length {
        return Err("truncated DER");
    }
    Ok((tag, &rest[..length], &rest[length..]))
}

fn expect(data: &[u8], tag: u8) -> Result<(&[u8], &[u8]), &'static str> {
    match tlv(data)? {
        (found, content, rest) if found == tag => Ok((content, rest)),
        _ => Err("unexpected DER structure"),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn time(data: &[u8]) -> Result<(i64, &[u8]), &'static str> {
    let (tag, content, rest) = tlv(data)?;
    let text = std::str::from_utf8(content).map_err(|_| "invalid certificate time")?;
    let digits = text
        .strip_suffix('Z')
        .ok_or("certificate times must be UTC")?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid certificate time");
    }
    let number = |range: std::ops::Range<usize>| -> Result<i64, &'static str> {
        digits
            .get(range)
            .and_then(|d| d.parse().ok())
            .ok_or("invalid certificate time")
    };
    let (year, offset) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy = number(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (GENERALIZED_TIME, 14) => (number(0..4)?, 4),
        _ => return Err("invalid certificate time"),
    };
    let at = |i: usize| number(offset + i..offset + i + 2);
    let (month, day, hour, minute, second) = (at(0)?, at(2)?, at(4)?, at(6)?, at(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return Err("invalid certificate time");
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok((seconds, rest))
}

/// Reads an X.509 certificate (DER) far enough to get its RSA key and validity.
pub fn parse(der: &[u8]) -> Result<Certificate, &'static str> {
    let (certificate, trailing) = expect(der, SEQUENCE)?;
    if !trailing.is_empty() {
        return Err("data after the certificate");
    }
    let (tbs, _signature_parts) = expect(certificate, SEQUENCE)?;
    let mut rest = tbs;
    if rest.first() == Some(&VERSION) {
        rest = tlv(rest)?.2;
    }
    let (_serial, rest) = expect(rest, INTEGER)?;
    let (_algorithm, rest) = expect(rest, SEQUENCE)?;
    let (_issuer, rest) = expect(rest, SEQUENCE)?;
    let (validity, rest) = expect(rest, SEQUENCE)?;
    let (_subject, rest) = expect(rest, SEQUENCE)?;
    let (spki, _extensions) = expect(rest, SEQUENCE)?;
    let (not_before, validity_rest) = time(validity)?;
    let (not_after, _) = time(validity_rest)?;
    let (algorithm, spki_rest) = expect(spki, SEQUENCE)?;
    let (oid, _parameters) = expect(algorithm, OID)?;
    if oid != RSA_ENCRYPTION {
        return Err("the certificate's key is not an RSA key");
    }
    let (bits, _) = expect(spki_rest, BIT_STRING)?;
    let (&unused, key) = bits.split_first().ok_or("truncated DER")?;
    if unused != 0 {
        return Err("unexpected DER structure");
    }
    let (rsa_key, _) = expect(key, SEQUENCE)?;
    let (n, rsa_rest) = expect(rsa_key, INTEGER)?;
    let (e, _) = expect(rsa_rest, INTEGER)?;
    Ok(Certificate {
        n: strip_leading_zeros(n),
        e: strip_leading_zeros(e),
        not_before,
        not_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_times() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        let utc = [&[UTC_TIME, 13][..], b"250125150539Z"].concat();
        assert_eq!(time(&utc).map(|t| t.0), Ok(1_737_817_539));
        let generalized = [&[GENERALIZED_TIME, 15][..], b"20500101000000Z"].concat();
        assert_eq!(time(&generalized).map(|t| t.0), Ok(2_524_608_000));
        let local = [&[UTC_TIME, 11][..], b"2501251515Z"].concat();
        assert!(time(&local).is_err());
    }

    #[test]
    fn garbage_is_refused() {
        assert!(parse(&[]).is_err());
        assert!(parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(parse(&[0x30, 0x02, 0x02, 0x00]).is_err());
        assert!(parse(b"not a certificate").is_err());
    }
}
