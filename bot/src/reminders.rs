//! What reminders and digests say. Short, warm, actionable; from the
//! member's own ledger and shown only to them.

use chrono::{DateTime, Duration, Utc};

use crate::actions::{Action, block_id};
use crate::domain::{Contact, Member};
use crate::format::{date, plural, relative, span_in_days};
use crate::reach::Goal;
use crate::reply::{Button, Reply};

/// At most this many contacts in one reminder.
pub const MAX_ITEMS: usize = 5;

/// The daily reminder: who is due, most overdue first, each with Done /
/// Snooze / Skip. `None` when nobody is due.
pub fn reminder(member: &Member, contacts: &[Contact], now: DateTime<Utc>) -> Option<Reply> {
    let tz = member.tz;
    let mut due: Vec<&Contact> = contacts.iter().filter(|c| c.is_due(now)).collect();
    if due.is_empty() {
        return None;
    }
    due.sort_by_key(|c| (c.next_due(), c.name.to_lowercase()));
    let mut reply = Reply::text(format!(
        "Time to check in: {} due",
        plural(due.len() as i64, "person is", "people are")
    ));
    // Namesakes are told apart (their buttons carry their ids).
    let labels = crate::namesakes::labels_for(due.iter().take(MAX_ITEMS).copied(), contacts);
    for contact in due.iter().take(MAX_ITEMS) {
        let last = match contact.last_contact {
            Some(t) => format!("last contact {}", relative(now, t, tz)),
            None => format!(
                "added {}, no contact yet",
                relative(now, contact.added_at, tz)
            ),
        };
        let mut lines = vec![format!(
            "{} · {} · {last} ({})",
            labels
                .get(&contact.id)
                .cloned()
                .unwrap_or_else(|| contact.shown()),
            contact.tier,
            contact.cadence()
        )];
        if let Some(note) = &contact.last_note {
            lines.push(format!("Last time: {note}"));
        }
        if let Some(hint) = reciprocity_hint(contact) {
            lines.push(hint);
        }
        reply.push_text(lines.join("\n"));
        reply.blocks.push(crate::reply::Block::Actions {
            id: block_id(contact.id),
            buttons: vec![
                button("Done", Action::Done(contact.id), true),
                button("Snooze 1 week", Action::Snooze(contact.id), false),
                button("Skip", Action::Skip(contact.id), false),
            ],
        });
    }
    if due.len() > MAX_ITEMS {
        reply.push_text(format!("...and {} more: type due", due.len() - MAX_ITEMS));
    }
    Some(reply)
}

fn button(label: &str, action: Action, primary: bool) -> Button {
    Button {
        label: label.into(),
        action: action.to_string(),
        primary,
    }
}

/// A nudge when a relationship runs one way: you have taken much more than
/// given, or only given.
pub fn reciprocity_hint(contact: &Contact) -> Option<String> {
    let (given, received) = (contact.favours_given, contact.favours_received);
    let who = contact.shown();
    if received >= 2 && received >= given + 2 {
        let gave = if given == 0 {
            "given none".to_string()
        } else {
            format!("given {given}")
        };
        Some(format!(
            "You've received {} from {who} and {gave}: is there something you can offer?",
            plural(received, "favour", "favours")
        ))
    } else if given >= 3 && received == 0 {
        Some(format!(
            "You've done {who} {} and received none: it's fine to ask for something back.",
            plural(given, "favour", "favours")
        ))
    } else {
        None
    }
}

