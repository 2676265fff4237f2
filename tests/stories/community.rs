//! Community on the console: double opt-in introductions, the resource
//! library, coffee pairing and the organisers' settings, with the clock
//! moved to fire lapses, follow-ups and rounds.

use std::collections::HashSet;

use crate::helpers::{App, assert_shows};

/// Every member in the story has used Kith once (so names and DMs work).
async fn with_members(names: &[&str]) -> App {
    let mut app = App::spawn().await;
    for name in names {
        app.given(&[&format!(":as {name}"), "settings"]).await;
    }
    app.given(&[":as me"]).await;
    app
}

/// Rows of the community tables, to show a refused command changed nothing.
async fn community_rows(app: &App) -> Vec<String> {
    crate::common::rows(
        &app.sql,
        &[
            (
                "workspaces",
                "id, resources_channel, intros_channel, followup_days, pairing_channel, pairing_every_days, pairing_next_round_at",
            ),
            ("intros", "id, introducer_id, a_id, b_id, why, a_answer, b_answer, state"),
            ("resources", "id, member_id, to_member_id, url, url_key, title, why, tags"),
            ("pairing_members", "member_id, paused_until"),
            ("notices", "id, kind, subject, member_id, state"),
        ],
    )
    .await
}

async fn entries(app: &App, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE kind = $1")
        .bind(kind)
        .fetch_one(&app.sql)
        .await
        .expect("counts")
}

#[tokio::test]
async fn an_introduction_both_accept_connects_them_credits_favours_and_follows_up() {
    let mut app = with_members(&["alice", "bob"]).await;

    let out = app
        .say("intro @alice @bob both work on sales enablement")
        .await;
    assert_shows(
        &out,
        &[
            "I've asked alice and bob privately whether they'd like to be introduced.",
            "the request lapses",
            "── DM to @alice · Sun 22 Nov 2026 10:00 UTC ──\nme would like to introduce you to bob:\n\u{201c}both work on sales enablement\u{201d}",
            "── DM to @bob · Sun 22 Nov 2026 10:00 UTC ──\nme would like to introduce you to alice:",
            "[Yes, introduce us]  [No, thanks]   (:press 1 yes|no)",
        ],
    );
    assert_shows(
        &app.say("intros").await,
        &["alice & bob", "waiting for both"],
    );

    app.given(&[":as alice"]).await;
    let out = app.say(":press 1 yes").await;
    assert_shows(
        &out,
        &["Thanks! I'll connect you with bob as soon as they say yes too."],
    );
    assert!(!out.contains("group DM"), "{out}");
    assert_shows(
        &app.say(":press 1 yes").await,
        &["! Item 1 was already pressed"],
    );

    app.given(&[":as me"]).await;
    assert_shows(&app.say("intros").await, &["waiting for bob"]);

    app.given(&[":as bob"]).await;
    let out = app.say(":press 1 yes").await;
    assert_shows(
        &out,
        &[
            "Wonderful: you and alice both said yes.",
            "── group DM with @alice, @bob · Sun 22 Nov 2026 10:00 UTC ──\nalice, meet bob! me thought you two should know each other:\n\u{201c}both work on sales enablement\u{201d}",
        ],
    );
    // Favours: two given by the introducer, one received by each of them.
    assert_eq!(entries(&app, "gave").await, 2);
    assert_eq!(entries(&app, "got").await, 2);
    assert_shows(
        &app.say("show @me").await,
        &["Favours: you gave 0, received 1", "introduced me to alice"],
    );
    app.given(&[":as me"]).await;
    assert_shows(
        &app.say("show @alice").await,
        &[
            "Favours: you gave 1, received 0 (balance +1)",
            "introduced them to bob",
        ],
    );
    assert_shows(&app.say("intros").await, &["connected Sun 22 Nov"]);

    // The follow-up comes 14 days later, not before.
    let out = app.say(":tick 13d").await;
    assert!(!out.contains("Did alice and bob connect?"), "{out}");
    let out = app.say(":tick 1d").await;
    assert_shows(
        &out,
        &[
            "── DM to @me · Sun 6 Dec 2026 10:00 UTC ──\nDid alice and bob connect? You introduced them on Sun 22 Nov.",
            "[They did]  [Not yet]",
        ],
    );
    assert_shows(
        &app.say(":press 1 met").await,
        &["Lovely, thanks for letting me know."],
    );
    assert_shows(
        &app.say("intros").await,
        &["connected Sun 22 Nov; they met"],
    );
}

