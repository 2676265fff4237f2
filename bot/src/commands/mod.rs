//! The command language, shared by every adapter. Each command is defined
//! once — its typed slots and help (a [`Spec`]), the function that makes a
//! [`Command`] of its values, and its handler, side by side in the module
//! that owns it — and listed in [`COMMANDS`]. The text grammar, the usage
//! lines and the typed inputs of every platform come from the slots
//! (see [`schema`]).

pub mod args;
mod community;
mod contacts;
mod help;
mod intros;
mod ledger;
mod overview;
mod portability;
mod reach;
mod resources;
pub mod schema;
mod settings;
mod web;

use chrono::{DateTime, Utc};

use crate::domain::{ContactRef, Member, Span, Tier};
use crate::ports::Store;
use crate::reply::Reply;
pub use args::ParseError;
use args::{Args, split_words};
pub use community::Pairing;
pub use portability::{IMPORT_LINE, forget_now, import_parsed};
pub use resources::{Share, read_url};
pub use schema::{Field, FieldErrors, Form, Group, Kind, Slot, Values, Variant, from_fields};
pub use settings::time_zone;
pub use web::Web;

/// A command as the core understands it, whatever platform it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Add(contacts::Add),
    Log(ledger::Log),
    Show(ContactRef),
    List {
        filter: Option<contacts::ListFilter>,
        /// From 1.
        page: u32,
    },
    Due,
    Balance,
    Snooze(ContactRef, Span),
    Every(ContactRef, Span),
    Tier(ContactRef, Tier),
    Remove(ContactRef),
    Settings(Option<crate::domain::SettingsChange>),
    Map,
    Export,
    Import,
    Forget {
        confirmed: bool,
    },
    Intro {
        parties: [crate::domain::Mention; 2],
        why: String,
    },
    Intros,
    Share(Share),
    Resources(crate::community::ResourceQuery),
    Pairing(Option<Pairing>),
    Admin(Option<crate::community::CommunityChange>),
    Help(Option<String>),
    Goal(crate::reach::NewGoal),
    EndGoal {
        /// As `goals` numbers them, from 1.
        number: usize,
        end: crate::reach::GoalEnd,
    },
    Goals,
    Reach {
        company: String,
        why: Option<String>,
    },
    /// `settings reach on|off`.
    ShareReach(bool),
    Web(Web),
}

impl Command {
    /// The command's name, as typed (a metric label: never the member's text).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Add(_) => "add",
            Command::Log(log) => match log.kind {
                crate::domain::EntryKind::Gave => "gave",
                crate::domain::EntryKind::Got => "got",
                crate::domain::EntryKind::Touch => "touch",
                crate::domain::EntryKind::Note => "note",
            },
            Command::Show(_) => "show",
            Command::List { .. } => "list",
            Command::Due => "due",
            Command::Balance => "balance",
            Command::Snooze(..) => "snooze",
            Command::Every(..) => "every",
            Command::Tier(..) => "tier",
            Command::Remove(_) => "remove",
            Command::Settings(_) => "settings",
            Command::Map => "map",
            Command::Export => "export",
            Command::Import => "import",
            Command::Forget { .. } => "forget",
            Command::Intro { .. } => "intro",
            Command::Intros => "intros",
            Command::Share(_) => "share",
            Command::Resources(_) => "resources",
            Command::Pairing(_) => "pairing",
            Command::Admin(_) => "admin",
            Command::Help(_) => "help",
            Command::Goal(_) | Command::EndGoal { .. } => "goal",
            Command::Goals => "goals",
            Command::Reach { .. } => "reach",
            Command::ShareReach(_) => "settings",
            Command::Web(_) => "web",
        }
    }

    /// Whether the command only reads: running it again writes nothing,
    /// so a second delivery of it needs no look-up of the first one's
    /// answer (see `crate::once`).
    pub fn read_only(&self) -> bool {
        matches!(
            self,
            Command::Show(_)
                | Command::List { .. }
                | Command::Due
                | Command::Balance
                | Command::Map
                | Command::Export
                | Command::Intros
                | Command::Resources(_)
                | Command::Help(_)
                | Command::Goals
        )
    }

    /// Every mention of a fellow member in the command, to give each the
    /// name the platform vouched for (see [`Command::trust_only`]).
    fn mentions_mut(&mut self) -> Vec<&mut crate::domain::Mention> {
        let who = match self {
            Command::Add(add) => Some(&mut add.who),
            Command::Log(log) => Some(&mut log.who),
            Command::Show(who)
            | Command::Snooze(who, _)
            | Command::Every(who, _)
            | Command::Tier(who, _)
            | Command::Remove(who) => Some(who),
            Command::Intro { parties, .. } => return parties.iter_mut().collect(),
            Command::Share(share) => return share.with.iter_mut().collect(),
            _ => None,
        };
        match who {
            Some(ContactRef::Member(mention)) => vec![mention],
            _ => Vec::new(),
        }
    }

    /// Whether running it may queue a message to send now (an introduction's
    /// asks, a shared link, pairing and organiser changes, settings that
    /// move a member's reminder window): what wakes the delivery loop.
    pub fn may_queue_messages(&self) -> bool {
        matches!(
            self,
            Command::Intro { .. }
                | Command::Share(_)
                | Command::Pairing(Some(_))
                | Command::Admin(Some(_))
                | Command::Settings(Some(_))
        )
    }

    /// Replaces every mention's label (text anyone can type, such as
    /// `<@U1|Mallory>`) with the name the platform vouched for in this
    /// request, or none: the only names of others Kith ever stores.
    pub fn trust_only(&mut self, actor: &crate::Actor) {
        for mention in self.mentions_mut() {
            mention.label = actor
                .vouched_name(&mention.id)
                .map(|name| crate::limits::clip(name, crate::limits::NAME));
        }
    }
}

