//! Outbound messages: reminder and digest DMs, channel posts, and
//! conversations (an accepted introduction, a coffee pair) as private
//! threads in a channel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kith_bot::domain::Platform;
use kith_bot::ports::{DeliveryError, Destination, Found, Messenger, Recipient, Store};
use kith_bot::reply::Reply;
use serde_json::json;
use tracing::{info, instrument, warn};

use crate::render;
use crate::rest::{Rest, RestError};

/// Discord's error for a DM it will not deliver: the member blocks DMs
/// from the server, or has blocked the bot.
pub const CANNOT_DM: i64 = 50007;
/// Discord's error for a channel that does not exist (any more).
const UNKNOWN_CHANNEL: i64 = 10003;

/// Delivers the core's messages to Discord.
#[derive(Clone, Debug)]
pub struct DiscordMessenger {
    rest: Rest,
    /// DM channel per user: opening one is a request we need not repeat.
    dm_channels: Arc<Mutex<HashMap<u64, u64>>>,
    /// The thread started for a conversation (by delivery key) whose
    /// message is not posted yet: a retry after a failure part-way goes on
    /// in the same thread instead of starting another.
    threads: Arc<Mutex<HashMap<String, u64>>>,
    /// Where the threads are also kept, so a retry in the next process
    /// (after a crash) goes on in the same thread too.
    memory: Option<Memory>,
}

/// The store, as the messenger's memory of threads.
#[derive(Clone)]
struct Memory(Arc<dyn Store>);

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memory")
    }
}

/// How long Discord is known to drop a message whose nonce it has seen
/// (with `enforce_nonce`): "a few minutes"; we count on two.
pub const NONCE_WINDOW_SECONDS: i64 = 120;

/// Discord's limit on a thread's name.
const MAX_THREAD_NAME: usize = 100;
/// A private thread: only those added (and moderators) see it.
const PRIVATE_THREAD: u8 = 12;
/// Minutes without activity before a thread is archived (a week, the most).
const ARCHIVE_AFTER_MINUTES: u32 = 10_080;

/// The message nonce for a delivery key: stable across retries, at most 25
/// characters as Discord requires. With `enforce_nonce`, Discord drops a
/// second message with the same nonce sent within a few minutes, so a
/// retried delivery is not shown twice.
pub fn nonce(key: &str) -> String {
    // FNV-1a: stable across processes and versions, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("k{hash:016x}")
}

/// The memo key of a conversation's thread.
fn thread_memo(key: &str) -> String {
    format!("thread:{key}")
}

/// A thread name within Discord's limits.
fn thread_name(title: &str) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return "Kith".into();
    }
    if title.chars().count() <= MAX_THREAD_NAME {
        return title;
    }
    let mut name: String = title.chars().take(MAX_THREAD_NAME - 1).collect();
    name.push('…');
    name
}

/// A failure in a channel or thread: no member's DM settings involved.
fn channel_error(e: RestError) -> DeliveryError {
    if e.is_temporary() {
        DeliveryError::Temporary(e.to_string())
    } else {
        DeliveryError::Permanent(e.to_string())
    }
}

fn delivery_error(e: RestError) -> DeliveryError {
    match e.code() {
        Some(CANNOT_DM) => DeliveryError::Permanent(
            "Discord error 50007: your privacy settings don't allow DMs from this server's members, or Kith is blocked".into(),
        ),
        _ if e.is_temporary() => DeliveryError::Temporary(e.to_string()),
        _ => DeliveryError::Permanent(e.to_string()),
    }
}

impl DiscordMessenger {
    pub fn new(rest: Rest) -> DiscordMessenger {
        DiscordMessenger {
            rest,
            dm_channels: Arc::default(),
            threads: Arc::default(),
            memory: None,
        }
    }

    /// Keeps conversation threads in `store` as well as in memory.
    pub fn with_memory(mut self, store: Arc<dyn Store>) -> DiscordMessenger {
        self.memory = Some(Memory(store));
        self
    }

