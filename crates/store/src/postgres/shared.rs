//! [`SharedState`] on PostgreSQL (migration 0002): secrets by name, created first-writer-wins,
//! and single-use markers whose uniqueness the primary key enforces across instances.

use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;

use super::PostgresStore;
use crate::StoreError;
use crate::contract::SharedState;

/// Expired single-use markers are deleted at most this often (seconds), by whichever call
/// comes first.
const SWEEP_INTERVAL: i64 = 60;

static NEXT_SWEEP: AtomicI64 = AtomicI64::new(0);
static NEXT_ENTRY_SWEEP: AtomicI64 = AtomicI64::new(0);

#[async_trait]
impl SharedState for PostgresStore {
    async fn load_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("select value from secret where name = $1")
            .await?;
        Ok(client
            .query_opt(&statement, &[&name])
            .await?
            .map(|row| row.get(0)))
    }

    async fn create_secret(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let client = self.client().await?;
        let insert = client
            .prepare_cached(
                "insert into secret (name, value) values ($1, $2) on conflict (name) do nothing",
            )
            .await?;
        client.execute(&insert, &[&name, &value]).await?;
        let select = client
            .prepare_cached("select value from secret where name = $1")
            .await?;
        Ok(client.query_one(&select, &[&name]).await?.get(0))
    }

    async fn replace_secret(&self, name: &str, value: Vec<u8>) -> Result<(), StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "insert into secret (name, value) values ($1, $2)
                 on conflict (name) do update set value = excluded.value, updated_at = now()",
            )
            .await?;
        client.execute(&statement, &[&name, &value]).await?;
        Ok(())
    }

    async fn first_use(&self, key: &str, until: i64, now: i64) -> Result<bool, StoreError> {
        let client = self.client().await?;
        if NEXT_SWEEP.fetch_max(now + SWEEP_INTERVAL, Ordering::Relaxed) <= now {
            let sweep = client
                .prepare_cached("delete from single_use where until <= $1")
                .await?;
            client.execute(&sweep, &[&now]).await?;
        }
        // A new key is inserted; an expired one is taken over; a live one is left alone and
        // returns no row. The primary key serialises concurrent attempts.
        let statement = client
            .prepare_cached(
                "insert into single_use (key, until) values ($1, $2)
                 on conflict (key) do update set until = excluded.until
                 where single_use.until <= $3
                 returning 1",
            )
            .await?;
        Ok(client
            .query_opt(&statement, &[&key.as_bytes(), &until, &now])
            .await?
            .is_some())
    }

    async fn get_entry(
        &self,
        kind: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "select value, version from shared_entry
                 where kind = $1 and key = $2 and expires_at > $3",
            )
            .await?;
        Ok(client
            .query_opt(&statement, &[&kind, &key, &now])
            .await?
            .map(|row| (row.get(0), row.get(1))))
    }

    async fn put_entry(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "insert into shared_entry (kind, key, value, expires_at, version)
                 values ($1, $2, $3, $4, 1)
                 on conflict (kind, key) do update set value = excluded.value,
                    expires_at = excluded.expires_at, version = shared_entry.version + 1",
            )
            .await?;
        client
            .execute(&statement, &[&kind, &key, &value, &expires_at])
            .await?;
        Ok(())
    }

    async fn insert_entry(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        (expires_at, now): (i64, i64),
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        if NEXT_ENTRY_SWEEP.fetch_max(now + SWEEP_INTERVAL, Ordering::Relaxed) <= now {
            let sweep = client
                .prepare_cached("delete from shared_entry where expires_at <= $1")
                .await?;
            client.execute(&sweep, &[&now]).await?;
        }
        let statement = client
            .prepare_cached(
                "insert into shared_entry (kind, key, value, expires_at, version)
                 values ($1, $2, $3, $4, 1)
                 on conflict (kind, key) do update set value = excluded.value,
                    expires_at = excluded.expires_at, version = shared_entry.version + 1
                 where shared_entry.expires_at <= $5
                 returning 1",
            )
            .await?;
        Ok(client
            .query_opt(&statement, &[&kind, &key, &value, &expires_at, &now])
            .await?
            .is_some())
    }

    async fn replace_entry(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        (expires_at, version): (i64, i64),
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "update shared_entry set value = $3, expires_at = $4, version = version + 1
                 where kind = $1 and key = $2 and version = $5",
            )
            .await?;
        Ok(client
            .execute(&statement, &[&kind, &key, &value, &expires_at, &version])
            .await?
            == 1)
    }

    async fn take_entry(
        &self,
        kind: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "delete from shared_entry where kind = $1 and key = $2
                 returning value, expires_at",
            )
            .await?;
        Ok(client
            .query_opt(&statement, &[&kind, &key])
            .await?
            .filter(|row| row.get::<_, i64>(1) > now)
            .map(|row| row.get(0)))
    }
}
