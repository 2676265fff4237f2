//! Interactions at the HTTP endpoint: every request is verified before it
//! is read; PING gets PONG; a bad signature gets 401 and changes nothing.

use serde_json::json;

use crate::fake_discord::{APPLICATION_ID, Opt, slash};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

#[tokio::test]
async fn a_signed_favour_is_answered_privately_in_the_response_and_stored() {
    let app = App::spawn().await;
    let (status, answer) = app
        .post_signed(&slash(
            601,
            ALICE,
            "kith",
            "gave",
            &[
                Opt::User("member", BOB),
                Opt::Str("what", "reviewed his resume"),
            ],
        ))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["type"], 4);
    assert_eq!(answer["data"]["flags"], 64);
    let content = answer["data"]["content"].as_str().expect("content");
    assert!(
        content.contains("Logged: you gave @bob “reviewed his resume”"),
        "{content}"
    );
    assert_eq!(app.entries().await, ["gave: reviewed his resume"]);
    assert!(
        app.fake.calls_to("POST", "/callback").is_empty(),
        "over HTTP the answer is the response, not a callback"
    );
}

#[tokio::test]
async fn ping_gets_pong() {
    let app = App::spawn().await;
    let ping = json!({"id": "1", "application_id": APPLICATION_ID.to_string(), "type": 1, "token": "t", "version": 1});
    let (status, answer) = app.post_signed(&ping).await;
    assert_eq!((status, answer), (200, json!({"type": 1})));
}

#[tokio::test]
async fn a_bad_signature_gets_401_and_stores_nothing() {
    let app = App::spawn().await;
    let body = slash(
        602,
        ALICE,
        "kith",
        "gave",
        &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
    )
    .to_string();
    let timestamp = app.clock_secs().to_string();
    // Signed by someone else.
    let forged = hex::encode([0x11u8; 64]);
    let (status, _) = app
        .post(body.clone(), Some(forged), Some(timestamp.clone()))
        .await;
    assert_eq!(status, 401);
    // No signature at all.
    let (status, _) = app.post(body.clone(), None, Some(timestamp)).await;
    assert_eq!(status, 401);
    // A genuine request replayed after the window.
    let (status, _) = {
        let old = (app.clock_secs() - 301).to_string();
        use ed25519_dalek::Signer;
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let signature = hex::encode(key.sign(format!("{old}{body}").as_bytes()).to_bytes());
        app.post(body, Some(signature), Some(old)).await
    };
    assert_eq!(status, 401);
    assert!(app.ledger().await.is_empty(), "{:?}", app.ledger().await);
    assert!(app.fake.calls().is_empty());
}

#[tokio::test]
async fn a_malformed_payload_gets_400_and_changes_nothing() {
    let app = App::spawn().await;
    let (status, answer) = app.post_signed(&json!({"type": 2, "nonsense": true})).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .expect("a reason")
            .contains("interaction")
    );
    assert!(app.ledger().await.is_empty());
}

#[tokio::test]
async fn an_unknown_option_is_refused_with_a_reason_and_changes_nothing() {
    let app = App::spawn().await;
    let (status, answer) = app
        .post_signed(&slash(
            603,
            ALICE,
            "kith",
            "gave",
            &[
                Opt::User("member", BOB),
                Opt::Str("what", "coffee"),
                Opt::Str("colour", "red"),
            ],
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["data"]["flags"], 64);
    let content = answer["data"]["content"].as_str().expect("content");
    assert!(content.contains("\"colour\""), "{content}");
    assert!(content.contains("kith discord register"), "{content}");
    assert!(app.ledger().await.is_empty(), "{:?}", app.ledger().await);
}

#[tokio::test]
async fn a_mistake_in_the_command_is_answered_with_its_usage() {
    let app = App::spawn().await;
    let (_, answer) = app
        .post_signed(&slash(
            604,
            ALICE,
            "kith",
            "snooze",
            &[Opt::User("member", BOB), Opt::Str("how_long", "forever")],
        ))
        .await;
    let content = answer["data"]["content"].as_str().expect("content");
    assert!(content.starts_with("⚠️"), "{content}");
    // Told against what was typed in the option, not a usage line to type.
    assert!(content.contains("forever"), "{content}");
    assert!(content.contains("Nothing was changed"), "{content}");
    assert!(app.entries().await.is_empty());
}

#[tokio::test]
async fn a_slow_command_is_deferred_and_followed_up_over_http_too() {
    let app = App::with(crate::helpers::Options {
        defer_after: std::time::Duration::ZERO,
        gateway: false,
    })
    .await;
    let (status, answer) = app
        .post_signed(&slash(
            605,
            ALICE,
            "kith",
            "gave",
            &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"type": 5, "data": {"flags": 64}}));
    let edit = app
        .fake
        .wait_for("the follow-up", |calls| {
            calls
                .iter()
                .find(|c| {
                    c.method == "PATCH"
                        && c.path
                            == format!(
                                "/api/v10/webhooks/{APPLICATION_ID}/token-605/messages/@original"
                            )
                })
                .cloned()
        })
        .await;
    assert!(
        edit.body["content"]
            .as_str()
            .expect("content")
            .contains("Logged")
    );
    assert_eq!(app.entries().await, ["gave: coffee"]);
}

