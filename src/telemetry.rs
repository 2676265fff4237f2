//! Logs and metrics: the tracing subscriber (text or one JSON object per
//! line, with every configured secret scrubbed from whatever any crate
//! logs), and the Prometheus recorder behind `GET /metrics`.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, OnceLock, RwLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// How log lines look: `KITH_LOG_FORMAT=json` for one JSON object per
/// line, anything else (or unset) for text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// From `KITH_LOG_FORMAT` (`text` or `json`, any case).
    pub fn from_env() -> Result<LogFormat, String> {
        match std::env::var("KITH_LOG_FORMAT") {
            Err(_) => Ok(LogFormat::Text),
            Ok(v) if v.trim().eq_ignore_ascii_case("json") => Ok(LogFormat::Json),
            Ok(v) if v.trim().is_empty() || v.trim().eq_ignore_ascii_case("text") => {
                Ok(LogFormat::Text)
            }
            Ok(v) => Err(format!(
                "KITH_LOG_FORMAT must be \"text\" or \"json\", not \"{v}\""
            )),
        }
    }
}

/// The strings no log line may contain (tokens, secrets, a database
/// password), set once the configuration is read. Shared by every writer
/// the subscriber makes.
#[derive(Debug, Clone, Default)]
pub struct Redactions(Arc<RwLock<Vec<String>>>);

/// What a secret becomes in a log line.
pub const REDACTED: &str = "[redacted]";

impl Redactions {
    /// From now on, none of `secrets` reaches the log. Very short values
    /// (under 6 characters) are not secrets worth the name and would
    /// blank out ordinary words, so they are left alone.
    pub fn set(&self, secrets: impl IntoIterator<Item = String>) {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 6).collect();
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = secrets;
    }

    fn scrub<'a>(&self, line: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let secrets = self.0.read().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(line);
        if !secrets.iter().any(|s| text.contains(s.as_str())) {
            return std::borrow::Cow::Borrowed(line);
        }
        let mut text = text.into_owned();
        for secret in secrets.iter() {
            text = text.replace(secret.as_str(), REDACTED);
        }
        std::borrow::Cow::Owned(text.into_bytes())
    }
}

/// Standard error, through [`Redactions`]. The fmt layer writes each
/// event with one `write_all`, so a secret is never split across writes.
#[derive(Clone)]
struct ScrubbedStderr(Redactions);

struct ScrubbedWriter(Redactions);

impl Write for ScrubbedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::stderr().lock().write_all(&self.0.scrub(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for ScrubbedStderr {
    type Writer = ScrubbedWriter;

    fn make_writer(&'a self) -> ScrubbedWriter {
        ScrubbedWriter(self.0.clone())
    }
}

/// Without `RUST_LOG`: warnings, and Kith's own `info` lines (a target
/// prefix, so `kith_bot`, `kith_slack`... too).
pub const DEFAULT_FILTER: &str = "warn,kith=info";

/// Installs the global subscriber: `RUST_LOG` (default `warn,kith=info`:
/// Kith's own crates at `info`, the libraries under them at `warn`) in
/// `format`, on standard error.
pub fn init_logs(format: LogFormat) -> Redactions {
    let redactions = Redactions::default();
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(ScrubbedStderr(redactions.clone()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
    redactions
}

/// Histogram buckets for durations (seconds): from a fast command to a
/// slow tick.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's Prometheus recorder, installed on first use (also when
/// several Kiths run in one test process: they share it).
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows only Kith's own");
        }
        describe();
        handle
    })
}

/// HELP lines for every metric.
fn describe() {
    use kith_bot::observe as o;
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        o::COMMANDS,
        "Commands run, by command and outcome (ok, user_error, failure)."
    );
    describe_histogram!(
        o::COMMAND_SECONDS,
        Unit::Seconds,
        "How long a command took."
    );
    describe_counter!(o::BUTTONS, "Button presses, by action and outcome.");
    describe_counter!(
        o::DELIVERIES,
        "Delivery attempts settled, by platform, queue and result."
    );
    describe_histogram!(
        o::TICK_SECONDS,
        Unit::Seconds,
        "How long a scheduler tick took."
    );
    describe_counter!(o::RATE_LIMITED, "429 answers from a platform.");
    describe_histogram!(
        o::RATE_LIMIT_WAIT,
        Unit::Seconds,
        "Waits for a platform's rate limit (sum: time waited)."
    );
    describe_counter!(o::RECONNECTS, "Reconnects of a platform connection.");
    describe_gauge!(
        o::CONNECTED,
        "1 while a platform connection (Socket Mode, Gateway) is up."
    );
    describe_gauge!(OUTBOX_DEPTH, "Rows waiting to be sent, by queue and kind.");
    describe_gauge!(
        OUTBOX_OLDEST_DUE,
        Unit::Seconds,
        "Age of the oldest row due to be sent, by queue and kind (0 when none is due)."
    );
}

/// Rows waiting to be sent, by `queue` and `kind`.
pub const OUTBOX_DEPTH: &str = "kith_outbox_depth";
/// Age of the oldest due row, by `queue` and `kind`.
pub const OUTBOX_OLDEST_DUE: &str = "kith_outbox_oldest_due_age_seconds";

pub use kith_storage::probe::QueueStat;

/// Sets the outbox gauges.
pub fn record_outbox(stats: &[QueueStat]) {
    for s in stats {
        metrics::gauge!(OUTBOX_DEPTH, "queue" => s.queue, "kind" => s.kind).set(s.depth as f64);
        metrics::gauge!(OUTBOX_OLDEST_DUE, "queue" => s.queue, "kind" => s.kind)
            .set(s.oldest_due_secs);
    }
}

/// The Prometheus text for a scrape.
pub fn render() -> String {
    let handle = metrics();
    handle.run_upkeep();
    handle.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_secret_never_leaves_the_writer() {
        let redactions = Redactions::default();
        redactions.set(["xoxb-secret-token".to_string(), "abc".to_string()]);
        let scrubbed = redactions.scrub(b"calling with xoxb-secret-token and abc");
        assert_eq!(
            String::from_utf8_lossy(&scrubbed),
            "calling with [redacted] and abc"
        );
    }
}
