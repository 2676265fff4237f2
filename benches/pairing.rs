//! Coffee pairing at scale.
//!
//! 1. The pairing itself (pure): 100, 1,000 and 5,000 members spread over
//!    time zones, with four earlier rounds to avoid; reports the time per
//!    round and how many pairs repeat (none should while others are free).
//! 2. A whole round on SQLite: 1,000 members joined in one workspace; times
//!    `run_due_rounds`, which reads the pool and history, pairs, and writes
//!    the round, its pairs and its notices in one transaction.
//!
//!     cargo bench --bench pairing

use std::collections::HashSet;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use kith_bot::community::pairing::{Candidate, PastGroup, pair};
use kith_bot::community::{CommunityChange, PairingChange, PairingSetup};
use kith_bot::domain::{MemberId, Platform, Span};
use kith_bot::ports::{CommunityStore, Store};
use kith_storage::SqliteStore;

const RUNS: usize = 5;

fn candidates(n: i64) -> Vec<Candidate> {
    (1..=n)
        .map(|i| Candidate {
            member: MemberId(i),
            // From UTC-8 to UTC+9, an hour apart.
            utc_offset_minutes: i32::try_from((i % 18) - 8).unwrap_or(0) * 60,
        })
        .collect()
}

fn median(mut times: Vec<StdDuration>) -> StdDuration {
    times.sort();
    times[times.len() / 2]
}

fn pure(n: i64) {
    let people = candidates(n);
    let mut history: Vec<PastGroup> = Vec::new();
    for round in 1..=4u64 {
        let groups = pair(&people, &history, round);
        for g in &mut history {
            g.rounds_ago += 1;
        }
        history.extend(groups.into_iter().map(|members| PastGroup {
            rounds_ago: 1,
            members,
        }));
    }
    let recent: HashSet<(i64, i64)> = history
        .iter()
        .flat_map(|g| {
            let m = &g.members;
            (0..m.len()).flat_map(move |i| (i + 1..m.len()).map(move |j| key(m[i], m[j])))
        })
        .collect();
    let mut times = Vec::new();
    let mut repeats = 0;
    for run in 0..RUNS {
        let started = Instant::now();
        let groups = pair(&people, &history, 100 + run as u64);
        times.push(started.elapsed());
        repeats = groups
            .iter()
            .filter(|g| recent.contains(&key(g[0], g[1])))
            .count();
    }
    println!(
        "pairing {n:>5} members with 4 rounds of history: median {:?}, repeated pairs {repeats}",
        median(times)
    );
}

fn key(a: MemberId, b: MemberId) -> (i64, i64) {
    (a.0.min(b.0), a.0.max(b.0))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    for n in [100, 1_000, 5_000] {
        pure(n);
    }

    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.db").display().to_string()).await?;
    let start = Utc
        .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("valid time"))?;
    let workspace = store.workspace(Platform::Console, "bench", start).await?;
    for i in 0..1_000 {
        let member = store
            .member(
                workspace,
                &format!("m{i}"),
                &format!("Member {i}"),
                None,
                start,
            )
            .await?;
        store
            .change_pairing(workspace, member.id, PairingChange::Join, start)
            .await?;
    }
    let mut times = Vec::new();
    let mut now = start;
    for round in 0..RUNS {
        let channel = kith_bot::community::Channel::parse("#coffee")
            .ok_or_else(|| anyhow::anyhow!("a channel"))?;
        if round == 0 {
            store
                .change_community(
                    workspace,
                    &CommunityChange::Pairing(Some(PairingSetup {
                        channel,
                        every: Span::parse(&["1w"]).map_err(anyhow::Error::msg)?,
                        first_round_at: Some(now),
                    })),
                )
                .await?;
        }
        let started = Instant::now();
        let ran = kith_bot::community::run_due_rounds(&store, now).await?;
        times.push(started.elapsed());
        anyhow::ensure!(ran == 1, "round {round} did not run");
        now += Duration::weeks(1);
    }
    println!(
        "a round for 1,000 members on SQLite (read, pair, write 500 pairs and 1,501 notices): median {:?}",
        median(times)
    );
    Ok(())
}
