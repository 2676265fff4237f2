//! One store for the binary and the tests, whichever engine the URL
//! names: `sqlite://…` (or a path) opens the embedded SQLite store,
//! `postgres://…` or `postgresql://…` the PostgreSQL store. It answers
//! every port by handing the call to the store it opened.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use kith_bot::community::notices::NewNotice;
use kith_bot::community::notices::{ClaimedNotice, NoticeKind};
use kith_bot::community::pairing::PastGroup;
use kith_bot::community::{
    Answered, Community, CommunityChange, DueRound, Intro, IntroId, LedgerWrite, NewIntro,
    NewResource, NewRound, Pair, PairId, PairingChange, PairingStatus, Resource, ResourceId,
    ResourceQuery, Shared,
};
use kith_bot::coordination::Pace;
use kith_bot::domain::{
    Contact, ContactChange, ContactDraft, ContactId, ContactRef, Entry, Installation, ListFilter,
    Member, MemberId, Platform, Scope, SettingsChange, WorkspaceId,
};
use kith_bot::ports::{
    AnswerEffects, Claimed, CommandSlot, CommunityStore, ContactsPage, Coordination, DueList,
    FavourBalance, Horizon, Inbox, Job, NewJob, Outbox, Pending, Plan, Queue, Recorded, Settle,
    Store, WorkspaceEffect,
};

use crate::{PgStore, SqliteStore};

/// The store a database URL names.
#[derive(Debug, Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// `postgres://` and `postgresql://` are PostgreSQL; anything else
    /// (`sqlite://…`, a path) is SQLite.
    pub fn of(url: &str) -> Engine {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }
}

impl AnyStore {
    /// Opens the store `url` names, applying its migrations.
    pub async fn open(url: &str) -> anyhow::Result<AnyStore> {
        Ok(match Engine::of(url) {
            Engine::Postgres => AnyStore::Postgres(PgStore::open(url).await?),
            Engine::Sqlite => AnyStore::Sqlite(SqliteStore::open(url).await?),
        })
    }

    pub fn engine(&self) -> Engine {
        match self {
            AnyStore::Sqlite(_) => Engine::Sqlite,
            AnyStore::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close().await,
            AnyStore::Postgres(s) => s.close().await,
        }
    }
}