#[tokio::test]
async fn a_declined_introduction_is_told_kindly_and_connects_nobody() {
    let mut app = with_members(&["alice", "bob"]).await;
    app.given(&["intro @alice @bob you both love climbing"])
        .await;
    app.given(&[":as alice", ":press 1 yes", ":as bob"]).await;

    let out = app.say(":press 1 no").await;
    assert_shows(
        &out,
        &[
            "No problem, I won't connect you. me will only hear that it isn't going ahead, not who said no.",
            "── DM to @me · Sun 22 Nov 2026 10:00 UTC ──\nYour introduction of alice and bob won't go ahead this time.",
        ],
    );
    // The introducer's message does not say who declined.
    let told = out
        .split("── DM to @me")
        .nth(1)
        .expect("the introducer was told");
    assert!(
        !told.contains("declined") && !told.contains("said no"),
        "{told}"
    );
    assert!(!out.contains("group DM"), "{out}");
    assert_eq!(entries(&app, "gave").await + entries(&app, "got").await, 0);

    app.given(&[":as me"]).await;
    assert_shows(&app.say("intros").await, &["not going ahead"]);
    // Nothing more arrives later: no follow-up, no lapse.
    let out = app.say(":tick 20d").await;
    assert!(!out.contains("alice and bob"), "{out}");
}

#[tokio::test]
async fn an_unanswered_introduction_lapses_after_seven_days() {
    let mut app = with_members(&["alice", "bob"]).await;
    app.given(&["intro @alice @bob same city, same startup stage"])
        .await;
    app.given(&[":as alice", ":press 1 yes", ":as me"]).await;

    let out = app.say(":tick 6d").await;
    assert!(!out.contains("lapsed"), "{out}");
    let out = app.say(":tick 1d").await;
    assert_shows(
        &out,
        &[
            "── DM to @me · Sun 29 Nov 2026 10:00 UTC ──\nYour introduction of alice and bob lapsed: it wasn't answered by both within 7 days",
        ],
    );
    assert_shows(&app.say("intros").await, &["lapsed"]);

    app.given(&[":as bob"]).await;
    let out = app.say(":press 1 yes").await;
    assert_shows(&out, &["lapsed", "nothing was shared"]);
    assert!(!out.contains("group DM"), "{out}");
    assert_eq!(entries(&app, "gave").await, 0);
}

#[tokio::test]
async fn introductions_are_refused_with_reasons_and_change_nothing() {
    let mut app = with_members(&["alice", "bob"]).await;
    app.given(&["intro @alice @bob a good reason"]).await;
    let before = community_rows(&app).await;
    let ledger = app.ledger().await;
    for (line, says) in [
        ("intro @alice", "Introduce them to whom?"),
        ("intro @alice @alice why", "Those are the same person"),
        (
            "intro @alice \"Jane Doe\" why",
            "is an outside name, and this needs a member",
        ),
        ("intro @alice @bob", "Why should they meet?"),
        ("intro @me @bob why", "That's you!"),
        (
            "intro @bob @alice again",
            "were already asked on Sun 22 Nov",
        ),
        ("share example.com", "is not a link I can share"),
        ("share https://localhost/x", "not a public web address"),
        (
            "share https://example.com/x with \"Jane\"",
            "is an outside name, and this needs a member",
        ),
        ("share https://example.com/x with @me", "That's you!"),
        ("pairing dance", "Pairing can join, leave or pause"),
        ("pairing pause 2w", "You're not in coffee pairing"),
        ("pairing pause soon", "not a length of time"),
        ("admin resources", "Which channel"),
        ("admin resources general", "is not a channel"),
        ("admin pairing #coffee every never", "not a length of time"),
        (
            "admin colour blue",
            "admin can set resources, intros, followup or pairing",
        ),
    ] {
        let out = app.say(line).await;
        assert!(out.starts_with("! "), "{line}: {out}");
        assert!(out.contains(says), "{line}: expected {says:?} in {out}");
    }
    assert_eq!(community_rows(&app).await, before);
    assert_eq!(app.ledger().await, ledger);
}

