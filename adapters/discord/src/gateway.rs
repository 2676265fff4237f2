//! The Gateway connection (the default: a bot token and no public URL).
//! Interactions arrive as INTERACTION_CREATE and are answered over REST;
//! GUILD_DELETE for a guild the bot was removed from deletes its data.
//! With many replicas, each shard is connected by one of them at a time
//! (see [`Discord::run_gateway_with`]), so an event reaches one replica.
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
use kith_bot::coordination::Leases;

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

    /// [`Discord::run_gateway`], reporting on `link` whether the shards are
    /// connected (up once READY has come, down while they reconnect,
    /// standing by while another replica holds them).
    ///
    /// Each shard is connected by one replica at a time: the one holding
    /// its lease in the store ([`Shards::lease_names`]). This replica takes
    /// its shards' leases (all of them or none), connects, and renews them
    /// while connected; if it cannot renew, it disconnects before another
    /// replica may take them, and stands by again. A replica that dies
    /// leaves its leases to lapse, and a standby takes over.
    pub async fn run_gateway_with(
        &self,
        link: Link,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let settings = &self.settings;
        let leases = Leases::new(
            self.kith.store().as_ref(),
            settings.shards.lease_names(),
            settings.replica.clone(),
            settings.lease.hold,
        );
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let mut told = false;
            loop {
                match leases.take(self.kith.clock().now()).await {
                    Ok(true) => break,
                    Ok(false) if !told => {
                        info!(shards = %settings.shards, "another replica holds the Discord gateway; standing by");
                        told = true;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        warn!(error = %e, "could not reach the store to take the gateway's lease")
                    }
                }
                link.standing_by(true);
                tokio::select! {
                    () = tokio::time::sleep(settings.lease.retry_every) => {}
                    () = &mut shutdown => return Ok(()),
                }
            }
            link.standing_by(false);
            info!(shards = %settings.shards, replica = %settings.replica, "holding the Discord gateway");
            let held = self.connect_while_held(&leases, &link, &mut shutdown).await;
            link.disconnected();
            match held {
                Ok(Held::Stopped) | Err(_) => {
                    if let Err(e) = leases.release().await {
                        warn!(error = %e, "could not give the gateway's lease back; it lapses");
                    }
                    return held.map(|_| ());
                }
                Ok(Held::Lost) => {
                    warn!("lost the Discord gateway's lease to another replica; disconnected");
                }
            }
        }
    }

    /// Runs the shards while `leases` stay renewed.
    async fn connect_while_held(
        &self,
        leases: &Leases<'_>,
        link: &Link,
        shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> anyhow::Result<Held> {
        let settings = &self.settings;
        let http = rest::serenity_http(
            settings.token.expose(),
            settings.api_url.as_deref(),
            settings.application_id,
        );
        let mut client = ClientBuilder::new_with_http(http, INTENTS)
            .event_handler(Handler {
                discord: self.clone(),
                link: link.clone(),
            })
            .await
            .map_err(|e| anyhow::anyhow!("could not start the Discord client: {e}"))?;
        let manager = client.shard_manager.clone();
        let shards = settings.shards;
        // serenity 0.12's `start_shard_range` takes the range's end as
        // the last shard, inclusive (`0..1` starts shards 0 and 1), so the
        // bounds are passed as they are.
        let (first, last) = shards.bounds();
        let running = client.start_shard_range(first..last, shards.total());
        let mut running = std::pin::pin!(running);
        let times = settings.lease;
        let mut renewed = tokio::time::Instant::now();
        loop {
            tokio::select! {
                outcome = &mut running => {
                    return outcome
                        .map(|()| Held::Stopped)
                        .map_err(|e| anyhow::anyhow!("the Discord gateway stopped: {e}"));
                }
                () = &mut *shutdown => {
                    manager.shutdown_all().await;
                    return Ok(Held::Stopped);
                }
                () = tokio::time::sleep(times.renew_every) => {
                    match leases.take(self.kith.clock().now()).await {
                        Ok(true) => renewed = tokio::time::Instant::now(),
                        Ok(false) => {
                            manager.shutdown_all().await;
                            return Ok(Held::Lost);
                        }
                        // The lease may lapse before the store answers
                        // again: give the shards up while it surely holds.
                        Err(e) if renewed.elapsed() + times.renew_every >= times.hold => {
                            warn!(error = %e, "could not renew the gateway's lease in time");
                            manager.shutdown_all().await;
                            return Ok(Held::Lost);
                        }
                        Err(e) => warn!(error = %e, "could not renew the gateway's lease; trying again"),
                    }
                }
            }
        }
    }
}

/// How holding the gateway ended.
enum Held {
    /// The stop came (or the client ended on its own).
    Stopped,
    /// The leases are another replica's now, or could not be renewed.
    Lost,
}
