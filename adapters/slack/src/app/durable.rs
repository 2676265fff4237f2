//! Durable inbound work on Slack: a slash command delivered twice (same
//! `trigger_id`) runs once and both deliveries get its answer; an import
//! is a job written before Slack is answered, run by a worker that resumes
//! after a crash.

use std::sync::Arc;
use std::time::Duration;

use kith_bot::domain::Platform;
use kith_bot::ports::{CommandSlot, Job, NewJob};
use slack_morphism::prelude::*;
use tracing::{debug, info, warn};

use super::{ImportRequest, SlackApp};

/// A command delivery started this long ago with no answer was cut short
/// (its process died): a new delivery runs it again.
const COMMAND_STALE_SECONDS: i64 = 60;

const IMPORT: &str = "import";

impl SlackApp {
    /// Answers a slash command once per delivery id (`trigger_id`): a
    /// second delivery of the same command gets the first one's answer and
    /// writes nothing; one arriving while the first still runs waits for it
    /// within the acknowledgement budget.
    pub async fn command(
        self: &Arc<Self>,
        event: SlackCommandEvent,
        user_name: Option<String>,
    ) -> SlackCommandEventResponse {
        let key = event.trigger_id.0.clone();
        let store = self.kith.store().clone();
        let clock = self.kith.clock().clone();
        let stale = chrono::Duration::seconds(COMMAND_STALE_SECONDS);
        let deadline = tokio::time::Instant::now() + self.ack_budget;
        loop {
            match store
                .begin_command(Platform::Slack, &key, clock.now(), stale)
                .await
            {
                Ok(CommandSlot::New) => break,
                Ok(CommandSlot::Answered(answer)) => {
                    match serde_json::from_str::<SlackCommandEventResponse>(&answer) {
                        Ok(answer) => {
                            info!("a command delivered again; answering as the first time");
                            return answer;
                        }
                        Err(e) => {
                            warn!(error = %e, "a stored answer does not read back");
                            return super::ephemeral(
                                &kith_bot::reply::Reply::error(super::OOPS),
                                "",
                            );
                        }
                    }
                }
                Ok(CommandSlot::Running) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Ok(CommandSlot::Running) => {
                    return super::ephemeral(&kith_bot::reply::Reply::text("Working on it…"), "");
                }
                Err(e) => {
                    // Without the store nothing can be written anyway.
                    warn!(error = %e, "could not check for a repeated command");
                    break;
                }
            }
        }
        let answer = self.command_now(event, user_name).await;
        match serde_json::to_string(&answer) {
            Ok(json) => {
                if let Err(e) = store
                    .finish_command(Platform::Slack, &key, &json, clock.now())
                    .await
                {
                    warn!(error = %e, "could not keep a command's answer");
                }
            }
            Err(e) => warn!(error = %e, "could not keep a command's answer"),
        }
        answer
    }

    /// Runs a button press once per delivery id (`trigger_id`): a press
    /// Slack delivers again logs nothing more (the first delivery's answer
    /// already replaced the message).
    pub async fn interaction(self: &Arc<Self>, event: SlackInteractionEvent) {
        let (key, team, user, ours) = match &event {
            SlackInteractionEvent::BlockActions(press) => (
                format!("press:{}", press.trigger_id.0),
                press.team.id.0.clone(),
                press.user.as_ref().map(|u| u.id.0.clone()),
                // A button Kith made carries one of its actions.
                press
                    .actions
                    .as_ref()
                    .and_then(|a| a.first())
                    .is_some_and(|a| {
                        let encoded = a.value.as_deref().unwrap_or(&a.action_id.0);
                        kith_bot::actions::Action::parse(encoded).is_some()
                    }),
            ),
            _ => return self.interaction_now(event).await,
        };
        let store = self.kith.store().clone();
        // A press from a team or member Kith does not know, or of a button
        // Kith did not make, is refused without writing anything, not even
        // the record of its delivery.
        let known = ours
            && match user {
                Some(user) => store
                    .find_member_by(Platform::Slack, &team, &user)
                    .await
                    .ok()
                    .flatten()
                    .is_some(),
                None => false,
            };
        if !known {
            return self.interaction_now(event).await;
        }
        let clock = self.kith.clock().clone();
        let stale = chrono::Duration::seconds(COMMAND_STALE_SECONDS);
        match store
            .begin_command(Platform::Slack, &key, clock.now(), stale)
            .await
        {
            Ok(CommandSlot::New) => {}
            Ok(CommandSlot::Running | CommandSlot::Answered(_)) => {
                info!("a button press delivered again; not running it twice");
                return;
            }
            Err(e) => warn!(error = %e, "could not check for a repeated press"),
        }
        self.interaction_now(event).await;
        if let Err(e) = store
            .finish_command(Platform::Slack, &key, "{}", clock.now())
            .await
        {
            warn!(error = %e, "could not record a press as handled");
        }
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
