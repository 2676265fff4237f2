//! The application commands Discord shows, translated from the core's typed
//! command schema (`kith_bot::commands::schema`), and the way back: an
//! interaction's typed options as the core's typed fields.
//!
//! The core's groups become top-level commands, so each has room to grow
//! (Discord allows 25 subcommands per level): `/kith` (the ledger),
//! `/kith-account`, `/kith-community` and `/kith-admin` (registered with
//! Manage Server as its default permission, so only organisers see it).
//! A command with several forms (`settings tz`, `settings dms`) becomes a
//! subcommand group, or, alone in its top-level command (`admin`), that
//! command's subcommands. `/favour` and `/favor` offer `gave` and `got`.
//! Three user context-menu commands (right-click a member) log a favour or
//! show them.

use kith_bot::commands::{
    COMMANDS, Command, Field, FieldErrors, Form, Group, Kind, Slot, Spec, from_fields,
};
use serde_json::{Value, json};

/// Discord's option types.
pub const SUB_COMMAND: u8 = 1;
pub const SUB_COMMAND_GROUP: u8 = 2;
pub const STRING: u8 = 3;
pub const BOOLEAN: u8 = 5;
pub const USER: u8 = 6;
pub const CHANNEL: u8 = 7;
pub const ATTACHMENT: u8 = 11;
/// Application command types.
const CHAT_INPUT: u8 = 1;
const USER_COMMAND: u8 = 2;
/// The channel types a channel option offers: guild text channels, where
/// Kith posts and opens private threads.
const GUILD_TEXT: u8 = 0;
/// The Manage Server permission bit, as Discord wants it: a string.
const MANAGE_GUILD: &str = "32";

/// The option a contact slot offers for a fellow member, and the one for
/// an outside person's name (autocompleted from the member's own network).
pub const CONTACT_MEMBER: &str = "member";
pub const CONTACT_NAME: &str = "name";
/// The option that turns off a channel setting instead of choosing one.
pub const CHANNEL_OFF: &str = "off";

/// A top-level slash command and the part of Kith it offers.
pub struct TopLevel {
    pub name: &'static str,
    pub description: &'static str,
    pub group: Group,
    /// Seen only by members with Manage Server (organisers).
    pub admin: bool,
}

pub const TOP_LEVEL: [TopLevel; 4] = [
    TopLevel {
        name: "kith",
        description: "Your private networking ledger: favours, check-ins, notes",
        group: Group::Ledger,
        admin: false,
    },
    TopLevel {
        name: "kith-account",
        description: "Your Kith settings, export and import, or forget you",
        group: Group::Account,
        admin: false,
    },
    TopLevel {
        name: "kith-community",
        description: "Introductions, shared links and coffee pairing",
        group: Group::Community,
        admin: false,
    },
    TopLevel {
        name: "kith-admin",
        description: "Organisers: community channels, follow-ups, coffee pairing",
        group: Group::Admin,
        admin: true,
    },
];

/// The shortcuts for logging a favour, and the core commands they offer.
pub const FAVOUR_COMMANDS: [&str; 2] = ["favour", "favor"];
const FAVOUR: [&str; 2] = ["gave", "got"];

/// The user context-menu commands (right-click a member).
pub const LOG_THEY_DID: &str = "Log a favour they did";
pub const LOG_YOU_DID: &str = "Log a favour you did";
pub const SHOW_IN_KITH: &str = "Show in Kith";

fn specs_in(group: Group) -> Vec<&'static Spec> {
    COMMANDS.iter().filter(|s| s.group == group).collect()
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn choices(words: &[&str]) -> Value {
    Value::Array(
        words
            .iter()
            .map(|c| json!({"name": c, "value": c}))
            .collect(),
    )
}

fn option(kind: u8, name: &str, description: &str, required: bool) -> Value {
    json!({
        "type": kind,
        "name": name,
        "description": truncate(description, 100),
        "required": required,
    })
}

