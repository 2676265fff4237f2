//! The `kith` program: configuration and wiring of the core, the store and
//! the adapters. `main.rs` only parses the command line and calls in here,
//! so tests start Kith exactly as the binary does.

pub mod config_check;
pub mod health;
pub mod telemetry;

pub use health::Readiness;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use kith_bot::Kith;
use kith_bot::delivery::{Delivery, Messengers, Stopping};
use kith_bot::domain::{Member, Platform};
use kith_bot::observe::Link;
use kith_bot::ports::{Clock, ManualClock, Store, SystemClock};
use kith_console::{Console, ConsoleMessenger, ConsoleOptions, Screen};
use kith_discord::{Discord, DiscordConfig, Verifier};
use kith_slack::{SlackApp, SlackConfig, SlackWeb};
use kith_storage::AnyStore;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncBufRead;

/// Kith's configuration. Defaults live here; a TOML file and then
/// `KITH_`-prefixed environment variables override them
/// (`KITH_DATABASE_URL`, `KITH_CONSOLE__MEMBER`, `KITH_SLACK_BOT_TOKEN`,
/// `KITH_DISCORD_TOKEN`).
/// `config/kith.example.toml` documents every key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the ledger lives: `sqlite://PATH` (created if missing) or a
    /// path, or `postgres://USER:PASSWORD@HOST:PORT/DATABASE` for many replicas.
    pub database_url: String,
    /// Where the HTTP server listens (Slack's request URLs, Discord's
    /// interactions endpoint, `/healthz`, `/readyz`, `/metrics`). It runs
    /// whenever a platform does, Socket Mode and the Gateway included.
    pub http_addr: String,
    /// A separate address for `GET /metrics` (then not served on
    /// `http_addr`), e.g. one only the monitoring network reaches.
    pub metrics_addr: Option<String>,
    /// Where members reach the HTTP server from a browser (e.g.
    /// `https://kith.example.org`): turns on the web page per member.
    #[serde(default)]
    pub public_url: Option<String>,
    /// How long a stop (SIGTERM, Ctrl-C) may take: sends under way finish
    /// or are given back within it, and the process exits.
    pub shutdown_grace_secs: u64,
    /// How many messages this process has on their way at once (reminders
    /// to different members, notices to different channels).
    pub sends_at_once: usize,
    pub console: ConsoleConfig,
    /// The Slack adapter (`[slack]`, or `KITH_SLACK_*` in the environment).
    pub slack: SlackConfig,
    /// The Discord adapter (`[discord]`, or `KITH_DISCORD_*` in the environment).
    pub discord: DiscordConfig,
}

/// The console adapter's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// The workspace the console acts in.
    pub workspace: String,
    /// Who you are when the console starts.
    pub member: String,
    /// Members who may change the workspace's community settings (`admin`).
    #[serde(default = "default_console_admins")]
    pub admins: Vec<String>,
}

fn default_console_admins() -> Vec<String> {
    ConsoleOptions::default().admins
}

impl Default for Config {
    fn default() -> Self {
        let console = ConsoleOptions::default();
        Config {
            database_url: "sqlite://kith.db".into(),
            http_addr: "0.0.0.0:3000".into(),
            metrics_addr: None,
            public_url: None,
            shutdown_grace_secs: 10,
            sends_at_once: kith_bot::delivery::SENDS_AT_ONCE,
            console: ConsoleConfig {
                workspace: console.workspace,
                member: console.member,
                admins: console.admins,
            },
            slack: SlackConfig::default(),
            discord: DiscordConfig::default(),
        }
    }
}

