//! Words of a command line, and the small grammars every command shares:
//! who (`@alice`, `"Jane Doe"`, `<@U123|alice>`), spans (`2w`, `3 weeks`) and
//! when (`yesterday`, `3 days ago`, `on 2026-11-02`).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::{ContactRef, Mention, Span};

/// A mistake in what was typed: what was wrong, and the usage to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// The usage line of the command, when the mistake is in one.
    pub usage: Option<String>,
    /// The slot the mistake is in, when a builder can tell (a form shows it
    /// against that field).
    pub field: Option<&'static str>,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            usage: None,
            field: None,
        }
    }

    pub fn with_usage(mut self, usage: String) -> ParseError {
        self.usage.get_or_insert(usage);
        self
    }

    /// The same mistake, told against the slot `field`.
    pub fn in_field(mut self, field: &'static str) -> ParseError {
        self.field = Some(field);
        self
    }

    /// The message as a member reads it.
    pub fn to_user_text(&self) -> String {
        match &self.usage {
            Some(usage) => format!("{}\nUsage: {usage}", self.message),
            None => self.message.clone(),
        }
    }
}

/// One word, or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub quoted: bool,
}

impl Word {
    /// The word as it was typed (quotes restored).
    pub fn typed(&self) -> String {
        if self.quoted {
            format!("\"{}\"", self.text)
        } else {
            self.text.clone()
        }
    }

    fn is(&self, keyword: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(keyword)
    }
}

const OPEN_QUOTES: [char; 3] = ['"', '\u{201C}', '\u{201E}'];
const CLOSE_QUOTES: [char; 3] = ['"', '\u{201D}', '\u{201C}'];

/// Splits a line into words; `"..."` (straight or curly quotes, as phones and
/// Slack on a Mac type them) makes one word.
pub fn split_words(line: &str) -> Result<Vec<Word>, ParseError> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if OPEN_QUOTES.contains(&c) {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    Some(q) if CLOSE_QUOTES.contains(&q) => break,
                    Some(ch) => text.push(ch),
                    None => {
                        return Err(ParseError::new(format!(
                            "The quote before \"{}\" is never closed; put a \" at the end of the name.",
                            text.trim()
                        )));
                    }
                }
            }
            words.push(Word { text, quoted: true });
        } else {
            let mut text = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                text.push(ch);
                chars.next();
            }
            words.push(Word {
                text,
                quoted: false,
            });
        }
    }
    Ok(words)
}

/// The words after the command name, read left to right.
#[derive(Debug, Clone)]
pub struct Args {
    words: Vec<Word>,
    next: usize,
}

