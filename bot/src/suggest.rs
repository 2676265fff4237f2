//! Suggestions while a member types a slot's value (Discord autocomplete,
//! Slack external selects): outside people from the member's own network,
//! time zones by city, command names. Reads only; never another member's.

use chrono_tz::TZ_VARIANTS;

use crate::Actor;
use crate::commands::{COMMANDS, Kind};
use crate::ports::Store;

/// At most this many suggestions (Discord's limit on autocomplete choices).
pub const MAX: usize = 25;
/// Longer typed text is not looked at past this many characters.
const MAX_TYPED: usize = 100;

/// One suggestion: what to show, and the value to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub shown: String,
    pub value: String,
}

fn tidy(typed: &str) -> String {
    typed
        .chars()
        .take(MAX_TYPED)
        .collect::<String>()
        .trim()
        .to_lowercase()
}

/// Suggestions for a slot of `kind` from what `actor` has typed so far:
/// best matches (starting with it) first. Outside contacts come from the
/// asking member's own network only; a member Kith has not met gets none.
pub async fn suggest(
    store: &dyn Store,
    actor: &Actor,
    kind: Kind,
    typed: &str,
) -> anyhow::Result<Vec<Suggestion>> {
    let typed = tidy(typed);
    Ok(match kind {
        Kind::Contact => contacts(store, actor, &typed).await?,
        Kind::Zone => zones(&typed),
        Kind::CommandName => ranked(COMMANDS.iter().map(|s| s.name.to_string()), &typed),
        _ => Vec::new(),
    })
}

async fn contacts(
    store: &dyn Store,
    actor: &Actor,
    typed: &str,
) -> anyhow::Result<Vec<Suggestion>> {
    let Some(member) = store
        .find_member_by(actor.platform, &actor.workspace, &actor.user)
        .await?
    else {
        return Ok(Vec::new());
    };
    // Namesakes come as "Kwame Egger (Hooli)": the value picks that one.
    let network = store.contacts(member.scope()).await?;
    let labels = crate::namesakes::labels(&network);
    let names = network
        .iter()
        .filter(|c| c.member_external_id.is_none())
        .filter_map(|c| labels.get(&c.id).cloned());
    Ok(ranked(names, typed))
}

/// Those containing `typed`, the ones starting with it (or with a word
/// starting with it) first, then alphabetically; at most [`MAX`].
fn ranked(names: impl Iterator<Item = String>, typed: &str) -> Vec<Suggestion> {
    let mut found: Vec<(u8, String)> = names
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let rank = if lower.starts_with(typed) {
                0
            } else if lower
                .split([' ', '-', '_', '/'])
                .any(|word| word.starts_with(typed))
            {
                1
            } else if lower.contains(typed) {
                2
            } else {
                return None;
            };
            Some((rank, name))
        })
        .collect();
    found.sort_by_key(|(rank, name)| (*rank, name.to_lowercase()));
    found.dedup_by(|a, b| a.1 == b.1);
    found
        .into_iter()
        .take(MAX)
        .map(|(_, name)| Suggestion {
            shown: name.clone(),
            value: name,
        })
        .collect()
}

/// IANA zones whose city (or any part) matches: `berl` -> Europe/Berlin,
/// `new york` -> America/New_York. Shown with the city first.
fn zones(typed: &str) -> Vec<Suggestion> {
    let typed = typed.replace(' ', "_");
    let mut found: Vec<(u8, &'static str)> = TZ_VARIANTS
        .iter()
        .filter_map(|tz| {
            let name = tz.name();
            let lower = name.to_lowercase();
            let city = lower.rsplit('/').next().unwrap_or(&lower);
            let rank = if city.starts_with(&typed) {
                0
            } else if lower.split('/').any(|part| part.starts_with(&typed)) {
                1
            } else if lower.contains(&typed) {
                2
            } else {
                return None;
            };
            Some((rank, name))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .take(MAX)
        .map(|(_, name)| {
            let city = name.rsplit('/').next().unwrap_or(name).replace('_', " ");
            Suggestion {
                shown: if city == name {
                    city
                } else {
                    format!("{city} ({name})")
                },
                value: name.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_match_on_the_city() {
        let berlin = zones(&tidy("berl"));
        assert_eq!(berlin[0].value, "Europe/Berlin");
        assert_eq!(berlin[0].shown, "Berlin (Europe/Berlin)");
        let ny = zones(&tidy("New York"));
        assert_eq!(ny[0].value, "America/New_York");
        assert!(zones(&tidy("e")).len() <= MAX);
        assert!(zones(&tidy("zzzz")).is_empty());
    }

    #[test]
    fn names_starting_with_what_was_typed_come_first() {
        let names = ["Ann Jones", "Jane Doe", "Benjamin Lee", "Bob"].map(String::from);
        let found: Vec<String> = ranked(names.into_iter(), "j")
            .into_iter()
            .map(|s| s.value)
            .collect();
        assert_eq!(found, ["Jane Doe", "Ann Jones", "Benjamin Lee"]);
    }
}
