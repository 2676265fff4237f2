//! A member's ledger in and out: Kith's own JSON export (which imports back
//! whole), a CSV for spreadsheets, and imports from LinkedIn's
//! Connections.csv, vCard 3.0/4.0 files and plain CSV with a header.
//!
//! Parsing is pure: a file becomes contacts to add plus the rows that could
//! not be read (with their line numbers); a file that is not what it claims
//! is refused whole. The store then writes the good rows in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    Cadence, Contact, ContactDraft, ContactRef, Entry, EntryKind, Member, Mention, Platform,
    SettingsChange, Span, Tag, Tier, normalise_name,
};
use crate::limits;
use crate::schedule::{Digest, Window};

/// The marker and version of Kith's own export format.
pub const FORMAT: &str = "kith-ledger";
pub const VERSION: u32 = 1;

/// A member's whole ledger, as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub format: String,
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub member: LedgerMember,
    pub settings: LedgerSettings,
    pub contacts: Vec<LedgerContact>,
    /// The member's open goals (absent from exports made before goals).
    #[serde(default)]
    pub goals: Vec<LedgerGoal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerGoal {
    pub what: String,
    pub company: Option<String>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerMember {
    pub platform: String,
    pub workspace: String,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerSettings {
    pub tz: String,
    /// `09:00-10:00`
    pub window: String,
    pub window_daily: bool,
    pub digest: Option<String>,
    pub dms: bool,
    /// Whether other members may hear that someone knows people at the
    /// companies of this member's contacts (`settings reach`); absent from
    /// exports made before reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerContact {
    pub name: String,
    /// The platform id when the contact is a fellow member.
    pub member_id: Option<String>,
    pub company: Option<String>,
    pub tier: String,
    pub cadence_days: Option<u32>,
    pub tags: Vec<String>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub added_at: DateTime<Utc>,
    pub entries: Vec<LedgerEntry>,
    /// What tells namesakes apart (absent from exports before they were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub kind: String,
    pub what: String,
    pub at: DateTime<Utc>,
}

/// Builds the export of `member`'s ledger from their contacts and each
/// contact's entries.
/// What an export says of the member's goals and reach.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub goals: Vec<crate::reach::Goal>,
    pub shared: bool,
}

pub fn export(
    member: &Member,
    platform: Platform,
    workspace: &str,
    contacts: &[(Contact, Vec<Entry>)],
    reach: &Reach,
    now: DateTime<Utc>,
) -> Ledger {
    let (start, end) = (
        member.window.start.format("%H:%M"),
        member.window.end.format("%H:%M"),
    );
    Ledger {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: now,
        member: LedgerMember {
            platform: platform.as_str().into(),
            workspace: workspace.into(),
            id: member.external_id.clone(),
            name: member.display_name.clone(),
        },
        settings: LedgerSettings {
            tz: member.tz.name().into(),
            window: format!("{start}-{end}"),
            window_daily: member.window.daily,
            digest: member.digest.as_ref().map(|d| d.expression().to_string()),
            dms: member.dms,
            reach: Some(reach.shared),
        },
        goals: reach
            .goals
            .iter()
            .map(|g| LedgerGoal {
                what: g.what.clone(),
                company: g.company.clone(),
                tags: g.tags.iter().map(|t| t.as_str().to_string()).collect(),
                created_at: g.created_at,
            })
            .collect(),
        contacts: contacts
            .iter()
            .map(|(c, entries)| LedgerContact {
                name: c.name.clone(),
                member_id: c.member_external_id.clone(),
                company: c.company.clone(),
                tier: c.tier.as_str().into(),
                cadence_days: c.cadence_override.map(Cadence::days),
                tags: c.tags.iter().map(|t| t.as_str().to_string()).collect(),
                snoozed_until: c.snoozed_until,
                added_at: c.added_at,
                entries: entries
                    .iter()
                    .rev() // oldest first reads like a diary
                    .map(|e| LedgerEntry {
                        kind: e.kind.as_str().into(),
                        what: e.what.clone(),
                        at: e.at,
                    })
                    .collect(),
                email: c.email.clone(),
                profile_url: c.profile_url.clone(),
            })
            .collect(),
    }
}

impl Ledger {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// One row per contact, entry and setting, under one header, so a
    /// spreadsheet can filter by `record`.
    pub fn to_csv(&self) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        let mut rows: Vec<[String; 11]> = vec![
            [
                "record",
                "contact",
                "member_id",
                "company",
                "tier",
                "cadence_days",
                "tags",
                "when",
                "what",
                "email",
                "profile_url",
            ]
            .map(String::from),
        ];
        for (key, value) in [
            ("tz", self.settings.tz.clone()),
            (
                "window",
                format!(
                    "{}{}",
                    self.settings.window,
                    if self.settings.window_daily {
                        " daily"
                    } else {
                        " weekdays"
                    }
                ),
            ),
            (
                "digest",
                self.settings.digest.clone().unwrap_or_else(|| "off".into()),
            ),
            ("dms", if self.settings.dms { "on" } else { "off" }.into()),
        ]
        .into_iter()
        .chain(
            self.settings
                .reach
                .map(|on| ("reach", if on { "on" } else { "off" }.to_string())),
        ) {
            rows.push([
                "setting".into(),
                key.into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                value,
                String::new(),
                String::new(),
            ]);
        }
        for g in &self.goals {
            rows.push([
                "goal".into(),
                String::new(),
                String::new(),
                g.company.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                g.tags
                    .iter()
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                g.created_at.to_rfc3339(),
                g.what.clone(),
                String::new(),
                String::new(),
            ]);
        }
        // Namesakes are told apart as in a list: "Kwame Egger (Hooli)".
        let people: Vec<Option<crate::namesakes::Who<'_>>> = self
            .contacts
            .iter()
            .map(|c| {
                c.member_id.is_none().then_some(crate::namesakes::Who {
                    name: &c.name,
                    company: c.company.as_deref(),
                    email: c.email.as_deref(),
                    profile_url: c.profile_url.as_deref(),
                })
            })
            .collect();
        let labels = crate::namesakes::marked(&people);
        for (c, label) in self.contacts.iter().zip(labels) {
            let shown = label.unwrap_or_else(|| c.name.clone());
            let email = c.email.clone().unwrap_or_default();
            let url = c.profile_url.clone().unwrap_or_default();
            rows.push([
                "contact".into(),
                shown.clone(),
                c.member_id.clone().unwrap_or_default(),
                c.company.clone().unwrap_or_default(),
                c.tier.clone(),
                c.cadence_days.map(|d| d.to_string()).unwrap_or_default(),
                c.tags
                    .iter()
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                c.added_at.to_rfc3339(),
                String::new(),
                email.clone(),
                url.clone(),
            ]);
            for e in &c.entries {
                rows.push([
                    e.kind.clone(),
                    shown.clone(),
                    c.member_id.clone().unwrap_or_default(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    e.at.to_rfc3339(),
                    e.what.clone(),
                    email.clone(),
                    url.clone(),
                ]);
            }
        }
        for row in rows {
            // Writing to memory cannot fail.
            let _ = out.write_record(row.iter().map(|cell| spreadsheet_safe(cell).into_owned()));
        }
        out.into_inner()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// How many entries the ledger holds.
    pub fn entries(&self) -> usize {
        self.contacts.iter().map(|c| c.entries.len()).sum()
    }
}

/// A CSV cell a spreadsheet shows as text, never runs: one that begins
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (OWASP's advice on CSV injection). The JSON export stays exact.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// What kind of file an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    LinkedIn,
    VCard,
    Csv,
    Kith,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::LinkedIn => "a LinkedIn Connections.csv",
            Format::VCard => "a vCard file",
            Format::Csv => "a CSV file",
            Format::Kith => "a Kith export",
        }
    }
}

