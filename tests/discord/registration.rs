//! `kith discord register`: the application commands, made from the core's
//! typed command schema, registered by bulk overwrite.

use kith_bot::commands::schema::forms;
use kith_discord::commands::resolve;

use crate::fake_discord::{APPLICATION_ID, GUILD_ID};
use crate::helpers::App;

#[tokio::test]
async fn registering_in_a_guild_overwrites_every_command_with_every_core_form() {
    let app = App::spawn().await;
    let count = app
        .discord
        .register(Some(GUILD_ID))
        .await
        .expect("registers");
    assert_eq!(count, 9);
    let puts = app.fake.calls_to("PUT", "/commands");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].path,
        format!("/api/v10/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
    );
    let sent = puts[0].body.as_array().expect("a list").clone();
    let names: Vec<&str> = sent
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "kith",
            "kith-account",
            "kith-community",
            "kith-admin",
            "favour",
            "favor",
            "Log a favour they did",
            "Log a favour you did",
            "Show in Kith"
        ]
    );
    // Every core command, and each form of one with several, is one
    // subcommand somewhere: what the member picks is what the core runs.
    for (spec, variant, _) in forms() {
        let found = sent.iter().any(|command| {
            let name = command["name"].as_str().unwrap_or_default();
            subcommand_paths(command).iter().any(|path| {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                resolve(name, &path).is_ok_and(|(s, v)| std::ptr::eq(s, spec) && v == variant)
            })
        });
        assert!(found, "{} {variant:?} is not registered", spec.name);
    }
    let admin = &sent[3];
    assert_eq!(admin["default_member_permissions"], "32", "Manage Server");
    assert!(sent[0].get("default_member_permissions").is_none());
}

fn subcommand_paths(command: &serde_json::Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for option in command["options"].as_array().cloned().unwrap_or_default() {
        let name = option["name"].as_str().unwrap_or_default().to_string();
        match option["type"].as_u64() {
            Some(1) => out.push(vec![name]),
            Some(2) => {
                for sub in option["options"].as_array().cloned().unwrap_or_default() {
                    let sub = sub["name"].as_str().unwrap_or_default().to_string();
                    out.push(vec![name.clone(), sub]);
                }
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn registering_twice_sends_the_same_overwrite_globally() {
    let app = App::spawn().await;
    app.discord.register(None).await.expect("registers");
    app.discord.register(None).await.expect("registers again");
    let puts = app.fake.calls_to("PUT", "/commands");
    assert_eq!(puts.len(), 2);
    assert_eq!(
        puts[0].path,
        format!("/api/v10/applications/{APPLICATION_ID}/commands")
    );
    assert_eq!(
        puts[0].body, puts[1].body,
        "idempotent: the same full list each time"
    );
}
