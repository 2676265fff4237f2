//! The ledger's vocabulary: tiers, cadences, spans of time, tags, contacts and
//! what is logged about them. Every value here is built by a `parse` that
//! returns a typed error, so a handler never sees a malformed one.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

/// Which chat platform a workspace lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Console,
    Slack,
    Discord,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Console => "console",
            Platform::Slack => "slack",
            Platform::Discord => "discord",
        }
    }
}

impl Platform {
    pub fn parse(s: &str) -> Option<Platform> {
        match s {
            "console" => Some(Platform::Console),
            "slack" => Some(Platform::Slack),
            "discord" => Some(Platform::Discord),
            _ => None,
        }
    }
}

/// A credential (bot token, signing secret). Its `Debug` and `Display` never
/// show the value, so it cannot leak into a log or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// (De)serialises an optional [`Secret`] as a plain string, for the
/// platform adapters' configuration (read from text; only defaults, which
/// hold no secret, are ever written): `#[serde(with = "kith_bot::domain::optional_secret")]`.
/// A blank value counts as unset.
pub mod optional_secret {
    use super::Secret;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(secret) => s.serialize_some(secret.expose()),
            None => s.serialize_none(),
        }
    }

    /// Text, or a number or bool taken as its text; an error never
    /// repeats the value.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        let value = super::optional_text::deserialize(d)
            .map_err(|_| serde::de::Error::custom("a secret must be text"))?;
        Ok(value.map(Secret::new))
    }
}

/// An optional text setting that may arrive as a number or a bool (TOML
/// and typed environment values): kept as its text; empty means unset.
pub mod optional_text {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Int(i64),
        UInt(u64),
        Float(f64),
        Bool(bool),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let text = match Option::<Loose>::deserialize(d)? {
            None => return Ok(None),
            Some(Loose::Text(t)) => t,
            Some(Loose::Int(n)) => n.to_string(),
            Some(Loose::UInt(n)) => n.to_string(),
            Some(Loose::Float(n)) => n.to_string(),
            Some(Loose::Bool(b)) => b.to_string(),
        };
        Ok(Some(text).filter(|t| !t.trim().is_empty()))
    }
}

/// A bot's installation in one workspace (Slack OAuth v2: one token per team).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub bot_token: Secret,
    pub bot_user_id: Option<String>,
}

/// A workspace (Slack team, Discord guild, console session) as the store knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkspaceId(pub i64);

/// A member of one workspace as the store knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemberId(pub i64);

/// One entry in one member's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContactId(pub i64);

/// Whose ledger an operation reads or writes. Every store call that touches
/// a network takes one, so no query can reach another member's contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub workspace: WorkspaceId,
    pub member: MemberId,
}

/// A person in a workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: MemberId,
    pub workspace: WorkspaceId,
    /// The platform's id for them (Slack `U123`, Discord snowflake, console name).
    pub external_id: String,
    pub display_name: String,
    pub tz: chrono_tz::Tz,
    /// Where `tz` came from.
    pub tz_source: TzSource,
    /// Whether they have used Kith themselves (and seen the welcome); only
    /// they get reminders and digests, never someone merely mentioned.
    pub welcomed: bool,
    /// When reminders may arrive.
    pub window: crate::schedule::Window,
    /// The digest schedule; `None` when turned off.
    pub digest: Option<crate::schedule::Digest>,
    /// Whether Kith may send them direct messages at all.
    pub dms: bool,
    /// Why direct messages failed for good, until they are told.
    pub dm_failure: Option<String>,
}

/// A change to a member's settings.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsChange {
    Tz(chrono_tz::Tz),
    Window(crate::schedule::Window),
    Digest(Option<crate::schedule::Digest>),
    Dms(bool),
}

/// Where a member's time zone came from; the member's own choice wins over
/// the platform's profile, which wins over the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TzSource {
    Default,
    Platform,
    Member,
}

impl TzSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TzSource::Default => "default",
            TzSource::Platform => "platform",
            TzSource::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<TzSource> {
        match s {
            "default" => Some(TzSource::Default),
            "platform" => Some(TzSource::Platform),
            "member" => Some(TzSource::Member),
            _ => None,
        }
    }
}

impl Member {
    pub fn scope(&self) -> Scope {
        Scope {
            workspace: self.workspace,
            member: self.id,
        }
    }
}

