//! Kith's store over PostgreSQL: the engine for many replicas on one
//! database. The same ports and rules as the SQLite store (the rules that
//! are not SQL are the SQLite store's own functions, called from here);
//! what differs is the SQL: `$n` parameters, `FOR UPDATE SKIP LOCKED`
//! claims, and full-text search over a generated tsvector.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kith_bot::domain::{
    Contact, ContactChange, ContactDraft, ContactId, ContactRef, Entry, Installation, ListFilter,
    Member, MemberId, Platform, Scope, Secret, SettingsChange, Tag, Tier, WorkspaceId,
};
use kith_bot::ports::{ContactsPage, DueList, FavourBalance, Recorded, Store};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};

use crate::{
    ContactRow, Imported, MemberRow, Stored, due_list, favour_balance, imported, new_contact,
    not_present, to_secs, tz_hint_applies,
};

mod community;
mod coordination;
mod inbox;
mod outbox;
mod reach;
pub mod testing;

crate::web::web_store!(PgStore);

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The PostgreSQL store: a connection pool; every write is one transaction.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`,
    /// or `postgresql://…`) and applies migrations. A failure names the
    /// host, port, database and user, and what to check, never the password.
    pub async fn open(url: &str) -> anyhow::Result<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            anyhow!(
                "{} is not a PostgreSQL URL: {}",
                crate::redact(url),
                scrub(&e.to_string(), url)
            )
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(|e| {
                anyhow!(
                    "cannot connect to PostgreSQL at {}:{}, database \"{}\" as user \"{}\": {}. \
                     Check that the server is running and reachable there, that the database \
                     exists, and that the user's password (KITH_DATABASE_URL) is right.",
                    options.get_host(),
                    options.get_port(),
                    options.get_database().unwrap_or("(the user's)"),
                    options.get_username(),
                    scrub(&e.to_string(), url)
                )
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .context("cannot apply the database migrations")?;
        let store = PgStore { pool };
        store.backfill_company_keys().await?;
        Ok(store)
    }

    /// The pool, for tests and tools that inspect the database directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. A command's writes claim its delivery in
    /// their own transaction (see `kith_bot::once`): the first write of a
    /// delivery claims its key, another delivery's write is refused.
    async fn write(&self) -> anyhow::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        if let Some(seal) = kith_bot::once::Seal::current() {
            claim(&mut tx, &seal).await?;
        }
        Ok(tx)
    }
}

/// Holds, until the transaction ends, the right to add to `scope`'s
/// network. Finding a contact and adding it when missing is two
/// statements; at READ COMMITTED two commands about the same new person
/// would both find nothing and both add (a unique violation for a fellow
/// member, two namesakes for an outside name). SQLite's single writer
/// serialises them; here one member's additions queue on this lock, and
/// nobody else's. The key pairs a constant with the member's id.
async fn lock_network(conn: &mut PgConnection, scope: Scope) -> anyhow::Result<()> {
    const NETWORK: i32 = 0x4b49_5448; // "KITH"
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(NETWORK)
        .bind((scope.member.0 & 0x7fff_ffff) as i32)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Claims `seal`'s delivery key for its owner inside the open transaction
/// (as the SQLite store's `seal::claim`): a concurrent claim of the same
/// key on another replica waits for this transaction, then finds it.
async fn claim(conn: &mut PgConnection, seal: &kith_bot::once::Seal) -> anyhow::Result<()> {
    let owner: Option<String> = sqlx::query_scalar(
        "INSERT INTO command_answers (platform, delivery_key, owner, started_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (platform, delivery_key) DO UPDATE SET owner = command_answers.owner
         RETURNING owner",
    )
    .bind(seal.platform.as_str())
    .bind(&seal.key)
    .bind(&seal.owner)
    .bind(seal.at.timestamp())
    .fetch_one(&mut *conn)
    .await?;
    Ok(seal.settle(owner.as_deref())?)
}

/// An error's text with the URL's password (if any) masked, should a
/// driver ever quote it.
fn scrub(text: &str, url: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_string))
    {
        Some(password) if !password.is_empty() => text.replace(&password, "***"),
        _ => text.to_string(),
    }
}