/// One command's definition: its name, help, typed arguments, and how its
/// values make a [`Command`].
pub struct Spec {
    pub name: &'static str,
    /// One line on what it does (at most 100 characters).
    pub summary: &'static str,
    /// Lines to try, shown by `help <name>`.
    pub examples: &'static [&'static str],
    /// More detail for `help <name>`.
    pub details: &'static str,
    /// Which part of Kith it belongs to (a platform may offer each part as
    /// a command of its own).
    pub group: Group,
    /// Its arguments, as typed slots.
    pub form: Form,
    /// Makes the command from its slots' values, checking what no one slot
    /// can (two members who must differ, a window with its days).
    pub build: fn(&Values) -> Result<Command, ParseError>,
}

/// Every command, in the order `help` lists them.
pub static COMMANDS: &[Spec] = &[
    contacts::ADD,
    ledger::GAVE,
    ledger::GOT,
    ledger::TOUCH,
    ledger::NOTE,
    contacts::SHOW,
    contacts::LIST,
    overview::DUE,
    overview::BALANCE,
    contacts::SNOOZE,
    contacts::EVERY,
    contacts::TIER,
    contacts::REMOVE,
    settings::SETTINGS,
    overview::MAP,
    portability::EXPORT,
    portability::IMPORT,
    portability::FORGET,
    web::WEB,
    intros::INTRO,
    intros::INTROS,
    reach::GOAL,
    reach::GOALS,
    reach::REACH,
    resources::SHARE,
    resources::RESOURCES,
    community::PAIRING,
    community::ADMIN,
    help::HELP,
];

/// Finds a command by name (any case).
pub fn spec(name: &str) -> Option<&'static Spec> {
    COMMANDS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// Parses a line as typed after `/kith`. An empty line asks for help.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let length = line.chars().count();
    if length > crate::limits::LINE {
        return Err(ParseError::new(format!(
            "That line is {length} characters long; a command can be at most {} characters. \
             For many people at once, use import with a file.",
            crate::limits::LINE
        )));
    }
    let mut words = split_words(line)?.into_iter();
    let Some(name) = words.next() else {
        return Ok(Command::Help(None));
    };
    let Some(spec) = spec(&name.text).filter(|_| !name.quoted) else {
        return Err(unknown_command(&name.text));
    };
    let mut args = Args::new(words.collect());
    schema::read_line(spec, &mut args)
        .and_then(|values| (spec.build)(&values))
        .map_err(|e| e.with_usage(spec.usage()))
}

