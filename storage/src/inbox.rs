//! Inbound work made durable before it is acknowledged, over SQLite: the
//! events handled, the jobs that outlive an acknowledgement, and commands'
//! answers by delivery id.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use kith_bot::domain::Platform;
use kith_bot::ports::{CommandSlot, Horizon, Inbox, Job, NewJob, WorkspaceEffect};

use crate::{SqliteStore, from_secs, to_secs};

#[async_trait]
impl Inbox for SqliteStore {
    async fn handled(&self, platform: Platform, event_id: &str) -> anyhow::Result<bool> {
        let seen: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM seen_events WHERE platform = ? AND event_id = ?")
                .bind(platform.as_str())
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(seen.is_some())
    }

    async fn workspace_event(
        &self,
        platform: Platform,
        event_id: &str,
        external_id: &str,
        effect: WorkspaceEffect,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<bool>> {
        let mut tx = self.write().await?;
        if !mark(&mut tx, platform, event_id, now).await? {
            return Ok(None);
        }
        let sql = match effect {
            WorkspaceEffect::Forget => {
                "DELETE FROM workspaces WHERE platform = ? AND external_id = ?"
            }
            WorkspaceEffect::RemoveInstallation => {
                "DELETE FROM installations WHERE workspace_id IN
                     (SELECT id FROM workspaces WHERE platform = ? AND external_id = ?)"
            }
            WorkspaceEffect::Nothing => {
                tx.commit().await?;
                return Ok(Some(false));
            }
        };
        let changed = sqlx::query(sql)
            .bind(platform.as_str())
            .bind(external_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(Some(changed > 0))
    }

    async fn enqueue_job(
        &self,
        platform: Platform,
        event_id: &str,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write().await?;
        if !mark(&mut tx, platform, event_id, now).await? {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO jobs (platform, event_id, kind, workspace, payload, next_attempt_at,
                               created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )
        .bind(platform.as_str())
        .bind(event_id)
        .bind(&job.kind)
        .bind(&job.workspace)
        .bind(&job.payload)
        .bind(to_secs(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn claim_job(
        &self,
        platform: Platform,
        owner: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> anyhow::Result<Option<Job>> {
        let mut tx = self.write().await?;
        let row: Option<(i64, String, String, String, i64)> = sqlx::query_as(
            "UPDATE jobs SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs
                         WHERE platform = ?3 AND state = 'pending' AND next_attempt_at <= ?4
                           AND (lease_until IS NULL OR lease_until <= ?4)
                         ORDER BY next_attempt_at, id LIMIT 1)
             RETURNING id, kind, workspace, payload, attempts",
        )
        .bind(owner)
        .bind(to_secs(now + lease))
        .bind(platform.as_str())
        .bind(to_secs(now))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|(id, kind, workspace, payload, attempts)| {
            Ok(Job {
                id,
                lease: owner.to_string(),
                kind,
                workspace,
                payload,
                attempts: u32::try_from(attempts)?,
            })
        })
        .transpose()
    }

    async fn finish_job(
        &self,
        job: &Job,
        outcome: Result<(), String>,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> anyhow::Result<bool> {
        let (state, error, next) = job_outcome(job, &outcome, now, max_attempts);
        let mut tx = self.write().await?;
        let settled = sqlx::query(
            "UPDATE jobs SET state = ?1, last_error = COALESCE(?2, last_error),
                    next_attempt_at = ?3, lease_owner = NULL, lease_until = NULL,
                    finished_at = CASE WHEN ?1 = 'pending' THEN NULL ELSE ?4 END
             WHERE id = ?5 AND lease_owner = ?6 AND state = 'pending'",
        )
        .bind(state)
        .bind(error)
        .bind(to_secs(next))
        .bind(to_secs(now))
        .bind(job.id)
        .bind(&job.lease)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(settled)
    }

    async fn command_slot(&self, platform: Platform, key: &str) -> anyhow::Result<CommandSlot> {
        // A read, beside the writer: a new delivery is claimed by its
        // first write, not here.
        let found: Option<(Option<String>, i64)> = sqlx::query_as(
            "SELECT answer, started_at FROM command_answers
             WHERE platform = ? AND delivery_key = ?",
        )
        .bind(platform.as_str())
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match found {
            None => CommandSlot::New,
            Some((None, since)) => CommandSlot::Unanswered {
                since: from_secs(since)?,
            },
            Some((Some(answer), _)) => CommandSlot::Answered(answer),
        })
    }

    async fn finish_command(
        &self,
        platform: Platform,
        key: &str,
        answer: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.writer
            .keep_answer(
                platform.as_str(),
                key.to_string(),
                answer.to_string(),
                to_secs(now),
            )
            .await
    }

    async fn forget_handled(&self, horizon: &Horizon) -> anyhow::Result<u64> {
        // In slices, so the write lock is never held for long.
        const SLICE: i64 = 2_000;
        let steps: [(&'static str, i64); 4] = [
            (
                "DELETE FROM seen_events WHERE rowid IN
                 (SELECT rowid FROM seen_events WHERE seen_at < ? LIMIT ?)",
                to_secs(horizon.events),
            ),
            (
                "DELETE FROM command_answers WHERE rowid IN
                 (SELECT rowid FROM command_answers WHERE started_at < ? LIMIT ?)",
                to_secs(horizon.answers),
            ),
            (
                "DELETE FROM delivery_memos WHERE rowid IN
                 (SELECT rowid FROM delivery_memos WHERE created_at < ? LIMIT ?)",
                to_secs(horizon.memos),
            ),
            (
                "DELETE FROM jobs WHERE id IN
                 (SELECT id FROM jobs WHERE state <> 'pending' AND finished_at < ? LIMIT ?)",
                to_secs(horizon.jobs),
            ),
        ];
        let mut gone = 0;
        for (sql, before) in steps {
            loop {
                let mut tx = self.write().await?;
                let n = sqlx::query(sql)
                    .bind(before)
                    .bind(SLICE)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                gone += n;
                if n < SLICE as u64 {
                    break;
                }
            }
        }
        Ok(gone)
    }

    async fn remember(
        &self,
        platform: Platform,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO delivery_memos (platform, delivery_key, value, created_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (platform, delivery_key) DO UPDATE SET value = excluded.value",
        )
        .bind(platform.as_str())
        .bind(key)
        .bind(value)
        .bind(to_secs(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn recall(&self, platform: Platform, key: &str) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT value FROM delivery_memos WHERE platform = ? AND delivery_key = ?",
        )
        .bind(platform.as_str())
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// How a finished job is stored: its state, error and next attempt (a
/// failure is retried after 30 s per attempt, up to five minutes).
pub(crate) fn job_outcome<'a>(
    job: &Job,
    outcome: &'a Result<(), String>,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> (&'static str, Option<&'a str>, DateTime<Utc>) {
    match outcome {
        Ok(()) => ("done", None, now),
        Err(e) if job.attempts >= max_attempts => ("failed", Some(e.as_str()), now),
        Err(e) => (
            "pending",
            Some(e.as_str()),
            now + Duration::seconds(30 * i64::from(job.attempts.min(10))),
        ),
    }
}

/// Marks an event seen in `tx`; `false` if it already was.
pub(crate) async fn mark(
    tx: &mut sqlx::SqliteConnection,
    platform: Platform,
    event_id: impl AsRef<str>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let event_id = event_id.as_ref();
    let inserted = sqlx::query(
        "INSERT INTO seen_events (platform, event_id, seen_at) VALUES (?, ?, ?)
         ON CONFLICT (platform, event_id) DO NOTHING",
    )
    .bind(platform.as_str())
    .bind(event_id)
    .bind(to_secs(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
