//! End-to-end tests of the Slack adapter: the real adapter (slack-morphism
//! client, our HTTP routes, Socket Mode) against a fake Slack on 127.0.0.1,
//! a fresh SQLite file per test and an injected clock.

#[path = "../common/ledger.rs"]
mod common;

mod commands;
mod community;
mod events;
mod fake_slack;
mod helpers;
mod import;
mod install;
mod names;
mod namesakes;
mod reach;
mod reminders;
mod socket_mode;
mod surfaces;
