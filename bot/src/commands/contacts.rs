//! Commands that shape the network: add, show, list, snooze, every, tier, remove.

use chrono::Duration;

use super::args::ParseError;
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec};
use crate::domain::{Cadence, Contact, ContactChange, ContactDraft, ContactRef, Span, Tag, Tier};
use crate::format::{date, plural, relative, signed};
use crate::namesakes;
use crate::reply::{Reply, Table};

const WHO: &str = "Who? Mention a member like @alice, or put an outside person's name in quotes, like \"Jane Doe\".";

/// Who a command is about: a fellow member or an outside person.
pub const WHO_SLOT: Slot = Slot::new(
    "who",
    Kind::Contact,
    "Who",
    "@someone",
    "A fellow member, or an outside person's name",
)
.ask(WHO);

const TIER_HELP: &str = "inner (every 14 days), close (30) or wider (90)";

/// What `add` was asked to set.
#[derive(Debug, Clone, PartialEq)]
pub struct Add {
    pub who: ContactRef,
    pub tier: Option<Tier>,
    pub every: Option<Span>,
    pub company: Option<String>,
    pub tags: Vec<Tag>,
}

pub const ADD: Spec = Spec {
    name: "add",
    summary: "Add someone to your network (or update them).",
    details: "Tiers set how often to check in: inner every 14 days, close every 30, wider every 90 (close if you don't say). `every` overrides the tier's cadence. Adding someone already in your network updates what you give.",
    examples: &[
        "add @alice inner",
        "add \"Jane Doe\" wider at \"Acme\" #design",
        "add @bob every 3w #mentor",
    ],
    group: Group::Ledger,
    form: Form::Slots(&[
        WHO_SLOT,
        Slot::new("tier", Kind::Tier, "Tier", "inner|close|wider", TIER_HELP).optional(),
        Slot::new(
            "every",
            Kind::Duration,
            "How often",
            "3w",
            "How often to check in, like 10d, 3w or 2 months; overrides the tier",
        )
        .optional()
        .after("every")
        .ask("How often? Write it like every 3w or every 10 days."),
        Slot::new(
            "company",
            Kind::Phrase {
                max: crate::limits::COMPANY,
            },
            "Company",
            "\"Company\"",
            "Where they work, like Acme Corp",
        )
        .optional()
        .after("at")
        .ask("At which company? Write it like at \"Acme Corp\"."),
        Slot::new(
            "tags",
            Kind::Tags,
            "Tags",
            "#tag ...",
            "Words to find them by later, like #design #mentor",
        )
        .optional(),
    ]),
    build: |values| {
        Ok(Command::Add(Add {
            who: values.contact("who")?,
            tier: values.tier("tier"),
            every: values.span("every"),
            company: values.text("company"),
            tags: values.tags("tags"),
        }))
    },
};

pub async fn add(ctx: &Ctx<'_>, add: Add) -> Result<Reply, CommandError> {
    refuse_self(ctx, &add.who)?;
    let scope = ctx.member.scope();
    let cadence = add.every.map(Cadence::from_span);
    let existing = match namesakes::find(ctx.store, scope, &add.who).await? {
        namesakes::Found::One { contact, label } => Some((*contact, label)),
        namesakes::Found::Nobody => None,
        namesakes::Found::Which(question) => return Err(CommandError::User(question)),
        // "Kwame Egger (Initech)" beside Kwame Eggers elsewhere: another one.
        namesakes::Found::NoneOf(question) => {
            let ContactRef::Named(name) = &add.who else {
                return Err(CommandError::User(question));
            };
            let Some((base, company)) = namesakes::newcomer(name) else {
                return Err(CommandError::User(question));
            };
            return add_new(
                ctx,
                Add {
                    who: ContactRef::Named(base),
                    company: add.company.or(Some(company)),
                    ..add
                },
            )
            .await;
        }
    };
    if let Some((existing, label)) = existing {
        let nothing_new = add.tier.is_none()
            && cadence.is_none()
            && add.company.is_none()
            && add.tags.iter().all(|t| existing.tags.contains(t));
        if nothing_new {
            return Ok(Reply::text(format!(
                "{label} is already in your network ({}, {}). Change the tier with: tier {} inner",
                existing.tier,
                existing.cadence(),
                command_ref(&existing, &label),
            )));
        }
        let mut tags = existing.tags.clone();
        tags.extend(
            add.tags
                .iter()
                .filter(|t| !existing.tags.contains(t))
                .cloned(),
        );
        if tags.len() > crate::limits::TAGS {
            return Err(CommandError::User(format!(
                "A contact can have at most {} tags; use fewer, broader ones.",
                crate::limits::TAGS
            )));
        }
        let change = ContactChange::Details {
            tier: add.tier,
            cadence,
            company: add.company,
            add_tags: add.tags,
        };
        let updated = ctx
            .store
            .change_contact(scope, existing.id, &change)
            .await?;
        return Ok(Reply::text(format!(
            "Updated {}: {}. Next check-in: {}.",
            updated.shown(),
            describe(&updated),
            next_check_in(ctx, &updated)
        )));
    }
    add_new(ctx, add).await
}