/// One contact to add, with what the file knows about them.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportItem {
    pub draft: ContactDraft,
    pub added_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub entries: Vec<Entry>,
    /// What tells an outside person apart from a namesake (see
    /// [`crate::namesakes`]): their email and profile link, if the file has them.
    pub email: Option<String>,
    pub profile_url: Option<String>,
}

/// A row (or card) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the file.
    pub line: usize,
    pub reason: String,
}

/// A file read for import.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub format: Format,
    pub items: Vec<ImportItem>,
    pub problems: Vec<Problem>,
    /// Repeated people within the file (kept once).
    pub repeats: usize,
    /// Settings carried by a Kith export.
    pub settings: Vec<SettingsChange>,
    /// Whose ledger a Kith export is (their platform id).
    pub owner: Option<String>,
    /// Whether the exporting member shared their reach (a Kith export).
    pub reach: Option<bool>,
    /// The goals a Kith export carries.
    pub goals: Vec<crate::reach::NewGoal>,
}

const LINKEDIN_HEADER: &str =
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On";

/// Reads an import file at `now`. `name` is the file name as given (its
/// extension is the claim checked against the content). Err is a refusal:
/// nothing from the file may be used. Every field is held to the limits a
/// command is held to ([`crate::limits`]); a row that breaks one is listed
/// as a problem and left out.
pub fn parse(name: &str, bytes: &[u8], now: DateTime<Utc>) -> Result<Parsed, String> {
    if bytes.len() > limits::IMPORT_BYTES {
        return Err(too_big(name, bytes.len()));
    }
    let parsed = parse_text(name, bytes, now)?;
    if parsed.items.len() > limits::IMPORT_CONTACTS {
        return Err(format!(
            "{name} holds {} people; I import at most {} at a time. Split it into smaller files; nothing was imported.",
            parsed.items.len(),
            limits::IMPORT_CONTACTS
        ));
    }
    let entries: usize = parsed.items.iter().map(|i| i.entries.len()).sum();
    if entries > limits::IMPORT_ENTRIES {
        return Err(format!(
            "{name} holds {entries} logged entries; I import at most {} at a time. Nothing was imported.",
            limits::IMPORT_ENTRIES
        ));
    }
    Ok(parsed)
}

/// The refusal of a file over [`limits::IMPORT_BYTES`].
pub fn too_big(name: &str, bytes: usize) -> String {
    format!(
        "{name} is {:.1} MB; I import files of up to {} MB. Split it into smaller files; nothing was imported.",
        bytes as f64 / (1024.0 * 1024.0),
        limits::IMPORT_BYTES / (1024 * 1024)
    )
}

/// Reads a file to import from disk (the console, `kith import`), refusing
/// one over [`limits::IMPORT_BYTES`] before reading it whole.
pub fn read_file(path: &std::path::Path) -> Result<crate::reply::File, String> {
    use std::io::Read;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let file =
        std::fs::File::open(path).map_err(|e| format!("I cannot read {}: {e}.", path.display()))?;
    let mut bytes = Vec::new();
    // One byte past the limit is enough to know it is too big.
    file.take(limits::IMPORT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("I cannot read {}: {e}.", path.display()))?;
    if bytes.len() > limits::IMPORT_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len(), |m| m.len() as usize);
        return Err(too_big(&name, size));
    }
    Ok(crate::reply::File {
        name,
        mime: String::new(),
        bytes,
    })
}

fn parse_text(name: &str, bytes: &[u8], now: DateTime<Utc>) -> Result<Parsed, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| format!("{name} is not a text file (it is not UTF-8); export contacts as CSV or vCard and try again."))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(format!("{name} is empty."));
    }
    let lower = name.to_ascii_lowercase();
    let looks_vcard = text
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("BEGIN:VCARD");
    let looks_json = text.trim_start().starts_with('{');
    let linkedin_at = text
        .lines()
        .position(|l| l.trim_end_matches('\r').starts_with(LINKEDIN_HEADER));
    let claimed = if lower.ends_with(".vcf") || lower.ends_with(".vcard") {
        Some(Format::VCard)
    } else if lower.ends_with(".json") {
        Some(Format::Kith)
    } else if lower.ends_with(".csv") {
        Some(if linkedin_at.is_some() {
            Format::LinkedIn
        } else {
            Format::Csv
        })
    } else {
        None
    };
    let found = if looks_vcard {
        Format::VCard
    } else if looks_json {
        Format::Kith
    } else if linkedin_at.is_some() {
        Format::LinkedIn
    } else {
        Format::Csv
    };
    if let Some(claimed) = claimed
        && claimed != found
        && !(claimed == Format::Csv && found == Format::Csv)
    {
        return Err(format!(
            "{name} says it is {} but it is not; nothing was imported.",
            claimed.describe()
        ));
    }
    match found {
        Format::VCard => vcard(text),
        Format::Kith => kith(name, text, now),
        Format::LinkedIn => linkedin(text, linkedin_at.unwrap_or(0)),
        Format::Csv => plain_csv(name, text),
    }
}

