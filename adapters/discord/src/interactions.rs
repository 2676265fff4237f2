//! Answering interactions, whichever way they came: slash commands run the
//! core command and answer ephemerally; button presses run the action and
//! update the message so the button cannot be pressed twice. Work that
//! takes longer than `defer_after` is deferred and followed up, so Discord
//! always has its answer within 3 seconds.

use std::future::Future;
use std::pin::Pin;

use kith_bot::Actor;
use kith_bot::commands::{Command, Field, Kind};
use kith_bot::domain::{ContactRef, Mention};
use kith_bot::domain::{Platform, TzSource};
use kith_bot::reply::{Block, File, Reply};
use serde_json::{Value, json};
use serenity::model::Permissions;
use serenity::model::application::{
    ActionRowComponent, CommandData, CommandDataOption, CommandDataOptionValue,
    CommandDataResolved, CommandInteraction, CommandType, ComponentInteraction, Interaction,
    ModalInteraction, ModalInteractionData,
};
use serenity::model::user::User;
use tokio::task::JoinHandle;
use tracing::{error, info, instrument, warn};

use crate::Discord;
use crate::commands::{self, Attachment, OptionValue};
use crate::render::{self, ButtonId, EPHEMERAL};

/// Interaction callback types.
const PONG: u8 = 1;
const CHANNEL_MESSAGE: u8 = 4;
pub(crate) const DEFERRED_CHANNEL_MESSAGE: u8 = 5;
const DEFERRED_UPDATE_MESSAGE: u8 = 6;
const UPDATE_MESSAGE: u8 = 7;
const AUTOCOMPLETE_RESULT: u8 = 8;
const MODAL: u8 = 9;

const GUILD_ONLY: &str = "Kith keeps a ledger per server: use /kith in a server where Kith is installed, and it will answer you privately.";
const NOT_MINE: &str = "That button is not one of mine any more; use /kith due to see who is due.";

const TZ_ON_DISCORD: &str = "Discord doesn't tell me your time zone: set it with `/kith-account settings tz`, zone: Europe/Berlin (start typing your city).";

/// An ephemeral message answer.
fn ephemeral(reply: &Reply) -> Value {
    json!({"type": CHANNEL_MESSAGE, "data": render::message(reply, "", true)})
}

/// An ephemeral answer of one line.
pub(crate) fn ephemeral_text(text: &str) -> Value {
    ephemeral(&Reply::text(text))
}

fn display_name(user: &User, nick: Option<&str>) -> String {
    nick.map(str::to_string)
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone())
}

/// Whether a member's permissions in the channel (as the interaction
/// carries them) make them a workspace admin for Kith: Manage Server, or
/// Administrator (which implies it; Discord gives the server's owner every
/// permission).
pub(crate) fn is_admin(permissions: Option<Permissions>) -> bool {
    permissions
        .is_some_and(|p| p.intersects(Permissions::MANAGE_GUILD | Permissions::ADMINISTRATOR))
}

/// The options of a subcommand, with their values as Discord resolved them.
fn options(
    given: &[CommandDataOption],
    resolved: &CommandDataResolved,
) -> Result<Vec<(String, OptionValue)>, String> {
    given
        .iter()
        .map(|option| {
            let value = match &option.value {
                CommandDataOptionValue::String(s) => OptionValue::Text(s.clone()),
                CommandDataOptionValue::Integer(n) => OptionValue::Integer(*n),
                CommandDataOptionValue::Boolean(b) => OptionValue::Boolean(*b),
                CommandDataOptionValue::User(id) => OptionValue::User {
                    id: id.get(),
                    name: resolved.users.get(id).map(|user| {
                        let nick = resolved.members.get(id).and_then(|m| m.nick.as_deref());
                        display_name(user, nick)
                    }),
                },
                CommandDataOptionValue::Channel(id) => OptionValue::Channel {
                    id: id.get(),
                    name: resolved.channels.get(id).and_then(|c| c.name.clone()),
                },
                CommandDataOptionValue::Attachment(id) => {
                    let Some(file) = resolved.attachments.get(id) else {
                        return Err("Discord did not send the attached file; please attach it again. Nothing was changed.".into());
                    };
                    OptionValue::Attachment(Attachment {
                        filename: file.filename.clone(),
                        url: file.url.clone(),
                        size: u64::from(file.size),
                        content_type: file.content_type.clone(),
                    })
                }
                _ => {
                    return Err(format!(
                        "I can't read the option \"{}\"; ask the server's admin to run `kith discord register`. Nothing was changed.",
                        option.name
                    ));
                }
            };
            Ok((option.name.clone(), value))
        })
        .collect()
}

