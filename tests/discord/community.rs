//! Community on Discord (issue 6), end to end: slash commands and button
//! presses signed and posted to the HTTP interactions endpoint, the core's
//! outbox delivered by `Delivery::catch_up()` on the injected clock, and
//! what reached the fake Discord: DMs with buttons, posts in channels,
//! private threads with their members.
//!
//! The cast: Alice introduces and shares, Bob and Carol are introduced,
//! Dana is an admin (Manage Server).

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::Method;
use chrono::Duration;
use kith_bot::delivery::{Delivery, Messengers, StepReport};
use kith_bot::domain::Platform;
use kith_bot::ports::{DeliveryError, Messenger, Recipient};
use kith_bot::reply::Reply;
use serde_json::{Value, json};

use crate::fake_discord::{
    ADMINISTRATOR_PERMISSIONS, GUILD_ID, Invoker, MANAGER_PERMISSIONS, MEMBER_PERMISSIONS, Opt,
    press_by, slash_by,
};
use crate::helpers::App;

pub(crate) const ALICE: u64 = 2_000_000_000_000_000_001;
pub(crate) const BOB: u64 = 2_000_000_000_000_000_002;
pub(crate) const CAROL: u64 = 2_000_000_000_000_000_003;
pub(crate) const DANA: u64 = 2_000_000_000_000_000_004;
/// The guild's text channels.
pub(crate) const INTROS: u64 = 1_300_000_000_000_000_101;
const LIBRARY: u64 = 1_300_000_000_000_000_102;
const COFFEE: u64 = 1_300_000_000_000_000_103;

/// Coffee drinkers: ids and usernames.
const DRINKERS: [(u64, &str); 6] = [
    (2_000_000_000_000_000_011, "erin"),
    (2_000_000_000_000_000_012, "femi"),
    (2_000_000_000_000_000_013, "gus"),
    (2_000_000_000_000_000_014, "hana"),
    (2_000_000_000_000_000_015, "ivan"),
    (2_000_000_000_000_000_016, "jo"),
];

/// Someone in the guild, as an interaction names them.
#[derive(Clone, Copy)]
pub(crate) struct Who {
    id: u64,
    name: &'static str,
    permissions: &'static str,
}

pub(crate) const fn member(id: u64, name: &'static str) -> Who {
    Who {
        id,
        name,
        permissions: MEMBER_PERMISSIONS,
    }
}

pub(crate) const ALICE_: Who = member(ALICE, "alice");
pub(crate) const BOB_: Who = member(BOB, "bob");
pub(crate) const CAROL_: Who = member(CAROL, "carol");
pub(crate) const DANA_: Who = Who {
    id: DANA,
    name: "dana",
    permissions: MANAGER_PERMISSIONS,
};

/// The app, and the interaction ids handed out so far.
pub(crate) struct Guild {
    pub(crate) app: App,
    next: Cell<u64>,
}

impl Guild {
    pub(crate) async fn new() -> Guild {
        Guild {
            app: App::spawn().await,
            next: Cell::new(9_000),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        let id = self.next.get() + 1;
        self.next.set(id);
        id
    }

    /// Runs `/kith sub options...` as `who`; returns the private answer.
    /// Runs `/kith sub`, or the command a `sub` such as `kith-admin
    /// resources` names.
    pub(crate) async fn run(&self, who: Who, sub: &str, options: &[Opt]) -> String {
        let (command, path) = match sub.split_once(' ') {
            Some((command, path)) if command.starts_with("kith-") => (command, path),
            _ => ("kith", sub),
        };
        let invoker = Invoker {
            id: who.id,
            name: who.name,
            permissions: who.permissions,
        };
        let (status, answer) = self
            .app
            .post_signed(&slash_by(self.id(), &invoker, command, path, options))
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["type"], 4, "answered at once: {answer:#}");
        assert_eq!(answer["data"]["flags"], 64, "privately: {answer:#}");
        answer["data"]["content"]
            .as_str()
            .expect("content")
            .to_string()
    }

