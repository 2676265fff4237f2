//! What each page shows, read from the store for one member and rendered
//! with the templates in `templates/`.

use askama::Template;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kith_bot::domain::{Contact, ContactId, EntryKind, Member};
use kith_bot::format::{date, plural, relative, signed};
use kith_bot::map::{self, Links};
use kith_bot::ports::Store;
use kith_bot::reach::{self, Goal};

/// How many people the due list shows (the most overdue first).
const DUE_ROWS: u32 = 20;
/// How many people the balance shows (the most lopsided first).
const BALANCE_ROWS: u32 = 10;
/// How many matches a search shows.
const SEARCH_ROWS: usize = 50;
/// The longest search, in characters.
const SEARCH_CHARS: usize = 100;
/// How many entries a person's page shows (latest first).
const HISTORY_ROWS: u32 = 500;

/// One contact in a list.
struct Row {
    id: i64,
    name: String,
    company: String,
    tier: &'static str,
    last: String,
    /// When they are (or were) due, in words.
    due: String,
    overdue: bool,
}

impl Row {
    fn of(c: &Contact, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Row {
        let next = c.next_due();
        Row {
            id: c.id.0,
            name: c.shown(),
            company: c.company.clone().unwrap_or_default(),
            tier: c.tier.as_str(),
            last: c
                .last_contact
                .map_or_else(|| "never".to_string(), |t| relative(now, t, tz)),
            due: match next <= now {
                true => format!("due since {}", date(now, next, tz)),
                false => format!("next check-in {}", date(now, next, tz)),
            },
            overdue: next <= now,
        }
    }
}

/// One line of the favour balance.
struct Balance {
    id: i64,
    name: String,
    given: u32,
    got: u32,
    balance: String,
}

/// One goal, with the people in the member's network who can help.
struct GoalRow {
    what: String,
    /// " · at Acme #sales", or nothing.
    about: String,
    helpers: Vec<Helper>,
}

/// Someone who can help with a goal.
struct Helper {
    id: i64,
    name: String,
    due: bool,
}

impl GoalRow {
    fn of(goal: &Goal, contacts: &[Contact], now: DateTime<Utc>) -> GoalRow {
        GoalRow {
            what: goal.what.clone(),
            about: reach::about(goal.company.as_deref(), &goal.tags),
            helpers: goal
                .helpers(contacts, now)
                .into_iter()
                .map(|c| Helper {
                    id: c.id.0,
                    name: c.shown(),
                    due: c.is_due(now),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    name: &'a str,
    csrf: &'a str,
    flash: Option<String>,
    due: Vec<Row>,
    due_note: String,
    network: u32,
    balance: Vec<Balance>,
    balance_note: String,
    map: String,
    goals: Vec<GoalRow>,
}

/// What the member's page shows, as read from the store.
pub struct HomeData {
    pub contacts: Vec<Contact>,
    pub due: kith_bot::ports::DueList,
    pub balance: kith_bot::ports::FavourBalance,
    pub goals: Vec<Goal>,
}

/// The member's page: the map, who is due, the balance, goals if any.
pub async fn home(
    store: &dyn Store,
    member: &Member,
    csrf: &str,
    flash: Option<String>,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let scope = member.scope();
    let data = HomeData {
        due: store.due_contacts(scope, now, DUE_ROWS).await?,
        balance: store.favour_balance(scope, BALANCE_ROWS).await?,
        contacts: store.contacts(scope).await?,
        goals: store.goals(scope).await?,
    };
    Ok(render_home(member, csrf, flash, &data, now)?)
}

/// Renders the member's page from what the store gave (the benchmark
/// times this part on its own).
pub fn render_home(
    member: &Member,
    csrf: &str,
    flash: Option<String>,
    data: &HomeData,
    now: DateTime<Utc>,
) -> askama::Result<String> {
    let HomeData {
        contacts,
        due,
        balance,
        goals,
    } = data;
    let tz = member.tz;
    // Namesakes are told apart, as in a list in the chat.
    let labels = kith_bot::namesakes::labels_for(due.top.iter().chain(&balance.top), contacts);
    let named = |c: &Contact| labels.get(&c.id).cloned().unwrap_or_else(|| c.shown());
    let href = |c: &Contact| format!("/me/contacts/{}", c.id.0);
    let map = map::linked_svg(
        &member.display_name,
        contacts,
        now,
        &Links { href: &href, tz },
    );
    let due_note = match (due.top.len() as u32, due.due, &due.next) {
        (_, 0, Some(next)) => format!(
            "Nobody is due. Next up: {}, {}.",
            next.shown(),
            date(now, next.next_due(), tz)
        ),
        (_, 0, None) => "Nobody is due.".to_string(),
        (shown, all, _) if shown < all => format!(
            "{} due; the {shown} most overdue first.",
            plural(i64::from(all), "person is", "people are")
        ),
        (_, all, _) => format!("{} due.", plural(i64::from(all), "person is", "people are")),
    };
    let balance_note = format!(
        "In all you gave {} and got {}.",
        plural(i64::from(balance.given), "favour", "favours"),
        plural(i64::from(balance.received), "favour", "favours")
    );
    Home {
        name: &member.display_name,
        csrf,
        flash,
        due: due
            .top
            .iter()
            .map(|c| Row {
                name: named(c),
                ..Row::of(c, now, tz)
            })
            .collect(),
        due_note,
        network: due.network,
        balance: balance
            .top
            .iter()
            .map(|c| Balance {
                id: c.id.0,
                name: named(c),
                given: c.favours_given,
                got: c.favours_received,
                balance: signed(c.balance()),
            })
            .collect(),
        balance_note,
        map,
        goals: goals
            .iter()
            .map(|g| GoalRow::of(g, contacts, now))
            .collect(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "search.html")]
struct Search<'a> {
    name: &'a str,
    csrf: &'a str,
    q: &'a str,
    message: String,
    rows: Vec<Row>,
}

/// Whether `contact` matches every word of the search (name, company, tags).
fn matches(contact: &Contact, words: &[String]) -> bool {
    let mut hay = contact.name.to_lowercase();
    if let Some(company) = &contact.company {
        hay.push(' ');
        hay.push_str(&company.to_lowercase());
    }
    for tag in &contact.tags {
        hay.push_str(" #");
        hay.push_str(&tag.as_str().to_lowercase());
    }
    words.iter().all(|w| hay.contains(w.as_str()))
}

/// Contacts whose name, company or tags hold every word of `q`.
pub async fn search(
    store: &dyn Store,
    member: &Member,
    csrf: &str,
    q: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(StatusCode, String)> {
    let q = q.trim();
    let page = |status, message: String, rows| -> anyhow::Result<(StatusCode, String)> {
        let html = Search {
            name: &member.display_name,
            csrf,
            q,
            message,
            rows,
        }
        .render()?;
        Ok((status, html))
    };
    let length = q.chars().count();
    if length > SEARCH_CHARS {
        return page(
            StatusCode::BAD_REQUEST,
            format!(
                "That search is {length} characters long; a search can be at most {SEARCH_CHARS}."
            ),
            Vec::new(),
        );
    }
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| w.trim_start_matches('@').to_lowercase())
        .filter(|w| !w.is_empty())
        .take(kith_bot::limits::SEARCH_TERMS)
        .collect();
    if words.is_empty() {
        return page(
            StatusCode::OK,
            "Type a name, a company or a #tag.".into(),
            Vec::new(),
        );
    }
    let mut found: Vec<Contact> = store
        .contacts(member.scope())
        .await?
        .into_iter()
        .filter(|c| matches(c, &words))
        .collect();
    found.sort_by_key(|c| c.name.to_lowercase());
    let all = found.len();
    found.truncate(SEARCH_ROWS);
    let message = match all {
        0 => format!("Nobody in your network matches “{q}”."),
        n if n > SEARCH_ROWS => format!("{n} people match; the first {SEARCH_ROWS} by name:"),
        n => format!("{} found:", plural(n as i64, "person", "people")),
    };
    let rows = found.iter().map(|c| Row::of(c, now, member.tz)).collect();
    page(StatusCode::OK, message, rows)
}

/// One entry in a person's history.
struct Line {
    when: String,
    kind: &'static str,
    what: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct Person<'a> {
    name: &'a str,
    csrf: &'a str,
    flash: Option<String>,
    contact: Row,
    cadence: String,
    tags: String,
    given: u32,
    got: u32,
    balance: String,
    notes: Vec<Line>,
    history: Vec<Line>,
}

/// One person's page, or `None` when they are not in the member's network.
pub async fn person(
    store: &dyn Store,
    member: &Member,
    csrf: &str,
    id: ContactId,
    flash: Option<String>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let scope = member.scope();
    let Some(contact) = store.contact(scope, id).await? else {
        return Ok(None);
    };
    let tz = member.tz;
    let entries = store.history(scope, id, HISTORY_ROWS).await?;
    let line = |e: &kith_bot::domain::Entry| Line {
        when: date(now, e.at, tz),
        kind: match e.kind {
            EntryKind::Touch => "check-in",
            EntryKind::Gave => "you gave",
            EntryKind::Got => "you got",
            EntryKind::Note => "note",
        },
        what: e.what.clone(),
    };
    let html = Person {
        name: &member.display_name,
        csrf,
        flash,
        cadence: contact.cadence().to_string(),
        tags: contact
            .tags
            .iter()
            .map(|t| format!("#{}", t.as_str()))
            .collect::<Vec<_>>()
            .join(" "),
        given: contact.favours_given,
        got: contact.favours_received,
        balance: signed(contact.balance()),
        notes: entries
            .iter()
            .filter(|e| e.kind == EntryKind::Note)
            .map(line)
            .collect(),
        history: entries.iter().map(line).collect(),
        contact: Row::of(&contact, now, tz),
    }
    .render()?;
    Ok(Some(html))
}

#[derive(Template)]
#[template(path = "notice.html")]
struct Notice<'a> {
    title: &'a str,
    message: &'a str,
}

/// A short page with a title and a message.
pub fn notice(title: &str, message: &str) -> String {
    Notice { title, message }
        .render()
        .unwrap_or_else(|_| "Kith".to_string())
}
