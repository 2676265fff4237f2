//! The adapter's behaviour, shared by Socket Mode and HTTP: a slash
//! command becomes a core command, a button press a core action, an event
//! a change to the workspace's installation or data.

use std::sync::Arc;
use std::time::Duration;

use kith_bot::domain::{Installation, Platform};
use kith_bot::once::Seal;
use kith_bot::ports::WorkspaceEffect;
use kith_bot::reply::Reply;
use kith_bot::{Actor, Kith};
use slack_morphism::prelude::*;
use tracing::{debug, error, info, instrument, warn};

use crate::blocks;
use crate::config::SlackConfig;
use crate::oauth;
use crate::web::{CallError, SlackWeb};

mod durable;
mod surfaces;

/// How long a command may take before the acknowledgement goes out without
/// its answer (Slack allows 3 seconds); the answer follows by `response_url`.
pub const ACK_BUDGET: Duration = Duration::from_millis(2500);

const OOPS: &str =
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment.";

/// What `/kith import` answers: a slash command cannot carry a file.
pub const IMPORT_ON_SLACK: &str = "Send me the file in our direct message with the word import \
     (LinkedIn Connections.csv, a .vcf, a CSV with a header, or a Kith export .json).";

/// The largest file Kith downloads to import.
pub const MAX_IMPORT_BYTES: u64 = 8 * 1024 * 1024;

/// How many mentioned members' names one command looks up (an intro names
/// two; a share with someone one): more are left to the core unnamed.
const MAX_MENTION_LOOKUPS: usize = 4;

/// The longest command Kith reads, in characters (the core's own limit).
pub const MAX_LINE_CHARS: usize = 4000;

/// A refusal for a line over [`MAX_LINE_CHARS`], naming the limit.
fn too_long(line: &str) -> Option<Reply> {
    let chars = line.chars().count();
    (chars > MAX_LINE_CHARS).then(|| {
        Reply::error(format!(
            "That command is {chars} characters long; I read commands of up to {MAX_LINE_CHARS} \
             characters. Shorten it (a long note can be split in two). Nothing was changed."
        ))
    })
}

const NOT_MINE: &str = "That button is not one of mine any more; type /kith due to see who is due.";

/// The longest button value Kith reads: its own are a few dozen characters
/// (`intro-yes:9223372036854775807`); Slack allows 2,000.
pub(crate) const MAX_ACTION_LEN: usize = 100;

const FAVOUR_USAGE: &str = "Usage: /favour gave|got @someone what — for example \
     `/favour gave @alice reviewed her resume` or `/favour got @bob intro to Carol`.";

/// Kith on Slack: the core, the Web API and the settings.
pub struct SlackApp {
    kith: Kith,
    web: Arc<SlackWeb>,
    config: SlackConfig,
    ack_budget: Duration,
    /// When each member's Home tab was last published.
    publishes: crate::home::Publishes,
}

impl SlackApp {
    pub fn new(kith: Kith, web: Arc<SlackWeb>, config: SlackConfig) -> SlackApp {
        SlackApp {
            kith,
            web,
            config,
            ack_budget: ACK_BUDGET,
            publishes: crate::home::Publishes::new(crate::home::PUBLISH_EVERY),
        }
    }

    /// Changes the shortest time between two publishes of a member's Home tab.
    pub fn with_home_every(self, every: Duration) -> SlackApp {
        SlackApp {
            publishes: crate::home::Publishes::new(every),
            ..self
        }
    }

    /// Changes how long a command may run before it is acknowledged
    /// without its answer.
    pub fn with_ack_budget(self, ack_budget: Duration) -> SlackApp {
        SlackApp { ack_budget, ..self }
    }

    pub fn kith(&self) -> &Kith {
        &self.kith
    }

    pub fn web(&self) -> &Arc<SlackWeb> {
        &self.web
    }

    pub fn config(&self) -> &SlackConfig {
        &self.config
    }