    /// Presses the button of `message` whose action starts with `verb`
    /// (`intro-yes`); returns the interaction's answer.
    pub(crate) async fn press(&self, who: Who, message: &Value, verb: &str) -> Value {
        let custom_id = buttons(message)
            .into_iter()
            .map(|(_, id)| id)
            .find(|id| {
                id.split('|')
                    .nth(2)
                    .is_some_and(|a| a.starts_with(&format!("{verb}:")))
            })
            .unwrap_or_else(|| panic!("no {verb} button in {message:#}"));
        let (status, answer) = self
            .app
            .post_signed(&press_by(self.id(), who.id, who.name, message, &custom_id))
            .await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    /// Sends everything due at the clock's time, as a running Kith would.
    pub(crate) async fn catch_up(&self) -> StepReport {
        Delivery::new(
            Arc::new(self.app.store.clone()),
            Arc::new(self.app.store.clone()),
            Messengers::new().with(Platform::Discord, Arc::new(self.app.discord.messenger())),
            Arc::new(self.app.clock.clone()),
            "discord-community-test",
        )
        .catch_up()
        .await
        .expect("delivers")
    }

    /// The DMs `user` received whose text contains `text`.
    pub(crate) fn dms_containing(&self, user: u64, text: &str) -> Vec<Value> {
        self.app
            .fake
            .dms_to(user)
            .into_iter()
            .filter(|m| content(m).contains(text))
            .collect()
    }

    /// The one DM `user` received containing `text`.
    pub(crate) fn dm(&self, user: u64, text: &str) -> Value {
        let found = self.dms_containing(user, text);
        assert_eq!(
            found.len(),
            1,
            "one DM to {user} with {text:?}; all DMs: {:#?}",
            self.app.fake.dms_to(user)
        );
        found.into_iter().next().expect("one")
    }

    /// Alice proposes introducing Bob and Carol; the asks go out.
    async fn alice_introduces_bob_and_carol(&self) {
        let answer = self
            .run(
                ALICE_,
                "kith-community intro",
                &[
                    Opt::Member("first", BOB, "bob"),
                    Opt::Member("second", CAROL, "carol"),
                    Opt::Str("why", "both work on sales enablement"),
                ],
            )
            .await;
        assert!(
            answer.contains(&format!(
                "I've asked <@{BOB}> and <@{CAROL}> privately whether they'd like to be introduced"
            )),
            "{answer}"
        );
        let report = self.catch_up().await;
        assert_eq!(report.sent, 2, "one ask each: {report:?}");
    }

    /// The ask `user` got.
    fn ask(&self, user: u64) -> Value {
        self.dm(user, "would like to introduce you to")
    }

    /// The stored introduction: (state, Bob's answer, Carol's answer, outcome).
    async fn stored_intro(&self) -> (String, Option<bool>, Option<bool>, Option<bool>) {
        sqlx::query_as("SELECT state, a_answer, b_answer, outcome FROM intros")
            .fetch_one(self.app.store.pool())
            .await
            .expect("one introduction")
    }

    /// The workspace's stored channels: (resources, intros, pairing).
    async fn stored_channels(&self) -> (Option<String>, Option<String>, Option<String>) {
        sqlx::query_as("SELECT resources_channel, intros_channel, pairing_channel FROM workspaces")
            .fetch_one(self.app.store.pool())
            .await
            .expect("the workspace")
    }

    /// The stored groups of round `number`, as Discord user ids.
    async fn stored_round(&self, number: i64) -> Vec<BTreeSet<u64>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT p.id, m.external_id FROM pairing_rounds r \
             JOIN pairs p ON p.round_id = r.id \
             JOIN pair_members pm ON pm.pair_id = p.id \
             JOIN members m ON m.id = pm.member_id \
             WHERE r.number = $1 ORDER BY p.id",
        )
        .bind(number)
        .fetch_all(self.app.store.pool())
        .await
        .expect("the round");
        let mut groups: Vec<(i64, BTreeSet<u64>)> = Vec::new();
        for (pair, user) in rows {
            let user = user.parse().expect("a Discord id");
            match groups.iter_mut().find(|(p, _)| *p == pair) {
                Some((_, group)) => {
                    group.insert(user);
                }
                None => groups.push((pair, BTreeSet::from([user]))),
            }
        }
        groups.into_iter().map(|(_, g)| g).collect()
    }

    /// Every thread started in `channel`, with the users added to it.
    pub(crate) fn threads_in(&self, channel: u64) -> Vec<(Value, BTreeSet<u64>)> {
        self.app
            .fake
            .threads()
            .into_iter()
            .filter(|t| t["parent_id"].as_str() == Some(channel.to_string().as_str()))
            .map(|t| {
                let id = t["id"].as_str().expect("id").to_string();
                let members = self.app.fake.thread_members(&id).into_iter().collect();
                (t, members)
            })
            .collect()
    }
}

pub(crate) fn content(message: &Value) -> &str {
    message["content"].as_str().unwrap_or_default()
}

