//! The messages community events send, carried by the durable outbox like
//! reminders: a row names what happened (kind and subject) and whom it is
//! for; the text is composed when it is sent, from the state as it is then,
//! so a request already answered or a pair that already met sends nothing.

use chrono::{DateTime, Duration, Utc};

use super::{Answer, Intro, IntroId, IntroState, Pair, PairId, ResourceId};
use crate::actions::Action;
use crate::domain::{Member, MemberId, Platform, WorkspaceId};
use crate::format::{date, plural};
use crate::ports::Store;
use crate::reply::{Block, Button, Reply};

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// Asks one party of an introduction (subject: intro) whether they want it.
    IntroAsk,
    /// Connects both parties in one conversation.
    IntroConnect,
    /// Connects one party by DM, where a conversation cannot be opened.
    IntroConnectDm,
    /// Tells the introducer it will not go ahead.
    IntroDeclined,
    /// At the deadline: lapses the request if still open and tells the introducer.
    IntroLapse,
    /// Asks the introducer whether they connected.
    IntroFollowup,
    /// Posts a shared link (subject: resource) to the resources channel.
    ResourcePost,
    /// Sends a link privately to the member it was shared with.
    SharedLink,
    /// Announces a round (subject: the round's number) in the pairing channel.
    PairingRound,
    /// Introduces a pair (subject: pair) in one conversation.
    PairingMatch,
    /// Introduces one member of a pair by DM.
    PairingMatchDm,
    /// Asks one member whether the pair met.
    PairingFollowup,
    /// Asks one member (subject: their part of an ask) to introduce the asker.
    ReachAsk,
    /// Connects the asker and a helper who said yes in one conversation.
    ReachConnect,
    /// Connects one of them by DM, where a conversation cannot be opened.
    ReachConnectDm,
    /// Tells the asker (subject: the ask) that nobody could this time.
    ReachNobody,
    /// At the ask's deadline: ends it if nobody said yes, and tells the asker.
    ReachLapse,
    /// Asks the helper whether the introduction happened.
    ReachFollowup,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 18] = [
        NoticeKind::IntroAsk,
        NoticeKind::IntroConnect,
        NoticeKind::IntroConnectDm,
        NoticeKind::IntroDeclined,
        NoticeKind::IntroLapse,
        NoticeKind::IntroFollowup,
        NoticeKind::ResourcePost,
        NoticeKind::SharedLink,
        NoticeKind::PairingRound,
        NoticeKind::PairingMatch,
        NoticeKind::PairingMatchDm,
        NoticeKind::PairingFollowup,
        NoticeKind::ReachAsk,
        NoticeKind::ReachConnect,
        NoticeKind::ReachConnectDm,
        NoticeKind::ReachNobody,
        NoticeKind::ReachLapse,
        NoticeKind::ReachFollowup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::IntroAsk => "intro_ask",
            NoticeKind::IntroConnect => "intro_connect",
            NoticeKind::IntroConnectDm => "intro_connect_dm",
            NoticeKind::IntroDeclined => "intro_declined",
            NoticeKind::IntroLapse => "intro_lapse",
            NoticeKind::IntroFollowup => "intro_followup",
            NoticeKind::ResourcePost => "resource_post",
            NoticeKind::SharedLink => "shared_link",
            NoticeKind::PairingRound => "pairing_round",
            NoticeKind::PairingMatch => "pairing_match",
            NoticeKind::PairingMatchDm => "pairing_match_dm",
            NoticeKind::PairingFollowup => "pairing_followup",
            NoticeKind::ReachAsk => "reach_ask",
            NoticeKind::ReachConnect => "reach_connect",
            NoticeKind::ReachConnectDm => "reach_connect_dm",
            NoticeKind::ReachNobody => "reach_nobody",
            NoticeKind::ReachLapse => "reach_lapse",
            NoticeKind::ReachFollowup => "reach_followup",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A notice to queue. Its subject is the introduction, resource, round or
/// pair the store call that queues it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub kind: NoticeKind,
    /// The member it is for; `None` for a channel post or a conversation.
    pub to: Option<MemberId>,
    pub not_before: DateTime<Utc>,
}

/// A notice a sender has claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedNotice {
    pub id: i64,
    pub lease: String,
    pub kind: NoticeKind,
    pub subject: i64,
    pub workspace: WorkspaceId,
    pub platform: Platform,
    pub workspace_external_id: String,
    pub to: Option<Member>,
    pub attempts: u32,
    /// As [`crate::ports::Claimed::unsettled_since`].
    pub unsettled_since: Option<DateTime<Utc>>,
}

