//! Reminders as Block Kit DMs with buttons, through the Messenger port;
//! pressing Done logs the check-in and settles the message in place; a 429
//! delays a message but never loses it.

use std::time::Duration;

use chrono::TimeZone;
use kith_bot::ports::{Clock, DeliveryError, Messenger};
use kith_bot::reply::{Block, Button, Reply};
use serde_json::Value;

use crate::helpers::{BOT_TOKEN, FORM, TEAM, TestApp};

/// A reminder shaped as the scheduler sends it: a text block, then per
/// contact a line and an actions block with Done / Snooze / Skip.
fn reminder(contact: i64) -> Reply {
    let mut reply = Reply::text("Time to check in: 1 person is due");
    reply.push_text("@bob · inner · last contact 20 days ago (every 14 days)");
    let button = |label: &str, verb: &str, primary: bool| Button {
        label: label.into(),
        action: format!("{verb}:{contact}"),
        primary,
    };
    reply.blocks.push(Block::Actions {
        id: format!("contact:{contact}"),
        buttons: vec![
            button("Done", "done", true),
            button("Snooze 1 week", "snooze", false),
            button("Skip", "skip", false),
        ],
    });
    reply
}

/// U1 has bob in their network; returns bob's contact id.
async fn with_bob(app: &TestApp) -> i64 {
    app.slash_ok(TEAM, "U1", "/kith", "add <@U2|bob> inner")
        .await;
    app.contact_id("U2").await
}

#[tokio::test]
async fn a_due_reminder_arrives_as_a_dm_with_buttons() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;

    app.slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder(bob), "reminder:1")
        .await
        .expect("delivered");

    let opened = app.fake.calls_to("conversations.open");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].params["users"], "U1");
    assert_eq!(opened[0].bearer(), Some(BOT_TOKEN));
    let posted = app.fake.calls_to("chat.postMessage");
    assert_eq!(posted.len(), 1);
    let message = &posted[0].params;
    assert_eq!(message["channel"], "DU1");
    assert!(
        message["text"]
            .as_str()
            .is_some_and(|t| t.contains("Time to check in"))
    );
    let actions = &message["blocks"][2];
    assert_eq!(actions["type"], "actions");
    assert_eq!(actions["block_id"], format!("contact:{bob}"));
    let labels: Vec<&str> = actions["elements"]
        .as_array()
        .expect("buttons")
        .iter()
        .map(|b| b["text"]["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(labels, ["Done", "Snooze 1 week", "Skip"]);
    assert_eq!(actions["elements"][0]["value"], format!("done:{bob}"));
    assert_eq!(actions["elements"][0]["style"], "primary");
}

/// The block_actions payload Slack sends when U1 presses a button of `message`.
fn press(app: &TestApp, message: &Value, channel: &str, ts: &str, action: &str) -> String {
    crate::helpers::press_form(&app.fake, "U1", message, channel, ts, action)
}

#[tokio::test]
async fn pressing_done_logs_the_check_in_and_updates_the_message_in_place() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;
    app.slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder(bob), "reminder:1")
        .await
        .expect("delivered");
    let posted = app.fake.calls_to("chat.postMessage");
    let message = posted[0].params.clone();

    let body = press(
        &app,
        &message,
        "DU1",
        "1700000000.000002",
        &format!("done:{bob}"),
    );
    let response = app.post_signed("/slack/actions", FORM, &body).await;
    assert_eq!(response.status(), 200);

    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
    let updates = app.fake.calls_to("chat.update");
    assert_eq!(updates.len(), 1);
    let update = &updates[0].params;
    assert_eq!(update["channel"], "DU1");
    assert_eq!(update["ts"], "1700000000.000002");
    assert_eq!(update["blocks"][0], message["blocks"][0]);
    let settled = &update["blocks"][2];
    assert_eq!(settled["type"], "section", "{update}");
    assert_eq!(settled["block_id"], format!("contact:{bob}"));
    assert!(
        settled["text"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Done: logged a check-in with")),
        "{settled}"
    );
    // No buttons are left to press twice.
    assert!(!update.to_string().contains("\"actions\""), "{update}");
}

