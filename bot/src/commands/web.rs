//! `web`: a one-time link to the member's private web page, and ending the
//! page's sessions (`web logout`, `web revoke`). See [`crate::web`].

use super::{Command, CommandError, Ctx, Form, Group, Spec, Variant};
use crate::format::plural;
use crate::reply::Reply;

/// What `web` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Web {
    /// A fresh one-time link.
    Link,
    /// Sign out every browser where the page is open.
    Logout,
    /// Sign out everywhere and void every link not used yet.
    Revoke,
}

pub const WEB: Spec = Spec {
    name: "web",
    summary: "A private link to your network in the browser: map, who is due, favours, search.",
    details: "The link is only for you: it works once, within 15 minutes, and keeps that browser \
              signed in for 7 days. web logout signs you out everywhere; web revoke also voids \
              links you have not opened yet.",
    examples: &["web", "web logout", "web revoke"],
    group: Group::Account,
    form: Form::Variants {
        bare: Some(Variant {
            name: "link",
            aliases: &[],
            summary: "A one-time link to your private page.",
            slots: &[],
        }),
        variants: &[
            Variant {
                name: "logout",
                aliases: &["signout"],
                summary: "Sign out of the page in every browser.",
                slots: &[],
            },
            Variant {
                name: "revoke",
                aliases: &[],
                summary: "Sign out everywhere and void links not opened yet.",
                slots: &[],
            },
        ],
        unknown: "web can be followed by logout or revoke, not \"{}\".",
    },
    build: |values| {
        Ok(Command::Web(match values.variant {
            Some("logout") => Web::Logout,
            Some("revoke") => Web::Revoke,
            _ => Web::Link,
        }))
    },
};

const NOT_ON: &str = "The web page is not turned on for this Kith. Whoever runs it can turn it \
     on by setting KITH_PUBLIC_URL to the address where Kith's HTTP server can be reached \
     (e.g. https://kith.example.org).";

pub async fn web(ctx: &Ctx<'_>, what: Web) -> Result<Reply, CommandError> {
    let scope = ctx.member.scope();
    match what {
        Web::Link => {
            let Some(base) = ctx.web_url else {
                return Err(CommandError::User(NOT_ON.into()));
            };
            let link = crate::web::issue_link(ctx.store, scope, base, ctx.now).await?;
            Ok(Reply::text(format!(
                "Your private page: {link}\nThe link is only for you: it works once, within 15 \
                 minutes, and keeps that browser signed in for 7 days (web logout signs you out)."
            )))
        }
        Web::Logout => {
            let (sessions, _) = ctx.store.end_web_sessions(scope, false).await?;
            Ok(Reply::text(match sessions {
                0 => "You were not signed in to your web page anywhere.".to_string(),
                n => format!(
                    "Signed out of your web page in {}.",
                    plural(n as i64, "browser", "browsers")
                ),
            }))
        }
        Web::Revoke => {
            let (sessions, links) = ctx.store.end_web_sessions(scope, true).await?;
            Ok(Reply::text(format!(
                "Revoked: {} ended and {} voided. Type web for a new link.",
                plural(sessions as i64, "session", "sessions"),
                plural(links as i64, "unused link", "unused links")
            )))
        }
    }
}
