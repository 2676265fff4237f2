//! Links to and sessions of the members' web page, on both engines: the
//! SQL is the same on SQLite and PostgreSQL (`$n` placeholders, RETURNING),
//! so one body serves both stores through [`web_store!`].

use chrono::{DateTime, Utc};
use kith_bot::domain::{MemberId, Platform, Scope, WorkspaceId};
use kith_bot::web::{Redeemed, WebSession};

use crate::from_secs;

pub(crate) const FORGET_ENDED_LINKS: &str =
    "DELETE FROM web_links WHERE member_id = $1 AND (expires_at <= $2 OR used_at IS NOT NULL)";
pub(crate) const FORGET_ENDED_SESSIONS: &str =
    "DELETE FROM web_sessions WHERE member_id = $1 AND expires_at <= $2";
pub(crate) const INSERT_LINK: &str =
    "INSERT INTO web_links (hash, workspace_id, member_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5)";
pub(crate) const USE_LINK: &str = "UPDATE web_links SET used_at = $1
     WHERE hash = $2 AND used_at IS NULL AND expires_at > $1
     RETURNING workspace_id, member_id";
pub(crate) const LINK_STATE: &str = "SELECT used_at, expires_at FROM web_links WHERE hash = $1";
pub(crate) const INSERT_SESSION: &str =
    "INSERT INTO web_sessions (hash, workspace_id, member_id, csrf, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)";
pub(crate) const SESSION: &str = "SELECT s.workspace_id, s.member_id, w.platform, w.external_id, m.external_id, s.csrf, s.expires_at
     FROM web_sessions s
     JOIN members m ON m.id = s.member_id AND m.workspace_id = s.workspace_id
     JOIN workspaces w ON w.id = s.workspace_id
     WHERE s.hash = $1 AND s.expires_at > $2";
pub(crate) const END_SESSION: &str = "DELETE FROM web_sessions WHERE hash = $1";
pub(crate) const END_SESSIONS: &str =
    "DELETE FROM web_sessions WHERE workspace_id = $1 AND member_id = $2";
pub(crate) const VOID_LINKS: &str =
    "DELETE FROM web_links WHERE workspace_id = $1 AND member_id = $2 AND used_at IS NULL";

/// A session row as [`SESSION`] reads it.
pub(crate) type SessionRow = (i64, i64, String, String, String, String, i64);

pub(crate) fn session_of(row: SessionRow) -> anyhow::Result<WebSession> {
    let (workspace, member, platform, workspace_external, member_external, csrf, expires) = row;
    Ok(WebSession {
        scope: Scope {
            workspace: WorkspaceId(workspace),
            member: MemberId(member),
        },
        platform: Platform::parse(&platform)
            .ok_or_else(|| anyhow::anyhow!("unknown platform {platform:?} in a session"))?,
        workspace: workspace_external,
        member: member_external,
        csrf,
        expires_at: from_secs(expires)?,
    })
}

/// Why a link did not open, from its row ([`LINK_STATE`]) if any.
pub(crate) fn refusal(state: Option<(Option<i64>, i64)>, now: DateTime<Utc>) -> Redeemed {
    match state {
        None => Redeemed::Unknown,
        Some((Some(_), _)) => Redeemed::Used,
        Some((None, expires)) if expires <= now.timestamp() => Redeemed::Expired,
        // Unused and live, yet not taken: another opening took it meanwhile.
        Some((None, _)) => Redeemed::Used,
    }
}

/// Implements [`kith_bot::web::WebStore`] for a store with a `pool` and a
/// transactional `write()`.
macro_rules! web_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl kith_bot::web::WebStore for $store {
            async fn create_web_link(
                &self,
                scope: kith_bot::domain::Scope,
                hash: &str,
                expires_at: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                use $crate::web::*;
                let mut tx = self.write().await?;
                for forget in [FORGET_ENDED_LINKS, FORGET_ENDED_SESSIONS] {
                    sqlx::query(forget)
                        .bind(scope.member.0)
                        .bind(now.timestamp())
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(INSERT_LINK)
                    .bind(hash)
                    .bind(scope.workspace.0)
                    .bind(scope.member.0)
                    .bind(now.timestamp())
                    .bind(expires_at.timestamp())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn redeem_web_link(
                &self,
                link: &str,
                session: &kith_bot::web::NewSession,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<kith_bot::web::Redeemed> {
                use $crate::web::*;
                let mut tx = self.write().await?;
                let taken: Option<(i64, i64)> = sqlx::query_as(USE_LINK)
                    .bind(now.timestamp())
                    .bind(link)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((workspace, member)) = taken else {
                    let state: Option<(Option<i64>, i64)> = sqlx::query_as(LINK_STATE)
                        .bind(link)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Ok(refusal(state, now));
                };
                sqlx::query(INSERT_SESSION)
                    .bind(&session.hash)
                    .bind(workspace)
                    .bind(member)
                    .bind(&session.csrf)
                    .bind(now.timestamp())
                    .bind(session.expires_at.timestamp())
                    .execute(&mut *tx)
                    .await?;
                let row: SessionRow = sqlx::query_as(SESSION)
                    .bind(&session.hash)
                    .bind(now.timestamp())
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(kith_bot::web::Redeemed::Opened(session_of(row)?))
            }

            async fn web_session(
                &self,
                hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<Option<kith_bot::web::WebSession>> {
                use $crate::web::*;
                let row: Option<SessionRow> = sqlx::query_as(SESSION)
                    .bind(hash)
                    .bind(now.timestamp())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(session_of).transpose()
            }

            async fn end_web_session(&self, hash: &str) -> anyhow::Result<bool> {
                let mut tx = self.write().await?;
                let ended = sqlx::query($crate::web::END_SESSION)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(ended > 0)
            }

            async fn end_web_sessions(
                &self,
                scope: kith_bot::domain::Scope,
                links_too: bool,
            ) -> anyhow::Result<(u64, u64)> {
                use $crate::web::*;
                let mut tx = self.write().await?;
                let sessions = sqlx::query(END_SESSIONS)
                    .bind(scope.workspace.0)
                    .bind(scope.member.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let links = match links_too {
                    true => sqlx::query(VOID_LINKS)
                        .bind(scope.workspace.0)
                        .bind(scope.member.0)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                    false => 0,
                };
                tx.commit().await?;
                Ok((sessions, links))
            }
        }
    };
}

pub(crate) use web_store;

web_store!(crate::SqliteStore);
