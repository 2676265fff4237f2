//! Interactions over the Gateway: the bot connects with its token (no
//! public URL), receives INTERACTION_CREATE and answers over REST.

use serde_json::json;

use crate::fake_discord::{GUILD_ID, Opt, slash};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

#[tokio::test]
async fn a_favour_logged_over_the_gateway_is_answered_privately_and_stored() {
    let app = App::on_gateway().await;
    let identify = app
        .fake
        .identify
        .lock()
        .expect("lock")
        .clone()
        .expect("identified");
    assert_eq!(identify["intents"], 1, "only the GUILDS intent");

    app.fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            501,
            ALICE,
            "kith",
            "gave",
            &[
                Opt::User("member", BOB),
                Opt::Str("what", "reviewed his resume"),
            ],
        ),
    );

    let callback = app.fake.callback(501).await;
    assert_eq!(
        callback.path,
        "/api/v10/interactions/501/token-501/callback"
    );
    assert_eq!(callback.body["type"], 4, "{:#}", callback.body);
    assert_eq!(callback.body["data"]["flags"], 64, "ephemeral");
    let content = callback.body["data"]["content"].as_str().expect("content");
    assert!(content.contains("Welcome to Kith"), "{content}");
    assert!(
        content.contains("What is your time zone?")
            && content.contains("`/kith-account settings tz`"),
        "first use asks for a time zone, the Discord way: {content}"
    );
    assert!(
        content.contains("Logged: you gave @bob “reviewed his resume”"),
        "{content}"
    );
    assert_eq!(
        callback.body["data"]["allowed_mentions"]["parse"],
        json!([])
    );
    assert_eq!(app.entries().await, ["gave: reviewed his resume"]);
    assert!(
        app.ledger()
            .await
            .contains(&format!("workspaces: 'discord', '{GUILD_ID}'")),
        "the guild is the workspace"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_favour_shortcut_logs_the_same_as_kith() {
    let app = App::on_gateway().await;
    app.fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            502,
            ALICE,
            "favour",
            "got",
            &[
                Opt::Str("name", "Jane Doe"),
                Opt::Str("what", "an intro to Carol"),
                Opt::Str("when", "yesterday"),
            ],
        ),
    );
    let callback = app.fake.callback(502).await;
    let content = callback.body["data"]["content"].as_str().expect("content");
    assert!(content.contains("Jane Doe gave you"), "{content}");
    assert_eq!(app.entries().await, ["got: an intro to Carol"]);
    app.stop().await;
}

#[tokio::test]
async fn a_redelivered_interaction_is_answered_once() {
    let app = App::on_gateway().await;
    let gave = slash(
        503,
        ALICE,
        "kith",
        "gave",
        &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
    );
    app.fake.dispatch("INTERACTION_CREATE", gave.clone());
    app.fake.callback(503).await;
    app.fake.dispatch("INTERACTION_CREATE", gave);
    // A later interaction is answered, so the redelivery was handled by then.
    app.fake
        .dispatch("INTERACTION_CREATE", slash(504, ALICE, "kith", "due", &[]));
    app.fake.callback(504).await;
    assert_eq!(app.fake.calls_to("POST", "/interactions/503/").len(), 1);
    assert_eq!(app.entries().await, ["gave: coffee"]);
    app.stop().await;
}

#[tokio::test]
async fn removal_from_a_guild_deletes_its_data_but_an_outage_does_not() {
    let app = App::on_gateway().await;
    app.fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            505,
            ALICE,
            "kith",
            "gave",
            &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
        ),
    );
    app.fake.callback(505).await;

    // An outage: the guild is unavailable; nothing is deleted.
    app.fake.dispatch(
        "GUILD_DELETE",
        json!({"id": GUILD_ID.to_string(), "unavailable": true}),
    );
    // The bot is removed: the guild's data goes.
    app.fake
        .dispatch("GUILD_DELETE", json!({"id": GUILD_ID.to_string()}));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !app.ledger().await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the guild's data was not deleted: {:?}",
            app.ledger().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn an_outage_keeps_the_guilds_data() {
    let app = App::on_gateway().await;
    app.fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            506,
            ALICE,
            "kith",
            "gave",
            &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
        ),
    );
    app.fake.callback(506).await;
    app.fake.dispatch(
        "GUILD_DELETE",
        json!({"id": GUILD_ID.to_string(), "unavailable": true}),
    );
    // Events are handled in order of arrival per shard; a later command
    // being answered shows the outage was seen.
    app.fake
        .dispatch("INTERACTION_CREATE", slash(507, ALICE, "kith", "due", &[]));
    app.fake.callback(507).await;
    assert_eq!(app.entries().await, ["gave: coffee"]);
    app.stop().await;
}

#[tokio::test]
async fn a_slow_command_is_deferred_then_followed_up() {
    let app = App::with(crate::helpers::Options {
        defer_after: std::time::Duration::ZERO,
        gateway: true,
    })
    .await;
    app.fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            508,
            ALICE,
            "kith",
            "gave",
            &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
        ),
    );
    let callback = app.fake.callback(508).await;
    assert_eq!(callback.body["type"], 5, "deferred: {:#}", callback.body);
    assert_eq!(callback.body["data"]["flags"], 64, "deferred privately");
    let edit = app
        .fake
        .wait_for("the follow-up", |calls| {
            calls
                .iter()
                .find(|c| c.method == "PATCH" && c.path.ends_with("/token-508/messages/@original"))
                .cloned()
        })
        .await;
    assert!(
        edit.at >= callback.at,
        "the follow-up comes after the deferral"
    );
    let content = edit.body["content"].as_str().expect("content");
    assert!(content.contains("Logged: you gave"), "{content}");
    assert_eq!(app.entries().await, ["gave: coffee"]);
    app.stop().await;
}
