//! The core service: takes a command from a member of a workspace, runs it
//! against the store, and returns what to show them.

use std::sync::Arc;

use tracing::{error, info, instrument};

use chrono::Duration;

use crate::actions::Action;
use crate::commands::{self, CommandError, Ctx};
use crate::domain::{Entry, EntryKind, Member, Platform, TzSource};
use crate::format::date;
use crate::observe::{self, Outcome};
use crate::once::{AlreadyCarriedOut, Seal};
use crate::ports::{Clock, Store};
use crate::reply::{Block, File, Reply};

/// Who is speaking, as the adapter received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub platform: Platform,
    /// The platform's id of the workspace (Slack team, Discord guild).
    pub workspace: String,
    /// The platform's id of the member.
    pub user: String,
    pub display_name: String,
    /// The member's time zone as the platform knows it (Slack profile), used
    /// until they set one with `settings tz`.
    pub tz_hint: Option<chrono_tz::Tz>,
    /// Whether the platform says they may change the workspace's settings
    /// (Slack admins and owners, Discord Manage Server, the console's
    /// configured admins).
    pub admin: bool,
    /// Names of other members that the platform itself vouches for in this
    /// request, by platform id: Discord's resolved users, Slack's users.info.
    /// The only names of others Kith stores: a label typed into a mention
    /// (`<@U1|Mallory>`) is text someone wrote and is never trusted.
    pub vouched: Vec<(String, String)>,
}

impl Actor {
    pub fn new(
        platform: Platform,
        workspace: impl Into<String>,
        user: impl Into<String>,
        display_name: impl Into<String>,
    ) -> Actor {
        Actor {
            platform,
            workspace: workspace.into(),
            user: user.into(),
            display_name: display_name.into(),
            tz_hint: None,
            admin: false,
            vouched: Vec::new(),
        }
    }

    /// The same actor, with the platform's name for another member `id`.
    pub fn vouch(mut self, id: impl Into<String>, name: impl Into<String>) -> Actor {
        self.vouched.push((id.into(), name.into()));
        self
    }

    /// The platform's name for member `id`, if it vouched for one.
    pub fn vouched_name(&self, id: &str) -> Option<&str> {
        self.vouched
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, name)| name.as_str())
    }

    /// The same actor, marked as a workspace admin or not.
    pub fn with_admin(mut self, admin: bool) -> Actor {
        self.admin = admin;
        self
    }
}

/// What pressing a button did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pressed {
    /// One line to show the member (private).
    pub outcome: Reply,
    /// The actions block the press settles: replace it with the outcome
    /// (see `Reply::settle`) so it cannot be pressed twice. `None` when the
    /// press was refused and the message should stay as it is.
    pub settles: Option<String>,
}

/// What to tell a member whose press failed, logged as it deserves.
fn failed(e: &anyhow::Error) -> &'static str {
    if e.is::<AlreadyCarriedOut>() {
        info!("a press delivered again was not run twice");
        crate::once::ALREADY_DONE
    } else {
        error!(error = %e, "button action failed");
        OOPS
    }
}

/// Kith's core, shared by every adapter.
#[derive(Clone)]
pub struct Kith {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Woken after anything that may have queued a message, so a running
    /// delivery loop sends it at once rather than at its next round.
    nudge: Arc<tokio::sync::Notify>,
    /// Where the members' web page is served, if it is (`web`).
    web_url: Option<Arc<str>>,
}

const WELCOME: &str = concat!(
    "Welcome to Kith! I keep your networking ledger, privately: who you know, ",
    "favours given and received, and when you last spoke. Three commands to start with:\n",
    "  add @alice inner              put someone in your network\n",
    "  gave @alice <what>            log a favour you did (got @alice <what> for one you received)\n",
    "  touch @alice coffee           log a check-in\n",
    "I'll DM you on weekday mornings when someone is due, and a digest on Mondays ",
    "(turn DMs off with: settings dms off)."
);

/// The welcome, with where the member's time zone stands.
fn welcome(member: &Member) -> String {
    let tz = match member.tz_source {
        TzSource::Default => {
            "What is your time zone? I'm using UTC until you tell me: settings tz Europe/Berlin (any IANA name)."
                .to_string()
        }
        _ => format!("Your time zone is {} (change it with settings tz).", member.tz.name()),
    };
    format!("{WELCOME}\n{tz} Type help for everything else.")
}

