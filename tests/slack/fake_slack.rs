//! A fake Slack on 127.0.0.1: the Web API (`/api/{method}`, Slack's
//! `{"ok": ...}` JSON, JSON or form bodies or query strings), `response_url`
//! endpoints (`/response/{id}`), and a Socket Mode websocket server whose
//! URL `apps.connections.open` hands out. It records every call and can
//! answer 429 with a Retry-After.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// One call Slack received.
#[derive(Debug, Clone)]
pub struct Call {
    /// The Web API method (`chat.postMessage`), or `response_url`.
    pub method: String,
    /// The `Authorization` header as sent (`Bearer xoxb-…`, `Basic …`).
    pub auth: Option<String>,
    /// Query parameters and the body's fields together.
    pub params: Value,
    pub at: Instant,
}

impl Call {
    pub fn bearer(&self) -> Option<&str> {
        self.auth.as_deref().and_then(|a| a.strip_prefix("Bearer "))
    }
}

/// A message chat.postMessage accepted.
#[derive(Debug, Clone)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
    /// The request's fields (`text`, `blocks`, ...).
    pub params: Value,
    /// When it was taken. (The crash harness reads it.)
    #[allow(dead_code)]
    pub at: Instant,
}

impl Posted {
    pub fn text(&self) -> &str {
        self.params["text"].as_str().unwrap_or_default()
    }