impl Config {
    /// Defaults, then the TOML file (if given, or `kith.toml` if present),
    /// then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        Config::load_from(file, environment())
    }

    fn load_from(file: Option<&Path>, env: Env) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let file = match file {
            Some(path) if !path.exists() => {
                anyhow::bail!("the configuration file {} does not exist", path.display());
            }
            Some(path) => Some(path),
            None => Some(Path::new("kith.toml")).filter(|p| p.exists()),
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            figment = match config_check::quote_bare_ids(&text) {
                // A bare number as an id would lose digits as a float.
                Some(quoted) => figment.merge(Toml::string(&quoted)),
                None => figment.merge(Toml::file_exact(path)),
            };
        }
        figment = figment.merge(env.ignore(&["config", "log_format"]));
        // figment reads `1234567890.1234567890` as a float and `true` as
        // a bool; text-valued keys take the variable's text as it is.
        for (var, key) in config_check::TEXT_VARIABLES {
            if let Ok(value) = std::env::var(var) {
                figment = figment.merge(Serialized::default(key, value));
            }
        }
        figment
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
    }

    /// Every problem that would stop Kith from running as configured, each
    /// a sentence naming the keys to set.
    pub fn problems(&self) -> Vec<String> {
        config_check::problems(self)
    }

    /// Every secret in the configuration, to keep out of the logs.
    pub fn secrets(&self) -> Vec<String> {
        config_check::secrets(self)
    }
}

/// `KITH_`-prefixed variables as configuration keys: `__` nests
/// (`KITH_CONSOLE__MEMBER` is `console.member`), and the flat platform
/// names map into their sections (`KITH_SLACK_BOT_TOKEN` is
/// `slack.bot_token`, `KITH_DISCORD_TOKEN` is `discord.token`).
fn environment() -> Env {
    Env::prefixed("KITH_").split("__").map(|key| {
        let key = key.as_str().to_ascii_lowercase();
        if let Some(rest) = key.strip_prefix("slack_") {
            format!("slack.{rest}").into()
        } else if let Some(rest) = key.strip_prefix("discord_") {
            format!("discord.{rest}").into()
        } else {
            key.into()
        }
    })
}

/// What `kith console` was asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct ConsoleArgs {
    pub db: Option<PathBuf>,
    pub member: Option<String>,
    pub workspace: Option<String>,
}

/// Whose ledger a command-line tool works on.
#[derive(Debug, Clone)]
pub struct LedgerArgs {
    pub db: Option<PathBuf>,
    pub platform: Platform,
    pub workspace: String,
    pub member: String,
}

/// Opens the store and finds the member, who must already have used Kith.
async fn ledger_owner(config: &Config, args: &LedgerArgs) -> anyhow::Result<(AnyStore, Member)> {
    let url = match &args.db {
        Some(path) => path.display().to_string(),
        None => config.database_url.clone(),
    };
    let store = open_store(&url).await?;
    let member = match store.find_workspace(args.platform, &args.workspace).await? {
        Some(ws) => store.find_member(ws, &args.member).await?,
        None => None,
    };
    match member {
        Some(member) => Ok((store, member)),
        None => anyhow::bail!(
            "there is no member \"{}\" in {} workspace \"{}\"; they need to have used Kith there once",
            args.member,
            args.platform.as_str(),
            args.workspace
        ),
    }
}

/// `kith import`: reads `file` and adds its contacts to the member's
/// network, with a progress bar on a terminal; returns the summary.
pub async fn run_import(config: &Config, args: &LedgerArgs, file: &Path) -> anyhow::Result<String> {
    let file =
        kith_bot::portability::read_file(file).map_err(|refusal| anyhow::anyhow!(refusal))?;
    let now = kith_bot::ports::SystemClock.now();
    let parsed = kith_bot::portability::parse(&file.name, &file.bytes, now)
        .map_err(|refusal| anyhow::anyhow!(refusal))?;
    let (store, member) = ledger_owner(config, args).await?;
    // One transaction: the file goes in whole or not at all.
    let bar = indicatif::ProgressBar::new_spinner()
        .with_message(format!("importing {} contacts", parsed.items.len()));
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let summary = kith_bot::commands::import_parsed(&store, &member, &parsed, now).await;
    bar.finish_and_clear();
    store.close().await;
    summary
}

