//! Slash commands over HTTP: signed ones run and answer privately within
//! Slack's 3 seconds; unsigned, tampered or stale ones get 401 and change
//! nothing.

use std::time::Duration;

use chrono::Duration as Span;
use serde_json::Value;

use crate::helpers::{
    BOT_TOKEN, FORM, TEAM, TestApp, command_form, command_form_with_trigger, start, text_of,
};

#[tokio::test]
async fn a_signed_kith_gave_is_acknowledged_privately_and_stored() {
    let app = TestApp::spawn().await;
    app.fake.set_time_zone("U1", "Europe/Berlin");

    let answer = app
        .slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;

    assert_eq!(answer["response_type"], "ephemeral");
    let text = text_of(&answer);
    assert!(text.contains("Logged: you gave"), "{text}");
    assert!(text.contains("intro to Carol"), "{text}");
    assert_eq!(app.entries().await, ["gave: intro to Carol"]);
    // The mention became a member of the same workspace, named as Slack named them.
    let bob: (String, String) = sqlx::query_as(
        "SELECT m.external_id, m.display_name FROM members m JOIN workspaces w ON w.id = m.workspace_id \
         WHERE w.external_id = 'T1' AND m.external_id = 'U2'",
    )
    .fetch_one(app.store.pool())
    .await
    .expect("bob is a member");
    assert_eq!(bob.0, "U2");
    // Named as Slack's users.info names him, not by the label in the text.
    assert_eq!(bob.1, "Real U2");
    // users.info gave the member's time zone, and the mentioned member's
    // name, with the workspace's own token.
    let lookups = app.fake.calls_to("users.info");
    assert_eq!(lookups.len(), 2);
    assert!(lookups.iter().all(|l| l.bearer() == Some(BOT_TOKEN)));
    assert_eq!(lookups[0].params["user"], "U1");
    assert_eq!(lookups[1].params["user"], "U2");
    let tz: String = sqlx::query_scalar("SELECT tz FROM members WHERE external_id = 'U1'")
        .fetch_one(app.store.pool())
        .await
        .expect("U1 is a member");
    assert_eq!(tz, "Europe/Berlin");
}

#[tokio::test]
async fn the_member_profile_is_looked_up_once_and_cached() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "help").await;
    app.slash_ok(TEAM, "U1", "/kith", "due").await;
    assert_eq!(app.fake.calls_to("users.info").len(), 1);
}

#[tokio::test]
async fn favour_is_a_shortcut_for_gave_and_got() {
    let app = TestApp::spawn().await;
    let answer = app
        .slash_ok(TEAM, "U1", "/favour", "got <@U2|bob> lunch")
        .await;
    assert!(text_of(&answer).contains("Logged"), "{answer}");
    assert_eq!(app.entries().await, ["got: lunch"]);

    let before = app.ledger().await;
    let answer = app
        .slash_ok(TEAM, "U1", "/favour", "took <@U2|bob> lunch")
        .await;
    assert!(
        text_of(&answer).contains("Usage: /favour gave|got"),
        "{answer}"
    );
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn a_mistake_gets_a_clear_private_answer_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "help").await;
    let before = app.ledger().await;
    let answer = app.slash_ok(TEAM, "U1", "/kith", "gave").await;
    assert_eq!(answer["response_type"], "ephemeral");
    assert!(
        answer["blocks"][0]["text"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with(":warning:")),
        "{answer}"
    );
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn a_tampered_stale_or_unsigned_command_gets_401_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let body = command_form(
        &app.fake,
        TEAM,
        "U1",
        "/kith",
        "gave <@U2|bob> intro to Carol",
    );

    // Signed, then altered on the way.
    let ts = start().timestamp().to_string();
    let secret = kith_bot::domain::Secret::new(crate::helpers::SIGNING_SECRET);
    let sig = kith_slack::signature::sign(&secret, &ts, body.as_bytes());
    let tampered = body.replace("intro+to+Carol", "intro+to+Mallory");
    assert_ne!(tampered, body);
    let response = app
        .http
        .post(app.url("/slack/commands"))
        .header("content-type", FORM)
        .header(kith_slack::signature::TIMESTAMP_HEADER, &ts)
        .header(kith_slack::signature::SIGNATURE_HEADER, &sig)
        .body(tampered)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 401);

    // Signed correctly, but six minutes ago (a replay).
    let stale = app
        .post_signed_at("/slack/commands", FORM, &body, start() - Span::minutes(6))
        .await;
    assert_eq!(stale.status(), 401);
    assert!(stale.text().await.expect("text").contains("five minutes"));

    // Not signed at all.
    let unsigned = app
        .http
        .post(app.url("/slack/commands"))
        .header("content-type", FORM)
        .body(body.clone())
        .send()
        .await
        .expect("answers");
    assert_eq!(unsigned.status(), 401);

    assert_eq!(app.ledger().await, Vec::<String>::new());
    assert!(app.fake.calls().is_empty(), "{:?}", app.fake.calls());
}

