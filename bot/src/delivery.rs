//! Reminders and digests, delivered durably.
//!
//! The [`Scheduler`] looks at members whose time has come and writes outbox
//! rows, unique per (member, kind, local date), in one transaction. A
//! [`Sender`] claims ready rows with a lease, composes each message from the
//! ledger as it is at that moment, delivers it through the member's
//! platform's [`Messenger`], and settles the row: sent, retried with
//! backoff, or stopped for good. A crash at any point loses nothing: an
//! unsettled claim lapses and another sender takes the row. Nothing is
//! sent twice: a claim is renewed while held and re-checked just before
//! each send, and a row whose earlier attempt may have gone out is looked
//! for on the platform before it is sent again (docs/reliability.md).
//!
//! Both are steps over an injected clock, so tests and the console drive
//! them exactly; [`Delivery::run`] loops them for a live process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use tracing::{info, warn};

use crate::community::notices::{ClaimedNotice, Composed, compose as compose_notice};
use crate::domain::{Member, Platform};
use crate::ports::{
    Claimed, Clock, DeliveryError, DeliveryKind, Destination, Found, Messenger, NewDelivery,
    Outbox, Pending, Plan, Queue, Recipient, Settle, Store,
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
    /// Claims lost to another sender (found before sending, never after).
    pub lost: usize,
    /// Rows found already delivered by an earlier attempt whose outcome
    /// was unknown, and settled without sending again.
    pub resolved: usize,
    /// Rows given back unsent because the process is stopping.
    pub released: usize,
}

impl std::ops::AddAssign for StepReport {
    fn add_assign(&mut self, step: StepReport) {
        self.claimed += step.claimed;
        self.sent += step.sent;
        self.retried += step.retried;
        self.failed += step.failed;
        self.skipped += step.skipped;
        self.lost += step.lost;
        self.resolved += step.resolved;
        self.released += step.released;
    }
}

/// Notices split into groups that must keep their order: those to one
/// member, and those to one workspace's channels; groups in order of
/// their first notice.
fn in_order_groups(notices: &[ClaimedNotice]) -> Vec<Vec<&ClaimedNotice>> {
    let key = |n: &ClaimedNotice| (n.workspace, n.to.as_ref().map(|m| m.id));
    let mut groups: Vec<Vec<&ClaimedNotice>> = Vec::new();
    for notice in notices {
        match groups.iter_mut().find(|g| key(g[0]) == key(notice)) {
            Some(group) => group.push(notice),
            None => groups.push(vec![notice]),
        }
    }
    groups
}

/// Messages a sender has on their way at once by default (reminders each
/// to its own member; notices in groups that keep their order). Sending
/// one waits on the platform for tens of milliseconds; one at a time, a
/// replica sent ~25 a second.
pub const SENDS_AT_ONCE: usize = 16;

/// How long a claim holds its rows unless renewed. A live sender renews
/// every [`RENEW_EVERY`], so only a dead (or frozen) sender's claim
/// lapses, and its rows go to another sender within this.
pub const LEASE_SECONDS: i64 = 10;
/// How often a live sender renews the claim it is working through.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(3);
/// After a stop, how long a send already under way may take before it is
/// abandoned (its row goes back with its outcome unknown, to be resolved
/// by the next sender).
pub const DEFAULT_GRACE: std::time::Duration = std::time::Duration::from_secs(7);
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

/// A process's "stop now": senders claim nothing more once it is set,
/// and give back what they hold.
#[derive(Clone, Default)]
pub struct Stopping(Arc<StopState>);

