//! Slack's Web API through slack-morphism: the right token for each team,
//! Slack's rate limits kept on our side, and every 429 honoured with its
//! `Retry-After`. Also the outbound port: [`Messenger`] for reminders,
//! digests and community notices as Block Kit DMs, channel posts and group DMs.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use kith_bot::domain::{Platform, Secret};
use kith_bot::ports::{
    Clock, DeliveryError, Destination, Found, Messenger, Recipient, Store, SystemClock,
};
use kith_bot::reply::Reply;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tracing::{debug, warn};

use crate::blocks;

/// The client type the adapter uses: slack-morphism over hyper-rustls.
pub type Client = SlackClient<SlackClientHyperHttpsConnector>;

/// Builds a slack-morphism client for `api_url` (Slack's, or a local fake:
/// plain `http://` is allowed so tests can run on loopback).
pub fn client(api_url: &str) -> Client {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    let connector = SlackClientHyperConnector::with_connector(https)
        .with_slack_api_url(api_url.trim_end_matches('/'));
    SlackClient::new(connector)
}

/// How a Web API call failed, in the terms callers act on.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Kith has no token for this team (never installed, or uninstalled).
    #[error("Kith is not installed in Slack team {0}")]
    NotInstalled(String),
    /// Slack kept answering 429 for longer than we wait in one call.
    #[error("{method} is rate limited; retry after {retry_after:?}")]
    RateLimited {
        method: &'static str,
        retry_after: Duration,
    },
    /// Slack answered `ok: false` with this error code.
    #[error("{method} failed: {code}")]
    Api { method: &'static str, code: String },
    /// Anything else: the network, Slack's availability, our store.
    #[error("{method} failed: {detail}")]
    Other {
        method: &'static str,
        detail: String,
        temporary: bool,
    },
}

/// Slack error codes after which a DM will never go through.
const PERMANENT_CODES: &[&str] = &[
    "account_inactive",
    "cannot_dm_bot",
    "channel_not_found",
    "invalid_auth",
    "invalid_blocks",
    "is_archived",
    "messages_tab_disabled",
    "missing_scope",
    "msg_too_long",
    "no_permission",
    "not_authed",
    "not_in_channel",
    "restricted_action",
    "team_access_not_granted",
    "token_expired",
    "token_revoked",
    "user_disabled",
    "user_not_found",
    "user_not_visible",
];

impl From<CallError> for DeliveryError {
    fn from(e: CallError) -> DeliveryError {
        let text = e.to_string();
        match e {
            CallError::NotInstalled(_) => DeliveryError::Permanent(text),
            CallError::RateLimited { .. } => DeliveryError::Temporary(text),
            CallError::Api { code, .. } if PERMANENT_CODES.contains(&code.as_str()) => {
                DeliveryError::Permanent(text)
            }
            CallError::Api { .. } => DeliveryError::Temporary(text),
            CallError::Other { temporary, .. } => {
                if temporary {
                    DeliveryError::Temporary(text)
                } else {
                    DeliveryError::Permanent(text)
                }
            }
        }
    }
}

fn classify(method: &'static str, e: SlackClientError) -> CallError {
    match e {
        SlackClientError::ApiError(api) => CallError::Api {
            method,
            code: api.code,
        },
        SlackClientError::RateLimitError(rl) => CallError::RateLimited {
            method,
            retry_after: rl.retry_after.unwrap_or(Duration::from_secs(1)),
        },
        SlackClientError::HttpError(http) => CallError::Other {
            method,
            detail: format!("HTTP {}", http.status_code),
            temporary: http.status_code.is_server_error() || http.status_code.as_u16() == 408,
        },
        other => CallError::Other {
            method,
            // slack-morphism's errors carry response bodies, never our tokens.
            detail: other.to_string(),
            temporary: true,
        },
    }
}

