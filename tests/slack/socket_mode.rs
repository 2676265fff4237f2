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