/// What to send for a notice.
#[derive(Debug, Clone, PartialEq)]
pub enum Composed {
    /// A direct message to the notice's member.
    Dm(Reply),
    /// One conversation with all of `members`, or failing that one
    /// `fallback` notice each.
    Group {
        members: Vec<Member>,
        channel: Option<String>,
        title: String,
        message: Reply,
        fallback: NoticeKind,
    },
    /// A post in a channel.
    Post { channel: String, message: Reply },
    /// Nothing to say any more.
    Nothing,
}

/// How to name a member in a message on their platform: a mention the
/// platform renders, or their name in the console.
pub fn mention(platform: Platform, member: &Member) -> String {
    match platform {
        Platform::Console => member.display_name.clone(),
        Platform::Slack | Platform::Discord => format!("<@{}>", member.external_id),
    }
}

/// "Alice and Bob", "Alice, Bob and Carol".
pub fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(crate) fn quoted(text: &str) -> String {
    format!("\u{201c}{text}\u{201d}")
}

pub(crate) fn buttons(id: String, yes: (&str, Action), no: (&str, Action)) -> Block {
    Block::Actions {
        id,
        buttons: vec![
            Button {
                label: yes.0.into(),
                action: yes.1.to_string(),
                primary: true,
            },
            Button {
                label: no.0.into(),
                action: no.1.to_string(),
                primary: false,
            },
        ],
    }
}

/// The ask sent to one party of an introduction.
pub fn intro_ask(intro: &Intro, party: usize, platform: Platform) -> Reply {
    let who = mention(platform, &intro.introducer);
    let other = mention(platform, intro.other(party));
    let mut reply = Reply::text(format!(
        "{who} would like to introduce you to {other}:\n{}\nWould you like that? If you both say yes, \
         I'll connect you. If not, no problem: nobody is told who said no.",
        quoted(&intro.why)
    ));
    reply.blocks.push(buttons(
        intro_block(intro.id),
        ("Yes, introduce us", Action::IntroYes(intro.id)),
        ("No, thanks", Action::IntroNo(intro.id)),
    ));
    reply
}

/// The id of the block holding an introduction's Accept / Decline buttons.
pub fn intro_block(id: IntroId) -> String {
    format!("intro:{}", id.0)
}

/// The id of the block holding an introduction's follow-up buttons.
pub fn followup_block(id: IntroId) -> String {
    format!("intro-followup:{}", id.0)
}

/// The id of the block holding a pair's "did you meet" buttons.
pub fn pair_block(id: PairId) -> String {
    format!("pair:{}", id.0)
}

/// The conversation starters a pair is given, one per pair.
const STARTERS: &[&str] = &[
    "What is something you are looking forward to this month?",
    "What did you work on this week that you are proud of?",
    "What is a book, podcast or talk you recommend lately?",
    "Who helped you most early in your career, and how?",
    "What are you trying to get better at right now?",
    "What would you do with a free afternoon next week?",
    "What is one thing you wish more people asked you about?",
];

fn starter(pair: PairId) -> &'static str {
    let at = usize::try_from(pair.0.unsigned_abs() % STARTERS.len() as u64).unwrap_or(0);
    STARTERS[at]
}

