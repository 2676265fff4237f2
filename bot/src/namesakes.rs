//! Namesakes are different people. Two outside contacts of one member may
//! share a name; what else is known about them (a company, an email, a
//! profile link, or failing all that the order they were added in) tells
//! them apart. Here: how a typed name finds one person or asks which one
//! (`"Kwame Egger (Hooli)"`), how namesakes are labelled wherever they are
//! shown, and how an import recognises the people it brought in before.

use std::collections::{HashMap, HashSet};

use crate::domain::{Contact, ContactId, ContactRef, Scope, company_key, normalise_name};
use crate::portability::ImportItem;
use crate::ports::Store;

use crate::limits::EMAIL;
/// Namesakes named in one which-one question; the rest are counted.
const LISTED: usize = 10;

/// An email address from a file, trimmed; `None` unless it looks like one
/// (one `@` with text either side, no spaces) and fits [`EMAIL`].
pub fn email(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("mailto:").unwrap_or(raw);
    let (local, domain) = raw.split_once('@')?;
    let fits = raw.chars().count() <= EMAIL
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !raw.chars().any(char::is_whitespace);
    fits.then(|| raw.to_string())
}

/// A profile link from a file, trimmed; `None` unless it looks like one (a
/// host with a dot, no spaces) and fits [`crate::limits::URL`].
pub fn profile_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let fits = url_key(raw)
        .split('/')
        .next()
        .is_some_and(|host| host.contains('.'))
        && raw.chars().count() <= crate::limits::URL
        && !raw.chars().any(char::is_whitespace);
    fits.then(|| raw.to_string())
}

/// How two spellings of one link compare: without the scheme, `www.`, a
/// query or a trailing slash, in lower case.
pub fn url_key(url: &str) -> String {
    let lower = url.trim().to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    rest.trim_end_matches('/').to_string()
}

fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// `Kwame Egger (Hooli)` as the name and what tells the person apart; `None`
/// for a name without a trailing bracket.
pub fn split(name: &str) -> Option<(&str, &str)> {
    let inner = name.trim().strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (base, qualifier) = (inner[..open].trim(), inner[open + 1..].trim());
    (!base.is_empty() && !qualifier.is_empty()).then_some((base, qualifier))
}

/// What is known of an outside person that may tell them from a namesake.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub name: &'a str,
    pub company: Option<&'a str>,
    pub email: Option<&'a str>,
    pub profile_url: Option<&'a str>,
}

impl<'a> From<&'a Contact> for Who<'a> {
    fn from(c: &'a Contact) -> Who<'a> {
        Who {
            name: &c.name,
            company: c.company.as_deref(),
            email: c.email.as_deref(),
            profile_url: c.profile_url.as_deref(),
        }
    }
}

/// What tells one namesake apart from the others.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mark {
    Company(String),
    Email(String),
    Url(String),
    /// Their place among the namesakes, in the order they were added (from 1).
    Number(usize),
}

impl Mark {
    /// As typed in brackets after the name.
    fn typed(&self) -> String {
        match self {
            Mark::Company(s) | Mark::Email(s) => s.clone(),
            Mark::Url(url) => url_key(url),
            Mark::Number(n) => n.to_string(),
        }
    }

    /// As offered in a which-one question.
    fn described(&self, who: Who<'_>) -> String {
        let at = who.company.map(|c| format!(" at {c}")).unwrap_or_default();
        match self {
            Mark::Company(company) => format!("at {company}"),
            Mark::Email(email) => format!("{email}{at}"),
            Mark::Url(url) => format!("{}{at}", url_key(url)),
            Mark::Number(n) => format!("number {n}{at}"),
        }
    }
}