/// The subcommand path of a slash command (`["settings", "tz"]`) and its
/// options, or why there is none.
fn path_and_options(data: &CommandData) -> Result<(Vec<&str>, &[CommandDataOption]), String> {
    const PICK: &str = "Pick a subcommand, like /kith due. Nothing was changed.";
    let first = data.options.first().ok_or(PICK)?;
    match &first.value {
        CommandDataOptionValue::SubCommand(given) => Ok((vec![first.name.as_str()], given)),
        CommandDataOptionValue::SubCommandGroup(subs) => {
            let sub = subs.first().ok_or(PICK)?;
            match &sub.value {
                CommandDataOptionValue::SubCommand(given) => {
                    Ok((vec![first.name.as_str(), sub.name.as_str()], given))
                }
                _ => Err(PICK.into()),
            }
        }
        _ => Err(PICK.into()),
    }
}

/// What a slash command stands for: the core command, the file attached to
/// it, and the names Discord resolved for the members chosen in its options.
pub(crate) struct Invocation {
    pub(crate) command: Command,
    pub(crate) attachment: Option<Attachment>,
    /// (user id, name) for each member option Discord resolved.
    pub(crate) resolved_names: Vec<(String, String)>,
}

/// The core command a slash command stands for, and what comes with it.
pub(crate) fn invocation(interaction: &CommandInteraction) -> Result<Invocation, String> {
    let data = &interaction.data;
    if data.kind == CommandType::User {
        return show_target(data);
    }
    let (path, given) = path_and_options(data)?;
    let given = options(given, &data.resolved)?;
    let command = commands::command(&data.name, &path, &given).map_err(|e| e.0)?;
    let resolved_names = given
        .iter()
        .filter_map(|(_, value)| match value {
            OptionValue::User {
                id,
                name: Some(name),
            } => Some((id.to_string(), name.clone())),
            _ => None,
        })
        .collect();
    let attachment = given.into_iter().find_map(|(_, value)| match value {
        OptionValue::Attachment(file) => Some(file),
        _ => None,
    });
    Ok(Invocation {
        command,
        attachment,
        resolved_names,
    })
}

/// The member a user context-menu command was used on, with the name
/// Discord resolved for them.
fn target(data: &CommandData) -> Result<(u64, Option<String>), String> {
    const NO_ONE: &str = "Discord did not say which member that was; try again.";
    let id = data.target_id.ok_or(NO_ONE)?.get();
    let name = data
        .resolved
        .users
        .iter()
        .find(|(user, _)| user.get() == id)
        .map(|(user_id, user)| {
            let nick = data
                .resolved
                .members
                .get(user_id)
                .and_then(|m| m.nick.as_deref());
            display_name(user, nick)
        });
    Ok((id, name))
}

/// "Show in Kith" on a member: `show` them.
fn show_target(data: &CommandData) -> Result<Invocation, String> {
    if data.name != commands::SHOW_IN_KITH {
        return Err("That menu entry is out of date; ask the server's admin to run `kith discord register`. Nothing was changed.".into());
    }
    let (id, name) = target(data)?;
    Ok(Invocation {
        command: Command::Show(ContactRef::Member(Mention {
            id: id.to_string(),
            label: None,
        })),
        attachment: None,
        resolved_names: name.map(|n| vec![(id.to_string(), n)]).unwrap_or_default(),
    })
}

/// Which favour a context-menu entry logs: `gave` (you did it for them) or
/// `got` (they did it for you).
fn favour_of(menu: &str) -> Option<&'static str> {
    match menu {
        commands::LOG_THEY_DID => Some("got"),
        commands::LOG_YOU_DID => Some("gave"),
        _ => None,
    }
}

