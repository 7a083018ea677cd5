//! Where the registry comes from: a file given at startup (validated, then stored), else the
//! one in the store, else the built-in demo registry (stored on first start).

use std::path::Path;

use anyhow::Context;
use dp_authz::{Registry, RegistryDocument};
use std::sync::Arc;

use dp_store::Store;

use crate::config::Config;

/// Opens the store: PostgreSQL when a database URL is configured, else the SQLite store in
/// the data directory (creating directory and database when missing). This is the one place
/// that picks the backend (issue 12: nothing else names it).
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(postgres) = config.postgres() {
        return dp_store::postgres::open(&postgres)
            .await
            .with_context(|| format!("opening {}", config.store_description()));
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let path = config.database_path();
    dp_store::sqlite::open(&path)
        .with_context(|| format!("opening SQLite store {}", path.display()))
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
pub async fn effective(config: &Config, store: &dyn Store) -> anyhow::Result<(Registry, Source)> {
    if let Some(path) = &config.registry {
        let registry = read_file(path)?;
        store.replace_registry(registry.document().clone()).await?;
        return Ok((registry, Source::File));
    }
    if let Some(document) = store.load_registry().await? {
        let registry = Registry::new(document)
            .context("the stored registry is invalid; import a valid one")?;
        return Ok((registry, Source::Stored));
    }
    let registry = Registry::demo();
    store.replace_registry(registry.document().clone()).await?;
    Ok((registry, Source::Demo))
}

/// A party identifier as a user types it: a URN, or a bare organisation number (9 digits) or
/// national identity number (11 digits).
pub fn party_urn(id: &str) -> String {
    let id = id.trim().to_lowercase();
    let digits = id.bytes().all(|b| b.is_ascii_digit());
    match id.len() {
        9 if digits => format!("urn:altinn:organization:identifier-no:{id}"),
        11 if digits => format!("urn:altinn:person:identifier-no:{id}"),
        _ => id,
    }
}

/// Adds a party to the stored registry, or renames it when it is there (`registry
/// add-party`), so an actor id can be named without writing a whole registry file. Returns
/// whether anything changed.
pub async fn add_party(
    store: &dyn Store,
    id: &str,
    name: &str,
    parent: Option<&str>,
) -> anyhow::Result<bool> {
    use dp_authz::registry::Party;
    let mut document = store
        .load_registry()
        .await?
        .unwrap_or_else(RegistryDocument::demo);
    let before = document.clone();
    let party = Party {
        identifier: party_urn(id),
        name: name.trim().to_owned(),
        parent: parent.map(party_urn),
    };
    anyhow::ensure!(!party.name.is_empty(), "the party's NAME must not be empty");
    match document
        .parties
        .iter_mut()
        .find(|p| p.identifier == party.identifier)
    {
        Some(existing) => *existing = party,
        None => document.parties.push(party),
    }
    if document == before {
        return Ok(false);
    }
    let registry = Registry::new(document).context("the registry with this party is invalid")?;
    store.replace_registry(registry.document().clone()).await?;
    Ok(true)
}

/// One right, as `registry grant|revoke` names it.
#[derive(Debug, Clone, PartialEq)]
pub enum Right {
    Role(String),
    Package(String),
    Resource {
        resource: String,
        actions: Option<Vec<String>>,
    },
    Instance {
        resource: String,
        instance_ref: String,
        actions: Option<Vec<String>>,
    },
}

/// Adds (`grant`) or removes a right from `from` to `to` in the stored registry, validates
/// the result and stores it (bumping the revision). Returns whether anything changed.
pub async fn change_right(
    store: &dyn Store,
    grant: bool,
    from: &str,
    to: &str,
    right: &Right,
) -> anyhow::Result<bool> {
    use dp_authz::registry::{
        InstanceDelegation, PackageAssignment, ResourceDelegation, RoleAssignment,
    };
    let mut document = store
        .load_registry()
        .await?
        .unwrap_or_else(RegistryDocument::demo);
    let (from, to) = (from.to_lowercase(), to.to_lowercase());
    let before = document.clone();
    match right {
        Right::Role(role) => {
            let role = role.to_uppercase();
            document
                .roles
                .retain(|r| !(r.from == from && r.to == to && r.role.eq_ignore_ascii_case(&role)));
            if grant {
                document.roles.push(RoleAssignment { from, to, role });
            }
        }
        Right::Package(package) => {
            let package = package.to_lowercase();
            document
                .packages
                .retain(|p| !(p.from == from && p.to == to && p.package == package));
            if grant {
                document
                    .packages
                    .push(PackageAssignment { from, to, package });
            }
        }
        Right::Resource { resource, actions } => {
            let resource = resource.to_lowercase();
            document.resource_delegations.retain(|d| {
                !(d.from == from && d.to == to && d.resource.to_lowercase() == resource)
            });
            if grant {
                document.resource_delegations.push(ResourceDelegation {
                    from,
                    to,
                    resource,
                    actions: actions.clone(),
                });
            }
        }
        Right::Instance {
            resource,
            instance_ref,
            actions,
        } => {
            let (resource, instance_ref) = (resource.to_lowercase(), instance_ref.to_lowercase());
            document.instance_delegations.retain(|d| {
                !(d.from == from && d.to == to && d.instance_ref.to_lowercase() == instance_ref)
            });
            if grant {
                document.instance_delegations.push(InstanceDelegation {
                    from,
                    to,
                    resource,
                    instance_ref,
                    actions: actions.clone(),
                });
            }
        }
    }
    if document == before {
        return Ok(false);
    }
    let registry = Registry::new(document).context("the registry with this change is invalid")?;
    store.replace_registry(registry.document().clone()).await?;
    Ok(true)
}
