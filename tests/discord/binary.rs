//! `kith` as the binary runs it: configuration with Discord credentials
//! starts the Gateway, the interactions endpoint, `/healthz` and delivery;
//! `kith discord register` registers the commands.

use std::time::Duration;

use ed25519_dalek::{Signer, SigningKey};
use kith::Config;
use kith_bot::domain::Secret;
use serde_json::{Value, json};

use crate::fake_discord::{APPLICATION_ID, FakeDiscord, GUILD_ID, Opt, slash};

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9u8; 32])
}

async fn free_addr() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    listener.local_addr().expect("addr").to_string()
}

/// Waits (bounded) for the HTTP server to come up; whether `/healthz` said ok.
async fn healthy(client: &reqwest::Client, addr: &str) -> bool {
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("http://{addr}/healthz")).send().await {
            return response.status().is_success();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Asks a running Kith to stop and checks it stops cleanly.
async fn stop_cleanly(
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let _ = stop.send(());
    let outcome = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops when asked")
        .expect("no panic");
    assert!(outcome.is_ok(), "{outcome:?}");
}

fn config(fake: &FakeDiscord, dir: &tempfile::TempDir, http_addr: &str) -> Config {
    let mut config = Config {
        database_url: dir.path().join("kith.db").display().to_string(),
        http_addr: http_addr.into(),
        ..Config::default()
    };
    config.discord.token = Some(Secret::new("fake-bot-token"));
    config.discord.application_id = Some(APPLICATION_ID);
    config.discord.public_key = Some(hex::encode(key().verifying_key().as_bytes()));
    config.discord.api_url = fake.rest_url.clone();
    config
}

async fn post_signed(url: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = hex::encode(
        key()
            .sign(format!("{timestamp}{body}").as_bytes())
            .to_bytes(),
    );
    let response = reqwest::Client::new()
        .post(url)
        .header("x-signature-ed25519", signature)
        .header("x-signature-timestamp", timestamp)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn kith_run_with_discord_credentials_serves_the_gateway_and_the_endpoint() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let addr = free_addr().await;
    let config = config(&fake, &dir, &addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        kith::run_discord(&config, async {
            let _ = stopped.await;
        })
        .await
    });
    fake.identified().await;

    // The HTTP server is up: /healthz, and PING at the endpoint.
    let client = reqwest::Client::new();
    assert!(healthy(&client, &addr).await, "GET /healthz answers");
    let endpoint = format!("http://{addr}/discord/interactions");
    let ping = json!({"id": "1", "application_id": APPLICATION_ID.to_string(), "type": 1, "token": "t", "version": 1});
    assert_eq!(
        post_signed(&endpoint, &ping).await,
        (200, json!({"type": 1}))
    );

    // A command over the Gateway.
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            901,
            ALICE,
            "kith",
            "gave",
            &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
        ),
    );
    let callback = fake.callback(901).await;
    assert_eq!(callback.body["data"]["flags"], 64);
    assert!(
        callback.body["data"]["content"]
            .as_str()
            .expect("content")
            .contains("Logged: you gave @bob")
    );

    stop_cleanly(stop, running).await;
}

#[tokio::test]
async fn kith_discord_register_overwrites_the_commands_of_a_guild() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = config(&fake, &dir, "127.0.0.1:0");
    let count = kith::discord_register(&config, Some(GUILD_ID))
        .await
        .expect("registers");
    // /kith, /kith-account, /kith-community, /kith-admin, /favour, /favor
    // and the three context-menu commands on a member.
    assert_eq!(count, 9);
    let puts = fake.calls_to("PUT", "/commands");
    assert_eq!(puts.len(), 1);
    assert!(
        puts[0]
            .path
            .ends_with(&format!("/guilds/{GUILD_ID}/commands"))
    );
}

#[tokio::test]
async fn a_bad_public_key_is_a_clear_startup_error() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = config(&fake, &dir, "127.0.0.1:0");
    config.discord.public_key = Some("not-a-key".into());
    let err = kith::run_discord(&config, std::future::pending())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("KITH_DISCORD_PUBLIC_KEY"), "{err}");
    assert!(!err.to_string().contains("fake-bot-token"));
}

#[tokio::test]
async fn slack_and_discord_run_side_by_side_on_one_http_server() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let addr = free_addr().await;
    let mut config = config(&fake, &dir, &addr);
    // Slack over HTTP too; its Web API is never reached in this test.
    config.slack.signing_secret = Some(Secret::new("slack-signing-secret"));
    config.slack.bot_token = Some(Secret::new("xoxb-test"));
    config.slack.api_url = "http://127.0.0.1:9/api".into();
    assert!(kith::platforms_configured(&config));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        kith::run_platforms(&config, async {
            let _ = stopped.await;
        })
        .await
    });
    fake.identified().await;

    let client = reqwest::Client::new();
    assert!(healthy(&client, &addr).await, "GET /healthz answers");
    // Discord's endpoint and Slack's routes, on the same address.
    let ping = json!({"id": "1", "application_id": APPLICATION_ID.to_string(), "type": 1, "token": "t", "version": 1});
    assert_eq!(
        post_signed(&format!("http://{addr}/discord/interactions"), &ping).await,
        (200, json!({"type": 1}))
    );
    let unsigned = client
        .post(format!("http://{addr}/slack/commands"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("team_id=T1&user_id=U1&command=%2Fkith&text=help")
        .send()
        .await
        .expect("answers");
    assert_eq!(
        unsigned.status().as_u16(),
        401,
        "Slack's route is served and checks signatures"
    );

    stop_cleanly(stop, running).await;
}

#[tokio::test]
async fn a_stop_while_discord_hangs_at_start_up_still_stops_in_time() {
    // A Discord that accepts connections and never answers (`/gateway/bot`
    // hangs).
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let hanging_url = format!("http://{}", hanging.local_addr().expect("addr"));
    let connected = std::sync::Arc::new(tokio::sync::Notify::new());
    let told = connected.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hanging.accept().await {
            held.push(socket);
            told.notify_one();
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        database_url: dir.path().join("kith.db").display().to_string(),
        http_addr: free_addr().await,
        shutdown_grace_secs: 2,
        ..Config::default()
    };
    config.discord.token = Some(Secret::new("fake-bot-token"));
    config.discord.application_id = Some(APPLICATION_ID);
    config.discord.api_url = hanging_url;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        kith::run_discord(&config, async {
            let _ = stopped.await;
        })
        .await
    });
    // Kith is waiting on Discord when the stop comes.
    tokio::time::timeout(Duration::from_secs(10), connected.notified())
        .await
        .expect("Kith calls Discord at start-up");
    let _ = stop.send(());
    let asked = std::time::Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("stops within its grace period although Discord hangs")
        .expect("no panic");
    assert!(outcome.is_ok(), "{outcome:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
}