/// Hands a call to the store opened.
macro_rules! to_store {
    ($self:ident.$method:ident($($arg:expr),*)) => {
        match $self {
            AnyStore::Sqlite(s) => s.$method($($arg),*).await,
            AnyStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

#[async_trait]
impl Coordination for AnyStore {
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> anyhow::Result<bool> {
        to_store!(self.hold_lease(name, holder, now, hold))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> anyhow::Result<()> {
        to_store!(self.release_lease(name, holder))
    }

    async fn reserve_slot(
        &self,
        name: &str,
        pace: Pace,
        now: DateTime<Utc>,
    ) -> anyhow::Result<std::time::Duration> {
        to_store!(self.reserve_slot(name, pace, now))
    }
}

#[async_trait]
impl Store for AnyStore {
    async fn workspace(
        &self,
        platform: Platform,
        external_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<WorkspaceId> {
        to_store!(self.workspace(platform, external_id, now))
    }

    async fn find_workspace(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<Option<WorkspaceId>> {
        to_store!(self.find_workspace(platform, external_id))
    }

    async fn member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
        display_name: &str,
        tz_hint: Option<chrono_tz::Tz>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Member> {
        to_store!(self.member(workspace, external_id, display_name, tz_hint, now))
    }

    async fn find_member_by(
        &self,
        platform: Platform,
        workspace_external_id: &str,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>> {
        to_store!(self.find_member_by(platform, workspace_external_id, external_id))
    }

    async fn find_member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>> {
        to_store!(self.find_member(workspace, external_id))
    }

    async fn mark_welcomed(&self, workspace: WorkspaceId, member: MemberId) -> anyhow::Result<()> {
        to_store!(self.mark_welcomed(workspace, member))
    }

    async fn forget_workspace(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<bool> {
        to_store!(self.forget_workspace(platform, external_id))
    }

    async fn save_installation(
        &self,
        platform: Platform,
        external_id: &str,
        installation: &Installation,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        to_store!(self.save_installation(platform, external_id, installation, now))
    }

    async fn installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<Option<Installation>> {
        to_store!(self.installation(platform, external_id))
    }

    async fn remove_installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<()> {
        to_store!(self.remove_installation(platform, external_id))
    }

    async fn first_sighting(
        &self,
        platform: Platform,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        to_store!(self.first_sighting(platform, event_id, now))
    }

    async fn find_contact(
        &self,
        scope: Scope,
        who: &ContactRef,
    ) -> anyhow::Result<Option<Contact>> {
        to_store!(self.find_contact(scope, who))
    }

    async fn add_contact(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Contact>> {
        to_store!(self.add_contact(scope, draft, now))
    }

    async fn record(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Recorded> {
        to_store!(self.record(scope, draft, entry, now))
    }

    async fn contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<Option<Contact>> {
        to_store!(self.contact(scope, id))
    }

    async fn contacts_named(
        &self,
        scope: Scope,
        name_keys: &[String],
    ) -> anyhow::Result<Vec<Contact>> {
        to_store!(self.contacts_named(scope, name_keys))
    }

    async fn log_entry(
        &self,
        scope: Scope,
        id: ContactId,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Contact> {
        to_store!(self.log_entry(scope, id, entry, now))
    }

    async fn import(
        &self,
        scope: Scope,
        items: &[kith_bot::portability::ImportItem],
        now: DateTime<Utc>,
    ) -> anyhow::Result<(u64, u64)> {
        to_store!(self.import(scope, items, now))
    }

    async fn forget_member(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
    ) -> anyhow::Result<(u64, u64)> {
        to_store!(self.forget_member(workspace, member))
    }

    async fn change_settings(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        change: &SettingsChange,
    ) -> anyhow::Result<Member> {
        to_store!(self.change_settings(workspace, member, change))
    }

    async fn clear_dm_failure(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
    ) -> anyhow::Result<()> {
        to_store!(self.clear_dm_failure(workspace, member))
    }

    async fn favours_since(
        &self,
        scope: Scope,
        since: DateTime<Utc>,
    ) -> anyhow::Result<(u32, u32)> {
        to_store!(self.favours_since(scope, since))
    }

    async fn change_contact(
        &self,
        scope: Scope,
        id: ContactId,
        change: &ContactChange,
    ) -> anyhow::Result<Contact> {
        to_store!(self.change_contact(scope, id, change))
    }

    async fn remove_contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<u64> {
        to_store!(self.remove_contact(scope, id))
    }

    async fn contacts(&self, scope: Scope) -> anyhow::Result<Vec<Contact>> {
        to_store!(self.contacts(scope))
    }

    async fn contacts_page(
        &self,
        scope: Scope,
        filter: Option<&ListFilter>,
        offset: u32,
        limit: u32,
    ) -> anyhow::Result<ContactsPage> {
        to_store!(self.contacts_page(scope, filter, offset, limit))
    }

    async fn favour_balance(&self, scope: Scope, limit: u32) -> anyhow::Result<FavourBalance> {
        to_store!(self.favour_balance(scope, limit))
    }

    async fn due_contacts(
        &self,
        scope: Scope,
        now: DateTime<Utc>,
        limit: u32,
    ) -> anyhow::Result<DueList> {
        to_store!(self.due_contacts(scope, now, limit))
    }

    async fn history(&self, scope: Scope, id: ContactId, limit: u32) -> anyhow::Result<Vec<Entry>> {
        to_store!(self.history(scope, id, limit))
    }

    async fn network_history(&self, scope: Scope) -> anyhow::Result<Vec<(ContactId, Entry)>> {
        to_store!(self.network_history(scope))
    }
}

#[async_trait]
impl CommunityStore for AnyStore {
    async fn community(&self, workspace: WorkspaceId) -> anyhow::Result<Community> {
        to_store!(self.community(workspace))
    }

    async fn change_community(
        &self,
        workspace: WorkspaceId,
        change: &CommunityChange,
    ) -> anyhow::Result<Community> {
        to_store!(self.change_community(workspace, change))
    }

    async fn create_intro(
        &self,
        intro: &NewIntro,
        notices: &[NewNotice],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Intro> {
        to_store!(self.create_intro(intro, notices, now))
    }

    async fn intro(&self, workspace: WorkspaceId, id: IntroId) -> anyhow::Result<Option<Intro>> {
        to_store!(self.intro(workspace, id))
    }

    async fn open_intro(
        &self,
        workspace: WorkspaceId,
        parties: [MemberId; 2],
    ) -> anyhow::Result<Option<Intro>> {
        to_store!(self.open_intro(workspace, parties))
    }

    async fn intros_of(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        limit: u32,
    ) -> anyhow::Result<Vec<Intro>> {
        to_store!(self.intros_of(workspace, member, limit))
    }

    async fn answer_intro(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        member: MemberId,
        accept: bool,
        then: &AnswerEffects,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Answered> {
        to_store!(self.answer_intro(workspace, id, member, accept, then, now))
    }

    async fn lapse_intro(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        to_store!(self.lapse_intro(workspace, id, now))
    }

    async fn intro_outcome(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        met: bool,
    ) -> anyhow::Result<()> {
        to_store!(self.intro_outcome(workspace, id, met))
    }

    async fn share(
        &self,
        resource: &NewResource,
        notices: &[NewNotice],
        writes: &[LedgerWrite],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Shared> {
        to_store!(self.share(resource, notices, writes, now))
    }

    async fn resource(
        &self,
        workspace: WorkspaceId,
        id: ResourceId,
    ) -> anyhow::Result<Option<Resource>> {
        to_store!(self.resource(workspace, id))
    }

    async fn search_resources(
        &self,
        workspace: WorkspaceId,
        query: &ResourceQuery,
        limit: u32,
    ) -> anyhow::Result<Vec<Resource>> {
        to_store!(self.search_resources(workspace, query, limit))
    }

    async fn pairing_status(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<PairingStatus> {
        to_store!(self.pairing_status(workspace, member, now))
    }

    async fn change_pairing(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        change: PairingChange,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        to_store!(self.change_pairing(workspace, member, change, now))
    }

    async fn due_rounds(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<DueRound>> {
        to_store!(self.due_rounds(now))
    }

    async fn pairing_pool(
        &self,
        workspace: WorkspaceId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Member>> {
        to_store!(self.pairing_pool(workspace, now))
    }

    async fn recent_groups(
        &self,
        workspace: WorkspaceId,
        rounds: u32,
    ) -> anyhow::Result<Vec<PastGroup>> {
        to_store!(self.recent_groups(workspace, rounds))
    }

    async fn save_round(&self, round: &NewRound, now: DateTime<Utc>) -> anyhow::Result<bool> {
        to_store!(self.save_round(round, now))
    }

    async fn round_size(&self, workspace: WorkspaceId, number: u32) -> anyhow::Result<u32> {
        to_store!(self.round_size(workspace, number))
    }

    async fn pair(&self, workspace: WorkspaceId, id: PairId) -> anyhow::Result<Option<Pair>> {
        to_store!(self.pair(workspace, id))
    }

    async fn pair_met(
        &self,
        workspace: WorkspaceId,
        id: PairId,
        writes: &[LedgerWrite],
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        to_store!(self.pair_met(workspace, id, writes, now))
    }
}

#[async_trait]
impl Inbox for AnyStore {
    async fn handled(&self, platform: Platform, event_id: &str) -> anyhow::Result<bool> {
        to_store!(self.handled(platform, event_id))
    }

    async fn workspace_event(
        &self,
        platform: Platform,
        event_id: &str,
        external_id: &str,
        effect: WorkspaceEffect,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<bool>> {
        to_store!(self.workspace_event(platform, event_id, external_id, effect, now))
    }

    async fn enqueue_job(
        &self,
        platform: Platform,
        event_id: &str,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        to_store!(self.enqueue_job(platform, event_id, job, now))
    }

    async fn claim_job(
        &self,
        platform: Platform,
        owner: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> anyhow::Result<Option<Job>> {
        to_store!(self.claim_job(platform, owner, now, lease))
    }

    async fn finish_job(
        &self,
        job: &Job,
        outcome: Result<(), String>,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> anyhow::Result<bool> {
        to_store!(self.finish_job(job, outcome, now, max_attempts))
    }

    async fn command_slot(&self, platform: Platform, key: &str) -> anyhow::Result<CommandSlot> {
        to_store!(self.command_slot(platform, key))
    }

    async fn finish_command(
        &self,
        platform: Platform,
        key: &str,
        answer: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        to_store!(self.finish_command(platform, key, answer, now))
    }

    async fn remember(
        &self,
        platform: Platform,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        to_store!(self.remember(platform, key, value, now))
    }

    async fn recall(&self, platform: Platform, key: &str) -> anyhow::Result<Option<String>> {
        to_store!(self.recall(platform, key))
    }

    async fn forget_handled(&self, horizon: &Horizon) -> anyhow::Result<u64> {
        to_store!(self.forget_handled(horizon))
    }
}

#[async_trait]
impl Outbox for AnyStore {
    async fn pending(&self, now: DateTime<Utc>, limit: u32) -> anyhow::Result<Vec<Pending>> {
        to_store!(self.pending(now, limit))
    }

    async fn schedule(&self, plans: &[Plan], now: DateTime<Utc>) -> anyhow::Result<u64> {
        to_store!(self.schedule(plans, now))
    }

    async fn claim(
        &self,
        owner: &str,
        platforms: &[Platform],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> anyhow::Result<Vec<Claimed>> {
        to_store!(self.claim(owner, platforms, now, lease, limit))
    }

    async fn begin_send(
        &self,
        queue: Queue,
        id: i64,
        lease: &str,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> anyhow::Result<bool> {
        to_store!(self.begin_send(queue, id, lease, now, hold))
    }

    async fn renew(&self, lease: &str, now: DateTime<Utc>, hold: Duration) -> anyhow::Result<u64> {
        to_store!(self.renew(lease, now, hold))
    }

    async fn release(&self, lease: &str) -> anyhow::Result<u64> {
        to_store!(self.release(lease))
    }

    async fn settle(
        &self,
        row: &Claimed,
        outcome: &Settle,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        to_store!(self.settle(row, outcome, now))
    }

    async fn reschedule_all(&self) -> anyhow::Result<()> {
        to_store!(self.reschedule_all())
    }

    async fn next_wakeup(&self, after: DateTime<Utc>) -> anyhow::Result<Option<DateTime<Utc>>> {
        to_store!(self.next_wakeup(after))
    }

    async fn claim_notices(
        &self,
        owner: &str,
        platforms: &[Platform],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> anyhow::Result<Vec<ClaimedNotice>> {
        to_store!(self.claim_notices(owner, platforms, now, lease, limit))
    }

    async fn settle_notice(
        &self,
        row: &ClaimedNotice,
        outcome: &Settle,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        to_store!(self.settle_notice(row, outcome, now))
    }

    async fn add_notices(
        &self,
        row: &ClaimedNotice,
        kind: NoticeKind,
        to: &[MemberId],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        to_store!(self.add_notices(row, kind, to, now))
    }
}

mod reach {
    use async_trait::async_trait;
    use chrono::{DateTime, Utc};
    use kith_bot::community::LedgerWrite;
    use kith_bot::community::notices::NewNotice;
    use kith_bot::domain::{MemberId, Scope, WorkspaceId};
    use kith_bot::reach::{
        Ask, AskAnswered, AskEffects, AskId, Asked, AskedId, Goal, GoalEnd, GoalId, NewAsk,
        NewGoal, ReachCount, ReachStore,
    };

    use super::AnyStore;

    #[async_trait]
    impl ReachStore for AnyStore {
        async fn add_goal(
            &self,
            scope: Scope,
            goal: &NewGoal,
            now: DateTime<Utc>,
        ) -> anyhow::Result<Goal> {
            to_store!(self.add_goal(scope, goal, now))
        }

        async fn goals(&self, scope: Scope) -> anyhow::Result<Vec<Goal>> {
            to_store!(self.goals(scope))
        }

        async fn end_goal(
            &self,
            scope: Scope,
            id: GoalId,
            end: GoalEnd,
            now: DateTime<Utc>,
        ) -> anyhow::Result<bool> {
            to_store!(self.end_goal(scope, id, end, now))
        }

        async fn reach_shared(&self, scope: Scope) -> anyhow::Result<bool> {
            to_store!(self.reach_shared(scope))
        }

        async fn share_reach(&self, scope: Scope, on: bool) -> anyhow::Result<()> {
            to_store!(self.share_reach(scope, on))
        }

        async fn reach_count(
            &self,
            scope: Scope,
            key: &str,
            since: DateTime<Utc>,
        ) -> anyhow::Result<ReachCount> {
            to_store!(self.reach_count(scope, key, since))
        }

        async fn draft_ask(&self, ask: &NewAsk, now: DateTime<Utc>) -> anyhow::Result<AskId> {
            to_store!(self.draft_ask(ask, now))
        }

        async fn open_asks(&self, scope: Scope, since: DateTime<Utc>) -> anyhow::Result<u32> {
            to_store!(self.open_asks(scope, since))
        }

        async fn start_ask(
            &self,
            scope: Scope,
            id: AskId,
            helpers: &[MemberId],
            lapse: &NewNotice,
            now: DateTime<Utc>,
        ) -> anyhow::Result<bool> {
            to_store!(self.start_ask(scope, id, helpers, lapse, now))
        }

        async fn ask(&self, workspace: WorkspaceId, id: AskId) -> anyhow::Result<Option<Ask>> {
            to_store!(self.ask(workspace, id))
        }

        async fn asked(
            &self,
            workspace: WorkspaceId,
            id: AskedId,
        ) -> anyhow::Result<Option<Asked>> {
            to_store!(self.asked(workspace, id))
        }

        async fn answer_ask(
            &self,
            workspace: WorkspaceId,
            id: AskedId,
            helper: MemberId,
            accept: bool,
            then: &AskEffects,
            now: DateTime<Utc>,
        ) -> anyhow::Result<AskAnswered> {
            to_store!(self.answer_ask(workspace, id, helper, accept, then, now))
        }

        async fn lapse_ask(
            &self,
            workspace: WorkspaceId,
            id: AskId,
            now: DateTime<Utc>,
        ) -> anyhow::Result<bool> {
            to_store!(self.lapse_ask(workspace, id, now))
        }

        async fn ask_followed_up(
            &self,
            workspace: WorkspaceId,
            id: AskedId,
            helper: MemberId,
            met: bool,
            credit: &[LedgerWrite],
            now: DateTime<Utc>,
        ) -> anyhow::Result<bool> {
            to_store!(self.ask_followed_up(workspace, id, helper, met, credit, now))
        }
    }
}

#[async_trait]
impl kith_bot::web::WebStore for AnyStore {
    async fn create_web_link(
        &self,
        scope: Scope,
        hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        to_store!(self.create_web_link(scope, hash, expires_at, now))
    }

    async fn redeem_web_link(
        &self,
        link: &str,
        session: &kith_bot::web::NewSession,
        now: DateTime<Utc>,
    ) -> anyhow::Result<kith_bot::web::Redeemed> {
        to_store!(self.redeem_web_link(link, session, now))
    }

    async fn web_session(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<kith_bot::web::WebSession>> {
        to_store!(self.web_session(hash, now))
    }

    async fn end_web_session(&self, hash: &str) -> anyhow::Result<bool> {
        to_store!(self.end_web_session(hash))
    }

    async fn end_web_sessions(&self, scope: Scope, links_too: bool) -> anyhow::Result<(u64, u64)> {
        to_store!(self.end_web_sessions(scope, links_too))
    }
}
