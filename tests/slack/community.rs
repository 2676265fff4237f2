//! Community features on Slack, end to end: double opt-in introductions
//! (asks with buttons, a group DM when both say yes, favours, the
//! follow-up), the shared library posted to its channel, coffee pairing in
//! group DMs, and `admin` only for workspace admins and owners. Commands
//! and presses are signed requests to Kith's HTTP routes; deliveries go out
//! on `Delivery::catch_up()` under the injected clock.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;
use kith_bot::community::Community;
use kith_bot::delivery::Delivery;
use kith_bot::domain::Platform;
use kith_bot::ports::{CommunityStore, DeliveryError, Messenger, Store};
use kith_bot::reply::Reply;

use crate::fake_slack::{Posted, mpim_id};
use crate::helpers::{FORM, TEAM, TestApp, press_form, text_of};

/// Kith on a fresh fake Slack, with the delivery loop the binary runs
/// (stepped by the test).
pub(crate) async fn spawn() -> (TestApp, Delivery) {
    let app = TestApp::spawn().await;
    let delivery = kith::slack_delivery(&app.store, &app.slack, Arc::new(app.clock.clone()));
    (app, delivery)
}

/// A `/kith` command's answer text, asserting a 200.
pub(crate) async fn kith(app: &TestApp, user: &str, text: &str) -> String {
    text_of(&app.slash_ok(TEAM, user, "/kith", text).await)
}

/// The DMs Kith sent `user`, oldest first.
pub(crate) fn dms(app: &TestApp, user: &str) -> Vec<Posted> {
    app.fake.posted_in(&format!("D{user}"))
}

/// The one DM to `user` with a button `verb:…`, and that button's action.
pub(crate) fn asked(app: &TestApp, user: &str, verb: &str) -> (Posted, String) {
    let mut found: Vec<(Posted, String)> = dms(app, user)
        .into_iter()
        .filter_map(|m| {
            let action = m
                .buttons()
                .into_iter()
                .find(|b| b.starts_with(&format!("{verb}:")))?;
            Some((m, action))
        })
        .collect();
    assert_eq!(found.len(), 1, "one message with {verb} to {user}");
    found.remove(0)
}

/// `user` presses `action` on `message`; Kith answers Slack with 200.
pub(crate) async fn press(app: &TestApp, user: &str, message: &Posted, action: &str) {
    let body = press_form(
        &app.fake,
        user,
        &message.params,
        &message.channel,
        &message.ts,
        action,
    );
    let response = app.post_signed("/slack/actions", FORM, &body).await;
    assert_eq!(response.status(), 200);
}

/// The text the last chat.update of the message at `ts` put in place of
/// its buttons (and no buttons are left to press).
pub(crate) fn settled_text(app: &TestApp, ts: &str) -> String {
    let update = app
        .fake
        .calls_to("chat.update")
        .into_iter()
        .rev()
        .find(|c| c.params["ts"] == ts)
        .expect("the pressed message was updated");
    let blocks = update.params["blocks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        blocks.iter().all(|b| b["type"] != "actions"),
        "no buttons left: {}",
        update.params
    );
    blocks
        .iter()
        .find(|b| {
            b["type"] == "section" && b["block_id"].as_str().is_some_and(|id| id.contains(':'))
        })
        .and_then(|b| b["text"]["text"].as_str())
        .expect("the outcome replaces the buttons")
        .to_string()
}

/// The users of each group conversations.open (several users) was asked for.
pub(crate) fn groups_opened(app: &TestApp) -> Vec<Vec<String>> {
    app.fake
        .calls_to("conversations.open")
        .iter()
        .filter_map(|c| c.params["users"].as_str())
        .filter(|u| u.contains(','))
        .map(|u| u.split(',').map(str::to_string).collect())
        .collect()
}