#[tokio::test]
async fn a_forged_or_unsigned_press_changes_nothing() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;
    app.slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder(bob), "reminder:1")
        .await
        .expect("delivered");
    let message = app.fake.calls_to("chat.postMessage")[0].params.clone();
    let before = app.ledger().await;

    let body = press(
        &app,
        &message,
        "DU1",
        "1700000000.000002",
        &format!("done:{bob}"),
    );
    let unsigned = app
        .http
        .post(app.url("/slack/actions"))
        .header("content-type", FORM)
        .body(body)
        .send()
        .await
        .expect("answers");
    assert_eq!(unsigned.status(), 401);

    // Signed, but an action that is not one of Kith's buttons.
    let forged = press(
        &app,
        &message,
        "DU1",
        "1700000000.000002",
        &format!("done:{bob}"),
    )
    .replace(&format!("done%3A{bob}"), "delete%3A1");
    let response = app.post_signed("/slack/actions", FORM, &forged).await;
    assert_eq!(response.status(), 200);
    let answers = app.fake.wait_for("response_url", 1).await;
    assert_eq!(answers[0].params["replace_original"], false);
    assert!(app.fake.calls_to("chat.update").is_empty());
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn a_429_delays_the_message_and_then_delivers_it() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;
    app.fake.throttle("chat.postMessage", 1, 1);

    let began = std::time::Instant::now();
    app.slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder(bob), "reminder:1")
        .await
        .expect("delivered after waiting");

    let posted = app.fake.calls_to("chat.postMessage");
    assert_eq!(posted.len(), 2, "one 429, then the delivery");
    let waited = posted[1].at - posted[0].at;
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert!(began.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_long_retry_after_is_handed_back_as_a_temporary_failure() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;
    app.fake.throttle("conversations.open", 120, 1);

    let outcome = app
        .slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder(bob), "reminder:1")
        .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Temporary(_))),
        "{outcome:?}"
    );
    assert!(app.fake.calls_to("chat.postMessage").is_empty());
}

#[tokio::test]
async fn messages_to_one_channel_go_out_at_most_one_a_second() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.slack
            .web()
            .post(TEAM, "C1", &Reply::text("hello"))
            .await
            .expect("posted");
    }
    let posted = app.fake.calls_to("chat.postMessage");
    assert_eq!(posted.len(), 3);
    for pair in posted.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(950), "gap {gap:?}");
    }
}

#[tokio::test]
async fn a_dm_to_an_uninstalled_team_fails_permanently() {
    let app = TestApp::spawn_with(
        |c| kith_slack::SlackConfig {
            bot_token: None,
            ..c
        },
        |a| a,
    )
    .await;
    let outcome = app
        .slack
        .web()
        .send_dm(&app.recipient("T404", "U1"), &Reply::text("hi"), "k")
        .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Permanent(_))),
        "{outcome:?}"
    );
    assert!(app.fake.calls().is_empty());
}