/// Composes what to send for a claimed notice, from the state as it is now.
pub async fn compose(
    store: &dyn Store,
    row: &ClaimedNotice,
    now: DateTime<Utc>,
) -> anyhow::Result<Composed> {
    let platform = row.platform;
    let workspace = row.workspace;
    match row.kind {
        NoticeKind::IntroAsk
        | NoticeKind::IntroConnect
        | NoticeKind::IntroConnectDm
        | NoticeKind::IntroDeclined
        | NoticeKind::IntroLapse
        | NoticeKind::IntroFollowup => {
            let Some(intro) = store.intro(workspace, IntroId(row.subject)).await? else {
                return Ok(Composed::Nothing);
            };
            compose_intro(store, row, &intro, now).await
        }
        NoticeKind::ResourcePost | NoticeKind::SharedLink => {
            let Some(resource) = store.resource(workspace, ResourceId(row.subject)).await? else {
                return Ok(Composed::Nothing);
            };
            let who = mention(platform, &resource.shared_by);
            let mut text = match row.kind {
                NoticeKind::SharedLink => {
                    format!("{who} shared a link with you: {}", resource.title)
                }
                _ => format!("{who} shared {}", resource.title),
            };
            text.push('\n');
            text.push_str(&resource.url);
            if let Some(why) = &resource.why {
                text.push('\n');
                text.push_str(&quoted(why));
            }
            if !resource.tags.is_empty() {
                let tags: Vec<String> = resource.tags.iter().map(|t| t.to_string()).collect();
                text.push('\n');
                text.push_str(&tags.join(" "));
            }
            if row.kind == NoticeKind::SharedLink {
                return Ok(Composed::Dm(Reply::text(text)));
            }
            let community = store.community(workspace).await?;
            Ok(match community.resources {
                Some(channel) => Composed::Post {
                    channel: channel.id,
                    message: Reply::text(text),
                },
                None => Composed::Nothing,
            })
        }
        NoticeKind::PairingRound => {
            let community = store.community(workspace).await?;
            let Some(schedule) = community.pairing else {
                return Ok(Composed::Nothing);
            };
            let number = u32::try_from(row.subject)?;
            let groups = store.round_size(workspace, number).await?;
            let text = format!(
                "\u{2615} Coffee pairing, round {number}: {} this time, and each has a message from me. \
                 Want in next time? /kith pairing join",
                plural(groups, "group", "groups")
            );
            Ok(Composed::Post {
                channel: schedule.channel.id,
                message: Reply::text(text),
            })
        }
        NoticeKind::PairingMatch | NoticeKind::PairingMatchDm | NoticeKind::PairingFollowup => {
            let Some(pair) = store.pair(workspace, PairId(row.subject)).await? else {
                return Ok(Composed::Nothing);
            };
            compose_pair(store, row, &pair).await
        }
        NoticeKind::ReachAsk
        | NoticeKind::ReachConnect
        | NoticeKind::ReachConnectDm
        | NoticeKind::ReachNobody
        | NoticeKind::ReachLapse
        | NoticeKind::ReachFollowup => crate::reach::asks::compose(store, row, now).await,
    }
}

async fn compose_intro(
    store: &dyn Store,
    row: &ClaimedNotice,
    intro: &Intro,
    now: DateTime<Utc>,
) -> anyhow::Result<Composed> {
    let platform = row.platform;
    let names = [
        mention(platform, &intro.parties[0].0),
        mention(platform, &intro.parties[1].0),
    ];
    let introducer = mention(platform, &intro.introducer);
    let tz = row.to.as_ref().map_or(chrono_tz::UTC, |m| m.tz);
    Ok(match row.kind {
        NoticeKind::IntroAsk => {
            let party = row.to.as_ref().and_then(|to| intro.party(to.id));
            match party {
                Some(i)
                    if intro.state == IntroState::Asked
                        && intro.parties[i].1 == Answer::Waiting =>
                {
                    Composed::Dm(intro_ask(intro, i, platform))
                }
                _ => Composed::Nothing,
            }
        }
        NoticeKind::IntroConnect => {
            let community = store.community(intro.workspace).await?;
            Composed::Group {
                members: intro.parties.iter().map(|(m, _)| m.clone()).collect(),
                channel: community.intros.map(|c| c.id),
                title: format!(
                    "{} & {}",
                    intro.parties[0].0.display_name, intro.parties[1].0.display_name
                ),
                message: Reply::text(format!(
                    "{}, meet {}! {introducer} thought you two should know each other:\n{}\n\
                     You both said yes, so over to you.",
                    names[0],
                    names[1],
                    quoted(&intro.why)
                )),
                fallback: NoticeKind::IntroConnectDm,
            }
        }
        NoticeKind::IntroConnectDm => {
            let Some(i) = row.to.as_ref().and_then(|to| intro.party(to.id)) else {
                return Ok(Composed::Nothing);
            };
            Composed::Dm(Reply::text(format!(
                "You and {other} both said yes, so meet {other}! {introducer} thought you two \
                 should know each other:\n{}\nSend them a message to say hello.",
                quoted(&intro.why),
                other = mention(platform, intro.other(i)),
            )))
        }
        NoticeKind::IntroDeclined => Composed::Dm(Reply::text(format!(
            "Your introduction of {} and {} won't go ahead this time. That happens, and timing \
             isn't always right; nobody has been told anything more. Thank you for thinking of them.",
            names[0], names[1]
        ))),
        NoticeKind::IntroLapse => {
            if !store.lapse_intro(intro.workspace, intro.id, now).await? {
                return Ok(Composed::Nothing);
            }
            Composed::Dm(Reply::text(format!(
                "Your introduction of {} and {} lapsed: it wasn't answered by both within {}, \
                 so I haven't connected them. You could mention it to them yourself.",
                names[0],
                names[1],
                plural(super::INTRO_LAPSES_AFTER_DAYS, "day", "days")
            )))
        }
        NoticeKind::IntroFollowup => {
            if intro.state != IntroState::Connected || intro.outcome.is_some() {
                return Ok(Composed::Nothing);
            }
            let on = intro
                .closed_at
                .map_or_else(String::new, |t| format!(" on {}", date(now, t, tz)));
            let mut reply = Reply::text(format!(
                "Did {} and {} connect? You introduced them{on}.",
                names[0], names[1]
            ));
            reply.blocks.push(buttons(
                followup_block(intro.id),
                ("They did", Action::IntroMet(intro.id)),
                ("Not yet", Action::IntroNotYet(intro.id)),
            ));
            Composed::Dm(reply)
        }
        _ => Composed::Nothing,
    })
}