#[tokio::test]
async fn a_shared_link_is_posted_stored_and_found_and_a_duplicate_is_refused() {
    let mut app = with_members(&["alice"]).await;
    // Without a channel the link is kept, and the member is told why it was not posted.
    app.given(&[":as alice"]).await;
    let out = app
        .say("share https://example.com/hiring-playbook how we hire #hiring")
        .await;
    assert_shows(
        &out,
        &["Added Hiring playbook · example.com to the library. No resources channel is set"],
    );
    assert!(!out.contains("── #"), "{out}");

    app.given(&[":as me", "admin resources #resources"]).await;
    let out = app
        .say("share https://www.example.com/blog/the-mom-test?utm_source=news great on customer interviews #sales #research")
        .await;
    assert_shows(
        &out,
        &[
            "Shared The mom test · example.com in #resources, and added it to the library.",
            "── #resources · Sun 22 Nov 2026 10:00 UTC ──\nme shared The mom test · example.com\nhttps://www.example.com/blog/the-mom-test?utm_source=news\n\u{201c}great on customer interviews\u{201d}\n#sales #research",
        ],
    );
    assert_eq!(app.count("resources").await, 2);

    // Found by words in the reason (a prefix of "interviews"), by title and by tag.
    assert_shows(
        &app.say("resources interview").await,
        &["The mom test", "shared by me on Sun 22 Nov"],
    );
    assert_shows(&app.say("resources mom test").await, &["The mom test"]);
    let tagged = app.say("resources #hiring").await;
    assert_shows(&tagged, &["Links tagged #hiring:", "Hiring playbook"]);
    assert!(!tagged.contains("mom test"), "{tagged}");
    assert_shows(
        &app.say("resources knitting").await,
        &["Nothing in the library matches \u{201c}knitting\u{201d}."],
    );
    assert_shows(
        &app.say("resources").await,
        &["The latest links", "The mom test", "Hiring playbook"],
    );

    // The same page, with other tracking and a trailing slash: pointed out, not stored.
    app.given(&[":as alice"]).await;
    let before = community_rows(&app).await;
    let out = app
        .say("share http://example.com/blog/the-mom-test/?utm_campaign=x #sales")
        .await;
    assert_shows(
        &out,
        &[
            "! That link is already in the library, shared by me on Sun 22 Nov: \u{201c}great on customer interviews\u{201d}",
        ],
    );
    assert!(!out.contains("── #resources"), "{out}");
    assert_eq!(community_rows(&app).await, before);
}

#[tokio::test]
async fn a_link_shared_with_one_member_is_sent_privately_and_counts_as_a_check_in() {
    let mut app = with_members(&["alice"]).await;
    app.given(&["admin resources #resources"]).await;
    let out = app
        .say("share https://example.com/pricing-guide with @alice the guide I mentioned")
        .await;
    assert_shows(
        &out,
        &[
            "Sent Pricing guide · example.com to alice privately, and logged it as a check-in with them.",
            "── DM to @alice · Sun 22 Nov 2026 10:00 UTC ──\nme shared a link with you: Pricing guide · example.com\nhttps://example.com/pricing-guide\n\u{201c}the guide I mentioned\u{201d}",
        ],
    );
    assert!(!out.contains("── #resources"), "{out}");
    assert_shows(
        &app.say("show @alice").await,
        &["Last contact: today", "shared Pricing guide"],
    );
    // Private links are not in the library.
    assert_shows(
        &app.say("resources pricing").await,
        &["Nothing in the library matches"],
    );
}