/// The columns a `MemberRow` reads, with a table prefix.
macro_rules! pg_member_columns {
    ($prefix:literal) => {
        member_columns!($prefix)
    };
}

/// A contact with its counts, scoped to one owner ($1 workspace, $2 owner).
macro_rules! pg_contact_select {
    () => {
        "SELECT c.id, m.external_id AS member_external_id,
                COALESCE(m.display_name, c.name) AS name, c.company, c.tier,
                c.cadence_days, c.snoozed_until, c.added_at, c.last_contact_at,
                c.given, c.received, c.last_note, c.last_note_at, c.email, c.profile_url,
                (SELECT string_agg(t.tag, ' ' ORDER BY t.tag) FROM contact_tags t
                  WHERE t.contact_id = c.id) AS tags
         FROM contacts c LEFT JOIN members m ON m.id = c.member_id
         WHERE c.workspace_id = $1 AND c.owner_id = $2"
    };
}

async fn load_by_id(
    conn: &mut PgConnection,
    scope: Scope,
    id: ContactId,
) -> anyhow::Result<Option<Stored>> {
    let row: Option<ContactRow> = sqlx::query_as(concat!(pg_contact_select!(), " AND c.id = $3"))
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(Stored::try_from).transpose()
}

async fn contact_by_id(
    conn: &mut PgConnection,
    scope: Scope,
    id: ContactId,
) -> anyhow::Result<Contact> {
    load_by_id(conn, scope, id)
        .await?
        .map(|s| s.contact)
        .ok_or_else(|| anyhow!("contact {} is not in this member's network", id.0))
}

