//! Goals and reach on the console: goals with the people who can help,
//! companies matched however they are written, and asks for an introduction
//! that reach only members who share their reach, connect on a yes, credit
//! the helper later, and never name anyone on a no or a lapse.

use crate::helpers::{App, assert_shows};

/// `me` plus members, each having used Kith and run `setup` as themselves.
async fn members(setup: &[(&str, &[&str])]) -> App {
    let mut app = App::spawn().await;
    for (name, lines) in setup {
        app.given(&[&format!(":as {name}")]).await;
        app.given(lines).await;
    }
    app.given(&[":as me"]).await;
    app
}

async fn entries(app: &App, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE kind = $1")
        .bind(kind)
        .fetch_one(&app.sql)
        .await
        .expect("counts")
}

#[track_caller]
fn names_nobody(text: &str, names: &[&str]) {
    for name in names {
        assert!(!text.contains(name), "{name:?} must not show:\n{text}");
    }
}

#[tokio::test]
async fn reach_counts_only_sharing_members_and_a_yes_connects_then_credits_the_favour() {
    let mut app = members(&[
        (
            "alice",
            &["settings reach on", "add \"Jane Doe\" at \"Acme Corp\""],
        ),
        (
            "bob",
            &["settings reach on", "add \"Bo Diddley\" at \"Globex\""],
        ),
        ("carol", &["add \"Carla Secret\" at \"acme llc\""]),
    ])
    .await;
    app.given(&["add \"Jane Roe\" at \"ACME, Inc.\""]).await;

    let out = app
        .say("reach Acme I'd like to learn how they run sales enablement")
        .await;
    assert_shows(
        &out,
        &[
            "In your own network at Acme: Jane Roe.",
            "1 member who shares their reach knows someone at Acme.",
            "[Ask for an introduction]   (:press 1 ask)",
        ],
    );
    names_nobody(&out, &["alice", "Jane Doe", "carol", "Carla", "bob"]);

    let out = app.say(":press 1 ask").await;
    assert_shows(
        &out,
        &[
            "I've asked 1 member privately",
            "── DM to @alice · Sun 22 Nov 2026 10:00 UTC ──\nme is looking for an introduction to someone at Acme, and you know someone there.\n\u{201c}I'd like to learn how they run sales enablement\u{201d}",
            "[Yes, I'll introduce you]  [Not this time]   (:press 1 yes|no)",
        ],
    );
    assert!(!out.contains("DM to @carol"), "carol does not share: {out}");
    assert!(!out.contains("DM to @bob"), "bob knows nobody there: {out}");
    assert_shows(
        &app.say(":press 1 ask").await,
        &["! Item 1 was already pressed"],
    );

    app.given(&[":as alice"]).await;
    let out = app.say(":press 1 yes").await;
    assert_shows(
        &out,
        &[
            "Thank you! I'm connecting you with me now",
            "── group DM with @me, @alice · Sun 22 Nov 2026 10:00 UTC ──\nme, meet alice! alice knows someone at Acme and said yes to introducing you.",
        ],
    );
    assert_eq!(
        entries(&app, "gave").await,
        0,
        "no credit before it happened"
    );

    // The follow-up comes with the intro follow-up's delay (14 days).
    let out = app.say(":tick 13d").await;
    assert!(!out.contains("Did you introduce"), "{out}");
    let out = app.say(":tick 1d").await;
    assert_shows(
        &out,
        &[
            "── DM to @alice · Sun 6 Dec 2026 10:00 UTC ──\nDid you introduce me to your contact at Acme?",
            "[I did]  [Not yet]   (:press 1 met|notyet)",
        ],
    );
    assert_shows(
        &app.say(":press 1 met").await,
        &["Lovely! I've logged it as a favour"],
    );
    assert_eq!(entries(&app, "gave").await, 1);
    assert_eq!(entries(&app, "got").await, 1);
    assert_shows(
        &app.say("show @me").await,
        &["introduced them to someone at Acme"],
    );
    app.given(&[":as me"]).await;
    assert_shows(
        &app.say("show @alice").await,
        &["introduced me to someone at Acme"],
    );
}