/// Each namesake's mark (the group in the order they were added): their
/// company if no other has it, else their email, else their profile link,
/// else their number.
fn marks(group: &[Who<'_>]) -> Vec<Mark> {
    fn unique<'a>(
        group: &[Who<'a>],
        field: impl Fn(&Who<'a>) -> Option<String>,
    ) -> impl Fn(&Who<'a>) -> bool {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for who in group {
            if let Some(key) = field(who) {
                *seen.entry(key).or_default() += 1;
            }
        }
        move |who| field(who).is_some_and(|key| seen.get(&key) == Some(&1))
    }
    let company = unique(group, |w| w.company.and_then(company_key));
    let email = unique(group, |w| w.email.map(email_key));
    let url = unique(group, |w| w.profile_url.map(url_key));
    group
        .iter()
        .enumerate()
        .map(|(i, w)| match (w.company, w.email, w.profile_url) {
            (Some(c), ..) if company(w) => Mark::Company(c.trim().to_string()),
            (_, Some(e), _) if email(w) => Mark::Email(e.to_string()),
            (.., Some(u)) if url(w) => Mark::Url(u.to_string()),
            _ => Mark::Number(i + 1),
        })
        .collect()
}

/// How each of `people` is shown where namesakes must be told apart:
/// `Kwame Egger (Hooli)` for a namesake, `None` for anyone whose name is
/// theirs alone. `None` in `people` is a fellow member (never a namesake).
pub fn marked<'a>(people: &[Option<Who<'a>>]) -> Vec<Option<String>> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, who) in people.iter().enumerate() {
        if let Some(who) = who {
            groups.entry(normalise_name(who.name)).or_default().push(i);
        }
    }
    let mut out = vec![None; people.len()];
    for group in groups.into_values().filter(|g| g.len() > 1) {
        let whos: Vec<Who<'a>> = group.iter().filter_map(|&i| people[i]).collect();
        for (&i, mark) in group.iter().zip(marks(&whos)) {
            out[i] = Some(format!("{} ({})", whos[0].name, mark.typed()));
        }
    }
    out
}

/// Whether `typed` (what was in brackets) names this namesake.
fn names(typed: &str, who: Who<'_>, number: usize) -> bool {
    let typed = typed.trim();
    let typed = typed
        .strip_prefix("at ")
        .or_else(|| typed.strip_prefix("number "))
        .unwrap_or(typed);
    let company = company_key(typed);
    (company.is_some() && who.company.and_then(company_key) == company)
        || who.email.is_some_and(|e| email_key(e) == email_key(typed))
        || who
            .profile_url
            .is_some_and(|u| url_key(u) == url_key(typed))
        || typed.parse::<usize>() == Ok(number)
}

/// How each contact is shown where namesakes must be told apart (a list,
/// the map): `Kwame Egger (Hooli)` for a namesake, the usual name
/// (`@alice`, `Jane Doe`) for everyone else. Namesakes are numbered in the
/// order they were added.
pub fn labels(contacts: &[Contact]) -> HashMap<ContactId, String> {
    let mut sorted: Vec<&Contact> = contacts.iter().collect();
    sorted.sort_by_key(|c| c.id.0);
    let people: Vec<Option<Who<'_>>> = sorted
        .iter()
        .map(|c| c.member_external_id.is_none().then(|| Who::from(*c)))
        .collect();
    sorted
        .iter()
        .zip(marked(&people))
        .map(|(c, label)| (c.id, label.unwrap_or_else(|| c.shown())))
        .collect()
}

/// [`labels`] for the few contacts `shown` (a reminder's, the Home tab's),
/// told apart from their namesakes anywhere in `network`; reads the
/// network once and labels only the names shown.
pub fn labels_for<'a>(
    shown: impl IntoIterator<Item = &'a Contact>,
    network: &[Contact],
) -> HashMap<ContactId, String> {
    let names: HashSet<String> = shown
        .into_iter()
        .filter(|c| c.member_external_id.is_none())
        .map(|c| normalise_name(&c.name))
        .collect();
    let namesakes: Vec<Contact> = network
        .iter()
        .filter(|c| c.member_external_id.is_none() && names.contains(&normalise_name(&c.name)))
        .cloned()
        .collect();
    labels(&namesakes)
}

