//! Configuration that never misleads: id-like values kept as the text
//! they were written as, a half-configured platform refused by naming
//! what is missing, and `kith config check`'s view of the effective
//! configuration with every secret masked.

use std::fmt::Write as _;

use crate::Config;

/// Environment variables whose value is text whatever it looks like.
/// figment types what it reads (`1234567890.1234567890` becomes a float
/// and loses digits, `true` a bool), so these are read as they are.
pub const TEXT_VARIABLES: &[(&str, &str)] = &[
    ("KITH_DATABASE_URL", "database_url"),
    ("KITH_HTTP_ADDR", "http_addr"),
    ("KITH_METRICS_ADDR", "metrics_addr"),
    ("KITH_CONSOLE__WORKSPACE", "console.workspace"),
    ("KITH_CONSOLE__MEMBER", "console.member"),
    ("KITH_SLACK_BOT_TOKEN", "slack.bot_token"),
    ("KITH_SLACK_APP_TOKEN", "slack.app_token"),
    ("KITH_SLACK_SIGNING_SECRET", "slack.signing_secret"),
    ("KITH_SLACK_CLIENT_ID", "slack.client_id"),
    ("KITH_SLACK_CLIENT_SECRET", "slack.client_secret"),
    ("KITH_SLACK_API_URL", "slack.api_url"),
    ("KITH_DISCORD_TOKEN", "discord.token"),
    ("KITH_DISCORD_APPLICATION_ID", "discord.application_id"),
    ("KITH_DISCORD_PUBLIC_KEY", "discord.public_key"),
    ("KITH_DISCORD_API_URL", "discord.api_url"),
    ("KITH_DISCORD_SHARDS", "discord.shards"),
];

/// Keys of the TOML file that hold ids: a bare number there is read as
/// its text.
const ID_KEYS: &[&str] = &["client_id", "application_id"];

/// The configuration keys that hold secrets.
const SECRET_KEYS: &[&str] = &[
    "slack.bot_token",
    "slack.app_token",
    "slack.signing_secret",
    "slack.client_secret",
    "discord.token",
];

