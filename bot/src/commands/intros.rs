//! `intro` and `intros`: double opt-in introductions. Both people are asked
//! privately; only when both say yes are they connected, and the introducer
//! is credited with a favour to each.

use chrono::Duration;

use super::args::ParseError;
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec};
use crate::community::notices::{NewNotice, NoticeKind, intro_ask, mention};
use crate::community::{Answer, INTRO_LAPSES_AFTER_DAYS, Intro, IntroState, NewIntro};
use crate::domain::{Member, Mention};
use crate::format::date;
use crate::reply::{Reply, Table};

const MAX_WHY: usize = crate::limits::REASON;

pub const INTRO: Spec = Spec {
    name: "intro",
    summary: "Offer to introduce two members; both are asked privately first.",
    details: "Each of them gets a private message asking whether they would like the introduction, \
              with your reason. Only when both say yes are they connected; if one says no, nobody \
              is told who. A request not answered by both within 7 days lapses. You are credited \
              with a favour to each of them.",
    examples: &["intro @alice @bob both work on sales enablement"],
    group: Group::Community,
    form: Form::Slots(&[
        Slot::new("first", Kind::Member, "First member", "@member", "One of the two members to introduce")
            .ask("Whom would you like to introduce? e.g. intro @alice @bob both work on sales enablement"),
        Slot::new("second", Kind::Member, "Second member", "@member", "The other member to introduce")
            .ask("Introduce them to whom? Mention a second member, e.g. intro @alice @bob why"),
        Slot::new(
            "why",
            Kind::Text { max: MAX_WHY },
            "Why",
            "<why>",
            "Why they should meet; both of them read this",
        )
        .ask("Why should they meet? Both will see your reason, e.g. intro @alice @bob both work on sales enablement"),
    ]),
    build: |values| {
        let (Some(first), Some(second)) = (values.member("first"), values.member("second")) else {
            return Err(ParseError::new("Mention two members."));
        };
        if first.id == second.id {
            return Err(ParseError::new(
                "Those are the same person; mention two different members.",
            )
            .in_field("second"));
        }
        Ok(Command::Intro {
            parties: [first, second],
            why: values.text("why").unwrap_or_default(),
        })
    },
};

pub const INTROS: Spec = Spec {
    name: "intros",
    summary: "Introductions you offered or were offered, and where each stands.",
    details: "",
    examples: &["intros"],
    group: Group::Community,
    form: Form::Slots(&[]),
    build: |_| Ok(Command::Intros),
};

pub(super) async fn intro(
    ctx: &Ctx<'_>,
    parties: [Mention; 2],
    why: String,
) -> Result<Reply, CommandError> {
    if parties.iter().any(|p| p.id == ctx.member.external_id) {
        return Err(CommandError::User(
            "That's you! Introduce two other people; to meet someone yourself, just say hello."
                .into(),
        ));
    }
    let workspace = ctx.member.workspace;
    let platform = ctx.actor.platform;
    // Every refusal is decided before anything is written.
    let known = [
        known_member(ctx, &parties[0]).await?,
        known_member(ctx, &parties[1]).await?,
    ];
    if let [Some(a), Some(b)] = &known {
        let open = ctx.store.open_intro(workspace, [a.id, b.id]).await?;
        // One past its deadline lapses on its own; asking again is fine.
        if let Some(open) = open.filter(|o| ctx.now < o.lapses_at()) {
            return Err(CommandError::User(format!(
                "{} and {} were already asked on {} and have until {} to answer. See intros.",
                mention(platform, a),
                mention(platform, b),
                date(ctx.now, open.asked_at, ctx.member.tz),
                date(ctx.now, open.lapses_at(), ctx.member.tz),
            )));
        }
    }
    if let Some(off) = known.iter().flatten().find(|m| !m.dms) {
        return Err(CommandError::User(format!(
            "{} has turned off messages from Kith, so I can't ask them. Nothing was sent.",
            mention(platform, off)
        )));
    }
    let [known_a, known_b] = known;
    let a = ensure_member(ctx, &parties[0], known_a).await?;
    let b = ensure_member(ctx, &parties[1], known_b).await?;
    let names = format!("{} and {}", mention(platform, &a), mention(platform, &b));
    let notices = [
        NewNotice {
            kind: NoticeKind::IntroAsk,
            to: Some(a.id),
            not_before: ctx.now,
        },
        NewNotice {
            kind: NoticeKind::IntroAsk,
            to: Some(b.id),
            not_before: ctx.now,
        },
        NewNotice {
            kind: NoticeKind::IntroLapse,
            to: Some(ctx.member.id),
            not_before: ctx.now + Duration::days(INTRO_LAPSES_AFTER_DAYS),
        },
    ];
    let new = NewIntro {
        workspace,
        introducer: ctx.member.id,
        parties: [a.id, b.id],
        why,
    };
    let stored = ctx.store.create_intro(&new, &notices, ctx.now).await?;
    Ok(Reply::text(format!(
        "I've asked {names} privately whether they'd like to be introduced. When both say yes I'll \
         connect them and credit you with a favour to each. If they haven't both answered by {}, \
         the request lapses. See where it stands with intros.",
        date(ctx.now, stored.lapses_at(), ctx.member.tz)
    )))
}

