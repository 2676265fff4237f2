//! Malformed input gets a specific answer saying what to type instead, and
//! writes nothing.

use crate::helpers::{App, assert_shows};

const MISTAKES: &[(&str, &[&str])] = &[
    (
        "fly me to the moon",
        &["I don't know the command \"fly\"", "Type help"],
    ),
    ("tuch @alice", &["Did you mean \"touch\"?"]),
    (
        "add",
        &["Who? Mention a member like @alice", "Usage: add @someone"],
    ),
    (
        "add alice",
        &["I don't know who \"alice\" is", "\"Jane Doe\""],
    ),
    (
        "add @alice innr",
        &[
            "I didn't understand \"innr\"",
            "a tier (inner, close, wider)",
        ],
    ),
    ("add @alice every", &["How often? Write it like every 3w"]),
    ("add @alice every 0d", &["at least one day"]),
    (
        "add @alice every fortnight",
        &["\"fortnight\" is not a length of time; write it like 10d, 2w, 3 weeks or 1 month."],
    ),
    ("add @alice at", &["At which company?"]),
    ("add \"Jane Doe", &["never closed"]),
    ("add \"\"", &["The name in quotes is empty"]),
    ("add @alice #", &["is not a tag"]),
    (
        "gave @alice",
        &[
            "What did you do for @alice? e.g. gave @alice reviewed their resume",
            "Usage: gave @someone <what> [when]",
        ],
    ),
    ("gave", &["Who did you do a favour for?"]),
    ("got @alice yesterday", &["What did @alice do for you?"]),
    (
        "got @alice intro 3 fortnights ago",
        &["I couldn't tell when \"3 fortnights ago\" was"],
    ),
    (
        "touch @alice on 2026-02-30",
        &["\"2026-02-30\" is not a date I can read; write it as YYYY-MM-DD"],
    ),
    (
        "touch @alice coffee on 2026-12-25",
        &["2026-12-25 is in the future"],
    ),
    ("note @alice", &["What should I remember about @alice?"]),
    ("show", &["Who?"]),
    ("show @alice @bob", &["I didn't expect \"@bob\" there."]),
    (
        "list friends",
        &[
            "I didn't understand \"friends\". You can give a tier (inner, close, wider), #tags, at \"Company\" and page N.",
        ],
    ),
    ("due now", &["I didn't expect \"now\" there.", "Usage: due"]),
    ("balance @alice", &["I didn't expect \"@alice\" there."]),
    (
        "snooze @alice",
        &["For how long? Write it like 2w or 10 days."],
    ),
    (
        "snooze @alice forever",
        &["\"forever\" is not a length of time"],
    ),
    (
        "snooze @alice 10 years",
        &["too long; the longest I accept is 5 years"],
    ),
    (
        "every @alice",
        &["How often? Write it like 10d, 3w or 1 month."],
    ),
    ("tier @alice", &["Which tier? inner, close or wider."]),
    ("tier @alice best", &["\"best\" is not a tier"]),
    ("remove", &["Who?"]),
    ("help me please", &["I didn't expect \"please\" there."]),
];

#[tokio::test]
async fn every_malformed_line_is_explained_and_changes_nothing() {
    let mut app = App::spawn().await;
    app.given(&["add @bob inner", "gave @bob advice"]).await;
    let before = app.ledger().await;

    for (line, expected) in MISTAKES {
        let out = app.say(line).await;
        assert!(out.starts_with("! "), "{line:?} should be refused: {out}");
        assert_shows(&out, expected);
        assert_eq!(app.ledger().await, before, "{line:?} changed the ledger");
    }
}

#[tokio::test]
async fn commands_about_someone_not_in_the_network_say_how_to_add_them() {
    let mut app = App::spawn().await;
    app.given(&["add @bob"]).await;
    let before = app.ledger().await;

    for line in [
        "show @alice",
        "snooze @alice 2w",
        "every @alice 10d",
        "tier @alice inner",
        "remove @alice",
    ] {
        assert_eq!(
            app.say(line).await,
            "! @alice isn't in your network yet. Add them with: add @alice\n",
            "{line}"
        );
    }
    assert_eq!(
        app.say("show \"Jane Doe\"").await,
        "! Jane Doe isn't in your network yet. Add them with: add \"Jane Doe\"\n"
    );
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn you_cannot_be_your_own_contact() {
    let mut app = App::spawn().await;
    app.given(&["help"]).await;
    let before = app.ledger().await;
    for line in ["add @me", "gave @me a break", "show @Me"] {
        assert_shows(&app.say(line).await, &["! That's you!"]);
    }
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn very_long_text_is_refused_whole() {
    let mut app = App::spawn().await;
    app.given(&["add @bob"]).await;
    let before = app.ledger().await;
    let out = app.say(&format!("note @bob {}", "blah ".repeat(300))).await;
    assert_shows(&out, &["longer than 1000 characters"]);
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn a_fault_while_logging_apologises_and_leaves_no_half_written_record() {
    let mut app = App::spawn().await;
    app.given(&["help"]).await;
    kith_storage::testing::refuse_inserts(&app.sql, "entries", "TRUE").await;
    let before = app.ledger().await;

    let out = app.say("gave @newbie intro to a recruiter").await;
    assert_eq!(
        out,
        "! Sorry, something went wrong on my side and nothing was changed. Please try again in a moment.\n"
    );
    assert_eq!(
        app.ledger().await,
        before,
        "neither the contact nor the mentioned member was kept"
    );
}
