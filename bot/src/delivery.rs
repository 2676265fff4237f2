//! Reminders and digests, delivered durably.
//!
//! The [`Scheduler`] looks at members whose time has come and writes outbox
//! rows, unique per (member, kind, local date), in one transaction. A
//! [`Sender`] claims ready rows with a lease, composes each message from the
//! ledger as it is at that moment, delivers it through the member's
//! platform's [`Messenger`], and settles the row: sent, retried with
//! backoff, or stopped for good. A crash at any point loses nothing: an
//! unsettled claim lapses and another sender takes the row.
//!
//! Both are steps over an injected clock, so tests and the console drive
//! them exactly; [`Delivery::run`] loops them for a live process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

use crate::community::notices::{ClaimedNotice, Composed, compose as compose_notice};
use crate::domain::{Member, Platform};
use crate::ports::{
    Claimed, Clock, DeliveryError, DeliveryKind, Messenger, NewDelivery, Outbox, Pending, Plan,
    Recipient, Settle, Store,
};
use crate::reminders;

/// A digest may go out this long after its time (e.g. after downtime).
const DIGEST_GRACE_HOURS: i64 = 12;

/// Works out one member's deliveries at `now`: the reminder for the window
/// that is open now if anyone is due, the digest if its time has come, and
/// when to look again — the next window, or later in this one when a
/// contact falls due before it closes. Pure, so every rule is unit-tested.
pub fn plan(pending: &Pending, now: DateTime<Utc>) -> Plan {
    let member = &pending.member;
    let mut deliveries = Vec::new();

    let mut slot = member
        .window
        .slot_after(member.tz, pending.next_reminder_at.unwrap_or(now));
    let mut revisit = None;
    while slot.start <= now {
        if now < slot.end {
            match pending.earliest_due {
                Some(due) if due <= now => deliveries.push(NewDelivery {
                    kind: DeliveryKind::Reminder,
                    local_date: slot.local_date,
                    not_before: slot.start,
                    expires_at: slot.end,
                }),
                Some(due) if due < slot.end => {
                    revisit = Some(due);
                    break;
                }
                _ => {}
            }
        }
        slot = member.window.slot_after(member.tz, slot.end.max(now));
    }

    let next_digest_at = member
        .digest
        .as_ref()
        .and_then(|digest| match pending.next_digest_at {
            Some(at) if at <= now => {
                if now - at <= Duration::hours(DIGEST_GRACE_HOURS) {
                    deliveries.push(NewDelivery {
                        kind: DeliveryKind::Digest,
                        local_date: crate::schedule::wall_clock(member.tz, at).date(),
                        not_before: at,
                        expires_at: at + Duration::hours(DIGEST_GRACE_HOURS),
                    });
                }
                digest.next_after(member.tz, at.max(now))
            }
            Some(at) => Some(at),
            None => digest.next_after(member.tz, now),
        });

    Plan {
        workspace: member.workspace,
        member: member.id,
        deliveries,
        next_reminder_at: revisit.unwrap_or(slot.start),
        next_digest_at,
    }
}

/// What one scheduler tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// Members looked at.
    pub members: usize,
    /// Outbox rows written.
    pub queued: u64,
}

/// Writes outbox rows for members whose reminder window or digest time has come.
#[derive(Clone)]
pub struct Scheduler {
    outbox: Arc<dyn Outbox>,
    batch: u32,
}

impl Scheduler {
    pub fn new(outbox: Arc<dyn Outbox>) -> Scheduler {
        Scheduler {
            outbox,
            batch: 5_000,
        }
    }

    /// Looks at everyone whose time has come at `now`, in batches, each
    /// batch written in one transaction.
    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<TickReport> {
        let mut report = TickReport::default();
        loop {
            let pending = self.outbox.pending(now, self.batch).await?;
            let plans: Vec<Plan> = pending.iter().map(|p| plan(p, now)).collect();
            report.members += plans.len();
            report.queued += self.outbox.schedule(&plans, now).await?;
            // Every plan moves its member's next times past `now`, so a
            // short batch means everyone has been seen.
            if pending.len() < self.batch as usize {
                return Ok(report);
            }
        }
    }
}

/// The messengers of the platforms this process serves.
#[derive(Clone, Default)]
pub struct Messengers(Vec<(Platform, Arc<dyn Messenger>)>);