/// How close a contact is; each tier has a default check-in cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Inner,
    Close,
    Wider,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Inner, Tier::Close, Tier::Wider];

    /// Parses `inner`, `close` or `wider` (any case); `None` for anything else.
    pub fn parse(word: &str) -> Option<Tier> {
        match word.to_ascii_lowercase().as_str() {
            "inner" => Some(Tier::Inner),
            "close" => Some(Tier::Close),
            "wider" => Some(Tier::Wider),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Inner => "inner",
            Tier::Close => "close",
            Tier::Wider => "wider",
        }
    }

    pub fn default_cadence(self) -> Cadence {
        Cadence(match self {
            Tier::Inner => 14,
            Tier::Close => 30,
            Tier::Wider => 90,
        })
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A length of time as a person says it: `10d`, `2w`, `3 weeks`, `1 month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub count: u32,
    pub unit: SpanUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanUnit {
    Day,
    Week,
    Month,
    Year,
}

/// Why a span could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("\"{0}\" is not a length of time; write it like 10d, 2w, 3 weeks or 1 month")]
    NotASpan(String),
    #[error("a length of time must be at least one day")]
    Zero,
    #[error("\"{0}\" is too long; the longest I accept is 5 years")]
    TooLong(String),
}

impl SpanUnit {
    fn parse(word: &str) -> Option<SpanUnit> {
        match word.to_ascii_lowercase().as_str() {
            "d" | "day" | "days" => Some(SpanUnit::Day),
            "w" | "wk" | "wks" | "week" | "weeks" => Some(SpanUnit::Week),
            "mo" | "month" | "months" => Some(SpanUnit::Month),
            "y" | "yr" | "yrs" | "year" | "years" => Some(SpanUnit::Year),
            _ => None,
        }
    }

    fn approx_days(self) -> u32 {
        match self {
            SpanUnit::Day => 1,
            SpanUnit::Week => 7,
            SpanUnit::Month => 30,
            SpanUnit::Year => 365,
        }
    }
}

impl Span {
    const MAX_DAYS: u32 = crate::limits::SPAN_DAYS;

    /// Reads one or two words: `10d`, `2w`, `1mo` or `3 weeks`, `1 month`.
    pub fn parse(words: &[&str]) -> Result<Span, SpanError> {
        let shown = words.join(" ");
        let (number, unit) = match words {
            [one] => {
                let split = one
                    .find(|c: char| !c.is_ascii_digit())
                    .ok_or_else(|| SpanError::NotASpan(shown.clone()))?;
                one.split_at(split)
            }
            [number, unit] => (*number, *unit),
            _ => return Err(SpanError::NotASpan(shown)),
        };
        let unit = SpanUnit::parse(unit).ok_or_else(|| SpanError::NotASpan(shown.clone()))?;
        let count: u32 = number
            .parse()
            .map_err(|_| SpanError::NotASpan(shown.clone()))?;
        if count == 0 {
            return Err(SpanError::Zero);
        }
        if count.saturating_mul(unit.approx_days()) > Self::MAX_DAYS {
            return Err(SpanError::TooLong(shown));
        }
        Ok(Span { count, unit })
    }

    /// The span in whole days, counting a month as 30 days and a year as 365.
    pub fn days(self) -> u32 {
        self.count * self.unit.approx_days()
    }

    /// The instant this span before `t`, by the calendar (a month back from
    /// 31 March is the last day of February).
    pub fn before(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let months = match self.unit {
            SpanUnit::Month => Some(self.count),
            SpanUnit::Year => Some(self.count * 12),
            _ => None,
        };
        match months.and_then(|m| t.checked_sub_months(chrono::Months::new(m))) {
            Some(earlier) => earlier,
            None => t - Duration::days(i64::from(self.days())),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            SpanUnit::Day => "day",
            SpanUnit::Week => "week",
            SpanUnit::Month => "month",
            SpanUnit::Year => "year",
        };
        let plural = if self.count == 1 { "" } else { "s" };
        write!(f, "{} {unit}{plural}", self.count)
    }
}

/// How often to check in with a contact, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cadence(u32);

impl Cadence {
    /// A cadence of `days` days; `None` for zero or more than five years
    /// ([`crate::limits::SPAN_DAYS`]).
    pub fn from_days(days: u32) -> Option<Cadence> {
        (1..=crate::limits::SPAN_DAYS)
            .contains(&days)
            .then_some(Cadence(days))
    }

    pub fn from_span(span: Span) -> Cadence {
        Cadence(span.days())
    }

    pub fn days(self) -> u32 {
        self.0
    }

    pub fn duration(self) -> Duration {
        Duration::days(i64::from(self.0))
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("every day"),
            d if d % 7 == 0 && d <= 70 => match d / 7 {
                1 => f.write_str("every week"),
                w => write!(f, "every {w} weeks"),
            },
            d => write!(f, "every {d} days"),
        }
    }
}

/// A label on a contact, written `#design`; stored lower-case without the `#`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    /// Parses `#word` (letters, digits, `-`, `_`, `.`, `/`); `None` otherwise.
    pub fn parse(word: &str) -> Option<Tag> {
        let body = word.strip_prefix('#')?;
        let ok = !body.is_empty()
            && body.chars().count() <= crate::limits::TAG
            && body
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        ok.then(|| Tag(body.to_lowercase()))
    }

    /// A tag as stored (no `#`); used when reading back from the store.
    pub fn from_stored(body: &str) -> Tag {
        Tag(body.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The part of a network `list` shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ListFilter {
    Tag(Tag),
    Tier(Tier),
    /// Those at a company, however it is spelt (see [`company_key`]).
    Company(String),
}

/// Someone a command is about, as typed: a fellow member by mention, or an
/// outside person by quoted name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactRef {
    Member(Mention),
    Named(String),
}

/// A mention of a fellow member: the platform's user id and, when the
/// platform sent one, the name it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub id: String,
    pub label: Option<String>,
}

impl ContactRef {
    /// The key that finds this person in one member's network.
    pub fn name_key(&self) -> String {
        match self {
            ContactRef::Member(m) => m.id.clone(),
            ContactRef::Named(name) => normalise_name(name),
        }
    }

    /// How to show this person before we know more about them.
    pub fn shown(&self) -> String {
        match self {
            ContactRef::Member(m) => format!("@{}", m.label.as_deref().unwrap_or(&m.id)),
            ContactRef::Named(name) => name.clone(),
        }
    }
}

/// Lower-case with single spaces, so "Jane  Doe" and "jane doe" are one person.
pub fn normalise_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Legal-form words dropped from the end of a company's name when matching
/// ("ACME, Inc." is Acme).
const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "srl",
    "spa",
    "oy",
    "ab",
    "as",
    "pty",
    "pte",
    "kk",
    "kg",
    "ug",
    "sl",
    "lda",
];

