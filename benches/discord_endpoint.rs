//! Command round trip through the signed Discord interactions endpoint.
//!
//! Serves `POST /discord/interactions` on 127.0.0.1 over a fresh SQLite
//! file, then sends signed `/kith gave @bob ...` interactions one after
//! another (each verified, parsed, run against the store and answered
//! ephemerally in the response) and reports latency percentiles and
//! throughput.
//!
//!     cargo bench --bench discord_endpoint
//!
//! Target on 2 cores: p95 well under Discord's 3 s deadline (tens of ms).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use kith_bot::Kith;
use kith_bot::domain::Secret;
use kith_bot::ports::SystemClock;
use kith_discord::{Discord, Settings, Verifier};
use kith_storage::SqliteStore;
use serde_json::{Value, json};

const WARM_UP: u64 = 20;
const REQUESTS: u64 = 500;
const GUILD: u64 = 1_200_000_000_000_000_001;

fn user(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": name, "avatar": null})
}

/// `/kith gave` from one of 50 members about one of 50 others.
fn interaction(n: u64) -> Value {
    let (alice, bob) = (
        2_000_000_000_000_000_000 + n % 50,
        3_000_000_000_000_000_000 + n % 50,
    );
    json!({
        "id": (5_000_000_000_000_000_000u64 + n).to_string(),
        "application_id": "1100000000000000001",
        "type": 2,
        "data": {
            "id": "1400000000000000001", "name": "kith", "type": 1,
            "options": [{"name": "gave", "type": 1, "options": [
                {"name": "user", "type": 6, "value": bob.to_string()},
                {"name": "what", "type": 3, "value": format!("favour number {n}")},
            ]}],
            "resolved": {"users": {bob.to_string(): user(bob, "bob")}},
        },
        "guild_id": GUILD.to_string(),
        "channel_id": "1300000000000000001",
        "member": {"user": user(alice, "alice"), "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
        "token": format!("token-{n}"),
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 10_485_760,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.db").display().to_string()).await?;
    let kith = Kith::new(Arc::new(store.clone()), Arc::new(SystemClock));
    let mut settings = Settings::new(Secret::new("bench-token"));
    settings.application_id = Some(1_100_000_000_000_000_001);
    // Nothing here calls Discord: every answer is the HTTP response.
    settings.api_url = Some("http://127.0.0.1:9".into());
    let discord = Discord::new(kith, settings);
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let verifier = Verifier::new(&hex::encode(key.verifying_key().as_bytes()))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/discord/interactions", listener.local_addr()?);
    let router = kith_discord::http::router(discord, verifier);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let client = reqwest::Client::new();
    let mut times = Vec::new();
    let started = Instant::now();
    for n in 0..WARM_UP + REQUESTS {
        let body = interaction(n).to_string();
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature = hex::encode(key.sign(format!("{timestamp}{body}").as_bytes()).to_bytes());
        let sent = Instant::now();
        let response = client
            .post(&url)
            .header("x-signature-ed25519", signature)
            .header("x-signature-timestamp", timestamp)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let answer: Value = response.json().await?;
        anyhow::ensure!(answer["type"] == 4, "not answered in time: {answer}");
        if n >= WARM_UP {
            times.push(sent.elapsed());
        }
    }
    let total = started.elapsed();
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{REQUESTS} signed /kith gave round trips: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.0} commands/s sequentially",
        ms(at(0.50)),
        ms(at(0.95)),
        ms(at(0.99)),
        ms(at(1.0)),
        (WARM_UP + REQUESTS) as f64 / total.as_secs_f64()
    );
    store.close().await;
    Ok(())
}