#[derive(Default)]
struct StopState {
    stopped: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stopping {
    pub fn new() -> Stopping {
        Stopping::default()
    }

    pub fn stop(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    /// Resolves once [`Stopping::stop`] was called.
    pub async fn stopped(&self) {
        loop {
            let notified = self.0.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_stopped() {
                return;
            }
            notified.await;
        }
    }
}

/// What became of one claimed row.
enum Attempt {
    /// Settle it so.
    Settle(Settle),
    /// Found already delivered by an attempt whose outcome was unknown.
    AlreadySent,
    /// The claim was lost before sending: another sender has the row.
    Lost,
    /// The process is stopping and the send did not finish in time.
    Abandoned,
}

/// What a send needs to know of its row, in either queue.
#[derive(Clone, Copy)]
struct RowRef<'a> {
    queue: Queue,
    id: i64,
    lease: &'a str,
    unsettled_since: Option<DateTime<Utc>>,
}

/// Claims ready outbox rows and delivers them.
///
/// A claim is a lease with a token unique to this claim; it is renewed
/// while the sender works through it and re-checked just before each
/// send, which also marks the row's attempt as under way. A row whose
/// earlier attempt has an unknown outcome is looked for on the platform
/// before it is sent again.
pub struct Sender {
    store: Arc<dyn Store>,
    outbox: Arc<dyn Outbox>,
    messengers: Messengers,
    clock: Arc<dyn Clock>,
    name: String,
    claims: AtomicU64,
    batch: u32,
    at_once: usize,
    stopping: Stopping,
    grace: std::time::Duration,
    renew_every: std::time::Duration,
}

impl Sender {
    /// A sender called `name` (e.g. the host and pid; a suffix makes each
    /// sender's claims unique even if a pid comes round again).
    pub fn new(
        store: Arc<dyn Store>,
        outbox: Arc<dyn Outbox>,
        messengers: Messengers,
        clock: Arc<dyn Clock>,
        name: impl Into<String>,
    ) -> Sender {
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Sender {
            store,
            outbox,
            messengers,
            clock,
            name: format!("{}/{unique:x}", name.into()),
            claims: AtomicU64::new(0),
            batch: SENDS_AT_ONCE as u32,
            at_once: SENDS_AT_ONCE,
            stopping: Stopping::default(),
            grace: DEFAULT_GRACE,
            renew_every: RENEW_EVERY,
        }
    }

    /// Renews claims this often (tests shorten it).
    pub fn with_renew_every(mut self, every: std::time::Duration) -> Sender {
        self.renew_every = every;
        self
    }

    /// Stops claiming when `stopping` is set; a send under way then has
    /// `grace` to finish before its row is given back.
    pub fn with_stopping(mut self, stopping: Stopping, grace: std::time::Duration) -> Sender {
        self.stopping = stopping;
        self.grace = grace;
        self
    }

    /// Rows claimed at a time from each queue. By default as many as are
    /// sent at once: a claim is cheap, and a survivor takes a dead
    /// sender's rows at its next claim, so the fewer sends between claims
    /// the sooner they resume.
    pub fn with_batch(mut self, batch: u32) -> Sender {
        self.batch = batch.max(1);
        self
    }

    /// Sends up to `at_once` messages at a time, and claims as many rows
    /// at a time from each queue.
    pub fn with_sends_at_once(mut self, at_once: usize) -> Sender {
        self.at_once = at_once.max(1);
        self.batch = u32::try_from(self.at_once).unwrap_or(u32::MAX);
        self
    }

    fn hold() -> Duration {
        Duration::seconds(LEASE_SECONDS)
    }

    /// Claims one batch of ready rows and settles each.
    pub async fn step(&self) -> anyhow::Result<StepReport> {
        if self.stopping.is_stopped() {
            return Ok(StepReport::default());
        }
        let now = self.clock.now();
        let lease = format!(
            "{}#{}",
            self.name,
            self.claims.fetch_add(1, Ordering::Relaxed)
        );
        let platforms = self.messengers.platforms();
        let claimed = self
            .outbox
            .claim(&lease, &platforms, now, Self::hold(), self.batch)
            .await?;
        let notices = self
            .outbox
            .claim_notices(&lease, &platforms, now, Self::hold(), self.batch)
            .await?;
        let mut report = StepReport {
            claimed: claimed.len() + notices.len(),
            ..StepReport::default()
        };
        if report.claimed == 0 {
            return Ok(report);
        }
        let outcome = {
            let work = self.work(&claimed, &notices, &mut report);
            let heartbeat = self.heartbeat(&lease);
            tokio::pin!(work);
            tokio::select! {
                outcome = &mut work => outcome,
                never = heartbeat => match never {},
            }
        };
        if self.stopping.is_stopped() || outcome.is_err() {
            // Whatever this claim still holds goes to the next sender now,
            // not when the lease lapses.
            let released = self.outbox.release(&lease).await?;
            if released > 0 {
                info!(released, "gave back unsent rows");
            }
        }
        outcome?;
        Ok(report)
    }

