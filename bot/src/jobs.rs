//! The loop that runs durable jobs (work that outlives an acknowledgement,
//! such as an import): claim a ready job with a lease, run it, settle it;
//! and a worker that keeps doing so until shutdown, picking up jobs left
//! by a process that died. Each platform adapter says only how to run one
//! job of its own ([`RunJob`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::warn;

use crate::domain::Platform;
use crate::ports::{Clock, Job, Store};

/// How long a claimed job is held before another worker may take it (its
/// process died): longer than an import with its download takes.
pub const LEASE_SECONDS: i64 = 120;
/// A job that failed this many times stops being retried.
pub const ATTEMPTS: u32 = 5;
/// How often the background worker looks for jobs.
pub const POLL: Duration = Duration::from_secs(5);

/// How one platform runs one of its jobs.
#[async_trait]
pub trait RunJob: Send + Sync {
    /// Runs `job`; `Err` has it retried later (up to [`ATTEMPTS`]).
    async fn run_job(&self, job: &Job) -> Result<(), String>;
}

/// A claim owner unique to this call: process id, wall-clock instant and a
/// counter (the injected clock may stand still in tests).
fn owner(platform: Platform) -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let instant = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{}-jobs-{}-{instant:x}-{}",
        platform.as_str(),
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `platform`'s ready jobs until none is left; how many ran.
pub async fn work(
    store: &dyn Store,
    clock: &dyn Clock,
    platform: Platform,
    runner: &dyn RunJob,
) -> anyhow::Result<usize> {
    let owner = owner(platform);
    let mut ran = 0;
    while let Some(job) = store
        .claim_job(
            platform,
            &owner,
            clock.now(),
            chrono::Duration::seconds(LEASE_SECONDS),
        )
        .await?
    {
        let outcome = runner.run_job(&job).await;
        if let Err(e) = &outcome {
            warn!(job = job.id, error = %e, "a job failed; it will be retried");
        }
        if !store
            .finish_job(&job, outcome, clock.now(), ATTEMPTS)
            .await?
        {
            warn!(job = job.id, "lost the claim on a job before finishing it");
        }
        ran += 1;
    }
    Ok(ran)
}

/// Works through `platform`'s jobs, those left by a process that died and
/// failed ones being retried, every [`POLL`] until `shutdown`.
pub async fn run(
    store: &dyn Store,
    clock: &dyn Clock,
    platform: Platform,
    runner: &dyn RunJob,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        if let Err(e) = work(store, clock, platform, runner).await {
            warn!(error = %e, "could not run jobs; trying again shortly");
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// How long inbound records are kept, past any repeat a platform can send.
pub struct Retention;

impl Retention {
    /// Slack retries an event within the hour; Discord resumes a gateway
    /// session within minutes. A week is ample.
    pub const EVENTS: chrono::Duration = chrono::Duration::days(7);
    /// A command is delivered again within minutes (Slack's response_url
    /// lives 30 minutes).
    pub const ANSWERS: chrono::Duration = chrono::Duration::days(1);
    /// A memo serves the retry of a delivery, which the outbox gives up
    /// on within days.
    pub const MEMOS: chrono::Duration = chrono::Duration::days(30);
    /// Finished jobs stay a while for whoever looks into a failure.
    pub const JOBS: chrono::Duration = chrono::Duration::days(30);
    /// How often the clean-up runs.
    pub const EVERY: chrono::Duration = chrono::Duration::hours(1);

    pub fn horizon(now: DateTime<Utc>) -> crate::ports::Horizon {
        crate::ports::Horizon {
            events: now - Self::EVENTS,
            answers: now - Self::ANSWERS,
            memos: now - Self::MEMOS,
            jobs: now - Self::JOBS,
        }
    }
}