/// The key that makes companies match as people write them: case,
/// punctuation and spacing ignored, legal suffixes dropped, so "Acme",
/// "Acme Corp", "ACME, Inc." and "acme llc" are one company. `None` when
/// nothing is left to match by (an empty name, or punctuation only).
pub fn company_key(company: &str) -> Option<String> {
    let lower = company.to_lowercase();
    let mut words: Vec<String> = lower
        // "A.C.M.E." and "Ben & Jerry's": dots and apostrophes join letters.
        .replace(['.', '\'', '\u{2019}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    // Keep at least one word: a company called "Company" is still one.
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| LEGAL_SUFFIXES.contains(&w.as_str()))
    {
        words.pop();
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// What kind of contact an interaction records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Touch,
    Gave,
    Got,
    Note,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Touch => "touch",
            EntryKind::Gave => "gave",
            EntryKind::Got => "got",
            EntryKind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        match s {
            "touch" => Some(EntryKind::Touch),
            "gave" => Some(EntryKind::Gave),
            "got" => Some(EntryKind::Got),
            "note" => Some(EntryKind::Note),
            _ => None,
        }
    }
}

/// A touch, favour or note about one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub what: String,
    pub at: DateTime<Utc>,
}

/// What `add` (or an implicit add) sets on a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactDraft {
    pub who: ContactRef,
    pub tier: Tier,
    pub cadence: Option<Cadence>,
    pub company: Option<String>,
    pub tags: Vec<Tag>,
}

/// A change to an existing contact's settings.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactChange {
    Tier(Tier),
    Cadence(Option<Cadence>),
    SnoozeUntil(DateTime<Utc>),
    /// From a repeated `add`: any part given replaces what was there.
    Details {
        tier: Option<Tier>,
        cadence: Option<Cadence>,
        company: Option<String>,
        add_tags: Vec<Tag>,
    },
}

