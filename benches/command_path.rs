//! The command path under load, side by side with its baselines in one run.
//!
//! Serves, on 127.0.0.1:
//! - A: a bare axum endpoint that checks the Slack signature and answers;
//! - B: A plus one durable SQLite insert per request (WAL, synchronous NORMAL);
//! - B-read: A plus one indexed SELECT (the baseline for reads);
//! - Kith: `kith run` as a self-hoster runs it (Slack over HTTP with a bot
//!   token against a small fake Web API, the delivery loop running), over a
//!   fresh SQLite file;
//! - the same three for Discord's interactions endpoint (Ed25519): A-Discord,
//!   B-Discord and Kith's `POST /discord/interactions`,
//!
//! and loads each with signed `/kith` commands from a Rust load generator at
//! 1, 8 and 64 concurrent connections for a fixed time, in interleaved
//! rounds, printing requests/s, p50 and p99 and the ratios to the
//! baselines. Scenarios: `gave` from one member about one contact, `gave`
//! spread over 1,000 members, and `balance`, `due` and `list` for a member
//! with 500 contacts (all due) and ~8,000 entries; on Discord, `gave` spread
//! over 50 members.
//!
//!     cargo bench --bench command_path
//!     KITH_BENCH_SECS=15 KITH_BENCH_ROUNDS=3 cargo bench --bench command_path
//!
//! Every figure is a median over the rounds. The load generator shares the
//! machine with the servers, as wrk would: compare ratios, not absolutes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use kith_bot::domain::Secret;
use kith_slack::signature;

const SECRET: &str = "bench-signing-secret";

fn secret() -> Secret {
    Secret::new(SECRET)
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A request as the platform sends it.
struct Request {
    content_type: &'static str,
    headers: [(&'static str, String); 2],
    body: String,
}

/// A form body signed as Slack signs it.
fn slack(body: String) -> Request {
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = signature::sign(&secret(), &ts, body.as_bytes());
    Request {
        content_type: "application/x-www-form-urlencoded",
        headers: [
            (signature::TIMESTAMP_HEADER, ts),
            (signature::SIGNATURE_HEADER, sig),
        ],
        body,
    }
}

/// The key the benchmark's Discord application signs with.
fn discord_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

fn discord_verifier() -> kith_discord::Verifier {
    kith_discord::Verifier::new(&hex::encode(discord_key().verifying_key().as_bytes()))
        .unwrap_or_else(|_| unreachable!("the key is 32 bytes"))
}

/// A JSON body signed as Discord signs it.
fn discord(body: String) -> Request {
    use ed25519_dalek::Signer;
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = hex::encode(
        discord_key()
            .sign(format!("{ts}{body}").as_bytes())
            .to_bytes(),
    );
    Request {
        content_type: "application/json",
        headers: [("x-signature-timestamp", ts), ("x-signature-ed25519", sig)],
        body,
    }
}

const GUILD: u64 = 1_200_000_000_000_000_001;

/// `/kith gave` from one of 50 members about one of 50 others, as Discord
/// sends an application command.
fn interaction(n: u64) -> String {
    let user = |id: u64, name: &str| {
        serde_json::json!({"id": id.to_string(), "username": name, "discriminator": "0",
                           "global_name": name, "avatar": null})
    };
    let (alice, bob) = (
        2_000_000_000_000_000_000 + n % 50,
        3_000_000_000_000_000_000 + n % 50,
    );
    serde_json::json!({
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
        "member": {"user": user(alice, "alice"), "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00",
                   "deaf": false, "mute": false, "flags": 0},
        "token": format!("token-{n}"),
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 10_485_760,
    })
    .to_string()
}

/// A slash command's form; `trigger` is its delivery id.
fn command_body(team: &str, user: &str, text: &str, trigger: &str) -> String {
    serde_urlencoded::to_string([
        ("team_id", team),
        ("channel_id", "C1"),
        ("user_id", user),
        ("user_name", user),
        ("command", "/kith"),
        ("text", text),
        ("response_url", "http://127.0.0.1:9/response"),
        ("trigger_id", trigger),
    ])
    .unwrap_or_default()
}

/// A baseline's check: Slack's HMAC, or Discord's Ed25519 when the
/// request carries Discord's headers.
fn verified(headers: &HeaderMap, body: &[u8]) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if headers.contains_key("x-signature-ed25519") {
        static VERIFIER: std::sync::OnceLock<kith_discord::Verifier> = std::sync::OnceLock::new();
        return VERIFIER
            .get_or_init(discord_verifier)
            .verify(
                get("x-signature-ed25519"),
                get("x-signature-timestamp"),
                body,
                chrono::Utc::now(),
            )
            .is_ok();
    }
    signature::verify(
        &secret(),
        get(signature::TIMESTAMP_HEADER),
        get(signature::SIGNATURE_HEADER),
        body,
        chrono::Utc::now(),
    )
    .is_ok()
}

/// What every baseline answers: a short ephemeral message, as Slack expects.
const ANSWER: &str = r#"{"response_type":"ephemeral","text":"ok"}"#;

async fn bare(headers: HeaderMap, body: axum::body::Bytes) -> (StatusCode, &'static str) {
    if !verified(&headers, &body) {
        return (StatusCode::UNAUTHORIZED, "");
    }
    (StatusCode::OK, ANSWER)
}

async fn insert(
    State(pool): State<sqlx::SqlitePool>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, &'static str) {
    if !verified(&headers, &body) {
        return (StatusCode::UNAUTHORIZED, "");
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let stored = sqlx::query("INSERT INTO requests (body, at) VALUES (?, ?)")
        .bind(text)
        .bind(chrono::Utc::now().timestamp())
        .execute(&pool)
        .await;
    match stored {
        Ok(_) => (StatusCode::OK, ANSWER),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, ""),
    }
}

async fn select(
    State(pool): State<sqlx::SqlitePool>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, &'static str) {
    if !verified(&headers, &body) {
        return (StatusCode::UNAUTHORIZED, "");
    }
    let found: Result<Option<(i64, String)>, _> =
        sqlx::query_as("SELECT id, body FROM requests WHERE id = ?")
            .bind(1 + (body.len() as i64 % 500))
            .fetch_optional(&pool)
            .await;
    match found {
        Ok(_) => (StatusCode::OK, ANSWER),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, ""),
    }
}

async fn serve(router: axum::Router) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{addr}"))
}