#[tokio::test]
async fn setting_a_time_zone_as_the_first_command_needs_no_reminder_to_set_it() {
    let app = App::spawn().await;
    let (_, answer) = app
        .post_signed(&slash(
            606,
            ALICE,
            "kith-account",
            "settings tz",
            &[Opt::Str("zone", "Europe/Berlin")],
        ))
        .await;
    let content = answer["data"]["content"].as_str().expect("content");
    assert!(content.contains("Europe/Berlin"), "{content}");
    assert!(
        !content.contains("`/kith-account settings tz`"),
        "{content}"
    );
    let tz: String = sqlx::query_scalar("SELECT tz FROM members")
        .fetch_one(app.store.pool())
        .await
        .expect("member");
    assert_eq!(tz, "Europe/Berlin");
}

#[tokio::test]
async fn a_command_in_a_dm_is_told_to_use_a_server_and_changes_nothing() {
    let app = App::spawn().await;
    let mut dm = slash(607, ALICE, "kith", "due", &[]);
    let user = dm["member"]["user"].clone();
    let object = dm.as_object_mut().expect("object");
    object.remove("guild_id");
    object.remove("member");
    object.insert("user".into(), user);
    object.insert("context".into(), json!(1));
    let (status, answer) = app.post_signed(&dm).await;
    assert_eq!(status, 200);
    assert_eq!(answer["data"]["flags"], 64);
    assert!(
        answer["data"]["content"]
            .as_str()
            .expect("content")
            .contains("use /kith in a server"),
        "{answer}"
    );
    assert!(app.ledger().await.is_empty());
}

#[tokio::test]
async fn a_follow_up_discord_cannot_match_yet_is_tried_again() {
    let app = App::with(crate::helpers::Options {
        defer_after: std::time::Duration::ZERO,
        gateway: false,
    })
    .await;
    app.fake.answer_next(
        axum::http::Method::PATCH,
        "/messages/@original",
        404,
        json!({"message": "Unknown interaction", "code": 10062}),
    );
    let (_, answer) = app
        .post_signed(&slash(608, ALICE, "kith", "due", &[]))
        .await;
    assert_eq!(answer["type"], 5);
    let edits = app
        .fake
        .wait_for("a second follow-up", |calls| {
            let edits: Vec<_> = calls
                .iter()
                .filter(|c| c.method == "PATCH")
                .cloned()
                .collect();
            (edits.len() == 2).then_some(edits)
        })
        .await;
    assert_eq!(edits[0].status, 404);
    assert_eq!(edits[1].status, 200);
}

#[tokio::test]
async fn a_timestamp_at_the_end_of_i64_is_refused_with_401_not_a_panic() {
    use ed25519_dalek::Signer;
    let app = App::spawn().await;
    let body = slash(
        604,
        ALICE,
        "kith",
        "gave",
        &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
    )
    .to_string();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    for ts in [i64::MIN.to_string(), i64::MAX.to_string()] {
        // Validly signed: the timestamp is what is wrong.
        let signature = hex::encode(key.sign(format!("{ts}{body}").as_bytes()).to_bytes());
        let (status, _) = app
            .post(body.clone(), Some(signature), Some(ts.clone()))
            .await;
        assert_eq!(status, 401, "{ts}");
    }
    assert!(app.ledger().await.is_empty(), "{:?}", app.ledger().await);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_naming_it() {
    let app = App::spawn().await;
    let mut body = slash(
        605,
        ALICE,
        "kith",
        "note",
        &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
    );
    body["padding"] = "a".repeat(kith_discord::http::MAX_BODY_BYTES).into();
    // Validly signed and fresh: only the size is wrong.
    let (status, answer) = app.post_signed(&body).await;
    assert_eq!(status, 413, "{answer}");
    let reason = answer["message"].as_str().expect("a reason");
    assert!(reason.contains("over 1024 KB"), "{reason}");
    assert!(app.ledger().await.is_empty(), "{:?}", app.ledger().await);
}