/// The Discord options of one slot.
pub fn slot_options(slot: &Slot) -> Vec<Value> {
    let string = |required: bool| option(STRING, slot.name, slot.help, required);
    match slot.kind {
        // Either one: the core asks for who when neither is given.
        Kind::Contact => {
            let mut name = option(
                STRING,
                CONTACT_NAME,
                "Or an outside person's name, like Jane Doe (pick from your network or type it)",
                false,
            );
            name["autocomplete"] = json!(true);
            name["max_length"] = json!(kith_bot::limits::NAME);
            vec![option(USER, CONTACT_MEMBER, "A fellow member", false), name]
        }
        Kind::Member => vec![option(USER, slot.name, slot.help, slot.required)],
        Kind::Text { max } | Kind::Phrase { max } | Kind::Name { max } => {
            let mut text = string(slot.required);
            text["max_length"] = json!(max.min(6000));
            vec![text]
        }
        Kind::Tier => {
            let mut tier = string(slot.required);
            tier["choices"] = choices(&["inner", "close", "wider"]);
            vec![tier]
        }
        Kind::Choice(words) => {
            let mut choice = string(slot.required);
            choice["choices"] = choices(words);
            vec![choice]
        }
        Kind::Zone | Kind::CommandName => {
            let mut auto = string(slot.required);
            auto["autocomplete"] = json!(true);
            vec![auto]
        }
        Kind::When
        | Kind::Duration
        | Kind::Tags
        | Kind::Tag
        | Kind::Url
        | Kind::Hours
        | Kind::Schedule => vec![string(slot.required)],
        Kind::Channel { off } => {
            let mut channel = option(CHANNEL, slot.name, slot.help, slot.required && !off);
            channel["channel_types"] = json!([GUILD_TEXT]);
            let mut options = vec![channel];
            if off {
                options.push(option(
                    BOOLEAN,
                    CHANNEL_OFF,
                    "Turn it off instead of choosing a channel",
                    false,
                ));
            }
            options
        }
        Kind::File => vec![option(ATTACHMENT, slot.name, slot.help, true)],
        Kind::Flag(_) => vec![option(BOOLEAN, slot.name, slot.help, false)],
        Kind::Word(_) => Vec::new(),
    }
}

/// The options of a form: its slots', required ones first as Discord
/// requires.
fn form_options(slots: &[Slot]) -> Vec<Value> {
    let mut options: Vec<Value> = slots.iter().flat_map(slot_options).collect();
    options.sort_by_key(|o| !o["required"].as_bool().unwrap_or(false));
    options
}

fn subcommand(name: &str, description: &str, slots: &[Slot]) -> Value {
    json!({
        "type": SUB_COMMAND,
        "name": name,
        "description": truncate(description, 100),
        "options": form_options(slots),
    })
}

/// One core command as the options of a top-level command: a subcommand,
/// or a group of subcommands (one per form) — or, when `flatten`, those
/// subcommands themselves.
fn spec_options(spec: &Spec, flatten: bool) -> Vec<Value> {
    match &spec.form {
        Form::Slots(slots) => vec![subcommand(spec.name, spec.summary, slots)],
        form @ Form::Variants { .. } => {
            let subs: Vec<Value> = form
                .variants()
                .into_iter()
                .map(|v| subcommand(v.name, v.summary, v.slots))
                .collect();
            if flatten {
                subs
            } else {
                vec![json!({
                    "type": SUB_COMMAND_GROUP,
                    "name": spec.name,
                    "description": truncate(spec.summary, 100),
                    "options": subs,
                })]
            }
        }
    }
}

fn top_level(top: &TopLevel) -> Value {
    let specs = specs_in(top.group);
    let flatten = specs.len() == 1;
    let options: Vec<Value> = specs
        .iter()
        .flat_map(|spec| spec_options(spec, flatten))
        .collect();
    let mut command = json!({
        "type": CHAT_INPUT,
        "name": top.name,
        "description": top.description,
        "contexts": [0],
        "integration_types": [0],
        "options": options,
    });
    if top.admin {
        command["default_member_permissions"] = json!(MANAGE_GUILD);
    }
    command
}

fn user_command(name: &str) -> Value {
    json!({"type": USER_COMMAND, "name": name, "contexts": [0], "integration_types": [0]})
}

/// The commands to register (a bulk overwrite). Guild only: a command
/// needs a server to know whose ledger it is.
pub fn registration() -> Value {
    let mut commands: Vec<Value> = TOP_LEVEL.iter().map(top_level).collect();
    for name in FAVOUR_COMMANDS {
        let options: Vec<Value> = FAVOUR
            .iter()
            .filter_map(|n| kith_bot::commands::spec(n))
            .flat_map(|spec| spec_options(spec, false))
            .collect();
        commands.push(json!({
            "type": CHAT_INPUT,
            "name": name,
            "description": "Log a favour you did (gave) or received (got)",
            "contexts": [0],
            "integration_types": [0],
            "options": options,
        }));
    }
    for name in [LOG_THEY_DID, LOG_YOU_DID, SHOW_IN_KITH] {
        commands.push(user_command(name));
    }
    Value::Array(commands)
}