/// [`labels`] for the contacts `shown`, told apart from their namesakes
/// anywhere in the scope's network: one read for all their names (none
/// when no outside person is shown).
pub async fn labels_read(
    store: &dyn Store,
    scope: Scope,
    shown: &[Contact],
) -> anyhow::Result<HashMap<ContactId, String>> {
    let mut keys: Vec<String> = shown
        .iter()
        .filter(|c| c.member_external_id.is_none())
        .map(|c| normalise_name(&c.name))
        .collect();
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(labels(&store.contacts_named(scope, &keys).await?))
}

/// What a typed name found in the member's network.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// One person, and how to show them (told apart from any namesake).
    One {
        contact: Box<Contact>,
        label: String,
    },
    /// Nobody by that name.
    Nobody,
    /// Several: the question to ask, naming each one and how to type it.
    Which(String),
    /// Namesakes, none of them what the brackets say (`"Kwame Egger
    /// (Initech)"` with Kwame Eggers at Stark and Hooli): the question to
    /// ask, or for `add`, someone new.
    NoneOf(String),
}

/// Finds who `who` names in the scope's network. A name shared by several
/// people (and a bracket that names none of them) gets the which-one
/// question; `"Kwame Egger (Hooli)"` picks the one at Hooli, as does an
/// email, a profile link or a number in the brackets.
pub async fn find(store: &dyn Store, scope: Scope, who: &ContactRef) -> anyhow::Result<Found> {
    let ContactRef::Named(name) = who else {
        return Ok(match store.find_contact(scope, who).await? {
            Some(contact) => Found::One {
                label: contact.shown(),
                contact: Box::new(contact),
            },
            None => Found::Nobody,
        });
    };
    let whole = store.contacts_named(scope, &[normalise_name(name)]).await?;
    if !whole.is_empty() {
        return Ok(pick(&whole, None));
    }
    let Some((base, typed)) = split(name) else {
        return Ok(Found::Nobody);
    };
    let group = store.contacts_named(scope, &[normalise_name(base)]).await?;
    Ok(match group.is_empty() {
        true => Found::Nobody,
        false => pick(&group, Some(typed)),
    })
}

/// One of a group of namesakes (in the order they were added), by what was
/// typed in brackets if anything.
fn pick(group: &[Contact], typed: Option<&str>) -> Found {
    let whos: Vec<Who<'_>> = group.iter().map(Who::from).collect();
    let chosen: Vec<usize> = (0..group.len())
        .filter(|&i| typed.is_none_or(|t| names(t, whos[i], i + 1)))
        .collect();
    let marks = marks(&whos);
    match chosen.as_slice() {
        [one] => Found::One {
            contact: Box::new(group[*one].clone()),
            label: match group.len() {
                1 => group[*one].shown(),
                _ => format!("{} ({})", group[*one].name, marks[*one].typed()),
            },
        },
        [] => Found::NoneOf(which_one(
            group,
            &marks,
            &(0..group.len()).collect::<Vec<_>>(),
        )),
        several => Found::Which(which_one(group, &marks, several)),
    }
}

/// `Which Kwame Egger? at Stark Industries, or at Hooli: type "Kwame Egger (Hooli)"`.
fn which_one(group: &[Contact], marks: &[Mark], among: &[usize]) -> String {
    let name = &group[among[0]].name;
    let mut options: Vec<String> = among
        .iter()
        .take(LISTED)
        .map(|&i| marks[i].described(Who::from(&group[i])))
        .collect();
    if among.len() > LISTED {
        options.push(format!("one of {} more", among.len() - LISTED));
    }
    let listed = match options.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{}, or {last}", rest.join(", ")),
        None => String::new(),
    };
    let example = among[..among.len().min(LISTED)]
        .last()
        .map(|&i| marks[i].typed())
        .unwrap_or_default();
    format!("Which {name}? {listed}: type \"{name} ({example})\"")
}

/// A new namesake from a bracketed name that named none of those there:
/// `Kwame Egger (Initech)` is another Kwame Egger, at Initech. `None` when
/// the brackets hold what cannot be a company (an email, a link, a number).
pub fn newcomer(name: &str) -> Option<(String, String)> {
    let (base, company) = split(name)?;
    let company = company.strip_prefix("at ").unwrap_or(company).trim();
    let plain = !company.contains('@')
        && profile_url(company).is_none()
        && company.parse::<usize>().is_err()
        && company.chars().count() <= crate::limits::COMPANY;
    plain.then(|| (base.to_string(), company.to_string()))
}

