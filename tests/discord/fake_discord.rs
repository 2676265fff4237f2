//! A fake Discord on 127.0.0.1: the REST API under `/api/v10/...` (records
//! every call, can be told to answer 429 or an error; DMs, channel
//! messages, private threads and their members), and a Gateway
//! websocket that says HELLO, answers heartbeats, accepts IDENTIFY, then
//! dispatches READY and whatever events a test sends.
//!
//! Every payload it sends is first checked against serenity's own types,
//! so a missing field fails the test loudly instead of serenity dropping
//! the event silently.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Message as Frame;

pub const APPLICATION_ID: u64 = 1_100_000_000_000_000_001;
pub const BOT_ID: u64 = 1_100_000_000_000_000_002;
pub const GUILD_ID: u64 = 1_200_000_000_000_000_001;
pub const CHANNEL_ID: u64 = 1_300_000_000_000_000_001;
/// The DM channel the fake opens with any user: user id + this.
const DM_CHANNEL_BASE: u64 = 1_000;
/// A member's permissions without Manage Server (1 << 5) or Administrator
/// (1 << 3): what most members have.
pub const MEMBER_PERMISSIONS: &str = "2248473465835073";
/// The same with Manage Server: a server admin.
pub const MANAGER_PERMISSIONS: &str = "2248473465835105";
/// Administrator alone (which implies every other permission).
pub const ADMINISTRATOR_PERMISSIONS: &str = "8";
/// The thread auto-archive durations Discord accepts, in minutes.
const ARCHIVE_DURATIONS: [u64; 4] = [60, 1440, 4320, 10080];

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub at: Instant,
    /// The status the fake answered with.
    pub status: u16,
    /// Files uploaded with it (multipart): name and content.
    pub files: Vec<(String, Vec<u8>)>,
}

/// An answer the fake gives once, instead of the normal one, to the next
/// request whose method and path match.
struct Scripted {
    method: Method,
    path_contains: String,
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
}

