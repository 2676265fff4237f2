//! Leases and paces on SQLite. A SQLite file serves one process, so a
//! pace is kept in that process's memory (no write per platform request);
//! leases are rows, so a second process on the same file still finds the
//! first one's.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kith_bot::coordination::{Pace, micros};
use kith_bot::ports::Coordination;

use crate::SqliteStore;

/// The statement that takes or renews a lease; it returns a row only when
/// the lease is (now) the holder's. The same text serves PostgreSQL.
pub(crate) const HOLD_LEASE: &str = "\
    INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
     WHERE leases.holder = excluded.holder OR leases.until_ms <= $4
    RETURNING holder";

pub(crate) const RELEASE_LEASE: &str = "DELETE FROM leases WHERE name = $1 AND holder = $2";

#[async_trait]
impl Coordination for SqliteStore {
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        hold: chrono::Duration,
    ) -> anyhow::Result<bool> {
        let held = sqlx::query(HOLD_LEASE)
            .bind(name)
            .bind(holder)
            .bind((now + hold).timestamp_millis())
            .bind(now.timestamp_millis())
            .fetch_optional(self.pool())
            .await?;
        Ok(held.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> anyhow::Result<()> {
        sqlx::query(RELEASE_LEASE)
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn reserve_slot(
        &self,
        name: &str,
        pace: Pace,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Duration> {
        let now = micros(now);
        let mut paces = self.paces.lock().unwrap_or_else(|e| e.into_inner());
        let due = paces.entry(name.to_string()).or_insert(i64::MIN);
        *due = pace.advance(Some(*due), now);
        Ok(pace.wait(*due, now))
    }
}
