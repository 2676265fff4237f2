//! The durable outbox under failure: a sender that dies holding a claim,
//! two senders racing, a recipient who cannot be reached, a flaky platform.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use kith_bot::delivery::{Messengers, Scheduler, Sender, Stopping};
use kith_bot::domain::Platform;
use kith_bot::ports::{
    Clock, DeliveryError, Destination, Found, ManualClock, Messenger, Outbox, Queue, Recipient,
    Settle,
};
use kith_bot::reply::Reply;
use kith_bot::{Actor, Kith};
use kith_storage::{AnyStore, testing};

/// Monday 16 Nov 2026, 09:00 UTC: the default window opens.
fn nine() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0)
        .single()
        .expect("t")
}

/// A stand-in for a platform: records what it was asked to deliver and
/// fails on cue. (The platform adapters are tested against fake servers.)
#[derive(Default)]
struct FlakyPlatform {
    delivered: Mutex<Vec<(String, String)>>,
    failures: Mutex<VecDeque<DeliveryError>>,
    refuse: Mutex<Vec<String>>,
    /// Stops this process after this many deliveries.
    stop_after: Mutex<Option<(usize, Stopping)>>,
}

#[async_trait]
impl Messenger for FlakyPlatform {
    async fn send_dm(
        &self,
        to: &Recipient,
        message: &Reply,
        key: &str,
    ) -> Result<(), DeliveryError> {
        if self.refuse.lock().expect("lock").contains(&to.external_id) {
            return Err(DeliveryError::Permanent(
                "the user does not accept DMs".into(),
            ));
        }
        if let Some(failure) = self.failures.lock().expect("lock").pop_front() {
            return Err(failure);
        }
        assert!(
            message.plain_text().starts_with("Time to check in"),
            "{}",
            message.plain_text()
        );
        let count = {
            let mut delivered = self.delivered.lock().expect("lock");
            delivered.push((to.external_id.clone(), key.to_string()));
            delivered.len()
        };
        if let Some((after, stopping)) = &*self.stop_after.lock().expect("lock")
            && count >= *after
        {
            stopping.stop();
        }
        Ok(())
    }

    async fn post(&self, _: &str, _: &str, _: &Reply) -> Result<(), DeliveryError> {
        Ok(())
    }

    /// Like Slack's history lookup: the keys it has delivered to whom.
    async fn find_sent(
        &self,
        to: Destination<'_>,
        key: &str,
        _since: DateTime<Utc>,
    ) -> Result<Found, DeliveryError> {
        let Destination::Dm(to) = to else {
            return Ok(Found::CannotTell);
        };
        let delivered = self.delivered.lock().expect("lock");
        Ok(
            match delivered
                .iter()
                .any(|(who, k)| *who == to.external_id && k == key)
            {
                true => Found::Sent,
                false => Found::NotSent,
            },
        )
    }
}

struct World {
    _dir: tempfile::TempDir,
    url: String,
    store: AnyStore,
    sql: sqlx::AnyPool,
    clock: ManualClock,
    kith: Kith,
    platform: Arc<FlakyPlatform>,
}

impl World {
    /// `members` people who use Kith, each with one contact due on Monday morning.
    async fn new(members: usize) -> World {
        let dir = tempfile::tempdir().expect("dir");
        let url = testing::database_url(&dir.path().join("kith.db")).await;
        let store = AnyStore::open(&url).await.expect("opens");
        let sql = testing::inspector(&url).await;
        let clock = ManualClock::at(nine() - Duration::days(20));
        let kith = Kith::new(Arc::new(store.clone()), Arc::new(clock.clone()));
        for i in 0..members {
            let reply = kith
                .handle(&actor(&format!("m{i}")), "add @friend inner")
                .await;
            assert!(!reply.is_error, "{}", reply.plain_text());
        }
        clock.set(nine());
        World {
            _dir: dir,
            url,
            store,
            sql,
            clock,
            kith,
            platform: Arc::default(),
        }
    }

