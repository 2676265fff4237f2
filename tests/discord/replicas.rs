//! The Gateway on many replicas: each shard is connected by one replica at
//! a time, the one holding the shard's lease in the store; the others
//! stand by (ready, serving HTTP) and take over when it stops or dies.

use std::time::Duration;

use kith_bot::coordination::LeaseTimes;
use kith_bot::domain::Platform;
use kith_bot::observe::Link;
use kith_bot::ports::{Clock, Coordination, Messenger};
use kith_discord::Discord;
use kith_discord::shards::Shards;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::fake_discord::{Opt, slash};
use crate::helpers::{App, settings};

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

/// Leases held 30 s on the injected clock; renewed and sought every 20 ms
/// of real time, so a test sees the turns quickly.
const QUICK: LeaseTimes = LeaseTimes {
    hold: Duration::from_secs(30),
    renew_every: Duration::from_millis(20),
    retry_every: Duration::from_millis(20),
};

/// A replica of the Discord adapter on `app`'s store and fake, running its
/// gateway loop.
struct Replica {
    link: Link,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Replica {
    fn start(app: &App, name: &str, shards: Shards) -> Replica {
        let mut settings = settings(&app.fake);
        settings.replica = name.into();
        settings.lease = QUICK;
        settings.shards = shards;
        let discord = Discord::new(app.kith.clone(), settings);
        let link = Link::new(Platform::Discord);
        let (stop, stopped) = oneshot::channel::<()>();
        let running = link.clone();
        let task = tokio::spawn(async move {
            discord
                .run_gateway_with(running, async {
                    let _ = stopped.await;
                })
                .await
        });
        Replica {
            link,
            stop: Some(stop),
            task,
        }
    }

    /// Waits until this replica stands by (it tried to take the gateway and
    /// found it held): ready, not connected.
    async fn standing_by(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let standing_by = |link: &Link| link.is_ready() && !link.is_up();
        while !standing_by(&self.link) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the replica never stood by"
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the replica stops")
            .expect("joins")
            .expect("stops cleanly");
    }
}

async fn gave(app: &App, id: u64, what: &'static str) {
    app.fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            id,
            ALICE,
            "kith",
            "gave",
            &[Opt::User("member", BOB), Opt::Str("what", what)],
        ),
    );
    app.fake.callback(id).await;
}

#[tokio::test]
async fn one_replica_holds_the_gateway_and_a_standby_takes_over_when_it_stops() {
    let app = App::spawn().await;
    let first = Replica::start(&app, "replica-a", Shards::default());
    app.fake.gateway_reaches(1, 1).await;

    let second = Replica::start(&app, "replica-b", Shards::default());
    second.standing_by().await;
    assert_eq!(
        app.fake.gateway_state(),
        (1, 1),
        "the standby did not connect"
    );
    gave(&app, 601, "coffee").await;

    // The holder stops: it gives its lease back, and the standby connects
    // without waiting for the lease to lapse.
    first.stop().await;
    app.fake.gateway_reaches(2, 1).await;
    gave(&app, 602, "an intro").await;
    assert_eq!(app.entries().await, ["gave: coffee", "gave: an intro"]);
    assert!(second.link.is_up());
    second.stop().await;
    app.fake.gateway_reaches(2, 0).await;
}

#[tokio::test]
async fn a_replica_that_dies_leaves_the_gateway_to_a_standby_once_its_lease_lapses() {
    let app = App::spawn().await;
    // A replica that died holding shard 0: its lease is in the store, and
    // nobody renews it.
    let name = &Shards::default().lease_names()[0];
    let hold = chrono::Duration::seconds(30);
    assert!(
        app.store
            .hold_lease(name, "dead-replica", app.clock.now(), hold)
            .await
            .expect("held")
    );
    let standby = Replica::start(&app, "replica-b", Shards::default());
    standby.standing_by().await;
    app.clock.advance(chrono::Duration::seconds(29));
    // Still within the dead replica's lease: the standby waits.
    assert!(
        !app.store
            .hold_lease(name, "probe", app.clock.now(), hold)
            .await
            .expect("asked")
    );
    assert_eq!(app.fake.gateway_state(), (0, 0));
    app.clock.advance(chrono::Duration::seconds(1));
    app.fake.gateway_reaches(1, 1).await;
    gave(&app, 611, "coffee").await;
    assert_eq!(app.entries().await, ["gave: coffee"]);
    standby.stop().await;
}

