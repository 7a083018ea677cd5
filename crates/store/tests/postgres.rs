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

for_each_conformance_test!(conformance);

/// Secrets are created first-writer-wins and replaced whole; single-use markers let exactly
/// one of several concurrent first uses through, across connections (as across instances),
/// and expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_state_secrets_and_single_use() {
    let Some(store) = store().await else { return };
    let shared = store.shared_state().expect("PostgreSQL shares state");
    assert_eq!(shared.load_secret("k").await.unwrap(), None);
    assert_eq!(
        shared.create_secret("k", b"first".to_vec()).await.unwrap(),
        b"first"
    );
    assert_eq!(
        shared.create_secret("k", b"second".to_vec()).await.unwrap(),
        b"first"
    );
    shared
        .replace_secret("k", b"rotated".to_vec())
        .await
        .unwrap();
    assert_eq!(shared.load_secret("k").await.unwrap().unwrap(), b"rotated");

    let attempts = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .shared_state()
                .unwrap()
                .first_use("client\0jti", 1_000, 10)
                .await
                .unwrap()
        })
    });
    let mut winners = 0;
    for attempt in attempts {
        winners += usize::from(attempt.await.unwrap());
    }
    assert_eq!(winners, 1, "exactly one first use");
    assert!(!shared.first_use("client\0jti", 1_000, 999).await.unwrap());
    assert!(
        shared.first_use("client\0jti", 2_000, 1_000).await.unwrap(),
        "usable again once expired"
    );
}

/// `searchLanguageCode` picks the stemming: a bokmål title is found by another form of its
/// word with `nb`, and by its exact words without a language (`simple`, as the real service).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_language_picks_the_stemming() {
    let Some(store) = store().await else { return };
    let d = conformance::dialog("ttd", "Skattemeldingen er klar", 0);
    store.insert_dialog(d.clone()).await.unwrap();
    let search = |text: &str, language: Option<&str>| dp_store::DialogQuery {
        org: vec!["ttd".into()],
        search: Some(text.into()),
        search_language: language.map(str::to_owned),
        limit: 10,
        ..dp_store::DialogQuery::default()
    };
    let found = |q| {
        let store = store.clone();
        async move { store.search_dialogs(q).await.unwrap().len() }
    };
    assert_eq!(found(search("skattemeldinger", Some("nb"))).await, 1);
    assert_eq!(found(search("skattemeldinger", None)).await, 0);
    assert_eq!(found(search("skattemeldingen", None)).await, 1);
}
