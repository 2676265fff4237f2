//! The slash commands Discord shows, derived from the core's command list
//! (`kith_bot::commands::COMMANDS`), and the way back: an interaction's
//! typed options turned into the text line the core parses.
//!
//! Each core command becomes a subcommand of `/kith`; its usage line
//! (`gave @someone <what> [when]`) is read as a small grammar:
//!
//! | usage            | options                                             |
//! | ---------------- | --------------------------------------------------- |
//! | `@someone`       | `user` (a member) or `name` (an outside person)     |
//! | `<what>`         | a required string `what`                            |
//! | `[<what>]`, `[when]` | an optional string                              |
//! | `a\|b\|c`, `[a\|b\|c]` | a string with those choices (`tier`)          |
//! | `[#tag\|a\|b]`   | `tier` choices, or a `tag`                          |
//! | `[every 3w]`     | an optional string `every`, sent as `every 3w`      |
//! | `[at "Company"]` | an optional string `at`, sent quoted                |
//! | `[#tag ...]`     | an optional string `tags`                           |
//! | `[command]`      | a choice of the core's command names                |
//! | `@member`        | a required member (USER) `member`; when a usage has several, `first`, `second`, ... |
//! | `[with @member]` | an optional member `with`, sent as `with <@ID>`     |
//! | `[a \| b <x> \| c #channel\|off]` | one of several settings: the bare words (`a`) as one choice (`a_or_…`), each keyword with a value as its own option (`b`), a `#channel` as a CHANNEL option (text channels) sent as `<#ID>`, and `\|off` as an option `off` choosing which to turn off |
//! | `[every 2w]` after a value | an option `every` that goes with that setting |
//!
//! A usage this grammar does not know is an error, and a test derives every
//! core command, so a command added to the core cannot be forgotten here.

use kith_bot::commands::args::{When, split_words};
use kith_bot::commands::{COMMANDS, Spec};
use kith_bot::domain::Tier;
use serde_json::{Value, json};

/// Discord's option types.
const SUB_COMMAND: u8 = 1;
const STRING: u8 = 3;
const USER: u8 = 6;
const CHANNEL: u8 = 7;
const ATTACHMENT: u8 = 11;
/// The channel types a channel option offers: guild text channels, where
/// Kith posts and opens private threads.
const GUILD_TEXT: u8 = 0;
/// Names for several `@member`s in one usage, in order.
const ORDINALS: [&str; 4] = ["first", "second", "third", "fourth"];

/// One piece of a command line and where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// `@someone`: the `user` option as `<@ID>`, or the `name` option quoted.
    Who,
    /// A free-text value, written as given.
    Text { name: String, required: bool },
    /// `[every 3w]`: a keyword, then the value (quoted if the usage quotes it).
    Keyword {
        keyword: String,
        example: String,
        quoted: bool,
    },
    /// `[#tag ...]`: words, each written as a `#tag`.
    Tags,
    /// `a|b|c`: one of fixed words.
    Choice {
        name: String,
        choices: Vec<String>,
        required: bool,
    },
    /// `[#tag|inner|close|wider]`: either a tag or one of the choices.
    TagOrChoice { name: String, choices: Vec<String> },
    /// `[tz <Zone> | dms on|off]`: at most one of several keyworded
    /// settings, each its own option.
    OneOf(Vec<Alternative>),
    /// `me` in `forget me`: a fixed word, always written, no option.
    Literal(String),
    /// `(with a file attached)`: a required attachment option `file`.
    File,
    /// `@member`: a required member (a USER option), as `<@ID>`.
    Member { name: String },
    /// `[with @member]`: an optional member, written after its keyword.
    KeywordMember { keyword: String },
}

/// One choice of a [`Slot::OneOf`]: a bare word (`join`), or a keyword
/// with a value (`window 09:00-10:00 [weekdays|daily]`, `pairing #channel
/// [every 2w]|off`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    pub keyword: String,
    /// What follows the keyword; `None` for a bare word.
    pub value: Option<Setting>,
    /// What may follow the value.
    pub then: Option<Then>,
}

/// What follows an alternative's keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// Free text (`<Zone>`, `09:00-10:00`, `"<cron>"|off`): written quoted
    /// when the usage quotes it, unless it is one of the `literals`.
    Text {
        example: String,
        quoted: bool,
        literals: Vec<String>,
    },
    /// One of fixed words (`on|off`).
    Choices(Vec<String>),
    /// `#channel|off`: a channel (a CHANNEL option, written `<#ID>`), or one
    /// of the `literals`, each offered as an option of its own naming the
    /// settings it applies to (`off: resources`).
    Channel { literals: Vec<String> },
}

/// What may follow an alternative's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// `[weekdays|daily]`: one of fixed words.
    Choices(Vec<String>),
    /// `[every 2w]`: a keyword and its value, written `every 2w`.
    Keyword { keyword: String, example: String },
}

/// The usage line of a core command uses a form this adapter cannot offer
/// as typed options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the usage of \"{command}\" has a part Discord options cannot express: {part}")]
pub struct UnknownUsage {
    pub command: String,
    pub part: String,
}

