//! Revoked tokens of the embedded issuers (local mode).
//!
//! An embedded issuer that can revoke the access tokens it issued (ID-porten: a reused
//! authorization code, RFC 6749 §4.1.2; a reused refresh token, RFC 9700 §4.14.2; the
//! revocation endpoint, RFC 7009 §2) registers a [`RevocationList`] under its `iss`. The
//! [`TokenVerifier`](crate::TokenVerifier) asks it about every token of that issuer, on cache
//! hits too, so its verified-token cache never keeps a revoked token alive.
//!
//! The registry is process-wide and holds only weak references: a list goes away with its
//! issuer. Tokens of issuers that registered nothing (every remote issuer) are not looked up.

use std::sync::{Arc, LazyLock, RwLock, Weak};

use serde_json::{Map, Value};

/// Answers whether a verified token of its issuer has been revoked.
pub trait RevocationList: Send + Sync {
    /// `claims` are the verified claims of a token whose `iss` this list is registered for.
    fn is_revoked(&self, claims: &Map<String, Value>) -> bool;
}

type Entry = (String, Weak<dyn RevocationList>);

static LISTS: LazyLock<RwLock<Vec<Entry>>> = LazyLock::new(|| RwLock::new(Vec::new()));

/// Registers `list` for tokens whose `iss` is `issuer`, until the list is dropped.
pub fn register(issuer: &str, list: &Arc<dyn RevocationList>) {
    let mut lists = LISTS.write().unwrap_or_else(|p| p.into_inner());
    lists.retain(|(_, weak)| weak.strong_count() > 0);
    lists.push((issuer.to_owned(), Arc::downgrade(list)));
}

/// Whether a registered list of the token's issuer says it is revoked.
pub fn is_revoked(claims: &Map<String, Value>) -> bool {
    let Some(iss) = claims.get("iss").and_then(Value::as_str) else {
        return false;
    };
    let lists = LISTS.read().unwrap_or_else(|p| p.into_inner());
    lists
        .iter()
        .filter(|(issuer, _)| issuer == iss)
        .filter_map(|(_, weak)| weak.upgrade())
        .any(|list| list.is_revoked(claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Jti(&'static str);

    impl RevocationList for Jti {
        fn is_revoked(&self, claims: &Map<String, Value>) -> bool {
            claims.get("jti").and_then(Value::as_str) == Some(self.0)
        }
    }

    fn claims(iss: &str, jti: &str) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("iss".into(), Value::from(iss));
        map.insert("jti".into(), Value::from(jti));
        map
    }

    #[test]
    fn lists_answer_for_their_issuer_until_dropped() {
        let list: Arc<dyn RevocationList> = Arc::new(Jti("gone"));
        register("https://revocation.test/a", &list);
        assert!(is_revoked(&claims("https://revocation.test/a", "gone")));
        assert!(!is_revoked(&claims("https://revocation.test/a", "live")));
        assert!(!is_revoked(&claims("https://revocation.test/b", "gone")));
        drop(list);
        assert!(!is_revoked(&claims("https://revocation.test/a", "gone")));
    }
}
