//! Shaping the network: add, show, list, snooze, every, tier, remove, help.

use crate::helpers::{App, assert_shows};

#[tokio::test]
async fn outside_people_carry_a_company_and_tags() {
    let mut app = App::spawn().await;
    let out = app
        .say("add \"Jane Doe\" wider at \"Acme Corp\" #design #UX")
        .await;
    assert_shows(
        &out,
        &[
            "Added Jane Doe to your network: wider, every 90 days, at Acme Corp, #design, #ux. First check-in: Sat 20 Feb 2027 (in 3 months).",
        ],
    );

    let out = app.say("show \"Jane Doe\"").await;
    assert_shows(
        &out,
        &[
            "Jane Doe · wider, every 90 days, at Acme Corp, #design, #ux",
            "Last contact: none yet (added Sun 22 Nov)",
            "Nothing logged yet. Log a check-in with: touch \"Jane Doe\" coffee",
        ],
    );
}

#[tokio::test]
async fn adding_someone_again_updates_them_or_says_they_are_there() {
    let mut app = App::spawn().await;
    app.given(&["add @alice"]).await;

    let out = app.say("add @alice").await;
    assert_eq!(
        out,
        "@alice is already in your network (close, every 30 days). Change the tier with: tier @alice inner\n"
    );

    let out = app.say("add @alice inner at Initech #mentor").await;
    assert_shows(
        &out,
        &["Updated @alice: inner, every 2 weeks, at Initech, #mentor."],
    );
    let out = app.say("add @alice #friend").await;
    assert_shows(
        &out,
        &["Updated @alice: inner, every 2 weeks, at Initech, #friend, #mentor."],
    );
    assert_eq!(app.count("contacts").await, 1);
}

#[tokio::test]
async fn list_shows_the_network_by_tier_and_filters_by_tier_or_tag() {
    let mut app = App::spawn().await;
    app.given(&[
        "add @zoe wider #design",
        "add @alice inner",
        "add \"Bob Ortiz\" close at Acme #design",
    ])
    .await;

    let out = app.say("list").await;
    assert_shows(
        &out,
        &[
            "Your network: 3 people",
            " Contact     Tier    Company   Tags      Last contact   Next check-in",
        ],
    );
    let alice = out.find("@alice").expect("alice");
    let bob = out.find("Bob Ortiz").expect("bob");
    let zoe = out.find("@zoe").expect("zoe");
    assert!(alice < bob && bob < zoe, "sorted by tier: {out}");

    let out = app.say("list #design").await;
    assert_shows(&out, &["#design: 2 people", "Bob Ortiz", "@zoe"]);
    assert!(!out.contains("@alice"), "{out}");
    assert_eq!(
        app.say("list #nobody").await,
        "Nobody in your network is tagged #nobody.\n"
    );
    let out = app.say("list inner").await;
    assert_shows(&out, &["inner: 1 person", "@alice"]);
}

#[tokio::test]
async fn a_long_list_comes_a_page_at_a_time() {
    let mut app = App::spawn().await;
    let mut adds: Vec<String> = (0..45)
        .map(|i| format!("add \"Person {i:02}\" wider #p{}", i % 2))
        .collect();
    adds.push("add @alice inner".into());
    let adds: Vec<&str> = adds.iter().map(String::as_str).collect();
    app.given(&adds).await;

    let out = app.say("list").await;
    assert_shows(
        &out,
        &[
            "Your network: 46 people (1-20, page 1 of 3)",
            "@alice",
            "Person 00",
            "Person 18",
            "More: list page 2",
        ],
    );
    assert!(!out.contains("Person 19"), "{out}");
    assert!(
        out.find("@alice") < out.find("Person 00"),
        "inner first: {out}"
    );

    let out = app.say("list page 3").await;
    assert_shows(
        &out,
        &[
            "Your network: 46 people (41-46, page 3 of 3)",
            "Person 39",
            "Person 44",
        ],
    );
    assert!(
        !out.contains("More:") && !out.contains("Person 38"),
        "{out}"
    );

    // A filter pages too, and the hint keeps it.
    let out = app.say("list #p1 page 2").await;
    assert_shows(
        &out,
        &[
            "#p1: 22 people (21-22, page 2 of 2)",
            "Person 41",
            "Person 43",
        ],
    );
    let out = app.say("list wider").await;
    assert_shows(
        &out,
        &[
            "wider: 45 people (1-20, page 1 of 3)",
            "More: list wider page 2",
        ],
    );

    assert_eq!(
        app.say("list page 4").await,
        "There is no page 4: the list has 3 pages. The last is: list page 3\n"
    );
    assert_shows(&app.say("list page 0").await, &["\"0\" is not a page."]);
}

#[tokio::test]
async fn an_empty_network_says_how_to_start() {
    let mut app = App::spawn().await;
    app.given(&["help"]).await;
    for line in ["list", "due"] {
        assert_eq!(
            app.say(line).await,
            "Your network is empty. Start with: add @alice inner\n",
            "{line}"
        );
    }
    assert_shows(&app.say("balance").await, &["No favours logged yet."]);
}

