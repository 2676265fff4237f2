//! Namesakes on Discord: an imported LinkedIn file with two Kwame Eggers
//! keeps both, autocomplete tells them apart (each choice's value picks
//! one), and the plain name gets the which-one question and writes nothing.

use serde_json::Value;

use crate::fake_discord::{Opt, autocomplete, slash};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;

const CONNECTIONS: &str = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Jan 2024\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-2,,Hooli,VP Sales,02 Jan 2024\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Jan 2024\n";

/// What Kith answered, now or in its follow-up.
async fn answered(app: &App, answer: &Value, token: &str) -> String {
    if answer["type"] == 4 {
        return answer["data"]["content"].as_str().expect("content").into();
    }
    let edit = app
        .fake
        .wait_for("the follow-up", |calls| {
            calls
                .iter()
                .find(|c| c.method == "PATCH" && c.path.contains(token))
                .cloned()
        })
        .await;
    edit.body["content"].as_str().expect("content").into()
}

async fn import(app: &App) {
    let url = app.fake.attach("Connections.csv", CONNECTIONS.as_bytes());
    let (_, answer) = app
        .post_signed(&slash(
            1601,
            ALICE,
            "kith-account",
            "import",
            &[Opt::File(
                "file",
                "Connections.csv",
                url,
                CONNECTIONS.len() as u32,
            )],
        ))
        .await;
    let content = answered(app, &answer, "/token-1601/").await;
    assert!(
        content.contains("Imported 2 contacts from a LinkedIn Connections.csv.")
            && content.contains("1 was repeated in the file"),
        "{content}"
    );
}

#[tokio::test]
async fn autocomplete_tells_namesakes_apart_and_the_plain_name_asks_which_one() {
    let app = App::spawn().await;
    import(&app).await;

    let (status, answer) = app
        .post_signed(&autocomplete(1602, ALICE, "kith", "gave", "name", "kwa"))
        .await;
    assert_eq!(status, 200);
    let choices: Vec<(String, String)> = answer["data"]["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").into(),
                c["value"].as_str().expect("value").into(),
            )
        })
        .collect();
    assert_eq!(
        choices,
        [
            (
                "Kwame Egger (Hooli)".to_string(),
                "Kwame Egger (Hooli)".to_string()
            ),
            (
                "Kwame Egger (Stark Industries)".to_string(),
                "Kwame Egger (Stark Industries)".to_string()
            ),
        ]
    );
    // Bob has no Kwame: nothing of Alice's is offered to him.
    let (_, bobs) = app
        .post_signed(&autocomplete(1603, BOB, "kith", "gave", "name", "kwa"))
        .await;
    assert_eq!(bobs["data"]["choices"].as_array().map(Vec::len), Some(0));

    let before = app.ledger().await;
    let (status, answer) = app
        .post_signed(&slash(
            1604,
            ALICE,
            "kith",
            "gave",
            &[
                Opt::Str("name", "Kwame Egger"),
                Opt::Str("what", "a deck review"),
            ],
        ))
        .await;
    assert_eq!(status, 200);
    let content = answered(&app, &answer, "/token-1604/").await;
    assert!(
        content.contains(
            "Which Kwame Egger? at Stark Industries, or at Hooli: type \"Kwame Egger (Hooli)\""
        ),
        "{content}"
    );
    assert_eq!(app.ledger().await, before, "the question writes nothing");

    // The chosen value (asserted above) picks Hooli's Kwame.
    let (_, answer) = app
        .post_signed(&slash(
            1605,
            ALICE,
            "kith",
            "gave",
            &[
                Opt::Str("name", "Kwame Egger (Hooli)"),
                Opt::Str("what", "a deck review"),
            ],
        ))
        .await;
    let content = answered(&app, &answer, "/token-1605/").await;
    assert!(
        content.contains("Logged: you gave Kwame Egger (Hooli) “a deck review”."),
        "{content}"
    );
    let given: Vec<(String, i64)> = sqlx::query_as(
        "SELECT company, given FROM contacts WHERE name = 'Kwame Egger' ORDER BY id",
    )
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
}