    /// Answers a slash command within the acknowledgement budget: with the
    /// reply itself when it is ready in time, otherwise with a short
    /// "working on it" and the reply later through `response_url`. (Called
    /// once per delivery id by [`SlackApp::command`].)
    #[instrument(skip_all, fields(team = %event.team_id, command = %event.command))]
    /// Runs a command within the acknowledgement budget (else answers
    /// "Working on it" and delivers the reply later); the answer, and
    /// whether it is an error.
    async fn command_now(
        self: &Arc<Self>,
        event: SlackCommandEvent,
        user_name: Option<String>,
        seal: Seal,
    ) -> (SlackCommandEventResponse, bool) {
        let response_url = event.response_url.clone();
        let typed = typed_command(&event);
        let app = Arc::clone(self);
        let mut work =
            tokio::spawn(seal.offer(async move { app.run_command(event, user_name).await }));
        match tokio::time::timeout(self.ack_budget, &mut work).await {
            Ok(Ok(reply)) => (ephemeral(&reply, &typed), reply.is_error),
            Ok(Err(e)) => {
                error!(error = %e, "a command panicked or was cancelled");
                (ephemeral(&Reply::error(OOPS), &typed), true)
            }
            Err(_) => {
                let app = Arc::clone(self);
                tokio::spawn(async move {
                    let reply = match work.await {
                        Ok(reply) => reply,
                        Err(e) => {
                            error!(error = %e, "a slow command panicked or was cancelled");
                            Reply::error(OOPS)
                        }
                    };
                    let request = SlackApiPostWebhookMessageRequest::new(blocks::render_answer(
                        &reply, &typed,
                    ))
                    .with_replace_original(true);
                    if let Err(e) = app.web.respond(&response_url, &request).await {
                        warn!(error = %e, "could not deliver a slow command's reply");
                    }
                });
                (ephemeral(&Reply::text("Working on it…"), ""), false)
            }
        }
    }

    async fn run_command(&self, event: SlackCommandEvent, user_name: Option<String>) -> Reply {
        let raw = event.text.as_deref().unwrap_or_default();
        let (line, admin_line) = match command_line(&event.command.0, raw) {
            Ok(found) => found,
            Err(refused) => return refused,
        };
        if line.eq_ignore_ascii_case("import") {
            // The core would ask for an attachment; on Slack it comes by DM.
            return Reply::text(IMPORT_ON_SLACK);
        }
        let actor = self
            .actor(&event.team_id.0, &event.user_id.0, user_name, admin_line)
            .await;
        let actor = self.vouch_for_mentions(actor, &line).await;
        if actor.admin
            && let Some(name) = unlinked_channel(&line)
        {
            return Reply::error(format!(
                "I can't find a channel called {name}. Type # and pick the channel from Slack's \
                 list, so that Slack tells me which one it is; for a private channel, invite me \
                 to it first (/invite @Kith). Nothing was changed."
            ));
        }
        let mut reply = self.kith.handle(&actor, &line).await;
        self.send_files(&actor, &mut reply).await;
        reply
    }

    /// Sends each file of a reply to the member's DM with Kith (files stay
    /// private, whatever channel the command was typed in) and says so in
    /// its place. A file that cannot be sent keeps its block, which renders
    /// as an apology.
    async fn send_files(&self, actor: &Actor, reply: &mut Reply) {
        for block in reply.blocks.iter_mut() {
            let kith_bot::reply::Block::File(file) = block else {
                continue;
            };
            match self
                .web
                .send_file(
                    &actor.workspace,
                    &actor.user,
                    &file.name,
                    &file.mime,
                    &file.bytes,
                )
                .await
            {
                Ok(()) => {
                    *block = kith_bot::reply::Block::Text(format!(
                        "I sent you {} in a direct message from Kith.",
                        file.name
                    ));
                }
                Err(e) => warn!(error = %e, "could not send a file"),
            }
        }
    }

    /// The member behind a request, with their name, time zone and admin
    /// flag from users.info when Slack tells us. With `check_admin` (an
    /// `admin` command) the profile is looked up afresh, and a failed
    /// lookup means not an admin.
    async fn actor(
        &self,
        team: &str,
        user: &str,
        user_name: Option<String>,
        check_admin: bool,
    ) -> Actor {
        let profile = if check_admin {
            self.web.fresh_profile(team, user).await
        } else {
            self.web.profile(team, user).await
        };
        if check_admin && profile.is_none() {
            warn!(
                "could not tell from Slack whether the member is an admin; treating them as not one"
            );
        }
        let (name, tz, admin) = match profile {
            Some(p) => (p.name, p.tz, p.admin),
            None => (None, None, false),
        };
        let mut actor = Actor::new(
            Platform::Slack,
            team,
            user,
            name.or(user_name).unwrap_or_else(|| user.to_string()),
        )
        .with_admin(admin);
        actor.tz_hint = tz;
        actor
    }