    /// The values of the message's buttons (the core's encoded actions).
    pub fn buttons(&self) -> Vec<String> {
        self.params["blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["elements"].as_array())
            .flatten()
            .filter_map(|e| e["value"].as_str().map(str::to_string))
            .collect()
    }
}

#[derive(Default)]
struct Inner {
    /// Messages posted, oldest first.
    posted: Vec<Posted>,
    calls: Vec<Call>,
    /// Per method, the Retry-After (seconds) of the next answers that are 429s.
    throttled: HashMap<String, VecDeque<u64>>,
    /// users.info answers: user id -> time zone.
    time_zones: HashMap<String, String>,
    /// users.info answers: user id -> their workspace; T1 otherwise.
    teams: HashMap<String, String>,
    /// users.info answers: user id -> (is_admin, is_owner); false otherwise.
    roles: HashMap<String, (bool, bool)>,
    /// Per method, Slack error codes the next answers give (`ok: false`).
    failing: HashMap<String, VecDeque<String>>,
    /// The OAuth exchange's answer: (team id, team name, bot token).
    oauth: Option<(String, String, String)>,
    next_ts: u64,
    /// Bytes of the files Kith uploaded, oldest first.
    uploaded: Vec<Vec<u8>>,
    /// Files members shared: file id -> (name, bytes, the token that may read it).
    files: HashMap<String, (String, Vec<u8>, String)>,
    /// How long chat.postMessage waits, after recording a message, before
    /// it answers: the window in which a caller can die not knowing.
    post_delay: Duration,
    /// Up to this much more, varying from post to post.
    post_jitter: Duration,
}

#[derive(Clone)]
pub struct FakeSlack {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    pub socket: FakeSocket,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let socket = FakeSocket::start().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("addr");
        let fake = FakeSlack {
            addr,
            inner: Arc::new(Mutex::new(Inner {
                next_ts: 1,
                ..Inner::default()
            })),
            socket,
        };
        let app = Router::new()
            .route("/api/{method}", any(api))
            .route("/response/{id}", post(response_url))
            .route("/upload/{id}", post(upload))
            .route("/files-pri/{id}/download/{name}", get(download))
            .with_state(fake.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake Slack serves");
        });
        fake
    }

    /// The Web API base to configure (`KITH_SLACK_API_URL`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// A `response_url` Slack would send with a command or interaction.
    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/response/{id}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next `times` calls to `method` answer 429 with this Retry-After.
    pub fn throttle(&self, method: &str, retry_after_secs: u64, times: usize) {
        let mut inner = self.lock();
        let queue = inner.throttled.entry(method.into()).or_default();
        queue.extend(std::iter::repeat_n(retry_after_secs, times));
    }

    /// chat.postMessage records each message at once but answers only
    /// after `delay`. (The crash harness uses it.)
    #[allow(dead_code)]
    pub fn delay_posts(&self, delay: Duration) {
        self.lock().post_delay = delay;
    }

    /// Answers each chat.postMessage after a delay between `low` and `high`
    /// (spread evenly over the posts). (The replicas benchmark uses it.)
    #[allow(dead_code)]
    pub fn delay_posts_between(&self, low: Duration, high: Duration) {
        let mut inner = self.lock();
        inner.post_delay = low;
        inner.post_jitter = high.saturating_sub(low);
    }

    /// The delivery key in a posted message's metadata, if any.
    pub fn key_of(posted: &Posted) -> Option<String> {
        posted.params["metadata"]["event_payload"]["key"]
            .as_str()
            .map(str::to_string)
    }

    /// Forgets every queued 429. (The crash harness uses it.)
    #[allow(dead_code)]
    pub fn clear_throttles(&self) {
        self.lock().throttled.clear();
    }

    /// The next `times` calls to `method` answer `{"ok": false, "error": code}`.
    pub fn fail(&self, method: &str, code: &str, times: usize) {
        let mut inner = self.lock();
        let queue = inner.failing.entry(method.into()).or_default();
        queue.extend(std::iter::repeat_n(code.to_string(), times));
    }

    /// What users.info says of `user`: a workspace admin, an owner.
    pub fn set_role(&self, user: &str, is_admin: bool, is_owner: bool) {
        self.lock().roles.insert(user.into(), (is_admin, is_owner));
    }

    /// users.info says `user` belongs to `team` (someone from a shared
    /// channel's other workspace).
    pub fn set_team(&self, user: &str, team: &str) {
        self.lock().teams.insert(user.into(), team.into());
    }

    pub fn set_time_zone(&self, user: &str, tz: &str) {
        self.lock().time_zones.insert(user.into(), tz.into());
    }

    /// What oauth.v2.access answers: this team installed with this token.
    pub fn on_oauth(&self, team: &str, team_name: &str, bot_token: &str) {
        self.lock().oauth = Some((team.into(), team_name.into(), bot_token.into()));
    }

    /// A file a member shared, readable with `token`; returns its
    /// `url_private_download`. Downloads are recorded as `files.download`.
    pub fn share_file(&self, id: &str, name: &str, bytes: &[u8], token: &str) -> String {
        self.lock()
            .files
            .insert(id.into(), (name.into(), bytes.to_vec(), token.into()));
        format!("http://{}/files-pri/{id}/download/{name}", self.addr)
    }

    /// The `ts` of the last message chat.postMessage accepted.
    pub fn last_ts(&self) -> String {
        format!("1700000000.{:06}", self.lock().next_ts)
    }

    /// Every message chat.postMessage accepted, oldest first.
    pub fn posted(&self) -> Vec<Posted> {
        self.lock().posted.clone()
    }

    /// How many messages were posted, without copying them (a benchmark
    /// polls this while the fake serves).
    #[allow(dead_code)]
    pub fn posted_count(&self) -> usize {
        self.lock().posted.len()
    }

    /// The messages posted in `channel`, oldest first.
    pub fn posted_in(&self, channel: &str) -> Vec<Posted> {
        self.posted()
            .into_iter()
            .filter(|p| p.channel == channel)
            .collect()
    }

    /// The files Kith uploaded, as text, oldest first.
    pub fn uploaded(&self) -> Vec<String> {
        self.lock()
            .uploaded
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Waits (bounded) until `method` was called `count` times.
    pub async fn wait_for(&self, method: &str, count: usize) -> Vec<Call> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let calls = self.calls_to(method);
            if calls.len() >= count {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "waited 10 s for {count} call(s) to {method}; got {calls:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn record(
        &self,
        method: &str,
        headers: &HeaderMap,
        query: Option<String>,
        body: &[u8],
    ) -> Call {
        let mut params = serde_json::Map::new();
        if let Some(q) = query {
            for (k, v) in url_pairs(&q) {
                params.insert(k, Value::String(v));
            }
        }
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if content_type.starts_with("application/json") {
            if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
                params.extend(map);
            }
        } else if !body.is_empty() {
            for (k, v) in url_pairs(&String::from_utf8_lossy(body)) {
                params.insert(k, Value::String(v));
            }
        }
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let call = Call {
            method: method.into(),
            auth,
            params: Value::Object(params),
            at: Instant::now(),
        };
        self.lock().calls.push(call.clone());
        call
    }
}

/// The group DM (mpim) of these people and the bot: the same one whatever
/// order they are named in, as on Slack.
pub fn mpim_id(users: &[&str]) -> String {
    let mut users = users.to_vec();
    users.sort_unstable();
    format!("G{}", users.concat())
}

fn url_pairs(text: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(text).unwrap_or_default()
}

fn ok(body: Value) -> Response {
    let mut body = body;
    body["ok"] = json!(true);
    axum::Json(body).into_response()
}

