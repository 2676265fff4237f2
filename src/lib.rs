//! The `kith` program: configuration and wiring of the core, the store and
//! the adapters. `main.rs` only parses the command line and calls in here,
//! so tests start Kith exactly as the binary does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use kith_bot::Kith;
use kith_bot::delivery::{Delivery, Messengers};
use kith_bot::domain::Platform;
use kith_bot::ports::ManualClock;
use kith_console::{Console, ConsoleMessenger, ConsoleOptions, Screen};
use kith_storage::SqliteStore;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncBufRead;

/// Kith's configuration. Defaults live here; a TOML file and then
/// `KITH_`-prefixed environment variables override them
/// (`KITH_DATABASE_URL`, `KITH_CONSOLE__MEMBER`). `config/kith.example.toml`
/// documents every key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the ledger lives: `sqlite://PATH` (created if missing) or a path.
    pub database_url: String,
    pub console: ConsoleConfig,
}

/// The console adapter's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// The workspace the console acts in.
    pub workspace: String,
    /// Who you are when the console starts.
    pub member: String,
}

impl Default for Config {
    fn default() -> Self {
        let console = ConsoleOptions::default();
        Config {
            database_url: "sqlite://kith.db".into(),
            console: ConsoleConfig {
                workspace: console.workspace,
                member: console.member,
            },
        }
    }
}

impl Config {
    /// Defaults, then the TOML file (if given, or `kith.toml` if present),
    /// then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        Config::load_from(file, Env::prefixed("KITH_").split("__"))
    }

    fn load_from(file: Option<&Path>, env: Env) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    anyhow::bail!("the configuration file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new("kith.toml").exists() => {
                figment = figment.merge(Toml::file_exact("kith.toml"));
            }
            None => {}
        }
        figment
            .merge(env.ignore(&["config"]))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
    }
}

/// What `kith console` was asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct ConsoleArgs {
    pub db: Option<PathBuf>,
    pub member: Option<String>,
    pub workspace: Option<String>,
}

/// Opens the store named by the configuration, applying migrations.
pub async fn open_store(database_url: &str) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(database_url).await
}

/// Runs a console session reading `input` and writing to `screen` until
/// `:quit` or the end of input.
pub async fn run_console(
    config: &Config,
    args: ConsoleArgs,
    input: impl AsyncBufRead + Unpin,
    screen: Screen,
    interactive: bool,
) -> anyhow::Result<()> {
    let url = match &args.db {
        Some(path) => path.display().to_string(),
        None => config.database_url.clone(),
    };
    let store = open_store(&url).await?;
    let clock = ManualClock::default();
    let kith = Kith::new(Arc::new(store.clone()), Arc::new(clock.clone()));
    let messenger = ConsoleMessenger::new(screen.clone(), Arc::new(clock.clone()));
    let delivery = Delivery::new(
        Arc::new(store.clone()),
        Arc::new(store.clone()),
        Messengers::new().with(Platform::Console, Arc::new(messenger.clone())),
        Arc::new(clock.clone()),
        format!("console-{}", std::process::id()),
    );
    let options = ConsoleOptions {
        workspace: args
            .workspace
            .unwrap_or_else(|| config.console.workspace.clone()),
        member: args.member.unwrap_or_else(|| config.console.member.clone()),
        prompt: interactive,
        echo: !interactive,
    };
    let mut console = Console::new(kith, clock, screen, options).with_delivery(delivery, messenger);
    let outcome = console.run(input).await.context("the console stopped");
    store.close().await;
    outcome
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_use_kith_db_in_the_working_directory() {
        // In a jail: the other tests change the working directory.
        figment::Jail::expect_with(|_| {
            let config = Config::load_from(None, Env::prefixed("KITH_TEST_NOTHING_"))
                .map_err(|e| e.to_string())?;
            assert_eq!(config.database_url, "sqlite://kith.db");
            assert_eq!(config.console.member, "me");
            Ok(())
        });
    }

    #[test]
    fn the_file_then_the_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "custom.toml",
                "database_url = \"sqlite://file.db\"\n[console]\nmember = \"dana\"\n",
            )?;
            jail.set_env("KITH_DATABASE_URL", "sqlite://env.db");
            let config = Config::load(Some(Path::new("custom.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.database_url, "sqlite://env.db");
            assert_eq!(config.console.member, "dana");
            assert_eq!(config.console.workspace, "console");
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("kith.toml", "databse_url = \"x\"\n")?;
            let err = Config::load(None).expect_err("typo");
            assert!(err.to_string().contains("databse_url"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/kith.toml"))).expect_err("missing");
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn the_example_config_documents_every_key() {
        let example = include_str!("../config/kith.example.toml");
        let parsed: Config = Figment::new()
            .merge(Toml::string(example))
            .extract()
            .expect("the example parses as a complete configuration");
        assert_eq!(parsed, Config::default());
    }
}