#[derive(Default)]
struct Shared {
    calls: Vec<Call>,
    scripted: VecDeque<Scripted>,
    /// Messages created, as Discord would return them.
    messages: Vec<Value>,
    next_id: u64,
    /// Files members "attached", served under `/attachments/`.
    attachments: std::collections::HashMap<String, Vec<u8>>,
    /// DM channels opened, by id.
    dm_channels: std::collections::HashSet<String>,
    /// Threads created, as Discord returned them.
    threads: Vec<Value>,
    /// (thread id, user id) for each member added to a thread.
    thread_members: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct FakeDiscord {
    shared: Arc<Mutex<Shared>>,
    changed: Arc<Notify>,
    pub rest_url: String,
    gateway: Arc<Mutex<Option<mpsc::UnboundedSender<Value>>>>,
    identified: Arc<Notify>,
    seq: Arc<Mutex<u64>>,
    pub identify: Arc<Mutex<Option<Value>>>,
    /// Every IDENTIFY received, in order.
    pub identifies: Arc<Mutex<Vec<Value>>>,
    /// Gateway connections open now.
    open: Arc<Mutex<usize>>,
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let rest = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let ws = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let rest_addr = rest.local_addr().expect("addr");
        let ws_addr = ws.local_addr().expect("addr");
        let fake = FakeDiscord {
            shared: Arc::new(Mutex::new(Shared {
                next_id: 1_900_000_000_000_000_000,
                ..Shared::default()
            })),
            changed: Arc::new(Notify::new()),
            rest_url: format!("http://{rest_addr}"),
            gateway: Arc::default(),
            identified: Arc::new(Notify::new()),
            seq: Arc::new(Mutex::new(0)),
            identify: Arc::default(),
            identifies: Arc::default(),
            open: Arc::default(),
        };
        let app = Router::new()
            .fallback(rest_call)
            .with_state((fake.clone(), ws_addr));
        tokio::spawn(async move {
            axum::serve(rest, app).await.expect("fake REST serves");
        });
        let gateway = fake.clone();
        tokio::spawn(async move { gateway.accept(ws).await });
        fake
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers the next request matching `method` and `path_contains` with
    /// `status` and `body`, once.
    pub fn answer_next(&self, method: Method, path_contains: &str, status: u16, body: Value) {
        self.answer_next_with(method, path_contains, status, body, &[]);
    }

    /// As [`answer_next`], with response headers (e.g. rate-limit ones).
    pub fn answer_next_with(
        &self,
        method: Method,
        path_contains: &str,
        status: u16,
        body: Value,
        headers: &[(&str, &str)],
    ) {
        self.lock().scripted.push_back(Scripted {
            method,
            path_contains: path_contains.into(),
            status,
            body,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
    }

    /// Serves `bytes` as an attachment; returns its URL.
    pub fn attach(&self, name: &str, bytes: &[u8]) -> String {
        let path = format!("/attachments/{name}");
        self.lock().attachments.insert(path.clone(), bytes.to_vec());
        format!("{}{path}", self.rest_url)
    }

    /// Every message the fake created.
    pub fn messages(&self) -> Vec<Value> {
        self.lock().messages.clone()
    }

    /// The messages created in one channel (a DM, a channel or a thread).
    pub fn messages_in(&self, channel: u64) -> Vec<Value> {
        let channel = channel.to_string();
        self.lock()
            .messages
            .iter()
            .filter(|m| m["channel_id"] == channel.as_str())
            .cloned()
            .collect()
    }

    /// The messages created in a user's DM channel.
    pub fn dms_to(&self, user: u64) -> Vec<Value> {
        self.messages_in(user + DM_CHANNEL_BASE)
    }

    /// Every thread created, as Discord returned it.
    pub fn threads(&self) -> Vec<Value> {
        self.lock().threads.clone()
    }

    /// The users added to a thread, in the order they were added.
    pub fn thread_members(&self, thread: &str) -> Vec<u64> {
        self.lock()
            .thread_members
            .iter()
            .filter(|(t, _)| t == thread)
            .filter_map(|(_, u)| u.parse().ok())
            .collect()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The calls whose method is `method` and whose path contains `path`.
    pub fn calls_to(&self, method: &str, path: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method && c.path.contains(path))
            .collect()
    }

    /// Waits (up to 10 s) until `check` holds for the recorded calls.
    pub async fn wait_for<T>(&self, what: &str, check: impl Fn(&[Call]) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.changed.notified();
            if let Some(found) = check(&self.calls()) {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out waiting for {what}; calls: {:#?}", self.calls());
            }
        }
    }

    /// Waits for the interaction callback of `interaction_id`.
    pub async fn callback(&self, interaction_id: u64) -> Call {
        let path = format!("/interactions/{interaction_id}/");
        self.wait_for(&format!("the callback of {interaction_id}"), |calls| {
            calls
                .iter()
                .find(|c| c.method == "POST" && c.path.contains(&path))
                .cloned()
        })
        .await
    }

    /// Waits until the bot identified on the gateway.
    pub async fn identified(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.identified.notified();
            if self.identify.lock().expect("lock").is_some() {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("the bot never identified on the gateway");
            }
        }
    }

    /// How many IDENTIFYs came, and how many gateway connections are open.
    pub fn gateway_state(&self) -> (usize, usize) {
        let identifies = self.identifies.lock().expect("lock").len();
        (identifies, *self.open.lock().expect("lock"))
    }

    /// Waits (up to 15 s) until `identifies` IDENTIFYs came and `open`
    /// connections are open.
    pub async fn gateway_reaches(&self, identifies: usize, open: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.changed.notified();
            if self.gateway_state() == (identifies, open) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "the gateway never had {identifies} identifies and {open} open connections: {:?}",
                    self.gateway_state()
                );
            }
        }
    }

    /// Sends a dispatch event (`t`, `d`) on the gateway.
    pub fn dispatch(&self, event: &str, data: Value) {
        let seq = {
            let mut seq = self.seq.lock().expect("lock");
            *seq += 1;
            *seq
        };
        let frame = json!({"op": 0, "t": event, "s": seq, "d": data});
        let sender = self.gateway.lock().expect("lock").clone();
        sender
            .expect("a gateway connection")
            .send(frame)
            .expect("the gateway connection is open");
    }

    async fn accept(&self, listener: TcpListener) {
        while let Ok((stream, _)) = listener.accept().await {
            let fake = self.clone();
            tokio::spawn(async move { fake.connection(stream).await });
        }
    }

    async fn connection(&self, stream: tokio::net::TcpStream) {
        let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let (mut sink, mut source) = ws.split();
        let opened = Opened::new(self);
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        *self.gateway.lock().expect("lock") = Some(tx.clone());
        let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
        if sink
            .send(Frame::Text(hello.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
        let mut writer = tokio::spawn(async move {
            while let Some(frame) = rx.recv().await {
                if frame.is_null() {
                    // The client closed: answer its close frame, as
                    // Discord does (serenity waits for it).
                    let _ = sink.close().await;
                    break;
                }
                if sink
                    .send(Frame::Text(frame.to_string().into()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
        while let Some(frame) = source.next().await {
            let Ok(frame) = frame else { break };
            let text = match frame {
                Frame::Text(text) => text,
                Frame::Close(_) => {
                    let _ = tx.send(Value::Null);
                    let _ = (&mut writer).await;
                    break;
                }
                _ => continue,
            };
            let Ok(payload) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            match payload["op"].as_u64() {
                Some(1) => {
                    let _ = tx.send(json!({"op": 11}));
                }
                Some(2) => {
                    *self.identify.lock().expect("lock") = Some(payload["d"].clone());
                    self.identifies
                        .lock()
                        .expect("lock")
                        .push(payload["d"].clone());
                    self.changed.notify_waiters();
                    self.dispatch("READY", ready());
                    self.identified.notify_waiters();
                }
                _ => {}
            }
        }
        writer.abort();
        drop(opened);
    }
}

/// Counts a gateway connection open until dropped (however it ends).
struct Opened(FakeDiscord);

impl Opened {
    fn new(fake: &FakeDiscord) -> Opened {
        *fake.open.lock().expect("lock") += 1;
        fake.changed.notify_waiters();
        Opened(fake.clone())
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        *self.0.open.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.0.changed.notify_waiters();
    }
}

fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": null,
        "bot": bot,
        "public_flags": 0,
    })
}

/// READY with every field serenity requires.
pub fn ready() -> Value {
    let ready = json!({
        "v": 10,
        "user": {
            "id": BOT_ID.to_string(),
            "username": "kith",
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "verified": true,
            "mfa_enabled": false,
            "flags": 0,
        },
        "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
        "session_id": "fake-session",
        "resume_gateway_url": "ws://127.0.0.1:1",
        "application": {"id": APPLICATION_ID.to_string(), "flags": 0},
    });
    serde_json::from_value::<serenity::model::gateway::Ready>(ready.clone())
        .expect("READY is complete for serenity");
    ready
}

pub fn member(user_id: u64, name: &str) -> Value {
    member_with(user_id, name, MEMBER_PERMISSIONS)
}

/// A guild member as an interaction carries it, with their permissions in
/// the channel (a decimal bitfield).
pub fn member_with(user_id: u64, name: &str, permissions: &str) -> Value {
    json!({
        "user": user(user_id, name, false),
        "nick": null,
        "roles": [],
        "joined_at": "2026-01-01T00:00:00.000000+00:00",
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "permissions": permissions,
    })
}

/// An option of a slash command.
pub enum Opt {
    /// A member (resolved with the username "bob").
    User(&'static str, u64),
    /// A member: option name, id, username.
    Member(&'static str, u64, &'static str),
    Str(&'static str, &'static str),
    /// An attachment: option name, file name, URL, size.
    File(&'static str, &'static str, String, u32),
    /// A text channel: option name, id, channel name.
    Channel(&'static str, u64, &'static str),
    Bool(&'static str, bool),
}

/// Who runs a slash command: their id, username and permissions.
pub struct Invoker<'a> {
    pub id: u64,
    pub name: &'a str,
    pub permissions: &'a str,
}

/// A slash command interaction (`/command sub options...`) in the guild,
/// with every field serenity requires.
pub fn slash(id: u64, user_id: u64, command: &str, sub: &str, options: &[Opt]) -> Value {
    let alice = Invoker {
        id: user_id,
        name: "alice",
        permissions: MEMBER_PERMISSIONS,
    };
    slash_by(id, &alice, command, sub, options)
}

/// `sub` as Discord nests it: `due`, or a group and its subcommand
/// (`settings tz`).
fn subcommand(sub: &str, options: Vec<Value>) -> Value {
    match sub.split_once(' ') {
        None => json!({"name": sub, "type": 1, "options": options}),
        Some((group, sub)) => json!({
            "name": group,
            "type": 2,
            "options": [{"name": sub, "type": 1, "options": options}],
        }),
    }
}

/// A slash command interaction run by `invoker`; `sub` is a subcommand, or
/// a group and its subcommand (`settings tz`).
pub fn slash_by(id: u64, invoker: &Invoker, command: &str, sub: &str, options: &[Opt]) -> Value {
    let mut resolved_users = serde_json::Map::new();
    let mut resolved_members = serde_json::Map::new();
    let mut resolved_channels = serde_json::Map::new();
    let mut resolved_attachments = serde_json::Map::new();
    let options: Vec<Value> = options
        .iter()
        .map(|o| match o {
            Opt::User(name, uid) => {
                resolved_users.insert(uid.to_string(), user(*uid, "bob", false));
                json!({"name": name, "type": 6, "value": uid.to_string()})
            }
            Opt::Member(name, uid, username) => {
                resolved_users.insert(uid.to_string(), user(*uid, username, false));
                let mut partial = member_with(*uid, username, MEMBER_PERMISSIONS);
                if let Some(partial) = partial.as_object_mut() {
                    // Resolved members come without their user.
                    partial.remove("user");
                    partial.remove("deaf");
                    partial.remove("mute");
                }
                resolved_members.insert(uid.to_string(), partial);
                json!({"name": name, "type": 6, "value": uid.to_string()})
            }
            Opt::Channel(name, cid, channel_name) => {
                resolved_channels.insert(
                    cid.to_string(),
                    json!({
                        "id": cid.to_string(),
                        "name": channel_name,
                        "type": 0,
                        "permissions": invoker.permissions,
                        "flags": 0,
                    }),
                );
                json!({"name": name, "type": 7, "value": cid.to_string()})
            }
            Opt::Str(name, value) => json!({"name": name, "type": 3, "value": value}),
            Opt::Bool(name, value) => json!({"name": name, "type": 5, "value": value}),
            Opt::File(name, filename, url, size) => {
                let id = "1500000000000000001";
                resolved_attachments.insert(
                    id.into(),
                    json!({
                        "id": id,
                        "filename": filename,
                        "size": size,
                        "url": url,
                        "proxy_url": url,
                        "content_type": "text/csv",
                    }),
                );
                json!({"name": name, "type": 11, "value": id})
            }
        })
        .collect();
    let interaction = json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": 2,
        "data": {
            "id": "1400000000000000001",
            "name": command,
            "type": 1,
            "options": [subcommand(sub, options)],
            "resolved": {
                "users": resolved_users,
                "members": resolved_members,
                "channels": resolved_channels,
                "attachments": resolved_attachments,
            },
        },
        "guild_id": GUILD_ID.to_string(),
        "channel_id": CHANNEL_ID.to_string(),
        "channel": {"id": CHANNEL_ID.to_string(), "type": 0},
        "member": member_with(invoker.id, invoker.name, invoker.permissions),
        "token": format!("token-{id}"),
        "version": 1,
        "app_permissions": "2248473465835073",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID.to_string()},
        "context": 0,
        "attachment_size_limit": 10_485_760,
    });
    check_interaction(&interaction);
    interaction
}

/// A button press on `message` (as the fake created it) in a DM.
pub fn press(id: u64, user_id: u64, message: &Value, custom_id: &str) -> Value {
    press_by(id, user_id, "alice", message, custom_id)
}

/// A button press by the user `name` on `message` in a DM.
pub fn press_by(id: u64, user_id: u64, name: &str, message: &Value, custom_id: &str) -> Value {
    let interaction = json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": 3,
        "data": {"custom_id": custom_id, "component_type": 2},
        "channel_id": message["channel_id"],
        "channel": {"id": message["channel_id"], "type": 1},
        "user": user(user_id, name, false),
        "message": message,
        "token": format!("token-{id}"),
        "version": 1,
        "app_permissions": "0",
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"1": user_id.to_string()},
        "context": 1,
        "attachment_size_limit": 10_485_760,
    });
    check_interaction(&interaction);
    interaction
}

