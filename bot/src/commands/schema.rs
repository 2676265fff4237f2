//! The typed command schema: each command declares its arguments once, as
//! slots of a kind (a contact, text, a when, a span, a tier, tags, a
//! channel, a choice, a file, ...), with their help. From that declaration
//! come the text grammar (this module reads a line slot by slot), the usage
//! and help lines, and the fields a platform with typed inputs offers
//! (Discord options, Slack modal fields): adapters translate the slots, and
//! hand back typed [`Field`]s that [`from_fields`] checks one by one with the
//! same messages the text grammar gives.
//!
//! Nothing here is platform-specific: it is data about the core's commands.

use chrono_tz::Tz;

use super::args::{Args, ParseError, When, Word, capitalise, join_typed, parse_contact};
use super::{COMMANDS, Command, Spec};
use crate::community::Channel;
use crate::domain::{ContactRef, Mention, Span, Tag, Tier};

/// What a slot holds, and so how it is typed, offered and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A fellow member (`@alice`) or an outside person's name (`"Jane Doe"`).
    Contact,
    /// A fellow member only.
    Member,
    /// Free text: the rest of the line, up to `max` characters.
    Text { max: usize },
    /// A few words: up to the next word another slot claims (a company
    /// after `at`), or one quoted phrase.
    Phrase { max: usize },
    /// One word, or one quoted phrase (a company: `Acme`, `"Acme Corp"`).
    Name { max: usize },
    /// When it happened: `yesterday`, `3 days ago`, `on 2026-11-02`. Typed,
    /// it ends the text slot before it.
    When,
    /// How long: `10d`, `2w`, `3 weeks`, `1 month`.
    Duration,
    /// `inner`, `close` or `wider`.
    Tier,
    /// `#tags`, anywhere after the slots before them.
    Tags,
    /// One `#tag`.
    Tag,
    /// A text channel; with `off`, the word `off` instead turns it off.
    Channel { off: bool },
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A public http(s) link.
    Url,
    /// An IANA time zone (`Europe/Berlin`).
    Zone,
    /// Hours of the day, `09:00-10:00`.
    Hours,
    /// A cron line (seconds first), or `off`.
    Schedule,
    /// The name of one of the core's commands.
    CommandName,
    /// A file sent with the command.
    File,
    /// A word that must be typed (`forget me`): no input of its own.
    Word(&'static str),
    /// A word that may be typed to say yes (`confirm`).
    Flag(&'static str),
}

/// How to ask for a slot that is missing.
#[derive(Debug, Clone, Copy)]
pub enum Ask {
    Say(&'static str),
    /// A question that names what was given before (e.g. who).
    With(fn(&Values) -> String),
}

/// One argument of a command.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// Its name as an input (Discord option, Slack field): lowercase, `_`.
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// A word typed before the value (`every 3w`, `at "Acme"`, `with @bob`).
    pub keyword: Option<&'static str>,
    /// How the value is written in a usage line (`@someone`, `<what>`).
    pub placeholder: &'static str,
    /// One sentence on what to give, at most 100 characters: a Discord
    /// option's description, a Slack field's hint.
    pub help: &'static str,
    /// A short label for a form field ("Who", "What").
    pub label: &'static str,
    pub ask: Ask,
}

impl Slot {
    /// A required slot.
    pub const fn new(
        name: &'static str,
        kind: Kind,
        label: &'static str,
        placeholder: &'static str,
        help: &'static str,
    ) -> Slot {
        Slot {
            name,
            kind,
            required: true,
            keyword: None,
            placeholder,
            help,
            label,
            ask: Ask::Say(""),
        }
    }

    pub const fn optional(mut self) -> Slot {
        self.required = false;
        self
    }

    pub const fn after(mut self, keyword: &'static str) -> Slot {
        self.keyword = Some(keyword);
        self
    }

    pub const fn ask(mut self, question: &'static str) -> Slot {
        self.ask = Ask::Say(question);
        self
    }

    pub const fn ask_with(mut self, question: fn(&Values) -> String) -> Slot {
        self.ask = Ask::With(question);
        self
    }

    /// Whether it is read in place, in the order declared (not by a
    /// keyword, a `#`, or a word of its own).
    fn positional(&self) -> bool {
        self.keyword.is_none()
            && !matches!(
                self.kind,
                Kind::Tags | Kind::Flag(_) | Kind::File | Kind::When | Kind::Word(_)
            )
    }

    /// Whether an input on a platform offers it (a word that must be typed
    /// is implied by the command).
    pub fn is_input(&self) -> bool {
        !matches!(self.kind, Kind::Word(_))
    }

    /// How the slot reads in a usage line: `@someone`, `[every 3w]`.
    pub fn usage(&self) -> String {
        let shown = match self.keyword {
            Some(keyword) => format!("{keyword} {}", self.placeholder),
            None => self.placeholder.to_string(),
        };
        if self.required || matches!(self.kind, Kind::File | Kind::Flag(_)) {
            shown
        } else {
            format!("[{shown}]")
        }
    }

    fn question(&self, values: &Values) -> String {
        match self.ask {
            Ask::Say("") => format!("{} is needed: {}", self.label, self.help),
            Ask::Say(question) => question.to_string(),
            Ask::With(question) => question(values),
        }
    }
}

/// One form of a command with several (`settings tz <Zone>`,
/// `settings dms on|off`): a word, then its own slots.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub name: &'static str,
    /// Other words that pick it (`timezone` for `tz`).
    pub aliases: &'static [&'static str],
    /// One line on what it does, at most 100 characters.
    pub summary: &'static str,
    pub slots: &'static [Slot],
}

