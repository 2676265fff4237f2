//! Leases and paces on SQLite. A SQLite file serves one process, so a
//! pace is kept in that process's memory (no write per platform request);
//! leases are rows, so a second process on the same file still finds the
//! first one's.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kith_bot::coordination::{Pace, micros};

use crate::SqliteStore;

/// `Coordination` for a store with a `pool()`: leases by the same
/// statements on SQLite and PostgreSQL (taking one returns a row only when
/// the lease is, now, the holder's), and the store's own `reserve_slot`.
macro_rules! coordination_store {
    ($store:ty, $($reserve_slot:tt)*) => {
        #[async_trait::async_trait]
        impl kith_bot::ports::Coordination for $store {
        async fn hold_lease(
            &self,
            name: &str,
            holder: &str,
            now: chrono::DateTime<chrono::Utc>,
            hold: chrono::Duration,
        ) -> anyhow::Result<bool> {
            let held = sqlx::query(
                "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                                                  until_ms = excluded.until_ms
                  WHERE leases.holder = excluded.holder OR leases.until_ms <= $4
                 RETURNING holder",
            )
            .bind(name)
            .bind(holder)
            .bind((now + hold).timestamp_millis())
            .bind(now.timestamp_millis())
            .fetch_optional(self.pool())
            .await?;
            Ok(held.is_some())
        }

        async fn release_lease(&self, name: &str, holder: &str) -> anyhow::Result<()> {
            sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
                .bind(name)
                .bind(holder)
                .execute(self.pool())
                .await?;
            Ok(())
        }

        $($reserve_slot)*
        }
    };
}

coordination_store!(
    SqliteStore,
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
);
