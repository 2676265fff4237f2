//! Group commit: one connection makes the ledger's writes, in batches.
//!
//! Commands hand their writes to the writer and wait. The writer takes
//! whatever is queued (up to [`BATCH`]), opens one transaction, runs each
//! command's writes inside its own savepoint, commits once, and only then
//! answers each command. So:
//! - throughput follows the disk's commit rate, not one commit per command,
//!   and writers never sleep in SQLite's busy handler waiting for each other;
//! - a command that fails is rolled back to its savepoint and gets its own
//!   error; its batch-mates are unaffected;
//! - no command is answered before its write is committed, and a crash
//!   before the commit loses the whole batch, none of which was answered.
//!
//! Reads do not queue here: they run on the pool, beside the writer (WAL).

use futures_util::future::BoxFuture;
use kith_bot::once::{AlreadyCarriedOut, Seal};
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

/// The most commands one transaction holds.
pub const BATCH: usize = 128;

/// Commands waiting for the writer, at most.
const QUEUE: usize = 4096;

/// A command's writes, type-erased for the queue.
trait Work: Send {
    /// Whether its writes are one statement (or reads and at most one
    /// write): atomic by themselves, so they need no savepoint.
    fn single(&self) -> bool;
    /// The delivery its writes claim (see `kith_bot::once`), in the same
    /// round trip as its savepoint is opened.
    fn seal(&self) -> Option<&Seal>;
    /// Runs the writes in a savepoint; returns how to answer once the
    /// batch's fate is known, and whether the transaction survived. A
    /// refused claim runs nothing and undoes the savepoint.
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut SqliteConnection,
        claim: Result<(), AlreadyCarriedOut>,
    ) -> BoxFuture<'c, Ran>;
    /// Answers without running (the batch could not start).
    fn fail(self: Box<Self>, error: String);
}

/// What running one command's writes left behind.
struct Ran {
    answer: Box<dyn FnOnce(Result<(), String>) + Send>,
    /// False when the failure took the whole transaction with it (SQLite
    /// rolls back by itself on some I/O errors): the batch so far is lost.
    transaction_alive: bool,
}

struct Task<T, F> {
    writes: F,
    reply: oneshot::Sender<anyhow::Result<T>>,
    single: bool,
    seal: Option<Seal>,
}

impl<T, F> Work for Task<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, anyhow::Result<T>>
        + Send
        + 'static,
{
    fn single(&self) -> bool {
        self.single
    }

    fn seal(&self) -> Option<&Seal> {
        self.seal.as_ref()
    }

    /// Runs inside the savepoint `command` the writer opened for it (a
    /// single statement: inside whatever is open, undone by SQLite itself
    /// if it fails).
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut SqliteConnection,
        claim: Result<(), AlreadyCarriedOut>,
    ) -> BoxFuture<'c, Ran> {
        Box::pin(async move {
            let Task {
                writes,
                reply,
                single,
                seal: _,
            } = *self;
            let outcome = match claim {
                Ok(()) => (writes)(&mut *conn).await,
                Err(refused) => Err(refused.into()),
            };
            let transaction_alive = match &outcome {
                Ok(_) => true,
                Err(_) if single => true,
                Err(_) => sqlx::query("ROLLBACK TO command")
                    .execute(&mut *conn)
                    .await
                    .is_ok(),
            };
            Ran {
                answer: Box::new(move |committed| {
                    let answer = match (outcome, committed) {
                        (Err(e), _) => Err(e),
                        (Ok(value), Ok(())) => Ok(value),
                        (Ok(_), Err(why)) => {
                            Err(anyhow::anyhow!("the write was not committed: {why}"))
                        }
                    };
                    let _ = reply.send(answer);
                }),
                transaction_alive,
            }
        })
    }

    fn fail(self: Box<Self>, error: String) {
        let _ = self
            .reply
            .send(Err(anyhow::anyhow!("the write could not start: {error}")));
    }
}