/// The arguments of a command.
#[derive(Debug, Clone, Copy)]
pub enum Form {
    Slots(&'static [Slot]),
    /// One of several forms; or, with nothing typed, the `bare` form (its
    /// name is how a platform with typed inputs offers it, e.g. `show`).
    Variants {
        bare: Option<Variant>,
        variants: &'static [Variant],
        /// What to say when the word is not one of them.
        unknown: &'static str,
    },
}

/// Where a command belongs: which of a platform's commands offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The member's own ledger: favours, check-ins, who is due.
    Ledger,
    /// The member's account: settings, export, import, forget.
    Account,
    /// What members do together: introductions, shared links, pairing.
    Community,
    /// The organisers' settings (only workspace admins may use them).
    Admin,
}

impl Form {
    /// Every variant, the bare one first.
    pub fn variants(&self) -> Vec<&Variant> {
        match self {
            Form::Slots(_) => Vec::new(),
            Form::Variants { bare, variants, .. } => bare.iter().chain(variants.iter()).collect(),
        }
    }
}

/// A slot's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Contact(ContactRef),
    Member(Mention),
    Text(String),
    When(When),
    Span(Span),
    Tier(Tier),
    Tags(Vec<Tag>),
    Tag(Tag),
    /// `None`: off.
    Channel(Option<Channel>),
    Zone(Tz),
    /// A choice, a command name, a schedule, hours: as given, tidied.
    Word(String),
    Flag,
}

/// The values of a command's slots, by slot name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values {
    /// The form chosen, for a command with several.
    pub variant: Option<&'static str>,
    items: Vec<(&'static str, Value)>,
}

impl Values {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.items.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn set(&mut self, name: &'static str, value: Value) {
        self.items.retain(|(n, _)| *n != name);
        self.items.push((name, value));
    }

    fn missing(name: &str) -> ParseError {
        ParseError::new(format!("Internal: the slot {name} was not given."))
    }

    pub fn contact(&self, name: &str) -> Result<ContactRef, ParseError> {
        match self.get(name) {
            Some(Value::Contact(c)) => Ok(c.clone()),
            Some(Value::Member(m)) => Ok(ContactRef::Member(m.clone())),
            _ => Err(Self::missing(name)),
        }
    }

    pub fn member(&self, name: &str) -> Option<Mention> {
        match self.get(name) {
            Some(Value::Member(m)) => Some(m.clone()),
            _ => None,
        }
    }

    pub fn text(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Value::Text(t) | Value::Word(t)) => Some(t.clone()),
            _ => None,
        }
    }

    pub fn when(&self, name: &str) -> Option<When> {
        match self.get(name) {
            Some(Value::When(w)) => Some(*w),
            _ => None,
        }
    }

    pub fn span(&self, name: &str) -> Option<Span> {
        match self.get(name) {
            Some(Value::Span(s)) => Some(*s),
            _ => None,
        }
    }

    pub fn tier(&self, name: &str) -> Option<Tier> {
        match self.get(name) {
            Some(Value::Tier(t)) => Some(*t),
            _ => None,
        }
    }

    pub fn tags(&self, name: &str) -> Vec<Tag> {
        match self.get(name) {
            Some(Value::Tags(t)) => t.clone(),
            _ => Vec::new(),
        }
    }

    pub fn tag(&self, name: &str) -> Option<Tag> {
        match self.get(name) {
            Some(Value::Tag(t)) => Some(t.clone()),
            _ => None,
        }
    }

    /// `Some(None)`: turned off.
    pub fn channel(&self, name: &str) -> Option<Option<Channel>> {
        match self.get(name) {
            Some(Value::Channel(c)) => Some(c.clone()),
            _ => None,
        }
    }

    pub fn zone(&self, name: &str) -> Option<Tz> {
        match self.get(name) {
            Some(Value::Zone(z)) => Some(*z),
            _ => None,
        }
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Value::Flag))
    }
}

