//! The storage conformance suite on SQLite, each test on a fresh database file.
#![allow(clippy::unwrap_used)]

mod conformance;

use std::sync::Arc;

use dp_store::Store;

fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = dp_store::sqlite::open(&dir.path().join("store.db")).unwrap();
    (dir, store)
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_dir, store) = store();
                conformance::$name(store.as_ref()).await;
            }
        )*
    };
}

conformance! {
    round_trip_and_compare_and_swap,
    uniqueness,
    search,
    bulk_updates_are_all_or_nothing,
    bulk_inserts_are_all_or_nothing,
    registry_round_trip_and_revision,
    search_filters,
    resources_in_use,
    large_batches_are_stored_like_single_inserts,
}
