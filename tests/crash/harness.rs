//! The harness's parts: a database of due reminders, `kith` processes to
//! start, kill and stop, and the checks on what the fake Slack received.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::Utc;
use kith_bot::domain::Platform;
use kith_bot::ports::ManualClock;
use kith_bot::{Actor, Kith};
use kith_storage::{AnyStore, testing};
use tempfile::TempDir;

use crate::fake_slack::FakeSlack;

/// Members are spread over this many teams (workspaces): Slack allows
/// about 50 conversations.open a minute per team, and a restarted process
/// opens every DM afresh.
const TEAMS: usize = 25;
const BOT_TOKEN: &str = "xoxb-crash-harness";
const SIGNING_SECRET: &str = "crash-harness-secret";
/// "Never" for the scheduler: the harness queues the rows itself.
const NEVER: i64 = 253_402_300_799;

/// A number from the environment, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64: random kill timings, replayable from the printed seed.
pub struct Rng(u64);

impl Rng {
    pub fn from_env() -> Rng {
        let seed = std::env::var("KITH_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(7)
            })
            .max(1);
        eprintln!("KITH_CRASH_SEED={seed}");
        Rng(seed)
    }

    /// A number in `low..high` (milliseconds, say).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        low + self.0 % (high - low).max(1)
    }
}

/// Messages each process sends at once: several, so kills land with many
/// sends under way, but few enough that a slow fake keeps the run long.
pub const SENDS_AT_ONCE: usize = 4;

/// One database of due reminders and one fake Slack, shared by the
/// processes a test starts.
pub struct Harness {
    dir: TempDir,
    /// The database's URL (a SQLite file, or a throwaway PostgreSQL).
    db: String,
    /// The same database, to look into directly.
    sql: sqlx::AnyPool,
    pub fake: FakeSlack,
    reminders: usize,
    /// Community notices queued: a shared link to post in each team's
    /// resources channel.
    posts: usize,
    /// When the test began, on both clocks: turns the fake's `Instant`s
    /// into wall-clock seconds.
    began: (Instant, i64),
    started: std::sync::atomic::AtomicUsize,
}

impl Harness {
    /// `reminders` members, each with a contact due and a reminder row
    /// due now (its window: from a minute ago to an hour from now), and a
    /// fake Slack that answers each post `post_delay` after taking it.
    pub async fn new(reminders: usize, post_delay: Duration) -> Harness {
        Harness::with_posts(reminders, 0, post_delay).await
    }