    fn sender(&self, store: &AnyStore, name: &str) -> Sender {
        Sender::new(
            Arc::new(store.clone()),
            Arc::new(store.clone()),
            Messengers::new().with(Platform::Console, self.platform.clone()),
            Arc::new(self.clock.clone()),
            name,
        )
    }

    async fn schedule(&self) -> u64 {
        Scheduler::new(Arc::new(self.store.clone()))
            .tick(self.clock.now())
            .await
            .expect("tick")
            .queued
    }

    fn delivered(&self) -> Vec<(String, String)> {
        self.platform.delivered.lock().expect("lock").clone()
    }

    async fn states(&self) -> Vec<(String, String, i64)> {
        sqlx::query_as("SELECT m.external_id, o.state, o.attempts FROM outbox o JOIN members m ON m.id = o.member_id ORDER BY m.external_id")
            .fetch_all(&self.sql)
            .await
            .expect("outbox")
    }
}

fn actor(name: &str) -> Actor {
    Actor::new(Platform::Console, "console", name, name)
}

#[tokio::test]
async fn a_row_claimed_by_a_sender_that_died_is_delivered_once_after_the_lease() {
    let world = World::new(1).await;
    assert_eq!(world.schedule().await, 1);

    // A sender claims the row and dies before delivering it.
    let dead = world
        .store
        .claim(
            "dead#0",
            &[Platform::Console],
            nine(),
            Duration::seconds(120),
            10,
        )
        .await
        .expect("claim");
    assert_eq!(dead.len(), 1);

    let alive = world.sender(&world.store, "alive");
    assert_eq!(
        alive.step().await.expect("step").claimed,
        0,
        "the claim still holds"
    );
    world.clock.set(nine() + Duration::seconds(121));
    let step = alive.step().await.expect("step");
    assert_eq!((step.claimed, step.sent), (1, 1));
    assert_eq!(world.delivered().len(), 1);

    // The dead sender's claim is gone: it can no longer settle the row.
    let settled = world
        .store
        .settle(&dead[0], &kith_bot::ports::Settle::Sent, nine())
        .await
        .expect("settle");
    assert!(!settled);
    world.clock.set(nine() + Duration::minutes(30));
    assert_eq!(alive.drain().await.expect("drain").claimed, 0);
    assert_eq!(world.delivered().len(), 1, "exactly once");
    assert_eq!(world.states().await, vec![("m0".into(), "sent".into(), 2)]);
}

#[tokio::test]
async fn two_senders_on_one_database_never_deliver_a_row_twice() {
    let world = World::new(60).await;
    assert_eq!(world.schedule().await, 60);
    // Two processes: separate pools on the same file.
    let other = AnyStore::open(&world.url).await.expect("second pool");
    let (a, b) = (world.sender(&world.store, "a"), world.sender(&other, "b"));

    let (ra, rb) = tokio::join!(a.drain(), b.drain());
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!(ra.sent + rb.sent, 60);
    let mut delivered = world.delivered();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 60, "no row delivered twice");
    assert_eq!(world.delivered().len(), 60);
    assert!(
        world
            .states()
            .await
            .iter()
            .all(|(_, state, attempts)| state == "sent" && *attempts == 1)
    );
}

#[tokio::test]
async fn a_recipient_who_refuses_dms_stops_retries_and_is_told_next_time() {
    let world = World::new(2).await;
    world
        .platform
        .refuse
        .lock()
        .expect("lock")
        .push("m1".into());
    world.schedule().await;
    let sender = world.sender(&world.store, "s");

    let step = sender.drain().await.expect("drain");
    assert_eq!((step.sent, step.failed), (1, 1));
    assert_eq!(
        world.states().await,
        vec![
            ("m0".into(), "sent".into(), 1),
            ("m1".into(), "failed".into(), 1)
        ]
    );

    // No retries, and no new rows for them on the following days.
    for day in 1..=3 {
        world.clock.set(nine() + Duration::days(day));
        world.schedule().await;
        sender.drain().await.expect("drain");
    }
    let rows_for_m1 = world
        .states()
        .await
        .iter()
        .filter(|(who, _, _)| who == "m1")
        .count();
    assert_eq!(rows_for_m1, 1);

    let told = world.kith.handle(&actor("m1"), "due").await.plain_text();
    assert!(told.starts_with("I couldn't send you direct messages (the user does not accept DMs), so I've paused reminders and digests."), "{told}");
    assert!(
        !world
            .kith
            .handle(&actor("m1"), "due")
            .await
            .plain_text()
            .contains("couldn't send"),
        "told once"
    );
    assert!(
        world
            .kith
            .handle(&actor("m1"), "settings")
            .await
            .plain_text()
            .contains("Direct messages: off")
    );
}