fn check_interaction(interaction: &Value) {
    let parsed: serenity::model::application::Interaction =
        serde_json::from_value(interaction.clone())
            .expect("the interaction is complete for serenity");
    assert_eq!(
        parsed.id().get().to_string(),
        interaction["id"].as_str().expect("id")
    );
}

pub fn message_json(id: u64, channel: &str, body: &Value) -> Value {
    let message = json!({
        "id": id.to_string(),
        "channel_id": channel,
        "author": user(BOT_ID, "kith", true),
        "content": body["content"].as_str().unwrap_or_default(),
        "timestamp": "2026-11-22T10:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": body["components"].clone(),
        "nonce": body["nonce"].clone(),
    });
    serde_json::from_value::<serenity::model::channel::Message>(message.clone())
        .expect("the message is complete for serenity");
    message
}

/// Reads a multipart body: the `payload_json` part as JSON, and the files.
fn multipart(content_type: &str, body: &[u8]) -> (Value, Vec<(String, Vec<u8>)>) {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return (Value::Null, Vec::new());
    };
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let text = String::from_utf8_lossy(body);
    let mut payload = Value::Null;
    let mut files = Vec::new();
    for part in text.split(&delimiter) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let filename = head
            .split("filename=\"")
            .nth(1)
            .and_then(|f| f.split('"').next());
        match filename {
            Some(name) => files.push((name.to_string(), content.as_bytes().to_vec())),
            None if head.contains("name=\"payload_json\"") => {
                payload = serde_json::from_str(content).unwrap_or(Value::Null);
            }
            None => {}
        }
    }
    (payload, files)
}

