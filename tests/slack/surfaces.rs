//! Slack's own surfaces: the App Home tab (published on `app_home_opened`,
//! republished after a Done pressed on it) and the "Log a favour"
//! shortcuts and modal (opened with the shortcut's trigger id, submitted
//! field by field; a mistake or a forged form writes nothing).

use std::time::Duration;

use kith_slack::home::{OPEN_ADD, OPEN_FAVOUR, OPEN_SETTINGS};
use kith_slack::modal::{CALLBACK, GLOBAL_SHORTCUT, MESSAGE_SHORTCUT, NOT_A_MEMBER};
use serde_json::{Value, json};

use crate::helpers::{BOT_TOKEN, FORM, JSON, TEAM, TestApp, event_callback};

/// U1 has bob (U2) in their network, due for a check-in; returns bob's id.
async fn with_bob_due(app: &TestApp) -> i64 {
    app.slash_ok(TEAM, "U1", "/kith", "add <@U2|bob> inner")
        .await;
    app.clock.advance(chrono::Duration::days(15));
    app.contact_id("U2").await
}

async fn open_home(app: &TestApp, user: &str, event_id: &str) {
    let body = event_callback(
        TEAM,
        event_id,
        json!({"type": "app_home_opened", "user": user, "channel": format!("D{user}"),
               "tab": "home", "event_ts": "1700000000.000100"}),
    );
    let response = app.post_signed("/slack/events", JSON, &body).await;
    assert_eq!(response.status(), 200);
}

fn interaction(payload: &Value) -> String {
    serde_urlencoded::to_string([("payload", payload.to_string())]).expect("encodes")
}

/// U1 presses the button with value `action` on their Home tab.
fn home_press(action: &str, trigger: &str) -> Value {
    json!({
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": TEAM},
        "api_app_id": "A1", "token": "deprecated", "trigger_id": trigger,
        "container": {"type": "view", "view_id": "VHOME"},
        "actions": [{"type": "button", "action_id": action, "block_id": "b",
                     "text": {"type": "plain_text", "text": "a button"}, "value": action,
                     "action_ts": "1700000001.000200"}],
    })
}

/// U1 uses "Log a favour" on a message U2 wrote in #general.
fn message_shortcut() -> Value {
    json!({
        "type": "message_action", "callback_id": MESSAGE_SHORTCUT,
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": TEAM},
        "channel": {"id": "C1", "name": "general"},
        "message": {"type": "message", "user": "U2", "ts": "1700000000.000100",
                    "text": "Here is the intro to Carol you asked for"},
        "trigger_id": "111.222.msg", "response_url": "http://127.0.0.1:9/unused",
        "message_ts": "1700000000.000100", "token": "deprecated",
    })
}

/// The submission of `view` (as Kith opened it) with these inputs.
fn submission(view: &Value, view_id: &str, values: Value) -> Value {
    let mut submitted = view.clone();
    submitted["id"] = json!(view_id);
    submitted["team_id"] = json!(TEAM);
    submitted["hash"] = json!("1700000000.abc");
    submitted["state"] = json!({"values": values});
    json!({
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": TEAM},
        "api_app_id": "A1", "token": "deprecated", "trigger_id": "333.444.sub",
        "view": submitted,
    })
}

fn inputs(verb: Option<&str>, what: &str, when: &str) -> Value {
    let mut values = json!({
        "what": {"what": {"type": "plain_text_input", "value": what}},
        "when": {"when": {"type": "plain_text_input", "value": when}},
    });
    if let Some(verb) = verb {
        values["verb"] = json!({"verb": {"type": "radio_buttons",
            "selected_option": {"text": {"type": "plain_text", "text": verb}, "value": verb}}});
    }
    values
}

