//! Asking for an introduction at a company: the asker's button, each asked
//! member's yes or no, the helper's follow-up, and the messages they send
//! (composed when sent, from the state as it is then). A yes connects the
//! asker and the helper the way an accepted introduction does (one
//! conversation, or a DM each where none can be opened); a no, or no answer
//! within a week, is never reported with a name.

use chrono::{DateTime, Duration, Utc};

use super::{ASK_LAPSES_AFTER_DAYS, AskAnswered, AskEffects, AskId, AskState, Asked, AskedId};
use super::{MAX_ASKS_PER_WEEK, MAX_OPEN_ASKS, ReachCount};
use crate::actions::Action;
use crate::community::LedgerWrite;
use crate::community::notices::{
    ClaimedNotice, Composed, NewNotice, NoticeKind, buttons, mention, quoted,
};
use crate::domain::{Entry, EntryKind, Member, Platform, company_key};
use crate::format::plural;
use crate::ports::Store;
use crate::reply::{Block, Button, Reply};

/// The id of the block holding an ask's "Ask for an introduction" button.
pub fn ask_block(id: AskId) -> String {
    format!("reach:{}", id.0)
}

/// The id of the block holding an asked member's yes / no.
pub fn asked_block(id: AskedId) -> String {
    format!("reach-asked:{}", id.0)
}

/// The id of the block holding the helper's follow-up buttons.
pub fn followup_block(id: AskedId) -> String {
    format!("reach-followup:{}", id.0)
}

/// The asker's button.
pub fn ask_button(id: AskId) -> Block {
    Block::Actions {
        id: ask_block(id),
        buttons: vec![Button {
            label: "Ask for an introduction".into(),
            action: Action::ReachAsk(id).to_string(),
            primary: true,
        }],
    }
}

/// "(1 more knows someone there but was asked twice this week already, so
/// won't be asked.)", or nothing.
pub fn busy_note(busy: u32) -> String {
    match busy {
        0 => String::new(),
        1 => format!(
            " 1 more knows someone there but has had {MAX_ASKS_PER_WEEK} asks this week already, \
             so won't be asked."
        ),
        n => format!(
            " {n} more know someone there but have had {MAX_ASKS_PER_WEEK} asks this week \
             already, so won't be asked."
        ),
    }
}

/// How many members could be asked, as a sentence (a count, never who).
pub fn count_line(count: &ReachCount, company: &str) -> String {
    let n = count.available.len();
    let lead = match n {
        0 => format!("No member who shares their reach can be asked about {company} right now."),
        1 => format!("1 member who shares their reach knows someone at {company}."),
        n => format!("{n} members who share their reach know someone at {company}."),
    };
    lead + &busy_note(count.busy)
}

/// The asker presses "Ask for an introduction".
pub async fn ask(
    store: &dyn Store,
    member: &Member,
    id: AskId,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let scope = member.scope();
    let ask = match store.ask(member.workspace, id).await? {
        Some(ask) if ask.asker.id == member.id => ask,
        _ => return Ok("That ask isn't yours.".into()),
    };
    if ask.state != AskState::Draft {
        return Ok(format!("You already asked about {}.", ask.company));
    }
    let week = now - Duration::days(ASK_LAPSES_AFTER_DAYS);
    let open = store.open_asks(scope, week).await?;
    if open >= MAX_OPEN_ASKS {
        return Ok(format!(
            "You have {open} asks waiting for answers already, the most at once. Each ends with \
             an answer or after {}; ask again then.",
            plural(ASK_LAPSES_AFTER_DAYS, "day", "days")
        ));
    }
    let Some(key) = company_key(&ask.company) else {
        return Ok("That ask has no company to ask about.".into());
    };
    let count = store.reach_count(scope, &key, week).await?;
    if count.available.is_empty() {
        return Ok(format!(
            "Nobody can be asked about {} right now, so nothing was sent.{}",
            ask.company,
            busy_note(count.busy)
        ));
    }
    let lapse = NewNotice {
        kind: NoticeKind::ReachLapse,
        to: Some(member.id),
        not_before: now + Duration::days(ASK_LAPSES_AFTER_DAYS),
    };
    if !store
        .start_ask(scope, id, &count.available, &lapse, now)
        .await?
    {
        return Ok(format!("You already asked about {}.", ask.company));
    }
    let n = count.available.len();
    Ok(format!(
        "I've asked {} privately whether they would introduce you to someone at {}. If one \
         says yes, I'll connect you and tell you who. If nobody can, you'll hear only that, \
         never who was asked.{}",
        plural(n as i64, "member", "members"),
        ask.company,
        busy_note(count.busy)
    ))
}