#[tokio::test]
async fn a_malformed_payload_gets_400_and_stores_nothing() {
    let app = TestApp::spawn().await;
    for (path, body) in [
        ("/slack/commands", "team_id=T1&text=hello"),
        ("/slack/actions", "payload=%7Bnot+json"),
        ("/slack/actions", "nothing=here"),
        (
            "/slack/actions",
            "payload=%7B%22type%22%3A%22block_actions%22%7D",
        ),
        ("/slack/events", "{\"type\":\"event_callback\"}"),
    ] {
        let response = app.post_signed(path, FORM, body).await;
        assert_eq!(response.status(), 400, "{path} {body}");
    }
    assert_eq!(app.ledger().await, Vec::<String>::new());

    // An interaction Kith does not offer (a shortcut) is acknowledged and ignored.
    let shortcut = "payload=%7B%22type%22%3A%22shortcut%22%7D";
    let response = app.post_signed("/slack/actions", FORM, shortcut).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.ledger().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_slow_command_is_acknowledged_then_answered_through_response_url() {
    let app = TestApp::spawn_with(|c| c, |a| a.with_ack_budget(Duration::ZERO)).await;
    let answer = app
        .slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;
    assert_eq!(text_of(&answer), "Working on it…");

    let later = app.fake.wait_for("response_url", 1).await;
    let reply: &Value = &later[0].params;
    assert_eq!(reply["id"], "cmd");
    assert_eq!(reply["replace_original"], true);
    assert!(
        reply["text"]
            .as_str()
            .is_some_and(|t| t.contains("Logged: you gave")),
        "{reply}"
    );
    assert_eq!(app.entries().await, ["gave: intro to Carol"]);
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("text"), "ok");
}

#[tokio::test]
async fn slacks_escaping_is_undone_before_the_core_reads_the_line() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> coffee &amp; cake")
        .await;
    assert_eq!(app.entries().await, ["gave: coffee & cake"]);
}

#[tokio::test]
async fn slacks_ssl_check_is_answered_without_running_anything() {
    let app = TestApp::spawn().await;
    let response = app
        .post_signed("/slack/commands", FORM, "ssl_check=1&token=x")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.ledger().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_failed_profile_lookup_does_not_block_commands_and_is_not_retried_at_once() {
    let app = TestApp::spawn().await;
    app.fake.throttle("users.info", 120, 1);
    let answer = app
        .slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;
    assert!(text_of(&answer).contains("Logged"), "{answer}");
    app.slash_ok(TEAM, "U1", "/kith", "due").await;
    assert_eq!(app.fake.calls_to("users.info").len(), 1);
}

#[tokio::test]
async fn export_sends_the_files_to_the_members_dm() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> intro to Carol")
        .await;
    let answer = app.slash_ok(TEAM, "U1", "/kith", "export").await;
    let text = text_of(&answer);
    assert!(text.contains("I sent you"), "{text}");
    assert!(!text.contains("could not send"), "{text}");

    let uploads = app.fake.calls_to("upload");
    assert_eq!(uploads.len(), 2, "the JSON and the CSV");
    assert_eq!(uploads[0].params["content_type"], "application/json");
    assert_eq!(uploads[1].params["content_type"], "text/csv");
    assert!(uploads.iter().all(|u| u.params["length"] != "0"));
    let shared = app.fake.calls_to("files.completeUploadExternal");
    assert_eq!(shared.len(), 2);
    assert_eq!(shared[0].params["channel_id"], "DU1");
    assert_eq!(shared[0].params["files"][0]["id"], "F1");
}

