//! The storage conformance suite on PostgreSQL, each test on a fresh schema of the database
//! `DP_TEST_DATABASE_URL` names (skipped, with a note, when none answers).
#![allow(clippy::unwrap_used)]

mod conformance;

use std::sync::Arc;

use dp_store::Store;
use dp_store::postgres::{PostgresConfig, scratch};

async fn store() -> Option<Arc<dyn Store>> {
    let url = scratch::database_url().await?;
    let url = scratch::schema(&url).await.unwrap();
    Some(
        dp_store::postgres::open(&PostgresConfig::new(url))
            .await
            .unwrap(),
    )
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = store().await else { return };
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
}
