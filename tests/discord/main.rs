//! End-to-end stories of Kith on Discord: the real serenity-based adapter
//! against a fake Discord (REST and Gateway) on 127.0.0.1, a fresh SQLite
//! file per test, and an injected clock.

#[path = "../common/ledger.rs"]
mod common;

mod binary;
mod community;
mod dms;
mod fake_discord;
mod gateway;
mod helpers;
mod http_endpoint;
mod names;
mod namesakes;
mod portability;
mod reach;
mod registration;
mod reminders;
mod replicas;
mod surfaces;