/// Adds someone new to the network.
async fn add_new(ctx: &Ctx<'_>, add: Add) -> Result<Reply, CommandError> {
    let scope = ctx.member.scope();
    let draft = ContactDraft {
        who: add.who,
        tier: add.tier.unwrap_or(Tier::Close),
        cadence: add.every.map(Cadence::from_span),
        company: add.company,
        tags: add.tags,
    };
    let Some(contact) = ctx.store.add_contact(scope, &draft, ctx.now).await? else {
        return Err(CommandError::User(format!(
            "{} was just added by another request; try again.",
            draft.who.shown()
        )));
    };
    // A namesake is named apart from the others of their name.
    let shown = label_of(ctx, &contact).await?;
    Ok(Reply::text(format!(
        "Added {shown} to your network: {}. First check-in: {}.",
        describe(&contact),
        next_check_in(ctx, &contact)
    )))
}

/// "inner, every 2 weeks, at Acme, #design".
fn describe(contact: &Contact) -> String {
    let mut parts = vec![contact.tier.to_string(), contact.cadence().to_string()];
    if let Some(company) = &contact.company {
        parts.push(format!("at {company}"));
    }
    parts.extend(contact.tags.iter().map(Tag::to_string));
    parts.join(", ")
}

/// "Sun 6 Dec (in 2 weeks)" or "now (due since Sun 6 Dec)".
pub(super) fn next_check_in(ctx: &Ctx<'_>, contact: &Contact) -> String {
    let tz = ctx.member.tz;
    let due = contact.next_due();
    if due <= ctx.now {
        format!("now (due since {})", date(ctx.now, due, tz))
    } else {
        format!(
            "{} ({})",
            date(ctx.now, due, tz),
            relative(ctx.now, due, tz)
        )
    }
}

/// How to refer to a contact in a command: `@alice`, `"Jane Doe"`, or for
/// a namesake their label, `"Kwame Egger (Hooli)"`.
pub(super) fn command_ref(contact: &Contact, label: &str) -> String {
    match contact.member_external_id {
        Some(_) => contact.shown(),
        None => format!("\"{label}\""),
    }
}

/// How each of the outside contacts `shown` is named, told apart from any
/// namesake in the network (one read for all of them; members and people
/// whose name is theirs alone are left to [`Contact::shown`]).
pub(super) async fn labels_shown(
    ctx: &Ctx<'_>,
    shown: &[Contact],
) -> Result<std::collections::HashMap<crate::domain::ContactId, String>, CommandError> {
    Ok(namesakes::labels_read(ctx.store, ctx.member.scope(), shown).await?)
}

/// How a contact is shown, told apart from any namesake.
pub(super) async fn label_of(ctx: &Ctx<'_>, contact: &Contact) -> Result<String, CommandError> {
    let labels = labels_shown(ctx, std::slice::from_ref(contact)).await?;
    Ok(labels
        .get(&contact.id)
        .cloned()
        .unwrap_or_else(|| contact.shown()))
}