/// `kith export`: writes the member's ledger (JSON and CSV) into `out`;
/// returns the paths written.
pub async fn run_export(
    config: &Config,
    args: &LedgerArgs,
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let (store, member) = ledger_owner(config, args).await?;
    let kith = Kith::new(
        Arc::new(store.clone()),
        Arc::new(kith_bot::ports::SystemClock),
    );
    let actor = kith_bot::Actor::new(
        args.platform,
        &args.workspace,
        &member.external_id,
        &member.display_name,
    );
    let reply = kith.handle(&actor, "export").await;
    store.close().await;
    if reply.is_error {
        anyhow::bail!("{}", reply.plain_text());
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = Vec::new();
    for block in &reply.blocks {
        if let kith_bot::reply::Block::File(file) = block {
            let path = out.join(&file.name);
            std::fs::write(&path, &file.bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Opens the store named by the configuration, applying migrations:
/// PostgreSQL for a `postgres://` or `postgresql://` URL, else SQLite.
pub async fn open_store(database_url: &str) -> anyhow::Result<AnyStore> {
    AnyStore::open(database_url).await
}

/// `kith db copy --from sqlite://… --to postgres://…`: copies a whole
/// installation into an empty PostgreSQL database, with a progress bar on
/// a terminal, then compares each table's rows on both sides. Returns the
/// comparison, one line a table.
pub async fn run_db_copy(from: &str, to: &str) -> anyhow::Result<String> {
    use kith_storage::{Engine, PgStore, SqliteStore, redact};
    if Engine::of(from) != Engine::Sqlite {
        anyhow::bail!(
            "--from must be a SQLite database (sqlite://PATH), not {}",
            redact(from)
        );
    }
    if Engine::of(to) != Engine::Postgres {
        anyhow::bail!(
            "--to must be a PostgreSQL database (postgres://USER@HOST/DATABASE), not {}",
            redact(to)
        );
    }
    let path = from.strip_prefix("sqlite://").unwrap_or(from);
    if !Path::new(path).exists() {
        anyhow::bail!("there is no SQLite database at {path}");
    }
    let source = SqliteStore::open(from).await?;
    let target = PgStore::open(to).await?;
    let bar = CopyBar(
        indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template("{msg:>16} {wide_bar} {pos}/{len} rows")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
    );
    let copied = kith_storage::copy::copy(&source, &target, &bar).await;
    bar.0.finish_and_clear();
    source.close().await;
    target.close().await;
    let counts = copied?;
    let mut report = format!("{:<16} {:>10} {:>10}\n", "table", "sqlite", "postgres");
    let mut differ = Vec::new();
    for c in &counts {
        report.push_str(&format!(
            "{:<16} {:>10} {:>10}\n",
            c.table, c.source, c.target
        ));
        if c.source != c.target {
            differ.push(c.table);
        }
    }
    if !differ.is_empty() {
        anyhow::bail!("{report}the row counts differ in {}", differ.join(", "));
    }
    report.push_str(&format!(
        "Copied {} rows; every table has as many rows in {} as in {}.",
        counts.iter().map(|c| c.target).sum::<i64>(),
        redact(to),
        redact(from)
    ));
    Ok(report)
}

/// The copy's progress on a terminal (hidden when stderr is not one).
struct CopyBar(indicatif::ProgressBar);

impl kith_storage::copy::Progress for CopyBar {
    fn total(&self, rows: u64) {
        self.0.set_length(rows);
    }

    fn copied(&self, table: &str, rows: u64) {
        self.0.set_message(table.to_string());
        self.0.inc(rows);
    }
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
    let kith = Kith::new(Arc::new(store.clone()), Arc::new(clock.clone()))
        .with_web_url(config.public_url.as_deref());
    // With a public URL, the console serves the web page too, so the link
    // `web` prints can be opened here.
    let web_server = match &config.public_url {
        Some(public_url) => Some(serve_web_page(config, &kith, public_url).await?),
        None => None,
    };
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
        files_dir: ".".into(),
        admins: config.console.admins.clone(),
    };
    let mut console = Console::new(kith, clock, screen, options).with_delivery(delivery, messenger);
    let outcome = console.run(input).await.context("the console stopped");
    if let Some(server) = web_server {
        server.abort();
    }
    store.close().await;
    outcome
}

/// Serves the web page alone on `http_addr`, in the background (the console's).
async fn serve_web_page(
    config: &Config,
    kith: &Kith,
    public_url: &str,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(&config.http_addr)
        .await
        .with_context(|| format!("could not listen on {} for the web page", config.http_addr))?;
    let router = kith_web::router(kith.clone(), public_url);
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the web page's server stopped");
        }
    }))
}

