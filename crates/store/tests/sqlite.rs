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

for_each_conformance_test!(conformance);