async fn rest_call(
    State((fake, ws_addr)): State<(FakeDiscord, SocketAddr)>,
    method: Method,
    uri: Uri,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if method == Method::GET
        && let Some(bytes) = fake.lock().attachments.get(&path).cloned()
    {
        return bytes.into_response();
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (body, files) = if content_type.starts_with("multipart/form-data") {
        multipart(&content_type, &body)
    } else {
        (
            serde_json::from_slice(&body).unwrap_or(Value::Null),
            Vec::new(),
        )
    };
    let (status, answer, headers) = fake.answer(&method, &path, &body, ws_addr);
    fake.lock().calls.push(Call {
        method: method.to_string(),
        path,
        body,
        at: Instant::now(),
        status,
        files,
    });
    fake.changed.notify_waiters();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = if answer.is_null() {
        status.into_response()
    } else {
        (status, axum::Json(answer)).into_response()
    };
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            axum::http::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

impl FakeDiscord {
    fn answer(
        &self,
        method: &Method,
        path: &str,
        body: &Value,
        ws: SocketAddr,
    ) -> (u16, Value, Vec<(String, String)>) {
        if let Some(scripted) = {
            let mut shared = self.lock();
            shared
                .scripted
                .iter()
                .position(|s| s.method == *method && path.contains(&s.path_contains))
                .and_then(|i| shared.scripted.remove(i))
        } {
            return (scripted.status, scripted.body, scripted.headers);
        }
        let (status, answer) = self.normal_answer(method, path, body, ws);
        (status, answer, Vec::new())
    }

    fn normal_answer(
        &self,
        method: &Method,
        path: &str,
        body: &Value,
        ws: SocketAddr,
    ) -> (u16, Value) {
        let mut shared = self.lock();
        let Some(route) = path.strip_prefix("/api/v10") else {
            return (404, json!({"message": "404: Not Found", "code": 0}));
        };
        let parts: Vec<&str> = route.trim_matches('/').split('/').collect();
        shared.next_id += 1;
        let new_id = shared.next_id;
        match (method.as_str(), parts.as_slice()) {
            ("GET", ["gateway"]) => (200, json!({"url": format!("ws://{ws}")})),
            ("GET", ["gateway", "bot"]) => (
                200,
                json!({
                    "url": format!("ws://{ws}"),
                    "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
                }),
            ),
            ("GET", ["users", "@me"]) => (200, user(BOT_ID, "kith", true)),
            ("POST", ["interactions", _, _, "callback"]) => (204, Value::Null),
            ("PATCH", ["webhooks", _, _, "messages", "@original"]) => {
                (200, message_json(new_id, &CHANNEL_ID.to_string(), body))
            }
            ("POST", ["users", "@me", "channels"]) => {
                let recipient: u64 = body["recipient_id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                shared
                    .dm_channels
                    .insert((recipient + DM_CHANNEL_BASE).to_string());
                (
                    200,
                    json!({
                        "id": (recipient + DM_CHANNEL_BASE).to_string(),
                        "type": 1,
                        "recipients": [user(recipient, "member", false)],
                    }),
                )
            }
            ("POST", ["channels", channel, "messages"]) => {
                // enforce_nonce: a second message with the same nonce is
                // not created again; Discord returns the first.
                if body["enforce_nonce"] == true
                    && let Some(first) = shared
                        .messages
                        .iter()
                        .find(|m| m["channel_id"] == *channel && m["nonce"] == body["nonce"])
                {
                    return (200, first.clone());
                }
                let message = message_json(new_id, channel, body);
                shared.messages.push(message.clone());
                (200, message)
            }
            ("POST", ["channels", channel, "threads"]) => {
                if shared.dm_channels.contains(*channel) {
                    return (
                        400,
                        json!({"message": "Cannot execute action on a DM channel", "code": 50003}),
                    );
                }
                if let Some(problem) = thread_body_problem(body) {
                    return (
                        400,
                        json!({
                            "message": "Invalid Form Body",
                            "code": 50035,
                            "errors": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": problem}]},
                        }),
                    );
                }
                let thread = thread_json(new_id, channel, body);
                shared.threads.push(thread.clone());
                (201, thread)
            }
            ("PUT", ["channels", thread, "thread-members", user]) => {
                if !shared.threads.iter().any(|t| t["id"] == *thread) {
                    return (404, json!({"message": "Unknown Channel", "code": 10003}));
                }
                let entry = (thread.to_string(), user.to_string());
                if !shared.thread_members.contains(&entry) {
                    shared.thread_members.push(entry);
                }
                (204, Value::Null)
            }
            ("PUT", ["applications", _, "commands"])
            | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
                let commands: Vec<Value> = body
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut c)| {
                        c["id"] = json!((new_id + i as u64).to_string());
                        c["application_id"] = json!(APPLICATION_ID.to_string());
                        c["version"] = json!("1");
                        c
                    })
                    .collect();
                (200, Value::Array(commands))
            }
            _ => (404, json!({"message": "404: Not Found", "code": 0})),
        }
    }
}