impl Args {
    pub fn new(words: Vec<Word>) -> Args {
        Args { words, next: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.next >= self.words.len()
    }

    pub fn peek(&self) -> Option<&Word> {
        self.words.get(self.next)
    }

    /// The word `n` places after the next one, without taking anything.
    pub fn peek_after(&self, n: usize) -> Option<&Word> {
        self.words.get(self.next + n)
    }

    pub fn next_word(&mut self) -> Option<Word> {
        let word = self.words.get(self.next).cloned();
        if word.is_some() {
            self.next += 1;
        }
        word
    }

    /// Takes the next word if it is `keyword` (unquoted, any case).
    pub fn eat(&mut self, keyword: &str) -> bool {
        let found = self.peek().is_some_and(|w| w.is(keyword));
        if found {
            self.next += 1;
        }
        found
    }

    /// All remaining words.
    pub fn rest(&mut self) -> Vec<Word> {
        let rest = self.words[self.next.min(self.words.len())..].to_vec();
        self.next = self.words.len();
        rest
    }

    /// Reads who the command is about. `what` names the role in the error,
    /// e.g. "Who did you give to?".
    pub fn contact(&mut self, question: &str) -> Result<ContactRef, ParseError> {
        match self.next_word() {
            None => Err(ParseError::new(question.to_string())),
            Some(word) => parse_contact(&word),
        }
    }

    /// Reads a span of one or two words (`2w`, `3 weeks`).
    pub fn span(&mut self, question: &str) -> Result<Span, ParseError> {
        let Some(first) = self.next_word() else {
            return Err(ParseError::new(question.to_string()));
        };
        let two_words = first.text.chars().all(|c| c.is_ascii_digit())
            && self.peek().is_some_and(|w| !w.quoted);
        let parsed = if two_words {
            let unit = self.next_word().map(|w| w.text).unwrap_or_default();
            Span::parse(&[first.text.as_str(), unit.as_str()])
        } else {
            Span::parse(&[first.text.as_str()])
        };
        parsed.map_err(|e| ParseError::new(capitalise(&e.to_string()) + "."))
    }

    /// Fails if anything is left over.
    pub fn finish(&mut self) -> Result<(), ParseError> {
        match self.rest().as_slice() {
            [] => Ok(()),
            extra => Err(ParseError::new(format!(
                "I didn't expect \"{}\" there.",
                join_typed(extra)
            ))),
        }
    }
}

/// Joins words back into the text that was typed.
pub fn join_typed(words: &[Word]) -> String {
    words.iter().map(Word::typed).collect::<Vec<_>>().join(" ")
}

pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

const MAX_NAME: usize = crate::limits::NAME;

/// Reads `@alice`, `<@U123>`, `<@U123|alice>`, `<@!123>` (a fellow member) or
/// `"Jane Doe"` (an outside person).
pub fn parse_contact(word: &Word) -> Result<ContactRef, ParseError> {
    let text = word.text.trim();
    if word.quoted {
        if text.is_empty() {
            return Err(ParseError::new(
                "The name in quotes is empty; write it like \"Jane Doe\".",
            ));
        }
        if text.chars().count() > MAX_NAME {
            return Err(ParseError::new(format!(
                "That name is longer than {MAX_NAME} characters; use a shorter one."
            )));
        }
        return Ok(ContactRef::Named(
            text.split_whitespace().collect::<Vec<_>>().join(" "),
        ));
    }
    if let Some(inner) = text.strip_prefix("<@").and_then(|t| t.strip_suffix('>')) {
        let inner = inner.strip_prefix('!').unwrap_or(inner);
        let (id, label) = match inner.split_once('|') {
            Some((id, label)) => (id, Some(label.to_string()).filter(|l| !l.is_empty())),
            None => (inner, None),
        };
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(ContactRef::Member(Mention {
                id: id.to_string(),
                label,
            }));
        }
    } else if let Some(handle) = text.strip_prefix('@') {
        let valid = !handle.is_empty()
            && handle.chars().count() <= MAX_NAME
            && handle
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if valid {
            return Ok(ContactRef::Member(Mention {
                id: handle.to_lowercase(),
                label: None,
            }));
        }
    }
    Err(ParseError::new(format!(
        "I don't know who \"{text}\" is. Mention a member like @alice, or put an outside person's name in quotes, like \"Jane Doe\"."
    )))
}

/// When something happened, as typed at the end of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Today,
    Yesterday,
    Ago(Span),
    On(NaiveDate),
}