async fn api(
    State(fake): State<FakeSlack>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = fake.record(&method, &headers, query, &body);
    let throttled = fake
        .lock()
        .throttled
        .get_mut(&method)
        .and_then(|q| q.pop_front());
    if let Some(retry_after) = throttled {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after.to_string())],
            axum::Json(json!({"ok": false, "error": "ratelimited"})),
        )
            .into_response();
    }
    let failing = fake
        .lock()
        .failing
        .get_mut(&method)
        .and_then(|q| q.pop_front());
    if let Some(code) = failing {
        return axum::Json(json!({"ok": false, "error": code})).into_response();
    }
    let p = &call.params;
    match method.as_str() {
        "conversations.open" => {
            // Slack documents `users` as a comma-separated string.
            let Some(users) = p["users"].as_str() else {
                return axum::Json(json!({"ok": false, "error": "invalid_array_arg"}))
                    .into_response();
            };
            let users: Vec<&str> = users.split(',').map(str::trim).collect();
            if users.iter().any(|u| u.is_empty()) {
                return axum::Json(json!({"ok": false, "error": "user_not_found"})).into_response();
            }
            match users.as_slice() {
                [one] => ok(json!({"channel": {"id": format!("D{one}")}})),
                many if many.len() <= 8 => ok(json!({
                    "channel": {"id": mpim_id(many), "is_mpim": true},
                })),
                _ => axum::Json(json!({"ok": false, "error": "too_many_users"})).into_response(),
            }
        }
        "chat.postMessage" => {
            let (ts, delay) = {
                let mut inner = fake.lock();
                inner.next_ts += 1;
                let ts = format!("1700000000.{:06}", inner.next_ts);
                inner.posted.push(Posted {
                    channel: p["channel"].as_str().unwrap_or_default().to_string(),
                    ts: ts.clone(),
                    params: p.clone(),
                    at: call.at,
                });
                // A spread that needs no random source: the post's number
                // scattered over the jitter (Knuth's multiplicative hash).
                let spread = inner.next_ts.wrapping_mul(2_654_435_761) % 1_000;
                (
                    ts,
                    inner.post_delay + inner.post_jitter * spread as u32 / 1_000,
                )
            };
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            ok(json!({
                "channel": p["channel"],
                "ts": ts,
                "message": {"ts": ts, "text": p["text"], "blocks": p["blocks"]},
            }))
        }
        "conversations.history" => {
            // Newest first, as Slack answers; metadata only when asked for.
            let channel = p["channel"].as_str().unwrap_or_default();
            let with_metadata = p["include_all_metadata"] == "true";
            let limit = p["limit"]
                .as_str()
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(100);
            let skip = p["cursor"]
                .as_str()
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(0);
            let mut messages: Vec<Value> = fake
                .posted_in(channel)
                .iter()
                .rev()
                .map(|m| {
                    let mut message = json!({"type": "message", "ts": m.ts, "text": m.text()});
                    if with_metadata && !m.params["metadata"].is_null() {
                        message["metadata"] = m.params["metadata"].clone();
                    }
                    message
                })
                .collect();
            let more = messages.len() > skip + limit;
            messages = messages.into_iter().skip(skip).take(limit).collect();
            let next = if more {
                (skip + limit).to_string()
            } else {
                String::new()
            };
            ok(json!({
                "messages": messages, "has_more": more,
                "response_metadata": {"next_cursor": next},
            }))
        }
        "chat.update" => ok(json!({
            "channel": p["channel"], "ts": p["ts"],
            "message": {"text": p["text"], "blocks": p["blocks"]},
        })),
        "users.info" => {
            let user = p["user"].as_str().unwrap_or("UNKNOWN").to_string();
            let (tz, (is_admin, is_owner), team) = {
                let inner = fake.lock();
                (
                    inner.time_zones.get(&user).cloned(),
                    inner.roles.get(&user).copied().unwrap_or_default(),
                    inner
                        .teams
                        .get(&user)
                        .cloned()
                        .unwrap_or_else(|| "T1".into()),
                )
            };
            ok(json!({"user": {
                "id": user, "team_id": team,
                "name": user.to_lowercase(), "real_name": format!("Real {user}"),
                "tz": tz, "is_admin": is_admin, "is_owner": is_owner,
                "is_primary_owner": false, "is_bot": false, "deleted": false,
            }}))
        }
        "oauth.v2.access" => match fake.lock().oauth.clone() {
            Some((team, name, token)) => ok(json!({
                "access_token": token, "token_type": "bot",
                "scope": "commands,chat:write,chat:write.public,im:write,mpim:write,users:read",
                "bot_user_id": "UBOT", "app_id": "A1",
                "team": {"id": team, "name": name},
                "authed_user": {"id": "UINSTALLER"},
            })),
            None => axum::Json(json!({"ok": false, "error": "invalid_code"})).into_response(),
        },
        "apps.connections.open" => ok(json!({"url": fake.socket.url()})),
        "files.getUploadURLExternal" => {
            let id = format!("F{}", fake.calls_to(&method).len());
            ok(json!({"upload_url": format!("http://{}/upload/{id}", fake.addr), "file_id": id}))
        }
        "files.completeUploadExternal" => ok(json!({"files": p["files"]})),
        _ => ok(json!({})),
    }
}