/// Every ledger entry as `owner kind about: what`, oldest first.
pub(crate) async fn ledgers(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT o.external_id || ' ' || e.kind || ' ' || m.external_id || ': ' || e.what \
         FROM entries e JOIN contacts c ON c.id = e.contact_id \
         JOIN members o ON o.id = c.owner_id JOIN members m ON m.id = c.member_id \
         ORDER BY e.id",
    )
    .fetch_all(app.store.pool())
    .await
    .expect("reads entries")
}

async fn community(app: &TestApp) -> Community {
    let workspace = app
        .store
        .find_workspace(Platform::Slack, TEAM)
        .await
        .expect("reads")
        .expect("the workspace is known");
    app.store.community(workspace).await.expect("reads")
}

const WHY: &str = "you both build Slack bots &amp; love Rust";

/// U1 offers to introduce alice (U2) and bob (U3); the asks go out.
async fn offer(app: &TestApp, delivery: &Delivery) {
    let answer = kith(app, "U1", &format!("intro <@U2|alice> <@U3|bob> {WHY}")).await;
    assert!(
        answer.contains("I've asked <@U2> and <@U3> privately"),
        "{answer}"
    );
    delivery.catch_up().await.expect("a delivery round");
}

#[tokio::test]
async fn an_intro_both_accept_becomes_a_group_dm_with_favours_and_a_follow_up() {
    let (app, delivery) = spawn().await;
    offer(&app, &delivery).await;

    // Each is asked privately, told who proposes it and why.
    let (to_alice, yes_alice) = asked(&app, "U2", "intro-yes");
    let (to_bob, yes_bob) = asked(&app, "U3", "intro-yes");
    for (ask, other) in [(&to_alice, "<@U3>"), (&to_bob, "<@U2>")] {
        let text = ask.text();
        assert!(
            text.contains(&format!("<@U1> would like to introduce you to {other}")),
            "{text}"
        );
        assert!(
            text.contains("you both build Slack bots &amp; love Rust"),
            "{text}"
        );
        let labels: Vec<&str> = ask.params["blocks"][1]["elements"]
            .as_array()
            .expect("buttons")
            .iter()
            .map(|b| b["text"]["text"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(labels, ["Yes, introduce us", "No, thanks"]);
    }
    assert!(groups_opened(&app).is_empty());

    press(&app, "U2", &to_alice, &yes_alice).await;
    let settled = settled_text(&app, &to_alice.ts);
    assert!(settled.contains("as soon as they say yes too"), "{settled}");
    delivery.catch_up().await.expect("a delivery round");
    assert!(groups_opened(&app).is_empty(), "not before both say yes");

    press(&app, "U3", &to_bob, &yes_bob).await;
    delivery.catch_up().await.expect("a delivery round");

    // One group DM of the two (and Kith), with the introducer's reason.
    assert_eq!(groups_opened(&app), [["U2", "U3"]]);
    let group = app.fake.posted_in(&mpim_id(&["U2", "U3"]));
    assert_eq!(group.len(), 1, "{:?}", app.fake.posted());
    let text = group[0].text();
    assert!(text.contains("<@U2>, meet <@U3>! <@U1> thought"), "{text}");
    assert!(text.contains("love Rust"), "{text}");

    // The introducer gave each a favour; each got one from the introducer.
    // (Named as users.info names them once they pressed.)
    assert_eq!(
        ledgers(&app).await,
        [
            "U1 gave U2: introduced them to Real U3",
            "U1 gave U3: introduced them to Real U2",
            "U2 got U1: introduced me to Real U3",
            "U3 got U1: introduced me to Real U2",
        ]
    );
    let balance = kith(&app, "U1", "balance").await;
    assert!(balance.contains("In all you gave 2 favours"), "{balance}");
    let alices = kith(&app, "U2", "balance").await;
    assert!(alices.contains("got 1 favour"), "{alices}");

    // Two weeks on, the introducer is asked whether they connected; the
    // lapse deadline on the way sends nothing for an intro that connected.
    let before = dms(&app, "U1").len();
    app.clock.advance(Duration::days(14));
    delivery.catch_up().await.expect("a delivery round");
    let to_introducer = dms(&app, "U1");
    assert_eq!(to_introducer.len(), before + 1, "{to_introducer:?}");
    let (followup, met) = asked(&app, "U1", "intro-met");
    assert!(
        followup.text().contains("Did <@U2> and <@U3> connect?"),
        "{}",
        followup.text()
    );
    press(&app, "U1", &followup, &met).await;
    let intros = kith(&app, "U1", "intros").await;
    assert!(intros.contains("they met"), "{intros}");
}

#[tokio::test]
async fn a_declined_intro_is_told_kindly_to_the_introducer_without_saying_who() {
    let (app, delivery) = spawn().await;
    offer(&app, &delivery).await;
    let (to_alice, yes_alice) = asked(&app, "U2", "intro-yes");
    let (to_bob, no_bob) = asked(&app, "U3", "intro-no");

    press(&app, "U2", &to_alice, &yes_alice).await;
    press(&app, "U3", &to_bob, &no_bob).await;
    let settled = settled_text(&app, &to_bob.ts);
    assert!(settled.contains("not who said no"), "{settled}");
    delivery.catch_up().await.expect("a delivery round");

    let told = dms(&app, "U1");
    assert_eq!(told.len(), 1, "{told:?}");
    let text = told[0].text();
    assert!(
        text.contains("Your introduction of <@U2> and <@U3> won't go ahead"),
        "{text}"
    );
    for telltale in [
        "declin",
        "said no",
        "said yes",
        "accepted",
        "<@U3> didn",
        "<@U2> didn",
    ] {
        assert!(!text.contains(telltale), "{telltale:?} in {text}");
    }
    assert!(groups_opened(&app).is_empty());
    assert!(
        ledgers(&app).await.is_empty(),
        "no favours for an intro that did not happen"
    );

    // The lapse deadline passes: nothing more for anyone.
    let posts = app.fake.posted().len();
    app.clock.advance(Duration::days(7));
    delivery.catch_up().await.expect("a delivery round");
    assert_eq!(app.fake.posted().len(), posts, "{:?}", app.fake.posted());
    let intros = kith(&app, "U1", "intros").await;
    assert!(intros.contains("not going ahead"), "{intros}");
}

#[tokio::test]
async fn an_intro_not_answered_in_seven_days_lapses_and_a_late_yes_is_told_so() {
    let (app, delivery) = spawn().await;
    offer(&app, &delivery).await;
    let (to_alice, yes_alice) = asked(&app, "U2", "intro-yes");

    app.clock.advance(Duration::days(7));
    delivery.catch_up().await.expect("a delivery round");
    let told = dms(&app, "U1");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]
            .text()
            .contains("Your introduction of <@U2> and <@U3> lapsed"),
        "{}",
        told[0].text()
    );

    press(&app, "U2", &to_alice, &yes_alice).await;
    let settled = settled_text(&app, &to_alice.ts);
    assert!(settled.contains("lapsed"), "{settled}");
    delivery.catch_up().await.expect("a delivery round");
    assert!(groups_opened(&app).is_empty());
    assert_eq!(dms(&app, "U1").len(), 1);
}