/// The baselines' database: one table, WAL, synchronous NORMAL, as Kith's.
async fn baseline_pool(dir: &std::path::Path) -> anyhow::Result<sqlx::SqlitePool> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let options = SqliteConnectOptions::new()
        .filename(dir.join("baseline.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5));
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE TABLE requests (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)",
    )
    .execute(&pool)
    .await?;
    for i in 0..500 {
        sqlx::query("INSERT INTO requests (body, at) VALUES (?, 0)")
            .bind(format!("row {i}"))
            .execute(&pool)
            .await?;
    }
    Ok(pool)
}

/// A fake Slack Web API: users.info knows everyone; every other method
/// (chat.postMessage, conversations.open, ...) succeeds.
async fn fake_slack() -> anyhow::Result<String> {
    async fn method(
        axum::extract::Path(name): axum::extract::Path<String>,
        axum::extract::RawQuery(query): axum::extract::RawQuery,
        body: String,
    ) -> axum::Json<serde_json::Value> {
        if name == "users.info" {
            let params = format!("{}&{body}", query.unwrap_or_default());
            let user = params
                .split('&')
                .find_map(|kv| kv.strip_prefix("user="))
                .unwrap_or("U0")
                .to_string();
            return axum::Json(serde_json::json!({
                "ok": true,
                "user": {"id": user, "name": user.to_lowercase(), "real_name": format!("Real {user}"),
                         "tz": "Europe/Berlin", "is_admin": false, "is_owner": false,
                         "is_primary_owner": false, "is_bot": false, "deleted": false}
            }));
        }
        axum::Json(serde_json::json!({"ok": true, "channel": {"id": "D1"}, "ts": "1.1"}))
    }
    let base = serve(axum::Router::new().route("/api/{name}", post(method).get(method))).await?;
    Ok(format!("{base}/api"))
}