#[tokio::test]
async fn the_scheduler_sends_a_due_reminder_through_slack_and_done_settles_it() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;
    let delivery = kith::slack_delivery(
        &app.store,
        &app.slack,
        std::sync::Arc::new(app.clock.clone()),
    );
    // Bob (inner, every 14 days) is due; Monday 7 December, 09:30 UTC is
    // inside U1's default window (weekdays 09:00, UTC: Slack gave no tz).
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 7, 9, 30, 0)
            .single()
            .expect("valid"),
    );
    delivery.catch_up().await.expect("a delivery round");

    let opened = app.fake.calls_to("conversations.open");
    assert_eq!(opened.len(), 1, "{:?}", app.fake.calls());
    assert_eq!(opened[0].params["users"], "U1");
    let posted = app.fake.calls_to("chat.postMessage");
    assert_eq!(posted.len(), 1);
    let message = posted[0].params.clone();
    assert!(
        message["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Time to check in: 1 person is due")),
        "{message}"
    );
    let ts = app.fake.last_ts();

    // Nothing more goes out on the next round the same day.
    delivery.catch_up().await.expect("a delivery round");
    assert_eq!(app.fake.calls_to("chat.postMessage").len(), 1);

    let body = press(&app, &message, "DU1", &ts, &format!("done:{bob}"));
    assert_eq!(
        app.post_signed("/slack/actions", FORM, &body)
            .await
            .status(),
        200
    );
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
    let update = &app.fake.calls_to("chat.update")[0].params;
    assert_eq!(update["ts"], ts);
    assert!(!update.to_string().contains("\"actions\""), "{update}");
}

#[tokio::test]
async fn the_dm_channel_is_opened_once_per_member() {
    let app = TestApp::spawn().await;
    for key in ["a", "b"] {
        app.slack
            .web()
            .send_dm(&app.recipient(TEAM, "U1"), &Reply::text("hi"), key)
            .await
            .expect("sent");
    }
    assert_eq!(app.fake.calls_to("conversations.open").len(), 1);
    assert_eq!(app.fake.calls_to("chat.postMessage").len(), 2);
}

#[tokio::test]
async fn a_long_429_is_retried_by_the_outbox_and_nothing_is_lost() {
    let app = TestApp::spawn().await;
    let _bob = with_bob(&app).await;
    let delivery = kith::slack_delivery(
        &app.store,
        &app.slack,
        std::sync::Arc::new(app.clock.clone()),
    );
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 7, 9, 30, 0)
            .single()
            .expect("valid"),
    );
    // Slack asks for two minutes' patience: more than one call waits out.
    app.fake.throttle("chat.postMessage", 120, 1);
    let first = delivery.catch_up().await.expect("a delivery round");
    assert_eq!((first.sent, first.retried), (0, 1), "{first:?}");

    // The sender's backoff (30 s) passes, but Slack's two minutes have
    // not: nothing goes out inside the Retry-After window.
    app.clock.advance(chrono::Duration::seconds(31));
    let early = delivery.catch_up().await.expect("a delivery round");
    assert_eq!((early.sent, early.retried), (0, 1), "{early:?}");
    assert_eq!(app.fake.calls_to("chat.postMessage").len(), 1);

    // Past the window, the next round delivers.
    app.clock.advance(chrono::Duration::seconds(120));
    let second = delivery.catch_up().await.expect("a delivery round");
    assert_eq!(second.sent, 1, "{second:?}");
    let posted = app.fake.calls_to("chat.postMessage");
    assert_eq!(posted.len(), 2, "the 429, then the delivery");
    assert!(
        posted[1].params["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Time to check in")),
    );
}

#[tokio::test]
async fn after_one_message_used_up_its_429_waits_the_next_does_not_go_out_inside_the_window() {
    let app = TestApp::spawn().await;
    app.fake.throttle("chat.postMessage", 600, 1);
    let first = app.slack.web().post(TEAM, "C1", &Reply::text("one")).await;
    assert!(
        matches!(first, Err(DeliveryError::Temporary(_))),
        "{first:?}"
    );
    // Another channel, another caller: still inside Slack's window.
    let second = app
        .slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &Reply::text("two"), "k2")
        .await;
    assert!(
        matches!(second, Err(DeliveryError::Temporary(_))),
        "{second:?}"
    );
    assert_eq!(
        app.fake.calls_to("chat.postMessage").len(),
        1,
        "only the 429"
    );
    app.clock.advance(chrono::Duration::seconds(601));
    app.slack
        .web()
        .post(TEAM, "C1", &Reply::text("three"))
        .await
        .expect("after the window");
    assert_eq!(app.fake.calls_to("chat.postMessage").len(), 2);
}

