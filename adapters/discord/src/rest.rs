//! Discord's REST API, through serenity's routes and requests, with rate
//! limits kept here: serenity's own ratelimiter is off (it cannot be pointed
//! at a local fake, see FIELD-NOTES), so this client keeps the global limit
//! (50 requests a second per bot, on every replica together: a pace kept in
//! the store, [`Pace::DISCORD_GLOBAL`]; answers to interactions are not
//! bound by it), the per-route buckets Discord announces in its
//! `X-RateLimit-*` headers, and honours every 429's `retry_after`, global or
//! not. A throttled request waits and is sent again: nothing is lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kith_bot::coordination::Pace;
use kith_bot::domain::Platform;
use kith_bot::ports::Coordination;
use serde::Deserialize;
use serde_json::Value;
use serenity::http::{Http, HttpBuilder, LightMethod, RatelimitingBucket, Request, Route};
use serenity::model::id::{ApplicationId, ChannelId, GuildId, InteractionId, UserId};
use tokio::time::Instant;
use tracing::{debug, warn};

/// The name of the pace every replica's requests draw from.
pub const GLOBAL_PACE: &str = "discord-global";

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RestError {
    /// Discord answered with an error (not a rate limit).
    #[error("Discord answered {status} (code {code}): {message}")]
    Discord {
        status: u16,
        code: i64,
        message: String,
    },
    /// Still rate limited after waiting as long as we are willing to.
    #[error("still rate limited; Discord asks to wait {0:?} more")]
    Throttled(Duration),
    /// The request did not get an answer (connection, timeout).
    #[error("could not reach Discord: {0}")]
    Transport(String),
    /// The request could not be built or its answer read.
    #[error("bad request or answer: {0}")]
    Invalid(String),
}

impl RestError {
    /// Discord's JSON error code, if it gave one.
    pub fn code(&self) -> Option<i64> {
        match self {
            RestError::Discord { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The HTTP status Discord answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            RestError::Discord { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_temporary(&self) -> bool {
        match self {
            RestError::Discord { status, .. } => *status >= 500 || *status == 401,
            RestError::Throttled(_) | RestError::Transport(_) => true,
            RestError::Invalid(_) => false,
        }
    }
}

/// What a route's bucket allows until it resets.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    remaining: u64,
    reset_at: Instant,
}

#[derive(Default)]
struct Limits {
    /// Set by a global 429: nothing goes out before then.
    global_until: Option<Instant>,
    buckets: HashMap<RatelimitingBucket, Bucket>,
}

/// How patient the client is with rate limits.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// The longest single wait for a 429 before giving up (the caller then
    /// retries later, e.g. the outbox's sender).
    pub max_wait: Duration,
    /// How many 429s in a row one request tolerates.
    pub max_throttles: u32,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            max_wait: Duration::from_secs(60),
            max_throttles: 8,
        }
    }
}

/// A rate-limited Discord REST client.
#[derive(Clone)]
pub struct Rest {
    http: Arc<Http>,
    client: reqwest::Client,
    /// Where the global pace is kept (the store). It runs on the wall
    /// clock every replica shares, not the core's (injected) clock.
    global: Arc<dyn Coordination>,
    limits: Arc<Mutex<Limits>>,
    patience: Patience,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest")
            .field("proxy", &self.http.proxy)
            .finish()
    }
}

#[derive(Deserialize)]
struct RateLimited {
    #[serde(default)]
    retry_after: Option<f64>,
    #[serde(default)]
    global: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

/// The serenity HTTP client for a token and API base URL: Discord's own
/// (`None`), or another base such as a local fake, which serenity reaches
/// as a proxy with its own ratelimiter disabled.
pub fn serenity_http(token: &str, api_url: Option<&str>, application_id: Option<u64>) -> Http {
    let mut builder = HttpBuilder::new(token).ratelimiter_disabled(true);
    if let Some(url) = api_url {
        builder = builder.proxy(url.trim_end_matches('/'));
    }
    if let Some(id) = application_id.filter(|id| *id != 0) {
        builder = builder.application_id(ApplicationId::new(id));
    }
    builder.build()
}

impl Rest {
    pub fn new(http: Arc<Http>, patience: Patience, global: Arc<dyn Coordination>) -> Rest {
        Rest {
            http,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
            global,
            limits: Arc::new(Mutex::new(Limits::default())),
            patience,
        }
    }

    pub fn http(&self) -> &Arc<Http> {
        &self.http
    }

