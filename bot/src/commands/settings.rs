//! `settings`: the member's time zone, reminder window, digest schedule and DMs.

use chrono_tz::{TZ_VARIANTS, Tz};

use super::args::{ParseError, capitalise};
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec, Values, Variant};
use crate::domain::{Member, SettingsChange, TzSource};
use crate::format::date;
use crate::reply::Reply;
use crate::schedule::{Digest, Window};

pub const SETTINGS: Spec = Spec {
    name: "settings",
    summary: "Your time zone, when reminders come, the weekly digest, DMs on or off.",
    details: "Time zones are IANA names (Europe/Berlin, America/New_York). Reminders come once a day inside your window, weekdays unless you say daily. The digest schedule is a cron line with seconds first, read in your time zone: \"0 0 9 * * Mon\" is Mondays at 09:00.",
    examples: &[
        "settings",
        "settings tz Europe/Berlin",
        "settings window 09:00-11:00",
        "settings window 08:30-09:30 daily",
        "settings digest \"0 0 9 * * Mon\"",
        "settings digest off",
        "settings dms off",
        "settings reach on",
    ],
    group: Group::Account,
    form: Form::Variants {
        bare: Some(Variant {
            name: "show",
            aliases: &[],
            summary: "See your settings.",
            slots: &[],
        }),
        variants: &[
            Variant {
                name: "tz",
                aliases: &["timezone", "zone"],
                summary: "Your time zone.",
                slots: &[Slot::new(
                    "zone",
                    Kind::Zone,
                    "Time zone",
                    "<Zone>",
                    "An IANA time zone, like Europe/Berlin or America/New_York",
                )
                .ask("Which time zone? e.g. settings tz Europe/Berlin")],
            },
            Variant {
                name: "window",
                aliases: &[],
                summary: "When reminders come.",
                slots: &[
                    Slot::new(
                        "hours",
                        Kind::Hours,
                        "Hours",
                        "09:00-10:00",
                        "From and until, in your time zone, like 09:00-11:00",
                    )
                    .ask("Between which times? e.g. settings window 09:00-11:00"),
                    Slot::new(
                        "days",
                        Kind::Choice(&["weekdays", "daily"]),
                        "Days",
                        "weekdays|daily",
                        "Weekdays only (the default), or every day",
                    )
                    .optional(),
                ],
            },
            Variant {
                name: "digest",
                aliases: &[],
                summary: "When the weekly digest comes, or off.",
                slots: &[Slot::new(
                    "schedule",
                    Kind::Schedule,
                    "Schedule",
                    "\"<cron>\"|off",
                    "A cron line, seconds first (0 0 9 * * Mon is Mondays 09:00), or off",
                )
                .ask("When? e.g. settings digest \"0 0 9 * * Mon\" (Mondays at 09:00), or settings digest off")],
            },
            Variant {
                name: "dms",
                aliases: &["dm"],
                summary: "Direct messages from Kith on or off.",
                slots: &[Slot::new(
                    "dms",
                    Kind::Choice(&["on", "off"]),
                    "Direct messages",
                    "on|off",
                    "on to get reminders and digests as DMs, off for none",
                )
                .ask("Say settings dms on or settings dms off.")],
            },
            Variant {
                name: "reach",
                aliases: &[],
                summary: "Share your reach (a count of who knows someone at a company): on or off.",
                slots: &[Slot::new(
                    "reach",
                    Kind::Choice(&["on", "off"]),
                    "Share reach",
                    "on|off",
                    "on to be counted (never named) when members look for an introduction",
                )
                .ask("Say settings reach on or settings reach off.")],
            },
        ],
        unknown: "I have no setting \"{}\"; there are tz, window, digest, dms and reach.",
    },
    build: build_settings,
};

fn build_settings(values: &Values) -> Result<Command, ParseError> {
    let change = match values.variant {
        Some("tz") => SettingsChange::Tz(
            values
                .zone("zone")
                .ok_or_else(|| ParseError::new("Which time zone?"))?,
        ),
        Some("window") => {
            let hours = values.text("hours").unwrap_or_default();
            let daily = values.text("days").as_deref() == Some("daily");
            let window = Window::parse(&hours, daily)
                .map_err(|e| ParseError::new(capitalise(&e.to_string()) + ".").in_field("hours"))?;
            SettingsChange::Window(window)
        }
        Some("digest") => match values.text("schedule").as_deref() {
            None | Some("off") => SettingsChange::Digest(None),
            Some(line) => SettingsChange::Digest(Some(
                Digest::parse(line)
                    .map_err(|e| ParseError::new(capitalise(&e) + ".").in_field("schedule"))?,
            )),
        },
        Some("dms") => SettingsChange::Dms(values.text("dms").as_deref() == Some("on")),
        Some("reach") => {
            return Ok(Command::ShareReach(
                values.text("reach").as_deref() == Some("on"),
            ));
        }
        _ => return Ok(Command::Settings(None)),
    };
    Ok(Command::Settings(Some(change)))
}

/// Reads an IANA zone name in any case, suggesting the nearest on a typo.
pub fn time_zone(name: &str) -> Result<Tz, ParseError> {
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    if let Some(tz) = TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(name))
    {
        return Ok(*tz);
    }
    let lower = name.to_lowercase();
    let nearest = TZ_VARIANTS
        .iter()
        .map(|tz| (strsim::jaro_winkler(&lower, &tz.name().to_lowercase()), tz))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.9)
        .map(|(_, tz)| format!(" Did you mean {}?", tz.name()))
        .unwrap_or_default();
    Err(ParseError::new(format!(
        "\"{name}\" is not a time zone I know.{nearest} Use an IANA name like Europe/Berlin or America/New_York."
    )))
}

