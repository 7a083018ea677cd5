//! Single-use JWT grants: every accepted grant is remembered until it expires, so two
//! requests with the same grant cannot both succeed. [`ReplayCache`] remembers in this process,
//! under one lock; several instances on one database share a [`SingleUse`] on it instead
//! (issue 13 item 3), so a grant used on one instance is refused on every other.

/// Where accepted grants are remembered.
pub trait SingleUse: Send + Sync {
    /// Remembers `key` until `until`; `Ok(false)` when it was seen before and is still
    /// remembered; `Err` when the memory cannot be reached (the grant is then refused).
    fn first_use(&self, key: String, until: i64, now: i64) -> Result<bool, String>;

    /// How many grants are remembered, where that is cheap to know.
    fn entries(&self) -> Option<usize> {
        None
    }
}

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;

#[derive(Default)]
pub struct ReplayCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Grant key → Unix time until which it is remembered.
    seen: HashMap<String, i64>,
    next_sweep: i64,
}

/// Expired entries are dropped at most this often (seconds).
const SWEEP_INTERVAL: i64 = 10;

impl ReplayCache {
    /// Remembers `key` until `until`; false when it was seen before and is still remembered.
    pub fn first_use(&self, key: String, until: i64, now: i64) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if now >= inner.next_sweep {
            inner.seen.retain(|_, expires| *expires > now);
            inner.next_sweep = now + SWEEP_INTERVAL;
        }
        match inner.seen.entry(key) {
            Entry::Occupied(entry) if *entry.get() > now => false,
            Entry::Occupied(mut entry) => {
                entry.insert(until);
                true
            }
            Entry::Vacant(entry) => {
                entry.insert(until);
                true
            }
        }
    }

    /// How many grants are remembered.
    pub fn entries(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .seen
            .len()
    }
}

impl SingleUse for ReplayCache {
    fn first_use(&self, key: String, until: i64, now: i64) -> Result<bool, String> {
        Ok(ReplayCache::first_use(self, key, until, now))
    }

    fn entries(&self) -> Option<usize> {
        Some(ReplayCache::entries(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_until_it_expires_and_swept_after() {
        let cache = ReplayCache::default();
        assert!(cache.first_use("a".into(), 100, 0));
        assert!(!cache.first_use("a".into(), 100, 50));
        assert!(cache.first_use("b".into(), 100, 50));
        assert!(
            cache.first_use("a".into(), 200, 100),
            "expired: usable again"
        );
        assert!(cache.first_use("c".into(), 300, 250));
        assert_eq!(cache.entries(), 1, "a and b swept");
    }

    #[test]
    fn concurrent_uses_of_one_key_let_exactly_one_through() {
        let cache = std::sync::Arc::new(ReplayCache::default());
        let winners: usize = (0..8)
            .map(|_| {
                let cache = cache.clone();
                std::thread::spawn(move || usize::from(cache.first_use("k".into(), 100, 1)))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap_or(0))
            .sum();
        assert_eq!(winners, 1);
    }
}
