//! Whose name is stored: another member's name comes only from Slack
//! (users.info) or from that member, never from a mention's label someone
//! typed (issue 11, finding 1); and what a member types is bounded and
//! read in time linear in its length (finding 4).

use crate::helpers::{TEAM, TestApp, text_of};

async fn stored_name(app: &TestApp, user: &str) -> String {
    sqlx::query_scalar("SELECT display_name FROM members WHERE external_id = ?")
        .bind(user)
        .fetch_one(app.store.pool())
        .await
        .expect("the member is stored")
}

#[tokio::test]
async fn a_typed_mention_label_never_renames_a_member() {
    let app = TestApp::spawn().await;
    // U1 uses Kith; U3 has U1 in their network.
    app.slash_ok(TEAM, "U1", "/kith", "help").await;
    app.slash_ok(TEAM, "U3", "/kith", "add <@U1> inner").await;
    assert_eq!(stored_name(&app, "U1").await, "Real U1");

    // U2 types a mention with a label of their choosing. Slack escapes
    // what was typed; Kith reads it back as a mention with a label.
    let forged = "&lt;@U1|=HYPERLINK(\"http://evil.example\",\"Mallory\")&gt;";
    for text in [
        format!("add {forged} wider"),
        format!("gave {forged} a spreadsheet"),
        // As if Slack itself had sent a label.
        "touch <@U1|Mallory> coffee".to_string(),
    ] {
        app.slash_ok(TEAM, "U2", "/kith", &text).await;
        assert_eq!(stored_name(&app, "U1").await, "Real U1", "{text}");
    }
    let names: Vec<String> = sqlx::query_scalar("SELECT display_name FROM members")
        .fetch_all(app.store.pool())
        .await
        .expect("members");
    assert!(
        names
            .iter()
            .all(|n| !n.contains("Mallory") && !n.contains("HYPERLINK")),
        "{names:?}"
    );
    // What U3 sees of U1 is still Slack's name for them.
    let list = app.slash_ok(TEAM, "U3", "/kith", "list").await;
    let shown = list.to_string();
    assert!(shown.contains("Real U1"), "{shown}");
    assert!(!shown.contains("Mallory"), "{shown}");
    // And the export U3 can download names U1 the same way.
    let export = app.slash_ok(TEAM, "U3", "/kith", "export").await;
    assert!(text_of(&export).contains("I sent you"), "{export}");
    let files = app.fake.uploaded();
    assert_eq!(files.len(), 2, "the JSON and the CSV");
    for file in files {
        assert!(file.contains("Real U1"), "{file}");
        assert!(!file.contains("Mallory"), "{file}");
    }
}

#[tokio::test]
async fn a_mentioned_member_is_named_by_slack_even_when_unknown_to_kith() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U2", "/kith", "add &lt;@U9|Mallory&gt; close")
        .await;
    assert_eq!(stored_name(&app, "U9").await, "Real U9");
}

#[tokio::test]
async fn a_command_looks_up_at_most_four_mentioned_members() {
    let app = TestApp::spawn().await;
    let many: String = (10..30).map(|i| format!("<@U{i}> ")).collect();
    app.slash_ok(TEAM, "U1", "/kith", &format!("note <@U2> {many}"))
        .await;
    let asked: Vec<String> = app
        .fake
        .calls_to("users.info")
        .iter()
        .map(|c| c.params["user"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(asked, ["U1", "U2", "U10", "U11", "U12"]);
}

#[tokio::test]
async fn a_huge_command_of_brackets_is_refused_at_once_naming_the_limit() {
    let app = TestApp::spawn().await;
    app.slash_ok(TEAM, "U1", "/kith", "help").await;
    let before = app.ledger().await;
    for text in [
        // What Slack sends for 16,000 and 50,000 typed '<'.
        "&lt;".repeat(16_000),
        "&lt;".repeat(50_000),
        // And unescaped, as no Slack client would send them.
        "<".repeat(200_000),
        "<@".repeat(50_000),
        format!("note <@U2> {}", "x".repeat(4_000)),
    ] {
        let answer = app.slash_ok(TEAM, "U1", "/kith", &text).await;
        let shown = text_of(&answer);
        assert!(shown.contains("up to 4000 characters"), "{shown}");
        assert!(shown.contains("Nothing was changed"), "{shown}");
    }
    assert_eq!(app.ledger().await, before);
    // Just under the limit is read as a command.
    let answer = app
        .slash_ok(
            TEAM,
            "U1",
            "/kith",
            &format!("note <@U2> {}", "x".repeat(3_000)),
        )
        .await;
    assert!(!text_of(&answer).contains("characters long"), "{answer}");
}
