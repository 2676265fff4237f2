//! `kith`: run the bot (the console when no platform is configured), or one
//! of its tools.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kith::telemetry::{self, LogFormat, Redactions};
use kith::{Config, ConsoleArgs, LedgerArgs};
use kith_bot::domain::Platform;
use kith_console::Screen;

const ADAPTERS: &str = "\
Kith runs on three adapters:
  Slack    KITH_SLACK_BOT_TOKEN with KITH_SLACK_APP_TOKEN (Socket Mode, no public URL)
           or KITH_SLACK_SIGNING_SECRET (HTTP); KITH_SLACK_CLIENT_ID and
           KITH_SLACK_CLIENT_SECRET install into many workspaces.
  Discord  KITH_DISCORD_TOKEN (the Gateway, no public URL); add
           KITH_DISCORD_PUBLIC_KEY and KITH_DISCORD_APPLICATION_ID for the
           HTTP interactions endpoint.
  Console  a REPL on this terminal, started when no platform is configured.
Slack and Discord run side by side in one process, with /healthz, /readyz and
/metrics on KITH_HTTP_ADDR. `kith config check` shows what is configured.";

#[derive(Parser)]
#[command(
    name = "kith",
    version,
    about = "Kith keeps your networking ledger: favours, check-ins and introductions.",
    after_help = ADAPTERS
)]
struct Cli {
    /// A TOML configuration file (default: ./kith.toml if present).
    #[arg(long, global = true, env = "KITH_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run Kith on every configured platform (Slack, Discord), or the
    /// console when none is configured.
    #[command(after_help = ADAPTERS)]
    Run,
    /// Exit 0 if a running Kith answers its health check, else 1 (for a
    /// container's HEALTHCHECK).
    Healthcheck {
        /// What to ask (default: /healthz on the configured http_addr;
        /// use .../readyz to require the platforms and database too).
        #[arg(long)]
        url: Option<String>,
    },
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// A REPL acting as a member: type commands as after /kith.
    Console {
        /// The SQLite file to use (default: the configured database_url).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Who you are at the start.
        #[arg(long = "as", value_name = "NAME")]
        member: Option<String>,
        /// Which workspace to act in; each name is a separate workspace.
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Import contacts into a member's network from a file: LinkedIn
    /// Connections.csv, vCard (.vcf), CSV with a header, or a Kith export (.json).
    Import {
        #[command(flatten)]
        who: Who,
        /// The file to import.
        file: PathBuf,
    },
    /// Export a member's whole ledger as JSON (imports back) and CSV.
    Export {
        #[command(flatten)]
        who: Who,
        /// The folder to write the files into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Database tools.
    #[command(subcommand)]
    Db(DbCmd),
    /// Slack tools.
    Slack {
        #[command(subcommand)]
        command: SlackCmd,
    },
    /// Discord tools.
    #[command(subcommand)]
    Discord(DiscordCmd),
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print the effective configuration (secrets masked) and every
    /// problem with it; exit 1 if there is one.
    Check,
}

#[derive(Subcommand)]
enum SlackCmd {
    /// Print an app manifest to paste into Slack's "Create an app → From a manifest".
    Manifest {
        /// Kith's public base URL for HTTP mode (e.g. https://kith.example.org);
        /// without it the manifest sets up Socket Mode.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Subcommand)]
enum DbCmd {
    /// Copy a whole installation from SQLite into an empty PostgreSQL
    /// database (for a community that outgrew one machine), then compare
    /// each table's rows on both sides.
    Copy {
        /// The SQLite database: sqlite://PATH.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/DATABASE.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Subcommand)]
enum DiscordCmd {
    /// Register /kith and /favour with Discord (idempotent: a bulk overwrite).
    Register {
        /// Register in one server only (shows at once; handy while testing).
        /// Without it the commands are global.
        #[arg(long, value_name = "ID")]
        guild: Option<u64>,
    },
}

/// Whose ledger a tool works on.
#[derive(clap::Args)]
struct Who {
    /// The SQLite file to use (default: the configured database_url).
    #[arg(long)]
    db: Option<PathBuf>,
    /// The platform of the workspace.
    #[arg(long, default_value = "console", value_parser = ["console", "slack", "discord"])]
    platform: String,
    /// The workspace's id on its platform (the console's is its name).
    #[arg(long)]
    workspace: String,
    /// The member's id on the platform (the console's is their name).
    #[arg(long)]
    member: String,
}

impl Who {
    fn ledger(self) -> LedgerArgs {
        LedgerArgs {
            db: self.db,
            platform: Platform::parse(&self.platform).unwrap_or(Platform::Console),
            workspace: self.workspace,
            member: self.member,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(e) => {
            eprintln!("kith: {e}");
            return ExitCode::FAILURE;
        }
    };
    let redactions = telemetry::init_logs(format);
    match run(cli, &redactions).await {
        Ok(code) => code,
        Err(e) => {
            // One readable line with its causes; no backtrace for a user error.
            let message = format!("{e:#}");
            match format {
                LogFormat::Json => tracing::error!(error = %message, "kith could not run"),
                LogFormat::Text => eprintln!("kith: {message}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, redactions: &Redactions) -> anyhow::Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    redactions.set(config.secrets());
    let command = cli.command.unwrap_or(Cmd::Run);
    let console_args = match command {
        Cmd::Run if kith::platforms_configured(&config) => {
            kith::run_platforms(&config, kith::shutdown_signal()).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Run => {
            if !std::io::stdin().is_terminal() {
                tracing::info!(
                    "no platform is configured (KITH_SLACK_* or KITH_DISCORD_*; see kith --help), \
                     so this is the console; standard input is not a terminal, so it reads \
                     commands from it and exits when it ends"
                );
            }
            ConsoleArgs::default()
        }
        Cmd::Healthcheck { url } => {
            let url = url.unwrap_or_else(|| kith::health::local_url(&config.http_addr, "/healthz"));
            return Ok(match kith::health::probe(&url).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(reason) => {
                    eprintln!("kith: not healthy: {reason}");
                    ExitCode::FAILURE
                }
            });
        }
        Cmd::Config(ConfigCmd::Check) => {
            print!("{}", kith::config_check::describe(&config));
            let problems = config.problems();
            if !kith::platforms_configured(&config) {
                eprintln!("No platform is configured: `kith run` starts the console.");
            }
            for problem in &problems {
                eprintln!("problem: {problem}");
            }
            return Ok(match problems.is_empty() {
                true => ExitCode::SUCCESS,
                false => ExitCode::FAILURE,
            });
        }
        Cmd::Slack {
            command: SlackCmd::Manifest { url },
        } => {
            let manifest = kith_slack::manifest::manifest(url.as_deref())?;
            let text = serde_json::to_string_pretty(&manifest)?;
            // A closed pipe (`| head`) is not an error worth a panic.
            let mut out = std::io::stdout().lock();
            return match writeln!(out, "{text}") {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(ExitCode::SUCCESS),
            };
        }
        Cmd::Console {
            db,
            member,
            workspace,
        } => ConsoleArgs {
            db,
            member,
            workspace,
        },
        Cmd::Discord(DiscordCmd::Register { guild }) => {
            let count = kith::discord_register(&config, guild).await?;
            match guild {
                Some(guild) => eprintln!("Registered {count} commands in server {guild}."),
                None => eprintln!(
                    "Registered {count} global commands (they can take a while to show up)."
                ),
            }
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Import { who, file } => {
            println!("{}", kith::run_import(&config, &who.ledger(), &file).await?);
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Export { who, out } => {
            for path in kith::run_export(&config, &who.ledger(), &out).await? {
                println!("Wrote {}", path.display());
            }
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Migrate => {
            kith::open_store(&config.database_url).await?.close().await;
            eprintln!(
                "Migrations applied to {}.",
                kith_storage::redact(&config.database_url)
            );
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Db(DbCmd::Copy { from, to }) => {
            println!("{}", kith::run_db_copy(&from, &to).await?);
            return Ok(ExitCode::SUCCESS);
        }
    };
    let interactive = std::io::stdin().is_terminal();
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    kith::run_console(&config, console_args, stdin, Screen::stdout(), interactive).await?;
    Ok(ExitCode::SUCCESS)
}
