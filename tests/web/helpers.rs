//! A running web page over a fresh store and a hand-set clock, and its
//! members acting in chat.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::domain::{ContactId, Entry, Platform};
use kith_bot::ports::{ManualClock, Store};
use kith_bot::{Actor, Kith};
use kith_storage::{AnyStore, testing};

pub struct App {
    pub base: String,
    pub kith: Kith,
    pub clock: ManualClock,
    pub store: AnyStore,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for App {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("a time")
}

/// Kith's web routes on a free port of 127.0.0.1, its public URL that address.
pub async fn spawn_app() -> App {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = testing::database_url(&dir.path().join("kith.db")).await;
    let store = AnyStore::open(&url).await.expect("the store opens");
    let clock = ManualClock::at(start());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let kith =
        Kith::new(Arc::new(store.clone()), Arc::new(clock.clone())).with_web_url(Some(&base));
    let router = kith_web::router(kith.clone(), &base);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    App {
        base,
        kith,
        clock,
        store,
        _dir: dir,
        server,
    }
}

pub fn actor(who: &str) -> Actor {
    Actor::new(Platform::Console, "acme", who, who)
}

impl App {
    /// What `who` sees after typing `line` in chat.
    pub async fn say(&self, who: &str, line: &str) -> String {
        self.kith.handle(&actor(who), line).await.plain_text()
    }

    /// A fresh one-time link for `who`, from the `web` command's answer.
    pub async fn link(&self, who: &str) -> String {
        let answer = self.say(who, "web").await;
        answer
            .split_whitespace()
            .find(|w| w.starts_with(&self.base))
            .unwrap_or_else(|| panic!("no link in: {answer}"))
            .to_string()
    }

    /// The id of `name` in `who`'s network.
    pub async fn contact_id(&self, who: &str, name: &str) -> ContactId {
        let member = self.kith.member(&actor(who)).await.expect("member");
        self.store
            .contacts(member.scope())
            .await
            .expect("contacts")
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} is not in {who}'s network"))
            .id
    }

    /// Everything logged about `name` in `who`'s network.
    pub async fn history(&self, who: &str, name: &str) -> Vec<Entry> {
        let member = self.kith.member(&actor(who)).await.expect("member");
        let id = self.contact_id(who, name).await;
        self.store
            .history(member.scope(), id, 100)
            .await
            .expect("history")
    }

    /// Alice's network: two people due (Ann overdue), one not yet.
    pub async fn alice_with_a_network(&self) {
        for line in [
            "add \"Ann Lee\" inner at \"Acme\" #design",
            "add \"Bo Chen\" close at \"Globex\"",
            "add \"Cy Park\" wider",
            "gave \"Bo Chen\" reviewed the deck",
            "got \"Ann Lee\" intro to a designer",
            "note \"Ann Lee\" new puppy named Rex",
        ] {
            let said = self.say("alice", line).await;
            assert!(!said.contains("Sorry"), "{line}: {said}");
        }
        // Ann (every 14 days) and Bo (every 30) are due 40 days on; Cy (90) is not.
        self.clock.advance(chrono::Duration::days(40));
    }
}
