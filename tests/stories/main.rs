//! Story tests: a member types into the console adapter and reads the
//! screen, against a real SQLite file and an injected clock.

#[path = "../common/ledger.rs"]
mod common;

mod access;
mod buttons;
mod cadence;
mod community;
mod console;
mod contacts;
mod copy;
mod helpers;
mod hostile;
mod isolation;
mod ledger;
mod mistakes;
mod namesakes;
mod outbox;
mod portability;
mod properties;
mod reach;
mod reminders;