/// The modal a favour menu entry opens: what and when, the core's own
/// slots of `gave`/`got` (the member is the one right-clicked). Its id is
/// `favour|{gave|got}|{member id}`, read back (untrusted) on submit.
fn favour_modal(verb: &str, target: u64, title: &str) -> Value {
    let slots = kith_bot::commands::spec(verb).map_or(&[][..], |spec| spec.slots(None));
    let rows: Vec<Value> = slots
        .iter()
        .filter(|slot| matches!(slot.kind, Kind::Text { .. } | Kind::When))
        .map(|slot| {
            let long = matches!(slot.kind, Kind::Text { .. });
            let mut input = json!({
                "type": 4,
                "custom_id": slot.name,
                "label": slot.label,
                "style": if long { 2 } else { 1 },
                "required": slot.required,
                "placeholder": render::fitted(slot.help, 100),
            });
            if let Kind::Text { max } = slot.kind {
                input["max_length"] = json!(max.min(4000));
            }
            json!({"type": 1, "components": [input]})
        })
        .collect();
    json!({
        "type": MODAL,
        "data": {
            "custom_id": format!("{MODAL_FAVOUR}|{verb}|{target}"),
            "title": title,
            "components": rows,
        },
    })
}

const MODAL_FAVOUR: &str = "favour";

/// A submitted favour modal as the core's command, read field by field:
/// the member id in the modal's id is checked like any typed id, and every
/// mistake is reported before anything is written.
pub(crate) fn favour_from_modal(data: &ModalInteractionData) -> Result<(Command, u64), String> {
    const STALE: &str =
        "That form is out of date; use the menu on the member again. Nothing was changed.";
    let mut parts = data.custom_id.splitn(3, '|');
    let (kind, verb, target) = (parts.next(), parts.next(), parts.next());
    let (Some(MODAL_FAVOUR), Some(verb @ ("gave" | "got")), Some(target)) = (kind, verb, target)
    else {
        return Err(STALE.into());
    };
    let target: u64 = target.parse().map_err(|_| STALE.to_string())?;
    let spec = kith_bot::commands::spec(verb).ok_or(STALE)?;
    let mut fields = vec![("who".to_string(), Field::Member(target.to_string()))];
    for row in &data.components {
        for component in &row.components {
            if let ActionRowComponent::InputText(input) = component {
                let value = input.value.clone().unwrap_or_default();
                fields.push((input.custom_id.clone(), Field::Text(value)));
            }
        }
    }
    let command = kith_bot::commands::from_fields(spec, None, &fields).map_err(|e| {
        format!(
            "{}
Nothing was changed.",
            e.to_user_text()
        )
    })?;
    Ok((command, target))
}

/// The largest attachment Kith reads (a LinkedIn export of thousands of
/// connections is well under this).
const MAX_ATTACHMENT: u64 = 8 * 1024 * 1024;

/// Refuses an attachment over [`MAX_ATTACHMENT`] by its declared size,
/// before anything is downloaded or written.
fn too_large(attachment: &Attachment) -> Result<(), String> {
    if attachment.size > MAX_ATTACHMENT {
        return Err(format!(
            "That file is {} MB; I read files up to {} MB. Nothing was changed.",
            attachment.size / (1024 * 1024),
            MAX_ATTACHMENT / (1024 * 1024)
        ));
    }
    Ok(())
}

/// A reply rendered for an interaction: the message, and files to upload.
struct Rendered {
    data: Value,
    files: Vec<File>,
}

/// A boxed future run in the background.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to answer an interaction with, and what to do once that answer
/// was given (the follow-up of a deferred interaction).
pub struct Answer {
    /// The body of the interaction callback.
    pub body: Value,
    /// Run after the callback was sent: edits the deferred answer.
    pub then: Option<BoxFuture<'static, ()>>,
}

impl Answer {
    pub(crate) fn now(body: Value) -> Answer {
        Answer { body, then: None }
    }

    /// Sends the follow-up, if any, in the background.
    pub fn spawn_follow_up(&mut self) {
        if let Some(then) = self.then.take() {
            tokio::spawn(then);
        }
    }
}

/// How often a follow-up is tried while Discord does not know the
/// interaction yet.
const FOLLOW_UP_ATTEMPTS: u32 = 4;

