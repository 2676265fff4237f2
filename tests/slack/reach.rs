//! Reach on Slack, end to end: `/kith reach` answers with the member's own
//! contacts and a count (never who), its "Ask for an introduction" button
//! on that private answer, each asked member's DM with yes / no, a yes
//! opening a group DM of the two, a no telling nobody anything, and the
//! helper's follow-up crediting the favour.

use chrono::Duration;
use serde_json::Value;

use crate::community::{asked, dms, groups_opened, kith, ledgers, press, settled_text, spawn};
use crate::fake_slack::mpim_id;
use crate::helpers::{FORM, TEAM, TestApp, press_payload, text_of};

/// The private answer to `/kith reach ...` by `user`, as Slack got it.
async fn reach(app: &TestApp, user: &str, text: &str) -> Value {
    app.slash_ok(TEAM, user, "/kith", &format!("reach {text}"))
        .await
}

/// The action values of an answer's buttons.
fn buttons(answer: &Value) -> Vec<(String, String)> {
    answer["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["elements"].as_array())
        .flatten()
        .filter(|e| e["type"] == "button")
        .map(|e| {
            (
                e["text"]["text"].as_str().unwrap_or_default().to_string(),
                e["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `user` presses `action` on a private (ephemeral) answer to a slash
/// command: Slack sends no copy of an ephemeral message, only its
/// container and a `response_url`. Returns the text Kith answered there,
/// and whether it replaced the answer (and so its button); `None` if it
/// answered nothing.
async fn press_ephemeral(
    app: &TestApp,
    user: &str,
    answer: &Value,
    action: &str,
) -> Option<(String, bool)> {
    let before = app.fake.calls_to("response_url").len();
    let mut payload = press_payload(&app.fake, user, answer, "C1", "1700000099.000100", action);
    payload["container"]["is_ephemeral"] = true.into();
    payload["channel"]["name"] = "general".into();
    payload["response_url"] = app.fake.response_url("ephemeral").into();
    if let Some(fields) = payload.as_object_mut() {
        fields.remove("message");
    }
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("encodes");
    let response = app.post_signed("/slack/actions", FORM, &body).await;
    assert_eq!(response.status(), 200);
    let calls = app.fake.calls_to("response_url");
    assert!(calls.len() <= before + 1, "one answer at most: {calls:#?}");
    let said = &calls.get(before)?.params;
    Some((
        said["text"].as_str().unwrap_or_default().to_string(),
        said["replace_original"] == true,
    ))
}

#[track_caller]
fn names_nobody(text: &str, names: &[&str]) {
    for name in names {
        assert!(!text.contains(name), "{name:?} must not show:\n{text}");
    }
}

/// U2 and U3 share their reach and know someone at Acme; U4 knows someone
/// there but does not share; U5 shares but knows nobody there. U1 asks.
async fn cast(app: &TestApp) {
    for (user, lines) in [
        (
            "U2",
            &["settings reach on", "add \"Jane Doe\" at \"Acme Corp\""][..],
        ),
        (
            "U3",
            &["settings reach on", "add \"John Smith\" at \"ACME, Inc.\""][..],
        ),
        ("U4", &["add \"Carla Secret\" at \"acme llc\""][..]),
        (
            "U5",
            &["settings reach on", "add \"Bo Diddley\" at Globex"][..],
        ),
        ("U1", &["add \"Jane Roe\" at \"Acme\""][..]),
    ] {
        for line in lines {
            kith(app, user, line).await;
        }
    }
}

#[tokio::test]
async fn reach_counts_without_names_and_a_yes_opens_a_group_dm_then_credits_the_favour() {
    let (app, delivery) = spawn().await;
    cast(&app).await;

    let answer = reach(
        &app,
        "U1",
        "Acme I'd like to learn how they run sales enablement",
    )
    .await;
    let text = text_of(&answer);
    let rendered = answer.to_string();
    assert!(
        text.contains("In your own network at Acme: Jane Roe."),
        "{text}"
    );
    assert!(
        text.contains("2 members who share their reach know someone at Acme."),
        "{text}"
    );
    names_nobody(
        &rendered,
        &["Jane Doe", "John Smith", "Carla", "U2", "U3", "U4", "U5"],
    );
    assert_eq!(answer["response_type"], "ephemeral", "{answer:#}");
    let ask = buttons(&answer);
    assert_eq!(ask.len(), 1, "{answer:#}");
    assert_eq!(ask[0].0, "Ask for an introduction");
    assert!(ask[0].1.starts_with("reach-ask:"), "{ask:?}");

    // Another member cannot send U1's ask with a forged press.
    let (refused, _) = press_ephemeral(&app, "U5", &answer, &ask[0].1)
        .await
        .expect("an answer");
    assert!(refused.contains("That ask isn't yours."), "{refused}");
    delivery.catch_up().await.expect("a delivery round");
    assert!(app.fake.posted().is_empty(), "{:?}", app.fake.posted());

    let (sent, replaced) = press_ephemeral(&app, "U1", &answer, &ask[0].1)
        .await
        .expect("an answer");
    assert!(
        sent.contains("I've asked 2 members privately whether they would introduce you"),
        "{sent}"
    );
    assert!(
        replaced,
        "the answer and its button give way to the outcome"
    );
    // Pressed again (a stale client): no second ask goes out (each asked
    // member has exactly one, below).
    if let Some((again, _)) = press_ephemeral(&app, "U1", &answer, &ask[0].1).await {
        assert!(!again.contains("I've asked"), "{again}");
    }
    names_nobody(&sent, &["U2", "U3"]);
    delivery.catch_up().await.expect("a delivery round");

    // Only the two who share and know someone there are asked, privately.
    for user in ["U4", "U5"] {
        assert!(dms(&app, user).is_empty(), "{user}: {:?}", dms(&app, user));
    }
    let (to_u2, yes) = asked(&app, "U2", "reach-yes");
    let (to_u3, no) = asked(&app, "U3", "reach-no");
    for ask in [&to_u2, &to_u3] {
        let text = ask.text();
        assert!(
            text.contains("<@U1> is looking for an introduction to someone at Acme"),
            "{text}"
        );
        assert!(text.contains("how they run sales enablement"), "{text}");
        let labels: Vec<&str> = ask.params["blocks"][1]["elements"]
            .as_array()
            .expect("buttons")
            .iter()
            .map(|b| b["text"]["text"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(labels, ["Yes, I'll introduce you", "Not this time"]);
    }

    // U3 says no: nothing reaches U1, the buttons give way to the answer.
    press(&app, "U3", &to_u3, &no).await;
    let settled = settled_text(&app, &to_u3.ts);
    assert!(
        settled.contains("will never be told who was asked"),
        "{settled}"
    );
    delivery.catch_up().await.expect("a delivery round");
    assert!(dms(&app, "U1").is_empty(), "{:?}", dms(&app, "U1"));
    assert!(groups_opened(&app).is_empty());

    // U2 says yes: one group DM of U1 and U2, naming the helper to U1.
    press(&app, "U2", &to_u2, &yes).await;
    let settled = settled_text(&app, &to_u2.ts);
    assert!(
        settled.contains("I'm connecting you with <@U1> now"),
        "{settled}"
    );
    delivery.catch_up().await.expect("a delivery round");
    assert_eq!(groups_opened(&app), [["U1", "U2"]]);
    let group = app.fake.posted_in(&mpim_id(&["U1", "U2"]));
    assert_eq!(group.len(), 1, "{:?}", app.fake.posted());
    assert!(
        group[0]
            .text()
            .contains("<@U1>, meet <@U2>! <@U2> knows someone at Acme"),
        "{}",
        group[0].text()
    );
    names_nobody(group[0].text(), &["U3", "Jane Doe"]);
    assert!(
        ledgers(&app).await.is_empty(),
        "no credit before it happened"
    );

    // The follow-up: once U2 says it happened, the favour is in both ledgers.
    app.clock.advance(Duration::days(14));
    delivery.catch_up().await.expect("a delivery round");
    let (followup, met) = asked(&app, "U2", "reach-met");
    assert!(
        followup
            .text()
            .contains("Did you introduce <@U1> to your contact at Acme?"),
        "{}",
        followup.text()
    );
    press(&app, "U2", &followup, &met).await;
    assert_eq!(
        ledgers(&app).await,
        [
            "U2 gave U1: introduced them to someone at Acme",
            "U1 got U2: introduced me to someone at Acme",
        ]
    );
    // U3's no was never told to anyone, and nothing else reached U1.
    let to_u1: Vec<String> = dms(&app, "U1")
        .iter()
        .map(|m| m.text().to_string())
        .collect();
    assert!(to_u1.is_empty(), "{to_u1:?}");
}

#[tokio::test]
async fn when_everyone_says_no_the_asker_hears_only_that_nobody_could() {
    let (app, delivery) = spawn().await;
    cast(&app).await;
    let answer = reach(&app, "U1", "\"Acme Corp\"").await;
    let (_, action) = buttons(&answer).pop().expect("the ask button");
    press_ephemeral(&app, "U1", &answer, &action).await;
    delivery.catch_up().await.expect("a delivery round");

    for user in ["U2", "U3"] {
        let (message, no) = asked(&app, user, "reach-no");
        press(&app, user, &message, &no).await;
    }
    delivery.catch_up().await.expect("a delivery round");
    let told = dms(&app, "U1");
    assert_eq!(told.len(), 1, "{told:?}");
    let text = told[0].text();
    assert!(
        text.contains("About your ask for an introduction at Acme Corp: nobody could this time."),
        "{text}"
    );
    names_nobody(text, &["U2", "U3", "said no", "declin"]);
    assert!(groups_opened(&app).is_empty());

    // The lapse deadline passes: nothing more for anyone.
    let posts = app.fake.posted().len();
    app.clock.advance(Duration::days(7));
    delivery.catch_up().await.expect("a delivery round");
    assert_eq!(app.fake.posted().len(), posts, "{:?}", app.fake.posted());
}

#[tokio::test]
async fn without_the_group_dm_scope_a_yes_is_a_dm_each() {
    let (app, delivery) = spawn().await;
    cast(&app).await;
    let answer = reach(&app, "U1", "acme").await;
    let (_, action) = buttons(&answer).pop().expect("the ask button");
    press_ephemeral(&app, "U1", &answer, &action).await;
    delivery.catch_up().await.expect("a delivery round");
    let (to_u2, yes) = asked(&app, "U2", "reach-yes");
    press(&app, "U2", &to_u2, &yes).await;

    // Installed before Kith asked for mpim:write.
    app.fake.fail("conversations.open", "missing_scope", 1);
    delivery.catch_up().await.expect("a delivery round");
    assert_eq!(groups_opened(&app), [["U1", "U2"]], "tried once");
    let to_u1 = dms(&app, "U1").pop().expect("a DM to the asker");
    assert!(
        to_u1
            .text()
            .contains("Good news: <@U2> knows someone at acme and said yes"),
        "{}",
        to_u1.text()
    );
    names_nobody(to_u1.text(), &["U3", "Jane Doe"]);
    let to_u2 = dms(&app, "U2").pop().expect("a DM to the helper");
    assert!(
        to_u2
            .text()
            .contains("You said yes to introducing <@U1> to someone at acme"),
        "{}",
        to_u2.text()
    );
}
