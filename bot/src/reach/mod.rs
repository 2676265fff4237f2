//! Goals and reach: a member's goals (what they are working towards, at a
//! company or in a field), and reach: who in the workspace knows someone at
//! a company — shared only by members who opt in, and only as a count. An
//! ask for an introduction goes to those members privately; a yes connects
//! the asker and the helper, and the helper is credited with a favour when
//! they later confirm the introduction happened.
//!
//! The types and the store port live here; the commands are in
//! `commands::reach`, the buttons and messages in [`asks`].

pub mod asks;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::community::LedgerWrite;
use crate::community::notices::NewNotice;
use crate::domain::{Contact, Member, MemberId, Scope, Tag, WorkspaceId, company_key};

/// An ask not answered within this long lapses.
pub const ASK_LAPSES_AFTER_DAYS: i64 = 7;
/// At most this many open asks per asker.
pub const MAX_OPEN_ASKS: u32 = 3;
/// A member is asked at most this many times a week.
pub const MAX_ASKS_PER_WEEK: u32 = 2;
/// At most this many open goals per member.
pub const MAX_GOALS: usize = 20;

/// A goal's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoalId(pub i64);

/// What a member is working towards.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: GoalId,
    pub what: String,
    pub company: Option<String>,
    pub tags: Vec<Tag>,
    pub created_at: DateTime<Utc>,
}

impl Goal {
    /// Whether a contact of the member's own network can help: at the
    /// goal's company (as people write it), or carrying one of its tags.
    pub fn helped_by(&self, contact: &Contact) -> bool {
        let key = self.company.as_deref().and_then(company_key);
        let at_company = key.is_some() && contact.company.as_deref().and_then(company_key) == key;
        at_company || contact.tags.iter().any(|t| self.tags.contains(t))
    }

    /// The people in `network` who can help, due ones first.
    pub fn helpers<'a>(&self, network: &'a [Contact], now: DateTime<Utc>) -> Vec<&'a Contact> {
        let mut helpers: Vec<&Contact> = network.iter().filter(|c| self.helped_by(c)).collect();
        helpers.sort_by_key(|c| (!c.is_due(now), c.next_due(), c.name.to_lowercase()));
        helpers
    }
}

/// A goal to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGoal {
    pub what: String,
    pub company: Option<String>,
    pub tags: Vec<Tag>,
}

/// How a goal ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalEnd {
    Done,
    Dropped,
}

impl GoalEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            GoalEnd::Done => "done",
            GoalEnd::Dropped => "dropped",
        }
    }
}

/// An ask for an introduction at a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AskId(pub i64);

/// One member asked to help with an ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AskedId(pub i64);

/// Who in the workspace could be asked about a company: members who share
/// their reach and know someone there. Member ids (for delivery) and a
/// count only: never who their contacts are, never their names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachCount {
    /// Members who may be asked now.
    pub available: Vec<MemberId>,
    /// Members who know someone there but were asked enough this week.
    pub busy: u32,
}

/// Where an ask stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskState {
    /// Shown to the asker with its button, not sent yet.
    Draft,
    /// Sent; waiting for answers.
    Open,
    /// Someone said yes.
    Helped,
    /// Every ask ended without a yes (declined or lapsed).
    Nobody,
}

impl AskState {
    pub fn as_str(self) -> &'static str {
        match self {
            AskState::Draft => "draft",
            AskState::Open => "open",
            AskState::Helped => "helped",
            AskState::Nobody => "nobody",
        }
    }

    pub fn parse(s: &str) -> Option<AskState> {
        [
            AskState::Draft,
            AskState::Open,
            AskState::Helped,
            AskState::Nobody,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An ask, as its asker's messages need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub id: AskId,
    pub workspace: WorkspaceId,
    pub asker: Member,
    /// The company as the asker wrote it.
    pub company: String,
    pub why: Option<String>,
    pub state: AskState,
    pub asked_at: Option<DateTime<Utc>>,
}

impl Ask {
    /// When an ask sent at `asked_at` lapses.
    pub fn lapses_at(&self) -> Option<DateTime<Utc>> {
        self.asked_at
            .map(|t| t + Duration::days(ASK_LAPSES_AFTER_DAYS))
    }
}

/// One member's part in an ask, as their messages and buttons need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub id: AskedId,
    pub ask: Ask,
    pub helper: Member,
    /// `None` until they answer.
    pub answer: Option<bool>,
    /// What they said at the follow-up.
    pub outcome: Option<bool>,
}

