//! Reach on Discord, end to end: `/kith-community reach` answers privately
//! with the member's own contacts and a count (never who), its "Ask for an
//! introduction" button, each asked member's DM with yes / no, a yes
//! opening a private thread of the two (or a DM each without an intros
//! channel), a no telling the asker nothing, the helper's follow-up
//! crediting the favour; and `goal done N` / `goal drop N` as typed options.

use std::collections::BTreeSet;

use chrono::Duration;
use serde_json::Value;

use crate::community::{
    ALICE, ALICE_, BOB, BOB_, CAROL, CAROL_, DANA, DANA_, Guild, INTROS, Who, buttons, content,
    member, settled,
};
use crate::fake_discord::{CHANNEL_ID, Invoker, MEMBER_PERMISSIONS, Opt, message_json, slash_by};

const ERIN: u64 = 2_000_000_000_000_000_005;
const ERIN_: Who = member(ERIN, "erin");

#[track_caller]
fn names_nobody(text: &str, names: &[&str]) {
    for name in names {
        assert!(!text.contains(name), "{name:?} must not show:\n{text}");
    }
}

/// Bob and Carol share their reach and know someone at Acme; Dana knows
/// someone there but does not share; Erin shares but knows nobody there.
/// Alice knows someone there herself.
async fn cast(guild: &Guild) {
    let reach_on = [Opt::Str("reach", "on")];
    for (who, name, company, shares) in [
        (BOB_, "Jane Doe", "Acme Corp", true),
        (CAROL_, "John Smith", "ACME, Inc.", true),
        (DANA_, "Carla Secret", "acme llc", false),
        (ERIN_, "Bo Diddley", "Globex", true),
        (ALICE_, "Jane Roe", "Acme", false),
    ] {
        if shares {
            let said = guild
                .run(who, "kith-account settings reach", &reach_on)
                .await;
            assert!(said.contains("Reach is on."), "{said}");
        }
        guild
            .run(
                who,
                "add",
                &[Opt::Str("name", name), Opt::Str("company", company)],
            )
            .await;
    }
}

/// Alice's `/kith-community reach` with `options`: the private answer as a
/// message (content and buttons), as Discord shows it to her.
async fn alice_reaches(guild: &Guild, options: &[Opt]) -> Value {
    let invoker = Invoker {
        id: ALICE,
        name: "alice",
        permissions: MEMBER_PERMISSIONS,
    };
    let (status, answer) = guild
        .app
        .post_signed(&slash_by(
            guild.id(),
            &invoker,
            "kith-community",
            "reach",
            options,
        ))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["type"], 4, "answered at once: {answer:#}");
    assert_eq!(answer["data"]["flags"], 64, "privately: {answer:#}");
    let mut message = message_json(guild.id(), &CHANNEL_ID.to_string(), &answer["data"]);
    message["flags"] = 64.into();
    message
}

/// The ask `user` got.
fn ask(guild: &Guild, user: u64) -> Value {
    guild.dm(user, "is looking for an introduction to someone at")
}

