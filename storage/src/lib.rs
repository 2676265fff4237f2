//! Kith's store over sqlx. SQLite is the embedded default: one file shared by
//! every workspace, in WAL mode with a busy timeout and foreign keys on, its
//! migrations applied when it opens.
//!
//! Every query that reads or writes a network is scoped by workspace and
//! owner, so one member can never reach another's contacts.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kith_bot::domain::{
    Cadence, Contact, ContactChange, ContactDraft, ContactId, ContactRef, Entry, EntryKind,
    Installation, ListFilter, Member, MemberId, Platform, Scope, Secret, SettingsChange, Tag, Tier,
    TzSource, WorkspaceId,
};
use kith_bot::ports::{ContactsPage, DueList, FavourBalance, Recorded, Store};
use kith_bot::schedule::{Digest, Window};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::readers::read;

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// The SQLite store: connections lent to commands' reads (see
/// [`readers`]), a pool for the rarer reads and writes, and one writer
/// connection that batches the ledger's writes (group commit, see
/// [`writer`]).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: writer::Writer,
    /// Where commands' reads run (see [`readers`]).
    readers: std::sync::Arc<readers::Readers>,
    /// Each pace's next due time (see [`coordination`]).
    paces: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
}

/// How many reads run at once, each on its own connection (and thread).
const READERS: usize = 8;

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` — `sqlite://kith.db`
    /// or a plain file path — and applies migrations.
    pub async fn open(url: &str) -> anyhow::Result<SqliteStore> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)
                .with_context(|| format!("{} is not a SQLite database URL", redact(url)))?
        } else {
            SqliteConnectOptions::new().filename(Path::new(url))
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        // A connection to a local file does not go stale: no ping (a round
        // trip to the connection's thread) before each use.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open the database {}", redact(url)))?;
        MIGRATOR
            .run(&pool)
            .await
            .context("cannot apply the database migrations")?;
        let conn = <SqliteConnection as sqlx::Connection>::connect_with(&options)
            .await
            .with_context(|| format!("cannot open the database {}", redact(url)))?;
        let store = SqliteStore {
            pool,
            readers: std::sync::Arc::new(readers::Readers::new(options.clone(), READERS)),
            writer: writer::Writer::start(conn),
            paces: Default::default(),
        };
        store.backfill_company_keys().await?;
        Ok(store)
    }

    /// One statement on a member's row (`sql` binds the workspace, then
    /// the member), through the writer as every write on a command's path.
    async fn update_member(
        &self,
        sql: &'static str,
        workspace: WorkspaceId,
        member: MemberId,
    ) -> anyhow::Result<()> {
        self.writer
            .write_one(move |conn| {
                Box::pin(async move {
                    sqlx::query(sql)
                        .bind(workspace.0)
                        .bind(member.0)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    /// How many transactions the group-commit writer has made (benchmarks).
    pub fn write_batches(&self) -> u64 {
        self.writer.batches()
    }

    /// The pool, for tests and tools that inspect the database directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.pool.close().await;
    }

    /// A write transaction that takes the write lock up front, so two
    /// writers queue on the busy timeout instead of failing to upgrade.
    async fn write(&self) -> anyhow::Result<Transaction<'static, Sqlite>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // A command's writes claim its delivery in their own transaction
        // (see `kith_bot::once`).
        if let Some(seal) = kith_bot::once::Seal::current() {
            seal::claim(&mut tx, &seal).await?;
        }
        Ok(tx)
    }
}

/// A database URL fit for a log or an error: any password is masked.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn to_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_secs(secs: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| anyhow!("stored time {secs} is out of range"))
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    workspace_id: i64,
    external_id: String,
    display_name: String,
    tz: String,
    tz_source: String,
    welcomed: bool,
    window_start: i64,
    window_end: i64,
    window_daily: bool,
    digest_cron: Option<String>,
    dms: bool,
    dm_failure: Option<String>,
}

impl MemberRow {
    fn into_member(self) -> Member {
        let tz = self.tz.parse().unwrap_or_else(|_| {
            tracing::warn!(member = self.id, tz = %self.tz, "unknown stored time zone; using UTC");
            chrono_tz::Tz::UTC
        });
        Member {
            id: MemberId(self.id),
            workspace: WorkspaceId(self.workspace_id),
            external_id: self.external_id,
            display_name: self.display_name,
            tz,
            tz_source: TzSource::parse(&self.tz_source).unwrap_or(TzSource::Default),
            welcomed: self.welcomed,
            window: u32::try_from(self.window_start)
                .ok()
                .zip(u32::try_from(self.window_end).ok())
                .and_then(|(s, e)| Window::from_minutes(s, e, self.window_daily))
                .unwrap_or_default(),
            digest: self.digest_cron.as_deref().and_then(|cron| {
                Digest::parse(cron)
                    .inspect_err(|e| tracing::warn!(member = self.id, error = %e, "stored digest schedule unreadable; digest off"))
                    .ok()
            }),
            dms: self.dms,
            dm_failure: self.dm_failure,
        }
    }
}

/// The columns a `MemberRow` reads, for `concat!` into queries.
macro_rules! member_columns {
    ($prefix:literal) => {
        concat!(
            $prefix,
            "id, ",
            $prefix,
            "workspace_id, ",
            $prefix,
            "external_id, ",
            $prefix,
            "display_name, ",
            $prefix,
            "tz, ",
            $prefix,
            "tz_source, ",
            $prefix,
            "welcomed, ",
            $prefix,
            "window_start, ",
            $prefix,
            "window_end, ",
            $prefix,
            "window_daily, ",
            $prefix,
            "digest_cron, ",
            $prefix,
            "dms, ",
            $prefix,
            "dm_failure"
        )
    };
}

mod any;
mod community;
#[macro_use]
mod coordination;
pub mod copy;
mod inbox;
mod outbox;
#[macro_use]
mod reach;
pub mod pg;
pub mod probe;
mod readers;
mod seal;
mod web;
pub mod writer;

pub use any::{AnyStore, Engine};
pub use pg::PgStore;
pub use pg::testing;

#[derive(sqlx::FromRow, serde::Deserialize)]
struct ContactRow {
    id: i64,
    member_external_id: Option<String>,
    name: String,
    company: Option<String>,
    tier: String,
    cadence_days: Option<i64>,
    snoozed_until: Option<i64>,
    added_at: i64,
    last_contact_at: Option<i64>,
    given: i64,
    received: i64,
    last_note: Option<String>,
    last_note_at: Option<i64>,
    tags: Option<String>,
    /// Read where a contact is shown whole (not by the balance or due lists).
    #[sqlx(default)]
    #[serde(default)]
    email: Option<String>,
    #[sqlx(default)]
    #[serde(default)]
    profile_url: Option<String>,
}

/// A contact as stored: the core's view, and when its latest note was
/// made (so a back-dated note does not replace a later one).
struct Stored {
    contact: Contact,
    last_note_at: Option<i64>,
}

impl TryFrom<ContactRow> for Stored {
    type Error = anyhow::Error;

    fn try_from(row: ContactRow) -> anyhow::Result<Stored> {
        let mut tags: Vec<Tag> = row
            .tags
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(Tag::from_stored)
            .collect();
        tags.sort();
        let contact = Contact {
            id: ContactId(row.id),
            member_external_id: row.member_external_id,
            name: row.name,
            company: row.company,
            tier: Tier::parse(&row.tier)
                .ok_or_else(|| anyhow!("stored tier {} is unknown", row.tier))?,
            cadence_override: row
                .cadence_days
                .and_then(|d| u32::try_from(d).ok())
                .and_then(Cadence::from_days),
            tags,
            snoozed_until: row.snoozed_until.map(from_secs).transpose()?,
            added_at: from_secs(row.added_at)?,
            last_contact: row.last_contact_at.map(from_secs).transpose()?,
            favours_given: u32::try_from(row.given)?,
            favours_received: u32::try_from(row.received)?,
            last_note: row.last_note,
            email: row.email,
            profile_url: row.profile_url,
        };
        Ok(Stored {
            contact,
            last_note_at: row.last_note_at,
        })
    }
}

impl Stored {
    /// The contact after `entry` is logged: its last contact, counts and
    /// latest note (by time; a later-logged note at the same time wins).
    fn logged(self, entry: &Entry) -> Stored {
        let Stored {
            mut contact,
            mut last_note_at,
        } = self;
        let at = to_secs(entry.at);
        contact.last_contact = Some(contact.last_contact.map_or(entry.at, |l| l.max(entry.at)));
        match entry.kind {
            EntryKind::Gave => contact.favours_given = contact.favours_given.saturating_add(1),
            EntryKind::Got => contact.favours_received = contact.favours_received.saturating_add(1),
            EntryKind::Note if last_note_at.is_none_or(|n| at >= n) => {
                contact.last_note = Some(entry.what.clone());
                last_note_at = Some(at);
            }
            EntryKind::Note | EntryKind::Touch => {}
        }
        Stored {
            contact,
            last_note_at,
        }
    }
}

/// A count the database returned, as the core counts.
fn count(n: i64) -> anyhow::Result<u32> {
    u32::try_from(n).map_err(|_| anyhow!("count {n} out of range"))
}

/// A favour balance from its top rows and its totals over everyone
/// (people, given, received, owing), whichever engine read them.
fn favour_balance(rows: Vec<ContactRow>, totals: [i64; 4]) -> anyhow::Result<FavourBalance> {
    let [people, given, received, owing] = totals;
    Ok(FavourBalance {
        top: contacts_of(rows)?,
        people: count(people)?,
        given: count(given)?,
        received: count(received)?,
        owing: count(owing)?,
    })
}

/// Who is due from the rows shown, the counts (due, network) and the next
/// to come due, whichever engine read them.
fn due_list(
    rows: Vec<ContactRow>,
    due: i64,
    network: i64,
    next: Option<ContactRow>,
) -> anyhow::Result<DueList> {
    Ok(DueList {
        top: contacts_of(rows)?,
        due: count(due)?,
        network: count(network)?,
        next: next.map(Contact::try_from).transpose()?,
    })
}

/// Contacts as read, in the order read.
fn contacts_of(rows: Vec<ContactRow>) -> anyhow::Result<Vec<Contact>> {
    rows.into_iter().map(Contact::try_from).collect()
}

/// A count the store keeps, read where its row may not exist yet.
type Count = Option<i64>;

/// A page of a network from the rows read and the counts, whichever
/// engine read them.
pub(crate) fn contacts_page(
    rows: Vec<ContactRow>,
    matching: i64,
    network: i64,
) -> anyhow::Result<ContactsPage> {
    Ok(ContactsPage {
        contacts: contacts_of(rows)?,
        matching: count(matching)?,
        network: count(network)?,
    })
}

/// `list`'s filter as the stores bind it: tier, tag and company key, each
/// `None` when the filter is not of that kind. A company with no key
/// (nothing but a legal form) matches nobody.
pub(crate) fn listed_filter(filter: Option<&ListFilter>) -> [Option<String>; 3] {
    match filter {
        None => [None, None, None],
        Some(ListFilter::Tier(tier)) => [Some(tier.as_str().to_string()), None, None],
        Some(ListFilter::Tag(tag)) => [None, Some(tag.as_str().to_string()), None],
        Some(ListFilter::Company(company)) => [
            None,
            None,
            Some(kith_bot::domain::company_key(company).unwrap_or_default()),
        ],
    }
}

impl TryFrom<ContactRow> for Contact {
    type Error = anyhow::Error;

    fn try_from(row: ContactRow) -> anyhow::Result<Contact> {
        Ok(Stored::try_from(row)?.contact)
    }
}

/// A contact with its counts, scoped to one owner; callers append
/// conditions. The counts and the latest note are kept on the contact as
/// entries are logged, so a read is one indexed lookup per contact.
macro_rules! contact_columns {
    () => {
        "SELECT c.id, m.external_id AS member_external_id,
                COALESCE(m.display_name, c.name) AS name, c.company, c.tier,
                c.cadence_days, c.snoozed_until, c.added_at, c.last_contact_at,
                c.given, c.received, c.last_note, c.last_note_at, c.email, c.profile_url,
                (SELECT group_concat(t.tag, ' ') FROM contact_tags t WHERE t.contact_id = c.id) AS tags"
    };
}
macro_rules! contact_select {
    () => {
        // `+` keeps the planner off the index by workspace: the owner's
        // indexes below give each read its order as well.
        concat!(
            contact_columns!(),
            " FROM contacts c LEFT JOIN members m ON m.id = c.member_id
         WHERE +c.workspace_id = ? AND c.owner_id = ?"
        )
    };
}
/// The rows of a contact query, as one JSON array: sqlx hands each row
/// across threads from SQLite's worker one at a time, which for a few
/// hundred rows cost more than the query itself.
macro_rules! contacts_as_json {
    ($($query:expr),+) => {
        concat!(
            "(SELECT COALESCE(json_group_array(json_object(
                'id', id, 'member_external_id', member_external_id, 'name', name,
                'company', company, 'tier', tier, 'cadence_days', cadence_days,
                'snoozed_until', snoozed_until, 'added_at', added_at,
                'last_contact_at', last_contact_at, 'given', given, 'received', received,
                'last_note', last_note, 'last_note_at', last_note_at, 'tags', tags,
                'email', email, 'profile_url', profile_url)), '[]')
              FROM (",
            $($query),+,
            "))"
        )
    };
}
/// The order `list` shows a network in (tier, then name, then as added),
/// as the `contacts_owner_listed` index keeps it.
macro_rules! listed_order {
    () => {
        " ORDER BY CASE c.tier WHEN 'inner' THEN 0 WHEN 'close' THEN 1 ELSE 2 END, c.sort_name, c.id"
    };
}
/// Which of a network `list` shows: the one row `wanted` the query binds
/// (tier, tag, company key; each NULL for no such filter).
macro_rules! listed_filter {
    () => {
        " AND ((SELECT tier FROM wanted) IS NULL OR c.tier = (SELECT tier FROM wanted))
          AND ((SELECT tag FROM wanted) IS NULL
               OR EXISTS (SELECT 1 FROM contact_tags t
                          WHERE t.contact_id = c.id AND t.tag = (SELECT tag FROM wanted)))
          AND ((SELECT company FROM wanted) IS NULL OR c.company_key = (SELECT company FROM wanted))"
    };
}

