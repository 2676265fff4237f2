//! Kith on Discord, with serenity.
//!
//! Interactions arrive over the Gateway ([`gateway`], the default: only a
//! bot token, no public URL) or at an HTTP endpoint ([`http`],
//! `POST /discord/interactions`, Ed25519-verified). Either way they become
//! the same core commands the console and Slack use: `/kith gave @bob ...`
//! is turned back into the line `gave <@ID> ...` ([`commands`]), the core's
//! reply is rendered as an ephemeral message with buttons ([`render`]) and
//! sent within Discord's 3-second deadline, or deferred and followed up.
//! Outbound messages (reminder DMs) go through [`DiscordMessenger`], and
//! every REST call through the rate-limited [`rest::Rest`].
//!
//! Workspaces: a guild's data lives under its guild id; a button in a DM
//! carries the guild id of the reminder it came from (see [`render`]).
//! Slash commands are guild-only, since a DM does not say whose server's
//! ledger it is about.

pub mod commands;
pub mod config;
pub mod gateway;
pub mod http;
mod interactions;
mod jobs;
mod messenger;
#[cfg(test)]
mod props;
pub mod render;
pub mod rest;
pub mod shards;
pub mod verify;

use std::sync::Arc;
use std::time::Duration;

use kith_bot::Kith;
use kith_bot::domain::Secret;

pub use config::DiscordConfig;
pub use interactions::Answer;
pub use messenger::{DiscordMessenger, nonce};
pub use rest::{Patience, Rest, RestError};
pub use verify::Verifier;

/// How the adapter reaches Discord.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The bot token (never logged).
    pub token: Secret,
    /// The application id; learnt from READY over the Gateway if not given,
    /// but needed for follow-ups over HTTP and to register commands.
    pub application_id: Option<u64>,
    /// The API base URL: `None` for Discord's own; tests give a local fake
    /// (`http://127.0.0.1:PORT`, which also serves the gateway URL).
    pub api_url: Option<String>,
    /// How long to work on an interaction before deferring it and following
    /// up: Discord wants an answer within 3 seconds.
    pub defer_after: Duration,
    pub patience: Patience,
    /// The Gateway shards this replica connects, each while it holds the
    /// shard's lease (`KITH_DISCORD_SHARDS`).
    pub shards: shards::Shards,
    /// How the shards' leases are held, renewed and sought.
    pub lease: kith_bot::coordination::LeaseTimes,
    /// Who this replica is, as a lease holder (unique per process).
    pub replica: String,
}

impl Settings {
    pub fn new(token: Secret) -> Settings {
        Settings {
            token,
            application_id: None,
            api_url: None,
            defer_after: Duration::from_millis(2000),
            patience: Patience::default(),
            shards: shards::Shards::default(),
            lease: kith_bot::coordination::LeaseTimes::default(),
            replica: replica_name(),
        }
    }
}

/// A name for this process as a lease holder: its host and process id, and
/// a random part, so a restarted process with a reused id is someone else.
fn replica_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "kith".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The Discord adapter: the core, a REST client, and how to answer.
#[derive(Clone)]
pub struct Discord {
    kith: Kith,
    rest: Rest,
    settings: Arc<Settings>,
}

impl Discord {
    pub fn new(kith: Kith, settings: Settings) -> Discord {
        let http = rest::serenity_http(
            settings.token.expose(),
            settings.api_url.as_deref(),
            settings.application_id,
        );
        let rest = Rest::new(Arc::new(http), settings.patience, kith.store().clone());
        Discord {
            kith,
            rest,
            settings: Arc::new(settings),
        }
    }

    pub fn kith(&self) -> &Kith {
        &self.kith
    }

    pub fn rest(&self) -> &Rest {
        &self.rest
    }

    /// The outbound side, for the core's sender: DMs and channel posts.
    pub fn messenger(&self) -> DiscordMessenger {
        DiscordMessenger::new(self.rest.clone()).with_memory(self.kith.store().clone())
    }

    /// Registers Kith's commands (a bulk overwrite, so running it
    /// again changes nothing), in one guild or globally. Returns how many
    /// commands Discord now has.
    pub async fn register(&self, guild: Option<u64>) -> anyhow::Result<usize> {
        let payload = commands::registration();
        let registered = self.rest.overwrite_commands(guild, &payload).await?;
        Ok(registered.as_array().map_or(0, Vec::len))
    }
}
