//! Delivery across replicas: many reminders due at once, delivered by 1 and
//! by 3 `kith` processes on one PostgreSQL, to a fake Slack that answers
//! each message in 20–50 ms and never rate-limits. Prints messages/s for
//! each, duplicates and lost (both must be 0), and the ratio 3 : 1.
//!
//!     cargo bench --bench replicas
//!     KITH_BENCH_REMINDERS=100000 KITH_BENCH_ROUNDS=1 cargo bench --bench replicas
//!
//! Each run gets a fresh database on a throwaway PostgreSQL (`initdb` and
//! `postgres` from the distribution's package, as the tests use). Members
//! are spread 50 to a workspace: Slack's Tier 3 allows ~50 conversations.open
//! a minute per team, which Kith keeps, so fewer, bigger workspaces would
//! measure that limit instead. Rounds alternate 1 and 3 replicas; figures
//! are medians. Everything shares the machine (2 cores here): PostgreSQL,
//! the replicas and the fake.

#[path = "../tests/slack/fake_slack.rs"]
#[allow(dead_code)]
mod fake_slack;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use fake_slack::FakeSlack;
use kith_bot::domain::Platform;
use kith_bot::ports::ManualClock;
use kith_bot::{Actor, Kith};
use kith_storage::{AnyStore, testing};

const BOT_TOKEN: &str = "xoxb-bench";
const SIGNING_SECRET: &str = "bench-secret";
const PER_WORKSPACE: usize = 50;
/// "Never" for the scheduler: the bench queues the rows itself.
const NEVER: i64 = 253_402_300_799;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The columns of `table` but `id`, with some replaced by expressions.
async fn columns(sql: &sqlx::AnyPool, table: &str, replace: &[(&str, &str)]) -> (String, String) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
          WHERE table_name = $1 AND column_name <> 'id' ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(sql)
    .await
    .expect("columns");
    let values = names
        .iter()
        .map(|name| {
            replace
                .iter()
                .find(|(column, _)| column == name)
                .map_or(format!("s.{name}"), |(_, expression)| {
                    expression.to_string()
                })
        })
        .collect::<Vec<_>>()
        .join(", ");
    (names.join(", "), values)
}

/// A fresh database with `reminders` members, 50 to a workspace, each with
/// one contact due and one reminder queued, due now.
async fn database(reminders: usize) -> String {
    let url = testing::fresh_database()
        .await
        .expect("the PostgreSQL server programs are installed (initdb, postgres)");
    let store = AnyStore::open(&url).await.expect("opens");
    let sql = testing::inspector(&url).await;
    let now = Utc::now();
    // One member made the way a member is made, then copied in bulk.
    let clock = ManualClock::at(now - chrono::Duration::days(21));
    let kith = Kith::new(Arc::new(store.clone()), Arc::new(clock));
    let seed = Actor::new(Platform::Slack, "TSEED", "USEED", "Seed");
    let reply = kith.handle(&seed, "add \"Old Friend\" inner").await;
    assert!(!reply.is_error, "{}", reply.plain_text());
    let workspaces = reminders.div_ceil(PER_WORKSPACE);
    let (cols, values) = columns(&sql, "workspaces", &[("external_id", "'T' || g")]).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO workspaces ({cols}) SELECT {values}
           FROM workspaces s CROSS JOIN generate_series(1, {workspaces}) g
          WHERE s.external_id = 'TSEED'"
    )))
    .execute(&sql)
    .await
    .expect("workspaces");
    let (cols, values) = columns(
        &sql,
        "members",
        &[
            ("workspace_id", "w.id"),
            ("external_id", "'U' || w.id || 'N' || g"),
            ("next_reminder_at", &NEVER.to_string()),
            ("next_digest_at", &NEVER.to_string()),
        ],
    )
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO members ({cols}) SELECT {values}
           FROM members s CROSS JOIN workspaces w CROSS JOIN generate_series(1, {PER_WORKSPACE}) g
          WHERE s.external_id = 'USEED' AND w.external_id <> 'TSEED'
            AND (w.id - (SELECT MIN(id) FROM workspaces WHERE external_id <> 'TSEED')) * {PER_WORKSPACE} + g <= {reminders}"
    )))
    .execute(&sql)
    .await
    .expect("members");
    let (cols, values) = columns(
        &sql,
        "contacts",
        &[("workspace_id", "m.workspace_id"), ("owner_id", "m.id")],
    )
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO contacts ({cols}) SELECT {values}
           FROM contacts s JOIN members seed ON seed.id = s.owner_id
          CROSS JOIN members m
          WHERE seed.external_id = 'USEED' AND m.external_id <> 'USEED'"
    )))
    .execute(&sql)
    .await
    .expect("contacts");
    let queued = sqlx::query(
        "INSERT INTO outbox (workspace_id, member_id, kind, local_date, not_before,
                             expires_at, next_attempt_at, created_at)
         SELECT workspace_id, id, 'reminder', $1, $2, $3, $2, $4 FROM members
          WHERE external_id <> 'USEED'",
    )
    .bind(now.date_naive().to_string())
    .bind(now.timestamp() - 60)
    .bind(now.timestamp() + 3_600)
    .bind(now.timestamp())
    .execute(&sql)
    .await
    .expect("queued")
    .rows_affected();
    assert_eq!(queued as usize, reminders);
    sqlx::query("UPDATE members SET next_reminder_at = $1, next_digest_at = $1")
        .bind(NEVER)
        .execute(&sql)
        .await
        .expect("schedules off");
    sqlx::query("ANALYZE").execute(&sql).await.expect("analyze");
    store.close().await;
    url
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("addr").to_string()
}