/// Opens the favour modal from the message shortcut; the view Kith opened.
async fn opened_from_message(app: &TestApp) -> Value {
    let response = app
        .post_signed("/slack/actions", FORM, &interaction(&message_shortcut()))
        .await;
    assert_eq!(response.status(), 200);
    let opened = app.fake.wait_for("views.open", 1).await;
    opened[0].params["view"].clone()
}

async fn submit(app: &TestApp, payload: &Value) -> (u16, String) {
    let response = app
        .post_signed("/slack/actions", FORM, &interaction(payload))
        .await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

fn texts(view: &Value) -> String {
    view["blocks"].to_string()
}

#[tokio::test]
async fn the_home_tab_is_published_on_app_home_opened_with_who_is_due() {
    let app = TestApp::spawn().await;
    let bob = with_bob_due(&app).await;

    open_home(&app, "U1", "Ev1").await;

    let published = app.fake.wait_for("views.publish", 1).await;
    let call = &published[0];
    assert_eq!(call.bearer(), Some(BOT_TOKEN));
    assert_eq!(call.params["user_id"], "U1");
    let view = &call.params["view"];
    assert_eq!(view["type"], "home");
    let blocks = texts(view);
    assert!(
        blocks.contains("Time to check in: 1 person is due"),
        "{blocks}"
    );
    assert!(blocks.contains("@Real U2 · inner"), "{blocks}");
    for action in [
        format!("done:{bob}"),
        format!("snooze:{bob}"),
        format!("skip:{bob}"),
    ] {
        assert!(
            blocks.contains(&format!("\"value\":\"{action}\"")),
            "{action} in {blocks}"
        );
    }
    assert!(blocks.contains(OPEN_FAVOUR), "{blocks}");
    assert!(blocks.contains("Favour balance"), "{blocks}");
    assert!(
        !blocks.contains("Your goals"),
        "no goals, no heading: {blocks}"
    );
}

#[tokio::test]
async fn done_on_the_home_tab_logs_the_check_in_and_republishes_no_sooner_than_allowed() {
    let every = Duration::from_millis(400);
    let app = TestApp::spawn_with(|c| c, |a| a.with_home_every(every)).await;
    let bob = with_bob_due(&app).await;
    open_home(&app, "U1", "Ev1").await;
    app.fake.wait_for("views.publish", 1).await;

    let response = app
        .post_signed(
            "/slack/actions",
            FORM,
            &interaction(&home_press(&format!("done:{bob}"), "55.66.home")),
        )
        .await;
    assert_eq!(response.status(), 200);

    let published = app.fake.wait_for("views.publish", 2).await;
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
    let after = texts(&published[1].params["view"]);
    assert!(after.contains("Nobody is due for a check-in"), "{after}");
    assert!(!after.contains(&format!("done:{bob}")), "{after}");
    assert!(after.contains("checked in with @Real U2"), "{after}");
    assert!(
        published[1].at.duration_since(published[0].at) >= every,
        "published again within {every:?}"
    );
    // Nothing to settle by chat.update or response_url on a Home tab.
    assert!(app.fake.calls_to("chat.update").is_empty());
    assert!(app.fake.calls_to("response_url").is_empty());
}

#[tokio::test]
async fn a_member_kith_has_not_met_gets_no_home_tab_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    with_bob_due(&app).await;
    let before = app.ledger().await;

    open_home(&app, "U9", "Ev1").await;
    open_home(&app, "U1", "Ev2").await;

    let published = app.fake.wait_for("views.publish", 1).await;
    assert!(published.iter().all(|c| c.params["user_id"] == "U1"));
    assert_eq!(app.ledger().await, before);
}

