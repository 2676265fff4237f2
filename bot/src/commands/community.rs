//! `pairing` (a member's place in coffee pairing) and `admin` (the
//! organisers' settings: the resources and intros channels, the
//! introduction follow-up, and coffee pairing).

use chrono::Duration;

use super::args::{Args, ParseError, capitalise};
use super::{Command, CommandError, Ctx, Spec};
use crate::community::{
    Channel, Community, CommunityChange, PairingChange, PairingSetup, PairingStatus,
};
use crate::domain::{Platform, Span};
use crate::format::{date, plural};
use crate::reply::{Reply, Table};

pub const PAIRING: Spec = Spec {
    name: "pairing",
    usage: "pairing [join | leave | pause <how long>]",
    summary: "Coffee pairing: join, leave or pause it, or see where you stand.",
    details: "Each round pairs the members who joined, avoiding recent partners and preferring \
              close time zones. You get a message introducing your pair, and later one asking \
              whether you met: if you did, it counts as a check-in for you both.",
    examples: &[
        "pairing",
        "pairing join",
        "pairing pause 2w",
        "pairing leave",
    ],
    parse: parse_pairing,
};

pub const ADMIN: Spec = Spec {
    name: "admin",
    usage: "admin [resources #channel|off | intros #channel|off | followup <how long> | pairing #channel [every 2w]|off]",
    summary: "Organisers: the community channels, introduction follow-ups, coffee pairing.",
    details: "Only workspace admins may use it (Slack: admins and owners; Discord: Manage Server). \
              resources: where shared links are posted. intros: on Discord, introductions become \
              private threads in it. followup: when introducers are asked how it went (14 days \
              unless set). pairing: the channel rounds are announced in, and how often (every 2 \
              weeks unless set); the first round comes a day after it is turned on.",
    examples: &[
        "admin",
        "admin resources #resources",
        "admin intros #intros",
        "admin followup 10d",
        "admin pairing #coffee every 2w",
        "admin pairing off",
    ],
    parse: parse_admin,
};

/// What `pairing` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    Join,
    Leave,
    Pause(Span),
}

fn parse_pairing(args: &mut Args) -> Result<Command, ParseError> {
    let Some(word) = args.next_word() else {
        return Ok(Command::Pairing(None));
    };
    let what = match word.text.to_ascii_lowercase().as_str() {
        "join" | "in" => Pairing::Join,
        "leave" | "out" => Pairing::Leave,
        "pause" => Pairing::Pause(args.span("Pause for how long? e.g. pairing pause 2w")?),
        _ => {
            return Err(ParseError::new(format!(
                "Pairing can join, leave or pause, not \"{}\".",
                word.typed()
            )));
        }
    };
    args.finish()?;
    Ok(Command::Pairing(Some(what)))
}

fn channel(args: &mut Args, question: &str) -> Result<Option<Channel>, ParseError> {
    let word = args
        .next_word()
        .ok_or_else(|| ParseError::new(question.to_string()))?;
    if word.text.eq_ignore_ascii_case("off") && !word.quoted {
        return Ok(None);
    }
    Channel::parse(&word.text).map(Some).ok_or_else(|| {
        ParseError::new(format!(
            "\"{}\" is not a channel; write it like #general, or off.",
            word.typed()
        ))
    })
}

fn parse_admin(args: &mut Args) -> Result<Command, ParseError> {
    let Some(what) = args.next_word() else {
        return Ok(Command::Admin(None));
    };
    let change = match what.text.to_ascii_lowercase().as_str() {
        "resources" => CommunityChange::Resources(channel(
            args,
            "Which channel should shared links go to? e.g. admin resources #resources",
        )?),
        "intros" => CommunityChange::Intros(channel(
            args,
            "Which channel should introductions be made in? e.g. admin intros #intros",
        )?),
        "followup" | "follow-up" => CommunityChange::Followup(
            args.span("How long after an introduction? e.g. admin followup 14d")?,
        ),
        "pairing" => {
            match channel(
                args,
                "Which channel should pairing rounds be announced in? e.g. admin pairing #coffee every 2w",
            )? {
                None => CommunityChange::Pairing(None),
                Some(channel) => {
                    let every = if args.eat("every") {
                        args.span("How often? e.g. admin pairing #coffee every 2w")?
                    } else {
                        Span::parse(&["2w"]).map_err(|e| ParseError::new(e.to_string()))?
                    };
                    CommunityChange::Pairing(Some(PairingSetup {
                        channel,
                        every,
                        first_round_at: None,
                    }))
                }
            }
        }
        _ => {
            return Err(ParseError::new(format!(
                "admin can set resources, intros, followup or pairing, not \"{}\".",
                what.typed()
            )));
        }
    };
    args.finish()?;
    Ok(Command::Admin(Some(change)))
}