#[tokio::test]
async fn reach_counts_without_names_and_a_yes_makes_a_private_thread_then_credits_the_favour() {
    let guild = Guild::new().await;
    guild
        .run(
            DANA_,
            "kith-admin intros",
            &[Opt::Channel("channel", INTROS, "introductions")],
        )
        .await;
    cast(&guild).await;

    let answer = alice_reaches(
        &guild,
        &[
            Opt::Str("company", "Acme"),
            Opt::Str("why", "I'd like to learn how they run sales enablement"),
        ],
    )
    .await;
    let text = content(&answer);
    assert!(
        text.contains("In your own network at Acme: Jane Roe."),
        "{text}"
    );
    assert!(
        text.contains("2 members who share their reach know someone at Acme."),
        "{text}"
    );
    names_nobody(
        &answer.to_string(),
        &[
            "Jane Doe",
            "John Smith",
            "Carla",
            &BOB.to_string(),
            &CAROL.to_string(),
            &DANA.to_string(),
            &ERIN.to_string(),
        ],
    );
    let labels: Vec<String> = buttons(&answer).into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["Ask for an introduction"]);

    // Another member's forged press (Alice's button id on a message of
    // Erin's own) sends nothing.
    let mut erins = answer.clone();
    erins["id"] = guild.id().to_string().into();
    let forged = guild.press(ERIN_, &erins, "reach-ask").await;
    assert!(
        forged.to_string().contains("That ask isn't yours."),
        "{forged:#}"
    );
    assert_eq!(guild.catch_up().await.sent, 0);

    let sent = guild.press(ALICE_, &answer, "reach-ask").await;
    assert!(
        settled(&sent).contains("I've asked 2 members privately whether they would introduce you"),
        "{sent:#}"
    );
    let report = guild.catch_up().await;
    assert_eq!(report.sent, 2, "one ask each: {report:?}");
    for user in [DANA, ERIN] {
        assert!(
            guild.dms_containing(user, "").is_empty(),
            "{user} not asked"
        );
    }
    for user in [BOB, CAROL] {
        let asked = ask(&guild, user);
        let text = content(&asked);
        assert!(
            text.starts_with(&format!(
                "<@{ALICE}> is looking for an introduction to someone at Acme"
            )),
            "{text}"
        );
        assert!(text.contains("how they run sales enablement"), "{text}");
        let labels: Vec<String> = buttons(&asked).into_iter().map(|(l, _)| l).collect();
        assert_eq!(labels, ["Yes, I'll introduce you", "Not this time"]);
    }

    // Carol says no: Alice hears nothing.
    let carol_says = guild.press(CAROL_, &ask(&guild, CAROL), "reach-no").await;
    assert!(
        settled(&carol_says).contains("will never be told who was asked"),
        "{carol_says:#}"
    );
    guild.catch_up().await;
    assert!(guild.dms_containing(ALICE, "").is_empty());
    assert!(guild.threads_in(INTROS).is_empty());

    // Bob says yes: a private thread of Alice and Bob in the intros channel.
    let bob_says = guild.press(BOB_, &ask(&guild, BOB), "reach-yes").await;
    assert!(
        settled(&bob_says).contains(&format!("I'm connecting you with <@{ALICE}> now")),
        "{bob_says:#}"
    );
    let report = guild.catch_up().await;
    assert_eq!(report.sent, 1, "one conversation: {report:?}");
    let threads = guild.threads_in(INTROS);
    assert_eq!(threads.len(), 1, "{threads:#?}");
    let (thread, members) = &threads[0];
    assert_eq!(members, &BTreeSet::from([ALICE, BOB]));
    let thread_id: u64 = thread["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("a snowflake");
    let said = guild.app.fake.messages_in(thread_id);
    assert_eq!(said.len(), 1, "{said:#?}");
    let text = content(&said[0]);
    assert!(
        text.starts_with(&format!(
            "<@{ALICE}>, meet <@{BOB}>! <@{BOB}> knows someone at Acme"
        )),
        "{text}"
    );
    names_nobody(text, &[&CAROL.to_string(), "Jane Doe"]);
    assert!(guild.app.entries().await.is_empty(), "no credit yet");

    // The follow-up: Bob made the introduction; both ledgers have it.
    guild.app.clock.advance(Duration::days(14));
    guild.catch_up().await;
    let followup = guild.dm(BOB, "Did you introduce");
    assert!(
        content(&followup).starts_with(&format!(
            "Did you introduce <@{ALICE}> to your contact at Acme?"
        )),
        "{followup:#}"
    );
    let answer = guild.press(BOB_, &followup, "reach-met").await;
    assert!(
        settled(&answer).contains("Lovely! I've logged it"),
        "{answer:#}"
    );
    let mut entries = guild.app.entries().await;
    entries.sort();
    assert_eq!(
        entries,
        [
            "gave: introduced them to someone at Acme",
            "got: introduced me to someone at Acme",
        ]
    );
    assert!(guild.dms_containing(ALICE, "").is_empty(), "{ALICE}");
}

