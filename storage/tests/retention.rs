//! Inbound records that only guard against repeats are forgotten once no
//! repeat can come, and not before.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kith_bot::domain::{ContactDraft, ContactRef, Platform, Tier};
use kith_bot::jobs::Retention;
use kith_bot::once::Seal;
use kith_bot::ports::{CommandSlot, Inbox, NewJob, Store};
use kith_storage::{AnyStore, testing};

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 10, 0, 0)
        .single()
        .expect("t")
}

fn job() -> NewJob {
    NewJob {
        kind: "import".into(),
        workspace: "T1".into(),
        payload: "{}".into(),
    }
}

async fn count(sql: &sqlx::AnyPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(sql)
        .await
        .expect("count")
}

#[tokio::test]
async fn old_records_go_recent_ones_and_pending_jobs_stay() {
    let dir = tempfile::tempdir().expect("dir");
    // SQLite, or PostgreSQL with TEST_DATABASE=postgres.
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = AnyStore::open(&url).await.expect("opens");
    let sql = testing::inspector(&url).await;
    let ws = store
        .workspace(Platform::Slack, "T1", day(1))
        .await
        .expect("ws");
    let scope = store
        .member(ws, "U1", "dana", None, day(1))
        .await
        .expect("member")
        .scope();
    // Two months ago and now: an event, a command that wrote, a memo, a
    // finished job; and an old job still pending.
    let long_ago = day(1) - Duration::days(60);
    for (at, suffix) in [(long_ago, "old"), (day(25), "new")] {
        assert!(
            store
                .first_sighting(Platform::Slack, &format!("Ev-{suffix}"), at)
                .await
                .expect("sighting")
        );
        let seal = Seal::new(Platform::Slack, format!("trigger-{suffix}"), at);
        let draft = ContactDraft {
            who: ContactRef::Named(format!("Person {suffix}")),
            tier: Tier::Close,
            cadence: None,
            company: None,
            tags: vec![],
        };
        seal.clone()
            .offer(Seal::apply(store.add_contact(scope, &draft, at)))
            .await
            .expect("a sealed write");
        store
            .finish_command(Platform::Slack, &format!("trigger-{suffix}"), "{}", at)
            .await
            .expect("answer");
        store
            .remember(Platform::Discord, &format!("memo-{suffix}"), "thread", at)
            .await
            .expect("memo");
        assert!(
            store
                .enqueue_job(Platform::Slack, &format!("Ev-job-{suffix}"), &job(), at)
                .await
                .expect("job")
        );
        let claimed = store
            .claim_job(Platform::Slack, "me", at, Duration::seconds(60))
            .await
            .expect("claims")
            .expect("a job");
        store
            .finish_job(&claimed, Ok(()), at, 3)
            .await
            .expect("done");
    }
    assert!(
        store
            .enqueue_job(Platform::Slack, "Ev-pending", &job(), long_ago)
            .await
            .expect("job")
    );

    // The old ones are past every horizon; the 25th's are within a day
    // (answers), a week (events) or a month (memos, jobs).
    let now = day(25) + Duration::hours(1);
    let gone = store
        .forget_handled(&Retention::horizon(now))
        .await
        .expect("cleans up");
    // Three events (two were the old jobs'), an answer, a memo, a job.
    // (A pending job's event may go: the job's own key keeps it single.)
    assert_eq!(gone, 6);
    assert_eq!(
        count(&sql, "seen_events").await,
        2,
        "the new event and the new job's"
    );
    assert!(
        !store
            .first_sighting(Platform::Slack, "Ev-new", now)
            .await
            .expect("sighting"),
        "a recent event is still recognised"
    );
    assert_eq!(
        store
            .command_slot(Platform::Slack, "trigger-new")
            .await
            .expect("reads"),
        CommandSlot::Answered("{}".into())
    );
    assert_eq!(
        store
            .recall(Platform::Discord, "memo-new")
            .await
            .expect("recall")
            .as_deref(),
        Some("thread")
    );
    assert_eq!(
        store
            .recall(Platform::Discord, "memo-old")
            .await
            .expect("recall"),
        None
    );
    assert_eq!(
        count(&sql, "jobs").await,
        2,
        "the new job and the pending one"
    );
}