    /// As [`Harness::new`], and `posts` community notices: links shared by
    /// the first `posts` members, each to be posted in its team's
    /// resources channel (`C` and the team id).
    pub async fn with_posts(reminders: usize, posts: usize, post_delay: Duration) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("kith.db").display().to_string();
        Harness::on(dir, db, reminders, posts, post_delay).await
    }

    /// As [`Harness::with_posts`], on a fresh database of the process's
    /// throwaway PostgreSQL server; `None` (after a loud message) when
    /// its programs are missing outside CI.
    pub async fn on_postgres(
        reminders: usize,
        posts: usize,
        post_delay: Duration,
    ) -> Option<Harness> {
        let db = testing::fresh_database().await?;
        let dir = tempfile::tempdir().expect("temp dir");
        Some(Harness::on(dir, db, reminders, posts, post_delay).await)
    }

    async fn on(
        dir: TempDir,
        db: String,
        reminders: usize,
        posts: usize,
        post_delay: Duration,
    ) -> Harness {
        assert!(posts <= reminders);
        let fake = FakeSlack::start().await;
        fake.delay_posts(post_delay);
        let store = AnyStore::open(&db).await.expect("opens");
        let sql = testing::inspector(&db).await;
        let now = Utc::now();
        // Everyone added a friend three weeks ago: due (inner: every 2 weeks).
        let clock = ManualClock::at(now - chrono::Duration::days(21));
        let kith = Kith::new(Arc::new(store.clone()), Arc::new(clock));
        for i in 0..reminders {
            let member = member(i);
            let team = format!("T{:02}", i % TEAMS);
            let actor = Actor::new(Platform::Slack, &team, &member, format!("Member {i}"));
            let reply = kith.handle(&actor, "add \"Old Friend\" inner").await;
            assert!(!reply.is_error, "{}", reply.plain_text());
        }
        let pool = &sql;
        sqlx::query("UPDATE members SET next_reminder_at = $1, next_digest_at = $1")
            .bind(NEVER)
            .execute(pool)
            .await
            .expect("schedules off");
        let queued = sqlx::query(
            "INSERT INTO outbox (workspace_id, member_id, kind, local_date, not_before,
                                 expires_at, next_attempt_at, created_at)
             SELECT workspace_id, id, 'reminder', $1, $2, $3, $2, $4 FROM members
             WHERE welcomed",
        )
        .bind(now.date_naive().to_string())
        .bind(now.timestamp() - 60)
        .bind(now.timestamp() + 3_600)
        .bind(now.timestamp())
        .execute(pool)
        .await
        .expect("queued")
        .rows_affected();
        assert_eq!(queued as usize, reminders);
        for sql in [
            "UPDATE workspaces SET resources_channel = 'C' || external_id",
            "INSERT INTO resources (workspace_id, member_id, url, url_key, title, tags, shared_at)
             SELECT workspace_id, id, 'https://example.org/guide/' || id,
                    'example.org/guide/' || id, 'Guide ' || id, '', $2
             FROM members WHERE welcomed AND external_id < $1",
            // A team's posts one after another in the queue, so that
            // senders claiming side by side would reach the same channel
            // at once but for the per-workspace lease.
            "INSERT INTO notices (workspace_id, kind, subject, next_attempt_at, created_at)
             SELECT workspace_id, 'resource_post', id, $2 - 60, $2 FROM resources
             ORDER BY workspace_id, id",
        ] {
            sqlx::query(sql)
                .bind(member(posts))
                .bind(now.timestamp())
                .execute(pool)
                .await
                .expect("notices queued");
        }
        store.close().await;
        Harness {
            dir,
            db,
            sql,
            fake,
            reminders,
            posts,
            began: (Instant::now(), Utc::now().timestamp()),
            started: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Starts `kith run` on the database, in Slack HTTP mode.
    pub fn start(&self, name: &str) -> Process {
        let n = self
            .started
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let addr = free_addr();
        let log = self.dir.path().join(format!("{name}-{n}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_kith"));
        // Only the configuration below: not the harness's own KITH_CRASH_*.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("KITH_") {
                command.env_remove(name);
            }
        }
        let child = command
            .arg("run")
            .current_dir(self.dir.path())
            .env("KITH_DATABASE_URL", &self.db)
            .env("KITH_HTTP_ADDR", &addr)
            .env("KITH_SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("KITH_SLACK_SIGNING_SECRET", SIGNING_SECRET)
            .env("KITH_SLACK_API_URL", self.fake.api_url())
            .env("KITH_SENDS_AT_ONCE", SENDS_AT_ONCE.to_string())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("kith starts");
        Process {
            child,
            addr,
            log,
            exit: None,
        }
    }

    /// Rows queued: reminders and notices.
    pub fn rows(&self) -> usize {
        self.reminders + self.posts
    }

    /// Messages the fake Slack has taken (duplicates included).
    pub fn delivered(&self) -> usize {
        self.fake.posted().len()
    }

    /// Waits (bounded) until the fake Slack has taken `count` messages.
    pub async fn wait_for_posts(&self, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.delivered() < count.min(self.rows()) {
            assert!(
                Instant::now() < deadline,
                "waited {within:?} for {count} messages; got {}",
                self.delivered()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (bounded) until no row is pending.
    pub async fn wait_all_settled(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let pending: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending')
                          + (SELECT COUNT(*) FROM notices WHERE state = 'pending')",
            )
            .fetch_one(&self.sql)
            .await
            .expect("count");
            if pending == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{pending} rows still pending after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The pending rows (reminders and notices) a process (by pid) holds a
    /// claim on, as (table, id).
    pub async fn held_by(&self, pid: u32) -> Vec<(String, i64)> {
        sqlx::query_as(
            "SELECT 'outbox', id FROM outbox WHERE state = 'pending' AND lease_owner LIKE $1
             UNION ALL
             SELECT 'notices', id FROM notices WHERE state = 'pending' AND lease_owner LIKE $1",
        )
        .bind(format!("kith-{pid}/%"))
        .fetch_all(&self.sql)
        .await
        .expect("held rows")
    }

    /// Pending rows under any claim.
    pub async fn leased(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM outbox
                     WHERE state = 'pending' AND lease_owner IS NOT NULL)
                  + (SELECT COUNT(*) FROM notices
                     WHERE state = 'pending' AND lease_owner IS NOT NULL)",
        )
        .fetch_one(&self.sql)
        .await
        .expect("count")
    }

    /// Messages Slack took whose rows are not settled as sent: at a kill,
    /// the attempts whose outcome the dead process never learnt.
    pub async fn taken_but_unsettled(&self) -> i64 {
        let sent: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'sent')
                  + (SELECT COUNT(*) FROM notices WHERE state = 'sent')",
        )
        .fetch_one(&self.sql)
        .await
        .expect("count");
        self.delivered() as i64 - sent
    }

    /// Waits until every row of `rows` is settled; fails at `deadline`.
    /// Returns how long after `deadline - 30 s` (the kill) that was.
    pub async fn wait_settled(&self, rows: &[(String, i64)], deadline: Instant) -> Duration {
        let killed_at = deadline - Duration::from_secs(30);
        loop {
            let mut pending = 0;
            for (table, id) in rows {
                let sql = match table.as_str() {
                    "outbox" => "SELECT state FROM outbox WHERE id = $1",
                    _ => "SELECT state FROM notices WHERE id = $1",
                };
                let state: String = sqlx::query_scalar(sql)
                    .bind(id)
                    .fetch_one(&self.sql)
                    .await
                    .expect("state");
                pending += usize::from(state == "pending");
            }
            if pending == 0 {
                return killed_at.elapsed();
            }
            assert!(
                Instant::now() < deadline,
                "{pending} of the dead process's {} rows still pending 30 s after the kill",
                rows.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// conversations.history lookups made to resolve unknown outcomes.
    pub fn history_lookups(&self) -> usize {
        self.fake.calls_to("conversations.history").len()
    }

    /// Every reminder arrived, once, in its member's DM, with its row's
    /// key, inside its window; every shared link once in its team's
    /// channel; every row is settled as sent; nothing else was posted.
    pub async fn assert_each_delivered_once_in_its_window(&self) {
        // Messages Slack took (not the calls it answered with a 429), by key.
        let posts = self.fake.posted();
        let mut by_key: HashMap<String, Vec<&crate::fake_slack::Posted>> = HashMap::new();
        for post in &posts {
            let key = FakeSlack::key_of(post).unwrap_or_default();
            by_key.entry(key).or_default().push(post);
        }
        let twice: Vec<_> = by_key
            .iter()
            .filter(|(_, posts)| posts.len() > 1)
            .map(|(key, posts)| (key.clone(), posts.len()))
            .collect();
        assert!(twice.is_empty(), "sent more than once: {twice:?}");

        let reminders: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
            "SELECT o.id, m.external_id, o.state, o.not_before, o.expires_at
             FROM outbox o JOIN members m ON m.id = o.member_id",
        )
        .fetch_all(&self.sql)
        .await
        .expect("rows");
        assert_eq!(reminders.len(), self.reminders);
        for (id, member, state, not_before, expires_at) in reminders {
            assert_eq!(state, "sent", "row {id} for {member}");
            let post = by_key
                .get(&format!("kith-reminder-{id}"))
                .and_then(|p| p.first())
                .unwrap_or_else(|| panic!("{member} got no reminder (row {id})"));
            assert_eq!(post.channel, format!("D{member}"));
            let at = self.began.1 + (post.at - self.began.0).as_secs() as i64;
            assert!(
                (not_before..=expires_at).contains(&at),
                "{member}'s reminder went out at {at}, outside {not_before}..={expires_at}"
            );
        }

        let notices: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT n.id, n.state, w.external_id
             FROM notices n JOIN workspaces w ON w.id = n.workspace_id",
        )
        .fetch_all(&self.sql)
        .await
        .expect("notices");
        assert_eq!(notices.len(), self.posts);
        for (id, state, team) in notices {
            assert_eq!(state, "sent", "notice {id}");
            let post = by_key
                .get(&format!("kith-resource_post-{id}"))
                .and_then(|p| p.first())
                .unwrap_or_else(|| panic!("notice {id} was not posted"));
            assert_eq!(post.channel, format!("C{team}"));
        }
        assert_eq!(posts.len(), self.rows(), "0 lost, 0 duplicates");
    }
}