/// The handle commands use to reach the writer.
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Box<dyn Work>>,
    batches: std::sync::Arc<std::sync::atomic::AtomicU64>,
    kept: Kept,
}

/// Commands' answers, kept for a redelivery (see `kith_bot::once`),
/// waiting for the next batch, which writes all of them in one statement.
/// Every Slack command keeps one after its member is answered; a statement
/// each had been a quarter of the writer's round trips.
#[derive(Clone, Debug, Default)]
struct Kept(std::sync::Arc<std::sync::Mutex<Vec<KeptAnswer>>>);

#[derive(Debug)]
struct KeptAnswer {
    platform: &'static str,
    key: String,
    answer: String,
    at: i64,
    reply: oneshot::Sender<anyhow::Result<()>>,
}

impl Kept {
    fn take(&self) -> Vec<KeptAnswer> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Adds one; whether it is the first waiting (so the writer must be
    /// woken for it).
    fn add(&self, answer: KeptAnswer) -> bool {
        let mut waiting = self.0.lock().unwrap_or_else(|e| e.into_inner());
        waiting.push(answer);
        waiting.len() == 1
    }
}

/// Wakes the writer for kept answers: a batch writes them whatever it holds.
struct Wake;

impl Work for Wake {
    fn single(&self) -> bool {
        true
    }

    fn seal(&self) -> Option<&Seal> {
        None
    }

    fn run<'c>(
        self: Box<Self>,
        _conn: &'c mut SqliteConnection,
        _claim: Result<(), AlreadyCarriedOut>,
    ) -> BoxFuture<'c, Ran> {
        Box::pin(async {
            Ran {
                answer: Box::new(|_| {}),
                transaction_alive: true,
            }
        })
    }

    fn fail(self: Box<Self>, _error: String) {}
}

/// Writes the kept answers in one statement; how to tell each whether
/// its answer was written, once the batch's fate is known.
async fn keep(
    conn: &mut SqliteConnection,
    kept: Vec<KeptAnswer>,
) -> Vec<Box<dyn FnOnce(Result<(), String>) + Send>> {
    let rows: Vec<serde_json::Value> = kept
        .iter()
        .map(|k| serde_json::json!([k.platform, k.key, k.answer, k.at]))
        .collect();
    let written = sqlx::query(
        "UPDATE command_answers SET answer = k.value ->> 2, answered_at = k.value ->> 3
         FROM json_each(?) k
         WHERE command_answers.platform = k.value ->> 0
           AND command_answers.delivery_key = k.value ->> 1",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(&mut *conn)
    .await
    .map(|_| ())
    .map_err(|e| e.to_string());
    // A failed single statement undoes only itself: the batch goes on.
    kept.into_iter()
        .map(|k| {
            let written = written.clone();
            Box::new(move |committed: Result<(), String>| {
                let outcome = match (written, committed) {
                    (Err(why), _) | (Ok(()), Err(why)) => {
                        Err(anyhow::anyhow!("the answer was not kept: {why}"))
                    }
                    (Ok(()), Ok(())) => Ok(()),
                };
                let _ = k.reply.send(outcome);
            }) as Box<dyn FnOnce(Result<(), String>) + Send>
        })
        .collect()
}

impl std::fmt::Debug for dyn Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Work")
    }
}

impl Writer {
    /// Starts the writer on its own connection.
    pub fn start(conn: SqliteConnection) -> Writer {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let batches = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let kept = Kept::default();
        tokio::spawn(run(conn, jobs, batches.clone(), kept.clone()));
        Writer {
            queue,
            batches,
            kept,
        }
    }

    /// Keeps a command's answer for a redelivery, with the other answers
    /// of the next batch in one statement; returns once it is committed.
    pub async fn keep_answer(
        &self,
        platform: &'static str,
        key: String,
        answer: String,
        at: i64,
    ) -> anyhow::Result<()> {
        let (reply, written) = oneshot::channel();
        let first = self.kept.add(KeptAnswer {
            platform,
            key,
            answer,
            at,
            reply,
        });
        if first {
            self.queue
                .send(Box::new(Wake))
                .await
                .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?;
        }
        written
            .await
            .map_err(|_| anyhow::anyhow!("the database writer stopped before committing"))?
    }

