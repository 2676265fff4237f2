//! Importing on Slack: a file shared in the member's DM with Kith, with the
//! word import, is downloaded with the bot token and imported once; other
//! DMs are left alone; an oversized file is refused without a download.

use kith_bot::domain::Secret;
use kith_bot::ports::Clock;
use serde_json::{Value, json};

use crate::helpers::{APP_TOKEN, BOT_TOKEN, JSON, TEAM, TestApp, event_callback, text_of};

/// LinkedIn's Connections.csv with its "Notes:" preamble and three people.
const CONNECTIONS: &str = "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nAda,Lovelace,https://www.linkedin.com/in/ada,,Analytical Engines,Programmer,01 Nov 2026\nGrace,Hopper,https://www.linkedin.com/in/grace,,Navy,Rear Admiral,02 Nov 2026\nAlan,Turing,https://www.linkedin.com/in/alan,,Bletchley,Cryptanalyst,03 Nov 2026\n";

/// A `message` event in U1's DM with Kith (`D1`), sharing one file.
fn dm_event(text: &str, file: Value) -> Value {
    json!({
        "type": "message", "subtype": "file_share", "channel_type": "im",
        "channel": "D1", "user": "U1", "text": text,
        "ts": "1700000100.000100", "event_ts": "1700000100.000100",
        "files": [file],
    })
}

fn file(url: &str, size: u64) -> Value {
    json!({
        "id": "F1", "name": "Connections.csv", "title": "Connections.csv",
        "mimetype": "text/csv", "filetype": "csv", "size": size,
        "url_private": url, "url_private_download": url,
    })
}

async fn contacts(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM contacts ORDER BY name")
        .fetch_all(app.store.pool())
        .await
        .expect("reads contacts")
}

async fn deliver(app: &TestApp, event_id: &str, event: Value) {
    let body = event_callback(TEAM, event_id, event);
    let response = app.post_signed("/slack/events", JSON, &body).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_file_shared_in_the_dm_with_import_is_imported_once() {
    let app = TestApp::spawn().await;
    let url = app
        .fake
        .share_file("F1", "Connections.csv", CONNECTIONS.as_bytes(), BOT_TOKEN);
    let event = dm_event("import", file(&url, CONNECTIONS.len() as u64));

    deliver(&app, "EvImport1", event.clone()).await;

    let downloads = app.fake.calls_to("files.download");
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].bearer(), Some(BOT_TOKEN));
    let posted = app.fake.wait_for("chat.postMessage", 1).await;
    assert_eq!(posted[0].params["channel"], "D1");
    let text = text_of(&posted[0].params);
    assert!(
        text.contains("Imported 3 contacts from a LinkedIn Connections.csv"),
        "{text}"
    );
    assert!(!text.contains(BOT_TOKEN));
    assert_eq!(
        contacts(&app).await,
        ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    );

    // Slack redelivers the same event: nothing more is downloaded, imported or said.
    deliver(&app, "EvImport1", event).await;
    assert_eq!(app.fake.calls_to("files.download").len(), 1);
    assert_eq!(app.fake.calls_to("chat.postMessage").len(), 1);
    assert_eq!(contacts(&app).await.len(), 3);
}

#[tokio::test]
async fn import_typed_as_a_slash_command_in_text_works_too() {
    let app = TestApp::spawn().await;
    let url = app
        .fake
        .share_file("F1", "Connections.csv", CONNECTIONS.as_bytes(), BOT_TOKEN);
    let mut event = dm_event("  /KITH Import ", file(&url, CONNECTIONS.len() as u64));
    event.as_object_mut().map(|e| e.remove("subtype"));

    deliver(&app, "EvImport2", event).await;

    let posted = app.fake.wait_for("chat.postMessage", 1).await;
    assert!(text_of(&posted[0].params).contains("Imported 3 contacts"));
    assert_eq!(contacts(&app).await.len(), 3);
}