#[tokio::test]
async fn the_message_shortcut_opens_the_form_and_its_submission_logs_the_favour() {
    let app = TestApp::spawn().await;

    let view = opened_from_message(&app).await;
    let opened = &app.fake.calls_to("views.open")[0];
    assert_eq!(opened.params["trigger_id"], "111.222.msg");
    assert_eq!(opened.bearer(), Some(BOT_TOKEN));
    assert_eq!(view["type"], "modal");
    assert_eq!(view["callback_id"], CALLBACK);
    let link = "https://acme.slack.com/archives/C1/p1700000000000100";
    assert!(texts(&view).contains("<@U2>"), "{view}");
    assert!(texts(&view).contains(link), "{view}");

    let payload = submission(
        &view,
        "V1",
        inputs(Some("got"), "intro to Carol", "yesterday"),
    );
    let (status, body) = submit(&app, &payload).await;
    assert_eq!((status, body.as_str()), (200, ""), "the modal closes");
    assert_eq!(
        app.entries().await,
        [format!("got: intro to Carol ({link})")]
    );
    let confirmed = app.fake.wait_for("chat.postMessage", 1).await;
    assert_eq!(confirmed[0].params["channel"], "DU1");
    let text = confirmed[0].params["text"].as_str().unwrap_or_default();
    assert!(text.contains("Logged:"), "{text}");

    // Slack delivering the same submission again logs nothing more.
    let (status, _) = submit(&app, &payload).await;
    assert_eq!(status, 200);
    assert_eq!(app.entries().await.len(), 1);
}

#[tokio::test]
async fn a_submission_with_mistakes_gets_them_by_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "add <@U2|bob> inner")
        .await;
    let view = opened_from_message(&app).await;
    let before = app.ledger().await;

    let (status, body) = submit(&app, &submission(&view, "V1", inputs(None, "", "whenever"))).await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["response_action"], "errors");
    let errors = &answer["errors"];
    assert!(
        errors["verb"]
            .as_str()
            .is_some_and(|e| e.starts_with("Choose which way")),
        "{errors}"
    );
    assert_eq!(
        errors["when"],
        "I couldn't tell when \"whenever\" was. Write it like 3 days ago, 2w ago, yesterday or on 2026-11-02."
    );

    // With the way chosen, an empty what is asked for as /kith asks.
    let (_, body) = submit(
        &app,
        &submission(&view, "V1", inputs(Some("gave"), " ", "")),
    )
    .await;
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    let typed = kith_bot::commands::parse("gave <@U2>").expect_err("no what");
    assert_eq!(answer["errors"]["what"], typed.message.as_str());

    assert_eq!(app.ledger().await, before);
    assert!(app.fake.calls_to("chat.postMessage").is_empty());
}

#[tokio::test]
async fn a_forged_author_from_another_workspace_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "add <@U2|bob> inner")
        .await;
    app.fake.set_team("UX1", "T2");
    let mut view = opened_from_message(&app).await;
    let before = app.ledger().await;

    view["private_metadata"] = json!(r#"{"author":"UX1","link":null}"#);
    let (status, body) = submit(
        &app,
        &submission(&view, "V1", inputs(Some("gave"), "lunch", "")),
    )
    .await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["response_action"], "errors");
    assert_eq!(answer["errors"]["what"], NOT_A_MEMBER);

    view["private_metadata"] = json!("not what Kith wrote");
    let (_, body) = submit(
        &app,
        &submission(&view, "V2", inputs(Some("gave"), "lunch", "")),
    )
    .await;
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["errors"]["what"], NOT_A_MEMBER);

    assert_eq!(app.ledger().await, before);
    assert!(app.fake.calls_to("chat.postMessage").is_empty());
}