impl Messengers {
    pub fn new() -> Messengers {
        Messengers::default()
    }

    pub fn with(mut self, platform: Platform, messenger: Arc<dyn Messenger>) -> Messengers {
        self.0.retain(|(p, _)| *p != platform);
        self.0.push((platform, messenger));
        self
    }

    pub fn platforms(&self) -> Vec<Platform> {
        self.0.iter().map(|(p, _)| *p).collect()
    }

    pub fn get(&self, platform: Platform) -> Option<&Arc<dyn Messenger>> {
        self.0.iter().find(|(p, _)| *p == platform).map(|(_, m)| m)
    }
}

/// What one sender step did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StepReport {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Claims lost to another sender after the lease lapsed.
    pub lost: usize,
}

/// How long a claim holds a row.
pub const LEASE_SECONDS: i64 = 120;
/// Give up on a row after this many attempts.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait before attempt `n + 1`, after `n` failed: 30 s, 1 min, 2 min,
/// ... up to an hour.
pub fn backoff(attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(7);
    Duration::seconds(30 * (1 << exponent)).min(Duration::hours(1))
}

/// Try again later with backoff, or give up after [`MAX_ATTEMPTS`].
fn retry(row: i64, attempts: u32, now: DateTime<Utc>, error: String) -> Settle {
    if attempts >= MAX_ATTEMPTS {
        warn!(row, %error, "giving up after {MAX_ATTEMPTS} attempts");
        return Settle::GaveUp { error };
    }
    Settle::Retry {
        at: now + backoff(attempts),
        error,
    }
}

/// How a delivery attempt settles its row: sent, retried after a
/// temporary failure, or refused for good (the recipient's DMs pause).
fn settled(
    row: i64,
    kind: &str,
    attempts: u32,
    now: DateTime<Utc>,
    sent: Result<(), DeliveryError>,
) -> Settle {
    match sent {
        Ok(()) => {
            info!(row, kind, "delivered");
            Settle::Sent
        }
        Err(DeliveryError::Temporary(error)) => retry(row, attempts, now, error),
        Err(DeliveryError::Permanent(error)) => {
            warn!(row, %error, "recipient cannot be reached; pausing their DMs");
            Settle::Refused { error }
        }
    }
}

/// Whom a message to `member` goes to.
fn recipient(platform: Platform, workspace: &str, member: &Member) -> Recipient {
    Recipient {
        platform,
        workspace: workspace.to_string(),
        external_id: member.external_id.clone(),
        display_name: member.display_name.clone(),
        tz: member.tz,
    }
}

impl StepReport {
    fn count(&mut self, outcome: &Settle) {
        match outcome {
            Settle::Sent => self.sent += 1,
            Settle::Retry { .. } => self.retried += 1,
            Settle::GaveUp { .. } | Settle::Refused { .. } => self.failed += 1,
            Settle::Skipped | Settle::Expired => self.skipped += 1,
        }
    }
}

/// Claims ready outbox rows and delivers them.
pub struct Sender {
    store: Arc<dyn Store>,
    outbox: Arc<dyn Outbox>,
    messengers: Messengers,
    clock: Arc<dyn Clock>,
    name: String,
    claims: AtomicU64,
    batch: u32,
}

impl Sender {
    /// A sender called `name` (unique per process, e.g. host and pid).
    pub fn new(
        store: Arc<dyn Store>,
        outbox: Arc<dyn Outbox>,
        messengers: Messengers,
        clock: Arc<dyn Clock>,
        name: impl Into<String>,
    ) -> Sender {
        Sender {
            store,
            outbox,
            messengers,
            clock,
            name: name.into(),
            claims: AtomicU64::new(0),
            batch: 32,
        }
    }

