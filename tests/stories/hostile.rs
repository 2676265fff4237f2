//! Hostile input from a fellow member: each test is named after what it
//! protects, and each refusal is checked against a dump of every table.

use crate::helpers::{App, assert_shows};

/// Alice has used Kith, so her name is hers; Bob has a network.
async fn alice_and_bob() -> App {
    let mut app = App::spawn().await;
    app.given(&[":as alice", "help", ":as bob", "add @alice inner"])
        .await;
    app
}

#[tokio::test]
async fn a_mention_label_typed_by_one_member_never_renames_another() {
    let mut app = alice_and_bob().await;
    app.given(&[":as mallory", "help"]).await;
    let out = app
        .say("add <@alice|=HYPERLINK(\"http://evil.example\",\"Mallory\")> wider")
        .await;
    assert_shows(&out, &["Added @alice"]);
    assert!(!out.contains("HYPERLINK"), "{out}");
    // A refused command with labels writes nothing at all.
    let before = app.everything().await;
    let out = app
        .say("intro <@alice|Renamed> <@mallory|Renamed> again")
        .await;
    assert!(out.starts_with("! "), "{out}");
    assert_eq!(app.everything().await, before);

    app.given(&[":as bob"]).await;
    let list = app.say("list").await;
    assert_shows(&list, &["@alice"]);
    assert!(
        !list.contains("HYPERLINK") && !list.contains("Renamed"),
        "{list}"
    );
    let name: String =
        sqlx::query_scalar("SELECT display_name FROM members WHERE external_id = 'alice'")
            .fetch_one(&app.sql)
            .await
            .expect("alice");
    assert_eq!(name, "alice");
}

#[tokio::test]
async fn a_kith_export_naming_a_member_never_renames_them_or_invents_members() {
    let mut app = alice_and_bob().await;
    let path = app.dir().join("ledger.json");
    let contact = |id: &str, name: &str| {
        serde_json::json!({"name": name, "member_id": id, "company": null, "tier": "close",
            "cadence_days": null, "tags": [], "snoozed_until": null,
            "added_at": "2026-01-01T00:00:00Z", "entries": []})
    };
    let ledger = serde_json::json!({
        "format": "kith-ledger", "version": 1, "exported_at": "2026-11-01T00:00:00Z",
        "member": {"platform": "console", "workspace": "console", "id": "mallory", "name": "m"},
        "settings": {"tz": "UTC", "window": "09:00-10:00", "window_daily": false, "digest": null, "dms": true},
        "contacts": [contact("alice", "=HYPERLINK(\"x\")"), contact("ghost", "Nobody Here")]
    });
    std::fs::write(&path, ledger.to_string()).expect("file");
    app.given(&[":as mallory", "help"]).await;
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 1 contact",
            "there is no member ghost in this workspace",
        ],
    );
    assert_eq!(
        sqlx::query_scalar::<_, String>(
            "SELECT display_name FROM members WHERE external_id = 'alice'"
        )
        .fetch_one(&app.sql)
        .await
        .expect("alice"),
        "alice"
    );
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM members WHERE external_id = 'ghost'")
            .fetch_one(&app.sql)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn a_kith_export_with_numbers_past_their_range_is_refused_not_a_crash() {
    let mut app = alice_and_bob().await;
    let path = app.dir().join("ledger.json");
    let ledger = serde_json::json!({
        "format": "kith-ledger", "version": 1, "exported_at": "2026-11-01T00:00:00Z",
        "member": {"platform": "console", "workspace": "console", "id": "bob", "name": "b"},
        "settings": {"tz": "UTC", "window": "09:00-10:00", "window_daily": false, "digest": null, "dms": true},
        "contacts": [
            {"name": "Big Cadence", "member_id": null, "company": null, "tier": "close",
             "cadence_days": 4294967295u64, "tags": [], "snoozed_until": null,
             "added_at": "2026-01-01T00:00:00Z", "entries": []},
            {"name": "End Of Time", "member_id": null, "company": null, "tier": "close",
             "cadence_days": null, "tags": [], "snoozed_until": null,
             "added_at": "+262142-12-31T00:00:00Z", "entries": []}
        ]
    });
    std::fs::write(&path, ledger.to_string()).expect("file");
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 0 contacts",
            "a cadence of 4294967295 days is out of range",
            "is in the future",
        ],
    );
    // The ledger still reads: list, due and show work.
    assert_shows(&app.say("list").await, &["@alice"]);
    assert_shows(&app.say("due").await, &[""]);
}

