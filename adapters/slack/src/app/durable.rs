//! Durable inbound work on Slack: a slash command delivered twice (same
//! `trigger_id`) runs once and both deliveries get its answer; an import
//! is a job written before Slack is answered, run by a worker that resumes
//! after a crash.

use std::sync::Arc;
use std::time::Duration;

use kith_bot::domain::Platform;
use kith_bot::once::Seal;
use kith_bot::ports::{CommandSlot, Job, NewJob};
use slack_morphism::prelude::*;
use tracing::{debug, info, warn};

use super::{ImportRequest, SlackApp};

const IMPORT: &str = "import";

impl SlackApp {
    /// Answers a slash command once per delivery id (`trigger_id`): the
    /// command's writes claim its delivery in their own transaction (see
    /// `kith_bot::once`), so a second delivery writes nothing and gets the
    /// first one's answer, or, if the first is still running or was cut
    /// short before answering, a word that it was already done.
    pub async fn command(
        self: &Arc<Self>,
        event: SlackCommandEvent,
        user_name: Option<String>,
    ) -> SlackCommandEventResponse {
        let key = event.trigger_id.0.clone();
        let (team, user) = (event.team_id.0.clone(), event.user_id.0.clone());
        let deadline = tokio::time::Instant::now() + self.ack_budget;
        // No look-up first: a delivery seen before is refused by its first
        // write (its claim), having written nothing, and then gets the
        // first delivery's answer. Most deliveries are new, and a look-up
        // would cost every command a read.
        let seal = Seal::new(Platform::Slack, key.clone(), self.kith.clock().now());
        let (answer, failed) = self.command_now(event, user_name, seal.clone()).await;
        if seal.refused() {
            return self.await_answer(&key, deadline).await;
        }
        // A delivery seen before can also fail before its first write,
        // because the first delivery's writes changed what it finds
        // (`goal done 1` when goal 1 is done): it gets the first answer,
        // not that error. Only failures pay for the look-up.
        if failed && !seal.claimed() {
            match self.kith.store().command_slot(Platform::Slack, &key).await {
                Ok(CommandSlot::Answered(first)) => return self.answer_again(&first),
                Ok(CommandSlot::Unanswered { .. }) => {
                    return self.await_answer(&key, deadline).await;
                }
                Ok(CommandSlot::New) => {}
                Err(e) => warn!(error = %e, "could not check for a repeated command"),
            }
        }
        if seal.claimed() {
            self.refresh_home(&team, &user);
            // Kept for a redelivery; the member need not wait for it (a
            // redelivery meanwhile finds the command carried out and waits).
            match serde_json::to_string(&answer) {
                Ok(json) => {
                    let (store, now) = (self.kith.store().clone(), self.kith.clock().now());
                    tokio::spawn(async move {
                        if let Err(e) = store
                            .finish_command(Platform::Slack, &key, &json, now)
                            .await
                        {
                            warn!(error = %e, "could not keep a command's answer");
                        }
                    });
                }
                Err(e) => warn!(error = %e, "could not keep a command's answer"),
            }
        }
        answer
    }

    /// A stored answer, for a command delivered again.
    fn answer_again(&self, answer: &str) -> SlackCommandEventResponse {
        match serde_json::from_str::<SlackCommandEventResponse>(answer) {
            Ok(answer) => {
                info!("a command delivered again; answering as the first time");
                answer
            }
            Err(e) => {
                warn!(error = %e, "a stored answer does not read back");
                super::ephemeral(
                    &kith_bot::reply::Reply::text(kith_bot::once::ALREADY_DONE),
                    "",
                )
            }
        }
    }