    /// Claims one batch of ready rows and settles each.
    pub async fn step(&self) -> anyhow::Result<StepReport> {
        let now = self.clock.now();
        let lease = format!(
            "{}#{}",
            self.name,
            self.claims.fetch_add(1, Ordering::Relaxed)
        );
        let claimed = self
            .outbox
            .claim(
                &lease,
                &self.messengers.platforms(),
                now,
                Duration::seconds(LEASE_SECONDS),
                self.batch,
            )
            .await?;
        let notices = self
            .outbox
            .claim_notices(
                &lease,
                &self.messengers.platforms(),
                now,
                Duration::seconds(LEASE_SECONDS),
                self.batch,
            )
            .await?;
        let mut report = StepReport {
            claimed: claimed.len() + notices.len(),
            ..StepReport::default()
        };
        for row in &claimed {
            let outcome = self.deliver(row).await;
            report.count(&outcome);
            if !self.outbox.settle(row, &outcome, self.clock.now()).await? {
                warn!(
                    row = row.id,
                    "lost the claim on an outbox row before settling it"
                );
                report.lost += 1;
            }
        }
        for row in &notices {
            let outcome = self.deliver_notice(row).await;
            report.count(&outcome);
            if !self
                .outbox
                .settle_notice(row, &outcome, self.clock.now())
                .await?
            {
                warn!(
                    row = row.id,
                    "lost the claim on a notice before settling it"
                );
                report.lost += 1;
            }
        }
        Ok(report)
    }

    /// Composes and sends one community notice.
    async fn deliver_notice(&self, row: &ClaimedNotice) -> Settle {
        let now = self.clock.now();
        let composed = match compose_notice(self.store.as_ref(), row, now).await {
            Ok(composed) => composed,
            Err(e) => {
                return retry(row.id, row.attempts, now, format!("could not compose: {e}"));
            }
        };
        let Some(messenger) = self.messengers.get(row.platform) else {
            return retry(
                row.id,
                row.attempts,
                now,
                format!("no messenger for {}", row.platform.as_str()),
            );
        };
        let key = format!("kith-{}-{}", row.kind.as_str(), row.id);
        let workspace = row.workspace_external_id.as_str();
        let sent = match composed {
            Composed::Nothing => return Settle::Skipped,
            Composed::Dm(message) => {
                let Some(to) = row.to.as_ref().filter(|m| m.dms) else {
                    return Settle::Skipped;
                };
                messenger
                    .send_dm(&recipient(row.platform, workspace, to), &message, &key)
                    .await
            }
            Composed::Post { channel, message } => {
                match messenger.post(workspace, &channel, &message).await {
                    // A channel that refuses us is no member's DMs to pause.
                    Err(DeliveryError::Permanent(error)) => {
                        warn!(row = row.id, %error, "the channel refused the post");
                        return Settle::GaveUp { error };
                    }
                    sent => sent,
                }
            }
            Composed::Group {
                members,
                channel,
                title,
                message,
                fallback,
            } => {
                let recipients: Vec<Recipient> = members
                    .iter()
                    .map(|m| recipient(row.platform, workspace, m))
                    .collect();
                let opened = messenger
                    .converse(
                        workspace,
                        &recipients,
                        channel.as_deref(),
                        &title,
                        &message,
                        &key,
                    )
                    .await;
                let why = match opened {
                    Ok(true) => {
                        return settled(row.id, row.kind.as_str(), row.attempts, now, Ok(()));
                    }
                    Err(DeliveryError::Temporary(error)) => {
                        return retry(row.id, row.attempts, now, error);
                    }
                    Ok(false) => "no conversation possible here".to_string(),
                    // E.g. no permission in the intros channel: DMs still work.
                    Err(DeliveryError::Permanent(error)) => error,
                };
                let ids: Vec<_> = members.iter().map(|m| m.id).collect();
                if let Err(e) = self.outbox.add_notices(row, fallback, &ids, now).await {
                    return retry(
                        row.id,
                        row.attempts,
                        now,
                        format!("could not queue DMs: {e}"),
                    );
                }
                info!(row = row.id, %why, "sending one DM each instead of a conversation");
                return Settle::Sent;
            }
        };
        settled(row.id, row.kind.as_str(), row.attempts, now, sent)
    }

    /// Steps until nothing is ready (bounded, so a stuck row cannot spin).
    pub async fn drain(&self) -> anyhow::Result<StepReport> {
        let mut total = StepReport::default();
        for _ in 0..1_000 {
            let step = self.step().await?;
            total.claimed += step.claimed;
            total.sent += step.sent;
            total.retried += step.retried;
            total.failed += step.failed;
            total.skipped += step.skipped;
            total.lost += step.lost;
            if step.claimed == 0 {
                break;
            }
        }
        Ok(total)
    }