/// Kith as `kith run` serves Slack over HTTP, over a fresh SQLite file in
/// `dir` or the database at `url`; returns the base URL and the database path.
async fn kith(
    dir: &std::path::Path,
    url: Option<String>,
) -> anyhow::Result<(String, std::path::PathBuf)> {
    let api = fake_slack().await?;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.port()
    };
    let db = dir.join("kith.db");
    let mut config = kith::Config {
        database_url: url.unwrap_or_else(|| format!("sqlite://{}", db.display())),
        http_addr: format!("127.0.0.1:{port}"),
        ..kith::Config::default()
    };
    config.slack.signing_secret = Some(secret());
    config.slack.bot_token = Some(Secret::new("xoxb-bench"));
    config.slack.api_url = api;
    tokio::spawn(async move {
        if let Err(e) = kith::run_platforms(&config, std::future::pending()).await {
            eprintln!("kith stopped: {e:#}");
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            return Ok((base, db));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    anyhow::bail!("kith did not start")
}

/// Kith's Discord interactions endpoint, as `kith run` serves it with a
/// public key, over its own SQLite file; returns the base URL.
async fn discord_kith(dir: &std::path::Path) -> anyhow::Result<String> {
    let store =
        kith_storage::SqliteStore::open(&dir.join("discord.db").display().to_string()).await?;
    let kith = kith_bot::Kith::new(Arc::new(store), Arc::new(kith_bot::ports::SystemClock));
    let mut settings = kith_discord::Settings::new(Secret::new("bench-token"));
    settings.application_id = Some(1_100_000_000_000_000_001);
    // Nothing here calls Discord: every answer is the HTTP response.
    settings.api_url = Some("http://127.0.0.1:9".into());
    let discord = kith_discord::Discord::new(kith, settings);
    serve(kith_discord::http::router(discord, discord_verifier())).await
}

/// What a load run saw.
#[derive(Debug, Clone, Copy)]
struct Figures {
    /// Requests answered with success.
    ok: u64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: u64,
}

/// Makes the n-th request, signed.
type Maker = Arc<dyn Fn(u64) -> Request + Send + Sync>;

/// Numbers requests across every run of the process: each command has its
/// own delivery id (`trigger_id`, interaction id), as real ones do, so none
/// is answered from the stored answer of an earlier one.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Loads `url` from `concurrency` connections for `secs` seconds.
async fn load(url: &str, make: Maker, concurrency: usize, secs: u64) -> Figures {
    let failed = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let deadline = began + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        // One client per connection: keep-alive, no pool contention.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap_or_default();
        let (url, make, failed) = (url.to_string(), make.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let n = REQUESTS.fetch_add(1, Ordering::Relaxed);
                let request = make(n);
                let [(h1, v1), (h2, v2)] = request.headers;
                let sent = Instant::now();
                let ok = http
                    .post(&url)
                    .header("content-type", request.content_type)
                    .header(h1, v1)
                    .header(h2, v2)
                    .body(request.body)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                times.push(sent.elapsed());
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap_or_default());
    }
    let wall = began.elapsed().as_secs_f64();
    times.sort();
    let pick = |q: f64| {
        times
            .get(((times.len().max(1) - 1) as f64 * q) as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let failed = failed.load(Ordering::Relaxed);
    Figures {
        ok: times.len() as u64 - failed,
        rate: times.len() as f64 / wall,
        p50_ms: pick(0.5),
        p99_ms: pick(0.99),
        failed,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // Kith's own warnings and errors (a command that failed under load).
    tracing_subscriber::fmt()
        .with_env_filter(
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,kith_bench=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let secs = setting("KITH_BENCH_SECS", 3);
    let rounds = setting("KITH_BENCH_ROUNDS", 3);
    let dir = tempfile::tempdir()?;
    let pool = baseline_pool(dir.path()).await?;
    let a = serve(
        axum::Router::new()
            .route("/slack/commands", post(bare))
            .route("/discord/interactions", post(bare)),
    )
    .await?;
    let b = serve(
        axum::Router::new()
            .route("/slack/commands", post(insert))
            .route("/discord/interactions", post(insert))
            .with_state(pool.clone()),
    )
    .await?;
    let b_read = serve(
        axum::Router::new()
            .route("/slack/commands", post(select))
            .with_state(pool.clone()),
    )
    .await?;
    // The same on PostgreSQL (a throwaway server, as the tests start).
    let pg_url = kith_storage::testing::fresh_database()
        .await
        .ok_or_else(|| anyhow::anyhow!("the PostgreSQL server programs are not installed"))?;
    let (kith_pg, _) = kith(dir.path(), Some(pg_url.clone())).await?;
    let (kith, db) = kith(dir.path(), None).await?;

    // The reader: one member with 500 contacts and ~8,000 entries.
    println!("seeding the reader (500 contacts, 8,000 entries)...");
    let http = reqwest::Client::new();
    for n in 0..8_000u64 {
        // Ten weeks ago, so that every one of them is due.
        let text = format!("gave <@V{}> favour {n} 10w ago", n % 500);
        let request = slack(command_body("T1", "UREADER", &text, &format!("seed.{n}")));
        let [(h1, v1), (h2, v2)] = request.headers;
        http.post(format!("{kith}/slack/commands"))
            .header("content-type", request.content_type)
            .header(h1, v1)
            .header(h2, v2)
            .body(request.body)
            .send()
            .await?;
    }
    // KITH_BENCH_KEEP_DB=/tmp/reader.db: a copy of the seeded database, to
    // time the readers' queries by hand (sqlite3's .timer, EXPLAIN).
    if let Ok(keep) = std::env::var("KITH_BENCH_KEEP_DB") {
        let store = kith_storage::SqliteStore::open(&db.display().to_string()).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "VACUUM INTO '{}'",
            keep.replace('\'', "''")
        )))
        .execute(store.pool())
        .await?;
        store.close().await;
    }
    let discord_kith = discord_kith(dir.path()).await?;

    let url = |base: &str| format!("{base}/slack/commands");
    let gave_one: Maker = Arc::new(|n| {
        slack(command_body(
            "T1",
            "U1",
            &format!("gave <@U2> coffee {n}"),
            &format!("t.{n}"),
        ))
    });
    let gave_spread: Maker = Arc::new(|n| {
        slack(command_body(
            "T1",
            &format!("M{}", n % 1_000),
            &format!("gave <@F{}> coffee {n}", n % 1_000),
            &format!("t.{n}"),
        ))
    });
    let (gave_one_pg, gave_spread_pg) = (gave_one.clone(), gave_spread.clone());
    let balance: Maker =
        Arc::new(|n| slack(command_body("T1", "UREADER", "balance", &format!("t.{n}"))));
    let due: Maker = Arc::new(|n| slack(command_body("T1", "UREADER", "due", &format!("t.{n}"))));
    let list: Maker = Arc::new(|n| slack(command_body("T1", "UREADER", "list", &format!("t.{n}"))));
    let settings: Maker =
        Arc::new(|n| slack(command_body("T1", "UREADER", "settings", &format!("t.{n}"))));
    let baseline_body: Maker = gave_one.clone();
    let discord_gave: Maker = Arc::new(|n| discord(interaction(n)));
    let discord_url = |base: &str| format!("{base}/discord/interactions");

    // Indices 0-2 are Slack's baselines, 6-7 Discord's; 13 is the floor (see the ratios).
    let targets: Vec<(&str, String, Maker)> = vec![
        ("A bare signed endpoint", url(&a), baseline_body.clone()),
        ("B A + one durable insert", url(&b), baseline_body.clone()),
        ("B-read A + one indexed select", url(&b_read), baseline_body),
        ("Kith gave, one member -> one contact", url(&kith), gave_one),
        ("Kith gave, 1,000 members", url(&kith), gave_spread),
        ("Kith balance, 500 contacts", url(&kith), balance),
        (
            "A-Discord bare signed endpoint",
            discord_url(&a),
            discord_gave.clone(),
        ),
        (
            "B-Discord A + one durable insert",
            discord_url(&b),
            discord_gave.clone(),
        ),
        (
            "Kith Discord gave, 50 members",
            discord_url(&discord_kith),
            discord_gave,
        ),
        ("Kith due, 500 contacts all due", url(&kith), due),
        ("Kith list, 500 contacts", url(&kith), list),
    ];
    let targets: Vec<(&str, String, Maker)> = targets
        .into_iter()
        .chain([
            (
                "Kith on PostgreSQL gave, one -> one",
                url(&kith_pg),
                gave_one_pg,
            ),
            (
                "Kith on PostgreSQL gave, 1,000 members",
                url(&kith_pg),
                gave_spread_pg,
            ),
            // Kith's floor for any command: the member's row and a short
            // answer, no other read.
            ("Kith settings (the floor)", url(&kith), settings),
        ])
        .collect();
    // KITH_BENCH_ONLY=balance KITH_BENCH_CONCURRENCY=64: one target at one
    // level, e.g. under a profiler.
    let only = std::env::var("KITH_BENCH_ONLY").unwrap_or_default();
    let levels: Vec<usize> = match setting("KITH_BENCH_CONCURRENCY", 0) {
        0 => vec![1, 8, 64],
        n => vec![n as usize],
    };
    let mut seen: BTreeMap<(usize, usize), Vec<Figures>> = BTreeMap::new();
    for round in 0..rounds {
        for &concurrency in &levels {
            for (i, (name, url, make)) in targets.iter().enumerate() {
                if !name.contains(only.as_str()) {
                    continue;
                }
                let figures = load(url, make.clone(), concurrency, secs).await;
                eprintln!(
                    "round {round} c={concurrency:<2} {name:<40} {:>8.0}/s p50 {:>7.2} ms p99 {:>7.2} ms failed {}",
                    figures.rate, figures.p50_ms, figures.p99_ms, figures.failed
                );
                seen.entry((concurrency, i)).or_default().push(figures);
            }
        }
    }

    println!(
        "\n{} s x {} rounds per figure (medians); ratios are to B (writes) and B-read (balance)\n",
        secs, rounds
    );
    println!(
        "| concurrency | target | req/s | p50 ms | p99 ms | failed | ratio |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    if !only.is_empty() {
        return Ok(());
    }
    for &concurrency in &levels {
        let rate = |i: usize| median(seen[&(concurrency, i)].iter().map(|f| f.rate).collect());
        let (b_rate, read_rate) = (rate(1), rate(2));
        for (i, (name, _, _)) in targets.iter().enumerate() {
            let runs = &seen[&(concurrency, i)];
            let r = rate(i);
            let ratio = match i {
                0..=2 | 6 | 7 => String::new(),
                5 | 9 | 10 | 13 => format!("{:.2}x B-read", r / read_rate),
                8 => format!("{:.2}x B-Discord", r / rate(7)),
                11 | 12 => format!(
                    "{:.2}x B, {:.2}x Kith on SQLite",
                    r / b_rate,
                    r / rate(i - 8)
                ),
                _ => format!("{:.2}x B", r / b_rate),
            };
            println!(
                "| {concurrency} | {name} | {:.0} | {:.2} | {:.2} | {} | {ratio} |",
                r,
                median(runs.iter().map(|f| f.p50_ms).collect()),
                median(runs.iter().map(|f| f.p99_ms).collect()),
                runs.iter().map(|f| f.failed).sum::<u64>(),
            );
        }
    }
    let store = kith_storage::SqliteStore::open(&db.display().to_string()).await?;
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entries")
        .fetch_one(store.pool())
        .await?;
    // Every answered `gave` must have written its favour: a figure from
    // answers served without the work would be worthless.
    let gave: u64 = seen
        .iter()
        .filter(|((_, i), _)| matches!(i, 3 | 4))
        .flat_map(|(_, runs)| runs.iter().map(|f| f.ok))
        .sum();
    println!("\nentries stored by Kith: {entries} (8,000 seeded + {gave} answered gave)");
    anyhow::ensure!(
        entries as u64 == 8_000 + gave,
        "{} favours were answered but not stored",
        (8_000 + gave).saturating_sub(entries as u64)
    );
    let pg = kith_storage::testing::inspector(&pg_url).await;
    let pg_entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entries")
        .fetch_one(&pg)
        .await?;
    let pg_gave: u64 = seen
        .iter()
        .filter(|((_, i), _)| matches!(i, 11 | 12))
        .flat_map(|(_, runs)| runs.iter().map(|f| f.ok))
        .sum();
    println!("entries stored by Kith on PostgreSQL: {pg_entries} ({pg_gave} answered gave)");
    anyhow::ensure!(
        pg_entries as u64 == pg_gave,
        "favours answered on PostgreSQL but not stored"
    );
    Ok(())
}