fn outside(
    name: &str,
    company: Option<String>,
    tier: Tier,
    tags: Vec<Tag>,
    cadence: Option<Cadence>,
) -> Result<ImportItem, String> {
    check_name(name)?;
    if let Some(company) = &company {
        check_company(company)?;
    }
    if tags.len() > limits::TAGS {
        return Err(format!("it has more than {} tags", limits::TAGS));
    }
    Ok(ImportItem {
        draft: ContactDraft {
            who: ContactRef::Named(name.split_whitespace().collect::<Vec<_>>().join(" ")),
            tier,
            cadence,
            company: company
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            tags,
        },
        added_at: None,
        snoozed_until: None,
        entries: Vec::new(),
        email: None,
        profile_url: None,
    })
}

/// An outside person with what tells them from a namesake: a profile link
/// and an email (either left out if it does not look like one).
fn known_by(item: ImportItem, url: &str, email: &str) -> ImportItem {
    ImportItem {
        profile_url: crate::namesakes::profile_url(url),
        email: crate::namesakes::email(email),
        ..item
    }
}

fn check_company(company: &str) -> Result<(), String> {
    if company.trim().chars().count() > limits::COMPANY {
        Err(format!(
            "the company is longer than {} characters",
            limits::COMPANY
        ))
    } else {
        Ok(())
    }
}

/// A time from a file: not before [`limits::EARLIEST_YEAR`] and not after `latest`.
fn check_time(what: &str, at: DateTime<Utc>, latest: DateTime<Utc>) -> Result<(), String> {
    use chrono::Datelike;
    if at.year() < limits::EARLIEST_YEAR {
        Err(format!("{what} {} is too long ago", at.date_naive()))
    } else if at > latest {
        Err(format!("{what} {} is in the future", at.date_naive()))
    } else {
        Ok(())
    }
}

/// Collects items, keeping the first of each person.
struct Collector {
    parsed: Parsed,
    seen: std::collections::HashSet<String>,
}

impl Collector {
    fn new(format: Format) -> Collector {
        Collector {
            parsed: Parsed {
                format,
                items: Vec::new(),
                problems: Vec::new(),
                repeats: 0,
                settings: Vec::new(),
                owner: None,
                reach: None,
                goals: Vec::new(),
            },
            seen: Default::default(),
        }
    }

    /// Keeps a row read at `line`, or lists why it was left out.
    fn keep(&mut self, line: usize, item: Result<ImportItem, String>) {
        match item {
            Ok(item) => self.add(item),
            Err(reason) => self.problem(line, format!("skipped: {reason}")),
        }
    }

    fn add(&mut self, item: ImportItem) {
        // In a Kith export every contact is its own person, namesakes too.
        let row = (self.parsed.format == Format::Kith)
            .then_some(self.parsed.items.len() + self.parsed.repeats);
        if self.seen.insert(crate::namesakes::import_key(&item, row)) {
            self.parsed.items.push(item);
        } else {
            self.parsed.repeats += 1;
        }
    }

    fn problem(&mut self, line: usize, reason: impl Into<String>) {
        self.parsed.problems.push(Problem {
            line,
            reason: reason.into(),
        });
    }
}

const MAX_NAME: usize = crate::limits::NAME;

fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("it has no name".into())
    } else if name.chars().count() > MAX_NAME {
        Err(format!("the name is longer than {MAX_NAME} characters"))
    } else {
        Ok(())
    }
}

fn linkedin(text: &str, header_index: usize) -> Result<Parsed, String> {
    let mut out = Collector::new(Format::LinkedIn);
    // The header's offset in bytes, so the CSV reader starts there.
    let offset: usize = text
        .split_inclusive('\n')
        .take(header_index)
        .map(str::len)
        .sum();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&text.as_bytes()[offset..]);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0) + header_index;
                out.problem(line, csv_reason(&e));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0) + header_index;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let name = format!("{} {}", field(0), field(1));
        if let Err(reason) = check_name(&name) {
            out.problem(line, format!("skipped: {reason}"));
            continue;
        }
        let connected = field(6);
        if !connected.is_empty() && NaiveDate::parse_from_str(connected, "%d %b %Y").is_err() {
            out.problem(
                line,
                format!("skipped: \"{connected}\" is not a date like 01 Jan 2024"),
            );
            continue;
        }
        let company = Some(field(4).to_string());
        out.keep(
            line,
            outside(name.trim(), company, Tier::Wider, Vec::new(), None)
                .map(|item| known_by(item, field(2), field(3))),
        );
    }
    Ok(out.parsed)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("skipped: {len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "skipped: not valid text".into(),
        _ => format!("skipped: {e}"),
    }
}

