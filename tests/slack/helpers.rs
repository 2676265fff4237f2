//! `TestApp::spawn()`: a fake Slack, a fresh SQLite file, the clock at a
//! fixed time, and Kith's HTTP server on 127.0.0.1:0 — wired by the same
//! functions the binary uses.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::domain::{Platform, Secret};
use kith_bot::ports::{Clock, ManualClock, Recipient};
use kith_slack::signature;
use kith_slack::{SlackApp, SlackConfig};
use kith_storage::SqliteStore;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::fake_slack::FakeSlack;

pub const SIGNING_SECRET: &str = "test-signing-secret";
pub const BOT_TOKEN: &str = "xoxb-configured";
pub const APP_TOKEN: &str = "xapp-test";
pub const TEAM: &str = "T1";

/// Sunday 22 November 2026, 10:00 UTC: "now" in every test.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("valid start")
}

pub struct TestApp {
    _dir: TempDir,
    pub store: SqliteStore,
    /// The same database, to look into directly.
    pub sql: sqlx::AnyPool,
    pub clock: ManualClock,
    pub fake: FakeSlack,
    pub slack: Arc<SlackApp>,
    pub addr: SocketAddr,
    pub http: reqwest::Client,
}

pub fn config(fake: &FakeSlack) -> SlackConfig {
    SlackConfig {
        bot_token: Some(Secret::new(BOT_TOKEN)),
        app_token: Some(Secret::new(APP_TOKEN)),
        signing_secret: Some(Secret::new(SIGNING_SECRET)),
        client_id: Some("1111.2222".into()),
        client_secret: Some(Secret::new("client-secret")),
        api_url: fake.api_url(),
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|c| c, |app| app).await
    }

    /// With changes to the configuration and to the app (e.g. its ack budget).
    pub async fn spawn_with(
        change_config: impl FnOnce(SlackConfig) -> SlackConfig,
        change_app: impl FnOnce(SlackApp) -> SlackApp,
    ) -> TestApp {
        let fake = FakeSlack::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("kith.db");
        let store = SqliteStore::open(&db.display().to_string())
            .await
            .expect("opens");
        let sql = kith_storage::testing::inspector(&format!("sqlite://{}", db.display())).await;
        let clock = ManualClock::at(start());
        let config = change_config(config(&fake));
        let app = kith::slack_app(&config, Arc::new(store.clone()), Arc::new(clock.clone()));
        let slack = Arc::new(change_app(app));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("addr");
        let router = kith::http_router(Some(slack.clone()), None);
        tokio::spawn(async move {
            axum::serve(listener, router).await.expect("Kith serves");
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        TestApp {
            _dir: dir,
            store,
            sql,
            clock,
            fake,
            slack,
            addr,
            http,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs `body` signed as Slack signs it, at `at`.
    pub async fn post_signed_at(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> reqwest::Response {
        let ts = at.timestamp().to_string();
        let sig = signature::sign(&Secret::new(SIGNING_SECRET), &ts, body.as_bytes());
        self.http
            .post(self.url(path))
            .header("content-type", content_type)
            .header(signature::TIMESTAMP_HEADER, ts)
            .header(signature::SIGNATURE_HEADER, sig)
            .body(body.to_string())
            .send()
            .await
            .expect("Kith answers")
    }

    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> reqwest::Response {
        self.post_signed_at(path, content_type, body, self.clock.now())
            .await
    }

    /// A slash command as Slack sends it, signed.
    pub async fn slash(
        &self,
        team: &str,
        user: &str,
        command: &str,
        text: &str,
    ) -> reqwest::Response {
        let body = command_form(&self.fake, team, user, command, text);
        self.post_signed("/slack/commands", FORM, &body).await
    }

    /// A slash command's JSON answer, asserting a 200.
    pub async fn slash_ok(&self, team: &str, user: &str, command: &str, text: &str) -> Value {
        let response = self.slash(team, user, command, text).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("a JSON answer")
    }

    /// Every row of the ledger tables, as text: what a refused request must
    /// leave exactly as it was.
    pub async fn ledger(&self) -> Vec<String> {
        crate::common::rows(
            &self.sql,
            &[
                ("workspaces", "id, platform, external_id"),
                ("members", "id, workspace_id, external_id, display_name, tz"),
                ("contacts", "id, owner_id, member_id, name, snoozed_until"),
                ("entries", "id, contact_id, kind, what, at"),
            ],
        )
        .await
    }

    /// What was logged, as `kind: what`, oldest first.
    pub async fn entries(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT kind || ': ' || what FROM entries ORDER BY id")
            .fetch_all(self.store.pool())
            .await
            .expect("reads entries")
    }

    pub async fn contact_id(&self, member_external_id: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT c.id FROM contacts c JOIN members m ON m.id = c.member_id WHERE m.external_id = ?",
        )
        .bind(member_external_id)
        .fetch_one(self.store.pool())
        .await
        .expect("the contact exists")
    }

    pub async fn workspaces(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT external_id FROM workspaces ORDER BY external_id")
            .fetch_all(self.store.pool())
            .await
            .expect("reads workspaces")
    }

    pub fn recipient(&self, team: &str, user: &str) -> Recipient {
        Recipient {
            platform: Platform::Slack,
            workspace: team.into(),
            external_id: user.into(),
            display_name: user.to_lowercase(),
            tz: chrono_tz::UTC,
        }
    }
}

pub const FORM: &str = "application/x-www-form-urlencoded";
pub const JSON: &str = "application/json";

/// A slash command's form body, as Slack sends it: each one a new
/// delivery, with its own `trigger_id`.
pub fn command_form(fake: &FakeSlack, team: &str, user: &str, command: &str, text: &str) -> String {
    static TRIGGERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let trigger = TRIGGERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    command_form_with_trigger(
        fake,
        team,
        user,
        command,
        text,
        &format!("{trigger}.456.abc"),
    )
}

/// A slash command's form body with the given `trigger_id`.
pub fn command_form_with_trigger(
    fake: &FakeSlack,
    team: &str,
    user: &str,
    command: &str,
    text: &str,
    trigger: &str,
) -> String {
    serde_urlencoded::to_string([
        ("token", "deprecated-verification-token"),
        ("team_id", team),
        ("team_domain", "acme"),
        ("channel_id", "C1"),
        ("channel_name", "general"),
        ("user_id", user),
        ("user_name", &user.to_lowercase()),
        ("command", command),
        ("text", text),
        ("response_url", &fake.response_url("cmd")),
        ("trigger_id", trigger),
        ("api_app_id", "A1"),
    ])
    .expect("encodes")
}

/// Each press a new delivery, with its own `trigger_id`.
static PRESSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The block_actions payload Slack sends when `user` presses the button
/// whose value is `action` on `message` (posted in `channel` at `ts`).
pub fn press_form(
    fake: &FakeSlack,
    user: &str,
    message: &Value,
    channel: &str,
    ts: &str,
    action: &str,
) -> String {
    let payload = press_payload(fake, user, message, channel, ts, action);
    serde_urlencoded::to_string([("payload", payload.to_string())]).expect("encodes")
}

/// [`press_form`]'s payload, as JSON.
pub fn press_payload(
    fake: &FakeSlack,
    user: &str,
    message: &Value,
    channel: &str,
    ts: &str,
    action: &str,
) -> Value {
    let block_id = message["blocks"]
        .as_array()
        .and_then(|blocks| {
            blocks.iter().find(|b| {
                b["elements"]
                    .as_array()
                    .is_some_and(|els| els.iter().any(|e| e["value"] == action))
            })
        })
        .map(|b| b["block_id"].clone())
        .expect("the button is on the message");
    json!({
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "username": user.to_lowercase(), "name": user.to_lowercase(), "team_id": TEAM},
        "api_app_id": "A1",
        "token": "deprecated",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
        "trigger_id": format!("{}.456.def", PRESSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": ts, "user": "UBOT", "bot_id": "B1",
                    "text": message["text"], "blocks": message["blocks"]},
        "response_url": fake.response_url("press"),
        "actions": [{"type": "button", "action_id": action, "block_id": block_id,
                     "text": {"type": "plain_text", "text": "a button"}, "value": action,
                     "action_ts": "1700000001.000200"}],
    })
}

/// The text of an answer: its fallback text.
pub fn text_of(answer: &Value) -> String {
    answer["text"].as_str().unwrap_or_default().to_string()
}

/// An Events API callback body.
pub fn event_callback(team: &str, event_id: &str, event: Value) -> String {
    json!({
        "token": "deprecated",
        "team_id": team,
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_000,
    })
    .to_string()
}
