//! What `/readyz` and `/metrics` ask of the store: whether the database
//! answers with every migration applied, and the outbox's depth. The same
//! SQL reads on SQLite and PostgreSQL.

use std::time::Duration;

use crate::{AnyStore, PgStore, SqliteStore};

/// One queue's depth and how late its oldest due row is.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueStat {
    pub queue: &'static str,
    pub kind: &'static str,
    pub depth: u64,
    pub oldest_due_secs: f64,
}

/// How long one readiness probe of the database may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What `/readyz` and `/metrics` ask of the store.
#[async_trait::async_trait]
pub trait Probe: Send + Sync {
    /// `Err` with a short reason when the database cannot serve.
    async fn ready(&self) -> Result<(), String>;
    /// The outbox's depth and oldest due row, per queue and kind.
    async fn outbox(&self, now: i64) -> anyhow::Result<Vec<QueueStat>>;
}

/// The probes of a store over sqlx (the same SQL reads on SQLite and
/// PostgreSQL), checking the migrations `$migrations`.
macro_rules! probe_for {
    ($store:ty, $migrations:expr) => {
#[async_trait::async_trait]
impl Probe for $store {
    async fn ready(&self) -> Result<(), String> {
        let applied = tokio::time::timeout(
            PROBE_TIMEOUT,
            sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(self.pool()),
        )
        .await
        .map_err(|_| "the database did not answer in time".to_string())?
        .map_err(|e| format!("the database did not answer: {e}"))?;
        let missing = $migrations
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .filter(|m| !applied.contains(&m.version))
            .count();
        match missing {
            0 => Ok(()),
            n => Err(format!("{n} database migrations are not applied")),
        }
    }

    async fn outbox(&self, now: i64) -> anyhow::Result<Vec<QueueStat>> {
        // The partial indexes on pending rows keep these to the queue itself.
        let reminders: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT kind, COUNT(*), MIN(CASE WHEN next_attempt_at <= $1 THEN next_attempt_at END)
               FROM outbox WHERE state = 'pending' GROUP BY kind",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        let notices: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT kind, COUNT(*), MIN(CASE WHEN next_attempt_at <= $1 THEN next_attempt_at END)
               FROM notices WHERE state = 'pending' GROUP BY kind",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        let stat =
            |queue: &'static str, kind: &'static str, rows: &[(String, i64, Option<i64>)]| {
                let row = rows.iter().find(|(k, _, _)| k == kind);
                QueueStat {
                    queue,
                    kind,
                    depth: row.map_or(0, |(_, n, _)| (*n).max(0) as u64),
                    oldest_due_secs: row
                        .and_then(|(_, _, due)| *due)
                        .map_or(0.0, |due| (now - due).max(0) as f64),
                }
            };
        // Every known kind, so a queue that empties reads 0, not its last value.
        let mut stats: Vec<QueueStat> = [
            kith_bot::ports::DeliveryKind::Reminder,
            kith_bot::ports::DeliveryKind::Digest,
        ]
        .into_iter()
        .map(|kind| stat("reminders", kind.as_str(), &reminders))
        .collect();
        stats.extend(
            kith_bot::community::notices::NoticeKind::ALL
                .into_iter()
                .map(|kind| stat("notices", kind.as_str(), &notices)),
        );
        Ok(stats)
    }
}
    };
}

// `/readyz` checks the database has every migration this build applies
// (an older binary on a newer database is fine; a database another process
// has not finished migrating is not ready).
probe_for!(SqliteStore, crate::MIGRATOR);
probe_for!(PgStore, crate::pg::MIGRATOR);

#[async_trait::async_trait]
impl Probe for AnyStore {
    async fn ready(&self) -> Result<(), String> {
        match self {
            AnyStore::Sqlite(s) => s.ready().await,
            AnyStore::Postgres(s) => s.ready().await,
        }
    }

    async fn outbox(&self, now: i64) -> anyhow::Result<Vec<QueueStat>> {
        match self {
            AnyStore::Sqlite(s) => s.outbox(now).await,
            AnyStore::Postgres(s) => s.outbox(now).await,
        }
    }
}
