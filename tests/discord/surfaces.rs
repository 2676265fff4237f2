//! Discord's native surfaces (issue 15): autocomplete scoped to the asking
//! member, the context-menu commands on a member with their modal, and a
//! reply too long for one message reaching the member whole.

use serde_json::Value;

use crate::fake_discord::{Opt, autocomplete, modal_submit, slash, user_command};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;
const CAROL: u64 = 2_000_000_000_000_000_003;

fn choices(answer: &Value) -> Vec<String> {
    answer["data"]["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| c["value"].as_str().expect("value").to_string())
        .collect()
}

async fn add(app: &App, id: u64, user: u64, name: &'static str) {
    let (status, answer) = app
        .post_signed(&slash(id, user, "kith", "add", &[Opt::Str("name", name)]))
        .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn autocomplete_offers_only_the_asking_members_own_outside_contacts() {
    let app = App::spawn().await;
    add(&app, 1501, ALICE, "Jane Doe").await;
    add(&app, 1502, ALICE, "Janet Fox").await;
    add(&app, 1503, ALICE, "Bill Jannings").await;
    add(&app, 1504, BOB, "Jan Bobsfriend").await;
    let before = app.ledger().await;

    let (status, answer) = app
        .post_signed(&autocomplete(1505, ALICE, "kith", "gave", "name", "jan"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["type"], 8, "{answer}");
    assert_eq!(
        choices(&answer),
        ["Jane Doe", "Janet Fox", "Bill Jannings"],
        "Alice's own, best match first; never Bob's"
    );
    let (_, bobs) = app
        .post_signed(&autocomplete(1506, BOB, "favour", "got", "name", "jan"))
        .await;
    assert_eq!(choices(&bobs), ["Jan Bobsfriend"]);
    // Carol has no ledger here: nothing to offer, and nothing created.
    let (_, carols) = app
        .post_signed(&autocomplete(1507, CAROL, "kith", "show", "name", "j"))
        .await;
    assert!(choices(&carols).is_empty());
    assert_eq!(app.ledger().await, before, "autocomplete writes nothing");
}

#[tokio::test]
async fn time_zones_are_completed_from_the_city() {
    let app = App::spawn().await;
    let (_, answer) = app
        .post_signed(&autocomplete(
            1510,
            ALICE,
            "kith-account",
            "settings tz",
            "zone",
            "new yo",
        ))
        .await;
    assert_eq!(
        choices(&answer).first().map(String::as_str),
        Some("America/New_York")
    );
}

#[tokio::test]
async fn log_a_favour_they_did_opens_a_form_and_its_submission_logs_it() {
    let app = App::spawn().await;
    let (status, modal) = app
        .post_signed(&user_command(
            1520,
            ALICE,
            "Log a favour they did",
            BOB,
            "bob",
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(modal["type"], 9, "a modal: {modal}");
    let custom_id = modal["data"]["custom_id"].as_str().expect("id").to_string();
    let inputs: Vec<&str> = modal["data"]["components"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["components"][0]["custom_id"].as_str().expect("input"))
        .collect();
    assert_eq!(inputs, ["what", "when"]);
    assert!(
        app.entries().await.is_empty(),
        "opening the form writes nothing"
    );

    // A mistake is told against its field and writes nothing.
    let (_, refused) = app
        .post_signed(&modal_submit(
            1521,
            ALICE,
            &custom_id,
            &[("what", "an intro to Carol"), ("when", "last tuesday")],
        ))
        .await;
    let text = refused["data"]["content"].as_str().expect("content");
    assert!(
        text.contains("last tuesday") && text.contains("Nothing was changed"),
        "{text}"
    );
    assert!(app.entries().await.is_empty());

    let (_, logged) = app
        .post_signed(&modal_submit(
            1522,
            ALICE,
            &custom_id,
            &[("what", "an intro to Carol"), ("when", "yesterday")],
        ))
        .await;
    let text = logged["data"]["content"].as_str().expect("content");
    assert!(text.contains("gave you “an intro to Carol”"), "{text}");
    assert_eq!(logged["data"]["flags"], 64, "privately");
    let entries = app.entries().await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].contains("got") && entries[0].contains("an intro to Carol"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn a_forged_form_id_is_refused_before_anything_is_written() {
    let app = App::spawn().await;
    let forgeries = [
        "favour|stole|2",
        "favour|gave|<@2>",
        "favour|gave|",
        "other|gave|2",
    ];
    for (id, forged) in (1530..).zip(forgeries) {
        let (_, answer) = app
            .post_signed(&modal_submit(id, ALICE, forged, &[("what", "x")]))
            .await;
        let text = answer["data"]["content"].as_str().expect("content");
        assert!(text.contains("out of date"), "{id} {forged}: {text}");
    }
    assert!(app.entries().await.is_empty());
}

#[tokio::test]
async fn show_in_kith_on_a_member_shows_them() {
    let app = App::spawn().await;
    app.post_signed(&slash(
        1540,
        ALICE,
        "kith",
        "gave",
        &[
            Opt::Member("member", BOB, "bob"),
            Opt::Str("what", "coffee"),
        ],
    ))
    .await;
    let (_, shown) = app
        .post_signed(&user_command(1541, ALICE, "Show in Kith", BOB, "bob"))
        .await;
    let text = shown["data"]["content"].as_str().expect("content");
    assert!(text.contains("coffee"), "{text}");
}

/// Alice's lines, run by the core as her Discord commands would be.
async fn alice_says(app: &App, lines: impl Iterator<Item = String>) {
    let member = kith_bot::Actor::new(
        kith_bot::domain::Platform::Discord,
        crate::fake_discord::GUILD_ID.to_string(),
        ALICE.to_string(),
        "alice",
    );
    for line in lines {
        let reply = app.discord.kith().handle(&member, &line).await;
        assert!(!reply.is_error, "{line}: {reply:?}");
    }
}

#[tokio::test]
async fn list_takes_its_page_as_an_integer_option_and_keeps_the_filter() {
    let app = App::spawn().await;
    alice_says(
        &app,
        (0..25).map(|i| format!("add \"Person {i:02}\" wider #team")),
    )
    .await;
    let (status, answer) = app
        .post_signed(&slash(
            1551,
            ALICE,
            "kith",
            "list",
            &[Opt::Str("tag", "#team"), Opt::Int("page", 2)],
        ))
        .await;
    assert_eq!(status, 200);
    let text = answer["data"]["content"].as_str().expect("content");
    assert!(
        text.contains("#team: 25 people (21-25, page 2 of 2)"),
        "{text}"
    );
    assert!(
        text.contains("Person 24") && !text.contains("Person 19"),
        "{text}"
    );
}

#[tokio::test]
async fn a_list_page_longer_than_a_message_reaches_the_member_whole_as_a_file() {
    let app = App::spawn().await;
    // A page of 20 people with long names and companies: ~5,000 characters.
    let long = "x".repeat(85);
    alice_says(
        &app,
        (0..30).map(|i| format!("add \"Person {i:03} {long}\" wider at \"Company {long}\"")),
    )
    .await;
    let (status, answer) = app
        .post_signed(&slash(1550, ALICE, "kith", "list", &[]))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["type"], 5,
        "deferred: a file rides with the follow-up"
    );
    let edit = app
        .fake
        .wait_for("the list follow-up", |calls| {
            calls
                .iter()
                .find(|c| c.method == "PATCH" && c.path.contains("/token-1550/"))
                .cloned()
        })
        .await;
    let content = edit.body["content"].as_str().expect("content");
    assert!(content.chars().count() <= 2000);
    assert!(
        content.contains("attached as kith-list.txt"),
        "says which: {content}"
    );
    assert_eq!(edit.files.len(), 1);
    assert_eq!(edit.files[0].0, "kith-list.txt");
    let whole = String::from_utf8_lossy(&edit.files[0].1);
    assert!(whole.contains("page 1 of 2"), "{whole}");
    for i in 0..30 {
        assert_eq!(
            whole.contains(&format!("Person {i:03}")),
            i < 20,
            "Person {i:03} is on page {}",
            1 + i / 20
        );
    }
    assert!(whole.contains("More: list page 2"), "{whole}");
}
