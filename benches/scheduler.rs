//! Scheduler tick over a million contacts.
//!
//! Generates 100 workspaces x 100 members x 100 contacts in a fresh SQLite
//! file, every member inside their delivery window with contacts due, then
//! times scheduler ticks that find every member due at that instant and
//! write their outbox rows. Reports tick times and the process's peak RSS.
//!
//!     cargo bench --bench scheduler
//!
//! Targets on 2 cores: tick under 1 s, peak RSS under 300 MB.

use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use kith_bot::delivery::Scheduler;
use kith_storage::SqliteStore;

const WORKSPACES: i64 = 100;
const MEMBERS: i64 = 100;
const CONTACTS: i64 = 100;
const RUNS: usize = 5;

/// Zones from UTC-5 to UTC+5: at 12:00 UTC every one is inside 06:00-18:00.
const ZONES: [&str; 6] = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Karachi",
    "America/Bogota",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db").display().to_string();
    let store = SqliteStore::open(&path).await?;
    // Monday 16 Nov 2026, 12:00 UTC.
    let now = Utc
        .with_ymd_and_hms(2026, 11, 16, 12, 0, 0)
        .single()
        .expect("valid");

    let started = Instant::now();
    generate(&store, now.timestamp()).await?;
    let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(store.pool())
        .await?;
    println!(
        "generated {WORKSPACES} workspaces x {MEMBERS} members x {CONTACTS} contacts = {contacts} contacts in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let scheduler = Scheduler::new(Arc::new(store.clone()));
    let mut times = Vec::new();
    for run in 0..RUNS {
        reset(&store, now.timestamp()).await?;
        let started = Instant::now();
        let report = scheduler.tick(now).await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            report.queued == (WORKSPACES * MEMBERS) as u64,
            "run {run}: expected every member queued, got {report:?}"
        );
        println!(
            "tick {}: {} members due, {} outbox rows written in {:.0} ms",
            run + 1,
            report.members,
            report.queued,
            elapsed.as_secs_f64() * 1000.0
        );
        times.push(elapsed.as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let idle_started = Instant::now();
    let idle = scheduler.tick(now).await?;
    let idle_ms = idle_started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "tick time: best {:.0} ms, median {:.0} ms, worst {:.0} ms (target < 1000 ms)",
        times[0] * 1000.0,
        times[RUNS / 2] * 1000.0,
        times[RUNS - 1] * 1000.0
    );
    println!(
        "idle tick (nobody due): {idle_ms:.1} ms, {} members",
        idle.members
    );
    println!("peak RSS: {} MB (target < 300 MB)", peak_rss_mb()?);
    store.close().await;
    Ok(())
}

/// Bulk-generates the network with SQL (generation is not what is timed).
async fn generate(store: &SqliteStore, now: i64) -> anyhow::Result<()> {
    let pool = store.pool();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
         INSERT INTO workspaces (platform, external_id, created_at) SELECT 'console', 'ws' || i, 0 FROM n",
    )
    .bind(WORKSPACES)
    .execute(pool)
    .await?;
    let zones = ZONES
        .iter()
        .map(|z| format!("'{z}'"))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1),
              z(k, name) AS (SELECT key, value FROM json_each('[{}]'))
         INSERT INTO members (workspace_id, external_id, display_name, tz, tz_source, welcomed,
                              window_start, window_end, window_daily, created_at)
         SELECT w.id, 'u' || n.i, 'u' || n.i, z.name, 'member', 1, 360, 1080, 1, 0
         FROM workspaces w, n JOIN z ON z.k = (n.i + w.id) % {}",
        zones.replace('\'', "\""),
        ZONES.len()
    )))
    .bind(MEMBERS)
    .execute(pool)
    .await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
         INSERT INTO contacts (workspace_id, owner_id, name, name_key, tier, added_at,
                               last_contact_at, due_at)
         SELECT m.workspace_id, m.id, 'Contact ' || n.i, 'contact ' || n.i, 'close',
                ?2 - 86400 * 60, ?2 - 86400 * (20 + n.i), ?2 - 86400 * (20 + n.i) + 86400 * 30
         FROM members m, n",
    )
    .bind(CONTACTS)
    .bind(now)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

/// Puts every member back to "not yet scheduled" with no outbox rows.
async fn reset(store: &SqliteStore, now: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM outbox")
        .execute(store.pool())
        .await?;
    sqlx::query("UPDATE members SET next_reminder_at = ?, next_digest_at = NULL")
        .bind(now - 3600)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// The process's peak resident set size (VmHWM), in MB.
fn peak_rss_mb() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/self/status"))?;
    Ok(kb / 1024)
}