#[tokio::test]
async fn a_temporary_failure_is_retried_with_backoff_then_delivered() {
    let world = World::new(1).await;
    world.platform.failures.lock().expect("lock").extend([
        DeliveryError::Temporary("HTTP 503".into()),
        DeliveryError::Temporary("rate limited".into()),
    ]);
    world.schedule().await;
    let sender = world.sender(&world.store, "s");

    assert_eq!(sender.drain().await.expect("drain").retried, 1);
    assert_eq!(
        world.states().await,
        vec![("m0".into(), "pending".into(), 1)]
    );
    world.clock.set(nine() + Duration::seconds(29));
    assert_eq!(
        sender.drain().await.expect("drain").claimed,
        0,
        "backoff is 30 s"
    );
    world.clock.set(nine() + Duration::seconds(30));
    assert_eq!(sender.drain().await.expect("drain").retried, 1);
    world.clock.set(nine() + Duration::seconds(90));
    assert_eq!(sender.drain().await.expect("drain").sent, 1);
    assert_eq!(world.states().await, vec![("m0".into(), "sent".into(), 3)]);
    assert_eq!(world.delivered().len(), 1);
}

#[tokio::test]
async fn a_reminder_that_cannot_go_out_inside_its_window_is_dropped_not_sent_late() {
    let world = World::new(1).await;
    world
        .platform
        .failures
        .lock()
        .expect("lock")
        .extend((0..20).map(|_| DeliveryError::Temporary("down".into())));
    world.schedule().await;
    let sender = world.sender(&world.store, "s");
    for minutes in (0..=70).step_by(5) {
        world.clock.set(nine() + Duration::minutes(minutes));
        sender.drain().await.expect("drain");
    }
    world.platform.failures.lock().expect("lock").clear();
    world.clock.set(nine() + Duration::hours(3));
    sender.drain().await.expect("drain");
    assert!(world.delivered().is_empty());
    let (_, state, _) = world.states().await.remove(0);
    assert_eq!(state, "expired");
}

#[tokio::test]
async fn nothing_is_sent_when_nobody_is_due_by_the_time_of_sending() {
    let world = World::new(1).await;
    world.schedule().await;
    // The member checks in between scheduling and sending.
    world
        .kith
        .handle(&actor("m0"), "touch @friend coffee")
        .await;
    world
        .sender(&world.store, "s")
        .drain()
        .await
        .expect("drain");
    assert!(world.delivered().is_empty());
    assert_eq!(world.states().await[0].1, "skipped");
}

#[tokio::test]
async fn a_claim_that_lapsed_and_was_taken_over_can_neither_send_nor_settle() {
    let world = World::new(1).await;
    world.schedule().await;
    let hold = Duration::seconds(15);
    let slow = world
        .store
        .claim("slow#0", &[Platform::Console], nine(), hold, 10)
        .await
        .expect("claim");
    // The slow owner's lease lapses (a long 429 wait) and another takes the row.
    let later = nine() + Duration::seconds(16);
    let taken = world
        .store
        .claim("other#0", &[Platform::Console], later, hold, 10)
        .await
        .expect("claim");
    assert_eq!(taken.len(), 1);
    let store = &world.store;
    let id = slow[0].id;
    assert!(
        !store
            .begin_send(Queue::Reminders, id, "slow#0", later, hold)
            .await
            .expect("begin"),
        "the stale owner is fenced off before it sends"
    );
    assert!(
        !store
            .settle(&slow[0], &Settle::Sent, later)
            .await
            .expect("settle")
    );
    assert!(
        store
            .begin_send(Queue::Reminders, id, "other#0", later, hold)
            .await
            .expect("begin")
    );
}