    fn limits(&self) -> std::sync::MutexGuard<'_, Limits> {
        self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for this request's slot of the global pace. Should the store
    /// not answer, waits as long as a whole burst takes instead: slower,
    /// never faster, than the pace.
    async fn pace(&self) {
        let pace = Pace::DISCORD_GLOBAL;
        let wait = match self
            .global
            .reserve_slot(GLOBAL_PACE, pace, chrono::Utc::now())
            .await
        {
            Ok(wait) => wait,
            Err(e) => {
                warn!(error = %e, "could not take a slot of the global pace");
                pace.interval * pace.burst
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before a request in `bucket` may go out.
    fn wait_for(&self, bucket: RatelimitingBucket) -> Option<Duration> {
        let now = Instant::now();
        let limits = self.limits();
        let global = limits.global_until.filter(|t| *t > now).map(|t| t - now);
        let route = limits
            .buckets
            .get(&bucket)
            .filter(|b| b.remaining == 0 && b.reset_at > now)
            .map(|b| b.reset_at - now);
        global.max(route)
    }

    fn learn(&self, bucket: RatelimitingBucket, headers: &reqwest::header::HeaderMap) {
        if bucket.is_none() {
            return;
        }
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        if let (Some(remaining), Some(reset_after)) = (
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset-after"),
        ) {
            let reset_after = Duration::try_from_secs_f64(reset_after.max(0.0)).unwrap_or_default();
            self.limits().buckets.insert(
                bucket,
                Bucket {
                    remaining: remaining.max(0.0) as u64,
                    reset_at: after(reset_after),
                },
            );
        }
    }

    /// Sends a request, waiting as the limits require, and returns the
    /// answer's JSON (`Value::Null` for an empty answer).
    pub async fn send(&self, request: Request<'_>) -> Result<Value, RestError> {
        self.send_with(request, None).await
    }

    /// Sends a request whose body is `upload`'s multipart form (a JSON
    /// payload and files), built afresh for every attempt.
    async fn send_with(
        &self,
        request: Request<'_>,
        upload: Option<(&Value, &[kith_bot::reply::File])>,
    ) -> Result<Value, RestError> {
        let bucket = request.route_ref().ratelimiting_bucket();
        // Interaction endpoints are not bound by the global limit.
        let paced = !matches!(
            request.route_ref(),
            Route::InteractionResponse { .. }
                | Route::WebhookOriginalInteractionResponse { .. }
                | Route::WebhookFollowupMessages { .. }
                | Route::WebhookFollowupMessage { .. }
        );
        let mut throttles = 0;
        loop {
            if let Some(wait) = self.wait_for(bucket) {
                // Inside a window another call was told about: wait it out
                // if it is short, else give the work back at once.
                if wait > self.patience.max_wait {
                    return Err(RestError::Throttled(wait));
                }
                debug!(?wait, "waiting for a rate limit to reset");
                tokio::time::sleep(wait).await;
                kith_bot::observe::rate_limit_wait(Platform::Discord, wait);
            }
            if paced {
                self.pace().await;
            }
            let mut builder = request
                .clone()
                .build(&self.client, self.http.token(), self.http.proxy.as_deref())
                .map_err(|e| RestError::Invalid(e.to_string()))?;
            if let Some((payload, files)) = upload {
                builder = builder.multipart(form(payload, files)?);
            }
            let mut built = builder
                .build()
                .map_err(|e| RestError::Invalid(e.to_string()))?;
            if upload.is_some() {
                // serenity marks a bodyless request as empty; the form
                // has a length of its own.
                built.headers_mut().remove(reqwest::header::CONTENT_LENGTH);
            }
            let response = self
                .client
                .execute(built)
                .await
                .map_err(|e| RestError::Transport(e.without_url().to_string()))?;
            let status = response.status();
            let headers = response.headers().clone();
            self.learn(bucket, &headers);
            let body = response
                .bytes()
                .await
                .map_err(|e| RestError::Transport(e.without_url().to_string()))?;
            if status.is_success() {
                if body.is_empty() {
                    return Ok(Value::Null);
                }
                return serde_json::from_slice(&body)
                    .map_err(|e| RestError::Invalid(e.to_string()));
            }
            if status.as_u16() == 429 {
                let limited: Option<RateLimited> = serde_json::from_slice(&body).ok();
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
                let retry_after = limited
                    .as_ref()
                    .and_then(|l| l.retry_after)
                    .or_else(|| header("retry-after").and_then(|v| v.trim().parse().ok()))
                    .unwrap_or(1.0);
                let global = limited.as_ref().is_some_and(|l| l.global)
                    || header("x-ratelimit-global").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                    || header("x-ratelimit-scope") == Some("global");
                let wait = Duration::try_from_secs_f64(retry_after.max(0.0)).unwrap_or_default();
                throttles += 1;
                kith_bot::observe::rate_limited(Platform::Discord);
                warn!(?wait, global, throttles, "rate limited by Discord");
                // The window holds for every later call in the bucket (or
                // all of them), also when this one gives up.
                let until = after(wait);
                {
                    let mut limits = self.limits();
                    if global {
                        limits.global_until = Some(until);
                    } else if !bucket.is_none() {
                        limits.buckets.insert(
                            bucket,
                            Bucket {
                                remaining: 0,
                                reset_at: until,
                            },
                        );
                    }
                }
                if wait > self.patience.max_wait || throttles > self.patience.max_throttles {
                    return Err(RestError::Throttled(wait));
                }
                tokio::time::sleep(wait).await;
                kith_bot::observe::rate_limit_wait(Platform::Discord, wait);
                continue;
            }
            let error: Option<ErrorBody> = serde_json::from_slice(&body).ok();
            return Err(RestError::Discord {
                status: status.as_u16(),
                code: error.as_ref().map_or(0, |e| e.code),
                message: error.map(|e| e.message).unwrap_or_default(),
            });
        }
    }

    fn json(body: &Value) -> Result<Vec<u8>, RestError> {
        serde_json::to_vec(body).map_err(|e| RestError::Invalid(e.to_string()))
    }

    /// Answers an interaction (`POST /interactions/{id}/{token}/callback`).
    pub async fn interaction_callback(
        &self,
        id: u64,
        token: &str,
        body: &Value,
    ) -> Result<(), RestError> {
        let route = Route::InteractionResponse {
            interaction_id: InteractionId::new(id.max(1)),
            token,
        };
        let request = Request::new(route, LightMethod::Post).body(Some(Self::json(body)?));
        self.send(request).await.map(|_| ())
    }

    /// Replaces the original answer to an interaction (after a deferral),
    /// uploading `files` with it.
    pub async fn edit_original(
        &self,
        token: &str,
        body: &Value,
        files: &[kith_bot::reply::File],
    ) -> Result<(), RestError> {
        let application_id = self
            .http
            .application_id()
            .ok_or_else(|| RestError::Invalid("the application id is not known yet".into()))?;
        let route = Route::WebhookOriginalInteractionResponse {
            application_id,
            token,
        };
        let request = Request::new(route, LightMethod::Patch);
        if files.is_empty() {
            self.send(request.body(Some(Self::json(body)?)))
                .await
                .map(|_| ())
        } else {
            self.send_with(request, Some((body, files)))
                .await
                .map(|_| ())
        }
    }

    /// Downloads an attachment a member sent (at most `max` bytes).
    pub async fn download(&self, url: &str, max: u64) -> Result<Vec<u8>, RestError> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| RestError::Transport(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(RestError::Discord {
                status: response.status().as_u16(),
                code: 0,
                message: "could not download the attachment".into(),
            });
        }
        if response.content_length().is_some_and(|n| n > max) {
            return Err(RestError::Invalid("the attachment is too large".into()));
        }
        // Read piece by piece, so a body that does not say its length (or
        // lies about it) is refused once it passes `max`, not after it
        // was all held in memory.
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| RestError::Transport(e.without_url().to_string()))?
        {
            if (bytes.len() as u64).saturating_add(chunk.len() as u64) > max {
                return Err(RestError::Invalid("the attachment is too large".into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Opens (or finds) the DM channel with a user; returns its id.
    pub async fn open_dm(&self, user: u64) -> Result<u64, RestError> {
        let body = serde_json::json!({"recipient_id": user.to_string()});
        let request =
            Request::new(Route::UserMeDmChannels, LightMethod::Post).body(Some(Self::json(&body)?));
        let channel = self.send(request).await?;
        snowflake(&channel["id"])
            .ok_or_else(|| RestError::Invalid("the DM channel has no id".into()))
    }

    /// Sends a message to a channel; returns the message's id.
    pub async fn create_message(&self, channel: u64, body: &Value) -> Result<u64, RestError> {
        let route = Route::ChannelMessages {
            channel_id: ChannelId::new(channel.max(1)),
        };
        let request = Request::new(route, LightMethod::Post).body(Some(Self::json(body)?));
        let message = self.send(request).await?;
        snowflake(&message["id"]).ok_or_else(|| RestError::Invalid("the message has no id".into()))
    }

    /// Starts a thread without a message in a channel (`POST
    /// /channels/{id}/threads`); returns the thread's id.
    pub async fn create_thread(&self, channel: u64, body: &Value) -> Result<u64, RestError> {
        let route = Route::ChannelThreads {
            channel_id: ChannelId::new(channel.max(1)),
        };
        let request = Request::new(route, LightMethod::Post).body(Some(Self::json(body)?));
        let thread = self.send(request).await?;
        snowflake(&thread["id"]).ok_or_else(|| RestError::Invalid("the thread has no id".into()))
    }

    /// Adds a member to a thread (`PUT /channels/{thread}/thread-members/{user}`).
    pub async fn add_thread_member(&self, thread: u64, user: u64) -> Result<(), RestError> {
        let route = Route::ChannelThreadMember {
            channel_id: ChannelId::new(thread.max(1)),
            user_id: UserId::new(user.max(1)),
        };
        self.send(Request::new(route, LightMethod::Put))
            .await
            .map(|_| ())
    }

    /// Replaces the application's commands, globally or in one guild (a
    /// bulk overwrite: running it twice changes nothing).
    pub async fn overwrite_commands(
        &self,
        guild: Option<u64>,
        commands: &Value,
    ) -> Result<Value, RestError> {
        let application_id = self.http.application_id().ok_or_else(|| {
            RestError::Invalid("the application id is needed to register commands".into())
        })?;
        let route = match guild {
            Some(guild) => Route::GuildCommands {
                application_id,
                guild_id: GuildId::new(guild.max(1)),
            },
            None => Route::Commands { application_id },
        };
        let request = Request::new(route, LightMethod::Put).body(Some(Self::json(commands)?));
        self.send(request).await
    }

    /// Who the bot is (`GET /users/@me`): a check of the token.
    pub async fn me(&self) -> Result<u64, RestError> {
        let user = self
            .send(Request::new(Route::UserMe, LightMethod::Get))
            .await?;
        snowflake(&user["id"]).ok_or_else(|| RestError::Invalid("the user has no id".into()))
    }
}

/// A message with files, as Discord takes it: `payload_json` with an
/// `attachments` entry per file, and the files as `files[n]`.
fn form(
    payload: &Value,
    files: &[kith_bot::reply::File],
) -> Result<reqwest::multipart::Form, RestError> {
    let mut payload = payload.clone();
    payload["attachments"] = Value::Array(
        files
            .iter()
            .enumerate()
            .map(|(i, f)| serde_json::json!({"id": i, "filename": f.name}))
            .collect(),
    );
    let mut form = reqwest::multipart::Form::new().text("payload_json", payload.to_string());
    for (i, file) in files.iter().enumerate() {
        let part = reqwest::multipart::Part::bytes(file.bytes.clone())
            .file_name(file.name.clone())
            .mime_str(&file.mime)
            .map_err(|e| RestError::Invalid(e.to_string()))?;
        form = form.part(format!("files[{i}]"), part);
    }
    Ok(form)
}

/// A snowflake as Discord sends it: a string of digits.
pub fn snowflake(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .filter(|id| *id != 0)
}

/// The id of a user, as Discord's API wants it in paths.
pub fn user_id(id: u64) -> Option<UserId> {
    (id != 0).then(|| UserId::new(id))
}

/// The longest a bucket's reset is believed: a header saying "in a
/// billion years" must not stall a route (nor overflow an `Instant`).
const MAX_RESET: Duration = Duration::from_secs(60 * 60);

/// Now plus `wait` (at most [`MAX_RESET`]): the numbers come from response
/// headers, so the sum is bounded rather than able to overflow.
fn after(wait: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(wait.min(MAX_RESET)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_from_a_header_never_overflows_an_instant() {
        for secs in [
            0.0,
            1.5,
            1e12,
            1e19,
            1.8e19,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
            -1.0,
        ] {
            let wait = Duration::try_from_secs_f64(f64::max(secs, 0.0)).unwrap_or_default();
            let at = after(wait);
            assert!(at <= Instant::now() + MAX_RESET, "{secs}");
        }
        assert!(after(Duration::MAX) > Instant::now());
    }
}
