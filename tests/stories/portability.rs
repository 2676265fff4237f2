//! Import, export and forget me: the ledger comes in from where it lives,
//! goes out whole, and can be erased.

use std::fmt::Write as _;
use std::process::Command;

use crate::helpers::{App, assert_shows};

/// A LinkedIn Connections.csv of `rows` people, with LinkedIn's "Notes:"
/// preamble, quoted commas, empty emails, and broken rows at the given
/// positions (0-based): no name, too few fields, an unreadable date.
fn linkedin(rows: usize, broken: &[usize]) -> String {
    let mut file = String::from(
        "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more about this at https://www.linkedin.com/help/linkedin/answer/261\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
    );
    for i in 0..rows {
        let row = match broken.iter().position(|b| *b == i) {
            Some(0) => {
                format!(",,https://www.linkedin.com/in/nobody{i},,Acme,Engineer,01 Jan 2024")
            }
            Some(1) => format!("Half,Row{i},https://www.linkedin.com/in/half"),
            Some(_) => format!(
                "Bad,Date{i},https://www.linkedin.com/in/bad,,Acme,Engineer,sometime in 2020"
            ),
            None => {
                let email = if i % 3 == 0 {
                    String::new()
                } else {
                    format!("p{i}@example.com")
                };
                format!(
                    "Person{i},Surname{i},https://www.linkedin.com/in/p{i},{email},\"Company {}, Inc.\",\"Director, Sales\",{:02} Mar 2023",
                    i % 40,
                    i % 28 + 1
                )
            }
        };
        writeln!(file, "{row}").expect("written");
    }
    file
}

#[tokio::test]
async fn a_thousand_row_linkedin_export_imports_with_broken_rows_reported_by_line() {
    let mut app = App::spawn().await;
    app.given(&["help"]).await;
    let path = app.dir().join("Connections.csv");
    std::fs::write(&path, linkedin(1000, &[10, 500, 998])).expect("fixture");

    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 997 contacts from a LinkedIn Connections.csv.",
            "3 rows could not be imported:",
            // The header is on line 4, so person i is on line 5 + i.
            "  line 15: skipped: it has no name",
            "  line 505: skipped: 3 fields where the header has 7",
            "  line 1003: skipped: \"sometime in 2020\" is not a date like 01 Jan 2024",
        ],
    );
    assert_eq!(app.count("contacts").await, 997);
    let out = app.say("show \"Person11 Surname11\"").await;
    assert_shows(
        &out,
        &["Person11 Surname11 · wider, every 90 days, at Company 11, Inc."],
    );

    // The same file again changes nothing.
    let before = app.ledger().await;
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 0 contacts from a LinkedIn Connections.csv.",
            "Left as they were: 997 were already in your network.",
        ],
    );
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn vcards_with_folded_lines_and_several_cards_import() {
    let mut app = App::spawn().await;
    app.given(&["help"]).await;
    let path = app.dir().join("friends.vcf");
    std::fs::write(
        &path,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane\r\n  Doe\r\nORG:Acme Corporation;Research\r\nCATEGORIES:close,mentors\r\nNOTE:Met at RustConf; lo\r\n ves climbing\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë Ångström\r\nEMAIL;TYPE=work:zoe@example.com\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nN:Ortiz;Bob;;;\r\nORG:Initech\r\nEND:VCARD\r\n",
    )
    .expect("fixture");
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(&out, &["Imported 3 contacts from a vCard file."]);
    let out = app.say("list").await;
    assert_shows(
        &out,
        &[
            "Jane Doe",
            "close",
            "Acme Corporation",
            "#mentors",
            "Zoë Ångström",
            "wider",
            "Bob Ortiz",
            "Initech",
        ],
    );
}

