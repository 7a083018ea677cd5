//! The SQLite store: WAL journal (readers never block the writer), `synchronous = NORMAL`
//! (a committed transaction survives a process kill; only an OS crash may lose the last ones),
//! foreign keys on, and a busy timeout so concurrent connections wait instead of failing.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use dp_authz::registry::{
    ApiScopeDelegation, InstanceDelegation, PackageAssignment, Party, ResourceDelegation,
    RoleAssignment, Rule, ServiceOwner, ServiceResource, SystemUser,
};
use dp_authz::{RegistryDocument, ResourceType};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::StoreError;

/// Migrations in order; the index + 1 is the schema version after applying one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_registry",
        include_str!("../migrations/sqlite/0001_registry.sql"),
    ),
    (
        "0002_dialogs",
        include_str!("../migrations/sqlite/0002_dialogs.sql"),
    ),
    (
        "0003_registry_rights",
        include_str!("../migrations/sqlite/0003_registry_rights.sql"),
    ),
    (
        "0004_api_scope_delegations",
        include_str!("../migrations/sqlite/0004_api_scope_delegations.sql"),
    ),
];

/// Read-only connections beside the writer: with WAL, readers never wait for the writer or
/// each other, so GETs and searches run in parallel while one command writes.
const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn configure(connection: &Connection) -> Result<(), StoreError> {
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::NewerSchema {
            found: version,
            known,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
        tracing::info!(migration = name, "applied SQLite migration");
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn resource_type_name(kind: ResourceType) -> String {
    to_json(&kind).trim_matches('"').to_owned()
}

fn actions_json(actions: &Option<Vec<String>>) -> Option<String> {
    actions.as_ref().map(to_json)
}

fn actions_from(text: Option<String>) -> Result<Option<Vec<String>>, StoreError> {
    text.map(|t| from_json(&t)).transpose()
}

/// System users, packages and delegations (migration 0003).
fn write_rights(
    tx: &rusqlite::Transaction<'_>,
    document: &RegistryDocument,
) -> Result<(), StoreError> {
    for user in &document.system_users {
        tx.execute(
            "insert into system_user (urn, owner_party, system_id, vendor_org_number, name) values (?1, ?2, ?3, ?4, ?5)",
            params![format!("urn:altinn:systemuser:uuid:{}", user.id), user.owner, user.system_id, user.vendor_org_number, user.name],
        )?;
    }
    for (i, p) in document.packages.iter().enumerate() {
        tx.execute(
            "insert into package_assignment (position, from_party, to_subject, package_code) values (?1, ?2, ?3, ?4)",
            params![i as i64, p.from, p.to, p.package],
        )?;
    }
    for (i, d) in document.resource_delegations.iter().enumerate() {
        tx.execute(
            "insert into resource_delegation (position, from_party, to_subject, resource, actions_json) values (?1, ?2, ?3, ?4, ?5)",
            params![i as i64, d.from, d.to, d.resource, actions_json(&d.actions)],
        )?;
    }
    for (i, d) in document.instance_delegations.iter().enumerate() {
        tx.execute(
            "insert into instance_delegation (position, from_party, to_subject, resource, instance_ref, actions_json) values (?1, ?2, ?3, ?4, ?5, ?6)",
            params![i as i64, d.from, d.to, d.resource, d.instance_ref, actions_json(&d.actions)],
        )?;
    }
    for (i, d) in document.api_scope_delegations.iter().enumerate() {
        tx.execute(
            "insert into api_scope_delegation (position, from_org, to_org, scopes_json) values (?1, ?2, ?3, ?4)",
            params![i as i64, d.from, d.to, to_json(&d.scopes)],
        )?;
    }
    Ok(())
}

fn read_rights(connection: &Connection, document: &mut RegistryDocument) -> Result<(), StoreError> {
    let mut statement = connection.prepare("select urn, owner_party, system_id, vendor_org_number, name from system_user order by rowid")?;
    let rows: Vec<(String, String, String, String, String)> = statement
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    for (urn, owner, system_id, vendor_org_number, name) in rows {
        document.system_users.push(SystemUser {
            id: urn
                .trim_start_matches("urn:altinn:systemuser:uuid:")
                .to_owned(),
            owner,
            system_id,
            vendor_org_number,
            name,
        });
    }
    let mut statement = connection.prepare(
        "select from_party, to_subject, package_code from package_assignment order by position",
    )?;
    for row in statement.query_map([], |r| {
        Ok(PackageAssignment {
            from: r.get(0)?,
            to: r.get(1)?,
            package: r.get(2)?,
        })
    })? {
        document.packages.push(row?);
    }
    let mut statement = connection.prepare("select from_party, to_subject, resource, actions_json from resource_delegation order by position")?;
    let rows: Vec<(String, String, String, Option<String>)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (from, to, resource, actions) in rows {
        document.resource_delegations.push(ResourceDelegation {
            from,
            to,
            resource,
            actions: actions_from(actions)?,
        });
    }
    let mut statement = connection.prepare(
        "select from_party, to_subject, resource, instance_ref, actions_json from instance_delegation order by position",
    )?;
    let rows: Vec<(String, String, String, String, Option<String>)> = statement
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    for (from, to, resource, instance_ref, actions) in rows {
        document.instance_delegations.push(InstanceDelegation {
            from,
            to,
            resource,
            instance_ref,
            actions: actions_from(actions)?,
        });
    }
    let mut statement = connection.prepare(
        "select from_org, to_org, scopes_json from api_scope_delegation order by position",
    )?;
    let rows: Vec<(String, String, String)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (from, to, scopes) in rows {
        document.api_scope_delegations.push(ApiScopeDelegation {
            from,
            to,
            scopes: from_json(&scopes)?,
        });
    }
    Ok(())
}

/// The database holds personal data: it is created readable by its owner only (0600, as the
/// signing keys), and an existing one is narrowed to that. SQLite gives its `-wal` and `-shm`
/// files the database file's mode (`findCreateFileMode` in its unix VFS); existing ones are
/// narrowed too.
fn restrict_to_owner(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| StoreError::Io(format!("creating {}: {e}", path.display())))?;
        let mut names = vec![path.as_os_str().to_owned()];
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            names.push(name);
        }
        for name in names {
            let file = Path::new(&name);
            if file.exists() {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| StoreError::Io(format!("restricting {}: {e}", file.display())))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        restrict_to_owner(path)?;
        let mut connection = Connection::open(path)?;
        configure(&connection)?;
        migrate(&mut connection)?;
        // Lets the planner gather the statistics it needs to pick the selective index for
        // each search filter (SQLite's recommendation for long-lived connections).
        connection.execute_batch("PRAGMA optimize=0x10002;")?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            reader.busy_timeout(std::time::Duration::from_secs(5))?;
            readers.push(Mutex::new(reader));
        }
        Ok(Self {
            writer: Mutex::new(connection),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Runs a read on a free reader connection (round robin, waiting only if all are busy).
    pub(crate) fn with_reader<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..self.readers.len() {
            let index = (start + offset) % self.readers.len();
            if let Ok(connection) = self.readers[index].try_lock() {
                return f(&connection);
            }
        }
        let index = start % self.readers.len();
        let connection = self.readers[index]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&connection)
    }

    pub(crate) fn with_connection<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        // A panic while holding the lock cannot leave a transaction open (rusqlite rolls back
        // on drop), so a poisoned lock is safe to reuse.
        let mut connection = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut connection)
    }

    /// Replaces the whole registry in one transaction.
    pub fn replace_registry(&self, document: &RegistryDocument) -> Result<(), StoreError> {
        self.with_connection(|connection| {
            let tx = connection.transaction()?;
            // Parties may name a parent listed after them; check references at commit.
            tx.pragma_update(None, "defer_foreign_keys", "ON")?;
            for table in [
                "api_scope_delegation",
                "instance_delegation",
                "resource_delegation",
                "package_assignment",
                "system_user",
                "role_assignment",
                "resource_rule",
                "service_resource",
                "service_owner",
                "party",
            ] {
                tx.execute(&format!("delete from {table}"), [])?;
            }
            for owner in &document.service_owners {
                tx.execute(
                    "insert into service_owner (org_code, org_number, name_json) values (?1, ?2, ?3)",
                    params![owner.org_code, owner.org_number, to_json(&owner.name)],
                )?;
            }
            for resource in &document.resources {
                tx.execute(
                    "insert into service_resource (identifier, resource_type, owner_org_code, title_json, minimum_authentication_level)
                     values (?1, ?2, ?3, ?4, ?5)",
                    params![
                        resource.identifier,
                        resource_type_name(resource.resource_type),
                        resource.owner,
                        to_json(&resource.title),
                        resource.minimum_authentication_level
                    ],
                )?;
                for (position, rule) in resource.rules.iter().enumerate() {
                    tx.execute(
                        "insert into resource_rule (resource_identifier, position, subjects_json, actions_json, resource_attributes_json)
                         values (?1, ?2, ?3, ?4, ?5)",
                        params![
                            resource.identifier,
                            position as i64,
                            to_json(&rule.subjects),
                            to_json(&rule.actions),
                            to_json(&rule.resource_attributes)
                        ],
                    )?;
                }
            }
            for party in &document.parties {
                tx.execute(
                    "insert into party (identifier, name, parent_identifier) values (?1, ?2, ?3)",
                    params![party.identifier, party.name, party.parent],
                )?;
            }
            for role in &document.roles {
                tx.execute(
                    "insert or ignore into role_assignment (from_party, to_party, role_code) values (?1, ?2, ?3)",
                    params![role.from, role.to, role.role],
                )?;
            }
            write_rights(&tx, document)?;
            tx.execute("update registry_meta set revision = revision + 1 where id = 1", [])?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The stored registry, or `None` when none was ever stored.
    pub fn load_registry(&self) -> Result<Option<RegistryDocument>, StoreError> {
        self.with_connection(|connection| {
            let owners: i64 = connection.query_row("select count(*) from service_owner", [], |r| r.get(0))?;
            let parties: i64 = connection.query_row("select count(*) from party", [], |r| r.get(0))?;
            if owners == 0 && parties == 0 {
                return Ok(None);
            }
            let mut document = RegistryDocument::default();
            let mut statement = connection.prepare("select org_code, org_number, name_json from service_owner order by rowid")?;
            for row in statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))? {
                let (org_code, org_number, name) = row?;
                document.service_owners.push(ServiceOwner { org_code, org_number, name: from_json(&name)? });
            }
            let mut rules = connection.prepare(
                "select subjects_json, actions_json, resource_attributes_json from resource_rule
                 where resource_identifier = ?1 order by position",
            )?;
            let mut statement = connection.prepare(
                "select identifier, resource_type, owner_org_code, title_json, minimum_authentication_level
                 from service_resource order by rowid",
            )?;
            let rows: Vec<(String, String, String, String, u8)> = statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect::<Result<_, _>>()?;
            for (identifier, kind, owner, title, level) in rows {
                let mut resource_rules = Vec::new();
                for rule in rules.query_map([&identifier], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))? {
                    let (subjects, actions, attributes) = rule?;
                    resource_rules.push(Rule {
                        subjects: from_json(&subjects)?,
                        actions: from_json(&actions)?,
                        resource_attributes: from_json(&attributes)?,
                    });
                }
                document.resources.push(ServiceResource {
                    identifier,
                    resource_type: from_json(&format!("\"{kind}\""))?,
                    owner,
                    title: from_json(&title)?,
                    minimum_authentication_level: level,
                    rules: resource_rules,
                });
            }
            let mut statement = connection.prepare("select identifier, name, parent_identifier from party order by rowid")?;
            for row in statement.query_map([], |r| Ok(Party { identifier: r.get(0)?, name: r.get(1)?, parent: r.get(2)? }))? {
                document.parties.push(row?);
            }
            let mut statement =
                connection.prepare("select from_party, to_party, role_code from role_assignment order by rowid")?;
            for row in statement.query_map([], |r| Ok(RoleAssignment { from: r.get(0)?, to: r.get(1)?, role: r.get(2)? }))? {
                document.roles.push(row?);
            }
            read_rights(connection, &mut document)?;
            Ok(Some(document))
        })
    }

    /// The registry's revision: it moves with every stored change (grants, revocations,
    /// imports), so a running server knows when to reload.
    pub fn registry_revision(&self) -> Result<i64, StoreError> {
        self.with_reader(|c| {
            Ok(
                c.prepare_cached("select revision from registry_meta where id = 1")?
                    .query_row([], |r| r.get(0))?,
            )
        })
    }

    /// The schema version, for startup logs.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.with_connection(|c| {
            Ok(c.pragma_query_value(None, "user_version", |row| row.get(0))
                .optional()?
                .unwrap_or(0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_round_trips_and_reopening_keeps_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.db");
        let store = SqliteStore::open(&path).expect("opened");
        assert_eq!(store.load_registry().expect("loaded"), None);
        let mut demo = RegistryDocument::demo();
        // A sub-unit listed before its main unit exercises the deferred foreign key.
        demo.parties.insert(
            0,
            Party {
                identifier: "urn:altinn:organization:identifier-no:310923044"
                    .replace("310923044", "311654306"),
                name: "UNDERENHET".into(),
                parent: Some("urn:altinn:organization:identifier-no:310923044".into()),
            },
        );
        store.replace_registry(&demo).expect("stored");
        assert_eq!(store.load_registry().expect("loaded"), Some(demo.clone()));
        drop(store);
        let reopened = SqliteStore::open(&path).expect("reopened");
        assert_eq!(
            reopened.schema_version().expect("version"),
            MIGRATIONS.len() as i64
        );
        assert_eq!(reopened.load_registry().expect("loaded"), Some(demo));

        // A reference to an unknown party is refused and leaves the old registry in place.
        let mut broken = RegistryDocument::demo();
        broken.roles[0].to = "urn:altinn:person:identifier-no:03886595947x".into();
        assert!(reopened.replace_registry(&broken).is_err());
        assert!(
            reopened
                .load_registry()
                .expect("loaded")
                .is_some_and(|d| d.parties.len() == RegistryDocument::demo().parties.len() + 1)
        );
    }
}