    /// The actor, with Slack's own name (users.info) for each member the
    /// line mentions: the only names of others the core will store. A
    /// label in the line (`<@U1|Mallory>`, which anyone can type) is not
    /// one of them. At most [`MAX_MENTION_LOOKUPS`] are looked up.
    async fn vouch_for_mentions(&self, mut actor: Actor, line: &str) -> Actor {
        for id in crate::text::user_mentions(line, MAX_MENTION_LOOKUPS) {
            if id == actor.user {
                continue;
            }
            if let Some(name) = self
                .web
                .profile(&actor.workspace, id)
                .await
                .and_then(|p| p.name)
            {
                actor = actor.vouch(id, name);
            }
        }
        actor
    }

    /// Runs an interaction: a press of Done, Snooze or Skip settles its
    /// block in place. Answers within the acknowledgement budget; a slow
    /// press finishes in the background. (Called once per delivery id by
    /// [`SlackApp::interaction`].)
    async fn interaction_now(self: &Arc<Self>, event: SlackInteractionEvent, seal: Option<Seal>) {
        let SlackInteractionEvent::BlockActions(event) = event else {
            debug!("ignoring an interaction that is not a button press");
            return;
        };
        let app = Arc::clone(self);
        let (store, clock) = (self.kith.store().clone(), self.kith.clock().clone());
        let press = async move { app.press(event).await };
        let mut work = tokio::spawn(async move {
            let Some(seal) = seal else {
                return press.await;
            };
            seal.clone().offer(press).await;
            // A press that wrote is answered in place; what is kept only
            // marks it answered.
            if seal.claimed()
                && let Err(e) = store
                    .finish_command(Platform::Slack, &seal.key, "{}", clock.now())
                    .await
            {
                warn!(error = %e, "could not record a press as handled");
            }
        });
        if tokio::time::timeout(self.ack_budget, &mut work)
            .await
            .is_err()
        {
            debug!("a button press is still running after the acknowledgement");
        }
    }

    #[instrument(skip_all, fields(team = %event.team.id))]
    async fn press(self: &Arc<Self>, event: SlackInteractionBlockActionsEvent) {
        let team = event.team.id.0.clone();
        let (Some(user), Some(action)) = (
            event.user.as_ref(),
            event.actions.as_ref().and_then(|a| a.first()),
        ) else {
            debug!("a block action without a user or an action");
            return;
        };
        let encoded = action
            .value
            .clone()
            .unwrap_or_else(|| action.action_id.0.clone());
        if let Err(refused) = self.pressable(&team, &user.id.0, &encoded).await {
            self.respond(&event, &refused, false).await;
            return;
        }
        if encoded.starts_with("open:") {
            self.open_from_home(&team, &event.trigger_id.0, &encoded)
                .await;
            return;
        }
        let actor = self
            .actor(
                &team,
                &user.id.0,
                user.name.clone().or(user.username.clone()),
                false,
            )
            .await;
        let pressed = self.kith.press(&actor, &encoded).await;
        if let SlackInteractionActionContainer::View(_) = &event.container {
            // A button on the Home tab: the page shows the change.
            self.republish_home(&team, &user.id.0);
            return;
        }
        if pressed.settles.is_some() {
            self.refresh_home(&team, &user.id.0);
        }
        let outcome = pressed.outcome.plain_text();

        let Some(block_id) = pressed.settles else {
            // Refused: say why, privately, and leave the message as it is.
            self.respond(&event, &pressed.outcome, false).await;
            return;
        };
        let Some(message) = event.message.as_ref() else {
            // A private answer (Slack sends no copy of an ephemeral
            // message): the outcome takes its place, so its buttons go.
            let ephemeral = matches!(&event.container,
                SlackInteractionActionContainer::Message(c) if c.is_ephemeral == Some(true));
            self.respond(&event, &pressed.outcome, ephemeral).await;
            return;
        };
        let mut settled = message.content.blocks.clone().unwrap_or_default();
        if !blocks::settle(&mut settled, &block_id, &outcome) {
            // Already settled (a second press racing the first): nothing to replace.
            self.respond(&event, &pressed.outcome, false).await;
            return;
        }
        let content = SlackMessageContent::new()
            .with_text(message.content.text.clone().unwrap_or(outcome))
            .with_blocks(settled);
        if let SlackInteractionActionContainer::Message(container) = &event.container
            && let Some(channel) = container.channel_id.as_ref()
            && container.is_ephemeral != Some(true)
        {
            match self
                .web
                .update_message(&team, channel, &container.message_ts, content.clone())
                .await
            {
                Ok(()) => return,
                Err(e) => warn!(error = %e, "chat.update failed; trying response_url"),
            }
        }
        if let Some(url) = event.response_url.as_ref() {
            let request =
                SlackApiPostWebhookMessageRequest::new(content).with_replace_original(true);
            if let Err(e) = self.web.respond(url, &request).await {
                warn!(error = %e, "could not update the pressed message");
            }
        }
    }