#[tokio::test]
async fn a_dm_carries_its_delivery_key_and_a_resend_finds_it_in_the_history() {
    let app = TestApp::spawn().await;
    let since = app.clock.now();
    let to = app.recipient(TEAM, "U1");
    let web = app.slack.web();
    let key = "kith-reminder-7";
    let unknown = kith_bot::ports::Destination::Dm(&to);
    assert_eq!(
        web.find_sent(unknown, key, since).await.expect("looked"),
        kith_bot::ports::Found::NotSent
    );
    web.send_dm(&to, &Reply::text("hi"), key)
        .await
        .expect("sent");
    web.send_dm(&to, &Reply::text("other"), "kith-reminder-8")
        .await
        .expect("sent");
    let posted = app.fake.posted();
    assert_eq!(
        crate::fake_slack::FakeSlack::key_of(&posted[0]).as_deref(),
        Some(key)
    );
    assert_eq!(posted[0].params["metadata"]["event_type"], "kith_delivery");
    assert_eq!(
        web.find_sent(unknown, key, since).await.expect("looked"),
        kith_bot::ports::Found::Sent
    );
    let history = app.fake.calls_to("conversations.history");
    assert_eq!(
        history.last().expect("asked").params["include_all_metadata"],
        "true"
    );
    assert_eq!(history.last().expect("asked").params["channel"], "DU1");
}

#[tokio::test]
async fn the_sender_resolves_a_reminder_that_died_after_slack_took_it_without_posting_again() {
    let app = TestApp::spawn().await;
    let _bob = with_bob(&app).await;
    let nine_thirty = chrono::Utc
        .with_ymd_and_hms(2026, 12, 7, 9, 30, 0)
        .single()
        .expect("valid");
    app.clock.set(nine_thirty);
    kith_bot::delivery::Scheduler::new(std::sync::Arc::new(app.store.clone()))
        .tick(nine_thirty)
        .await
        .expect("tick");
    // A process claims the row, marks the attempt, posts, and dies before settling.
    use kith_bot::ports::Outbox;
    let hold = chrono::Duration::seconds(15);
    let rows = app
        .store
        .claim(
            "dead#0",
            &[kith_bot::domain::Platform::Slack],
            nine_thirty,
            hold,
            10,
        )
        .await
        .expect("claim");
    assert_eq!(rows.len(), 1);
    assert!(
        app.store
            .begin_send(
                kith_bot::ports::Queue::Reminders,
                rows[0].id,
                "dead#0",
                nine_thirty,
                hold
            )
            .await
            .expect("begin")
    );
    let key = format!("kith-reminder-{}", rows[0].id);
    app.slack
        .web()
        .send_dm(
            &app.recipient(TEAM, "U1"),
            &Reply::text("Time to check in"),
            &key,
        )
        .await
        .expect("posted");

    // The next process takes the row over once the lease lapses.
    app.clock.advance(chrono::Duration::seconds(16));
    let delivery = kith::slack_delivery(
        &app.store,
        &app.slack,
        std::sync::Arc::new(app.clock.clone()),
    );
    let round = delivery.catch_up().await.expect("a delivery round");
    assert_eq!((round.resolved, round.sent), (1, 0), "{round:?}");
    assert_eq!(
        app.fake.calls_to("chat.postMessage").len(),
        1,
        "not posted twice"
    );
    assert_eq!(delivery.catch_up().await.expect("round").claimed, 0);
}

#[tokio::test]
async fn a_button_press_delivered_twice_logs_once() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;
    app.slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder(bob), "reminder:1")
        .await
        .expect("delivered");
    let message = app.fake.calls_to("chat.postMessage")[0].params.clone();
    let body = press(
        &app,
        &message,
        "DU1",
        "1700000000.000002",
        &format!("done:{bob}"),
    );
    for _ in 0..2 {
        let response = app.post_signed("/slack/actions", FORM, &body).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
    assert_eq!(app.fake.calls_to("chat.update").len(), 1);
}

