//! Commands about the same new person at the same moment: each is logged,
//! and the person is added once (a fellow member, and an outside name).
//! SQLite's single writer serialises them; PostgreSQL's transactions run
//! side by side, so its store must make the find-or-add safe itself.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::domain::{ContactDraft, ContactRef, Entry, EntryKind, Mention, Platform, Tier};
use kith_bot::ports::Store;
use kith_storage::{AnyStore, testing};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0)
        .single()
        .expect("t")
}

fn draft(who: ContactRef) -> ContactDraft {
    ContactDraft {
        who,
        tier: Tier::Close,
        cadence: None,
        company: None,
        tags: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_new_person_logged_at_once_is_added_once_and_every_entry_kept() {
    let dir = tempfile::tempdir().expect("dir");
    // SQLite, or PostgreSQL with TEST_DATABASE=postgres.
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = Arc::new(AnyStore::open(&url).await.expect("opens"));
    let sql = testing::inspector(&url).await;
    let ws = store
        .workspace(Platform::Slack, "T1", now())
        .await
        .expect("ws");
    let scope = store
        .member(ws, "U1", "dana", None, now())
        .await
        .expect("member")
        .scope();
    let people = [
        ContactRef::Member(Mention {
            id: "U2".into(),
            label: None,
        }),
        ContactRef::Named("Jane Doe".into()),
    ];
    let mut logging = Vec::new();
    for who in &people {
        for n in 0..16 {
            let (store, draft) = (store.clone(), draft(who.clone()));
            logging.push(tokio::spawn(async move {
                let entry = Entry {
                    kind: EntryKind::Gave,
                    what: format!("favour {n}"),
                    at: now(),
                };
                store.record(scope, &draft, &entry, now()).await
            }));
        }
    }
    let mut added = 0;
    for logged in logging {
        let recorded = logged.await.expect("joins").expect("logged");
        added += usize::from(recorded.added);
    }
    assert_eq!(added, 2, "each person added by exactly one of the commands");
    let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(&sql)
        .await
        .expect("count");
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entries")
        .fetch_one(&sql)
        .await
        .expect("count");
    assert_eq!((contacts, entries), (2, 32));
}
