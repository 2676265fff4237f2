//! `kith`: run the bot (the console when no platform is configured), or one
//! of its tools.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kith::{Config, ConsoleArgs, LedgerArgs};
use kith_bot::domain::Platform;
use kith_console::Screen;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "kith",
    version,
    about = "Kith keeps your networking ledger: favours, check-ins and introductions."
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
    /// Run Kith: on Discord when KITH_DISCORD_TOKEN is set, else the console.
    Run,
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
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One readable line with its causes; no backtrace for a user error.
            eprintln!("kith: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    let console_args = match cli.command.unwrap_or(Cmd::Run) {
        Cmd::Run if kith::platforms_configured(&config) => {
            return kith::run_platforms(&config, kith::shutdown_signal()).await;
        }
        Cmd::Run => ConsoleArgs::default(),
        Cmd::Slack {
            command: SlackCmd::Manifest { url },
        } => {
            let manifest = kith_slack::manifest::manifest(url.as_deref())?;
            let text = serde_json::to_string_pretty(&manifest)?;
            // A closed pipe (`| head`) is not an error worth a panic.
            let mut out = std::io::stdout().lock();
            return match writeln!(out, "{text}") {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
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
            return Ok(());
        }
        Cmd::Import { who, file } => {
            println!("{}", kith::run_import(&config, &who.ledger(), &file).await?);
            return Ok(());
        }
        Cmd::Export { who, out } => {
            for path in kith::run_export(&config, &who.ledger(), &out).await? {
                println!("Wrote {}", path.display());
            }
            return Ok(());
        }
        Cmd::Migrate => {
            kith::open_store(&config.database_url).await?.close().await;
            eprintln!("Migrations applied to {}.", config.database_url);
            return Ok(());
        }
    };
    let interactive = std::io::stdin().is_terminal();
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    kith::run_console(&config, console_args, stdin, Screen::stdout(), interactive).await
}