#[tokio::test]
async fn without_an_intros_channel_a_yes_is_a_dm_each_and_a_no_names_nobody() {
    let guild = Guild::new().await;
    cast(&guild).await;
    let answer = alice_reaches(&guild, &[Opt::Str("company", "Acme Corp")]).await;
    guild.press(ALICE_, &answer, "reach-ask").await;
    guild.catch_up().await;

    guild.press(CAROL_, &ask(&guild, CAROL), "reach-no").await;
    guild.press(BOB_, &ask(&guild, BOB), "reach-yes").await;
    guild.catch_up().await;
    assert!(guild.app.fake.threads().is_empty());
    let to_alice = guild.dm(ALICE, "Good news");
    assert!(
        content(&to_alice).starts_with(&format!(
            "Good news: <@{BOB}> knows someone at Acme Corp and said yes"
        )),
        "{to_alice:#}"
    );
    names_nobody(content(&to_alice), &[&CAROL.to_string()]);
    let to_bob = guild.dm(BOB, "You said yes");
    assert!(
        content(&to_bob).contains(&format!("introducing <@{ALICE}> to someone at Acme Corp")),
        "{to_bob:#}"
    );
}

#[tokio::test]
async fn when_everyone_says_no_the_asker_hears_only_that_nobody_could() {
    let guild = Guild::new().await;
    cast(&guild).await;
    let answer = alice_reaches(&guild, &[Opt::Str("company", "acme")]).await;
    guild.press(ALICE_, &answer, "reach-ask").await;
    guild.catch_up().await;
    for (who, id) in [(BOB_, BOB), (CAROL_, CAROL)] {
        guild.press(who, &ask(&guild, id), "reach-no").await;
    }
    guild.catch_up().await;
    let told = guild.dm(ALICE, "nobody could this time");
    names_nobody(
        content(&told),
        &[&BOB.to_string(), &CAROL.to_string(), "said no", "declin"],
    );
    assert!(guild.app.fake.threads().is_empty());
}

/// The registered `/kith-community goal` group's subcommands, by name.
fn registered_goal() -> Vec<Value> {
    let registration = kith_discord::commands::registration();
    let community = registration
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| c["name"] == "kith-community")
        .expect("/kith-community");
    let goal = community["options"]
        .as_array()
        .expect("subcommands")
        .iter()
        .find(|o| o["name"] == "goal")
        .expect("goal");
    assert_eq!(goal["type"], 2, "a subcommand group: {goal:#}");
    goal["options"].as_array().expect("its subcommands").clone()
}

#[tokio::test]
async fn goals_are_added_and_ended_by_number_with_typed_options() {
    let subs = registered_goal();
    let names: Vec<&str> = subs.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["add", "done", "drop"]);
    for sub in &subs[1..] {
        let number = &sub["options"][0];
        assert_eq!(number["name"], "number", "{sub:#}");
        assert_eq!(number["type"], 4, "an integer: {sub:#}");
        assert_eq!(number["required"], true);
        assert_eq!(number["min_value"], 1);
    }

    let guild = Guild::new().await;
    guild
        .run(
            ALICE_,
            "add",
            &[
                Opt::Str("name", "Jane Doe"),
                Opt::Str("company", "Acme Corp"),
            ],
        )
        .await;
    for (what, company) in [("Move into sales enablement", "Acme"), ("Learn Go", "")] {
        let mut options = vec![Opt::Str("what", what)];
        if !company.is_empty() {
            options.push(Opt::Str("company", company));
        }
        let added = guild.run(ALICE_, "kith-community goal add", &options).await;
        assert!(added.contains("Added goal"), "{added}");
    }
    let goals = guild.run(ALICE_, "kith-community goals", &[]).await;
    assert!(
        goals.contains("1. Move into sales enablement · at Acme")
            && goals.contains("Can help: Jane Doe")
            && goals.contains("2. Learn Go"),
        "{goals}"
    );

    let done = guild
        .run(ALICE_, "kith-community goal done", &[Opt::Int("number", 1)])
        .await;
    assert!(
        done.contains("Well done! Goal \u{201c}Move into sales enablement\u{201d} is marked done."),
        "{done}"
    );
    let refused = guild
        .run(ALICE_, "kith-community goal drop", &[Opt::Int("number", 5)])
        .await;
    assert!(
        refused.contains("You have 1 goal; say a number from 1 to 1"),
        "{refused}"
    );
    let dropped = guild
        .run(ALICE_, "kith-community goal drop", &[Opt::Int("number", 1)])
        .await;
    assert!(
        dropped.contains("Dropped goal \u{201c}Learn Go\u{201d}."),
        "{dropped}"
    );
    let goals = guild.run(ALICE_, "kith-community goals", &[]).await;
    assert!(goals.contains("No goals yet"), "{goals}");
}
