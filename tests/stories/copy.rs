//! `kith db copy`: a community moves from its SQLite file to PostgreSQL,
//! and every member sees the same ledger, library and queue afterwards.

use std::process::Command;

use kith_storage::testing;

use crate::helpers::{App, assert_shows};

fn kith(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(args)
        .env_remove("KITH_DATABASE_URL")
        .output()
        .expect("kith runs")
}

const SCREENS: [&str; 9] = [
    "show @alice",
    "show \"Dana Reyes\"",
    // Namesakes, with the profile links and emails that tell them apart.
    "show \"Kwame Egger (Hooli)\"",
    "show \"Kwame Egger (kwame@stark.example)\"",
    "list",
    "balance",
    "resources",
    "resources playbook",
    "due",
];

#[tokio::test]
async fn a_sqlite_installation_copied_to_postgres_shows_the_same_screens() {
    let Some(target) = testing::fresh_database().await else {
        return;
    };
    let mut app = App::on_sqlite().await;
    let connections = app.dir().join("Connections.csv");
    std::fs::write(
        &connections,
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
         Kwame,Egger,https://www.linkedin.com/in/kwame-1,kwame@stark.example,Stark,CTO,01 Jan 2024\n\
         Kwame,Egger,https://www.linkedin.com/in/kwame-2,,Hooli,VP,02 Jan 2024\n",
    )
    .expect("fixture");
    app.given(&[&format!("import {}", connections.display())])
        .await;
    app.given(&[
        "add @alice inner #design",
        "gave @alice reviewed her resume",
        "got @bob intro to a recruiter 2 days ago",
        "note @alice daughter starts college in September",
        "add \"Dana Reyes\" close at \"Acme\" #sales",
        "touch \"Dana Reyes\" coffee 3 days ago",
        "share https://example.com/hiring-playbook how we hire #hiring",
        "share https://example.org/design-notes notes on design reviews #design",
        ":as bob",
        "gave @me a warm intro",
        ":as me",
    ])
    .await;
    // Three weeks on: reminders are queued and sent (the outbox has rows).
    app.given(&[":tick 21d"]).await;
    let mut before = Vec::new();
    for screen in SCREENS {
        before.push(app.say(screen).await);
    }
    assert_shows(
        &before[2],
        &["Profile: https://www.linkedin.com/in/kwame-2"],
    );
    assert_shows(&before[3], &["Email: kwame@stark.example"]);
    let from = app.url.clone();
    let counts: Vec<(String, i64)> = {
        let mut counts = Vec::new();
        for table in kith_storage::copy::TABLES {
            counts.push((table.to_string(), app.count(table).await));
        }
        counts
    };
    assert!(
        counts.iter().all(|(t, n)| *n > 0
            || [
                "installations",
                "seen_events",
                "intros",
                "goals",
                "reach_asks",
                "reach_asked",
                "pairing_members",
                "pairing_rounds",
                "pairs",
                "pair_members",
                "notices",
                "jobs",
                "command_answers",
                "delivery_memos"
            ]
            .contains(&t.as_str())),
        "the ledger, library and outbox hold rows: {counts:?}"
    );

    let out = kith(&["db", "copy", "--from", &from, "--to", &target]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "copy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (table, n) in &counts {
        assert!(
            stdout.lines().any(|l| {
                let cells: Vec<&str> = l.split_whitespace().collect();
                cells == [table.as_str(), &n.to_string(), &n.to_string()]
            }),
            "{table}: {n} rows on both sides in\n{stdout}"
        );
    }
    assert_shows(&stdout, &["every table has as many rows"]);

    let mut moved = App::on_url(&target).await;
    // Its clock where the first console's stands (what was due was sent).
    let tick = moved.say(":tick 21d").await;
    assert!(!tick.contains("── DM"), "nothing is sent twice: {tick}");
    for (screen, was) in SCREENS.iter().zip(&before) {
        assert_eq!(&moved.say(screen).await, was, "{screen}");
    }
    // The copy goes on where the file left off: a new entry gets a new id.
    let out = moved.say("gave @alice a book on hiring").await;
    assert_shows(
        &out,
        &["Logged: you gave @alice", "Balance with @alice: +2."],
    );
    for (table, n) in &counts {
        let after = moved.count(table).await;
        let expected = n + i64::from(table == "entries");
        assert_eq!(after, expected, "{table}");
    }

    // A second copy would mix two installations: refused, nothing written.
    let again = kith(&["db", "copy", "--from", &from, "--to", &target]);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_shows(&stderr, &["already holds data", "empty database"]);
    assert_eq!(
        moved.count("entries").await,
        counts_of(&counts, "entries") + 1
    );
}

fn counts_of(counts: &[(String, i64)], table: &str) -> i64 {
    counts
        .iter()
        .find(|(t, _)| t == table)
        .map(|(_, n)| *n)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_database_that_cannot_be_reached_is_named_without_its_password() {
    let app = App::on_sqlite().await;
    let out = kith(&[
        "db",
        "copy",
        "--from",
        &app.url,
        "--to",
        "postgres://kith:sup3r-secret@127.0.0.1:1/ledger",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_shows(
        &stderr,
        &[
            "127.0.0.1:1",
            "\"ledger\"",
            "\"kith\"",
            "Check that the server is running",
        ],
    );
    assert!(!stderr.contains("sup3r-secret"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_kith"))
        .arg("migrate")
        .env(
            "KITH_DATABASE_URL",
            "postgresql://kith:sup3r-secret@127.0.0.1:1/ledger",
        )
        .output()
        .expect("kith runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_shows(&stderr, &["127.0.0.1:1", "\"ledger\""]);
    assert!(!stderr.contains("sup3r-secret"), "{stderr}");

    let wrong = kith(&["db", "copy", "--from", "postgres://a@b/c", "--to", &app.url]);
    assert!(!wrong.status.success());
    assert_shows(
        &String::from_utf8_lossy(&wrong.stderr),
        &["--from must be a SQLite database"],
    );
}
