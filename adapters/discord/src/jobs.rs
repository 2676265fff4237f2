//! Durable imports on Discord: a slash command with a file is written as a
//! job (with its interaction marked handled) before Discord is answered,
//! then run by a worker that resumes it after a crash. The answer is a
//! deferral; the job edits it with the outcome when it is done.

use std::time::Duration;

use kith_bot::Actor;
use kith_bot::domain::Platform;
use kith_bot::ports::{Job, NewJob};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::{debug, info, warn};

use crate::Discord;
use crate::commands::Attachment;
use crate::interactions::{Answer, DEFERRED_CHANNEL_MESSAGE};
use crate::render::{self, EPHEMERAL};

const IMPORT: &str = "import";
/// How often an edit Discord cannot match to the interaction yet (the
/// deferral may still be on its way) is tried.
const EDIT_ATTEMPTS: u32 = 4;

/// What an import job needs to run in any process: who asked, what they
/// typed, the file, and the token that edits their deferred answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ImportJob {
    pub(crate) guild: String,
    pub(crate) user: String,
    pub(crate) name: String,
    pub(crate) admin: bool,
    pub(crate) vouched: Vec<(String, String)>,
    pub(crate) line: String,
    pub(crate) attachment: Attachment,
    pub(crate) token: String,
}

impl ImportJob {
    fn actor(&self) -> Actor {
        let mut actor = Actor::new(Platform::Discord, &self.guild, &self.user, &self.name)
            .with_admin(self.admin);
        actor.vouched = self.vouched.clone();
        actor
    }
}

impl Discord {
    /// Writes the import as a job keyed by the interaction, then answers
    /// with a deferral; the job runs straight after and edits it.
    pub(crate) async fn import_durably(&self, interaction_id: &str, job: ImportJob) -> Answer {
        let store = self.kith.store();
        let now = self.kith.clock().now();
        let queued = match serde_json::to_string(&job) {
            Ok(payload) => {
                let new = NewJob {
                    kind: IMPORT.into(),
                    workspace: job.guild.clone(),
                    payload,
                };
                store
                    .enqueue_job(
                        Platform::Discord,
                        &format!("import:{interaction_id}"),
                        &new,
                        now,
                    )
                    .await
            }
            Err(e) => Err(e.into()),
        };
        match queued {
            Ok(true) => {}
            Ok(false) => {
                debug!("an import delivered again; its job is already queued");
                return Answer::now(crate::interactions::ephemeral_text(
                    "That import is already on its way; I'll update this message when it's done.",
                ));
            }
            Err(e) => {
                warn!(error = %e, "could not queue an import");
                return Answer::now(crate::interactions::ephemeral_text(
                    "Sorry, something went wrong on my side and nothing was changed. Please try again.",
                ));
            }
        }
        let discord = self.clone();
        Answer {
            body: json!({"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": EPHEMERAL}}),
            then: Some(Box::pin(async move {
                if let Err(e) = discord.work_jobs().await {
                    warn!(error = %e, "could not run an import job; the worker will retry it");
                }
            })),
        }
    }

    /// Runs ready jobs until none is left; how many ran.
    pub async fn work_jobs(&self) -> anyhow::Result<usize> {
        let (store, clock) = (self.kith.store(), self.kith.clock());
        kith_bot::jobs::work(store.as_ref(), clock.as_ref(), Platform::Discord, self).await
    }

    /// Works through jobs left by a process that died, and failed ones
    /// being retried, until `shutdown`.
    pub async fn run_jobs(&self, shutdown: impl std::future::Future<Output = ()>) {
        let (store, clock) = (self.kith.store(), self.kith.clock());
        kith_bot::jobs::run(
            store.as_ref(),
            clock.as_ref(),
            Platform::Discord,
            self,
            shutdown,
        )
        .await;
    }
}

#[async_trait::async_trait]
impl kith_bot::jobs::RunJob for Discord {
    async fn run_job(&self, job: &Job) -> Result<(), String> {
        if job.kind != IMPORT {
            return Err(format!("unknown job kind {}", job.kind));
        }
        let import: ImportJob = serde_json::from_str(&job.payload)
            .map_err(|e| format!("the job does not read back: {e}"))?;
        if job.attempts > 1 {
            info!(job = job.id, "resuming an import cut short");
        }
        let actor = import.actor();
        // A file that cannot be read is an answer, not a failure to retry.
        let reply = match self.fetch(&import.attachment).await {
            Ok(file) => {
                self.run(&actor, Err(import.line.as_str()), Some(&file))
                    .await
            }
            Err(text) => kith_bot::reply::Reply::error(text),
        };
        let data = render::message(&reply, &actor.workspace, true);
        let files: Vec<_> = render::files(&reply).into_iter().cloned().collect();
        // The import is done; its answer is best effort (the token lasts
        // 15 minutes, and a re-import changes nothing anyway).
        for attempt in 1..=EDIT_ATTEMPTS {
            match self.rest.edit_original(&import.token, &data, &files).await {
                Ok(()) => break,
                Err(e) if attempt < EDIT_ATTEMPTS && e.status() == Some(404) => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => {
                    warn!(error = %e, "could not edit an import's answer");
                    break;
                }
            }
        }
        Ok(())
    }
}