/// A new ask, before its button is pressed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAsk {
    pub workspace: WorkspaceId,
    pub asker: MemberId,
    pub company: String,
    pub why: Option<String>,
}

/// What recording one member's answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskAnswered {
    /// Recorded.
    Recorded,
    /// They had answered already, or the ask is no longer open to them.
    Stale,
}

/// What an answer queues, by what it decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AskEffects {
    /// On a yes: notices about the asked member's part (subject: asked id).
    pub yes: Vec<NewNotice>,
    /// When a no ends the last open part without any yes: notices about the
    /// ask (subject: ask id).
    pub nobody: Vec<NewNotice>,
}

/// The store behind goals and reach. Every query is scoped by workspace
/// and member; none behind reach returns another member's contacts.
#[async_trait]
pub trait ReachStore: Send + Sync {
    /// Adds a goal to the member's list.
    async fn add_goal(
        &self,
        scope: Scope,
        goal: &NewGoal,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Goal>;

    /// The member's open goals, oldest first (the order `goals` numbers them).
    async fn goals(&self, scope: Scope) -> anyhow::Result<Vec<Goal>>;

    /// Ends an open goal; false if it is not the member's open goal.
    async fn end_goal(
        &self,
        scope: Scope,
        id: GoalId,
        end: GoalEnd,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Whether the member shares their reach.
    async fn reach_shared(&self, scope: Scope) -> anyhow::Result<bool>;

    /// Turns sharing reach on or off.
    async fn share_reach(&self, scope: Scope, on: bool) -> anyhow::Result<()>;

    /// Members of the workspace other than `asker` who share their reach,
    /// take DMs, and have a contact (other than the asker) whose company has
    /// `key`; those asked [`MAX_ASKS_PER_WEEK`] times since `since` are
    /// counted as busy.
    async fn reach_count(
        &self,
        scope: Scope,
        key: &str,
        since: DateTime<Utc>,
    ) -> anyhow::Result<ReachCount>;

    /// Stores an ask as a draft, for its button.
    async fn draft_ask(&self, ask: &NewAsk, now: DateTime<Utc>) -> anyhow::Result<AskId>;

    /// The asker's asks sent since `since` that are still open.
    async fn open_asks(&self, scope: Scope, since: DateTime<Utc>) -> anyhow::Result<u32>;

    /// Sends the asker's draft `id` to `helpers`: one part each, each with
    /// a DM queued, and `lapse` (about the ask) queued. False if it is not
    /// the asker's draft (already sent, or not theirs).
    async fn start_ask(
        &self,
        scope: Scope,
        id: AskId,
        helpers: &[MemberId],
        lapse: &NewNotice,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// An ask, by id, in the workspace.
    async fn ask(&self, workspace: WorkspaceId, id: AskId) -> anyhow::Result<Option<Ask>>;

    /// One member's part in an ask.
    async fn asked(&self, workspace: WorkspaceId, id: AskedId) -> anyhow::Result<Option<Asked>>;

    /// Records `helper`'s answer if they have not answered and the ask is
    /// still open to answers (sent, not lapsed, not ended): a yes marks the
    /// ask helped and queues `then.yes`; a no that leaves no part open and
    /// none said yes marks it ended and queues `then.nobody`.
    async fn answer_ask(
        &self,
        workspace: WorkspaceId,
        id: AskedId,
        helper: MemberId,
        accept: bool,
        then: &AskEffects,
        now: DateTime<Utc>,
    ) -> anyhow::Result<AskAnswered>;

    /// At the deadline: ends an ask nobody said yes to. True if it did.
    async fn lapse_ask(
        &self,
        workspace: WorkspaceId,
        id: AskId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// The helper's answer at the follow-up; the first "yes" writes
    /// `credit` (the favour) in the same transaction. True if recorded now.
    async fn ask_followed_up(
        &self,
        workspace: WorkspaceId,
        id: AskedId,
        helper: MemberId,
        met: bool,
        credit: &[LedgerWrite],
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;
}
