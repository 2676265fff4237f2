//! Kith's core: the networking ledger, the command language and the ports
//! through which it reaches the store, the platforms and the clock.
//!
//! Nothing here knows about Slack, Discord or SQL; adapters translate at the
//! edge (see `DESIGN.md`).

pub mod actions;
pub mod commands;
pub mod community;
pub mod coordination;
pub mod delivery;
pub mod domain;
pub mod format;
pub mod home;
pub mod jobs;
mod kith;
pub mod limits;
pub mod map;
pub mod namesakes;
pub mod observe;
pub mod once;
pub mod portability;
pub mod ports;
pub mod reach;
pub mod reminders;
pub mod reply;
pub mod schedule;
pub mod suggest;
pub mod web;

pub use kith::{Actor, Kith, Pressed};