const OOPS: &str =
    "Sorry, something went wrong on my side and nothing was changed. Please try again.";

impl Discord {
    /// The answer to an interaction, or `None` for a redelivery already
    /// answered. Slow work is deferred: the answer is then a deferral and
    /// [`Answer::then`] edits it once the work is done.
    #[instrument(skip_all, fields(interaction = %interaction.id()))]
    pub async fn answer(&self, interaction: Interaction) -> Option<Answer> {
        if matches!(interaction, Interaction::Ping(_)) {
            return Some(Answer::now(json!({"type": PONG})));
        }
        let key = format!("interaction:{}", interaction.id());
        match interaction {
            Interaction::Command(command) => {
                self.first_sighting(&key).await?;
                Some(self.command(command).await)
            }
            Interaction::Component(component) => {
                // Refused before anything is written, the sighting included.
                let button = match self.pressable(&component).await {
                    Ok(button) => button,
                    Err(refused) => return Some(Answer::now(ephemeral(&refused))),
                };
                self.first_sighting(&key).await?;
                Some(self.component(component, button).await)
            }
            Interaction::Autocomplete(asking) => {
                Some(Answer::now(self.autocomplete(&asking).await))
            }
            Interaction::Modal(modal) => {
                self.first_sighting(&key).await?;
                Some(self.modal(modal).await)
            }
            _ => Some(Answer::now(ephemeral(&Reply::error(
                "I don't handle that kind of interaction; try /kith help.",
            )))),
        }
    }

    /// `None` for an interaction already answered (a redelivery).
    async fn first_sighting(&self, key: &str) -> Option<()> {
        let now = self.kith.clock().now();
        match self
            .kith
            .store()
            .first_sighting(Platform::Discord, key, now)
            .await
        {
            Ok(true) => Some(()),
            Ok(false) => {
                info!("interaction seen before; not answering again");
                None
            }
            Err(e) => {
                // Better to risk a second answer than to drop a command.
                error!(error = %e, "could not record the interaction");
                Some(())
            }
        }
    }

    /// The button a press is about, if Kith could have sent it to this
    /// member: one of ours, for a server Kith knows, pressed by a member
    /// Kith knows there (a button goes only to members it has met). A DM
    /// carries no guild, so the guild in the button is only a claim:
    /// anything else is refused without writing a row.
    async fn pressable(&self, interaction: &ComponentInteraction) -> Result<ButtonId, Reply> {
        let not_mine = || Reply::error(NOT_MINE);
        let button = ButtonId::parse(&interaction.data.custom_id).ok_or_else(not_mine)?;
        if interaction
            .guild_id
            .is_some_and(|guild| guild.get().to_string() != button.workspace)
        {
            return Err(not_mine());
        }
        let store = self.kith.store();
        let workspace = match store
            .find_workspace(Platform::Discord, &button.workspace)
            .await
        {
            Ok(Some(workspace)) => workspace,
            Ok(None) => {
                info!("a button for a server Kith does not know; refused");
                return Err(not_mine());
            }
            Err(e) => {
                error!(error = %e, "could not look up the button's server");
                return Err(Reply::error(OOPS));
            }
        };
        let user = interaction.user.id.get().to_string();
        match store.find_member(workspace, &user).await {
            Ok(Some(_)) => Ok(button),
            Ok(None) => {
                info!("a button pressed by someone Kith has not met in that server; refused");
                Err(not_mine())
            }
            Err(e) => {
                error!(error = %e, "could not look up the member pressing a button");
                Err(Reply::error(OOPS))
            }
        }
    }