    async fn deliver(&self, row: &Claimed) -> Settle {
        let now = self.clock.now();
        if now >= row.expires_at {
            return Settle::Expired;
        }
        let message = match self.compose(row, now).await {
            Ok(Some(message)) => message,
            Ok(None) => return Settle::Skipped,
            Err(e) => return self.retry(row, now, format!("could not compose: {e}")),
        };
        let Some(messenger) = self.messengers.get(row.platform) else {
            return self.retry(
                row,
                now,
                format!("no messenger for {}", row.platform.as_str()),
            );
        };
        let to = recipient(row.platform, &row.workspace_external_id, &row.member);
        let key = format!("kith-{}-{}", row.kind.as_str(), row.id);
        let sent = messenger.send_dm(&to, &message, &key).await;
        settled(row.id, row.kind.as_str(), row.attempts, now, sent)
    }

    fn retry(&self, row: &Claimed, now: DateTime<Utc>, error: String) -> Settle {
        retry(row.id, row.attempts, now, error)
    }

    async fn compose(
        &self,
        row: &Claimed,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<crate::reply::Reply>> {
        let scope = row.member.scope();
        let contacts = self.store.contacts(scope).await?;
        Ok(match row.kind {
            DeliveryKind::Reminder => reminders::reminder(&row.member, &contacts, now),
            DeliveryKind::Digest => {
                let favours = self
                    .store
                    .favours_since(scope, now - Duration::days(7))
                    .await?;
                reminders::digest(&row.member, &contacts, favours, now)
            }
        })
    }
}

/// The scheduler and a sender together, as a running process uses them.
pub struct Delivery {
    pub scheduler: Scheduler,
    pub sender: Sender,
    store: Arc<dyn Store>,
    outbox: Arc<dyn Outbox>,
    clock: Arc<dyn Clock>,
    nudge: Option<Arc<tokio::sync::Notify>>,
}

impl Delivery {
    pub fn new(
        store: Arc<dyn Store>,
        outbox: Arc<dyn Outbox>,
        messengers: Messengers,
        clock: Arc<dyn Clock>,
        name: impl Into<String>,
    ) -> Delivery {
        Delivery {
            scheduler: Scheduler::new(outbox.clone()),
            sender: Sender::new(
                store.clone(),
                outbox.clone(),
                messengers,
                clock.clone(),
                name,
            ),
            store,
            outbox,
            clock,
            nudge: None,
        }
    }

    /// Also wakes [`Delivery::run`] when `nudge` is notified (see `Kith::nudge`).
    pub fn with_nudge(mut self, nudge: Arc<tokio::sync::Notify>) -> Delivery {
        self.nudge = Some(nudge);
        self
    }

    /// Schedules and sends everything due at the clock's current time:
    /// reminders, digests, pairing rounds and community notices.
    pub async fn catch_up(&self) -> anyhow::Result<StepReport> {
        let now = self.clock.now();
        self.scheduler.tick(now).await?;
        crate::community::run_due_rounds(self.store.as_ref(), now).await?;
        self.sender.drain().await
    }

    /// Works every schedule out afresh from the clock, which was moved back.
    pub async fn rewind(&self) -> anyhow::Result<()> {
        self.outbox.reschedule_all().await
    }

    /// The next instant after now at which something is due to happen.
    pub async fn next_wakeup(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        self.outbox.next_wakeup(self.clock.now()).await
    }