    /// Keeps a claim alive while its rows are worked through.
    async fn heartbeat(&self, lease: &str) -> std::convert::Infallible {
        loop {
            tokio::time::sleep(self.renew_every).await;
            if let Err(e) = self
                .outbox
                .renew(lease, self.clock.now(), Self::hold())
                .await
            {
                warn!(error = %e, "could not renew a claim; it may lapse");
            }
        }
    }

    async fn work(
        &self,
        claimed: &[Claimed],
        notices: &[ClaimedNotice],
        report: &mut StepReport,
    ) -> anyhow::Result<()> {
        // Reminders go to one member each, so several are sent at once
        // (the messenger keeps each channel's pace); each is settled as
        // soon as its own send ends. Notices to one member, or to one
        // workspace's channels, go in the order they were queued.
        // (Boxed into a plain list: a stream mapped by closures over
        // borrowed rows is not `Send` for every lifetime, which spawning
        // the delivery loop needs.)
        type Sending<'a> = std::pin::Pin<
            Box<dyn std::future::Future<Output = anyhow::Result<StepReport>> + Send + 'a>,
        >;
        let mut waiting: std::collections::VecDeque<Sending<'_>> =
            std::collections::VecDeque::new();
        for row in claimed {
            waiting.push_back(Box::pin(self.send_reminder(row)));
        }
        for group in in_order_groups(notices) {
            waiting.push_back(Box::pin(self.send_notices(group)));
        }
        let mut sends = futures_util::stream::FuturesUnordered::new();
        while sends.len() < self.at_once {
            match waiting.pop_front() {
                Some(send) => sends.push(send),
                None => break,
            }
        }
        let mut failure = None;
        while let Some(sent) = sends.next().await {
            match sent {
                Ok(step) => *report += step,
                Err(e) => failure = failure.or(Some(e)),
            }
            if let Some(send) = waiting.pop_front() {
                sends.push(send);
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Sends claimed notices one after another and settles each.
    async fn send_notices(&self, notices: Vec<&ClaimedNotice>) -> anyhow::Result<StepReport> {
        let mut report = StepReport::default();
        for row in notices {
            if self.stopping.is_stopped() {
                report.released += 1;
                continue;
            }
            let attempt = self.deliver_notice(row).await?;
            let Some(outcome) = self.tally(attempt, &mut report) else {
                continue;
            };
            crate::observe::delivery(row.platform, "notices", &outcome);
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

    /// Sends one claimed reminder and settles it; what happened, counted.
    async fn send_reminder(&self, row: &Claimed) -> anyhow::Result<StepReport> {
        let mut report = StepReport::default();
        if self.stopping.is_stopped() {
            report.released += 1;
            return Ok(report);
        }
        let attempt = self.deliver(row).await?;
        let Some(outcome) = self.tally(attempt, &mut report) else {
            return Ok(report);
        };
        crate::observe::delivery(row.platform, "reminders", &outcome);
        if !self.outbox.settle(row, &outcome, self.clock.now()).await? {
            warn!(
                row = row.id,
                "lost the claim on an outbox row before settling it"
            );
            report.lost += 1;
        }
        Ok(report)
    }

    /// Counts an attempt; the outcome to settle, if any.
    fn tally(&self, attempt: Attempt, report: &mut StepReport) -> Option<Settle> {
        match attempt {
            Attempt::Settle(outcome) => {
                report.count(&outcome);
                Some(outcome)
            }
            Attempt::AlreadySent => {
                report.resolved += 1;
                Some(Settle::Sent)
            }
            Attempt::Lost => {
                report.lost += 1;
                None
            }
            Attempt::Abandoned => {
                report.released += 1;
                None
            }
        }
    }

    /// Looks for an earlier attempt's message before sending `key` again;
    /// `Some` settles the row without sending.
    async fn resolve(
        &self,
        messenger: &Arc<dyn Messenger>,
        to: Destination<'_>,
        key: &str,
        unsettled_since: Option<DateTime<Utc>>,
        retry: impl FnOnce(String) -> Settle,
    ) -> Option<Attempt> {
        let since = unsettled_since?;
        match messenger.find_sent(to, key, since).await {
            Ok(Found::Sent) => {
                info!(
                    key,
                    "an attempt with an unknown outcome had gone out; not sending again"
                );
                Some(Attempt::AlreadySent)
            }
            Ok(Found::NotSent | Found::CannotTell) => None,
            Err(e) => Some(Attempt::Settle(retry(format!(
                "could not tell whether an earlier attempt went out: {e}"
            )))),
        }
    }

    /// Re-checks the claim and marks the attempt as under way; `false` if
    /// the row must not be sent.
    async fn begin(&self, queue: Queue, id: i64, lease: &str) -> anyhow::Result<bool> {
        if self.stopping.is_stopped() {
            return Ok(false);
        }
        let held = self
            .outbox
            .begin_send(queue, id, lease, self.clock.now(), Self::hold())
            .await?;
        if !held {
            warn!(
                row = id,
                "lost the claim on a row before sending it; not sending"
            );
        }
        Ok(held)
    }

    /// Runs a send; after a stop it has the grace period to finish, then
    /// it is abandoned (`None`).
    async fn within_grace<T>(&self, send: impl std::future::Future<Output = T>) -> Option<T> {
        let grace = async {
            self.stopping.stopped().await;
            tokio::time::sleep(self.grace).await;
        };
        tokio::select! {
            biased;
            out = send => Some(out),
            () = grace => {
                warn!("a send did not finish within the stop's grace period; giving its row back");
                None
            }
        }
    }

    /// One send of a row: an earlier attempt whose outcome is unknown is
    /// looked for first, the claim is re-checked (marking this attempt as
    /// under way), then `send` runs within the stop's grace period.
    /// `Err` with how the row ends when nothing was sent.
    async fn send_once<T>(
        &self,
        row: RowRef<'_>,
        messenger: &Arc<dyn Messenger>,
        to: Destination<'_>,
        key: &str,
        retry_now: impl FnOnce(String) -> Settle,
        send: impl std::future::Future<Output = T>,
    ) -> anyhow::Result<Result<T, Attempt>> {
        if let Some(done) = self
            .resolve(messenger, to, key, row.unsettled_since, retry_now)
            .await
        {
            return Ok(Err(done));
        }
        if !self.begin(row.queue, row.id, row.lease).await? {
            return Ok(Err(Attempt::Lost));
        }
        Ok(self.within_grace(send).await.ok_or(Attempt::Abandoned))
    }

    /// Composes and sends one community notice.
    async fn deliver_notice(&self, row: &ClaimedNotice) -> anyhow::Result<Attempt> {
        let now = self.clock.now();
        let retry_now = |error: String| retry(row.id, row.attempts, now, error);
        let composed = match compose_notice(self.store.as_ref(), row, now).await {
            Ok(composed) => composed,
            Err(e) => {
                return Ok(Attempt::Settle(retry_now(format!(
                    "could not compose: {e}"
                ))));
            }
        };
        let Some(messenger) = self.messengers.get(row.platform) else {
            return Ok(Attempt::Settle(retry_now(format!(
                "no messenger for {}",
                row.platform.as_str()
            ))));
        };
        let key = format!("kith-{}-{}", row.kind.as_str(), row.id);
        let workspace = row.workspace_external_id.as_str();
        let notice = RowRef {
            queue: Queue::Notices,
            id: row.id,
            lease: &row.lease,
            unsettled_since: row.unsettled_since,
        };
        let sent = match composed {
            Composed::Nothing => return Ok(Attempt::Settle(Settle::Skipped)),
            Composed::Dm(message) => {
                let Some(to) = row.to.as_ref().filter(|m| m.dms) else {
                    return Ok(Attempt::Settle(Settle::Skipped));
                };
                let to = recipient(row.platform, workspace, to);
                match self
                    .send_once(
                        notice,
                        messenger,
                        Destination::Dm(&to),
                        &key,
                        retry_now,
                        messenger.send_dm(&to, &message, &key),
                    )
                    .await?
                {
                    Ok(sent) => sent,
                    Err(ended) => return Ok(ended),
                }
            }
            Composed::Post { channel, message } => {
                let to = Destination::Channel {
                    workspace,
                    channel: &channel,
                };
                let sent = match self
                    .send_once(
                        notice,
                        messenger,
                        to,
                        &key,
                        retry_now,
                        messenger.post_keyed(workspace, &channel, &message, &key),
                    )
                    .await?
                {
                    Ok(sent) => sent,
                    Err(ended) => return Ok(ended),
                };
                match sent {
                    // A channel that refuses us is no member's DMs to pause.
                    Err(DeliveryError::Permanent(error)) => {
                        warn!(row = row.id, %error, "the channel refused the post");
                        return Ok(Attempt::Settle(Settle::GaveUp { error }));
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
                let to = Destination::Conversation {
                    workspace,
                    members: &recipients,
                    channel: channel.as_deref(),
                };
                let opened = match self
                    .send_once(
                        notice,
                        messenger,
                        to,
                        &key,
                        retry_now,
                        messenger.converse(
                            workspace,
                            &recipients,
                            channel.as_deref(),
                            &title,
                            &message,
                            &key,
                        ),
                    )
                    .await?
                {
                    Ok(opened) => opened,
                    Err(ended) => return Ok(ended),
                };
                let why = match opened {
                    Ok(true) => {
                        return Ok(Attempt::Settle(settled(
                            row.id,
                            row.kind.as_str(),
                            row.attempts,
                            now,
                            Ok(()),
                        )));
                    }
                    Err(DeliveryError::Temporary(error)) => {
                        return Ok(Attempt::Settle(retry_now(error)));
                    }
                    Ok(false) => "no conversation possible here".to_string(),
                    // E.g. no permission in the intros channel: DMs still work.
                    Err(DeliveryError::Permanent(error)) => error,
                };
                let ids: Vec<_> = members.iter().map(|m| m.id).collect();
                if let Err(e) = self.outbox.add_notices(row, fallback, &ids, now).await {
                    return Ok(Attempt::Settle(retry_now(format!(
                        "could not queue DMs: {e}"
                    ))));
                }
                info!(row = row.id, %why, "sending one DM each instead of a conversation");
                return Ok(Attempt::Settle(Settle::Sent));
            }
        };
        Ok(Attempt::Settle(settled(
            row.id,
            row.kind.as_str(),
            row.attempts,
            now,
            sent,
        )))
    }

    /// Steps until nothing is ready or the process is stopping (bounded,
    /// so a stuck row cannot spin).
    pub async fn drain(&self) -> anyhow::Result<StepReport> {
        let mut total = StepReport::default();
        for _ in 0..1_000 {
            let step = self.step().await?;
            total += step;
            if step.claimed == 0 || self.stopping.is_stopped() {
                break;
            }
        }
        Ok(total)
    }

    async fn deliver(&self, row: &Claimed) -> anyhow::Result<Attempt> {
        let now = self.clock.now();
        let retry_now = |error: String| retry(row.id, row.attempts, now, error);
        if now >= row.expires_at {
            return Ok(Attempt::Settle(Settle::Expired));
        }
        let message = match self.compose(row, now).await {
            Ok(Some(message)) => message,
            Ok(None) => return Ok(Attempt::Settle(Settle::Skipped)),
            Err(e) => {
                return Ok(Attempt::Settle(retry_now(format!(
                    "could not compose: {e}"
                ))));
            }
        };
        let Some(messenger) = self.messengers.get(row.platform) else {
            return Ok(Attempt::Settle(retry_now(format!(
                "no messenger for {}",
                row.platform.as_str()
            ))));
        };
        let to = recipient(row.platform, &row.workspace_external_id, &row.member);
        let key = format!("kith-{}-{}", row.kind.as_str(), row.id);
        let row_ref = RowRef {
            queue: Queue::Reminders,
            id: row.id,
            lease: &row.lease,
            unsettled_since: row.unsettled_since,
        };
        let sent = match self
            .send_once(
                row_ref,
                messenger,
                Destination::Dm(&to),
                &key,
                retry_now,
                messenger.send_dm(&to, &message, &key),
            )
            .await?
        {
            Ok(sent) => sent,
            Err(ended) => return Ok(ended),
        };
        Ok(Attempt::Settle(settled(
            row.id,
            row.kind.as_str(),
            row.attempts,
            now,
            sent,
        )))
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
    stopping: Stopping,
    /// When inbound records were last cleaned up (see [`crate::jobs::Retention`]).
    cleaned: std::sync::Mutex<Option<DateTime<Utc>>>,
}

impl Delivery {
    pub fn new(
        store: Arc<dyn Store>,
        outbox: Arc<dyn Outbox>,
        messengers: Messengers,
        clock: Arc<dyn Clock>,
        name: impl Into<String>,
    ) -> Delivery {
        let stopping = Stopping::default();
        Delivery {
            scheduler: Scheduler::new(outbox.clone()),
            sender: Sender::new(
                store.clone(),
                outbox.clone(),
                messengers,
                clock.clone(),
                name,
            )
            .with_stopping(stopping.clone(), DEFAULT_GRACE),
            store,
            outbox,
            clock,
            nudge: None,
            stopping,
            cleaned: std::sync::Mutex::new(None),
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
        let started = std::time::Instant::now();
        self.scheduler.tick(now).await?;
        crate::observe::tick(started.elapsed());
        crate::community::run_due_rounds(self.store.as_ref(), now).await?;
        let report = self.sender.drain().await;
        self.clean_up(now).await;
        report
    }

    /// Forgets inbound records past any repeat, at most once an hour;
    /// a failure is logged and tried again next time.
    async fn clean_up(&self, now: DateTime<Utc>) {
        use crate::jobs::Retention;
        {
            let mut cleaned = self.cleaned.lock().unwrap_or_else(|e| e.into_inner());
            if cleaned.is_some_and(|at| now - at < Retention::EVERY && now >= at) {
                return;
            }
            *cleaned = Some(now);
        }
        match self.store.forget_handled(&Retention::horizon(now)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "forgot inbound records past any repeat"),
            Err(e) => {
                warn!(error = %e, "could not clean up inbound records");
                *self.cleaned.lock().unwrap_or_else(|e| e.into_inner()) = None;
            }
        }
    }

    /// Works every schedule out afresh from the clock, which was moved back.
    pub async fn rewind(&self) -> anyhow::Result<()> {
        self.outbox.reschedule_all().await
    }

    /// The next instant after now at which something is due to happen.
    pub async fn next_wakeup(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        self.outbox.next_wakeup(self.clock.now()).await
    }

    /// See [`Sender::with_sends_at_once`].
    pub fn with_sends_at_once(mut self, at_once: usize) -> Delivery {
        self.sender = self.sender.with_sends_at_once(at_once);
        self
    }

    /// Stops claiming when `stopping` is set (see [`Sender::with_stopping`]).
    pub fn with_stopping(mut self, stopping: Stopping, grace: std::time::Duration) -> Delivery {
        self.sender = self.sender.with_stopping(stopping.clone(), grace);
        self.stopping = stopping;
        self
    }

    /// How long to wait before the next round: until the next thing is
    /// due (a lapsing lease, a retry, a window), at most `every`.
    async fn pause(&self, every: std::time::Duration) -> std::time::Duration {
        const SHORTEST: std::time::Duration = std::time::Duration::from_millis(250);
        match self.next_wakeup().await {
            Ok(Some(at)) => (at - self.clock.now())
                .to_std()
                .unwrap_or(SHORTEST)
                .clamp(SHORTEST, every.max(SHORTEST)),
            Ok(None) => every,
            Err(e) => {
                warn!(error = %e, "could not tell when the next delivery is due");
                every
            }
        }
    }

    /// Catches up whenever something is due (at least every `every`) until
    /// `shutdown` resolves or the process is stopping; then claims nothing
    /// more, lets a send under way finish within the grace period and gives
    /// back every unsent row. Errors are logged and retried on the next
    /// round, never fatal.
    pub async fn run(
        &self,
        every: std::time::Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        let rounds = async {
            while !self.stopping.is_stopped() {
                if let Err(e) = self.catch_up().await {
                    warn!(error = %e, "delivery round failed; trying again next round");
                }
                let pause = self.pause(every).await;
                let nudged = async {
                    match &self.nudge {
                        Some(nudge) => nudge.notified().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = self.stopping.stopped() => {}
                    () = tokio::time::sleep(pause) => {}
                    () = nudged => {}
                }
            }
        };
        tokio::pin!(rounds);
        tokio::select! {
            () = &mut rounds => return,
            () = shutdown => self.stopping.stop(),
        }
        rounds.await;
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