    /// The thread a conversation with `key` was started in, if any.
    async fn started_thread(&self, key: &str) -> Option<u64> {
        let known = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .copied();
        if known.is_some() {
            return known;
        }
        let memory = self.memory.as_ref()?;
        match memory.0.recall(Platform::Discord, &thread_memo(key)).await {
            Ok(thread) => thread.and_then(|t| t.parse().ok()),
            Err(e) => {
                warn!(error = %e, "could not recall a conversation's thread");
                None
            }
        }
    }

    /// Remembers the thread a conversation was started in. Without the
    /// store's copy a retry after a crash would start a second thread.
    async fn remember_thread(&self, key: &str, thread: u64) -> Result<(), DeliveryError> {
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), thread);
        if let Some(memory) = &self.memory {
            memory
                .0
                .remember(
                    Platform::Discord,
                    &thread_memo(key),
                    &thread.to_string(),
                    chrono::Utc::now(),
                )
                .await
                .map_err(|e| DeliveryError::Temporary(format!("could not keep the thread: {e}")))?;
        }
        Ok(())
    }

    async fn dm_channel(&self, user: u64) -> Result<u64, RestError> {
        let known = self
            .dm_channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user)
            .copied();
        if let Some(channel) = known {
            return Ok(channel);
        }
        let channel = self.rest.open_dm(user).await?;
        self.dm_channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user, channel);
        Ok(channel)
    }
}

fn id(text: &str, what: &str) -> Result<u64, DeliveryError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n != 0)
        .ok_or_else(|| DeliveryError::Permanent(format!("\"{text}\" is not a Discord {what} id")))
}

#[async_trait]
impl Messenger for DiscordMessenger {
    #[instrument(skip_all, fields(workspace = %to.workspace, user = %to.external_id))]
    async fn send_dm(
        &self,
        to: &Recipient,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError> {
        let user = id(&to.external_id, "user")?;
        let channel = self.dm_channel(user).await.map_err(delivery_error)?;
        let mut body = render::message(message, &to.workspace, false);
        body["nonce"] = nonce(key).into();
        body["enforce_nonce"] = true.into();
        match self.rest.create_message(channel, &body).await {
            Ok(_) => {
                info!("DM delivered");
                Ok(())
            }
            Err(e) if e.code() == Some(UNKNOWN_CHANNEL) => {
                // The remembered DM channel is gone: open a new one next time.
                self.dm_channels
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&user);
                Err(DeliveryError::Temporary(e.to_string()))
            }
            Err(e) => {
                warn!(error = %e, "DM not delivered");
                Err(delivery_error(e))
            }
        }
    }

