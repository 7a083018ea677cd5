//! Language codes of localized texts (api.md §2.2): normalised by trimming, turning `_` into
//! `-`, lower-casing and keeping the part before `-` (`en_GB`, `en-US` → `en`), then checked
//! against ISO 639-1. `no` is refused: Norwegian texts are `nb` or `nn`.

/// ISO 639-1 two-letter codes as DP lists them (`Localization.cs`): with the withdrawn `bh`,
/// without `no` (see the module docs).
const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// The normalised form of a language code: `" en_GB "` → `"en"`.
pub fn normalize_language_code(code: &str) -> String {
    let lower = code.trim().replace('_', "-").to_lowercase();
    lower.split('-').next().unwrap_or_default().to_owned()
}

/// Whether a normalised code is an accepted ISO 639-1 code.
pub fn is_valid_language_code(normalized: &str) -> bool {
    ISO_639_1.binary_search(&normalized).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(normalize_language_code(" en_GB "), "en");
        assert_eq!(normalize_language_code("en-US"), "en");
        assert_eq!(normalize_language_code("NB"), "nb");
        for ok in ["nb", "nn", "en", "se", "sv"] {
            assert!(is_valid_language_code(ok), "{ok}");
        }
        for bad in ["no", "xx", "", "eng"] {
            assert!(!is_valid_language_code(bad), "{bad}");
        }
        assert!(
            ISO_639_1.windows(2).all(|w| w[0] < w[1]),
            "sorted for binary search"
        );
        assert_eq!(
            ISO_639_1.len(),
            183,
            "DP's list: ISO 639-1 with `bh`, without `no`"
        );
    }
}
