//! Reminders and digests on the console's clock: at the right local time,
//! inside the window, once a day, across daylight-saving changes.

use chrono::NaiveDateTime;

use crate::helpers::{App, assert_shows};

/// Each DM header on the screen: (recipient, local time as printed).
fn dm_headers(screen: &str) -> Vec<(String, String)> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix("── DM to @"))
        .filter_map(|l| l.strip_suffix(" ──"))
        .filter_map(|l| l.split_once(" · "))
        .map(|(who, when)| (who.to_string(), when.to_string()))
        .collect()
}

/// Reminder headers only (a header followed by "Time to check in").
fn reminder_times(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("── DM to @") && w[1].starts_with("Time to check in"))
        .map(|w| w[0].to_string())
        .collect()
}

#[tokio::test]
async fn the_new_york_digest_arrives_at_nine_local_on_both_sides_of_the_dst_change() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-10-25T12:00:00Z",
        "settings tz America/New_York",
        "settings digest \"0 0 9 * * Mon\"",
        "add @alice close",
        "got @alice intro to Bob",
    ])
    .await;

    let out = app.say(":tick 9d").await;
    let digests: Vec<_> = out.match_indices("Your week in networking").collect();
    assert_eq!(digests.len(), 2, "{out}");
    assert_shows(
        &out,
        &[
            "── DM to @me · Mon 26 Oct 2026 09:00 EDT ──\nYour week in networking (Mon 26 Oct)",
            "- 1 favour logged this week: 0 given, 1 received.",
            "── DM to @me · Mon 2 Nov 2026 09:00 EST ──\nYour week in networking (Mon 2 Nov)",
            "Clock moved to Tue 3 Nov 2026 12:00 UTC.",
        ],
    );
}

#[tokio::test]
async fn due_reminders_come_inside_the_window_on_weekdays_once_a_day() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-01T12:00:00Z",
        "settings tz Europe/Berlin",
        "settings window 09:00-11:00",
        "add @alice inner",
        "add @bob inner",
        ":tick 14d", // both due from Sun 15 Nov
    ])
    .await;
    let mut screen = String::new();
    // Hour by hour through a week, typing a command now and then, as a member would.
    for hour in 0..(7 * 24) {
        screen.push_str(&app.say(":tick 1h").await);
        if hour % 5 == 0 {
            screen.push_str(&app.say("due").await);
        }
    }
    let reminders = reminder_times(&screen);
    // Mon 16 to Fri 20 Nov (Sat and Sun have no window): five reminders.
    assert_eq!(reminders.len(), 5, "{reminders:#?}");
    let mut days = Vec::new();
    for header in &reminders {
        let when = header
            .trim_start_matches("── DM to @me · ")
            .trim_end_matches(" ──");
        let local = NaiveDateTime::parse_from_str(&when[..when.len() - 4], "%a %-d %b %Y %H:%M")
            .expect(when);
        assert!(when.ends_with("CET"), "{when}");
        assert!(local.time() >= chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("t"));
        assert!(
            local.time() < chrono::NaiveTime::from_hms_opt(11, 0, 0).expect("t"),
            "{when}"
        );
        assert!(!days.contains(&local.date()), "twice on {}", local.date());
        days.push(local.date());
    }
    let per_day: Vec<(String, i64)> = sqlx::query_as(
        "SELECT local_date, COUNT(*) FROM outbox WHERE kind = 'reminder' GROUP BY local_date",
    )
    .fetch_all(&app.sql)
    .await
    .expect("outbox");
    assert!(per_day.iter().all(|(_, n)| *n == 1), "{per_day:?}");
}