/// A message's buttons as (label, custom_id).
pub(crate) fn buttons(message: &Value) -> Vec<(String, String)> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["label"].as_str().unwrap_or_default().to_string(),
                b["custom_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A pressed button's answer: the message updated, its buttons gone.
pub(crate) fn settled(answer: &Value) -> &str {
    assert_eq!(answer["type"], 7, "the message is updated: {answer:#}");
    assert_eq!(answer["data"]["components"], json!([]), "{answer:#}");
    answer["data"]["content"].as_str().expect("content")
}

#[tokio::test]
async fn an_intro_both_accept_is_made_in_a_private_thread_and_followed_up() {
    let guild = Guild::new().await;
    let answer = guild
        .run(
            DANA_,
            "kith-admin intros",
            &[Opt::Channel("channel", INTROS, "introductions")],
        )
        .await;
    assert!(
        answer.contains(&format!(
            "Introductions will be made in <#{INTROS}> (a private thread for each)"
        )),
        "{answer}"
    );
    guild.alice_introduces_bob_and_carol().await;

    // Each is asked privately, with who proposes it and why.
    for (user, other) in [(BOB, CAROL), (CAROL, BOB)] {
        let ask = guild.ask(user);
        let text = content(&ask);
        assert!(
            text.starts_with(&format!(
                "<@{ALICE}> would like to introduce you to <@{other}>:"
            )),
            "{text}"
        );
        assert!(text.contains("both work on sales enablement"), "{text}");
        let labels: Vec<String> = buttons(&ask).into_iter().map(|(l, _)| l).collect();
        assert_eq!(labels, ["Yes, introduce us", "No, thanks"]);
        let (_, yes) = &buttons(&ask)[0];
        assert!(
            yes.starts_with(&format!("{GUILD_ID}|intro:")) && yes.contains("|intro-yes:"),
            "{yes}"
        );
    }
    assert!(
        guild.threads_in(INTROS).is_empty(),
        "not before both say yes"
    );

    let bob_says = guild.press(BOB_, &guild.ask(BOB), "intro-yes").await;
    assert!(
        settled(&bob_says).ends_with(&format!(
            "Thanks! I'll connect you with <@{CAROL}> as soon as they say yes too."
        )),
        "{bob_says:#}"
    );
    guild.catch_up().await;
    assert!(
        guild.threads_in(INTROS).is_empty(),
        "Carol has not answered"
    );

    let carol_says = guild.press(CAROL_, &guild.ask(CAROL), "intro-yes").await;
    assert!(
        settled(&carol_says).contains(&format!(
            "Wonderful: you and <@{BOB}> both said yes. I'm connecting you now"
        )),
        "{carol_says:#}"
    );
    let report = guild.catch_up().await;
    assert_eq!(report.sent, 1, "one conversation: {report:?}");

    // A private thread in the intros channel, both in it, the message there.
    let threads = guild.threads_in(INTROS);
    assert_eq!(threads.len(), 1, "{threads:#?}");
    let (thread, members) = &threads[0];
    assert_eq!(members, &BTreeSet::from([BOB, CAROL]));
    let created = guild
        .app
        .fake
        .calls_to("POST", &format!("/channels/{INTROS}/threads"));
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].body,
        json!({"name": "bob & carol", "type": 12, "invitable": false, "auto_archive_duration": 10080})
    );
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
            "<@{BOB}>, meet <@{CAROL}>! <@{ALICE}> thought you two should know each other:"
        )),
        "{text}"
    );
    assert!(text.contains("both work on sales enablement"), "{text}");
    let posted = guild
        .app
        .fake
        .calls_to("POST", &format!("/channels/{thread_id}/messages"));
    assert_eq!(
        posted[0].body["allowed_mentions"],
        json!({"parse": [], "users": [BOB.to_string(), CAROL.to_string()]}),
        "only the two are pinged"
    );
    assert!(
        guild.dms_containing(BOB, "meet").is_empty()
            && guild.dms_containing(CAROL, "meet").is_empty(),
        "no DMs when a thread was made"
    );

    assert_eq!(
        guild.stored_intro().await,
        ("connected".into(), Some(true), Some(true), None)
    );

    // Favours: Alice gave one to each; each got one from her.
    let mut entries = guild.app.entries().await;
    entries.sort();
    assert_eq!(
        entries,
        [
            "gave: introduced them to bob",
            "gave: introduced them to carol",
            "got: introduced me to bob",
            "got: introduced me to carol",
        ]
    );
    let shown = guild
        .run(ALICE_, "show", &[Opt::Member("member", BOB, "bob")])
        .await;
    assert!(shown.contains("introduced them to carol"), "{shown}");
    let intros = guild.run(ALICE_, "kith-community intros", &[]).await;
    assert!(intros.contains("connected"), "{intros}");

    // Fourteen days on, Alice is asked whether they connected; not before.
    guild.app.clock.advance(Duration::days(13));
    guild.catch_up().await;
    assert!(guild.dms_containing(ALICE, "connect?").is_empty());
    guild.app.clock.advance(Duration::days(1));
    guild.catch_up().await;
    let followup = guild.dm(ALICE, "connect?");
    assert!(
        content(&followup).starts_with(&format!("Did <@{BOB}> and <@{CAROL}> connect?")),
        "{followup:#}"
    );
    let labels: Vec<String> = buttons(&followup).into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["They did", "Not yet"]);
    let answer = guild.press(ALICE_, &followup, "intro-met").await;
    assert!(settled(&answer).contains("Lovely, thanks for letting me know"));
    let intros = guild.run(ALICE_, "kith-community intros", &[]).await;
    assert!(intros.contains("they met"), "{intros}");
    assert_eq!(guild.stored_intro().await.3, Some(true));
}