#[tokio::test]
async fn a_no_and_a_lapse_never_reveal_a_name() {
    let mut app = members(&[
        (
            "alice",
            &["settings reach on", "add \"Jane Doe\" at \"Acme\""],
        ),
        (
            "bob",
            &["settings reach on", "add \"John Doe\" at \"acme corp\""],
        ),
    ])
    .await;
    let out = app.say("reach acme").await;
    assert_shows(
        &out,
        &["2 members who share their reach know someone at acme."],
    );
    let out = app.say(":press 1 ask").await;
    assert_shows(
        &out,
        &[
            "DM to @alice",
            "DM to @bob",
            "I've asked 2 members privately",
        ],
    );

    app.given(&[":as alice"]).await;
    let out = app.say(":press 1 no").await;
    assert_shows(
        &out,
        &["No problem. me will never be told who was asked or who said no."],
    );
    assert!(!out.contains("DM to @me"), "one no is not news: {out}");
    app.given(&[":as bob"]).await;
    let out = app.say(":press 1 no").await;
    assert_shows(
        &out,
        &[
            "── DM to @me · Sun 22 Nov 2026 10:00 UTC ──\nAbout your ask for an introduction at acme: nobody could this time.",
        ],
    );
    let to_me = out
        .split("── DM to @me")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    names_nobody(&to_me, &["alice", "bob", "Jane", "John"]);

    // A second ask nobody answers lapses after 7 days, naming nobody.
    app.given(&[":as me", "reach Acme", ":press 1 ask"]).await;
    let out = app.say(":tick 6d").await;
    assert!(!out.contains("nobody could"), "{out}");
    let out = app.say(":tick 1d").await;
    assert_shows(
        &out,
        &[
            "DM to @me",
            "About your ask for an introduction at Acme: nobody could this time.",
        ],
    );
    names_nobody(&out, &["alice", "bob", "Jane", "John"]);
    // Too late to say yes now.
    app.given(&[":as alice"]).await;
    assert_shows(
        &app.say(":press 1 yes").await,
        &["This ask lapsed after 7 days"],
    );
}

#[tokio::test]
async fn asks_are_limited_per_asker_and_per_member_a_week() {
    let mut app = members(&[
        (
            "alice",
            &[
                "settings reach on",
                "add \"A One\" at \"Acme\"",
                "add \"A Two\" at \"Globex\"",
            ],
        ),
        (
            "bob",
            &[
                "settings reach on",
                "add \"B One\" at \"Initech\"",
                "add \"B Two\" at \"Hooli\"",
            ],
        ),
    ])
    .await;
    // alice can be asked twice this week; the third ask leaves her out and says so.
    app.given(&["reach Acme", ":press 1 ask", "reach Globex", ":press 1 ask"])
        .await;
    let out = app.say("reach Acme").await;
    assert_shows(
        &out,
        &[
            "No member who shares their reach can be asked about Acme right now.",
            "1 more knows someone there but has had 2 asks this week already, so won't be asked.",
        ],
    );
    assert!(!out.contains("Ask for an introduction"), "{out}");

    // At most 3 open asks per asker.
    app.given(&["reach Initech", ":press 1 ask"]).await;
    app.given(&["reach Hooli"]).await;
    let before = app.count("reach_asked").await;
    let out = app.say(":press 1 ask").await;
    assert_shows(&out, &["You have 3 asks waiting for answers already"]);
    assert_eq!(
        app.count("reach_asked").await,
        before,
        "nobody more was asked"
    );

    // A week later both limits have passed.
    app.given(&[":tick 7d", "reach Hooli"]).await;
    assert_shows(
        &app.say(":press 1 ask").await,
        &["I've asked 1 member privately"],
    );
}