/// The groups of each pairing round, as sets of member names.
async fn rounds(app: &App) -> Vec<Vec<Vec<String>>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT r.number, p.id, m.external_id FROM pairing_rounds r
         JOIN pairs p ON p.round_id = r.id JOIN pair_members pm ON pm.pair_id = p.id
         JOIN members m ON m.id = pm.member_id ORDER BY r.number, p.id, m.external_id",
    )
    .fetch_all(&app.sql)
    .await
    .expect("reads rounds");
    let mut out: Vec<Vec<Vec<String>>> = Vec::new();
    let mut last = (0, 0);
    for (round, pair, member) in rows {
        if round != last.0 {
            out.push(Vec::new());
        }
        let groups = out.last_mut().expect("a round");
        if (round, pair) != last {
            groups.push(Vec::new());
        }
        groups.last_mut().expect("a group").push(member);
        last = (round, pair);
    }
    out
}

fn pairs_of(groups: &[Vec<String>]) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for g in groups {
        for (i, a) in g.iter().enumerate() {
            for b in &g[i + 1..] {
                out.insert((a.clone(), b.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn two_pairing_rounds_over_six_repeat_no_pair_and_an_odd_count_makes_a_trio() {
    let six = ["alice", "bob", "carol", "dave", "erin", "frank"];
    let mut app = with_members(&six).await;
    let out = app.say("admin pairing #coffee every 2w").await;
    assert_shows(
        &out,
        &["Coffee pairing every 14 days in #coffee. The next round is on Mon 23 Nov"],
    );
    for name in six {
        app.given(&[&format!(":as {name}"), "pairing join"]).await;
    }

    let out = app.say(":tick 1d").await;
    assert_shows(
        &out,
        &[
            "── #coffee · Mon 23 Nov 2026 10:00 UTC ──\n\u{2615} Coffee pairing, round 1: 3 groups this time",
            "you're paired for coffee this round!",
            "A conversation starter:",
        ],
    );
    assert_eq!(out.matches("── thread \"Coffee: ").count(), 3, "{out}");

    // Halfway to the next round, each is asked whether they met.
    let out = app.say(":tick 7d").await;
    assert_eq!(out.matches("meet for coffee?").count(), 6, "{out}");
    let first = rounds(&app).await;
    let erin_with = first[0]
        .iter()
        .find(|g| g.contains(&"erin".to_string()))
        .expect("erin is paired")
        .iter()
        .find(|m| *m != "erin")
        .expect("a partner")
        .clone();
    app.given(&[":as erin"]).await;
    let out = app.say(":press 1 met").await;
    assert_shows(&out, &["Lovely! I've logged a check-in with"]);
    assert_shows(
        &app.say(&format!("show @{erin_with}")).await,
        &["coffee pairing, round 1"],
    );
    app.given(&[&format!(":as {erin_with}")]).await;
    assert_shows(&app.say(":press 1 met").await, &["Already logged"]);
    assert_shows(&app.say("show @erin").await, &["coffee pairing, round 1"]);

    let out = app.say(":tick 7d").await;
    assert_shows(&out, &["Coffee pairing, round 2: 3 groups"]);
    let both = rounds(&app).await;
    assert_eq!(both.len(), 2);
    for round in &both {
        assert_eq!(round.len(), 3, "{round:?}");
        assert!(round.iter().all(|g| g.len() == 2), "{round:?}");
        let everyone: HashSet<&String> = round.iter().flatten().collect();
        assert_eq!(everyone.len(), 6, "{round:?}");
    }
    assert!(
        pairs_of(&both[0]).is_disjoint(&pairs_of(&both[1])),
        "a pair repeated: {both:?}"
    );

    // A seventh member: the next round has a trio.
    app.given(&[":as grace", "pairing join"]).await;
    let out = app.say(":tick 14d").await;
    assert_shows(&out, &["Coffee pairing, round 3: 3 groups"]);
    let third = &rounds(&app).await[2];
    let mut sizes: Vec<usize> = third.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![2, 2, 3], "{third:?}");
}

#[tokio::test]
async fn paused_and_departed_members_are_left_out_of_a_round() {
    let mut app = with_members(&["alice", "bob", "carol"]).await;
    app.given(&["admin pairing #coffee every 1w", "pairing join"])
        .await;
    app.given(&[
        ":as alice",
        "pairing join",
        ":as bob",
        "pairing join",
        "pairing leave",
    ])
    .await;
    app.given(&[":as carol", "pairing join"]).await;
    let out = app.say("pairing pause 2w").await;
    assert_shows(&out, &["Paused coffee pairing until Sun 6 Dec"]);
    assert_shows(&app.say("pairing").await, &["paused until Sun 6 Dec"]);

    let out = app.say(":tick 1d").await;
    let header = out
        .lines()
        .find(|l| l.starts_with("── thread \"Coffee: "))
        .expect("a pair was made");
    assert!(header.contains("@me") && header.contains("@alice"), "{out}");
    assert!(!out.contains("@bob") && !out.contains("@carol"), "{out}");
}

#[tokio::test]
async fn only_admins_change_community_settings() {
    let mut app = with_members(&["dave"]).await;
    let before = community_rows(&app).await;
    app.given(&[":as dave"]).await;
    for line in [
        "admin",
        "admin resources #links",
        "admin pairing #coffee every 1w",
    ] {
        let out = app.say(line).await;
        assert_shows(
            &out,
            &[
                "! Only workspace admins can change community settings",
                "Nothing was changed",
            ],
        );
    }
    assert_eq!(community_rows(&app).await, before);

    // The console's configured admins may.
    app.given(&[":as olivia"]).await;
    assert_shows(
        &app.say("admin intros #intros").await,
        &["Introductions will be made in #intros."],
    );
    assert_shows(
        &app.say("admin followup 10d").await,
        &["Introducers will be asked how it went 10 days after"],
    );
    let out = app.say("admin").await;
    assert_shows(&out, &["intros", "#intros", "10 days", "not set"]);
}

/// A platform that records the DMs it is asked to send, and refuses every
/// conversation and channel post for good (no permission there).
#[derive(Clone, Default)]
struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Recorder {
    fn dms(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait::async_trait]
impl kith_bot::ports::Messenger for Recorder {
    async fn send_dm(
        &self,
        to: &kith_bot::ports::Recipient,
        _message: &kith_bot::reply::Reply,
        _key: &str,
    ) -> Result<(), kith_bot::ports::DeliveryError> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(to.external_id.clone());
        Ok(())
    }

    async fn post(
        &self,
        _workspace: &str,
        _channel: &str,
        _message: &kith_bot::reply::Reply,
    ) -> Result<(), kith_bot::ports::DeliveryError> {
        Err(kith_bot::ports::DeliveryError::Permanent(
            "missing permissions".into(),
        ))
    }

    async fn converse(
        &self,
        _workspace: &str,
        _members: &[kith_bot::ports::Recipient],
        _channel: Option<&str>,
        _title: &str,
        _message: &kith_bot::reply::Reply,
        _key: &str,
    ) -> Result<bool, kith_bot::ports::DeliveryError> {
        Err(kith_bot::ports::DeliveryError::Permanent(
            "missing permissions".into(),
        ))
    }
}

fn recorded_delivery(app: &App, recorder: &Recorder) -> kith_bot::delivery::Delivery {
    use std::sync::Arc;
    kith_bot::delivery::Delivery::new(
        Arc::new(app.store.clone()),
        Arc::new(app.store.clone()),
        kith_bot::delivery::Messengers::new().with(
            kith_bot::domain::Platform::Console,
            Arc::new(recorder.clone()),
        ),
        app.kith.clock().clone(),
        "recorded",
    )
}

#[tokio::test]
async fn a_conversation_the_platform_refuses_becomes_one_dm_each_and_a_refused_post_gives_up() {
    let app = with_members(&["alice", "bob"]).await;
    let recorder = Recorder::default();
    let delivery = recorded_delivery(&app, &recorder);
    let actor =
        |who: &str| kith_bot::Actor::new(kith_bot::domain::Platform::Console, "console", who, who);
    app.kith
        .handle(&actor("me").with_admin(true), "admin resources #resources")
        .await;
    app.kith
        .handle(&actor("me"), "intro @alice @bob why not")
        .await;
    app.kith
        .handle(&actor("me"), "share https://example.com/a-read worth it")
        .await;
    delivery.catch_up().await.expect("delivers");
    let id: i64 = sqlx::query_scalar("SELECT id FROM intros")
        .fetch_one(&app.sql)
        .await
        .expect("an intro");
    for who in ["alice", "bob"] {
        let pressed = app
            .kith
            .press(&actor(who), &format!("intro-yes:{id}"))
            .await;
        assert!(!pressed.outcome.is_error, "{pressed:?}");
    }
    delivery.catch_up().await.expect("delivers");
    let mut dms = recorder.dms();
    dms.sort();
    // Two asks, then one connection DM each instead of the refused group.
    assert_eq!(dms, ["alice", "alice", "bob", "bob"]);
    let states: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, state FROM notices WHERE kind IN ('resource_post', 'intro_connect', 'intro_connect_dm') ORDER BY kind, id")
            .fetch_all(&app.sql)
            .await
            .expect("notices");
    assert_eq!(
        states,
        [
            ("intro_connect".to_string(), "sent".to_string()),
            ("intro_connect_dm".to_string(), "sent".to_string()),
            ("intro_connect_dm".to_string(), "sent".to_string()),
            ("resource_post".to_string(), "failed".to_string()),
        ]
    );
    // A channel refusing a post pauses nobody's DMs.
    let paused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE NOT dms")
        .fetch_one(&app.sql)
        .await
        .expect("counts");
    assert_eq!(paused, 0);
}

#[tokio::test]
async fn a_running_delivery_loop_sends_at_once_after_a_command() {
    use kith_bot::delivery::{Delivery, Messengers};
    use std::sync::Arc;

    let app = with_members(&["alice", "bob"]).await;
    let recorder = Recorder::default();
    let delivery = Delivery::new(
        Arc::new(app.store.clone()),
        Arc::new(app.store.clone()),
        Messengers::new().with(
            kith_bot::domain::Platform::Console,
            Arc::new(recorder.clone()),
        ),
        app.kith.clock().clone(),
        "nudged",
    )
    .with_nudge(app.kith.nudge());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // Its timer would not fire for an hour: only the nudge can send the asks.
    let running = tokio::spawn(async move {
        delivery
            .run(std::time::Duration::from_secs(3600), async {
                let _ = stopped.await;
            })
            .await;
    });
    let me = kith_bot::Actor::new(kith_bot::domain::Platform::Console, "console", "me", "me");
    app.kith.handle(&me, "intro @alice @bob why not").await;
    let mut sent = Vec::new();
    for _ in 0..200 {
        sent = recorder.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if sent.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sent.sort();
    assert_eq!(sent, vec!["alice".to_string(), "bob".to_string()]);
    let _ = stop.send(());
    running.await.expect("the loop stops");
}
