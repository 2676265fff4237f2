//! What members do for each other: double opt-in introductions, a shared
//! library of resources, and opt-in coffee pairing, with the organiser's
//! settings for the workspace's channels.
//!
//! The types here are the core's; the store keeps them and the delivery
//! outbox carries their messages as [`Notice`]s, composed when they are sent
//! (see [`notices`]).

mod answers;
pub mod notices;
pub mod pairing;

pub use answers::{answer, followed_up, met};

use chrono::Offset;
use chrono::{DateTime, Duration, Utc};

use crate::domain::{Member, MemberId, Platform, Span, Tag, WorkspaceId};

/// A request not answered by both within this long lapses.
pub const INTRO_LAPSES_AFTER_DAYS: i64 = 7;
/// The introducer's follow-up, unless the organiser sets another delay.
pub const DEFAULT_FOLLOWUP_DAYS: u32 = 14;
/// Pairs from this many recent rounds are not paired again.
pub const AVOID_REPEATS_FOR_ROUNDS: u32 = 4;

/// A channel of the workspace, as the platform names it: Slack `C123`,
/// a Discord snowflake, or in the console its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    /// The name the platform showed with it, if any.
    pub name: Option<String>,
}

impl Channel {
    /// Reads `<#C123|general>` (Slack), `<#80351110224678912>` (Discord) or
    /// `#general` (console).
    pub fn parse(word: &str) -> Option<Channel> {
        let word = word.trim();
        if let Some(inner) = word.strip_prefix("<#").and_then(|w| w.strip_suffix('>')) {
            let (id, name) = match inner.split_once('|') {
                Some((id, name)) => (id, Some(name.to_string()).filter(|n| !n.is_empty())),
                None => (inner, None),
            };
            let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
            return valid.then(|| Channel {
                id: id.to_string(),
                name,
            });
        }
        let name = word.strip_prefix('#')?;
        let valid = !name.is_empty()
            && name.chars().count() <= 80
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_'));
        valid.then(|| Channel {
            id: name.to_lowercase(),
            name: Some(name.to_lowercase()),
        })
    }

    /// How to name the channel in a message on `platform`: a link the
    /// platform renders (`<#C123>`), or `#general` in the console.
    pub fn shown(&self, platform: Platform) -> String {
        match platform {
            Platform::Console => format!("#{}", self.id),
            Platform::Slack | Platform::Discord => format!("<#{}>", self.id),
        }
    }
}

/// A workspace's community settings, chosen by its organisers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// Where `share` posts links.
    pub resources: Option<Channel>,
    /// Where introductions are made (Discord: a private thread in it).
    pub intros: Option<Channel>,
    /// How long after an introduction the introducer is asked how it went.
    pub followup_days: u32,
    /// Coffee pairing, when an organiser has turned it on.
    pub pairing: Option<PairingSchedule>,
}

impl Default for Community {
    fn default() -> Community {
        Community {
            resources: None,
            intros: None,
            followup_days: DEFAULT_FOLLOWUP_DAYS,
            pairing: None,
        }
    }
}

/// Coffee pairing in a channel, every so often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingSchedule {
    pub channel: Channel,
    pub every_days: u32,
    pub next_round_at: DateTime<Utc>,
}

/// A change an organiser makes with `admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommunityChange {
    Resources(Option<Channel>),
    Intros(Option<Channel>),
    Followup(Span),
    /// Turns pairing on (or changes its channel and cadence), or off.
    Pairing(Option<PairingSetup>),
}

/// Coffee pairing as an organiser sets it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingSetup {
    pub channel: Channel,
    pub every: Span,
    /// When the first round is due, if pairing was off; filled in by the
    /// handler (a schedule already running keeps its next round).
    pub first_round_at: Option<DateTime<Utc>>,
}

/// An introduction's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntroId(pub i64);

/// Where an introduction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntroState {
    /// Waiting for one or both to answer.
    Asked,
    /// Both accepted; they have been connected.
    Connected,
    /// One of them declined (the introducer is not told who).
    Declined,
    /// Not answered by both in time.
    Lapsed,
}

impl IntroState {
    pub fn as_str(self) -> &'static str {
        match self {
            IntroState::Asked => "asked",
            IntroState::Connected => "connected",
            IntroState::Declined => "declined",
            IntroState::Lapsed => "lapsed",
        }
    }

    pub fn parse(s: &str) -> Option<IntroState> {
        match s {
            "asked" => Some(IntroState::Asked),
            "connected" => Some(IntroState::Connected),
            "declined" => Some(IntroState::Declined),
            "lapsed" => Some(IntroState::Lapsed),
            _ => None,
        }
    }
}

/// One person's answer to an introduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Waiting,
    Accepted,
    Declined,
}

impl Answer {
    pub fn from_stored(answer: Option<bool>) -> Answer {
        match answer {
            None => Answer::Waiting,
            Some(true) => Answer::Accepted,
            Some(false) => Answer::Declined,
        }
    }
}

/// A proposed introduction of two members by a third.
#[derive(Debug, Clone, PartialEq)]
pub struct Intro {
    pub id: IntroId,
    pub workspace: WorkspaceId,
    pub introducer: Member,
    /// The two people, in the order the introducer named them, with their answers.
    pub parties: [(Member, Answer); 2],
    pub why: String,
    pub state: IntroState,
    pub asked_at: DateTime<Utc>,
    /// When it was connected, declined or lapsed.
    pub closed_at: Option<DateTime<Utc>>,
    /// What the introducer said at the follow-up: did they connect?
    pub outcome: Option<bool>,
}