pub(super) fn refuse_self(ctx: &Ctx<'_>, who: &ContactRef) -> Result<(), CommandError> {
    match who {
        ContactRef::Member(m) if m.id == ctx.member.external_id => Err(CommandError::User(
            "That's you! Your network is everyone else; mention someone else.".into(),
        )),
        _ => Ok(()),
    }
}

/// The contact, or an error telling how to add them (or, for a name that
/// several people share, asking which one).
pub(super) async fn find(ctx: &Ctx<'_>, who: &ContactRef) -> Result<Contact, CommandError> {
    Ok(find_labelled(ctx, who).await?.0)
}

/// [`find`], with how to show the contact told apart from any namesake.
pub(super) async fn find_labelled(
    ctx: &Ctx<'_>,
    who: &ContactRef,
) -> Result<(Contact, String), CommandError> {
    refuse_self(ctx, who)?;
    match lookup(ctx, who).await? {
        Some(found) => Ok(found),
        None => {
            let typed = match who {
                ContactRef::Member(_) => who.shown(),
                ContactRef::Named(name) => format!("\"{name}\""),
            };
            Err(CommandError::User(format!(
                "{} isn't in your network yet. Add them with: add {typed}",
                who.shown()
            )))
        }
    }
}

/// The one person `who` names and their label, `None` for nobody; a name
/// several people share is the which-one question (and nothing is written).
pub(super) async fn lookup(
    ctx: &Ctx<'_>,
    who: &ContactRef,
) -> Result<Option<(Contact, String)>, CommandError> {
    match namesakes::find(ctx.store, ctx.member.scope(), who).await? {
        namesakes::Found::One { contact, label } => Ok(Some((*contact, label))),
        namesakes::Found::Nobody => Ok(None),
        namesakes::Found::Which(question) | namesakes::Found::NoneOf(question) => {
            Err(CommandError::User(question))
        }
    }
}

pub const SHOW: Spec = Spec {
    name: "show",
    summary: "Everything you have logged about someone.",
    details: "Shows the tier, cadence, last contact, next check-in, favour balance and the latest entries.",
    examples: &["show @alice", "show \"Jane Doe\""],
    group: Group::Ledger,
    form: Form::Slots(&[WHO_SLOT]),
    build: |values| Ok(Command::Show(values.contact("who")?)),
};

const HISTORY: u32 = 10;

pub async fn show(ctx: &Ctx<'_>, who: &ContactRef) -> Result<Reply, CommandError> {
    let (contact, label) = find_labelled(ctx, who).await?;
    let tz = ctx.member.tz;
    let history = ctx
        .store
        .history(ctx.member.scope(), contact.id, HISTORY + 1)
        .await?;
    let last = match contact.last_contact {
        Some(t) => format!("{} ({})", relative(ctx.now, t, tz), date(ctx.now, t, tz)),
        None => format!("none yet (added {})", date(ctx.now, contact.added_at, tz)),
    };
    let mut lines = vec![
        format!("{label} · {}", describe(&contact)),
        format!("Last contact: {last}"),
        format!("Next check-in: {}", next_check_in(ctx, &contact)),
        format!(
            "Favours: you gave {}, received {} (balance {})",
            contact.favours_given,
            contact.favours_received,
            signed(contact.balance())
        ),
    ];
    if let Some(until) = contact.snoozed_until.filter(|u| *u > ctx.now) {
        lines.push(format!("Snoozed until {}", date(ctx.now, until, tz)));
    }
    if let Some(email) = &contact.email {
        lines.push(format!("Email: {email}"));
    }
    if let Some(url) = &contact.profile_url {
        lines.push(format!("Profile: {url}"));
    }
    if let Some(note) = &contact.last_note {
        lines.push(format!("Last note: {note}"));
    }
    let mut reply = Reply::text(lines.join("\n"));
    if history.is_empty() {
        reply.push_text(format!(
            "Nothing logged yet. Log a check-in with: touch {} coffee",
            command_ref(&contact, &label)
        ));
    } else {
        let mut table = Table::new(["When", "What", "Details"]);
        for entry in history.iter().take(HISTORY as usize) {
            let what = match entry.kind {
                crate::domain::EntryKind::Touch => "check-in",
                crate::domain::EntryKind::Gave => "you gave",
                crate::domain::EntryKind::Got => "you got",
                crate::domain::EntryKind::Note => "note",
            };
            table.row([date(ctx.now, entry.at, tz), what.into(), entry.what.clone()]);
        }
        reply.push_table(table);
        if history.len() > HISTORY as usize {
            reply.push_text(format!("Showing the latest {HISTORY} entries."));
        }
    }
    Ok(reply)
}

