//! Kith on Slack: slash commands, Block Kit DMs with buttons, Socket Mode
//! and HTTP, installs into many workspaces.
//!
//! The adapter turns Slack payloads into core commands and core replies into
//! Block Kit; no Slack type crosses into `kith_bot`.

mod app;
pub mod blocks;
pub mod config;
pub mod forms;
pub mod home;
pub mod http;
pub mod manifest;
pub mod modal;
pub mod oauth;
#[cfg(test)]
mod props;
pub mod signature;
pub mod socket;
pub mod text;
pub mod web;

pub use app::{ACK_BUDGET, InstallError, SlackApp};
pub use config::SlackConfig;
pub use socket::SocketMode;
pub use web::{Limits, SlackWeb};
