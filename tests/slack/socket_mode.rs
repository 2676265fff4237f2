//! Socket Mode: the same slash command arrives over a websocket from the
//! fake and is acknowledged with the reply.

use serde_json::json;

use kith_bot::domain::Secret;

use crate::helpers::{APP_TOKEN, TEAM, TestApp};

#[tokio::test]
async fn the_same_slash_command_over_socket_mode_is_acknowledged_and_stored() {
    let app = TestApp::spawn().await;
    let socket = kith_slack::SocketMode::start(app.slack.clone(), &Secret::new(APP_TOKEN), 1)
        .await
        .expect("connects");
    app.fake.socket.wait_connected().await;
    let opened = app.fake.calls_to("apps.connections.open");
    assert_eq!(opened[0].bearer(), Some(APP_TOKEN));

    app.fake.socket.send(json!({
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": {
            "token": "deprecated", "team_id": TEAM, "team_domain": "acme",
            "channel_id": "C1", "channel_name": "general",
            "user_id": "U1", "user_name": "u1",
            "command": "/kith", "text": "gave <@U2|bob> intro to Carol",
            "api_app_id": "A1",
            "response_url": app.fake.response_url("socket"),
            "trigger_id": "123.456.ghi",
        },
    }));
    let ack = app.fake.socket.receive().await;
    assert_eq!(ack["envelope_id"], "env-1");
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    assert!(
        ack["payload"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Logged: you gave")),
        "{ack}"
    );
    assert_eq!(app.entries().await, ["gave: intro to Carol"]);

    // Events arrive the same way and are acknowledged.
    app.fake.socket.send(json!({
        "envelope_id": "env-2",
        "type": "events_api",
        "accepts_response_payload": false,
        "payload": {
            "token": "deprecated", "team_id": TEAM, "api_app_id": "A1",
            "event": {"type": "app_uninstalled"},
            "type": "event_callback", "event_id": "EvS1", "event_time": 1_700_000_000,
        },
    }));
    let ack = app.fake.socket.receive().await;
    assert_eq!(ack["envelope_id"], "env-2");
    assert_eq!(app.workspaces().await, Vec::<String>::new());

    socket.shutdown().await;
}

#[tokio::test]
async fn a_button_press_over_socket_mode_settles_the_reminder() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "add <@U2|bob> inner")
        .await;
    let bob = app.contact_id("U2").await;
    let mut reminder = kith_bot::reply::Reply::text("Time to check in: 1 person is due");
    reminder.blocks.push(kith_bot::reply::Block::Actions {
        id: format!("contact:{bob}"),
        buttons: vec![kith_bot::reply::Button {
            label: "Done".into(),
            action: format!("done:{bob}"),
            primary: true,
        }],
    });
    use kith_bot::ports::Messenger;
    app.slack
        .web()
        .send_dm(&app.recipient(TEAM, "U1"), &reminder, "r1")
        .await
        .expect("sent");
    let message = app.fake.calls_to("chat.postMessage")[0].params.clone();
    let ts = app.fake.last_ts();

    let socket = kith_slack::SocketMode::start(app.slack.clone(), &Secret::new(APP_TOKEN), 1)
        .await
        .expect("connects");
    app.fake.socket.wait_connected().await;
    app.fake.socket.send(json!({
        "envelope_id": "env-3",
        "type": "interactive",
        "accepts_response_payload": false,
        "payload": {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": TEAM},
            "api_app_id": "A1",
            "container": {"type": "message", "message_ts": ts, "channel_id": "DU1", "is_ephemeral": false},
            "trigger_id": "1.2.3",
            "channel": {"id": "DU1", "name": "directmessage"},
            "message": {"type": "message", "ts": ts, "bot_id": "B1", "text": message["text"], "blocks": message["blocks"]},
            "response_url": app.fake.response_url("press"),
            "actions": [{"type": "button", "action_id": format!("done:{bob}"), "block_id": format!("contact:{bob}"),
                         "text": {"type": "plain_text", "text": "Done"}, "value": format!("done:{bob}"),
                         "action_ts": "1700000001.000200"}],
        },
    }));
    let ack = app.fake.socket.receive().await;
    assert_eq!(ack["envelope_id"], "env-3");
    assert_eq!(app.entries().await, ["touch: checked in (from a reminder)"]);
    let update = &app.fake.wait_for("chat.update", 1).await[0].params;
    assert_eq!(update["ts"], ts);
    assert!(!update.to_string().contains("\"actions\""), "{update}");
    socket.shutdown().await;
}

#[tokio::test]
async fn over_socket_mode_the_home_tab_is_published_and_a_bad_form_gets_its_errors_in_the_ack() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "add <@U2|bob> inner")
        .await;
    let socket = kith_slack::SocketMode::start(app.slack.clone(), &Secret::new(APP_TOKEN), 1)
        .await
        .expect("connects");
    app.fake.socket.wait_connected().await;

    app.fake.socket.send(json!({
        "envelope_id": "env-h", "type": "events_api", "accepts_response_payload": false,
        "payload": {
            "token": "deprecated", "team_id": TEAM, "api_app_id": "A1",
            "event": {"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home",
                      "event_ts": "1700000000.000100"},
            "type": "event_callback", "event_id": "EvH1", "event_time": 1_700_000_000,
        },
    }));
    assert_eq!(app.fake.socket.receive().await["envelope_id"], "env-h");
    let published = app.fake.wait_for("views.publish", 1).await;
    assert_eq!(published[0].params["user_id"], "U1");
    assert_eq!(published[0].params["view"]["type"], "home");

    // The form Kith opens, submitted with no way chosen and a bad when.
    let mut view = kith_slack::modal::favour_modal(Some(&kith_slack::modal::Prefill {
        author: "U2".into(),
        link: None,
    }));
    view["id"] = json!("VS1");
    view["team_id"] = json!(TEAM);
    view["hash"] = json!("1.a");
    view["state"] = json!({"values": {
        "what": {"what": {"type": "plain_text_input", "value": "lunch"}},
        "when": {"when": {"type": "plain_text_input", "value": "whenever"}},
    }});
    let before = app.ledger().await;
    app.fake.socket.send(json!({
        "envelope_id": "env-v", "type": "interactive", "accepts_response_payload": true,
        "payload": {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": TEAM},
            "api_app_id": "A1", "trigger_id": "5.6.7", "view": view,
        },
    }));
    let ack = app.fake.socket.receive().await;
    assert_eq!(ack["envelope_id"], "env-v");
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(ack["payload"]["errors"]["verb"].is_string(), "{ack}");
    assert!(ack["payload"]["errors"]["when"].is_string(), "{ack}");
    assert_eq!(app.ledger().await, before);
    socket.shutdown().await;
}