pub use crate::domain::ListFilter;

pub const LIST: Spec = Spec {
    name: "list",
    summary: "Your network, or the part with one tag, tier or company, a page at a time.",
    details: "Sorted by tier, then name, 20 to a page. A company matches however it is written: Acme, Acme Corp and ACME, Inc. are one. Everyone at once is in your export.",
    examples: &[
        "list",
        "list page 2",
        "list inner",
        "list #design",
        "list at \"Acme Corp\"",
    ],
    group: Group::Ledger,
    form: Form::Slots(&[
        Slot::new("tier", Kind::Tier, "Tier", "inner|close|wider", TIER_HELP).optional(),
        Slot::new(
            "tag",
            Kind::Tag,
            "Tag",
            "#tag",
            "Only those with this tag, like #design",
        )
        .optional(),
        Slot::new(
            "company",
            Kind::Phrase {
                max: crate::limits::COMPANY,
            },
            "Company",
            "\"Company\"",
            "Only those at this company, however it is written",
        )
        .optional()
        .after("at")
        .ask("At which company? Write it like list at \"Acme Corp\"."),
        Slot::new(
            "page",
            Kind::Number { max: MAX_PAGE },
            "Page",
            "N",
            "Which page of the list, from 1",
        )
        .optional()
        .after("page")
        .ask("Which page? Write it like list page 2."),
    ]),
    build: |values| {
        let company = values
            .text("company")
            .map(|c| super::reach::company(c, "company"))
            .transpose()?;
        let filter = match (values.tier("tier"), values.tag("tag"), company) {
            (Some(tier), None, None) => Some(ListFilter::Tier(tier)),
            (None, Some(tag), None) => Some(ListFilter::Tag(tag)),
            (None, None, Some(company)) => Some(ListFilter::Company(company)),
            (None, None, None) => None,
            _ => {
                return Err(ParseError::new(
                    "List by a tier, a #tag or a company, one at a time.",
                ));
            }
        };
        let page = values
            .text("page")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        Ok(Command::List { filter, page })
    },
};

/// How many people a page of `list` shows: a table that reads in a chat
/// (Discord cuts messages at 2,000 characters); `export` has everyone.
pub const LIST_ROWS: u32 = 20;

/// The highest page `list` takes: a network of the most an import brings,
/// with room to grow.
const MAX_PAGE: u32 = 10_000;

