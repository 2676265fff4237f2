//! Namesakes on Slack: a LinkedIn file shared in the DM with two Kwame
//! Eggers keeps both; a slash command naming "Kwame Egger" gets the
//! which-one question and writes nothing; the bracketed name logs to the
//! right one; the list shows them apart.

use serde_json::{Value, json};

use crate::helpers::{BOT_TOKEN, JSON, TEAM, TestApp, event_callback, text_of};

const CONNECTIONS: &str = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Nov 2026\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-2,,Hooli,VP Sales,02 Nov 2026\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-2,,Hooli,VP Sales,02 Nov 2026\n";

async fn import(app: &TestApp) {
    let url = app
        .fake
        .share_file("F1", "Connections.csv", CONNECTIONS.as_bytes(), BOT_TOKEN);
    let event = json!({
        "type": "message", "subtype": "file_share", "channel_type": "im",
        "channel": "D1", "user": "U1", "text": "import",
        "ts": "1700000100.000100", "event_ts": "1700000100.000100",
        "files": [{
            "id": "F1", "name": "Connections.csv", "title": "Connections.csv",
            "mimetype": "text/csv", "filetype": "csv", "size": CONNECTIONS.len(),
            "url_private": url, "url_private_download": url,
        }],
    });
    let body = event_callback(TEAM, "EvNamesakes1", event);
    let response = app.post_signed("/slack/events", JSON, &body).await;
    assert_eq!(response.status(), 200);
    let posted = app.fake.wait_for("chat.postMessage", 1).await;
    let text = text_of(&posted[0].params);
    assert!(
        text.contains("Imported 2 contacts from a LinkedIn Connections.csv.")
            && text.contains("1 was repeated in the file"),
        "{text}"
    );
}

fn shown(answer: &Value) -> String {
    answer.to_string()
}

#[tokio::test]
async fn a_shared_name_gets_the_which_one_question_and_the_bracketed_name_logs_to_that_one() {
    let app = TestApp::spawn().await;
    import(&app).await;
    let before = app.ledger().await;

    let answer = app
        .slash_ok(TEAM, "U1", "/kith", "gave \"Kwame Egger\" a deck review")
        .await;
    assert!(
        shown(&answer).contains(
            "Which Kwame Egger? at Stark Industries, or at Hooli: type \\\"Kwame Egger (Hooli)\\\""
        ),
        "{answer}"
    );
    assert_eq!(app.ledger().await, before, "the question writes nothing");

    let answer = app
        .slash_ok(
            TEAM,
            "U1",
            "/kith",
            "gave \"Kwame Egger (Hooli)\" a deck review",
        )
        .await;
    assert!(
        text_of(&answer).contains("Logged: you gave Kwame Egger (Hooli)"),
        "{answer}"
    );
    assert_eq!(app.entries().await, ["gave: a deck review"]);
    let given: Vec<(String, i64)> =
        sqlx::query_as("SELECT company, given FROM contacts ORDER BY id")
            .fetch_all(app.store.pool())
            .await
            .expect("contacts");
    assert_eq!(
        given,
        [
            ("Stark Industries".to_string(), 0),
            ("Hooli".to_string(), 1)
        ]
    );

    let list = shown(&app.slash_ok(TEAM, "U1", "/kith", "list").await);
    assert!(
        list.contains("Kwame Egger (Stark Industries)") && list.contains("Kwame Egger (Hooli)"),
        "{list}"
    );
}
