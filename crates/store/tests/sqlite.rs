//! The storage conformance suite on SQLite, each test on a fresh database file.
#![allow(clippy::unwrap_used)]

mod conformance;

use dp_store::SqliteStore;

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    (dir, store)
}

#[test]
fn round_trip_and_compare_and_swap() {
    let (_dir, store) = store();
    conformance::round_trip_and_compare_and_swap(&store);
}

#[test]
fn uniqueness() {
    let (_dir, store) = store();
    conformance::uniqueness(&store);
}

#[test]
fn search() {
    let (_dir, store) = store();
    conformance::search(&store);
}

#[test]
fn bulk_updates_are_all_or_nothing() {
    let (_dir, store) = store();
    conformance::bulk_updates_are_all_or_nothing(&store);
}
