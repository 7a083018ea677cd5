//! Where the registry comes from: a file given at startup (validated, then stored), else the
//! one in the store, else the built-in demo registry (stored on first start).

use std::path::Path;

use anyhow::Context;
use dp_authz::{Registry, RegistryDocument};
use dp_store::SqliteStore;

use crate::config::Config;

/// Opens the store in the data directory, creating directory and database when missing.
pub fn open_store(config: &Config) -> anyhow::Result<SqliteStore> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let path = config.database_path();
    SqliteStore::open(&path).with_context(|| format!("opening SQLite store {}", path.display()))
}

/// Reads and validates a registry file; errors name the file and the entry.
pub fn read_file(path: &Path) -> anyhow::Result<Registry> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading registry {}", path.display()))?;
    let document = RegistryDocument::from_json(&text)
        .with_context(|| format!("registry {}", path.display()))?;
    Registry::new(document).with_context(|| format!("registry {}", path.display()))
}

/// Where the effective registry came from, for the startup log.
pub enum Source {
    File,
    Stored,
    Demo,
}

/// The registry the server runs with, stored so the next start finds it.
pub fn effective(config: &Config, store: &SqliteStore) -> anyhow::Result<(Registry, Source)> {
    if let Some(path) = &config.registry {
        let registry = read_file(path)?;
        store.replace_registry(registry.document())?;
        return Ok((registry, Source::File));
    }
    if let Some(document) = store.load_registry()? {
        let registry = Registry::new(document)
            .context("the stored registry is invalid; import a valid one")?;
        return Ok((registry, Source::Stored));
    }
    let registry = Registry::demo();
    store.replace_registry(registry.document())?;
    Ok((registry, Source::Demo))
}