async fn response_url(
    State(fake): State<FakeSlack>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    fake.record("response_url", &headers, Some(format!("id={id}")), &body);
    ok(json!({}))
}

/// A file's bytes arriving at the upload URL: recorded as `upload` with
/// the file id, content type and length.
async fn upload(
    State(fake): State<FakeSlack>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let query = format!(
        "id={id}&content_type={}&length={}",
        content_type.replace('/', "%2F"),
        body.len()
    );
    fake.record("upload", &HeaderMap::new(), Some(query), &[]);
    fake.lock().uploaded.push(body.to_vec());
    (StatusCode::OK, "OK - 123").into_response()
}

/// A shared file's bytes, for its token only. Like Slack, a request
/// without the right token gets a sign-in web page, not the file.
async fn download(
    State(fake): State<FakeSlack>,
    Path((id, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let call = fake.record("files.download", &headers, Some(format!("id={id}")), &[]);
    let Some((_, bytes, token)) = fake.lock().files.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    if call.bearer() != Some(token.as_str()) {
        return (
            [(header::CONTENT_TYPE, "text/html")],
            "<html>Sign in to Slack</html>",
        )
            .into_response();
    }
    ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
}

/// The Socket Mode side: one websocket at a time; the test sends envelopes
/// and reads the acknowledgements.
#[derive(Clone)]
pub struct FakeSocket {
    addr: SocketAddr,
    to_client: mpsc::UnboundedSender<String>,
    from_client: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<String>>>,
    connections: Arc<Mutex<usize>>,
    /// While set, the connection is dropped and new ones are refused
    /// (used by tests/ops, which shares this file).
    #[allow(dead_code)]
    down: Arc<std::sync::atomic::AtomicBool>,
    #[allow(dead_code)]
    kick: Arc<tokio::sync::Notify>,
}

impl FakeSocket {
    async fn start() -> FakeSocket {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("addr");
        let (to_client, mut outgoing) = mpsc::unbounded_channel::<String>();
        let (incoming, from_client) = mpsc::unbounded_channel::<String>();
        let connections = Arc::new(Mutex::new(0));
        let counter = connections.clone();
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let kick = Arc::new(tokio::sync::Notify::new());
        let (is_down, kicked) = (down.clone(), kick.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if is_down.load(std::sync::atomic::Ordering::SeqCst) {
                    // Refused: the socket closes before the handshake.
                    drop(stream);
                    continue;
                }
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    continue;
                };
                let hello = json!({
                    "type": "hello", "num_connections": 1,
                    "debug_info": {"host": "fake-slack"},
                    "connection_info": {"app_id": "A1"},
                });
                if ws.send(Message::text(hello.to_string())).await.is_err() {
                    continue;
                }
                *counter.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                loop {
                    if is_down.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    tokio::select! {
                        // Going down drops the connection without a close
                        // frame, as a network failure or a crash would.
                        () = kicked.notified() => break,
                        out = outgoing.recv() => match out {
                            Some(text) => {
                                if ws.send(Message::text(text)).await.is_err() { break; }
                            }
                            None => return,
                        },
                        frame = ws.next() => match frame {
                            Some(Ok(Message::Text(text))) => {
                                let _ = incoming.send(text.to_string());
                            }
                            Some(Ok(Message::Ping(data))) => {
                                let _ = ws.send(Message::Pong(data)).await;
                            }
                            Some(Ok(_)) => {}
                            Some(Err(_)) | None => break,
                        },
                    }
                }
            }
        });
        FakeSocket {
            addr,
            to_client,
            from_client: Arc::new(tokio::sync::Mutex::new(from_client)),
            connections,
            down,
            kick,
        }
    }

    /// Drops the connection and refuses new ones until [`FakeSocket::come_up`].
    #[allow(dead_code)] // used by tests/ops
    pub fn go_down(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        self.kick.notify_waiters();
    }

    /// Accepts connections again.
    #[allow(dead_code)] // used by tests/ops
    pub fn come_up(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many connections have been accepted (and said hello to).
    #[allow(dead_code)] // used by tests/ops
    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn url(&self) -> String {
        format!("ws://{}/link", self.addr)
    }

    /// Waits (bounded) until a client has connected and got its hello.
    pub async fn wait_connected(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while *self.connections.lock().unwrap_or_else(|e| e.into_inner()) == 0 {
            assert!(
                Instant::now() < deadline,
                "no Socket Mode connection in 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn send(&self, envelope: Value) {
        self.to_client
            .send(envelope.to_string())
            .expect("the fake socket runs");
    }

    /// The next frame the client sends (an acknowledgement), within 10 s.
    pub async fn receive(&self) -> Value {
        let mut rx = self.from_client.lock().await;
        let text = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an acknowledgement within 10 s")
            .expect("the fake socket runs");
        serde_json::from_str(&text).expect("acknowledgements are JSON")
    }
}
