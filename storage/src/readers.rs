//! The connections a command's reads run on.
//!
//! sqlx's pool pings every connection as it is released (a round trip to
//! the connection's thread, in a task of its own) to catch one left
//! mid-statement by a dropped future. For a read of one statement that
//! doubled its cost. These readers skip the ping and instead drop a
//! connection whose read did not finish, so no connection is reused in an
//! unknown state. Reads only: a statement outside any transaction, on
//! SQLite's WAL beside the writer.

use std::sync::Mutex;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{Semaphore, SemaphorePermit};

#[derive(Debug)]
pub(crate) struct Readers {
    options: SqliteConnectOptions,
    idle: Mutex<Vec<SqliteConnection>>,
    /// How many connections may be reading at once.
    permits: Semaphore,
}

/// A connection's place while it is lent for one read: holding it keeps
/// the place; [`Lent::give_back`] returns the connection once the read
/// finished. A read cut short drops its connection (its thread may still
/// be on the statement) and the next read opens a fresh one.
pub(crate) struct Lent<'r> {
    readers: &'r Readers,
    _permit: SemaphorePermit<'r>,
}

impl Readers {
    pub(crate) fn new(options: SqliteConnectOptions, most: usize) -> Readers {
        Readers {
            options,
            idle: Mutex::new(Vec::with_capacity(most)),
            permits: Semaphore::new(most),
        }
    }

    /// An idle connection, or a new one while fewer than the most are open.
    pub(crate) async fn get(&self) -> anyhow::Result<(SqliteConnection, Lent<'_>)> {
        let permit = self.permits.acquire().await?;
        let idle = self.lock().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => SqliteConnection::connect_with(&self.options).await?,
        };
        Ok((
            conn,
            Lent {
                readers: self,
                _permit: permit,
            },
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SqliteConnection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the idle connections (the store is closing).
    pub(crate) async fn close(&self) {
        let idle = std::mem::take(&mut *self.lock());
        for conn in idle {
            let _ = conn.close().await;
        }
    }
}

impl Lent<'_> {
    /// The read finished: the connection may be lent again.
    pub(crate) fn give_back(self, conn: SqliteConnection) {
        self.readers.lock().push(conn);
    }
}

/// Runs one read on a lent connection: `$query.fetch_…(conn)`.
macro_rules! read {
    ($store:expr, |$conn:ident| $body:expr) => {{
        let (mut conn, lent) = $store.readers.get().await?;
        let result = {
            let $conn = &mut conn;
            $body.await
        };
        lent.give_back(conn);
        result?
    }};
}
pub(crate) use read;

#[cfg(test)]
mod tests {
    use super::*;

    async fn readers(dir: &std::path::Path, most: usize) -> Readers {
        let options = SqliteConnectOptions::new()
            .filename(dir.join("r.db"))
            .create_if_missing(true);
        Readers::new(options, most)
    }

    fn idle(readers: &Readers) -> usize {
        readers.lock().len()
    }

    async fn one(readers: &Readers) -> anyhow::Result<i64> {
        let store = Store { readers };
        Ok(read!(store, |conn| sqlx::query_scalar("SELECT 1").fetch_one(conn)))
    }

    /// What `read!` expects of a store.
    struct Store<'r> {
        readers: &'r Readers,
    }

    /// A read that takes seconds.
    const SLOW: &str =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000)
                        SELECT count(*) FROM n";

    #[tokio::test]
    async fn a_finished_read_gives_its_connection_back_and_a_cut_one_does_not() {
        let dir = tempfile::tempdir().expect("dir");
        let readers = readers(dir.path(), 1).await;
        assert_eq!(one(&readers).await.expect("reads"), 1);
        assert_eq!(idle(&readers), 1, "given back");

        // A long read abandoned half-way: its connection is not lent again.
        let slow = async {
            let store = Store { readers: &readers };
            let n: i64 = read!(store, |conn| sqlx::query_scalar(SLOW).fetch_one(conn));
            anyhow::Ok(n)
        };
        let cut = tokio::time::timeout(std::time::Duration::from_millis(20), slow).await;
        assert!(cut.is_err(), "the read was cut short");
        assert_eq!(idle(&readers), 0, "not given back");

        // Its place is free again (one at most), on a fresh connection.
        assert_eq!(one(&readers).await.expect("reads"), 1);
        assert_eq!(idle(&readers), 1);
    }

    #[tokio::test]
    async fn a_failed_statement_still_gives_its_connection_back() {
        let dir = tempfile::tempdir().expect("dir");
        let readers = readers(dir.path(), 2).await;
        let store = Store { readers: &readers };
        let failed = async {
            let n: i64 = read!(store, |conn| sqlx::query_scalar("SELECT * FROM nowhere")
                .fetch_one(conn));
            anyhow::Ok(n)
        }
        .await;
        assert!(failed.is_err());
        assert_eq!(idle(&readers), 1);
        assert_eq!(one(&readers).await.expect("reads"), 1);
        assert_eq!(idle(&readers), 1, "the same connection, lent again");
    }
}