#[tokio::test]
async fn an_intro_both_accept_without_an_intros_channel_is_made_by_dm() {
    let guild = Guild::new().await;
    guild.alice_introduces_bob_and_carol().await;
    guild.press(BOB_, &guild.ask(BOB), "intro-yes").await;
    guild.press(CAROL_, &guild.ask(CAROL), "intro-yes").await;
    guild.catch_up().await;

    assert!(guild.app.fake.threads().is_empty());
    assert!(guild.app.fake.calls_to("POST", "/threads").is_empty());
    for (user, other) in [(BOB, CAROL), (CAROL, BOB)] {
        let dm = guild.dm(user, "both said yes");
        let text = content(&dm);
        assert!(
            text.starts_with(&format!(
                "You and <@{other}> both said yes, so meet <@{other}>! <@{ALICE}> thought you two"
            )),
            "{text}"
        );
        assert!(text.contains("both work on sales enablement"), "{text}");
        assert!(buttons(&dm).is_empty());
    }
    assert_eq!(guild.app.entries().await.len(), 4, "favours credited");
    assert!(
        guild.dms_containing(ALICE, "").is_empty(),
        "nothing for Alice yet"
    );
}

#[tokio::test]
async fn a_declined_intro_is_told_to_the_introducer_kindly_and_nobody_is_connected() {
    let guild = Guild::new().await;
    guild
        .run(
            DANA_,
            "kith-admin intros",
            &[Opt::Channel("channel", INTROS, "introductions")],
        )
        .await;
    guild.alice_introduces_bob_and_carol().await;
    guild.press(BOB_, &guild.ask(BOB), "intro-yes").await;
    let carol_says = guild.press(CAROL_, &guild.ask(CAROL), "intro-no").await;
    assert!(
        settled(&carol_says).contains(&format!(
            "No problem, I won't connect you. <@{ALICE}> will only hear that it isn't going ahead, not who said no."
        )),
        "{carol_says:#}"
    );
    guild.catch_up().await;

    let told = guild.dm(ALICE, "won't go ahead");
    let text = content(&told);
    assert!(
        text.starts_with(&format!(
            "Your introduction of <@{BOB}> and <@{CAROL}> won't go ahead this time."
        )),
        "{text}"
    );
    for telling in ["declined", "said no", "Carol", "carol"] {
        assert!(!text.contains(telling), "says who: {text}");
    }
    assert!(buttons(&told).is_empty());
    assert!(guild.app.fake.threads().is_empty(), "no thread");
    for user in [BOB, CAROL] {
        assert_eq!(
            guild.app.fake.dms_to(user).len(),
            1,
            "only the ask: {:#?}",
            guild.app.fake.dms_to(user)
        );
    }
    assert!(guild.app.entries().await.is_empty(), "no favours");
    assert_eq!(
        guild.stored_intro().await,
        ("declined".into(), Some(true), Some(false), None)
    );
    let intros = guild.run(ALICE_, "kith-community intros", &[]).await;
    assert!(intros.contains("not going ahead"), "{intros}");
}

