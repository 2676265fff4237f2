//! The core's scheduler and sender delivering through the Discord
//! messenger: a due contact becomes a DM with buttons; Done in it logs a
//! check-in; a member Discord will not let us DM is told next time.

use std::sync::Arc;

use axum::http::Method;
use chrono::{Duration, TimeZone, Utc};
use kith_bot::delivery::{Delivery, Messengers};
use kith_bot::domain::Platform;
use serde_json::json;

use crate::fake_discord::{Opt, press, slash};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

fn delivery(app: &App) -> Delivery {
    Delivery::new(
        Arc::new(app.store.clone()),
        Arc::new(app.store.clone()),
        Messengers::new().with(Platform::Discord, Arc::new(app.discord.messenger())),
        Arc::new(app.clock.clone()),
        "discord-test",
    )
}

/// Alice adds Bob (inner: every 14 days) with /kith add; two weeks and a
/// day later, Monday 7 December 09:30 UTC, inside her reminder window.
async fn bob_falls_due(app: &App) {
    let (_, answer) = app
        .post_signed(&slash(
            801,
            ALICE,
            "kith",
            "add",
            &[Opt::User("member", BOB), Opt::Str("tier", "inner")],
        ))
        .await;
    assert!(
        answer["data"]["content"]
            .as_str()
            .expect("content")
            .contains("Added @bob"),
        "{answer}"
    );
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 30, 0)
            .single()
            .expect("valid"),
    );
}

#[tokio::test]
async fn a_due_contact_is_delivered_as_a_dm_and_done_in_it_logs_a_check_in() {
    let app = App::on_gateway().await;
    bob_falls_due(&app).await;
    let report = delivery(&app).catch_up().await.expect("delivers");
    assert_eq!(report.sent, 1, "{report:?}");

    let posts = app.fake.calls_to("POST", "/messages");
    assert_eq!(posts.len(), 1);
    let body = &posts[0].body;
    assert_eq!(body["enforce_nonce"], true);
    assert!(body["nonce"].as_str().is_some_and(|n| n.len() <= 25));
    let content = body["content"].as_str().expect("content");
    assert!(
        content.starts_with("Time to check in: 1 person is due"),
        "{content}"
    );
    assert!(content.contains("@bob · inner"), "{content}");
    let labels: Vec<&str> = body["components"][0]["components"]
        .as_array()
        .expect("buttons")
        .iter()
        .map(|b| b["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["Done", "Snooze 1 week", "Skip"]);

    // Alice presses Done in the DM.
    let message = app.fake.messages().remove(0);
    let done = message["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("custom id")
        .to_string();
    app.fake
        .dispatch("INTERACTION_CREATE", press(802, ALICE, &message, &done));
    let callback = app.fake.callback(802).await;
    assert_eq!(callback.body["type"], 7);
    assert_eq!(
        callback.body["data"]["components"],
        json!([]),
        "pressed once, gone"
    );
    assert!(
        callback.body["data"]["content"]
            .as_str()
            .expect("content")
            .contains("Done: logged a check-in with @bob"),
        "{:#}",
        callback.body
    );
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);

    // Nothing more is due today: a second round sends nothing.
    app.clock.advance(Duration::minutes(30));
    let again = delivery(&app).catch_up().await.expect("runs");
    assert_eq!(again.sent, 0, "{again:?}");
    assert_eq!(app.fake.calls_to("POST", "/messages").len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_member_discord_will_not_let_us_dm_is_told_at_their_next_command() {
    let app = App::spawn().await;
    bob_falls_due(&app).await;
    app.fake.answer_next(
        Method::POST,
        "/messages",
        403,
        json!({"message": "Cannot send messages to this user", "code": 50007}),
    );
    let report = delivery(&app).catch_up().await.expect("runs");
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    assert_eq!(app.fake.calls_to("POST", "/messages").len(), 1);

    // Later rounds do not try again.
    app.clock.advance(Duration::hours(2));
    delivery(&app).catch_up().await.expect("runs");
    assert_eq!(
        app.fake.calls_to("POST", "/messages").len(),
        1,
        "no retries"
    );

    let (_, answer) = app
        .post_signed(&slash(803, ALICE, "kith", "due", &[]))
        .await;
    let content = answer["data"]["content"].as_str().expect("content");
    assert!(
        content.contains("I couldn't send you direct messages"),
        "{content}"
    );
    assert!(content.contains("50007"), "{content}");
    assert!(content.contains("settings dms on"), "{content}");
}
