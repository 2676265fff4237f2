//! Export, import and forget me on Discord: files go up with the answer,
//! an attached file comes down to be imported, and forgetting asks first.

use serde_json::json;

use crate::fake_discord::{CHANNEL_ID, GUILD_ID, Opt, member, message_json, press, slash};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

#[tokio::test]
async fn export_answers_privately_with_the_ledger_as_json_and_csv_files() {
    let app = App::spawn().await;
    app.post_signed(&slash(
        1001,
        ALICE,
        "kith",
        "gave",
        &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
    ))
    .await;
    let (status, answer) = app
        .post_signed(&slash(1002, ALICE, "kith-account", "export", &[]))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({"type": 5, "data": {"flags": 64}}),
        "files come with the follow-up"
    );
    let edit = app
        .fake
        .wait_for("the export follow-up", |calls| {
            calls
                .iter()
                .find(|c| c.method == "PATCH" && c.path.contains("/token-1002/"))
                .cloned()
        })
        .await;
    assert_eq!(edit.status, 200);
    assert!(
        edit.body["content"]
            .as_str()
            .expect("content")
            .contains("Your ledger"),
        "{:#}",
        edit.body
    );
    let names: Vec<&str> = edit.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with(".json") && names[1].ends_with(".csv"),
        "{names:?}"
    );
    assert_eq!(edit.body["attachments"].as_array().map(Vec::len), Some(2));
    let json = String::from_utf8_lossy(&edit.files[0].1);
    assert!(json.contains("coffee"), "{json}");
}

#[tokio::test]
async fn an_attached_csv_is_imported() {
    let app = App::spawn().await;
    let csv = "name,company\nJane Doe,Acme\nJohn Roe,Globex\n";
    let url = app.fake.attach("contacts.csv", csv.as_bytes());
    let (_, answer) = app
        .post_signed(&slash(
            1003,
            ALICE,
            "kith-account",
            "import",
            &[Opt::File("file", "contacts.csv", url, csv.len() as u32)],
        ))
        .await;
    let content = match answer["type"].as_u64() {
        Some(4) => answer["data"]["content"]
            .as_str()
            .expect("content")
            .to_string(),
        _ => {
            let edit = app
                .fake
                .wait_for("the import follow-up", |calls| {
                    calls.iter().find(|c| c.method == "PATCH").cloned()
                })
                .await;
            edit.body["content"].as_str().expect("content").to_string()
        }
    };
    assert!(!content.starts_with("⚠️"), "{content}");
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM contacts ORDER BY name")
        .fetch_all(app.store.pool())
        .await
        .expect("contacts");
    assert_eq!(names, ["Jane Doe", "John Roe"], "{content}");
}

#[tokio::test]
async fn an_oversized_attachment_is_refused_without_downloading_it() {
    let app = App::spawn().await;
    let url = app.fake.attach("huge.csv", b"name\nx\n");
    let (_, answer) = app
        .post_signed(&slash(
            1004,
            ALICE,
            "kith-account",
            "import",
            &[Opt::File("file", "huge.csv", url, 50 * 1024 * 1024)],
        ))
        .await;
    let content = answer["data"]["content"].as_str().expect("content");
    assert!(content.contains("up to 8 MB"), "{content}");
    assert!(app.fake.calls().is_empty(), "nothing was fetched");
    let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(contacts, 0);
}

