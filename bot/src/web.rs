//! The member's private web page, as the core sees it: a one-time link
//! (random, kept only as a SHA-256, valid 15 minutes and once, bound to one
//! member of one workspace) opens a session of seven days. The page itself
//! is an adapter (`kith-web`); nothing here knows HTML or HTTP.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{Platform, Scope};

/// How long a link from `web` can be opened.
pub fn link_lifetime() -> Duration {
    Duration::minutes(15)
}

/// How long a session opened by a link lasts.
pub fn session_lifetime() -> Duration {
    Duration::days(7)
}

/// A fresh random token: 256 bits from the operating system's generator,
/// as 64 hex digits (safe in a URL and a cookie).
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the store keeps of a token: its SHA-256, in hex. A token is 256
/// random bits, so a plain hash (no salt, no stretching) cannot be reversed.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A live session: whose it is, and its form token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub scope: Scope,
    pub platform: Platform,
    /// The platform's id of the workspace.
    pub workspace: String,
    /// The platform's id of the member.
    pub member: String,
    /// The token every form of this session must carry (CSRF).
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

impl WebSession {
    /// The member as a command or a button press from the platform names
    /// them, so the page acts exactly as they would in chat.
    pub fn actor(&self) -> crate::Actor {
        crate::Actor::new(self.platform, &self.workspace, &self.member, "")
    }
}

/// A session to open, with the hash of its cookie's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub hash: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

/// What opening a link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    Opened(WebSession),
    /// It was opened before: a link works once.
    Used,
    /// Its 15 minutes are over.
    Expired,
    /// No such link (mistyped, revoked, or its member forgotten).
    Unknown,
}

/// The store of links and sessions. Every method is bounded to one link,
/// one session or one member.
#[async_trait]
pub trait WebStore: Send + Sync {
    /// Keeps a new link (by its hash) for the scope's member, valid until
    /// `expires_at`; forgets that member's links and sessions that ended.
    async fn create_web_link(
        &self,
        scope: Scope,
        hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// Uses up the link with hash `link` if it is unused and not expired
    /// at `now`, opening `session` for its member, in one transaction: of
    /// two concurrent openings of one link, only one gets a session.
    async fn redeem_web_link(
        &self,
        link: &str,
        session: &NewSession,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Redeemed>;

    /// The session with this hash, if it is live at `now`.
    async fn web_session(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<WebSession>>;

    /// Ends one session (logging out); whether there was one.
    async fn end_web_session(&self, hash: &str) -> anyhow::Result<bool>;

    /// Ends every session of the scope's member, and with `links_too` voids
    /// their unused links. Returns (sessions, links) ended.
    async fn end_web_sessions(&self, scope: Scope, links_too: bool) -> anyhow::Result<(u64, u64)>;
}

/// Makes a one-time link for the member under `base` (the public URL),
/// e.g. `https://kith.example.org/me?t=…`.
///
/// The link is written outside any delivery's seal (see [`crate::once`]):
/// a command's answer is kept for its redeliveries, and this answer holds
/// the token, which must live only in the member's chat. A redelivered
/// `web` makes a second link; each still works once and expires.
pub async fn issue_link(
    store: &dyn WebStore,
    scope: Scope,
    base: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let token = new_token();
    crate::once::unsealed(store.create_web_link(scope, &hash(&token), now + link_lifetime(), now))
        .await?;
    Ok(format!("{}/me?t={token}", base.trim_end_matches('/')))
}

/// A session a link opened: the cookie's token and the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub token: String,
    pub session: WebSession,
}

/// Opens the link whose token is `link`: a new session, or why not.
pub async fn open(
    store: &dyn WebStore,
    link: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Opened, Redeemed>> {
    // Anything that is not one of our tokens is not looked up at all.
    if link.len() != 64 || !link.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Err(Redeemed::Unknown));
    }
    let token = new_token();
    let session = NewSession {
        hash: hash(&token),
        csrf: new_token(),
        expires_at: now + session_lifetime(),
    };
    Ok(
        match store.redeem_web_link(&hash(link), &session, now).await? {
            Redeemed::Opened(session) => Ok(Opened { token, session }),
            refused => Err(refused),
        },
    )
}

/// The live session whose cookie holds `token`, if any.
pub async fn session(
    store: &dyn WebStore,
    token: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<WebSession>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    store.web_session(&hash(token), now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_token_is_kept_as_its_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(hash(&new_token()), hash(&new_token()));
    }
}