    /// Whether Kith could have sent this button to this member: an action
    /// of ours (no longer than any it makes), in a workspace Kith knows,
    /// pressed by a member Kith has met there (buttons go only to them).
    /// Anything else is refused before a row is written.
    async fn pressable(&self, team: &str, user: &str, action: &str) -> Result<(), Reply> {
        let not_mine = || Reply::error(NOT_MINE);
        if action.len() > MAX_ACTION_LEN {
            return Err(not_mine());
        }
        let store = self.kith.store();
        let workspace = match store.find_workspace(Platform::Slack, team).await {
            Ok(Some(workspace)) => workspace,
            Ok(None) => {
                info!("a button for a workspace Kith does not know; refused");
                return Err(not_mine());
            }
            Err(e) => {
                error!(error = %e, "could not look up the button's workspace");
                return Err(Reply::error(OOPS));
            }
        };
        match store.find_member(workspace, user).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => {
                info!("a button pressed by someone Kith has not met there; refused");
                Err(not_mine())
            }
            Err(e) => {
                error!(error = %e, "could not look up the member pressing a button");
                Err(Reply::error(OOPS))
            }
        }
    }

    /// A private answer to an interaction through its `response_url`.
    async fn respond(
        &self,
        event: &SlackInteractionBlockActionsEvent,
        reply: &Reply,
        replace: bool,
    ) {
        let Some(url) = event.response_url.as_ref() else {
            return;
        };
        let request = SlackApiPostWebhookMessageRequest::new(blocks::render(reply))
            .with_replace_original(replace);
        if let Err(e) = self.web.respond(url, &request).await {
            warn!(error = %e, "could not answer a button press");
        }
    }

    /// Handles an Events API callback once per `event_id`, however often
    /// Slack retries it. `raw` is the event's JSON as Slack sent it, when
    /// the caller has it (HTTP): it keeps fields slack-morphism drops, such
    /// as a shared file's `size`.
    #[instrument(skip_all, fields(team = %event.team_id, event_id = %event.event_id))]
    pub async fn push_event(
        self: &Arc<Self>,
        event: SlackPushEventCallback,
        raw: Option<serde_json::Value>,
    ) -> anyhow::Result<()> {
        if let SlackEventCallbackBody::AppHomeOpened(opened) = &event.event {
            // Publishing again is harmless, so a retry needs no mark: an
            // unknown workspace or member gets nothing and nothing is written.
            if opened.tab.as_deref() != Some("messages") {
                self.republish_home(&event.team_id.0, &opened.user.0);
            }
            return Ok(());
        }
        let store = self.kith.store();
        let event_id = event.event_id.0.as_str();
        // Marked handled in the same transaction as its effect (for an
        // import: its durable job): an event whose handling fails answers
        // 500, nothing is marked, and Slack's retry gets through.
        if store.handled(Platform::Slack, event_id).await? {
            debug!("a retry of an event already handled");
            return Ok(());
        }
        let team = event.team_id.0.as_str();
        let body = match raw {
            Some(raw) if raw.is_object() => raw,
            _ => serde_json::to_value(&event.event)?,
        };
        let now = self.kith.clock().now();
        let effect = match body["type"].as_str().unwrap_or_default() {
            "app_uninstalled" => WorkspaceEffect::Forget,
            // Only the bot's token matters; a user token revoked changes nothing.
            "tokens_revoked" if body["tokens"]["bot"].as_array().map_or(1, Vec::len) > 0 => {
                WorkspaceEffect::RemoveInstallation
            }
            "tokens_revoked" => WorkspaceEffect::Nothing,
            "message" => match import_request(&body) {
                Some(request) => return self.enqueue_import(event_id, team, &request).await,
                None => {
                    debug!("ignoring a message that is not a file to import");
                    WorkspaceEffect::Nothing
                }
            },
            other => {
                debug!(event_type = other, "ignoring an event");
                WorkspaceEffect::Nothing
            }
        };
        // The effect and the event's mark in one transaction.
        let Some(changed) = store
            .workspace_event(Platform::Slack, event_id, team, effect, now)
            .await?
        else {
            debug!("a retry of an event already handled");
            return Ok(());
        };
        match effect {
            WorkspaceEffect::Forget => {
                self.web.forget_team(team);
                info!(
                    had_data = changed,
                    "Kith was uninstalled; the workspace's data is deleted"
                );
            }
            WorkspaceEffect::RemoveInstallation => {
                self.web.forget_team(team);
                info!("the bot token was revoked; the workspace's installation is removed");
            }
            WorkspaceEffect::Nothing => {}
        }
        Ok(())
    }

    /// Downloads the shared file, imports it as the member's `import`, and
    /// answers in the DM it was shared in.
    async fn import(&self, team: &str, request: ImportRequest) {
        info!(bytes = ?request.file.size, "a file to import arrived by DM");
        let mut reply = match self.fetch(team, &request.file).await {
            Ok(file) => {
                let actor = self.actor(team, &request.user, None, false).await;
                self.kith.handle_with(&actor, "import", Some(&file)).await
            }
            Err(text) => Reply::error(text),
        };
        if request.others > 0 {
            reply.blocks.push(kith_bot::reply::Block::Text(format!(
                "I read only the first file, {}; send the others one at a time, each with the word import.",
                request.file.name
            )));
        }
        let channel = SlackChannelId(request.channel.clone());
        if let Err(e) = self
            .web
            .post_message(team, &channel, blocks::render(&reply))
            .await
        {
            warn!(error = %e, "could not answer an import in the DM");
        }
    }

    /// The shared file's bytes, or what to tell the member.
    async fn fetch(&self, team: &str, file: &SharedFile) -> Result<kith_bot::reply::File, String> {
        const NOTHING: &str = "Nothing was changed.";
        if file.size.is_some_and(|size| size > MAX_IMPORT_BYTES) {
            return Err(format!(
                "{} is too large to import: I read files up to {} MB. {NOTHING}",
                file.name,
                MAX_IMPORT_BYTES / (1024 * 1024)
            ));
        }
        let Some(url) = file.url.as_deref() else {
            return Err(format!(
                "I couldn't download {} from Slack: it has no download link I can use. {NOTHING}",
                file.name
            ));
        };
        let bytes = self
            .web
            .download(team, url, MAX_IMPORT_BYTES)
            .await
            .map_err(|e| {
                warn!(error = %e, "could not download a shared file");
                format!(
                    "I couldn't download {} from Slack (files up to {} MB); please try again. {NOTHING}",
                    file.name,
                    MAX_IMPORT_BYTES / (1024 * 1024)
                )
            })?;
        Ok(kith_bot::reply::File {
            name: file.name.clone(),
            mime: file.mime.clone(),
            bytes,
        })
    }

    /// Where "Add to Slack" sends the browser, and the state to remember
    /// in a cookie; `None` when installs from a link are not configured.
    pub fn install_redirect(&self) -> Option<(String, String)> {
        let (client_id, client_secret) = self.config.oauth()?;
        let state = oauth::new_state(client_secret, self.kith.clock().now());
        let url = oauth::authorize_url(&self.config.api_url, client_id, &state);
        Some((url, state))
    }

    /// Finishes an install: checks the state against the browser's cookie,
    /// exchanges the code for the team's bot token and stores it. Returns
    /// the team's name.
    pub async fn finish_install(
        &self,
        code: &str,
        state: &str,
        cookie_state: Option<&str>,
    ) -> Result<String, InstallError> {
        let (client_id, client_secret) = self.config.oauth().ok_or(InstallError::NotConfigured)?;
        let now = self.kith.clock().now();
        if cookie_state != Some(state) || !oauth::check_state(client_secret, state, now) {
            return Err(InstallError::BadState);
        }
        let access = self
            .web
            .oauth_access(client_id, client_secret, code)
            .await
            .map_err(InstallError::Slack)?;
        let team = access.team.id.0.clone();
        let installation = Installation {
            bot_token: kith_bot::domain::Secret::new(access.access_token.0.clone()),
            bot_user_id: access.bot_user_id.as_ref().map(|u| u.0.clone()),
        };
        self.kith
            .store()
            .save_installation(Platform::Slack, &team, &installation, now)
            .await
            .map_err(|e| InstallError::Store(e.to_string()))?;
        self.web.forget_team(&team);
        info!(team = %team, "installed into a workspace");
        Ok(access.team.name.clone().unwrap_or(team))
    }
}