fn plain_csv(name: &str, text: &str) -> Result<Parsed, String> {
    let mut out = Collector::new(Format::Csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| format!("{name} is not a CSV file I can read."))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let full = col(&["name", "full name", "fullname", "display name"]);
    let (first, last) = (
        col(&["first name", "firstname", "given name"]),
        col(&["last name", "lastname", "family name", "surname"]),
    );
    if full.is_none() && first.is_none() && last.is_none() {
        return Err(format!(
            "{name} has no name column; the first line must be a header with a \"name\" column (or \"first name\" and \"last name\"), and optionally company, tier, tags, every."
        ));
    }
    let company = col(&["company", "organization", "organisation", "org"]);
    let tier = col(&["tier"]);
    let tags = col(&["tags", "tag", "labels"]);
    let every = col(&["every", "cadence"]);
    let email = col(&["email", "e-mail", "email address", "mail"]);
    let url = col(&["url", "profile", "profile url", "linkedin", "link"]);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                out.problem(line, csv_reason(&e));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let name = match full {
            Some(_) => get(full),
            None => format!("{} {}", get(first), get(last)).trim().to_string(),
        };
        if let Err(reason) = check_name(&name) {
            out.problem(line, format!("skipped: {reason}"));
            continue;
        }
        let tier = match get(tier).as_str() {
            "" => Tier::Wider,
            t => match Tier::parse(t) {
                Some(t) => t,
                None => {
                    out.problem(
                        line,
                        format!("skipped: \"{t}\" is not a tier (inner, close or wider)"),
                    );
                    continue;
                }
            },
        };
        let cadence = match get(every).as_str() {
            "" => None,
            e => {
                let words: Vec<&str> = e.split_whitespace().collect();
                let span = if words.len() == 1 && e.chars().all(|c| c.is_ascii_digit()) {
                    Span::parse(&[e, "days"])
                } else {
                    Span::parse(&words)
                };
                match span {
                    Ok(span) => Some(Cadence::from_span(span)),
                    Err(err) => {
                        out.problem(line, format!("skipped: {err}"));
                        continue;
                    }
                }
            }
        };
        let mut parsed_tags = Vec::new();
        for raw in get(tags).split([' ', ',', ';']).filter(|t| !t.is_empty()) {
            let hashed = if raw.starts_with('#') {
                raw.to_string()
            } else {
                format!("#{raw}")
            };
            match Tag::parse(&hashed) {
                Some(tag) if !parsed_tags.contains(&tag) => parsed_tags.push(tag),
                Some(_) => {}
                None => out.problem(
                    line,
                    format!("tag \"{raw}\" ignored: tags are one word of letters, digits, - or _"),
                ),
            }
        }
        out.keep(
            line,
            outside(&name, Some(get(company)), tier, parsed_tags, cadence)
                .map(|item| known_by(item, &get(url), &get(email))),
        );
    }
    Ok(out.parsed)
}

fn vcard(text: &str) -> Result<Parsed, String> {
    use calcard::vcard::VCardProperty;
    let mut out = Collector::new(Format::VCard);
    // Where each card starts, to name it by line in problems.
    let starts: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            l.trim_start()
                .to_ascii_uppercase()
                .starts_with("BEGIN:VCARD")
        })
        .map(|(i, _)| i + 1)
        .collect();
    let mut parser = calcard::Parser::new(text);
    let mut card_index = 0;
    loop {
        let line = starts.get(card_index).copied().unwrap_or(0);
        match parser.entry() {
            calcard::Entry::VCard(card) => {
                card_index += 1;
                let text_of = |prop: VCardProperty| {
                    card.property(&prop)
                        .and_then(|e| e.values.first())
                        .and_then(|v| v.as_text())
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                };
                let name = text_of(VCardProperty::Fn).or_else(|| {
                    let n = card.property(&VCardProperty::N)?;
                    let part = |i: usize| {
                        n.values
                            .get(i)
                            .and_then(|v| v.as_text())
                            .unwrap_or("")
                            .trim()
                            .to_string()
                    };
                    let joined = format!("{} {}", part(1), part(0)).trim().to_string();
                    (!joined.is_empty()).then_some(joined)
                });
                let Some(name) = name else {
                    out.problem(line, "skipped: the card has no name (FN or N)");
                    continue;
                };
                if let Err(reason) = check_name(&name) {
                    out.problem(line, format!("skipped: {reason}"));
                    continue;
                }
                let company = text_of(VCardProperty::Org);
                let mut tier = Tier::Wider;
                let mut tags = Vec::new();
                for entry in card.properties(&VCardProperty::Categories) {
                    for value in entry.values.iter().filter_map(|v| v.as_text()) {
                        for category in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                            if let Some(t) = Tier::parse(category) {
                                tier = t;
                            } else if let Some(tag) =
                                Tag::parse(&format!("#{}", category.replace(' ', "-")))
                                && !tags.contains(&tag)
                            {
                                tags.push(tag);
                            }
                        }
                    }
                }
                if let Some(t) = text_of(VCardProperty::Other("X-KITH-TIER".into()))
                    .and_then(|t| Tier::parse(&t))
                {
                    tier = t;
                }
                let url = text_of(VCardProperty::Url).unwrap_or_default();
                let email = text_of(VCardProperty::Email).unwrap_or_default();
                out.keep(
                    line,
                    outside(&name, company, tier, tags, None)
                        .map(|item| known_by(item, &url, &email)),
                );
            }
            calcard::Entry::Eof => break,
            calcard::Entry::InvalidLine(bad) => {
                out.problem(
                    line,
                    format!(
                        "skipped: a line I cannot read: \"{}\"",
                        bad.chars().take(60).collect::<String>()
                    ),
                );
            }
            calcard::Entry::ICalendar(_) => {
                card_index += 1;
                out.problem(line, "skipped: a calendar entry, not a contact card");
            }
            other => {
                card_index += 1;
                out.problem(line, format!("skipped: a broken card ({other:?})"));
                if matches!(other, calcard::Entry::TooManyComponents) {
                    break;
                }
            }
        }
    }
    if out.parsed.items.is_empty() && card_index == 0 {
        return Err("The file has no contact cards (BEGIN:VCARD ... END:VCARD).".into());
    }
    Ok(out.parsed)
}