#[tokio::test]
async fn a_file_that_is_not_what_it_claims_is_refused_and_changes_nothing() {
    let mut app = App::spawn().await;
    app.given(&["add @alice"]).await;
    let before = app.ledger().await;
    for (name, content, expected) in [
        (
            "contacts.vcf",
            "First Name,Last Name\nJane,Doe\n",
            "contacts.vcf says it is a vCard file but it is not; nothing was imported.",
        ),
        (
            "ledger.json",
            "{\"contacts\": []}",
            "ledger.json is not a Kith export I can read",
        ),
        (
            "people.csv",
            "Phone,Email\n1,a@b.c\n",
            "people.csv has no name column",
        ),
        ("empty.csv", "", "empty.csv is empty."),
    ] {
        let path = app.dir().join(name);
        std::fs::write(&path, content).expect("fixture");
        let out = app.say(&format!("import {}", path.display())).await;
        assert!(out.starts_with("! "), "{name}: {out}");
        assert_shows(&out, &[expected]);
    }
    assert_shows(
        &app.say("import /no/such/file.csv").await,
        &["! I cannot read /no/such/file.csv"],
    );
    assert_shows(&app.say("import").await, &["! Attach the file to import"]);
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn export_then_forget_then_import_restores_the_same_ledger() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-02T08:00:00Z",
        "settings tz Europe/Berlin",
        "settings window 08:00-09:30 daily",
        "settings digest 0 0 17 * * Fri",
        "add @alice inner at Initech #mentor",
        "add \"Jane Doe\" wider at \"Acme, Inc.\" #design",
        "gave @alice reviewed her resume 3 days ago",
        "got \"Jane Doe\" intro to a VC",
        "note @alice new puppy Rex",
        "every \"Jane Doe\" 6w",
        "snooze @alice 2w",
        "touch @bob call",
        "settings reach on",
        "goal Move into sales enablement at \"Acme Corp\" #design",
    ])
    .await;
    let show_alice = app.say("show @alice").await;
    let list = app.say("list").await;
    let settings = app.say("settings").await;
    let goals = app.say("goals").await;
    assert_shows(&settings, &["Reach: on"]);
    assert_shows(&goals, &["Move into sales enablement"]);

    let out = app.say("export").await;
    assert_shows(
        &out,
        &[
            "Your ledger: 3 contacts, 1 goal and 4 logged entries.",
            "Saved ",
        ],
    );
    let json = app.dir().join("kith-ledger-me-2026-11-02.json");
    let csv = std::fs::read_to_string(app.dir().join("kith-ledger-me-2026-11-02.csv"))
        .expect("csv written");
    assert!(
        csv.starts_with(
            "record,contact,member_id,company,tier,cadence_days,tags,when,what,email,profile_url\n"
        ),
        "{csv}"
    );
    assert!(
        csv.contains("gave,alice,alice,,,,,2026-10-30T08:00:00+00:00,reviewed her resume"),
        "{csv}"
    );
    assert!(
        csv.contains("contact,Jane Doe,,\"Acme, Inc.\",wider,42,#design,"),
        "{csv}"
    );
    assert!(csv.contains("setting,tz,,,,,,,Europe/Berlin"), "{csv}");
    assert!(csv.contains("setting,reach,,,,,,,on"), "{csv}");
    assert!(
        csv.contains(
            "goal,,,Acme Corp,,,#design,2026-11-02T08:00:00+00:00,Move into sales enablement"
        ),
        "{csv}"
    );

    let out = app.say("forget me").await;
    assert_shows(
        &out,
        &[
            "This deletes everything I hold about you in this workspace: your network (3 contacts)",
            "[Delete everything]",
            "forget me confirm",
        ],
    );
    assert_eq!(
        app.count("contacts").await,
        3,
        "nothing is deleted before confirming"
    );
    let out = app.say(":press 1 forget").await;
    assert_eq!(
        out,
        "Done: I've deleted everything I held about you in this workspace (3 contacts and 4 logged entries, your settings and queued messages). If you use Kith again here, you start afresh.\n"
    );

    let out = app.say(&format!("import {}", json.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 3 contacts from a Kith export.",
            "Your settings and 1 goal from the export are restored.",
        ],
    );
    assert_eq!(app.say("show @alice").await, show_alice);
    assert_eq!(app.say("list").await, list);
    assert_eq!(app.say("settings").await, settings);
    assert_eq!(app.say("goals").await, goals);
    // Importing it again adds no goal twice.
    let out = app.say(&format!("import {}", json.display())).await;
    assert_shows(&out, &["Your settings from the export are restored."]);
    assert_eq!(app.say("goals").await, goals);
}