/// One asked member's part, if it is addressed to `member`.
async fn mine(store: &dyn Store, member: &Member, id: AskedId) -> anyhow::Result<Option<Asked>> {
    Ok(store
        .asked(member.workspace, id)
        .await?
        .filter(|asked| asked.helper.id == member.id))
}

/// An asked member says yes or no.
pub async fn answer(
    store: &dyn Store,
    member: &Member,
    platform: Platform,
    id: AskedId,
    accept: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let Some(asked) = mine(store, member, id).await? else {
        return Ok("That ask isn't addressed to you.".into());
    };
    let asker = mention(platform, &asked.ask.asker);
    if asked.answer.is_some() {
        return Ok("You already answered this one.".into());
    }
    if asked.ask.lapses_at().is_none_or(|t| now >= t) {
        return Ok(format!(
            "This ask lapsed after {}, so nothing was shared.",
            plural(ASK_LAPSES_AFTER_DAYS, "day", "days")
        ));
    }
    let followup_days = store.community(member.workspace).await?.followup_days;
    let then = AskEffects {
        yes: vec![
            NewNotice {
                kind: NoticeKind::ReachConnect,
                to: None,
                not_before: now,
            },
            NewNotice {
                kind: NoticeKind::ReachFollowup,
                to: Some(member.id),
                not_before: now + Duration::days(i64::from(followup_days)),
            },
        ],
        nobody: vec![NewNotice {
            kind: NoticeKind::ReachNobody,
            to: Some(asked.ask.asker.id),
            not_before: now,
        }],
    };
    let answered = store
        .answer_ask(member.workspace, id, member.id, accept, &then, now)
        .await?;
    Ok(match (answered, accept) {
        (AskAnswered::Stale, _) => "This ask is no longer open.".into(),
        (AskAnswered::Recorded, true) => format!(
            "Thank you! I'm connecting you with {asker} now, so you can make the introduction \
             at {}. I'll ask you later whether it happened, to credit you with the favour.",
            asked.ask.company
        ),
        (AskAnswered::Recorded, false) => {
            format!("No problem. {asker} will never be told who was asked or who said no.")
        }
    })
}

/// The helper answers the follow-up: did the introduction happen?
pub async fn followed_up(
    store: &dyn Store,
    member: &Member,
    platform: Platform,
    id: AskedId,
    met: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let Some(asked) = mine(store, member, id).await? else {
        return Ok("That ask isn't addressed to you.".into());
    };
    if asked.answer != Some(true) {
        return Ok("You didn't offer this introduction.".into());
    }
    let asker = &asked.ask.asker;
    let company = &asked.ask.company;
    let favour = |owner: &Member, about: &Member, kind: EntryKind, what: String| LedgerWrite {
        owner: owner.id,
        about: about.id,
        entry: Entry {
            kind,
            what,
            at: now,
        },
    };
    let credit = [
        favour(
            member,
            asker,
            EntryKind::Gave,
            format!("introduced them to someone at {company}"),
        ),
        favour(
            asker,
            member,
            EntryKind::Got,
            format!("introduced me to someone at {company}"),
        ),
    ];
    let recorded = store
        .ask_followed_up(member.workspace, id, member.id, met, &credit, now)
        .await?;
    let asker = mention(platform, asker);
    Ok(match (recorded, met) {
        (false, _) => "You already told me about this one.".into(),
        (true, true) => format!(
            "Lovely! I've logged it as a favour you did {asker}, and as one {asker} received \
             from you."
        ),
        (true, false) => format!(
            "Thanks. If you still can, a short message to {asker} and your contact at {company} \
             is all it takes."
        ),
    })
}