/// A goal from a Kith export, checked as the `goal` command checks one.
fn ledger_goal(g: &LedgerGoal) -> Result<crate::reach::NewGoal, String> {
    let what = g.what.trim();
    if what.is_empty() {
        return Err("it says nothing".into());
    }
    if what.chars().count() > crate::limits::TEXT {
        return Err(format!("longer than {} characters", crate::limits::TEXT));
    }
    let company = match g.company.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) if c.chars().count() > crate::limits::COMPANY => {
            return Err(format!(
                "its company is longer than {} characters",
                crate::limits::COMPANY
            ));
        }
        Some(c) if crate::domain::company_key(c).is_none() => {
            return Err("its company has no letters or digits".into());
        }
        Some(c) => Some(c.to_string()),
    };
    if g.tags.len() > crate::limits::TAGS {
        return Err(format!("more than {} tags", crate::limits::TAGS));
    }
    let tags = g
        .tags
        .iter()
        .map(|t| Tag::parse(&format!("#{t}")).ok_or_else(|| format!("\"{t}\" is not a tag")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::reach::NewGoal {
        what: what.to_string(),
        company,
        tags,
    })
}

fn kith(name: &str, text: &str, now: DateTime<Utc>) -> Result<Parsed, String> {
    let ledger: Ledger = serde_json::from_str(text).map_err(|e| {
        format!("{name} is not a Kith export I can read ({e}); nothing was imported.")
    })?;
    if ledger.format != FORMAT {
        return Err(format!(
            "{name} is not a Kith export; nothing was imported."
        ));
    }
    if ledger.version > VERSION {
        return Err(format!(
            "{name} comes from a newer Kith (format version {}); update Kith to import it.",
            ledger.version
        ));
    }
    let mut out = Collector::new(Format::Kith);
    out.parsed.owner = Some(ledger.member.id.clone());
    let s = &ledger.settings;
    match crate::commands::time_zone(&s.tz) {
        Ok(tz) => out.parsed.settings.push(SettingsChange::Tz(tz)),
        Err(e) => out.problem(0, format!("settings: {}", e.message)),
    }
    match Window::parse(&s.window, s.window_daily) {
        Ok(w) => out.parsed.settings.push(SettingsChange::Window(w)),
        Err(e) => out.problem(0, format!("settings: {e}")),
    }
    match s.digest.as_deref().map(Digest::parse).transpose() {
        Ok(d) => out.parsed.settings.push(SettingsChange::Digest(d)),
        Err(e) => out.problem(0, format!("settings: {e}")),
    }
    out.parsed.settings.push(SettingsChange::Dms(s.dms));
    out.parsed.reach = s.reach;
    for g in &ledger.goals {
        match ledger_goal(g) {
            Ok(goal) => out.parsed.goals.push(goal),
            Err(reason) => out.problem(
                0,
                format!(
                    "goal \"{}\" skipped: {reason}",
                    g.what.chars().take(40).collect::<String>()
                ),
            ),
        }
    }
    for (i, c) in ledger.contacts.iter().enumerate() {
        let line = i + 1; // the contact's position in the export
        match ledger_contact(c, now) {
            Ok((item, skipped)) => {
                for reason in skipped {
                    out.problem(line, format!("an entry about {} skipped: {reason}", c.name));
                }
                out.add(item);
            }
            Err(reason) => out.problem(line, format!("contact {line} skipped: {reason}")),
        }
    }
    Ok(out.parsed)
}