#[tokio::test]
async fn forget_leaves_nothing_of_the_member_in_any_table() {
    let mut app = App::spawn().await;
    app.given(&[
        ":clock 2026-11-02T08:00:00Z",
        "add @alice inner",
        "gave @alice a",
        "note @alice b",
        ":clock 2026-11-16T09:30:00Z",
    ])
    .await;
    // Someone else keeps "me" in their own ledger; that stays theirs.
    app.given(&[":as bob", "gave @me a ride", ":as me"]).await;
    // And "me" is in the community: an introduction each way, a shared
    // link, coffee pairing.
    app.given(&[
        ":as carol",
        "settings",
        "intro @me @bob you should meet",
        ":as me",
        "intro @bob @carol you too",
        "share https://example.com/a-good-read worth it",
        "admin pairing #coffee every 1w",
        "pairing join",
        ":as bob",
        "pairing join",
        ":as me",
        ":tick 1d",
    ])
    .await;
    assert_eq!(app.count("intros").await, 2);
    assert_eq!(app.count("pair_members").await, 2, "me and bob were paired");
    let member_id: i64 = sqlx::query_scalar("SELECT id FROM members WHERE external_id = 'me'")
        .fetch_one(&app.sql)
        .await
        .expect("me");
    assert!(
        app.count("outbox").await > 0,
        "a reminder was queued for me"
    );

    let out = app.say("forget me confirm").await;
    assert_shows(
        &out,
        &[
            "Done: I've deleted everything I held about you in this workspace (1 contact and 2 logged entries",
        ],
    );

    for (table, column) in [
        ("members", "id"),
        ("contacts", "owner_id"),
        ("contacts", "member_id"),
        ("outbox", "member_id"),
        ("intros", "introducer_id"),
        ("intros", "a_id"),
        ("intros", "b_id"),
        ("resources", "member_id"),
        ("pairing_members", "member_id"),
        ("pair_members", "member_id"),
        ("notices", "member_id"),
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE {column} = $1"
        )))
        .bind(member_id)
        .fetch_one(&app.sql)
        .await
        .expect("count");
        assert_eq!(n, 0, "{table}.{column} still names the member");
    }
    let mentions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE external_id = 'me'")
        .fetch_one(&app.sql)
        .await
        .expect("count");
    assert_eq!(mentions, 0);
    // Bob's ledger keeps his favour, about a name now.
    app.given(&[":as bob"]).await;
    assert_shows(&app.say("show \"me\"").await, &["you gave 1"]);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM entries WHERE contact_id NOT IN (SELECT id FROM contacts)",
    )
    .fetch_one(&app.sql)
    .await
    .expect("count");
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn forget_needs_me_and_a_confirmation() {
    let mut app = App::spawn().await;
    app.given(&["add @alice"]).await;
    let before = app.ledger().await;
    assert_shows(
        &app.say("forget @alice").await,
        &[
            "! Say forget me to delete everything I hold about you here; to take one person out of your network, use remove @someone.",
        ],
    );
    assert_shows(
        &app.say("forget me").await,
        &["Sure? Press the button, or type: forget me confirm"],
    );
    assert_shows(
        &app.say("forget me now").await,
        &["! I didn't understand \"now\". You can give confirm."],
    );
    assert_eq!(app.ledger().await, before);
}

fn kith(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(args)
        .env_remove("KITH_DATABASE_URL")
        .output()
        .expect("kith runs")
}

#[tokio::test]
async fn the_command_line_imports_and_exports_for_a_named_member() {
    let mut app = App::spawn().await;
    app.given(&["add @alice inner"]).await;
    let db = app.url.clone();
    let file = app.dir().join("Connections.csv");
    std::fs::write(&file, linkedin(600, &[3])).expect("fixture");
    let file = file.display().to_string();

    let out = kith(&[
        "import",
        "--db",
        &db,
        "--workspace",
        "console",
        "--member",
        "me",
        &file,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_shows(
        &stdout,
        &[
            "Imported 599 contacts from a LinkedIn Connections.csv.",
            "  line 8: skipped: it has no name",
        ],
    );
    assert_eq!(app.count("contacts").await, 600);

    let out_dir = app.dir().join("out");
    let out = kith(&[
        "export",
        "--db",
        &db,
        "--workspace",
        "console",
        "--member",
        "me",
        "--out",
        &out_dir.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: Vec<_> = std::fs::read_dir(&out_dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");

    let before = app.ledger().await;
    let out = kith(&[
        "import",
        "--db",
        &db,
        "--workspace",
        "console",
        "--member",
        "nobody",
        &file,
    ]);
    assert!(!out.status.success());
    assert_shows(
        &String::from_utf8_lossy(&out.stderr),
        &["there is no member \"nobody\" in console workspace \"console\""],
    );
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn importing_someone_elses_export_that_names_you_leaves_you_out() {
    let mut app = App::spawn().await;
    app.given(&[":as bob", "gave @me a ride", "add @alice", "export"])
        .await;
    let json = std::fs::read_dir(app.dir())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("bob's export");
    app.given(&[":as me", "help"]).await;
    let out = app.say(&format!("import {}", json.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 1 contact from a Kith export.",
            "The export is someone else's, so your settings are unchanged.",
            "Left as they were: you (you are not your own contact).",
        ],
    );
    assert_shows(&app.say("list").await, &["@alice"]);
}

#[tokio::test]
async fn map_hands_over_a_png_of_the_network() {
    let mut app = App::spawn().await;
    app.given(&[
        "add @alice inner at Initech",
        "add \"Jane Doe\" wider",
        "gave @bob a hand",
    ])
    .await;
    let out = app.say("map").await;
    assert_shows(
        &out,
        &[
            "Your network map: 3 contacts. Green is on track, amber due, red overdue.",
            "Saved ",
            "kith-map-me-2026-11-22.png",
        ],
    );
    let png = std::fs::read(app.dir().join("kith-map-me-2026-11-22.png")).expect("saved");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // 1600 x 1800, from the IHDR chunk.
    assert_eq!(
        u32::from_be_bytes(png[16..20].try_into().expect("width")),
        1600
    );
    assert_eq!(
        u32::from_be_bytes(png[20..24].try_into().expect("height")),
        1800
    );
}
