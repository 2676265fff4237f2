//! `/readyz` follows the platform connections: not ready until Socket
//! Mode and the Gateway are both connected, and not ready while Slack's
//! side is down. Kith runs in this process, as `kith run` would.

use std::time::Duration;

use kith::Config;
use kith_bot::domain::Secret;

use crate::fake_discord::FakeDiscord;
use crate::fake_slack::FakeSlack;
use crate::helpers::{free_addr, get, json, wait_for_status};

fn config(slack: &FakeSlack, discord_url: &str, dir: &tempfile::TempDir) -> Config {
    let mut config = Config {
        database_url: dir.path().join("kith.db").display().to_string(),
        http_addr: free_addr(),
        shutdown_grace_secs: 2,
        ..Config::default()
    };
    config.slack.bot_token = Some(Secret::new("xoxb-readiness"));
    config.slack.app_token = Some(Secret::new("xapp-readiness"));
    config.slack.api_url = slack.api_url();
    config.discord.token = Some(Secret::new("discord-readiness"));
    config.discord.api_url = discord_url.to_string();
    config
}

/// The `/readyz` answer now: status and reason.
async fn readyz(addr: &str) -> (u16, String) {
    let (status, body) = get(&format!("http://{addr}/readyz"))
        .await
        .expect("answers");
    let reason = json(&body)["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (status, reason)
}

#[tokio::test]
async fn ready_only_once_socket_mode_and_the_gateway_are_up_and_not_while_slack_is_down() {
    let slack = FakeSlack::start().await;
    // Slack's Socket Mode server is down when Kith starts.
    slack.socket.go_down();
    let discord = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = config(&slack, &discord.rest_url, &dir);
    let addr = config.http_addr.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        kith::run_platforms(&config, async {
            let _ = stopped.await;
        })
        .await
    });

    // Alive, and the Gateway connects; not ready without Slack.
    wait_for_status(
        &format!("http://{addr}/healthz"),
        200,
        Duration::from_secs(10),
    )
    .await;
    discord.identified().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, reason) = readyz(&addr).await;
        assert_eq!(status, 503, "not ready while Slack is down");
        assert!(reason.contains("Slack"), "{reason}");
        if !reason.contains("Discord") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the gateway never counted as up: {reason}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Slack comes up: ready.
    slack.socket.come_up();
    let body = wait_for_status(
        &format!("http://{addr}/readyz"),
        200,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(json(&body)["ready"], true);

    // Slack's server goes away: not ready, and the reason says why.
    slack.socket.go_down();
    let body = wait_for_status(
        &format!("http://{addr}/readyz"),
        503,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(json(&body)["reason"], "Slack Socket Mode is not connected");
    // Still alive.
    assert_eq!(
        get(&format!("http://{addr}/healthz")).await.map(|r| r.0),
        Some(200)
    );

    let _ = stop.send(());
    let outcome = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops")
        .expect("no panic");
    assert!(outcome.is_ok(), "{outcome:?}");
}

#[tokio::test]
async fn not_ready_while_the_gateway_has_not_connected() {
    let slack = FakeSlack::start().await;
    // A Discord that accepts connections and never answers.
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let hanging_url = format!("http://{}", hanging.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hanging.accept().await {
            held.push(socket);
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let config = config(&slack, &hanging_url, &dir);
    let addr = config.http_addr.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        kith::run_platforms(&config, async {
            let _ = stopped.await;
        })
        .await
    });
    slack.socket.wait_connected().await;
    // Slack is up; readiness still waits for the gateway.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, reason) = readyz(&addr).await;
        assert_eq!(status, 503);
        if reason == "the Discord gateway is not connected" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{reason}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(());
    let outcome = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops")
        .expect("no panic");
    assert!(outcome.is_ok(), "{outcome:?}");
}
