//! The Discord adapter's settings as read from configuration (`[discord]`
//! in the TOML file; `KITH_DISCORD_*` in the environment). The token stays
//! wrapped in [`Secret`], so printing the configuration never shows it.

use kith_bot::domain::Secret;
use serde::{Deserialize, Deserializer, Serialize};

use crate::verify::Verifier;

/// Discord's own API host; serenity adds `/api/v10/...`.
pub const DEFAULT_API_URL: &str = "https://discord.com";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// The bot token (Bot page of the application). Setting it runs Kith
    /// on Discord.
    #[serde(with = "kith_bot::domain::optional_secret")]
    pub token: Option<Secret>,
    /// The application id (General Information page).
    #[serde(deserialize_with = "snowflake")]
    pub application_id: Option<u64>,
    /// The application's public key (hex), to verify HTTP interactions.
    /// Setting it serves `POST /discord/interactions`.
    pub public_key: Option<String>,
    /// The API base URL; tests point it at a local fake.
    pub api_url: String,
    /// The Gateway shards this replica connects: `0-1/4` (shards 0 and 1 of
    /// 4) or `2/4`. Unset: shard 0 of 1. Either way a shard is connected by
    /// one replica at a time, the one holding its lease in the store; the
    /// others stand by and take over within 30 s of its death.
    pub shards: Option<String>,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token: None,
            application_id: None,
            public_key: None,
            api_url: DEFAULT_API_URL.into(),
            shards: None,
        }
    }
}

impl DiscordConfig {
    /// Whether Kith should run on Discord: any of its keys is set (a key
    /// without the token is a mistake to report, not a reason to start
    /// the console).
    pub fn is_configured(&self) -> bool {
        self.token.is_some() || self.application_id.is_some() || self.public_key.is_some()
    }

    /// What is wrong with this configuration for running the adapter, as a
    /// sentence naming the variables to set.
    pub fn problem(&self) -> Option<String> {
        if self.token.is_none() {
            return Some(
                "Discord needs the bot token: set KITH_DISCORD_TOKEN (the application's Bot page)."
                    .into(),
            );
        }
        if let Some(key) = &self.public_key {
            if let Err(e) = Verifier::new(key) {
                return Some(format!("KITH_DISCORD_PUBLIC_KEY: {e}."));
            }
            if self.application_id.is_none() {
                return Some(
                    "HTTP interactions need the application id to follow up: set KITH_DISCORD_APPLICATION_ID."
                        .into(),
                );
            }
        }
        if let Some(Err(e)) = self
            .shards
            .as_deref()
            .map(str::parse::<crate::shards::Shards>)
        {
            return Some(format!("KITH_DISCORD_SHARDS: {e}."));
        }
        if !(self.api_url.starts_with("https://") || self.api_url.starts_with("http://")) {
            return Some(format!(
                "KITH_DISCORD_API_URL must be an http(s) URL, not \"{}\".",
                self.api_url
            ));
        }
        None
    }

    /// The API base to reach instead of Discord's own, if any (a trailing
    /// `/api` or `/api/v10` is fine).
    pub fn api_override(&self) -> Option<String> {
        let url = self.api_url.trim().trim_end_matches('/');
        let url = url
            .strip_suffix("/api/v10")
            .or_else(|| url.strip_suffix("/api"))
            .unwrap_or(url);
        (url != DEFAULT_API_URL).then(|| url.to_string())
    }

    /// The adapter's settings, when a token is set.
    pub fn settings(&self) -> Option<crate::Settings> {
        let mut settings = crate::Settings::new(self.token.clone()?);
        settings.application_id = self.application_id;
        settings.api_url = self.api_override();
        if let Some(Ok(shards)) = self.shards.as_deref().map(str::parse) {
            settings.shards = shards;
        }
        Some(settings)
    }
}

/// An id as a number or a string of digits (snowflakes are often quoted).
fn snowflake<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }
    match Option::<Id>::deserialize(d)? {
        None => Ok(None),
        Some(Id::Number(n)) => Ok(Some(n)),
        Some(Id::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Id::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("\"{t}\" is not a Discord id"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    #[test]
    fn printing_the_configuration_never_shows_the_token() {
        let config = DiscordConfig {
            token: Some(Secret::new("very-secret-token")),
            ..DiscordConfig::default()
        };
        let shown = format!("{config:?} {:?}", config.settings());
        assert!(!shown.contains("very-secret-token"), "{shown}");
    }

    #[test]
    fn a_shard_range_is_checked_and_handed_to_the_adapter() {
        let config = DiscordConfig {
            token: Some(Secret::new("t")),
            shards: Some("0-1/4".into()),
            ..DiscordConfig::default()
        };
        assert_eq!(config.problem(), None);
        let settings = config.settings().expect("settings");
        assert_eq!(settings.shards.to_string(), "0-1/4");
        let wrong = DiscordConfig {
            shards: Some("4/4".into()),
            ..config
        };
        let problem = wrong.problem().expect("a problem");
        assert!(
            problem.starts_with("KITH_DISCORD_SHARDS: \"4/4\": shards are numbered 0 to 3"),
            "{problem}"
        );
    }

    #[test]
    fn ids_are_read_as_numbers_or_strings() {
        let parsed: DiscordConfig =
            serde_json::from_str(r#"{"application_id": "1100000000000000001"}"#).expect("string");
        assert_eq!(parsed.application_id, Some(1_100_000_000_000_000_001));
        let parsed: DiscordConfig =
            serde_json::from_str(r#"{"application_id": 42}"#).expect("number");
        assert_eq!(parsed.application_id, Some(42));
        assert!(serde_json::from_str::<DiscordConfig>(r#"{"application_id": "abc"}"#).is_err());
    }

    #[test]
    fn the_api_url_is_discords_unless_overridden() {
        let mut config = DiscordConfig::default();
        assert_eq!(config.api_override(), None);
        for url in [
            "http://127.0.0.1:9000",
            "http://127.0.0.1:9000/",
            "http://127.0.0.1:9000/api",
            "http://127.0.0.1:9000/api/v10",
        ] {
            config.api_url = url.into();
            assert_eq!(
                config.api_override().as_deref(),
                Some("http://127.0.0.1:9000")
            );
        }
    }

    #[test]
    fn problems_name_the_variable_to_set() {
        let mut config = DiscordConfig::default();
        assert!(
            config
                .problem()
                .expect("no token")
                .contains("KITH_DISCORD_TOKEN")
        );
        config.token = Some(Secret::new("t"));
        assert_eq!(config.problem(), None);
        config.public_key = Some("not hex".into());
        assert!(
            config
                .problem()
                .expect("bad key")
                .contains("KITH_DISCORD_PUBLIC_KEY")
        );
        config.public_key = Some(KEY.into());
        assert!(
            config
                .problem()
                .expect("no app id")
                .contains("KITH_DISCORD_APPLICATION_ID")
        );
        config.application_id = Some(1);
        assert_eq!(config.problem(), None);
        config.api_url = "127.0.0.1:9".into();
        assert!(
            config
                .problem()
                .expect("bad url")
                .contains("KITH_DISCORD_API_URL")
        );
    }
}
