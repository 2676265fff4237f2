//! The crash harness: the real `kith` binary in Slack HTTP mode against a
//! fake Slack on 127.0.0.1, a few hundred due reminders, and the process
//! killed with SIGKILL at random moments, restarted, run two at a time on
//! one database, and stopped with SIGTERM. Every reminder must arrive
//! exactly once, inside its window; a dead process's work must resume
//! within 30 s; a stop must finish within its grace period and exit 0.
//!
//! The fake Slack records each chat.postMessage before it answers, after a
//! delay, so a kill often lands after Slack took a message and before Kith
//! settled its row: only the history lookup (the row key in the message's
//! metadata) keeps that message from going out twice.
//!
//! `KITH_CRASH_REMINDERS` and `KITH_CRASH_KILLS` scale the first test up
//! (e.g. 1000 and 10 for the figures in docs/reliability.md);
//! `KITH_CRASH_SEED` replays a run's kill timings.

#[allow(dead_code)]
#[path = "../slack/fake_slack.rs"]
mod fake_slack;
mod harness;

use std::time::{Duration, Instant};

use harness::{Harness, Rng, env_or};

/// How long the fake Slack takes per message so that a process sending
/// [`harness::SENDS_AT_ONCE`] at a time gets through one every `millis`:
/// slow enough for kills to land while most rows are still to send.
fn per_send(millis: u64) -> Duration {
    Duration::from_millis(millis) * harness::SENDS_AT_ONCE as u32
}

/// A few hundred reminders, killed at random at least five times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_nothing_and_sends_nothing_twice() {
    let reminders = env_or("KITH_CRASH_REMINDERS", 300);
    let kills = env_or("KITH_CRASH_KILLS", 5);
    let mut rng = Rng::from_env();
    // And a shared link to post in a channel for one member in six.
    let harness = Harness::with_posts(reminders, reminders / 6, per_send(400)).await;
    let rows = harness.rows();

    let mut kith = harness.start("solo");
    let mut resumed = Vec::new();
    let mut in_flight = 0;
    for kill in 0..kills {
        // Let it work a random while (from right after start-up to a few
        // seconds in), then kill it without warning.
        harness
            .wait_for_posts(1 + harness.delivered(), Duration::from_secs(30))
            .await;
        tokio::time::sleep(Duration::from_millis(rng.between(0, 2_500))).await;
        let held = harness.held_by(kith.pid()).await;
        kith.kill();
        let killed_at = Instant::now();
        let posted = harness.delivered();
        let unknown = harness.taken_but_unsettled().await;
        in_flight += unknown;
        eprintln!(
            "kill {}: {posted} posted, {} rows held by the dead process, {unknown} taken by Slack but not settled",
            kill + 1,
            held.len()
        );
        assert!(
            posted < rows,
            "kill {}: everything was delivered before it (slow the fake down)",
            kill + 1
        );
        kith = harness.start("solo");
        // The dead process's rows go out (or are found delivered) within 30 s.
        let took = harness
            .wait_settled(&held, killed_at + Duration::from_secs(30))
            .await;
        resumed.push(took);
    }
    // The kills are over: let Slack answer quickly for the rest.
    harness.fake.delay_posts(Duration::from_millis(10));
    harness
        .wait_all_settled(Duration::from_secs(60 + rows as u64 / 2))
        .await;
    kith.terminate_and_wait(Duration::from_secs(10)).await;
    harness.assert_each_delivered_once_in_its_window().await;
    let longest = resumed.iter().max().copied().unwrap_or_default();
    eprintln!(
        "{reminders} reminders and {} channel posts, {kills} kills: 0 lost, 0 duplicates; {in_flight} messages were taken by Slack but unsettled at a kill ({} history lookups); a dead process's rows were settled within {longest:?} of its death (each: {resumed:?})",
        rows - reminders,
        harness.history_lookups()
    );
    assert!(
        in_flight > 0,
        "no kill landed between Slack taking a message and Kith settling it"
    );
}

/// Two processes on one database, one of them killed and restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_never_send_a_reminder_twice() {
    let reminders = 300;
    let mut rng = Rng::from_env();
    let harness = Harness::new(reminders, per_send(100)).await;
    let mut a = harness.start("a");
    let mut b = harness.start("b");
    for _ in 0..2 {
        harness
            .wait_for_posts(1 + harness.delivered(), Duration::from_secs(30))
            .await;
        tokio::time::sleep(Duration::from_millis(rng.between(200, 2_000))).await;
        assert!(harness.delivered() < reminders, "finished before the kill");
        a.kill();
        a = harness.start("a");
    }
    harness.wait_all_settled(Duration::from_secs(120)).await;
    a.terminate_and_wait(Duration::from_secs(10)).await;
    b.terminate_and_wait(Duration::from_secs(10)).await;
    harness.assert_each_delivered_once_in_its_window().await;
}