#[tokio::test]
async fn forget_me_asks_first_and_the_button_deletes_everything() {
    let app = App::spawn().await;
    app.post_signed(&slash(
        1005,
        ALICE,
        "kith",
        "gave",
        &[Opt::User("member", BOB), Opt::Str("what", "coffee")],
    ))
    .await;
    let (_, ask) = app
        .post_signed(&slash(1006, ALICE, "kith-account", "forget", &[]))
        .await;
    assert_eq!(ask["data"]["flags"], 64);
    assert!(
        ask["data"]["content"]
            .as_str()
            .expect("content")
            .contains("cannot be undone")
    );
    assert_eq!(app.entries().await, ["gave: coffee"], "nothing deleted yet");
    let button = ask["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("a confirm button")
        .to_string();

    // The press arrives from the ephemeral message, in the server.
    let message = message_json(
        1_900_000_000_000_000_999,
        &CHANNEL_ID.to_string(),
        &ask["data"],
    );
    let mut confirm = press(1007, ALICE, &message, &button);
    let object = confirm.as_object_mut().expect("object");
    object.remove("user");
    object.insert("guild_id".into(), json!(GUILD_ID.to_string()));
    object.insert("member".into(), member(ALICE, "alice"));
    let (_, done) = app.post_signed(&confirm).await;
    assert_eq!(done["type"], 7, "{done}");
    assert_eq!(done["data"]["components"], json!([]));
    assert!(app.entries().await.is_empty());
}

#[tokio::test]
async fn an_import_cut_short_by_a_crash_completes_after_restart() {
    use kith_bot::domain::Platform;
    use kith_bot::ports::{Clock, Inbox, NewJob};
    let app = App::spawn().await;
    // Alice has used Kith here before.
    app.post_signed(&slash(1010, ALICE, "kith", "list", &[]))
        .await;
    let csv = "name,company\nJane Doe,Acme\nJohn Roe,Globex\n";
    let url = app.fake.attach("contacts.csv", csv.as_bytes());
    // Discord was answered (a deferral) with the import's job written; the
    // process that took the job died before finishing it.
    let job = NewJob {
        kind: "import".into(),
        workspace: GUILD_ID.to_string(),
        payload: json!({
            "guild": GUILD_ID.to_string(), "user": ALICE.to_string(), "name": "alice",
            "admin": false, "vouched": [], "line": "import",
            "attachment": {"filename": "contacts.csv", "url": url, "size": csv.len(),
                           "content_type": "text/csv"},
            "token": "token-of-1011",
        })
        .to_string(),
    };
    let now = app.clock.now();
    assert!(
        app.store
            .enqueue_job(Platform::Discord, "import:1011", &job, now)
            .await
            .expect("queued")
    );
    let held = app
        .store
        .claim_job(
            Platform::Discord,
            "dead-worker",
            now,
            chrono::Duration::seconds(120),
        )
        .await
        .expect("claimed");
    assert!(held.is_some());

    // While the dead worker's claim holds, nothing runs; after it lapses,
    // the restarted process's worker finishes the import and edits the answer.
    assert_eq!(app.discord.work_jobs().await.expect("jobs"), 0);
    app.clock.advance(chrono::Duration::seconds(121));
    assert_eq!(app.discord.work_jobs().await.expect("jobs"), 1);
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM contacts ORDER BY name")
        .fetch_all(app.store.pool())
        .await
        .expect("contacts");
    assert_eq!(names, ["Jane Doe", "John Roe"]);
    let edit = app
        .fake
        .wait_for("the import's answer", |calls| {
            calls
                .iter()
                .find(|c| c.method == "PATCH" && c.path.contains("token-of-1011"))
                .cloned()
        })
        .await;
    assert!(
        edit.body["content"]
            .as_str()
            .is_some_and(|c| c.contains("Imported 2 contacts")),
        "{}",
        edit.body
    );
    assert_eq!(app.discord.work_jobs().await.expect("jobs"), 0, "done once");
}

#[tokio::test]
async fn an_import_delivered_twice_is_queued_and_run_once() {
    let app = App::spawn().await;
    let csv = "name\nJane Doe\n";
    let url = app.fake.attach("contacts.csv", csv.as_bytes());
    let command = slash(
        1020,
        ALICE,
        "kith-account",
        "import",
        &[Opt::File("file", "contacts.csv", url, csv.len() as u32)],
    );
    let (_, first) = app.post_signed(&command).await;
    assert_eq!(first["type"], 5, "deferred while the job runs: {first}");
    let (_, again) = app.post_signed(&command).await;
    assert!(again.is_null() || again["type"] == 4, "{again}");
    app.fake
        .wait_for("the import's answer", |calls| {
            calls.iter().find(|c| c.method == "PATCH").cloned()
        })
        .await;
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
        .fetch_one(app.store.pool())
        .await
        .expect("jobs");
    assert_eq!(jobs, 1);
    let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(contacts, 1);
}
