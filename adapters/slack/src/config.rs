//! The Slack adapter's settings, as read from configuration (`[slack]` in
//! the TOML file, `KITH_SLACK_*` in the environment). Secrets stay wrapped
//! in [`Secret`], so printing the configuration never shows them.

use kith_bot::domain::Secret;
use serde::{Deserialize, Serialize};

/// Slack's Web API base, used unless `api_url` says otherwise.
pub const DEFAULT_API_URL: &str = "https://slack.com/api";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    /// Bot token (`xoxb-…`) of a single-workspace install.
    #[serde(with = "kith_bot::domain::optional_secret")]
    pub bot_token: Option<Secret>,
    /// App-level token (`xapp-…`, scope `connections:write`) for Socket Mode.
    #[serde(with = "kith_bot::domain::optional_secret")]
    pub app_token: Option<Secret>,
    /// Signing secret, to verify HTTP requests from Slack.
    #[serde(with = "kith_bot::domain::optional_secret")]
    pub signing_secret: Option<Secret>,
    /// OAuth client id, for installs into many workspaces. Text, whatever
    /// it looks like (`1234567890.1234567890` is not a number).
    #[serde(deserialize_with = "kith_bot::domain::optional_text::deserialize")]
    pub client_id: Option<String>,
    /// OAuth client secret.
    #[serde(with = "kith_bot::domain::optional_secret")]
    pub client_secret: Option<Secret>,
    /// Slack's Web API base URL.
    pub api_url: String,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            bot_token: None,
            app_token: None,
            signing_secret: None,
            client_id: None,
            client_secret: None,
            api_url: DEFAULT_API_URL.into(),
        }
    }
}

impl SlackConfig {
    /// Whether any Slack credential is set, so `kith run` starts the Slack
    /// adapter instead of the console.
    pub fn is_configured(&self) -> bool {
        self.bot_token.is_some()
            || self.app_token.is_some()
            || self.signing_secret.is_some()
            || self.client_id.is_some()
            || self.client_secret.is_some()
    }

    /// OAuth client id and secret, when installs from a link are enabled.
    pub fn oauth(&self) -> Option<(&str, &Secret)> {
        Some((self.client_id.as_deref()?, self.client_secret.as_ref()?))
    }

    /// What is wrong with this configuration for running the adapter, as a
    /// sentence naming the variables to set.
    pub fn problem(&self) -> Option<String> {
        if self.app_token.is_none() && self.signing_secret.is_none() {
            return Some(
                "Slack needs a way to reach Kith: set KITH_SLACK_APP_TOKEN for Socket Mode \
                 or KITH_SLACK_SIGNING_SECRET for HTTP."
                    .into(),
            );
        }
        if self.bot_token.is_none() && self.oauth().is_none() {
            return Some(
                "Slack needs a bot token: set KITH_SLACK_BOT_TOKEN for one workspace, or \
                 KITH_SLACK_CLIENT_ID and KITH_SLACK_CLIENT_SECRET to install into many."
                    .into(),
            );
        }
        if self.client_id.is_some() != self.client_secret.is_some() {
            return Some(
                "Set both KITH_SLACK_CLIENT_ID and KITH_SLACK_CLIENT_SECRET, or neither.".into(),
            );
        }
        if self.oauth().is_some() && self.signing_secret.is_none() {
            return Some(
                "Installing from a link needs the HTTP server: set KITH_SLACK_SIGNING_SECRET too."
                    .into(),
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_the_configuration_never_shows_a_secret() {
        let config = SlackConfig {
            bot_token: Some(Secret::new("xoxb-very-secret")),
            signing_secret: Some(Secret::new("sign-me")),
            ..SlackConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("sign-me"),
            "{shown}"
        );
    }

    #[test]
    fn socket_mode_needs_a_bot_token_or_oauth() {
        let config = SlackConfig {
            app_token: Some(Secret::new("xapp-1")),
            ..SlackConfig::default()
        };
        assert!(
            config
                .problem()
                .is_some_and(|p| p.contains("KITH_SLACK_BOT_TOKEN"))
        );
        let config = SlackConfig {
            bot_token: Some(Secret::new("xoxb-1")),
            ..config
        };
        assert_eq!(config.problem(), None);
    }

    #[test]
    fn a_bot_token_alone_is_not_enough() {
        let config = SlackConfig {
            bot_token: Some(Secret::new("xoxb-1")),
            ..SlackConfig::default()
        };
        assert!(config.is_configured());
        assert!(
            config
                .problem()
                .is_some_and(|p| p.contains("KITH_SLACK_APP_TOKEN"))
        );
    }
}
