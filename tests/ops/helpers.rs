//! Starting the real `kith` binary against the fakes, and asking it things
//! over HTTP.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const SLACK_BOT_TOKEN: &str = "xoxb-ops-bot-token-5a1f";
pub const SLACK_APP_TOKEN: &str = "xapp-ops-app-token-9c2e";
pub const DISCORD_TOKEN: &str = "discord-ops-bot-token-77d0";

pub fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("addr").to_string()
}

/// `kith` with nothing of the caller's `KITH_*` or `RUST_LOG`.
pub fn kith_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kith"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().to_string();
        if name.starts_with("KITH_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command.stdin(Stdio::null());
    command
}

/// A running `kith`, its standard error in a file; killed when dropped.
pub struct Running {
    pub child: Child,
    pub stderr: PathBuf,
    pub stdout: PathBuf,
}

impl Running {
    pub fn start(mut command: Command, dir: &Path) -> Running {
        let stderr = dir.join("kith.stderr");
        let stdout = dir.join("kith.stdout");
        let child = command
            .stdout(std::fs::File::create(&stdout).expect("file"))
            .stderr(std::fs::File::create(&stderr).expect("file"))
            .spawn()
            .expect("kith starts");
        Running {
            child,
            stderr,
            stdout,
        }
    }

    /// Sends SIGTERM and waits (bounded) for the exit; whether it exited 0.
    pub fn terminate(&mut self) -> bool {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("waits") {
                return status.success();
            }
            assert!(Instant::now() < deadline, "kith did not stop within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything it wrote, both streams.
    pub fn output(&self) -> String {
        let mut all = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        all.push_str(&std::fs::read_to_string(&self.stdout).unwrap_or_default());
        all
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET url`: the status and body, or `None` while nothing answers.
pub async fn get(url: &str) -> Option<(u16, String)> {
    let response = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.unwrap_or_default()))
}

/// Polls `url` until it answers `status` (bounded); the last body.
pub async fn wait_for_status(url: &str, status: u16, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut last = None;
    loop {
        if let Some((got, body)) = get(url).await {
            if got == status {
                return body;
            }
            last = Some((got, body));
        }
        assert!(
            Instant::now() < deadline,
            "{url} did not answer {status} within {within:?}; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The JSON body of a `/readyz` answer.
pub fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// A scrape, parsed by a Prometheus text-format parser.
pub async fn scrape(url: &str) -> prometheus_parse::Scrape {
    let (status, body) = get(url).await.expect("/metrics answers");
    assert_eq!(status, 200, "{body}");
    let lines = body.lines().map(|l| Ok(l.to_string()));
    prometheus_parse::Scrape::parse(lines).expect("Prometheus text format")
}

/// The value of the sample `name` whose labels include `labels` (a
/// counter or gauge; 0 when there is none yet).
pub fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            prometheus_parse::Value::Histogram(ref buckets) => {
                buckets.last().map_or(0.0, |b| b.count)
            }
            _ => 0.0,
        })
        .sum()
}
