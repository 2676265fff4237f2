//! The core's ports: how it reaches the store, the platforms and the time.
//! Adapters and the storage crate implement these; the core never names a
//! platform or SQL type.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::community::notices::{ClaimedNotice, NewNotice, NoticeKind};
use crate::community::pairing::PastGroup;
use crate::community::{
    Answered, Community, CommunityChange, DueRound, Intro, IntroId, LedgerWrite, NewIntro,
    NewResource, NewRound, Pair, PairId, PairingChange, PairingStatus, Resource, ResourceId,
    ResourceQuery, Shared,
};
use crate::domain::{
    Contact, ContactChange, ContactDraft, ContactId, ContactRef, Entry, Installation, ListFilter,
    Member, MemberId, Platform, Scope, WorkspaceId,
};
use crate::reply::Reply;

/// The source of "now". Injected everywhere so every rule about time can be
/// tested without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that follows the system clock until it is set, then stands still
/// until it is set again or advanced: the console's simulated clock, and the
/// tests' clock.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    fixed: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl ManualClock {
    /// A clock standing at `t`.
    pub fn at(t: DateTime<Utc>) -> ManualClock {
        let clock = ManualClock::default();
        clock.set(t);
        clock
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.lock() = Some(t);
    }

    /// Moves the clock forward by `by` (from the system time if it was not set).
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        let mut fixed = self.lock();
        let next = fixed.unwrap_or_else(Utc::now) + by;
        *fixed = Some(next);
        next
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<DateTime<Utc>>> {
        // A poisoned lock only means a panic elsewhere; the time inside is fine.
        self.fixed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().unwrap_or_else(Utc::now)
    }
}

/// What `Store::record` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The contact after the entry was logged.
    pub contact: Contact,
    /// Whether the contact was added to the network to log this entry.
    pub added: bool,
}