/// Limits on our side, so Slack rarely has to say 429.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Messages per second per channel (Slack: about 1).
    pub per_channel_per_second: NonZeroU32,
    /// Tier 3 methods per minute per team (conversations.open, chat.update).
    pub tier3_per_minute: NonZeroU32,
    /// Tier 4 methods per minute per team (users.info).
    pub tier4_per_minute: NonZeroU32,
    /// The longest `Retry-After` one call waits out before it gives the
    /// work back as a temporary failure (the sender retries it later).
    pub max_wait: Duration,
    /// How many 429s one call waits out.
    pub max_retries: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_channel_per_second: NonZeroU32::MIN,
            tier3_per_minute: NonZeroU32::new(50).unwrap_or(NonZeroU32::MIN),
            tier4_per_minute: NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN),
            max_wait: Duration::from_secs(30),
            max_retries: 3,
        }
    }
}

/// What users.info told us about a member, kept a while.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: Option<String>,
    pub tz: Option<chrono_tz::Tz>,
    /// A workspace admin or owner (`is_admin || is_owner`): may change the
    /// community settings.
    pub admin: bool,
    /// The member's own workspace (`team_id`): another one's for someone
    /// from a shared (Slack Connect) channel.
    pub team: Option<String>,
    /// A deactivated account or a bot: not someone to log a favour with.
    pub inactive: bool,
}

const PROFILE_TTL: Duration = Duration::from_secs(6 * 60 * 60);
/// How long a failed users.info is not retried (e.g. a missing scope).
const PROFILE_FAILURE_TTL: Duration = Duration::from_secs(10 * 60);

/// users.info answers per (team, user), each with when to ask again.
type Profiles = HashMap<(String, String), (Option<Profile>, Instant)>;