pub(super) async fn pairing(ctx: &Ctx<'_>, what: Option<Pairing>) -> Result<Reply, CommandError> {
    let workspace = ctx.member.workspace;
    let tz = ctx.member.tz;
    let community = ctx.store.community(workspace).await?;
    let next = match &community.pairing {
        Some(schedule) => format!(
            " The next round is on {} in {}.",
            date(ctx.now, schedule.next_round_at, tz),
            schedule.channel.shown(ctx.actor.platform)
        ),
        None => " Pairing isn't running in this workspace yet; an organiser starts it with admin pairing #channel every 2w.".to_string(),
    };
    let text = match what {
        None => match ctx
            .store
            .pairing_status(workspace, ctx.member.id, ctx.now)
            .await?
        {
            PairingStatus::Out => {
                format!("You're not in coffee pairing. Join with pairing join.{next}")
            }
            PairingStatus::In => format!("You're in coffee pairing.{next}"),
            PairingStatus::PausedUntil(until) => format!(
                "You're in coffee pairing, paused until {}.{next}",
                date(ctx.now, until, tz)
            ),
        },
        Some(Pairing::Join) => {
            if !ctx.member.dms {
                return Err(CommandError::User(
                    "You've turned off messages from Kith, so I couldn't tell you who your pair is. \
                     Turn them on with settings dms on, then join."
                        .into(),
                ));
            }
            ctx.store
                .change_pairing(workspace, ctx.member.id, PairingChange::Join, ctx.now)
                .await?;
            format!(
                "You're in coffee pairing! Each round I'll send you a message introducing your pair.{next}"
            )
        }
        Some(Pairing::Leave) => {
            ctx.store
                .change_pairing(workspace, ctx.member.id, PairingChange::Leave, ctx.now)
                .await?;
            "You've left coffee pairing. Join again any time with pairing join.".to_string()
        }
        Some(Pairing::Pause(span)) => {
            if ctx
                .store
                .pairing_status(workspace, ctx.member.id, ctx.now)
                .await?
                == PairingStatus::Out
            {
                return Err(CommandError::User(
                    "You're not in coffee pairing, so there's nothing to pause. Join with pairing join.".into(),
                ));
            }
            let until = ctx.now + Duration::days(i64::from(span.days()));
            ctx.store
                .change_pairing(
                    workspace,
                    ctx.member.id,
                    PairingChange::PauseUntil(until),
                    ctx.now,
                )
                .await?;
            format!(
                "Paused coffee pairing until {}; you'll be in the rounds after that.",
                date(ctx.now, until, tz)
            )
        }
    };
    Ok(Reply::text(text))
}

const NOT_ADMIN: &str = "Only workspace admins can change community settings (on Slack, workspace \
    admins and owners; on Discord, people with the Manage Server permission). Nothing was changed; \
    ask one of them.";

pub(super) async fn admin(
    ctx: &Ctx<'_>,
    change: Option<CommunityChange>,
) -> Result<Reply, CommandError> {
    if !ctx.actor.admin {
        return Err(CommandError::User(NOT_ADMIN.into()));
    }
    let workspace = ctx.member.workspace;
    let platform = ctx.actor.platform;
    let Some(mut change) = change else {
        let community = ctx.store.community(workspace).await?;
        return Ok(overview(ctx, &community));
    };
    if let CommunityChange::Pairing(Some(setup)) = &mut change {
        setup.first_round_at = Some(ctx.now + Duration::days(1));
    }
    let after = ctx.store.change_community(workspace, &change).await?;
    let text = match &change {
        CommunityChange::Resources(Some(c)) => {
            format!("Shared links will be posted in {}.", c.shown(platform))
        }
        CommunityChange::Resources(None) => {
            "Shared links go into the library only; no channel is posted to.".to_string()
        }
        CommunityChange::Intros(Some(c)) => format!(
            "Introductions will be made in {}{}.",
            c.shown(platform),
            if platform == Platform::Discord {
                " (a private thread for each)"
            } else {
                ""
            }
        ),
        CommunityChange::Intros(None) => {
            "Introductions will be made by direct message.".to_string()
        }
        CommunityChange::Followup(span) => {
            format!("Introducers will be asked how it went {span} after an introduction.")
        }
        CommunityChange::Pairing(None) => {
            "Coffee pairing is off. Members' choices are kept for when it is back.".to_string()
        }
        CommunityChange::Pairing(Some(_)) => match &after.pairing {
            Some(schedule) => format!(
                "Coffee pairing every {} in {}. The next round is on {}; members join with pairing join.",
                plural(i64::from(schedule.every_days), "day", "days"),
                schedule.channel.shown(platform),
                date(ctx.now, schedule.next_round_at, ctx.member.tz)
            ),
            None => "Coffee pairing is off.".to_string(),
        },
    };
    Ok(Reply::text(capitalise(&text)))
}

fn overview(ctx: &Ctx<'_>, community: &Community) -> Reply {
    let platform = ctx.actor.platform;
    let unset = |c: &Option<Channel>| {
        c.as_ref()
            .map_or_else(|| "not set".to_string(), |c| c.shown(platform))
    };
    let mut table = Table::new(["Setting", "Now"]);
    table.row(["resources".into(), unset(&community.resources)]);
    table.row(["intros".into(), unset(&community.intros)]);
    table.row([
        "followup".into(),
        plural(i64::from(community.followup_days), "day", "days"),
    ]);
    table.row([
        "pairing".into(),
        match &community.pairing {
            Some(s) => format!(
                "{} every {}, next {}",
                s.channel.shown(platform),
                plural(i64::from(s.every_days), "day", "days"),
                date(ctx.now, s.next_round_at, ctx.member.tz)
            ),
            None => "off".into(),
        },
    ]);
    let mut reply = Reply::text("Community settings for this workspace:");
    reply.push_table(table);
    reply.push_text("Change one with e.g. admin resources #resources. Type help admin for all.");
    reply
}
