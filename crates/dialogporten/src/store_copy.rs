//! `dialogporten store copy --from SOURCE --to TARGET` (issue 13 item 5): moves a deployment
//! between the embedded SQLite store and PostgreSQL, either way. The registry goes first, then
//! the dialogs in batches in id order (each batch one transaction on the target), with a
//! progress bar; at the end the counts of both stores must agree. A target that already holds
//! dialogs is refused unless `--force`. Signing keys go with the data from a SQLite data
//! directory to PostgreSQL, so tokens and dialog tokens keep verifying after the move.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use dp_domain::enums::DeletedFilter;
use dp_store::{CursorValue, DialogQuery, Order, OrderKey, Store};
use uuid::Uuid;

/// Dialogs per batch (one read and one write transaction each).
pub const BATCH: usize = 1_000;

/// Where a store is: `sqlite:DIR` (a data directory, as `--data-dir`) or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::str::FromStr for Location {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            dp_store::postgres::check_url(text)?;
            return Ok(Self::Postgres(text.to_owned()));
        }
        match text.strip_prefix("sqlite:") {
            Some(dir) if !dir.is_empty() => Ok(Self::Sqlite(PathBuf::from(dir))),
            _ => Err(format!(
                "{text:?} is neither sqlite:DIR (a data directory) nor a postgres:// URL"
            )),
        }
    }
}

impl Location {
    fn describe(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("SQLite {}", dir.join("dialogporten.db").display()),
            Self::Postgres(_) => "PostgreSQL".into(),
        }
    }

    async fn open(
        &self,
        database: &crate::config::DatabaseSettings,
    ) -> anyhow::Result<Arc<dyn Store>> {
        let mut config = crate::config::Config {
            database: database.clone(),
            ..crate::config::Config::default()
        };
        match self {
            Self::Sqlite(dir) => config.data_dir = dir.clone(),
            Self::Postgres(url) => config.database_url = Some(url.clone()),
        }
        crate::registry::open_store(&config).await
    }
}

/// What a copy moved.
#[derive(Debug)]
pub struct Copied {
    pub dialogs: u64,
    pub keys: usize,
    pub seconds: f64,
}

/// Copies everything of `from` into `to`.
pub async fn copy(
    from: &Location,
    to: &Location,
    force: bool,
    progress: bool,
    database: &crate::config::DatabaseSettings,
) -> anyhow::Result<Copied> {
    anyhow::ensure!(from != to, "--from and --to name the same store");
    let started = std::time::Instant::now();
    let source = from.open(database).await.context("opening the source")?;
    let target = to.open(database).await.context("opening the target")?;
    let existing = target.dialog_count().await?;
    anyhow::ensure!(
        existing == 0 || force,
        "the target ({}) already holds {existing} dialogs; copy into an empty store, or give --force \
         to add to it (its registry is replaced)",
        to.describe()
    );
    if let Some(document) = source.load_registry().await? {
        target
            .replace_registry(document)
            .await
            .context("storing the registry")?;
    }
    let keys = copy_keys(from, target.as_ref()).await?;
    let total = source.dialog_count().await?;
    let bar = progress_bar(total, progress);
    let mut after: Option<Uuid> = None;
    let mut copied = 0u64;
    loop {
        let batch = source.search_dialogs(page_after(after)).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        copied += batch.len() as u64;
        target
            .insert_dialogs(batch)
            .await
            .map_err(|e| anyhow::anyhow!("writing to the target: {e}"))?;
        bar.set_position(copied);
    }
    bar.finish();
    let (source_count, target_count) = (source.dialog_count().await?, target.dialog_count().await?);
    anyhow::ensure!(
        source_count == copied && target_count == existing + copied,
        "counts disagree after the copy: source {source_count}, copied {copied}, target \
         {target_count} (held {existing} before)"
    );
    Ok(Copied {
        dialogs: copied,
        keys,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The next batch in id order, deleted dialogs included.
fn page_after(after: Option<Uuid>) -> DialogQuery {
    DialogQuery {
        deleted: Some(DeletedFilter::Include),
        order: vec![Order {
            key: OrderKey::Id,
            descending: false,
        }],
        after: after.map(|id| vec![Some(CursorValue::Id(id))]),
        limit: BATCH,
        ..DialogQuery::default()
    }
}

fn progress_bar(total: u64, visible: bool) -> indicatif::ProgressBar {
    if !visible {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} dialogs  {per_sec}  {elapsed_precise} elapsed, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Key files of a SQLite data directory into a PostgreSQL target's secrets (the names
/// [`crate::keys`] loads them by); nothing otherwise. Returns how many were copied.
async fn copy_keys(from: &Location, target: &dyn Store) -> anyhow::Result<usize> {
    let (Location::Sqlite(dir), Some(shared)) = (from, target.shared_state()) else {
        return Ok(0);
    };
    let mut copied = 0;
    for name in crate::keys::KEY_FILES {
        let path = dir.join("keys").join(name);
        match std::fs::read(&path) {
            Ok(bytes) => {
                shared.replace_secret(name, bytes).await?;
                copied += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
    Ok(copied)
}
