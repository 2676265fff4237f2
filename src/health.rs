//! `GET /healthz` (the process answers), `GET /readyz` (it can do its
//! work: the database answers with every migration applied, each
//! configured platform connection is up, and it is not stopping) and
//! `GET /metrics`, with the probes of the store behind them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kith_bot::observe::Link;
use kith_storage::probe::Probe;
use serde_json::json;

use crate::telemetry;

/// Whether this process can take work. `/readyz` answers 200 while it
/// can and 503 with the reason otherwise: from the moment a stop begins,
/// while the database does not answer, and while a platform connection
/// is down.
#[derive(Clone, Default)]
pub struct Readiness {
    stopping: Arc<AtomicBool>,
    probe: Option<Arc<dyn Probe>>,
    links: Vec<Link>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("stopping", &self.stopping)
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

impl Readiness {
    /// Also checks the store (see [`Probe`]).
    pub fn with_store(mut self, probe: Arc<dyn Probe>) -> Readiness {
        self.probe = Some(probe);
        self
    }

    /// Also requires `link` to be up.
    pub fn with_link(mut self, link: Link) -> Readiness {
        self.links.push(link);
        self
    }

    /// Whether the process is not stopping (the rest is checked by [`Readiness::check`]).
    pub fn is_ready(&self) -> bool {
        !self.stopping.load(Ordering::SeqCst)
    }

    /// From now on `/readyz` answers 503.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// `Err` with every reason the process is not ready.
    pub async fn check(&self) -> Result<(), Vec<String>> {
        let mut reasons = Vec::new();
        if !self.is_ready() {
            reasons.push("stopping".to_string());
        }
        for link in &self.links {
            if !link.is_ready() {
                reasons.push(match link.platform() {
                    kith_bot::domain::Platform::Slack => {
                        "Slack Socket Mode is not connected".into()
                    }
                    kith_bot::domain::Platform::Discord => {
                        "the Discord gateway is not connected".into()
                    }
                    other => format!("{} is not connected", other.as_str()),
                });
            }
        }
        if let Some(probe) = &self.probe
            && let Err(reason) = probe.ready().await
        {
            reasons.push(reason);
        }
        match reasons.is_empty() {
            true => Ok(()),
            false => Err(reasons),
        }
    }

    /// Refreshes the outbox gauges (on each scrape, so they are never stale).
    pub async fn refresh_gauges(&self) {
        let Some(probe) = &self.probe else { return };
        let now = chrono::Utc::now().timestamp();
        match tokio::time::timeout(kith_storage::probe::PROBE_TIMEOUT, probe.outbox(now)).await {
            Ok(Ok(stats)) => telemetry::record_outbox(&stats),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not read the outbox for the metrics"),
            Err(_) => tracing::warn!("reading the outbox for the metrics took too long"),
        }
    }
}

/// `GET /healthz`: the process is up and answering (`ok`, as always).
pub async fn healthz() -> Response {
    (StatusCode::OK, "ok").into_response()
}

/// `GET /readyz`.
pub async fn readyz(ready: Readiness) -> Response {
    match ready.check().await {
        Ok(()) => (StatusCode::OK, Json(json!({"ready": true}))).into_response(),
        Err(reasons) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "reason": reasons.join("; ")})),
        )
            .into_response(),
    }
}

/// `GET /metrics` in Prometheus' text format.
pub async fn metrics(ready: Readiness) -> Response {
    ready.refresh_gauges().await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        telemetry::render(),
    )
        .into_response()
}

/// The routes above; `/metrics` only when `with_metrics` (it moves to its
/// own address with `KITH_METRICS_ADDR`).
pub fn router(ready: Readiness, with_metrics: bool) -> axum::Router {
    let r = ready.clone();
    let mut router = axum::Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(move || readyz(r.clone())));
    if with_metrics {
        router = router.merge(metrics_router(ready));
    }
    router
}

/// `GET /metrics` alone.
pub fn metrics_router(ready: Readiness) -> axum::Router {
    telemetry::metrics();
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || metrics(ready.clone())),
    )
}

/// The URL to reach `path` on a server listening on `addr` from this
/// machine (`0.0.0.0:3000` is reached at `127.0.0.1:3000`).
pub fn local_url(addr: &str, path: &str) -> String {
    let addr = match addr.rsplit_once(':') {
        Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
        Some(("[::]", port)) => format!("[::1]:{port}"),
        _ => addr.to_string(),
    };
    format!("http://{addr}{path}")
}

/// `kith healthcheck`: `Ok` if `url` answers 2xx within 5 s.
pub async fn probe(url: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url} did not answer: {}", e.without_url()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(format!("{url} answered {status}: {}", body.trim()))
}
