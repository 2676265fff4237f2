//! `kith discord register`: the slash commands, derived from the core's
//! command list, registered by bulk overwrite.

use kith_bot::commands::COMMANDS;

use crate::fake_discord::{APPLICATION_ID, GUILD_ID};
use crate::helpers::App;

#[tokio::test]
async fn registering_in_a_guild_overwrites_kith_and_favour_with_every_core_command() {
    let app = App::spawn().await;
    let count = app
        .discord
        .register(Some(GUILD_ID))
        .await
        .expect("registers");
    assert_eq!(count, 2);
    let puts = app.fake.calls_to("PUT", "/commands");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].path,
        format!("/api/v10/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
    );
    let kith = &puts[0].body[0];
    assert_eq!(kith["name"], "kith");
    let subcommands: Vec<&str> = kith["options"]
        .as_array()
        .expect("subcommands")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    for spec in COMMANDS {
        assert!(
            subcommands.contains(&spec.name),
            "/kith {} is not registered",
            spec.name
        );
    }
    assert_eq!(puts[0].body[1]["name"], "favour");
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