#[tokio::test]
async fn an_intro_not_answered_in_seven_days_lapses_and_a_late_yes_is_told_so() {
    let guild = Guild::new().await;
    guild.alice_introduces_bob_and_carol().await;
    guild.press(BOB_, &guild.ask(BOB), "intro-yes").await;

    guild.app.clock.advance(Duration::days(6));
    guild.catch_up().await;
    assert!(guild.dms_containing(ALICE, "lapsed").is_empty(), "not yet");

    guild.app.clock.advance(Duration::days(1));
    guild.catch_up().await;
    let told = guild.dm(ALICE, "lapsed");
    assert!(
        content(&told).starts_with(&format!(
            "Your introduction of <@{BOB}> and <@{CAROL}> lapsed"
        )),
        "{told:#}"
    );

    let late = guild.press(CAROL_, &guild.ask(CAROL), "intro-yes").await;
    let text = settled(&late);
    assert!(text.contains("lapsed"), "{text}");
    guild.catch_up().await;
    assert!(guild.app.fake.threads().is_empty());
    assert!(guild.dms_containing(BOB, "both said yes").is_empty());
    assert!(guild.dms_containing(CAROL, "both said yes").is_empty());
    assert!(guild.app.entries().await.is_empty());
    assert_eq!(
        guild.stored_intro().await,
        ("lapsed".into(), Some(true), None, None),
        "the late yes is not recorded"
    );
}

