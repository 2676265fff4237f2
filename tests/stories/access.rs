//! The access matrix: every actor who is not the owner (another member of
//! the workspace, a member of another workspace, the same ids on another
//! platform) × every button kind carrying the owner's ids × every command
//! that names a member. Only the owner's own data is ever read or changed:
//! the owner's rows are compared before and after each attempt, and no
//! answer shows anything private of theirs.

use kith_bot::Actor;
use kith_bot::domain::Platform;

use crate::helpers::App;

const SECRET_NOTE: &str = "secret-note-xyz";
const SECRET_FAVOUR: &str = "secret-favour-abc";
const SECRET_COMPANY: &str = "SecretCo";

/// Everything held about the owner `me` of workspace `console`, and the
/// community rows they take part in.
async fn owners_rows(app: &App) -> Vec<String> {
    let pool = &app.sql;
    let mut rows = Vec::new();
    for sql in [
        "SELECT 'member: ' || quote(m.id) || quote(m.display_name) || quote(m.tz) || quote(m.dms) || quote(m.digest_cron)
           FROM members m JOIN workspaces w ON w.id = m.workspace_id
          WHERE w.platform = 'console' AND w.external_id = 'console' AND m.external_id = 'me'",
        "SELECT 'contact: ' || quote(c.id) || quote(c.name) || quote(c.company) || quote(c.tier) || quote(c.cadence_days)
                || quote(c.snoozed_until) || quote(c.last_contact_at) || quote(c.due_at)
           FROM contacts c JOIN members m ON m.id = c.owner_id WHERE m.external_id = 'me'
            AND m.workspace_id = (SELECT id FROM workspaces WHERE platform = 'console' AND external_id = 'console')
          ORDER BY 1",
        "SELECT 'entry: ' || quote(e.id) || quote(e.kind) || quote(e.what) || quote(e.at)
           FROM entries e JOIN contacts c ON c.id = e.contact_id JOIN members m ON m.id = c.owner_id
          WHERE m.external_id = 'me'
            AND m.workspace_id = (SELECT id FROM workspaces WHERE platform = 'console' AND external_id = 'console')
          ORDER BY 1",
        // The introductions that stood when the world was made (a new one
        // asking the owner is a request, not a change to their data).
        "SELECT 'intro: ' || quote(id) || quote(state) || quote(a_answer) || quote(b_answer) || quote(outcome) FROM intros WHERE id <= 2 ORDER BY 1",
        "SELECT 'pair: ' || quote(pair_id) || quote(member_id) FROM pair_members ORDER BY 1",
        "SELECT 'pairs: ' || quote(id) || quote(met_at) FROM pairs ORDER BY 1",
    ] {
        let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .expect("reads the owner's rows");
        rows.extend(found);
    }
    rows
}

async fn id(app: &App, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.sql)
        .await
        .expect(sql)
}

/// The owner `me` with a contact, a note, favours, an introduction they
/// proposed, one they were asked to join, and a coffee pair; and `eve`, a
/// member of the same workspace with a network of her own.
async fn world() -> App {
    let mut app = App::spawn().await;
    app.given(&[
        ":as bob",
        "help",
        ":as carol",
        "help",
        ":as dan",
        "help",
        ":as eve",
        "help",
        "add @alice close",
        ":as olivia",
        "help",
        ":as me",
    ])
    .await;
    app.given(&[
        &format!("add @alice inner at \"{SECRET_COMPANY}\" #mentor"),
        &format!("note @alice {SECRET_NOTE}"),
        &format!("gave @alice {SECRET_FAVOUR}"),
        "intro @bob @carol both love Rust",
        ":as olivia",
        "intro @me @dan you should meet",
        ":as me",
        "admin pairing #coffee every 1w",
        "pairing join",
    ])
    .await;
    for name in ["bob", "carol", "dan"] {
        app.given(&[&format!(":as {name}"), "pairing join"]).await;
    }
    app.given(&[":as me", ":tick 1d"]).await;
    app
}

fn actors() -> Vec<(&'static str, Actor)> {
    vec![
        (
            "another member of the workspace",
            Actor::new(Platform::Console, "console", "eve", "eve"),
        ),
        (
            "the same id in another workspace",
            Actor::new(Platform::Console, "elsewhere", "me", "me"),
        ),
        (
            "the same ids on another platform",
            Actor::new(Platform::Slack, "console", "me", "me"),
        ),
    ]
}