#[tokio::test]
async fn balance_puts_the_most_lopsided_first_and_names_who_you_owe() {
    let mut app = App::spawn().await;
    app.given(&[
        "gave @dave intro to a VC",
        "gave @dave reviewed his pitch",
        "gave @dave lent a book",
        "got @carol reference letter",
        "gave @erin coffee",
        "got @erin coffee",
        "touch @frank",
    ])
    .await;

    let out = app.say("balance").await;
    let dave = out.find("@dave     3      0     +3").expect("dave");
    let carol = out.find("@carol    0      1     -1").expect("carol");
    let erin = out.find("@erin     1      1     0").expect("erin");
    assert!(dave < carol && carol < erin, "{out}");
    assert!(!out.contains("@frank"), "no favours, no row: {out}");
    assert_shows(
        &out,
        &["In all you gave 4 favours and got 2 favours. You owe: @carol."],
    );
}

#[tokio::test]
async fn a_long_balance_shows_the_most_lopsided_twenty_and_counts_the_rest() {
    let mut app = App::spawn().await;
    // 30 people: p01..p25 each did one more favour for me than I for them
    // (they are owed... by me), p26..p30 got two from me.
    let mut lines: Vec<String> = (1..=25)
        .map(|i| format!("got \"Person {i:02}\" a favour"))
        .collect();
    lines.extend((26..=30).flat_map(|i| {
        [
            format!("gave \"Person {i:02}\" one"),
            format!("gave \"Person {i:02}\" two"),
        ]
    }));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    app.given(&lines).await;

    let out = app.say("balance").await;
    assert_shows(
        &out,
        &[
            "the 20 most lopsided of 30 people",
            "In all you gave 10 favours and got 25 favours.",
            "Everyone is in your export (type export).",
        ],
    );
    // The five +2s first, then the -1s by name: Person 01..15.
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("Person")).collect();
    assert!(
        rows[0].contains("Person 26") && rows[0].contains("+2"),
        "{out}"
    );
    assert!(
        rows[5].contains("Person 01") && rows[5].contains("-1"),
        "{out}"
    );
    assert!(!out.contains("Person 16   "), "only 20 rows: {out}");
    // Owing is counted over everyone, not only the rows shown.
    assert!(out.contains("Person 15 and 10 more."), "{out}");
}

#[tokio::test]
async fn tier_and_every_change_the_cadence() {
    let mut app = App::spawn().await;
    app.given(&["add @alice"]).await;

    let out = app.say("tier @alice inner").await;
    assert_eq!(
        out,
        "@alice is now inner (every 2 weeks). Next check-in: Sun 6 Dec (in 2 weeks).\n"
    );
    let out = app.say("every @alice 10d").await;
    assert_eq!(
        out,
        "Now checking in with @alice every 10 days. Next check-in: Wed 2 Dec (in 10 days).\n"
    );
    let out = app.say("tier @alice wider").await;
    assert_shows(
        &out,
        &["@alice is now wider (keeping their own cadence: every 10 days)."],
    );
    let stored: (String, i64) = sqlx::query_as("SELECT tier, cadence_days FROM contacts")
        .fetch_one(&app.sql)
        .await
        .expect("contact");
    assert_eq!(stored, ("wider".into(), 10));
}

#[tokio::test]
async fn remove_takes_the_contact_and_their_history() {
    let mut app = App::spawn().await;
    app.given(&["gave @alice a", "got @alice b", "add @bob #x"])
        .await;

    let out = app.say("remove @alice").await;
    assert_eq!(
        out,
        "Removed @alice from your network, with 2 logged entries.\n"
    );
    assert_eq!(app.count("entries").await, 0);
    assert_eq!(app.count("contacts").await, 1);
    let out = app.say("show @alice").await;
    assert_eq!(
        out,
        "! @alice isn't in your network yet. Add them with: add @alice\n"
    );
    app.given(&["remove @bob"]).await;
    assert_eq!(app.count("contact_tags").await, 0);
}

#[tokio::test]
async fn help_shows_the_card_and_each_command() {
    let mut app = App::spawn().await;
    let out = app.say("").await;
    assert_eq!(out, "", "an empty line is ignored");
    let out = app.say("help").await;
    for command in [
        "add @someone",
        "gave @someone <what> [when]",
        "snooze @someone <how long>",
        "remove @someone",
        "help [command]",
    ] {
        assert_shows(&out, &[command]);
    }
    let out = app.say("help snooze").await;
    assert_shows(
        &out,
        &[
            "snooze @someone <how long>",
            "Examples:",
            "snooze @alice 2w",
        ],
    );
    assert_eq!(
        app.say("help fly").await,
        "! There is no command \"fly\". Type help to see them all.\n"
    );
    let out = app.say("/kith").await;
    assert_shows(
        &out,
        &["Kith keeps your networking ledger, privately. Commands:"],
    );
}

#[tokio::test]
async fn the_welcome_shows_once() {
    let mut app = App::spawn().await;
    assert_shows(&app.say("due").await, &["Welcome to Kith!"]);
    assert!(!app.say("due").await.contains("Welcome"));
}

#[test]
fn the_readme_documents_every_command() {
    let readme = include_str!("../../README.md");
    for spec in kith_bot::commands::COMMANDS {
        let row = format!("| `{}` |", spec.usage().replace('|', "\\|"));
        assert!(
            readme.contains(&row),
            "README.md has no row for {}: {row}",
            spec.name
        );
    }
}
