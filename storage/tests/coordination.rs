//! Leases and paces, the state the replicas of one installation agree on:
//! one holder per lease until it lapses or is given back, and a pace whose
//! slots are never handed out twice, also when taken at once.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::coordination::{Leases, Pace};
use kith_bot::ports::Coordination;
use kith_storage::{AnyStore, testing};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0)
        .single()
        .expect("t")
        + chrono::Duration::seconds(secs)
}

async fn open(dir: &tempfile::TempDir) -> AnyStore {
    // SQLite, or PostgreSQL with TEST_DATABASE=postgres.
    let url = testing::database_url(&dir.path().join("k.db")).await;
    AnyStore::open(&url).await.expect("opens")
}

#[tokio::test]
async fn a_lease_has_one_holder_until_it_lapses_or_is_given_back() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let hold = chrono::Duration::seconds(30);
    let lease = "discord-gateway/0/1";

    assert!(store.hold_lease(lease, "a", at(0), hold).await.expect("a"));
    assert!(!store.hold_lease(lease, "b", at(1), hold).await.expect("b"));
    // The holder renews: the lease now runs to 40 s.
    assert!(store.hold_lease(lease, "a", at(10), hold).await.expect("a"));
    assert!(!store.hold_lease(lease, "b", at(35), hold).await.expect("b"));
    // Unrenewed, it lapses and goes to the next who asks.
    assert!(store.hold_lease(lease, "b", at(40), hold).await.expect("b"));
    assert!(!store.hold_lease(lease, "a", at(41), hold).await.expect("a"));
    // Another holder cannot give it up; its holder can, at once.
    store.release_lease(lease, "a").await.expect("release");
    assert!(!store.hold_lease(lease, "a", at(42), hold).await.expect("a"));
    store.release_lease(lease, "b").await.expect("release");
    assert!(store.hold_lease(lease, "a", at(43), hold).await.expect("a"));
    // Another lease is another lease.
    assert!(
        store
            .hold_lease("discord-gateway/1/2", "b", at(43), hold)
            .await
            .expect("b")
    );
}

#[tokio::test]
async fn a_set_of_leases_is_held_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let names = |range: std::ops::Range<u32>| -> Vec<String> {
        range.map(|s| format!("discord-gateway/{s}/4")).collect()
    };
    let hold = Duration::from_secs(30);
    let first = Leases::new(&store, names(0..2), "a", hold);
    // Taken in this order, it gets shards 3 and 2 before it finds 1 held.
    let mut backwards = names(1..4);
    backwards.reverse();
    let overlapping = Leases::new(&store, backwards, "b", hold);
    let rest = Leases::new(&store, names(2..4), "c", hold);

    assert!(first.take(at(0)).await.expect("take"));
    assert!(!overlapping.take(at(0)).await.expect("take"));
    // The ones it took (shards 3 and 2) were given back: `c` gets both.
    assert!(rest.take(at(0)).await.expect("take"));
    first.release().await.expect("release");
    rest.release().await.expect("release");
    assert!(overlapping.take(at(1)).await.expect("take"));
}

#[tokio::test]
async fn many_takers_at_once_never_share_a_slot_of_a_pace() {
    let dir = tempfile::tempdir().expect("dir");
    let store = std::sync::Arc::new(open(&dir).await);
    let pace = Pace {
        interval: Duration::from_millis(20),
        burst: 5,
    };
    let now = at(0);
    let takers = (0..60).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.reserve_slot("discord-global", pace, now).await })
    });
    let mut waits = Vec::new();
    for taker in takers {
        waits.push(taker.await.expect("joins").expect("reserves"));
    }
    waits.sort();
    // Five at once, then one every 20 ms: each slot taken exactly once.
    let expected: Vec<Duration> = (0..60u64)
        .map(|i| Duration::from_millis(i.saturating_sub(4) * 20))
        .collect();
    assert_eq!(waits, expected);
    // Another pace is not held up by this one.
    assert_eq!(
        store
            .reserve_slot("another", pace, now)
            .await
            .expect("reserves"),
        Duration::ZERO
    );
    // Later, after it has run down, a burst goes at once again.
    let later = now + chrono::Duration::seconds(5);
    assert_eq!(
        store
            .reserve_slot("discord-global", pace, later)
            .await
            .expect("reserves"),
        Duration::ZERO
    );
}
