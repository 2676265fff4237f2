//! The durable outbox over PostgreSQL, for any number of replicas on one
//! database. The scheduler may tick on every replica: a row's unique key
//! (member, kind, local date) keeps one row however many replicas write
//! it, and a tick locks its members in id order first, so two ticks queue
//! rather than deadlock. Senders claim rows with `FOR UPDATE SKIP LOCKED`
//! and a lease: two claims never take the same row, nor wait on each
//! other; a dead replica's rows go to the others when its lease lapses.
//! Every later step checks the claim's token, as on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use kith_bot::community::notices::{ClaimedNotice, NewNotice, NoticeKind};
use kith_bot::domain::{MemberId, Platform, WorkspaceId};
use kith_bot::ports::{Claimed, Outbox, Pending, Plan, Queue, Settle};
use sqlx::PgConnection;

use super::PgStore;
use super::community::{insert_notices, member_by_id};
use crate::outbox::{ClaimedRow, NEVER, NoticeRow, PendingRow, notice_from_row, settled_state};
use crate::{from_secs, to_secs};

fn platform_names(platforms: &[Platform]) -> Vec<String> {
    platforms.iter().map(|p| p.as_str().to_string()).collect()
}

#[async_trait]
impl Outbox for PgStore {
    async fn pending(&self, now: DateTime<Utc>, limit: u32) -> anyhow::Result<Vec<Pending>> {
        let rows: Vec<PendingRow> = sqlx::query_as(concat!(
            "SELECT ",
            member_columns!("m."),
            ", m.next_reminder_at, m.next_digest_at,
               (SELECT MIN(c.due_at) FROM contacts c WHERE c.owner_id = m.id) AS earliest_due
             FROM members m
             WHERE m.welcomed AND m.dms
               AND (m.next_reminder_at IS NULL OR m.next_reminder_at <= $1
                    OR (m.digest_cron IS NOT NULL
                        AND (m.next_digest_at IS NULL OR m.next_digest_at <= $1)))
             ORDER BY m.id
             LIMIT $2"
        ))
        .bind(to_secs(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PendingRow::into_pending).collect()
    }

    async fn schedule(&self, plans: &[Plan], now: DateTime<Utc>) -> anyhow::Result<u64> {
        let mut plans: Vec<&Plan> = plans.iter().collect();
        plans.sort_by_key(|p| p.member.0);
        let mut tx = self.write().await?;
        let ids: Vec<i64> = plans.iter().map(|p| p.member.0).collect();
        // Locks in one order on every replica: a second tick over the same
        // members waits here, then writes nothing new.
        sqlx::query("SELECT id FROM members WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        let mut columns: (
            Vec<i64>,
            Vec<i64>,
            Vec<String>,
            Vec<String>,
            Vec<i64>,
            Vec<i64>,
        ) = Default::default();
        for plan in &plans {
            for d in &plan.deliveries {
                columns.0.push(plan.workspace.0);
                columns.1.push(plan.member.0);
                columns.2.push(d.kind.as_str().to_string());
                columns.3.push(d.local_date.to_string());
                columns.4.push(to_secs(d.not_before));
                columns.5.push(to_secs(d.expires_at));
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO outbox (workspace_id, member_id, kind, local_date, not_before,
                                 expires_at, next_attempt_at, created_at)
             SELECT w, m, k, d, nb, e, nb, $7
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[],
                         $6::bigint[]) AS v(w, m, k, d, nb, e)
             ON CONFLICT (member_id, kind, local_date) DO NOTHING",
        )
        .bind(&columns.0)
        .bind(&columns.1)
        .bind(&columns.2)
        .bind(&columns.3)
        .bind(&columns.4)
        .bind(&columns.5)
        .bind(to_secs(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let workspaces: Vec<i64> = plans.iter().map(|p| p.workspace.0).collect();
        let reminders: Vec<i64> = plans.iter().map(|p| to_secs(p.next_reminder_at)).collect();
        let digests: Vec<i64> = plans
            .iter()
            .map(|p| p.next_digest_at.map(to_secs).unwrap_or(NEVER))
            .collect();
        sqlx::query(
            "UPDATE members SET next_reminder_at = v.r, next_digest_at = v.d
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(id, w, r, d)
             WHERE members.id = v.id AND members.workspace_id = v.w",
        )
        .bind(&ids)
        .bind(&workspaces)
        .bind(&reminders)
        .bind(&digests)
        .execute(&mut *tx)
        .await?;
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
        let ids = lease_ready(
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
             WHERE o.id = ANY($1)
             ORDER BY o.next_attempt_at, o.id"
        ))
        .bind(&ids)
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
                    " SET lease_until = $1, sending_since = COALESCE(sending_since, $2)
                     WHERE id = $3 AND lease_owner = $4 AND state = 'pending'"
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
        if held {
            let extend = match queue {
                Queue::Reminders => {
                    "UPDATE workspaces SET send_until = GREATEST(send_until, $1)
                     WHERE send_owner = $2 AND id = (SELECT workspace_id FROM outbox WHERE id = $3)"
                }
                Queue::Notices => {
                    "UPDATE workspaces SET send_until = GREATEST(send_until, $1)
                     WHERE send_owner = $2 AND id = (SELECT workspace_id FROM notices WHERE id = $3)"
                }
            };
            sqlx::query(extend)
                .bind(to_secs(now + hold))
                .bind(sender_of(lease))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(held)
    }

    async fn renew(&self, lease: &str, now: DateTime<Utc>, hold: Duration) -> anyhow::Result<u64> {
        let mut tx = self.write().await?;
        let mut renewed = 0;
        for sql in [
            "UPDATE outbox SET lease_until = $1 WHERE lease_owner = $2 AND state = 'pending'",
            "UPDATE notices SET lease_until = $1 WHERE lease_owner = $2 AND state = 'pending'",
        ] {
            renewed += sqlx::query(sql)
                .bind(to_secs(now + hold))
                .bind(lease)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        sqlx::query(
            "UPDATE workspaces w SET send_until = GREATEST(w.send_until, $1)
             WHERE w.send_owner = $3
               AND (EXISTS (SELECT 1 FROM outbox o WHERE o.workspace_id = w.id
                              AND o.lease_owner = $2 AND o.state = 'pending')
                    OR EXISTS (SELECT 1 FROM notices n WHERE n.workspace_id = w.id
                                 AND n.lease_owner = $2 AND n.state = 'pending'))",
        )
        .bind(to_secs(now + hold))
        .bind(lease)
        .bind(sender_of(lease))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(renewed)
    }

    async fn release(&self, lease: &str) -> anyhow::Result<u64> {
        let mut tx = self.write().await?;
        let mut released = 0;
        // A row given back before its send began did not use an attempt.
        for sql in [
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL,
                    attempts = CASE WHEN sending_since IS NULL THEN GREATEST(attempts - 1, 0)
                                    ELSE attempts END
             WHERE lease_owner = $1 AND state = 'pending'",
            "UPDATE notices SET lease_owner = NULL, lease_until = NULL,
                    attempts = CASE WHEN sending_since IS NULL THEN GREATEST(attempts - 1, 0)
                                    ELSE attempts END
             WHERE lease_owner = $1 AND state = 'pending'",
        ] {
            released += sqlx::query(sql)
                .bind(lease)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        sqlx::query(
            "UPDATE workspaces SET send_owner = NULL, send_until = NULL WHERE send_owner = $1",
        )
        .bind(sender_of(lease))
        .execute(&mut *tx)
        .await?;
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
                  WHERE welcomed AND dms AND next_reminder_at > $1
                 UNION ALL
                 SELECT MIN(next_digest_at) FROM members
                  WHERE welcomed AND dms AND digest_cron IS NOT NULL
                    AND next_digest_at > $1 AND next_digest_at < $2
                 UNION ALL
                 SELECT MIN(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) FROM outbox
                  WHERE state = 'pending' AND GREATEST(next_attempt_at, COALESCE(lease_until, 0)) > $1
                 UNION ALL
                 SELECT MIN(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) FROM notices
                  WHERE state = 'pending' AND GREATEST(next_attempt_at, COALESCE(lease_until, 0)) > $1
                 UNION ALL
                 SELECT MIN(pairing_next_round_at) FROM workspaces
                  WHERE pairing_channel IS NOT NULL AND pairing_next_round_at > $1
                 UNION ALL
                 SELECT MIN(send_until) FROM workspaces
                  WHERE send_owner IS NOT NULL AND send_until > $1) AS times",
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
        let ids = lease_ready(&mut tx, Queue::Notices, owner, platforms, now, lease, limit).await?;
        let rows: Vec<NoticeRow> = sqlx::query_as(
            "SELECT n.id, n.kind, n.subject, n.member_id, n.attempts, n.workspace_id,
                    w.platform, w.external_id, n.sending_since
             FROM notices n JOIN workspaces w ON w.id = n.workspace_id
             WHERE n.id = ANY($1)
             ORDER BY n.next_attempt_at, n.id",
        )
        .bind(&ids)
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
/// platforms to `owner`, skipping rows another claim has locked; returns
/// their ids.
async fn lease_ready(
    tx: &mut PgConnection,
    queue: Queue,
    owner: &str,
    platforms: &[Platform],
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> anyhow::Result<Vec<i64>> {
    // The rows' workspaces are leased with them: a workspace another
    // sender holds is skipped (its row locked: SKIP LOCKED; its lease
    // committed: the condition on `w`, rechecked on the newest version).
    macro_rules! lease_sql {
        ($table:literal) => {
            concat!(
                "WITH picked AS (
                     SELECT q.id, q.workspace_id FROM ",
                $table,
                " q JOIN workspaces w ON w.id = q.workspace_id
                     WHERE q.state = 'pending' AND q.next_attempt_at <= $3
                       AND (q.lease_until IS NULL OR q.lease_until <= $3)
                       AND w.platform = ANY($4)
                       AND (w.send_owner IS NULL OR w.send_owner = $6 OR w.send_until <= $3)
                     ORDER BY q.next_attempt_at, q.id
                     LIMIT $5
                     FOR UPDATE OF q, w SKIP LOCKED),
                 held AS (
                     UPDATE workspaces SET send_owner = $6, send_until = $2
                     WHERE id IN (SELECT workspace_id FROM picked))
                 UPDATE ",
                $table,
                " SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM picked)
                 RETURNING id"
            )
        };
    }
    let sql = match queue {
        Queue::Reminders => lease_sql!("outbox"),
        Queue::Notices => lease_sql!("notices"),
    };
    Ok(sqlx::query_scalar(sql)
        .bind(owner)
        .bind(to_secs(now + lease))
        .bind(to_secs(now))
        .bind(platform_names(platforms))
        .bind(i64::from(limit))
        .bind(sender_of(owner))
        .fetch_all(&mut *tx)
        .await?)
}

/// Settles row `id` of `queue` if `lease` still holds it; `false` if the
/// claim was lost.
async fn settle_row(
    tx: &mut PgConnection,
    queue: Queue,
    id: i64,
    lease: &str,
    outcome: &Settle,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    macro_rules! settle_sql {
        ($table:literal) => {
            concat!(
                "UPDATE ", $table, " SET state = $1, next_attempt_at = COALESCE($2, next_attempt_at),
                        last_error = COALESCE($3, last_error), lease_owner = NULL, lease_until = NULL,
                        settled_at = CASE WHEN $1 = 'pending' THEN NULL ELSE $4 END,
                        sending_since = CASE WHEN $1 = 'pending' THEN sending_since ELSE NULL END
                 WHERE id = $5 AND lease_owner = $6 AND state = 'pending'
                 RETURNING workspace_id"
            )
        };
    }
    let sql = match queue {
        Queue::Reminders => settle_sql!("outbox"),
        Queue::Notices => settle_sql!("notices"),
    };
    let (state, next_attempt, error) = settled_state(outcome);
    let workspace: Option<i64> = sqlx::query_scalar(sql)
        .bind(state)
        .bind(next_attempt.map(to_secs))
        .bind(error)
        .bind(to_secs(now))
        .bind(id)
        .bind(lease)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(workspace) = workspace {
        hand_over(tx, lease, workspace, now).await?;
    }
    Ok(workspace.is_some())
}

/// The sending process a claim's token names: the core's tokens are the
/// sender's name, `#`, and a claim number.
fn sender_of(lease: &str) -> &str {
    lease.rsplit_once('#').map_or(lease, |(sender, _)| sender)
}

/// Where the claim `lease` has nothing left to send, its process's hold on
/// the workspace ends a second or two from `now`: another sender may then
/// post there without two messages reaching one channel within a second.
///
/// Only the settled row's workspace is looked at: a sender settles several
/// rows at once, and settles that each touched every workspace of the
/// claim locked them in different orders and deadlocked.
async fn hand_over(
    tx: &mut PgConnection,
    lease: &str,
    workspace: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE workspaces w SET send_until = LEAST(w.send_until, $3)
         WHERE w.id = $4 AND w.send_owner = $2
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.workspace_id = w.id
                             AND o.lease_owner = $1 AND o.state = 'pending')
           AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.workspace_id = w.id
                             AND n.lease_owner = $1 AND n.state = 'pending')",
    )
    .bind(lease)
    .bind(sender_of(lease))
    // Times are whole seconds: two of them make at least one.
    .bind(to_secs(now) + 2)
    .bind(workspace)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Stops DMs to a member who cannot receive them, remembering why.
async fn pause_dms(conn: &mut PgConnection, member: MemberId, reason: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE members SET dms = FALSE, dm_failure = $1 WHERE id = $2")
        .bind(reason)
        .bind(member.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