/// The hot path's queries, named so their plans are tested (no full scans).
const CONTACT_BY_ID: &str = concat!(contact_select!(), " AND c.id = ?");
const CONTACT_BY_MEMBER: &str = concat!(
    contact_select!(),
    " AND c.member_id = (SELECT id FROM members WHERE workspace_id = ? AND external_id = ?)"
);
const CONTACT_BY_NAME: &str = concat!(
    contact_select!(),
    " AND c.member_id IS NULL AND c.name_key = ?"
);
/// Namesakes: every outside person of any of the names (a JSON array of
/// name keys), in the order they were added; each name through the
/// `(owner_id, name_key)` index (`+` keeps the planner off the index by
/// workspace, which would read the whole network once per name).
const CONTACTS_NAMED: &str = concat!(
    contact_columns!(),
    " FROM json_each(?) k CROSS JOIN contacts c LEFT JOIN members m ON m.id = c.member_id
     WHERE c.owner_id = ? AND c.name_key = k.value AND +c.workspace_id = ?
           AND c.member_id IS NULL
     ORDER BY c.id"
);
/// A whole network, in no order (the store sorts it by id).
const NETWORK_AS_JSON: &str = concat!("SELECT ", contacts_as_json!(contact_select!()));
/// One page of a network in `list` order, off the `contacts_owner_listed`
/// index, as one row of JSON; then how many the filter lets through (the
/// kept count when there is no filter) and how many contacts there are.
const LIST_PAGE_AS_JSON: &str = concat!(
    "WITH wanted (tier, tag, company) AS (SELECT ?, ?, ?)
     SELECT ",
    contacts_as_json!(
        contact_select!(),
        listed_filter!(),
        listed_order!(),
        " LIMIT ? OFFSET ?"
    ),
    ", CASE WHEN (SELECT tier IS NULL AND tag IS NULL AND company IS NULL FROM wanted)
            THEN (SELECT people FROM network_totals WHERE owner_id = ?)
            ELSE (SELECT count(*) FROM contacts c WHERE c.owner_id = ?",
    listed_filter!(),
    ") END,
       (SELECT people FROM network_totals WHERE owner_id = ?)"
);
/// The most lopsided of a member's contacts with favours logged (at most
/// the bound limit), off the `contacts_owner_lopsided` index, as one row of
/// JSON; then the totals over all of them that the store keeps (people,
/// given, received, and how many the member owes).
const BALANCE_AS_JSON: &str = concat!(
    "SELECT ",
    contacts_as_json!(
        contact_select!(),
        " AND c.given + c.received > 0
         ORDER BY abs(c.given - c.received) DESC, c.given - c.received, c.sort_name, c.id
         LIMIT ?"
    ),
    ", t.favour_people, t.given, t.received, t.owing
     FROM (SELECT ? AS owner_id) owner LEFT JOIN network_totals t ON t.owner_id = owner.owner_id"
);
/// Who is due at the bound time, most overdue first then by name (at most
/// the bound limit), off the `contacts_owner_due` index, as one row of
/// JSON; then how many are due in all (counted on the index) and how many
/// contacts there are (kept).
const DUE_AS_JSON: &str = concat!(
    "SELECT ",
    contacts_as_json!(
        contact_select!(),
        " AND c.due_at <= ? ORDER BY c.due_at, c.sort_name, c.id LIMIT ?"
    ),
    ", (SELECT count(*) FROM contacts WHERE owner_id = ? AND due_at <= ?),
       (SELECT people FROM network_totals WHERE owner_id = ?)"
);
/// The next contact to come due after the bound time.
const NEXT_DUE: &str = concat!(
    contact_select!(),
    " AND c.due_at > ? ORDER BY c.due_at, c.sort_name, c.id LIMIT 1"
);
const MEMBER_BY_PLATFORM_IDS: &str = concat!(
    "SELECT ",
    member_columns!("m."),
    " FROM members m JOIN workspaces w ON w.id = m.workspace_id
     WHERE w.platform = ? AND w.external_id = ? AND m.external_id = ?"
);
/// What logging an entry changes on its contact.
macro_rules! update_after_entry {
    () => {
        "UPDATE contacts SET last_contact_at = ?, given = ?, received = ?,
                last_note = ?, last_note_at = ?, due_at = ?
         WHERE id = ? AND workspace_id = ? AND owner_id = ?"
    };
}
#[cfg(test)] // its plan is tested; it runs as part of LOG_ENTRY
const UPDATE_AFTER_ENTRY: &str = update_after_entry!();
/// An entry and what it changes on its contact, as one multi-statement query.
const LOG_ENTRY: &str = concat!(
    "INSERT INTO entries (contact_id, kind, what, at, logged_at) VALUES (?, ?, ?, ?, ?);\n",
    update_after_entry!()
);
/// Every entry of a network, by contact, latest first within each.
const NETWORK_HISTORY: &str =
    "SELECT e.contact_id, e.kind, e.what, e.at FROM entries e JOIN contacts c ON c.id = e.contact_id
 WHERE c.workspace_id = ? AND c.owner_id = ?
 ORDER BY e.contact_id, e.at DESC, e.id DESC";
const HISTORY: &str =
    "SELECT e.kind, e.what, e.at FROM entries e JOIN contacts c ON c.id = e.contact_id
 WHERE c.id = ? AND c.workspace_id = ? AND c.owner_id = ?
 ORDER BY e.at DESC, e.id DESC LIMIT ?";

/// The contact with this id in the scope's network, if it is there.
async fn load_by_id(
    conn: &mut SqliteConnection,
    scope: Scope,
    id: ContactId,
) -> anyhow::Result<Option<Stored>> {
    let row: Option<ContactRow> = sqlx::query_as(CONTACT_BY_ID)
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(Stored::try_from).transpose()
}

async fn contact_by_id(
    conn: &mut SqliteConnection,
    scope: Scope,
    id: ContactId,
) -> anyhow::Result<Contact> {
    load_by_id(conn, scope, id)
        .await?
        .map(|s| s.contact)
        .ok_or_else(|| anyhow!("contact {} is not in this member's network", id.0))
}

/// The contact `who` refers to in the scope's network, in one indexed
/// lookup (by member, or by an outside person's name key).
async fn load(
    conn: &mut SqliteConnection,
    scope: Scope,
    who: &ContactRef,
) -> anyhow::Result<Option<Stored>> {
    let row: Option<ContactRow> = match who {
        ContactRef::Member(mention) => {
            sqlx::query_as(CONTACT_BY_MEMBER)
                .bind(scope.workspace.0)
                .bind(scope.member.0)
                .bind(scope.workspace.0)
                .bind(&mention.id)
                .fetch_optional(&mut *conn)
                .await?
        }
        ContactRef::Named(_) => {
            sqlx::query_as(CONTACT_BY_NAME)
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
    conn: &mut SqliteConnection,
    scope: Scope,
    name_keys: &[String],
) -> anyhow::Result<Vec<Contact>> {
    // Every name at once: one query, not one round trip per name.
    let rows: Vec<ContactRow> = sqlx::query_as(CONTACTS_NAMED)
        .bind(serde_json::to_string(name_keys)?)
        .bind(scope.member.0)
        .bind(scope.workspace.0)
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter().map(Contact::try_from).collect()
}

/// Whether the person `draft` adds is in the network already: the member,
/// or an outside person of that name at the same company (a namesake
/// elsewhere is someone else: [`kith_bot::namesakes::among`]).
async fn already_there(
    conn: &mut SqliteConnection,
    scope: Scope,
    draft: &ContactDraft,
) -> anyhow::Result<bool> {
    Ok(match &draft.who {
        ContactRef::Member(_) => load(conn, scope, &draft.who).await?.is_some(),
        ContactRef::Named(_) => {
            let named = namesakes(conn, scope, &[draft.who.name_key()]).await?;
            kith_bot::namesakes::among(draft, &named)
        }
    })
}

/// Finds or creates a member; a given display name replaces the stored one.
async fn upsert_member(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    external_id: &str,
    display_name: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<Member> {
    let row: MemberRow = sqlx::query_as(concat!(
        "INSERT INTO members (workspace_id, external_id, display_name, created_at)
         VALUES (?, ?, COALESCE(?, ?), ?)
         ON CONFLICT (workspace_id, external_id)
         DO UPDATE SET display_name = COALESCE(?, display_name)
         RETURNING ",
        member_columns!("")
    ))
    .bind(workspace.0)
    .bind(external_id)
    .bind(display_name)
    .bind(external_id)
    .bind(to_secs(now))
    .bind(display_name)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.into_member())
}

/// Inserts a contact that is known not to exist yet, its due date worked
/// out here by the core's rule; returns it without reading it back.
async fn insert_contact(
    conn: &mut SqliteConnection,
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
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    .bind(reach::stored_company_key(draft.company.as_deref()))
    .fetch_one(&mut *conn)
    .await?;
    contact.id = ContactId(id);
    add_tags(conn, contact.id, &contact.tags).await?;
    Ok(Stored {
        contact,
        last_note_at: None,
    })
}

/// Whether a time zone from the platform replaces the member's: not one
/// they chose themselves, and only when it says something new.
fn tz_hint_applies(member: &Member, tz: chrono_tz::Tz) -> bool {
    member.tz_source < TzSource::Member
        && (member.tz != tz || member.tz_source == TzSource::Default)
}

/// A contact about to be added from `draft` (its id not yet known).
fn new_contact(
    draft: &ContactDraft,
    member_external_id: Option<String>,
    name: String,
    now: DateTime<Utc>,
) -> Contact {
    let mut tags = draft.tags.clone();
    tags.sort();
    tags.dedup();
    Contact {
        id: ContactId(0),
        member_external_id,
        name,
        company: draft.company.clone(),
        tier: draft.tier,
        cadence_override: draft.cadence,
        tags,
        snoozed_until: None,
        added_at: now,
        last_contact: None,
        favours_given: 0,
        favours_received: 0,
        last_note: None,
        email: None,
        profile_url: None,
    }
}

/// Stores when the contact is next due, by the core's rule, after a change;
/// returns the contact as it now is.
async fn refresh_due(
    conn: &mut SqliteConnection,
    scope: Scope,
    id: ContactId,
) -> anyhow::Result<Contact> {
    let contact = contact_by_id(conn, scope, id).await?;
    sqlx::query("UPDATE contacts SET due_at = ? WHERE id = ?")
        .bind(to_secs(contact.next_due()))
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(contact)
}

/// Logs an entry about a stored contact of the scope: the entry, then the
/// contact's last contact, counts, latest note and due date worked out
/// here and written in one statement. Returns the contact after it.
async fn insert_entry(
    conn: &mut SqliteConnection,
    scope: Scope,
    stored: Stored,
    entry: &Entry,
    now: DateTime<Utc>,
) -> anyhow::Result<Contact> {
    let Stored {
        contact,
        last_note_at,
    } = stored.logged(entry);
    let at = to_secs(entry.at);
    // One round trip to SQLite's worker thread for both statements: the
    // entry, then the contact (plain `?` are bound across them in order).
    let changed = sqlx::query(LOG_ENTRY)
        .bind(contact.id.0)
        .bind(entry.kind.as_str())
        .bind(&entry.what)
        .bind(at)
        .bind(to_secs(now))
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
    // One entry inserted and one contact updated, or the contact is not
    // the scope's (and the savepoint undoes the entry).
    let updated = changed.saturating_sub(1);
    if updated != 1 {
        bail!("contact {} is not in this member's network", contact.id.0);
    }
    Ok(contact)
}

/// Who is in a network, as an import reads it: (fellow member's platform
/// id, name key, email, profile link) per contact.
type PresentRow = (Option<String>, String, Option<String>, Option<String>);

/// The imported items not in the network yet, each person once, and how
/// many were already there (the core's rule: [`kith_bot::namesakes::not_present`]).
fn not_present(
    present: Vec<PresentRow>,
    items: &[kith_bot::portability::ImportItem],
) -> (Vec<&kith_bot::portability::ImportItem>, u64) {
    let present = present
        .into_iter()
        .map(
            |(member, name_key, email, profile_url)| kith_bot::namesakes::Present {
                member,
                name_key,
                email,
                profile_url,
            },
        )
        .collect();
    kith_bot::namesakes::not_present(present, items)
}

/// An imported contact as it will be stored (its id not yet known), with
/// the counts and latest note worked out from its entries.
struct Imported<'a> {
    contact: Contact,
    given: i64,
    received: i64,
    last_note: Option<&'a Entry>,
}

fn imported<'a>(
    item: &'a kith_bot::portability::ImportItem,
    name: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Imported<'a>> {
    let added_at = item.added_at.unwrap_or(now);
    let last_contact = item.entries.iter().map(|e| e.at).max();
    let count = |kind: EntryKind| item.entries.iter().filter(|e| e.kind == kind).count();
    // The latest note by time; of two at the same time, the later in the file.
    let last_note = item
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntryKind::Note)
        .max_by_key(|(i, e)| (e.at, *i))
        .map(|(_, e)| e);
    let contact = Contact {
        id: ContactId(0),
        member_external_id: None,
        name: name.to_string(),
        company: item.draft.company.clone(),
        tier: item.draft.tier,
        cadence_override: item.draft.cadence,
        tags: Vec::new(),
        snoozed_until: item.snoozed_until,
        added_at,
        last_contact,
        favours_given: 0,
        favours_received: 0,
        last_note: None,
        email: None,
        profile_url: None,
    };
    Ok(Imported {
        contact,
        given: i64::try_from(count(EntryKind::Gave))?,
        received: i64::try_from(count(EntryKind::Got))?,
        last_note,
    })
}