impl Spec {
    /// The slots of a form: the command's own, or the chosen variant's.
    pub fn slots(&self, variant: Option<&str>) -> &'static [Slot] {
        match (&self.form, variant) {
            (Form::Slots(slots), _) => slots,
            (Form::Variants { .. }, None) => &[],
            (form, Some(name)) => form
                .variants()
                .into_iter()
                .find(|v| v.name == name)
                .map_or(&[], |v| v.slots),
        }
    }

    /// The usage line, made from the slots: `gave @someone <what> [when]`,
    /// `settings [tz <Zone> | dms on|off]`.
    pub fn usage(&self) -> String {
        let mut parts = vec![self.name.to_string()];
        match &self.form {
            Form::Slots(slots) => parts.extend(slots.iter().map(Slot::usage)),
            Form::Variants { bare, variants, .. } => {
                let forms: Vec<String> = variants.iter().map(variant_usage).collect();
                let joined = forms.join(" | ");
                parts.push(if bare.is_some() {
                    format!("[{joined}]")
                } else {
                    joined
                });
            }
        }
        parts.join(" ")
    }

    /// Finds one of its variants by name or alias (any case).
    pub fn variant(&self, word: &str) -> Option<&'static Variant> {
        let Form::Variants { variants, .. } = &self.form else {
            return None;
        };
        variants.iter().find(|v| {
            v.name.eq_ignore_ascii_case(word)
                || v.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
        })
    }
}