/// The weekly digest: due and overdue counts, favours this week, one-sided
/// relationships both ways, and who has gone quiet for over twice their
/// cadence. `None` for an empty network.
pub fn digest(
    member: &Member,
    contacts: &[Contact],
    favours_this_week: (u32, u32),
    goals: &[Goal],
    now: DateTime<Utc>,
) -> Option<Reply> {
    if contacts.is_empty() {
        return None;
    }
    let tz = member.tz;
    let mut lines = Vec::new();
    let due: Vec<&Contact> = contacts.iter().filter(|c| c.is_due(now)).collect();
    let overdue = due
        .iter()
        .filter(|c| now - c.next_due() > Duration::days(7))
        .count();
    lines.push(match (due.len(), overdue) {
        (0, _) => "Nobody is due for a check-in.".to_string(),
        (n, 0) => format!(
            "{} due for a check-in.",
            plural(n as i64, "contact", "contacts")
        ),
        (n, o) => format!(
            "{} due for a check-in, {o} of them overdue by more than a week.",
            plural(n as i64, "contact", "contacts")
        ),
    });
    let (given, received) = favours_this_week;
    lines.push(if given + received == 0 {
        "No favours logged this week.".to_string()
    } else {
        format!(
            "{} logged this week: {given} given, {received} received.",
            plural(given + received, "favour", "favours")
        )
    });
    let owe: Vec<String> = contacts
        .iter()
        .filter(|c| c.balance() <= -2 || (c.balance() < 0 && c.favours_given == 0))
        .map(|c| {
            format!(
                "{} (received {}, given {})",
                c.shown(),
                c.favours_received,
                c.favours_given
            )
        })
        .collect();
    if !owe.is_empty() {
        lines.push(format!("You owe: {}.", owe.join(", ")));
    }
    let taking: Vec<String> = contacts
        .iter()
        .filter(|c| c.favours_received == 0 && c.favours_given >= 2)
        .map(|c| {
            format!(
                "{} has received {} from you and given none",
                c.shown(),
                plural(c.favours_given, "favour", "favours")
            )
        })
        .collect();
    if !taking.is_empty() {
        lines.push(format!("Only taking: {}.", taking.join("; ")));
    }
    let quiet: Vec<String> = contacts
        .iter()
        .filter_map(|c| {
            let since = c.last_contact.unwrap_or(c.added_at);
            let days = (now - since).num_days();
            (days > 2 * i64::from(c.cadence().days()))
                .then(|| format!("{} ({})", c.shown(), span_in_days(days)))
        })
        .collect();
    if !quiet.is_empty() {
        lines.push(format!(
            "Not in touch for over twice their cadence: {}.",
            quiet.join(", ")
        ));
    }
    lines.extend(goals.iter().map(|g| g.digest_line(contacts, now)));
    lines.push("Sharing a useful article counts as a check-in: share <url> with @someone".into());
    let mut reply = Reply::text(format!("Your week in networking ({})", date(now, now, tz)));
    reply.push_text(
        lines
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    if let Some(first) = due.iter().min_by_key(|c| c.next_due()) {
        reply.push_text(format!(
            "Start with {}: type due to see everyone.",
            first.shown()
        ));
    }
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContactId, MemberId, Tier, TzSource, WorkspaceId};
    use crate::reply::Block;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0)
            .single()
            .expect("t")
    }

    fn member() -> Member {
        Member {
            id: MemberId(1),
            workspace: WorkspaceId(1),
            external_id: "me".into(),
            display_name: "me".into(),
            tz: "America/New_York".parse().expect("tz"),
            tz_source: TzSource::Member,
            welcomed: true,
            window: Default::default(),
            digest: None,
            dms: true,
            dm_failure: None,
        }
    }

    fn contact(id: i64, name: &str, days_since: i64) -> Contact {
        Contact {
            id: ContactId(id),
            member_external_id: Some(name.into()),
            name: name.into(),
            company: None,
            tier: Tier::Inner,
            cadence_override: None,
            tags: vec![],
            snoozed_until: None,
            added_at: now() - Duration::days(400),
            last_contact: Some(now() - Duration::days(days_since)),
            favours_given: 0,
            favours_received: 0,
            last_note: None,
            email: None,
            profile_url: None,
        }
    }

    #[test]
    fn nobody_due_means_no_reminder() {
        assert_eq!(reminder(&member(), &[contact(1, "alice", 3)], now()), None);
    }

    #[test]
    fn a_reminder_lists_the_most_overdue_first_with_notes_hints_and_buttons() {
        let alice = Contact {
            last_note: Some("new puppy Rex".into()),
            favours_received: 3,
            ..contact(1, "alice", 19)
        };
        let bob = contact(2, "bob", 41);
        let reply = reminder(&member(), &[alice, bob, contact(3, "carol", 2)], now()).expect("due");
        let text = reply.plain_text();
        assert!(
            text.starts_with("Time to check in: 2 people are due"),
            "{text}"
        );
        let (b, a) = (
            text.find("@bob").expect("bob"),
            text.find("@alice").expect("alice"),
        );
        assert!(b < a, "most overdue first: {text}");
        assert!(text.contains("@alice · inner · last contact 2 weeks ago (every 2 weeks)\nLast time: new puppy Rex\nYou've received 3 favours from @alice and given none: is there something you can offer?"), "{text}");
        assert!(!text.contains("carol"));
        let actions: Vec<_> = reply
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Actions { id, buttons } => Some((
                    id.clone(),
                    buttons.iter().map(|b| b.action.clone()).collect::<Vec<_>>(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            actions[0],
            (
                "contact:2".into(),
                vec!["done:2".into(), "snooze:2".into(), "skip:2".into()]
            )
        );
    }

    #[test]
    fn a_reminder_shows_five_and_counts_the_rest() {
        let many: Vec<Contact> = (1..=8)
            .map(|i| contact(i, &format!("p{i}"), 20 + i))
            .collect();
        let reply = reminder(&member(), &many, now()).expect("due");
        let items = reply
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Actions { .. }))
            .count();
        assert_eq!(items, 5);
        assert!(reply.plain_text().ends_with("...and 3 more: type due"));
    }

    #[test]
    fn only_lopsided_relationships_get_a_hint() {
        let even = Contact {
            favours_given: 2,
            favours_received: 2,
            ..contact(1, "a", 1)
        };
        assert_eq!(reciprocity_hint(&even), None);
        let giver = Contact {
            favours_given: 4,
            ..contact(1, "dave", 1)
        };
        assert_eq!(
            reciprocity_hint(&giver).as_deref(),
            Some(
                "You've done @dave 4 favours and received none: it's fine to ask for something back."
            )
        );
    }

    #[test]
    fn the_digest_sums_up_the_week() {
        let alice = Contact {
            favours_received: 3,
            ..contact(1, "alice", 19)
        };
        let dave = Contact {
            favours_given: 4,
            ..contact(2, "dave", 5)
        };
        let carol = Contact {
            tier: Tier::Close,
            ..contact(3, "carol", 95)
        };
        let reply = digest(&member(), &[alice, dave, carol], (3, 1), &[], now()).expect("digest");
        let text = reply.plain_text();
        for line in [
            "Your week in networking (Mon 23 Nov)",
            "- 2 contacts due for a check-in, 1 of them overdue by more than a week.",
            "- 4 favours logged this week: 3 given, 1 received.",
            "- You owe: @alice (received 3, given 0).",
            "- Only taking: @dave has received 4 favours from you and given none.",
            "- Not in touch for over twice their cadence: @carol (3 months).",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn an_empty_network_gets_no_digest() {
        assert_eq!(digest(&member(), &[], (0, 0), &[], now()), None);
    }
}
