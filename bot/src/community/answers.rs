//! What the buttons on community messages do: a party's yes or no to an
//! introduction, the introducer's answer at the follow-up, and a coffee
//! pair's "we met".

use chrono::{DateTime, Duration, Utc};

use super::notices::{NewNotice, NoticeKind, mention};
use super::{Answer, Answered, IntroId, IntroState, LedgerWrite, PairId};
use crate::domain::{Entry, EntryKind, Member, Platform};
use crate::ports::{AnswerEffects, Effects, Store};

/// A party answers an introduction. Returns what to tell them.
pub async fn answer(
    store: &dyn Store,
    member: &Member,
    platform: Platform,
    id: IntroId,
    accept: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let workspace = member.workspace;
    let Some(intro) = store.intro(workspace, id).await? else {
        return Ok("That introduction is no longer open.".into());
    };
    let Some(me) = intro.party(member.id) else {
        return Ok("That introduction isn't addressed to you.".into());
    };
    if intro.state == IntroState::Asked && now >= intro.lapses_at() {
        return Ok(format!(
            "This introduction lapsed after {} without both answers, so nothing was shared.",
            crate::format::plural(super::INTRO_LAPSES_AFTER_DAYS, "day", "days")
        ));
    }
    let other = mention(platform, intro.other(me));
    let introducer = mention(platform, &intro.introducer);
    let (a, b) = (&intro.parties[0].0, &intro.parties[1].0);
    let favour = |owner: &Member, about: &Member, what: String| LedgerWrite {
        owner: owner.id,
        about: about.id,
        entry: Entry {
            kind: if owner.id == intro.introducer.id {
                EntryKind::Gave
            } else {
                EntryKind::Got
            },
            what,
            at: now,
        },
    };
    let followup_days = store.community(workspace).await?.followup_days;
    let on_connect = Effects {
        writes: vec![
            favour(
                &intro.introducer,
                a,
                format!("introduced them to {}", b.display_name),
            ),
            favour(
                &intro.introducer,
                b,
                format!("introduced them to {}", a.display_name),
            ),
            favour(
                a,
                &intro.introducer,
                format!("introduced me to {}", b.display_name),
            ),
            favour(
                b,
                &intro.introducer,
                format!("introduced me to {}", a.display_name),
            ),
        ],
        notices: vec![
            NewNotice {
                kind: NoticeKind::IntroConnect,
                to: None,
                not_before: now,
            },
            NewNotice {
                kind: NoticeKind::IntroFollowup,
                to: Some(intro.introducer.id),
                not_before: now + Duration::days(i64::from(followup_days)),
            },
        ],
    };
    let on_decline = Effects {
        writes: Vec::new(),
        notices: vec![NewNotice {
            kind: NoticeKind::IntroDeclined,
            to: Some(intro.introducer.id),
            not_before: now,
        }],
    };
    let answered = store
        .answer_intro(
            workspace,
            id,
            member.id,
            accept,
            &AnswerEffects {
                connect: on_connect,
                decline: on_decline,
            },
            now,
        )
        .await?;
    Ok(match answered {
        Answered::Waiting => {
            format!("Thanks! I'll connect you with {other} as soon as they say yes too.")
        }
        Answered::Connected => format!(
            "Wonderful: you and {other} both said yes. I'm connecting you now, and I've logged \
             {introducer}'s introduction as a favour you received."
        ),
        Answered::Declined => format!(
            "No problem, I won't connect you. {introducer} will only hear that it isn't going ahead, \
             not who said no."
        ),
        Answered::AlreadyAnswered(Answer::Accepted) => "You already said yes to this one.".into(),
        Answered::AlreadyAnswered(_) => "You already answered this one.".into(),
        Answered::Closed(IntroState::Lapsed) => {
            "This introduction lapsed without both answers, so nothing was shared.".into()
        }
        Answered::Closed(IntroState::Connected) => {
            format!("You and {other} are already connected.")
        }
        Answered::Closed(_) => "That introduction is no longer going ahead.".into(),
    })
}

/// The introducer answers the follow-up.
pub async fn followed_up(
    store: &dyn Store,
    member: &Member,
    id: IntroId,
    met: bool,
) -> anyhow::Result<String> {
    let Some(intro) = store.intro(member.workspace, id).await? else {
        return Ok("That introduction is no longer on record.".into());
    };
    if intro.introducer.id != member.id {
        return Ok("Only the introducer can answer that.".into());
    }
    store.intro_outcome(member.workspace, id, met).await?;
    Ok(if met {
        "Lovely, thanks for letting me know. Introductions like that are what networks are made of."
            .into()
    } else {
        "Thanks. Sometimes it takes a while; a gentle nudge to either of them may help.".into()
    })
}

/// Someone in a coffee pair says whether they met. The first "we met"
/// logs a check-in in everyone's ledger, with each of the others.
pub async fn met(
    store: &dyn Store,
    member: &Member,
    platform: Platform,
    id: PairId,
    met: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let Some(pair) = store.pair(member.workspace, id).await? else {
        return Ok("That coffee pairing is no longer on record.".into());
    };
    if !pair.members.iter().any(|m| m.id == member.id) {
        return Ok("That coffee pairing isn't yours.".into());
    }
    let others: Vec<String> = pair
        .members
        .iter()
        .filter(|m| m.id != member.id)
        .map(|m| mention(platform, m))
        .collect();
    let others = super::notices::and_list(&others);
    if !met {
        return Ok(format!(
            "No worries. Maybe next time; you can still reach out to {others} any time."
        ));
    }
    let mut writes = Vec::new();
    for owner in &pair.members {
        for about in pair.members.iter().filter(|m| m.id != owner.id) {
            writes.push(LedgerWrite {
                owner: owner.id,
                about: about.id,
                entry: Entry {
                    kind: EntryKind::Touch,
                    what: format!("coffee pairing, round {}", pair.round),
                    at: now,
                },
            });
        }
    }
    Ok(
        if store.pair_met(member.workspace, id, &writes, now).await? {
            format!("Lovely! I've logged a check-in with {others} for you, and with you for them.")
        } else {
            format!("Already logged: {others} told me you met. Glad it happened!")
        },
    )
}