#[tokio::test]
async fn the_global_shortcut_and_the_home_button_open_the_form_with_a_member_picker() {
    let app = TestApp::spawn().await;
    with_bob_due(&app).await;

    let shortcut = json!({
        "type": "shortcut", "callback_id": GLOBAL_SHORTCUT,
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": TEAM},
        "trigger_id": "777.888.global", "token": "deprecated",
    });
    let response = app
        .post_signed("/slack/actions", FORM, &interaction(&shortcut))
        .await;
    assert_eq!(response.status(), 200);
    let response = app
        .post_signed(
            "/slack/actions",
            FORM,
            &interaction(&home_press(OPEN_FAVOUR, "999.1.home")),
        )
        .await;
    assert_eq!(response.status(), 200);

    let opened = app.fake.wait_for("views.open", 2).await;
    assert_eq!(opened[0].params["trigger_id"], "777.888.global");
    assert_eq!(opened[1].params["trigger_id"], "999.1.home");
    let view = opened[0].params["view"].clone();
    assert_eq!(view["private_metadata"], "");
    assert!(texts(&view).contains("users_select"), "{view}");

    let mut values = inputs(Some("gave"), "reviewed his resume", "");
    values["who"] = json!({"who": {"type": "users_select", "selected_user": "U2"}});
    let (status, body) = submit(&app, &submission(&view, "V7", values)).await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(app.entries().await, ["gave: reviewed his resume"]);
}