/// The command a line asks for, as a metric label: a command's name,
/// `help` for an empty line, `unknown` for anything else (never the
/// member's text).
fn command_name(line: &str) -> &'static str {
    match line.split_whitespace().next() {
        None => "help",
        Some(word) => commands::spec(word).map_or("unknown", |spec| spec.name),
    }
}

/// A button's action as a metric label.
fn action_name(action: Action) -> &'static str {
    match action {
        Action::Done(_) => "done",
        Action::Snooze(_) => "snooze",
        Action::Skip(_) => "skip",
        Action::Forget => "forget",
        Action::IntroYes(_) => "intro_yes",
        Action::IntroNo(_) => "intro_no",
        Action::IntroMet(_) => "intro_met",
        Action::IntroNotYet(_) => "intro_not_yet",
        Action::PairMet(_) => "pair_met",
        Action::PairSkipped(_) => "pair_skipped",
        Action::ReachAsk(_) => "reach_ask",
        Action::ReachYes(_) => "reach_yes",
        Action::ReachNo(_) => "reach_no",
        Action::ReachMet(_) => "reach_met",
        Action::ReachNotYet(_) => "reach_not_yet",
    }
}

/// How a reply ended, for the metrics: our apology is a failure, any
/// other error the member's mistake.
fn outcome_of(reply: &Reply) -> Outcome {
    match reply.is_error {
        false => Outcome::Ok,
        true if reply.plain_text().contains(OOPS) => Outcome::Failure,
        true => Outcome::UserError,
    }
}

const OOPS: &str =
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment.";

impl Kith {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Kith {
        Kith {
            store,
            clock,
            nudge: Arc::new(tokio::sync::Notify::new()),
            web_url: None,
        }
    }

    /// The same core, offering members a web page at `url` (the public
    /// address of the HTTP server; see `web`).
    pub fn with_web_url(mut self, url: Option<&str>) -> Kith {
        self.web_url = url.map(|u| Arc::from(u.trim_end_matches('/')));
        self
    }