#[tokio::test]
async fn a_huge_import_is_refused_whole_before_it_is_read() {
    let mut app = alice_and_bob().await;
    let path = app.dir().join("huge.csv");
    let mut file = String::from("name\n");
    while file.len() <= kith_bot::limits::IMPORT_BYTES {
        file.push_str("Someone With A Long Enough Name To Fill The File\n");
    }
    std::fs::write(&path, &file).expect("file");
    let before = app.everything().await;
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &["! huge.csv is 8.0 MB; I import files of up to 8 MB"],
    );
    assert_eq!(app.everything().await, before);

    let many = app.dir().join("many.csv");
    let mut file = String::from("name\n");
    for i in 0..=kith_bot::limits::IMPORT_CONTACTS {
        file.push_str(&format!("p{i}\n"));
    }
    std::fs::write(&many, &file).expect("file");
    let out = app.say(&format!("import {}", many.display())).await;
    assert_shows(
        &out,
        &["holds 20001 people; I import at most 20000 at a time"],
    );
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn an_import_that_fails_part_way_writes_nothing() {
    let mut app = alice_and_bob().await;
    // A fault on the 400th of 500 rows (a trigger stands in for a full
    // disk or a crash): the whole file is one transaction.
    kith_storage::testing::refuse_inserts(&app.sql, "contacts", "NEW.name = 'Person 399'").await;
    let path = app.dir().join("people.csv");
    let mut file = String::from("name,company\n");
    for i in 0..500 {
        file.push_str(&format!("Person {i},Acme\n"));
    }
    std::fs::write(&path, &file).expect("file");
    let before = app.everything().await;
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &["! Sorry, something went wrong on my side and nothing was changed."],
    );
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn a_csv_export_never_hands_a_spreadsheet_a_formula() {
    let mut app = App::spawn().await;
    app.given(&[
        "add \"=HYPERLINK(x)\" at \"+1 Corp\"",
        "note \"=HYPERLINK(x)\" @SUM(A1) and -2+3",
        "export",
    ])
    .await;
    let csv = std::fs::read_dir(app.dir())
        .expect("dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        .map(|e| std::fs::read_to_string(e.path()).expect("csv"))
        .expect("a CSV was saved");
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    for record in reader.records() {
        for cell in record.expect("row").iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
    }
    assert!(
        csv.contains("'=HYPERLINK(x)") && csv.contains("'+1 Corp"),
        "{csv}"
    );
    assert!(csv.contains("'@SUM(A1) and -2+3"), "{csv}");
}

#[tokio::test]
async fn an_overlong_line_or_search_is_refused_at_once_and_changes_nothing() {
    let mut app = alice_and_bob().await;
    let before = app.everything().await;
    let out = app
        .say(&format!("note @alice {}", "<".repeat(50_000)))
        .await;
    assert_shows(
        &out,
        &["! That line is 50012 characters long; a command can be at most 4000"],
    );
    // 1,000 search terms (one letter each, inside the line limit).
    let words: Vec<&str> = std::iter::repeat_n("x", 1_000).collect();
    let out = app.say(&format!("resources {}", words.join(" "))).await;
    assert_shows(&out, &["! Search with at most 12 words"]);
    let out = app.say(&format!("resources {}", "a-".repeat(1_500))).await;
    assert_shows(&out, &["! Search with at most 12 words"]);
    let tags: Vec<String> = (0..21).map(|i| format!("#t{i}")).collect();
    let out = app
        .say(&format!("add \"Jane Doe\" {}", tags.join(" ")))
        .await;
    assert_shows(&out, &["! At most 20 tags can go on one thing"]);
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn the_console_clock_cannot_be_sent_on_an_endless_walk() {
    let mut app = alice_and_bob().await;
    app.given(&["settings tz America/New_York"]).await;
    let out = app.say(":tick 100000w").await;
    assert_shows(
        &out,
        &["! :tick moves the clock at most 366 days at a time"],
    );
    let out = app.say("settings digest \"* * * * * *\"").await;
    assert_shows(&out, &["fires more than once a day"]);
    // Far into the future: walked a year, the rest skipped like a server
    // that was down, and the session goes on.
    let out = app.say(":clock 2999-12-31T00:00:00Z").await;
    assert_shows(&out, &["Clock set to", "skipped what fell due on the way"]);
    assert_shows(&app.say(":now").await, &["2999"]);
    assert_shows(&app.say("due").await, &["@alice"]);
}

#[tokio::test]
async fn links_to_private_addresses_are_not_shared() {
    let mut app = alice_and_bob().await;
    let before = app.everything().await;
    for url in [
        "http://127.0.0.1:8080/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:10.0.0.1]/",
    ] {
        let out = app.say(&format!("share {url} internal docs")).await;
        assert_shows(&out, &["! ", "not a public web address"]);
    }
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn a_new_members_first_mistake_is_not_dressed_as_a_welcome() {
    let mut app = App::spawn().await;
    let out = app.say(":as newcomer").await;
    assert!(!out.contains("Welcome"), "{out}");
    let out = app.say("gave @alice").await;
    assert!(out.starts_with("! "), "{out}");
    assert!(!out.contains("Welcome"), "{out}");
    let out = app.say("snooze @nobody 2w").await;
    assert!(out.starts_with("! "), "{out}");
    assert!(!out.contains("Welcome"), "{out}");
    // The welcome comes with the first reply that is not a mistake.
    let out = app.say("add @alice").await;
    assert_shows(&out, &["Welcome to Kith!", "Added @alice"]);
    assert!(!out.starts_with("! "), "{out}");
}

#[tokio::test]
async fn dates_before_1900_are_refused() {
    let mut app = alice_and_bob().await;
    let before = app.everything().await;
    for line in [
        "touch @alice coffee on -0001-01-01",
        "gave @alice help on 1899-12-31",
        "got @alice help -0001-01-01",
    ] {
        let out = app.say(line).await;
        assert_shows(&out, &["! ", "too long ago; dates from 1900 on are fine"]);
    }
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn an_invalid_byte_in_piped_input_does_not_stop_the_console() {
    let mut app = App::spawn().await;
    let input: &[u8] = b"add @alice\n\xff\xfe broken\nlist\n";
    app.console
        .run(tokio::io::BufReader::new(input))
        .await
        .expect("runs to the end");
    let out = app.screen.take();
    assert_shows(
        &out,
        &[
            "Added @alice",
            "! That line is not valid UTF-8 text, so I did nothing with it.",
            "Your network",
        ],
    );
}

#[tokio::test]
async fn a_command_marked_read_only_writes_nothing_so_its_redelivery_needs_no_record() {
    // `Command::read_only` lets Slack skip looking up a repeated delivery:
    // that is only sound if running one again changes nothing.
    let mut app = alice_and_bob().await;
    app.given(&[
        "gave @alice reviewed her resume",
        "note @alice new puppy",
        "share https://example.org/guide #tips a good guide",
    ])
    .await;
    for line in [
        "show @alice",
        "list",
        "list #tips",
        "due",
        "balance",
        "map",
        "export",
        "intros",
        "resources guide",
        "help",
        "help gave",
    ] {
        let command = kith_bot::commands::parse(line).expect(line);
        assert!(command.read_only(), "{line}");
        let before = app.everything().await;
        app.say(line).await;
        assert_eq!(app.everything().await, before, "{line} wrote something");
    }
    for line in [
        "gave @alice coffee",
        "add @carol",
        "settings tz Europe/Paris",
    ] {
        let command = kith_bot::commands::parse(line).expect(line);
        assert!(!command.read_only(), "{line}");
    }
}
