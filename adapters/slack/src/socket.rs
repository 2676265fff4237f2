//! Slack over Socket Mode: no public URL needed. slack-morphism keeps the
//! websocket(s) open; each envelope is acknowledged when its callback
//! returns, so callbacks answer within the same budget as HTTP.

use std::sync::Arc;

use anyhow::Context;
use kith_bot::domain::Secret;
use slack_morphism::prelude::*;
use tracing::error;

use crate::app::SlackApp;

/// A running Socket Mode connection; [`SocketMode::shutdown`] closes it.
pub struct SocketMode {
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
}

impl SocketMode {
    /// Connects with the app-level token (`apps.connections.open`, then a
    /// websocket) using `connections` parallel sockets (Slack suggests 2).
    pub async fn start(
        app: Arc<SlackApp>,
        app_token: &Secret,
        connections: u32,
    ) -> anyhow::Result<SocketMode> {
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(app.web().client().clone())
                .with_error_handler(on_error)
                .with_user_state(app),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_command_events(on_command)
            .with_interaction_events(on_interaction)
            .with_push_events(on_push);
        let config = SlackClientSocketModeConfig::new().with_max_connections_count(connections);
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose().to_string()));
        listener
            .listen_for(&token)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("could not open a Socket Mode connection (check KITH_SLACK_APP_TOKEN)")?;
        listener.start().await;
        Ok(SocketMode { listener })
    }

    pub async fn shutdown(&self) {
        self.listener.shutdown().await;
    }
}

async fn app(state: &SlackClientEventsUserState) -> Result<Arc<SlackApp>, BoxError> {
    state
        .read()
        .await
        .get_user_state::<Arc<SlackApp>>()
        .cloned()
        .ok_or_else(|| "the Slack adapter's state is missing".into())
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> Result<SlackCommandEventResponse, BoxError> {
    Ok(app(&state).await?.command(event, None).await)
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> Result<SlackInteractionResponse, BoxError> {
    app(&state).await?.interaction(event).await;
    Ok(SlackInteractionResponse::Empty)
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> Result<(), BoxError> {
    app(&state)
        .await?
        .push_event(event, None)
        .await
        .map_err(|e| e.to_string().into())
}

fn on_error(
    err: BoxError,
    _client: Arc<SlackHyperClient>,
    _state: SlackClientEventsUserState,
) -> HttpStatusCode {
    error!(error = %err, "Socket Mode error");
    // Not acknowledged: Slack redelivers, and event ids keep it to once.
    HttpStatusCode::INTERNAL_SERVER_ERROR
}