/// Why an install did not finish.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(
        "installing from a link is not configured: set KITH_SLACK_CLIENT_ID and KITH_SLACK_CLIENT_SECRET"
    )]
    NotConfigured,
    #[error("this install link has expired or was not started here; start again from Add to Slack")]
    BadState,
    #[error("Slack did not accept the install: {0}")]
    Slack(CallError),
    #[error("the install could not be saved: {0}")]
    Store(String),
}

/// A member asking, in their DM with Kith, to import a file they shared.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ImportRequest {
    user: String,
    channel: String,
    file: SharedFile,
    /// More files shared in the same message (only the first is read).
    others: usize,
}

/// A file as a `message` event describes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SharedFile {
    name: String,
    mime: String,
    size: Option<u64>,
    url: Option<String>,
}

/// A `message` event that asks for an import: from a member (not a bot),
/// in a DM, a new message (or a `file_share`), with at least one file, and
/// the text `import` (or `/kith import`) in any case. Anything else is `None`.
pub(crate) fn import_request(event: &serde_json::Value) -> Option<ImportRequest> {
    if event["type"] != "message" || event["channel_type"] != "im" {
        return None;
    }
    if !event["bot_id"].is_null() || !event["bot_profile"].is_null() {
        return None;
    }
    match &event["subtype"] {
        serde_json::Value::Null => {}
        serde_json::Value::String(s) if s == "file_share" => {}
        _ => return None,
    }
    let text = crate::text::normalise(event["text"].as_str()?).to_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    if !matches!(words.as_slice(), ["import"] | ["/kith", "import"]) {
        return None;
    }
    let files = event["files"].as_array()?;
    let first = files.first()?;
    let name = first["name"]
        .as_str()
        .or(first["title"].as_str())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or("the file")
        .to_string();
    Some(ImportRequest {
        user: event["user"].as_str()?.to_string(),
        channel: event["channel"].as_str()?.to_string(),
        file: SharedFile {
            name,
            mime: first["mimetype"]
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_string(),
            size: first["size"].as_u64(),
            url: first["url_private_download"]
                .as_str()
                .or(first["url_private"].as_str())
                .map(str::to_string),
        },
        others: files.len() - 1,
    })
}