/// The member a mention names, if Kith has met them; writes nothing.
pub(super) async fn known_member(
    ctx: &Ctx<'_>,
    mention: &Mention,
) -> anyhow::Result<Option<Member>> {
    ctx.store
        .find_member(ctx.member.workspace, &mention.id)
        .await
}

/// The member a mention names (`known`, from [`known_member`]), created if
/// Kith has not met them yet. A name the platform vouched for with the
/// mention replaces the stored one; labels typed by a member never reach
/// here (see `Command::trust_only`).
pub(super) async fn ensure_member(
    ctx: &Ctx<'_>,
    mention: &Mention,
    known: Option<Member>,
) -> anyhow::Result<Member> {
    match (known, mention.label.as_deref()) {
        (Some(member), None) => Ok(member),
        (Some(member), Some(name)) if member.display_name == name => Ok(member),
        (known, name) => {
            let name = name
                .or(known.as_ref().map(|m| m.display_name.as_str()))
                .unwrap_or(&mention.id);
            ctx.store
                .member(ctx.member.workspace, &mention.id, name, None, ctx.now)
                .await
        }
    }
}

/// Where an introduction stands, as its introducer sees it. Who declined is
/// never shown.
fn standing(intro: &Intro, ctx: &Ctx<'_>) -> String {
    let tz = ctx.member.tz;
    match intro.state {
        IntroState::Asked => {
            let waiting: Vec<String> = intro
                .parties
                .iter()
                .filter(|(_, answer)| *answer == Answer::Waiting)
                .map(|(m, _)| m.display_name.clone())
                .collect();
            let who = if waiting.len() == 2 {
                "both".to_string()
            } else {
                waiting.join("")
            };
            format!(
                "waiting for {who} (until {})",
                date(ctx.now, intro.lapses_at(), tz)
            )
        }
        IntroState::Connected => {
            let on = intro
                .closed_at
                .map_or_else(String::new, |t| format!(" {}", date(ctx.now, t, tz)));
            match intro.outcome {
                Some(true) => format!("connected{on}; they met"),
                Some(false) => format!("connected{on}; not met yet"),
                None => format!("connected{on}"),
            }
        }
        IntroState::Declined => "not going ahead".into(),
        IntroState::Lapsed => "lapsed".into(),
    }
}

pub(super) async fn intros(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let all = ctx
        .store
        .intros_of(ctx.member.workspace, ctx.member.id, 50)
        .await?;
    let platform = ctx.actor.platform;
    let tz = ctx.member.tz;
    let (mine, theirs): (Vec<&Intro>, Vec<&Intro>) =
        all.iter().partition(|i| i.introducer.id == ctx.member.id);
    if all.is_empty() {
        return Ok(Reply::text(
            "No introductions yet. Offer one with intro @alice @bob <why>: both are asked privately first.",
        ));
    }
    let mut reply = Reply::empty();
    if !mine.is_empty() {
        reply.push_text("Introductions you offered:");
        let mut table = Table::new(["Introduction", "Asked", "Where it stands"]);
        for intro in &mine {
            table.row([
                format!(
                    "{} & {}",
                    intro.parties[0].0.display_name, intro.parties[1].0.display_name
                ),
                date(ctx.now, intro.asked_at, tz),
                standing(intro, ctx),
            ]);
        }
        reply.push_table(table);
    }
    if !theirs.is_empty() {
        reply.push_text("Introductions offered to you:");
        let mut table = Table::new(["Introduction", "From", "Where it stands"]);
        let mut asks = Vec::new();
        for intro in &theirs {
            let Some(me) = intro.party(ctx.member.id) else {
                continue;
            };
            let mine = intro.parties[me].1;
            let state = match (intro.state, mine) {
                (IntroState::Asked, Answer::Waiting) if ctx.now < intro.lapses_at() => {
                    asks.push(*intro);
                    "waiting for your answer".to_string()
                }
                (IntroState::Asked, Answer::Accepted) => "you said yes; waiting".to_string(),
                (IntroState::Connected, _) => "connected".to_string(),
                (IntroState::Declined, Answer::Declined) => "you said no".to_string(),
                (IntroState::Declined, _) => "not going ahead".to_string(),
                _ => "lapsed".to_string(),
            };
            table.row([
                format!("you & {}", intro.other(me).display_name),
                intro.introducer.display_name.clone(),
                state,
            ]);
        }
        reply.push_table(table);
        for intro in asks {
            if let Some(me) = intro.party(ctx.member.id) {
                reply.blocks.extend(intro_ask(intro, me, platform).blocks);
            }
        }
    }
    Ok(reply)
}