    /// Runs `writes` in the next batch and returns their result once the
    /// batch is committed (or their own error, having written nothing).
    pub async fn write<T, F>(&self, writes: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, anyhow::Result<T>>
            + Send
            + 'static,
    {
        self.submit(writes, false).await
    }

    /// Like [`Writer::write`], for writes that are one statement (reads
    /// and at most one write): atomic by themselves, they skip the
    /// savepoint and its round trip.
    pub async fn write_one<T, F>(&self, writes: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, anyhow::Result<T>>
            + Send
            + 'static,
    {
        self.submit(writes, true).await
    }

    async fn submit<T, F>(&self, writes: F, single: bool) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, anyhow::Result<T>>
            + Send
            + 'static,
    {
        // A command's writes claim its delivery in their own transaction
        // (see `kith_bot::once`): two statements, so a savepoint.
        match Seal::current() {
            Some(seal) => self.enqueue(writes, false, Some(seal)).await,
            None => self.enqueue(writes, single, None).await,
        }
    }

    async fn enqueue<T, F>(&self, writes: F, single: bool, seal: Option<Seal>) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, anyhow::Result<T>>
            + Send
            + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Box::new(Task {
                writes,
                reply,
                single,
                seal,
            }))
            .await
            .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the database writer stopped before committing"))?
    }

    /// How many transactions the writer has committed or tried (for tests
    /// and benchmarks: fewer than the commands means they were batched).
    pub fn batches(&self) -> u64 {
        self.batches.load(std::sync::atomic::Ordering::Relaxed)
    }
}