#[tokio::test]
async fn a_replica_that_loses_its_lease_disconnects_and_stands_by() {
    let app = App::spawn().await;
    let replica = Replica::start(&app, "replica-a", Shards::default());
    app.fake.gateway_reaches(1, 1).await;
    // Another replica took the lease as if this one's had lapsed (it was
    // cut off from the store for longer than the lease).
    let name = &Shards::default().lease_names()[0];
    let later = app.clock.now() + chrono::Duration::seconds(31);
    assert!(
        app.store
            .hold_lease(name, "replica-b", later, chrono::Duration::seconds(30))
            .await
            .expect("taken")
    );
    // At its next renewal it finds the lease another's and disconnects.
    app.fake.gateway_reaches(1, 0).await;
    replica.standing_by().await;
    // Given back, the lease is taken again and the shard reconnected.
    app.store
        .release_lease(name, "replica-b")
        .await
        .expect("released");
    app.fake.gateway_reaches(2, 1).await;
    replica.stop().await;
}

#[tokio::test]
async fn kith_discord_shards_choose_the_shards_a_replica_connects() {
    let app = App::spawn().await;
    let shards: Shards = "1/2".parse().expect("shards");
    let replica = Replica::start(&app, "replica-a", shards);
    app.fake.gateway_reaches(1, 1).await;
    let identify = app.fake.identifies.lock().expect("lock")[0].clone();
    assert_eq!(identify["shard"], serde_json::json!([1, 2]));
    // Another replica given an overlapping range stands by.
    let overlapping = Replica::start(&app, "replica-b", "0-1/2".parse().expect("shards"));
    overlapping.standing_by().await;
    assert_eq!(app.fake.gateway_state(), (1, 1));
    overlapping.stop().await;
    replica.stop().await;
}

#[tokio::test]
async fn a_range_of_shards_connects_each_shard_in_it_and_no_other() {
    let app = App::spawn().await;
    let replica = Replica::start(&app, "replica-a", "0-1/3".parse().expect("shards"));
    // serenity waits between identifies, as Discord asks; both come.
    app.fake.gateway_reaches(2, 2).await;
    let mut shards: Vec<_> = app
        .fake
        .identifies
        .lock()
        .expect("lock")
        .iter()
        .map(|identify| identify["shard"].clone())
        .collect();
    shards.sort_by_key(|shard| shard[0].as_u64());
    assert_eq!(
        shards,
        [serde_json::json!([0, 3]), serde_json::json!([1, 3])]
    );
    replica.stop().await;
    assert_eq!(
        app.fake.gateway_state(),
        (2, 0),
        "both shards disconnect at the stop"
    );
}

#[tokio::test]
async fn two_replicas_on_one_postgresql_keep_to_fifty_requests_in_any_second_together() {
    let Some(url) = kith_storage::testing::fresh_database().await else {
        return; // Said loudly by `testing`; never outside CI's reach under CI=true.
    };
    let fake = crate::fake_discord::FakeDiscord::start().await;
    let mut replicas = Vec::new();
    for _ in 0..2 {
        // Each replica has its own store (its own connections), as two
        // processes would.
        let store = kith_storage::AnyStore::open(&url).await.expect("opens");
        let kith = kith_bot::Kith::new(
            std::sync::Arc::new(store),
            std::sync::Arc::new(kith_bot::ports::SystemClock),
        );
        replicas.push(Discord::new(kith, settings(&fake)).messenger());
    }
    let channel = crate::fake_discord::CHANNEL_ID.to_string();
    let sends = replicas.iter().flat_map(|messenger| {
        (0..50).map(|i| {
            let messenger = messenger.clone();
            let channel = channel.clone();
            tokio::spawn(async move {
                messenger
                    .post(
                        "1",
                        &channel,
                        &kith_bot::reply::Reply::text(format!("post {i}")),
                    )
                    .await
            })
        })
    });
    let sends: Vec<_> = sends.collect();
    for send in sends {
        send.await.expect("joins").expect("posted");
    }
    let posts = fake.calls_to("POST", "/messages");
    assert_eq!(posts.len(), 100, "nothing lost");
    let busiest = posts
        .iter()
        .map(|first| {
            posts
                .iter()
                .filter(|p| p.at >= first.at && p.at < first.at + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(
        busiest <= 50,
        "{busiest} requests in one second from two replicas"
    );
    assert!(
        busiest >= 40,
        "the pace is used, not starved: {busiest} at most in a second"
    );
}
