//! `kith slack manifest`: the app manifest to paste into Slack's "Create an
//! app → From a manifest". Without a URL it sets up Socket Mode; with one,
//! the HTTP request URLs and the install redirect.

use serde_json::{Value, json};

use crate::oauth::BOT_SCOPES;

/// The manifest, for Socket Mode (`url: None`) or HTTP at `url`.
pub fn manifest(url: Option<&str>) -> Value {
    let base = url.map(|u| u.trim_end_matches('/').to_string());
    let at = |path: &str| base.as_ref().map(|b| format!("{b}{path}"));
    let mut kith = json!({
        "command": "/kith",
        "description": "Your networking ledger: add, gave, got, due, intro, share, pairing, help",
        "usage_hint": "help",
        "should_escape": true,
    });
    let mut favour = json!({
        "command": "/favour",
        "description": "Log a favour you gave or got",
        "usage_hint": "gave|got @someone what",
        "should_escape": true,
    });
    let mut oauth = json!({ "scopes": { "bot": BOT_SCOPES } });
    let mut events = json!({ "bot_events": ["app_uninstalled", "tokens_revoked", "message.im"] });
    let mut interactivity = json!({ "is_enabled": true });
    if let Some(commands) = at("/slack/commands") {
        kith["url"] = json!(commands);
        favour["url"] = json!(commands);
        oauth["redirect_urls"] = json!([at("/slack/oauth")]);
        events["request_url"] = json!(at("/slack/events"));
        interactivity["request_url"] = json!(at("/slack/actions"));
    }
    json!({
        "_metadata": { "major_version": 1, "minor_version": 1 },
        "display_information": {
            "name": "Kith",
            "description": "Your private networking ledger, introductions, shared links and coffee pairing.",
            "long_description": "Kith keeps a private ledger of your professional relationships: favours given and received, check-ins, small things to remember. It nudges you by DM when someone is due a hello, with buttons to mark it done, snooze or skip. Everything you log is visible to you alone. Members can also introduce each other (both say yes first), share useful links with the community, and join coffee pairing. Type /kith help to begin.",
            "background_color": "#2c3e50",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": false,
                "messages_tab_enabled": true,
                "messages_tab_read_only_enabled": true,
            },
            "bot_user": { "display_name": "Kith", "always_online": false },
            "slash_commands": [kith, favour],
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": false,
            "socket_mode_enabled": base.is_none(),
            "token_rotation_enabled": false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_url_the_manifest_uses_socket_mode() {
        let m = manifest(None);
        assert_eq!(m["settings"]["socket_mode_enabled"], true);
        assert!(m["features"]["slash_commands"][0].get("url").is_none());
        assert!(m["settings"]["interactivity"].get("request_url").is_none());
        assert_eq!(m["features"]["slash_commands"][1]["command"], "/favour");
    }

    #[test]
    fn with_a_url_the_manifest_points_every_request_at_it() {
        let m = manifest(Some("https://kith.example.org/"));
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
            json!(["app_uninstalled", "tokens_revoked", "message.im"])
        );
    }
}