async fn run(
    mut conn: SqliteConnection,
    mut jobs: mpsc::Receiver<Box<dyn Work>>,
    batches: std::sync::Arc<std::sync::atomic::AtomicU64>,
    kept: Kept,
) {
    let mut waiting: Vec<Box<dyn Work>> = Vec::new();
    loop {
        if waiting.is_empty() {
            match jobs.recv().await {
                Some(first) => waiting.push(first),
                None => break,
            }
        }
        while waiting.len() < BATCH {
            match jobs.try_recv() {
                Ok(job) => waiting.push(job),
                Err(_) => break,
            }
        }
        batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Each command of several statements runs in the savepoint
        // `command`; before the next such one, one round trip releases the
        // last one's and opens the next one's. Single statements need none.
        if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await {
            let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
            let why = e.to_string();
            tracing::error!(error = %why, "the database writer could not start a transaction");
            for job in waiting.drain(..) {
                job.fail(why.clone());
            }
            for answer in kept.take() {
                let _ = answer
                    .reply
                    .send(Err(anyhow::anyhow!("the answer could not be kept: {why}")));
            }
            continue;
        }
        let mut answers = Vec::with_capacity(waiting.len());
        let waiting_answers = kept.take();
        if !waiting_answers.is_empty() {
            answers.extend(keep(&mut conn, waiting_answers).await);
        }
        let mut rest = waiting.drain(..);
        let mut lost = false;
        let mut open = false;
        let mut unrun: Option<Box<dyn Work>> = None;
        for job in rest.by_ref() {
            let mut claim = Ok(());
            if !job.single() {
                let opened = match (job.seal(), open) {
                    (Some(seal), false) => {
                        crate::seal::claim_with(&mut conn, crate::seal::OPEN_AND_CLAIM, seal).await
                    }
                    (Some(seal), true) => {
                        crate::seal::claim_with(&mut conn, crate::seal::NEXT_AND_CLAIM, seal).await
                    }
                    (None, false) => sqlx::query("SAVEPOINT command")
                        .execute(&mut conn)
                        .await
                        .map(|_| Ok(())),
                    (None, true) => sqlx::query("RELEASE command; SAVEPOINT command")
                        .execute(&mut conn)
                        .await
                        .map(|_| Ok(())),
                };
                match opened {
                    Ok(verdict) => claim = verdict,
                    Err(e) if job.seal().is_some() => {
                        // The database failed to open a savepoint or to
                        // insert a claim that cannot conflict (disk, I/O):
                        // the transaction cannot be trusted. This command
                        // gets the error (carried, it could fail again and
                        // again); the rest go in the next batch.
                        lost = true;
                        job.fail(e.to_string());
                        break;
                    }
                    Err(_) => {
                        // Not run: it goes in the next batch with the rest.
                        lost = true;
                        unrun = Some(job);
                        break;
                    }
                }
                open = true;
            }
            let ran = job.run(&mut conn, claim).await;
            answers.push(ran.answer);
            if !ran.transaction_alive {
                lost = true;
                break;
            }
        }
        // Commands not yet run when the transaction was lost go in the next batch.
        let carried: Vec<Box<dyn Work>> = unrun.into_iter().chain(rest).collect();
        let committed = if lost {
            let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
            Err("the transaction was rolled back by the database".to_string())
        } else {
            match sqlx::query("COMMIT").execute(&mut conn).await {
                Ok(_) => Ok(()),
                Err(e) => {
                    let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
                    Err(e.to_string())
                }
            }
        };
        if let Err(why) = &committed {
            tracing::error!(error = %why, commands = answers.len(), "a batch of writes was not committed");
        }
        for answer in answers {
            answer(committed.clone());
        }
        waiting = carried;
    }
    let _ = conn.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

    async fn open(dir: &std::path::Path) -> SqliteConnection {
        let options = SqliteConnectOptions::new()
            .filename(dir.join("w.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .expect("opens");
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)",
        )
        .execute(&mut conn)
        .await
        .expect("table");
        conn
    }

    fn insert(
        v: String,
    ) -> impl for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, anyhow::Result<i64>>
    + Send
    + 'static {
        move |conn| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar("INSERT INTO t (v) VALUES (?) RETURNING id")
                    .bind(v)
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(id)
            })
        }
    }

    async fn values(conn: &mut SqliteConnection) -> Vec<String> {
        sqlx::query_scalar("SELECT v FROM t ORDER BY v")
            .fetch_all(conn)
            .await
            .expect("reads")
    }

    /// A writer whose queue is filled before it starts, so what is queued
    /// is one batch for certain.
    fn writer_with(
        conn: SqliteConnection,
        jobs: Vec<Box<dyn Work>>,
    ) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        let (queue, rx) = mpsc::channel(QUEUE);
        for job in jobs {
            queue.try_send(job).map_err(|_| ()).expect("queued");
        }
        drop(queue);
        let batches = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        tokio::spawn(run(conn, rx, batches.clone(), Kept::default()));
        batches
    }

    fn task<T: Send + 'static, F>(
        writes: F,
    ) -> (Box<dyn Work>, oneshot::Receiver<anyhow::Result<T>>)
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, anyhow::Result<T>>
            + Send
            + 'static,
    {
        let (reply, answer) = oneshot::channel();
        (
            Box::new(Task {
                writes,
                reply,
                single: false,
                seal: None,
            }),
            answer,
        )
    }

    fn sealed_task(
        seal: &Seal,
        v: &str,
    ) -> (Box<dyn Work>, oneshot::Receiver<anyhow::Result<i64>>) {
        let (reply, answer) = oneshot::channel();
        (
            Box::new(Task {
                writes: insert(v.into()),
                reply,
                single: false,
                seal: Some(seal.clone()),
            }),
            answer,
        )
    }

    /// The table delivery claims and kept answers go to, as migrated.
    async fn answers_table(conn: &mut SqliteConnection) {
        sqlx::query(
            "CREATE TABLE command_answers (platform TEXT NOT NULL, delivery_key TEXT NOT NULL,
                 answer TEXT, started_at INTEGER NOT NULL, answered_at INTEGER, owner TEXT,
                 PRIMARY KEY (platform, delivery_key))",
        )
        .execute(conn)
        .await
        .expect("table");
    }

    #[tokio::test]
    async fn a_delivery_claimed_in_its_savepoints_round_trip_writes_once_per_key() {
        let dir = tempfile::tempdir().expect("dir");
        let mut conn = open(dir.path()).await;
        answers_table(&mut conn).await;
        let now = chrono::Utc::now();
        let first = Seal::new(kith_bot::domain::Platform::Slack, "t1", now);
        let again = Seal::new(kith_bot::domain::Platform::Slack, "t1", now);
        // The first delivery's write; the same key delivered again; an
        // unsealed batch-mate; the first delivery's second write.
        let (a, a_answer) = sealed_task(&first, "a");
        let (b, b_answer) = sealed_task(&again, "b");
        let (c, c_answer) = task(insert("c".into()));
        let (d, d_answer) = sealed_task(&first, "d");
        let batches = writer_with(conn, vec![a, b, c, d]);
        assert!(a_answer.await.expect("answered").is_ok());
        let refused = b_answer
            .await
            .expect("answered")
            .expect_err("already carried out");
        assert!(refused.is::<AlreadyCarriedOut>(), "{refused}");
        assert!(c_answer.await.expect("answered").is_ok());
        assert!(d_answer.await.expect("answered").is_ok());
        assert!(first.claimed() && again.refused());
        let mut reader = open(dir.path()).await;
        assert_eq!(values(&mut reader).await, vec!["a", "c", "d"]);
        let owner: String = sqlx::query_scalar("SELECT owner FROM command_answers")
            .fetch_one(&mut reader)
            .await
            .expect("one claim");
        assert_eq!(owner, first.owner);
        assert_eq!(batches.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn kept_answers_are_written_together_and_only_once_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let mut conn = open(dir.path()).await;
        answers_table(&mut conn).await;
        sqlx::query(
            "INSERT INTO command_answers (platform, delivery_key, started_at)
             VALUES ('slack', 'k1', 1), ('slack', 'k2', 1), ('discord', 'k1', 1)",
        )
        .execute(&mut conn)
        .await
        .expect("claims");
        let writer = Writer::start(conn);
        let keep = |platform: &'static str, key: &str, answer: &str| {
            writer.keep_answer(platform, key.to_string(), answer.to_string(), 7)
        };
        let (a, b, c) = tokio::join!(
            keep("slack", "k1", "{\"text\":\"one\"}"),
            keep("slack", "k2", "two"),
            keep("discord", "k1", "three"),
        );
        assert!(a.is_ok() && b.is_ok() && c.is_ok());
        assert!(writer.batches() <= 2, "{} batches", writer.batches());
        let mut reader = open(dir.path()).await;
        let rows: Vec<(String, String, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT platform, delivery_key, answer, answered_at FROM command_answers
             ORDER BY platform, delivery_key",
        )
        .fetch_all(&mut reader)
        .await
        .expect("rows");
        assert_eq!(
            rows,
            vec![
                ("discord".into(), "k1".into(), Some("three".into()), Some(7)),
                (
                    "slack".into(),
                    "k1".into(),
                    Some("{\"text\":\"one\"}".into()),
                    Some(7)
                ),
                ("slack".into(), "k2".into(), Some("two".into()), Some(7)),
            ]
        );
    }

    #[tokio::test]
    async fn a_claim_the_database_cannot_make_fails_its_command_and_the_rest_go_on() {
        // No command_answers table: the claim fails inside the database.
        let dir = tempfile::tempdir().expect("dir");
        let conn = open(dir.path()).await;
        let seal = Seal::new(kith_bot::domain::Platform::Slack, "t1", chrono::Utc::now());
        let (a, a_answer) = task(insert("a".into()));
        let (b, b_answer) = sealed_task(&seal, "b");
        let (c, c_answer) = task(insert("c".into()));
        let batches = writer_with(conn, vec![a, b, c]);
        // The sealed command gets the database's error; its batch, which
        // could not be trusted, is not committed, so "a" is told so; "c"
        // had not run and is written in the next batch.
        let b_error = b_answer.await.expect("answered").expect_err("no claim");
        assert!(b_error.to_string().contains("command_answers"), "{b_error}");
        let a_error = a_answer.await.expect("answered").expect_err("rolled back");
        assert!(a_error.to_string().contains("not committed"), "{a_error}");
        assert!(c_answer.await.expect("answered").is_ok());
        let mut reader = open(dir.path()).await;
        assert_eq!(values(&mut reader).await, vec!["c"]);
        assert_eq!(batches.load(std::sync::atomic::Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn an_answer_that_cannot_be_kept_is_an_error_for_it_alone() {
        // No command_answers table: the kept answers' statement fails.
        let dir = tempfile::tempdir().expect("dir");
        let conn = open(dir.path()).await;
        let writer = Writer::start(conn);
        let kept = writer.keep_answer("slack", "k1".into(), "one".into(), 7);
        let written = writer.write(insert("a".into()));
        let (kept, written) = tokio::join!(kept, written);
        let error = kept.expect_err("not kept");
        assert!(error.to_string().contains("not kept"), "{error}");
        assert!(written.is_ok(), "a batch-mate is committed");
        let mut reader = open(dir.path()).await;
        assert_eq!(values(&mut reader).await, vec!["a"]);
    }

    #[tokio::test]
    async fn a_failing_command_gets_its_own_error_and_its_batch_mates_are_written() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = open(dir.path()).await;
        let (a, a_answer) = task(insert("a".into()));
        // Writes one row, then breaks a constraint: both undone.
        let (bad, bad_answer) = task(
            |conn: &mut SqliteConnection| -> BoxFuture<'_, anyhow::Result<i64>> {
                Box::pin(async move {
                    sqlx::query("INSERT INTO t (v) VALUES ('half')")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("INSERT INTO t (v) VALUES ('a')")
                        .execute(&mut *conn)
                        .await?;
                    Ok(0)
                })
            },
        );
        let (c, c_answer) = task(insert("c".into()));
        let batches = writer_with(conn, vec![a, bad, c]);
        assert!(a_answer.await.expect("answered").is_ok());
        let refused = bad_answer
            .await
            .expect("answered")
            .expect_err("a duplicate");
        assert!(refused.to_string().contains("UNIQUE"), "{refused}");
        assert!(c_answer.await.expect("answered").is_ok());
        let mut reader = open(dir.path()).await;
        assert_eq!(values(&mut reader).await, vec!["a", "c"]);
        assert_eq!(
            batches.load(std::sync::atomic::Ordering::Relaxed),
            1,
            "one transaction"
        );
    }

    #[tokio::test]
    async fn a_failing_single_statement_undoes_only_itself() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = open(dir.path()).await;
        let (two, two_answer) = task(
            |conn: &mut SqliteConnection| -> BoxFuture<'_, anyhow::Result<i64>> {
                Box::pin(async move {
                    sqlx::query("INSERT INTO t (v) VALUES ('a')")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("INSERT INTO t (v) VALUES ('b')")
                        .execute(&mut *conn)
                        .await?;
                    Ok(2)
                })
            },
        );
        // Runs inside the savepoint the command before it left open: its
        // failure must not roll that command back.
        let (reply, one_answer) = oneshot::channel();
        let one: Box<dyn Work> = Box::new(Task {
            writes: insert("a".into()),
            reply,
            single: true,
            seal: None,
        });
        let (three, three_answer) = task(insert("c".into()));
        writer_with(conn, vec![two, one, three]);
        assert!(two_answer.await.expect("answered").is_ok());
        assert!(one_answer.await.expect("answered").is_err());
        assert!(three_answer.await.expect("answered").is_ok());
        let mut reader = open(dir.path()).await;
        assert_eq!(values(&mut reader).await, vec!["a", "b", "c"]);
    }

    #[tokio::test]
    async fn no_command_is_answered_before_its_batch_is_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = open(dir.path()).await;
        let (first, mut first_answer) = task(insert("first".into()));
        let (started_tx, started) = oneshot::channel::<()>();
        let (gate_tx, gate) = oneshot::channel::<()>();
        let (second, second_answer) = task(
            move |conn: &mut SqliteConnection| -> BoxFuture<'_, anyhow::Result<i64>> {
                Box::pin(async move {
                    let _ = started_tx.send(());
                    let _ = gate.await;
                    let id: i64 =
                        sqlx::query_scalar("INSERT INTO t (v) VALUES ('second') RETURNING id")
                            .fetch_one(&mut *conn)
                            .await?;
                    Ok(id)
                })
            },
        );
        writer_with(conn, vec![first, second]);
        started.await.expect("the second command runs");
        // The first command's write is done but not committed: no answer
        // yet, and another connection cannot see it.
        assert!(matches!(
            first_answer.try_recv(),
            Err(oneshot::error::TryRecvError::Empty)
        ));
        let mut reader = open(dir.path()).await;
        assert!(values(&mut reader).await.is_empty());
        gate_tx.send(()).expect("gate");
        assert!(first_answer.await.expect("answered").is_ok());
        assert!(second_answer.await.expect("answered").is_ok());
        assert_eq!(values(&mut reader).await, vec!["first", "second"]);
    }

    #[tokio::test]
    async fn a_crash_before_the_commit_writes_nothing_and_answers_nobody_yes() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = open(dir.path()).await;
        let (first, first_answer) = task(insert("first".into()));
        // The process dies in the middle of the batch (here: the writer
        // task panics), after the first command's writes.
        let (dies, _) = task(
            |_conn: &mut SqliteConnection| -> BoxFuture<'_, anyhow::Result<i64>> {
                Box::pin(async move { panic!("the process dies mid-batch") })
            },
        );
        writer_with(conn, vec![first, dies]);
        assert!(
            first_answer.await.is_err(),
            "nobody was told their write was done"
        );
        let mut reader = open(dir.path()).await;
        assert!(values(&mut reader).await.is_empty(), "nothing half-written");
    }

    #[tokio::test]
    async fn a_batch_that_cannot_start_fails_its_commands_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("dir");
        let mut holder = open(dir.path()).await;
        // The writer waits at most 50 ms for the lock another process holds.
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("w.db"))
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_millis(50));
        let conn = SqliteConnection::connect_with(&options)
            .await
            .expect("opens");
        let writer = Writer::start(conn);
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut holder)
            .await
            .expect("locked");
        let refused = writer
            .write(insert("blocked".into()))
            .await
            .expect_err("the lock is held");
        assert!(refused.to_string().contains("could not start"), "{refused}");
        sqlx::query("ROLLBACK")
            .execute(&mut holder)
            .await
            .expect("unlocked");
        assert!(writer.write(insert("after".into())).await.is_ok());
        assert_eq!(values(&mut holder).await, vec!["after"]);
    }

    #[tokio::test]
    async fn concurrent_commands_share_transactions() {
        let dir = tempfile::tempdir().expect("dir");
        let writer = Writer::start(open(dir.path()).await);
        let mut handles = Vec::new();
        for i in 0..200 {
            let writer = writer.clone();
            handles.push(tokio::spawn(async move {
                writer.write(insert(format!("v{i:03}"))).await
            }));
        }
        for handle in handles {
            assert!(handle.await.expect("joined").is_ok());
        }
        let mut reader = open(dir.path()).await;
        assert_eq!(values(&mut reader).await.len(), 200);
        assert!(
            writer.batches() < 200,
            "{} transactions for 200 commands",
            writer.batches()
        );
    }
}