fn unknown_command(name: &str) -> ParseError {
    let closest = COMMANDS
        .iter()
        .map(|s| {
            (
                strsim::damerau_levenshtein(&name.to_lowercase(), s.name),
                s.name,
            )
        })
        .min();
    // One slip in a short name, two in a longer one.
    let allowed = if name.chars().count() <= 4 { 1 } else { 2 };
    let hint = match closest {
        Some((distance, near)) if distance <= allowed => format!(" Did you mean \"{near}\"?"),
        _ => String::new(),
    };
    ParseError::new(format!(
        "I don't know the command \"{name}\".{hint} Type help to see what I can do."
    ))
}

/// What a handler needs: the store, the time, and who is asking.
pub struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub now: DateTime<Utc>,
    pub member: &'a Member,
    /// Who is asking, as the platform named them.
    pub actor: &'a crate::Actor,
    /// A file sent with the command (for `import`).
    pub attachment: Option<&'a crate::reply::File>,
    /// Where the member's web page is served (`KITH_PUBLIC_URL`), if it is.
    pub web_url: Option<&'a str>,
}

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Something the member can fix; the text says how.
    #[error("{0}")]
    User(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ParseError> for CommandError {
    fn from(e: ParseError) -> Self {
        CommandError::User(e.to_user_text())
    }
}

/// Runs a parsed command for the member in `ctx`.
pub async fn run(ctx: &Ctx<'_>, command: Command) -> Result<Reply, CommandError> {
    match command {
        Command::Add(add) => contacts::add(ctx, add).await,
        Command::Log(log) => ledger::log(ctx, log).await,
        Command::Show(who) => contacts::show(ctx, &who).await,
        Command::List { filter, page } => contacts::list(ctx, filter, page).await,
        Command::Due => overview::due(ctx).await,
        Command::Balance => overview::balance(ctx).await,
        Command::Snooze(who, span) => contacts::snooze(ctx, &who, span).await,
        Command::Every(who, span) => contacts::every(ctx, &who, span).await,
        Command::Tier(who, tier) => contacts::tier(ctx, &who, tier).await,
        Command::Remove(who) => contacts::remove(ctx, &who).await,
        Command::Settings(change) => settings::settings(ctx, change).await,
        Command::Map => overview::map(ctx).await,
        Command::Export => portability::export(ctx).await,
        Command::Import => portability::import(ctx).await,
        Command::Forget { confirmed } => portability::forget(ctx, confirmed).await,
        Command::Intro { parties, why } => intros::intro(ctx, parties, why).await,
        Command::Intros => intros::intros(ctx).await,
        Command::Share(share) => resources::share(ctx, share).await,
        Command::Resources(query) => resources::resources(ctx, query).await,
        Command::Pairing(what) => community::pairing(ctx, what).await,
        Command::Admin(change) => community::admin(ctx, change).await,
        Command::Help(topic) => Ok(help::help(topic.as_deref())),
        Command::Goal(goal) => reach::goal(ctx, goal).await,
        Command::EndGoal { number, end } => reach::end_goal(ctx, number, end).await,
        Command::Goals => reach::goals(ctx).await,
        Command::Reach { company, why } => reach::reach(ctx, company, why).await,
        Command::ShareReach(on) => reach::share_reach(ctx, on).await,
        Command::Web(what) => web::web(ctx, what).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_line_asks_for_help() {
        assert_eq!(parse("   "), Ok(Command::Help(None)));
    }

    #[test]
    fn command_names_are_read_in_any_case() {
        assert_eq!(parse("DUE"), Ok(Command::Due));
    }

    #[test]
    fn an_unknown_command_suggests_the_nearest_one() {
        let err = parse("toutch @alice").expect_err("unknown");
        assert!(
            err.message.contains("Did you mean \"touch\"?"),
            "{}",
            err.message
        );
        let err = parse("frobnicate").expect_err("unknown");
        assert!(!err.message.contains("Did you mean"), "{}", err.message);
        assert!(err.message.contains("Type help"), "{}", err.message);
    }

    #[test]
    fn only_commands_that_may_queue_a_message_wake_delivery() {
        for quiet in [
            "gave @alice a review",
            "touch @alice",
            "balance",
            "list",
            "due",
            "add @bob",
        ] {
            assert!(!parse(quiet).expect(quiet).may_queue_messages(), "{quiet}");
        }
        for loud in [
            "intro @alice @bob both like Rust",
            "share https://example.com/a good read",
            "pairing join",
            "settings window 08:00-09:00",
        ] {
            assert!(parse(loud).expect(loud).may_queue_messages(), "{loud}");
        }
    }

    #[test]
    fn mistakes_in_a_command_show_its_usage() {
        let err = parse("snooze @alice").expect_err("no span");
        assert_eq!(err.usage, Some(contacts::SNOOZE.usage()));
    }

    #[test]
    fn every_command_has_a_unique_name_usage_and_example() {
        let mut names: Vec<_> = COMMANDS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
        for spec in COMMANDS {
            assert!(spec.usage().starts_with(spec.name), "{}", spec.name);
            assert!(!spec.summary.is_empty(), "{}", spec.name);
            assert!(spec.summary.chars().count() <= 100, "{}", spec.name);
            assert!(!spec.examples.is_empty(), "{}", spec.name);
        }
    }

    #[test]
    fn every_example_in_the_help_parses() {
        for spec in COMMANDS {
            for example in spec.examples {
                assert!(
                    parse(example).is_ok(),
                    "{}: {example} -> {:?}",
                    spec.name,
                    parse(example)
                );
            }
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Words a line is made of: commands, mentions, quotes, dates, spans,
    /// tags, links and the characters the grammar treats specially.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(COMMANDS.iter().map(|s| s.name).collect::<Vec<_>>())
                .prop_map(str::to_string),
            proptest::sample::select(vec![
                "@alice",
                "@me",
                "<@U1|Mallory>",
                "<@U1>",
                "<@!1>",
                "<@",
                "\"Jane Doe\"",
                "\"",
                "\u{201C}",
                "#tag",
                "#",
                "every",
                "3w",
                "0d",
                "99999999999d",
                "on",
                "2026-11-02",
                "-0001-01-01",
                "+262142-12-31",
                "ago",
                "a",
                "3",
                "days",
                "yesterday",
                "inner",
                "at",
                "\"Acme\"",
                "with",
                "https://example.com/x",
                "http://127.0.0.1/",
                "<https://x.org|x>",
                "me",
                "confirm",
                "tz",
                "Europe/Berlin",
                "window",
                "25:00-26:00",
                "digest",
                "\"* * * * * *\"",
                "dms",
                "off",
                "join",
                "pause",
                "<#C1|c>",
                "resources",
                "pairing",
                "followup",
            ])
            .prop_map(str::to_string),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn any_line_is_parsed_or_explained_never_a_panic(line in any::<String>()) {
            if let Err(e) = parse(&line) {
                prop_assert!(!e.to_user_text().is_empty());
            }
        }

        #[test]
        fn lines_made_of_the_grammars_own_words_are_parsed_or_explained(
            words in proptest::collection::vec(word(), 0..10),
        ) {
            let line = words.join(" ");
            if let Err(e) = parse(&line) {
                prop_assert!(!e.to_user_text().is_empty());
            }
        }
    }

    #[test]
    fn worst_case_lines_at_the_limit_are_answered() {
        // Single-pass grammar: each of these is read once, whatever it holds.
        let at_limit = |unit: &str| unit.repeat(crate::limits::LINE / unit.len());
        for line in [
            at_limit("<"),
            at_limit("\""),
            at_limit("<@"),
            at_limit("a "),
            format!("note @alice {}", at_limit("x "))
                .chars()
                .take(crate::limits::LINE)
                .collect(),
            format!("resources {}", at_limit("a-"))
                .chars()
                .take(crate::limits::LINE)
                .collect(),
            format!("gave @alice {} 3 days ago", at_limit("ago "))
                .chars()
                .take(crate::limits::LINE)
                .collect(),
        ] {
            let _ = parse(&line);
        }
    }
}