fn variant_usage(variant: &Variant) -> String {
    std::iter::once(variant.name.to_string())
        .chain(variant.slots.iter().map(Slot::usage))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the words after a command's name, slot by slot.
pub(super) fn read_line(spec: &Spec, args: &mut Args) -> Result<Values, ParseError> {
    let mut values = Values::default();
    let slots = match &spec.form {
        Form::Slots(slots) => *slots,
        Form::Variants {
            bare,
            variants: _,
            unknown,
        } => match args.next_word() {
            None => match bare {
                Some(bare) => {
                    values.variant = Some(bare.name);
                    return Ok(values);
                }
                None => return Err(ParseError::new(*unknown)),
            },
            Some(word) => match spec.variant(&word.text).filter(|_| !word.quoted) {
                Some(variant) => {
                    values.variant = Some(variant.name);
                    variant.slots
                }
                None => return Err(ParseError::new(unknown.replace("{}", &word.typed()))),
            },
        },
    };
    read_slots(slots, args, &mut values)?;
    Ok(values)
}

/// Whether a word is one a slot other than free text would take: a keyword,
/// a tier, a tag, a flag (what ends a phrase).
fn claimed_elsewhere(slots: &[Slot], word: &Word, values: &Values) -> bool {
    if word.quoted {
        return false;
    }
    slots.iter().any(|s| {
        values.get(s.name).is_none()
            && (s.keyword.is_some_and(|k| word.text.eq_ignore_ascii_case(k))
                || (matches!(s.kind, Kind::Tags) && word.text.starts_with('#'))
                || (matches!(s.kind, Kind::Tier) && Tier::parse(&word.text).is_some())
                || matches!(s.kind, Kind::Flag(f) if word.text.eq_ignore_ascii_case(f)))
    })
}

/// Whether an optional slot in place would take this word.
fn claims(slot: &Slot, word: &Word) -> bool {
    if word.quoted {
        return matches!(
            slot.kind,
            Kind::Contact
                | Kind::Member
                | Kind::Text { .. }
                | Kind::Phrase { .. }
                | Kind::Name { .. }
                | Kind::Schedule
        );
    }
    match slot.kind {
        Kind::Tier => Tier::parse(&word.text).is_some(),
        Kind::Tag => word.text.starts_with('#') || word.text.starts_with("<#"),
        Kind::Choice(words) => words.iter().any(|w| w.eq_ignore_ascii_case(&word.text)),
        Kind::Duration => word.text.starts_with(|c: char| c.is_ascii_digit()),
        _ => true,
    }
}

/// A keyword slot is read only where its value follows: `with @bob`, not
/// `with care`.
fn keyword_applies(slot: &Slot, args: &Args) -> bool {
    match slot.kind {
        Kind::Member | Kind::Contact => match args.peek_after(1) {
            None => true,
            Some(w) => w.quoted || w.text.starts_with('@') || w.text.starts_with("<@"),
        },
        _ => true,
    }
}

fn read_slots(slots: &[Slot], args: &mut Args, values: &mut Values) -> Result<(), ParseError> {
    let when_slot = slots.iter().find(|s| matches!(s.kind, Kind::When));
    let tags_slot = slots.iter().find(|s| matches!(s.kind, Kind::Tags));
    let mut tags: Vec<Tag> = Vec::new();
    let mut positional = slots.iter().filter(|s| s.positional()).peekable();
    while let Some(word) = args.peek().cloned() {
        let plain = !word.quoted;
        // A keyworded slot: `every 3w`, `at "Acme"`, `with @bob`.
        if let Some(slot) = slots.iter().find(|s| {
            plain
                && values.get(s.name).is_none()
                && s.keyword.is_some_and(|k| word.text.eq_ignore_ascii_case(k))
                && keyword_applies(s, args)
        }) {
            args.next_word();
            let value = read_value(slot, args, slots, values)?;
            values.set(slot.name, value);
            continue;
        }
        if let Some(slot) = slots
            .iter()
            .find(|s| matches!(s.kind, Kind::Flag(f) if plain && word.text.eq_ignore_ascii_case(f)))
        {
            args.next_word();
            values.set(slot.name, Value::Flag);
            continue;
        }
        if let Some(slot) = slots
            .iter()
            .find(|s| matches!(s.kind, Kind::Word(w) if plain && word.text.eq_ignore_ascii_case(w)))
            && values.get(slot.name).is_none()
        {
            args.next_word();
            values.set(slot.name, Value::Flag);
            continue;
        }
        if let Some(tags_slot) = tags_slot
            && plain
            && (word.text.starts_with('#') || word.text.starts_with("<#"))
        {
            args.next_word();
            add_tag(&mut tags, &word)?;
            values.set(tags_slot.name, Value::Tags(tags.clone()));
            continue;
        }
        // The next slot in place; an optional one only if the word fits it,
        // else a later optional one it fits.
        let slot = loop {
            match positional.peek() {
                None => break None,
                Some(s) if s.required || claims(s, &word) => break positional.next(),
                Some(_) => {
                    let later = slots.iter().find(|s| {
                        s.positional() && values.get(s.name).is_none() && claims(s, &word)
                    });
                    match later {
                        Some(later) if !later.required => break Some(later),
                        _ => {
                            positional.next();
                        }
                    }
                }
            }
        };
        let Some(slot) = slot else {
            // A word that must come first was not typed: ask for it.
            if let Some(word_slot) = slots
                .iter()
                .find(|s| matches!(s.kind, Kind::Word(_)) && values.get(s.name).is_none())
            {
                return Err(ParseError::new(word_slot.question(values)));
            }
            return Err(unexpected(slots, args, values));
        };
        if let Kind::Text { max } = slot.kind {
            let (text, when) = read_text(args, tags_slot.is_some(), &mut tags, when_slot)?;
            if let Some(tags_slot) = tags_slot.filter(|_| !tags.is_empty()) {
                values.set(tags_slot.name, Value::Tags(tags.clone()));
            }
            if let (Some(when_slot), Some(when)) = (when_slot, when) {
                values.set(when_slot.name, Value::When(when));
            }
            check_length(&text, max, slot)?;
            if !text.is_empty() {
                values.set(slot.name, Value::Text(text));
            }
            continue;
        }
        let value = read_value(slot, args, slots, values)?;
        values.set(slot.name, value);
    }
    for slot in slots {
        // A file cannot be typed: the handler asks for one if it is missing.
        if slot.required && !matches!(slot.kind, Kind::File) && values.get(slot.name).is_none() {
            return Err(ParseError::new(slot.question(values)));
        }
    }
    Ok(())
}

fn unexpected(slots: &[Slot], args: &mut Args, values: &Values) -> ParseError {
    let rest = join_typed(&args.rest());
    let optional: Vec<String> = slots
        .iter()
        .filter(|s| !s.required && s.is_input() && !matches!(s.kind, Kind::File))
        .filter(|s| values.get(s.name).is_none())
        .map(|s| match s.kind {
            Kind::Tier => "a tier (inner, close, wider)".to_string(),
            Kind::Tags | Kind::Tag => "#tags".to_string(),
            _ => s.usage().trim_matches(['[', ']']).to_string(),
        })
        .collect();
    if optional.is_empty() {
        ParseError::new(format!("I didn't expect \"{rest}\" there."))
    } else {
        ParseError::new(format!(
            "I didn't understand \"{rest}\". You can give {}.",
            or_list(&optional.iter().map(String::as_str).collect::<Vec<_>>())
                .replace(" or ", " and ")
        ))
    }
}

fn check_length(text: &str, max: usize, slot: &Slot) -> Result<(), ParseError> {
    if text.chars().count() > max {
        let what = match slot.name {
            "why" => format!("Keep the reason to {max} characters; a sentence or two is plenty."),
            _ => format!("That is longer than {max} characters; keep it to a line or two."),
        };
        return Err(ParseError::new(what));
    }
    Ok(())
}

/// The rest of the line as text; `#tags` taken out when the command has
/// them, and a trailing when split off when it has one.
fn read_text(
    args: &mut Args,
    take_tags: bool,
    tags: &mut Vec<Tag>,
    when_slot: Option<&Slot>,
) -> Result<(String, Option<When>), ParseError> {
    let mut words = Vec::new();
    for word in args.rest() {
        if take_tags && !word.quoted && (word.text.starts_with('#') || word.text.starts_with("<#"))
        {
            add_tag(tags, &word)?;
        } else {
            words.push(word);
        }
    }
    let (words, when) = match when_slot {
        Some(_) => When::split_off(&words)?,
        None => (words, None),
    };
    Ok((join_typed(&words), when))
}

fn add_tag(tags: &mut Vec<Tag>, word: &Word) -> Result<(), ParseError> {
    let tag = read_tag(&word.text)?;
    if !tags.contains(&tag) {
        if tags.len() == crate::limits::TAGS {
            return Err(ParseError::new(format!(
                "At most {} tags can go on one thing; use fewer, broader ones.",
                crate::limits::TAGS
            )));
        }
        tags.push(tag);
    }
    Ok(())
}

/// A `#tag`, or a Slack channel link standing for one (`<#C1|sales>`).
fn read_tag(text: &str) -> Result<Tag, ParseError> {
    let text = text.trim();
    let tag = Tag::parse(text).or_else(|| {
        let channel = Channel::parse(text).filter(|_| text.starts_with("<#"))?;
        Tag::parse(&format!("#{}", channel.name?))
    });
    tag.ok_or_else(|| {
        ParseError::new(format!(
            "\"{text}\" is not a tag I can use; tags are one word of letters, digits, - or _, like #design."
        ))
    })
}

/// Reads one slot's value from the words, by its kind.
fn read_value(
    slot: &Slot,
    args: &mut Args,
    slots: &[Slot],
    values: &Values,
) -> Result<Value, ParseError> {
    let ask = || ParseError::new(slot.question(values));
    match slot.kind {
        Kind::Duration => {
            let question = slot.question(values);
            return args.span(&question).map(Value::Span);
        }
        Kind::Phrase { max } => {
            let mut parts = Vec::new();
            while let Some(word) = args.peek() {
                if claimed_elsewhere(slots, word, values) || (word.quoted && !parts.is_empty()) {
                    break;
                }
                let quoted = word.quoted;
                parts.push(word.text.clone());
                args.next_word();
                if quoted {
                    break;
                }
            }
            let text = parts.join(" ").trim().to_string();
            if text.is_empty() {
                return Err(ask());
            }
            return read_phrase(&text, max, slot);
        }
        Kind::Schedule => {
            let rest = args.rest();
            let line = rest
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            if line.is_empty() {
                return Err(ask());
            }
            return read_schedule(&line);
        }
        _ => {}
    }
    let word = args.next_word().ok_or_else(ask)?;
    read_word(slot, &word)
}

fn read_phrase(text: &str, max: usize, slot: &Slot) -> Result<Value, ParseError> {
    if text.chars().count() > max {
        return Err(ParseError::new(format!(
            "That {} is longer than {max} characters.",
            slot.label.to_lowercase()
        )));
    }
    Ok(Value::Text(text.to_string()))
}

fn read_schedule(line: &str) -> Result<Value, ParseError> {
    if line.eq_ignore_ascii_case("off") {
        return Ok(Value::Word("off".into()));
    }
    crate::schedule::Digest::parse(line).map_err(|e| ParseError::new(capitalise(&e) + "."))?;
    Ok(Value::Word(line.to_string()))
}

/// Reads one word (or quoted phrase) as a slot's value.
fn read_word(slot: &Slot, word: &Word) -> Result<Value, ParseError> {
    let text = word.text.trim();
    match slot.kind {
        Kind::Contact => parse_contact(word).map(Value::Contact),
        Kind::Member => match parse_contact(word)? {
            ContactRef::Member(m) => Ok(Value::Member(m)),
            ContactRef::Named(name) => Err(ParseError::new(format!(
                "\"{name}\" is an outside name, and this needs a member of this workspace. Mention them like @alice."
            ))),
        },
        Kind::Tier => Tier::parse(text)
            .filter(|_| !word.quoted)
            .map(Value::Tier)
            .ok_or_else(|| {
                ParseError::new(format!(
                    "\"{}\" is not a tier; say inner, close or wider.",
                    word.typed()
                ))
            }),
        Kind::Tag => read_tag(text).map(Value::Tag),
        Kind::Channel { off } => {
            if off && text.eq_ignore_ascii_case("off") && !word.quoted {
                return Ok(Value::Channel(None));
            }
            Channel::parse(text)
                .map(|c| Value::Channel(Some(c)))
                .ok_or_else(|| {
                    let or_off = if off { ", or off" } else { "" };
                    ParseError::new(format!(
                        "\"{}\" is not a channel; write it like #general{or_off}.",
                        word.typed()
                    ))
                })
        }
        Kind::Choice(choices) => choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(text))
            .map(|c| Value::Word(c.to_string()))
            .ok_or_else(|| match slot.ask {
                Ask::Say(question) if !question.is_empty() => ParseError::new(question),
                _ => ParseError::new(format!(
                    "Say {}, not \"{}\".",
                    or_list(choices),
                    word.typed()
                )),
            }),
        Kind::Url => super::resources::read_url(text).map(|_| Value::Text(text.to_string())),
        Kind::Zone => super::settings::time_zone(text).map(Value::Zone),
        Kind::Hours => crate::schedule::Window::parse(text, false)
            .map(|_| Value::Word(text.to_string()))
            .map_err(|e| ParseError::new(capitalise(&e.to_string()) + ".")),
        Kind::CommandName => Ok(Value::Word(text.trim_start_matches('/').to_lowercase())),
        Kind::Phrase { max } | Kind::Name { max } => read_phrase(text, max, slot),
        Kind::Text { max } => {
            let tidy = text.split_whitespace().collect::<Vec<_>>().join(" ");
            check_length(&tidy, max, slot)?;
            Ok(Value::Text(tidy))
        }
        Kind::Schedule => read_schedule(text),
        Kind::Duration => {
            let parts: Vec<&str> = text.split_whitespace().collect();
            Span::parse(&parts)
                .map(Value::Span)
                .map_err(|e| ParseError::new(capitalise(&e.to_string()) + "."))
        }
        Kind::When => read_when(text),
        Kind::Tags => {
            let mut tags = Vec::new();
            for part in text.split([' ', ',']).filter(|t| !t.is_empty()) {
                let word = Word {
                    text: format!("#{}", part.trim_start_matches('#')),
                    quoted: false,
                };
                add_tag(&mut tags, &word)?;
            }
            Ok(Value::Tags(tags))
        }
        Kind::File | Kind::Flag(_) | Kind::Word(_) => Ok(Value::Flag),
    }
}