/// How long downloading a shared file may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Past this many channels, the per-channel limiter forgets idle ones.
const LIMITER_KEYS: usize = 10_000;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned cache only means a panic elsewhere; the entries are fine.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Slack's Web API for every team Kith is installed in.
pub struct SlackWeb {
    client: Arc<Client>,
    store: Arc<dyn Store>,
    default_token: Option<Secret>,
    limits: Limits,
    per_channel: DefaultKeyedRateLimiter<String>,
    tier3: DefaultKeyedRateLimiter<String>,
    tier4: DefaultKeyedRateLimiter<String>,
    /// users.info answers, each with when to ask again.
    profiles: Mutex<Profiles>,
    /// Per team, until when Slack asked (429) not to call users.info.
    profiles_paused: Mutex<HashMap<String, Instant>>,
    /// DM channel per (team, user): conversations.open is Tier 3, and a
    /// member's DM channel does not change.
    dm_channels: Mutex<HashMap<(String, String), SlackChannelId>>,
    /// Per (team, method), the end of the latest Retry-After Slack gave:
    /// no call to that method goes out before it, whoever makes it.
    throttled: Mutex<HashMap<(String, &'static str), chrono::DateTime<chrono::Utc>>>,
    /// The time the Retry-After windows are kept in (injected in tests).
    clock: Arc<dyn Clock>,
    /// Plain HTTPS, for downloading files members share with Kith.
    http: reqwest::Client,
}

impl SlackWeb {
    pub fn new(
        client: Arc<Client>,
        store: Arc<dyn Store>,
        default_token: Option<Secret>,
        limits: Limits,
    ) -> SlackWeb {
        SlackWeb {
            client,
            store,
            default_token,
            per_channel: RateLimiter::keyed(Quota::per_second(limits.per_channel_per_second)),
            tier3: RateLimiter::keyed(Quota::per_minute(limits.tier3_per_minute)),
            tier4: RateLimiter::keyed(Quota::per_minute(limits.tier4_per_minute)),
            limits,
            profiles: Mutex::new(HashMap::new()),
            profiles_paused: Mutex::new(HashMap::new()),
            dm_channels: Mutex::new(HashMap::new()),
            throttled: Mutex::new(HashMap::new()),
            clock: Arc::new(SystemClock),
            http: reqwest::Client::builder()
                .timeout(DOWNLOAD_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Keeps Retry-After windows in `clock`'s time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> SlackWeb {
        self.clock = clock;
        self
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The bot token for `team`: its installation, or the configured
    /// single-workspace token.
    pub async fn token(&self, team: &str) -> Result<SlackApiToken, CallError> {
        let installed = self
            .store
            .installation(Platform::Slack, team)
            .await
            .map_err(|e| CallError::Other {
                method: "installation",
                detail: e.to_string(),
                temporary: true,
            })?;
        let secret = match installed {
            Some(installation) => installation.bot_token,
            None => self
                .default_token
                .clone()
                .ok_or_else(|| CallError::NotInstalled(team.to_string()))?,
        };
        Ok(
            SlackApiToken::new(SlackApiTokenValue(secret.expose().to_string()))
                .with_team_id(SlackTeamId(team.to_string())),
        )
    }

    /// Runs one Web API call for `team`, waiting out each 429 for its
    /// Retry-After (up to the limits), so a throttled call is delayed, not
    /// lost. A Retry-After holds for every call to the method in the team
    /// until it ends: no call goes out inside the window, and a call that
    /// would have to wait longer than we wait in one call fails at once.
    async fn call<T, F, Fut>(
        &self,
        team: &str,
        method: &'static str,
        attempt: F,
    ) -> Result<T, CallError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ClientResult<T>>,
    {
        let key = (team.to_string(), method);
        let mut retries = 0;
        loop {
            let until = lock(&self.throttled).get(&key).copied();
            let now = self.clock.now();
            if let Some(wait) = until.and_then(|t| (t - now).to_std().ok()) {
                if wait > self.limits.max_wait {
                    return Err(CallError::RateLimited {
                        method,
                        retry_after: wait,
                    });
                }
                debug!(method, ?wait, "inside a Retry-After window; waiting");
                tokio::time::sleep(wait).await;
                kith_bot::observe::rate_limit_wait(Platform::Slack, wait);
            }
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(e) => match classify(method, e) {
                    CallError::RateLimited { retry_after, .. } => {
                        kith_bot::observe::rate_limited(Platform::Slack);
                        let until = self.clock.now()
                            + chrono::Duration::from_std(retry_after)
                                .unwrap_or(chrono::Duration::MAX);
                        let mut throttled = lock(&self.throttled);
                        let entry = throttled.entry(key.clone()).or_insert(until);
                        *entry = (*entry).max(until);
                        drop(throttled);
                        if retries >= self.limits.max_retries || retry_after > self.limits.max_wait
                        {
                            return Err(CallError::RateLimited {
                                method,
                                retry_after,
                            });
                        }
                        retries += 1;
                        warn!(method, ?retry_after, retries, "Slack said 429; waiting");
                    }
                    other => return Err(other),
                },
            }
        }
    }

    /// Opens (or finds) the DM channel with a member.
    pub async fn open_dm(&self, team: &str, user: &str) -> Result<SlackChannelId, CallError> {
        let key = (team.to_string(), user.to_string());
        if let Some(channel) = lock(&self.dm_channels).get(&key) {
            return Ok(channel.clone());
        }
        let channel = self.open_conversation(team, &[user]).await?;
        lock(&self.dm_channels).insert(key, channel.clone());
        Ok(channel)
    }

    /// conversations.open with `users` as Slack documents it, the ids
    /// comma-separated: one user opens the DM with Kith, several a group
    /// DM (mpim) of them and Kith. Slack returns the same conversation for
    /// the same people, so opening again is harmless.
    pub async fn open_conversation(
        &self,
        team: &str,
        users: &[&str],
    ) -> Result<SlackChannelId, CallError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        // slack-morphism's request sends `users` as a JSON array; Slack's
        // reference has a comma-separated string.
        let request = serde_json::json!({ "users": users.join(",") });
        self.tier3.until_key_ready(&team.to_string()).await;
        let opened: SlackApiConversationsOpenResponse<SlackBasicChannelInfo> = self
            .call(team, "conversations.open", || {
                session
                    .http_session_api
                    .http_post("conversations.open", &request, None)
            })
            .await?;
        Ok(opened.channel.id)
    }

    /// Posts a message, at most one a second per channel.
    pub async fn post_message(
        &self,
        team: &str,
        channel: &SlackChannelId,
        content: SlackMessageContent,
    ) -> Result<SlackTs, CallError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        let request = SlackApiChatPostMessageRequest::new(channel.clone(), content);
        if self.per_channel.len() > LIMITER_KEYS {
            self.per_channel.retain_recent();
        }
        self.per_channel
            .until_key_ready(&format!("{team}/{}", channel.0))
            .await;
        let posted = self
            .call(team, "chat.postMessage", || {
                session.chat_post_message(&request)
            })
            .await?;
        Ok(posted.ts)
    }

