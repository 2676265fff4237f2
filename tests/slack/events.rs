//! The Events API: url_verification, app_uninstalled deleting the team's
//! data, tokens_revoked removing its token, and retries handled once.

use kith_bot::domain::{Installation, Platform, Secret};
use kith_bot::ports::Store;
use serde_json::json;

use crate::helpers::{JSON, TEAM, TestApp, event_callback, start};

#[tokio::test]
async fn url_verification_echoes_the_challenge_only_when_signed() {
    let app = TestApp::spawn().await;
    let body = json!({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}).to_string();
    let response = app.post_signed("/slack/events", JSON, &body).await;
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        answer["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    let unsigned = app
        .http
        .post(app.url("/slack/events"))
        .header("content-type", JSON)
        .body(body)
        .send()
        .await
        .expect("answers");
    assert_eq!(unsigned.status(), 401);
}

#[tokio::test]
async fn app_uninstalled_deletes_the_teams_data_and_only_that() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;
    app.slash_ok("T2", "U7", "/kith", "gave <@U8|dan> a coffee")
        .await;
    app.store
        .save_installation(
            Platform::Slack,
            TEAM,
            &Installation {
                bot_token: Secret::new("xoxb-t1"),
                bot_user_id: None,
            },
            start(),
        )
        .await
        .expect("saved");
    assert_eq!(app.workspaces().await, ["T1", "T2"]);

    let body = event_callback(TEAM, "Ev1", json!({"type": "app_uninstalled"}));
    let response = app.post_signed("/slack/events", JSON, &body).await;
    assert_eq!(response.status(), 200);

    assert_eq!(app.workspaces().await, ["T2"]);
    assert_eq!(app.entries().await, ["gave: a coffee"]);
    let token = app
        .store
        .installation(Platform::Slack, TEAM)
        .await
        .expect("reads");
    assert_eq!(token, None);
}

#[tokio::test]
async fn a_retried_event_is_processed_once() {
    let app = TestApp::spawn().await;
    let body = event_callback(TEAM, "Ev42", json!({"type": "app_uninstalled"}));
    assert_eq!(
        app.post_signed("/slack/events", JSON, &body).await.status(),
        200
    );

    // The team reinstalls and uses Kith again; then Slack's retry of the old
    // uninstall arrives. It must not delete the new data.
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;
    let ts = start().timestamp().to_string();
    let secret = Secret::new(crate::helpers::SIGNING_SECRET);
    let retry = app
        .http
        .post(app.url("/slack/events"))
        .header("content-type", JSON)
        .header("x-slack-retry-num", "1")
        .header("x-slack-retry-reason", "http_timeout")
        .header(kith_slack::signature::TIMESTAMP_HEADER, &ts)
        .header(
            kith_slack::signature::SIGNATURE_HEADER,
            kith_slack::signature::sign(&secret, &ts, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .expect("answers");
    assert_eq!(retry.status(), 200);
    assert_eq!(app.entries().await, ["gave: intro to Carol"]);
}

#[tokio::test]
async fn tokens_revoked_removes_the_token_but_keeps_the_data() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;
    app.store
        .save_installation(
            Platform::Slack,
            TEAM,
            &Installation {
                bot_token: Secret::new("xoxb-t1"),
                bot_user_id: None,
            },
            start(),
        )
        .await
        .expect("saved");

    let body = event_callback(
        TEAM,
        "Ev7",
        json!({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}),
    );
    assert_eq!(
        app.post_signed("/slack/events", JSON, &body).await.status(),
        200
    );

    let token = app
        .store
        .installation(Platform::Slack, TEAM)
        .await
        .expect("reads");
    assert_eq!(token, None);
    assert_eq!(app.entries().await, ["gave: intro to Carol"]);
}

#[tokio::test]
async fn an_event_whose_first_delivery_fails_is_processed_on_slacks_retry() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;
    // The first delivery fails inside Kith (the database refuses) while
    // `refusing` has a row.
    for sql in [
        "CREATE TABLE refusing (n INTEGER)",
        "INSERT INTO refusing VALUES (1)",
        "CREATE TRIGGER refuse BEFORE DELETE ON workspaces
         WHEN EXISTS (SELECT 1 FROM refusing)
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    ] {
        sqlx::query(sql)
            .execute(app.store.pool())
            .await
            .expect("fault injected");
    }
    let body = event_callback(TEAM, "EvFails", json!({"type": "app_uninstalled"}));
    let first = app.post_signed("/slack/events", JSON, &body).await;
    assert_eq!(first.status(), 500, "a failure asks Slack to retry");
    assert_eq!(app.workspaces().await, ["T1"]);

    // Slack retries the same event; this time it goes through.
    sqlx::query("DELETE FROM refusing")
        .execute(app.store.pool())
        .await
        .expect("fault healed");
    let retry = app
        .http
        .post(app.url("/slack/events"))
        .header("content-type", JSON)
        .header("x-slack-retry-num", "1")
        .header("x-slack-retry-reason", "http_error")
        .header(
            kith_slack::signature::TIMESTAMP_HEADER,
            start().timestamp().to_string(),
        )
        .header(
            kith_slack::signature::SIGNATURE_HEADER,
            kith_slack::signature::sign(
                &Secret::new(crate::helpers::SIGNING_SECRET),
                &start().timestamp().to_string(),
                body.as_bytes(),
            ),
        )
        .body(body.clone())
        .send()
        .await
        .expect("answers");
    assert_eq!(retry.status(), 200);
    assert!(app.workspaces().await.is_empty(), "processed on the retry");

    // And only once: a further retry after the team reinstalled changes nothing.
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Dana")
        .await;
    assert_eq!(
        app.post_signed("/slack/events", JSON, &body).await.status(),
        200
    );
    assert_eq!(app.workspaces().await, ["T1"]);
}