#[tokio::test]
async fn a_reminder_recalls_the_last_note_and_a_lopsided_balance() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-02T08:00:00Z",
        "add @alice inner",
        "note @alice new puppy named Rex",
        "got @alice intro to Carol",
        "got @alice reference letter",
        "got @alice a book",
        "add @bob close",
    ])
    .await;

    let out = app.say(":clock 2026-11-16T09:30:00Z").await;
    assert_shows(
        &out,
        &[
            "── DM to @me · Mon 16 Nov 2026 09:00 UTC ──\nTime to check in: 1 person is due",
            "@alice · inner · last contact 2 weeks ago (every 2 weeks)\nLast time: new puppy named Rex\nYou've received 3 favours from @alice and given none: is there something you can offer?",
            "  [Done]  [Snooze 1 week]  [Skip]   (:press 1 done|snooze|skip)",
        ],
    );
    assert!(!out.contains("@bob ·"), "bob is not due: {out}");
}

#[tokio::test]
async fn done_from_a_reminder_logs_a_check_in_and_the_next_day_is_quiet() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-02T08:00:00Z",
        "add @alice inner",
        "add @bob inner",
        ":clock 2026-11-16T09:30:00Z",
    ])
    .await;

    assert_eq!(
        app.say(":press 1 done").await,
        "Done: logged a check-in with @alice. Next check-in: Mon 30 Nov.\n"
    );
    assert_eq!(
        app.say(":press 1 done").await,
        "! Item 1 was already pressed: Done: logged a check-in with @alice. Next check-in: Mon 30 Nov.\n"
    );
    assert_eq!(
        app.say(":press 3 done").await,
        "! There is no item 3 with buttons in your latest message.\n"
    );
    assert_eq!(
        app.say(":press 2 later").await,
        "! Press done, snooze or skip, not \"later\".\n"
    );
    assert_eq!(
        app.say(":press 2 snooze").await,
        "Snoozed @bob for a week, until Mon 23 Nov.\n"
    );
    assert_shows(
        &app.say("show @alice").await,
        &["check-in   checked in (from a reminder)"],
    );

    let out = app.say(":tick 1d").await;
    assert!(
        reminder_times(&out).is_empty(),
        "nobody is due on Tuesday: {out}"
    );
}

#[tokio::test]
async fn skip_resets_the_cadence_without_a_check_in() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-02T08:00:00Z",
        "add @alice inner",
        ":clock 2026-11-16T09:30:00Z",
    ])
    .await;
    assert_eq!(
        app.say(":press 1 skip").await,
        "Skipped @alice this time. Next check-in: Mon 30 Nov.\n"
    );
    assert_eq!(app.count("entries").await, 0);
    let out = app.say(":tick 13d").await;
    assert!(reminder_times(&out).is_empty(), "{out}");
    assert_eq!(reminder_times(&app.say(":tick 1d").await).len(), 1);
}

#[tokio::test]
async fn a_touch_favour_or_note_before_the_window_means_no_reminder() {
    for line in [
        "touch @alice call",
        "gave @alice a lift",
        "got @alice advice",
        "note @alice moving house",
    ] {
        let mut app = App::spawn().await;
        app.given(&[
            ":clock 2026-11-02T08:00:00Z",
            "add @alice inner",
            ":clock 2026-11-16T08:00:00Z",
            line,
        ])
        .await;
        let out = app.say(":tick 3h").await;
        assert!(reminder_times(&out).is_empty(), "{line}: {out}");
        let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'reminder'")
            .fetch_one(&app.sql)
            .await
            .expect("count");
        assert_eq!(sent, 0, "{line}");
    }
}

#[tokio::test]
async fn a_snoozed_contact_is_not_in_reminders_until_the_snooze_ends() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-02T08:00:00Z",
        "add @alice inner",
        ":clock 2026-11-16T08:00:00Z",
        "snooze @alice 1 week",
    ])
    .await;
    assert!(reminder_times(&app.say(":tick 6d").await).is_empty());
    assert_eq!(reminder_times(&app.say(":tick 2d").await).len(), 1);
}