fn start(url: &str, fake: &FakeSlack, dir: &std::path::Path, n: usize) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kith"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KITH_") {
            command.env_remove(name);
        }
    }
    command
        .arg("run")
        .current_dir(dir)
        .env("KITH_DATABASE_URL", url)
        .env("KITH_HTTP_ADDR", free_addr())
        .env("KITH_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("KITH_SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("KITH_SLACK_API_URL", fake.api_url())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("replica-{n}.log"))).expect("log file"))
        .spawn()
        .expect("kith starts")
}

struct Run {
    replicas: usize,
    per_second: f64,
    duplicates: usize,
    lost: i64,
}

async fn run(replicas: usize, reminders: usize) -> Run {
    let url = database(reminders).await;
    let sql = testing::inspector(&url).await;
    let fake = FakeSlack::start().await;
    fake.delay_posts_between(Duration::from_millis(20), Duration::from_millis(50));
    let dir = tempfile::tempdir().expect("dir");
    let started = Instant::now();
    let mut children: Vec<Child> = (0..replicas)
        .map(|n| start(&url, &fake, dir.path(), n))
        .collect();
    // Until every row is settled (or nothing moves for a minute).
    let mut last = (0, Instant::now());
    let took = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
                .fetch_one(&sql)
                .await
                .expect("count");
        if pending == 0 {
            break started.elapsed();
        }
        let posted = fake.posted_count();
        if posted != last.0 {
            last = (posted, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(60) {
            eprintln!(
                "no progress for a minute: {pending} rows pending; see {:?}",
                dir.path()
            );
            break started.elapsed();
        }
    };
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut per_channel: HashMap<String, usize> = HashMap::new();
    for post in fake.posted() {
        *per_channel.entry(post.channel).or_default() += 1;
    }
    let duplicates = per_channel.values().map(|n| n.saturating_sub(1)).sum();
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
        .fetch_one(&sql)
        .await
        .expect("count");
    Run {
        replicas,
        per_second: per_channel.len() as f64 / took.as_secs_f64(),
        duplicates,
        lost: reminders as i64 - sent,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let reminders = env_or("KITH_BENCH_REMINDERS", 20_000);
    let rounds = env_or("KITH_BENCH_ROUNDS", 1).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut runs = Vec::new();
    runtime.block_on(async {
        for round in 0..rounds {
            for replicas in [1, 3] {
                let run = run(replicas, reminders).await;
                eprintln!(
                    "round {}: {} replica(s): {:.0} messages/s, {} duplicates, {} lost",
                    round + 1,
                    run.replicas,
                    run.per_second,
                    run.duplicates,
                    run.lost
                );
                runs.push(run);
            }
        }
    });
    let rate = |replicas: usize| {
        median(
            runs.iter()
                .filter(|r| r.replicas == replicas)
                .map(|r| r.per_second)
                .collect(),
        )
    };
    let (one, three) = (rate(1), rate(3));
    let duplicates: usize = runs.iter().map(|r| r.duplicates).sum();
    let lost: i64 = runs.iter().map(|r| r.lost).sum();
    println!(
        "{reminders} reminders due at once, fake Slack answering in 20-50 ms, {rounds} round(s):"
    );
    println!("  1 replica : {one:>7.0} messages/s");
    println!(
        "  3 replicas: {three:>7.0} messages/s  ({:.2}x)",
        three / one.max(f64::MIN_POSITIVE)
    );
    println!("  duplicates: {duplicates}, lost: {lost}");
}