    /// Replaces a message Kith posted.
    pub async fn update_message(
        &self,
        team: &str,
        channel: &SlackChannelId,
        ts: &SlackTs,
        content: SlackMessageContent,
    ) -> Result<(), CallError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        let request = SlackApiChatUpdateRequest::new(channel.clone(), content, ts.clone());
        self.tier3.until_key_ready(&team.to_string()).await;
        self.call(team, "chat.update", || session.chat_update(&request))
            .await?;
        Ok(())
    }

    /// Answers through an interaction's `response_url` (no token needed).
    pub async fn respond(
        &self,
        response_url: &SlackResponseUrl,
        request: &SlackApiPostWebhookMessageRequest,
    ) -> Result<(), CallError> {
        self.call("", "response_url", || {
            self.client.respond_to_event(response_url, request)
        })
        .await?;
        Ok(())
    }

    /// views.publish: shows `view` (a Home tab, as JSON) to `user`, within
    /// Tier 4 for the team.
    pub async fn publish_view(
        &self,
        team: &str,
        user: &str,
        view: &serde_json::Value,
    ) -> Result<(), CallError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        let request = serde_json::json!({ "user_id": user, "view": view });
        self.tier4.until_key_ready(&team.to_string()).await;
        let _: serde_json::Value = self
            .call(team, "views.publish", || {
                session
                    .http_session_api
                    .http_post("views.publish", &request, None)
            })
            .await?;
        Ok(())
    }

    /// views.open: opens `view` (a modal, as JSON) for the interaction
    /// whose `trigger_id` is given (valid for 3 seconds).
    pub async fn open_view(
        &self,
        team: &str,
        trigger_id: &str,
        view: &serde_json::Value,
    ) -> Result<(), CallError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        let request = serde_json::json!({ "trigger_id": trigger_id, "view": view });
        let _: serde_json::Value = self
            .call(team, "views.open", || {
                session
                    .http_session_api
                    .http_post("views.open", &request, None)
            })
            .await?;
        Ok(())
    }

    /// A member's name, time zone and admin flag from users.info, cached
    /// for hours and kept within Tier 4. `None` when Slack cannot tell us
    /// right now; a command goes ahead without it.
    pub async fn profile(&self, team: &str, user: &str) -> Option<Profile> {
        let key = (team.to_string(), user.to_string());
        if let Some((profile, until)) = self.lock_profiles().get(&key)
            && Instant::now() < *until
        {
            return profile.clone();
        }
        if lock(&self.profiles_paused)
            .get(team)
            .is_some_and(|until| Instant::now() < *until)
        {
            // Slack said 429 a moment ago: not for anyone in this team, yet.
            return None;
        }
        if self.tier4.check_key(&team.to_string()).is_err() {
            // Over Tier 4: go ahead without the profile rather than wait.
            return None;
        }
        self.look_up(team, user).await
    }

    /// The member's profile as Slack has it now, not from the cache: what
    /// an `admin` command is allowed on, so a member who is no longer an
    /// admin is not one for hours. Waits for Tier 4 rather than refuse.
    pub async fn fresh_profile(&self, team: &str, user: &str) -> Option<Profile> {
        self.tier4.until_key_ready(&team.to_string()).await;
        self.look_up(team, user).await
    }

    /// users.info, remembered (a failure too, for a while).
    async fn look_up(&self, team: &str, user: &str) -> Option<Profile> {
        let key = (team.to_string(), user.to_string());
        let token = match self.token(team).await {
            Ok(token) => token,
            Err(e) => {
                debug!(error = %e, "no token to look up a member");
                return None;
            }
        };
        let session = self.client.open_session(&token);
        let request = SlackApiUsersInfoRequest::new(SlackUserId(user.into()));
        let info = match self
            .call(team, "users.info", || session.users_info(&request))
            .await
        {
            Ok(info) => info.user,
            Err(e) => {
                // CallError carries the method and Slack's code, never the token.
                warn!(error = %e, "could not look up a member");
                if let CallError::RateLimited { retry_after, .. } = e {
                    // Slack's number: bounded, so the sum cannot overflow.
                    let now = Instant::now();
                    let until = now
                        .checked_add(retry_after.min(PROFILE_FAILURE_TTL))
                        .unwrap_or(now);
                    lock(&self.profiles_paused).insert(team.to_string(), until);
                }
                self.lock_profiles()
                    .insert(key, (None, Instant::now() + PROFILE_FAILURE_TTL));
                return None;
            }
        };
        let name = info
            .profile
            .as_ref()
            .and_then(|p| p.display_name.clone())
            .filter(|n| !n.trim().is_empty())
            .or(info.real_name.clone())
            .or(info.name.clone());
        let tz = info
            .tz
            .as_deref()
            .and_then(|tz| chrono_tz::Tz::from_str(tz).ok());
        let admin = info.flags.is_admin == Some(true) || info.flags.is_owner == Some(true);
        let profile = Profile {
            name,
            tz,
            admin,
            team: info.team_id.as_ref().map(|t| t.0.clone()),
            inactive: info.deleted == Some(true) || info.flags.is_bot == Some(true),
        };
        self.lock_profiles()
            .insert(key, (Some(profile.clone()), Instant::now() + PROFILE_TTL));
        Some(profile)
    }

    /// Forgets what is cached about a team (uninstalled, tokens revoked, reinstalled).
    pub fn forget_team(&self, team: &str) {
        self.lock_profiles().retain(|(t, _), _| t != team);
        lock(&self.dm_channels).retain(|(t, _), _| t != team);
    }

    fn lock_profiles(&self) -> std::sync::MutexGuard<'_, Profiles> {
        lock(&self.profiles)
    }

    /// Sends a file to a member privately: into their DM with Kith
    /// (files.getUploadURLExternal, the upload, files.completeUploadExternal).
    pub async fn send_file(
        &self,
        team: &str,
        user: &str,
        name: &str,
        mime: &str,
        bytes: &[u8],
    ) -> Result<(), CallError> {
        let channel = self.open_dm(team, user).await?;
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        self.tier4.until_key_ready(&team.to_string()).await;
        let target = SlackApiFilesGetUploadUrlExternalRequest::new(name.to_string(), bytes.len());
        let target = self
            .call(team, "files.getUploadURLExternal", || {
                session.get_upload_url_external(&target)
            })
            .await?;
        let upload = SlackApiFilesUploadViaUrlRequest::new(
            target.upload_url.clone(),
            bytes.to_vec(),
            mime.to_string(),
        );
        self.call(team, "files.upload", || {
            session.files_upload_via_url(&upload)
        })
        .await?;
        let complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
            SlackApiFilesComplete::new(target.file_id.clone()).with_title(name.to_string()),
        ])
        .with_channel_id(channel);
        self.tier4.until_key_ready(&team.to_string()).await;
        self.call(team, "files.completeUploadExternal", || {
            session.files_complete_upload_external(&complete)
        })
        .await?;
        Ok(())
    }

    /// Downloads a file a member shared with Kith (its
    /// `url_private_download`), with the team's bot token as Slack requires,
    /// refusing more than `max` bytes. The token goes only to an `https`
    /// URL (or plain `http` on loopback, for tests) and never into an error.
    pub async fn download(&self, team: &str, url: &str, max: u64) -> Result<Vec<u8>, CallError> {
        const METHOD: &str = "file download";
        let failed = |detail: String, temporary: bool| CallError::Other {
            method: METHOD,
            detail,
            temporary,
        };
        let url = url::Url::parse(url).map_err(|_| failed("not a file URL".into(), false))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(failed("the file URL is not https".into(), false));
        }
        let token = self.token(team).await?;
        let mut response = self
            .http
            .get(url)
            .bearer_auth(&token.token_value.0)
            .send()
            .await
            .map_err(|e| failed(e.without_url().to_string(), true))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(
                format!("HTTP {status}"),
                status.is_server_error() || status.as_u16() == 429,
            ));
        }
        let html = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if html {
            // Slack's sign-in page: the token may not read files (files:read).
            return Err(failed(
                "Slack answered with a web page instead of the file (is the files:read scope granted?)"
                    .into(),
                false,
            ));
        }
        if response.content_length().is_some_and(|n| n > max) {
            return Err(failed(format!("the file is over {max} bytes"), false));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failed(e.without_url().to_string(), true))?
        {
            // Checked before the piece is kept: never more than `max` held.
            if (bytes.len() as u64).saturating_add(chunk.len() as u64) > max {
                return Err(failed(format!("the file is over {max} bytes"), false));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Whether a message Kith posted with delivery `key` in its metadata
    /// is in `channel` since `since` (conversations.history with
    /// `include_all_metadata`; needs the channel type's `*:history` scope).
    pub async fn find_keyed(
        &self,
        team: &str,
        channel: &SlackChannelId,
        key: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, CallError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        // A minute's slack for clocks that disagree.
        let oldest = format!("{}.000000", (since.timestamp() - 60).max(0));
        let limit = HISTORY_PAGE.to_string();
        let yes = "true".to_string();
        let mut cursor: Option<String> = None;
        for _ in 0..HISTORY_PAGES {
            let params = vec![
                ("channel", Some(&channel.0)),
                ("oldest", Some(&oldest)),
                ("limit", Some(&limit)),
                ("include_all_metadata", Some(&yes)),
                ("cursor", cursor.as_ref()),
            ];
            self.tier3.until_key_ready(&team.to_string()).await;
            let page: serde_json::Value = self
                .call(team, "conversations.history", || {
                    session
                        .http_session_api
                        .http_get("conversations.history", &params, None)
                })
                .await?;
            let messages = page["messages"].as_array().into_iter().flatten();
            if messages
                .filter(|m| m["metadata"]["event_type"] == DELIVERY_EVENT)
                .any(|m| m["metadata"]["event_payload"]["key"] == key)
            {
                return Ok(true);
            }
            cursor = page["response_metadata"]["next_cursor"]
                .as_str()
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            if cursor.is_none() {
                break;
            }
        }
        Ok(false)
    }

    /// Exchanges an OAuth code for the team's bot token (oauth.v2.access).
    pub async fn oauth_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
    ) -> Result<SlackOAuthV2AccessTokenResponse, CallError> {
        let request = SlackOAuthV2AccessTokenRequest::new(
            SlackClientId(client_id.into()),
            SlackClientSecret(client_secret.expose().into()),
            SlackOAuthCode(code.into()),
        );
        self.call("", "oauth.v2.access", || {
            self.client.oauth2_access(&request)
        })
        .await
    }
}