async fn compose_pair(
    store: &dyn Store,
    row: &ClaimedNotice,
    pair: &Pair,
) -> anyhow::Result<Composed> {
    let platform = row.platform;
    let community = store.community(pair.workspace).await?;
    let every = community
        .pairing
        .as_ref()
        .map_or(14, |schedule| schedule.every_days);
    let others = |me: MemberId| -> Vec<String> {
        pair.members
            .iter()
            .filter(|m| m.id != me)
            .map(|m| mention(platform, m))
            .collect()
    };
    let before = format!("in the next {}", plural(i64::from(every), "day", "days"));
    Ok(match row.kind {
        NoticeKind::PairingMatch => {
            let names: Vec<String> = pair.members.iter().map(|m| mention(platform, m)).collect();
            Composed::Group {
                members: pair.members.clone(),
                channel: community.pairing.map(|s| s.channel.id),
                title: format!(
                    "Coffee: {}",
                    and_list(
                        &pair
                            .members
                            .iter()
                            .map(|m| m.display_name.clone())
                            .collect::<Vec<_>>()
                    )
                ),
                message: Reply::text(format!(
                    "\u{2615} {}: you're paired for coffee this round! Find a time for a coffee or a call {before}.\n\
                     A conversation starter: {}",
                    and_list(&names),
                    starter(pair.id)
                )),
                fallback: NoticeKind::PairingMatchDm,
            }
        }
        NoticeKind::PairingMatchDm => {
            let Some(me) = row.to.as_ref() else {
                return Ok(Composed::Nothing);
            };
            Composed::Dm(Reply::text(format!(
                "\u{2615} You're paired with {} for coffee this round! Send them a message and find \
                 a time for a coffee or a call {before}.\nA conversation starter: {}",
                and_list(&others(me.id)),
                starter(pair.id)
            )))
        }
        NoticeKind::PairingFollowup => {
            let Some(me) = row.to.as_ref() else {
                return Ok(Composed::Nothing);
            };
            if pair.met_at.is_some() {
                return Ok(Composed::Nothing);
            }
            let mut reply = Reply::text(format!(
                "Did you and {} meet for coffee? If you did, I'll log it as a check-in for you both.",
                and_list(&others(me.id))
            ));
            reply.blocks.push(buttons(
                pair_block(pair.id),
                ("We met", Action::PairMet(pair.id)),
                ("Not this time", Action::PairSkipped(pair.id)),
            ));
            Composed::Dm(reply)
        }
        _ => Composed::Nothing,
    })
}

/// When the pair of a round made at `at`, every `every_days`, is asked
/// whether they met: halfway to the next round, at least a day later.
pub fn pairing_followup_at(at: DateTime<Utc>, every_days: u32) -> DateTime<Utc> {
    at + Duration::days(i64::from((every_days / 2).max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_survive_a_round_trip_through_the_store() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NoticeKind::parse("reminder"), None);
    }

    #[test]
    fn lists_read_naturally() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(and_list(&names(&["Alice"])), "Alice");
        assert_eq!(and_list(&names(&["Alice", "Bob"])), "Alice and Bob");
        assert_eq!(
            and_list(&names(&["Alice", "Bob", "Carol"])),
            "Alice, Bob and Carol"
        );
    }

    #[test]
    fn the_pairing_follow_up_comes_halfway_to_the_next_round() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 23, 9, 0, 0)
            .single()
            .expect("t");
        assert_eq!(pairing_followup_at(at, 14), at + Duration::days(7));
        assert_eq!(pairing_followup_at(at, 1), at + Duration::days(1));
    }
}