#[tokio::test]
async fn a_file_that_cannot_be_sent_is_explained_not_dropped() {
    let app = TestApp::spawn().await;
    app.fake.throttle("files.getUploadURLExternal", 600, 2);
    let answer = app.slash_ok(TEAM, "U1", "/kith", "export").await;
    let shown = answer["blocks"].to_string();
    assert_eq!(
        shown.matches("could not send it on Slack").count(),
        2,
        "{answer}"
    );
    assert!(app.fake.calls_to("upload").is_empty());
}

#[tokio::test]
async fn a_timestamp_at_the_end_of_i64_is_refused_with_401_not_a_panic() {
    let app = TestApp::spawn().await;
    let body = command_form(&app.fake, TEAM, "U1", "/kith", "gave <@U2> coffee");
    let secret = kith_bot::domain::Secret::new(crate::helpers::SIGNING_SECRET);
    for ts in [i64::MIN.to_string(), i64::MAX.to_string()] {
        // Validly signed: the timestamp is what is wrong.
        let sig = kith_slack::signature::sign(&secret, &ts, body.as_bytes());
        let response = app
            .http
            .post(app.url("/slack/commands"))
            .header("content-type", FORM)
            .header(kith_slack::signature::TIMESTAMP_HEADER, &ts)
            .header(kith_slack::signature::SIGNATURE_HEADER, &sig)
            .body(body.clone())
            .send()
            .await
            .expect("Kith answers, and is still up");
        assert_eq!(response.status(), 401, "{ts}");
        assert!(
            response
                .text()
                .await
                .expect("text")
                .contains("five minutes"),
            "{ts}"
        );
    }
    assert_eq!(app.ledger().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_naming_it_on_every_endpoint() {
    let app = TestApp::spawn().await;
    let text = "a".repeat(kith_slack::http::MAX_BODY_BYTES);
    for (path, content_type, body) in [
        (
            "/slack/commands",
            FORM,
            command_form(
                &app.fake,
                TEAM,
                "U1",
                "/kith",
                &format!("note <@U2> {text}"),
            ),
        ),
        ("/slack/actions", FORM, format!("payload={text}")),
        (
            "/slack/events",
            crate::helpers::JSON,
            format!("{{\"type\":\"{text}\"}}"),
        ),
    ] {
        // Validly signed and fresh: only the size is wrong.
        let response = app.post_signed(path, content_type, &body).await;
        assert_eq!(response.status(), 413, "{path}");
        let reason = response.text().await.expect("text");
        assert!(reason.contains("over 1024 KB"), "{path}: {reason}");
    }
    // Just under the limit is read (and refused for what it says, not its size).
    let under = format!(
        "payload={}",
        "a".repeat(kith_slack::http::MAX_BODY_BYTES - 8)
    );
    let response = app.post_signed("/slack/actions", FORM, &under).await;
    assert_eq!(response.status(), 400);
    assert_eq!(app.ledger().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_slash_command_delivered_twice_writes_once_and_answers_the_same() {
    let app = TestApp::spawn().await;
    let body = command_form_with_trigger(
        &app.fake,
        TEAM,
        "U1",
        "/kith",
        "gave <@U2|bob> reviewed his resume",
        "777.888.retried",
    );
    let first = app.post_signed("/slack/commands", FORM, &body).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.expect("json");
    assert!(text_of(&first).contains("Logged"), "{first}");
    let ledger = app.ledger().await;

    // The answer was lost on the way; Slack (or the member's client)
    // delivers the same command again.
    let again = app.post_signed("/slack/commands", FORM, &body).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again, first, "the same answer");
    assert_eq!(app.ledger().await, ledger, "written once");
    assert_eq!(
        app.entries().await,
        ["gave: reviewed his resume"],
        "one favour, not two"
    );

    // A new delivery (another trigger_id) of the same text is a new command.
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U2|bob> reviewed his resume")
        .await;
    assert_eq!(app.entries().await.len(), 2);
}

#[tokio::test]
async fn a_redelivery_that_would_now_fail_gets_the_first_answer_not_an_error() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "goal Move into sales")
        .await;
    let body = command_form_with_trigger(
        &app.fake,
        TEAM,
        "U1",
        "/kith",
        "goal done 1",
        "901.902.retried",
    );
    let first = app.post_signed("/slack/commands", FORM, &body).await;
    let first: Value = first.json().await.expect("json");
    assert!(text_of(&first).contains("Move into sales"), "{first}");
    // Run again, the command would find no goal 1 any more; the member is
    // given the first answer instead.
    let again = app.post_signed("/slack/commands", FORM, &body).await;
    let again: Value = again.json().await.expect("json");
    assert_eq!(again, first, "the same answer");
    // A new delivery of the same text is a new command, and says so.
    let fresh = app.slash_ok(TEAM, "U1", "/kith", "goal done 1").await;
    assert_ne!(text_of(&fresh), text_of(&first), "{fresh}");
}

#[tokio::test]
async fn a_command_cut_short_after_its_write_is_not_written_again_on_redelivery() {
    let app = TestApp::spawn().await;
    let body = command_form_with_trigger(
        &app.fake,
        TEAM,
        "U1",
        "/kith",
        "gave <@U2|bob> reviewed his resume",
        "777.888.cut-short",
    );
    let first = app.post_signed("/slack/commands", FORM, &body).await;
    assert_eq!(first.status(), 200);
    // What a kill -9 between the write's commit and keeping the answer
    // leaves: the delivery claimed by the write, no answer. (The answer is
    // kept after the reply; wait for it, then take it away.)
    let kept = "SELECT count(*) FROM command_answers WHERE delivery_key = '777.888.cut-short' \
                AND answer IS NOT NULL";
    for _ in 0..200 {
        let n: i64 = sqlx::query_scalar(kept)
            .fetch_one(app.store.pool())
            .await
            .expect("reads");
        if n == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sqlx::query("UPDATE command_answers SET answer = NULL, answered_at = NULL")
        .execute(app.store.pool())
        .await
        .expect("forgets the answer");
    // Slack delivers it again a minute later.
    app.clock.advance(Span::minutes(1));
    let again = app.post_signed("/slack/commands", FORM, &body).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.expect("json");
    assert!(text_of(&again).contains("already done"), "{again}");
    assert_eq!(
        app.entries().await,
        ["gave: reviewed his resume"],
        "one favour, not two"
    );
}

#[tokio::test]
async fn two_deliveries_of_one_command_at_once_write_once() {
    let app = TestApp::spawn().await;
    let body = command_form_with_trigger(
        &app.fake,
        TEAM,
        "U1",
        "/kith",
        "gave <@U2|bob> reviewed his resume",
        "777.888.racing",
    );
    // The member is known, so both deliveries race only on the write.
    app.slash_ok(TEAM, "U1", "/kith", "due").await;
    let (a, b) = tokio::join!(
        app.post_signed("/slack/commands", FORM, &body),
        app.post_signed("/slack/commands", FORM, &body)
    );
    let (a, b): (Value, Value) = (a.json().await.expect("json"), b.json().await.expect("json"));
    assert_eq!(a, b, "both get the one answer: {a} {b}");
    assert!(text_of(&a).contains("Logged"), "{a}");
    assert_eq!(app.entries().await, ["gave: reviewed his resume"]);
}

#[tokio::test]
async fn a_read_only_command_keeps_no_delivery_record() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "balance").await;
    app.slash_ok(TEAM, "U1", "/kith", "nonsense words").await;
    let records: i64 = sqlx::query_scalar("SELECT count(*) FROM command_answers")
        .fetch_one(app.store.pool())
        .await
        .expect("reads");
    assert_eq!(records, 0, "nothing written, nothing to remember");
}
