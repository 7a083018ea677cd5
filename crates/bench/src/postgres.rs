//! The PostgreSQL side of a run (issue 13): a fresh database per data size on the server that
//! `--database-url` names, and what the generated data occupies there (the whole database and
//! each table with its indexes), for the report and `docs/scaling.md`.

use anyhow::Context;
use tokio_postgres::NoTls;

/// The database URL the harness uses when `--database-url` is not given: the test database of
/// `./run-tests` (`DP_TEST_DATABASE_URL`), else the machine's local PostgreSQL.
pub fn default_admin_url() -> String {
    std::env::var("DP_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .with_context(|| format!("{url} is not a PostgreSQL URL"))?;
    config.connect_timeout(std::time::Duration::from_secs(5));
    let (client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    tokio::spawn(connection);
    Ok(client)
}

/// `url` with its database name replaced by `database` (URL form `postgres://…/DB[?…]`).
pub fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base
        .find("://")
        .map(|scheme| scheme + 3)
        .context("--database-url must be a postgres:// URL")?;
    let path = base[authority_end..]
        .find('/')
        .map_or(base.len(), |slash| authority_end + slash);
    let mut out = format!("{}/{database}", &base[..path]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}

/// Drops and creates database `name` on the server of `admin_url`; returns its URL.
pub async fn fresh_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        name.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "database name {name:?}"
    );
    let client = connect(admin_url).await?;
    client
        .batch_execute(&format!("drop database if exists {name} with (force)"))
        .await
        .with_context(|| format!("dropping database {name}"))?;
    client
        .batch_execute(&format!("create database {name}"))
        .await
        .with_context(|| format!("creating database {name}"))?;
    with_database(admin_url, name)
}

/// Drops database `name` (after a run, unless the data is kept).
pub async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let client = connect(admin_url).await?;
    client
        .batch_execute(&format!("drop database if exists {name} with (force)"))
        .await?;
    Ok(())
}

/// A table and what it occupies: heap (with TOAST) and its indexes, in bytes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Relation {
    pub table: String,
    pub table_bytes: u64,
    pub index_bytes: u64,
    pub rows: u64,
}

/// The database's size and its tables, largest first, after `VACUUM ANALYZE` (so the row
/// estimates are current and the sizes are what a settled database holds).
pub async fn measure(url: &str) -> anyhow::Result<(u64, Vec<Relation>)> {
    let client = connect(url).await?;
    client.batch_execute("vacuum analyze").await?;
    let total: i64 = client
        .query_one("select pg_database_size(current_database())", &[])
        .await?
        .get(0);
    let rows = client
        .query(
            "select c.relname::text, pg_table_size(c.oid), pg_indexes_size(c.oid), \
                    greatest(c.reltuples, 0)::bigint \
             from pg_class c join pg_namespace n on n.oid = c.relnamespace \
             where c.relkind = 'r' and n.nspname = current_schema() \
             order by pg_total_relation_size(c.oid) desc",
            &[],
        )
        .await?;
    let relations = rows
        .iter()
        .map(|row| Relation {
            table: row.get(0),
            table_bytes: row.get::<_, i64>(1).max(0) as u64,
            index_bytes: row.get::<_, i64>(2).max(0) as u64,
            rows: row.get::<_, i64>(3).max(0) as u64,
        })
        .collect();
    Ok((total.max(0) as u64, relations))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_parameters_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "dp_bench_10000").unwrap(),
            "postgres://postgres@127.0.0.1:5432/dp_bench_10000"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x").unwrap(),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x").unwrap(),
            "postgres://h:5432/x"
        );
        assert!(with_database("host=h dbname=d", "x").is_err());
    }
}