/// The Slack adapter over `store`, configured by `config`.
pub fn slack_app(config: &SlackConfig, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> SlackApp {
    slack_app_for(config, Kith::new(store.clone(), clock), store)
}

/// The Slack adapter serving `kith` (shared with other adapters in one process).
fn slack_app_for(config: &SlackConfig, kith: Kith, store: Arc<dyn Store>) -> SlackApp {
    let client = Arc::new(kith_slack::web::client(&config.api_url));
    let web = Arc::new(
        SlackWeb::new(
            client,
            store,
            config.bot_token.clone(),
            kith_slack::Limits::default(),
        )
        .with_clock(kith.clock().clone()),
    );
    SlackApp::new(kith, web, config.clone())
}

/// Every HTTP route Kith serves: the platforms', `GET /healthz`,
/// `GET /readyz` and `GET /metrics`.
pub fn http_router(slack: Option<Arc<SlackApp>>, discord: Option<axum::Router>) -> axum::Router {
    http_router_with(Readiness::default(), slack, discord)
}

/// [`http_router`] whose `/readyz` follows `ready`.
pub fn http_router_with(
    ready: Readiness,
    slack: Option<Arc<SlackApp>>,
    discord: Option<axum::Router>,
) -> axum::Router {
    routes(ready, true, slack, discord)
}

fn routes(
    ready: Readiness,
    with_metrics: bool,
    slack: Option<Arc<SlackApp>>,
    discord: Option<axum::Router>,
) -> axum::Router {
    let mut router = health::router(ready, with_metrics);
    if let Some(slack) = slack {
        router = router.merge(kith_slack::http::router(slack));
    }
    if let Some(discord) = discord {
        router = router.merge(discord);
    }
    router
}

/// Reminders and digests for Slack members: the core's scheduler and sender
/// delivering through the Slack adapter's Web API.
pub fn slack_delivery<S>(store: &S, slack: &SlackApp, clock: Arc<dyn Clock>) -> Delivery
where
    S: Store + kith_bot::ports::Outbox + Clone + 'static,
{
    Delivery::new(
        Arc::new(store.clone()),
        Arc::new(store.clone()),
        Messengers::new().with(Platform::Slack, slack.web().clone()),
        clock,
        format!("slack-{}", std::process::id()),
    )
}

/// How often a running Kith looks for reminders and digests to send.
pub const DELIVERY_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Resolves on Ctrl-C, or on SIGTERM (how containers and systemd stop us).
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("stop requested; shutting down");
}

/// Whether any platform is configured (otherwise `kith` starts the console).
pub fn platforms_configured(config: &Config) -> bool {
    config.slack.is_configured() || config.discord.is_configured()
}

/// The Discord adapter over `store`, on the system clock.
fn discord_adapter(config: &Config, kith: Kith) -> anyhow::Result<Discord> {
    if let Some(problem) = config.discord.problem() {
        anyhow::bail!(problem);
    }
    let settings = config
        .discord
        .settings()
        .context("Discord is not configured")?;
    Ok(Discord::new(kith, settings))
}

/// `kith discord register [--guild ID]`: registers `/kith` and `/favour`
/// (a bulk overwrite, so running it again changes nothing). Returns how
/// many commands Discord now has.
pub async fn discord_register(config: &Config, guild: Option<u64>) -> anyhow::Result<usize> {
    if config.discord.application_id.is_none() {
        anyhow::bail!(
            "registering commands needs the application id: set KITH_DISCORD_APPLICATION_ID"
        );
    }
    let store = open_store(&config.database_url).await?;
    let kith = Kith::new(Arc::new(store.clone()), Arc::new(SystemClock));
    let outcome = match discord_adapter(config, kith) {
        Ok(discord) => discord
            .register(guild)
            .await
            .context("Discord refused the commands"),
        Err(e) => Err(e),
    };
    store.close().await;
    outcome
}

