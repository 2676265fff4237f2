//! The HTTP interactions endpoint, `POST /discord/interactions`, for
//! deployments that give Discord a public URL instead of (or besides) the
//! Gateway. Every request is verified (Ed25519 over timestamp and body,
//! within a replay window) before anything is read: a bad one gets 401 and
//! changes nothing. PING is answered with PONG.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use serenity::model::application::Interaction;
use tracing::{info, warn};

use crate::{Discord, Verifier};

/// The path Discord's "Interactions Endpoint URL" points at.
pub const PATH: &str = "/discord/interactions";

#[derive(Clone)]
struct Endpoint {
    discord: Discord,
    verifier: Verifier,
}

/// The largest request body Kith reads from Discord: an interaction is a
/// few kilobytes (a button press carries its message: 2,000 characters
/// and five rows of buttons), well under this.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The router serving [`PATH`]; merge it with the others and serve it on
/// `KITH_HTTP_ADDR`. Bodies over [`MAX_BODY_BYTES`] get 413 unread.
pub fn router(discord: Discord, verifier: Verifier) -> Router {
    Router::new()
        .route(PATH, post(interactions))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Endpoint { discord, verifier })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn bad_request(text: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"message": text}))).into_response()
}

async fn interactions(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            warn!("refused a request body over the limit");
            let reason = format!(
                "the request body is over {} KB, the most Kith reads from Discord",
                MAX_BODY_BYTES / 1024
            );
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({"message": reason})),
            )
                .into_response();
        }
        Err(rejection) => return rejection.into_response(),
    };
    let now = endpoint.discord.kith().clock().now();
    if let Err(why) = endpoint.verifier.verify(
        header(&headers, "x-signature-ed25519"),
        header(&headers, "x-signature-timestamp"),
        &body,
        now,
    ) {
        warn!(%why, "refused an interaction request");
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    let interaction = match decode(&body) {
        Ok(Decoded::Ping) => {
            info!("PING answered");
            return Json(json!({"type": 1})).into_response();
        }
        Ok(Decoded::Interaction(interaction)) => *interaction,
        Err(why) => return bad_request(why),
    };
    match endpoint.discord.answer(interaction).await {
        Some(mut answer) => {
            // The deferral goes out as this response; the follow-up waits
            // for the slow work, which finishes after it.
            answer.spawn_follow_up();
            Json(answer.body).into_response()
        }
        None => Json(json!({
            "type": 4,
            "data": {"content": "That was already handled.", "flags": crate::render::EPHEMERAL}
        }))
        .into_response(),
    }
}

/// A verified body, as Kith reads it.
#[derive(Debug)]
pub(crate) enum Decoded {
    Ping,
    Interaction(Box<Interaction>),
}

/// Reads an interaction's JSON body; `Err` says what is wrong with it.
pub(crate) fn decode(body: &[u8]) -> Result<Decoded, &'static str> {
    let raw: Value = serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    if raw["type"] == 1 {
        return Ok(Decoded::Ping);
    }
    let interaction: Interaction = serde_json::from_value(raw).map_err(|e| {
        warn!(error = %e, "an interaction we cannot read");
        "the body is not an interaction Kith can read"
    })?;
    Ok(Decoded::Interaction(Box::new(interaction)))
}