fn private(text: &str) -> bool {
    [SECRET_NOTE, SECRET_FAVOUR, SECRET_COMPANY]
        .iter()
        .any(|s| text.contains(s))
}

#[tokio::test]
async fn no_button_carrying_the_owners_ids_works_for_anyone_else() {
    let app = world().await;
    let contact = id(&app, "SELECT c.id FROM contacts c JOIN members o ON o.id = c.owner_id JOIN members m ON m.id = c.member_id WHERE o.external_id = 'me' AND m.external_id = 'alice'").await;
    let proposed = id(&app, "SELECT i.id FROM intros i JOIN members m ON m.id = i.introducer_id WHERE m.external_id = 'me'").await;
    let asked = id(
        &app,
        "SELECT i.id FROM intros i JOIN members m ON m.id = i.a_id WHERE m.external_id = 'me'",
    )
    .await;
    let pair = id(&app, "SELECT pm.pair_id FROM pair_members pm JOIN members m ON m.id = pm.member_id WHERE m.external_id = 'me'").await;
    let buttons = [
        format!("done:{contact}"),
        format!("snooze:{contact}"),
        format!("skip:{contact}"),
        format!("intro-yes:{asked}"),
        format!("intro-no:{asked}"),
        format!("intro-met:{proposed}"),
        format!("intro-notyet:{proposed}"),
        format!("pair-met:{pair}"),
        format!("pair-skip:{pair}"),
        "forget:me".to_string(),
    ];
    let mut tried = 0;
    for (who, actor) in actors() {
        for button in &buttons {
            let before = owners_rows(&app).await;
            let everything = app.everything().await;
            let pressed = app.kith.press(&actor, button).await;
            let shown = pressed.outcome.plain_text();
            assert!(!private(&shown), "{who} pressing {button} saw: {shown}");
            assert_eq!(
                owners_rows(&app).await,
                before,
                "{who} pressing {button}: {shown}"
            );
            if actor.user != "eve" || button != "forget:me" {
                // Nothing at all is written, not even a workspace or member
                // row for a stranger (eve's own forget is hers to make).
                assert_eq!(
                    app.everything().await,
                    everything,
                    "{who} pressing {button}: {shown}"
                );
            }
            tried += 1;
        }
    }
    assert_eq!(tried, 30);
    // The owner's own presses do work: the matrix is not refusing everyone.
    let me = Actor::new(Platform::Console, "console", "me", "me");
    let before = owners_rows(&app).await;
    let pressed = app.kith.press(&me, &format!("snooze:{contact}")).await;
    assert!(pressed.outcome.plain_text().starts_with("Snoozed @alice"));
    assert_ne!(owners_rows(&app).await, before);
}

#[tokio::test]
async fn no_command_naming_a_member_reads_or_changes_the_owners_ledger() {
    let app = world().await;
    let commands = [
        "show @alice",
        "list",
        "list #mentor",
        "due",
        "balance",
        "snooze @alice 2w",
        "every @alice 10d",
        "tier @alice wider",
        "remove @alice",
        "gave @alice a favour",
        "got @alice a favour",
        "touch @alice coffee",
        "note @alice a note",
        "add @alice inner at \"Other\"",
        "show @me",
        "gave @me thanks",
        "intro @alice @me hello",
        "intros",
        "share https://example.com/guide with @me worth it",
        "export",
        "map",
    ];
    let mut tried = 0;
    for (who, actor) in actors() {
        for line in commands {
            let before = owners_rows(&app).await;
            let reply = app.kith.handle(&actor, line).await;
            let shown = reply.plain_text();
            assert!(!private(&shown), "{who} typing {line} saw: {shown}");
            for block in &reply.blocks {
                if let kith_bot::reply::Block::File(file) = block {
                    let text = String::from_utf8_lossy(&file.bytes);
                    assert!(!private(&text), "{who} typing {line} got {}", file.name);
                }
            }
            // The owner's ledger is untouched; an intro or share to the
            // owner may only queue a message to them (a notice), and a
            // favour about them lands in the actor's own ledger.
            assert_eq!(
                owners_rows(&app).await,
                before,
                "{who} typing {line}: {shown}"
            );
            tried += 1;
        }
    }
    assert_eq!(tried, 3 * commands.len());
}
