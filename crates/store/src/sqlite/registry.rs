//! The registry in SQLite: one table per kind of entry (migrations 0001, 0003, 0004), replaced
//! as a whole in one transaction, with a revision row that moves on every change.

use dp_authz::registry::{
    ApiScopeDelegation, InstanceDelegation, PackageAssignment, Party, ResourceDelegation,
    RoleAssignment, Rule, ServiceOwner, ServiceResource, SystemUser,
};
use dp_authz::{RegistryDocument, ResourceType};
use rusqlite::{Connection, OptionalExtension, params};

use super::Connections;
use crate::StoreError;

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

impl Connections {
    /// Replaces the whole registry in one transaction.
    pub(super) fn replace_registry(&self, document: &RegistryDocument) -> Result<(), StoreError> {
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
    pub(super) fn load_registry(&self) -> Result<Option<RegistryDocument>, StoreError> {
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
    pub(super) fn registry_revision_on(c: &Connection) -> Result<i64, StoreError> {
        Ok(
            c.prepare_cached("select revision from registry_meta where id = 1")?
                .query_row([], |r| r.get(0))?,
        )
    }

    /// The schema version, for startup logs.
    pub(super) fn schema_version(&self) -> Result<i64, StoreError> {
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
        let store = Connections::open(&path).expect("opened");
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
        let reopened = Connections::open(&path).expect("reopened");
        assert_eq!(
            reopened.schema_version().expect("version"),
            super::super::MIGRATIONS.len() as i64
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