/// Whether `draft` is someone already among `namesakes` (the outside
/// people of their name): one at the same company (or both at none).
/// What stops a repeated `add` from adding a person twice, while another
/// Kwame Egger at another company is someone new.
pub fn among(draft: &crate::domain::ContactDraft, namesakes: &[Contact]) -> bool {
    let key = |c: Option<&str>| c.and_then(company_key);
    namesakes
        .iter()
        .any(|c| key(c.company.as_deref()) == key(draft.company.as_deref()))
}

/// Who is already in a network, as an import compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    /// A fellow member's platform id.
    pub member: Option<String>,
    pub name_key: String,
    pub email: Option<String>,
    pub profile_url: Option<String>,
}

/// An outside person's identity in an import: their profile link, else
/// their email.
fn identity(url: Option<&str>, email: Option<&str>) -> (Option<String>, Option<String>) {
    (url.map(url_key), email.map(email_key))
}

/// The key that makes two rows of one file the same person: a fellow
/// member's id, else the profile link, else the email, else the name (or,
/// in a Kith export where every contact is its own person, the row).
pub fn import_key(item: &ImportItem, row: Option<usize>) -> String {
    match (&item.draft.who, &item.profile_url, &item.email, row) {
        (ContactRef::Member(m), ..) => format!("member:{}", m.id),
        (_, Some(url), ..) => format!("url:{}", url_key(url)),
        (_, None, Some(email), _) => format!("email:{}", email_key(email)),
        (_, None, None, Some(row)) => format!("row:{row}"),
        (who, None, None, None) => format!("name:{}", who.name_key()),
    }
}

/// The outside people of a network as an import looks them up.
#[derive(Default)]
struct Known {
    by_url: HashMap<String, usize>,
    by_email: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    /// Each one's (link, email) keys, and whether an item stands for them.
    people: Vec<(Option<String>, Option<String>)>,
    claimed: Vec<bool>,
}

impl Known {
    fn add(&mut self, name_key: String, url: Option<&str>, email: Option<&str>, claimed: bool) {
        let i = self.people.len();
        let (url, email) = identity(url, email);
        if let Some(url) = &url {
            self.by_url.entry(url.clone()).or_insert(i);
        }
        if let Some(email) = &email {
            self.by_email.entry(email.clone()).or_insert(i);
        }
        self.by_name.entry(name_key).or_default().push(i);
        self.people.push((url, email));
        self.claimed.push(claimed);
    }

    /// The unclaimed person with this item's link or email.
    fn by_identity(&self, item: &ImportItem) -> Option<usize> {
        let (url, email) = identity(item.profile_url.as_deref(), item.email.as_deref());
        url.and_then(|u| self.by_url.get(&u))
            .or_else(|| email.and_then(|e| self.by_email.get(&e)))
            .copied()
            .filter(|&i| !self.claimed[i])
    }

    /// An unclaimed person of the item's name whose link and email do not
    /// say they are someone else; one with neither first.
    fn by_name(&self, item: &ImportItem) -> Option<usize> {
        let (url, email) = identity(item.profile_url.as_deref(), item.email.as_deref());
        let differs =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
        self.by_name
            .get(&item.draft.who.name_key())?
            .iter()
            .copied()
            .filter(|&i| {
                let (their_url, their_email) = &self.people[i];
                !self.claimed[i] && !differs(&url, their_url) && !differs(&email, their_email)
            })
            .min_by_key(|&i| self.people[i].0.is_some() || self.people[i].1.is_some())
    }
}

