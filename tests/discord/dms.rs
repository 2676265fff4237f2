//! Reminder DMs: opened, sent with buttons and a nonce, throttled politely,
//! given up on when Discord will not deliver; and the buttons pressed.

use std::time::Duration;

use axum::http::Method;
use kith_bot::Actor;
use kith_bot::domain::Platform;
use kith_bot::ports::{DeliveryError, Messenger, Recipient};
use kith_bot::reply::{Block, Button, Reply};
use serde_json::{Value, json};

use crate::fake_discord::{GUILD_ID, press};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

fn alice() -> Recipient {
    Recipient {
        platform: Platform::Discord,
        workspace: GUILD_ID.to_string(),
        external_id: ALICE.to_string(),
        display_name: "alice".into(),
        tz: chrono_tz::UTC,
    }
}

/// Alice's network: Bob (a member) and Jane Doe; returns their contact ids.
async fn network(app: &App) -> Vec<i64> {
    let actor = Actor::new(
        Platform::Discord,
        GUILD_ID.to_string(),
        ALICE.to_string(),
        "alice",
    );
    for line in [
        format!("add <@{BOB}> inner"),
        "add \"Jane Doe\" close".to_string(),
    ] {
        let reply = app.kith.handle(&actor, &line).await;
        assert!(!reply.is_error, "{}", reply.plain_text());
    }
    sqlx::query_scalar("SELECT id FROM contacts ORDER BY id")
        .fetch_all(app.store.pool())
        .await
        .expect("contacts")
}

/// A reminder as the core's scheduler shapes one: a heading, then per
/// contact a paragraph and Done / Snooze / Skip.
fn reminder(contacts: &[(i64, &str)]) -> Reply {
    let mut reply = Reply::text(format!(
        "Time to check in: {} people are due",
        contacts.len()
    ));
    for (id, name) in contacts {
        reply.push_text(format!(
            "{name} · inner · last contact 19 days ago (every 14 days)"
        ));
        reply.blocks.push(Block::Actions {
            id: kith_bot::actions::block_id(kith_bot::domain::ContactId(*id)),
            buttons: vec![
                Button {
                    label: "Done".into(),
                    action: format!("done:{id}"),
                    primary: true,
                },
                Button {
                    label: "Snooze 1 week".into(),
                    action: format!("snooze:{id}"),
                    primary: false,
                },
                Button {
                    label: "Skip".into(),
                    action: format!("skip:{id}"),
                    primary: false,
                },
            ],
        });
    }
    reply
}

fn message_posts(app: &App) -> Vec<crate::fake_discord::Call> {
    app.fake.calls_to("POST", "/messages")
}

/// The custom id of the `n`th button of a message's first row.
fn button(message: &Value, n: usize) -> String {
    message["components"][0]["components"][n]["custom_id"]
        .as_str()
        .expect("custom id")
        .to_string()
}