/// Runs Kith on Discord alone until `shutdown` (see [`run_platforms`]).
pub async fn run_discord(
    config: &Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    run_platforms(config, shutdown).await
}

/// Runs every configured platform until `shutdown`, on one store and one
/// clock: Slack (Socket Mode with an app token; HTTP routes with a signing
/// secret), Discord (the Gateway; the interactions endpoint with a public
/// key), one HTTP server on `http_addr` for whichever routes are on, and
/// the scheduler and sender delivering reminders through each platform.
/// One part failing stops the rest and is reported.
pub async fn run_platforms(
    config: &Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    if let Some(problem) = config.problems().into_iter().next() {
        anyhow::bail!(problem);
    }
    // The recorder first: a gauge set before it is installed (a link
    // connecting early) goes nowhere and never shows on /metrics.
    telemetry::metrics();
    let store = open_store(&config.database_url).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // One core for every platform, so one nudge wakes delivery after any command.
    let kith = Kith::new(Arc::new(store.clone()), clock.clone())
        .with_web_url(config.public_url.as_deref());
    let mut messengers = Messengers::new();
    let slack = config.slack.is_configured().then(|| {
        Arc::new(slack_app_for(
            &config.slack,
            kith.clone(),
            Arc::new(store.clone()),
        ))
    });
    if let Some(slack) = &slack {
        messengers = messengers.with(Platform::Slack, slack.web().clone());
    }
    let discord = match config.discord.is_configured() {
        true => Some(discord_adapter(config, kith.clone())?),
        false => None,
    };
    if let Some(discord) = &discord {
        messengers = messengers.with(Platform::Discord, Arc::new(discord.messenger()));
    }
    let grace = std::time::Duration::from_secs(config.shutdown_grace_secs.max(1));
    let stopping = Stopping::new();
    let mut ready = Readiness::default().with_store(Arc::new(store.clone()));
    let slack_link = Link::new(Platform::Slack);
    let discord_link = Link::new(Platform::Discord);
    if slack.is_some() && config.slack.app_token.is_some() {
        ready = ready.with_link(slack_link.clone());
    }
    if discord.is_some() {
        ready = ready.with_link(discord_link.clone());
    }
    let delivery = Delivery::new(
        Arc::new(store.clone()),
        Arc::new(store.clone()),
        messengers,
        clock,
        format!("kith-{}", std::process::id()),
    )
    .with_nudge(kith.nudge())
    .with_sends_at_once(config.sends_at_once)
    .with_stopping(stopping.clone(), send_grace(grace));
    // `stop` ends the listeners (gateway, Socket Mode) at the stop;
    // `stop_http` ends the HTTP server once delivery has given back what
    // it held, so requests are answered until then.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (stop_http, http_stopped) = tokio::sync::watch::channel(false);
    let until = |rx: &tokio::sync::watch::Receiver<bool>| {
        let mut rx = rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let socket = match (&slack, &config.slack.app_token) {
        (Some(slack), Some(token)) => Some(
            kith_slack::SocketMode::start_with(slack.clone(), token, 2, slack_link.clone()).await?,
        ),
        _ => None,
    };
    let slack_http = slack
        .clone()
        .filter(|_| config.slack.signing_secret.is_some());
    let discord_http = match (&discord, &config.discord.public_key) {
        (Some(discord), Some(key)) => Some(kith_discord::http::router(
            discord.clone(),
            Verifier::new(key)?,
        )),
        _ => None,
    };
    // Health, readiness and metrics are served whatever the platforms'
    // modes, so the HTTP server always runs.
    let listener = tokio::net::TcpListener::bind(&config.http_addr)
        .await
        .with_context(|| format!("could not listen on {}", config.http_addr))?;
    let metrics_listener = match &config.metrics_addr {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("could not listen on {addr} (KITH_METRICS_ADDR)"))?,
        ),
        None => None,
    };
    let metrics_here = metrics_listener.is_none();
    let mut platforms = Vec::new();
    if let Some(mode) = slack_mode(config) {
        platforms.push(mode);
    }
    if let Some(mode) = discord_mode(config) {
        platforms.push(mode);
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        store = "sqlite",
        database = %kith_storage::redact(&config.database_url),
        platforms = %platforms.join(", "),
        addr = %config.http_addr,
        metrics_addr = config.metrics_addr.as_deref().unwrap_or(&config.http_addr),
        "Kith is starting"
    );
    let http = async {
        let mut router = routes(ready.clone(), metrics_here, slack_http, discord_http);
        if let Some(public_url) = &config.public_url {
            router = router.merge(kith_web::router(kith.clone(), public_url));
        }
        axum::serve(listener, router)
            .with_graceful_shutdown(until(&http_stopped))
            .await
            .context("the HTTP server stopped")
    };
    let metrics_http = async {
        match metrics_listener {
            Some(listener) => axum::serve(listener, health::metrics_router(ready.clone()))
                .with_graceful_shutdown(until(&http_stopped))
                .await
                .context("the metrics server stopped"),
            None => Ok(()),
        }
    };
    let gateway = async {
        match &discord {
            // A client still starting (a slow or hanging platform) may not
            // notice the stop: it is dropped when the stop's time is up.
            Some(discord) => {
                discord
                    .run_gateway_with(discord_link.clone(), until(&stopped))
                    .await
            }
            None => {
                until(&stopped).await;
                Ok(())
            }
        }
    };
    let sending = async {
        delivery
            .run(DELIVERY_EVERY, std::future::pending::<()>())
            .await;
        let _ = stop_http.send(true);
        Ok(())
    };
    // Jobs (imports) left by a process that died, and retries of failed ones.
    let jobs = async {
        let slack_jobs = async {
            match &slack {
                Some(slack) => slack.run_jobs(until(&stopped)).await,
                None => until(&stopped).await,
            }
        };
        let discord_jobs = async {
            match &discord {
                Some(discord) => discord.run_jobs(until(&stopped)).await,
                None => until(&stopped).await,
            }
        };
        tokio::join!(slack_jobs, discord_jobs);
        Ok(())
    };
    let parts = async { tokio::try_join!(http, metrics_http, gateway, sending, jobs).map(|_| ()) };
    tokio::pin!(parts);
    let outcome = tokio::select! {
        outcome = &mut parts => outcome,
        () = shutdown => {
            // Not ready at once; no new claims; sends under way finish or
            // are given back; HTTP answers until then; all within `grace`.
            ready.stop();
            stopping.stop();
            let _ = stop.send(true);
            match tokio::time::timeout(grace, &mut parts).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    tracing::warn!(?grace, "not every part stopped in time; exiting anyway");
                    Ok(())
                }
            }
        }
    };
    stopping.stop();
    let _ = stop.send(true);
    if let Some(socket) = socket
        && tokio::time::timeout(std::time::Duration::from_secs(2), socket.shutdown())
            .await
            .is_err()
    {
        tracing::warn!("Socket Mode did not close in time");
    }
    store.close().await;
    match &outcome {
        Ok(()) => tracing::info!("Kith stopped"),
        Err(e) => tracing::error!(error = %format!("{e:#}"), "Kith stopped after a failure"),
    }
    outcome
}