impl When {
    /// Splits a trailing `[when]` off free text: returns the text without it
    /// and the when, if there was one.
    pub fn split_off(words: &[Word]) -> Result<(Vec<Word>, Option<When>), ParseError> {
        let plain = |i: usize| -> Option<&str> {
            words.get(i).filter(|w| !w.quoted).map(|w| w.text.as_str())
        };
        let n = words.len();
        if n == 0 {
            return Ok((Vec::new(), None));
        }
        let last = plain(n - 1).map(str::to_ascii_lowercase);
        let keep = |k: usize| words[..n - k].to_vec();
        match last.as_deref() {
            Some("today") => return Ok((keep(1), Some(When::Today))),
            Some("yesterday") => return Ok((keep(1), Some(When::Yesterday))),
            Some("ago") => {
                // "2w ago", "3 days ago", "a week ago"
                let one = n >= 2 && plain(n - 2).is_some();
                let two = n >= 3 && plain(n - 3).is_some();
                if two {
                    let number = plain(n - 3).unwrap_or_default();
                    let number = if matches!(number, "a" | "an" | "A" | "An") {
                        "1"
                    } else {
                        number
                    };
                    if let Ok(span) = Span::parse(&[number, plain(n - 2).unwrap_or_default()]) {
                        return Ok((keep(3), Some(When::Ago(span))));
                    }
                }
                if one && let Ok(span) = Span::parse(&[plain(n - 2).unwrap_or_default()]) {
                    return Ok((keep(2), Some(When::Ago(span))));
                }
                let from = n.saturating_sub(3);
                return Err(ParseError::new(format!(
                    "I couldn't tell when \"{}\" was. Write it like 3 days ago, 2w ago, yesterday or on 2026-11-02.",
                    join_typed(&words[from..])
                )));
            }
            _ => {}
        }
        let date_at =
            |i: usize| plain(i).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        if n >= 2 && plain(n - 2).is_some_and(|w| w.eq_ignore_ascii_case("on")) {
            if let Some(date) = date_at(n - 1) {
                return Ok((keep(2), Some(When::On(date))));
            }
            if looks_like_a_date(plain(n - 1).unwrap_or_default()) {
                return Err(ParseError::new(format!(
                    "\"{}\" is not a date I can read; write it as YYYY-MM-DD, like on 2026-11-02.",
                    plain(n - 1).unwrap_or_default()
                )));
            }
        }
        if let Some(date) = date_at(n - 1) {
            return Ok((keep(1), Some(When::On(date))));
        }
        Ok((words.to_vec(), None))
    }

