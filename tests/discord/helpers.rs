//! Kith's Discord adapter on a fresh SQLite file, talking to a fake Discord
//! on 127.0.0.1, with its HTTP interactions endpoint served on a free port
//! and, when asked, connected to the fake's Gateway.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use kith_bot::Kith;
use kith_bot::domain::Secret;
use kith_bot::ports::ManualClock;
use kith_discord::{Discord, Patience, Settings, Verifier};
use kith_storage::SqliteStore;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;

use crate::fake_discord::{APPLICATION_ID, FakeDiscord};

/// Sunday 22 November 2026, 10:00 UTC: "now" in every story.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("valid start")
}

/// The application's signing key (Discord's side) and its public key (ours).
fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// The adapter's settings for talking to `fake`.
pub fn settings(fake: &FakeDiscord) -> Settings {
    let mut settings = Settings::new(Secret::new("fake-bot-token"));
    settings.application_id = Some(APPLICATION_ID);
    settings.api_url = Some(fake.rest_url.clone());
    settings.patience = Patience {
        max_wait: Duration::from_secs(5),
        max_throttles: 4,
    };
    settings
}

pub struct App {
    /// Holds the database file until the test ends.
    _dir: TempDir,
    pub store: SqliteStore,
    /// The same database, to look into directly.
    pub sql: sqlx::AnyPool,
    pub kith: Kith,
    pub clock: ManualClock,
    pub fake: FakeDiscord,
    pub discord: Discord,
    /// Our interactions endpoint.
    pub endpoint: String,
    gateway: Option<(
        oneshot::Sender<()>,
        tokio::task::JoinHandle<anyhow::Result<()>>,
    )>,
}

pub struct Options {
    pub defer_after: Duration,
    pub gateway: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            defer_after: Duration::from_secs(2),
            gateway: false,
        }
    }
}

impl App {
    /// The adapter with its HTTP endpoint; no gateway connection.
    pub async fn spawn() -> App {
        App::with(Options::default()).await
    }

    /// The adapter connected to the fake's gateway, identified and ready.
    pub async fn on_gateway() -> App {
        App::with(Options {
            gateway: true,
            ..Options::default()
        })
        .await
    }

    pub async fn with(options: Options) -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("kith.db");
        let store = SqliteStore::open(&db.display().to_string())
            .await
            .expect("opens");
        let sql = kith_storage::testing::inspector(&format!("sqlite://{}", db.display())).await;
        let clock = ManualClock::at(start());
        let kith = Kith::new(Arc::new(store.clone()), Arc::new(clock.clone()));
        let fake = FakeDiscord::start().await;
        let mut settings = settings(&fake);
        settings.defer_after = options.defer_after;
        let discord = Discord::new(kith.clone(), settings);
        let public_key = hex::encode(signing_key().verifying_key().as_bytes());
        let verifier = Verifier::new(&public_key).expect("public key");
        let router = kith_discord::http::router(discord.clone(), verifier);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let endpoint = format!(
            "http://{}{}",
            listener.local_addr().expect("addr"),
            kith_discord::http::PATH
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        let gateway = if options.gateway {
            let (stop, stopped) = oneshot::channel::<()>();
            let client = discord.clone();
            let task = tokio::spawn(async move {
                client
                    .run_gateway(async {
                        let _ = stopped.await;
                    })
                    .await
            });
            fake.identified().await;
            Some((stop, task))
        } else {
            None
        };
        App {
            _dir: dir,
            store,
            sql,
            kith,
            clock,
            fake,
            discord,
            endpoint,
            gateway,
        }
    }

    /// Posts a body to our endpoint, signed as Discord signs it.
    pub async fn post_signed(&self, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let timestamp = self.clock_secs().to_string();
        let signature = signing_key().sign(format!("{timestamp}{body}").as_bytes());
        self.post(
            body,
            Some(hex::encode(signature.to_bytes())),
            Some(timestamp),
        )
        .await
    }

    /// Posts a raw body with the given headers.
    pub async fn post(
        &self,
        body: String,
        signature: Option<String>,
        timestamp: Option<String>,
    ) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(&self.endpoint)
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-signature-ed25519", signature);
        }
        if let Some(timestamp) = timestamp {
            request = request.header("x-signature-timestamp", timestamp);
        }
        let response = request.send().await.expect("the endpoint answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub fn clock_secs(&self) -> i64 {
        use kith_bot::ports::Clock;
        self.clock.now().timestamp()
    }

    /// Every row of the ledger, as text: what a refused request must leave
    /// exactly as it was.
    pub async fn ledger(&self) -> Vec<String> {
        crate::common::rows(
            &self.sql,
            &[
                ("workspaces", "platform, external_id"),
                ("members", "workspace_id, external_id, display_name"),
                (
                    "contacts",
                    "workspace_id, owner_id, member_id, name, snoozed_until",
                ),
                ("entries", "contact_id, kind, what, at"),
            ],
        )
        .await
    }

    /// The ledger's entries as `kind: what`.
    pub async fn entries(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT kind || ': ' || what FROM entries ORDER BY id")
            .fetch_all(self.store.pool())
            .await
            .expect("reads entries")
    }

    /// Disconnects from the gateway.
    pub async fn stop(mut self) {
        if let Some((stop, task)) = self.gateway.take() {
            let _ = stop.send(());
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}
