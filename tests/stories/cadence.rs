//! When someone is due: last contact plus cadence, pushed by a snooze.

use crate::helpers::{App, assert_shows};

#[tokio::test]
async fn a_contact_falls_due_one_cadence_after_the_last_contact() {
    let mut app = App::spawn().await;
    app.given(&["add @bob inner"]).await;

    app.given(&[":tick 13d"]).await;
    assert_shows(
        &app.say("due").await,
        &["Nobody is due for a check-in. Next up: @bob, Sun 6 Dec (tomorrow)."],
    );

    app.given(&[":tick 1d"]).await;
    let out = app.say("due").await;
    assert_shows(
        &out,
        &[
            "Time to check in: 1 person is due",
            "@bob      inner   never          due today",
            "Log a check-in with: touch @bob coffee",
        ],
    );

    app.given(&[":tick 5d", "touch @bob call"]).await;
    assert_shows(
        &app.say("due").await,
        &["Nobody is due", "Next up: @bob, Fri 25 Dec (in 2 weeks)."],
    );
}

#[tokio::test]
async fn any_favour_or_note_resets_the_cadence() {
    for line in [
        "gave @bob a hand",
        "got @bob a hand",
        "note @bob likes jazz",
        "touch @bob",
    ] {
        let mut app = App::spawn().await;
        app.given(&["add @bob inner", ":tick 20d"]).await;
        assert_shows(&app.say("due").await, &["6 days overdue"]);
        app.given(&[line]).await;
        assert_shows(&app.say("due").await, &["Nobody is due", "(in 2 weeks)"]);
    }
}

#[tokio::test]
async fn a_back_dated_check_in_counts_from_when_it_happened() {
    let mut app = App::spawn().await;
    app.given(&[
        "add @bob inner",
        ":tick 30d",
        "touch @bob lunch 10 days ago",
    ])
    .await;
    // Lunch was 10 days ago, cadence 14 days: due in 4 days.
    assert_shows(
        &app.say("due").await,
        &["Next up: @bob, Sat 26 Dec (in 4 days)."],
    );
}

#[tokio::test]
async fn due_lists_the_most_overdue_first() {
    let mut app = App::spawn().await;
    app.given(&[
        "add @carol wider",
        "add @alice inner",
        "add @bob close",
        ":tick 100d",
    ])
    .await;

    let out = app.say("due").await;
    assert_shows(
        &out,
        &[
            "3 people are due",
            "@alice    inner   never          2 months overdue",
            "@bob      close   never          2 months overdue",
            "@carol    wider   never          10 days overdue",
        ],
    );
    let (alice, bob, carol) = (
        out.find("@alice").expect("a"),
        out.find("@bob").expect("b"),
        out.find("@carol").expect("c"),
    );
    assert!(alice < bob && bob < carol, "{out}");
}

#[tokio::test]
async fn a_snooze_holds_reminders_until_it_ends() {
    let mut app = App::spawn().await;
    app.given(&["add @bob inner", ":tick 15d"]).await;
    assert_shows(&app.say("due").await, &["@bob"]);

    let out = app.say("snooze @bob 2w").await;
    assert_eq!(
        out,
        "Snoozed @bob for 2 weeks: no reminders before Mon 21 Dec.\n"
    );
    assert_shows(
        &app.say("due").await,
        &["Nobody is due", "Next up: @bob, Mon 21 Dec (in 2 weeks)."],
    );
    assert_shows(&app.say("show @bob").await, &["Snoozed until Mon 21 Dec"]);

    app.given(&[":tick 14d"]).await;
    assert_shows(&app.say("due").await, &["@bob", "due today"]);
}

#[tokio::test]
async fn snoozing_someone_not_yet_due_says_so() {
    let mut app = App::spawn().await;
    app.given(&["add @carol wider"]).await;
    let out = app.say("snooze @carol 1 week").await;
    assert_eq!(
        out,
        "Snoozed @carol for 1 week: no reminders before Sun 29 Nov. They weren't due until Sat 20 Feb 2027 anyway.\n"
    );
}

#[tokio::test]
async fn a_custom_cadence_sets_when_they_fall_due() {
    let mut app = App::spawn().await;
    app.given(&["add @bob every 3 weeks"]).await;
    assert_shows(
        &app.say("show @bob").await,
        &[
            "@bob · close, every 3 weeks",
            "Next check-in: Sun 13 Dec (in 3 weeks)",
        ],
    );
    app.given(&["every @bob 1 month"]).await;
    assert_shows(
        &app.say("show @bob").await,
        &["every 30 days", "Next check-in: Tue 22 Dec (in 4 weeks)"],
    );
}

#[tokio::test]
async fn a_long_due_list_shows_the_twenty_most_overdue_and_counts_the_rest() {
    let mut app = App::spawn().await;
    // 25 people added a day apart: the first added is the most overdue.
    for i in 1..=25 {
        app.given(&[&format!("add \"Person {i:02}\" inner"), ":tick 1d"])
            .await;
    }
    app.given(&[
        ":tick 30d",
        "snooze \"Person 02\" 2w",
        "add \"Newcomer\" inner",
    ])
    .await;

    let out = app.say("due").await;
    assert_shows(
        &out,
        &[
            "Time to check in: 24 people are due; the 20 most overdue first",
            "Log a check-in with: touch \"Person 01\" coffee",
        ],
    );
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("Person")).collect();
    assert_eq!(rows.len(), 1 + 20, "the 20 rows and the hint: {out}");
    assert!(
        rows[0].contains("Person 01") && rows[1].contains("Person 03"),
        "{out}"
    );
    assert!(rows[19].contains("Person 21"), "most overdue first: {out}");
    assert!(!out.contains("Person 02 "), "snoozed: {out}");
    assert!(!out.contains("Newcomer"), "not due yet: {out}");
}