/// SIGTERM with 300 messages queued: `/readyz` turns 503 at once,
/// `/healthz` answers until the exit, the process exits 0 within 10 s, and
/// what it did not send goes to the next process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_300_queued_exits_within_10_s_and_loses_nothing() {
    let reminders = 300;
    let harness = Harness::new(reminders, Duration::from_millis(200)).await;
    let mut kith = harness.start("stopping");
    harness.wait_for_posts(3, Duration::from_secs(30)).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    assert_eq!(kith.get(&client, "/readyz").await, Some(200));

    kith.signal("TERM");
    let stopped_at = Instant::now();
    let mut readyz = Vec::new();
    let mut healthz = Vec::new();
    let code = loop {
        if let Some(code) = kith.exited() {
            break code;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        if let Some(status) = kith.get(&client, "/readyz").await {
            readyz.push((stopped_at.elapsed(), status));
        }
        if let Some(status) = kith.get(&client, "/healthz").await {
            healthz.push(status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = stopped_at.elapsed();
    assert_eq!(code, Some(0), "exits 0 after SIGTERM");
    // The signal takes a moment to arrive; from then on, 503 only.
    let first_503 = readyz
        .iter()
        .position(|(_, s)| *s == 503)
        .expect("HTTP still answered, with 503, after the signal");
    assert!(
        readyz[first_503..].iter().all(|(_, s)| *s == 503)
            && readyz[..first_503].iter().all(|(_, s)| *s == 200),
        "/readyz after SIGTERM: {readyz:?}"
    );
    assert!(
        readyz[first_503].0 < Duration::from_millis(500),
        "/readyz turned 503 only {:?} after SIGTERM",
        readyz[first_503].0
    );
    assert!(
        healthz.iter().all(|s| *s == 200),
        "/healthz after SIGTERM: {healthz:?}"
    );
    let sent = harness.delivered();
    assert!(
        sent < reminders,
        "the stop did not drain the whole queue first"
    );
    assert_eq!(
        harness.leased().await,
        0,
        "every unsent row was given back at the stop"
    );
    eprintln!(
        "SIGTERM with {} queued: exited 0 in {took:?}",
        reminders - sent
    );

    // The next process sends the rest at once (Slack answering quickly now).
    harness.fake.delay_posts(Duration::from_millis(10));
    let mut next = harness.start("next");
    harness.wait_all_settled(Duration::from_secs(120)).await;
    next.terminate_and_wait(Duration::from_secs(10)).await;
    harness.assert_each_delivered_once_in_its_window().await;
}

/// SIGTERM in a 429 storm (every post told to wait 20 s): the send under
/// way is abandoned within the grace period, its row handed back with its
/// outcome unknown, and the process exits 0 within 10 s; the next process
/// sends everything once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_429_storm_exits_within_10_s_and_loses_nothing() {
    let reminders = 40;
    let harness = Harness::new(reminders, Duration::from_millis(10)).await;
    harness.fake.throttle("chat.postMessage", 20, 10_000);
    let mut kith = harness.start("storm");
    harness.fake.wait_for("chat.postMessage", 1).await;
    kith.signal("TERM");
    let stopped_at = Instant::now();
    let code = loop {
        if let Some(code) = kith.exited() {
            break code;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM in a 429 storm; log:\n{}",
            kith.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(code, Some(0), "log:\n{}", kith.log_tail());
    eprintln!(
        "SIGTERM in a 429 storm: exited 0 in {:?}",
        stopped_at.elapsed()
    );
    assert_eq!(harness.delivered(), 0);
    assert_eq!(harness.leased().await, 0, "every row handed back");

    harness.fake.clear_throttles();
    let mut next = harness.start("after-the-storm");
    harness.wait_all_settled(Duration::from_secs(60)).await;
    next.terminate_and_wait(Duration::from_secs(10)).await;
    harness.assert_each_delivered_once_in_its_window().await;
}

/// Many replicas on PostgreSQL: three `kith` processes on one database,
/// each serving Slack over HTTP and sending, a few hundred reminders (and
/// channel posts) due at once; one replica is SIGKILLed mid-delivery and
/// started again. Every reminder arrives exactly once, in its window, the
/// dead replica's claims are taken over by the others, and no channel gets
/// two messages within a second (each team's channel gets six posts, queued
/// one after another).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_on_postgres_send_each_reminder_once_though_one_is_killed() {
    let reminders = env_or("KITH_CRASH_REMINDERS", 300);
    let mut rng = Rng::from_env();
    let Some(harness) = Harness::on_postgres(reminders, reminders / 2, per_send(100)).await else {
        return;
    };
    let rows = harness.rows();
    let mut replicas = vec![
        harness.start("r1"),
        harness.start("r2"),
        harness.start("r3"),
    ];
    harness
        .wait_for_posts(1 + rows / 10, Duration::from_secs(60))
        .await;
    tokio::time::sleep(Duration::from_millis(rng.between(0, 1_500))).await;
    let victim = &mut replicas[0];
    let held = harness.held_by(victim.pid()).await;
    victim.kill();
    let killed_at = Instant::now();
    let posted = harness.delivered();
    eprintln!(
        "killed a replica: {posted} of {rows} posted, {} rows held by it",
        held.len()
    );
    assert!(posted < rows, "everything was delivered before the kill");
    replicas[0] = harness.start("r1-again");
    let took = harness
        .wait_settled(&held, killed_at + Duration::from_secs(30))
        .await;
    harness.fake.delay_posts(Duration::from_millis(10));
    harness
        .wait_all_settled(Duration::from_secs(60 + rows as u64 / 2))
        .await;
    for replica in &mut replicas {
        replica.terminate_and_wait(Duration::from_secs(10)).await;
    }
    harness.assert_each_delivered_once_in_its_window().await;
    harness.assert_channels_paced();
    eprintln!(
        "3 replicas on PostgreSQL, {reminders} reminders and {} channel posts, one SIGKILL: \
         0 lost, 0 duplicates; the dead replica's rows settled within {took:?}",
        rows - reminders
    );
}