    /// The answer of a delivery that carried the command out, once it is
    /// kept (within the acknowledgement budget); else word that it was done.
    async fn await_answer(
        &self,
        key: &str,
        deadline: tokio::time::Instant,
    ) -> SlackCommandEventResponse {
        loop {
            match self.kith.store().command_slot(Platform::Slack, key).await {
                Ok(CommandSlot::Answered(answer)) => return self.answer_again(&answer),
                // A delivery that would have answered by now was cut short
                // after its writes: there is no answer to wait for.
                Ok(CommandSlot::Unanswered { since })
                    if self.kith.clock().now() - since
                        >= chrono::Duration::from_std(self.ack_budget).unwrap_or_default() * 2 =>
                {
                    break;
                }
                Ok(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Ok(_) => break,
                Err(e) => {
                    warn!(error = %e, "could not read a repeated command's answer");
                    break;
                }
            }
        }
        info!("a command delivered again was already carried out");
        super::ephemeral(
            &kith_bot::reply::Reply::text(kith_bot::once::ALREADY_DONE),
            "",
        )
    }

    /// Runs a button press once per delivery id (`trigger_id`): a press
    /// Slack delivers again logs nothing more (the first delivery's answer
    /// already replaced the message).
    pub async fn interaction(self: &Arc<Self>, event: SlackInteractionEvent) {
        let key = match &event {
            SlackInteractionEvent::BlockActions(press) => format!("press:{}", press.trigger_id.0),
            _ => return self.interaction_now(event, None).await,
        };
        match self.kith.store().command_slot(Platform::Slack, &key).await {
            Ok(CommandSlot::New) => {}
            Ok(CommandSlot::Unanswered { .. } | CommandSlot::Answered(_)) => {
                info!("a button press delivered again; not running it twice");
                return;
            }
            Err(e) => warn!(error = %e, "could not check for a repeated press"),
        }
        // A press from a team or member Kith does not know, or of a button
        // Kith did not make, is refused by the core before anything is
        // written, so it claims nothing either.
        let seal = Seal::new(Platform::Slack, key, self.kith.clock().now());
        self.interaction_now(event, Some(seal)).await;
    }

    /// Writes an import as a job, with the event marked handled, in one
    /// transaction; then runs it, answering Slack within the budget. A job
    /// cut short by a crash is resumed by [`SlackApp::run_jobs`].
    pub(super) async fn enqueue_import(
        self: &Arc<Self>,
        event_id: &str,
        team: &str,
        request: &ImportRequest,
    ) -> anyhow::Result<()> {
        let job = NewJob {
            kind: IMPORT.into(),
            workspace: team.to_string(),
            payload: serde_json::to_string(request)?,
        };
        let now = self.kith.clock().now();
        if !self
            .kith
            .store()
            .enqueue_job(Platform::Slack, event_id, &job, now)
            .await?
        {
            debug!("a retry of an import already queued");
            return Ok(());
        }
        let app = Arc::clone(self);
        let mut work = tokio::spawn(async move { app.work_jobs().await });
        if tokio::time::timeout(self.ack_budget, &mut work)
            .await
            .is_err()
        {
            debug!("an import is still running after the acknowledgement");
        }
        Ok(())
    }

    /// Runs ready jobs until none is left; how many ran.
    pub async fn work_jobs(&self) -> anyhow::Result<usize> {
        let (store, clock) = (self.kith.store(), self.kith.clock());
        kith_bot::jobs::work(store.as_ref(), clock.as_ref(), Platform::Slack, self).await
    }

    /// Works through jobs left by a process that died, and any that fail
    /// and are retried, until `shutdown`.
    pub async fn run_jobs(&self, shutdown: impl std::future::Future<Output = ()>) {
        let (store, clock) = (self.kith.store(), self.kith.clock());
        kith_bot::jobs::run(
            store.as_ref(),
            clock.as_ref(),
            Platform::Slack,
            self,
            shutdown,
        )
        .await;
    }
}

#[async_trait::async_trait]
impl kith_bot::jobs::RunJob for SlackApp {
    async fn run_job(&self, job: &Job) -> Result<(), String> {
        match job.kind.as_str() {
            IMPORT => {
                let request: ImportRequest = serde_json::from_str(&job.payload)
                    .map_err(|e| format!("the job does not read back: {e}"))?;
                if job.attempts > 1 {
                    info!(job = job.id, "resuming an import cut short");
                }
                self.import(&job.workspace, request).await;
                Ok(())
            }
            other => Err(format!("unknown job kind {other}")),
        }
    }
}