/// The items of an import not in the network yet, and how many were. A
/// person is there already if their profile link or email is; otherwise
/// (a row that has neither, or one imported before they were kept) if
/// someone of the same name is whose link and email do not say otherwise.
/// Each person already there stands for one item at most, so namesakes
/// from one file stay apart.
pub fn not_present(present: Vec<Present>, items: &[ImportItem]) -> (Vec<&ImportItem>, u64) {
    let mut members: HashSet<String> = HashSet::new();
    let mut known = Known::default();
    for p in present {
        match p.member {
            Some(id) => {
                members.insert(id);
            }
            None => known.add(
                p.name_key,
                p.profile_url.as_deref(),
                p.email.as_deref(),
                false,
            ),
        }
    }
    // First everyone found by link or email, so that a namesake without
    // either cannot take the place of one who has them.
    let mut found = vec![false; items.len()];
    for (n, item) in items.iter().enumerate() {
        if let ContactRef::Named(_) = item.draft.who
            && let Some(i) = known.by_identity(item)
        {
            known.claimed[i] = true;
            found[n] = true;
        }
    }
    let mut existing = 0;
    let mut new = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let there = match &item.draft.who {
            ContactRef::Member(m) => !members.insert(m.id.clone()),
            ContactRef::Named(_) if found[n] => true,
            ContactRef::Named(_) => match known.by_name(item) {
                Some(i) => {
                    known.claimed[i] = true;
                    true
                }
                None => {
                    known.add(
                        item.draft.who.name_key(),
                        item.profile_url.as_deref(),
                        item.email.as_deref(),
                        true,
                    );
                    false
                }
            },
        };
        if there {
            existing += 1;
        } else {
            new.push(item);
        }
    }
    (new, existing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContactDraft, Tier};
    use chrono::{TimeZone, Utc};

    fn kwame(id: i64, company: Option<&str>, email: Option<&str>) -> Contact {
        Contact {
            id: ContactId(id),
            member_external_id: None,
            name: "Kwame Egger".into(),
            company: company.map(String::from),
            tier: Tier::Wider,
            cadence_override: None,
            tags: vec![],
            snoozed_until: None,
            added_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
            last_contact: None,
            favours_given: 0,
            favours_received: 0,
            last_note: None,
            email: email.map(String::from),
            profile_url: None,
        }
    }

    fn item(name: &str, url: Option<&str>, email: Option<&str>) -> ImportItem {
        ImportItem {
            draft: ContactDraft {
                who: ContactRef::Named(name.into()),
                tier: Tier::Wider,
                cadence: None,
                company: None,
                tags: vec![],
            },
            added_at: None,
            snoozed_until: None,
            entries: vec![],
            email: email.map(String::from),
            profile_url: url.map(String::from),
        }
    }

    fn present(name: &str, url: Option<&str>, email: Option<&str>) -> Present {
        Present {
            member: None,
            name_key: normalise_name(name),
            email: email.map(String::from),
            profile_url: url.map(String::from),
        }
    }

    #[test]
    fn a_bracket_after_a_name_is_what_tells_them_apart() {
        assert_eq!(split("Kwame Egger (Hooli)"), Some(("Kwame Egger", "Hooli")));
        assert_eq!(split("Kwame Egger"), None);
        assert_eq!(split("(Hooli)"), None);
        assert_eq!(split("Kwame Egger ()"), None);
    }

    #[test]
    fn the_which_one_question_names_each_company_and_how_to_type_it() {
        let group = [
            kwame(1, Some("Stark Industries"), None),
            kwame(2, Some("Hooli"), None),
        ];
        assert_eq!(
            pick(&group, None),
            Found::Which(
                "Which Kwame Egger? at Stark Industries, or at Hooli: type \"Kwame Egger (Hooli)\""
                    .into()
            )
        );
        let Found::One { contact, label } = pick(&group, Some("hooli")) else {
            panic!("one")
        };
        assert_eq!(
            (contact.id, label.as_str()),
            (ContactId(2), "Kwame Egger (Hooli)")
        );
        assert!(matches!(pick(&group, Some("Initech")), Found::NoneOf(_)));
    }

    #[test]
    fn namesakes_without_a_company_are_told_apart_by_email_then_number() {
        let group = [
            kwame(1, None, Some("kwame@stark.example")),
            kwame(2, None, None),
            kwame(3, None, None),
        ];
        let Found::Which(question) = pick(&group, None) else {
            panic!("which")
        };
        assert_eq!(
            question,
            "Which Kwame Egger? kwame@stark.example, number 2, or number 3: type \"Kwame Egger (3)\""
        );
        let one = |typed| match pick(&group, Some(typed)) {
            Found::One { contact, .. } => Some(contact.id.0),
            _ => None,
        };
        assert_eq!(one("KWAME@stark.example"), Some(1));
        assert_eq!(one("2"), Some(2));
        assert_eq!(one("number 3"), Some(3));
        assert_eq!(one("4"), None);
    }

    #[test]
    fn a_list_labels_namesakes_and_leaves_everyone_else_alone() {
        let mut jane = kwame(5, Some("Acme"), None);
        jane.name = "Jane Doe".into();
        let labels = labels(&[
            kwame(2, Some("Hooli"), None),
            jane,
            kwame(1, Some("Stark"), None),
        ]);
        assert_eq!(labels[&ContactId(1)], "Kwame Egger (Stark)");
        assert_eq!(labels[&ContactId(2)], "Kwame Egger (Hooli)");
        assert_eq!(labels[&ContactId(5)], "Jane Doe");
    }

    #[test]
    fn an_import_keeps_namesakes_with_different_links_and_recognises_them_again() {
        let file = [
            item(
                "Kwame Egger",
                Some("https://www.linkedin.com/in/kwame-1"),
                None,
            ),
            item(
                "Kwame Egger",
                Some("https://www.linkedin.com/in/kwame-2"),
                None,
            ),
        ];
        let (new, existing) = not_present(vec![], &file);
        assert_eq!((new.len(), existing), (2, 0));
        // The same links, spelt a little differently, are the same people.
        let stored = vec![
            present("Kwame Egger", Some("linkedin.com/in/kwame-1/"), None),
            present("Kwame Egger", Some("http://linkedin.com/in/kwame-2"), None),
        ];
        let (new, existing) = not_present(stored, &file);
        assert_eq!((new.len(), existing), (0, 2));
    }

    #[test]
    fn someone_imported_before_links_were_kept_is_not_imported_twice() {
        let file = [
            item("Kwame Egger", Some("linkedin.com/in/kwame-1"), None),
            item("Kwame Egger", Some("linkedin.com/in/kwame-2"), None),
        ];
        // One plain-name Kwame from before: one row is them, one is new.
        let (new, existing) = not_present(vec![present("kwame egger", None, None)], &file);
        assert_eq!((new.len(), existing), (1, 1));
        // A row with neither link nor email is anyone of that name.
        let plain = [item("Kwame Egger", None, None)];
        let (new, existing) = not_present(
            vec![present(
                "Kwame Egger",
                Some("linkedin.com/in/kwame-1"),
                None,
            )],
            &plain,
        );
        assert_eq!((new.len(), existing), (0, 1));
        // A different email is a different person.
        let other = [item("Kwame Egger", None, Some("b@x.example"))];
        let (new, _) = not_present(
            vec![present("Kwame Egger", None, Some("a@x.example"))],
            &other,
        );
        assert_eq!(new.len(), 1);
    }

    #[test]
    fn only_what_looks_like_an_email_or_a_link_is_kept() {
        assert_eq!(
            email(" Kwame@Hooli.example "),
            Some("Kwame@Hooli.example".into())
        );
        assert_eq!(email("mailto:k@h.example"), Some("k@h.example".into()));
        for bad in ["", "kwame", "@h", "k@", "k w@h.example", "a@b@c"] {
            assert_eq!(email(bad), None, "{bad}");
        }
        assert_eq!(email(&format!("{}@h.example", "k".repeat(EMAIL))), None);
        assert_eq!(profile_url(""), None);
        assert_eq!(profile_url("u"), None);
        assert_eq!(
            profile_url(" https://www.linkedin.com/in/kwame "),
            Some("https://www.linkedin.com/in/kwame".into())
        );
        assert_eq!(profile_url(&"u".repeat(crate::limits::URL + 1)), None);
        assert_eq!(
            url_key("https://www.LinkedIn.com/in/kwame/?trk=x"),
            "linkedin.com/in/kwame"
        );
    }
}
