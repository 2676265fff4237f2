//! What a button does. On a reminder: Done logs a check-in, Snooze waits a
//! week, Skip resets the cadence without a check-in. On an introduction:
//! yes or no, and at the follow-up whether they connected. On a coffee
//! pairing's follow-up: whether the pair met.

use std::fmt;

use crate::community::{IntroId, PairId};
use crate::domain::ContactId;
use crate::reach::{AskId, AskedId};

/// A press of one of Kith's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Done(ContactId),
    Snooze(ContactId),
    Skip(ContactId),
    /// Confirms `forget me`.
    Forget,
    /// A party accepts an introduction.
    IntroYes(IntroId),
    /// A party declines an introduction.
    IntroNo(IntroId),
    /// The introducer says the two connected.
    IntroMet(IntroId),
    /// The introducer says they have not (yet).
    IntroNotYet(IntroId),
    /// A member of a coffee pair says they met.
    PairMet(PairId),
    /// A member of a coffee pair says they did not.
    PairSkipped(PairId),
    /// The asker sends an ask for an introduction at a company.
    ReachAsk(AskId),
    /// An asked member will introduce the asker.
    ReachYes(AskedId),
    /// An asked member will not, this time.
    ReachNo(AskedId),
    /// The helper made the introduction.
    ReachMet(AskedId),
    /// The helper has not (yet).
    ReachNotYet(AskedId),
}

impl Action {
    /// Reads an action as encoded on a button (`done:42`); `None` for
    /// anything else, so a forged or stale payload is refused.
    pub fn parse(encoded: &str) -> Option<Action> {
        if encoded == "forget:me" {
            return Some(Action::Forget);
        }
        let (verb, id) = encoded.split_once(':')?;
        let id: i64 = id.parse().ok().filter(|n: &i64| *n > 0)?;
        match verb {
            "done" => Some(Action::Done(ContactId(id))),
            "snooze" => Some(Action::Snooze(ContactId(id))),
            "skip" => Some(Action::Skip(ContactId(id))),
            "intro-yes" => Some(Action::IntroYes(IntroId(id))),
            "intro-no" => Some(Action::IntroNo(IntroId(id))),
            "intro-met" => Some(Action::IntroMet(IntroId(id))),
            "intro-notyet" => Some(Action::IntroNotYet(IntroId(id))),
            "pair-met" => Some(Action::PairMet(PairId(id))),
            "pair-skip" => Some(Action::PairSkipped(PairId(id))),
            "reach-ask" => Some(Action::ReachAsk(AskId(id))),
            "reach-yes" => Some(Action::ReachYes(AskedId(id))),
            "reach-no" => Some(Action::ReachNo(AskedId(id))),
            "reach-met" => Some(Action::ReachMet(AskedId(id))),
            "reach-notyet" => Some(Action::ReachNotYet(AskedId(id))),
            _ => None,
        }
    }

    /// The contact the action is about, if any.
    pub fn contact(self) -> Option<ContactId> {
        match self {
            Action::Done(id) | Action::Snooze(id) | Action::Skip(id) => Some(id),
            _ => None,
        }
    }

    /// The id of the actions block the action settles.
    pub fn block_id(self) -> String {
        use crate::community::notices::{followup_block, intro_block, pair_block};
        match self {
            Action::Done(id) | Action::Snooze(id) | Action::Skip(id) => block_id(id),
            Action::Forget => "forget".into(),
            Action::IntroYes(id) | Action::IntroNo(id) => intro_block(id),
            Action::IntroMet(id) | Action::IntroNotYet(id) => followup_block(id),
            Action::PairMet(id) | Action::PairSkipped(id) => pair_block(id),
            Action::ReachAsk(id) => crate::reach::asks::ask_block(id),
            Action::ReachYes(id) | Action::ReachNo(id) => crate::reach::asks::asked_block(id),
            Action::ReachMet(id) | Action::ReachNotYet(id) => {
                crate::reach::asks::followup_block(id)
            }
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
            Action::Done(id) => ("done", id.0),
            Action::Snooze(id) => ("snooze", id.0),
            Action::Skip(id) => ("skip", id.0),
            Action::Forget => return f.write_str("forget:me"),
            Action::IntroYes(id) => ("intro-yes", id.0),
            Action::IntroNo(id) => ("intro-no", id.0),
            Action::IntroMet(id) => ("intro-met", id.0),
            Action::IntroNotYet(id) => ("intro-notyet", id.0),
            Action::PairMet(id) => ("pair-met", id.0),
            Action::PairSkipped(id) => ("pair-skip", id.0),
            Action::ReachAsk(id) => ("reach-ask", id.0),
            Action::ReachYes(id) => ("reach-yes", id.0),
            Action::ReachNo(id) => ("reach-no", id.0),
            Action::ReachMet(id) => ("reach-met", id.0),
            Action::ReachNotYet(id) => ("reach-notyet", id.0),
        };
        write!(f, "{verb}:{id}")
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
            Action::IntroYes(IntroId(3)),
            Action::IntroNo(IntroId(3)),
            Action::IntroMet(IntroId(4)),
            Action::IntroNotYet(IntroId(4)),
            Action::PairMet(PairId(5)),
            Action::PairSkipped(PairId(5)),
            Action::ReachAsk(AskId(6)),
            Action::ReachYes(AskedId(7)),
            Action::ReachNo(AskedId(7)),
            Action::ReachMet(AskedId(8)),
            Action::ReachNotYet(AskedId(8)),
        ] {
            assert_eq!(Action::parse(&action.to_string()), Some(action));
        }
    }

    #[test]
    fn forged_or_stale_payloads_are_not_actions() {
        for bad in [
            "",
            "done",
            "done:",
            "done:x",
            "done:-1",
            "done:0",
            "delete:4",
            "done:4:5",
            "intro-yes:",
            "pair-met:0",
        ] {
            assert_eq!(Action::parse(bad), None, "{bad}");
        }
    }
}