#[tokio::test]
async fn other_direct_messages_are_left_alone() {
    let app = TestApp::spawn().await;
    let url = app
        .fake
        .share_file("F1", "Connections.csv", CONNECTIONS.as_bytes(), BOT_TOKEN);
    let size = CONNECTIONS.len() as u64;

    // A file without the word import.
    deliver(&app, "EvOther1", dm_event("here you go", file(&url, size))).await;
    // A bot (Kith itself, say) posting import with a file.
    let mut from_bot = dm_event("import", file(&url, size));
    from_bot["bot_id"] = json!("B1");
    deliver(&app, "EvOther2", from_bot).await;
    // An edit of a message to say import.
    let mut edited = dm_event("import", file(&url, size));
    edited["subtype"] = json!("message_changed");
    deliver(&app, "EvOther3", edited).await;
    // The word import without a file.
    let mut no_file = dm_event("import", file(&url, size));
    no_file.as_object_mut().map(|e| e.remove("files"));
    no_file.as_object_mut().map(|e| e.remove("subtype"));
    deliver(&app, "EvOther4", no_file).await;
    // import with a file, but in a channel rather than the DM.
    let mut in_channel = dm_event("import", file(&url, size));
    in_channel["channel_type"] = json!("channel");
    in_channel["channel"] = json!("C1");
    deliver(&app, "EvOther5", in_channel).await;

    assert!(app.fake.calls_to("chat.postMessage").is_empty());
    assert!(app.fake.calls_to("files.download").is_empty());
    assert_eq!(app.ledger().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_oversized_file_is_refused_without_a_download() {
    let app = TestApp::spawn().await;
    let url = app
        .fake
        .share_file("F1", "Connections.csv", CONNECTIONS.as_bytes(), BOT_TOKEN);

    deliver(
        &app,
        "EvBig",
        dm_event("import", file(&url, 9 * 1024 * 1024)),
    )
    .await;

    let posted = app.fake.wait_for("chat.postMessage", 1).await;
    assert_eq!(posted[0].params["channel"], "D1");
    let text = text_of(&posted[0].params);
    assert!(text.contains("too large"), "{text}");
    assert!(text.contains("8 MB"), "{text}");
    assert!(app.fake.calls_to("files.download").is_empty());
    assert!(contacts(&app).await.is_empty());
}

#[tokio::test]
async fn a_failed_download_says_so_and_changes_nothing() {
    let app = TestApp::spawn().await;
    // Readable only with another token: Slack answers a sign-in page.
    let url = app.fake.share_file(
        "F1",
        "Connections.csv",
        CONNECTIONS.as_bytes(),
        "xoxb-someone-else",
    );

    deliver(&app, "EvFail", dm_event("import", file(&url, 100))).await;

    let posted = app.fake.wait_for("chat.postMessage", 1).await;
    let text = text_of(&posted[0].params);
    assert!(
        text.contains("I couldn't download Connections.csv"),
        "{text}"
    );
    assert!(!text.contains(BOT_TOKEN));
    assert!(contacts(&app).await.is_empty());
}

#[tokio::test]
async fn the_import_slash_command_explains_how_to_import_on_slack() {
    let app = TestApp::spawn().await;
    let answer = app.slash_ok(TEAM, "U1", "/kith", "import").await;
    assert!(
        text_of(&answer).contains("Send me the file in our direct message with the word import"),
        "{answer}"
    );
    assert_eq!(app.ledger().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_file_shared_over_socket_mode_is_imported() {
    let app = TestApp::spawn().await;
    let url = app
        .fake
        .share_file("F1", "Connections.csv", CONNECTIONS.as_bytes(), BOT_TOKEN);
    let socket = kith_slack::SocketMode::start(app.slack.clone(), &Secret::new(APP_TOKEN), 1)
        .await
        .expect("connects");
    app.fake.socket.wait_connected().await;

    app.fake.socket.send(json!({
        "envelope_id": "env-import",
        "type": "events_api",
        "accepts_response_payload": false,
        "payload": {
            "token": "deprecated", "team_id": TEAM, "api_app_id": "A1",
            "event": dm_event("import", file(&url, CONNECTIONS.len() as u64)),
            "type": "event_callback", "event_id": "EvSocketImport", "event_time": 1_700_000_000,
        },
    }));
    let ack = app.fake.socket.receive().await;
    assert_eq!(ack["envelope_id"], "env-import");
    let posted = app.fake.wait_for("chat.postMessage", 1).await;
    assert!(text_of(&posted[0].params).contains("Imported 3 contacts"));
    assert_eq!(contacts(&app).await.len(), 3);

    socket.shutdown().await;
}

#[tokio::test]
async fn an_import_cut_short_by_a_crash_completes_after_restart() {
    use kith_bot::domain::Platform;
    use kith_bot::ports::{Inbox, NewJob};
    let app = TestApp::spawn().await;
    let url = app
        .fake
        .share_file("F1", "Connections.csv", CONNECTIONS.as_bytes(), BOT_TOKEN);
    // The event was acknowledged with its job written; the worker that
    // took the job died before finishing it.
    let job = NewJob {
        kind: "import".into(),
        workspace: TEAM.into(),
        payload: json!({
            "user": "U1", "channel": "D1", "others": 0,
            "file": {"name": "Connections.csv", "mime": "text/csv",
                     "size": CONNECTIONS.len(), "url": url},
        })
        .to_string(),
    };
    let now = app.clock.now();
    assert!(
        app.store
            .enqueue_job(Platform::Slack, "EvCrash", &job, now)
            .await
            .expect("queued")
    );
    let held = app
        .store
        .claim_job(
            Platform::Slack,
            "dead-worker",
            now,
            chrono::Duration::seconds(120),
        )
        .await
        .expect("claimed");
    assert!(held.is_some());
    // Slack's retry of the event is already handled: the job stands for it.
    deliver(&app, "EvCrash", dm_event("import", file(&url, 10))).await;
    assert!(contacts(&app).await.is_empty());

    // While the dead worker's claim holds, nothing runs; after it lapses,
    // the restarted process's worker finishes the import.
    assert_eq!(app.slack.work_jobs().await.expect("jobs"), 0);
    app.clock.advance(chrono::Duration::seconds(121));
    assert_eq!(app.slack.work_jobs().await.expect("jobs"), 1);
    assert_eq!(
        contacts(&app).await,
        ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    );
    let posted = app.fake.wait_for("chat.postMessage", 1).await;
    assert!(text_of(&posted[0].params).contains("Imported 3 contacts"));
    assert_eq!(app.slack.work_jobs().await.expect("jobs"), 0, "done once");
}