/// How Slack reaches this process, for the start-up line.
fn slack_mode(config: &Config) -> Option<&'static str> {
    let slack = &config.slack;
    match (slack.app_token.is_some(), slack.signing_secret.is_some()) {
        _ if !slack.is_configured() => None,
        (true, true) => Some("slack (socket mode + http)"),
        (true, false) => Some("slack (socket mode)"),
        (false, _) => Some("slack (http)"),
    }
}

/// How Discord reaches this process, for the start-up line.
fn discord_mode(config: &Config) -> Option<&'static str> {
    match (
        config.discord.is_configured(),
        config.discord.public_key.is_some(),
    ) {
        (false, _) => None,
        (true, true) => Some("discord (gateway + http interactions)"),
        (true, false) => Some("discord (gateway)"),
    }
}

/// How long a send under way may go on after a stop: most of the stop's
/// time, leaving some to give rows back and close the server.
fn send_grace(grace: std::time::Duration) -> std::time::Duration {
    grace
        .saturating_sub(std::time::Duration::from_secs(3))
        .max(grace / 2)
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
            assert!(!config.discord.is_configured());
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
            assert_eq!(config.console.admins, ["me"]);
            Ok(())
        });
    }

    #[test]
    fn console_admins_come_from_the_file_or_a_list_in_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("admins.toml", "[console]\nadmins = [\"olivia\"]\n")?;
            let config = Config::load(Some(Path::new("admins.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.console.admins, ["olivia"]);
            jail.set_env("KITH_CONSOLE__ADMINS", "[\"dana\", \"lee\"]");
            let config = Config::load(Some(Path::new("admins.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.console.admins, ["dana", "lee"]);
            Ok(())
        });
    }

    #[test]
    fn discord_is_configured_by_the_variables_discord_users_expect() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("KITH_DISCORD_TOKEN", "bot-token-value");
            jail.set_env("KITH_DISCORD_APPLICATION_ID", "1100000000000000001");
            jail.set_env(
                "KITH_DISCORD_PUBLIC_KEY",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            );
            jail.set_env("KITH_DISCORD_API_URL", "http://127.0.0.1:9999");
            jail.set_env("KITH_HTTP_ADDR", "127.0.0.1:8080");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            let discord = &config.discord;
            assert_eq!(
                discord.token.as_ref().map(|t| t.expose()),
                Some("bot-token-value")
            );
            assert_eq!(discord.application_id, Some(1_100_000_000_000_000_001));
            assert_eq!(
                discord.api_override().as_deref(),
                Some("http://127.0.0.1:9999")
            );
            assert_eq!(config.http_addr, "127.0.0.1:8080");
            assert_eq!(discord.problem(), None);
            assert!(!format!("{config:?}").contains("bot-token-value"));
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
    fn slacks_flat_variables_fill_the_slack_section() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("KITH_SLACK_BOT_TOKEN", "xoxb-env");
            jail.set_env("KITH_SLACK_SIGNING_SECRET", "signing");
            jail.set_env("KITH_SLACK_API_URL", "http://127.0.0.1:9/api");
            jail.set_env("KITH_HTTP_ADDR", "127.0.0.1:8080");
            jail.set_env("KITH_CONSOLE__MEMBER", "dana");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            let token = config.slack.bot_token.as_ref().map(|t| t.expose());
            assert_eq!(token, Some("xoxb-env"));
            assert!(config.slack.signing_secret.is_some());
            assert_eq!(config.slack.api_url, "http://127.0.0.1:9/api");
            assert_eq!(config.http_addr, "127.0.0.1:8080");
            assert_eq!(config.console.member, "dana");
            assert!(!format!("{config:?}").contains("xoxb-env"));
            Ok(())
        });
    }

    #[test]
    fn a_slack_client_id_keeps_every_digit_from_the_environment_and_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("KITH_SLACK_CLIENT_ID", "1234567890.1234567890");
            jail.set_env("KITH_SLACK_CLIENT_SECRET", "123456");
            jail.set_env("KITH_SLACK_SIGNING_SECRET", "true");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                config.slack.client_id.as_deref(),
                Some("1234567890.1234567890")
            );
            assert_eq!(
                config.slack.client_secret.as_ref().map(|s| s.expose()),
                Some("123456")
            );
            assert_eq!(
                config.slack.signing_secret.as_ref().map(|s| s.expose()),
                Some("true")
            );
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "kith.toml",
                "[slack]\nclient_id = 1234567890.1234567890\n[discord]\napplication_id = 1100000000000000001\n",
            )?;
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                config.slack.client_id.as_deref(),
                Some("1234567890.1234567890")
            );
            assert_eq!(
                config.discord.application_id,
                Some(1_100_000_000_000_000_001)
            );
            Ok(())
        });
    }

    #[test]
    fn a_half_configured_platform_is_a_problem_naming_the_missing_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("KITH_DISCORD_APPLICATION_ID", "1100000000000000001");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert!(platforms_configured(&config), "not the console");
            let problems = config.problems().join("\n");
            assert!(problems.contains("KITH_DISCORD_TOKEN"), "{problems}");
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