pub async fn list(
    ctx: &Ctx<'_>,
    filter: Option<ListFilter>,
    page: u32,
) -> Result<Reply, CommandError> {
    let page = page.max(1);
    let found = ctx
        .store
        .contacts_page(
            ctx.member.scope(),
            filter.as_ref(),
            (page - 1).saturating_mul(LIST_ROWS),
            LIST_ROWS,
        )
        .await?;
    if found.matching == 0 {
        return Ok(Reply::text(match (&filter, found.network) {
            (None, _) | (_, 0) => "Your network is empty. Start with: add @alice inner".to_string(),
            (Some(ListFilter::Tier(tier)), _) => format!("Nobody in your network is {tier}."),
            (Some(ListFilter::Tag(tag)), _) => format!("Nobody in your network is tagged {tag}."),
            (Some(ListFilter::Company(company)), _) => {
                format!("Nobody in your network is at {company}.")
            }
        }));
    }
    let pages = found.matching.div_ceil(LIST_ROWS);
    let again = |page: u32| match &filter {
        None => format!("list page {page}"),
        Some(ListFilter::Tier(tier)) => format!("list {tier} page {page}"),
        Some(ListFilter::Tag(tag)) => format!("list {tag} page {page}"),
        Some(ListFilter::Company(company)) => format!("list at \"{company}\" page {page}"),
    };
    if found.contacts.is_empty() {
        return Ok(Reply::text(format!(
            "There is no page {page}: the list has {}. The last is: {}",
            plural(i64::from(pages), "page", "pages"),
            again(pages)
        )));
    }
    // Namesakes are told apart among the whole network, whatever the page
    // or filter.
    let labels = labels_shown(ctx, &found.contacts).await?;
    let tz = ctx.member.tz;
    let mut table = Table::new([
        "Contact",
        "Tier",
        "Company",
        "Tags",
        "Last contact",
        "Next check-in",
    ]);
    for c in &found.contacts {
        table.row([
            labels.get(&c.id).cloned().unwrap_or_else(|| c.shown()),
            c.tier.to_string(),
            c.company.clone().unwrap_or_default(),
            c.tags
                .iter()
                .map(Tag::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            c.last_contact
                .map(|t| relative(ctx.now, t, tz))
                .unwrap_or_else(|| "never".into()),
            due_cell(ctx, c),
        ]);
    }
    let people = plural(i64::from(found.matching), "person", "people");
    let mut title = match &filter {
        None => format!("Your network: {people}"),
        Some(ListFilter::Tier(t)) => format!("{t}: {people}"),
        Some(ListFilter::Tag(t)) => format!("{t}: {people}"),
        Some(ListFilter::Company(company)) => format!("At {company}: {people}"),
    };
    if pages > 1 {
        let first = (page - 1) * LIST_ROWS + 1;
        let last = first + found.contacts.len() as u32 - 1;
        title.push_str(&format!(" ({first}-{last}, page {page} of {pages})"));
    }
    let mut reply = Reply::text(title);
    reply.push_table(table);
    if page < pages {
        reply.push_text(format!("More: {}", again(page + 1)));
    }
    Ok(reply)
}

/// "in 4 days", "due today", "3 days overdue".
pub(super) fn due_cell(ctx: &Ctx<'_>, contact: &Contact) -> String {
    let tz = ctx.member.tz;
    let due = contact.next_due();
    let days = crate::format::days_between(ctx.now, due, tz);
    if due > ctx.now {
        relative(ctx.now, due, tz)
    } else if days == 0 {
        "due today".into()
    } else {
        format!("{} overdue", crate::format::span_in_days(-days))
    }
}

pub const SNOOZE: Spec = Spec {
    name: "snooze",
    summary: "No reminders about someone for a while.",
    details: "How long is like 3d, 2w, 3 weeks or 1 month. A check-in before then still counts.",
    examples: &["snooze @alice 2w", "snooze \"Jane Doe\" 1 month"],
    group: Group::Ledger,
    form: Form::Slots(&[
        WHO_SLOT,
        Slot::new(
            "how_long",
            Kind::Duration,
            "How long",
            "<how long>",
            "How long to wait, like 3d, 2w or 1 month",
        )
        .ask("For how long? Write it like 2w or 10 days."),
    ]),
    build: |values| {
        let span = values
            .span("how_long")
            .ok_or_else(|| ParseError::new("For how long?"))?;
        Ok(Command::Snooze(values.contact("who")?, span))
    },
};

pub async fn snooze(ctx: &Ctx<'_>, who: &ContactRef, span: Span) -> Result<Reply, CommandError> {
    let contact = find(ctx, who).await?;
    let until = ctx.now + Duration::days(i64::from(span.days()));
    let updated = ctx
        .store
        .change_contact(
            ctx.member.scope(),
            contact.id,
            &ContactChange::SnoozeUntil(until),
        )
        .await?;
    let tz = ctx.member.tz;
    let mut text = format!(
        "Snoozed {} for {span}: no reminders before {}.",
        updated.shown(),
        date(ctx.now, until, tz)
    );
    if updated.next_due() > until {
        text.push_str(&format!(
            " They weren't due until {} anyway.",
            date(ctx.now, updated.next_due(), tz)
        ));
    }
    Ok(Reply::text(text))
}

pub const EVERY: Spec = Spec {
    name: "every",
    summary: "Check in with someone on their own cadence.",
    details: "Overrides the tier's cadence for this person: 10d, 2w, 3 weeks, 1 month.",
    examples: &["every @alice 10d", "every \"Jane Doe\" 2 months"],
    group: Group::Ledger,
    form: Form::Slots(&[
        WHO_SLOT,
        Slot::new(
            "how_often",
            Kind::Duration,
            "How often",
            "<how often>",
            "How often to check in, like 10d, 3w or 1 month",
        )
        .ask("How often? Write it like 10d, 3w or 1 month."),
    ]),
    build: |values| {
        let span = values
            .span("how_often")
            .ok_or_else(|| ParseError::new("How often?"))?;
        Ok(Command::Every(values.contact("who")?, span))
    },
};

pub async fn every(ctx: &Ctx<'_>, who: &ContactRef, span: Span) -> Result<Reply, CommandError> {
    let contact = find(ctx, who).await?;
    let cadence = Cadence::from_span(span);
    let updated = ctx
        .store
        .change_contact(
            ctx.member.scope(),
            contact.id,
            &ContactChange::Cadence(Some(cadence)),
        )
        .await?;
    Ok(Reply::text(format!(
        "Now checking in with {} {cadence}. Next check-in: {}.",
        updated.shown(),
        next_check_in(ctx, &updated)
    )))
}

pub const TIER: Spec = Spec {
    name: "tier",
    summary: "Move someone to another tier.",
    details: "inner: every 14 days, close: every 30, wider: every 90. A cadence set with `every` stays.",
    examples: &["tier @alice inner", "tier \"Jane Doe\" wider"],
    group: Group::Ledger,
    form: Form::Slots(&[
        WHO_SLOT,
        Slot::new("tier", Kind::Tier, "Tier", "inner|close|wider", TIER_HELP)
            .ask("Which tier? inner, close or wider."),
    ]),
    build: |values| {
        let tier = values
            .tier("tier")
            .ok_or_else(|| ParseError::new("Which tier?"))?;
        Ok(Command::Tier(values.contact("who")?, tier))
    },
};

pub async fn tier(ctx: &Ctx<'_>, who: &ContactRef, tier: Tier) -> Result<Reply, CommandError> {
    let contact = find(ctx, who).await?;
    let updated = ctx
        .store
        .change_contact(ctx.member.scope(), contact.id, &ContactChange::Tier(tier))
        .await?;
    let mut text = format!("{} is now {tier}", updated.shown());
    match updated.cadence_override {
        Some(own) => text.push_str(&format!(" (keeping their own cadence: {own})")),
        None => text.push_str(&format!(" ({})", updated.cadence())),
    }
    text.push_str(&format!(
        ". Next check-in: {}.",
        next_check_in(ctx, &updated)
    ));
    Ok(Reply::text(text))
}

pub const REMOVE: Spec = Spec {
    name: "remove",
    summary: "Take someone out of your network, with everything logged about them.",
    details: "This cannot be undone.",
    examples: &["remove @alice", "remove \"Jane Doe\""],
    group: Group::Ledger,
    form: Form::Slots(&[WHO_SLOT]),
    build: |values| Ok(Command::Remove(values.contact("who")?)),
};

pub async fn remove(ctx: &Ctx<'_>, who: &ContactRef) -> Result<Reply, CommandError> {
    let contact = find(ctx, who).await?;
    let entries = ctx
        .store
        .remove_contact(ctx.member.scope(), contact.id)
        .await?;
    let balance = if contact.balance() != 0 {
        format!(
            " (your favour balance with them was {})",
            signed(contact.balance())
        )
    } else {
        String::new()
    };
    Ok(Reply::text(format!(
        "Removed {} from your network, with {}{balance}.",
        contact.shown(),
        plural(entries as i64, "logged entry", "logged entries")
    )))
}

#[cfg(test)]
mod tests {
    use super::super::{Command, parse};
    use super::*;
    use crate::domain::Mention;

    fn alice() -> ContactRef {
        ContactRef::Member(Mention {
            id: "alice".into(),
            label: None,
        })
    }

    #[test]
    fn add_reads_options_in_any_order() {
        let parsed = parse("add \"Jane Doe\" #design at Acme Corp wider every 2 months #ux");
        let Ok(Command::Add(add)) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(add.who, ContactRef::Named("Jane Doe".into()));
        assert_eq!(add.tier, Some(Tier::Wider));
        assert_eq!(add.every.map(Span::days), Some(60));
        assert_eq!(add.company.as_deref(), Some("Acme Corp"));
        assert_eq!(add.tags.len(), 2);
    }

    #[test]
    fn add_without_options_leaves_them_unset() {
        assert_eq!(
            parse("add @alice"),
            Ok(Command::Add(Add {
                who: alice(),
                tier: None,
                every: None,
                company: None,
                tags: vec![]
            }))
        );
    }

    #[test]
    fn add_names_the_word_it_did_not_understand() {
        let err = parse("add @alice innr").expect_err("typo");
        assert!(err.message.contains("\"innr\""), "{}", err.message);
        assert!(err.usage.is_some());
    }

    #[test]
    fn add_without_a_company_after_at_asks_for_one() {
        let err = parse("add @alice at").expect_err("no company");
        assert!(err.message.contains("At which company?"), "{}", err.message);
    }

    #[test]
    fn a_bad_tag_is_explained() {
        let err = parse("add @alice #").expect_err("bad tag");
        assert!(err.message.contains("not a tag"), "{}", err.message);
    }

    #[test]
    fn tier_needs_a_real_tier() {
        assert_eq!(
            parse("tier @alice inner"),
            Ok(Command::Tier(alice(), Tier::Inner))
        );
        assert!(
            parse("tier @alice best")
                .expect_err("bad")
                .message
                .contains("not a tier")
        );
        assert!(
            parse("tier @alice")
                .expect_err("none")
                .message
                .contains("Which tier?")
        );
    }

    #[test]
    fn snooze_and_every_need_a_length_of_time() {
        assert!(parse("snooze @alice 2w").is_ok());
        assert!(parse("every @alice 3 weeks").is_ok());
        assert!(
            parse("every @alice 0d")
                .expect_err("zero")
                .message
                .contains("at least one day")
        );
        assert!(
            parse("snooze @alice soon")
                .expect_err("soon")
                .message
                .contains("not a length of time")
        );
    }

    #[test]
    fn list_takes_one_tier_or_tag_and_a_page() {
        let list = |filter, page| Ok(Command::List { filter, page });
        assert_eq!(parse("list"), list(None, 1));
        assert_eq!(
            parse("list close"),
            list(Some(ListFilter::Tier(Tier::Close)), 1)
        );
        assert_eq!(parse("list page 3"), list(None, 3));
        assert_eq!(
            parse("list #design page 2"),
            list(
                Some(ListFilter::Tag(Tag::parse("#design").expect("a tag"))),
                2
            )
        );
        for bad in [
            "list page 0",
            "list page two",
            "list page 10001",
            "list page",
        ] {
            let error = parse(bad).expect_err(bad).message;
            assert!(error.contains("page"), "{bad}: {error}");
        }
        assert!(parse("list friends").is_err());
        assert!(
            parse("list inner #x")
                .expect_err("two")
                .message
                .contains("one at a time")
        );
    }

    #[test]
    fn show_and_remove_take_exactly_one_person() {
        assert_eq!(parse("show @alice"), Ok(Command::Show(alice())));
        assert!(
            parse("show")
                .expect_err("nobody")
                .message
                .starts_with("Who?")
        );
        assert!(parse("remove @alice @bob").is_err());
    }
}