/// The metadata event type that marks a message as an outbox delivery.
pub const DELIVERY_EVENT: &str = "kith_delivery";
/// Messages per conversations.history page, and pages looked through.
const HISTORY_PAGE: u16 = 200;
const HISTORY_PAGES: usize = 5;

/// The message with the delivery's key in its metadata, so a later
/// attempt can find out whether this one went out.
fn keyed(message: &Reply, key: &str) -> SlackMessageContent {
    let mut content = blocks::render(message);
    content.metadata = Some(SlackMessageMetadata {
        event_type: DELIVERY_EVENT.into(),
        event_payload: Some(HashMap::from([("key".to_string(), key.to_string())])),
    });
    content
}

#[async_trait]
impl Messenger for SlackWeb {
    /// conversations.open, then chat.postMessage with the reply as Block
    /// Kit and the delivery key in the message's metadata.
    async fn send_dm(
        &self,
        to: &Recipient,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError> {
        // Slack has no idempotency key for chat.postMessage: the key in the
        // metadata lets a later attempt find this one (`find_sent`).
        let channel = self.open_dm(&to.workspace, &to.external_id).await?;
        let posted = self
            .post_message(&to.workspace, &channel, keyed(message, key))
            .await;
        if let Err(e) = posted {
            // Open the DM afresh next time, in case the channel is gone.
            lock(&self.dm_channels).remove(&(to.workspace.clone(), to.external_id.clone()));
            return Err(e.into());
        }
        Ok(())
    }

    /// chat.postMessage to a channel by its id. With `chat:write.public`
    /// Kith posts to a public channel it has not joined; a private channel
    /// needs Kith invited.
    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Reply,
    ) -> Result<(), DeliveryError> {
        self.post_content(workspace, channel, blocks::render(message))
            .await
    }