/// A contact with what the ledger knows about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: ContactId,
    /// `Some` when the contact is a fellow member (their platform id).
    pub member_external_id: Option<String>,
    pub name: String,
    pub company: Option<String>,
    pub tier: Tier,
    pub cadence_override: Option<Cadence>,
    pub tags: Vec<Tag>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub added_at: DateTime<Utc>,
    /// The latest touch, favour or note, if any.
    pub last_contact: Option<DateTime<Utc>>,
    pub favours_given: u32,
    pub favours_received: u32,
    pub last_note: Option<String>,
    /// What tells an outside person apart from a namesake, as imported:
    /// their email and their profile link (LinkedIn's URL).
    pub email: Option<String>,
    pub profile_url: Option<String>,
}

impl Contact {
    /// How the contact is shown: `@alice` for members, the name otherwise.
    pub fn shown(&self) -> String {
        match self.member_external_id {
            Some(_) => format!("@{}", self.name),
            None => self.name.clone(),
        }
    }

    pub fn cadence(&self) -> Cadence {
        self.cadence_override
            .unwrap_or_else(|| self.tier.default_cadence())
    }

    /// Last contact plus cadence (counting from when they were added if
    /// there has been no contact yet), pushed later by a snooze.
    pub fn next_due(&self) -> DateTime<Utc> {
        let base = self.last_contact.unwrap_or(self.added_at);
        // Stored times are checked on the way in; at the end of time a
        // contact is simply never due rather than a panic.
        let due = base
            .checked_add_signed(self.cadence().duration())
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        match self.snoozed_until {
            Some(until) if until > due => until,
            _ => due,
        }
    }

    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.next_due() <= now
    }

    /// Favours given minus favours received.
    pub fn balance(&self) -> i64 {
        i64::from(self.favours_given) - i64::from(self.favours_received)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn company_spellings_match_by_one_key() {
        let acme = Some("acme".to_string());
        for spelling in [
            "Acme",
            "Acme Corp",
            "ACME, Inc.",
            "acme llc",
            " Acme  Corp. ",
            "A.C.M.E. Ltd",
        ] {
            assert_eq!(company_key(spelling), acme, "{spelling}");
        }
        assert_eq!(company_key("Acme Labs Inc"), Some("acme labs".into()));
        assert_ne!(company_key("Acme Labs"), company_key("Acme"));
        assert_eq!(company_key("Company"), Some("company".into()));
        assert_eq!(company_key("Ben & Jerry's"), Some("ben jerrys".into()));
        assert_eq!(company_key(" ,.; "), None);
        assert_eq!(
            company_key("Zürich Versicherung AG"),
            Some("zürich versicherung".into())
        );
    }

    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("valid date")
    }

    fn contact() -> Contact {
        Contact {
            id: ContactId(1),
            member_external_id: Some("alice".into()),
            name: "alice".into(),
            company: None,
            tier: Tier::Inner,
            cadence_override: None,
            tags: vec![],
            snoozed_until: None,
            added_at: at(2026, 11, 1),
            last_contact: None,
            favours_given: 0,
            favours_received: 0,
            last_note: None,
            email: None,
            profile_url: None,
        }
    }

    #[test]
    fn compact_and_spelled_out_spans_are_read() {
        let span = |w: &[&str]| Span::parse(w).map(Span::days);
        assert_eq!(span(&["10d"]), Ok(10));
        assert_eq!(span(&["2w"]), Ok(14));
        assert_eq!(span(&["3", "weeks"]), Ok(21));
        assert_eq!(span(&["1", "month"]), Ok(30));
        assert_eq!(span(&["1mo"]), Ok(30));
        assert_eq!(span(&["1", "Day"]), Ok(1));
    }

    #[test]
    fn zero_day_cadence_is_rejected() {
        assert_eq!(Span::parse(&["0d"]), Err(SpanError::Zero));
        assert_eq!(Cadence::from_days(0), None);
    }

    #[test]
    fn a_cadence_longer_than_five_years_is_rejected() {
        assert_eq!(Cadence::from_days(u32::MAX), None);
        assert_eq!(Cadence::from_days(5 * 365 + 1), None);
        assert_eq!(Cadence::from_days(5 * 365).map(Cadence::days), Some(1825));
    }

    #[test]
    fn a_contact_at_the_end_of_time_is_never_due_and_never_panics() {
        let c = Contact {
            added_at: DateTime::<Utc>::MAX_UTC - Duration::days(1),
            ..contact()
        };
        assert_eq!(c.next_due(), DateTime::<Utc>::MAX_UTC);
        assert!(!c.is_due(at(2026, 11, 1)));
    }

    #[test]
    fn a_span_without_a_unit_or_number_is_not_a_span() {
        assert!(matches!(Span::parse(&["10"]), Err(SpanError::NotASpan(_))));
        assert!(matches!(
            Span::parse(&["weeks"]),
            Err(SpanError::NotASpan(_))
        ));
        assert!(matches!(
            Span::parse(&["3", "fortnights"]),
            Err(SpanError::NotASpan(_))
        ));
        assert!(matches!(Span::parse(&["-3d"]), Err(SpanError::NotASpan(_))));
    }

    #[test]
    fn spans_longer_than_five_years_are_refused() {
        assert!(matches!(
            Span::parse(&["6", "years"]),
            Err(SpanError::TooLong(_))
        ));
        assert!(matches!(
            Span::parse(&["99999999999d"]),
            Err(SpanError::NotASpan(_))
        ));
    }

    #[test]
    fn a_month_back_follows_the_calendar() {
        let span = Span::parse(&["1", "month"]).expect("span");
        assert_eq!(span.before(at(2026, 3, 31)), at(2026, 2, 28));
    }

    #[test]
    fn tiers_have_default_cadences_of_14_30_and_90_days() {
        assert_eq!(Tier::Inner.default_cadence().days(), 14);
        assert_eq!(Tier::Close.default_cadence().days(), 30);
        assert_eq!(Tier::Wider.default_cadence().days(), 90);
    }

    #[test]
    fn tags_are_lower_case_and_need_a_hash() {
        assert_eq!(
            Tag::parse("#Design").map(|t| t.to_string()),
            Some("#design".into())
        );
        assert_eq!(Tag::parse("design"), None);
        assert_eq!(Tag::parse("#"), None);
        assert_eq!(Tag::parse("#a b"), None);
    }

    #[test]
    fn cadences_read_naturally() {
        assert_eq!(Cadence(14).to_string(), "every 2 weeks");
        assert_eq!(Cadence(10).to_string(), "every 10 days");
        assert_eq!(Cadence(90).to_string(), "every 90 days");
    }

    #[test]
    fn a_new_contact_is_due_one_cadence_after_being_added() {
        assert_eq!(contact().next_due(), at(2026, 11, 15));
    }

    #[test]
    fn next_due_counts_from_the_last_contact() {
        let c = Contact {
            last_contact: Some(at(2026, 11, 10)),
            ..contact()
        };
        assert_eq!(c.next_due(), at(2026, 11, 24));
        assert!(!c.is_due(at(2026, 11, 23)));
        assert!(c.is_due(at(2026, 11, 24)));
    }

    #[test]
    fn a_cadence_override_replaces_the_tier_default() {
        let c = Contact {
            cadence_override: Cadence::from_days(3),
            ..contact()
        };
        assert_eq!(c.next_due(), at(2026, 11, 4));
    }

    #[test]
    fn a_snooze_pushes_next_due_later_but_never_earlier() {
        let later = Contact {
            snoozed_until: Some(at(2026, 12, 1)),
            ..contact()
        };
        assert_eq!(later.next_due(), at(2026, 12, 1));
        let earlier = Contact {
            snoozed_until: Some(at(2026, 11, 5)),
            ..contact()
        };
        assert_eq!(earlier.next_due(), at(2026, 11, 15));
    }

    #[test]
    fn balance_is_given_minus_received() {
        let c = Contact {
            favours_given: 1,
            favours_received: 3,
            ..contact()
        };
        assert_eq!(c.balance(), -2);
    }

    #[test]
    fn secrets_never_show_their_value() {
        let secret = Secret::new("xoxb-123");
        assert_eq!(format!("{secret:?} {secret}"), "Secret(***) ***");
        assert_eq!(secret.expose(), "xoxb-123");
    }

    #[test]
    fn names_are_compared_without_case_or_extra_spaces() {
        assert_eq!(normalise_name("  Jane   DOE "), "jane doe");
    }
}