/// Writes one imported contact known not to be in the network yet, with
/// its tags and entries, its last contact and due date worked out here
/// rather than read back: a few plain inserts per person.
async fn import_one(
    conn: &mut SqliteConnection,
    scope: Scope,
    item: &kith_bot::portability::ImportItem,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let draft = &item.draft;
    let (member_id, name) = match &draft.who {
        ContactRef::Member(mention) => {
            let found: Option<(i64, String)> = sqlx::query_as(
                "SELECT id, display_name FROM members WHERE workspace_id = ? AND external_id = ?",
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
    let (added_at, last_contact) = (contact.added_at, contact.last_contact);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (workspace_id, owner_id, member_id, name, name_key, company, tier,
                               cadence_days, snoozed_until, added_at, last_contact_at, due_at,
                               given, received, last_note, last_note_at, company_key,
                               email, profile_url)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    .bind(to_secs(added_at))
    .bind(last_contact.map(to_secs))
    .bind(to_secs(contact.next_due()))
    .bind(given)
    .bind(received)
    .bind(last_note.map(|e| e.what.as_str()))
    .bind(last_note.map(|e| to_secs(e.at)))
    .bind(reach::stored_company_key(draft.company.as_deref()))
    .bind(&item.email)
    .bind(&item.profile_url)
    .fetch_one(&mut *conn)
    .await?;
    add_tags(conn, ContactId(id), &draft.tags).await?;
    for entry in &item.entries {
        sqlx::query(
            "INSERT INTO entries (contact_id, kind, what, at, logged_at) VALUES (?, ?, ?, ?, ?)",
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

async fn workspace_id(
    pool: &SqlitePool,
    platform: Platform,
    external_id: &str,
) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM workspaces WHERE platform = ? AND external_id = ?")
            .bind(platform.as_str())
            .bind(external_id)
            .fetch_optional(pool)
            .await?,
    )
}

async fn add_tags(conn: &mut SqliteConnection, id: ContactId, tags: &[Tag]) -> anyhow::Result<()> {
    for tag in tags {
        sqlx::query("INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)")
            .bind(id.0)
            .bind(tag.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn workspace(
        &self,
        platform: Platform,
        external_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<WorkspaceId> {
        if let Some(id) = workspace_id(&self.pool, platform, external_id).await? {
            return Ok(WorkspaceId(id));
        }
        // Through the writer, as every write on a command's path: a write
        // of its own would wait for the writer's lock in SQLite's busy
        // handler.
        let external_id = external_id.to_string();
        let id: i64 = self
            .writer
            .write_one(move |conn| {
                Box::pin(async move {
                    Ok(sqlx::query_scalar(
                        "INSERT INTO workspaces (platform, external_id, created_at) VALUES (?, ?, ?)
                         ON CONFLICT (platform, external_id) DO UPDATE SET platform = excluded.platform
                         RETURNING id",
                    )
                    .bind(platform.as_str())
                    .bind(external_id)
                    .bind(to_secs(now))
                    .fetch_one(&mut *conn)
                    .await?)
                })
            })
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
                let (external_id, display_name) =
                    (external_id.to_string(), display_name.to_string());
                self.writer
                    .write_one(move |conn| {
                        Box::pin(async move {
                            upsert_member(conn, workspace, &external_id, Some(&display_name), now)
                                .await
                        })
                    })
                    .await?
            }
        };
        if let Some(tz) = tz_hint
            && tz_hint_applies(&member, tz)
        {
            let id = member.id;
            self.writer
                .write_one(move |conn| {
                    Box::pin(async move {
                        sqlx::query(
                            "UPDATE members SET tz = ?, tz_source = 'platform'
                             WHERE id = ? AND workspace_id = ? AND tz_source <> 'member'",
                        )
                        .bind(tz.name())
                        .bind(id.0)
                        .bind(workspace.0)
                        .execute(&mut *conn)
                        .await?;
                        Ok(())
                    })
                })
                .await?;
            member.tz = tz;
            member.tz_source = TzSource::Platform;
        }
        Ok(member)
    }

    async fn find_member_by(
        &self,
        platform: Platform,
        workspace_external_id: &str,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>> {
        let row: Option<MemberRow> = read!(self, |conn| sqlx::query_as(MEMBER_BY_PLATFORM_IDS)
            .bind(platform.as_str())
            .bind(workspace_external_id)
            .bind(external_id)
            .fetch_optional(conn));
        Ok(row.map(MemberRow::into_member))
    }

    async fn find_member(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
    ) -> anyhow::Result<Option<Member>> {
        let row: Option<MemberRow> = read!(self, |conn| sqlx::query_as(concat!(
            "SELECT ",
            member_columns!(""),
            " FROM members WHERE workspace_id = ? AND external_id = ?"
        ))
        .bind(workspace.0)
        .bind(external_id)
        .fetch_optional(conn));
        Ok(row.map(MemberRow::into_member))
    }

    async fn mark_welcomed(&self, workspace: WorkspaceId, member: MemberId) -> anyhow::Result<()> {
        self.update_member(
            "UPDATE members SET welcomed = 1 WHERE workspace_id = ? AND id = ?",
            workspace,
            member,
        )
        .await
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
        let deleted = sqlx::query("DELETE FROM workspaces WHERE platform = ? AND external_id = ?")
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
             VALUES (?, ?, ?, ?)
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
        let row: Option<(String, Option<String>)> = read!(self, |conn| sqlx::query_as(
            "SELECT i.bot_token, i.bot_user_id FROM installations i
             JOIN workspaces w ON w.id = i.workspace_id
             WHERE w.platform = ? AND w.external_id = ?",
        )
        .bind(platform.as_str())
        .bind(external_id)
        .fetch_optional(conn));
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
        if let Some(id) = workspace_id(&self.pool, platform, external_id).await? {
            sqlx::query("DELETE FROM installations WHERE workspace_id = ?")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn first_sighting(
        &self,
        platform: Platform,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        // A write on every interaction: through the group-commit writer,
        // so it shares a transaction rather than waiting for the lock.
        let event_id = event_id.to_string();
        self.writer
            .write_one(move |conn| Box::pin(inbox::mark(conn, platform, event_id, now)))
            .await
    }

    async fn find_contact(
        &self,
        scope: Scope,
        who: &ContactRef,
    ) -> anyhow::Result<Option<Contact>> {
        let found = read!(self, |conn| load(conn, scope, who));
        Ok(found.map(|s| s.contact))
    }

    async fn add_contact(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Contact>> {
        let draft = draft.clone();
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    if already_there(conn, scope, &draft).await? {
                        return Ok(None);
                    }
                    Ok(Some(
                        insert_contact(conn, scope, &draft, now).await?.contact,
                    ))
                })
            })
            .await
    }

    async fn contacts_named(
        &self,
        scope: Scope,
        name_keys: &[String],
    ) -> anyhow::Result<Vec<Contact>> {
        Ok(read!(self, |conn| namesakes(conn, scope, name_keys)))
    }

    async fn contact(&self, scope: Scope, id: ContactId) -> anyhow::Result<Option<Contact>> {
        let row: Option<ContactRow> = read!(self, |conn| sqlx::query_as(concat!(
            contact_select!(),
            " AND c.id = ?"
        ))
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(id.0)
        .fetch_optional(conn));
        row.map(Contact::try_from).transpose()
    }

    async fn log_entry(
        &self,
        scope: Scope,
        id: ContactId,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Contact> {
        let entry = entry.clone();
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    let stored = load_by_id(conn, scope, id).await?.ok_or_else(|| {
                        anyhow!("contact {} is not in this member's network", id.0)
                    })?;
                    insert_entry(conn, scope, stored, &entry, now).await
                })
            })
            .await
    }

    async fn record(
        &self,
        scope: Scope,
        draft: &ContactDraft,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Recorded> {
        let (draft, entry) = (draft.clone(), entry.clone());
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    let (stored, added) = match load(conn, scope, &draft.who).await? {
                        Some(stored) => (stored, false),
                        None => (insert_contact(conn, scope, &draft, now).await?, true),
                    };
                    let contact = insert_entry(conn, scope, stored, &entry, now).await?;
                    Ok(Recorded { contact, added })
                })
            })
            .await
    }

    async fn import(
        &self,
        scope: Scope,
        items: &[kith_bot::portability::ImportItem],
        now: DateTime<Utc>,
    ) -> anyhow::Result<(u64, u64)> {
        let mut tx = self.write().await?;
        // Who is in the network already: fellow members by platform id,
        // outside people by name key. One read instead of one per row.
        let present: Vec<PresentRow> = sqlx::query_as(
            "SELECT m.external_id, c.name_key, c.email, c.profile_url FROM contacts c
             LEFT JOIN members m ON m.id = c.member_id
             WHERE c.workspace_id = ? AND c.owner_id = ?",
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
             WHERE c.workspace_id = ? AND c.owner_id = ?",
        )
        .bind(workspace.0)
        .bind(member.0)
        .fetch_one(&mut *tx)
        .await?;
        // Others' contacts about this member become plain names (their
        // ledgers are theirs): beside an outside person of the same name,
        // a namesake (see `kith_bot::namesakes`).
        sqlx::query(
            "UPDATE contacts SET member_id = NULL,
                    name = (SELECT display_name FROM members WHERE id = ?1),
                    name_key = lower((SELECT display_name FROM members WHERE id = ?1))
             WHERE member_id = ?1 AND workspace_id = ?2",
        )
        .bind(member.0)
        .bind(workspace.0)
        .execute(&mut *tx)
        .await?;
        // Notices for them (no foreign key: a channel notice has no member).
        sqlx::query("DELETE FROM notices WHERE member_id = ? AND workspace_id = ?")
            .bind(member.0)
            .bind(workspace.0)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM members WHERE id = ? AND workspace_id = ?")
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
        let update = match change {
            SettingsChange::Tz(tz) => sqlx::query(
                "UPDATE members SET tz = ?, tz_source = 'member' WHERE id = ? AND workspace_id = ?",
            )
            .bind(tz.name()),
            SettingsChange::Window(window) => {
                let (start, end) = window.minutes();
                sqlx::query(
                    "UPDATE members SET window_start = ?, window_end = ?, window_daily = ?
                     WHERE id = ? AND workspace_id = ?",
                )
                .bind(i64::from(start))
                .bind(i64::from(end))
                .bind(window.daily)
            }
            SettingsChange::Digest(digest) => {
                sqlx::query("UPDATE members SET digest_cron = ? WHERE id = ? AND workspace_id = ?")
                    .bind(digest.as_ref().map(|d| d.expression().to_string()))
            }
            SettingsChange::Dms(on) => {
                sqlx::query("UPDATE members SET dms = ? WHERE id = ? AND workspace_id = ?")
                    .bind(*on)
            }
        };
        let changed = update
            .bind(member.0)
            .bind(workspace.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            bail!("member {} is not in workspace {}", member.0, workspace.0);
        }
        // Any change of zone, window or schedule is worked out afresh.
        sqlx::query(
            "UPDATE members SET next_reminder_at = NULL, next_digest_at = NULL WHERE id = ?",
        )
        .bind(member.0)
        .execute(&mut *tx)
        .await?;
        let row: MemberRow = sqlx::query_as(concat!(
            "SELECT ",
            member_columns!(""),
            " FROM members WHERE id = ?"
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
        self.update_member(
            "UPDATE members SET dm_failure = NULL WHERE workspace_id = ? AND id = ?",
            workspace,
            member,
        )
        .await
    }

    async fn favours_since(
        &self,
        scope: Scope,
        since: DateTime<Utc>,
    ) -> anyhow::Result<(u32, u32)> {
        let (given, received): (i64, i64) = read!(self, |conn| sqlx::query_as(
            "SELECT COALESCE(SUM(e.kind = 'gave'), 0), COALESCE(SUM(e.kind = 'got'), 0)
             FROM entries e JOIN contacts c ON c.id = e.contact_id
             WHERE c.workspace_id = ? AND c.owner_id = ? AND e.at >= ?",
        )
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .bind(to_secs(since))
        .fetch_one(conn));
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
                "UPDATE contacts SET tier = ? WHERE id = ? AND workspace_id = ? AND owner_id = ?",
            )
            .bind(tier.as_str()),
            ContactChange::Cadence(cadence) => sqlx::query(
                "UPDATE contacts SET cadence_days = ? WHERE id = ? AND workspace_id = ? AND owner_id = ?",
            )
            .bind(cadence.map(|c| i64::from(c.days()))),
            ContactChange::SnoozeUntil(until) => sqlx::query(
                "UPDATE contacts SET snoozed_until = ? WHERE id = ? AND workspace_id = ? AND owner_id = ?",
            )
            .bind(to_secs(*until)),
            ContactChange::Details {
                tier,
                cadence,
                company,
                ..
            } => sqlx::query(
                "UPDATE contacts SET tier = COALESCE(?, tier), cadence_days = COALESCE(?, cadence_days),
                        company = COALESCE(?, company), company_key = COALESCE(?, company_key)
                 WHERE id = ? AND workspace_id = ? AND owner_id = ?",
            )
            .bind(tier.map(Tier::as_str))
            .bind(cadence.map(|c| i64::from(c.days())))
            .bind(company.clone())
            .bind(reach::stored_company_key(company.as_deref())),
        };
        let changed = update
            .bind(id.0)
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
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
             WHERE c.id = ? AND c.workspace_id = ? AND c.owner_id = ?",
        )
        .bind(id.0)
        .bind(scope.workspace.0)
        .bind(scope.member.0)
        .fetch_one(&mut *tx)
        .await?;
        let removed =
            sqlx::query("DELETE FROM contacts WHERE id = ? AND workspace_id = ? AND owner_id = ?")
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
        let json: String = read!(self, |conn| sqlx::query_scalar(NETWORK_AS_JSON)
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .fetch_one(conn));
        let mut rows: Vec<ContactRow> = serde_json::from_str(&json)?;
        rows.sort_by_key(|r| r.id);
        contacts_of(rows)
    }

    async fn contacts_page(
        &self,
        scope: Scope,
        filter: Option<&ListFilter>,
        offset: u32,
        limit: u32,
    ) -> anyhow::Result<ContactsPage> {
        let [tier, tag, company] = listed_filter(filter);
        let (json, matching, network): (String, Count, Count) =
            read!(self, |conn| sqlx::query_as(LIST_PAGE_AS_JSON)
                .bind(&tier)
                .bind(&tag)
                .bind(&company)
                .bind(scope.workspace.0)
                .bind(scope.member.0)
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .bind(scope.member.0)
                .bind(scope.member.0)
                .bind(scope.member.0)
                .fetch_one(conn));
        contacts_page(
            serde_json::from_str(&json)?,
            matching.unwrap_or(0),
            network.unwrap_or(0),
        )
    }

    async fn favour_balance(&self, scope: Scope, limit: u32) -> anyhow::Result<FavourBalance> {
        // The totals row is missing for a member who never had a contact.
        let (json, people, given, received, owing): (String, Count, Count, Count, Count) =
            read!(self, |conn| sqlx::query_as(BALANCE_AS_JSON)
                .bind(scope.workspace.0)
                .bind(scope.member.0)
                .bind(i64::from(limit))
                .bind(scope.member.0)
                .fetch_one(conn));
        favour_balance(
            serde_json::from_str(&json)?,
            [people, given, received, owing].map(|n| n.unwrap_or(0)),
        )
    }

    async fn due_contacts(
        &self,
        scope: Scope,
        now: DateTime<Utc>,
        limit: u32,
    ) -> anyhow::Result<DueList> {
        let (json, due, network): (String, i64, Count) =
            read!(self, |conn| sqlx::query_as(DUE_AS_JSON)
                .bind(scope.workspace.0)
                .bind(scope.member.0)
                .bind(to_secs(now))
                .bind(i64::from(limit))
                .bind(scope.member.0)
                .bind(to_secs(now))
                .bind(scope.member.0)
                .fetch_one(conn));
        let network = network.unwrap_or(0);
        let next = if due == 0 && network > 0 {
            read!(self, |conn| sqlx::query_as(NEXT_DUE)
                .bind(scope.workspace.0)
                .bind(scope.member.0)
                .bind(to_secs(now))
                .fetch_optional(conn))
        } else {
            None
        };
        due_list(serde_json::from_str(&json)?, due, network, next)
    }

    async fn history(&self, scope: Scope, id: ContactId, limit: u32) -> anyhow::Result<Vec<Entry>> {
        let rows: Vec<(String, String, i64)> = read!(self, |conn| sqlx::query_as(HISTORY)
            .bind(id.0)
            .bind(scope.workspace.0)
            .bind(scope.member.0)
            .bind(i64::from(limit))
            .fetch_all(conn));
        rows.into_iter()
            .map(|(kind, what, at)| entry_of(kind, what, at))
            .collect()
    }

    async fn network_history(&self, scope: Scope) -> anyhow::Result<Vec<(ContactId, Entry)>> {
        let rows: Vec<(i64, String, String, i64)> =
            read!(self, |conn| sqlx::query_as(NETWORK_HISTORY)
                .bind(scope.workspace.0)
                .bind(scope.member.0)
                .fetch_all(conn));
        rows.into_iter()
            .map(|(id, kind, what, at)| Ok((ContactId(id), entry_of(kind, what, at)?)))
            .collect()
    }
}

