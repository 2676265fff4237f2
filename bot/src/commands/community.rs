//! `pairing` (a member's place in coffee pairing) and `admin` (the
//! organisers' settings: the resources and intros channels, the
//! introduction follow-up, and coffee pairing).

use chrono::Duration;

use super::args::{ParseError, capitalise};
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec, Values, Variant};
use crate::community::{
    Channel, Community, CommunityChange, PairingChange, PairingSetup, PairingStatus,
};
use crate::domain::{Platform, Span};
use crate::format::{date, plural};
use crate::reply::{Reply, Table};

pub const PAIRING: Spec = Spec {
    name: "pairing",
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
    group: Group::Community,
    form: Form::Variants {
        bare: Some(Variant {
            name: "status",
            aliases: &[],
            summary: "Where you stand in coffee pairing.",
            slots: &[],
        }),
        variants: &[
            Variant {
                name: "join",
                aliases: &["in"],
                summary: "Join coffee pairing.",
                slots: &[],
            },
            Variant {
                name: "leave",
                aliases: &["out"],
                summary: "Leave coffee pairing.",
                slots: &[],
            },
            Variant {
                name: "pause",
                aliases: &[],
                summary: "Skip pairing rounds for a while.",
                slots: &[HOW_LONG.ask("Pause for how long? e.g. pairing pause 2w")],
            },
        ],
        unknown: "Pairing can join, leave or pause, not \"{}\".",
    },
    build: |values| {
        let what = match values.variant {
            Some("join") => Pairing::Join,
            Some("leave") => Pairing::Leave,
            Some("pause") => Pairing::Pause(
                values
                    .span("how_long")
                    .ok_or_else(|| ParseError::new("Pause for how long?"))?,
            ),
            _ => return Ok(Command::Pairing(None)),
        };
        Ok(Command::Pairing(Some(what)))
    },
};

const HOW_LONG: Slot = Slot::new(
    "how_long",
    Kind::Duration,
    "How long",
    "<how long>",
    "How long, like 10d, 2w or 1 month",
);

const fn channel_or_off(help: &'static str, ask: &'static str) -> Slot {
    Slot::new(
        "channel",
        Kind::Channel { off: true },
        "Channel",
        "#channel|off",
        help,
    )
    .ask(ask)
}

pub const ADMIN: Spec = Spec {
    name: "admin",
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
    group: Group::Admin,
    form: Form::Variants {
        bare: Some(Variant {
            name: "show",
            aliases: &[],
            summary: "See the community's settings.",
            slots: &[],
        }),
        variants: &[
            Variant {
                name: "resources",
                aliases: &[],
                summary: "The channel shared links are posted in, or off.",
                slots: &[channel_or_off(
                    "The channel shared links are posted in",
                    "Which channel should shared links go to? e.g. admin resources #resources",
                )],
            },
            Variant {
                name: "intros",
                aliases: &[],
                summary: "The channel introductions are made in (a private thread each), or off.",
                slots: &[channel_or_off(
                    "The channel introductions are made in, a private thread each",
                    "Which channel should introductions be made in? e.g. admin intros #intros",
                )],
            },
            Variant {
                name: "followup",
                aliases: &["follow-up"],
                summary: "How long after an introduction to ask the introducer how it went.",
                slots: &[HOW_LONG.ask("How long after an introduction? e.g. admin followup 14d")],
            },
            Variant {
                name: "pairing",
                aliases: &[],
                summary: "The channel coffee pairing rounds are announced in, how often, or off.",
                slots: &[
                    channel_or_off(
                        "The channel coffee pairing rounds are announced in",
                        "Which channel should pairing rounds be announced in? e.g. admin pairing #coffee every 2w",
                    ),
                    Slot::new(
                        "every",
                        Kind::Duration,
                        "How often",
                        "2w",
                        "How often rounds come, like 2w (the default) or 1 month",
                    )
                    .optional()
                    .after("every")
                    .ask("How often? e.g. admin pairing #coffee every 2w"),
                ],
            },
        ],
        unknown: "admin can set resources, intros, followup or pairing, not \"{}\".",
    },
    build: build_admin,
};

fn build_admin(values: &Values) -> Result<Command, ParseError> {
    let channel = || {
        values
            .channel("channel")
            .ok_or_else(|| ParseError::new("Which channel?"))
    };
    let change = match values.variant {
        Some("resources") => CommunityChange::Resources(channel()?),
        Some("intros") => CommunityChange::Intros(channel()?),
        Some("followup") => CommunityChange::Followup(
            values
                .span("how_long")
                .ok_or_else(|| ParseError::new("How long?"))?,
        ),
        Some("pairing") => match channel()? {
            None if values.span("every").is_some() => {
                return Err(
                    ParseError::new("\"every\" goes with a channel to set, not with off.")
                        .in_field("every"),
                );
            }
            None => CommunityChange::Pairing(None),
            Some(channel) => {
                let every = match values.span("every") {
                    Some(every) => every,
                    None => Span::parse(&["2w"]).map_err(|e| ParseError::new(e.to_string()))?,
                };
                CommunityChange::Pairing(Some(PairingSetup {
                    channel,
                    every,
                    first_round_at: None,
                }))
            }
        },
        _ => return Ok(Command::Admin(None)),
    };
    Ok(Command::Admin(Some(change)))
}

/// What `pairing` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    Join,
    Leave,
    Pause(Span),
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