#[tokio::test]
async fn turning_reach_off_removes_a_member_from_every_count_at_once() {
    let mut app = members(&[(
        "alice",
        &[
            "settings reach on",
            "add \"Jane Doe\" at \"Acme\"",
            "add \"Zed\" at \"Globex\"",
        ],
    )])
    .await;
    assert_shows(&app.say("reach Acme").await, &["1 member who shares"]);
    assert_shows(&app.say("reach Globex").await, &["1 member who shares"]);
    app.given(&[":as alice", "settings reach off", ":as me"])
        .await;
    for company in ["Acme", "Globex"] {
        let out = app.say(&format!("reach {company}")).await;
        assert_shows(&out, &["No member who shares their reach can be asked"]);
    }
    // A button shown before she turned it off asks nobody now.
    app.given(&[
        ":as alice",
        "settings reach on",
        ":as me",
        "reach Acme",
        ":as alice",
        "settings reach off",
        ":as me",
    ])
    .await;
    let before = app.count("notices").await;
    assert_shows(
        &app.say(":press 1 ask").await,
        &["Nobody can be asked about Acme right now"],
    );
    assert_eq!(app.count("notices").await, before);
}

#[tokio::test]
async fn companies_match_however_they_are_written_in_list_goals_and_reach() {
    let mut app = App::spawn().await;
    app.given(&[
        "add \"Jane Doe\" at \"Acme Corp\"",
        "add \"John Roe\" at \"ACME, Inc.\"",
        "add \"Ann Lee\" at \"acme llc\"",
        "add \"Zed Zee\" at \"Acme Labs\"",
        "add @bob at \"Globex\" #sales",
    ])
    .await;
    let out = app.say("list at Acme").await;
    assert_shows(
        &out,
        &["At Acme: 3 people", "Jane Doe", "John Roe", "Ann Lee"],
    );
    assert!(!out.contains("Zed Zee"), "{out}");
    let out = app.say("reach \"ACME Corporation\"").await;
    assert_shows(
        &out,
        &["In your own network at ACME Corporation: Ann Lee, Jane Doe, John Roe."],
    );
    let out = app
        .say("goal Move into sales enablement at \"Acme, Inc\" #sales")
        .await;
    assert_shows(&out, &["Added goal 1", "4 people in your network can help"]);
    let out = app.say("list at \",.\"").await;
    assert_shows(&out, &["! ", "has no letters or digits"]);
}

#[tokio::test]
async fn goals_are_numbered_with_who_can_help_due_first_and_end_by_number() {
    let mut app = App::spawn().await;
    app.given(&[
        "add \"Jane Doe\" inner at \"Acme\"",
        "add \"Old Friend\" wider at \"Acme\"",
        "add \"Sam Seller\" close #sales",
    ])
    .await;
    assert_shows(&app.say("goals").await, &["No goals yet."]);
    app.given(&[
        "goal Move into sales enablement at \"Acme\" #sales",
        "goal \"Get better at pitching\" #pitching",
    ])
    .await;
    // Two weeks on, Jane (inner) is due; the others are not.
    app.given(&[":tick 15d"]).await;
    let out = app.say("goals").await;
    assert_shows(
        &out,
        &[
            "1. Move into sales enablement · at Acme #sales",
            "   Can help: Jane Doe (due), Sam Seller, Old Friend",
            "2. Get better at pitching · #pitching",
            "   Nobody in your network matches it yet.",
        ],
    );
    assert_shows(
        &app.say("goal done 1").await,
        &["Well done! Goal \u{201c}Move into sales enablement\u{201d} is marked done."],
    );
    assert_shows(&app.say("goals").await, &["1. Get better at pitching"]);
    let before = app.everything().await;
    assert_shows(
        &app.say("goal drop 3").await,
        &["! You have 1 goal; say a number from 1 to 1"],
    );
    assert_shows(
        &app.say("goal done x").await,
        &["! \"x\" is not a goal's number"],
    );
    assert_eq!(app.everything().await, before, "refusals change nothing");
    assert_shows(&app.say("goal drop 1").await, &["Dropped goal"]);
    assert_shows(&app.say("goals").await, &["No goals yet."]);
}