#[tokio::test]
async fn with_dms_off_nothing_is_sent() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-02T08:00:00Z",
        "add @alice inner",
        "settings dms off",
    ])
    .await;
    let out = app.say(":tick 21d").await;
    assert!(dm_headers(&out).is_empty(), "{out}");
    app.given(&["settings dms on"]).await;
    assert_eq!(reminder_times(&app.say(":tick 1d").await).len(), 1);
}

#[tokio::test]
async fn people_who_were_only_mentioned_get_no_messages() {
    let mut app = App::spawn().await;
    app.given(&[":clock 2026-11-02T08:00:00Z", "gave @alice a hand"])
        .await;
    let out = app.say(":tick 21d").await;
    assert!(dm_headers(&out).iter().all(|(who, _)| who == "me"), "{out}");
}

/// A daily window starting at `window` in `zone`; the local reminder times seen over `days` from `start`.
async fn daily_reminders(zone: &str, window: &str, start: &str, days: u32) -> Vec<String> {
    let mut app = App::spawn().await;
    let clock = format!(":clock {start}");
    app.given(&[
        ":clock 2025-01-01T00:00:00Z",
        &format!("settings tz {zone}"),
        &format!("settings window {window} daily"),
        "add @alice every 1 day",
        "settings digest off",
        &clock,
    ])
    .await;
    let out = app.say(&format!(":tick {days}d")).await;
    reminder_times(&out)
}

#[tokio::test]
async fn spring_forward_in_new_york_moves_a_window_that_does_not_exist() {
    // 8 Mar 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 does not happen.
    let times = daily_reminders("America/New_York", "02:30-04:00", "2026-03-07T00:00:00Z", 3).await;
    assert_eq!(
        times,
        vec![
            "── DM to @me · Sat 7 Mar 2026 02:30 EST ──",
            "── DM to @me · Sun 8 Mar 2026 03:30 EDT ──",
            "── DM to @me · Mon 9 Mar 2026 02:30 EDT ──",
        ]
    );
}

#[tokio::test]
async fn fall_back_in_new_york_fires_a_repeated_hour_once() {
    // 1 Nov 2026: 01:00-02:00 happens twice (EDT, then EST).
    let times = daily_reminders("America/New_York", "01:00-02:00", "2026-10-31T00:00:00Z", 3).await;
    assert_eq!(
        times,
        vec![
            "── DM to @me · Sat 31 Oct 2026 01:00 EDT ──",
            "── DM to @me · Sun 1 Nov 2026 01:00 EDT ──",
            "── DM to @me · Mon 2 Nov 2026 01:00 EST ──",
        ]
    );
}

#[tokio::test]
async fn london_moves_the_spring_gap_and_fires_the_autumn_repeat_once() {
    let spring = daily_reminders("Europe/London", "01:30-03:00", "2026-03-28T00:00:00Z", 2).await;
    assert_eq!(
        spring,
        vec![
            "── DM to @me · Sat 28 Mar 2026 01:30 GMT ──",
            "── DM to @me · Sun 29 Mar 2026 02:30 BST ──"
        ]
    );
    let autumn = daily_reminders("Europe/London", "01:00-02:00", "2026-10-24T12:00:00Z", 2).await;
    assert_eq!(
        autumn,
        vec![
            "── DM to @me · Sun 25 Oct 2026 01:00 BST ──",
            "── DM to @me · Mon 26 Oct 2026 01:00 GMT ──"
        ]
    );
}