    /// The instant this names for a member in `tz` at `now`. A date stands
    /// for noon local time that day (or now, if that is earlier today).
    pub fn resolve(self, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, ParseError> {
        let at = match self {
            When::Today => now,
            When::Yesterday => now - Duration::days(1),
            When::Ago(span) => span.before(now),
            When::On(date) => {
                use chrono::Datelike;
                if date.year() < crate::limits::EARLIEST_YEAR {
                    return Err(ParseError::new(format!(
                        "{date} is too long ago; dates from {} on are fine.",
                        crate::limits::EARLIEST_YEAR
                    )));
                }
                let today = now.with_timezone(&tz).date_naive();
                if date > today {
                    return Err(ParseError::new(format!(
                        "{date} is in the future; log things once they have happened."
                    )));
                }
                let noon = date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
                let local = tz
                    .from_local_datetime(&noon)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or(now);
                local.min(now)
            }
        };
        Ok(at)
    }
}

fn looks_like_a_date(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_digit()) && word.contains(['-', '/', '.'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SpanUnit;

    fn words(line: &str) -> Vec<Word> {
        split_words(line).expect("splits")
    }

    fn split(line: &str) -> (String, Option<When>) {
        let (rest, when) = When::split_off(&words(line)).expect("reads");
        (join_typed(&rest), when)
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn quoted_phrases_are_one_word_even_with_curly_quotes() {
        let w = words("add \u{201C}Jane Doe\u{201D} at \"Acme Corp\"");
        assert_eq!(w.len(), 4);
        assert_eq!(
            w[1],
            Word {
                text: "Jane Doe".into(),
                quoted: true
            }
        );
        assert_eq!(w[3].text, "Acme Corp");
    }

    #[test]
    fn an_unclosed_quote_is_an_error_that_says_so() {
        let err = split_words("add \"Jane Doe").expect_err("unclosed");
        assert!(err.message.contains("never closed"), "{}", err.message);
    }

    #[test]
    fn mentions_in_every_platform_form_are_members() {
        let member = |s: &str| match parse_contact(&words(s)[0]) {
            Ok(ContactRef::Member(m)) => (m.id, m.label),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(member("@Alice"), ("alice".into(), None));
        assert_eq!(member("<@U123|bob>"), ("U123".into(), Some("bob".into())));
        assert_eq!(member("<@U123>"), ("U123".into(), None));
        assert_eq!(
            member("<@!80351110224678912>"),
            ("80351110224678912".into(), None)
        );
    }

    #[test]
    fn a_bare_word_is_not_a_contact() {
        let err = parse_contact(&words("alice")[0]).expect_err("bare");
        assert!(err.message.contains("@alice"), "{}", err.message);
        assert!(parse_contact(&words("@")[0]).is_err());
        assert!(parse_contact(&words("\"  \"")[0]).is_err());
    }

    #[test]
    fn quoted_names_are_outside_people_with_tidy_spaces() {
        assert_eq!(
            parse_contact(&words("\"Jane   Doe\"")[0]),
            Ok(ContactRef::Named("Jane Doe".into()))
        );
    }

    #[test]
    fn trailing_when_phrases_are_split_off_the_text() {
        assert_eq!(
            split("intro to Bob 3 days ago"),
            (
                "intro to Bob".into(),
                Some(When::Ago(Span {
                    count: 3,
                    unit: SpanUnit::Day
                }))
            )
        );
        assert_eq!(
            split("coffee 2w ago").1,
            Some(When::Ago(Span {
                count: 2,
                unit: SpanUnit::Week
            }))
        );
        assert_eq!(
            split("lunch a week ago").1,
            Some(When::Ago(Span {
                count: 1,
                unit: SpanUnit::Week
            }))
        );
        assert_eq!(
            split("call yesterday"),
            ("call".into(), Some(When::Yesterday))
        );
        assert_eq!(
            split("demo on 2026-11-02"),
            ("demo".into(), Some(When::On(ymd(2026, 11, 2))))
        );
        assert_eq!(split("yesterday"), (String::new(), Some(When::Yesterday)));
    }

    #[test]
    fn text_that_merely_ends_like_a_when_stays_text() {
        assert_eq!(split("a book on Rust"), ("a book on Rust".into(), None));
        assert_eq!(
            split("helped for 2 days"),
            ("helped for 2 days".into(), None)
        );
        assert_eq!(split("\"yesterday\""), ("\"yesterday\"".into(), None));
    }

    #[test]
    fn an_unreadable_ago_or_date_is_an_error() {
        assert!(When::split_off(&words("coffee 3 fortnights ago")).is_err());
        assert!(When::split_off(&words("coffee on 2026-13-45")).is_err());
        assert!(When::split_off(&words("coffee on 02/11/2026")).is_err());
    }

    #[test]
    fn a_date_resolves_to_local_noon_and_never_the_future() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 15, 0, 0)
            .single()
            .expect("now");
        let berlin: Tz = "Europe/Berlin".parse().expect("tz");
        let at = When::On(ymd(2026, 11, 2))
            .resolve(now, berlin)
            .expect("past");
        assert_eq!(
            at,
            Utc.with_ymd_and_hms(2026, 11, 2, 11, 0, 0)
                .single()
                .expect("t")
        );
        assert!(When::On(ymd(2026, 11, 23)).resolve(now, berlin).is_err());
        assert!(When::On(ymd(1899, 12, 31)).resolve(now, berlin).is_err());
        assert!(When::On(ymd(-1, 1, 1)).resolve(now, berlin).is_err());
        let early = Utc
            .with_ymd_and_hms(2026, 11, 22, 6, 0, 0)
            .single()
            .expect("t");
        assert_eq!(
            When::On(ymd(2026, 11, 22)).resolve(early, berlin),
            Ok(early)
        );
    }

    #[test]
    fn relative_whens_count_back_from_now() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 15, 0, 0)
            .single()
            .expect("now");
        let days = |w: When| (now - w.resolve(now, Tz::UTC).expect("ok")).num_days();
        assert_eq!(days(When::Yesterday), 1);
        assert_eq!(days(When::Today), 0);
        assert_eq!(
            days(When::Ago(Span {
                count: 2,
                unit: SpanUnit::Week
            })),
            14
        );
    }
}