#[tokio::test]
async fn a_due_reminder_arrives_as_a_dm_with_buttons_and_a_nonce() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    let messenger = app.discord.messenger();
    messenger
        .send_dm(
            &alice(),
            &reminder(&[(ids[0], "Bob"), (ids[1], "Jane Doe")]),
            "reminder:1:2026-11-22",
        )
        .await
        .expect("delivered");

    let open = app.fake.calls_to("POST", "/users/@me/channels");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].body["recipient_id"], ALICE.to_string());
    let posts = message_posts(&app);
    assert_eq!(posts.len(), 1);
    let dm_channel = (ALICE + 1000).to_string();
    assert_eq!(
        posts[0].path,
        format!("/api/v10/channels/{dm_channel}/messages")
    );
    let body = &posts[0].body;
    assert_eq!(body["enforce_nonce"], true);
    assert_eq!(body["nonce"], kith_discord::nonce("reminder:1:2026-11-22"));
    assert!(body.get("flags").is_none(), "a DM is not ephemeral");
    assert!(
        body["content"]
            .as_str()
            .expect("content")
            .starts_with("Time to check in: 2 people are due")
    );
    let rows = body["components"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    let labels: Vec<&str> = rows[0]["components"]
        .as_array()
        .expect("buttons")
        .iter()
        .map(|b| b["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["Done · Bob", "Snooze 1 week · Bob", "Skip · Bob"]);
    assert_eq!(
        rows[1]["components"][0]["custom_id"],
        format!("{GUILD_ID}|contact:{}|done:{}", ids[1], ids[1])
    );
}

#[tokio::test]
async fn a_resent_reminder_is_dropped_by_discord_thanks_to_its_nonce() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    let messenger = app.discord.messenger();
    let reply = reminder(&[(ids[0], "Bob")]);
    messenger
        .send_dm(&alice(), &reply, "reminder:1")
        .await
        .expect("delivered");
    messenger
        .send_dm(&alice(), &reply, "reminder:1")
        .await
        .expect("a resend is fine");
    assert_eq!(message_posts(&app).len(), 2, "both were sent");
    assert_eq!(app.fake.messages().len(), 1, "but Discord kept one");
    assert_eq!(
        app.fake.calls_to("POST", "/users/@me/channels").len(),
        1,
        "the DM channel is opened once"
    );
}

#[tokio::test]
async fn pressing_done_logs_a_check_in_and_removes_the_buttons_it_settled() {
    let app = App::on_gateway().await;
    let ids = network(&app).await;
    app.discord
        .messenger()
        .send_dm(
            &alice(),
            &reminder(&[(ids[0], "Bob"), (ids[1], "Jane Doe")]),
            "r:1",
        )
        .await
        .expect("delivered");
    let message = app.fake.messages().remove(0);
    let done = button(&message, 0);

    app.fake
        .dispatch("INTERACTION_CREATE", press(701, ALICE, &message, &done));
    let callback = app.fake.callback(701).await;
    assert_eq!(
        callback.body["type"], 7,
        "the message is updated: {:#}",
        callback.body
    );
    let data = &callback.body["data"];
    let content = data["content"].as_str().expect("content");
    assert!(content.starts_with("Time to check in"), "{content}");
    assert!(
        content.contains(&format!("Done: logged a check-in with <@{BOB}>")),
        "{content}"
    );
    let rows = data["components"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "Bob's row is gone, Jane's stays");
    assert!(
        rows[0]["components"][0]["custom_id"]
            .as_str()
            .expect("id")
            .contains(&format!("done:{}", ids[1]))
    );
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
    app.stop().await;
}

#[tokio::test]
async fn pressing_snooze_at_the_http_endpoint_updates_the_message_too() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:2")
        .await
        .expect("delivered");
    let message = app.fake.messages().remove(0);
    let snooze = button(&message, 1);
    let (status, answer) = app.post_signed(&press(702, ALICE, &message, &snooze)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["type"], 7);
    assert_eq!(answer["data"]["components"], json!([]));
    assert!(
        answer["data"]["content"]
            .as_str()
            .expect("content")
            .contains("Snoozed")
    );
    let snoozed: Option<i64> =
        sqlx::query_scalar("SELECT snoozed_until FROM contacts WHERE id = ?")
            .bind(ids[0])
            .fetch_one(app.store.pool())
            .await
            .expect("contact");
    assert!(snoozed.is_some());
}

#[tokio::test]
async fn a_button_that_is_not_ours_is_refused_and_changes_nothing() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:3")
        .await
        .expect("delivered");
    let message = app.fake.messages().remove(0);
    let before = app.ledger().await;
    for (n, forged) in ["done:1", &format!("{GUILD_ID}|contact:1|delete:1")]
        .iter()
        .enumerate()
    {
        let (_, answer) = app
            .post_signed(&press(710 + n as u64, ALICE, &message, forged))
            .await;
        assert_eq!(answer["type"], 4, "{answer}");
        assert_eq!(answer["data"]["flags"], 64);
        assert!(
            answer["data"]["content"]
                .as_str()
                .expect("content")
                .starts_with("⚠️")
        );
    }
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn a_rate_limited_dm_waits_as_told_then_is_delivered() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.fake.answer_next(
        Method::POST,
        "/messages",
        429,
        json!({"message": "You are being rate limited.", "retry_after": 0.3, "global": false}),
    );
    app.discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:4")
        .await
        .expect("delivered after the wait");
    let posts = message_posts(&app);
    assert_eq!(
        posts.iter().map(|c| c.status).collect::<Vec<_>>(),
        [429, 200]
    );
    let waited = posts[1].at - posts[0].at;
    assert!(
        waited >= Duration::from_millis(300),
        "waited only {waited:?}"
    );
    assert_eq!(app.fake.messages().len(), 1);
}