pub async fn settings(
    ctx: &Ctx<'_>,
    change: Option<SettingsChange>,
) -> Result<Reply, CommandError> {
    let Some(change) = change else {
        return Ok(Reply::text(describe(ctx, ctx.member)));
    };
    let member = ctx
        .store
        .change_settings(ctx.member.workspace, ctx.member.id, &change)
        .await?;
    let text = match &change {
        SettingsChange::Tz(tz) => format!(
            "Time zone set to {}. It is {} there now.",
            tz.name(),
            ctx.now.with_timezone(tz).format("%a %-d %b %H:%M")
        ),
        SettingsChange::Window(window) => format!("Reminders now come {window} ({} time).", member.tz.name()),
        SettingsChange::Digest(Some(digest)) => format!(
            "Weekly digest set to \"{}\". Next one: {}.",
            digest.expression(),
            next_digest(ctx, &member, digest)
        ),
        SettingsChange::Digest(None) => "Weekly digest turned off. Turn it on again with: settings digest \"0 0 9 * * Mon\"".into(),
        SettingsChange::Dms(true) => "Direct messages on: reminders and your digest will come as DMs.".into(),
        SettingsChange::Dms(false) => "Direct messages off: no reminders or digests until you turn them on with settings dms on.".into(),
    };
    Ok(Reply::text(text))
}

fn next_digest(ctx: &Ctx<'_>, member: &Member, digest: &Digest) -> String {
    match digest.next_after(member.tz, ctx.now) {
        Some(at) => format!(
            "{} {}",
            date(ctx.now, at, member.tz),
            at.with_timezone(&member.tz).format("%H:%M")
        ),
        None => "never (that schedule does not fire again)".into(),
    }
}

fn describe(ctx: &Ctx<'_>, member: &Member) -> String {
    let source = match member.tz_source {
        TzSource::Member => "you chose it".to_string(),
        TzSource::Platform => "from your profile".to_string(),
        TzSource::Default => "the default; set yours with: settings tz Europe/Berlin".to_string(),
    };
    let digest = match &member.digest {
        Some(d) => format!(
            "\"{}\" (next: {})",
            d.expression(),
            next_digest(ctx, member, d)
        ),
        None => "off".into(),
    };
    let dms = if member.dms {
        "on"
    } else {
        "off (turn on with: settings dms on)"
    };
    [
        "Your settings".to_string(),
        format!("Time zone: {} ({source})", member.tz.name()),
        format!(
            "Reminders: {}, once a day when someone is due",
            member.window
        ),
        format!("Weekly digest: {digest}"),
        format!("Direct messages: {dms}"),
    ]
    .join("\n")
}

/// The digest a `settings digest ...` line sets, for tests.
#[cfg(test)]
fn digest_of(line: &str) -> Result<Option<String>, ParseError> {
    match super::parse(line)? {
        Command::Settings(Some(SettingsChange::Digest(d))) => {
            Ok(d.map(|d| d.expression().to_string()))
        }
        other => Err(ParseError::new(format!("not a digest: {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::parse;

    #[test]
    fn time_zones_are_iana_names_in_any_case() {
        assert_eq!(
            time_zone("Europe/Berlin").map(|t| t.name()),
            Ok("Europe/Berlin")
        );
        assert_eq!(
            time_zone("america/new_york").map(|t| t.name()),
            Ok("America/New_York")
        );
    }

    #[test]
    fn a_misspelt_zone_suggests_the_nearest() {
        let err = time_zone("Europe/Berln").expect_err("typo");
        assert!(
            err.message.contains("Did you mean Europe/Berlin?"),
            "{}",
            err.message
        );
        let err = time_zone("Mars/Olympus").expect_err("nonsense");
        assert!(
            err.message.contains("not a time zone I know"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_window_takes_weekdays_or_daily() {
        let daily = parse("settings window 08:30-09:30 daily");
        assert!(matches!(
            daily,
            Ok(Command::Settings(Some(SettingsChange::Window(Window {
                daily: true,
                ..
            }))))
        ));
        assert!(parse("settings window 08:30-09:30 sometimes").is_err());
        assert!(
            parse("settings window 11:00-09:00")
                .expect_err("backwards")
                .message
                .contains("must end after")
        );
    }

    #[test]
    fn a_digest_is_a_quoted_or_bare_cron_line_or_off() {
        assert_eq!(
            digest_of("settings digest \"0 0 9 * * Mon\""),
            Ok(Some("0 0 9 * * Mon".into()))
        );
        assert_eq!(
            digest_of("settings digest 0 30 8 * * Fri"),
            Ok(Some("0 30 8 * * Fri".into()))
        );
        assert_eq!(digest_of("settings digest off"), Ok(None));
        assert!(
            parse("settings digest \"0 9 * * Mon\"")
                .expect_err("5 fields")
                .message
                .contains("six")
        );
    }

    #[test]
    fn unknown_settings_are_named() {
        assert!(
            parse("settings colour blue")
                .expect_err("x")
                .message
                .contains("no setting \"colour\"")
        );
        assert!(
            parse("settings dms maybe")
                .expect_err("x")
                .message
                .contains("dms on")
        );
        assert!(
            parse("settings tz")
                .expect_err("x")
                .message
                .contains("Which time zone?")
        );
    }
}
