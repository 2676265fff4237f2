//! Slack over Socket Mode: no public URL needed. slack-morphism keeps the
//! websocket(s) open; each envelope is acknowledged when its callback
//! returns, so callbacks answer within the same budget as HTTP.

use std::sync::Arc;

use anyhow::Context;
use kith_bot::domain::Platform;
use kith_bot::domain::Secret;
use kith_bot::observe::Link;
use slack_morphism::prelude::*;
use tracing::{error, info};

use crate::app::SlackApp;

/// A running Socket Mode connection; [`SocketMode::shutdown`] closes it.
pub struct SocketMode {
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
    link: Link,
}

/// How long to wait before connecting again after a connection failed.
const RECONNECT_AFTER_SECS: u64 = 5;

impl SocketMode {
    /// Connects with the app-level token (`apps.connections.open`, then a
    /// websocket) using `connections` parallel sockets (Slack suggests 2).
    pub async fn start(
        app: Arc<SlackApp>,
        app_token: &Secret,
        connections: u32,
    ) -> anyhow::Result<SocketMode> {
        SocketMode::start_with(app, app_token, connections, Link::new(Platform::Slack)).await
    }

    /// [`SocketMode::start`], reporting the connection's state on `link`:
    /// up on each `hello` from Slack, down on a socket error. slack-morphism
    /// reconnects by itself and tells us nothing of a clean close, so a
    /// close followed by failing reconnects shows only in its log.
    pub async fn start_with(
        app: Arc<SlackApp>,
        app_token: &Secret,
        connections: u32,
        link: Link,
    ) -> anyhow::Result<SocketMode> {
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(app.web().client().clone())
                .with_error_handler(on_error)
                .with_user_state(app)
                .with_user_state(link.clone()),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_hello_events(on_hello)
            .with_command_events(on_command)
            .with_interaction_events(on_interaction)
            .with_push_events(on_push);
        let config = SlackClientSocketModeConfig::new()
            .with_max_connections_count(connections)
            .with_reconnect_timeout_in_seconds(RECONNECT_AFTER_SECS);
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose().to_string()));
        listener
            .listen_for(&token)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("could not open a Socket Mode connection (check KITH_SLACK_APP_TOKEN)")?;
        listener.start().await;
        Ok(SocketMode { listener, link })
    }

    /// Whether Slack's side is connected (see [`SocketMode::start_with`]).
    pub fn link(&self) -> &Link {
        &self.link
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

/// Slack's `hello` on every new connection. (Generic over the event:
/// slack-morphism does not export its type.)
async fn on_hello<HelloEvent>(
    _event: HelloEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) {
    if let Some(link) = state.read().await.get_user_state::<Link>() {
        link.connected();
        info!(
            reconnect = link.connects() > 1,
            "connected to Slack (Socket Mode)"
        );
    }
}

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
    let app = app(&state).await?;
    if let SlackInteractionEvent::BlockActions(_) = event {
        app.interaction(event).await;
        return Ok(SlackInteractionResponse::Empty);
    }
    // Shortcuts and submissions are read as JSON, as over HTTP.
    let payload = serde_json::to_value(&event)?;
    match app.surface(payload).await {
        Some(answer) => Ok(SlackInteractionResponse::ViewSubmission(
            serde_json::from_value(answer)?,
        )),
        None => Ok(SlackInteractionResponse::Empty),
    }
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
    state: SlackClientEventsUserState,
) -> HttpStatusCode {
    error!(error = %err, "Socket Mode error");
    if let Some(link) = link_of(&state) {
        link.disconnected();
    }
    // Not acknowledged: Slack redelivers, and event ids keep it to once.
    HttpStatusCode::INTERNAL_SERVER_ERROR
}

/// The link in `state`, read without waiting: the error handler is not
/// async. A state busy at that moment (a callback holds it) misses one
/// update, which the next `hello` or error puts right.
fn link_of(state: &SlackClientEventsUserState) -> Option<Link> {
    state.try_read().ok()?.get_user_state::<Link>().cloned()
}
