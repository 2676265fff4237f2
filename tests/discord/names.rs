//! Whose name is stored: another member's name comes only from Discord
//! (the interaction's resolved user) or from that member, never from text
//! someone typed (issue 11, finding 1).

use serde_json::Value;

use crate::fake_discord::{Invoker, MEMBER_PERMISSIONS, Opt, slash_by};
use crate::helpers::App;

const ALICE: u64 = 2_000_000_000_000_000_001;
const BOB: u64 = 2_000_000_000_000_000_002;
const CAROL: u64 = 2_000_000_000_000_000_003;

fn invoker(id: u64, name: &str) -> Invoker<'_> {
    Invoker {
        id,
        name,
        permissions: MEMBER_PERMISSIONS,
    }
}

async fn run(app: &App, id: u64, who: &Invoker<'_>, sub: &str, options: &[Opt]) -> String {
    run_json(app, slash_by(id, who, "kith", sub, options)).await
}

async fn run_json(app: &App, interaction: Value) -> String {
    let (status, answer) = app.post_signed(&interaction).await;
    assert_eq!(status, 200, "{answer}");
    answer["data"]["content"]
        .as_str()
        .expect("content")
        .to_string()
}

async fn stored_name(app: &App, id: u64) -> String {
    sqlx::query_scalar("SELECT display_name FROM members WHERE external_id = ?")
        .bind(id.to_string())
        .fetch_one(app.store.pool())
        .await
        .expect("the member is stored")
}

#[tokio::test]
async fn a_forged_mention_label_in_a_string_option_never_renames_a_member() {
    let app = App::spawn().await;
    let (alice, bob, carol) = (
        invoker(ALICE, "alice"),
        invoker(BOB, "bob"),
        invoker(CAROL, "carol"),
    );
    // Carol uses Kith; Bob adds her by picking her in the user option.
    run(&app, 901, &carol, "due", &[]).await;
    let added = run(
        &app,
        902,
        &bob,
        "add",
        &[
            Opt::Member("member", CAROL, "carol"),
            Opt::Str("tier", "wider"),
        ],
    )
    .await;
    assert!(added.contains("carol"), "{added}");
    assert_eq!(stored_name(&app, CAROL).await, "carol");

    // Alice types Carol's mention with a label of her choosing wherever
    // text goes.
    const FORGED: &str = "<@2000000000000000003|=HYPERLINK(\"http://evil.example\",\"Mallory\")>";
    assert!(FORGED.contains(&CAROL.to_string()));
    run(&app, 903, &alice, "add", &[Opt::Str("name", FORGED)]).await;
    run(
        &app,
        904,
        &alice,
        "gave",
        &[
            Opt::Member("member", CAROL, "carol"),
            Opt::Str("what", FORGED),
        ],
    )
    .await;

    assert_eq!(stored_name(&app, CAROL).await, "carol");
    let names: Vec<String> = sqlx::query_scalar("SELECT display_name FROM members")
        .fetch_all(app.store.pool())
        .await
        .expect("members");
    assert!(names.iter().all(|n| !n.contains("Mallory")), "{names:?}");
    // What Bob sees of Carol is still her name.
    let list = run(&app, 905, &bob, "list", &[]).await;
    assert!(list.contains("carol"), "{list}");
    assert!(!list.contains("Mallory"), "{list}");
}

#[tokio::test]
async fn a_member_picked_in_a_user_option_is_stored_with_the_name_discord_resolved() {
    let app = App::spawn().await;
    let alice = invoker(ALICE, "alice");
    let mut interaction = slash_by(
        911,
        &alice,
        "kith",
        "add",
        &[Opt::Member("member", BOB, "bob"), Opt::Str("tier", "inner")],
    );
    // Bob's server nickname has a space, which no mention label could hold.
    let bob = BOB.to_string();
    interaction["data"]["resolved"]["users"][&bob]["global_name"] = "Bob Ortiz".into();
    interaction["data"]["resolved"]["members"][&bob]["nick"] = "Bobby O".into();
    let answer = run_json(&app, interaction).await;
    assert!(answer.contains("Bobby O"), "{answer}");
    assert_eq!(stored_name(&app, BOB).await, "Bobby O");

    // Without a nickname, the global name.
    let mut interaction = slash_by(
        912,
        &alice,
        "kith",
        "add",
        &[Opt::Member("member", CAROL, "carol")],
    );
    let carol = CAROL.to_string();
    interaction["data"]["resolved"]["users"][&carol]["global_name"] = "Carol Chen".into();
    run_json(&app, interaction).await;
    assert_eq!(stored_name(&app, CAROL).await, "Carol Chen");
}
