//! `kith slack manifest`: the app manifest to paste into Slack's "Create an
//! app → From a manifest". Without a URL it sets up Socket Mode; with one,
//! the HTTP request URLs and the install redirect.

use serde_json::{Value, json};

use crate::oauth::BOT_SCOPES;

/// A URL Slack would refuse for its request URLs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the URL must start with https:// (Slack sends requests only to HTTPS), like https://kith.example.org; got \"{0}\""
)]
pub struct NotHttps(pub String);

/// The slash commands Kith answers: `/favor` is the same as `/favour`.
pub const FAVOUR_COMMANDS: [&str; 2] = ["/favour", "/favor"];

/// The manifest, for Socket Mode (`url: None`) or HTTP at `url`, which
/// must be an `https://` address with a host.
pub fn manifest(url: Option<&str>) -> Result<Value, NotHttps> {
    if let Some(url) = url {
        let host = url
            .strip_prefix("https://")
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(NotHttps(url.to_string()));
        }
    }
    let base = url.map(|u| u.trim_end_matches('/').to_string());
    let at = |path: &str| base.as_ref().map(|b| format!("{b}{path}"));
    let mut kith = json!({
        "command": "/kith",
        "description": "Your networking ledger: add, gave, got, due, intro, share, pairing, help",
        "usage_hint": "gave @alice reviewed her resume · due · add @bob inner · help",
        "should_escape": true,
    });
    let mut favours: Vec<Value> = FAVOUR_COMMANDS
        .iter()
        .map(|command| {
            json!({
                "command": command,
                "description": "Log a favour you gave or got",
                "usage_hint": "gave @alice reviewed her resume · got @bob intro to Carol",
                "should_escape": true,
            })
        })
        .collect();
    let mut oauth = json!({ "scopes": { "bot": BOT_SCOPES } });
    let mut events = json!({
        "bot_events": ["app_home_opened", "app_uninstalled", "tokens_revoked", "message.im"],
    });
    let mut interactivity = json!({ "is_enabled": true });
    if let Some(commands) = at("/slack/commands") {
        kith["url"] = json!(commands);
        for favour in &mut favours {
            favour["url"] = json!(commands);
        }
        oauth["redirect_urls"] = json!([at("/slack/oauth")]);
        events["request_url"] = json!(at("/slack/events"));
        interactivity["request_url"] = json!(at("/slack/actions"));
    }
    let mut slash_commands = vec![kith];
    slash_commands.extend(favours);
    Ok(json!({
        "_metadata": { "major_version": 1, "minor_version": 1 },
        "display_information": {
            "name": "Kith",
            "description": "Your private networking ledger, introductions, shared links and coffee pairing.",
            "long_description": "Kith keeps a private ledger of your professional relationships: favours given and received, check-ins, small things to remember. It nudges you by DM when someone is due a hello, with buttons to mark it done, snooze or skip. Everything you log is visible to you alone. Members can also introduce each other (both say yes first), share useful links with the community, and join coffee pairing. Type /kith help to begin.",
            "background_color": "#2c3e50",
        },
        "features": {
            // Members send files (an import) in the DM with Kith: the
            // messages tab must take messages.
            "app_home": {
                "home_tab_enabled": true,
                "messages_tab_enabled": true,
                "messages_tab_read_only_enabled": false,
            },
            "bot_user": { "display_name": "Kith", "always_online": false },
            // Shortcuts need the `commands` scope, which /kith already asks for.
            "shortcuts": [
                {
                    "name": "Log a favour",
                    "type": "message",
                    "callback_id": crate::modal::MESSAGE_SHORTCUT,
                    "description": "Log a favour with the person who wrote this message",
                },
                {
                    "name": "Log a favour",
                    "type": "global",
                    "callback_id": crate::modal::GLOBAL_SHORTCUT,
                    "description": "Log a favour you gave or got",
                },
            ],
            "slash_commands": slash_commands,
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": false,
            "socket_mode_enabled": base.is_none(),
            "token_rotation_enabled": false,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_url_the_manifest_uses_socket_mode() {
        let m = manifest(None).expect("a manifest");
        assert_eq!(m["settings"]["socket_mode_enabled"], true);
        assert!(m["features"]["slash_commands"][0].get("url").is_none());
        assert!(m["settings"]["interactivity"].get("request_url").is_none());
        assert_eq!(m["features"]["slash_commands"][1]["command"], "/favour");
        assert_eq!(m["features"]["slash_commands"][2]["command"], "/favor");
    }

    #[test]
    fn members_can_message_the_app_and_open_its_home_tab() {
        let m = manifest(None).expect("a manifest");
        let home = &m["features"]["app_home"];
        assert_eq!(home["messages_tab_read_only_enabled"], false);
        assert_eq!(home["messages_tab_enabled"], true);
        assert_eq!(home["home_tab_enabled"], true);
    }

    #[test]
    fn usage_hints_say_what_to_type() {
        let m = manifest(None).expect("a manifest");
        for command in m["features"]["slash_commands"].as_array().expect("list") {
            let hint = command["usage_hint"].as_str().expect("a hint");
            assert!(hint.contains("@alice"), "{hint}");
            for example in hint.split(" · ") {
                let line = match command["command"].as_str() {
                    Some("/kith") => example.to_string(),
                    _ => example.to_string(),
                };
                assert!(kith_bot::commands::parse(&line).is_ok(), "{line}");
            }
        }
    }

    #[test]
    fn only_an_https_url_makes_a_manifest() {
        for bad in [
            "http://kith.example.org",
            "kith.example.org",
            "https://",
            "ftp://kith.example.org",
            "https:// kith",
        ] {
            assert_eq!(manifest(Some(bad)), Err(NotHttps(bad.into())), "{bad}");
        }
        assert!(manifest(Some("https://kith.example.org/base")).is_ok());
    }

    #[test]
    fn with_a_url_the_manifest_points_every_request_at_it() {
        let m = manifest(Some("https://kith.example.org/")).expect("a manifest");
        assert_eq!(m["settings"]["socket_mode_enabled"], false);
        assert_eq!(
            m["features"]["slash_commands"][0]["url"],
            "https://kith.example.org/slack/commands"
        );
        assert_eq!(
            m["settings"]["interactivity"]["request_url"],
            "https://kith.example.org/slack/actions"
        );
        assert_eq!(
            m["settings"]["event_subscriptions"]["request_url"],
            "https://kith.example.org/slack/events"
        );
        assert_eq!(
            m["oauth_config"]["redirect_urls"][0],
            "https://kith.example.org/slack/oauth"
        );
        assert_eq!(
            m["oauth_config"]["scopes"]["bot"],
            json!([
                "commands",
                "chat:write",
                "chat:write.public",
                "im:write",
                "mpim:write",
                "users:read",
                "files:write",
                "files:read",
                "im:history",
                "mpim:history",
                "channels:history",
                "groups:history"
            ])
        );
        assert_eq!(
            m["settings"]["event_subscriptions"]["bot_events"],
            json!([
                "app_home_opened",
                "app_uninstalled",
                "tokens_revoked",
                "message.im"
            ])
        );
    }

    #[test]
    fn both_favour_shortcuts_are_declared_with_the_callback_ids_kith_answers() {
        let m = manifest(None).expect("a manifest");
        let shortcuts = m["features"]["shortcuts"].as_array().expect("shortcuts");
        let declared: Vec<(&str, &str)> = shortcuts
            .iter()
            .map(|s| {
                (
                    s["type"].as_str().unwrap_or_default(),
                    s["callback_id"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            declared,
            [
                ("message", crate::modal::MESSAGE_SHORTCUT),
                ("global", crate::modal::GLOBAL_SHORTCUT)
            ]
        );
        for shortcut in shortcuts {
            // Slack's limits: name 24 characters, description 150.
            assert!(shortcut["name"].as_str().is_some_and(|n| n.len() <= 24));
            assert!(
                shortcut["description"]
                    .as_str()
                    .is_some_and(|d| d.len() <= 150)
            );
        }
        let scopes = m["oauth_config"]["scopes"]["bot"].to_string();
        assert!(scopes.contains("\"commands\""), "{scopes}");
        assert!(
            m["settings"]["event_subscriptions"]["bot_events"]
                .to_string()
                .contains("app_home_opened")
        );
    }
}