/// An entry as stored.
fn entry_of(kind: String, what: String, at: i64) -> anyhow::Result<Entry> {
    Ok(Entry {
        kind: EntryKind::parse(&kind)
            .ok_or_else(|| anyhow!("stored entry kind {kind} is unknown"))?,
        what,
        at: from_secs(at)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_hot_paths_queries_use_indexes_and_scan_no_table() {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqliteStore::open(&dir.path().join("plans.db").display().to_string())
            .await
            .expect("opens");
        let queries: [(&str, &str, usize); 13] = [
            ("contact by id", CONTACT_BY_ID, 3),
            ("contact by member", CONTACT_BY_MEMBER, 4),
            ("contact by name", CONTACT_BY_NAME, 3),
            ("namesakes", CONTACTS_NAMED, 3),
            ("a whole network", NETWORK_AS_JSON, 2),
            ("a page of the list", LIST_PAGE_AS_JSON, 10),
            ("the favour balance", BALANCE_AS_JSON, 4),
            ("who is due", DUE_AS_JSON, 7),
            ("the next due", NEXT_DUE, 3),
            ("member by platform ids", MEMBER_BY_PLATFORM_IDS, 3),
            ("update after an entry", UPDATE_AFTER_ENTRY, 9),
            ("history", HISTORY, 4),
            ("a whole network's history", NETWORK_HISTORY, 2),
        ];
        for (name, sql, params) in queries {
            let mut explain = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(
                format!("EXPLAIN QUERY PLAN {sql}"),
            ));
            for _ in 0..params {
                explain = explain.bind(1_i64);
            }
            let plan: Vec<String> = explain
                .fetch_all(store.pool())
                .await
                .expect(name)
                .into_iter()
                .map(|(_, _, _, detail)| detail)
                .collect();
            assert!(!plan.is_empty(), "{name}");
            println!("{name}: {}", plan.join(" / "));
            // What a read shows comes in order off an index, read no
            // further than the rows shown: no sort of a whole network.
            let ordered_by = match name {
                "a page of the list" => Some("contacts_owner_listed"),
                "the favour balance" => Some("contacts_owner_lopsided"),
                "who is due" | "the next due" => Some("contacts_owner_due"),
                _ => None,
            };
            if let Some(index) = ordered_by {
                assert!(
                    plan.iter().any(
                        |step| step.starts_with("SEARCH c USING INDEX") && step.contains(index)
                    ),
                    "{name} does not read {index}: {plan:?}"
                );
                assert!(
                    !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                    "{name} sorts: {plan:?}"
                );
            }
            for step in &plan {
                // "SCAN c" reads every contact of every member; scanning a
                // subquery's or a CTE's own rows (one member's), or the
                // bound list of names, is fine.
                assert!(
                    !(step.starts_with("SCAN")
                        && !step.contains("USING")
                        && !step.starts_with("SCAN (subquery")
                        && !step.starts_with("SCAN k VIRTUAL TABLE")
                        // Bound values: one row each.
                        && !matches!(
                            step.as_str(),
                            "SCAN owner" | "SCAN wanted" | "SCAN CONSTANT ROW"
                        )),
                    "{name} scans a table: {plan:?}"
                );
            }
        }
    }

    #[test]
    fn passwords_in_database_urls_are_masked() {
        assert_eq!(
            redact("postgres://kith:s3cret@db:5432/kith"),
            "postgres://kith:***@db:5432/kith"
        );
        assert_eq!(redact("sqlite://kith.db"), "sqlite://kith.db");
        assert_eq!(redact("postgres://kith@db/kith"), "postgres://kith@db/kith");
    }
}