/// Persistence of workspaces, members and each member's private network.
///
/// Every method that reads or writes a network takes a [`Scope`]; an
/// implementation must never return or change rows outside it.
#[async_trait]
pub trait Store:
    CommunityStore
    + Inbox
    + Coordination
    + crate::reach::ReachStore
    + crate::web::WebStore
    + Send
    + Sync
{
    /// Finds or creates the workspace with this platform id.
    async fn workspace(
        &self,
        platform: Platform,
        external_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<WorkspaceId>;

    /// Finds a workspace without creating it.
    async fn find_workspace(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<Option<WorkspaceId>>;

    /// Finds or creates a member; a new `display_name` replaces the old
    /// one, and a time zone from the platform (`tz_hint`) replaces one that
    /// the member has not chosen themselves.
    async fn member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
        display_name: &str,
        tz_hint: Option<chrono_tz::Tz>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Member>;

    /// Finds a member by the platform's ids (of their workspace and of
    /// them), creating nothing: one lookup on every command's path.
    async fn find_member_by(
        &self,
        platform: Platform,
        workspace_external_id: &str,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>> {
        match self.find_workspace(platform, workspace_external_id).await? {
            Some(workspace) => self.find_member(workspace, external_id).await,
            None => Ok(None),
        }
    }

    /// Finds a member without creating one.
    async fn find_member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>>;

    /// Records that the member has seen the welcome.
    async fn mark_welcomed(&self, workspace: WorkspaceId, member: MemberId) -> anyhow::Result<()>;

    /// Deletes a workspace and everything in it (members, networks,
    /// installation). Returns whether there was one.
    async fn forget_workspace(&self, platform: Platform, external_id: &str)
    -> anyhow::Result<bool>;

    /// Stores the bot's installation in a workspace, replacing any earlier one.
    async fn save_installation(
        &self,
        platform: Platform,
        external_id: &str,
        installation: &Installation,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// The bot's installation in a workspace, if any.
    async fn installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<Option<Installation>>;

    /// Forgets the bot's installation in a workspace (tokens revoked), keeping its data.
    async fn remove_installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<()>;

    /// Records an inbound event id; `true` the first time it is seen, `false`
    /// for a retry or redelivery that must not be processed again.
    async fn first_sighting(
        &self,
        platform: Platform,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Finds a contact in the scope's network.
    async fn find_contact(&self, scope: Scope, who: &ContactRef)
    -> anyhow::Result<Option<Contact>>;

    /// Adds a contact, or if they are already in the network returns `None`
    /// and changes nothing. Mentioned members are created as needed.
    async fn add_contact(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Contact>>;

    /// Logs an entry about a contact, adding the contact from `draft` first
    /// if they are not in the network yet; all or nothing.
    async fn record(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Recorded>;

    /// The outside people of the scope's network with any of these name
    /// keys ([`crate::domain::normalise_name`]), namesakes all, in the
    /// order they were added: one read for a name, or for the few shown.
    async fn contacts_named(
        &self,
        scope: Scope,
        name_keys: &[String],
    ) -> anyhow::Result<Vec<Contact>>;

    /// Finds a contact in the scope's network by id.
    async fn contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<Option<Contact>>;

    /// Logs an entry about a contact already in the scope's network; returns
    /// the contact after it.
    async fn log_entry(
        &self,
        scope: Scope,
        id: ContactId,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Contact>;

    /// Adds imported contacts (with their entries) to the scope's network in
    /// one transaction, leaving anyone already there untouched. Returns
    /// (added, already there).
    async fn import(
        &self,
        scope: Scope,
        items: &[crate::portability::ImportItem],
        now: DateTime<Utc>,
    ) -> anyhow::Result<(u64, u64)>;

    /// Deletes everything held about a member in a workspace: their network,
    /// entries, settings and queued messages, and the member. Where others
    /// have them as a contact, those entries stay others' (as a plain name).
    /// Returns (contacts, entries) deleted.
    async fn forget_member(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
    ) -> anyhow::Result<(u64, u64)>;

    /// Changes a member's settings (and has their schedule worked out again).
    async fn change_settings(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        change: &crate::domain::SettingsChange,
    ) -> anyhow::Result<Member>;

    /// Forgets a recorded DM failure once the member has been told.
    async fn clear_dm_failure(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
    ) -> anyhow::Result<()>;

    /// Favours (given, received) logged as happening at or after `since`.
    async fn favours_since(&self, scope: Scope, since: DateTime<Utc>)
    -> anyhow::Result<(u32, u32)>;

    /// Changes a contact's settings; returns the contact after the change.
    async fn change_contact(
        &self,
        scope: Scope,
        id: ContactId,
        change: &ContactChange,
    ) -> anyhow::Result<Contact>;

    /// Removes a contact and everything logged about them; returns how many
    /// entries went with them.
    async fn remove_contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<u64>;

    /// The whole network of the scope's member.
    async fn contacts(&self, scope: Scope) -> anyhow::Result<Vec<Contact>>;

    /// One page of the member's network in `list` order (tier, then name,
    /// then as added): `limit` contacts from `offset`, only those `filter`
    /// lets through; with how many it lets through and how many contacts
    /// there are.
    async fn contacts_page(
        &self,
        scope: Scope,
        filter: Option<&ListFilter>,
        offset: u32,
        limit: u32,
    ) -> anyhow::Result<ContactsPage>;

    /// The member's contacts with favours logged: the `limit` most lopsided
    /// (by the size of their balance, then owing before owed, then name),
    /// and totals over all of them.
    async fn favour_balance(&self, scope: Scope, limit: u32) -> anyhow::Result<FavourBalance>;

    /// Who is due a check-in at `now` (their next due time, snoozes
    /// included, has come): the `limit` most overdue, how many are due in
    /// all, how many contacts there are, and when nobody is due, who is next.
    async fn due_contacts(
        &self,
        scope: Scope,
        now: DateTime<Utc>,
        limit: u32,
    ) -> anyhow::Result<DueList>;

    /// Entries about one contact, latest first.
    async fn history(&self, scope: Scope, id: ContactId, limit: u32) -> anyhow::Result<Vec<Entry>>;

    /// Every entry about every contact of the scope's network, latest
    /// first within each contact: what an export reads, in one query.
    async fn network_history(&self, scope: Scope) -> anyhow::Result<Vec<(ContactId, Entry)>>;
}

/// Persistence of what members do for each other: introductions, the
/// resource library, coffee pairing and the organisers' settings. Every
/// method is scoped to one workspace. Methods that change state write the
/// notices it causes in the same transaction, so a message is never lost
/// or sent for a change that did not happen.
#[async_trait]
pub trait CommunityStore: Send + Sync {
    /// The workspace's community settings (defaults if never set).
    async fn community(&self, workspace: WorkspaceId) -> anyhow::Result<Community>;

    /// Changes them. Turning pairing on sets its first round to the
    /// change's `first_round_at`; a schedule already running keeps its next round.
    async fn change_community(
        &self,
        workspace: WorkspaceId,
        change: &CommunityChange,
    ) -> anyhow::Result<Community>;

    /// Stores a proposed introduction (state `Asked`) and its notices.
    async fn create_intro(
        &self,
        intro: &NewIntro,
        notices: &[NewNotice],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Intro>;

    async fn intro(&self, workspace: WorkspaceId, id: IntroId) -> anyhow::Result<Option<Intro>>;

    /// An open (`Asked`) introduction of these two, in either order, if any.
    async fn open_intro(
        &self,
        workspace: WorkspaceId,
        parties: [MemberId; 2],
    ) -> anyhow::Result<Option<Intro>>;

    /// Introductions `member` proposed, and those that involve them, latest first.
    async fn intros_of(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        limit: u32,
    ) -> anyhow::Result<Vec<Intro>>;

    /// Records one party's answer, in one transaction: if it completes two
    /// acceptances the introduction becomes `Connected` and `then.connect`
    /// is applied; if it declines, `Declined` and `then.decline` is applied.
    /// Nothing changes for someone who is not a party, who has answered
    /// already, or when the introduction is not `Asked`.
    async fn answer_intro(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        member: MemberId,
        accept: bool,
        then: &AnswerEffects,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Answered>;

    /// Moves an introduction from `Asked` to `Lapsed`; `false` if it was
    /// not `Asked` any more.
    async fn lapse_intro(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Records what the introducer said at the follow-up.
    async fn intro_outcome(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        met: bool,
    ) -> anyhow::Result<()>;

    /// Stores a link (or finds it already in the library, by `key`, for a
    /// library share) with its notices and ledger writes, all or nothing.
    async fn share(
        &self,
        resource: &NewResource,
        notices: &[NewNotice],
        writes: &[LedgerWrite],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Shared>;

    async fn resource(
        &self,
        workspace: WorkspaceId,
        id: ResourceId,
    ) -> anyhow::Result<Option<Resource>>;

    /// Library links matching the query, latest first.
    async fn search_resources(
        &self,
        workspace: WorkspaceId,
        query: &ResourceQuery,
        limit: u32,
    ) -> anyhow::Result<Vec<Resource>>;

    async fn pairing_status(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<PairingStatus>;

    async fn change_pairing(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        change: PairingChange,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// Workspaces whose next pairing round is due at `now`.
    async fn due_rounds(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<DueRound>>;

    /// Members in pairing (joined, not paused at `now`, accepting DMs).
    async fn pairing_pool(
        &self,
        workspace: WorkspaceId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Member>>;

    /// Groups of the workspace's last `rounds` rounds.
    async fn recent_groups(
        &self,
        workspace: WorkspaceId,
        rounds: u32,
    ) -> anyhow::Result<Vec<PastGroup>>;

    /// Stores a round if its schedule still stands at `round.due_at`, and
    /// moves the schedule on, with the round's notices: a post to the
    /// pairing channel (`PairingRound`, subject: the round number), a
    /// `PairingMatch` per group, and a `PairingFollowup` to each member at
    /// `round.followup_at`. `false` if another process ran it first.
    async fn save_round(&self, round: &NewRound, now: DateTime<Utc>) -> anyhow::Result<bool>;

    /// Number of groups in round `number`.
    async fn round_size(&self, workspace: WorkspaceId, number: u32) -> anyhow::Result<u32>;

    async fn pair(&self, workspace: WorkspaceId, id: PairId) -> anyhow::Result<Option<Pair>>;

    /// Records that a pair met, with `writes`, once: `false` if someone in
    /// it had already said so (and nothing is written).
    async fn pair_met(
        &self,
        workspace: WorkspaceId,
        id: PairId,
        writes: &[LedgerWrite],
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;
}

/// What the replicas of one installation agree on through the store (see
/// [`crate::coordination`]): named leases, and paces shared by all of them.
#[async_trait]
pub trait Coordination: Send + Sync {
    /// Takes the lease `name` for `holder` until `now + hold` if it is free,
    /// lapsed, or `holder`'s already (a renewal), in one statement; whether
    /// `holder` has it now.
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> anyhow::Result<bool>;

    /// Gives the lease `name` up if `holder` has it.
    async fn release_lease(&self, name: &str, holder: &str) -> anyhow::Result<()>;

    /// Takes one slot of the pace `name` (shared by every process using
    /// this store) and says how long to wait before using it.
    async fn reserve_slot(
        &self,
        name: &str,
        pace: crate::coordination::Pace,
        now: DateTime<Utc>,
    ) -> anyhow::Result<std::time::Duration>;
}

/// Inbound work made durable before it is acknowledged: events marked
/// handled only with their effect, jobs that outlive the acknowledgement,
/// and commands answered once per delivery.
#[async_trait]
pub trait Inbox: Send + Sync {
    /// Whether an event was already handled. An event is marked handled
    /// only with its effect ([`Inbox::workspace_event`],
    /// [`Inbox::enqueue_job`]), so one whose handling failed is not, and
    /// the platform's retry is let through.
    async fn handled(&self, platform: Platform, event_id: &str) -> anyhow::Result<bool>;

    /// Applies a workspace event's effect and marks the event handled, in
    /// one transaction: `None` (and nothing done) if it was handled
    /// already, else whether there was anything to change.
    async fn workspace_event(
        &self,
        platform: Platform,
        event_id: &str,
        external_id: &str,
        effect: WorkspaceEffect,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<bool>>;

    /// Writes a job for an event and marks the event handled, in one
    /// transaction; `false` (and nothing written) if it was handled already.
    async fn enqueue_job(
        &self,
        platform: Platform,
        event_id: &str,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Claims the oldest ready job of `platform` until `now + lease`.
    async fn claim_job(
        &self,
        platform: Platform,
        owner: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> anyhow::Result<Option<Job>>;

    /// Settles a claimed job: done, or (with an error) retried later until
    /// it has been tried `max_attempts` times. `false` if the claim was lost.
    async fn finish_job(
        &self,
        job: &Job,
        outcome: Result<(), String>,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> anyhow::Result<bool>;

    /// Where a command delivery stands, by its platform id: `New` if no
    /// write of it was made (running it, or running it again, is safe),
    /// `Unanswered` if its writes were made and its answer is not kept yet,
    /// `Answered` once it is. Reads only: a delivery is claimed by its
    /// first write, in that write's transaction (see [`crate::once`]).
    async fn command_slot(&self, platform: Platform, key: &str) -> anyhow::Result<CommandSlot>;

    /// Keeps a command's answer for its later deliveries, if a write of it
    /// claimed the delivery (otherwise there is nothing to answer for: a
    /// redelivery runs it again).
    async fn finish_command(
        &self,
        platform: Platform,
        key: &str,
        answer: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// Keeps `value` for a delivery `key` (replacing any), so a retry in
    /// another process continues what this attempt started.
    async fn remember(
        &self,
        platform: Platform,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// What was kept for a delivery `key`.
    async fn recall(&self, platform: Platform, key: &str) -> anyhow::Result<Option<String>>;

    /// Forgets what only guarded against repeats that can no longer come:
    /// events seen, command answers, delivery memos and finished jobs from
    /// before their horizon. How many rows went.
    async fn forget_handled(&self, horizon: &Horizon) -> anyhow::Result<u64>;
}

/// Up to when each kind of inbound record may be forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    pub events: DateTime<Utc>,
    pub answers: DateTime<Utc>,
    pub memos: DateTime<Utc>,
    pub jobs: DateTime<Utc>,
}

/// What a workspace event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceEffect {
    /// Kith was uninstalled: delete the workspace and everything in it.
    Forget,
    /// Its token was revoked: forget the installation, keep the data.
    RemoveInstallation,
    /// Nothing to change (the event is only recorded).
    Nothing,
}

/// A job to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    /// The platform's workspace id.
    pub workspace: String,
    pub payload: String,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub lease: String,
    pub kind: String,
    pub workspace: String,
    pub payload: String,
    pub attempts: u32,
}

/// A page of a network, as `list` shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactsPage {
    /// In `list` order.
    pub contacts: Vec<Contact>,
    /// How many contacts the filter lets through, on every page.
    pub matching: u32,
    /// How many contacts the member has.
    pub network: u32,
}

/// A member's favour balance: the top of it, and totals over all of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FavourBalance {
    /// The most lopsided contacts first.
    pub top: Vec<Contact>,
    /// Contacts with any favour logged.
    pub people: u32,
    pub given: u32,
    pub received: u32,
    /// Contacts who did more for the member than the member for them.
    pub owing: u32,
}

/// Who is due, as `due` shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueList {
    /// The most overdue first.
    pub top: Vec<Contact>,
    /// How many are due in all.
    pub due: u32,
    /// How many contacts the member has.
    pub network: u32,
    /// The next to come due, when nobody is due now.
    pub next: Option<Contact>,
}

/// Where a command delivery stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandSlot {
    New,
    /// Carried out by a delivery that arrived at `since`, not answered yet.
    Unanswered {
        since: DateTime<Utc>,
    },
    Answered(String),
}

/// What an event writes besides itself: ledger entries and notices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    pub writes: Vec<LedgerWrite>,
    pub notices: Vec<NewNotice>,
}

/// What an answer to an introduction writes, depending on what it decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerEffects {
    /// When it is the second yes.
    pub connect: Effects,
    /// When it is a no.
    pub decline: Effects,
}

/// A member whose reminder or digest time has come (or who has no
/// schedule yet), as the scheduler sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub member: Member,
    pub next_reminder_at: Option<DateTime<Utc>>,
    pub next_digest_at: Option<DateTime<Utc>>,
    /// When their first contact falls due (or fell due), if they have any.
    pub earliest_due: Option<DateTime<Utc>>,
}

/// What kind of message an outbox row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryKind {
    Reminder,
    Digest,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Reminder => "reminder",
            DeliveryKind::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryKind> {
        match s {
            "reminder" => Some(DeliveryKind::Reminder),
            "digest" => Some(DeliveryKind::Digest),
            _ => None,
        }
    }
}

/// An outbox row to write: one of each kind per member per local date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub kind: DeliveryKind,
    pub local_date: chrono::NaiveDate,
    pub not_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What the scheduler decided for one member: rows to write and when to
/// look at them next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub workspace: WorkspaceId,
    pub member: MemberId,
    pub deliveries: Vec<NewDelivery>,
    pub next_reminder_at: DateTime<Utc>,
    /// `None` when the member has no digest.
    pub next_digest_at: Option<DateTime<Utc>>,
}

/// An outbox row a sender has claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub id: i64,
    /// The claim's token: only its holder may settle the row.
    pub lease: String,
    pub kind: DeliveryKind,
    pub local_date: chrono::NaiveDate,
    pub attempts: u32,
    pub expires_at: DateTime<Utc>,
    pub member: Member,
    pub platform: Platform,
    pub workspace_external_id: String,
    /// When an earlier attempt began whose outcome is unknown (its sender
    /// died or its call failed ambiguously): the message may have gone
    /// out, so it is looked for before it is sent again.
    pub unsettled_since: Option<DateTime<Utc>>,
}

/// The outbox's two durable queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Reminders and digests ([`Claimed`]).
    Reminders,
    /// Community notices ([`ClaimedNotice`]).
    Notices,
}

/// How a claimed row ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    Sent,
    /// Try again at `at`.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Stop trying this row.
    GaveUp {
        error: String,
    },
    /// The recipient cannot be reached (blocked DMs, left): stop this row,
    /// pause their DMs and tell them next time they use a command.
    Refused {
        error: String,
    },
    /// Nothing to say any more (nobody is due now).
    Skipped,
    /// Its window passed before it could be sent.
    Expired,
}

/// The durable outbox: the scheduler writes rows, senders claim and settle them.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Up to `limit` members, who use Kith and accept DMs, whose next
    /// reminder or digest is at or before `now`, or who have no schedule yet.
    async fn pending(&self, now: DateTime<Utc>, limit: u32) -> anyhow::Result<Vec<Pending>>;

    /// Writes the plans' rows (a row already there for that member, kind
    /// and date is left alone) and next times, in one transaction. Returns
    /// how many rows were new.
    async fn schedule(&self, plans: &[Plan], now: DateTime<Utc>) -> anyhow::Result<u64>;

    /// Claims up to `limit` rows ready at `now` for the given platforms,
    /// leased until `now + lease`; a row whose lease lapsed can be claimed
    /// again. Two claims never hold the same row.
    async fn claim(
        &self,
        owner: &str,
        platforms: &[Platform],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> anyhow::Result<Vec<Claimed>>;

    /// Re-checks a claim just before its row is handed to the platform:
    /// if `lease` still holds row `id` of `queue`, extends it to
    /// `now + hold` and records that an attempt is under way whose outcome
    /// is unknown until the row settles. `false` if the claim was lost:
    /// the row must not be sent.
    async fn begin_send(
        &self,
        queue: Queue,
        id: i64,
        lease: &str,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> anyhow::Result<bool>;

    /// Extends every row `lease` still holds (in both queues) to
    /// `now + hold`: the heartbeat of a live sender. Returns how many.
    async fn renew(&self, lease: &str, now: DateTime<Utc>, hold: Duration) -> anyhow::Result<u64>;

    /// Gives back every row `lease` still holds, unsettled, so another
    /// sender may take it at once (a stopping process). A row whose
    /// attempt was under way keeps that mark. Returns how many.
    async fn release(&self, lease: &str) -> anyhow::Result<u64>;

    /// Settles a claimed row; `false` if the claim was lost (the lease
    /// lapsed and another sender took the row).
    async fn settle(
        &self,
        row: &Claimed,
        outcome: &Settle,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Forgets every member's next reminder and digest times, so they are
    /// worked out afresh from the clock (after it was moved backwards).
    async fn reschedule_all(&self) -> anyhow::Result<()>;

    /// The earliest instant after `after` at which something is scheduled
    /// to happen: a reminder window, a digest, a retry, a lapsing lease, a
    /// notice or a pairing round.
    async fn next_wakeup(&self, after: DateTime<Utc>) -> anyhow::Result<Option<DateTime<Utc>>>;

    /// Claims up to `limit` community notices ready at `now` for the given
    /// platforms, as [`Outbox::claim`] does for reminders.
    async fn claim_notices(
        &self,
        owner: &str,
        platforms: &[Platform],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> anyhow::Result<Vec<ClaimedNotice>>;

    /// Settles a claimed notice; `false` if the claim was lost. A refused
    /// recipient's DMs are paused as for reminders.
    async fn settle_notice(
        &self,
        row: &ClaimedNotice,
        outcome: &Settle,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Queues notices about the same subject as `row` (a group message
    /// that must go as one DM each), unless already queued.
    async fn add_notices(
        &self,
        row: &ClaimedNotice,
        kind: NoticeKind,
        to: &[MemberId],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;
}

/// Who a direct message goes to, with what the adapter needs to reach them
/// and show when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub platform: Platform,
    /// The platform's id of the member's workspace (Slack team, Discord guild).
    pub workspace: String,
    pub external_id: String,
    pub display_name: String,
    pub tz: chrono_tz::Tz,
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later (network trouble, rate limit, outage).
    #[error("temporary delivery failure: {0}")]
    Temporary(String),
    /// Will never succeed (the user blocks DMs, left the workspace).
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// Outbound messages to a platform.
#[async_trait]
pub trait Messenger: Send + Sync {
    /// Sends a direct message to one member. `key` is stable across retries
    /// of the same delivery (e.g. a Discord nonce), so a platform that can
    /// drop a resend does.
    async fn send_dm(
        &self,
        to: &Recipient,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError>;

    /// Posts to a channel of a workspace (by the platform's channel id).
    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Reply,
    ) -> Result<(), DeliveryError>;

    /// Starts a conversation between several members, with Kith in it, and
    /// posts `message` there: a group DM on Slack, a private thread named
    /// `title` in `channel` on Discord. `Ok(false)` when the platform cannot
    /// here (Discord with no channel set); the caller then DMs each member.
    async fn converse(
        &self,
        workspace: &str,
        members: &[Recipient],
        channel: Option<&str>,
        title: &str,
        message: &Reply,
        key: &str,
    ) -> Result<bool, DeliveryError> {
        let _ = (workspace, members, channel, title, message, key);
        Ok(false)
    }

    /// [`Messenger::post`] with the delivery's `key`, for a platform that
    /// can mark the message with it (Slack's metadata, Discord's nonce).
    async fn post_keyed(
        &self,
        workspace: &str,
        channel: &str,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError> {
        let _ = key;
        self.post(workspace, channel, message).await
    }

    /// Whether a message sent with `key` to `to` since `since` is there:
    /// how an attempt whose outcome is unknown is resolved before a
    /// resend. `Found::CannotTell` when the platform cannot say (the
    /// caller resends, and a platform that drops a resend with the same
    /// key, like Discord within its nonce window, keeps it single).
    async fn find_sent(
        &self,
        to: Destination<'_>,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Found, DeliveryError> {
        let _ = (to, key, since);
        Ok(Found::CannotTell)
    }
}

/// Where a keyed message went: a member's DM, a channel, or a
/// conversation of several members.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    Dm(&'a Recipient),
    Channel {
        workspace: &'a str,
        channel: &'a str,
    },
    Conversation {
        workspace: &'a str,
        members: &'a [Recipient],
        channel: Option<&'a str>,
    },
}

/// What a platform says about a message with an unknown outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// It is there: the attempt went through.
    Sent,
    /// It is not: the attempt did not go through.
    NotSent,
    /// The platform cannot tell.
    CannotTell,
}