/// The line for the core from a slash command (`/kith` or `/favour`) and
/// its text as Slack sent it, and whether it is an `admin` line; or the
/// answer when it cannot be one (too long, a `/favour` without gave|got).
/// Linear in the text's length.
pub(crate) fn command_line(command: &str, raw: &str) -> Result<(String, bool), Reply> {
    let command = command.trim_start_matches('/');
    let admin_line = command == "kith" && is_admin_line(raw);
    let text = if admin_line {
        // The core needs the channels' ids, not their names.
        crate::text::normalise_keeping_channels(raw)
    } else {
        crate::text::normalise(raw)
    };
    let line = match command {
        "favour" | "favor" => favour_line(&text).ok_or_else(|| Reply::error(FAVOUR_USAGE))?,
        _ => text.trim().to_string(),
    };
    match too_long(&line) {
        Some(refused) => Err(refused),
        None => Ok((line, admin_line)),
    }
}

/// Whether a `/kith` line is an `admin` command (its first word, any case).
fn is_admin_line(text: &str) -> bool {
    text.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("admin"))
}

/// In `admin resources|intros|pairing #name`, a channel Slack did not turn
/// into a link (`<#C123|name>`): Slack knows no such channel, or not one
/// Kith could post in, so the core would store a name Slack cannot post to.
pub(crate) fn unlinked_channel(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("admin") {
        return None;
    }
    let setting = words.next()?.to_ascii_lowercase();
    if !matches!(setting.as_str(), "resources" | "intros" | "pairing") {
        return None;
    }
    words.next().filter(|w| w.starts_with('#') && w.len() > 1)
}

/// `/favour gave|got @someone what` is `gave|got @someone what` in the core.
fn favour_line(text: &str) -> Option<String> {
    let text = text.trim();
    let (verb, rest) = text.split_once(char::is_whitespace)?;
    match verb.to_ascii_lowercase().as_str() {
        "gave" | "got" if !rest.trim().is_empty() => {
            Some(format!("{} {}", verb.to_ascii_lowercase(), rest.trim()))
        }
        _ => None,
    }
}

