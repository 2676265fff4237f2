//! The core service: takes a command from a member of a workspace, runs it
//! against the store, and returns what to show them.

use std::sync::Arc;

use tracing::{error, instrument};

use crate::commands::{self, CommandError, Ctx};
use crate::domain::{Member, Platform};
use crate::ports::{Clock, Store};
use crate::reply::Reply;

/// Who is speaking, as the adapter received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub platform: Platform,
    /// The platform's id of the workspace (Slack team, Discord guild).
    pub workspace: String,
    /// The platform's id of the member.
    pub user: String,
    pub display_name: String,
}

/// Kith's core, shared by every adapter.
#[derive(Clone)]
pub struct Kith {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

const WELCOME: &str = concat!(
    "Welcome to Kith! I keep your networking ledger, privately: who you know, ",
    "favours given and received, and when you last spoke. Three commands to start with:\n",
    "  add @alice inner              put someone in your network\n",
    "  gave @alice <what>            log a favour you did (got @alice <what> for one you received)\n",
    "  touch @alice coffee           log a check-in\n",
    "Times are shown in UTC for now. Type help for everything else."
);

const OOPS: &str =
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment.";

impl Kith {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Kith {
        Kith { store, clock }
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
    #[instrument(skip_all, fields(platform = actor.platform.as_str(), workspace = %actor.workspace))]
    pub async fn handle(&self, actor: &Actor, line: &str) -> Reply {
        // Parse before touching the store: a malformed line writes nothing.
        let command = match commands::parse(line) {
            Ok(command) => command,
            Err(e) => return Reply::error(e.to_user_text()),
        };
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
        };
        let mut reply = match commands::run(&ctx, command).await {
            Ok(reply) => reply,
            Err(CommandError::User(message)) => Reply::error(message),
            Err(CommandError::Unexpected(e)) => {
                error!(error = %e, "command failed");
                return Reply::error(OOPS);
            }
        };
        if !member.welcomed {
            match self.store.mark_welcomed(member.workspace, member.id).await {
                Ok(()) => reply
                    .blocks
                    .insert(0, crate::reply::Block::Text(WELCOME.into())),
                Err(e) => error!(error = %e, "could not record the welcome"),
            }
        }
        reply
    }

    /// Finds or creates the acting member (and their workspace).
    pub async fn member(&self, actor: &Actor) -> anyhow::Result<Member> {
        let now = self.clock.now();
        let workspace = self
            .store
            .workspace(actor.platform, &actor.workspace, now)
            .await?;
        self.store
            .member(workspace, &actor.user, &actor.display_name, now)
            .await
    }
}
