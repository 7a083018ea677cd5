//! `dialogporten store copy` (issue 13 item 5): a generated SQLite data directory copied to
//! PostgreSQL and back arrives whole (every dialog, deleted ones too, equal field by field, the
//! registry, the signing keys), a non-empty target is refused without `--force`, and a bad
//! location is a clear error. Skipped (with a note) without PostgreSQL.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;

use dialogporten::generate::{GenerateOptions, generate};
use dp_domain::dialog::Dialog;
use dp_domain::enums::DeletedFilter;
use dp_store::{DialogQuery, Order, OrderKey, Store};

const BIN: &str = env!("CARGO_BIN_EXE_dialogporten");

fn copy(from: &str, to: &str, extra: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["store", "copy", "--from", from, "--to", to])
        .args(extra)
        .env_remove("DIALOGPORTEN_CONFIG")
        .output()
        .unwrap()
}

/// Every dialog of a store, in id order.
async fn all(store: &dyn Store) -> Vec<Dialog> {
    store
        .search_dialogs(DialogQuery {
            deleted: Some(DeletedFilter::Include),
            order: vec![Order {
                key: OrderKey::Id,
                descending: false,
            }],
            limit: 1_000_000,
            ..DialogQuery::default()
        })
        .await
        .unwrap()
}

fn sqlite(dir: &std::path::Path) -> Arc<dyn Store> {
    dp_store::sqlite::open(&dir.join("dialogporten.db")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_store_copied_to_postgres_and_back_arrives_whole() {
    let Some(url) = dp_store::postgres::scratch::database_url().await else {
        return;
    };
    let url = dp_store::postgres::scratch::schema(&url).await.unwrap();
    let source_dir = tempfile::tempdir().unwrap();
    let source = sqlite(source_dir.path());
    let options = GenerateOptions {
        dialogs: 2_345,
        parties: 200,
        service_owners: 2,
        seed: 7,
    };
    generate(source.as_ref(), &options, false).await.unwrap();
    // A deleted dialog goes along too.
    let mut deleted = all(source.as_ref()).await.remove(17);
    let version = source
        .get_dialog(deleted.id)
        .await
        .unwrap()
        .unwrap()
        .version;
    deleted.deleted_at = Some(dp_domain::Timestamp::now());
    source.update_dialog(deleted, version).await.unwrap();
    // Keys exist in the data directory as a server creates them.
    let ring = dp_auth::DialogTokenKeyRing::load_or_create(source_dir.path()).unwrap();
    let from = format!("sqlite:{}", source_dir.path().display());

    let output = copy(&from, &url, &[]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("copied 2345 dialogs") && text.contains("counts verified"),
        "{text}"
    );

    let target = dp_store::postgres::open(&dp_store::postgres::PostgresConfig::new(&url))
        .await
        .unwrap();
    let expected = all(source.as_ref()).await;
    assert_eq!(all(target.as_ref()).await, expected);
    assert_eq!(
        target.load_registry().await.unwrap(),
        source.load_registry().await.unwrap()
    );
    let shared = target.shared_state().unwrap();
    assert_eq!(
        shared.load_secret("dialog-token-keys.json").await.unwrap(),
        Some(ring.to_json()),
        "the dialog-token keys went along"
    );

    // Into a store that holds dialogs only when asked.
    let again = copy(&from, &url, &[]);
    assert!(!again.status.success());
    let error = String::from_utf8_lossy(&again.stderr);
    assert!(
        error.contains("already holds 2345 dialogs") && error.contains("--force"),
        "{error}"
    );

    // And back, into a fresh data directory.
    let back_dir = tempfile::tempdir().unwrap();
    let back = copy(&url, &format!("sqlite:{}", back_dir.path().display()), &[]);
    assert!(back.status.success(), "{back:?}");
    assert_eq!(all(sqlite(back_dir.path()).as_ref()).await, expected);

    let bad = copy("mysql://x", &url, &[]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("sqlite:DIR"));
}