/// One contact of a Kith export, held to the rules a command is held to;
/// with the reasons any of its entries were left out.
fn ledger_contact(
    c: &LedgerContact,
    now: DateTime<Utc>,
) -> Result<(ImportItem, Vec<String>), String> {
    let tier = Tier::parse(&c.tier).ok_or_else(|| format!("\"{}\" is not a tier", c.tier))?;
    check_name(&c.name)?;
    if let Some(company) = &c.company {
        check_company(company)?;
    }
    let cadence = match c.cadence_days {
        None => None,
        Some(days) => Some(Cadence::from_days(days).ok_or_else(|| {
            format!(
                "a cadence of {days} days is out of range (1 to {} days)",
                limits::SPAN_DAYS
            )
        })?),
    };
    if c.tags.len() > limits::TAGS {
        return Err(format!("it has more than {} tags", limits::TAGS));
    }
    let mut tags = Vec::with_capacity(c.tags.len());
    for t in &c.tags {
        let tag = Tag::parse(&format!("#{t}")).ok_or_else(|| {
            format!(
                "\"{}\" is not a tag",
                t.chars().take(60).collect::<String>()
            )
        })?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    check_time("added on", c.added_at, now)?;
    let latest_snooze = now + chrono::Duration::days(i64::from(limits::SPAN_DAYS));
    if let Some(until) = c.snoozed_until {
        check_time("snoozed until", until, latest_snooze)?;
    }
    // A member's name comes from the platform or from them, never from a
    // file: the name in the export is not used for a fellow member.
    let who = match &c.member_id {
        Some(id) => ContactRef::Member(Mention {
            id: id.clone(),
            label: None,
        }),
        None => ContactRef::Named(c.name.split_whitespace().collect::<Vec<_>>().join(" ")),
    };
    let mut entries = Vec::with_capacity(c.entries.len());
    let mut skipped = Vec::new();
    for e in &c.entries {
        let Some(kind) = EntryKind::parse(&e.kind) else {
            skipped.push(format!(
                "\"{}\" is not a kind of entry",
                e.kind.chars().take(20).collect::<String>()
            ));
            continue;
        };
        if e.what.chars().count() > limits::TEXT {
            skipped.push(format!("it is longer than {} characters", limits::TEXT));
            continue;
        }
        if let Err(reason) = check_time("dated", e.at, now) {
            skipped.push(reason);
            continue;
        }
        entries.push(Entry {
            kind,
            what: e.what.clone(),
            at: e.at,
        });
    }
    let item = ImportItem {
        draft: ContactDraft {
            who,
            tier,
            cadence,
            company: c
                .company
                .as_ref()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            tags,
        },
        added_at: Some(c.added_at),
        snoozed_until: c.snoozed_until,
        entries,
        email: c.email.as_deref().and_then(crate::namesakes::email),
        profile_url: c
            .profile_url
            .as_deref()
            .and_then(crate::namesakes::profile_url),
    };
    Ok((item, skipped))
}

/// The names an import would match, for tests and reports.
pub fn keys(parsed: &Parsed) -> Vec<String> {
    parsed
        .items
        .iter()
        .map(|i| normalise_name(&i.draft.who.shown()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, String> {
        super::parse(name, bytes, now())
    }

    /// A Kith export of one contact, with `contact` fields merged over a
    /// valid one.
    fn export_with(contact: serde_json::Value) -> Vec<u8> {
        let mut base = serde_json::json!({
            "name": "Jane Doe", "member_id": null, "company": "Acme", "tier": "close",
            "cadence_days": null, "tags": ["design"], "snoozed_until": null,
            "added_at": "2026-01-01T00:00:00Z",
            "entries": [{"kind": "gave", "what": "a review", "at": "2026-02-01T00:00:00Z"}]
        });
        if let (Some(base), Some(over)) = (base.as_object_mut(), contact.as_object()) {
            for (k, v) in over {
                base.insert(k.clone(), v.clone());
            }
        }
        serde_json::json!({
            "format": "kith-ledger", "version": 1, "exported_at": "2026-11-01T00:00:00Z",
            "member": {"platform": "console", "workspace": "w", "id": "me", "name": "me"},
            "settings": {"tz": "UTC", "window": "09:00-10:00", "window_daily": false,
                         "digest": null, "dms": true},
            "contacts": [base]
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn goals_in_a_kith_export_are_checked_like_typed_ones() {
        let mut ledger: serde_json::Value =
            serde_json::from_slice(&export_with(serde_json::json!({}))).expect("json");
        ledger["settings"]["reach"] = serde_json::json!(true);
        ledger["goals"] = serde_json::json!([
            {"what": "  ", "company": null, "tags": [], "created_at": "2026-01-01T00:00:00Z"},
            {"what": "Pitch", "company": "!!!", "tags": [], "created_at": "2026-01-01T00:00:00Z"},
            {"what": "Sell", "company": null, "tags": ["no spaces"], "created_at": "2026-01-01T00:00:00Z"},
            {"what": "Move into sales", "company": "Acme Corp", "tags": ["sales"],
             "created_at": "2026-01-01T00:00:00Z"}
        ]);
        let parsed = parse("l.json", ledger.to_string().as_bytes()).expect("reads");
        assert_eq!(parsed.reach, Some(true));
        assert_eq!(parsed.goals.len(), 1, "{:?}", parsed.problems);
        assert_eq!(parsed.goals[0].what, "Move into sales");
        assert_eq!(parsed.goals[0].company.as_deref(), Some("Acme Corp"));
        let reasons: Vec<&str> = parsed.problems.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("says nothing"), "{reasons:?}");
        assert!(reasons[1].contains("no letters or digits"), "{reasons:?}");
        assert!(reasons[2].contains("is not a tag"), "{reasons:?}");
        // An export made before reach says nothing about it.
        let older = parse("l.json", &export_with(serde_json::json!({}))).expect("reads");
        assert_eq!(older.reach, None);
        assert!(older.goals.is_empty());
    }

    #[test]
    fn a_kith_export_with_an_out_of_range_cadence_is_refused_not_a_panic() {
        let parsed = parse(
            "l.json",
            &export_with(serde_json::json!({"cadence_days": 4294967295u64})),
        )
        .expect("reads");
        assert!(parsed.items.is_empty());
        assert!(
            parsed.problems[0].reason.contains("out of range"),
            "{:?}",
            parsed.problems
        );
    }

    #[test]
    fn a_kith_export_dated_at_the_end_of_time_or_in_the_future_is_refused() {
        for added in ["+262142-12-31T00:00:00Z", "2027-01-01T00:00:00Z"] {
            let parsed = parse(
                "l.json",
                &export_with(serde_json::json!({"added_at": added})),
            )
            .expect("reads");
            assert!(parsed.items.is_empty(), "{added}");
            assert!(
                parsed.problems[0].reason.contains("in the future"),
                "{:?}",
                parsed.problems
            );
        }
        let parsed = parse(
            "l.json",
            &export_with(serde_json::json!({"entries": [
                {"kind": "gave", "what": "later", "at": "2030-01-01T00:00:00Z"},
                {"kind": "got", "what": "ancient", "at": "-0001-01-01T00:00:00Z"},
                {"kind": "note", "what": "ok", "at": "2026-03-01T00:00:00Z"}
            ]})),
        )
        .expect("reads");
        assert_eq!(parsed.items[0].entries.len(), 1);
        assert_eq!(parsed.problems.len(), 2, "{:?}", parsed.problems);
    }

    #[test]
    fn a_kith_export_is_held_to_the_limits_of_commands() {
        let long = "x".repeat(limits::TEXT + 1);
        let cases = [
            serde_json::json!({"company": "c".repeat(limits::COMPANY + 1)}),
            serde_json::json!({"name": "n".repeat(limits::NAME + 1)}),
            serde_json::json!({"tags": (0..20_000).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            serde_json::json!({"tags": ["not a tag"]}),
        ];
        for case in cases {
            let parsed = parse("l.json", &export_with(case.clone())).expect("reads");
            assert!(parsed.items.is_empty(), "{case}");
            assert_eq!(parsed.problems.len(), 1, "{case}");
        }
        let parsed = parse(
            "l.json",
            &export_with(serde_json::json!({"entries": [{"kind": "note", "what": long, "at": "2026-03-01T00:00:00Z"}]})),
        )
        .expect("reads");
        assert!(parsed.items[0].entries.is_empty());
        assert!(parsed.problems[0].reason.contains("longer than 1000"));
    }

    #[test]
    fn a_kith_export_never_carries_a_members_name() {
        let parsed = parse(
            "l.json",
            &export_with(serde_json::json!({"member_id": "U1", "name": "=HYPERLINK(\"x\")"})),
        )
        .expect("reads");
        assert_eq!(
            parsed.items[0].draft.who,
            ContactRef::Member(Mention {
                id: "U1".into(),
                label: None
            })
        );
    }

    #[test]
    fn a_file_over_8_mb_is_refused_before_it_is_read() {
        let big = vec![b'a'; limits::IMPORT_BYTES + 1];
        let refusal = parse("big.csv", &big).expect_err("too big");
        assert!(refusal.contains("up to 8 MB"), "{refusal}");
    }

    #[test]
    fn a_file_with_more_people_than_the_limit_is_refused_whole() {
        let mut file = String::from("name\n");
        for i in 0..=limits::IMPORT_CONTACTS {
            file.push_str(&format!("p{i}\n"));
        }
        let refusal = parse("many.csv", file.as_bytes()).expect_err("too many");
        assert!(refusal.contains("at most 20000"), "{refusal}");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
        let mut ledger: Ledger = serde_json::from_slice(&export_with(serde_json::json!({
            "name": "=HYPERLINK(\"http://evil.example\",\"x\")",
            "company": "+1-555", "entries": [{"kind": "note", "what": "@SUM(A1)", "at": "2026-03-01T00:00:00Z"},
                                             {"kind": "note", "what": "-2+3", "at": "2026-03-01T00:00:00Z"},
                                             {"kind": "note", "what": "\tx", "at": "2026-03-01T00:00:00Z"}]
        })))
        .expect("ledger");
        ledger.contacts[0].member_id = None;
        let csv = ledger.to_csv();
        for bad in ["=HYPERLINK", "+1-555", "@SUM", "-2+3", "\tx"] {
            assert!(csv.contains(&format!("'{bad}")), "{bad} in {csv}");
        }
        for line in csv.lines() {
            for cell in line.split(',') {
                let cell = cell.trim_start_matches('"');
                assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell} in {line}");
            }
        }
        // The JSON export stays exact.
        assert!(ledger.to_json().contains("=HYPERLINK"));
    }

    #[test]
    fn linkedin_connections_skip_the_preamble_and_read_quoted_commas() {
        let file = "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nJane,Doe,https://www.linkedin.com/in/jane,,\"Acme, Inc.\",CTO,01 Jan 2024\nBob,Ortiz,https://www.linkedin.com/in/bob,bob@example.com,Initech,\"VP, Sales\",15 Mar 2023\n";
        let parsed = parse("Connections.csv", file.as_bytes()).expect("reads");
        assert_eq!(parsed.format, Format::LinkedIn);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.items.len(), 2);
        assert_eq!(
            parsed.items[0].draft.who,
            ContactRef::Named("Jane Doe".into())
        );
        assert_eq!(parsed.items[0].draft.company.as_deref(), Some("Acme, Inc."));
        assert_eq!(parsed.items[0].draft.tier, Tier::Wider);
    }

    #[test]
    fn broken_linkedin_rows_are_reported_by_line_and_the_rest_kept() {
        let file = "Notes:\nx\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nJane,Doe,u,,Acme,CTO,01 Jan 2024\n,,u,,Acme,CTO,01 Jan 2024\nOnly,Three,Fields\nBob,Ortiz,u,,Initech,VP,yesterday\nAnn,Lee,u,,Globex,Eng,02 Feb 2022\n";
        let parsed = parse("Connections.csv", file.as_bytes()).expect("reads");
        assert_eq!(keys(&parsed), vec!["jane doe", "ann lee"]);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![6, 7, 8], "{:?}", parsed.problems);
        assert!(parsed.problems[0].reason.contains("no name"));
        assert!(
            parsed.problems[1]
                .reason
                .contains("3 fields where the header has 7")
        );
        assert!(
            parsed.problems[2]
                .reason
                .contains("not a date like 01 Jan 2024")
        );
    }

    #[test]
    fn vcards_with_folded_lines_and_several_cards_are_read() {
        let file = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane \r\n Doe\r\nORG:Acme;R&D\r\nCATEGORIES:inner,mentors\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nN:Ortiz;Bob;;;\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:nobody@example.com\r\nEND:VCARD\r\n";
        let parsed = parse("contacts.vcf", file.as_bytes()).expect("reads");
        assert_eq!(keys(&parsed), vec!["jane doe", "bob ortiz"]);
        assert_eq!(parsed.items[0].draft.company.as_deref(), Some("Acme"));
        assert_eq!(parsed.items[0].draft.tier, Tier::Inner);
        assert_eq!(
            parsed.items[0]
                .draft
                .tags
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>(),
            vec!["#mentors"]
        );
        assert_eq!(
            parsed.problems,
            vec![Problem {
                line: 12,
                reason: "skipped: the card has no name (FN or N)".into()
            }]
        );
    }

    #[test]
    fn a_plain_csv_needs_a_name_column_and_reads_tier_tags_and_cadence() {
        let file = "Name,Company,Tier,Tags,Every\nJane Doe,Acme,inner,design mentor,3w\nBob,,best,,\nAnn,,,,10\n";
        let parsed = parse("people.csv", file.as_bytes()).expect("reads");
        assert_eq!(keys(&parsed), vec!["jane doe", "ann"]);
        assert_eq!(parsed.items[0].draft.tier, Tier::Inner);
        assert_eq!(parsed.items[0].draft.cadence.map(Cadence::days), Some(21));
        assert_eq!(parsed.items[1].draft.cadence.map(Cadence::days), Some(10));
        assert_eq!(parsed.problems[0].line, 3);
        let refused = parse("people.csv", b"Company,Phone\nAcme,1\n").expect_err("no names");
        assert!(refused.contains("no name column"), "{refused}");
    }

    #[test]
    fn a_file_that_is_not_what_it_claims_is_refused() {
        assert!(
            parse("contacts.vcf", b"Name\nJane\n")
                .expect_err("csv as vcf")
                .contains("says it is a vCard file")
        );
        assert!(
            parse("ledger.json", b"Name\nJane\n")
                .expect_err("csv as json")
                .contains("says it is a Kith export")
        );
        assert!(
            parse("ledger.json", b"{\"hello\": 1}")
                .expect_err("other json")
                .contains("not a Kith export")
        );
        assert!(
            parse("x.csv", &[0xff, 0xfe, 0x00, 0x41])
                .expect_err("binary")
                .contains("not a text file")
        );
        assert!(
            parse("x.csv", b"  \n")
                .expect_err("empty")
                .contains("empty")
        );
    }

    #[test]
    fn linkedin_namesakes_with_their_own_links_are_two_people_and_a_repeated_link_is_a_repeat() {
        let file = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
            Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Jan 2024\n\
            Kwame,Egger,https://www.linkedin.com/in/kwame-egger-2,,Hooli,VP,02 Jan 2024\n\
            Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1/,,Stark Industries,CTO,01 Jan 2024\n\
            Kwame,Egger,,kwame@initech.example,Initech,Eng,03 Jan 2024\n\
            Kwame,Egger,,KWAME@initech.example,Initech,Eng,03 Jan 2024\n";
        let parsed = parse("Connections.csv", file.as_bytes()).expect("reads");
        assert_eq!(parsed.items.len(), 3);
        assert_eq!(parsed.repeats, 2);
        let companies: Vec<_> = parsed
            .items
            .iter()
            .map(|i| i.draft.company.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(companies, ["Stark Industries", "Hooli", "Initech"]);
        assert_eq!(
            parsed.items[1].profile_url.as_deref(),
            Some("https://www.linkedin.com/in/kwame-egger-2")
        );
        assert_eq!(
            parsed.items[2].email.as_deref(),
            Some("kwame@initech.example")
        );
    }

    #[test]
    fn vcard_namesakes_are_told_apart_by_email_and_a_kith_export_keeps_every_contact() {
        let file = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kwame Egger\r\nEMAIL:k1@x.example\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kwame Egger\r\nEMAIL:k2@x.example\r\nURL:https://k2.example/\r\nEND:VCARD\r\n";
        let parsed = parse("c.vcf", file.as_bytes()).expect("reads");
        assert_eq!((parsed.items.len(), parsed.repeats), (2, 0));
        assert_eq!(
            parsed.items[1].profile_url.as_deref(),
            Some("https://k2.example/")
        );
        // Two namesakes in a Kith export, with nothing else to tell them apart.
        let mut ledger: Ledger =
            serde_json::from_slice(&export_with(serde_json::json!({}))).expect("ledger");
        ledger.contacts.push(ledger.contacts[0].clone());
        let parsed = parse("l.json", ledger.to_json().as_bytes()).expect("reads");
        assert_eq!((parsed.items.len(), parsed.repeats), (2, 0));
    }

    #[test]
    fn repeated_people_in_a_file_are_kept_once() {
        let parsed = parse("p.csv", b"name\nJane Doe\njane  doe\n").expect("reads");
        assert_eq!((parsed.items.len(), parsed.repeats), (1, 1));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    /// A field of a CSV or vCard line: text, quotes, separators, odd bytes.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z ]{0,12}",
            "[=+@\\-\"',;:\\\\\r\n\t#]{0,6}",
            any::<String>(),
            Just("01 Jan 2024".to_string()),
            Just("BEGIN:VCARD".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn any_bytes_under_any_name_are_read_or_refused_never_a_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            name in prop_oneof![Just("x.csv"), Just("x.vcf"), Just("x.json"), Just("x.txt"), Just("Connections.csv")],
        ) {
            let _ = parse(name, &bytes, now());
        }

        #[test]
        fn csv_like_files_are_read_or_refused_never_a_panic(
            header in prop_oneof![
                Just(LINKEDIN_HEADER.to_string()),
                Just("name,company,tier,tags,every".to_string()),
                Just("first name,last name".to_string()),
                field(),
            ],
            rows in proptest::collection::vec(proptest::collection::vec(field(), 0..9), 0..12),
        ) {
            let mut file = format!("Notes:\n\n{header}\n");
            for row in rows {
                file.push_str(&row.join(","));
                file.push('\n');
            }
            if let Ok(parsed) = parse("people.csv", file.as_bytes(), now()) {
                for item in &parsed.items {
                    prop_assert!(item.draft.who.shown().chars().count() <= limits::NAME);
                    prop_assert!(item.draft.tags.len() <= limits::TAGS);
                    prop_assert!(item.email.as_ref().is_none_or(|e| e.chars().count() <= limits::EMAIL));
                    prop_assert!(item.profile_url.as_ref().is_none_or(|u| u.chars().count() <= limits::URL));
                }
            }
        }

        #[test]
        fn vcards_are_read_or_refused_never_a_panic(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just("BEGIN:VCARD".to_string()),
                    Just("END:VCARD".to_string()),
                    Just("VERSION:4.0".to_string()),
                    field().prop_map(|f| format!("FN:{f}")),
                    field().prop_map(|f| format!("N:{f};{f};;;")),
                    field().prop_map(|f| format!("ORG:{f}")),
                    field().prop_map(|f| format!("CATEGORIES:{f}")),
                    field().prop_map(|f| format!(" {f}")),
                    field(),
                ],
                0..24,
            ),
        ) {
            let file = format!("BEGIN:VCARD\r\n{}\r\n", lines.join("\r\n"));
            let _ = parse("c.vcf", file.as_bytes(), now());
        }

        #[test]
        fn kith_exports_with_any_values_are_validated_never_a_panic(
            cadence in prop_oneof![Just(serde_json::Value::Null), any::<u32>().prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from)],
            year in prop_oneof![-262143i32..=262142, 1899i32..2030],
            name in field(),
            what in field(),
            tags in proptest::collection::vec(field(), 0..30),
        ) {
            let date = format!("{year:+07}-06-01T00:00:00Z");
            let file = serde_json::json!({
                "format": "kith-ledger", "version": 1, "exported_at": "2026-11-01T00:00:00Z",
                "member": {"platform": "console", "workspace": "w", "id": "me", "name": "me"},
                "settings": {"tz": name, "window": what, "window_daily": false, "digest": what, "dms": true},
                "contacts": [{"name": name, "member_id": null, "company": what, "tier": "inner",
                    "cadence_days": cadence, "tags": tags, "snoozed_until": date,
                    "added_at": date, "entries": [{"kind": "gave", "what": what, "at": date}]}]
            });
            if let Ok(parsed) = parse("l.json", file.to_string().as_bytes(), now()) {
                for item in &parsed.items {
                    for entry in &item.entries {
                        prop_assert!(entry.at <= now());
                    }
                    // Every imported contact's due date is computable.
                    let _ = item.added_at.map(|t| t <= now());
                }
            }
        }
    }
}