#[tokio::test]
async fn a_global_rate_limit_holds_every_route() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.fake.answer_next(
        Method::POST,
        "/users/@me/channels",
        429,
        json!({"message": "You are being rate limited.", "retry_after": 0.25, "global": true}),
    );
    app.discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:5")
        .await
        .expect("delivered after the wait");
    let calls = app.fake.calls();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_eq!(calls[0].status, 429);
    assert!(calls[1].at - calls[0].at >= Duration::from_millis(250));
}

#[tokio::test]
async fn an_exhausted_route_bucket_waits_for_its_reset() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.fake.answer_next_with(
        Method::POST,
        "/messages",
        200,
        json!({"id": "1", "channel_id": "1"}),
        &[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset-after", "0.3"),
            ("x-ratelimit-bucket", "abc"),
        ],
    );
    let messenger = app.discord.messenger();
    let reply = reminder(&[(ids[0], "Bob")]);
    messenger
        .send_dm(&alice(), &reply, "r:6")
        .await
        .expect("first");
    messenger
        .send_dm(&alice(), &reply, "r:7")
        .await
        .expect("second");
    let posts = message_posts(&app);
    assert_eq!(posts.len(), 2, "no request was refused: {posts:#?}");
    assert!(posts.iter().all(|c| c.status == 200));
    assert!(posts[1].at - posts[0].at >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_member_who_cannot_be_dmed_is_a_permanent_failure_tried_once() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.fake.answer_next(
        Method::POST,
        "/messages",
        403,
        json!({"message": "Cannot send messages to this user", "code": 50007}),
    );
    let outcome = app
        .discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:8")
        .await;
    match outcome {
        Err(DeliveryError::Permanent(reason)) => assert!(reason.contains("50007"), "{reason}"),
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert_eq!(message_posts(&app).len(), 1, "no retries");
}

#[tokio::test]
async fn a_rate_limit_longer_than_we_wait_is_temporary_so_the_sender_retries() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.fake.answer_next(
        Method::POST,
        "/messages",
        429,
        json!({"message": "You are being rate limited.", "retry_after": 3600.0, "global": false}),
    );
    let outcome = app
        .discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:9")
        .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Temporary(_))),
        "{outcome:?}"
    );
    let _: Value = json!(null);
    // The next message to the same route does not go out inside the window.
    let next = app
        .discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:9b")
        .await;
    assert!(matches!(next, Err(DeliveryError::Temporary(_))), "{next:?}");
    assert_eq!(
        message_posts(&app).len(),
        1,
        "only the 429: {:#?}",
        app.fake.calls()
    );
}

#[tokio::test]
async fn a_second_press_on_the_same_row_changes_nothing() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:10")
        .await
        .expect("delivered");
    let message = app.fake.messages().remove(0);
    let done = button(&message, 0);
    let skip = button(&message, 2);
    let (_, first) = app.post_signed(&press(720, ALICE, &message, &done)).await;
    assert_eq!(first["type"], 7);
    let after_first = app.ledger().await;
    // A stale client still shows the row: Done again, then Skip.
    for (id, button) in [(721, &done), (722, &skip)] {
        let (_, again) = app.post_signed(&press(id, ALICE, &message, button)).await;
        assert_eq!(again["type"], 4, "{again}");
        assert_eq!(again["data"]["flags"], 64);
        assert!(
            again["data"]["content"]
                .as_str()
                .expect("content")
                .contains("already done")
        );
    }
    assert_eq!(app.ledger().await, after_first);
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
}