/// The message asking one member to help.
fn ask_message(asked: &Asked, goal: Option<&str>, platform: Platform) -> Reply {
    let asker = mention(platform, &asked.ask.asker);
    let company = &asked.ask.company;
    let why = match (&asked.ask.why, goal) {
        (Some(why), _) => format!("\n{}", quoted(why)),
        (None, Some(goal)) => format!("\nTheir goal: {}", quoted(goal)),
        (None, None) => String::new(),
    };
    let mut reply = Reply::text(format!(
        "{asker} is looking for an introduction to someone at {company}, and you know someone \
         there.{why}\nWould you introduce them? If not, no problem: {asker} is never told who was \
         asked or who said no."
    ));
    reply.blocks.push(buttons(
        asked_block(asked.id),
        ("Yes, I'll introduce you", Action::ReachYes(asked.id)),
        ("Not this time", Action::ReachNo(asked.id)),
    ));
    reply
}

fn nobody(company: &str) -> Reply {
    Reply::text(format!(
        "About your ask for an introduction at {company}: nobody could this time. Timing isn't \
         always right; you could ask again in a while."
    ))
}

/// Composes what to send for a claimed reach notice, from the state now.
pub async fn compose(
    store: &dyn Store,
    row: &ClaimedNotice,
    now: DateTime<Utc>,
) -> anyhow::Result<Composed> {
    let platform = row.platform;
    let workspace = row.workspace;
    if matches!(row.kind, NoticeKind::ReachNobody | NoticeKind::ReachLapse) {
        let Some(ask) = store.ask(workspace, AskId(row.subject)).await? else {
            return Ok(Composed::Nothing);
        };
        if row.kind == NoticeKind::ReachLapse && !store.lapse_ask(workspace, ask.id, now).await? {
            return Ok(Composed::Nothing);
        }
        return Ok(Composed::Dm(nobody(&ask.company)));
    }
    let Some(asked) = store.asked(workspace, AskedId(row.subject)).await? else {
        return Ok(Composed::Nothing);
    };
    let asker = mention(platform, &asked.ask.asker);
    let helper = mention(platform, &asked.helper);
    let company = &asked.ask.company;
    Ok(match row.kind {
        NoticeKind::ReachAsk => {
            let open = matches!(asked.ask.state, AskState::Open | AskState::Helped)
                && asked.ask.lapses_at().is_some_and(|t| now < t);
            if asked.answer.is_some() || !open {
                return Ok(Composed::Nothing);
            }
            let goal = match (&asked.ask.why, company_key(company)) {
                (None, Some(key)) => store
                    .goals(asked.ask.asker.scope())
                    .await?
                    .into_iter()
                    .find(|g| g.company.as_deref().and_then(company_key).as_ref() == Some(&key))
                    .map(|g| g.what),
                _ => None,
            };
            Composed::Dm(ask_message(&asked, goal.as_deref(), platform))
        }
        NoticeKind::ReachConnect => {
            let community = store.community(workspace).await?;
            Composed::Group {
                members: vec![asked.ask.asker.clone(), asked.helper.clone()],
                channel: community.intros.map(|c| c.id),
                title: format!(
                    "{} & {}",
                    asked.ask.asker.display_name, asked.helper.display_name
                ),
                message: Reply::text(format!(
                    "{asker}, meet {helper}! {helper} knows someone at {company} and said yes to \
                     introducing you. Over to you two."
                )),
                fallback: NoticeKind::ReachConnectDm,
            }
        }
        NoticeKind::ReachConnectDm => {
            let Some(to) = row.to.as_ref() else {
                return Ok(Composed::Nothing);
            };
            Composed::Dm(Reply::text(if to.id == asked.helper.id {
                format!(
                    "You said yes to introducing {asker} to someone at {company}: send them a \
                     message to say hello."
                )
            } else {
                format!(
                    "Good news: {helper} knows someone at {company} and said yes to introducing \
                     you. Send them a message to say hello."
                )
            }))
        }
        NoticeKind::ReachFollowup => {
            if asked.answer != Some(true) || asked.outcome.is_some() {
                return Ok(Composed::Nothing);
            }
            let mut reply = Reply::text(format!(
                "Did you introduce {asker} to your contact at {company}?"
            ));
            reply.blocks.push(buttons(
                followup_block(asked.id),
                ("I did", Action::ReachMet(asked.id)),
                ("Not yet", Action::ReachNotYet(asked.id)),
            ));
            Composed::Dm(reply)
        }
        _ => Composed::Nothing,
    })
}
