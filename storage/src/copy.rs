//! `kith db copy`: moves a whole installation from a SQLite file to an
//! empty PostgreSQL database, for a community that outgrew one machine.
//! Every table is copied in one PostgreSQL transaction (all or nothing),
//! in an order that keeps foreign keys satisfied; ids are kept, and the
//! identity sequences moved past them. The target must hold no rows.

use anyhow::{Context, bail};
use futures_util::TryStreamExt;
use sqlx::{Postgres, Row};

use crate::{PgStore, SqliteStore};

/// Every table, parents before children. Not `leases` (who holds a
/// Discord shard: nobody, while the installation is stopped to be copied)
/// nor PostgreSQL's `paces` (a pace starts afresh).
pub const TABLES: [&str; 21] = [
    "workspaces",
    "members",
    "contacts",
    "contact_tags",
    "entries",
    "installations",
    "seen_events",
    "outbox",
    "intros",
    "goals",
    "reach_asks",
    "reach_asked",
    "resources",
    "pairing_members",
    "pairing_rounds",
    "pairs",
    "pair_members",
    "notices",
    "jobs",
    "command_answers",
    "delivery_memos",
];

/// Columns SQLite's triggers keep for its reads' indexes, worked out from
/// the rest of the row; PostgreSQL sorts on the fly and has no need of them
/// (nor of SQLite's `network_totals`, kept the same way).
const DERIVED: [(&str, &str); 1] = [("contacts", "sort_name")];

/// Rows written per INSERT.
const BATCH: usize = 500;

/// One table's rows in the source and the target after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub table: &'static str,
    pub source: i64,
    pub target: i64,
}

/// How far a copy has come: rows copied of the whole.
pub trait Progress {
    fn total(&self, rows: u64);
    fn copied(&self, table: &str, rows: u64);
}

/// Copies every row of `from` into `to` (which must be empty), then counts
/// each table on both sides. Fails, writing nothing, if the target holds
/// data; returns the counts (the caller shows them and checks them).
pub async fn copy(
    from: &SqliteStore,
    to: &PgStore,
    progress: &dyn Progress,
) -> anyhow::Result<Vec<Counted>> {
    let mut occupied = Vec::new();
    for table in TABLES {
        let n = count_pg(to, table).await?;
        if n > 0 {
            occupied.push(format!("{table} ({n})"));
        }
    }
    if !occupied.is_empty() {
        bail!(
            "the target database already holds data in {}; copy only into an empty database \
             (a new one, with nothing but Kith's migrations applied)",
            occupied.join(", ")
        );
    }
    let mut total = 0;
    for table in TABLES {
        total += u64::try_from(count_sqlite(from, table).await?)?;
    }
    progress.total(total);
    let mut tx = to.pool().begin().await?;
    for table in TABLES {
        copy_table(from, &mut tx, table, progress)
            .await
            .with_context(|| format!("cannot copy the table {table}"))?;
    }
    tx.commit().await?;
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(Counted {
            table,
            source: count_sqlite(from, table).await?,
            target: count_pg(to, table).await?,
        });
    }
    Ok(counts)
}

async fn count_pg(store: &PgStore, table: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(store.pool())
            .await?,
    )
}

async fn count_sqlite(store: &SqliteStore, table: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(store.pool())
            .await?,
    )
}

/// A column's type on PostgreSQL, which says how to read it from SQLite.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Integer,
    Boolean,
    Text,
}

/// A value read from SQLite, to be bound on PostgreSQL.
enum Value {
    Integer(Option<i64>),
    Boolean(Option<bool>),
    Text(Option<String>),
}

async fn copy_table(
    from: &SqliteStore,
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &'static str,
    progress: &dyn Progress,
) -> anyhow::Result<()> {
    // The target's columns (a generated one, like the search vector, is
    // worked out by PostgreSQL itself).
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut **tx)
    .await?;
    // Columns only PostgreSQL has (its replicas' own bookkeeping, like the
    // senders' workspace leases) keep their defaults; a column only SQLite
    // has would be data left behind, so the copy stops, unless SQLite's
    // triggers work it out from the rest (see [`DERIVED`]).
    let source: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
        .bind(table)
        .fetch_all(from.pool())
        .await?;
    let left: Vec<&String> = source
        .iter()
        .filter(|c| !columns.iter().any(|(name, _)| name == *c))
        .filter(|c| !DERIVED.contains(&(table, c.as_str())))
        .collect();
    if !left.is_empty() {
        bail!("PostgreSQL has no column for {table}'s {left:?}: is this Kith older than the file?");
    }
    let columns: Vec<(String, String)> = columns
        .into_iter()
        .filter(|(name, _)| source.contains(name))
        .collect();
    let kinds: Vec<Kind> = columns
        .iter()
        .map(|(name, data_type)| match data_type.as_str() {
            "bigint" | "integer" => Ok(Kind::Integer),
            "boolean" => Ok(Kind::Boolean),
            "text" => Ok(Kind::Text),
            other => bail!("column {table}.{name} has a type ({other}) the copy does not know"),
        })
        .collect::<anyhow::Result<_>>()?;
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let select = format!("SELECT {} FROM {table} ORDER BY rowid", names.join(", "));
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(from.pool());
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
    while let Some(row) = rows.try_next().await? {
        let mut values = Vec::with_capacity(kinds.len());
        for (i, kind) in kinds.iter().enumerate() {
            values.push(match kind {
                Kind::Integer => Value::Integer(row.try_get(i)?),
                Kind::Boolean => Value::Boolean(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
            });
        }
        batch.push(values);
        if batch.len() == BATCH {
            insert(tx, table, &names, &batch).await?;
            progress.copied(table, batch.len() as u64);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        insert(tx, table, &names, &batch).await?;
        progress.copied(table, batch.len() as u64);
    }
    if names.contains(&"id") {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false)
             FROM {table}"
        )))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
    names: &[&str],
    rows: &[Vec<Value>],
) -> anyhow::Result<()> {
    let width = names.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    // OVERRIDING SYSTEM VALUE: ids are copied as they are.
    let sql = format!(
        "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES {}",
        names.join(", "),
        tuples.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        for value in row {
            query = match value {
                Value::Integer(v) => query.bind(*v),
                Value::Boolean(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.clone()),
            };
        }
    }
    query.execute(&mut **tx).await?;
    Ok(())
}
