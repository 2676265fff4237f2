//! The App Home tab: the core's page at a glance ([`kith_bot::home`])
//! as a Block Kit `home` view, and publishing it with `views.publish` at
//! most once per member every few seconds (changes in between are
//! coalesced into one publish that reads the ledger afresh).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kith_bot::home::Home;
use serde_json::{Value, json};

use crate::blocks;

/// The shortest time between two publishes of one member's Home tab.
pub const PUBLISH_EVERY: Duration = Duration::from_secs(3);

/// The buttons at the top of the Home tab: each opens a modal.
pub const OPEN_FAVOUR: &str = "open:favour";
pub const OPEN_ADD: &str = "open:add";
pub const OPEN_SETTINGS: &str = "open:settings";

/// Past this many members, publishes older than the interval are forgotten.
const KEYS: usize = 10_000;

/// The Home tab as a `views.publish` view.
pub fn view(home: &Home) -> Value {
    let mut out = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": "Kith"}}),
        json!({"type": "context", "elements": [{"type": "mrkdwn",
            "text": "Your private networking ledger: only you see this page."}]}),
        json!({"type": "actions", "block_id": "home:open", "elements": [
            {"type": "button", "action_id": OPEN_FAVOUR, "value": OPEN_FAVOUR, "style": "primary",
             "text": {"type": "plain_text", "text": "Log a favour"}},
            {"type": "button", "action_id": OPEN_ADD, "value": OPEN_ADD,
             "text": {"type": "plain_text", "text": "Add someone"}},
            {"type": "button", "action_id": OPEN_SETTINGS, "value": OPEN_SETTINGS,
             "text": {"type": "plain_text", "text": "Settings"}},
        ]}),
    ];
    for (title, part) in [
        ("Who is due", &home.due),
        ("Favour balance", &home.balance),
        ("Recent", &home.recent),
    ] {
        out.push(json!({"type": "divider"}));
        out.push(json!({"type": "header", "text": {"type": "plain_text", "text": title}}));
        let rendered = blocks::render_answer(part, "/kith due");
        for block in rendered.blocks.unwrap_or_default() {
            out.push(serde_json::to_value(block).unwrap_or(Value::Null));
        }
    }
    out.retain(|b| !b.is_null());
    // Slack allows 100 blocks in a Home tab; the core's parts keep far below.
    out.truncate(100);
    json!({"type": "home", "blocks": out})
}

/// Per (team, user): when their Home tab was last published, and whether
/// a publish is on its way.
type Members = HashMap<(String, String), (Option<Instant>, bool)>;

/// When each member's Home tab was last published, and whether one is on
/// its way.
#[derive(Debug, Default)]
pub struct Publishes {
    every: Duration,
    members: Mutex<Members>,
}

/// What to do about a request to publish.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// One is on its way and will read the ledger afresh: nothing to do.
    Coalesced,
    /// Publish after this wait (zero: now), then call [`Publishes::sent`].
    After(Duration),
}

impl Publishes {
    pub fn new(every: Duration) -> Publishes {
        Publishes {
            every,
            members: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Members> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A publish is wanted for the member.
    pub fn want(&self, team: &str, user: &str) -> Next {
        let now = Instant::now();
        let mut members = self.lock();
        if members.len() > KEYS {
            let every = self.every;
            members.retain(|_, (last, pending)| {
                *pending || last.is_some_and(|t| now.duration_since(t) < every)
            });
        }
        let entry = members
            .entry((team.to_string(), user.to_string()))
            .or_insert((None, false));
        if entry.1 {
            return Next::Coalesced;
        }
        entry.1 = true;
        let wait = entry
            .0
            .map(|last| (last + self.every).saturating_duration_since(now))
            .unwrap_or_default();
        Next::After(wait)
    }

    /// Whether the member's Home tab was published (or asked for) since
    /// this process started: a change made elsewhere is worth showing there.
    pub fn seen(&self, team: &str, user: &str) -> bool {
        self.lock()
            .contains_key(&(team.to_string(), user.to_string()))
    }

    /// The publish is about to read the ledger: a change from now on
    /// needs another one.
    pub fn sent(&self, team: &str, user: &str) {
        let mut members = self.lock();
        let entry = members
            .entry((team.to_string(), user.to_string()))
            .or_insert((None, false));
        *entry = (Some(Instant::now()), false);
    }

    /// The publish went out: the next one waits from now, so two reach
    /// Slack at least `every` apart however long the first took to read.
    pub fn done(&self, team: &str, user: &str) {
        if let Some(entry) = self.lock().get_mut(&(team.to_string(), user.to_string())) {
            entry.0 = Some(Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kith_bot::reply::Reply;

    #[test]
    fn a_second_request_while_one_waits_is_coalesced_and_the_next_waits_its_turn() {
        let publishes = Publishes::new(Duration::from_secs(60));
        assert_eq!(publishes.want("T1", "U1"), Next::After(Duration::ZERO));
        assert_eq!(publishes.want("T1", "U1"), Next::Coalesced);
        // Another member is not held up.
        assert_eq!(publishes.want("T1", "U2"), Next::After(Duration::ZERO));
        publishes.sent("T1", "U1");
        match publishes.want("T1", "U1") {
            Next::After(wait) => assert!(wait > Duration::from_secs(50), "{wait:?}"),
            Next::Coalesced => panic!("nothing was on its way"),
        }
        assert_eq!(publishes.want("T1", "U1"), Next::Coalesced);
    }

    #[test]
    fn the_home_view_has_the_favour_button_and_each_part_under_a_heading() {
        let home = Home {
            due: Reply::text("Nobody is due for a check-in. Nice work."),
            balance: Reply::text("In all you gave 1 favour and got 0 favours."),
            recent: Reply::text("today · you gave @bob \u{201C}lunch\u{201D}"),
        };
        let view = view(&home);
        assert_eq!(view["type"], "home");
        let text = view.to_string();
        for part in [
            "Who is due",
            "Favour balance",
            "Recent",
            OPEN_FAVOUR,
            "Nice work",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }
}