/// A typed option's value as the interaction carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A member, with their name as Discord resolved it (nickname, global
    /// name or username): what the adapter vouches for.
    User {
        id: u64,
        name: Option<String>,
    },
    /// An attached file (fetched by the adapter).
    Attachment(Attachment),
    Text(String),
    Integer(i64),
    Boolean(bool),
    /// A channel, with its name as Discord resolved it.
    Channel {
        id: u64,
        name: Option<String>,
    },
}

/// A file attached to a command, as Discord describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub url: String,
    pub size: u64,
    pub content_type: Option<String>,
}

/// An interaction's options could not be made into a command; the text
/// tells the member what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadOptions(pub String);

const STALE: &str = "The commands Discord showed you are out of date; ask the server's admin to run `kith discord register`. Nothing was changed.";

/// The core command and form an invocation names: `/kith gave` ->
/// (gave, none); `/kith-account settings tz` -> (settings, tz);
/// `/kith-admin pairing` -> (admin, pairing).
pub fn resolve(
    command: &str,
    path: &[&str],
) -> Result<(&'static Spec, Option<&'static str>), BadOptions> {
    let stale = || BadOptions(STALE.into());
    if FAVOUR_COMMANDS.contains(&command) {
        return match path {
            [sub] if FAVOUR.contains(sub) => {
                Ok((kith_bot::commands::spec(sub).ok_or_else(stale)?, None))
            }
            _ => Err(stale()),
        };
    }
    let top = TOP_LEVEL
        .iter()
        .find(|t| t.name == command)
        .ok_or_else(stale)?;
    let specs = specs_in(top.group);
    let variant_of = |spec: &'static Spec, name: &str| {
        spec.form
            .variants()
            .into_iter()
            .find(|v| v.name == name)
            .map(|v| (spec, Some(v.name)))
            .ok_or_else(stale)
    };
    match (specs.as_slice(), path) {
        ([only], [sub]) if matches!(only.form, Form::Variants { .. }) => variant_of(only, sub),
        (_, [sub]) => specs
            .iter()
            .find(|s| s.name == *sub && matches!(s.form, Form::Slots(_)))
            .map(|s| (*s, None))
            .ok_or_else(stale),
        (_, [group, sub]) => {
            let spec = specs
                .iter()
                .find(|s| s.name == *group && matches!(s.form, Form::Variants { .. }))
                .ok_or_else(stale)?;
            variant_of(spec, sub)
        }
        _ => Err(stale()),
    }
}

/// The core's fields for a form's options: each option to its slot; a
/// contact's member or name to the one contact field; a channel's `off`
/// to the channel field.
pub fn fields(
    slots: &[Slot],
    options: &[(String, OptionValue)],
) -> Result<Vec<(String, Field)>, BadOptions> {
    let mut fields: Vec<(String, Field)> = Vec::new();
    let contact = slots.iter().find(|s| s.kind == Kind::Contact);
    let off_channel = slots
        .iter()
        .find(|s| matches!(s.kind, Kind::Channel { off: true }));
    for (name, value) in options {
        let (slot_name, field) = match (name.as_str(), value) {
            (CONTACT_MEMBER, OptionValue::User { id, .. }) if contact.is_some() => {
                (contact.map(|s| s.name), Field::Member(id.to_string()))
            }
            (CONTACT_NAME, OptionValue::Text(text)) if contact.is_some() => {
                (contact.map(|s| s.name), Field::Text(text.clone()))
            }
            (CHANNEL_OFF, OptionValue::Boolean(off)) if off_channel.is_some() => {
                if !off {
                    continue;
                }
                (off_channel.map(|s| s.name), Field::Bool(true))
            }
            (name, value) => {
                let Some(slot) = slots.iter().find(|s| s.name == name && s.is_input()) else {
                    return Err(BadOptions(format!(
                        "I don't know the option \"{name}\". {STALE}"
                    )));
                };
                let field = match value {
                    OptionValue::Text(text) => Field::Text(text.clone()),
                    OptionValue::Integer(n) => Field::Text(n.to_string()),
                    OptionValue::Boolean(yes) => Field::Bool(*yes),
                    OptionValue::User { id, .. } => Field::Member(id.to_string()),
                    OptionValue::Channel { id, .. } => Field::Channel(id.to_string()),
                    OptionValue::Attachment(_) => Field::File,
                };
                (Some(slot.name), field)
            }
        };
        let Some(slot_name) = slot_name else {
            return Err(BadOptions(STALE.into()));
        };
        if fields.iter().any(|(n, _)| n == slot_name) {
            let both = match contact.filter(|s| s.name == slot_name) {
                Some(_) => {
                    "Give either a member or an outside person's name, not both. Nothing was changed."
                }
                None => "Choose a channel or turn it off, not both. Nothing was changed.",
            };
            return Err(BadOptions(both.into()));
        }
        fields.push((slot_name.to_string(), field));
    }
    Ok(fields)
}

