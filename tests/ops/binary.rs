//! `kith run` in the default self-hosted setup (Slack Socket Mode and the
//! Discord Gateway, no public URL) as the real binary: readiness waits for
//! both, metrics move after a slash command and a delivery, the logs are
//! one JSON object per line and hold no configured secret at trace level.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_discord::FakeDiscord;
use crate::fake_slack::FakeSlack;
use crate::helpers::{
    DISCORD_TOKEN, Running, SLACK_APP_TOKEN, SLACK_BOT_TOKEN, free_addr, get, json, kith_command,
    scrape, value, wait_for_status,
};

/// A slash command over the fake Socket Mode connection; Kith's ack.
async fn slash(slack: &FakeSlack, envelope: &str, user: &str, text: &str) -> Value {
    slack.socket.send(json!({
        "envelope_id": envelope,
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": {
            "token": "deprecated", "team_id": "T1", "team_domain": "acme",
            "channel_id": "C1", "channel_name": "general",
            "user_id": user, "user_name": user,
            "command": "/kith", "text": text,
            "api_app_id": "A1",
            "response_url": slack.response_url(envelope),
            "trigger_id": format!("123.456.{envelope}"),
        },
    }));
    let ack = slack.socket.receive().await;
    assert_eq!(ack["envelope_id"], envelope, "{ack}");
    ack
}

