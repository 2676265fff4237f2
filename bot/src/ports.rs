//! The core's ports: how it reaches the store, the platforms and the time.
//! Adapters and the storage crate implement these; the core never names a
//! platform or SQL type.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::domain::{
    Contact, ContactChange, ContactDraft, ContactId, ContactRef, Entry, Installation, Member,
    MemberId, Platform, Scope, WorkspaceId,
};
use crate::reply::Reply;

/// The source of "now". Injected everywhere so every rule about time can be
/// tested without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that follows the system clock until it is set, then stands still
/// until it is set again or advanced: the console's simulated clock, and the
/// tests' clock.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    fixed: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl ManualClock {
    /// A clock standing at `t`.
    pub fn at(t: DateTime<Utc>) -> ManualClock {
        let clock = ManualClock::default();
        clock.set(t);
        clock
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.lock() = Some(t);
    }

    /// Moves the clock forward by `by` (from the system time if it was not set).
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        let mut fixed = self.lock();
        let next = fixed.unwrap_or_else(Utc::now) + by;
        *fixed = Some(next);
        next
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<DateTime<Utc>>> {
        // A poisoned lock only means a panic elsewhere; the time inside is fine.
        self.fixed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().unwrap_or_else(Utc::now)
    }
}

/// What `Store::record` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The contact after the entry was logged.
    pub contact: Contact,
    /// Whether the contact was added to the network to log this entry.
    pub added: bool,
}

/// Persistence of workspaces, members and each member's private network.
///
/// Every method that reads or writes a network takes a [`Scope`]; an
/// implementation must never return or change rows outside it.
#[async_trait]
pub trait Store: Send + Sync {
    /// Finds or creates the workspace with this platform id.
    async fn workspace(
        &self,
        platform: Platform,
        external_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<WorkspaceId>;

    /// Finds or creates a member; a new `display_name` replaces the old
    /// one, and a time zone from the platform (`tz_hint`) replaces one that
    /// the member has not chosen themselves.
    async fn member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
        display_name: &str,
        tz_hint: Option<chrono_tz::Tz>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Member>;

    /// Finds a member without creating one.
    async fn find_member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>>;

    /// Records that the member has seen the welcome.
    async fn mark_welcomed(&self, workspace: WorkspaceId, member: MemberId) -> anyhow::Result<()>;

    /// Deletes a workspace and everything in it (members, networks,
    /// installation). Returns whether there was one.
    async fn forget_workspace(&self, platform: Platform, external_id: &str)
    -> anyhow::Result<bool>;

    /// Stores the bot's installation in a workspace, replacing any earlier one.
    async fn save_installation(
        &self,
        platform: Platform,
        external_id: &str,
        installation: &Installation,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// The bot's installation in a workspace, if any.
    async fn installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<Option<Installation>>;

    /// Forgets the bot's installation in a workspace (tokens revoked), keeping its data.
    async fn remove_installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<()>;

    /// Records an inbound event id; `true` the first time it is seen, `false`
    /// for a retry or redelivery that must not be processed again.
    async fn first_sighting(
        &self,
        platform: Platform,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Finds a contact in the scope's network.
    async fn find_contact(&self, scope: Scope, who: &ContactRef)
    -> anyhow::Result<Option<Contact>>;

    /// Adds a contact, or if they are already in the network returns `None`
    /// and changes nothing. Mentioned members are created as needed.
    async fn add_contact(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Contact>>;

    /// Logs an entry about a contact, adding the contact from `draft` first
    /// if they are not in the network yet; all or nothing.
    async fn record(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Recorded>;

    /// Finds a contact in the scope's network by id.
    async fn contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<Option<Contact>>;

    /// Logs an entry about a contact already in the scope's network; returns
    /// the contact after it.
    async fn log_entry(
        &self,
        scope: Scope,
        id: ContactId,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Contact>;

    /// Changes a contact's settings; returns the contact after the change.
    async fn change_contact(
        &self,
        scope: Scope,
        id: ContactId,
        change: &ContactChange,
    ) -> anyhow::Result<Contact>;

    /// Removes a contact and everything logged about them; returns how many
    /// entries went with them.
    async fn remove_contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<u64>;

    /// The whole network of the scope's member.
    async fn contacts(&self, scope: Scope) -> anyhow::Result<Vec<Contact>>;

    /// Entries about one contact, latest first.
    async fn history(&self, scope: Scope, id: ContactId, limit: u32) -> anyhow::Result<Vec<Entry>>;
}

/// Who a direct message goes to, with what the adapter needs to reach them
/// and show when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub platform: Platform,
    /// The platform's id of the member's workspace (Slack team, Discord guild).
    pub workspace: String,
    pub external_id: String,
    pub display_name: String,
    pub tz: chrono_tz::Tz,
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later (network trouble, rate limit, outage).
    #[error("temporary delivery failure: {0}")]
    Temporary(String),
    /// Will never succeed (the user blocks DMs, left the workspace).
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// Outbound messages to a platform.
#[async_trait]
pub trait Messenger: Send + Sync {
    /// Sends a direct message to one member. `key` is stable across retries
    /// of the same delivery (e.g. a Discord nonce), so a platform that can
    /// drop a resend does.
    async fn send_dm(
        &self,
        to: &Recipient,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError>;

    /// Posts to a channel of a workspace (by the platform's channel id).
    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Reply,
    ) -> Result<(), DeliveryError>;
}
