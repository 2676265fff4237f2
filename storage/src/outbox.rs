//! The durable outbox over SQLite. Claims run in `BEGIN IMMEDIATE`
//! transactions, which SQLite serialises, so two senders on one database
//! never hold the same row; every later step (renewal, the start of a send,
//! settling) checks the claim's token, so a sender whose claim was taken
//! over can do none of them.

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kith_bot::community::notices::{ClaimedNotice, NewNotice, NoticeKind};
use kith_bot::domain::{MemberId, Platform, WorkspaceId};
use kith_bot::ports::{Claimed, DeliveryKind, NewDelivery, Outbox, Pending, Plan, Queue, Settle};

use crate::community::{insert_notices, member_by_id};
use crate::{MemberRow, SqliteStore, from_secs, to_secs};

/// "Never" for a schedule that will not fire again: far enough to ignore,
/// small enough for any integer column.
pub(crate) const NEVER: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

#[derive(sqlx::FromRow)]
pub(crate) struct PendingRow {
    #[sqlx(flatten)]
    member: MemberRow,
    next_reminder_at: Option<i64>,
    next_digest_at: Option<i64>,
    earliest_due: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClaimedRow {
    #[sqlx(flatten)]
    member: MemberRow,
    outbox_id: i64,
    kind: String,
    local_date: String,
    attempts: i64,
    expires_at: i64,
    sending_since: Option<i64>,
    platform: String,
    workspace_external_id: String,
}

pub(crate) fn platform_flags(platforms: &[Platform]) -> (bool, bool, bool) {
    (
        platforms.contains(&Platform::Console),
        platforms.contains(&Platform::Slack),
        platforms.contains(&Platform::Discord),
    )
}

impl PendingRow {
    pub(crate) fn into_pending(self) -> anyhow::Result<Pending> {
        let never = |t: Option<i64>| t.filter(|t| *t < NEVER).map(from_secs).transpose();
        Ok(Pending {
            next_reminder_at: never(self.next_reminder_at)?,
            next_digest_at: never(self.next_digest_at)?,
            earliest_due: self.earliest_due.map(from_secs).transpose()?,
            member: self.member.into_member(),
        })
    }
}

impl ClaimedRow {
    pub(crate) fn into_claimed(self, owner: &str) -> anyhow::Result<Claimed> {
        Ok(Claimed {
            id: self.outbox_id,
            lease: owner.to_string(),
            kind: DeliveryKind::parse(&self.kind)
                .ok_or_else(|| anyhow!("stored outbox kind {} is unknown", self.kind))?,
            local_date: self.local_date.parse::<NaiveDate>()?,
            attempts: u32::try_from(self.attempts)?,
            expires_at: from_secs(self.expires_at)?,
            platform: Platform::parse(&self.platform)
                .ok_or_else(|| anyhow!("stored platform {} is unknown", self.platform))?,
            workspace_external_id: self.workspace_external_id,
            member: self.member.into_member(),
            unsettled_since: self.sending_since.map(from_secs).transpose()?,
        })
    }
}

/// A claimed notice as read: id, kind, subject, member (0 for none),
/// attempts, workspace, platform, the workspace's platform id, and when an
/// attempt of unknown outcome began.
pub(crate) type NoticeRow = (i64, String, i64, i64, i64, i64, String, String, Option<i64>);

pub(crate) fn notice_from_row(
    (id, kind, subject, _, attempts, workspace, platform, external_id, sending): NoticeRow,
    owner: &str,
    to: Option<kith_bot::domain::Member>,
) -> anyhow::Result<ClaimedNotice> {
    Ok(ClaimedNotice {
        id,
        lease: owner.to_string(),
        kind: NoticeKind::parse(&kind)
            .ok_or_else(|| anyhow!("stored notice kind {kind} is unknown"))?,
        subject,
        workspace: WorkspaceId(workspace),
        platform: Platform::parse(&platform)
            .ok_or_else(|| anyhow!("stored platform {platform} is unknown"))?,
        workspace_external_id: external_id,
        to,
        attempts: u32::try_from(attempts)?,
        unsettled_since: sending.map(from_secs).transpose()?,
    })
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn pending(&self, now: DateTime<Utc>, limit: u32) -> anyhow::Result<Vec<Pending>> {
        let rows: Vec<PendingRow> = sqlx::query_as(concat!(
            "SELECT ",
            member_columns!("m."),
            ", m.next_reminder_at, m.next_digest_at,
               (SELECT MIN(c.due_at) FROM contacts c WHERE c.owner_id = m.id) AS earliest_due
             FROM members m
             WHERE m.welcomed = 1 AND m.dms = 1
               AND (m.next_reminder_at IS NULL OR m.next_reminder_at <= ?1
                    OR (m.digest_cron IS NOT NULL
                        AND (m.next_digest_at IS NULL OR m.next_digest_at <= ?1)))
             ORDER BY m.id
             LIMIT ?2"
        ))
        .bind(to_secs(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PendingRow::into_pending).collect()
    }

    async fn schedule(&self, plans: &[Plan], now: DateTime<Utc>) -> anyhow::Result<u64> {
        // Many rows per statement: a tick for ten thousand members is a few
        // dozen statements in one transaction, not twenty thousand.
        const ROWS: usize = 500;
        let mut tx = self.write().await?;
        let mut inserted = 0;
        let deliveries: Vec<(&Plan, &NewDelivery)> = plans
            .iter()
            .flat_map(|p| p.deliveries.iter().map(move |d| (p, d)))
            .collect();
        for chunk in deliveries.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO outbox (workspace_id, member_id, kind, local_date, not_before,
                                     expires_at, next_attempt_at, created_at)
                 VALUES {}
                 ON CONFLICT (member_id, kind, local_date) DO NOTHING",
                vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (plan, delivery) in chunk {
                query = query
                    .bind(plan.workspace.0)
                    .bind(plan.member.0)
                    .bind(delivery.kind.as_str())
                    .bind(delivery.local_date.to_string())
                    .bind(to_secs(delivery.not_before))
                    .bind(to_secs(delivery.expires_at))
                    .bind(to_secs(delivery.not_before))
                    .bind(to_secs(now));
            }
            inserted += query.execute(&mut *tx).await?.rows_affected();
        }
        for chunk in plans.chunks(ROWS) {
            let sql = format!(
                "UPDATE members SET next_reminder_at = v.column3, next_digest_at = v.column4
                 FROM (VALUES {}) AS v
                 WHERE members.id = v.column1 AND members.workspace_id = v.column2",
                vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for plan in chunk {
                query = query
                    .bind(plan.member.0)
                    .bind(plan.workspace.0)
                    .bind(to_secs(plan.next_reminder_at))
                    .bind(plan.next_digest_at.map(to_secs).unwrap_or(NEVER));
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn claim(
        &self,
        owner: &str,
        platforms: &[Platform],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> anyhow::Result<Vec<Claimed>> {
        let mut tx = self.write().await?;
        lease_ready(
            &mut tx,
            Queue::Reminders,
            owner,
            platforms,
            now,
            lease,
            limit,
        )
        .await?;
        let rows: Vec<ClaimedRow> = sqlx::query_as(concat!(
            "SELECT ",
            member_columns!("m."),
            ", o.id AS outbox_id, o.kind, o.local_date, o.attempts, o.expires_at,
               o.sending_since, w.platform, w.external_id AS workspace_external_id
             FROM outbox o JOIN members m ON m.id = o.member_id
                           JOIN workspaces w ON w.id = o.workspace_id
             WHERE o.lease_owner = ? AND o.state = 'pending'
             ORDER BY o.next_attempt_at, o.id"
        ))
        .bind(owner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|row| row.into_claimed(owner))
            .collect()
    }

    async fn settle(
        &self,
        row: &Claimed,
        outcome: &Settle,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write().await?;
        let settled =
            settle_row(&mut tx, Queue::Reminders, row.id, &row.lease, outcome, now).await?;
        if settled && let Settle::Refused { error } = outcome {
            pause_dms(&mut tx, row.member.id, error).await?;
        }
        tx.commit().await?;
        Ok(settled)
    }

    async fn begin_send(
        &self,
        queue: Queue,
        id: i64,
        lease: &str,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> anyhow::Result<bool> {
        macro_rules! begin_sql {
            ($table:literal) => {
                concat!(
                    "UPDATE ",
                    $table,
                    " SET lease_until = ?1, sending_since = COALESCE(sending_since, ?2)
                     WHERE id = ?3 AND lease_owner = ?4 AND state = 'pending'"
                )
            };
        }
        let sql = match queue {
            Queue::Reminders => begin_sql!("outbox"),
            Queue::Notices => begin_sql!("notices"),
        };
        let mut tx = self.write().await?;
        let held = sqlx::query(sql)
            .bind(to_secs(now + hold))
            .bind(to_secs(now))
            .bind(id)
            .bind(lease)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(held)
    }

    async fn renew(&self, lease: &str, now: DateTime<Utc>, hold: Duration) -> anyhow::Result<u64> {
        let mut tx = self.write().await?;
        let mut renewed = 0;
        for sql in [
            "UPDATE outbox SET lease_until = ?1 WHERE lease_owner = ?2 AND state = 'pending'",
            "UPDATE notices SET lease_until = ?1 WHERE lease_owner = ?2 AND state = 'pending'",
        ] {
            renewed += sqlx::query(sql)
                .bind(to_secs(now + hold))
                .bind(lease)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(renewed)
    }

    async fn release(&self, lease: &str) -> anyhow::Result<u64> {
        let mut tx = self.write().await?;
        let mut released = 0;
        // A row given back before its send began did not use an attempt.
        for sql in [
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL,
                    attempts = CASE WHEN sending_since IS NULL THEN MAX(attempts - 1, 0)
                                    ELSE attempts END
             WHERE lease_owner = ?1 AND state = 'pending'",
            "UPDATE notices SET lease_owner = NULL, lease_until = NULL,
                    attempts = CASE WHEN sending_since IS NULL THEN MAX(attempts - 1, 0)
                                    ELSE attempts END
             WHERE lease_owner = ?1 AND state = 'pending'",
        ] {
            released += sqlx::query(sql)
                .bind(lease)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(released)
    }

    async fn reschedule_all(&self) -> anyhow::Result<()> {
        sqlx::query("UPDATE members SET next_reminder_at = NULL, next_digest_at = NULL")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn next_wakeup(&self, after: DateTime<Utc>) -> anyhow::Result<Option<DateTime<Utc>>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(t) FROM (
                 SELECT MIN(next_reminder_at) AS t FROM members
                  WHERE welcomed = 1 AND dms = 1 AND next_reminder_at > ?1
                 UNION ALL
                 SELECT MIN(next_digest_at) FROM members
                  WHERE welcomed = 1 AND dms = 1 AND digest_cron IS NOT NULL
                    AND next_digest_at > ?1 AND next_digest_at < ?2
                 UNION ALL
                 SELECT MIN(MAX(next_attempt_at, COALESCE(lease_until, 0))) FROM outbox
                  WHERE state = 'pending' AND MAX(next_attempt_at, COALESCE(lease_until, 0)) > ?1
                 UNION ALL
                 SELECT MIN(MAX(next_attempt_at, COALESCE(lease_until, 0))) FROM notices
                  WHERE state = 'pending' AND MAX(next_attempt_at, COALESCE(lease_until, 0)) > ?1
                 UNION ALL
                 SELECT MIN(pairing_next_round_at) FROM workspaces
                  WHERE pairing_channel IS NOT NULL AND pairing_next_round_at > ?1)",
        )
        .bind(to_secs(after))
        .bind(NEVER)
        .fetch_one(&self.pool)
        .await?;
        next.map(from_secs).transpose()
    }

    async fn claim_notices(
        &self,
        owner: &str,
        platforms: &[Platform],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> anyhow::Result<Vec<ClaimedNotice>> {
        let mut tx = self.write().await?;
        lease_ready(&mut tx, Queue::Notices, owner, platforms, now, lease, limit).await?;
        let rows: Vec<NoticeRow> = sqlx::query_as(
            "SELECT n.id, n.kind, n.subject, n.member_id, n.attempts, n.workspace_id,
                    w.platform, w.external_id, n.sending_since
             FROM notices n JOIN workspaces w ON w.id = n.workspace_id
             WHERE n.lease_owner = ? AND n.state = 'pending'
             ORDER BY n.next_attempt_at, n.id",
        )
        .bind(owner)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let to = match row.3 {
                0 => None,
                id => member_by_id(&mut tx, WorkspaceId(row.5), id).await?,
            };
            claimed.push(notice_from_row(row, owner, to)?);
        }
        tx.commit().await?;
        Ok(claimed)
    }

    async fn settle_notice(
        &self,
        row: &ClaimedNotice,
        outcome: &Settle,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write().await?;
        let settled = settle_row(&mut tx, Queue::Notices, row.id, &row.lease, outcome, now).await?;
        if settled
            && let Settle::Refused { error } = outcome
            && let Some(to) = &row.to
        {
            pause_dms(&mut tx, to.id, error).await?;
        }
        tx.commit().await?;
        Ok(settled)
    }

    async fn add_notices(
        &self,
        row: &ClaimedNotice,
        kind: NoticeKind,
        to: &[MemberId],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let notices: Vec<NewNotice> = to
            .iter()
            .map(|m| NewNotice {
                kind,
                to: Some(*m),
                not_before: now,
            })
            .collect();
        let mut tx = self.write().await?;
        insert_notices(&mut tx, row.workspace, row.subject, &notices, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Leases up to `limit` of `queue`'s rows ready at `now` on the given
/// platforms to `owner` (a lapsed lease can be taken over).
async fn lease_ready(
    tx: &mut sqlx::SqliteConnection,
    queue: Queue,
    owner: &str,
    platforms: &[Platform],
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> anyhow::Result<()> {
    macro_rules! lease_sql {
        ($table:literal) => {
            concat!(
                "UPDATE ",
                $table,
                " SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1
                 WHERE id IN (
                     SELECT q.id FROM ",
                $table,
                " q JOIN workspaces w ON w.id = q.workspace_id
                     WHERE q.state = 'pending' AND q.next_attempt_at <= ?3
                       AND (q.lease_until IS NULL OR q.lease_until <= ?3)
                       AND ((w.platform = 'console' AND ?4) OR (w.platform = 'slack' AND ?5)
                            OR (w.platform = 'discord' AND ?6))
                     ORDER BY q.next_attempt_at, q.id
                     LIMIT ?7)"
            )
        };
    }
    let sql = match queue {
        Queue::Reminders => lease_sql!("outbox"),
        Queue::Notices => lease_sql!("notices"),
    };
    let (console, slack, discord) = platform_flags(platforms);
    sqlx::query(sql)
        .bind(owner)
        .bind(to_secs(now + lease))
        .bind(to_secs(now))
        .bind(console)
        .bind(slack)
        .bind(discord)
        .bind(i64::from(limit))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Settles row `id` of `queue` if `lease` still holds it; `false` if the
/// claim was lost.
async fn settle_row(
    tx: &mut sqlx::SqliteConnection,
    queue: Queue,
    id: i64,
    lease: &str,
    outcome: &Settle,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    macro_rules! settle_sql {
        ($table:literal) => {
            concat!(
                "UPDATE ", $table, " SET state = ?1, next_attempt_at = COALESCE(?2, next_attempt_at),
                        last_error = COALESCE(?3, last_error), lease_owner = NULL, lease_until = NULL,
                        settled_at = CASE WHEN ?4 = 'pending' THEN NULL ELSE ?5 END,
                        sending_since = CASE WHEN ?4 = 'pending' THEN sending_since ELSE NULL END
                 WHERE id = ?6 AND lease_owner = ?7 AND state = 'pending'"
            )
        };
    }
    let sql = match queue {
        Queue::Reminders => settle_sql!("outbox"),
        Queue::Notices => settle_sql!("notices"),
    };
    let (state, next_attempt, error) = settled_state(outcome);
    let settled = sqlx::query(sql)
        .bind(state)
        .bind(next_attempt.map(to_secs))
        .bind(error)
        .bind(state)
        .bind(to_secs(now))
        .bind(id)
        .bind(lease)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    Ok(settled)
}

/// How a settled row is stored: its state, next attempt and error.
pub(crate) fn settled_state(
    outcome: &Settle,
) -> (&'static str, Option<DateTime<Utc>>, Option<&str>) {
    match outcome {
        Settle::Sent => ("sent", None, None),
        Settle::Retry { at, error } => ("pending", Some(*at), Some(error.as_str())),
        Settle::GaveUp { error } | Settle::Refused { error } => {
            ("failed", None, Some(error.as_str()))
        }
        Settle::Skipped => ("skipped", None, None),
        Settle::Expired => ("expired", None, None),
    }
}

/// Stops DMs to a member who cannot receive them, remembering why.
async fn pause_dms(
    conn: &mut sqlx::SqliteConnection,
    member: MemberId,
    reason: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE members SET dms = 0, dm_failure = ? WHERE id = ?")
        .bind(reason)
        .bind(member.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