    /// Catches up every `every` until `shutdown` resolves; errors are
    /// logged and retried on the next round, never fatal.
    pub async fn run(
        &self,
        every: std::time::Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.catch_up().await {
                warn!(error = %e, "delivery round failed; trying again next round");
            }
            let nudged = async {
                match &self.nudge {
                    Some(nudge) => nudge.notified().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(every) => {}
                _ = nudged => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Member, MemberId, TzSource, WorkspaceId};
    use crate::schedule::{Digest, Window};
    use chrono::{NaiveDate, TimeZone};

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
            .single()
            .expect("t")
    }

    fn pending(
        next_reminder_at: Option<DateTime<Utc>>,
        next_digest_at: Option<DateTime<Utc>>,
    ) -> Pending {
        Pending {
            member: Member {
                id: MemberId(7),
                workspace: WorkspaceId(3),
                external_id: "me".into(),
                display_name: "me".into(),
                tz: Tz::UTC,
                tz_source: TzSource::Default,
                welcomed: true,
                window: Window::default(),
                digest: Some(Digest::default_weekly()),
                dms: true,
                dm_failure: None,
            },
            next_reminder_at,
            next_digest_at,
            earliest_due: Some(utc(1, 0, 0)),
        }
    }

    use chrono_tz::Tz;

    #[test]
    fn a_new_member_inside_the_window_gets_todays_reminder() {
        // Monday 23 Nov, 09:30 UTC.
        let plan = plan(&pending(None, None), utc(23, 9, 30));
        assert_eq!(
            plan.deliveries,
            vec![NewDelivery {
                kind: DeliveryKind::Reminder,
                local_date: NaiveDate::from_ymd_opt(2026, 11, 23).expect("d"),
                not_before: utc(23, 9, 0),
                expires_at: utc(23, 10, 0),
            }]
        );
        assert_eq!(plan.next_reminder_at, utc(24, 9, 0));
        assert_eq!(plan.next_digest_at, Some(utc(30, 9, 0)));
    }

    #[test]
    fn outside_the_window_nothing_is_queued_until_it_opens() {
        let plan = plan(&pending(None, None), utc(23, 10, 0));
        assert!(plan.deliveries.is_empty());
        assert_eq!(plan.next_reminder_at, utc(24, 9, 0));
    }

    #[test]
    fn missed_windows_are_not_sent_late() {
        // Down since Friday's window; back on Monday at 08:00.
        let plan = plan(
            &pending(Some(utc(20, 9, 0)), Some(utc(30, 9, 0))),
            utc(23, 8, 0),
        );
        assert!(plan.deliveries.is_empty(), "{:?}", plan.deliveries);
        assert_eq!(plan.next_reminder_at, utc(23, 9, 0));
    }

    #[test]
    fn no_reminder_row_when_nobody_is_due_but_the_schedule_moves_on() {
        let mut p = pending(Some(utc(23, 9, 0)), Some(utc(30, 9, 0)));
        p.earliest_due = Some(utc(25, 12, 0));
        let plan = plan(&p, utc(23, 9, 0));
        assert!(plan.deliveries.is_empty());
        assert_eq!(plan.next_reminder_at, utc(24, 9, 0));
    }

    #[test]
    fn someone_falling_due_inside_the_window_is_reminded_then() {
        let mut p = pending(Some(utc(23, 9, 0)), Some(utc(30, 9, 0)));
        p.earliest_due = Some(utc(23, 9, 40));
        let first = plan(&p, utc(23, 9, 0));
        assert!(first.deliveries.is_empty());
        assert_eq!(first.next_reminder_at, utc(23, 9, 40));
        p.next_reminder_at = Some(first.next_reminder_at);
        let then = plan(&p, utc(23, 9, 40));
        assert_eq!(then.deliveries.len(), 1);
        assert_eq!(then.next_reminder_at, utc(24, 9, 0));
    }

    #[test]
    fn a_digest_between_reminders_does_not_repeat_todays_reminder() {
        let plan = plan(
            &pending(Some(utc(24, 9, 0)), Some(utc(23, 9, 30))),
            utc(23, 9, 30),
        );
        assert!(
            plan.deliveries
                .iter()
                .all(|d| d.kind == DeliveryKind::Digest)
        );
        assert_eq!(plan.next_reminder_at, utc(24, 9, 0));
    }

    #[test]
    fn the_digest_fires_at_its_time_and_schedules_the_next() {
        let plan = plan(
            &pending(Some(utc(30, 9, 0)), Some(utc(30, 9, 0))),
            utc(30, 9, 0),
        );
        let digest: Vec<_> = plan
            .deliveries
            .iter()
            .filter(|d| d.kind == DeliveryKind::Digest)
            .collect();
        assert_eq!(digest.len(), 1);
        assert_eq!(
            digest[0].local_date,
            NaiveDate::from_ymd_opt(2026, 11, 30).expect("d")
        );
        assert_eq!(
            plan.next_digest_at,
            Some(
                Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
                    .single()
                    .expect("t")
            )
        );
    }

    #[test]
    fn a_digest_missed_by_more_than_half_a_day_is_dropped() {
        let plan = plan(
            &pending(Some(utc(30, 9, 0)), Some(utc(23, 9, 0))),
            utc(24, 8, 0),
        );
        assert!(
            plan.deliveries
                .iter()
                .all(|d| d.kind != DeliveryKind::Digest)
        );
        assert_eq!(plan.next_digest_at, Some(utc(30, 9, 0)));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(4), Duration::seconds(240));
        assert_eq!(backoff(8), Duration::hours(1));
    }
}