/// Why Discord would refuse a "start thread without message" body, if it would.
fn thread_body_problem(body: &Value) -> Option<String> {
    let Some(name) = body["name"].as_str() else {
        return Some("name is required".into());
    };
    if !(1..=100).contains(&name.chars().count()) {
        return Some(format!(
            "name must be 1 to 100 characters, not {}",
            name.chars().count()
        ));
    }
    if !matches!(body["type"].as_u64(), Some(10..=12)) {
        return Some("type must be a thread type (10, 11 or 12)".into());
    }
    if let Some(minutes) = body.get("auto_archive_duration")
        && !minutes
            .as_u64()
            .is_some_and(|m| ARCHIVE_DURATIONS.contains(&m))
    {
        return Some("auto_archive_duration must be 60, 1440, 4320 or 10080".into());
    }
    if let Some(invitable) = body.get("invitable")
        && !invitable.is_boolean()
    {
        return Some("invitable must be a boolean".into());
    }
    None
}

/// A thread as Discord returns it when it is started.
fn thread_json(id: u64, parent: &str, body: &Value) -> Value {
    let now = "2026-11-22T10:00:00.000000+00:00";
    let thread = json!({
        "id": id.to_string(),
        "type": body["type"],
        "guild_id": GUILD_ID.to_string(),
        "parent_id": parent,
        "owner_id": BOT_ID.to_string(),
        "name": body["name"],
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": body.get("auto_archive_duration").cloned().unwrap_or(json!(4320)),
            "archive_timestamp": now,
            "locked": false,
            "invitable": body.get("invitable").cloned().unwrap_or(json!(true)),
            "create_timestamp": now,
        },
        "member": {
            "id": id.to_string(),
            "user_id": BOT_ID.to_string(),
            "join_timestamp": now,
            "flags": 1,
        },
    });
    serde_json::from_value::<serenity::model::channel::GuildChannel>(thread.clone())
        .expect("the thread is complete for serenity");
    thread
}