/// A when given on its own (a form field): the whole of it must read as one.
fn read_when(text: &str) -> Result<Value, ParseError> {
    let words = super::args::split_words(text)?;
    let (rest, when) = When::split_off(&words)?;
    match (rest.is_empty(), when) {
        (true, Some(when)) => Ok(Value::When(when)),
        _ => Err(ParseError::new(format!(
            "I couldn't tell when \"{text}\" was. Write it like 3 days ago, 2w ago, yesterday or on 2026-11-02."
        ))),
    }
}

fn or_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A value given in a typed input (a Discord option, a Slack modal field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Text as typed in the input.
    Text(String),
    /// A member the platform picked (an id, never a typed name).
    Member(String),
    /// A channel the platform picked.
    Channel(String),
    /// Yes/no (a flag; or, for a channel that may be off, "off").
    Bool(bool),
    /// A file is attached (the adapter carries it).
    File,
}

/// What was wrong with typed inputs: per field, the same message the text
/// grammar gives, and a message for the whole when no field is to blame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors {
    pub fields: Vec<(&'static str, String)>,
    pub general: Option<String>,
}

impl FieldErrors {
    /// All of it in one text, for a surface that cannot show it by field.
    pub fn to_user_text(&self) -> String {
        self.fields
            .iter()
            .map(|(_, m)| m.clone())
            .chain(self.general.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Builds a command from typed inputs: each field read as its slot's kind
/// (so each mistake is told against its field), the required ones asked
/// for, then the command made just as from a typed line. Unknown field
/// names are refused: the inputs were made for another version.
pub fn from_fields(
    spec: &Spec,
    variant: Option<&str>,
    fields: &[(String, Field)],
) -> Result<Command, FieldErrors> {
    let general = |message: String| FieldErrors {
        fields: Vec::new(),
        general: Some(message),
    };
    let mut values = Values::default();
    let slots: &[Slot] = match (&spec.form, variant) {
        (Form::Slots(slots), None) => slots,
        (Form::Variants { .. }, Some(name)) => {
            let found = spec
                .form
                .variants()
                .into_iter()
                .find(|v| v.name == name)
                .ok_or_else(|| general(STALE.into()))?;
            values.variant = Some(found.name);
            found.slots
        }
        _ => return Err(general(STALE.into())),
    };
    let mut errors = FieldErrors::default();
    for (name, _) in fields {
        if !slots.iter().any(|s| s.name == name && s.is_input()) {
            return Err(general(format!(
                "I don't know the input \"{name}\" of {}. {STALE}",
                spec.name
            )));
        }
    }
    for slot in slots {
        if let Kind::Word(_) = slot.kind {
            values.set(slot.name, Value::Flag);
            continue;
        }
        let Some((_, field)) = fields.iter().find(|(n, _)| n == slot.name) else {
            continue;
        };
        match read_field(slot, field) {
            Ok(Some(value)) => values.set(slot.name, value),
            Ok(None) => {}
            Err(e) => errors.fields.push((slot.name, e.message)),
        }
    }
    if !errors.fields.is_empty() {
        return Err(errors);
    }
    for slot in slots {
        if slot.required && values.get(slot.name).is_none() {
            errors.fields.push((slot.name, slot.question(&values)));
        }
    }
    if !errors.fields.is_empty() {
        return Err(errors);
    }
    (spec.build)(&values).map_err(|e| FieldErrors {
        fields: e
            .field
            .map(|f| (f, e.message.clone()))
            .into_iter()
            .collect(),
        general: e.field.is_none().then_some(e.message),
    })
}

const STALE: &str = "The form you used is out of date; nothing was changed. (On Discord, ask the server's admin to run `kith discord register`.)";

fn read_field(slot: &Slot, field: &Field) -> Result<Option<Value>, ParseError> {
    match (slot.kind, field) {
        (Kind::Contact | Kind::Member, Field::Member(id)) => {
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(ParseError::new("That is not a member I can find."));
            }
            let mention = Mention {
                id: id.clone(),
                label: None,
            };
            Ok(Some(match slot.kind {
                Kind::Member => Value::Member(mention),
                _ => Value::Contact(ContactRef::Member(mention)),
            }))
        }
        (Kind::Contact, Field::Text(name)) => {
            let name: String = name
                .chars()
                .filter(|c| !matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}'))
                .collect();
            if name.trim().is_empty() {
                return Ok(None);
            }
            parse_contact(&Word {
                text: name,
                quoted: true,
            })
            .map(|c| Some(Value::Contact(c)))
        }
        (Kind::Channel { .. }, Field::Channel(id)) => Channel::parse(&format!("<#{id}>"))
            .map(|c| Some(Value::Channel(Some(c))))
            .ok_or_else(|| ParseError::new("That is not a channel I can use.")),
        (Kind::Channel { off: true }, Field::Bool(true)) => Ok(Some(Value::Channel(None))),
        (Kind::Flag(_), Field::Bool(yes)) => Ok(yes.then_some(Value::Flag)),
        (Kind::File, Field::File) => Ok(Some(Value::Flag)),
        (
            Kind::Text { .. }
            | Kind::Phrase { .. }
            | Kind::Name { .. }
            | Kind::When
            | Kind::Duration
            | Kind::Tier
            | Kind::Tags
            | Kind::Tag
            | Kind::Choice(_)
            | Kind::Url
            | Kind::Zone
            | Kind::Hours
            | Kind::Schedule
            | Kind::CommandName,
            Field::Text(text),
        ) => {
            let tidy = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if tidy.is_empty() {
                return Ok(None);
            }
            let quoted = matches!(
                slot.kind,
                Kind::Phrase { .. } | Kind::Text { .. } | Kind::Name { .. }
            );
            read_word(slot, &Word { text: tidy, quoted }).map(Some)
        }
        _ => Err(ParseError::new(format!(
            "The input \"{}\" got the wrong kind of value. {STALE}",
            slot.name
        ))),
    }
}

/// Every command and form a platform with typed inputs offers, for a test
/// that each is complete: (command, variant, slots).
pub fn forms() -> Vec<(&'static Spec, Option<&'static str>, &'static [Slot])> {
    let mut out = Vec::new();
    for spec in COMMANDS {
        match &spec.form {
            Form::Slots(slots) => out.push((spec, None, *slots)),
            form @ Form::Variants { .. } => {
                for v in form.variants() {
                    out.push((spec, Some(v.name), v.slots));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_has_a_name_inputs_accept_and_short_help() {
        for (spec, variant, slots) in forms() {
            for slot in slots {
                let ok = !slot.name.is_empty()
                    && slot.name.len() <= 32
                    && slot
                        .name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
                assert!(ok, "{} {variant:?}: {}", spec.name, slot.name);
                let help = slot.help.chars().count();
                assert!((1..=100).contains(&help), "{}: {}", spec.name, slot.name);
                assert!(!slot.label.is_empty(), "{}: {}", spec.name, slot.name);
            }
        }
    }

    #[test]
    fn usage_lines_are_made_from_the_slots() {
        let usage = |name: &str| super::super::spec(name).expect(name).usage();
        assert_eq!(usage("gave"), "gave @someone <what> [when]");
        assert_eq!(usage("touch"), "touch @someone [<what>] [when]");
        assert_eq!(
            usage("add"),
            "add @someone [inner|close|wider] [every 3w] [at \"Company\"] [#tag ...]"
        );
        assert_eq!(
            usage("settings"),
            "settings [tz <Zone> | window 09:00-10:00 [weekdays|daily] | digest \"<cron>\"|off | dms on|off | reach on|off]"
        );
    }

    #[test]
    fn a_field_is_read_with_the_message_the_line_gives() {
        let gave = super::super::spec("gave").expect("gave");
        let fields = [
            ("who".to_string(), Field::Member("U2".into())),
            ("what".to_string(), Field::Text("a review".into())),
            ("when".to_string(), Field::Text("last tuesday".into())),
        ];
        let err = from_fields(gave, None, &fields).expect_err("bad when");
        assert_eq!(err.fields.len(), 1);
        assert_eq!(err.fields[0].0, "when");
        let typed = super::super::parse("gave @bob a review on last-tuesday");
        assert!(typed.is_ok(), "text keeps odd words as text");
        let err = from_fields(gave, None, &fields[..1]).expect_err("no what");
        assert_eq!(err.fields[0].0, "what");
        assert!(
            err.fields[0].1.starts_with("What did you do for"),
            "{err:?}"
        );
        let command = from_fields(gave, None, &fields[..2]).expect("a favour");
        assert_eq!(
            Ok(command),
            super::super::parse("gave <@U2> a review"),
            "fields and the line make the same command"
        );
    }

    #[test]
    fn unknown_fields_and_forms_are_refused() {
        let gave = super::super::spec("gave").expect("gave");
        let err = from_fields(gave, None, &[("colour".into(), Field::Text("red".into()))])
            .expect_err("unknown");
        assert!(err.general.expect("general").contains("colour"));
        let settings = super::super::spec("settings").expect("settings");
        assert!(from_fields(settings, Some("fly"), &[]).is_err());
        assert!(from_fields(settings, None, &[]).is_err());
        let shown = from_fields(settings, Some("show"), &[]).expect("bare form");
        assert_eq!(shown, Command::Settings(None));
        let member_id = from_fields(
            gave,
            None,
            &[
                ("who".into(), Field::Member("<@1>".into())),
                ("what".into(), Field::Text("x".into())),
            ],
        );
        assert!(member_id.is_err(), "an id is only letters and digits");
    }
}