#[tokio::test]
async fn without_the_group_dm_scope_the_two_get_a_dm_each() {
    let (app, delivery) = spawn().await;
    offer(&app, &delivery).await;
    let (to_alice, yes_alice) = asked(&app, "U2", "intro-yes");
    let (to_bob, yes_bob) = asked(&app, "U3", "intro-yes");
    press(&app, "U2", &to_alice, &yes_alice).await;
    press(&app, "U3", &to_bob, &yes_bob).await;

    // Installed before Kith asked for mpim:write.
    app.fake.fail("conversations.open", "missing_scope", 1);
    delivery.catch_up().await.expect("a delivery round");

    assert_eq!(groups_opened(&app), [["U2", "U3"]], "tried once");
    for (user, other) in [("U2", "<@U3>"), ("U3", "<@U2>")] {
        let last = dms(&app, user).pop().expect("a DM");
        assert!(
            last.text()
                .contains(&format!("You and {other} both said yes")),
            "{}",
            last.text()
        );
    }
}

#[tokio::test]
async fn a_shared_link_is_posted_to_the_resources_channel_found_and_never_stored_twice() {
    let (app, delivery) = spawn().await;
    app.fake.set_role("U1", true, false);
    let set = kith(&app, "U1", "admin resources <#C0LINKS|links>").await;
    assert!(
        set.ends_with("Shared links will be posted in <#C0LINKS>."),
        "{set}"
    );
    assert_eq!(
        community(&app).await.resources.map(|c| c.id).as_deref(),
        Some("C0LINKS")
    );

    let shared = kith(
        &app,
        "U2",
        "share <https://example.com/the-mom-test> great on customer interviews #sales",
    )
    .await;
    assert!(shared.contains("in <#C0LINKS>"), "{shared}");
    delivery.catch_up().await.expect("a delivery round");

    let posts = app.fake.posted_in("C0LINKS");
    assert_eq!(posts.len(), 1, "{:?}", app.fake.posted());
    let text = posts[0].text();
    assert!(text.contains("<@U2> shared The mom test"), "{text}");
    assert!(text.contains("https://example.com/the-mom-test"), "{text}");
    assert!(text.contains("great on customer interviews"), "{text}");
    assert!(text.contains("#sales"), "{text}");

    let found = kith(&app, "U3", "resources interviews").await;
    assert!(
        found.contains("https://example.com/the-mom-test"),
        "{found}"
    );
    let tagged = kith(&app, "U3", "resources #sales").await;
    assert!(
        tagged.contains("https://example.com/the-mom-test"),
        "{tagged}"
    );

    // The same page again, with tracking and a trailing slash.
    let again = app
        .slash_ok(
            TEAM,
            "U3",
            "/kith",
            "share <https://www.example.com/the-mom-test/?utm_source=news> must read",
        )
        .await;
    let again_text = text_of(&again);
    assert!(
        again_text.contains("already in the library, shared by <@U2>"),
        "{again_text}"
    );
    assert!(
        again["blocks"][0]["text"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with(":warning:")),
        "{again}"
    );
    delivery.catch_up().await.expect("a delivery round");
    assert_eq!(app.fake.posted_in("C0LINKS").len(), 1);
    let all = kith(&app, "U3", "resources").await;
    assert_eq!(all.matches("example.com/the-mom-test").count(), 1, "{all}");
}

