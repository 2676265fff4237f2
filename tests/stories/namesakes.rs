//! Namesakes are different people: two Kwame Eggers from a LinkedIn export
//! stay two, a name they share gets the which-one question and changes
//! nothing, and "Kwame Egger (Hooli)" picks one, everywhere a contact is
//! named.

use crate::helpers::{App, assert_shows};

const HEADER: &str = "Notes:\n\"Some email addresses may be missing.\"\n\n\
First Name,Last Name,URL,Email Address,Company,Position,Connected On\n";

/// Two Kwame Eggers (own profile links, own companies), Jane Doe, and two
/// rows repeated exactly.
fn connections() -> String {
    format!(
        "{HEADER}\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Jan 2024\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-2,,Hooli,VP Sales,02 Jan 2024\n\
Jane,Doe,https://www.linkedin.com/in/jane-doe,jane@acme.example,Acme,CEO,03 Jan 2024\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Jan 2024\n\
Jane,Doe,https://www.linkedin.com/in/jane-doe,jane@acme.example,Acme,CEO,03 Jan 2024\n"
    )
}

const WHICH: &str =
    "Which Kwame Egger? at Stark Industries, or at Hooli: type \"Kwame Egger (Hooli)\"";

async fn imported() -> App {
    let mut app = App::spawn().await;
    app.given(&[":clock 2026-12-03T09:00:00Z", "help"]).await;
    let path = app.dir().join("Connections.csv");
    std::fs::write(&path, connections()).expect("fixture");
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 3 contacts from a LinkedIn Connections.csv.",
            "Left as they were: 2 were repeated in the file.",
        ],
    );
    app
}

