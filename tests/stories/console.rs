//! The console itself: controls, scripts on piped input, deliveries, and the
//! `kith` binary keeping its data across restarts.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::TimeZone;
use kith_bot::ports::{ManualClock, Messenger, Recipient};
use kith_bot::reply::{Reply, Table};
use kith_console::{ConsoleMessenger, Transcript};

use crate::helpers::{App, assert_shows};

#[tokio::test]
async fn as_switches_member_and_clock_and_tick_move_time() {
    let mut app = App::spawn().await;
    assert_eq!(app.say(":as @Bob").await, "You are now @bob.\n");
    assert_eq!(app.console.member(), "bob");
    assert_eq!(
        app.say(":clock 2026-10-26T08:00:00Z").await,
        "Clock set to Mon 26 Oct 2026 08:00 UTC.\n"
    );
    assert_eq!(
        app.say(":tick 3d").await,
        "Clock moved to Thu 29 Oct 2026 08:00 UTC.\n"
    );
    assert_eq!(
        app.say(":tick 90m").await,
        "Clock moved to Thu 29 Oct 2026 09:30 UTC.\n"
    );
    assert_eq!(app.say(":now").await, "Thu 29 Oct 2026 09:30 UTC\n");
}

#[tokio::test]
async fn bad_console_controls_are_explained() {
    let mut app = App::spawn().await;
    assert_shows(
        &app.say(":clock tomorrow").await,
        &["! \"tomorrow\" is not a time I can read; write it like :clock 2026-10-26T08:00:00Z."],
    );
    assert_shows(
        &app.say(":tick").await,
        &["! Say how far to move the clock"],
    );
    assert_shows(&app.say(":tick later").await, &["! Say how far"]);
    assert_shows(
        &app.say(":as bob smith").await,
        &["! I don't know the console control"],
    );
    assert_shows(&app.say(":as b!b").await, &["is not a member name"]);
    assert_shows(
        &app.say(":fly").await,
        &["! I don't know the console control \":fly\""],
    );
    assert_shows(
        &app.say(":help").await,
        &[":as NAME", ":clock", ":tick", ":quit"],
    );
    assert_eq!(app.console.member(), "me");
}

#[tokio::test]
async fn a_piped_script_runs_to_quit_and_stops_there() {
    let mut app = App::spawn().await;
    let script = b"add @alice inner\n/kith gave @alice reviewed her resume\n:quit\ntouch @alice after quitting\n";
    app.console.run(&script[..]).await.expect("runs");

    let out = app.screen.take();
    assert_shows(
        &out,
        &[
            "Kith console · workspace console · you are @me.",
            "Added @alice",
            "Logged: you gave @alice",
        ],
    );
    assert!(!out.contains("after quitting"), "{out}");
    assert_eq!(app.count("entries").await, 1);
}

#[tokio::test]
async fn deliveries_print_under_a_header_with_the_recipients_local_time() {
    let transcript = Transcript::new();
    // 13:00 UTC on 26 Oct 2026 is 09:00 in New York (EDT, before the clocks change).
    let clock = ManualClock::at(
        chrono::Utc
            .with_ymd_and_hms(2026, 10, 26, 13, 0, 0)
            .single()
            .expect("t"),
    );
    let messenger = ConsoleMessenger::new(transcript.screen(), Arc::new(clock.clone()));
    let alice = Recipient {
        platform: kith_bot::domain::Platform::Console,
        workspace: "console".into(),
        external_id: "alice".into(),
        display_name: "alice".into(),
        tz: "America/New_York".parse().expect("tz"),
    };
    let mut reply = Reply::text("Time to check in: 1 person is due");
    let mut table = Table::new(["Contact", "Due"]);
    table.row(["@bob".into(), "today".into()]);
    reply.push_table(table);
    messenger
        .send_dm(&alice, &reply, "key-1")
        .await
        .expect("delivered");
    messenger
        .post("console", "#resources", &Reply::text("A new link"))
        .await
        .expect("posted");

    let out = transcript.text();
    assert_shows(
        &out,
        &[
            "── DM to @alice · Mon 26 Oct 2026 09:00 EDT ──\nTime to check in: 1 person is due\n Contact   Due",
            " @bob      today",
            "── #resources · Mon 26 Oct 2026 13:00 UTC ──\nA new link",
        ],
    );
}

/// Runs the real `kith` binary with `script` on its standard input.
fn kith(db: &std::path::Path, script: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(["console", "--db"])
        .arg(db)
        .args(["--as", "dana"])
        .env_remove("KITH_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kith starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("typed");
    let output = child.wait_with_output().expect("kith ends");
    assert!(
        output.status.success(),
        "kith failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn quitting_and_starting_again_keeps_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("ledger.db");

    let first = kith(
        &db,
        "add @alice inner\ngave @alice reviewed her resume\n:quit\n",
    );
    assert_shows(
        &first,
        &[
            "you are @dana",
            "dana> add @alice inner",
            "Added @alice",
            "Balance with @alice: +1.",
        ],
    );

    let second = kith(&db, "show @alice\nbalance\n");
    assert_shows(
        &second,
        &[
            "@alice · inner, every 2 weeks",
            "you gave 1, received 0",
            "reviewed her resume",
            "@alice    1      0     +1",
        ],
    );
    assert!(
        !second.contains("Welcome"),
        "the welcome is shown once, ever: {second}"
    );
}

#[test]
fn an_unreadable_database_is_reported_not_panicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("not-a-db.db");
    std::fs::write(
        &db,
        b"this is not a SQLite file, just some text that is long enough",
    )
    .expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(["console", "--db"])
        .arg(&db)
        .stdin(Stdio::null())
        .output()
        .expect("kith runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not-a-db.db"), "names the file: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