#[tokio::test]
async fn a_live_sender_keeps_its_claim_by_renewing_it() {
    let world = World::new(1).await;
    world.schedule().await;
    let hold = Duration::seconds(15);
    world
        .store
        .claim("live#0", &[Platform::Console], nine(), hold, 10)
        .await
        .expect("claim");
    for seconds in [10, 20, 30] {
        let now = nine() + Duration::seconds(seconds);
        assert_eq!(
            world.store.renew("live#0", now, hold).await.expect("renew"),
            1
        );
        let stolen = world
            .store
            .claim(
                "other#0",
                &[Platform::Console],
                now + Duration::seconds(5),
                hold,
                10,
            )
            .await
            .expect("claim");
        assert!(stolen.is_empty(), "a renewed claim holds at {seconds} s");
    }
}

#[tokio::test]
async fn a_message_sent_just_before_its_sender_died_is_found_and_not_sent_again() {
    let world = World::new(2).await;
    world.schedule().await;
    let hold = Duration::seconds(15);
    // The dead sender marked both rows as being sent; the platform got m0's.
    let dead = world
        .store
        .claim("dead#0", &[Platform::Console], nine(), hold, 10)
        .await
        .expect("claim");
    for row in &dead {
        assert!(
            world
                .store
                .begin_send(Queue::Reminders, row.id, "dead#0", nine(), hold)
                .await
                .expect("begin")
        );
    }
    let m0 = dead
        .iter()
        .find(|r| r.member.external_id == "m0")
        .expect("m0's row");
    world
        .platform
        .delivered
        .lock()
        .expect("lock")
        .push(("m0".into(), format!("kith-reminder-{}", m0.id)));

    world.clock.set(nine() + hold + Duration::seconds(1));
    let step = world
        .sender(&world.store, "alive")
        .step()
        .await
        .expect("step");
    assert_eq!((step.claimed, step.resolved, step.sent), (2, 1, 1));
    let mut delivered = world.delivered();
    delivered.sort();
    assert_eq!(delivered.len(), 2, "m0 once, m1 once: {delivered:?}");
    assert_eq!(delivered[0].0, "m0");
    assert_eq!(delivered[1].0, "m1");
    assert!(world.states().await.iter().all(|(_, s, _)| s == "sent"));
}

#[tokio::test]
async fn a_stopping_sender_gives_back_what_it_holds_at_once() {
    let world = World::new(5).await;
    assert_eq!(world.schedule().await, 5);
    let stopping = Stopping::new();
    *world.platform.stop_after.lock().expect("lock") = Some((2, stopping.clone()));
    // One send at a time, so "after two" is exactly two (with more at
    // once, those already under way at the stop finish too).
    let sender = world
        .sender(&world.store, "stopping")
        .with_sends_at_once(1)
        .with_batch(8)
        .with_stopping(stopping, std::time::Duration::from_secs(1));
    let report = sender.drain().await.expect("drain");
    assert_eq!((report.sent, report.released), (2, 3));

    // Another process takes the rest at the same instant, not after a lease.
    let next = world
        .sender(&world.store, "next")
        .drain()
        .await
        .expect("drain");
    assert_eq!(next.sent, 3);
    let mut delivered = world.delivered();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 5);
    assert_eq!(world.delivered().len(), 5, "none twice");
    assert!(
        world
            .states()
            .await
            .iter()
            .all(|(_, state, attempts)| state == "sent" && *attempts == 1),
        "{:?}",
        world.states().await
    );
}

/// A platform whose sends wait until the test lets them through.
struct SlowPlatform {
    entered: tokio::sync::Notify,
    proceed: tokio::sync::Notify,
    delivered: Mutex<Vec<String>>,
}