#[tokio::test]
async fn add_someone_and_settings_open_from_the_home_tab_and_save_what_the_form_says() {
    let app = TestApp::spawn().await;
    with_bob_due(&app).await;
    for (action, trigger) in [(OPEN_ADD, "1.add"), (OPEN_SETTINGS, "2.settings")] {
        let response = app
            .post_signed(
                "/slack/actions",
                FORM,
                &interaction(&home_press(action, trigger)),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let opened = app.fake.wait_for("views.open", 2).await;
    let (add, settings) = (
        opened[0].params["view"].clone(),
        opened[1].params["view"].clone(),
    );
    assert_eq!(add["title"]["text"], "Add someone");
    assert_eq!(settings["title"]["text"], "Settings");

    // A member from another workspace is refused; nothing is written.
    app.fake.set_team("UX1", "T2");
    let before = app.ledger().await;
    let foreign = json!({"add.who": {"who": {"type": "users_select", "selected_user": "UX1"}}});
    let (_, body) = submit(&app, &submission(&add, "VA0", foreign)).await;
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["errors"]["add.who"], NOT_A_MEMBER);
    // A cadence the grammar cannot read is told in its words.
    let bad = json!({"add.who": {"who": {"type": "users_select", "selected_user": "U3"}},
                     "add.every": {"every": {"type": "plain_text_input", "value": "soonish"}}});
    let (_, body) = submit(&app, &submission(&add, "VA1", bad)).await;
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    let typed = kith_bot::commands::parse("add <@U3> every soonish").expect_err("bad");
    assert_eq!(answer["errors"]["add.every"], typed.message.as_str());
    assert_eq!(app.ledger().await, before);

    let good = json!({
        "add.who": {"who": {"type": "users_select", "selected_user": "U3"}},
        "add.tier": {"tier": {"type": "static_select",
                     "selected_option": {"text": {"type": "plain_text", "text": "close"}, "value": "close"}}},
    });
    let (status, body) = submit(&app, &submission(&add, "VA2", good)).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let tier: String = sqlx::query_scalar(
        "SELECT c.tier FROM contacts c JOIN members m ON m.id = c.member_id WHERE m.external_id = 'U3'",
    )
    .fetch_one(app.store.pool())
    .await
    .expect("U3 was added");
    assert_eq!(tier, "close");

    let tz = json!({"tz.zone": {"zone": {"type": "plain_text_input", "value": "Europe/Berlin"}}});
    let (status, body) = submit(&app, &submission(&settings, "VS1", tz)).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let zone: String = sqlx::query_scalar("SELECT tz FROM members WHERE external_id = 'U1'")
        .fetch_one(app.store.pool())
        .await
        .expect("U1");
    assert_eq!(zone, "Europe/Berlin");
}

/// The samples in docs/native-surfaces.md are what Kith sends: each JSON
/// block after a `<!-- generated: name -->` line is compared with the
/// view made here (`KITH_BLESS_DOCS=1` writes them instead).
#[tokio::test]
async fn the_docs_show_the_home_tab_and_the_forms_as_kith_sends_them() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "add <@U2|bob> inner")
        .await;
    app.slash_ok(TEAM, "U1", "/kith", "add <@U3|carol> close")
        .await;
    app.slash_ok(TEAM, "U1", "/kith", "gave <@U3|carol> reviewed her resume")
        .await;
    app.slash_ok(
        TEAM,
        "U1",
        "/kith",
        "add \"Jane Doe\" wider at \"Acme Corp\"",
    )
    .await;
    app.slash_ok(
        TEAM,
        "U1",
        "/kith",
        "goal Move into sales enablement at \"Acme\"",
    )
    .await;
    app.clock.advance(chrono::Duration::days(15));
    open_home(&app, "U1", "Ev1").await;
    let home = app.fake.wait_for("views.publish", 1).await[0].params["view"].clone();
    let blocks = texts(&home);
    assert!(
        blocks.contains("Your goals")
            && blocks.contains("1. Move into sales enablement · at Acme")
            && blocks.contains("Can help: Jane Doe"),
        "the goal and who can help: {blocks}"
    );
    let favour = opened_from_message(&app).await;
    let samples = [
        ("slack-home", home),
        ("slack-favour-modal", favour),
        (
            "slack-add-modal",
            kith_slack::forms::modal(&kith_slack::forms::ADD),
        ),
        (
            "slack-settings-modal",
            kith_slack::forms::modal(&kith_slack::forms::SETTINGS),
        ),
        (
            "slack-favour-errors",
            kith_slack::modal::errors_response(
                &kith_slack::modal::command(&kith_slack::modal::Submitted {
                    view_id: "V1".into(),
                    team: TEAM.into(),
                    user: "U1".into(),
                    user_team: Some(TEAM.into()),
                    user_name: None,
                    prefill: None,
                    picked: Some("U2".into()),
                    verb: None,
                    what: String::new(),
                    when: "whenever".into(),
                })
                .expect_err("mistakes"),
            ),
        ),
    ];

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/native-surfaces.md");
    let mut doc = std::fs::read_to_string(&path).expect("the doc");
    let bless = std::env::var("KITH_BLESS_DOCS").is_ok_and(|v| v == "1");
    for (name, value) in samples {
        let marker = format!("<!-- generated: {name} -->\n```json\n");
        let start = doc
            .find(&marker)
            .unwrap_or_else(|| panic!("{marker} in the doc"))
            + marker.len();
        let end = start + doc[start..].find("```").expect("the block ends");
        let made = serde_json::to_string_pretty(&value).expect("JSON") + "\n";
        if bless {
            doc.replace_range(start..end, &made);
        } else {
            assert_eq!(
                doc[start..end],
                made,
                "the {name} sample is out of date: run with KITH_BLESS_DOCS=1"
            );
        }
    }
    if bless {
        std::fs::write(&path, doc).expect("writes the doc");
    }
}

#[tokio::test]
async fn a_command_typed_elsewhere_refreshes_an_open_home_tab_and_no_one_elses() {
    let app = TestApp::spawn_with(|c| c, |a| a.with_home_every(Duration::from_millis(50))).await;
    with_bob_due(&app).await;
    open_home(&app, "U1", "Ev1").await;
    app.fake.wait_for("views.publish", 1).await;

    app.slash_ok(TEAM, "U1", "/kith", "got <@U2|bob> intro to Carol")
        .await;
    // U5 never opened the Home tab: their command publishes nothing.
    app.slash_ok(TEAM, "U5", "/kith", "add <@U2|bob> wider")
        .await;

    let published = app.fake.wait_for("views.publish", 2).await;
    assert!(published.iter().all(|c| c.params["user_id"] == "U1"));
    let after = texts(&published[1].params["view"]);
    assert!(after.contains("gave you “intro to Carol”"), "{after}");
}
