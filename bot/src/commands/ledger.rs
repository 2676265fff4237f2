//! Commands that log what happened: gave, got, touch, note. Each counts as
//! contact and resets the cadence; someone not yet in the network is added.

use super::args::{ParseError, When};
use super::contacts::{WHO_SLOT, lookup, next_check_in, refuse_self};
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec, Values};
use crate::domain::{ContactDraft, ContactRef, Entry, EntryKind, Tier};
use crate::format::{date, relative, signed};
use crate::reply::Reply;

/// An entry to log.
#[derive(Debug, Clone, PartialEq)]
pub struct Log {
    pub kind: EntryKind,
    pub who: ContactRef,
    pub what: String,
    pub when: Option<When>,
}

const MAX_TEXT: usize = crate::limits::TEXT;
const WHEN_HELP: &str =
    "[when] is like yesterday, 3 days ago, 2w ago or on 2026-11-02; without it, now.";

/// When it happened, after the text of an entry.
pub const WHEN_SLOT: Slot = Slot::new(
    "when",
    Kind::When,
    "When",
    "when",
    "Yesterday, 3 days ago, 2w ago or 2026-11-02; leave it out for today",
)
.optional();

const fn what(help: &'static str, ask: fn(&Values) -> String) -> Slot {
    Slot::new("what", Kind::Text { max: MAX_TEXT }, "What", "<what>", help).ask_with(ask)
}

pub const GAVE: Spec = Spec {
    name: "gave",
    summary: "Log a favour you did for someone.",
    details: WHEN_HELP,
    examples: &[
        "gave @alice reviewed her resume",
        "gave \"Jane Doe\" intro to a recruiter yesterday",
    ],
    group: Group::Ledger,
    form: Form::Slots(&[
        WHO_SLOT.ask("Who did you do a favour for? Mention them like @alice."),
        what("What you did for them, like reviewed their resume", |v| {
            missing_what(v, EntryKind::Gave)
        }),
        WHEN_SLOT,
    ]),
    build: |values| build_log(values, EntryKind::Gave),
};

pub const GOT: Spec = Spec {
    name: "got",
    summary: "Log a favour someone did for you.",
    details: WHEN_HELP,
    examples: &[
        "got @bob intro to Carol 2 days ago",
        "got @alice feedback on my talk on 2026-11-02",
    ],
    group: Group::Ledger,
    form: Form::Slots(&[
        WHO_SLOT.ask("Who did you a favour? Mention them like @alice."),
        what("What they did for you, like an intro to Carol", |v| {
            missing_what(v, EntryKind::Got)
        }),
        WHEN_SLOT,
    ]),
    build: |values| build_log(values, EntryKind::Got),
};

pub const TOUCH: Spec = Spec {
    name: "touch",
    summary: "Log a check-in: a coffee, a call, a message.",
    details: WHEN_HELP,
    examples: &[
        "touch @alice coffee, new puppy Rex",
        "touch @bob",
        "touch \"Jane Doe\" call 3 days ago",
    ],
    group: Group::Ledger,
    form: Form::Slots(&[
        WHO_SLOT.ask("Who did you check in with? Mention them like @alice."),
        what("What you talked about, like coffee, new puppy Rex", |v| {
            missing_what(v, EntryKind::Touch)
        })
        .optional(),
        WHEN_SLOT,
    ]),
    build: |values| build_log(values, EntryKind::Touch),
};

pub const NOTE: Spec = Spec {
    name: "note",
    summary: "Remember a small thing about someone for next time.",
    details: "The latest note shows up in your next reminder about them.",
    examples: &["note @alice daughter starts college in Sept"],
    group: Group::Ledger,
    // A note is all text: "starts a new job next week" is not a date.
    form: Form::Slots(&[
        WHO_SLOT.ask("Who is the note about? Mention them like @alice."),
        Slot::new(
            "text",
            Kind::Text { max: MAX_TEXT },
            "Note",
            "<text>",
            "What to remember, like daughter starts college in Sept",
        )
        .ask_with(|v| missing_what(v, EntryKind::Note)),
    ]),
    build: |values| build_log(values, EntryKind::Note),
};

fn build_log(values: &Values, kind: EntryKind) -> Result<Command, ParseError> {
    let who = values.contact("who")?;
    let what = values
        .text(if kind == EntryKind::Note {
            "text"
        } else {
            "what"
        })
        .unwrap_or_default();
    Ok(Command::Log(Log {
        kind,
        who,
        what,
        when: values.when("when"),
    }))
}

/// Asks for the text of an entry, naming who it is about.
fn missing_what(values: &Values, kind: EntryKind) -> String {
    let Ok(who) = values.contact("who") else {
        return "What was it?".into();
    };
    {
        let missing = match kind {
            EntryKind::Gave => Some(format!(
                "What did you do for {}? e.g. gave {} reviewed their resume",
                who.shown(),
                typed(&who)
            )),
            EntryKind::Got => Some(format!(
                "What did {} do for you? e.g. got {} intro to Carol",
                who.shown(),
                typed(&who)
            )),
            EntryKind::Note => Some(format!(
                "What should I remember about {}? e.g. note {} new puppy Rex",
                who.shown(),
                typed(&who)
            )),
            EntryKind::Touch => None,
        };
        missing.unwrap_or_else(|| "What was it?".into())
    }
}

