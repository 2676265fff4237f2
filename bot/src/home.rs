//! A member's page at a glance (Slack's App Home): who is due, with the
//! same Done / Snooze / Skip buttons as a reminder; the favour balance in
//! brief; the latest entries; goals where the member has any. Read-only, from the member's own ledger.

use chrono::{DateTime, Utc};

use crate::domain::{Contact, EntryKind, Member};
use crate::format::{plural, relative, signed};
use crate::ports::Store;
use crate::reply::Reply;

/// How many people the balance at a glance names.
pub const BALANCE_PEOPLE: u32 = 3;
/// How many recent entries the page shows.
pub const RECENT: usize = 5;

/// The page's parts, each a core reply an adapter renders under a heading.
#[derive(Debug, Clone, PartialEq)]
pub struct Home {
    /// Who is due, each with Done / Snooze / Skip (as in a reminder).
    pub due: Reply,
    /// Favours given and received in all, and the most lopsided few.
    pub balance: Reply,
    /// The latest touches, favours and notes, newest first.
    pub recent: Reply,
    /// The member's open goals, each with who can help; `None` without any.
    pub goals: Option<Reply>,
}

/// The member's page, read from the store; writes nothing.
pub async fn home(store: &dyn Store, member: &Member, now: DateTime<Utc>) -> anyhow::Result<Home> {
    let scope = member.scope();
    let contacts = store.contacts(scope).await?;
    let due = match crate::reminders::reminder(member, &contacts, now) {
        Some(reply) => reply,
        None if contacts.is_empty() => Reply::text(
            "Your network is empty. Add someone with the button above, or type /kith add @alice inner.",
        ),
        None => Reply::text("Nobody is due for a check-in. Nice work."),
    };
    let balance = store.favour_balance(scope, BALANCE_PEOPLE).await?;
    let balance = if balance.people == 0 {
        Reply::text("No favours logged yet. Log one with the button above.")
    } else {
        let mut reply = Reply::text(format!(
            "In all you gave {} and got {}.",
            plural(balance.given, "favour", "favours"),
            plural(balance.received, "favour", "favours")
        ));
        let labels = crate::namesakes::labels_for(&balance.top, &contacts);
        let lines: Vec<String> = balance
            .top
            .iter()
            .filter(|c| c.balance() != 0)
            .map(|c| {
                format!(
                    "{} · gave {}, got {} ({})",
                    labels.get(&c.id).cloned().unwrap_or_else(|| c.shown()),
                    c.favours_given,
                    c.favours_received,
                    signed(c.balance())
                )
            })
            .collect();
        if !lines.is_empty() {
            reply.push_text(lines.join("\n"));
        }
        reply
    };
    let recent = recent(store, member, &contacts, now).await?;
    let goals = store.goals(scope).await?;
    let goals = (!goals.is_empty()).then(|| {
        let mut reply = Reply::text(crate::reach::listed(&goals, &contacts, now).join("\n"));
        reply.push_text("End one with /kith goal done N or /kith goal drop N.");
        reply
    });
    Ok(Home {
        due,
        balance,
        recent,
        goals,
    })
}

/// The latest entries: of the contacts most recently in touch, their
/// latest few entries, newest first.
async fn recent(
    store: &dyn Store,
    member: &Member,
    contacts: &[Contact],
    now: DateTime<Utc>,
) -> anyhow::Result<Reply> {
    let mut latest: Vec<&Contact> = contacts
        .iter()
        .filter(|c| c.last_contact.is_some())
        .collect();
    latest.sort_by_key(|c| std::cmp::Reverse(c.last_contact));
    let mut entries = Vec::new();
    for contact in latest.into_iter().take(RECENT) {
        for entry in store
            .history(member.scope(), contact.id, RECENT as u32)
            .await?
        {
            entries.push((entry, contact));
        }
    }
    entries.sort_by_key(|(e, _)| std::cmp::Reverse(e.at));
    if entries.is_empty() {
        return Ok(Reply::text("Nothing logged yet."));
    }
    let labels =
        crate::namesakes::labels_for(entries.iter().take(RECENT).map(|(_, c)| *c), contacts);
    let lines: Vec<String> = entries
        .iter()
        .take(RECENT)
        .map(|(e, c)| {
            let who = labels.get(&c.id).cloned().unwrap_or_else(|| c.shown());
            let what = match e.kind {
                EntryKind::Gave => format!("you gave {who} \u{201C}{}\u{201D}", e.what),
                EntryKind::Got => format!("{who} gave you \u{201C}{}\u{201D}", e.what),
                EntryKind::Touch if e.what.is_empty() => format!("checked in with {who}"),
                EntryKind::Touch => format!("checked in with {who}: {}", e.what),
                EntryKind::Note => format!("note on {who}: {}", e.what),
            };
            format!("{} · {what}", relative(now, e.at, member.tz))
        })
        .collect();
    Ok(Reply::text(lines.join("\n")))
}