/// Members `users` join coffee pairing.
async fn join(app: &TestApp, users: &[&str]) {
    for user in users {
        let joined = kith(app, user, "pairing join").await;
        assert!(joined.contains("You're in coffee pairing"), "{joined}");
    }
}

/// Pairs (any order) within each group.
fn pairs(groups: &[Vec<String>]) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for g in groups {
        for (i, a) in g.iter().enumerate() {
            for b in &g[i + 1..] {
                let (x, y) = if a < b { (a, b) } else { (b, a) };
                out.insert((x.clone(), y.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn two_pairing_rounds_over_six_members_repeat_no_pair() {
    let (app, delivery) = spawn().await;
    // An owner who is not an admin may organise too.
    app.fake.set_role("U1", false, true);
    let set = kith(&app, "U1", "admin pairing <#C0COFFEE|coffee> every 2w").await;
    assert!(
        set.contains("Coffee pairing every 14 days in <#C0COFFEE>"),
        "{set}"
    );
    let six = ["U11", "U12", "U13", "U14", "U15", "U16"];
    join(&app, &six).await;

    // Nothing before the first round is due, a day later.
    delivery.catch_up().await.expect("a delivery round");
    assert!(groups_opened(&app).is_empty());
    app.clock.advance(Duration::days(1));
    delivery.catch_up().await.expect("a delivery round");

    let first = groups_opened(&app);
    assert_eq!(first.len(), 3, "{first:?}");
    let everyone: HashSet<&String> = first.iter().flatten().collect();
    assert_eq!(everyone.len(), 6, "{first:?}");
    assert!(first.iter().all(|g| g.len() == 2), "{first:?}");
    for group in &first {
        let ids: Vec<&str> = group.iter().map(String::as_str).collect();
        let posted = app.fake.posted_in(&mpim_id(&ids));
        assert_eq!(posted.len(), 1, "{group:?}");
        let text = posted[0].text();
        assert!(
            text.contains("you're paired for coffee this round"),
            "{text}"
        );
        for id in &ids {
            assert!(text.contains(&format!("<@{id}>")), "{text}");
        }
    }
    let announced = app.fake.posted_in("C0COFFEE");
    assert_eq!(announced.len(), 1);
    assert!(
        announced[0]
            .text()
            .contains("Coffee pairing, round 1: 3 groups"),
        "{}",
        announced[0].text()
    );

    // Two weeks on: the second round, no pair from the first again.
    app.clock.advance(Duration::days(14));
    delivery.catch_up().await.expect("a delivery round");
    let second: Vec<Vec<String>> = groups_opened(&app).split_off(3);
    assert_eq!(second.len(), 3, "{second:?}");
    let repeated: Vec<_> = pairs(&first)
        .intersection(&pairs(&second))
        .cloned()
        .collect();
    assert!(repeated.is_empty(), "{first:?} then {second:?}");
    let announced = app.fake.posted_in("C0COFFEE");
    assert_eq!(announced.len(), 2);
    assert!(
        announced[1]
            .text()
            .contains("Coffee pairing, round 2: 3 groups"),
        "{}",
        announced[1].text()
    );

    // Halfway through the first round each was asked whether they met.
    for user in six {
        let (ask, _) = asked(&app, user, "pair-met");
        assert!(ask.text().contains("meet for coffee?"), "{}", ask.text());
    }
}

#[tokio::test]
async fn an_odd_count_makes_a_trio_in_one_group_dm() {
    let (app, delivery) = spawn().await;
    app.fake.set_role("U1", true, false);
    kith(&app, "U1", "admin pairing <#C0COFFEE|coffee>").await;
    join(&app, &["U11", "U12", "U13", "U14", "U15"]).await;
    app.clock.advance(Duration::days(1));
    delivery.catch_up().await.expect("a delivery round");

    let mut sizes: Vec<usize> = groups_opened(&app).iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [2, 3]);
    let trio = groups_opened(&app)
        .into_iter()
        .find(|g| g.len() == 3)
        .expect("a trio");
    let ids: Vec<&str> = trio.iter().map(String::as_str).collect();
    let posted = app.fake.posted_in(&mpim_id(&ids));
    assert_eq!(posted.len(), 1);
    let text = posted[0].text();
    for id in &ids {
        assert!(text.contains(&format!("<@{id}>")), "{text}");
    }
    assert!(
        app.fake.posted_in("C0COFFEE")[0]
            .text()
            .contains("round 1: 2 groups"),
    );
}

#[tokio::test]
async fn admin_is_refused_to_members_who_are_not_admins_and_nothing_changes() {
    let (app, _delivery) = spawn().await;
    kith(&app, "U2", "help").await;
    let before = app.ledger().await;

    let answer = app
        .slash_ok(TEAM, "U2", "/kith", "admin resources <#C0LINKS|links>")
        .await;
    let text = text_of(&answer);
    assert!(
        text.starts_with("Only workspace admins can change community settings"),
        "{text}"
    );
    assert_eq!(answer["response_type"], "ephemeral");
    // Asked Slack afresh for the admin command, not only the cached profile.
    let lookups = app.fake.calls_to("users.info");
    assert_eq!(lookups.len(), 2, "{lookups:?}");
    assert!(lookups.iter().all(|c| c.params["user"] == "U2"));
    assert_eq!(app.ledger().await, before);
    assert_eq!(community(&app).await, Community::default());

    // An admin who was demoted is refused at once, cache or not.
    app.fake.set_role("U1", true, false);
    kith(&app, "U1", "admin followup 10d").await;
    app.fake.set_role("U1", false, false);
    let demoted = kith(&app, "U1", "admin pairing <#C0COFFEE|coffee>").await;
    assert!(demoted.starts_with("Only workspace admins"), "{demoted}");
    assert_eq!(community(&app).await.pairing, None);

    // Slack cannot say: not an admin.
    app.fake.set_role("U1", true, false);
    app.fake.fail("users.info", "ratelimited", 1);
    let unknown = kith(&app, "U1", "admin pairing <#C0COFFEE|coffee>").await;
    assert!(unknown.starts_with("Only workspace admins"), "{unknown}");
    assert_eq!(community(&app).await.pairing, None);
    assert!(app.fake.posted().is_empty());
}

#[tokio::test]
async fn a_channel_slack_did_not_link_is_refused_with_how_to_pick_it() {
    let (app, _delivery) = spawn().await;
    app.fake.set_role("U1", true, false);
    kith(&app, "U1", "help").await;
    let answer = kith(&app, "U1", "admin resources #no-such-channel").await;
    assert!(
        answer.starts_with("I can't find a channel called #no-such-channel"),
        "{answer}"
    );
    assert_eq!(community(&app).await.resources, None);
}

#[tokio::test]
async fn a_group_dm_waits_out_a_429_and_says_when_slack_cannot_open_one() {
    let app = TestApp::spawn().await;
    let web = app.slack.web();
    let two = [app.recipient(TEAM, "U2"), app.recipient(TEAM, "U3")];
    let hello = Reply::text("hello <@U2> and <@U3>");

    // A 429 is waited out, then the group DM opens and the message goes in.
    app.fake.throttle("conversations.open", 1, 1);
    let opened = web
        .converse(TEAM, &two, Some("C0INTROS"), "U2 & U3", &hello, "k1")
        .await;
    assert!(matches!(opened, Ok(true)), "{opened:?}");
    let calls = app.fake.calls_to("conversations.open");
    assert_eq!(calls.len(), 2, "the 429, then the group DM");
    assert!(calls[1].at - calls[0].at >= std::time::Duration::from_secs(1));
    assert_eq!(calls[1].params["users"], "U2,U3");
    let posted = app.fake.posted_in(&mpim_id(&["U2", "U3"]));
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].text(), "hello <@U2> and <@U3>");

    // Someone deactivated: no group DM, the core DMs each instead.
    app.fake.fail("conversations.open", "user_disabled", 1);
    let refused = web.converse(TEAM, &two, None, "", &hello, "k2").await;
    assert!(matches!(refused, Ok(false)), "{refused:?}");

    // One person is not a group.
    let calls = app.fake.calls().len();
    let alone = web.converse(TEAM, &two[..1], None, "", &hello, "k3").await;
    assert!(matches!(alone, Ok(false)), "{alone:?}");
    assert_eq!(app.fake.calls().len(), calls);

    // The group DM opened but the post failed: an error for the sender to settle.
    app.fake.fail("chat.postMessage", "is_archived", 1);
    let failed = web.converse(TEAM, &two, None, "", &hello, "k4").await;
    assert!(
        matches!(failed, Err(DeliveryError::Permanent(_))),
        "{failed:?}"
    );
    assert_eq!(app.fake.posted_in(&mpim_id(&["U2", "U3"])).len(), 1);
}