#[async_trait]
impl Messenger for SlowPlatform {
    async fn send_dm(&self, to: &Recipient, _: &Reply, _: &str) -> Result<(), DeliveryError> {
        self.entered.notify_one();
        self.proceed.notified().await;
        self.delivered
            .lock()
            .expect("lock")
            .push(to.external_id.clone());
        Ok(())
    }

    async fn post(&self, _: &str, _: &str, _: &Reply) -> Result<(), DeliveryError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_send_that_outlasts_the_lease_keeps_its_claim_and_is_not_sent_twice() {
    let world = World::new(1).await;
    world.schedule().await;
    let slow = Arc::new(SlowPlatform {
        entered: tokio::sync::Notify::new(),
        proceed: tokio::sync::Notify::new(),
        delivered: Mutex::default(),
    });
    let sender = |name: &str, store: &AnyStore| {
        Sender::new(
            Arc::new(store.clone()),
            Arc::new(store.clone()),
            Messengers::new().with(Platform::Console, slow.clone()),
            Arc::new(world.clock.clone()),
            name,
        )
        .with_renew_every(std::time::Duration::from_millis(20))
    };
    let other_pool = AnyStore::open(&world.url).await.expect("second pool");
    let (a, b) = (sender("a", &world.store), sender("b", &other_pool));
    let first = tokio::spawn(async move { a.step().await });
    slow.entered.notified().await;

    // Slack makes the send wait (a long 429) well past the 15 s lease.
    let lease_until = || async {
        sqlx::query_scalar::<_, Option<i64>>("SELECT lease_until FROM outbox")
            .fetch_one(&world.sql)
            .await
            .expect("lease")
            .unwrap_or_default()
    };
    for _ in 0..3 {
        let held = lease_until().await;
        world.clock.advance(Duration::seconds(10));
        // The live sender's heartbeat moves its lease on.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while lease_until().await <= held {
            assert!(
                std::time::Instant::now() < deadline,
                "the claim was not renewed"
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(b.step().await.expect("step").claimed, 0, "the claim holds");
    }
    slow.proceed.notify_one();
    let report = first.await.expect("no panic").expect("step");
    assert_eq!((report.sent, report.lost), (1, 0));
    assert_eq!(*slow.delivered.lock().expect("lock"), ["m0"]);
    assert_eq!(world.states().await, vec![("m0".into(), "sent".into(), 1)]);
}

/// A platform that lets no send through until `at_once` are waiting at
/// the same time.
struct GatedPlatform {
    gate: tokio::sync::Barrier,
    delivered: Mutex<Vec<String>>,
}

#[async_trait]
impl Messenger for GatedPlatform {
    async fn send_dm(&self, to: &Recipient, _: &Reply, _: &str) -> Result<(), DeliveryError> {
        self.gate.wait().await;
        self.delivered
            .lock()
            .expect("lock")
            .push(to.external_id.clone());
        Ok(())
    }

    async fn post(&self, _: &str, _: &str, _: &Reply) -> Result<(), DeliveryError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_sender_has_several_reminders_on_their_way_at_once() {
    let world = World::new(8).await;
    assert_eq!(world.schedule().await, 8);
    // Sent one at a time, the first send would wait at the gate forever.
    let gated = Arc::new(GatedPlatform {
        gate: tokio::sync::Barrier::new(4),
        delivered: Mutex::default(),
    });
    let sender = Sender::new(
        Arc::new(world.store.clone()),
        Arc::new(world.store.clone()),
        Messengers::new().with(Platform::Console, gated.clone()),
        Arc::new(world.clock.clone()),
        "gated",
    )
    .with_sends_at_once(4);
    let report = tokio::time::timeout(std::time::Duration::from_secs(20), sender.drain())
        .await
        .expect("four sends were under way at once")
        .expect("drain");
    assert_eq!((report.claimed, report.sent), (8, 8));
    let mut delivered = gated.delivered.lock().expect("lock").clone();
    delivered.sort();
    assert_eq!(delivered, ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
    assert!(world.states().await.iter().all(|(_, s, _)| s == "sent"));
}
