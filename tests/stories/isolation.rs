//! A member's network is theirs alone; a workspace sees nothing of another.

use crate::helpers::{App, assert_shows};

#[tokio::test]
async fn another_member_sees_nothing_of_my_network() {
    let mut app = App::spawn().await;
    app.given(&[
        "add @alice inner #mentor",
        "gave @alice reviewed her resume",
        "note @alice new puppy Rex",
    ])
    .await;

    app.given(&[":as bob", "help"]).await;
    assert_eq!(
        app.say("list").await,
        "Your network is empty. Start with: add @alice inner\n"
    );
    assert_shows(&app.say("balance").await, &["No favours logged yet."]);
    assert_eq!(
        app.say("show @alice").await,
        "! @alice isn't in your network yet. Add them with: add @alice\n"
    );
    assert_eq!(
        app.say("remove @alice").await,
        "! @alice isn't in your network yet. Add them with: add @alice\n"
    );

    // Bob's own alice is a separate entry; mine is untouched.
    let out = app.say("touch @alice").await;
    assert_shows(
        &out,
        &["@alice wasn't in your network yet, so I added them as close"],
    );
    assert!(!app.say("show @alice").await.contains("puppy"));

    app.given(&[":as me"]).await;
    let out = app.say("show @alice").await;
    assert_shows(
        &out,
        &[
            "@alice · inner, every 2 weeks, #mentor",
            "Last note: new puppy Rex",
            "Favours: you gave 1, received 0",
        ],
    );
    assert_eq!(app.count("contacts").await, 2);
}

#[tokio::test]
async fn members_can_have_each_other_as_contacts() {
    let mut app = App::spawn().await;
    app.given(&[
        "gave @bob intro to Carol",
        ":as bob",
        "got @me intro to Carol",
    ])
    .await;
    assert_shows(&app.say("balance").await, &["@me", "-1", "You owe: @me."]);
    app.given(&[":as me"]).await;
    assert_shows(&app.say("balance").await, &["@bob", "+1"]);
}

#[tokio::test]
async fn a_second_workspace_in_the_same_file_sees_nothing_of_the_first() {
    let mut first = App::spawn().await;
    first
        .given(&[
            "add @alice inner",
            "gave @alice intro",
            "add \"Jane Doe\" #vc",
        ])
        .await;

    let mut second = first.beside("other-team").await;
    assert_eq!(
        second.say("list").await.lines().last(),
        Some("Your network is empty. Start with: add @alice inner")
    );
    assert_eq!(
        second.say("show @alice").await,
        "! @alice isn't in your network yet. Add them with: add @alice\n"
    );
    assert_eq!(
        second.say("list #vc").await,
        "Your network is empty. Start with: add @alice inner\n"
    );
    second.given(&["add @alice wider"]).await;

    assert_shows(&first.say("show @alice").await, &["inner", "you gave 1"]);
    assert_shows(&second.say("show @alice").await, &["wider", "you gave 0"]);
    assert_eq!(first.count("workspaces").await, 2);
}