    /// Notified after every command and button press that may have queued a
    /// message (`Command::may_queue_messages`): what a delivery loop waits on
    /// besides its timer (see `Delivery::run`). Ledger commands do not wake
    /// it, so a busy ledger does not keep delivery taking the write lock.
    pub fn nudge(&self) -> Arc<tokio::sync::Notify> {
        self.nudge.clone()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Runs one line as typed after `/kith` and returns the reply. Never
    /// fails: a mistake in the line becomes a reply that says how to fix it,
    /// and a fault on our side a short apology (and an error in the log).
    pub async fn handle(&self, actor: &Actor, line: &str) -> Reply {
        self.handle_with(actor, line, None).await
    }

    /// Like [`Kith::handle`], with a file the member attached (for `import`).
    pub async fn handle_with(&self, actor: &Actor, line: &str, attachment: Option<&File>) -> Reply {
        // Parse before touching the store: a malformed line writes nothing.
        match commands::parse(line) {
            Ok(command) => self.run_command(actor, command, attachment).await,
            Err(e) => {
                observe::command(command_name(line), Outcome::UserError, Default::default());
                Reply::error(e.to_user_text())
            }
        }
    }

    /// Runs a command an adapter built from typed inputs (a Discord slash
    /// command's options, a Slack modal's fields; see
    /// [`commands::from_fields`]), like [`Kith::handle_with`] runs a line.
    #[instrument(skip_all, fields(platform = actor.platform.as_str(), workspace = %actor.workspace))]
    pub async fn run_command(
        &self,
        actor: &Actor,
        command: commands::Command,
        attachment: Option<&File>,
    ) -> Reply {
        let (started, name) = (std::time::Instant::now(), command.name());
        let reply = self.run_built(actor, command, attachment).await;
        observe::command(name, outcome_of(&reply), started.elapsed());
        reply
    }

    async fn run_built(
        &self,
        actor: &Actor,
        mut command: commands::Command,
        attachment: Option<&File>,
    ) -> Reply {
        command.trust_only(actor);
        let wakes_delivery = command.may_queue_messages();
        let member = match self.member(actor).await {
            Ok(member) => member,
            Err(e) => {
                error!(error = %e, "could not load the member");
                return Reply::error(OOPS);
            }
        };
        let ctx = Ctx {
            store: self.store.as_ref(),
            now: self.clock.now(),
            member: &member,
            actor,
            attachment,
            web_url: self.web_url.as_deref(),
        };
        let result = Seal::apply(commands::run(&ctx, command)).await;
        if wakes_delivery {
            self.nudge.notify_one();
        }
        let mut reply = match result {
            Ok(reply) => reply,
            Err(CommandError::User(message)) => Reply::error(message),
            Err(CommandError::Unexpected(e)) if e.is::<AlreadyCarriedOut>() => {
                info!("a command delivered again was not run twice");
                return Reply::error(crate::once::ALREADY_DONE);
            }
            Err(CommandError::Unexpected(e)) => {
                error!(error = %e, "command failed");
                return Reply::error(OOPS);
            }
        };
        // The welcome goes with the first reply that is not a mistake, so it
        // is never shown as part of an error.
        if !member.welcomed && !reply.is_error {
            // As the command left them (it may have set their time zone).
            let now = match self
                .store
                .find_member(member.workspace, &member.external_id)
                .await
            {
                Ok(Some(now)) => now,
                _ => member.clone(),
            };
            match self.store.mark_welcomed(member.workspace, member.id).await {
                Ok(()) => reply.blocks.insert(0, Block::Text(welcome(&now))),
                Err(e) => error!(error = %e, "could not record the welcome"),
            }
        }
        if let Some(reason) = &member.dm_failure {
            match self.store.clear_dm_failure(member.workspace, member.id).await {
                Ok(()) => reply.blocks.insert(
                    0,
                    Block::Text(format!(
                        "I couldn't send you direct messages ({reason}), so I've paused reminders \
                         and digests. Once I'm allowed to DM you, turn them back on with: settings dms on"
                    )),
                ),
                Err(e) => error!(error = %e, "could not clear the DM failure"),
            }
        }
        reply
    }

    /// The acting member if Kith knows them, creating nothing.
    async fn known_member(&self, actor: &Actor) -> anyhow::Result<Option<Member>> {
        self.store
            .find_member_by(actor.platform, &actor.workspace, &actor.user)
            .await
    }

    /// The member's page at a glance (see [`crate::home`]), or `None` for
    /// a workspace or member Kith does not know. Reads only.
    pub async fn home(&self, actor: &Actor) -> anyhow::Result<Option<crate::home::Home>> {
        let Some(member) = self.known_member(actor).await? else {
            return Ok(None);
        };
        crate::home::home(self.store.as_ref(), &member, self.clock.now())
            .await
            .map(Some)
    }

    /// Finds or creates the acting member (and their workspace): one read
    /// when nothing about them changed, as on almost every command.
    pub async fn member(&self, actor: &Actor) -> anyhow::Result<Member> {
        // The platform chooses the name, but not its length.
        let name = crate::limits::clip(&actor.display_name, crate::limits::NAME);
        if let Some(found) = self.known_member(actor).await?
            && found.display_name == name
            && actor.tz_hint.is_none_or(|tz| {
                // What `Store::member` would leave as it is.
                found.tz_source == TzSource::Member
                    || (found.tz == tz && found.tz_source != TzSource::Default)
            })
        {
            return Ok(found);
        }
        let now = self.clock.now();
        let workspace = self
            .store
            .workspace(actor.platform, &actor.workspace, now)
            .await?;
        self.store
            .member(workspace, &actor.user, &name, actor.tz_hint, now)
            .await
    }

    /// Runs the action of a pressed button (`done:42`) for the member who
    /// pressed it. Only the presser's own contacts can be acted on.
    #[instrument(skip_all, fields(platform = actor.platform.as_str(), workspace = %actor.workspace))]
    pub async fn press(&self, actor: &Actor, action: &str) -> Pressed {
        let pressed = self.run_press(actor, action).await;
        let name = Action::parse(action).map_or("unknown", action_name);
        observe::press(name, outcome_of(&pressed.outcome));
        pressed
    }

    async fn run_press(&self, actor: &Actor, action: &str) -> Pressed {
        let refused = |text: &str| Pressed {
            outcome: Reply::error(text),
            settles: None,
        };
        const NOT_MINE: &str =
            "That button is not one of mine any more; type due to see who is due.";
        let Some(action) = Action::parse(action) else {
            return refused(NOT_MINE);
        };
        // Only someone Kith knows can have been sent a button: a press from
        // an unknown workspace or member is refused before anything is written.
        let member = match self.known_member(actor).await {
            Ok(Some(member)) => member,
            Ok(None) => return refused(NOT_MINE),
            Err(e) => {
                error!(error = %e, "could not load the member");
                return refused(OOPS);
            }
        };
        if action.contact().is_none() && action != Action::Forget {
            let result = Seal::apply(self.run_community_action(actor, &member, action)).await;
            self.nudge.notify_one();
            return match result {
                Ok(text) => Pressed {
                    outcome: Reply::text(text),
                    settles: Some(action.block_id()),
                },
                Err(e) => refused(failed(&e)),
            };
        }
        match Seal::apply(self.run_action(&member, action)).await {
            Ok(Some(text)) => Pressed {
                outcome: Reply::text(text),
                settles: Some(action.block_id()),
            },
            Ok(None) => Pressed {
                outcome: Reply::error("That contact is no longer in your network."),
                settles: Some(action.block_id()),
            },
            Err(e) => refused(failed(&e)),
        }
    }

    async fn run_action(&self, member: &Member, action: Action) -> anyhow::Result<Option<String>> {
        let scope = member.scope();
        let now = self.clock.now();
        let id = match action {
            Action::Forget => {
                return Ok(Some(
                    commands::forget_now(self.store.as_ref(), member).await?,
                ));
            }
            Action::Done(id) | Action::Snooze(id) | Action::Skip(id) => id,
            _ => return Ok(None),
        };
        let Some(contact) = self.store.contact(scope, id).await? else {
            return Ok(None);
        };
        // Told apart from any namesake, as the reminder showed them.
        let who = crate::namesakes::labels_read(
            self.store.as_ref(),
            scope,
            std::slice::from_ref(&contact),
        )
        .await?
        .remove(&contact.id)
        .unwrap_or_else(|| contact.shown());
        let (until, text) = match action {
            Action::Done(_) => {
                let entry = Entry {
                    kind: EntryKind::Touch,
                    what: "checked in (from a reminder)".into(),
                    at: now,
                };
                let after = self.store.log_entry(scope, id, &entry, now).await?;
                let next = date(now, after.next_due(), member.tz);
                return Ok(Some(format!(
                    "Done: logged a check-in with {who}. Next check-in: {next}."
                )));
            }
            Action::Snooze(_) => {
                let until = now + Duration::days(7);
                (
                    until,
                    format!(
                        "Snoozed {who} for a week, until {}.",
                        date(now, until, member.tz)
                    ),
                )
            }
            _ => {
                let until = now + contact.cadence().duration();
                (
                    until,
                    format!(
                        "Skipped {who} this time. Next check-in: {}.",
                        date(now, until, member.tz)
                    ),
                )
            }
        };
        let change = crate::domain::ContactChange::SnoozeUntil(until);
        self.store.change_contact(scope, id, &change).await?;
        Ok(Some(text))
    }

    /// Runs an introduction's or a coffee pair's button for the member who
    /// pressed it; only a party can answer.
    async fn run_community_action(
        &self,
        actor: &Actor,
        member: &Member,
        action: Action,
    ) -> anyhow::Result<String> {
        let now = self.clock.now();
        match action {
            Action::IntroYes(id) | Action::IntroNo(id) => {
                crate::community::answer(
                    self.store.as_ref(),
                    member,
                    actor.platform,
                    id,
                    action == Action::IntroYes(id),
                    now,
                )
                .await
            }
            Action::IntroMet(id) | Action::IntroNotYet(id) => {
                crate::community::followed_up(
                    self.store.as_ref(),
                    member,
                    id,
                    action == Action::IntroMet(id),
                )
                .await
            }
            Action::PairMet(id) | Action::PairSkipped(id) => {
                crate::community::met(
                    self.store.as_ref(),
                    member,
                    actor.platform,
                    id,
                    action == Action::PairMet(id),
                    now,
                )
                .await
            }
            Action::ReachAsk(id) => {
                crate::reach::asks::ask(self.store.as_ref(), member, id, now).await
            }
            Action::ReachYes(id) | Action::ReachNo(id) => {
                let yes = action == Action::ReachYes(id);
                crate::reach::asks::answer(
                    self.store.as_ref(),
                    member,
                    actor.platform,
                    id,
                    yes,
                    now,
                )
                .await
            }
            Action::ReachMet(id) | Action::ReachNotYet(id) => {
                let met = action == Action::ReachMet(id);
                crate::reach::asks::followed_up(
                    self.store.as_ref(),
                    member,
                    actor.platform,
                    id,
                    met,
                    now,
                )
                .await
            }
            Action::Done(_) | Action::Snooze(_) | Action::Skip(_) | Action::Forget => {
                anyhow::bail!("not a community action")
            }
        }
    }

    /// Deletes a workspace and all its data (the app was uninstalled, the
    /// bot removed from the guild). Returns whether there was any.
    pub async fn forget_workspace(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> anyhow::Result<bool> {
        self.store.forget_workspace(platform, external_id).await
    }
}
