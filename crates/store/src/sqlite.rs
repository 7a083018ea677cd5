//! The SQLite store: WAL journal (readers never block the writer), `synchronous = NORMAL`
//! (a committed transaction survives a process kill; only an OS crash may lose the last ones),
//! foreign keys on, and a busy timeout so concurrent connections wait instead of failing.

use std::path::Path;
use std::sync::Mutex;

use dp_authz::registry::{Party, RoleAssignment, Rule, ServiceOwner, ServiceResource};
use dp_authz::{RegistryDocument, ResourceType};
use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

/// Migrations in order; the index + 1 is the schema version after applying one.
const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_registry",
    include_str!("../migrations/sqlite/0001_registry.sql"),
)];

pub struct SqliteStore {
    writer: Mutex<Connection>,
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

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut connection = Connection::open(path)?;
        configure(&connection)?;
        migrate(&mut connection)?;
        Ok(Self {
            writer: Mutex::new(connection),
        })
    }

    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
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
            for table in ["role_assignment", "resource_rule", "service_resource", "service_owner", "party"] {
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
            Ok(Some(document))
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
                .is_some_and(|d| d.parties.len() == 6)
        );
    }
}