/// An autocomplete interaction: `alice`-like `user_id` typing `typed` into
/// the option `focused` of `/command sub`, with `options` already given.
pub fn autocomplete(
    id: u64,
    user_id: u64,
    command: &str,
    sub: &str,
    focused: &str,
    typed: &str,
) -> Value {
    let mut interaction = slash(id, user_id, command, sub, &[]);
    interaction["type"] = json!(4);
    let option = json!({"name": focused, "type": 3, "value": typed, "focused": true});
    let sub_options = &mut interaction["data"]["options"][0];
    match sub_options["type"].as_u64() {
        Some(2) => sub_options["options"][0]["options"] = json!([option]),
        _ => sub_options["options"] = json!([option]),
    }
    check_interaction(&interaction);
    interaction
}

/// A user context-menu command `name` used by `user_id` on `target`.
pub fn user_command(id: u64, user_id: u64, name: &str, target: u64, target_name: &str) -> Value {
    let mut interaction = slash(id, user_id, name, "x", &[]);
    interaction["data"] = json!({
        "id": "1400000000000000002",
        "name": name,
        "type": 2,
        "target_id": target.to_string(),
        "resolved": {"users": {target.to_string(): user(target, target_name, false)}},
    });
    check_interaction(&interaction);
    interaction
}

/// A modal submitted by `user_id`: its `custom_id` and text inputs.
pub fn modal_submit(id: u64, user_id: u64, custom_id: &str, inputs: &[(&str, &str)]) -> Value {
    let mut interaction = slash(id, user_id, "kith", "x", &[]);
    interaction["type"] = json!(5);
    let rows: Vec<Value> = inputs
        .iter()
        .map(|(input, value)| {
            json!({"type": 1, "components": [{"type": 4, "custom_id": input, "value": value}]})
        })
        .collect();
    interaction["data"] = json!({"custom_id": custom_id, "components": rows});
    check_interaction(&interaction);
    interaction
}