#[tokio::test]
async fn someone_else_pressing_first_does_not_use_up_the_owners_press() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:11")
        .await
        .expect("delivered");
    let message = app.fake.messages().remove(0);
    let done = button(&message, 0);
    // Bob's client presses Alice's button (as it could on a message in a
    // thread they share): not his contact, so nothing is logged.
    let (_, bobs) = app.post_signed(&press(730, BOB, &message, &done)).await;
    assert!(
        bobs.to_string().contains("no longer in your network"),
        "{bobs}"
    );
    assert!(app.entries().await.is_empty());
    // Alice's own press still works.
    let (_, alices) = app.post_signed(&press(731, ALICE, &message, &done)).await;
    assert_eq!(alices["type"], 7, "{alices}");
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
}

#[tokio::test]
async fn a_channel_post_is_public_and_pings_nobody() {
    let app = App::spawn().await;
    app.discord
        .messenger()
        .post(
            &GUILD_ID.to_string(),
            &crate::fake_discord::CHANNEL_ID.to_string(),
            &Reply::text("New resource shared"),
        )
        .await
        .expect("posted");
    let posts = message_posts(&app);
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].path,
        format!(
            "/api/v10/channels/{}/messages",
            crate::fake_discord::CHANNEL_ID
        )
    );
    assert!(posts[0].body.get("flags").is_none());
    assert_eq!(posts[0].body["allowed_mentions"], json!({"parse": []}));
    let bad = app
        .discord
        .messenger()
        .post("1", "not-a-channel", &Reply::text("x"))
        .await;
    assert!(matches!(bad, Err(DeliveryError::Permanent(_))), "{bad:?}");
}

#[tokio::test]
async fn eighty_requests_keep_to_fifty_in_any_second() {
    let app = App::spawn().await;
    let messenger = app.discord.messenger();
    let channel = crate::fake_discord::CHANNEL_ID.to_string();
    let started = std::time::Instant::now();
    let sends = (0..80).map(|i| {
        let messenger = messenger.clone();
        let channel = channel.clone();
        tokio::spawn(async move {
            messenger
                .post("1", &channel, &Reply::text(format!("post {i}")))
                .await
        })
    });
    for send in sends {
        send.await.expect("joins").expect("posted");
    }
    let elapsed = started.elapsed();
    let posts = message_posts(&app);
    assert_eq!(posts.len(), 80, "nothing lost");
    // Wherever a second starts, at most 50 requests fall in it.
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
    assert!(busiest <= 50, "{busiest} requests in one second");
    // A burst of 5, then one every 22 ms: the last of 80 goes after 1.6 s.
    let spread = posts[79].at - posts[0].at;
    assert!(
        spread >= Duration::from_millis(1_600),
        "80 requests in {spread:?}"
    );
    eprintln!(
        "80 channel posts through the global pace: {elapsed:?} (first to last {spread:?}, at most {busiest} in a second)"
    );
}

#[tokio::test]
async fn a_dm_button_naming_an_unknown_server_is_refused_before_anything_is_written() {
    let app = App::spawn().await;
    let ids = network(&app).await;
    app.discord
        .messenger()
        .send_dm(&alice(), &reminder(&[(ids[0], "Bob")]), "r:4")
        .await
        .expect("delivered");
    let message = app.fake.messages().remove(0);
    let before = crate::common::everything(&app.sql).await;
    let stranger = 2_000_000_000_000_000_099;
    for (n, (who, custom_id)) in [
        // A server Kith has never seen.
        (
            ALICE,
            format!("999999999999999999|contact:{0}|done:{0}", ids[0]),
        ),
        // A member of no server Kith knows.
        (
            stranger,
            format!("999999999999999999|contact:{0}|done:{0}", ids[0]),
        ),
        // A known server, pressed by someone Kith has never met there.
        (stranger, format!("{GUILD_ID}|contact:{0}|done:{0}", ids[0])),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, answer) = app
            .post_signed(&press(730 + n as u64, who, &message, &custom_id))
            .await;
        assert_eq!(status, 200);
        assert_eq!(answer["type"], 4, "{answer}");
        assert_eq!(answer["data"]["flags"], 64);
        let content = answer["data"]["content"].as_str().expect("content");
        assert!(content.contains("not one of mine"), "{content}");
    }
    assert_eq!(crate::common::everything(&app.sql).await, before);
}