/// The command as typed, to its first word: `/kith list`, `/favour gave`.
fn typed_command(event: &SlackCommandEvent) -> String {
    let first = event
        .text
        .as_deref()
        .and_then(|t| t.split_whitespace().next())
        .map(|w| w.chars().take(32).collect::<String>());
    match first {
        Some(word) => format!("{} {word}", event.command.0),
        None => event.command.0.clone(),
    }
}

fn ephemeral(reply: &Reply, typed: &str) -> SlackCommandEventResponse {
    let response_type = match reply.visibility {
        kith_bot::reply::Visibility::Private => SlackMessageResponseType::Ephemeral,
        kith_bot::reply::Visibility::Public => SlackMessageResponseType::InChannel,
    };
    SlackCommandEventResponse::new(blocks::render_answer(reply, typed))
        .with_response_type(response_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn favour_takes_gave_or_got_then_the_rest() {
        assert_eq!(
            favour_line("gave <@U2|bob> intro to Carol").as_deref(),
            Some("gave <@U2|bob> intro to Carol")
        );
        assert_eq!(
            favour_line(" GOT @bob  lunch ").as_deref(),
            Some("got @bob  lunch")
        );
    }

    fn dm(text: &str) -> serde_json::Value {
        serde_json::json!({
            "type": "message", "channel_type": "im", "channel": "D1", "user": "U1",
            "text": text, "ts": "1.2", "subtype": "file_share",
            "files": [{
                "id": "F1", "name": "Connections.csv", "mimetype": "text/csv", "size": 120,
                "url_private_download": "https://files.example/F1/download/Connections.csv",
            }],
        })
    }

    #[test]
    fn a_file_with_import_in_a_dm_is_an_import() {
        for text in [
            "import",
            " Import ",
            "IMPORT",
            "/kith import",
            "/Kith   IMPORT",
        ] {
            let request = import_request(&dm(text)).expect(text);
            assert_eq!(request.user, "U1");
            assert_eq!(request.channel, "D1");
            assert_eq!(request.file.name, "Connections.csv");
            assert_eq!(request.file.mime, "text/csv");
            assert_eq!(request.file.size, Some(120));
            assert_eq!(request.others, 0);
        }
        let mut plain = dm("import");
        plain.as_object_mut().map(|o| o.remove("subtype"));
        assert!(import_request(&plain).is_some());
    }

    #[test]
    fn other_messages_are_not_imports() {
        let mut cases = vec![dm("hello"), dm("import this"), dm("")];
        let mut bot = dm("import");
        bot["bot_id"] = "B1".into();
        cases.push(bot);
        let mut edit = dm("import");
        edit["subtype"] = "message_changed".into();
        cases.push(edit);
        let mut channel = dm("import");
        channel["channel_type"] = "channel".into();
        cases.push(channel);
        let mut no_files = dm("import");
        no_files["files"] = serde_json::json!([]);
        cases.push(no_files);
        for case in cases {
            assert_eq!(import_request(&case), None, "{case}");
        }
    }

    #[test]
    fn admin_lines_are_known_by_their_first_word() {
        assert!(is_admin_line(" Admin pairing <#C1|coffee>"));
        assert!(is_admin_line("admin"));
        assert!(!is_admin_line("help admin"));
        assert!(!is_admin_line("administer"));
    }

    #[test]
    fn a_channel_slack_did_not_link_is_caught_before_the_core_stores_it() {
        assert_eq!(
            unlinked_channel("admin pairing #coffee every 2w"),
            Some("#coffee")
        );
        assert_eq!(unlinked_channel("ADMIN Resources #links"), Some("#links"));
        assert_eq!(
            unlinked_channel("admin pairing <#C1|coffee> every 2w"),
            None
        );
        assert_eq!(unlinked_channel("admin pairing off"), None);
        assert_eq!(unlinked_channel("admin followup 10d"), None);
        assert_eq!(unlinked_channel("share https://x.org/a #sales"), None);
    }

    #[test]
    fn favour_without_gave_or_got_is_a_usage_error() {
        for bad in ["", "gave", "took @bob lunch", "gave   "] {
            assert_eq!(favour_line(bad), None, "{bad}");
        }
    }
}