    async fn command(&self, interaction: CommandInteraction) -> Answer {
        let Some(guild) = interaction.guild_id else {
            return Answer::now(ephemeral(&Reply::error(GUILD_ONLY)));
        };
        if interaction.data.kind == CommandType::User
            && let Some(verb) = favour_of(&interaction.data.name)
        {
            return Answer::now(match target(&interaction.data) {
                Ok((id, _)) => favour_modal(verb, id, &interaction.data.name),
                Err(text) => ephemeral(&Reply::error(text)),
            });
        }
        let Invocation {
            command,
            attachment,
            resolved_names,
        } = match invocation(&interaction) {
            Ok(found) => found,
            Err(text) => return Answer::now(ephemeral(&Reply::error(text))),
        };
        let nick = interaction.member.as_ref().and_then(|m| m.nick.as_deref());
        let mut actor = Actor::new(
            Platform::Discord,
            guild.get().to_string(),
            interaction.user.id.get().to_string(),
            display_name(&interaction.user, nick),
        )
        .with_admin(is_admin(
            interaction.member.as_ref().and_then(|m| m.permissions),
        ));
        // The only names of others Kith stores: what Discord resolved for
        // the members picked in a user option.
        for (id, name) in resolved_names {
            actor = actor.vouch(id, name);
        }
        info!(command = %interaction.data.name, "slash command");
        // A file (an import) is work that outlives the answer: a job first.
        if let Some(attachment) = attachment {
            if let Err(text) = too_large(&attachment) {
                return Answer::now(ephemeral(&Reply::error(text)));
            }
            let job = crate::jobs::ImportJob {
                guild: actor.workspace.clone(),
                user: actor.user.clone(),
                name: actor.display_name.clone(),
                admin: actor.admin,
                vouched: actor.vouched.clone(),
                line: kith_bot::commands::IMPORT_LINE.into(),
                attachment,
                token: interaction.token.clone(),
            };
            return self
                .import_durably(&interaction.id.get().to_string(), job)
                .await;
        }
        let name = match &command {
            Command::Show(_) if interaction.data.kind == CommandType::User => "show".to_string(),
            _ => interaction
                .data
                .options
                .first()
                .map_or_else(|| interaction.data.name.clone(), |o| o.name.clone()),
        };
        self.answer_command(actor, command, name, interaction.token.clone())
            .await
    }