#[tokio::test]
async fn socket_mode_and_the_gateway_serve_health_metrics_and_json_logs_without_secrets() {
    let slack = FakeSlack::start().await;
    let discord = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let addr = free_addr();
    let metrics_addr = free_addr();
    let mut command = kith_command();
    command
        .arg("run")
        .current_dir(dir.path())
        .env("KITH_DATABASE_URL", dir.path().join("kith.db"))
        .env("KITH_HTTP_ADDR", &addr)
        .env("KITH_METRICS_ADDR", &metrics_addr)
        .env("KITH_SLACK_BOT_TOKEN", SLACK_BOT_TOKEN)
        .env("KITH_SLACK_APP_TOKEN", SLACK_APP_TOKEN)
        .env("KITH_SLACK_API_URL", slack.api_url())
        .env("KITH_DISCORD_TOKEN", DISCORD_TOKEN)
        .env("KITH_DISCORD_API_URL", &discord.rest_url)
        .env("KITH_LOG_FORMAT", "json")
        .env("RUST_LOG", "trace");
    let mut kith = Running::start(command, dir.path());

    // Live at once; ready once Socket Mode and the Gateway are connected.
    wait_for_status(
        &format!("http://{addr}/healthz"),
        200,
        Duration::from_secs(20),
    )
    .await;
    let ready = wait_for_status(
        &format!("http://{addr}/readyz"),
        200,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(json(&ready)["ready"], true);
    slack.socket.wait_connected().await;
    discord.identified().await;

    // `kith healthcheck` agrees, by the configured address and by --url.
    let healthcheck = kith_command()
        .args(["healthcheck", "--url", &format!("http://{addr}/readyz")])
        .output()
        .expect("runs");
    assert!(healthcheck.status.success(), "{healthcheck:?}");

    // /metrics is on its own address only.
    assert_eq!(
        get(&format!("http://{addr}/metrics")).await.map(|r| r.0),
        Some(404)
    );
    let metrics = format!("http://{metrics_addr}/metrics");
    let before = scrape(&metrics).await;
    let gave = [("command", "gave"), ("outcome", "ok")];
    let sent = [
        ("platform", "slack"),
        ("queue", "notices"),
        ("result", "sent"),
    ];
    assert_eq!(
        value(&before, "kith_platform_connected", &[("platform", "slack")]),
        1.0
    );
    assert_eq!(
        value(
            &before,
            "kith_platform_connected",
            &[("platform", "discord")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &before,
            "kith_outbox_depth",
            &[("queue", "reminders"), ("kind", "reminder")]
        ),
        0.0
    );

    // A slash command, and an introduction whose asks are delivered.
    let ack = slash(&slack, "env-1", "U1", "gave <@U2|bob> intro to Carol").await;
    assert!(ack.to_string().contains("Logged: you gave"), "{ack}");
    let ack = slash(
        &slack,
        "env-2",
        "U1",
        "intro <@U2|alice> <@U3|bob> both love Rust",
    )
    .await;
    assert!(ack.to_string().contains("I've asked"), "{ack}");
    let typo = slash(&slack, "env-3", "U1", "gve <@U2|bob> coffee").await;
    assert!(typo.to_string().contains("Did you mean"), "{typo}");
    slack.wait_for("chat.postMessage", 2).await;

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let after = loop {
        let after = scrape(&metrics).await;
        if value(&after, "kith_deliveries_total", &sent)
            >= value(&before, "kith_deliveries_total", &sent) + 2.0
        {
            break after;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries not counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        value(&after, "kith_commands_total", &gave),
        value(&before, "kith_commands_total", &gave) + 1.0
    );
    let unknown = [("command", "unknown"), ("outcome", "user_error")];
    assert_eq!(value(&after, "kith_commands_total", &unknown), 1.0);
    assert!(
        value(
            &after,
            "kith_command_duration_seconds_count",
            &[("command", "gave")]
        ) >= 1.0
    );
    // No member, workspace or user id is ever a label.
    for sample in &after.samples {
        let labels = format!("{:?}", sample.labels);
        assert!(
            !labels.contains("U1") && !labels.contains("T1"),
            "{} {labels}",
            sample.metric
        );
    }

    // A stop: exit 0, with a line saying so.
    assert!(kith.terminate(), "kith exits 0 on SIGTERM");
    let output = kith.output();
    let mut events = Vec::new();
    for line in kith.stderr().lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
        events.push(event);
    }
    let starting = events
        .iter()
        .find(|e| e["message"] == "Kith is starting")
        .expect("a start line");
    assert_eq!(starting["level"], "INFO");
    assert_eq!(starting["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(starting["store"], "sqlite");
    let platforms = starting["platforms"].as_str().expect("platforms");
    assert!(
        platforms.contains("slack (socket mode)") && platforms.contains("discord (gateway)"),
        "{platforms}"
    );
    assert_eq!(starting["addr"], addr.as_str());
    assert!(
        events.iter().any(|e| e["message"] == "Kith stopped"),
        "a stop line"
    );
    assert!(
        events.len() > 100,
        "trace level logs plenty: {}",
        events.len()
    );
    for secret in [SLACK_BOT_TOKEN, SLACK_APP_TOKEN, DISCORD_TOKEN] {
        assert!(!output.contains(secret), "the log shows {secret}");
    }
}

#[tokio::test]
async fn the_default_level_says_when_kith_starts_and_stops_in_text() {
    let discord = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let addr = free_addr();
    let mut command = kith_command();
    command
        .arg("run")
        .current_dir(dir.path())
        .env("KITH_DATABASE_URL", dir.path().join("kith.db"))
        .env("KITH_HTTP_ADDR", &addr)
        .env("KITH_DISCORD_TOKEN", DISCORD_TOKEN)
        .env("KITH_DISCORD_API_URL", &discord.rest_url);
    let mut kith = Running::start(command, dir.path());
    wait_for_status(
        &format!("http://{addr}/readyz"),
        200,
        Duration::from_secs(20),
    )
    .await;
    // `/metrics` is on the HTTP address when it has none of its own.
    let metrics = scrape(&format!("http://{addr}/metrics")).await;
    assert_eq!(
        value(
            &metrics,
            "kith_platform_connected",
            &[("platform", "discord")]
        ),
        1.0
    );
    assert!(kith.terminate());
    let log = kith.stderr();
    let start = log
        .lines()
        .find(|l| l.contains("Kith is starting"))
        .expect("a start line");
    assert!(
        start.contains("INFO") && start.contains("discord (gateway)"),
        "{start}"
    );
    assert!(start.contains(&format!("addr={addr}")), "{start}");
    assert!(log.lines().any(|l| l.contains("Kith stopped")), "{log}");
    assert!(!log.contains(DISCORD_TOKEN));
}
