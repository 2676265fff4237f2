//! Installing into another workspace: Add to Slack with a CSRF state, the
//! OAuth exchange, and that team's requests then using its own token.

use kith_bot::domain::Platform;
use kith_bot::ports::{Messenger, Store};
use kith_bot::reply::Reply;

use crate::helpers::{BOT_TOKEN, TestApp};

/// Starts an install; returns the state and the cookie to send back.
async fn add_to_slack(app: &TestApp) -> (String, String) {
    let response = app
        .http
        .get(app.url("/slack/install"))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    let url = url_parts(&location);
    assert!(location.starts_with(&format!("http://{}/oauth/v2/authorize?", app.fake.addr)));
    assert_eq!(url.get("client_id").map(String::as_str), Some("1111.2222"));
    assert_eq!(
        url.get("scope").map(String::as_str),
        Some(
            "commands,chat:write,chat:write.public,im:write,mpim:write,users:read,files:write,files:read,im:history,mpim:history,channels:history,groups:history"
        )
    );
    let state = url.get("state").expect("a state").clone();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("name=value")
        .to_string();
    assert_eq!(cookie, format!("kith_slack_state={state}"));
    (state, cookie)
}

fn url_parts(url: &str) -> std::collections::HashMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).expect("a query")
}

#[tokio::test]
async fn an_install_stores_the_teams_token_and_its_next_request_uses_it() {
    let app = TestApp::spawn().await;
    app.fake.on_oauth("T2", "Second Team", "xoxb-team-two");
    let (state, cookie) = add_to_slack(&app).await;

    let response = app
        .http
        .get(app.url(&format!("/slack/oauth?code=the-code&state={state}")))
        .header("cookie", cookie)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    assert!(response.text().await.expect("page").contains("Second Team"));

    let exchange = app.fake.calls_to("oauth.v2.access");
    assert_eq!(exchange.len(), 1);
    assert_eq!(exchange[0].params["code"], "the-code");
    assert!(
        exchange[0]
            .auth
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
    );
    let installed = app
        .store
        .installation(Platform::Slack, "T2")
        .await
        .expect("reads")
        .expect("installed");
    assert_eq!(installed.bot_token.expose(), "xoxb-team-two");
    assert_eq!(installed.bot_user_id.as_deref(), Some("UBOT"));

    // The next command from T2 looks its member up with T2's token...
    app.slash_ok("T2", "U5", "/kith", "help").await;
    let lookups = app.fake.calls_to("users.info");
    assert_eq!(
        lookups.last().and_then(|c| c.bearer()),
        Some("xoxb-team-two")
    );
    // ...and DMs to T2 use it too, while T1 keeps the configured token.
    app.slack
        .web()
        .send_dm(&app.recipient("T2", "U5"), &Reply::text("hi"), "k1")
        .await
        .expect("sent");
    app.slack
        .web()
        .send_dm(&app.recipient("T1", "U1"), &Reply::text("hi"), "k2")
        .await
        .expect("sent");
    let posts = app.fake.calls_to("chat.postMessage");
    assert_eq!(posts[0].bearer(), Some("xoxb-team-two"));
    assert_eq!(posts[1].bearer(), Some(BOT_TOKEN));
}

#[tokio::test]
async fn an_install_without_the_browsers_cookie_or_with_a_forged_state_is_refused() {
    let app = TestApp::spawn().await;
    app.fake.on_oauth("T2", "Second Team", "xoxb-team-two");
    let (state, cookie) = add_to_slack(&app).await;

    for (query, cookie) in [
        (format!("code=c&state={state}"), None),
        (format!("code=c&state={state}x"), Some(cookie.clone())),
        (
            "code=c&state=1.2.3".to_string(),
            Some("kith_slack_state=1.2.3".to_string()),
        ),
        ("state=s".to_string(), Some(cookie.clone())),
        ("error=access_denied".to_string(), Some(cookie.clone())),
    ] {
        let mut request = app.http.get(app.url(&format!("/slack/oauth?{query}")));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("answers");
        assert_eq!(response.status(), 400, "{query}");
    }
    assert!(app.fake.calls_to("oauth.v2.access").is_empty());
    let installed = app
        .store
        .installation(Platform::Slack, "T2")
        .await
        .expect("reads");
    assert_eq!(installed, None);
}