/// The contact `who` refers to in the scope's network.
pub(crate) async fn load(
    conn: &mut PgConnection,
    scope: Scope,
    who: &ContactRef,
) -> anyhow::Result<Option<Stored>> {
    let row: Option<ContactRow> = match who {
        ContactRef::Member(mention) => {
            sqlx::query_as(concat!(
                pg_contact_select!(),
                " AND c.member_id = (SELECT id FROM members WHERE workspace_id = $1 AND external_id = $3)"
            ))
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(&mention.id)
            .fetch_optional(&mut *conn)
            .await?
        }
        ContactRef::Named(_) => {
            sqlx::query_as(concat!(
                pg_contact_select!(),
                " AND c.member_id IS NULL AND c.name_key = $3"
            ))
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(who.name_key())
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    row.map(Stored::try_from).transpose()
}

/// Every outside person of the scope's network with this name key, in the
/// order they were added.
async fn namesakes(
    conn: &mut PgConnection,
    scope: Scope,
    name_keys: &[String],
) -> anyhow::Result<Vec<Contact>> {
    let rows: Vec<ContactRow> = sqlx::query_as(concat!(
        pg_contact_select!(),
        " AND c.member_id IS NULL AND c.name_key = ANY($3) ORDER BY c.id"
    ))
    .bind(scope.workspace.0)
    .bind(scope.member.0)
    .bind(name_keys)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(Contact::try_from).collect()
}

async fn upsert_member(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    external_id: &str,
    display_name: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<Member> {
    let row: MemberRow = sqlx::query_as(concat!(
        "INSERT INTO members (workspace_id, external_id, display_name, created_at)
         VALUES ($1, $2, COALESCE($3, $2), $4)
         ON CONFLICT (workspace_id, external_id)
         DO UPDATE SET display_name = COALESCE($3, members.display_name)
         RETURNING ",
        pg_member_columns!("")
    ))
    .bind(workspace.0)
    .bind(external_id)
    .bind(display_name)
    .bind(to_secs(now))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.into_member())
}

pub(crate) async fn insert_contact(
    conn: &mut PgConnection,
    scope: Scope,
    draft: &ContactDraft,
    now: DateTime<Utc>,
) -> anyhow::Result<Stored> {
    let (member_id, member_external_id, name) = match &draft.who {
        ContactRef::Member(mention) => {
            let member = upsert_member(
                conn,
                scope.workspace,
                &mention.id,
                mention.label.as_deref(),
                now,
            )
            .await?;
            if member.id == scope.member {
                bail!("a member cannot be a contact of their own");
            }
            (
                Some(member.id.0),
                Some(member.external_id),
                member.display_name,
            )
        }
        ContactRef::Named(name) => (None, None, name.clone()),
    };
    let mut contact = new_contact(draft, member_external_id, name, now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (workspace_id, owner_id, member_id, name, name_key, company, tier,
                               cadence_days, added_at, due_at, company_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(scope.workspace.0)
    .bind(scope.member.0)
    .bind(member_id)
    .bind(&contact.name)
    .bind(draft.who.name_key())
    .bind(&draft.company)
    .bind(draft.tier.as_str())
    .bind(draft.cadence.map(|c| i64::from(c.days())))
    .bind(to_secs(now))
    .bind(to_secs(contact.next_due()))
    .bind(crate::reach::stored_company_key(draft.company.as_deref()))
    .fetch_one(&mut *conn)
    .await?;
    contact.id = ContactId(id);
    add_tags(conn, contact.id, &contact.tags).await?;
    Ok(Stored {
        contact,
        last_note_at: None,
    })
}

async fn refresh_due(
    conn: &mut PgConnection,
    scope: Scope,
    id: ContactId,
) -> anyhow::Result<Contact> {
    let contact = contact_by_id(conn, scope, id).await?;
    sqlx::query("UPDATE contacts SET due_at = $1 WHERE id = $2")
        .bind(to_secs(contact.next_due()))
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(contact)
}

/// Logs an entry about a stored contact of the scope; returns the contact after it.
pub(crate) async fn insert_entry(
    conn: &mut PgConnection,
    scope: Scope,
    stored: Stored,
    entry: &Entry,
    now: DateTime<Utc>,
) -> anyhow::Result<Contact> {
    let Stored {
        contact,
        last_note_at,
    } = stored.logged(entry);
    sqlx::query(
        "INSERT INTO entries (contact_id, kind, what, at, logged_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(contact.id.0)
    .bind(entry.kind.as_str())
    .bind(&entry.what)
    .bind(to_secs(entry.at))
    .bind(to_secs(now))
    .execute(&mut *conn)
    .await?;
    let updated = sqlx::query(
        "UPDATE contacts SET last_contact_at = $1, given = $2, received = $3,
                last_note = $4, last_note_at = $5, due_at = $6
         WHERE id = $7 AND workspace_id = $8 AND owner_id = $9",
    )
    .bind(contact.last_contact.map(to_secs))
    .bind(i64::from(contact.favours_given))
    .bind(i64::from(contact.favours_received))
    .bind(&contact.last_note)
    .bind(last_note_at)
    .bind(to_secs(contact.next_due()))
    .bind(contact.id.0)
    .bind(scope.workspace.0)
    .bind(scope.member.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated != 1 {
        bail!("contact {} is not in this member's network", contact.id.0);
    }
    Ok(contact)
}

async fn import_one(
    conn: &mut PgConnection,
    scope: Scope,
    item: &kith_bot::portability::ImportItem,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let draft = &item.draft;
    let (member_id, name) = match &draft.who {
        ContactRef::Member(mention) => {
            let found: Option<(i64, String)> = sqlx::query_as(
                "SELECT id, display_name FROM members WHERE workspace_id = $1 AND external_id = $2",
            )
            .bind(scope.workspace.0)
            .bind(&mention.id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some((id, name)) = found else {
                bail!(
                    "an imported member is not in workspace {}",
                    scope.workspace.0
                );
            };
            if id == scope.member.0 {
                bail!("a member cannot be a contact of their own");
            }
            (Some(id), name)
        }
        ContactRef::Named(name) => (None, name.clone()),
    };
    let Imported {
        contact,
        given,
        received,
        last_note,
    } = imported(item, &name, now)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (workspace_id, owner_id, member_id, name, name_key, company, tier,
                               cadence_days, snoozed_until, added_at, last_contact_at, due_at,
                               given, received, last_note, last_note_at, company_key,
                               email, profile_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19)
         RETURNING id",
    )
    .bind(scope.workspace.0)
    .bind(scope.member.0)
    .bind(member_id)
    .bind(&name)
    .bind(draft.who.name_key())
    .bind(&draft.company)
    .bind(draft.tier.as_str())
    .bind(draft.cadence.map(|c| i64::from(c.days())))
    .bind(item.snoozed_until.map(to_secs))
    .bind(to_secs(contact.added_at))
    .bind(contact.last_contact.map(to_secs))
    .bind(to_secs(contact.next_due()))
    .bind(given)
    .bind(received)
    .bind(last_note.map(|e| e.what.as_str()))
    .bind(last_note.map(|e| to_secs(e.at)))
    .bind(crate::reach::stored_company_key(draft.company.as_deref()))
    .bind(&item.email)
    .bind(&item.profile_url)
    .fetch_one(&mut *conn)
    .await?;
    add_tags(conn, ContactId(id), &draft.tags).await?;
    for entry in &item.entries {
        sqlx::query(
            "INSERT INTO entries (contact_id, kind, what, at, logged_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(entry.kind.as_str())
        .bind(&entry.what)
        .bind(to_secs(entry.at))
        .bind(to_secs(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn add_tags(conn: &mut PgConnection, id: ContactId, tags: &[Tag]) -> anyhow::Result<()> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO contact_tags (contact_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id.0)
        .bind(tag.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn workspace_id(
    pool: &PgPool,
    platform: Platform,
    external_id: &str,
) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM workspaces WHERE platform = $1 AND external_id = $2")
            .bind(platform.as_str())
            .bind(external_id)
            .fetch_optional(pool)
            .await?,
    )
}

#[async_trait]
impl Store for PgStore {
    async fn workspace(
        &self,
        platform: Platform,
        external_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<WorkspaceId> {
        if let Some(id) = workspace_id(&self.pool, platform, external_id).await? {
            return Ok(WorkspaceId(id));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO workspaces (platform, external_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform, external_id) DO UPDATE SET platform = excluded.platform
             RETURNING id",
        )
        .bind(platform.as_str())
        .bind(external_id)
        .bind(to_secs(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(WorkspaceId(id))
    }

    async fn member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
        display_name: &str,
        tz_hint: Option<chrono_tz::Tz>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Member> {
        let found = self.find_member(workspace, external_id).await?;
        let mut member = match found {
            Some(member) if member.display_name == display_name => member,
            _ => {
                let mut conn = self.pool.acquire().await?;
                upsert_member(&mut conn, workspace, external_id, Some(display_name), now).await?
            }
        };
        if let Some(tz) = tz_hint
            && tz_hint_applies(&member, tz)
        {
            sqlx::query(
                "UPDATE members SET tz = $1, tz_source = 'platform'
                 WHERE id = $2 AND workspace_id = $3 AND tz_source <> 'member'",
            )
            .bind(tz.name())
            .bind(member.id.0)
            .bind(workspace.0)
            .execute(&self.pool)
            .await?;
            member.tz = tz;
            member.tz_source = kith_bot::domain::TzSource::Platform;
        }
        Ok(member)
    }

    async fn find_member_by(
        &self,
        platform: Platform,
        workspace_external_id: &str,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>> {
        let row: Option<MemberRow> = sqlx::query_as(concat!(
            "SELECT ",
            pg_member_columns!("m."),
            " FROM members m JOIN workspaces w ON w.id = m.workspace_id
             WHERE w.platform = $1 AND w.external_id = $2 AND m.external_id = $3"
        ))
        .bind(platform.as_str())
        .bind(workspace_external_id)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(MemberRow::into_member))
    }

    async fn find_member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>> {
        let row: Option<MemberRow> = sqlx::query_as(concat!(
            "SELECT ",
            pg_member_columns!(""),
            " FROM members WHERE workspace_id = $1 AND external_id = $2"
        ))
        .bind(workspace.0)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(MemberRow::into_member))
    }

    async fn mark_welcomed(&self, workspace: WorkspaceId, member: MemberId) -> anyhow::Result<()> {
        sqlx::query("UPDATE members SET welcomed = TRUE WHERE workspace_id = $1 AND id = $2")
            .bind(workspace.0)
            .bind(member.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn find_workspace(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<Option<WorkspaceId>> {
        Ok(workspace_id(&self.pool, platform, external_id)
            .await?
            .map(WorkspaceId))
    }

    async fn forget_workspace(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<bool> {
        let deleted =
            sqlx::query("DELETE FROM workspaces WHERE platform = $1 AND external_id = $2")
                .bind(platform.as_str())
                .bind(external_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(deleted > 0)
    }

    async fn save_installation(
        &self,
        platform: Platform,
        external_id: &str,
        installation: &Installation,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let workspace = self.workspace(platform, external_id, now).await?;
        sqlx::query(
            "INSERT INTO installations (workspace_id, bot_token, bot_user_id, installed_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (workspace_id) DO UPDATE SET bot_token = excluded.bot_token,
                 bot_user_id = excluded.bot_user_id, installed_at = excluded.installed_at",
        )
        .bind(workspace.0)
        .bind(installation.bot_token.expose())
        .bind(&installation.bot_user_id)
        .bind(to_secs(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<Option<Installation>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT i.bot_token, i.bot_user_id FROM installations i
             JOIN workspaces w ON w.id = i.workspace_id
             WHERE w.platform = $1 AND w.external_id = $2",
        )
        .bind(platform.as_str())
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(token, bot_user_id)| Installation {
            bot_token: Secret::new(token),
            bot_user_id,
        }))
    }

    async fn remove_installation(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "DELETE FROM installations WHERE workspace_id IN
                 (SELECT id FROM workspaces WHERE platform = $1 AND external_id = $2)",
        )
        .bind(platform.as_str())
        .bind(external_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn first_sighting(
        &self,
        platform: Platform,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write().await?;
        let first = inbox::mark(&mut tx, platform, event_id, now).await?;
        tx.commit().await?;
        Ok(first)
    }

    async fn find_contact(
        &self,
        scope: Scope,
        who: &ContactRef,
    ) -> anyhow::Result<Option<Contact>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load(&mut conn, scope, who).await?.map(|s| s.contact))
    }

    async fn add_contact(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Contact>> {
        let mut tx = self.write().await?;
        lock_network(&mut tx, scope).await?;
        let there = match &draft.who {
            ContactRef::Member(_) => load(&mut tx, scope, &draft.who).await?.is_some(),
            ContactRef::Named(_) => {
                let named = namesakes(&mut tx, scope, &[draft.who.name_key()]).await?;
                kith_bot::namesakes::among(draft, &named)
            }
        };
        if there {
            return Ok(None);
        }
        let contact = insert_contact(&mut tx, scope, draft, now).await?.contact;
        tx.commit().await?;
        Ok(Some(contact))
    }

    async fn contacts_named(
        &self,
        scope: Scope,
        name_keys: &[String],
    ) -> anyhow::Result<Vec<Contact>> {
        let mut conn = self.pool.acquire().await?;
        namesakes(&mut conn, scope, name_keys).await
    }

    async fn contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<Option<Contact>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_by_id(&mut conn, scope, id).await?.map(|s| s.contact))
    }

    async fn log_entry(
        &self,
        scope: Scope,
        id: ContactId,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Contact> {
        let mut tx = self.write().await?;
        let stored = load_by_id(&mut tx, scope, id)
            .await?
            .ok_or_else(|| anyhow!("contact {} is not in this member's network", id.0))?;
        let contact = insert_entry(&mut tx, scope, stored, entry, now).await?;
        tx.commit().await?;
        Ok(contact)
    }

    async fn record(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Recorded> {
        let mut tx = self.write().await?;
        let (stored, added) = match load(&mut tx, scope, &draft.who).await? {
            Some(stored) => (stored, false),
            None => {
                // Look again under the lock: a command about the same new
                // person may have added them since.
                lock_network(&mut tx, scope).await?;
                match load(&mut tx, scope, &draft.who).await? {
                    Some(stored) => (stored, false),
                    None => (insert_contact(&mut tx, scope, draft, now).await?, true),
                }
            }
        };
        let contact = insert_entry(&mut tx, scope, stored, entry, now).await?;
        tx.commit().await?;
        Ok(Recorded { contact, added })
    }

    async fn import(
        &self,
        scope: Scope,
        items: &[kith_bot::portability::ImportItem],
        now: DateTime<Utc>,
    ) -> anyhow::Result<(u64, u64)> {
        let mut tx = self.write().await?;
        lock_network(&mut tx, scope).await?;
        let present: Vec<crate::PresentRow> = sqlx::query_as(
            "SELECT m.external_id, c.name_key, c.email, c.profile_url FROM contacts c
             LEFT JOIN members m ON m.id = c.member_id
             WHERE c.workspace_id = $1 AND c.owner_id = $2",
        )
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .fetch_all(&mut *tx)
        .await?;
        let (new, existing) = not_present(present, items);
        for item in &new {
            import_one(&mut tx, scope, item, now).await?;
        }
        tx.commit().await?;
        Ok((u64::try_from(new.len())?, existing))
    }

    async fn forget_member(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
    ) -> anyhow::Result<(u64, u64)> {
        let mut tx = self.write().await?;
        let (contacts, entries): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(DISTINCT c.id), COUNT(e.id) FROM contacts c
             LEFT JOIN entries e ON e.contact_id = c.id
             WHERE c.workspace_id = $1 AND c.owner_id = $2",
        )
        .bind(workspace.0)
        .bind(member.0)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE contacts SET member_id = NULL,
                    name = (SELECT display_name FROM members WHERE id = $1),
                    name_key = lower((SELECT display_name FROM members WHERE id = $1))
             WHERE member_id = $1 AND workspace_id = $2",
        )
        .bind(member.0)
        .bind(workspace.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM notices WHERE member_id = $1 AND workspace_id = $2")
            .bind(member.0)
            .bind(workspace.0)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM members WHERE id = $1 AND workspace_id = $2")
            .bind(member.0)
            .bind(workspace.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted != 1 {
            bail!("member {} is not in workspace {}", member.0, workspace.0);
        }
        tx.commit().await?;
        Ok((u64::try_from(contacts)?, u64::try_from(entries)?))
    }

    async fn change_settings(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        change: &SettingsChange,
    ) -> anyhow::Result<Member> {
        let mut tx = self.write().await?;
        // Any change of zone, window or schedule is worked out afresh.
        let update = match change {
            SettingsChange::Tz(tz) => sqlx::query(
                "UPDATE members SET tz = $3, tz_source = 'member',
                        next_reminder_at = NULL, next_digest_at = NULL
                 WHERE id = $1 AND workspace_id = $2",
            )
            .bind(member.0)
            .bind(workspace.0)
            .bind(tz.name()),
            SettingsChange::Window(window) => {
                let (start, end) = window.minutes();
                sqlx::query(
                    "UPDATE members SET window_start = $3, window_end = $4, window_daily = $5,
                            next_reminder_at = NULL, next_digest_at = NULL
                     WHERE id = $1 AND workspace_id = $2",
                )
                .bind(member.0)
                .bind(workspace.0)
                .bind(i64::from(start))
                .bind(i64::from(end))
                .bind(window.daily)
            }
            SettingsChange::Digest(digest) => sqlx::query(
                "UPDATE members SET digest_cron = $3, next_reminder_at = NULL, next_digest_at = NULL
                 WHERE id = $1 AND workspace_id = $2",
            )
            .bind(member.0)
            .bind(workspace.0)
            .bind(digest.as_ref().map(|d| d.expression().to_string())),
            SettingsChange::Dms(on) => sqlx::query(
                "UPDATE members SET dms = $3, next_reminder_at = NULL, next_digest_at = NULL
                 WHERE id = $1 AND workspace_id = $2",
            )
            .bind(member.0)
            .bind(workspace.0)
            .bind(*on),
        };
        if update.execute(&mut *tx).await?.rows_affected() != 1 {
            bail!("member {} is not in workspace {}", member.0, workspace.0);
        }
        let row: MemberRow = sqlx::query_as(concat!(
            "SELECT ",
            pg_member_columns!(""),
            " FROM members WHERE id = $1"
        ))
        .bind(member.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.into_member())
    }

    async fn clear_dm_failure(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE members SET dm_failure = NULL WHERE id = $1 AND workspace_id = $2")
            .bind(member.0)
            .bind(workspace.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn favours_since(
        &self,
        scope: Scope,
        since: DateTime<Utc>,
    ) -> anyhow::Result<(u32, u32)> {
        let (given, received): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE e.kind = 'gave'), COUNT(*) FILTER (WHERE e.kind = 'got')
             FROM entries e JOIN contacts c ON c.id = e.contact_id
             WHERE c.workspace_id = $1 AND c.owner_id = $2 AND e.at >= $3",
        )
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(to_secs(since))
        .fetch_one(&self.pool)
        .await?;
        Ok((u32::try_from(given)?, u32::try_from(received)?))
    }

    async fn change_contact(
        &self,
        scope: Scope,
        id: ContactId,
        change: &ContactChange,
    ) -> anyhow::Result<Contact> {
        let mut tx = self.write().await?;
        let update = match change {
            ContactChange::Tier(tier) => sqlx::query(
                "UPDATE contacts SET tier = $4 WHERE id = $1 AND workspace_id = $2 AND owner_id = $3",
            )
            .bind(id.0)
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(tier.as_str()),
            ContactChange::Cadence(cadence) => sqlx::query(
                "UPDATE contacts SET cadence_days = $4
                 WHERE id = $1 AND workspace_id = $2 AND owner_id = $3",
            )
            .bind(id.0)
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(cadence.map(|c| i64::from(c.days()))),
            ContactChange::SnoozeUntil(until) => sqlx::query(
                "UPDATE contacts SET snoozed_until = $4
                 WHERE id = $1 AND workspace_id = $2 AND owner_id = $3",
            )
            .bind(id.0)
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(to_secs(*until)),
            ContactChange::Details {
                tier,
                cadence,
                company,
                ..
            } => sqlx::query(
                "UPDATE contacts SET tier = COALESCE($4, tier),
                        cadence_days = COALESCE($5, cadence_days), company = COALESCE($6, company),
                        company_key = COALESCE($7, company_key)
                 WHERE id = $1 AND workspace_id = $2 AND owner_id = $3",
            )
            .bind(id.0)
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(tier.map(Tier::as_str))
            .bind(cadence.map(|c| i64::from(c.days())))
            .bind(company.clone())
            .bind(crate::reach::stored_company_key(company.as_deref())),
        };
        if update.execute(&mut *tx).await?.rows_affected() != 1 {
            bail!("contact {} is not in this member's network", id.0);
        }
        if let ContactChange::Details { add_tags: tags, .. } = change {
            add_tags(&mut tx, id, tags).await?;
        }
        let contact = refresh_due(&mut tx, scope, id).await?;
        tx.commit().await?;
        Ok(contact)
    }

    async fn remove_contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<u64> {
        let mut tx = self.write().await?;
        let entries: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM entries e JOIN contacts c ON c.id = e.contact_id
             WHERE c.id = $1 AND c.workspace_id = $2 AND c.owner_id = $3",
        )
        .bind(id.0)
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .fetch_one(&mut *tx)
        .await?;
        let removed = sqlx::query(
            "DELETE FROM contacts WHERE id = $1 AND workspace_id = $2 AND owner_id = $3",
        )
        .bind(id.0)
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed != 1 {
            bail!("contact {} is not in this member's network", id.0);
        }
        tx.commit().await?;
        Ok(u64::try_from(entries)?)
    }

    async fn contacts(&self, scope: Scope) -> anyhow::Result<Vec<Contact>> {
        let rows: Vec<ContactRow> = sqlx::query_as(concat!(pg_contact_select!(), " ORDER BY c.id"))
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(Contact::try_from).collect()
    }

    async fn contacts_page(
        &self,
        scope: Scope,
        filter: Option<&ListFilter>,
        offset: u32,
        limit: u32,
    ) -> anyhow::Result<ContactsPage> {
        // As SQLite's store: tier, tag, company key, each NULL when unused;
        // names compared byte by byte as SQLite compares them.
        macro_rules! filtered {
            () => {
                " AND ($3::text IS NULL OR c.tier = $3)
                  AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM contact_tags t
                                                   WHERE t.contact_id = c.id AND t.tag = $4))
                  AND ($5::text IS NULL OR c.company_key = $5)"
            };
        }
        let [tier, tag, company] = crate::listed_filter(filter);
        let rows: Vec<ContactRow> = sqlx::query_as(concat!(
            pg_contact_select!(),
            filtered!(),
            " ORDER BY CASE c.tier WHEN 'inner' THEN 0 WHEN 'close' THEN 1 ELSE 2 END,
                       lower(COALESCE(m.display_name, c.name)) COLLATE \"C\", c.id
             LIMIT $6 OFFSET $7"
        ))
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(&tier)
        .bind(&tag)
        .bind(&company)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        let (matching, network): (i64, i64) = sqlx::query_as(concat!(
            "SELECT count(*) FILTER (WHERE TRUE",
            filtered!(),
            "), count(*) FROM contacts c WHERE c.workspace_id = $1 AND c.owner_id = $2"
        ))
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(&tier)
        .bind(&tag)
        .bind(&company)
        .fetch_one(&self.pool)
        .await?;
        crate::contacts_page(rows, matching, network)
    }

    async fn favour_balance(&self, scope: Scope, limit: u32) -> anyhow::Result<FavourBalance> {
        let (people, given, received, owing): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(c.given), 0)::bigint,
                    COALESCE(SUM(c.received), 0)::bigint,
                    COUNT(*) FILTER (WHERE c.given < c.received)
             FROM contacts c
             WHERE c.workspace_id = $1 AND c.owner_id = $2 AND c.given + c.received > 0",
        )
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<ContactRow> = sqlx::query_as(concat!(
            pg_contact_select!(),
            " AND c.given + c.received > 0
             ORDER BY abs(c.given - c.received) DESC, c.given - c.received,
                      lower(COALESCE(m.display_name, c.name)) COLLATE \"C\", c.id
             LIMIT $3"
        ))
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        favour_balance(rows, [people, given, received, owing])
    }

    async fn due_contacts(
        &self,
        scope: Scope,
        now: DateTime<Utc>,
        limit: u32,
    ) -> anyhow::Result<DueList> {
        let (due, network): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE due_at <= $3), COUNT(*) FROM contacts
             WHERE workspace_id = $1 AND owner_id = $2",
        )
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(to_secs(now))
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<ContactRow> = sqlx::query_as(concat!(
            pg_contact_select!(),
            " AND c.due_at <= $3
             ORDER BY c.due_at, lower(COALESCE(m.display_name, c.name)) COLLATE \"C\", c.id
             LIMIT $4"
        ))
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(to_secs(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let next = if due == 0 && network > 0 {
            sqlx::query_as(concat!(
                pg_contact_select!(),
                " AND c.due_at > $3
                 ORDER BY c.due_at, lower(COALESCE(m.display_name, c.name)) COLLATE \"C\", c.id
                 LIMIT 1"
            ))
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(to_secs(now))
            .fetch_optional(&self.pool)
            .await?
        } else {
            None
        };
        due_list(rows, due, network, next)
    }

    async fn history(&self, scope: Scope, id: ContactId, limit: u32) -> anyhow::Result<Vec<Entry>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT e.kind, e.what, e.at FROM entries e JOIN contacts c ON c.id = e.contact_id
             WHERE c.id = $1 AND c.workspace_id = $2 AND c.owner_id = $3
             ORDER BY e.at DESC, e.id DESC LIMIT $4",
        )
        .bind(id.0)
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(kind, what, at)| crate::entry_of(kind, what, at))
            .collect()
    }

    async fn network_history(&self, scope: Scope) -> anyhow::Result<Vec<(ContactId, Entry)>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT e.contact_id, e.kind, e.what, e.at FROM entries e
             JOIN contacts c ON c.id = e.contact_id
             WHERE c.workspace_id = $1 AND c.owner_id = $2
             ORDER BY e.contact_id, e.at DESC, e.id DESC",
        )
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, kind, what, at)| Ok((ContactId(id), crate::entry_of(kind, what, at)?)))
            .collect()
    }
}