fn typed(who: &ContactRef) -> String {
    match who {
        ContactRef::Member(_) => who.shown(),
        ContactRef::Named(name) => format!("\"{name}\""),
    }
}

pub async fn log(ctx: &Ctx<'_>, log: Log) -> Result<Reply, CommandError> {
    refuse_self(ctx, &log.who)?;
    let tz = ctx.member.tz;
    let at = match log.when {
        Some(when) => when.resolve(ctx.now, tz)?,
        None => ctx.now,
    };
    let draft = ContactDraft {
        who: log.who,
        tier: Tier::Close,
        cadence: None,
        company: None,
        tags: Vec::new(),
    };
    let entry = Entry {
        kind: log.kind,
        what: log.what,
        at,
    };
    // An outside person already there is logged by id: a name that
    // namesakes share gets the which-one question instead, and nothing is
    // written. A member is found (or added) in the write itself.
    let found = match &draft.who {
        ContactRef::Member(_) => None,
        ContactRef::Named(_) => lookup(ctx, &draft.who).await?,
    };
    let (recorded, who) = match found {
        Some((found, label)) => {
            let contact = ctx
                .store
                .log_entry(ctx.member.scope(), found.id, &entry, ctx.now)
                .await?;
            (
                crate::ports::Recorded {
                    contact,
                    added: false,
                },
                label,
            )
        }
        None => {
            let recorded = ctx
                .store
                .record(ctx.member.scope(), &draft, &entry, ctx.now)
                .await?;
            let who = recorded.contact.shown();
            (recorded, who)
        }
    };
    let contact = &recorded.contact;
    let when = if log.when.is_some() && crate::format::days_between(at, ctx.now, tz) != 0 {
        format!(
            " ({}, {})",
            relative(ctx.now, at, tz),
            date(ctx.now, at, tz)
        )
    } else {
        String::new()
    };
    let balance = format!("Balance with {who}: {}.", signed(contact.balance()));
    let logged = match entry.kind {
        EntryKind::Gave => format!(
            "Logged: you gave {who} \u{201C}{}\u{201D}{when}. {balance}",
            entry.what
        ),
        EntryKind::Got => format!(
            "Logged: {who} gave you \u{201C}{}\u{201D}{when}. {balance}",
            entry.what
        ),
        EntryKind::Touch if entry.what.is_empty() => format!(
            "Logged a check-in with {who}{when}. Next check-in: {}.",
            next_check_in(ctx, contact)
        ),
        EntryKind::Touch => format!(
            "Logged a check-in with {who}: \u{201C}{}\u{201D}{when}. Next check-in: {}.",
            entry.what,
            next_check_in(ctx, contact)
        ),
        EntryKind::Note => format!(
            "Noted about {who}: \u{201C}{}\u{201D}. I'll bring it up next time you're due to check in.",
            entry.what
        ),
    };
    let mut reply = Reply::empty();
    if recorded.added {
        reply.push_text(format!(
            "{who} wasn't in your network yet, so I added them as {} ({}).",
            contact.tier,
            contact.cadence()
        ));
    }
    reply.push_text(logged);
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::super::{Command, parse};
    use super::*;
    use crate::domain::{Mention, Span, SpanUnit};

    fn logged(line: &str) -> Log {
        match parse(line) {
            Ok(Command::Log(log)) => log,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn a_favour_keeps_its_text_and_its_back_date() {
        let log = logged("got @alice intro to Bob 3 days ago");
        assert_eq!(log.kind, EntryKind::Got);
        assert_eq!(
            log.who,
            ContactRef::Member(Mention {
                id: "alice".into(),
                label: None
            })
        );
        assert_eq!(log.what, "intro to Bob");
        assert_eq!(
            log.when,
            Some(When::Ago(Span {
                count: 3,
                unit: SpanUnit::Day
            }))
        );
    }

    #[test]
    fn a_favour_without_what_asks_what_it_was() {
        let err = parse("gave @alice").expect_err("empty");
        assert!(
            err.message.starts_with("What did you do for @alice?"),
            "{}",
            err.message
        );
        let err = parse("got @alice yesterday").expect_err("only a when");
        assert!(
            err.message.starts_with("What did @alice do for you?"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_touch_may_be_bare() {
        let log = logged("touch @bob");
        assert_eq!((log.what.as_str(), log.when), ("", None));
        assert_eq!(logged("touch @bob yesterday").when, Some(When::Yesterday));
    }

    #[test]
    fn a_note_is_all_text_even_when_it_ends_like_a_date() {
        let log = logged("note @alice back from leave 2 weeks ago");
        assert_eq!(log.what, "back from leave 2 weeks ago");
        assert_eq!(log.when, None);
        assert!(parse("note @alice").is_err());
    }

    #[test]
    fn a_quoted_name_logs_for_an_outside_person() {
        let log = logged("gave \"Jane Doe\" a copy of \"Deep Work\"");
        assert_eq!(log.who, ContactRef::Named("Jane Doe".into()));
        assert_eq!(log.what, "a copy of \"Deep Work\"");
    }

    #[test]
    fn very_long_text_is_refused() {
        let line = format!("note @alice {}", "x".repeat(1001));
        assert!(
            parse(&line)
                .expect_err("long")
                .message
                .contains("longer than 1000")
        );
    }
}