    /// Runs a command and answers with its reply: at once when it is ready
    /// in time and carries no file, else deferred and followed up. A reply
    /// longer than one message is never cut: it is shortened to say so and
    /// the whole of it attached as a text file.
    async fn answer_command(
        &self,
        actor: Actor,
        command: Command,
        name: String,
        token: String,
    ) -> Answer {
        let discord = self.clone();
        let work = tokio::spawn(async move {
            let reply = discord.run(&actor, Ok(command), None).await;
            let (reply, whole) = match render::whole(&reply, &name) {
                Some((short, file)) => (short, Some(file)),
                None => (reply, None),
            };
            let mut files: Vec<File> = render::files(&reply).into_iter().cloned().collect();
            files.extend(whole);
            Rendered {
                data: render::message(&reply, &actor.workspace, true),
                files,
            }
        });
        // Files cannot ride in a JSON answer: a reply with files (an
        // export) is deferred and uploaded with the follow-up.
        self.in_time(
            work,
            token,
            |rendered| {
                if rendered.files.is_empty() {
                    Ok(json!({"type": CHANNEL_MESSAGE, "data": rendered.data}))
                } else {
                    Err(rendered)
                }
            },
            |rendered| (rendered.data, rendered.files),
            json!({"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": EPHEMERAL}}),
        )
        .await
    }

    /// Runs a command (or a typed line) for a member. On first use the
    /// core's welcome asks for a time zone (Discord gives none); this says
    /// how to give it here.
    pub(crate) async fn run(
        &self,
        actor: &Actor,
        command: Result<Command, &str>,
        file: Option<&File>,
    ) -> Reply {
        let first_use = match self.kith.member(actor).await {
            Ok(member) => !member.welcomed && member.tz_source == TzSource::Default,
            Err(_) => false,
        };
        let mut reply = match command {
            Ok(command) => self.kith.run_command(actor, command, file).await,
            Err(line) => self.kith.handle_with(actor, line, file).await,
        };
        // Looked up again only on first use (the command may have set it).
        let still_default = first_use
            && match self.kith.member(actor).await {
                Ok(member) => member.tz_source == TzSource::Default,
                Err(_) => false,
            };
        if still_default {
            // After the welcome, before the answer to the command.
            let at = usize::from(!reply.blocks.is_empty());
            reply.blocks.insert(at, Block::Text(TZ_ON_DISCORD.into()));
        }
        reply
    }

    /// Choices for the option being typed: outside people from the asking
    /// member's own network, time zones by city, command names. Reads only.
    async fn autocomplete(&self, asking: &CommandInteraction) -> Value {
        let empty = json!({"type": AUTOCOMPLETE_RESULT, "data": {"choices": []}});
        let (Some(guild), Some(focused)) = (asking.guild_id, asking.data.autocomplete()) else {
            return empty;
        };
        let kind = match focused.name {
            commands::CONTACT_NAME => Kind::Contact,
            "zone" => Kind::Zone,
            "command" => Kind::CommandName,
            _ => return empty,
        };
        let actor = Actor::new(
            Platform::Discord,
            guild.get().to_string(),
            asking.user.id.get().to_string(),
            asking.user.name.clone(),
        );
        match kith_bot::suggest::suggest(self.kith.store().as_ref(), &actor, kind, focused.value)
            .await
        {
            Ok(found) => {
                let choices: Vec<Value> = found
                    .into_iter()
                    .map(|s| {
                        json!({"name": render::fitted(&s.shown, 100), "value": render::fitted(&s.value, 100)})
                    })
                    .collect();
                json!({"type": AUTOCOMPLETE_RESULT, "data": {"choices": choices}})
            }
            Err(e) => {
                error!(error = %e, "could not suggest");
                empty
            }
        }
    }

    /// A submitted modal: a favour from a member's context menu.
    async fn modal(&self, modal: ModalInteraction) -> Answer {
        let Some(guild) = modal.guild_id else {
            return Answer::now(ephemeral(&Reply::error(GUILD_ONLY)));
        };
        let (command, _) = match favour_from_modal(&modal.data) {
            Ok(found) => found,
            Err(text) => return Answer::now(ephemeral(&Reply::error(text))),
        };
        let nick = modal.member.as_ref().and_then(|m| m.nick.as_deref());
        let actor = Actor::new(
            Platform::Discord,
            guild.get().to_string(),
            modal.user.id.get().to_string(),
            display_name(&modal.user, nick),
        );
        info!("favour form submitted");
        self.answer_command(actor, command, "favour".into(), modal.token.clone())
            .await
    }

    async fn component(&self, interaction: ComponentInteraction, button: ButtonId) -> Answer {
        let actor = Actor::new(
            Platform::Discord,
            button.workspace.clone(),
            interaction.user.id.get().to_string(),
            display_name(
                &interaction.user,
                interaction.member.as_ref().and_then(|m| m.nick.as_deref()),
            ),
        );
        info!("button pressed");
        // One press per contact per message and per member: the row is
        // gone once pressed, and a stale client or a double click must not
        // log twice. Per member, so that someone else pressing first (a
        // message in a shared thread) cannot use up the owner's press.
        let once = format!(
            "press:{}:{}:{}",
            interaction.message.id.get(),
            button.block,
            interaction.user.id.get()
        );
        let now = self.kith.clock().now();
        match self
            .kith
            .store()
            .first_sighting(Platform::Discord, &once, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Answer::now(ephemeral(&Reply::error(
                    "That was already done from this message; use /kith due to see who is due.",
                )));
            }
            Err(e) => error!(error = %e, "could not record the press"),
        }
        let content = interaction.message.content.clone();
        let rows: Vec<Value> = match serde_json::to_value(&interaction.message.components) {
            Ok(Value::Array(rows)) => rows,
            _ => Vec::new(),
        };
        let discord = self.clone();
        let work = tokio::spawn(async move {
            let pressed = discord.kith.press(&actor, &button.action).await;
            let settled = render::settled(
                &content,
                &rows,
                pressed.settles.as_deref(),
                &pressed.outcome,
            );
            match pressed.settles {
                Some(_) => Pressed::Settled(settled),
                None => Pressed::Refused {
                    private: render::message(&pressed.outcome, "", true),
                    edit: settled,
                },
            }
        });
        // In time, a settled press updates the message and a refused one
        // answers privately, leaving it. Deferred, the edit carries the
        // outcome either way (keeping the buttons of a refused press).
        self.in_time(
            work,
            interaction.token.clone(),
            |pressed| {
                Ok(match pressed {
                    Pressed::Settled(data) => json!({"type": UPDATE_MESSAGE, "data": data}),
                    Pressed::Refused { private, .. } => {
                        json!({"type": CHANNEL_MESSAGE, "data": private})
                    }
                })
            },
            |pressed| match pressed {
                Pressed::Settled(data) | Pressed::Refused { edit: data, .. } => (data, Vec::new()),
            },
            json!({"type": DEFERRED_UPDATE_MESSAGE}),
        )
        .await
    }

    /// Waits up to `defer_after` for `work`. Done in time, `answer` gives
    /// the answer (or, `Err`, asks for a follow-up anyway); otherwise the
    /// answer is `deferred` and a follow-up edits it with what `edit` gives
    /// (a message and files to upload) once the work is done.
    async fn in_time<T: Send + 'static>(
        &self,
        mut work: JoinHandle<T>,
        token: String,
        answer: impl FnOnce(T) -> Result<Value, T>,
        edit: impl FnOnce(T) -> (Value, Vec<File>) + Send + 'static,
        deferred: Value,
    ) -> Answer {
        let done = match tokio::time::timeout(self.settings.defer_after, &mut work).await {
            Ok(Ok(done)) => match answer(done) {
                Ok(body) => return Answer::now(body),
                Err(done) => Some(done),
            },
            Ok(Err(e)) => {
                error!(error = %e, "the interaction task failed");
                return Answer::now(ephemeral(&Reply::error(OOPS)));
            }
            Err(_) => {
                warn!("slower than the deadline; deferring and following up");
                None
            }
        };
        let rest = self.rest.clone();
        let then = async move {
            let result = match done {
                Some(done) => Ok(done),
                None => work.await,
            };
            let (data, files) = match result {
                Ok(done) => edit(done),
                Err(e) => {
                    error!(error = %e, "the deferred task failed");
                    (render::message(&Reply::error(OOPS), "", true), Vec::new())
                }
            };
            // Over HTTP the deferral is our response, which may still be on
            // its way when the work is already done: an edit Discord cannot
            // match to the interaction yet (404) is tried again shortly.
            for attempt in 1..=FOLLOW_UP_ATTEMPTS {
                match rest.edit_original(&token, &data, &files).await {
                    Ok(()) => break,
                    Err(e) if attempt < FOLLOW_UP_ATTEMPTS && e.status() == Some(404) => {
                        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    }
                    Err(e) => {
                        error!(error = %e, "could not follow up a deferred interaction");
                        break;
                    }
                }
            }
        };
        Answer {
            body: deferred,
            then: Some(Box::pin(then)),
        }
    }

    /// Downloads an attached file, refusing one that is too large.
    pub(crate) async fn fetch(&self, attachment: &Attachment) -> Result<File, String> {
        too_large(attachment)?;
        let bytes = self
            .rest
            .download(&attachment.url, MAX_ATTACHMENT)
            .await
            .map_err(|e| {
                warn!(error = %e, "could not download an attachment");
                "I couldn't download the attached file from Discord; please try again. Nothing was changed.".to_string()
            })?;
        Ok(File {
            name: attachment.filename.clone(),
            mime: attachment
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            bytes,
        })
    }
}

/// What a button press came to.
enum Pressed {
    /// The message's row is replaced with the outcome.
    Settled(Value),
    /// The press was refused: tell the member, keep the message.
    Refused { private: Value, edit: Value },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_server_or_administrator_makes_an_admin() {
        let bits = |b: u64| Some(Permissions::from_bits_truncate(b));
        assert!(is_admin(bits(1 << 5)), "Manage Server");
        assert!(is_admin(bits(1 << 3)), "Administrator");
        assert!(is_admin(bits((1 << 5) | (1 << 11))));
        // Everything a moderator may have but those two.
        assert!(!is_admin(bits(2_248_473_465_835_073)));
        assert!(!is_admin(bits(0)));
        assert!(!is_admin(None), "no member (a DM): not an admin");
    }

    #[test]
    fn permissions_come_as_a_decimal_string() {
        let member: serenity::model::guild::Member = serde_json::from_value(json!({
            "user": {"id": "1", "username": "dana", "discriminator": "0", "global_name": null, "avatar": null},
            "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
            "flags": 0, "permissions": "32", "guild_id": "2"
        }))
        .expect("a member");
        assert!(is_admin(member.permissions));
    }
}