    #[instrument(skip_all, fields(workspace = %workspace, channel = %channel))]
    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Reply,
    ) -> Result<(), DeliveryError> {
        self.post_keyed(workspace, channel, message, "").await
    }

    /// A channel post with the delivery's nonce, so a resend within
    /// Discord's nonce window is dropped rather than shown twice.
    #[instrument(skip_all, fields(workspace = %workspace, channel = %channel))]
    async fn post_keyed(
        &self,
        workspace: &str,
        channel: &str,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError> {
        let channel = id(channel, "channel")?;
        let mut body = render::message(message, workspace, false);
        if !key.is_empty() {
            body["nonce"] = nonce(key).into();
            body["enforce_nonce"] = true.into();
        }
        self.rest
            .create_message(channel, &body)
            .await
            .map(|_| ())
            .map_err(delivery_error)
    }

    /// Discord cannot be asked whether a message went out, but drops a
    /// resend with the same nonce within its nonce window: inside it the
    /// resend is safe. Beyond it (every sender down for minutes) a resend
    /// may show twice, and that is logged.
    async fn find_sent(
        &self,
        _to: Destination<'_>,
        key: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Found, DeliveryError> {
        let age = chrono::Utc::now() - since;
        if age > chrono::Duration::seconds(NONCE_WINDOW_SECONDS) {
            warn!(
                key,
                seconds = age.num_seconds(),
                "resending past Discord's nonce window: it may show twice"
            );
        }
        Ok(Found::CannotTell)
    }

    /// A private thread named `title` in `channel`, with the members added
    /// and `message` posted in it. The message mentions them so they are
    /// notified (only them: nobody else it names is pinged); its nonce
    /// keeps a resend from showing twice. Without a channel, `Ok(false)`:
    /// the core sends each member a DM instead.
    #[instrument(skip_all, fields(workspace = %workspace, members = members.len()))]
    async fn converse(
        &self,
        workspace: &str,
        members: &[Recipient],
        channel: Option<&str>,
        title: &str,
        message: &Reply,
        key: &str,
    ) -> Result<bool, DeliveryError> {
        let Some(channel) = channel else {
            return Ok(false);
        };
        let channel = id(channel, "channel")?;
        let users = members
            .iter()
            .map(|m| id(&m.external_id, "user"))
            .collect::<Result<Vec<u64>, _>>()?;
        let thread = match self.started_thread(key).await {
            Some(thread) => thread,
            None => {
                let body = json!({
                    "name": thread_name(title),
                    "type": PRIVATE_THREAD,
                    "invitable": false,
                    "auto_archive_duration": ARCHIVE_AFTER_MINUTES,
                });
                let thread = self.rest.create_thread(channel, &body).await.map_err(|e| {
                    warn!(error = %e, "could not start a thread");
                    channel_error(e)
                })?;
                self.remember_thread(key, thread).await?;
                thread
            }
        };
        for user in &users {
            self.rest
                .add_thread_member(thread, *user)
                .await
                .map_err(|e| {
                    warn!(error = %e, "could not add a member to the thread");
                    channel_error(e)
                })?;
        }
        let mut body = render::message(message, workspace, false);
        body["allowed_mentions"] = json!({
            "parse": [],
            "users": users.iter().map(u64::to_string).collect::<Vec<_>>(),
        });
        body["nonce"] = nonce(key).into();
        body["enforce_nonce"] = true.into();
        self.rest.create_message(thread, &body).await.map_err(|e| {
            warn!(error = %e, "could not post in the thread");
            channel_error(e)
        })?;
        // The store keeps its copy: a resend of this row (its sender died
        // before settling it) goes to this thread, where the nonce drops it.
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        info!("conversation started in a private thread");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_stable_short_and_differs_per_key() {
        assert_eq!(
            nonce("reminder:1:2026-11-23"),
            nonce("reminder:1:2026-11-23")
        );
        assert_ne!(
            nonce("reminder:1:2026-11-23"),
            nonce("reminder:1:2026-11-24")
        );
        assert!(nonce("x").len() <= 25);
        assert_eq!(nonce(""), "kcbf29ce484222325");
    }

    #[test]
    fn a_thread_name_fits_discords_limit() {
        assert_eq!(thread_name("Alice & Bob"), "Alice & Bob");
        assert_eq!(thread_name("  "), "Kith");
        let long = thread_name(&"x".repeat(300));
        assert_eq!(long.chars().count(), MAX_THREAD_NAME);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn error_50007_is_permanent_and_outages_are_temporary() {
        let cannot = RestError::Discord {
            status: 403,
            code: CANNOT_DM,
            message: "Cannot send messages to this user".into(),
        };
        assert!(
            matches!(delivery_error(cannot), DeliveryError::Permanent(m) if m.contains("50007"))
        );
        let outage = RestError::Discord {
            status: 502,
            code: 0,
            message: String::new(),
        };
        assert!(matches!(
            delivery_error(outage),
            DeliveryError::Temporary(_)
        ));
        let throttled = RestError::Throttled(std::time::Duration::from_secs(600));
        assert!(matches!(
            delivery_error(throttled),
            DeliveryError::Temporary(_)
        ));
    }
}
