//! Slack over HTTP: `POST /slack/commands`, `POST /slack/actions`,
//! `POST /slack/events` (each verified against the signing secret; a bad
//! or stale signature gets 401 and changes nothing), and the install flow
//! `GET /slack/install` → Slack → `GET /slack/oauth`.
//!
//! The binary merges this router with the others and adds `/healthz`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use slack_morphism::prelude::*;
use tracing::{debug, error, warn};

use crate::app::{InstallError, SlackApp};
use crate::oauth::{STATE_COOKIE, STATE_TTL_SECS};
use crate::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// The largest request body Kith reads from Slack. A slash command is a
/// few hundred bytes; the largest thing Slack sends is an interaction
/// payload carrying its whole message (50 blocks of 3,000 characters,
/// escaped), well under this.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The Slack routes, served with `app`. Every body is capped at
/// [`MAX_BODY_BYTES`] before it is read (413 beyond it).
pub fn router(app: Arc<SlackApp>) -> Router {
    Router::new()
        .route("/slack/commands", post(commands))
        .route("/slack/actions", post(actions))
        .route("/slack/events", post(events))
        .route("/slack/install", get(install))
        .route("/slack/oauth", get(oauth))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

/// The answer to a body Kith will not read: 413 with the limit named when
/// it is too large.
fn unread(rejection: BytesRejection) -> Response {
    if rejection.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return rejection.into_response();
    }
    warn!("refused a request body over the limit");
    let reason = format!(
        "Refused: the request body is over {} KB, the most Kith reads from Slack.",
        MAX_BODY_BYTES / 1024
    );
    (StatusCode::PAYLOAD_TOO_LARGE, reason).into_response()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the request came from Slack; `Some(401)` when it did not.
/// The body of a request within the size limit and signed by Slack, or the
/// answer refusing it.
fn verified_body(
    app: &SlackApp,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, Box<Response>> {
    let body = body.map_err(|rejection| Box::new(unread(rejection)))?;
    match unverified(app, headers, &body) {
        Some(refused) => Err(Box::new(refused)),
        None => Ok(body),
    }
}

fn unverified(app: &SlackApp, headers: &HeaderMap, body: &[u8]) -> Option<Response> {
    let Some(secret) = app.config().signing_secret.as_ref() else {
        warn!("refused an HTTP request: no signing secret is configured");
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                "Kith does not accept Slack requests over HTTP: no signing secret is configured.",
            )
                .into_response(),
        );
    };
    signature::verify(
        secret,
        header_str(headers, TIMESTAMP_HEADER),
        header_str(headers, SIGNATURE_HEADER),
        body,
        app.kith().clock().now(),
    )
    .err()
    .map(|e| {
        warn!(reason = %e, "refused a request that is not validly signed by Slack");
        (StatusCode::UNAUTHORIZED, format!("Refused: {e}.")).into_response()
    })
}

fn bad_request(what: &str) -> Response {
    (StatusCode::BAD_REQUEST, what.to_string()).into_response()
}

async fn commands(
    State(app): State<Arc<SlackApp>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match verified_body(&app, &headers, body) {
        Ok(body) => body,
        Err(refused) => return *refused,
    };
    match decode_command(&body) {
        Ok(CommandBody::SslCheck) => StatusCode::OK.into_response(),
        Ok(CommandBody::Run { event, user_name }) => {
            axum::Json(app.command(*event, user_name).await).into_response()
        }
        Err(why) => bad_request(why),
    }
}

/// A slash command's body, as Kith reads it.
#[derive(Debug)]
pub(crate) enum CommandBody {
    /// Slack checking the certificate of the command URL: nothing to run.
    SslCheck,
    Run {
        event: Box<SlackCommandEvent>,
        user_name: Option<String>,
    },
}

/// Reads a slash command's form body; `Err` says what is wrong with it.
pub(crate) fn decode_command(body: &[u8]) -> Result<CommandBody, &'static str> {
    let form = serde_urlencoded::from_bytes::<HashMap<String, String>>(body).unwrap_or_default();
    if form.get("ssl_check").map(String::as_str) == Some("1") {
        return Ok(CommandBody::SslCheck);
    }
    let event: SlackCommandEvent = serde_urlencoded::from_bytes(body).map_err(|e| {
        debug!(error = %e, "a malformed slash command");
        "That is not a Slack slash command payload."
    })?;
    Ok(CommandBody::Run {
        event: Box::new(event),
        user_name: form.get("user_name").cloned(),
    })
}

async fn actions(
    State(app): State<Arc<SlackApp>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match verified_body(&app, &headers, body) {
        Ok(body) => body,
        Err(refused) => return *refused,
    };
    match decode_action(&body) {
        Ok(Interaction::Press(event)) => {
            app.interaction(*event).await;
            StatusCode::OK.into_response()
        }
        // Shortcuts and modal submissions.
        Ok(Interaction::Other(payload)) => match app.surface(payload).await {
            Some(answer) => axum::Json(answer).into_response(),
            None => StatusCode::OK.into_response(),
        },
        Err(why) => bad_request(why),
    }
}

