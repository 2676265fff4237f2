//! Logging favours, check-ins and notes, back-dated or not.

use crate::helpers::{App, assert_shows};

#[tokio::test]
async fn a_new_member_logs_favours_both_ways_and_sees_the_balance() {
    let mut app = App::spawn().await;

    let out = app.say("add @alice inner").await;
    assert_shows(
        &out,
        &[
            "Welcome to Kith!",
            "Added @alice to your network: inner, every 2 weeks. First check-in: Sun 6 Dec (in 2 weeks).",
        ],
    );

    let out = app.say("gave @alice reviewed her resume").await;
    assert_eq!(
        out,
        "Logged: you gave @alice \u{201C}reviewed her resume\u{201D}. Balance with @alice: +1.\n"
    );

    let out = app.say("got @alice intro to Bob 3 days ago").await;
    assert_eq!(
        out,
        "Logged: @alice gave you \u{201C}intro to Bob\u{201D} (3 days ago, Thu 19 Nov). Balance with @alice: 0.\n"
    );

    let out = app.say("balance").await;
    assert_shows(
        &out,
        &[
            "Contact   Gave   Got   Balance",
            "@alice    1      1     0",
            "In all you gave 1 favour and got 1 favour.",
        ],
    );

    let out = app.say("show @alice").await;
    assert_shows(
        &out,
        &[
            "@alice · inner, every 2 weeks",
            "Last contact: today (Sun 22 Nov)",
            "Next check-in: Sun 6 Dec (in 2 weeks)",
            "Favours: you gave 1, received 1 (balance 0)",
            "Sun 22 Nov   you gave   reviewed her resume",
            "Thu 19 Nov   you got    intro to Bob",
        ],
    );

    let out = app.say("due").await;
    assert_eq!(
        out,
        "Nobody is due for a check-in. Next up: @alice, Sun 6 Dec (in 2 weeks).\n"
    );
    assert_eq!(app.count("entries").await, 2);
}

#[tokio::test]
async fn logging_for_someone_new_adds_them_as_close_and_says_so() {
    let mut app = App::spawn().await;
    app.given(&["help"]).await;

    let out = app.say("touch @bob coffee, new puppy Rex").await;
    assert_shows(
        &out,
        &[
            "@bob wasn't in your network yet, so I added them as close (every 30 days).",
            "Logged a check-in with @bob: \u{201C}coffee, new puppy Rex\u{201D}. Next check-in: Tue 22 Dec (in 4 weeks).",
        ],
    );
    let out = app.say("got \"Jane Doe\" a warm intro to her CTO").await;
    assert_shows(
        &out,
        &[
            "Jane Doe wasn't in your network yet, so I added them as close",
            "Balance with Jane Doe: -1.",
        ],
    );
    let out = app
        .say("note \"jane  doe\" moving to Lisbon in March")
        .await;
    assert!(
        !out.contains("wasn't in your network"),
        "names match without case or extra spaces: {out}"
    );
    assert_shows(
        &out,
        &["Noted about Jane Doe: \u{201C}moving to Lisbon in March\u{201D}."],
    );

    let out = app.say("list close").await;
    assert_shows(&out, &["close: 2 people", "@bob", "Jane Doe"]);
    assert_eq!(app.count("contacts").await, 2);
}

#[tokio::test]
async fn the_latest_note_shows_on_the_contact() {
    let mut app = App::spawn().await;
    app.given(&[
        "add @alice",
        "note @alice daughter starts college in Sept",
        "note @alice ran a marathon",
    ])
    .await;

    let out = app.say("show @alice").await;
    assert_shows(
        &out,
        &[
            "Last note: ran a marathon",
            "note   ran a marathon",
            "note   daughter starts college in Sept",
        ],
    );
}

#[tokio::test]
async fn back_dated_entries_land_on_the_day_they_happened() {
    let mut app = App::spawn().await;
    app.given(&["add @alice"]).await;

    let out = app.say("touch @alice call yesterday").await;
    assert_shows(&out, &["(yesterday, Sat 21 Nov)"]);
    let out = app.say("gave @alice feedback on her deck 2w ago").await;
    assert_shows(&out, &["(2 weeks ago, Sun 8 Nov)"]);
    let out = app.say("got @alice a book on 2026-11-02").await;
    assert_shows(&out, &["(2 weeks ago, Mon 2 Nov)"]);

    let out = app.say("show @alice").await;
    // Latest first, by when it happened, not when it was typed.
    let call = out.find("Sat 21 Nov").expect("the call");
    let feedback = out.find("Sun 8 Nov").expect("the feedback");
    let book = out.find("Mon 2 Nov").expect("the book");
    assert!(call < feedback && feedback < book, "{out}");
    assert_shows(&out, &["Last contact: yesterday (Sat 21 Nov)"]);

    let stored: Vec<(String, i64)> = sqlx::query_as("SELECT kind, at FROM entries ORDER BY at")
        .fetch_all(&app.sql)
        .await
        .expect("entries");
    let noon_nov_2 = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 2, 12, 0, 0)
        .single()
        .expect("t")
        .timestamp();
    assert_eq!(stored[0], ("got".to_string(), noon_nov_2));
}

#[tokio::test]
async fn a_back_dated_touch_does_not_move_last_contact_backwards() {
    let mut app = App::spawn().await;
    app.given(&["add @alice", "touch @alice lunch"]).await;
    app.given(&["touch @alice email 5 days ago"]).await;

    let out = app.say("show @alice").await;
    assert_shows(&out, &["Last contact: today (Sun 22 Nov)"]);
}
