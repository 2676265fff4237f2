//! Command round-trip through the signed Slack HTTP endpoint.
//!
//! Serves Kith's HTTP router on 127.0.0.1 over a fresh SQLite file, then
//! sends signed `/kith gave <@U…> …` slash commands as Slack would: first
//! one at a time (latency), then 8 in flight (throughput), then refused
//! ones (a bad signature). Each command writes a favour. No Web API calls
//! (no bot token), so this times verification, parsing, the core and the
//! store.
//!
//!     cargo bench --bench slack_roundtrip

use std::sync::Arc;
use std::time::{Duration, Instant};

use kith_bot::domain::Secret;
use kith_bot::ports::SystemClock;
use kith_slack::{SlackConfig, signature};
use kith_storage::SqliteStore;

const SEQUENTIAL: usize = 1000;
const CONCURRENT: usize = 2000;
const IN_FLIGHT: usize = 8;
const SECRET: &str = "bench-signing-secret";

fn body(i: usize) -> String {
    serde_urlencoded::to_string([
        ("team_id", "T1"),
        ("channel_id", "C1"),
        ("user_id", &format!("U{}", i % 50)),
        ("user_name", "member"),
        ("command", "/kith"),
        (
            "text",
            &format!("gave <@V{}|friend> favour number {i}", i % 200),
        ),
        ("response_url", "http://127.0.0.1:9/response"),
        // Each command a new delivery: a repeated trigger_id is answered
        // from the first delivery's answer.
        ("trigger_id", &format!("{i}.2.3")),
    ])
    .unwrap_or_default()
}

async fn send(http: &reqwest::Client, url: &str, body: String, sign: bool) -> (u16, Duration) {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
        .to_string();
    let sig = if sign {
        signature::sign(&Secret::new(SECRET), &ts, body.as_bytes())
    } else {
        "v0=00".into()
    };
    let began = Instant::now();
    let status = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(signature::TIMESTAMP_HEADER, ts)
        .header(signature::SIGNATURE_HEADER, sig)
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    (status, began.elapsed())
}

fn report(name: &str, mut times: Vec<Duration>, wall: Duration) {
    times.sort();
    let pick = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    println!(
        "{name}: {} requests in {:.2} s ({:.0}/s); p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        wall.as_secs_f64(),
        times.len() as f64 / wall.as_secs_f64(),
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.95).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        pick(1.0).as_secs_f64() * 1e3,
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.db").display().to_string()).await?;
    let config = SlackConfig {
        signing_secret: Some(Secret::new(SECRET)),
        api_url: "http://127.0.0.1:9/api".into(),
        ..SlackConfig::default()
    };
    let slack = Arc::new(kith::slack_app(
        &config,
        Arc::new(store.clone()),
        Arc::new(SystemClock),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/slack/commands", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, kith::http_router(Some(slack), None)).await });
    let http = reqwest::Client::new();

    // Warm up: create the members and their first contacts.
    for i in 0..200 {
        send(&http, &url, body(i), true).await;
    }

    let began = Instant::now();
    let mut times = Vec::with_capacity(SEQUENTIAL);
    for i in 0..SEQUENTIAL {
        let (status, took) = send(&http, &url, body(i), true).await;
        anyhow::ensure!(status == 200, "command {i} answered {status}");
        times.push(took);
    }
    report("sequential signed commands", times, began.elapsed());

    let began = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..IN_FLIGHT {
        let (http, url) = (http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for i in (worker..CONCURRENT).step_by(IN_FLIGHT) {
                let (status, took) = send(&http, &url, body(i), true).await;
                if status != 200 {
                    return Err(anyhow::anyhow!("command {i} answered {status}"));
                }
                times.push(took);
            }
            Ok(times)
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await??);
    }
    report(
        &format!("{IN_FLIGHT} in flight signed commands"),
        times,
        began.elapsed(),
    );

    let began = Instant::now();
    let mut times = Vec::new();
    for i in 0..SEQUENTIAL {
        let (status, took) = send(&http, &url, body(i), false).await;
        anyhow::ensure!(status == 401, "a bad signature answered {status}");
        times.push(took);
    }
    report("refused (bad signature)", times, began.elapsed());

    let favours: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entries")
        .fetch_one(store.pool())
        .await?;
    println!("favours stored: {favours}");
    Ok(())
}