#[tokio::test]
async fn a_shared_link_is_posted_to_the_resources_channel_found_and_not_stored_twice() {
    let guild = Guild::new().await;
    let answer = guild
        .run(
            DANA_,
            "kith-admin resources",
            &[Opt::Channel("channel", LIBRARY, "library")],
        )
        .await;
    assert!(
        answer.contains(&format!("Shared links will be posted in <#{LIBRARY}>")),
        "{answer}"
    );
    let answer = guild
        .run(
            ALICE_,
            "kith-community share",
            &[
                Opt::Str("url", "https://example.com/the-mom-test"),
                Opt::Str("why", "great on customer interviews"),
                Opt::Str("tags", "sales research"),
            ],
        )
        .await;
    assert!(
        answer.contains(&format!(
            "Shared The mom test · example.com in <#{LIBRARY}>, and added it to the library."
        )),
        "{answer}"
    );
    guild.catch_up().await;
    let posts = guild
        .app
        .fake
        .calls_to("POST", &format!("/channels/{LIBRARY}/messages"));
    assert_eq!(posts.len(), 1);
    let text = posts[0].body["content"].as_str().expect("content");
    assert!(
        text.starts_with(&format!("<@{ALICE}> shared The mom test · example.com")),
        "{text}"
    );
    for part in [
        "https://example.com/the-mom-test",
        "great on customer interviews",
        "#sales #research",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert_eq!(posts[0].body["allowed_mentions"], json!({"parse": []}));

    // Found by words and by tag.
    for search in ["customer interviews", "#research"] {
        let found = guild
            .run(
                BOB_,
                "kith-community resources",
                &[Opt::Str("search", search)],
            )
            .await;
        assert!(found.contains("The mom test"), "{search}: {found}");
    }
    let nothing = guild
        .run(
            BOB_,
            "kith-community resources",
            &[Opt::Str("search", "pricing")],
        )
        .await;
    assert!(!nothing.contains("The mom test"), "{nothing}");

    // The same page again (tracking, slash and www aside) is pointed out.
    let again = guild
        .run(
            CAROL_,
            "kith-community share",
            &[Opt::Str(
                "url",
                "https://www.example.com/the-mom-test/?utm_source=newsletter",
            )],
        )
        .await;
    assert!(again.starts_with("⚠️"), "{again}");
    assert!(
        again.contains(&format!("already in the library, shared by <@{ALICE}>")),
        "{again}"
    );
    guild.catch_up().await;
    assert_eq!(
        guild
            .app
            .fake
            .calls_to("POST", &format!("/channels/{LIBRARY}/messages"))
            .len(),
        1,
        "nothing posted twice"
    );
    let latest = guild.run(BOB_, "kith-community resources", &[]).await;
    assert_eq!(latest.matches("The mom test").count(), 1, "{latest}");
    let stored: Vec<(String, Option<String>, String)> =
        sqlx::query_as("SELECT url, why, tags FROM resources")
            .fetch_all(guild.app.store.pool())
            .await
            .expect("resources");
    assert_eq!(
        stored,
        [(
            "https://example.com/the-mom-test".to_string(),
            Some("great on customer interviews".to_string()),
            "sales research".to_string()
        )],
        "stored once"
    );

    // Shared privately with one member instead: a DM to them, a check-in.
    let answer = guild
        .run(
            ALICE_,
            "kith-community share",
            &[
                Opt::Str("url", "https://example.com/pricing-guide"),
                Opt::Member("with", BOB, "bob"),
                Opt::Str("why", "the guide I mentioned"),
            ],
        )
        .await;
    assert!(
        answer.contains(&format!("to <@{BOB}> privately")),
        "{answer}"
    );
    guild.catch_up().await;
    let dm = guild.dm(BOB, "shared a link with you");
    assert!(
        content(&dm).starts_with(&format!(
            "<@{ALICE}> shared a link with you: Pricing guide · example.com"
        )),
        "{dm:#}"
    );
    assert_eq!(
        guild
            .app
            .fake
            .calls_to("POST", &format!("/channels/{LIBRARY}/messages"))
            .len(),
        1,
        "not posted to the channel"
    );
    assert_eq!(
        guild.app.entries().await,
        ["touch: shared Pricing guide · example.com"]
    );
}

/// Everyone in `who` joins coffee pairing, and Dana runs it in #coffee
/// every two weeks.
async fn coffee_for(guild: &Guild, who: &[(u64, &'static str)]) {
    for (id, name) in who {
        let answer = guild
            .run(member(*id, name), "kith-community pairing join", &[])
            .await;
        assert!(answer.contains("You're in coffee pairing!"), "{answer}");
    }
    let answer = guild
        .run(
            DANA_,
            "kith-admin pairing",
            &[
                Opt::Channel("channel", COFFEE, "coffee"),
                Opt::Str("every", "2w"),
            ],
        )
        .await;
    assert!(
        answer.contains(&format!("Coffee pairing every 14 days in <#{COFFEE}>")),
        "{answer}"
    );
}

/// The groups of the threads started in #coffee after the first `skip`.
fn groups(guild: &Guild, skip: usize) -> Vec<BTreeSet<u64>> {
    guild
        .threads_in(COFFEE)
        .into_iter()
        .skip(skip)
        .map(|(_, members)| members)
        .collect()
}

fn sorted(groups: Vec<BTreeSet<u64>>) -> BTreeSet<BTreeSet<u64>> {
    groups.into_iter().collect()
}

fn pairs(groups: &[BTreeSet<u64>]) -> BTreeSet<(u64, u64)> {
    let mut pairs = BTreeSet::new();
    for group in groups {
        for a in group {
            for b in group.iter().filter(|b| a < *b) {
                pairs.insert((*a, *b));
            }
        }
    }
    pairs
}

/// Who is with `member` in their group (of two).
fn partner(groups: &[BTreeSet<u64>], member: u64) -> u64 {
    let group = groups
        .iter()
        .find(|g| g.contains(&member))
        .expect("in a group");
    *group.iter().find(|m| **m != member).expect("a partner")
}

/// The groups cover everyone in `who` exactly once.
fn covers(groups: &[BTreeSet<u64>], who: &[(u64, &str)]) {
    let mut everyone: Vec<u64> = groups.iter().flatten().copied().collect();
    everyone.sort_unstable();
    let mut expected: Vec<u64> = who.iter().map(|(id, _)| *id).collect();
    expected.sort_unstable();
    assert_eq!(everyone, expected, "{groups:?}");
}

#[tokio::test]
async fn two_pairing_rounds_over_six_members_repeat_no_pair() {
    let guild = Guild::new().await;
    coffee_for(&guild, &DRINKERS).await;
    guild.catch_up().await;
    assert!(
        guild.app.fake.threads().is_empty(),
        "the first round is a day away"
    );

    // Round 1, a day later: three pairs, a private thread each in #coffee.
    guild.app.clock.advance(Duration::days(1));
    guild.catch_up().await;
    let first = groups(&guild, 0);
    assert_eq!(first.len(), 3, "{first:?}");
    assert!(first.iter().all(|g| g.len() == 2), "{first:?}");
    covers(&first, &DRINKERS);
    assert_eq!(
        guild.stored_round(1).await,
        first,
        "a thread per stored pair"
    );
    let announced = guild.app.fake.messages_in(COFFEE);
    assert_eq!(announced.len(), 1);
    assert!(
        content(&announced[0]).contains("Coffee pairing, round 1: 3 groups this time"),
        "{announced:#?}"
    );
    for (thread, members) in guild.threads_in(COFFEE) {
        assert_eq!(thread["type"], 12);
        assert!(
            thread["name"]
                .as_str()
                .expect("name")
                .starts_with("Coffee: "),
            "{thread:#}"
        );
        let id: u64 = thread["id"].as_str().expect("id").parse().expect("id");
        let said = guild.app.fake.messages_in(id);
        assert_eq!(said.len(), 1);
        let text = content(&said[0]);
        assert!(
            text.contains("you're paired for coffee this round"),
            "{text}"
        );
        for member in members {
            assert!(text.contains(&format!("<@{member}>")), "{text}");
        }
    }

    // Halfway to the next round each is asked whether they met; one says yes
    // for their pair, which logs a check-in for both.
    guild.app.clock.advance(Duration::days(7));
    guild.catch_up().await;
    let (erin, _) = DRINKERS[0];
    let asked = guild.dm(erin, "meet for coffee?");
    let labels: Vec<String> = buttons(&asked).into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["We met", "Not this time"]);
    let answer = guild.press(member(erin, "erin"), &asked, "pair-met").await;
    assert!(
        settled(&answer).ends_with(&format!(
            "Lovely! I've logged a check-in with <@{}> for you, and with you for them.",
            partner(&first, erin)
        )),
        "{answer:#}"
    );
    assert_eq!(
        guild.app.entries().await,
        [
            "touch: coffee pairing, round 1",
            "touch: coffee pairing, round 1"
        ]
    );

    // Round 2, two weeks after the first: new partners for everyone.
    guild.app.clock.advance(Duration::days(7));
    guild.catch_up().await;
    let second = groups(&guild, 3);
    assert_eq!(second.len(), 3, "{second:?}");
    covers(&second, &DRINKERS);
    assert_eq!(sorted(guild.stored_round(2).await), sorted(second.clone()));
    let repeated: Vec<_> = pairs(&first)
        .intersection(&pairs(&second))
        .copied()
        .collect();
    assert!(repeated.is_empty(), "paired again: {repeated:?}");
    let announced = guild.app.fake.messages_in(COFFEE);
    assert_eq!(announced.len(), 2);
    assert!(content(&announced[1]).contains("round 2"), "{announced:#?}");
}

#[tokio::test]
async fn an_odd_count_makes_a_trio() {
    let guild = Guild::new().await;
    let five = &DRINKERS[..5];
    coffee_for(&guild, five).await;
    guild.app.clock.advance(Duration::days(1));
    guild.catch_up().await;
    let round = groups(&guild, 0);
    let mut sizes: Vec<usize> = round.iter().map(BTreeSet::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [2, 3], "{round:?}");
    covers(&round, five);
    assert_eq!(sorted(guild.stored_round(1).await), sorted(round.clone()));
    let announced = guild.app.fake.messages_in(COFFEE);
    assert!(
        content(&announced[0]).contains("2 groups this time"),
        "{announced:#?}"
    );
}

#[tokio::test]
async fn a_member_without_manage_server_is_refused_on_admin_and_nothing_changes() {
    let guild = Guild::new().await;
    let refused = guild
        .run(
            ALICE_,
            "kith-admin resources",
            &[Opt::Channel("channel", LIBRARY, "library")],
        )
        .await;
    // (Her first command: the welcome comes first, the refusal after it.)
    assert!(refused.starts_with("⚠️"), "{refused}");
    assert!(
        refused.contains("Only workspace admins can change community settings"),
        "{refused}"
    );
    let refused = guild
        .run(ALICE_, "kith-admin pairing", &[Opt::Bool("off", true)])
        .await;
    assert!(refused.contains("Only workspace admins"), "{refused}");

    // Nothing changed: nothing stored, sharing posts nowhere, and an admin
    // sees it unset.
    assert_eq!(guild.stored_channels().await, (None, None, None));
    let answer = guild
        .run(
            ALICE_,
            "kith-community share",
            &[Opt::Str("url", "https://example.com/pricing-guide")],
        )
        .await;
    assert!(answer.contains("No resources channel is set"), "{answer}");
    guild.catch_up().await;
    assert!(guild.app.fake.calls_to("POST", "/messages").is_empty());
    let administrator = Who {
        permissions: ADMINISTRATOR_PERMISSIONS,
        ..DANA_
    };
    let overview = guild.run(administrator, "kith-admin show", &[]).await;
    assert!(overview.contains("Community settings"), "{overview}");
    assert!(
        overview
            .lines()
            .any(|l| l.starts_with("resources") && l.contains("not set")),
        "{overview}"
    );
}

fn recipient(id: u64, name: &str) -> Recipient {
    Recipient {
        platform: Platform::Discord,
        workspace: GUILD_ID.to_string(),
        external_id: id.to_string(),
        display_name: name.into(),
        tz: chrono_tz::UTC,
    }
}

#[tokio::test]
async fn a_conversation_throttled_or_cut_short_goes_on_in_the_same_thread() {
    let app = App::spawn().await;
    let messenger = app.discord.messenger();
    let members = [recipient(BOB, "bob"), recipient(CAROL, "carol")];
    let message = Reply::text(format!("<@{BOB}>, meet <@{CAROL}>!"));
    let channel = INTROS.to_string();
    // Discord throttles the thread's creation once, then fails adding Carol.
    app.fake.answer_next_with(
        Method::POST,
        "/threads",
        429,
        json!({"message": "You are being rate limited.", "retry_after": 0.3, "global": false}),
        &[("x-ratelimit-scope", "user")],
    );
    app.fake.answer_next(
        Method::PUT,
        &format!("/thread-members/{CAROL}"),
        502,
        json!({"message": "Bad Gateway", "code": 0}),
    );
    let first = messenger
        .converse(
            &GUILD_ID.to_string(),
            &members,
            Some(&channel),
            "bob & carol",
            &message,
            "kith-intro_connect-1",
        )
        .await;
    assert!(
        matches!(first, Err(DeliveryError::Temporary(_))),
        "{first:?}"
    );
    let tries = app.fake.calls_to("POST", "/threads");
    assert_eq!(tries.len(), 2, "throttled, waited, tried again");
    assert_eq!(tries[0].status, 429);
    assert!(
        tries[1].at - tries[0].at >= std::time::Duration::from_millis(300),
        "waited as long as Discord asked"
    );

    // The sender tries again later: same thread, nobody posted twice.
    let again = messenger
        .converse(
            &GUILD_ID.to_string(),
            &members,
            Some(&channel),
            "bob & carol",
            &message,
            "kith-intro_connect-1",
        )
        .await;
    assert!(matches!(again, Ok(true)), "{again:?}");
    let threads = app.fake.threads();
    assert_eq!(threads.len(), 1, "one thread: {threads:#?}");
    let thread = threads[0]["id"].as_str().expect("id");
    assert_eq!(app.fake.thread_members(thread), [BOB, CAROL]);
    let said = app.fake.messages_in(thread.parse().expect("id"));
    assert_eq!(said.len(), 1);
    let posted = app
        .fake
        .calls_to("POST", &format!("/channels/{thread}/messages"));
    assert_eq!(posted[0].body["enforce_nonce"], true);
    assert_eq!(
        posted[0].body["nonce"],
        kith_discord::nonce("kith-intro_connect-1")
    );
}

#[tokio::test]
async fn without_a_channel_no_thread_is_started_and_a_refusal_keeps_the_token_secret() {
    let app = App::spawn().await;
    let messenger = app.discord.messenger();
    let members = [recipient(BOB, "bob"), recipient(CAROL, "carol")];
    let message = Reply::text("hello");
    let none = messenger
        .converse(&GUILD_ID.to_string(), &members, None, "t", &message, "k1")
        .await;
    assert!(
        matches!(none, Ok(false)),
        "the core DMs each instead: {none:?}"
    );
    assert!(app.fake.calls().is_empty());

    app.fake.answer_next(
        Method::POST,
        "/threads",
        403,
        json!({"message": "Missing Permissions", "code": 50013}),
    );
    let refused = messenger
        .converse(
            &GUILD_ID.to_string(),
            &members,
            Some(&INTROS.to_string()),
            "t",
            &message,
            "k2",
        )
        .await;
    let Err(DeliveryError::Permanent(error)) = refused else {
        panic!("a permanent failure: {refused:?}");
    };
    assert!(error.contains("50013"), "{error}");
    assert!(!error.contains("fake-bot-token"), "{error}");
    assert!(app.fake.calls_to("PUT", "/thread-members").is_empty());
    assert!(app.fake.messages().is_empty());
}

#[tokio::test]
async fn a_conversation_resent_by_the_next_process_goes_on_in_the_same_thread_and_shows_once() {
    let app = App::spawn().await;
    let members = [recipient(BOB, "bob"), recipient(CAROL, "carol")];
    let message = Reply::text(format!("<@{BOB}>, meet <@{CAROL}>!"));
    let channel = INTROS.to_string();
    let converse = |messenger: kith_discord::DiscordMessenger| {
        let (members, message, channel) = (members.clone(), message.clone(), channel.clone());
        async move {
            messenger
                .converse(
                    &GUILD_ID.to_string(),
                    &members,
                    Some(&channel),
                    "bob & carol",
                    &message,
                    "kith-pairing_match-9",
                )
                .await
        }
    };
    // One process posts in the thread and dies before settling the row.
    assert!(matches!(converse(app.discord.messenger()).await, Ok(true)));
    // The next process (nothing in its memory) sends the row again.
    let again = converse(app.discord.messenger()).await;
    assert!(matches!(again, Ok(true)), "{again:?}");
    let threads = app.fake.threads();
    assert_eq!(threads.len(), 1, "one thread: {threads:#?}");
    let thread = threads[0]["id"].as_str().expect("id");
    assert_eq!(
        app.fake.messages_in(thread.parse().expect("id")).len(),
        1,
        "Discord dropped the resend by its nonce"
    );
}