/// `text` with every bare numeric id (`client_id = 1234567890.1234567890`)
/// put in quotes, or `None` when there is none: TOML would read it as a
/// float and drop digits.
pub fn quote_bare_ids(text: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.lines() {
        match quoted_id_line(line) {
            Some(quoted) => {
                changed = true;
                out.push_str(&quoted);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    changed.then_some(out)
}

fn quoted_id_line(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let key = ID_KEYS.iter().find(|k| {
        trimmed
            .strip_prefix(**k)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })?;
    let value = trimmed[key.len()..].trim_start().strip_prefix('=')?;
    let (value, comment) = match value.find('#') {
        Some(at) => (&value[..at], &value[at..]),
        None => (value, ""),
    };
    let value = value.trim();
    let numeric = value.starts_with(|c: char| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_');
    numeric.then(|| {
        format!("{key} = \"{value}\" {comment}")
            .trim_end()
            .to_string()
    })
}

/// Every problem that would stop `kith run`, as sentences naming the keys.
pub fn problems(config: &Config) -> Vec<String> {
    let mut problems = Vec::new();
    let slack = &config.slack;
    if slack.is_configured()
        && let Some(problem) = slack.problem()
    {
        problems.push(format!(
            "Slack is only partly configured ({} set). {problem}",
            set_keys(&[
                ("KITH_SLACK_BOT_TOKEN", slack.bot_token.is_some()),
                ("KITH_SLACK_APP_TOKEN", slack.app_token.is_some()),
                ("KITH_SLACK_SIGNING_SECRET", slack.signing_secret.is_some()),
                ("KITH_SLACK_CLIENT_ID", slack.client_id.is_some()),
                ("KITH_SLACK_CLIENT_SECRET", slack.client_secret.is_some()),
            ])
        ));
    }
    let discord = &config.discord;
    if discord.is_configured()
        && let Some(problem) = discord.problem()
    {
        problems.push(format!(
            "Discord is only partly configured ({} set). {problem}",
            set_keys(&[
                ("KITH_DISCORD_TOKEN", discord.token.is_some()),
                (
                    "KITH_DISCORD_APPLICATION_ID",
                    discord.application_id.is_some()
                ),
                ("KITH_DISCORD_PUBLIC_KEY", discord.public_key.is_some()),
            ])
        ));
    }
    if let Some(url) = &config.public_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        problems.push(format!(
            "KITH_PUBLIC_URL must be an http:// or https:// address such as \
             https://kith.example.org, not \"{url}\"."
        ));
    }
    if let Some(problem) = address_problem("KITH_HTTP_ADDR", &config.http_addr) {
        problems.push(problem);
    }
    if let Some(addr) = &config.metrics_addr {
        if let Some(problem) = address_problem("KITH_METRICS_ADDR", addr) {
            problems.push(problem);
        } else if addr == &config.http_addr {
            problems.push(
                "KITH_METRICS_ADDR is the same as KITH_HTTP_ADDR: leave it unset to serve \
                 /metrics there, or give it an address of its own."
                    .into(),
            );
        }
    }
    problems
}

fn set_keys(keys: &[(&str, bool)]) -> String {
    let set: Vec<&str> = keys.iter().filter(|(_, s)| *s).map(|(k, _)| *k).collect();
    set.join(", ")
}

/// A listening address must be `host:port`.
fn address_problem(variable: &str, addr: &str) -> Option<String> {
    let port_ok = addr
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    (!port_ok).then(|| format!("{variable} must be host:port (like 0.0.0.0:3000), not \"{addr}\"."))
}

/// Every secret the configuration holds (the database password too).
pub fn secrets(config: &Config) -> Vec<String> {
    let slack = &config.slack;
    let mut secrets: Vec<String> = [
        &slack.bot_token,
        &slack.app_token,
        &slack.signing_secret,
        &slack.client_secret,
        &config.discord.token,
    ]
    .into_iter()
    .flatten()
    .map(|s| s.expose().to_string())
    .collect();
    if let Some(password) = database_password(&config.database_url) {
        secrets.push(password);
    }
    secrets
}

fn database_password(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.rfind('@')?];
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then(|| password.to_string())
}

/// The effective configuration, one `key = value` per line, secrets
/// shown only as set or not.
pub fn describe(config: &Config) -> String {
    let mut value = serde_json::to_value(config).unwrap_or_default();
    if let Some(url) = value.get_mut("database_url") {
        *url = kith_storage::redact(&config.database_url).into();
    }
    let mut out = String::new();
    flatten(&mut out, "", &value);
    out
}

fn flatten(out: &mut String, prefix: &str, value: &serde_json::Value) {
    let serde_json::Value::Object(map) = value else {
        return;
    };
    // Plain keys first, then sections, as in the TOML file.
    let (plain, sections): (Vec<_>, Vec<_>) = map.iter().partition(|(_, v)| !v.is_object());
    for (key, value) in plain.into_iter().chain(sections) {
        let path = match prefix {
            "" => key.clone(),
            _ => format!("{prefix}.{key}"),
        };
        if value.is_object() {
            flatten(out, &path, value);
            continue;
        }
        let shown = match value {
            serde_json::Value::Null => "(not set)".to_string(),
            _ if SECRET_KEYS.contains(&path.as_str()) => "******** (set)".to_string(),
            other => other.to_string(),
        };
        let _ = writeln!(out, "{path} = {shown}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_numeric_client_id_is_quoted_with_every_digit() {
        let toml = "[slack]\nclient_id = 1234567890.1234567890 # from Slack\napi_url = \"x\"\n";
        let quoted = quote_bare_ids(toml).expect("rewritten");
        assert!(
            quoted.contains("client_id = \"1234567890.1234567890\" # from Slack"),
            "{quoted}"
        );
        assert!(quoted.contains("api_url = \"x\""));
        assert_eq!(quote_bare_ids("[slack]\nclient_id = \"1.2\"\n"), None);
    }

    #[test]
    fn a_database_password_is_a_secret() {
        assert_eq!(
            database_password("postgres://kith:hunter22@db/kith").as_deref(),
            Some("hunter22")
        );
        assert_eq!(database_password("sqlite://kith.db"), None);
    }
}
