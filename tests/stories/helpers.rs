//! A console session on a fresh database, with a clock the test moves:
//! type a line, read what appeared on the screen. SQLite by default; with
//! `TEST_DATABASE=postgres` every story runs on a fresh PostgreSQL
//! database of a throwaway server instead.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::Kith;
use kith_bot::delivery::{Delivery, Messengers};
use kith_bot::domain::Platform;
use kith_bot::ports::ManualClock;
use kith_console::{Console, ConsoleMessenger, ConsoleOptions, Transcript};
use kith_storage::{AnyStore, testing};
use tempfile::TempDir;

/// Sunday 22 November 2026, 10:00 UTC: "now" in every story.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("valid start")
}

pub struct App {
    /// Holds the database file until the test ends.
    _dir: TempDir,
    /// The SQLite file (unused on PostgreSQL).
    pub db: PathBuf,
    /// The database's URL.
    pub url: String,
    pub store: AnyStore,
    /// The same database, to look into directly (`$1` parameters).
    pub sql: sqlx::AnyPool,
    pub kith: Kith,
    pub screen: Transcript,
    pub console: Console,
}

impl App {
    /// A console as member `me` in workspace `console`, on a new database.
    pub async fn spawn() -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("kith.db");
        let url = testing::database_url(&db).await;
        App::open(dir, db, url, "console").await
    }

    /// A console on a new SQLite file, whichever engine the run asks for.
    pub async fn on_sqlite() -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("kith.db");
        let url = format!("sqlite://{}", db.display());
        App::open(dir, db, url, "console").await
    }

    /// A console on the database at `url`, as `me` in workspace `console`.
    pub async fn on_url(url: &str) -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("unused.db");
        App::open(dir, db, url.to_string(), "console").await
    }

    /// Another console on the same database file, in `workspace`.
    pub async fn beside(&self, workspace: &str) -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        App::open(dir, self.db.clone(), self.url.clone(), workspace).await
    }

    async fn open(dir: TempDir, db: PathBuf, url: String, workspace: &str) -> App {
        let store = AnyStore::open(&url).await.expect("opens");
        let sql = testing::inspector(&url).await;
        let clock = ManualClock::at(start());
        let kith = Kith::new(Arc::new(store.clone()), Arc::new(clock.clone()));
        let screen = Transcript::new();
        let options = ConsoleOptions {
            workspace: workspace.into(),
            member: "me".into(),
            prompt: false,
            echo: false,
            files_dir: dir.path().to_path_buf(),
            admins: vec!["me".into(), "olivia".into()],
        };
        let messenger = ConsoleMessenger::new(screen.screen(), Arc::new(clock.clone()));
        let delivery = Delivery::new(
            Arc::new(store.clone()),
            Arc::new(store.clone()),
            Messengers::new().with(Platform::Console, Arc::new(messenger.clone())),
            Arc::new(clock.clone()),
            "stories",
        );
        let console = Console::new(kith.clone(), clock.clone(), screen.screen(), options)
            .with_delivery(delivery, messenger);
        App {
            _dir: dir,
            db,
            url,
            store,
            sql,
            kith,
            screen,
            console,
        }
    }

    /// The test's own folder (files the console saves land here).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Types one line and returns what the console printed for it.
    pub async fn say(&mut self, line: &str) -> String {
        self.console
            .line(line)
            .await
            .expect("the console keeps running");
        self.screen.take()
    }

    /// Types lines, ignoring what they print (set-up steps).
    pub async fn given(&mut self, lines: &[&str]) {
        for line in lines {
            let out = self.say(line).await;
            assert!(!out.starts_with("! "), "set-up step {line:?} failed: {out}");
        }
    }

    /// Every row of the ledger tables, as text: what a failed command must
    /// leave exactly as it was.
    pub async fn ledger(&self) -> Vec<String> {
        crate::common::rows(
            &self.sql,
            &[
            ("workspaces", "id, platform, external_id"),
            ("members", "id, workspace_id, external_id, display_name, tz"),
            (
                "contacts",
                "id, workspace_id, owner_id, member_id, name, company, tier, cadence_days, snoozed_until, added_at, last_contact_at",
            ),
            ("contact_tags", "contact_id, tag"),
            ("entries", "id, contact_id, kind, what, at"),
            ],
        )
        .await
    }

    /// Every row of every table: what a refused input must leave as it was.
    pub async fn everything(&self) -> Vec<String> {
        crate::common::everything(&self.sql).await
    }

    /// How many rows `table` holds.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&self.sql)
            .await
            .expect("counts")
    }
}

/// Asserts `text` contains each of `parts`, showing the whole screen if not.
#[track_caller]
pub fn assert_shows(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "expected {part:?} on screen:\n{text}");
    }
}