    async fn post_keyed(
        &self,
        workspace: &str,
        channel: &str,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError> {
        self.post_content(workspace, channel, keyed(message, key))
            .await
    }

    /// A group DM of the members and Kith: conversations.open with their
    /// ids, then chat.postMessage there. `channel` and `title` are for
    /// Discord's threads; Slack always uses a group DM. `Ok(false)` when
    /// Slack cannot open one for them (too few or too many people, a scope
    /// the installation lacks, someone who cannot be messaged): the core
    /// then DMs each of them instead.
    async fn converse(
        &self,
        workspace: &str,
        members: &[Recipient],
        _channel: Option<&str>,
        _title: &str,
        message: &Reply,
        key: &str,
    ) -> Result<bool, DeliveryError> {
        let users: Vec<&str> = members.iter().map(|m| m.external_id.as_str()).collect();
        if !(2..=MAX_GROUP_DM).contains(&users.len()) {
            debug!(
                people = users.len(),
                "no group DM for this many; DMs instead"
            );
            return Ok(false);
        }
        let channel = match self.open_conversation(workspace, &users).await {
            Ok(channel) => channel,
            Err(CallError::Api { code, .. }) if NO_GROUP_CODES.contains(&code.as_str()) => {
                warn!(%code, "could not open a group DM; sending DMs instead");
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        self.post_message(workspace, &channel, keyed(message, key))
            .await?;
        Ok(true)
    }

    /// Looks for the key in the metadata of the conversation's messages
    /// since the attempt began.
    async fn find_sent(
        &self,
        to: Destination<'_>,
        key: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Found, DeliveryError> {
        let (team, channel) = match to {
            Destination::Dm(to) => (
                to.workspace.as_str(),
                self.open_dm(&to.workspace, &to.external_id).await?,
            ),
            Destination::Channel { workspace, channel } => {
                (workspace, SlackChannelId(channel.to_string()))
            }
            Destination::Conversation {
                workspace, members, ..
            } => {
                let users: Vec<&str> = members.iter().map(|m| m.external_id.as_str()).collect();
                if !(2..=MAX_GROUP_DM).contains(&users.len()) {
                    return Ok(Found::NotSent);
                }
                match self.open_conversation(workspace, &users).await {
                    Ok(channel) => (workspace, channel),
                    Err(CallError::Api { code, .. }) if NO_GROUP_CODES.contains(&code.as_str()) => {
                        return Ok(Found::NotSent);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        match self.find_keyed(team, &channel, key, since).await {
            Ok(true) => Ok(Found::Sent),
            Ok(false) => Ok(Found::NotSent),
            Err(CallError::Api { code, .. }) if code == "missing_scope" => {
                warn!("cannot read the conversation's history (missing scope); sending again");
                Ok(Found::CannotTell)
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl SlackWeb {
    async fn post_content(
        &self,
        workspace: &str,
        channel: &str,
        content: SlackMessageContent,
    ) -> Result<(), DeliveryError> {
        let posted = self
            .post_message(workspace, &SlackChannelId(channel.into()), content)
            .await;
        if let Err(CallError::Api { code, .. }) = &posted
            && matches!(code.as_str(), "not_in_channel" | "channel_not_found")
        {
            warn!(
                channel,
                code, "cannot post in the channel: if it is private, invite Kith to it"
            );
        }
        posted?;
        Ok(())
    }
}

/// The most people besides Kith in a Slack group DM.
const MAX_GROUP_DM: usize = 8;

/// conversations.open errors after which a group DM will not open for
/// these people, but one DM each may still reach them: an installation
/// from before `mpim:write` was asked for, someone deactivated or hidden.
const NO_GROUP_CODES: &[&str] = &[
    "missing_scope",
    "cannot_dm_bot",
    "user_disabled",
    "user_not_found",
    "user_not_visible",
    "too_many_users",
    "not_enough_users",
];