impl Harness {
    /// No channel got two messages less than a second apart (Slack's one
    /// message a second per channel), whichever processes sent them.
    pub fn assert_channels_paced(&self) {
        let mut by_channel: HashMap<String, Vec<Instant>> = HashMap::new();
        for post in self.fake.posted() {
            by_channel
                .entry(post.channel.clone())
                .or_default()
                .push(post.at);
        }
        let mut shared = 0;
        for (channel, mut times) in by_channel {
            times.sort();
            shared += usize::from(times.len() > 1);
            for pair in times.windows(2) {
                let gap = pair[1] - pair[0];
                // A little slack for the time between Kith's pacing and
                // the fake taking the request.
                assert!(
                    gap >= Duration::from_millis(900),
                    "{channel} got two messages {gap:?} apart"
                );
            }
        }
        assert!(
            shared > 0,
            "no channel got more than one message: nothing was checked"
        );
    }
}

fn member(i: usize) -> String {
    format!("U{i:05}")
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("addr").to_string()
}

/// A running `kith` process.
pub struct Process {
    child: Child,
    addr: String,
    log: std::path::PathBuf,
    exit: Option<Option<i32>>,
}

impl Process {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.exit = Some(None);
    }

    /// Sends a signal by name (`TERM`, `INT`).
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success(), "could not send SIG{name}");
    }

    /// `Some(exit code)` once it has exited (`None` inside: by a signal).
    pub fn exited(&mut self) -> Option<Option<i32>> {
        if self.exit.is_none()
            && let Ok(Some(status)) = self.child.try_wait()
        {
            self.exit = Some(status.code());
        }
        self.exit
    }

    /// The status of `GET path`, if it answered.
    pub async fn get(&self, client: &reqwest::Client, path: &str) -> Option<u16> {
        client
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    /// SIGTERM, then waits for a clean exit (code 0) within `within`.
    pub async fn terminate_and_wait(&mut self, within: Duration) {
        self.signal("TERM");
        let deadline = Instant::now() + within;
        loop {
            if let Some(code) = self.exited() {
                assert_eq!(
                    code,
                    Some(0),
                    "exit after SIGTERM; log:\n{}",
                    self.log_tail()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still running {within:?} after SIGTERM; log:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