#[tokio::test]
async fn channel_posts_and_group_dms_carry_their_keys_and_are_found_again() {
    use kith_bot::ports::{Destination, Found};
    let app = TestApp::spawn().await;
    let web = app.slack.web();
    let since = app.clock.now();
    let channel = Destination::Channel {
        workspace: TEAM,
        channel: "C9",
    };
    web.post_keyed(TEAM, "C9", &Reply::text("a link"), "kith-resource_post-3")
        .await
        .expect("posted");
    assert_eq!(
        web.find_sent(channel, "kith-resource_post-3", since)
            .await
            .expect("looked"),
        Found::Sent
    );
    assert_eq!(
        web.find_sent(channel, "kith-resource_post-4", since)
            .await
            .expect("looked"),
        Found::NotSent
    );

    let members = [app.recipient(TEAM, "U1"), app.recipient(TEAM, "U2")];
    let group = Destination::Conversation {
        workspace: TEAM,
        members: &members,
        channel: None,
    };
    let key = "kith-intro_connect-5";
    assert_eq!(
        web.find_sent(group, key, since).await.expect("looked"),
        Found::NotSent
    );
    let opened = web
        .converse(TEAM, &members, None, "U1 & U2", &Reply::text("meet"), key)
        .await;
    assert!(matches!(opened, Ok(true)), "{opened:?}");
    assert_eq!(
        web.find_sent(group, key, since).await.expect("looked"),
        Found::Sent
    );
}

/// `form` (a press) as if it came from `team` and `user` instead.
fn pressed_by(form: &str, team: &str, user: &str) -> String {
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(form).expect("a form");
    let mut payload: Value = serde_json::from_str(&fields[0].1).expect("a payload");
    payload["team"]["id"] = team.into();
    payload["user"]["id"] = user.into();
    payload["user"]["team_id"] = team.into();
    // A delivery of its own (a repeated trigger_id is answered once).
    payload["trigger_id"] = format!("{team}.{user}.forged").into();
    serde_urlencoded::to_string([("payload", payload.to_string())]).expect("encodes")
}

#[tokio::test]
async fn a_button_from_an_unknown_workspace_or_stranger_is_refused_before_anything_is_written() {
    let app = TestApp::spawn().await;
    let bob = with_bob(&app).await;
    app.slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder(bob), "reminder:1")
        .await
        .expect("delivered");
    let message = app.fake.calls_to("chat.postMessage")[0].params.clone();
    let genuine = press(
        &app,
        &message,
        "DU1",
        "1700000000.000002",
        &format!("done:{bob}"),
    );
    let before = crate::common::everything(&app.sql).await;
    let lookups = app.fake.calls_to("users.info").len();
    let long = genuine.replace(
        &format!("done%3A{bob}"),
        &format!("done%3A{bob}{}", "0".repeat(200)),
    );
    assert_ne!(long, genuine);
    for (n, forged) in [
        // A team Kith has never seen.
        pressed_by(&genuine, "T999", "U1"),
        // Someone Kith has never met in a team it knows.
        pressed_by(&genuine, TEAM, "U999"),
        // Longer than any button Kith makes.
        long,
    ]
    .iter()
    .enumerate()
    {
        let response = app.post_signed("/slack/actions", FORM, forged).await;
        assert_eq!(response.status(), 200);
        let answers = app.fake.wait_for("response_url", n + 1).await;
        let refusal = &answers[n].params;
        assert_eq!(refusal["replace_original"], false);
        assert!(
            refusal["text"]
                .as_str()
                .is_some_and(|t| t.contains("not one of mine")),
            "{refusal}"
        );
    }
    assert!(app.fake.calls_to("chat.update").is_empty());
    assert_eq!(app.fake.calls_to("users.info").len(), lookups);
    assert_eq!(crate::common::everything(&app.sql).await, before);
}
