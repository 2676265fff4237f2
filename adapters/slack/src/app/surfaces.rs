//! Slack's own surfaces: the App Home tab (published on `app_home_opened`
//! and after a change made from it) and the "Log a favour" shortcuts and
//! modal. A submission runs once per view (its writes claim `view:<id>`
//! through a [`Seal`], as a slash command's claim its `trigger_id`).

use std::sync::Arc;

use kith_bot::domain::Platform;
use kith_bot::once::Seal;
use kith_bot::ports::CommandSlot;
use kith_bot::reply::Reply;
use kith_bot::{Actor, Kith};
use serde_json::Value;
use slack_morphism::prelude::*;
use tracing::{debug, info, instrument, warn};

use super::SlackApp;
use crate::forms;
use crate::home::{self, Next};
use crate::modal::{self, Submitted};

impl SlackApp {
    /// Publishes the member's Home tab soon: at once, or when the last
    /// publish is [`home::PUBLISH_EVERY`] old; requests meanwhile are
    /// folded into that one, which reads the ledger when it goes.
    pub fn republish_home(self: &Arc<Self>, team: &str, user: &str) {
        let Next::After(wait) = self.publishes.want(team, user) else {
            debug!("a Home tab publish is already on its way");
            return;
        };
        let (app, team, user) = (Arc::clone(self), team.to_string(), user.to_string());
        tokio::spawn(async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            app.publishes.sent(&team, &user);
            app.publish_home(&team, &user).await;
            app.publishes.done(&team, &user);
        });
    }

    /// After a change made elsewhere (a command, a DM's button): the Home
    /// tab is republished if the member has it (opened since start-up).
    pub(super) fn refresh_home(self: &Arc<Self>, team: &str, user: &str) {
        if self.publishes.seen(team, user) {
            self.republish_home(team, user);
        }
    }

    /// views.publish of the member's page; nothing for a workspace or
    /// member Kith does not know.
    #[instrument(skip_all, fields(team = %team))]
    async fn publish_home(&self, team: &str, user: &str) {
        let actor = Actor::new(Platform::Slack, team, user, user);
        let page = match self.kith.home(&actor).await {
            Ok(Some(page)) => page,
            Ok(None) => {
                debug!("a Home tab for someone Kith has not met; nothing published");
                return;
            }
            Err(e) => {
                warn!(error = %e, "could not read a member's Home tab");
                return;
            }
        };
        if let Err(e) = self.web.publish_view(team, user, &home::view(&page)).await {
            warn!(error = %e, "could not publish a Home tab");
        }
    }

    /// An interaction that is not a button press, as Slack sent it: a
    /// shortcut opens the favour modal; a submission of it is checked and
    /// run. `Some(body)` is the HTTP answer a submission with mistakes gets
    /// (`response_action: errors`); `None` answers 200 with no body (the
    /// modal closes).
    pub async fn surface(self: &Arc<Self>, payload: Value) -> Option<Value> {
        match payload["type"].as_str().unwrap_or_default() {
            "message_action" if payload["callback_id"] == modal::MESSAGE_SHORTCUT => {
                let prefill = modal::message_prefill(&payload);
                self.open_favour(&payload, prefill.as_ref()).await;
                None
            }
            "shortcut" if payload["callback_id"] == modal::GLOBAL_SHORTCUT => {
                self.open_favour(&payload, None).await;
                None
            }
            "view_submission" if payload["view"]["callback_id"] == forms::CALLBACK => {
                self.submit_form(&payload).await
            }
            "view_submission" => match modal::read_submission(&payload)? {
                Ok(submitted) => self.submit_favour(submitted).await,
                Err(()) => {
                    info!("a favour form whose metadata does not read back; refused");
                    Some(modal::errors_response(&modal::Errors::from([(
                        "what".to_string(),
                        modal::NOT_A_MEMBER.to_string(),
                    )])))
                }
            },
            other => {
                debug!(kind = other, "ignoring an interaction Kith does not use");
                None
            }
        }
    }

    /// views.open of the favour modal for a shortcut's `trigger_id`.
    async fn open_favour(&self, payload: &Value, prefill: Option<&modal::Prefill>) {
        let (Some(team), Some(trigger)) = (
            payload["team"]["id"].as_str(),
            payload["trigger_id"].as_str(),
        ) else {
            debug!("a shortcut without a team or trigger");
            return;
        };
        self.open_favour_for(team, trigger, prefill).await;
    }

    pub(super) async fn open_favour_for(
        &self,
        team: &str,
        trigger: &str,
        prefill: Option<&modal::Prefill>,
    ) {
        if let Err(e) = self
            .web
            .open_view(team, trigger, &modal::favour_modal(prefill))
            .await
        {
            warn!(error = %e, "could not open the favour form");
        }
    }

    /// Opens the modal a Home tab button names (`open:favour`, ...).
    pub(super) async fn open_from_home(&self, team: &str, trigger: &str, action: &str) {
        let view = match action {
            home::OPEN_FAVOUR => modal::favour_modal(None),
            home::OPEN_ADD => forms::modal(&forms::ADD),
            home::OPEN_SETTINGS => forms::modal(&forms::SETTINGS),
            _ => {
                debug!("a Home tab button Kith does not have");
                return;
            }
        };
        if let Err(e) = self.web.open_view(team, trigger, &view).await {
            warn!(error = %e, "could not open a form from the Home tab");
        }
    }

    /// Whether Slack says `user` is an active member of `team`.
    async fn in_team(&self, team: &str, user: &str) -> Option<crate::web::Profile> {
        self.web
            .profile(team, user)
            .await
            .filter(|p| p.team.as_deref() == Some(team) && !p.inactive)
    }

    /// Checks and runs a submitted schema-made form (add, settings), once
    /// per view: every part is read before any runs.
    #[instrument(skip_all)]
    async fn submit_form(self: &Arc<Self>, payload: &Value) -> Option<Value> {
        let view = &payload["view"];
        let (team, user) = (
            payload["team"]["id"].as_str().unwrap_or_default(),
            payload["user"]["id"].as_str().unwrap_or_default(),
        );
        let outsider = payload["user"]["team_id"]
            .as_str()
            .is_some_and(|t| t != team);
        let Some(form) =
            forms::submitted_form(view).filter(|_| !outsider && modal::is_user_id(user))
        else {
            info!("a form Kith did not make, or from outside the workspace; refused");
            // Told on a block of the view as submitted: Slack shows errors
            // only on input blocks.
            let block = view["state"]["values"]
                .as_object()
                .and_then(|v| v.keys().next().cloned())
                .unwrap_or_default();
            return Some(modal::errors_response(&modal::Errors::from([(
                block,
                "That form is out of date; nothing was changed.".to_string(),
            )])));
        };
        let commands = match forms::commands(form, view) {
            Ok(commands) => commands,
            Err(errors) => return Some(modal::errors_response(&errors)),
        };
        let mut actor = self
            .actor(
                team,
                user,
                payload["user"]["name"].as_str().map(str::to_string),
                false,
            )
            .await;
        // Members picked in the form: Slack must say they are of this workspace.
        for (block, picked) in forms::picked_members(view) {
            match self.in_team(team, &picked).await {
                Some(profile) => {
                    if let Some(name) = profile.name {
                        actor = actor.vouch(picked, name);
                    }
                }
                None => {
                    info!("a form naming someone outside the workspace; refused");
                    return Some(modal::errors_response(&modal::Errors::from([(
                        block,
                        modal::NOT_A_MEMBER.to_string(),
                    )])));
                }
            }
        }
        let key = format!("view:{}", view["id"].as_str().unwrap_or_default());
        match self.kith.store().command_slot(Platform::Slack, &key).await {
            Ok(CommandSlot::New) => {}
            Ok(_) => {
                info!("a form submitted again; not run twice");
                return None;
            }
            Err(e) => warn!(error = %e, "could not check for a repeated submission"),
        }
        let seal = Seal::new(Platform::Slack, key.clone(), self.kith.clock().now());
        let kith: &Kith = &self.kith;
        let mut answer = Reply::empty();
        for command in commands {
            let reply = seal
                .clone()
                .offer(kith.run_command(&actor, command, None))
                .await;
            if reply.is_error {
                let block = forms::first_block(form);
                return Some(modal::errors_response(&modal::Errors::from([(
                    block,
                    reply.plain_text(),
                )])));
            }
            answer.blocks.extend(reply.blocks);
        }
        if seal.claimed()
            && let Err(e) = self
                .kith
                .store()
                .finish_command(Platform::Slack, &key, "{}", self.kith.clock().now())
                .await
        {
            warn!(error = %e, "could not record a submission as handled");
        }
        self.confirm(team, user, answer);
        self.republish_home(team, user);
        None
    }

    /// Checks and runs a submitted favour form, once per view.
    #[instrument(skip_all, fields(team = %submitted.team))]
    async fn submit_favour(self: &Arc<Self>, submitted: Submitted) -> Option<Value> {
        let refuse = |slot: &str, message: &str| {
            Some(modal::errors_response(&modal::error_at(
                &submitted, slot, message,
            )))
        };
        if submitted
            .user_team
            .as_deref()
            .is_some_and(|t| t != submitted.team)
            || !modal::is_user_id(&submitted.user)
        {
            info!("a favour form from outside the workspace; refused");
            return refuse("who", modal::NOT_A_MEMBER);
        }
        let command = match modal::command(&submitted) {
            Ok(command) => command,
            Err(errors) => return Some(modal::errors_response(&errors)),
        };
        // The member named is a claim of the form: Slack must say they
        // belong to this workspace before anything is written.
        let who = submitted.who().unwrap_or_default().to_string();
        let profile = self.web.profile(&submitted.team, &who).await;
        let Some(profile) =
            profile.filter(|p| p.team.as_deref() == Some(submitted.team.as_str()) && !p.inactive)
        else {
            info!("a favour form naming someone outside the workspace; refused");
            return refuse("who", modal::NOT_A_MEMBER);
        };
        let key = format!("view:{}", submitted.view_id);
        match self.kith.store().command_slot(Platform::Slack, &key).await {
            Ok(CommandSlot::New) => {}
            Ok(_) => {
                info!("a favour form submitted again; not logged twice");
                return None;
            }
            Err(e) => warn!(error = %e, "could not check for a repeated submission"),
        }
        let mut actor = self
            .actor(
                &submitted.team,
                &submitted.user,
                submitted.user_name.clone(),
                false,
            )
            .await;
        if let Some(name) = profile.name {
            actor = actor.vouch(who, name);
        }
        let seal = Seal::new(Platform::Slack, key.clone(), self.kith.clock().now());
        let kith: &Kith = &self.kith;
        let reply = seal
            .clone()
            .offer(kith.run_command(&actor, command, None))
            .await;
        if reply.is_error {
            // The core refused (e.g. a favour with oneself): nothing written.
            return refuse("who", &reply.plain_text());
        }
        if seal.claimed()
            && let Err(e) = self
                .kith
                .store()
                .finish_command(Platform::Slack, &key, "{}", self.kith.clock().now())
                .await
        {
            warn!(error = %e, "could not record a submission as handled");
        }
        self.confirm(&submitted.team, &submitted.user, reply);
        self.republish_home(&submitted.team, &submitted.user);
        None
    }

    /// Tells the member what was logged, in their DM with Kith (a modal
    /// has no channel to answer in).
    fn confirm(self: &Arc<Self>, team: &str, user: &str, reply: Reply) {
        let (app, team, user) = (Arc::clone(self), team.to_string(), user.to_string());
        tokio::spawn(async move {
            let channel = match app.web.open_dm(&team, &user).await {
                Ok(channel) => channel,
                Err(e) => {
                    warn!(error = %e, "could not open a DM to confirm a favour");
                    return;
                }
            };
            let content: SlackMessageContent = crate::blocks::render(&reply);
            if let Err(e) = app.web.post_message(&team, &channel, content).await {
                warn!(error = %e, "could not confirm a favour");
            }
        });
    }
}