#[tokio::test]
async fn settings_show_and_change_what_was_asked() {
    let mut app = App::spawn().await;
    app.given(&["help"]).await;
    let out = app.say("settings").await;
    assert_shows(
        &out,
        &[
            "Time zone: UTC (the default; set yours with: settings tz Europe/Berlin)",
            "Reminders: weekdays, 09:00–10:00",
            "Weekly digest: \"0 0 9 * * Mon\" (next: Mon 23 Nov 09:00)",
            "Direct messages: on",
            "Reach: off (turn on with: settings reach on)",
        ],
    );
    assert_eq!(
        app.say("settings tz europe/berlin").await,
        "Time zone set to Europe/Berlin. It is Sun 22 Nov 11:00 there now.\n"
    );
    assert_eq!(
        app.say("settings window 08:00-09:30 daily").await,
        "Reminders now come every day, 08:00–09:30 (Europe/Berlin time).\n"
    );
    assert_eq!(
        app.say("settings digest 0 0 17 * * Fri").await,
        "Weekly digest set to \"0 0 17 * * Fri\". Next one: Fri 27 Nov 17:00.\n"
    );
    assert_shows(
        &app.say("settings digest off").await,
        &["Weekly digest turned off."],
    );
    assert_shows(
        &app.say("settings").await,
        &[
            "Time zone: Europe/Berlin (you chose it)",
            "Reminders: every day, 08:00–09:30",
            "Weekly digest: off",
        ],
    );
    app.given(&["settings reach on"]).await;
    assert_shows(
        &app.say("settings").await,
        &[
            "Reach: on (members may see you in a count of who knows someone at a company, never who)",
        ],
    );
    app.given(&["settings reach off"]).await;
    assert_shows(
        &app.say("settings").await,
        &["Reach: off (turn on with: settings reach on)"],
    );
}

#[tokio::test]
async fn bad_settings_are_explained_and_change_nothing() {
    let mut app = App::spawn().await;
    app.given(&["settings tz Asia/Tokyo"]).await;
    let before = app.ledger().await;
    for (line, expected) in [
        (
            "settings tz Mars/Olympus",
            "\"Mars/Olympus\" is not a time zone I know.",
        ),
        ("settings tz Europe/Berln", "Did you mean Europe/Berlin?"),
        ("settings window 9-5", "\"9-5\" is not a window I can read"),
        (
            "settings window 17:00-09:00",
            "The window must end after it starts",
        ),
        (
            "settings digest \"0 9 * * Mon\"",
            "has five fields; I need six, seconds first: \"0 0 9 * * Mon\"",
        ),
        (
            "settings digest every monday",
            "is not a schedule I can read",
        ),
        (
            "settings dms maybe",
            "Say settings dms on or settings dms off.",
        ),
        ("settings colour blue", "I have no setting \"colour\""),
    ] {
        let out = app.say(line).await;
        assert!(out.starts_with("! "), "{line}: {out}");
        assert_shows(&out, &[expected]);
    }
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn the_digest_has_a_line_per_open_goal_with_who_can_help_and_who_is_due() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-01T12:00:00Z",
        "settings digest \"0 0 9 * * Mon\"",
        "add \"Jane Doe\" close at \"Acme Corp\"",
        "touch \"Jane Doe\" coffee 40 days ago",
        "add \"Bob Ortiz\" at \"ACME, Inc.\"",
        "goal Move into sales enablement at \"Acme\"",
        "goal \"Get better at pitching\" #sales",
        "goal Meet a designer at \"Initech\"",
    ])
    .await;

    let out = app.say(":tick 1d").await;
    assert_shows(
        &out,
        &[
            "── DM to @me · Mon 2 Nov 2026 09:00 UTC ──\nYour week in networking (Mon 2 Nov)",
            "- Move into sales enablement: 2 people at Acme; Jane Doe is due\n",
            "- Get better at pitching: nobody in your network with #sales yet\n",
            "- Meet a designer: nobody in your network at Initech yet; reach Initech shows who else might know someone\n",
        ],
    );

    // Ended goals leave the digest; the other stays. (Numbers are as goals
    // lists them now: after goal 1 is done, pitching is goal 1.)
    app.given(&["goal done 1", "goal drop 1"]).await;
    let out = app.say(":tick 7d").await;
    assert_shows(
        &out,
        &["Your week in networking (Mon 9 Nov)", "- Meet a designer:"],
    );
    assert!(!out.contains("sales enablement"), "{out}");
    assert!(!out.contains("pitching"), "{out}");
}
