//! The Gateway connection (the default: a bot token and no public URL).
//! Interactions arrive as INTERACTION_CREATE and are answered over REST;
//! GUILD_DELETE for a guild the bot was removed from deletes its data.
//!
//! Only the `GUILDS` intent is asked for: interactions need no intent, and
//! Kith never reads messages, so no message-content intent.

use std::future::Future;

use async_trait::async_trait;
use kith_bot::domain::Platform;
use kith_bot::observe::Link;
use serenity::all::{
    ClientBuilder, ConnectionStage, Context, EventHandler, GatewayIntents, Guild, Ready,
    ShardStageUpdateEvent, UnavailableGuild,
};
use serenity::model::application::Interaction;
use tracing::{error, info, instrument, warn};

use crate::{Discord, rest};

/// The intents Kith needs: guild joins and removals, nothing more.
pub const INTENTS: GatewayIntents = GatewayIntents::GUILDS;

struct Handler {
    discord: Discord,
    link: Link,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        self.discord
            .rest
            .http()
            .set_application_id(ready.application.id);
        info!(
            guilds = ready.guilds.len(),
            "connected to the Discord gateway"
        );
    }

    /// The shard is connected (READY or RESUMED came) or is not any more.
    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        match (event.old, event.new) {
            (_, ConnectionStage::Connected) => {
                self.link.connected();
                if self.link.connects() > 1 {
                    info!("reconnected to the Discord gateway");
                }
            }
            (ConnectionStage::Connected, stage) => {
                self.link.disconnected();
                warn!(
                    ?stage,
                    "the Discord gateway connection dropped; reconnecting"
                );
            }
            _ => {}
        }
    }

    #[instrument(skip_all, fields(interaction = %interaction.id()))]
    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        let id = interaction.id().get();
        let token = interaction.token().to_string();
        let Some(mut answer) = self.discord.answer(interaction).await else {
            return;
        };
        match self
            .discord
            .rest
            .interaction_callback(id, &token, &answer.body)
            .await
        {
            Ok(()) => answer.spawn_follow_up(),
            Err(e) => error!(error = %e, "could not answer an interaction"),
        }
    }

    async fn guild_delete(
        &self,
        _ctx: Context,
        incomplete: UnavailableGuild,
        _full: Option<Guild>,
    ) {
        self.discord
            .guild_removed(incomplete.id.get(), incomplete.unavailable)
            .await;
    }
}

impl Discord {
    /// A guild went away. An outage (`unavailable`) changes nothing; the
    /// bot's removal deletes the guild's data.
    #[instrument(skip(self))]
    pub async fn guild_removed(&self, guild: u64, unavailable: bool) {
        if unavailable {
            warn!("guild unavailable (an outage); keeping its data");
            return;
        }
        match self
            .kith
            .forget_workspace(Platform::Discord, &guild.to_string())
            .await
        {
            Ok(true) => info!("removed from a guild; its data is deleted"),
            Ok(false) => info!("removed from a guild that had no data"),
            Err(e) => error!(error = %e, "could not delete a removed guild's data"),
        }
    }

    /// Connects to the Gateway and handles events until `shutdown`
    /// completes or the connection fails for good.
    pub async fn run_gateway(&self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        self.run_gateway_with(Link::new(Platform::Discord), shutdown)
            .await
    }

    /// [`Discord::run_gateway`], reporting on `link` whether the shard is
    /// connected (up once READY has come, down while it reconnects).
    pub async fn run_gateway_with(
        &self,
        link: Link,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let http = rest::serenity_http(
            self.settings.token.expose(),
            self.settings.api_url.as_deref(),
            self.settings.application_id,
        );
        let mut client = ClientBuilder::new_with_http(http, INTENTS)
            .event_handler(Handler {
                discord: self.clone(),
                link: link.clone(),
            })
            .await
            .map_err(|e| anyhow::anyhow!("could not start the Discord client: {e}"))?;
        let manager = client.shard_manager.clone();
        tokio::select! {
            outcome = client.start() => {
                link.disconnected();
                outcome.map_err(|e| anyhow::anyhow!("the Discord gateway stopped: {e}"))
            }
            () = shutdown => {
                manager.shutdown_all().await;
                Ok(())
            }
        }
    }
}