#[tokio::test]
async fn a_linkedin_file_with_namesakes_imports_every_person_once_and_again_changes_nothing() {
    let mut app = imported().await;
    assert_eq!(app.count("contacts").await, 3);
    let out = app.say("list").await;
    assert_shows(
        &out,
        &[
            "Your network: 3 people",
            "Kwame Egger (Stark Industries)",
            "Kwame Egger (Hooli)",
        ],
    );

    let before = app.everything().await;
    let path = app.dir().join("Connections.csv");
    let out = app.say(&format!("import {}", path.display())).await;
    assert_shows(
        &out,
        &[
            "Imported 0 contacts from a LinkedIn Connections.csv.",
            "Left as they were: 3 were already in your network, 2 were repeated in the file.",
        ],
    );
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn every_command_that_takes_a_contact_asks_which_namesake_and_changes_nothing() {
    let mut app = imported().await;
    let before = app.everything().await;
    for line in [
        "gave \"Kwame Egger\" reviewed his deck",
        "got \"kwame  egger\" an intro to Carol",
        "touch \"Kwame Egger\" coffee",
        "note \"Kwame Egger\" new puppy Rex",
        "show \"Kwame Egger\"",
        "snooze \"Kwame Egger\" 2w",
        "every \"Kwame Egger\" 10d",
        "tier \"Kwame Egger\" inner",
        "remove \"Kwame Egger\"",
        "add \"Kwame Egger\" inner #sales",
    ] {
        let out = app.say(line).await;
        assert_shows(&out, &[WHICH]);
        assert_eq!(app.everything().await, before, "{line} changed something");
    }
    // A bracket that names neither asks again.
    let out = app.say("gave \"Kwame Egger (Initech)\" a review").await;
    assert_shows(&out, &[WHICH]);
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn the_bracketed_name_picks_one_namesake_for_every_command() {
    let mut app = imported().await;
    let out = app
        .say("gave \"Kwame Egger (Hooli)\" reviewed his deck")
        .await;
    assert_shows(
        &out,
        &[
            "Logged: you gave Kwame Egger (Hooli) “reviewed his deck”. Balance with Kwame Egger (Hooli): +1.",
        ],
    );
    app.given(&[
        "tier \"Kwame Egger (hooli)\" inner",
        "note \"Kwame Egger (at Stark Industries)\" moving to Berlin",
    ])
    .await;

    let out = app.say("show \"Kwame Egger (Hooli)\"").await;
    assert_shows(
        &out,
        &[
            "Kwame Egger (Hooli) · inner, every 2 weeks, at Hooli",
            "Favours: you gave 1, received 0 (balance +1)",
            "Profile: https://www.linkedin.com/in/kwame-egger-2",
            "reviewed his deck",
        ],
    );
    assert!(!out.contains("moving to Berlin"), "{out}");
    let out = app.say("show \"Kwame Egger (Stark Industries)\"").await;
    assert_shows(
        &out,
        &[
            "Kwame Egger (Stark Industries) · wider, every 90 days, at Stark Industries",
            "Favours: you gave 0, received 0 (balance 0)",
            "Last note: moving to Berlin",
        ],
    );
    let out = app.say("balance").await;
    assert_shows(&out, &["Kwame Egger (Hooli)"]);
    // Someone whose name is theirs alone is named as before.
    let out = app.say("show \"Jane Doe\"").await;
    assert_shows(&out, &["Jane Doe · wider", "Email: jane@acme.example"]);
}

#[tokio::test]
async fn namesakes_without_a_company_are_told_apart_by_email_or_by_number() {
    let mut app = App::spawn().await;
    app.given(&[":clock 2026-12-03T09:00:00Z", "help"]).await;
    let path = app.dir().join("Connections.csv");
    std::fs::write(
        &path,
        format!(
            "{HEADER}\
Ama,Mensah,,ama@mensah.example,,,01 Jan 2024\n\
Ama,Mensah,https://www.linkedin.com/in/ama-mensah,,,,02 Jan 2024\n"
        ),
    )
    .expect("fixture");
    app.given(&[&format!("import {}", path.display())]).await;
    let out = app.say("touch \"Ama Mensah\" call").await;
    assert_shows(
        &out,
        &[
            "Which Ama Mensah? ama@mensah.example, or linkedin.com/in/ama-mensah: type \"Ama Mensah (linkedin.com/in/ama-mensah)\"",
        ],
    );
    let out = app
        .say("touch \"Ama Mensah (ama@mensah.example)\" call")
        .await;
    assert_shows(
        &out,
        &["Logged a check-in with Ama Mensah (ama@mensah.example): “call”."],
    );

    // Two with nothing else known are numbered in the order they came.
    let vcf = app.dir().join("more.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kofi Boateng\r\nEMAIL:kofi@one.example\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kofi Boateng\r\nEMAIL:kofi@two.example\r\nEND:VCARD\r\n",
    )
    .expect("fixture");
    app.given(&[&format!("import {}", vcf.display())]).await;
    let out = app.say("show \"Kofi Boateng (2)\"").await;
    assert_shows(
        &out,
        &[
            "Kofi Boateng (kofi@two.example) ·",
            "Email: kofi@two.example",
        ],
    );
}

#[tokio::test]
async fn the_export_tells_namesakes_apart_and_imports_back_as_two_people() {
    let mut app = imported().await;
    app.given(&["gave \"Kwame Egger (Hooli)\" reviewed his deck"])
        .await;
    let out = app.say("export").await;
    assert_shows(&out, &["Your ledger: 3 contacts and 1 logged entry."]);
    let csv = std::fs::read_to_string(app.dir().join("kith-ledger-me-2026-12-03.csv"))
        .expect("csv written");
    assert!(
        csv.contains("contact,Kwame Egger (Stark Industries),,Stark Industries,wider,,,"),
        "{csv}"
    );
    assert!(
        csv.contains(",reviewed his deck,,https://www.linkedin.com/in/kwame-egger-2\n"),
        "{csv}"
    );
    let json = app.dir().join("kith-ledger-me-2026-12-03.json");
    let list = app.say("list").await;
    app.given(&["forget me confirm"]).await;
    let out = app.say(&format!("import {}", json.display())).await;
    assert_shows(&out, &["Imported 3 contacts from a Kith export."]);
    assert_eq!(app.say("list").await, list);
    // And the export again is already there, namesakes and all.
    let out = app.say(&format!("import {}", json.display())).await;
    assert_shows(
        &out,
        &["Left as they were: 3 were already in your network."],
    );
}

#[tokio::test]
async fn a_bracketed_company_that_names_no_namesake_adds_another_one() {
    let mut app = imported().await;
    let out = app.say("add \"Kwame Egger (Initech)\" inner").await;
    assert_shows(
        &out,
        &["Added Kwame Egger (Initech) to your network: inner, every 2 weeks, at Initech."],
    );
    assert_eq!(app.count("contacts").await, 4);
    let out = app.say("touch \"Kwame Egger\"").await;
    assert_shows(
        &out,
        &[
            "Which Kwame Egger? at Stark Industries, at Hooli, or at Initech: type \"Kwame Egger (Initech)\"",
        ],
    );
    // Adding them again finds them rather than adding a fifth.
    let out = app.say("add \"Kwame Egger (Initech)\"").await;
    assert_shows(
        &out,
        &[
            "Kwame Egger (Initech) is already in your network (inner, every 2 weeks). \
             Change the tier with: tier \"Kwame Egger (Initech)\" inner",
        ],
    );
    assert_eq!(app.count("contacts").await, 4);
    // An email or a number in brackets cannot be a company: the question.
    let before = app.everything().await;
    for line in [
        "add \"Kwame Egger (k@x.example)\"",
        "add \"Kwame Egger (7)\"",
    ] {
        assert_shows(&app.say(line).await, &["Which Kwame Egger?"]);
    }
    assert_eq!(app.everything().await, before);
}

#[tokio::test]
async fn a_reminder_tells_namesakes_apart_and_each_button_is_for_its_own() {
    let mut app = imported().await;
    let out = app.say(":tick 92d").await;
    assert_shows(
        &out,
        &[
            "Time to check in: 3 people are due",
            "Kwame Egger (Stark Industries) · wider",
            "Kwame Egger (Hooli) · wider",
            "Jane Doe · wider",
        ],
    );
    let due = app.say("due").await;
    assert_shows(
        &due,
        &["Kwame Egger (Stark Industries)", "Kwame Egger (Hooli)"],
    );
    let hooli = out
        .lines()
        .filter(|l| l.contains(" · wider · "))
        .position(|l| l.starts_with("Kwame Egger (Hooli)"))
        .expect("Hooli's Kwame is listed")
        + 1;
    let out = app.say(&format!(":press {hooli} done")).await;
    assert_shows(&out, &["Done: logged a check-in with Kwame Egger (Hooli)."]);
    let out = app.say("show \"Kwame Egger (Hooli)\"").await;
    assert_shows(&out, &["Last contact: today"]);
    let out = app.say("show \"Kwame Egger (Stark Industries)\"").await;
    assert_shows(&out, &["Last contact: none yet"]);
}

#[tokio::test]
async fn a_member_who_forgets_themselves_becomes_a_namesake_of_an_outside_person() {
    let mut app = App::spawn().await;
    app.given(&[":as carol", "help", ":as me", "help"]).await;
    app.given(&["add @carol inner", "add \"Carol\" at \"Acme\""])
        .await;
    app.given(&[":as carol", "forget me confirm", ":as me"])
        .await;
    let before = app.everything().await;
    let out = app.say("touch \"carol\"").await;
    assert_shows(
        &out,
        &["Which carol? number 1, or at Acme: type \"carol (Acme)\""],
    );
    assert_eq!(app.everything().await, before);
    let out = app.say("show \"Carol (1)\"").await;
    assert_shows(&out, &["carol (1) · inner"]);
}
