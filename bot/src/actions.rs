//! What a button on a reminder does: Done logs a check-in, Snooze waits a
//! week, Skip resets the cadence without a check-in.

use std::fmt;

use crate::domain::ContactId;

/// A press of a reminder button, about one contact of the presser's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Done(ContactId),
    Snooze(ContactId),
    Skip(ContactId),
    /// Confirms `forget me`.
    Forget,
}

impl Action {
    /// Reads an action as encoded on a button (`done:42`); `None` for
    /// anything else, so a forged or stale payload is refused.
    pub fn parse(encoded: &str) -> Option<Action> {
        if encoded == "forget:me" {
            return Some(Action::Forget);
        }
        let (verb, id) = encoded.split_once(':')?;
        let id = ContactId(id.parse().ok().filter(|n: &i64| *n > 0)?);
        match verb {
            "done" => Some(Action::Done(id)),
            "snooze" => Some(Action::Snooze(id)),
            "skip" => Some(Action::Skip(id)),
            _ => None,
        }
    }

    /// The contact the action is about, if any.
    pub fn contact(self) -> Option<ContactId> {
        match self {
            Action::Done(id) | Action::Snooze(id) | Action::Skip(id) => Some(id),
            Action::Forget => None,
        }
    }

    /// The id of the actions block the action settles.
    pub fn block_id(self) -> String {
        match self.contact() {
            Some(id) => block_id(id),
            None => "forget".into(),
        }
    }
}

/// The id of the actions block about `contact` in a message.
pub fn block_id(contact: ContactId) -> String {
    format!("contact:{}", contact.0)
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (verb, id) = match self {
            Action::Done(id) => ("done", id),
            Action::Snooze(id) => ("snooze", id),
            Action::Skip(id) => ("skip", id),
            Action::Forget => return f.write_str("forget:me"),
        };
        write!(f, "{verb}:{}", id.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_survive_a_round_trip_through_a_button() {
        for action in [
            Action::Done(ContactId(7)),
            Action::Snooze(ContactId(8)),
            Action::Skip(ContactId(9)),
            Action::Forget,
        ] {
            assert_eq!(Action::parse(&action.to_string()), Some(action));
        }
    }

    #[test]
    fn forged_or_stale_payloads_are_not_actions() {
        for bad in [
            "", "done", "done:", "done:x", "done:-1", "done:0", "delete:4", "done:4:5",
        ] {
            assert_eq!(Action::parse(bad), None, "{bad}");
        }
    }
}
