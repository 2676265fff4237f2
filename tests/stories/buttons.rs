//! Buttons on reminders: Done, Snooze and Skip act on the presser's own
//! contact and settle the block they were on.

use kith_bot::Actor;
use kith_bot::domain::Platform;

use crate::helpers::{App, assert_shows};

fn me() -> Actor {
    Actor::new(Platform::Console, "console", "me", "me")
}

async fn alice_id(app: &App) -> i64 {
    sqlx::query_scalar("SELECT c.id FROM contacts c JOIN members m ON m.id = c.member_id WHERE m.external_id = 'alice'")
        .fetch_one(&app.sql)
        .await
        .expect("alice")
}

#[tokio::test]
async fn done_logs_a_check_in_and_settles_the_item() {
    let mut app = App::spawn().await;
    app.given(&["add @alice inner", ":tick 20d"]).await;
    let id = alice_id(&app).await;

    let pressed = app.kith.press(&me(), &format!("done:{id}")).await;
    assert_eq!(pressed.settles, Some(format!("contact:{id}")));
    assert_eq!(
        pressed.outcome.plain_text(),
        "Done: logged a check-in with @alice. Next check-in: Sat 26 Dec."
    );
    assert_shows(
        &app.say("show @alice").await,
        &[
            "Last contact: today",
            "check-in   checked in (from a reminder)",
        ],
    );
}

#[tokio::test]
async fn snooze_waits_a_week_and_skip_waits_a_cadence_without_a_check_in() {
    let mut app = App::spawn().await;
    app.given(&["add @alice inner", ":tick 20d"]).await;
    let id = alice_id(&app).await;

    let snoozed = app.kith.press(&me(), &format!("snooze:{id}")).await;
    assert_eq!(
        snoozed.outcome.plain_text(),
        "Snoozed @alice for a week, until Sat 19 Dec."
    );
    assert_shows(&app.say("due").await, &["Next up: @alice, Sat 19 Dec"]);

    let skipped = app.kith.press(&me(), &format!("skip:{id}")).await;
    assert_eq!(
        skipped.outcome.plain_text(),
        "Skipped @alice this time. Next check-in: Sat 26 Dec."
    );
    assert_shows(
        &app.say("show @alice").await,
        &["Last contact: none yet", "Nothing logged yet."],
    );
    assert_eq!(app.count("entries").await, 0);
}

#[tokio::test]
async fn a_button_for_someone_elses_contact_or_a_forged_one_changes_nothing() {
    let mut app = App::spawn().await;
    app.given(&["add @alice inner"]).await;
    let id = alice_id(&app).await;

    // Bob has used Kith, so his press is his own: alice is not his contact.
    app.given(&[":as bob", "help", ":as me"]).await;
    let before = app.ledger().await;
    let bob = Actor::new(Platform::Console, "console", "bob", "bob");
    let pressed = app.kith.press(&bob, &format!("done:{id}")).await;
    assert!(pressed.outcome.is_error);
    assert_eq!(
        pressed.outcome.plain_text(),
        "That contact is no longer in your network."
    );

    let forged = app.kith.press(&me(), "delete:1").await;
    assert!(forged.outcome.is_error);
    assert_eq!(forged.settles, None);

    // Someone Kith has never met (here, "me" of another workspace) cannot
    // have been sent a button: refused before even a member row is written.
    let elsewhere = Actor::new(Platform::Console, "other", "me", "me");
    let pressed = app.kith.press(&elsewhere, &format!("skip:{id}")).await;
    assert!(pressed.outcome.is_error);
    assert_eq!(
        pressed.outcome.plain_text(),
        "That button is not one of mine any more; type due to see who is due."
    );
    assert_eq!(app.ledger().await, before);
}