impl Intro {
    /// When an unanswered request lapses.
    pub fn lapses_at(&self) -> DateTime<Utc> {
        self.asked_at + Duration::days(INTRO_LAPSES_AFTER_DAYS)
    }

    /// Which of the two `member` is, if either.
    pub fn party(&self, member: MemberId) -> Option<usize> {
        self.parties.iter().position(|(m, _)| m.id == member)
    }

    /// The other party of `index`.
    pub fn other(&self, index: usize) -> &Member {
        &self.parties[1 - index].0
    }
}

/// An introduction to propose: the introducer and the two people (all
/// members of the workspace), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIntro {
    pub workspace: WorkspaceId,
    pub introducer: MemberId,
    pub parties: [MemberId; 2],
    pub why: String,
}

/// What an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Recorded; the other has not answered yet.
    Waiting,
    /// This answer was the second acceptance: they are connected.
    Connected,
    /// Declined: the introduction will not go ahead.
    Declined,
    /// This person had already answered (the answer stands).
    AlreadyAnswered(Answer),
    /// The introduction is no longer open.
    Closed(IntroState),
}

/// A resource's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceId(pub i64);

/// A link shared to the workspace's library, or privately to one member.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: ResourceId,
    pub url: String,
    pub title: String,
    pub why: Option<String>,
    pub tags: Vec<Tag>,
    pub shared_by: Member,
    pub shared_at: DateTime<Utc>,
}

/// A link to share.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResource {
    pub workspace: WorkspaceId,
    pub url: String,
    /// The URL reduced to what identifies the page, for finding duplicates.
    pub key: String,
    pub title: String,
    pub why: Option<String>,
    pub tags: Vec<Tag>,
    pub shared_by: MemberId,
    pub shared_with: Option<MemberId>,
}

/// What sharing did.
#[derive(Debug, Clone, PartialEq)]
pub enum Shared {
    Stored(Resource),
    /// The library already has this link; nothing was stored.
    Duplicate(Resource),
}

/// How to search the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceQuery {
    Latest,
    Tag(Tag),
    /// Words to find in titles, reasons and tags.
    Text(String),
}

/// The words a library search looks for: runs of letters and digits (so
/// search operators a member types are plain words). `resources` refuses a
/// search of more than [`crate::limits::SEARCH_TERMS`] of them.
pub fn search_terms(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// A member's place in coffee pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairingStatus {
    Out,
    In,
    PausedUntil(DateTime<Utc>),
}

/// A change to a member's place in coffee pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairingChange {
    Join,
    Leave,
    PauseUntil(DateTime<Utc>),
}

/// A workspace whose pairing round is due.
#[derive(Debug, Clone, PartialEq)]
pub struct DueRound {
    pub workspace: WorkspaceId,
    pub platform: Platform,
    pub schedule: PairingSchedule,
    /// The number this round will have (1 for the first).
    pub number: u32,
}

/// A pair (or trio) from a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairId(pub i64);

#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub id: PairId,
    pub workspace: WorkspaceId,
    pub round: u32,
    pub members: Vec<Member>,
    /// When someone in it said they met.
    pub met_at: Option<DateTime<Utc>>,
}

/// A round to store: its groups, and when to ask whether they met.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRound {
    pub workspace: WorkspaceId,
    pub number: u32,
    /// The schedule's `next_round_at` this round was computed for; the round
    /// is stored only if it still is (so two processes never both run it).
    pub due_at: DateTime<Utc>,
    pub next_round_at: DateTime<Utc>,
    pub groups: Vec<Vec<MemberId>>,
    pub followup_at: DateTime<Utc>,
}

/// An entry to write into one member's ledger as part of a community event
/// (an introduction's favours, a pairing's touches).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerWrite {
    pub owner: MemberId,
    /// The member the entry is about, added to the owner's network if needed.
    pub about: MemberId,
    pub entry: crate::domain::Entry,
}

/// Runs every pairing round due at `now`: pairs each workspace's pool and
/// stores the round with its messages. Returns how many rounds were run.
pub async fn run_due_rounds(
    store: &dyn crate::ports::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut ran = 0;
    for due in store.due_rounds(now).await? {
        let pool = store.pairing_pool(due.workspace, now).await?;
        let history = store
            .recent_groups(due.workspace, AVOID_REPEATS_FOR_ROUNDS)
            .await?;
        let candidates: Vec<pairing::Candidate> = pool
            .iter()
            .map(|m| pairing::Candidate {
                member: m.id,
                utc_offset_minutes: now.with_timezone(&m.tz).offset().fix().local_minus_utc() / 60,
            })
            .collect();
        let seed = (due.workspace.0 as u64) << 32 | u64::from(due.number);
        let groups = pairing::pair(&candidates, &history, seed);
        let every = Duration::days(i64::from(due.schedule.every_days.max(1)));
        let mut next = due.schedule.next_round_at + every;
        while next <= now {
            next += every;
        }
        let round = NewRound {
            workspace: due.workspace,
            number: due.number,
            due_at: due.schedule.next_round_at,
            next_round_at: next,
            groups,
            followup_at: notices::pairing_followup_at(now, due.schedule.every_days),
        };
        if store.save_round(&round, now).await? {
            ran += 1;
        }
    }
    Ok(ran)
}
