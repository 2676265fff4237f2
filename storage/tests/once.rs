//! A command's writes claim its delivery in their own transaction: a second
//! delivery of the same command writes nothing, whichever path its writes
//! take (the group-commit writer or a transaction of their own).

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::domain::{
    ContactChange, ContactDraft, ContactRef, Entry, EntryKind, Mention, Platform, Scope, Tier,
};
use kith_bot::once::{AlreadyCarriedOut, Seal};
use kith_bot::ports::{CommandSlot, Inbox, Store};
use kith_storage::{AnyStore, testing};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("t")
}

fn draft() -> ContactDraft {
    ContactDraft {
        who: ContactRef::Member(Mention {
            id: "alice".into(),
            label: None,
        }),
        tier: Tier::Inner,
        cadence: None,
        company: None,
        tags: vec![],
    }
}

fn favour() -> Entry {
    Entry {
        kind: EntryKind::Gave,
        what: "reviewed a resume".into(),
        at: now(),
    }
}

/// A store on SQLite, or on PostgreSQL with `TEST_DATABASE=postgres`.
struct Db {
    _dir: tempfile::TempDir,
    store: AnyStore,
    sql: sqlx::AnyPool,
}

impl std::ops::Deref for Db {
    type Target = AnyStore;
    fn deref(&self) -> &AnyStore {
        &self.store
    }
}

async fn setup() -> (Db, Scope) {
    let dir = tempfile::tempdir().expect("dir");
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = AnyStore::open(&url).await.expect("opens");
    let sql = testing::inspector(&url).await;
    let ws = store
        .workspace(Platform::Slack, "T1", now())
        .await
        .expect("workspace");
    let member = store
        .member(ws, "U1", "dana", None, now())
        .await
        .expect("member");
    let scope = member.scope();
    (
        Db {
            _dir: dir,
            store,
            sql,
        },
        scope,
    )
}

/// Runs `work` as the core runs a command's writes: under `seal`.
async fn under<F: std::future::Future>(seal: &Seal, work: F) -> F::Output {
    seal.clone().offer(Seal::apply(work)).await
}

async fn entries(store: &Db) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM entries")
        .fetch_one(&store.sql)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_second_delivery_writes_nothing_on_either_write_path() {
    let (store, scope) = setup().await;
    let first = Seal::new(Platform::Slack, "trigger-1", now());
    // Two writes of one delivery: the writer's batch, then a transaction of
    // its own. The second finds the claim its own.
    let recorded = under(&first, store.record(scope, &draft(), &favour(), now()))
        .await
        .expect("records");
    let id = recorded.contact.id;
    let snooze = ContactChange::SnoozeUntil(now() + chrono::Duration::days(7));
    under(&first, store.change_contact(scope, id, &snooze))
        .await
        .expect("same delivery goes ahead");
    assert!(first.claimed() && !first.refused());
    assert!(matches!(
        store.command_slot(Platform::Slack, "trigger-1").await,
        Ok(CommandSlot::Unanswered { .. })
    ));

    // Another delivery of the same command: refused on both paths, and
    // what it would have written is rolled back with the claim.
    let again = Seal::new(Platform::Slack, "trigger-1", now());
    let refused = under(&again, store.log_entry(scope, id, &favour(), now()))
        .await
        .expect_err("refused");
    assert!(refused.is::<AlreadyCarriedOut>(), "{refused:#}");
    let refused = under(&again, store.remove_contact(scope, id))
        .await
        .expect_err("refused");
    assert!(refused.is::<AlreadyCarriedOut>(), "{refused:#}");
    assert!(again.refused() && !again.claimed());
    assert_eq!(entries(&store).await, 1, "one favour");
    assert!(store.contact(scope, id).await.expect("reads").is_some());

    // The same key on another platform is another delivery.
    let elsewhere = Seal::new(Platform::Discord, "trigger-1", now());
    under(&elsewhere, store.log_entry(scope, id, &favour(), now()))
        .await
        .expect("another platform's key");
    assert_eq!(entries(&store).await, 2);
}

#[tokio::test]
async fn an_answer_is_kept_only_for_a_delivery_that_wrote() {
    let (store, scope) = setup().await;
    // Writes outside any seal (a reminder's delivery, the scheduler) claim nothing.
    store
        .record(scope, &draft(), &favour(), now())
        .await
        .expect("records");
    store
        .finish_command(Platform::Slack, "read-only", "{}", now())
        .await
        .expect("finishes");
    assert_eq!(
        store
            .command_slot(Platform::Slack, "read-only")
            .await
            .expect("reads"),
        CommandSlot::New,
        "a delivery that wrote nothing runs again"
    );

    let seal = Seal::new(Platform::Slack, "wrote", now());
    under(&seal, store.record(scope, &draft(), &favour(), now()))
        .await
        .expect("records");
    store
        .finish_command(Platform::Slack, "wrote", "the answer", now())
        .await
        .expect("finishes");
    assert_eq!(
        store
            .command_slot(Platform::Slack, "wrote")
            .await
            .expect("reads"),
        CommandSlot::Answered("the answer".into())
    );
}

#[tokio::test]
async fn a_write_that_fails_leaves_its_delivery_unclaimed() {
    let (store, scope) = setup().await;
    let seal = Seal::new(Platform::Slack, "fails", now());
    // No such contact: the write fails, and its claim goes with it.
    under(
        &seal,
        store.log_entry(scope, kith_bot::domain::ContactId(999), &favour(), now()),
    )
    .await
    .expect_err("no such contact");
    assert_eq!(
        store
            .command_slot(Platform::Slack, "fails")
            .await
            .expect("reads"),
        CommandSlot::New,
        "a redelivery runs it"
    );
}