/// An interaction as Kith reads it.
#[derive(Debug)]
pub(crate) enum Interaction {
    /// A button press (`block_actions`).
    Press(Box<SlackInteractionEvent>),
    /// Anything else (shortcuts, view submissions), as Slack sent it.
    Other(serde_json::Value),
}

/// Reads an interaction's form body.
pub(crate) fn decode_action(body: &[u8]) -> Result<Interaction, &'static str> {
    let payload = serde_urlencoded::from_bytes::<HashMap<String, String>>(body)
        .ok()
        .and_then(|mut form| form.remove("payload"))
        .ok_or("An interaction needs a `payload` form field.")?;
    let value = serde_json::from_str::<serde_json::Value>(&payload)
        .map_err(|_| "That is not a Slack interaction payload.")?;
    if value["type"] != "block_actions" {
        return Ok(Interaction::Other(value));
    }
    let event: SlackInteractionEvent = serde_json::from_value(value).map_err(|e| {
        debug!(error = %e, "a malformed interaction payload");
        "That is not a Slack interaction payload."
    })?;
    Ok(Interaction::Press(Box::new(event)))
}

async fn events(
    State(app): State<Arc<SlackApp>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match verified_body(&app, &headers, body) {
        Ok(body) => body,
        Err(refused) => return *refused,
    };
    if let Some(retry) = header_str(&headers, "x-slack-retry-num") {
        debug!(retry, reason = ?header_str(&headers, "x-slack-retry-reason"), "Slack is retrying an event");
    }
    let (event, raw) = match decode_event(&body) {
        Ok(decoded) => decoded,
        Err(why) => return bad_request(why),
    };
    match event {
        SlackPushEvent::UrlVerification(check) => {
            axum::Json(serde_json::json!({ "challenge": check.challenge })).into_response()
        }
        SlackPushEvent::EventCallback(callback) => match app.push_event(callback, raw).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(e) => {
                error!(error = %e, "could not handle an event; Slack will retry it");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
        SlackPushEvent::AppRateLimited(limited) => {
            warn!(?limited, "Slack is rate limiting events to Kith");
            StatusCode::OK.into_response()
        }
    }
}

/// Reads an Events API body: the event, and the `event` object as Slack
/// sent it (slack-morphism's types drop some fields, such as a shared
/// file's size).
pub(crate) fn decode_event(
    body: &[u8],
) -> Result<(SlackPushEvent, Option<serde_json::Value>), &'static str> {
    let event: SlackPushEvent = serde_json::from_slice(body).map_err(|e| {
        debug!(error = %e, "a malformed event");
        "That is not a Slack Events API payload."
    })?;
    let raw = match &event {
        SlackPushEvent::EventCallback(_) => serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|mut v| v.get_mut("event").map(serde_json::Value::take)),
        _ => None,
    };
    Ok((event, raw))
}

async fn install(State(app): State<Arc<SlackApp>>) -> Response {
    let Some((url, state)) = app.install_redirect() else {
        return (
            StatusCode::NOT_FOUND,
            InstallError::NotConfigured.to_string(),
        )
            .into_response();
    };
    let cookie = format!(
        "{STATE_COOKIE}={state}; Max-Age={STATE_TTL_SECS}; Path=/slack; HttpOnly; Secure; SameSite=Lax"
    );
    (
        StatusCode::FOUND,
        [(header::LOCATION, url), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    (
        status,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>{0}</title><h1>{0}</h1><p>{1}</p>",
            escape(title),
            escape(text)
        )),
    )
        .into_response()
}

async fn oauth(
    State(app): State<Arc<SlackApp>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(error) = query.get("error") {
        return page(
            StatusCode::BAD_REQUEST,
            "Kith was not installed",
            &format!("Slack says: {error}. You can try again from Add to Slack."),
        );
    }
    let (Some(code), Some(state)) = (query.get("code"), query.get("state")) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Kith was not installed",
            "This page expects the code and state Slack sends back; start from Add to Slack.",
        );
    };
    match app
        .finish_install(code, state, cookie(&headers, STATE_COOKIE))
        .await
    {
        Ok(team) => page(
            StatusCode::OK,
            "Kith is installed",
            &format!("Kith is now part of {team}. Type /kith in any channel to begin."),
        ),
        Err(e) => {
            warn!(error = %e, "an install did not finish");
            let status = match e {
                InstallError::NotConfigured => StatusCode::NOT_FOUND,
                InstallError::BadState => StatusCode::BAD_REQUEST,
                InstallError::Slack(_) => StatusCode::BAD_GATEWAY,
                InstallError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            page(status, "Kith was not installed", &e.to_string())
        }
    }
}