/// Splits a usage line into its parts: words, and bracketed groups.
fn usage_parts(usage: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    for c in usage.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' | '<' | '(' if !quoted => depth += 1,
            ']' | '>' | ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c.is_whitespace() && depth == 0 && !quoted {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// The name of a placeholder as an option name: `how long` -> `how_long`.
fn option_name(placeholder: &str) -> String {
    placeholder
        .trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

fn choice_name(choices: &[String]) -> String {
    if choices.iter().all(|c| Tier::parse(c).is_some()) {
        "tier".into()
    } else {
        choices.join("_or_")
    }
}

/// Splits `a | b c | d` at the spaced bars outside brackets and quotes.
fn alternatives(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut current = String::new();
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => quoted = !quoted,
            '[' | '<' if !quoted => depth += 1,
            ']' | '>' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
        let spaced_bar = c == ' '
            && chars.get(i + 1) == Some(&'|')
            && chars.get(i + 2) == Some(&' ')
            && depth == 0
            && !quoted;
        if spaced_bar {
            out.push(std::mem::take(&mut current));
            i += 3;
            continue;
        }
        current.push(c);
        i += 1;
    }
    out.push(current);
    out
}

/// Splits at the bars outside brackets and quotes: `#channel|off` ->
/// `#channel`, `off`; `[every 2w]|off` -> `[every 2w]`, `off`.
fn bars(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '<' if !quoted => depth += 1,
            ']' | '>' if !quoted => depth = depth.saturating_sub(1),
            '|' if !quoted && depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Reads one alternative: `keyword`, or `keyword value [then]`, where a
/// `|word` after the `[then]` group is a literal the value may be instead
/// (`pairing #channel [every 2w]|off`).
fn alternative(text: &str) -> Option<Alternative> {
    let mut parts = usage_parts(text).into_iter();
    let keyword = parts.next().filter(|k| is_word(k))?;
    let Some(value) = parts.next() else {
        return Some(Alternative {
            keyword,
            value: None,
            then: None,
        });
    };
    let mut trailing: Vec<String> = Vec::new();
    let then = match parts.next() {
        None => None,
        Some(group) => {
            let pieces = bars(&group);
            let (group, literals) = pieces.split_first()?;
            if !literals.iter().all(|l| is_word(l)) {
                return None;
            }
            trailing = literals.iter().map(|l| l.to_string()).collect();
            let inner = group.strip_prefix('[')?.strip_suffix(']')?;
            match inner.split_once(' ') {
                Some((word, example)) => {
                    if !is_word(word) || example.trim().is_empty() || example.contains(['[', '|']) {
                        return None;
                    }
                    Some(Then::Keyword {
                        keyword: word.into(),
                        example: example.trim().into(),
                    })
                }
                None => {
                    let choices: Vec<String> = inner.split('|').map(str::to_string).collect();
                    if !choices.iter().all(|c| is_word(c)) {
                        return None;
                    }
                    Some(Then::Choices(choices))
                }
            }
        }
    };
    if parts.next().is_some() {
        return None;
    }
    let pieces = bars(&value);
    let value = if pieces.iter().all(|p| is_word(p)) && pieces.len() > 1 {
        if !trailing.is_empty() {
            return None;
        }
        Setting::Choices(pieces.iter().map(|p| p.to_string()).collect())
    } else {
        let (free, literals): (Vec<&str>, Vec<&str>) = pieces.iter().partition(|p| !is_word(p));
        let [free] = free.as_slice() else {
            return None;
        };
        let literals: Vec<String> = literals
            .iter()
            .map(|l| l.to_string())
            .chain(trailing)
            .collect();
        if *free == "#channel" {
            Setting::Channel { literals }
        } else {
            let quoted = free.starts_with('"') && free.ends_with('"') && free.len() > 1;
            let example = free.trim_matches('"');
            let example = example
                .strip_prefix('<')
                .and_then(|e| e.strip_suffix('>'))
                .unwrap_or(example);
            if example.is_empty() || example.contains(['[', ']', '|', '#', '@']) {
                return None;
            }
            Setting::Text {
                example: example.into(),
                quoted,
                literals,
            }
        }
    };
    Some(Alternative {
        keyword,
        value: Some(value),
        then,
    })
}

/// The slots of one core command, read from its usage line.
pub fn slots(spec: &Spec) -> Result<Vec<Slot>, UnknownUsage> {
    parse_usage(spec.name, spec.usage)
}

fn parse_usage(command: &str, usage: &str) -> Result<Vec<Slot>, UnknownUsage> {
    let unknown = |part: &str| UnknownUsage {
        command: command.into(),
        part: part.into(),
    };
    let mut parts = usage_parts(usage).into_iter();
    match parts.next() {
        Some(name) if name == command => {}
        _ => return Err(unknown(usage)),
    }
    let parts: Vec<String> = parts.collect();
    let members = parts.iter().filter(|p| *p == "@member").count();
    let mut member_names = ORDINALS.iter();
    let mut slots = Vec::new();
    for part in parts {
        let (inner, required) = match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            Some(inner) => (inner.to_string(), false),
            None => (part.clone(), true),
        };
        let slot = if required && part.starts_with('(') && part.ends_with(')') {
            if !part.contains("file") {
                return Err(unknown(&part));
            }
            Slot::File
        } else if required && is_word(&part) {
            Slot::Literal(part.clone())
        } else if !required && inner.contains(" | ") {
            let alternatives = alternatives(&inner)
                .iter()
                .map(|a| alternative(a))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| unknown(&part))?;
            Slot::OneOf(alternatives)
        } else if inner == "@someone" && required {
            Slot::Who
        } else if inner == "@member" && required {
            let name = match members {
                1 => "member",
                _ => member_names.next().ok_or_else(|| unknown(&part))?,
            };
            Slot::Member { name: name.into() }
        } else if let Some((keyword, "@member")) = inner.split_once(' ')
            && !required
            && is_word(keyword)
        {
            Slot::KeywordMember {
                keyword: keyword.into(),
            }
        } else if let Some(placeholder) = inner.strip_prefix('<').and_then(|p| p.strip_suffix('>'))
        {
            Slot::Text {
                name: option_name(placeholder),
                required,
            }
        } else if inner == "#tag ..." && !required {
            Slot::Tags
        } else if inner.contains('|') {
            let alternatives: Vec<String> = inner.split('|').map(str::to_string).collect();
            let tag = alternatives.iter().any(|a| a == "#tag");
            let choices: Vec<String> = alternatives
                .iter()
                .filter(|a| a.as_str() != "#tag")
                .cloned()
                .collect();
            if choices.is_empty() || !choices.iter().all(|c| is_word(c)) {
                return Err(unknown(&part));
            }
            let name = choice_name(&choices);
            if tag {
                if required {
                    return Err(unknown(&part));
                }
                Slot::TagOrChoice { name, choices }
            } else {
                Slot::Choice {
                    name,
                    choices,
                    required,
                }
            }
        } else if let Some((keyword, example)) = inner.split_once(' ')
            && !required
            && is_word(keyword)
            && !example.contains(['@', '#', '|', '['])
        {
            let quoted = example.starts_with('"') && example.ends_with('"');
            Slot::Keyword {
                keyword: keyword.into(),
                example: example.trim_matches('"').into(),
                quoted,
            }
        } else if is_word(&inner) && !required {
            Slot::Text {
                name: inner.clone(),
                required: false,
            }
        } else {
            return Err(unknown(&part));
        };
        slots.push(slot);
    }
    Ok(slots)
}

fn describe(name: &str) -> String {
    let text = match name {
        "what" => "What it was, e.g. reviewed her resume".to_string(),
        "text" => "What to remember, e.g. daughter starts college in Sept".to_string(),
        "when" => "When: today, yesterday, 3 days ago, 2026-11-02 (default: today)".to_string(),
        "how_long" => "How long: 10d, 2w, 3 weeks, 1 month".to_string(),
        "how_often" => "How often: 10d, 2w, 3 weeks, 1 month".to_string(),
        "why" => "Why: everyone it is shown to reads this".to_string(),
        "url" => "The link, e.g. https://example.com/article".to_string(),
        "search" => "Words to look for in titles, reasons and tags, or a #tag".to_string(),
        other => format!("The {}", other.replace('_', " ")),
    };
    truncate(&text, 100)
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

fn string_option(name: &str, description: String, required: bool) -> Value {
    json!({"type": STRING, "name": name, "description": description, "required": required})
}

fn choices_json(choices: &[String]) -> Value {
    Value::Array(
        choices
            .iter()
            .map(|c| json!({"name": c, "value": c}))
            .collect(),
    )
}

fn tier_description(choices: &[String]) -> String {
    if choices.iter().all(|c| Tier::parse(c).is_some()) {
        "inner (every 14 days), close (30) or wider (90)".into()
    } else {
        format!("One of {}", choices.join(", "))
    }
}

/// The Discord options of one slot.
fn slot_options(slot: &Slot) -> Vec<Value> {
    match slot {
        Slot::Who => vec![
            json!({"type": USER, "name": "user", "description": "A fellow member (or give an outside person's name)", "required": false}),
            string_option(
                "name",
                "An outside person's name, e.g. Jane Doe (instead of a member)".into(),
                false,
            ),
        ],
        Slot::Text { name, required } if name == "command" => {
            let mut option = string_option(name, "One command in detail".into(), *required);
            let names: Vec<String> = COMMANDS.iter().map(|s| s.name.to_string()).collect();
            option["choices"] = choices_json(&names);
            vec![option]
        }
        Slot::Text { name, required } => vec![string_option(name, describe(name), *required)],
        Slot::Keyword {
            keyword, example, ..
        } => {
            let description = match keyword.as_str() {
                "every" => format!("How often to check in, e.g. {example} or 10 days"),
                "at" => "Where they work, e.g. Acme".to_string(),
                other => format!("{other}, e.g. {example}"),
            };
            vec![string_option(keyword, truncate(&description, 100), false)]
        }
        Slot::Tags => vec![string_option(
            "tags",
            "Tags, e.g. #design #mentor".into(),
            false,
        )],
        Slot::Choice {
            name,
            choices,
            required,
        } => {
            let mut option = string_option(name, tier_description(choices), *required);
            option["choices"] = choices_json(choices);
            vec![option]
        }
        Slot::TagOrChoice { name, choices } => {
            let mut option = string_option(name, tier_description(choices), false);
            option["choices"] = choices_json(choices);
            vec![
                option,
                string_option(
                    "tag",
                    "Only those with this tag, e.g. #design".into(),
                    false,
                ),
            ]
        }
        Slot::OneOf(alternatives) => one_of_options(alternatives),
        Slot::Literal(_) => Vec::new(),
        Slot::Member { name } => vec![user_option(name, member_description(name), true)],
        Slot::KeywordMember { keyword } => vec![user_option(
            keyword,
            truncate(&format!("{}: a fellow member", capitalised(keyword)), 100),
            false,
        )],
        Slot::File => vec![json!({
            "type": ATTACHMENT,
            "name": "file",
            "description": "The file: LinkedIn Connections.csv, a vCard (.vcf), a CSV, or a Kith export",
            "required": true,
        })],
    }
}

fn user_option(name: &str, description: String, required: bool) -> Value {
    json!({"type": USER, "name": name, "description": description, "required": required})
}

fn member_description(name: &str) -> String {
    match name {
        "member" => "A fellow member".into(),
        ordinal => format!("The {ordinal} member"),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The bare words of a [`Slot::OneOf`] (`join`, `leave`): offered together
/// as one choice option.
fn bare_words(alternatives: &[Alternative]) -> Vec<String> {
    alternatives
        .iter()
        .filter(|a| a.value.is_none())
        .map(|a| a.keyword.clone())
        .collect()
}

/// The literals a channel setting may be instead (`off`), each with the
/// settings it applies to, in the order of the usage.
fn channel_literals(alternatives: &[Alternative]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for alternative in alternatives {
        let Some(Setting::Channel { literals }) = &alternative.value else {
            continue;
        };
        for literal in literals {
            match out.iter_mut().find(|(l, _)| l == literal) {
                Some((_, keywords)) => keywords.push(alternative.keyword.clone()),
                None => out.push((literal.clone(), vec![alternative.keyword.clone()])),
            }
        }
    }
    out
}

/// What a keyword's option is for, where a generic description would not
/// say enough.
fn keyword_description(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "resources" => "The channel shared links are posted in",
        "intros" => "The channel introductions are made in, a private thread each",
        "followup" => "How long after an introduction to ask the introducer how it went, e.g. 14d",
        "pairing" => "The channel coffee pairing rounds are announced in",
        "pause" => "Pause for how long: 10d, 2w, 1 month",
        _ => return None,
    })
}

/// The options of one choice of several settings (see [`Slot::OneOf`]).
fn one_of_options(alternatives: &[Alternative]) -> Vec<Value> {
    let mut options = Vec::new();
    let bare = bare_words(alternatives);
    if !bare.is_empty() {
        let mut option = string_option(
            &choice_name(&bare),
            truncate(&format!("One of {}", bare.join(", ")), 100),
            false,
        );
        option["choices"] = choices_json(&bare);
        options.push(option);
    }
    for alternative in alternatives {
        options.extend(setting_options(alternative));
    }
    for (literal, keywords) in channel_literals(alternatives) {
        let description = format!("Which to set to {literal}: {}", keywords.join(", "));
        let mut option = string_option(&literal, truncate(&description, 100), false);
        option["choices"] = choices_json(&keywords);
        options.push(option);
    }
    options
}

/// The options of one keyworded setting: the keyword's value, and what
/// may follow it.
fn setting_options(alternative: &Alternative) -> Vec<Value> {
    let mut options = Vec::new();
    let keyword = &alternative.keyword;
    match &alternative.value {
        None => {}
        Some(Setting::Text {
            example, literals, ..
        }) => {
            let mut description = match keyword_description(keyword) {
                Some(text) => text.to_string(),
                None => format!("{keyword}: e.g. {example}"),
            };
            if !literals.is_empty() {
                description.push_str(&format!(", or {}", literals.join(" or ")));
            }
            options.push(string_option(keyword, truncate(&description, 100), false));
        }
        Some(Setting::Choices(choices)) => {
            let mut option = string_option(
                keyword,
                truncate(&format!("{keyword}: {}", choices.join(" or ")), 100),
                false,
            );
            option["choices"] = choices_json(choices);
            options.push(option);
        }
        Some(Setting::Channel { .. }) => {
            let description = keyword_description(keyword)
                .map_or_else(|| format!("{keyword}: a text channel"), str::to_string);
            options.push(json!({
                "type": CHANNEL,
                "name": keyword,
                "description": truncate(&description, 100),
                "required": false,
                "channel_types": [GUILD_TEXT],
            }));
        }
    }
    match &alternative.then {
        None => {}
        Some(Then::Choices(then)) => {
            let mut option = string_option(
                &choice_name(then),
                truncate(&format!("With {keyword}: {}", then.join(" or ")), 100),
                false,
            );
            option["choices"] = choices_json(then);
            options.push(option);
        }
        Some(Then::Keyword {
            keyword: then,
            example,
        }) => {
            let description = match then.as_str() {
                "every" => format!("With {keyword}: how often, e.g. {example}"),
                other => format!("With {keyword}: {other}, e.g. {example}"),
            };
            options.push(string_option(then, truncate(&description, 100), false));
        }
    }
    options
}

/// One core command as a Discord subcommand, with its typed options
/// (required ones first, as Discord requires).
pub fn subcommand(spec: &Spec) -> Result<Value, UnknownUsage> {
    let mut options: Vec<Value> = slots(spec)?.iter().flat_map(slot_options).collect();
    options.sort_by_key(|o| !o["required"].as_bool().unwrap_or(false));
    Ok(json!({
        "type": SUB_COMMAND,
        "name": spec.name,
        "description": truncate(spec.summary, 100),
        "options": options,
    }))
}

/// The commands to register (a bulk overwrite): `/kith` with one subcommand
/// per core command, and the `/favour` shortcut (`gave` and `got`). Guild
/// only: a command needs a server to know whose ledger it is.
pub fn registration() -> Result<Value, UnknownUsage> {
    let kith: Vec<Value> = COMMANDS.iter().map(subcommand).collect::<Result<_, _>>()?;
    let favour: Vec<Value> = COMMANDS
        .iter()
        .filter(|s| FAVOUR.contains(&s.name))
        .map(subcommand)
        .collect::<Result<_, _>>()?;
    Ok(json!([
        {
            "type": 1,
            "name": "kith",
            "description": "Your private networking ledger: favours, check-ins, notes",
            "contexts": [0],
            "integration_types": [0],
            "options": kith,
        },
        {
            "type": 1,
            "name": "favour",
            "description": "Log a favour you did (gave) or received (got)",
            "contexts": [0],
            "integration_types": [0],
            "options": favour,
        },
    ]))
}

/// The core commands `/favour` offers.
const FAVOUR: [&str; 2] = ["gave", "got"];

/// A typed option's value as the interaction carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A member, with their name as Discord resolved it (nickname, global
    /// name or username): what the adapter vouches for, not part of the line.
    User {
        id: u64,
        name: Option<String>,
    },
    /// An attached file (fetched by the adapter, not part of the line).
    Attachment(Attachment),
    Text(String),
    Integer(i64),
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

/// An interaction's options could not be made into a command line; the
/// text tells the member what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadOptions(pub String);

const STALE: &str = "The commands Discord showed you are out of date; ask the server's admin to run `kith discord register`. Nothing was changed.";

/// The text line for `/{command} {subcommand}` with these options, as the
/// core parses it.
pub fn line(
    command: &str,
    subcommand: &str,
    options: &[(String, OptionValue)],
) -> Result<String, BadOptions> {
    let known = match command {
        "kith" => true,
        "favour" => FAVOUR.contains(&subcommand),
        _ => false,
    };
    let spec = kith_bot::commands::spec(subcommand)
        .filter(|_| known)
        .ok_or_else(|| BadOptions(STALE.into()))?;
    let slots = slots(spec).map_err(|_| BadOptions(STALE.into()))?;
    let names: Vec<String> = slots
        .iter()
        .flat_map(slot_options)
        .filter_map(|o| o["name"].as_str().map(str::to_string))
        .collect();
    if let Some((name, _)) = options.iter().find(|(n, _)| !names.contains(n)) {
        return Err(BadOptions(format!(
            "I don't know the option \"{name}\" of /{command} {subcommand}. {STALE}"
        )));
    }
    let get = |name: &str| options.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let text = |name: &str| -> Result<Option<String>, BadOptions> {
        match get(name) {
            None => Ok(None),
            Some(OptionValue::Text(t)) => {
                let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                Ok(Some(t).filter(|t| !t.is_empty()))
            }
            Some(OptionValue::Integer(n)) => Ok(Some(n.to_string())),
            Some(OptionValue::User { .. } | OptionValue::Attachment(_)) => Err(BadOptions(
                format!("The option \"{name}\" takes text, not a member. {STALE}"),
            )),
            Some(OptionValue::Channel { .. }) => Err(BadOptions(format!(
                "The option \"{name}\" takes text, not a channel. {STALE}"
            ))),
        }
    };
    let member = |name: &str| -> Result<Option<String>, BadOptions> {
        match get(name) {
            None => Ok(None),
            Some(OptionValue::User { id, .. }) => Ok(Some(mention(*id))),
            Some(_) => Err(BadOptions(format!(
                "The option \"{name}\" takes a member. {STALE}"
            ))),
        }
    };
    let channel = |name: &str| -> Result<Option<String>, BadOptions> {
        match get(name) {
            None => Ok(None),
            Some(OptionValue::Channel { id, .. }) => Ok(Some(format!("<#{id}>"))),
            Some(_) => Err(BadOptions(format!(
                "The option \"{name}\" takes a channel. {STALE}"
            ))),
        }
    };
    // A free text after an optional keyworded member (`share <url> [with
    // @member] [<why>]`) must not start with that keyword when the member
    // is not given, or the core would read it as the keyword. Tags may go
    // anywhere after it, so they are written first when given; without
    // any the reason is refused, since no line would mean it.
    let keywords_before: Vec<&str> = slots
        .iter()
        .filter_map(|s| match s {
            Slot::KeywordMember { keyword } if get(keyword).is_none() => Some(keyword.as_str()),
            _ => None,
        })
        .collect();
    let tags = |words: &mut Vec<String>| -> Result<bool, BadOptions> {
        let Some(value) = text("tags")? else {
            return Ok(false);
        };
        for tag in value.split([' ', ',']).filter(|t| !t.is_empty()) {
            words.push(format!("#{}", tag.trim_start_matches('#')));
        }
        Ok(true)
    };
    let mut words = vec![spec.name.to_string()];
    let mut tags_written = false;
    for slot in &slots {
        match slot {
            Slot::Who => match (get("user"), text("name")?) {
                (Some(OptionValue::User { id, .. }), None) => words.push(mention(*id)),
                (None, Some(name)) => {
                    let name: String = name
                        .chars()
                        .filter(|c| !matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}'))
                        .collect();
                    if name.trim().is_empty() {
                        return Err(BadOptions(
                            "The name is empty; type an outside person's name, like Jane Doe."
                                .into(),
                        ));
                    }
                    words.push(format!("\"{}\"", name.trim()));
                }
                (Some(_), Some(_)) => {
                    return Err(BadOptions(
                        "Give either a member (user) or an outside person's name (name), not both. Nothing was changed.".into(),
                    ));
                }
                (None, None) => {
                    return Err(BadOptions(
                        "Who? Choose a member in the user option, or type an outside person's name in the name option.".into(),
                    ));
                }
                (Some(_), None) => return Err(BadOptions(STALE.into())),
            },
            Slot::Text { name, required } => match text(name)? {
                Some(value) => {
                    if name == "when" {
                        check_when(&value)?;
                    }
                    let first = value.split_whitespace().next().unwrap_or_default();
                    if let Some(keyword) = keywords_before
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(first))
                    {
                        if !tags(&mut words)? {
                            return Err(BadOptions(format!(
                                "The {} can't start with the word \"{keyword}\"; start it another way. Nothing was changed.",
                                name.replace('_', " ")
                            )));
                        }
                        tags_written = true;
                    }
                    words.push(value);
                }
                None if *required => {
                    return Err(BadOptions(format!(
                        "The option \"{name}\" is needed: {}",
                        describe(name)
                    )));
                }
                None => {}
            },
            Slot::Keyword {
                keyword, quoted, ..
            } => {
                if let Some(value) = text(keyword)? {
                    if *quoted {
                        let value = value.replace(['"', '\u{201C}', '\u{201D}', '\u{201E}'], "");
                        words.push(format!("{keyword} \"{value}\""));
                    } else {
                        words.push(format!("{keyword} {value}"));
                    }
                }
            }
            Slot::Tags => {
                if !tags_written {
                    tags(&mut words)?;
                }
            }
            Slot::Member { name } => match member(name)? {
                Some(mention) => words.push(mention),
                None => {
                    return Err(BadOptions(format!(
                        "The option \"{name}\" is needed: choose a member."
                    )));
                }
            },
            Slot::KeywordMember { keyword } => {
                if let Some(mention) = member(keyword)? {
                    words.push(keyword.clone());
                    words.push(mention);
                }
            }
            Slot::Choice { name, required, .. } => match text(name)? {
                Some(value) => words.push(value),
                None if *required => {
                    return Err(BadOptions(format!("The option \"{name}\" is needed.")));
                }
                None => {}
            },
            Slot::TagOrChoice { name, .. } => match (text(name)?, text("tag")?) {
                (Some(_), Some(_)) => {
                    return Err(BadOptions(format!(
                        "Give either a {name} or a tag, not both."
                    )));
                }
                (Some(choice), None) => words.push(choice),
                (None, Some(tag)) => words.push(format!("#{}", tag.trim_start_matches('#'))),
                (None, None) => {}
            },
            Slot::Literal(word) => words.push(word.clone()),
            Slot::File => {
                if !matches!(get("file"), Some(OptionValue::Attachment(_))) {
                    return Err(BadOptions(
                        "Attach the file to import in the file option. Nothing was changed.".into(),
                    ));
                }
            }
            Slot::OneOf(alternatives) => {
                let stale = || BadOptions(STALE.into());
                let bare = bare_words(alternatives);
                let bare_given = match bare.is_empty() {
                    true => None,
                    false => text(&choice_name(&bare))?,
                };
                if let Some(word) = &bare_given
                    && !bare.iter().any(|b| b.eq_ignore_ascii_case(word))
                {
                    return Err(stale());
                }
                // (literal, the keyword it was chosen for)
                let mut literal_given = Vec::new();
                for (literal, keywords) in channel_literals(alternatives) {
                    if let Some(keyword) = text(&literal)? {
                        let keyword = keywords
                            .into_iter()
                            .find(|k| k.eq_ignore_ascii_case(&keyword))
                            .ok_or_else(stale)?;
                        literal_given.push((literal, keyword));
                    }
                }
                // (alternative, the words after its keyword, whether a literal)
                let mut given: Vec<(&Alternative, Vec<String>, bool)> = Vec::new();
                for alternative in alternatives {
                    let keyword = &alternative.keyword;
                    let value = match &alternative.value {
                        None => bare_given
                            .as_ref()
                            .filter(|w| w.eq_ignore_ascii_case(keyword))
                            .map(|_| Vec::new()),
                        Some(Setting::Channel { .. }) => channel(keyword)?.map(|c| vec![c]),
                        Some(Setting::Text {
                            quoted, literals, ..
                        }) => text(keyword)?.map(|value| {
                            if *quoted && !literals.iter().any(|l| l.eq_ignore_ascii_case(&value)) {
                                vec![format!("\"{}\"", unquote(&value))]
                            } else {
                                vec![value]
                            }
                        }),
                        Some(Setting::Choices(_)) => text(keyword)?.map(|value| vec![value]),
                    };
                    let mut set = false;
                    if let Some(value) = value {
                        given.push((alternative, value, false));
                        set = true;
                    }
                    for (literal, _) in literal_given.iter().filter(|(_, k)| k == keyword) {
                        given.push((alternative, vec![literal.clone()], true));
                        set = true;
                    }
                    if let Some(then) = &alternative.then
                        && get(&then_name(then)).is_some()
                        && !set
                    {
                        return Err(BadOptions(format!(
                            "\"{}\" goes with {keyword}; give {keyword} too.",
                            then_name(then)
                        )));
                    }
                }
                match given.as_slice() {
                    [] => {}
                    [(alternative, value, literal)] => {
                        words.push(alternative.keyword.clone());
                        words.extend(value.iter().cloned());
                        if let Some(then) = &alternative.then
                            && let Some(choice) = text(&then_name(then))?
                        {
                            if *literal {
                                return Err(BadOptions(format!(
                                    "\"{}\" goes with a {} to set, not with {}.",
                                    then_name(then),
                                    alternative.keyword,
                                    value.join(" ")
                                )));
                            }
                            if let Then::Keyword { keyword, .. } = then {
                                words.push(keyword.clone());
                            }
                            words.push(choice);
                        }
                    }
                    _ => {
                        let names: Vec<&str> =
                            alternatives.iter().map(|a| a.keyword.as_str()).collect();
                        return Err(BadOptions(format!(
                            "Change one setting at a time: give only one of {}. Nothing was changed.",
                            names.join(", ")
                        )));
                    }
                }
            }
        }
    }
    let line = words.join(" ");
    let chars = line.chars().count();
    if chars > MAX_LINE_CHARS {
        return Err(BadOptions(format!(
            "That command is {chars} characters long; I read commands of up to {MAX_LINE_CHARS} \
             characters. Shorten it (a long note can be split in two). Nothing was changed."
        )));
    }
    Ok(line)
}

/// The longest command line Kith reads, in characters (the core's own
/// limit), however the options add up.
pub const MAX_LINE_CHARS: usize = 4000;

/// The option name of what follows a setting's value.
fn then_name(then: &Then) -> String {
    match then {
        Then::Choices(choices) => choice_name(choices),
        Then::Keyword { keyword, .. } => keyword.clone(),
    }
}

fn unquote(value: &str) -> String {
    value.replace(['"', '\u{201C}', '\u{201D}', '\u{201E}'], "")
}

/// A member as the core parses one: `<@ID>`, never with a label. The name
/// the core stores comes from the interaction's resolved user, given to
/// the core apart from the line (`Actor::vouch`), so nothing in the line
/// can name anyone.
fn mention(id: u64) -> String {
    format!("<@{id}>")
}

/// A `when` given as its own option must be all of a when, so it is never
/// read as part of what came before it.
fn check_when(value: &str) -> Result<(), BadOptions> {
    let bad = || {
        BadOptions(format!(
            "I can't read \"{value}\" as a time. Write today, yesterday, 3 days ago, 2w ago or a date like 2026-11-02."
        ))
    };
    let words = split_words(value).map_err(|_| bad())?;
    match When::split_off(&words) {
        Ok((rest, Some(_))) if rest.is_empty() => Ok(()),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, OptionValue)]) -> Vec<(String, OptionValue)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect()
    }

    fn text(s: &str) -> OptionValue {
        OptionValue::Text(s.into())
    }

    #[test]
    fn every_core_command_is_a_kith_subcommand() {
        let registration = registration().expect("every usage derives");
        let kith = &registration[0];
        assert_eq!(kith["name"], "kith");
        let names: Vec<&str> = kith["options"]
            .as_array()
            .expect("subcommands")
            .iter()
            .map(|o| o["name"].as_str().expect("name"))
            .collect();
        for spec in COMMANDS {
            assert!(names.contains(&spec.name), "/kith {} is missing", spec.name);
        }
        assert_eq!(names.len(), COMMANDS.len());
    }

    #[test]
    fn options_follow_discords_rules() {
        let registration = registration().expect("derives");
        for command in registration.as_array().expect("list") {
            for sub in command["options"].as_array().expect("subcommands") {
                let options = sub["options"].as_array().expect("options");
                assert!(options.len() <= 25);
                let mut names: Vec<&str> = options
                    .iter()
                    .map(|o| o["name"].as_str().expect("name"))
                    .collect();
                names.sort_unstable();
                let count = names.len();
                names.dedup();
                assert_eq!(names.len(), count, "option names repeat in {}", sub["name"]);
                let description = sub["description"].as_str().expect("description");
                assert!((1..=100).contains(&description.chars().count()));
                let mut seen_optional = false;
                for option in options {
                    let name = option["name"].as_str().expect("name");
                    assert!(
                        (1..=32).contains(&name.len())
                            && name
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-'),
                        "{name}"
                    );
                    let description = option["description"].as_str().expect("description");
                    assert!((1..=100).contains(&description.chars().count()), "{name}");
                    let required = option["required"].as_bool().expect("required");
                    assert!(
                        !(required && seen_optional),
                        "required option {name} after an optional one"
                    );
                    seen_optional |= !required;
                    if option["type"] == CHANNEL {
                        assert_eq!(option["channel_types"], json!([GUILD_TEXT]), "{name}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_usage_grammar_gives_typed_options() {
        let gave = kith_bot::commands::spec("gave").expect("gave");
        assert_eq!(
            slots(gave).expect("slots"),
            vec![
                Slot::Who,
                Slot::Text {
                    name: "what".into(),
                    required: true
                },
                Slot::Text {
                    name: "when".into(),
                    required: false
                },
            ]
        );
        let tier = subcommand(kith_bot::commands::spec("tier").expect("tier")).expect("derives");
        let tier_option = tier["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["name"] == "tier")
            .expect("a tier option");
        assert_eq!(tier_option["required"], true);
        assert_eq!(tier_option["choices"].as_array().expect("choices").len(), 3);
        let gave = subcommand(gave).expect("derives");
        let user = &gave["options"].as_array().expect("options")[1];
        assert_eq!(
            (user["name"].as_str(), user["type"].as_u64()),
            (Some("user"), Some(6))
        );
    }

    #[test]
    fn a_usage_the_grammar_does_not_know_is_an_error() {
        for usage in [
            "frob {weird}",
            "frob @someone+",
            "frob <x",
            "other",
            "frob #tag|x",
            "frob [a | b #chan]",
            "frob [a | b #channel [every 2w]|#x]",
            "frob @member @member @member @member @member",
            "frob [with @member @member]",
        ] {
            assert!(parse_usage("frob", usage).is_err(), "{usage}");
        }
    }

    #[test]
    fn options_become_the_line_the_core_parses() {
        let line = |sub, o: &[(&str, OptionValue)]| super::line("kith", sub, &opts(o));
        assert_eq!(
            line(
                "gave",
                &[
                    ("what", text("reviewed her resume")),
                    ("user", OptionValue::User { id: 42, name: None })
                ]
            ),
            Ok("gave <@42> reviewed her resume".into())
        );
        assert_eq!(
            line(
                "show",
                &[(
                    "user",
                    OptionValue::User {
                        id: 42,
                        name: Some("bob.o".into())
                    }
                )]
            ),
            Ok("show <@42>".into())
        );
        assert_eq!(
            line(
                "show",
                &[(
                    "user",
                    OptionValue::User {
                        id: 42,
                        name: Some("Bob Ortiz".into())
                    }
                )]
            ),
            Ok("show <@42>".into())
        );
        assert_eq!(
            line(
                "got",
                &[
                    ("name", text("Jane \"JD\" Doe")),
                    ("what", text("an intro")),
                    ("when", text("3 days ago"))
                ]
            ),
            Ok("got \"Jane JD Doe\" an intro 3 days ago".into())
        );
        assert_eq!(
            line(
                "add",
                &[
                    ("user", OptionValue::User { id: 7, name: None }),
                    ("tier", text("inner")),
                    ("every", text("3w")),
                    ("at", text("Acme Corp")),
                    ("tags", text("design #mentor"))
                ]
            ),
            Ok("add <@7> inner every 3w at \"Acme Corp\" #design #mentor".into())
        );
        assert_eq!(
            line("list", &[("tag", text("design"))]),
            Ok("list #design".into())
        );
        assert_eq!(line("due", &[]), Ok("due".into()));
        assert_eq!(
            super::line(
                "favour",
                "got",
                &opts(&[
                    ("user", OptionValue::User { id: 1, name: None }),
                    ("what", text("x"))
                ])
            ),
            Ok("got <@1> x".into())
        );
        for spec in COMMANDS {
            // Whatever the options, the line starts with the command.
            if let Ok(l) = line(spec.name, &[]) {
                assert!(l.starts_with(spec.name));
            }
        }
    }

    #[test]
    fn a_line_over_the_limit_is_refused_naming_it() {
        let line = |what: &str| {
            super::line(
                "kith",
                "gave",
                &opts(&[
                    ("user", OptionValue::User { id: 1, name: None }),
                    ("what", text(what)),
                ]),
            )
        };
        let err = line(&"<".repeat(6000)).expect_err("too long").0;
        assert!(err.contains("up to 4000 characters"), "{err}");
        assert!(err.contains("Nothing was changed"), "{err}");
        assert!(line(&"x".repeat(3000)).is_ok());
    }

    #[test]
    fn forget_me_needs_no_option_and_import_needs_a_file() {
        assert_eq!(super::line("kith", "forget", &[]), Ok("forget me".into()));
        let import =
            subcommand(kith_bot::commands::spec("import").expect("import")).expect("derives");
        assert_eq!(import["options"][0]["type"], 11);
        assert_eq!(import["options"][0]["required"], true);
        let file = OptionValue::Attachment(Attachment {
            filename: "Connections.csv".into(),
            url: "http://127.0.0.1/x".into(),
            size: 10,
            content_type: None,
        });
        assert_eq!(
            super::line("kith", "import", &opts(&[("file", file)])),
            Ok("import".into())
        );
        let err = super::line("kith", "import", &[]).expect_err("no file");
        assert!(err.0.contains("Attach"), "{err}");
    }

    #[test]
    fn settings_offer_one_option_per_setting_and_take_one_at_a_time() {
        let settings = kith_bot::commands::spec("settings").expect("settings");
        let names: Vec<String> = subcommand(settings).expect("derives")["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| o["name"].as_str().expect("name").to_string())
            .collect();
        assert_eq!(
            names,
            ["tz", "window", "weekdays_or_daily", "digest", "dms"]
        );
        let line = |o: &[(&str, OptionValue)]| super::line("kith", "settings", &opts(o));
        let cases: [(&[(&str, OptionValue)], &str); 6] = [
            (&[], "settings"),
            (
                &[("tz", text("Europe/Berlin"))],
                "settings tz Europe/Berlin",
            ),
            (
                &[
                    ("window", text("08:30-09:30")),
                    ("weekdays_or_daily", text("daily")),
                ],
                "settings window 08:30-09:30 daily",
            ),
            (
                &[("digest", text("0 0 9 * * Mon"))],
                "settings digest \"0 0 9 * * Mon\"",
            ),
            (&[("digest", text("off"))], "settings digest off"),
            (&[("dms", text("off"))], "settings dms off"),
        ];
        for (options, expected) in cases {
            let made = line(options).expect("a line");
            assert_eq!(made, expected);
            assert!(kith_bot::commands::parse(&made).is_ok(), "{made}");
        }
        let err = line(&[("tz", text("UTC")), ("dms", text("on"))]).expect_err("two at once");
        assert!(err.0.contains("one setting at a time"), "{err}");
        let err = line(&[("weekdays_or_daily", text("daily"))]).expect_err("no window");
        assert!(err.0.contains("window"), "{err}");
    }

    #[test]
    fn unknown_or_contradictory_options_are_refused_with_a_reason() {
        let line = |sub, o: &[(&str, OptionValue)]| super::line("kith", sub, &opts(o));
        let err = line("due", &[("colour", text("red"))]).expect_err("unknown");
        assert!(err.0.contains("colour"), "{err}");
        let err = line(
            "gave",
            &[
                ("user", OptionValue::User { id: 1, name: None }),
                ("name", text("Jane")),
                ("what", text("x")),
            ],
        )
        .expect_err("both");
        assert!(err.0.contains("not both"), "{err}");
        let err = line("gave", &[("what", text("x"))]).expect_err("nobody");
        assert!(err.0.starts_with("Who?"), "{err}");
        let err = line("gave", &[("user", OptionValue::User { id: 1, name: None })])
            .expect_err("no what");
        assert!(err.0.contains("what"), "{err}");
        let err = line(
            "gave",
            &[
                ("user", OptionValue::User { id: 1, name: None }),
                ("what", text("x")),
                ("when", text("last tuesday")),
            ],
        )
        .expect_err("bad when");
        assert!(err.0.contains("last tuesday"), "{err}");
        assert!(line("frobnicate", &[]).is_err());
        assert!(super::line("favour", "due", &[]).is_err());
        assert!(super::line("other", "due", &[]).is_err());
    }

    /// The options of a subcommand as (name, type, required).
    fn option_types(command: &str) -> Vec<(String, u64, bool)> {
        let spec = kith_bot::commands::spec(command).expect("a core command");
        subcommand(spec).expect("derives")["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| {
                (
                    o["name"].as_str().expect("name").to_string(),
                    o["type"].as_u64().expect("type"),
                    o["required"].as_bool().expect("required"),
                )
            })
            .collect()
    }

    fn owned(list: &[(&str, u64, bool)]) -> Vec<(String, u64, bool)> {
        list.iter()
            .map(|(n, t, r)| (n.to_string(), *t, *r))
            .collect()
    }

    #[test]
    fn community_commands_get_typed_options() {
        let (user, string, channel) = (u64::from(USER), u64::from(STRING), u64::from(CHANNEL));
        assert_eq!(
            option_types("intro"),
            owned(&[
                ("first", user, true),
                ("second", user, true),
                ("why", string, true)
            ])
        );
        assert_eq!(option_types("intros"), owned(&[]));
        assert_eq!(
            option_types("share"),
            owned(&[
                ("url", string, true),
                ("with", user, false),
                ("why", string, false),
                ("tags", string, false)
            ])
        );
        assert_eq!(
            option_types("resources"),
            owned(&[("search", string, false)])
        );
        assert_eq!(
            option_types("pairing"),
            owned(&[("join_or_leave", string, false), ("pause", string, false)])
        );
        assert_eq!(
            option_types("admin"),
            owned(&[
                ("resources", channel, false),
                ("intros", channel, false),
                ("followup", string, false),
                ("pairing", channel, false),
                ("every", string, false),
                ("off", string, false)
            ])
        );
        let admin = subcommand(kith_bot::commands::spec("admin").expect("admin")).expect("derives");
        let off = admin["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["name"] == "off")
            .expect("off");
        let choices: Vec<&str> = off["choices"]
            .as_array()
            .expect("choices")
            .iter()
            .map(|c| c["value"].as_str().expect("value"))
            .collect();
        assert_eq!(choices, ["resources", "intros", "pairing"]);
        let pairing =
            subcommand(kith_bot::commands::spec("pairing").expect("pairing")).expect("derives");
        assert_eq!(
            pairing["options"][0]["choices"],
            json!([{"name": "join", "value": "join"}, {"name": "leave", "value": "leave"}])
        );
    }

    fn user(id: u64, name: &str) -> OptionValue {
        OptionValue::User {
            id,
            name: Some(name.into()),
        }
    }

    fn channel(id: u64) -> OptionValue {
        OptionValue::Channel {
            id,
            name: Some("general".into()),
        }
    }

    #[test]
    fn community_options_become_the_line_the_core_parses() {
        use kith_bot::commands::{Command, Pairing, parse};
        use kith_bot::community::{Channel, CommunityChange};
        let line = |sub, o: &[(&str, OptionValue)]| super::line("kith", sub, &opts(o));
        type Case<'a> = (&'a str, Vec<(&'a str, OptionValue)>, &'a str);
        let cases: Vec<Case> = vec![
            (
                "intro",
                vec![
                    ("why", text("both work on sales enablement")),
                    ("second", user(2, "carol")),
                    ("first", user(1, "bob")),
                ],
                "intro <@1> <@2> both work on sales enablement",
            ),
            ("intros", vec![], "intros"),
            (
                "share",
                vec![("url", text("https://example.com/the-mom-test"))],
                "share https://example.com/the-mom-test",
            ),
            (
                "share",
                vec![
                    ("url", text("https://example.com/guide")),
                    ("with", user(3, "dana")),
                    ("why", text("the guide I mentioned")),
                    ("tags", text("sales #pricing")),
                ],
                "share https://example.com/guide with <@3> the guide I mentioned #sales #pricing",
            ),
            (
                "share",
                vec![
                    ("url", text("https://example.com/guide")),
                    ("why", text("with thanks to Ann")),
                    ("tags", text("sales")),
                ],
                "share https://example.com/guide #sales with thanks to Ann",
            ),
            ("resources", vec![], "resources"),
            (
                "resources",
                vec![("search", text("customer  interviews"))],
                "resources customer interviews",
            ),
            (
                "resources",
                vec![("search", text("#sales"))],
                "resources #sales",
            ),
            ("pairing", vec![], "pairing"),
            (
                "pairing",
                vec![("join_or_leave", text("join"))],
                "pairing join",
            ),
            (
                "pairing",
                vec![("join_or_leave", text("leave"))],
                "pairing leave",
            ),
            ("pairing", vec![("pause", text("2w"))], "pairing pause 2w"),
            ("admin", vec![], "admin"),
            (
                "admin",
                vec![("resources", channel(5))],
                "admin resources <#5>",
            ),
            (
                "admin",
                vec![("off", text("resources"))],
                "admin resources off",
            ),
            ("admin", vec![("intros", channel(6))], "admin intros <#6>"),
            ("admin", vec![("off", text("intros"))], "admin intros off"),
            (
                "admin",
                vec![("followup", text("10d"))],
                "admin followup 10d",
            ),
            ("admin", vec![("pairing", channel(7))], "admin pairing <#7>"),
            (
                "admin",
                vec![("every", text("3w")), ("pairing", channel(7))],
                "admin pairing <#7> every 3w",
            ),
            ("admin", vec![("off", text("pairing"))], "admin pairing off"),
        ];
        for (sub, options, expected) in cases {
            let made = line(sub, &options).unwrap_or_else(|e| panic!("{sub}: {e}"));
            assert_eq!(made, expected);
            assert!(parse(&made).is_ok(), "{made}: {:?}", parse(&made));
        }
        // What the core reads is what the options said.
        let channel_5 = Some(Channel {
            id: "5".into(),
            name: None,
        });
        assert_eq!(
            parse("admin resources <#5>"),
            Ok(Command::Admin(Some(CommunityChange::Resources(channel_5))))
        );
        assert_eq!(
            parse("admin resources off"),
            Ok(Command::Admin(Some(CommunityChange::Resources(None))))
        );
        let Ok(Command::Share(share)) =
            parse("share https://example.com/guide #sales with thanks to Ann")
        else {
            panic!("a share");
        };
        assert_eq!(share.with, None);
        assert_eq!(share.why.as_deref(), Some("with thanks to Ann"));
        assert_eq!(share.tags.len(), 1);
        let Ok(Command::Share(share)) = parse(
            "share https://example.com/guide with <@3> the guide I mentioned #sales #pricing",
        ) else {
            panic!("a share");
        };
        assert_eq!(share.with.map(|m| m.id), Some("3".into()));
        assert_eq!(share.why.as_deref(), Some("the guide I mentioned"));
        assert!(matches!(
            parse("pairing pause 2w"),
            Ok(Command::Pairing(Some(Pairing::Pause(_))))
        ));
        let Ok(Command::Intro { parties, why }) =
            parse("intro <@1> <@2> both work on sales enablement")
        else {
            panic!("an intro");
        };
        // No labels: the names come from the resolved users, vouched for.
        assert_eq!(
            parties.map(|p| (p.id, p.label)),
            [("1".to_string(), None), ("2".to_string(), None)]
        );
        assert_eq!(why, "both work on sales enablement");
    }

    #[test]
    fn contradictory_community_options_are_refused_with_a_reason() {
        let line = |sub, o: &[(&str, OptionValue)]| super::line("kith", sub, &opts(o));
        let refused = |sub, o: &[(&str, OptionValue)]| line(sub, o).expect_err("refused").0;
        let err = refused(
            "admin",
            &[("resources", channel(5)), ("intros", channel(6))],
        );
        assert!(err.contains("one setting at a time"), "{err}");
        let err = refused(
            "admin",
            &[("resources", channel(5)), ("off", text("resources"))],
        );
        assert!(err.contains("one setting at a time"), "{err}");
        let err = refused("admin", &[("every", text("2w"))]);
        assert!(err.contains("\"every\" goes with pairing"), "{err}");
        let err = refused("admin", &[("off", text("pairing")), ("every", text("2w"))]);
        assert!(err.contains("not with off"), "{err}");
        let err = refused("admin", &[("off", text("followup"))]);
        assert!(err.contains("out of date"), "{err}");
        let err = refused("admin", &[("resources", text("#general"))]);
        assert!(err.contains("takes a channel"), "{err}");
        let err = refused(
            "pairing",
            &[("join_or_leave", text("join")), ("pause", text("2w"))],
        );
        assert!(err.contains("one setting at a time"), "{err}");
        let err = refused("pairing", &[("join_or_leave", text("dance"))]);
        assert!(err.contains("out of date"), "{err}");
        let err = refused("intro", &[("first", user(1, "bob")), ("why", text("x"))]);
        assert!(err.contains("\"second\""), "{err}");
        let err = refused(
            "intro",
            &[
                ("first", user(1, "bob")),
                ("second", text("carol")),
                ("why", text("x")),
            ],
        );
        assert!(err.contains("takes a member"), "{err}");
        let err = refused(
            "share",
            &[
                ("url", text("https://example.com/a")),
                ("why", text("With love")),
            ],
        );
        assert!(err.contains("can't start with the word \"with\""), "{err}");
        // Given the member, "with" at the start of the reason is just a word.
        assert_eq!(
            line(
                "share",
                &[
                    ("url", text("https://example.com/a")),
                    ("with", user(3, "dana")),
                    ("why", text("with love")),
                ]
            ),
            Ok("share https://example.com/a with <@3> with love".into())
        );
    }
}