/// The core command an invocation stands for.
pub fn command(
    name: &str,
    path: &[&str],
    options: &[(String, OptionValue)],
) -> Result<Command, BadOptions> {
    let (spec, variant) = resolve(name, path)?;
    let fields = fields(spec.slots(variant), options)?;
    from_fields(spec, variant, &fields)
        .map_err(|e: FieldErrors| BadOptions(format!("{}\nNothing was changed.", e.to_user_text())))
}

/// How a command is typed on Discord, for messages that point to one:
/// `/kith due`, `/kith-account settings tz`.
pub fn typed(name: &str) -> String {
    let Some(spec) = kith_bot::commands::spec(name) else {
        return format!("/kith {name}");
    };
    let top = TOP_LEVEL
        .iter()
        .find(|t| t.group == spec.group)
        .map_or("kith", |t| t.name);
    match specs_in(spec.group).len() {
        1 => format!("/{top}"),
        _ => format!("/{top} {}", spec.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Discord's rule for command and option names (lowercase where case
    /// exists): `^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`.
    fn valid_name(name: &str) -> bool {
        let count = name.chars().count();
        (1..=32).contains(&count)
            && name
                .chars()
                .all(|c| c == '-' || c == '_' || c.is_alphanumeric())
            && name.to_lowercase() == name
    }

    /// Looks like a placeholder rather than a description: "e.g. Zone",
    /// "The how long", a bare word.
    fn placeholder_like(description: &str) -> bool {
        let lower = description.to_lowercase();
        let words = description.split_whitespace().count();
        words < 3
            || (lower.starts_with("the ") && words <= 3)
            || description.contains(['<', '>'])
            || lower.starts_with("e.g.")
            || lower
                .split("e.g.")
                .nth(1)
                .is_some_and(|rest| rest.split_whitespace().count() <= 1)
    }

    /// Every limit Discord sets on one level of options; returns the
    /// characters it counts towards the command's 8,000.
    fn check_options(path: &str, options: &[Value]) -> usize {
        assert!(options.len() <= 25, "{path}: {} options", options.len());
        let mut names: Vec<&str> = Vec::new();
        let mut seen_optional = false;
        let mut chars = 0;
        for option in options {
            let name = option["name"].as_str().expect("a name");
            let here = format!("{path} {name}");
            assert!(valid_name(name), "{here}: bad name");
            assert!(!names.contains(&name), "{here}: twice");
            names.push(name);
            let description = option["description"].as_str().expect("a description");
            let length = description.chars().count();
            assert!((1..=100).contains(&length), "{here}: description {length}");
            assert!(!placeholder_like(description), "{here}: \"{description}\"");
            chars += name.chars().count() + length;
            let kind = option["type"].as_u64().expect("a type");
            if kind == u64::from(SUB_COMMAND) || kind == u64::from(SUB_COMMAND_GROUP) {
                let inner = option["options"].as_array().cloned().unwrap_or_default();
                if kind == u64::from(SUB_COMMAND_GROUP) {
                    assert!(
                        inner
                            .iter()
                            .all(|o| o["type"].as_u64() == Some(u64::from(SUB_COMMAND))),
                        "{here}: a group holds subcommands only"
                    );
                }
                chars += check_options(&here, &inner);
                continue;
            }
            let required = option["required"].as_bool().unwrap_or(false);
            assert!(
                !(required && seen_optional),
                "{here}: required after optional"
            );
            seen_optional |= !required;
            if let Some(list) = option["choices"].as_array() {
                assert!(list.len() <= 25, "{here}: {} choices", list.len());
                assert!(
                    option["autocomplete"].as_bool() != Some(true),
                    "{here}: choices and autocomplete"
                );
                for choice in list {
                    let shown = choice["name"].as_str().expect("choice name");
                    let value = choice["value"].as_str().expect("choice value");
                    assert!((1..=100).contains(&shown.chars().count()), "{here}");
                    assert!(value.chars().count() <= 100, "{here}");
                    chars += shown.chars().count() + value.chars().count();
                }
            }
        }
        chars
    }

    #[test]
    fn the_registration_keeps_every_discord_limit_with_room_for_ten_more() {
        let payload = registration();
        let commands = payload.as_array().expect("a list");
        assert!(commands.len() <= 100, "guild chat commands");
        for command in commands {
            let name = command["name"].as_str().expect("name");
            match command["type"].as_u64() {
                Some(1) => {
                    assert!(valid_name(name), "{name}");
                    let description = command["description"].as_str().expect("description");
                    assert!((1..=100).contains(&description.chars().count()), "{name}");
                    let options = command["options"].as_array().expect("options");
                    let chars = name.chars().count()
                        + description.chars().count()
                        + check_options(&format!("/{name}"), options);
                    assert!(chars <= 8000, "/{name}: {chars} characters");
                    // Headroom: ten more commands fit at the top level.
                    assert!(options.len() + 10 <= 25, "/{name}: {}", options.len());
                }
                Some(2) => {
                    assert!((1..=32).contains(&name.chars().count()), "{name}");
                    assert!(command.get("description").is_none());
                }
                other => panic!("{name}: type {other:?}"),
            }
        }
        let users = commands.iter().filter(|c| c["type"] == 2).count();
        assert!(users <= 5, "user commands");
    }

    #[test]
    fn every_core_command_and_form_is_registered_once() {
        let payload = registration();
        for (spec, variant, _) in kith_bot::commands::schema::forms() {
            let found = payload
                .as_array()
                .expect("list")
                .iter()
                .filter(|c| {
                    c["type"] == 1 && !FAVOUR_COMMANDS.contains(&c["name"].as_str().unwrap_or(""))
                })
                .filter(|c| {
                    let name = c["name"].as_str().unwrap_or_default();
                    paths(c).iter().any(|path| {
                        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
                        resolve(name, &parts)
                            .is_ok_and(|(s, v)| std::ptr::eq(s, spec) && v == variant)
                    })
                })
                .count();
            assert_eq!(found, 1, "{} {variant:?}", spec.name);
        }
    }

    /// Every path of subcommand names in a top-level command.
    fn paths(command: &Value) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for option in command["options"].as_array().cloned().unwrap_or_default() {
            let name = option["name"].as_str().unwrap_or_default().to_string();
            match option["type"].as_u64() {
                Some(1) => out.push(vec![name]),
                Some(2) => {
                    for sub in option["options"].as_array().cloned().unwrap_or_default() {
                        out.push(vec![
                            name.clone(),
                            sub["name"].as_str().unwrap_or_default().to_string(),
                        ]);
                    }
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn only_the_admin_command_needs_manage_server() {
        let payload = registration();
        for command in payload.as_array().expect("list") {
            let admin = command["name"] == "kith-admin";
            assert_eq!(
                command.get("default_member_permissions").is_some(),
                admin,
                "{}",
                command["name"]
            );
        }
    }

    #[test]
    fn the_placeholder_check_catches_what_it_should() {
        assert!(placeholder_like("e.g. Zone"));
        assert!(placeholder_like("The how long"));
        assert!(placeholder_like("tz: e.g. <Zone>"));
        assert!(!placeholder_like(
            "An IANA time zone, like Europe/Berlin or America/New_York"
        ));
    }

    fn opts(list: &[(&str, OptionValue)]) -> Vec<(String, OptionValue)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect()
    }

    fn text(s: &str) -> OptionValue {
        OptionValue::Text(s.into())
    }

    fn user(id: u64) -> OptionValue {
        OptionValue::User { id, name: None }
    }

    #[test]
    fn options_make_the_command_the_line_would() {
        use kith_bot::commands::parse;
        type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, OptionValue)>, &'a str);
        let cases: Vec<Case> = vec![
            (
                "kith",
                vec!["gave"],
                vec![
                    ("member", user(2)),
                    ("what", text("a review")),
                    ("when", text("yesterday")),
                ],
                "gave <@2> a review yesterday",
            ),
            (
                "favor",
                vec!["got"],
                vec![("name", text("Jane Doe")), ("what", text("an intro"))],
                "got \"Jane Doe\" an intro",
            ),
            (
                "kith",
                vec!["add"],
                vec![
                    ("name", text("Jane Doe")),
                    ("tier", text("wider")),
                    ("every", text("3w")),
                    ("company", text("Acme Corp")),
                    ("tags", text("design #mentor")),
                ],
                "add \"Jane Doe\" wider every 3w at \"Acme Corp\" #design #mentor",
            ),
            (
                "kith",
                vec!["list"],
                vec![("tag", text("#design"))],
                "list #design",
            ),
            (
                "kith-account",
                vec!["settings", "window"],
                vec![("hours", text("08:30-09:30")), ("days", text("daily"))],
                "settings window 08:30-09:30 daily",
            ),
            (
                "kith-account",
                vec!["settings", "digest"],
                vec![("schedule", text("0 0 9 * * Mon"))],
                "settings digest \"0 0 9 * * Mon\"",
            ),
            ("kith-account", vec!["settings", "show"], vec![], "settings"),
            (
                "kith-community",
                vec!["share"],
                vec![
                    ("url", text("https://example.com/guide")),
                    ("with", user(3)),
                    ("why", text("with love")),
                ],
                "share https://example.com/guide with <@3> with love",
            ),
            (
                "kith-community",
                vec!["pairing", "pause"],
                vec![("how_long", text("2w"))],
                "pairing pause 2w",
            ),
            (
                "kith-admin",
                vec!["pairing"],
                vec![
                    ("channel", OptionValue::Channel { id: 7, name: None }),
                    ("every", text("3w")),
                ],
                "admin pairing <#7> every 3w",
            ),
            (
                "kith-admin",
                vec!["resources"],
                vec![("off", OptionValue::Boolean(true))],
                "admin resources off",
            ),
            (
                "kith-account",
                vec!["forget"],
                vec![("confirm", OptionValue::Boolean(true))],
                "forget me confirm",
            ),
        ];
        for (name, path, options, line) in cases {
            let made = command(name, &path, &opts(&options))
                .unwrap_or_else(|e| panic!("{name} {path:?}: {e}"));
            assert_eq!(Ok(made), parse(line), "{line}");
        }
    }

    #[test]
    fn unknown_contradictory_or_wrong_options_are_refused_with_a_reason() {
        let refused = |name, path: &[&str], o: &[(&str, OptionValue)]| {
            command(name, path, &opts(o)).expect_err("refused").0
        };
        let err = refused("kith", &["due"], &[("colour", text("red"))]);
        assert!(err.contains("colour"), "{err}");
        let err = refused(
            "kith",
            &["gave"],
            &[
                ("member", user(1)),
                ("name", text("Jane")),
                ("what", text("x")),
            ],
        );
        assert!(err.contains("not both"), "{err}");
        let err = refused("kith", &["gave"], &[("what", text("x"))]);
        assert!(err.starts_with("Who"), "{err}");
        let err = refused("kith", &["gave"], &[("member", user(1))]);
        assert!(err.starts_with("What did you do for"), "{err}");
        let err = refused(
            "kith",
            &["gave"],
            &[
                ("member", user(1)),
                ("what", text("x")),
                ("when", text("last tuesday")),
            ],
        );
        assert!(err.contains("last tuesday"), "{err}");
        assert!(command("kith", &["frobnicate"], &[]).is_err());
        assert!(command("favour", &["due"], &[]).is_err());
        assert!(command("other", &["due"], &[]).is_err());
        assert!(
            command("kith-admin", &["resources"], &[]).is_err(),
            "no channel"
        );
        let err = refused(
            "kith-admin",
            &["resources"],
            &[
                ("channel", OptionValue::Channel { id: 5, name: None }),
                ("off", OptionValue::Boolean(true)),
            ],
        );
        assert!(err.contains("not both"), "{err}");
        let err = refused(
            "kith-community",
            &["intro"],
            &[
                ("first", user(1)),
                ("second", text("carol")),
                ("why", text("x")),
            ],
        );
        assert!(err.contains("\"second\""), "{err}");
    }

    #[test]
    fn messages_name_commands_as_discord_types_them() {
        assert_eq!(typed("due"), "/kith due");
        assert_eq!(typed("settings"), "/kith-account settings");
        assert_eq!(typed("admin"), "/kith-admin");
    }
}
