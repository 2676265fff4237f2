//! One-time links and web sessions, on SQLite and (TEST_DATABASE=postgres)
//! PostgreSQL: a link opens once and only in time, only its hash is
//! kept, sessions are scoped to their member and end when asked, on
//! forget me and on uninstall.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kith_bot::domain::{Platform, Scope};
use kith_bot::ports::Store;
use kith_bot::web::{self, Redeemed, WebStore};
use kith_storage::{AnyStore, testing};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("t")
        + Duration::minutes(minute)
}

async fn count(sql: &sqlx::AnyPool, query: &'static str) -> i64 {
    sqlx::query_scalar(query)
        .fetch_one(sql)
        .await
        .expect("count")
}

async fn setup() -> (AnyStore, sqlx::AnyPool, Scope, Scope, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = AnyStore::open(&url).await.expect("opens");
    let sql = testing::inspector(&url).await;
    let ws = store
        .workspace(Platform::Slack, "T1", at(0))
        .await
        .expect("ws");
    let alice = store
        .member(ws, "U1", "alice", None, at(0))
        .await
        .expect("m")
        .scope();
    let bob = store
        .member(ws, "U2", "bob", None, at(0))
        .await
        .expect("m")
        .scope();
    (store, sql, alice, bob, dir)
}

#[tokio::test]
async fn a_link_opens_one_session_for_its_member_once_and_only_in_time() {
    let (store, sql, alice, _bob, _dir) = setup().await;
    let link = web::issue_link(&store, alice, "https://kith.example.org/", at(0))
        .await
        .expect("a link");
    let token = link
        .strip_prefix("https://kith.example.org/me?t=")
        .expect("the public URL, then the token");
    // Only the hash is kept.
    let kept: String = sqlx::query_scalar("SELECT hash FROM web_links")
        .fetch_one(&sql)
        .await
        .expect("row");
    assert_eq!(kept, web::hash(token));
    assert!(!kept.contains(token));

    let opened = web::open(&store, token, at(14))
        .await
        .expect("open")
        .expect("opens");
    assert_eq!(opened.session.scope, alice);
    assert_eq!(opened.session.member, "U1");
    assert_eq!(opened.session.workspace, "T1");
    let found = web::session(&store, &opened.token, at(15))
        .await
        .expect("read");
    assert_eq!(found, Some(opened.session.clone()));
    assert_eq!(
        web::open(&store, token, at(14)).await.expect("open"),
        Err(Redeemed::Used)
    );

    // Expired: 15 minutes after it was made.
    let late = web::issue_link(&store, alice, "http://x", at(20))
        .await
        .expect("link");
    let late = late.rsplit('=').next().expect("token");
    assert_eq!(
        web::open(&store, late, at(35)).await.expect("open"),
        Err(Redeemed::Expired)
    );
    for junk in ["", "abc", &"f".repeat(64), &"z".repeat(64)] {
        assert_eq!(
            web::open(&store, junk, at(21)).await.expect("open"),
            Err(Redeemed::Unknown)
        );
    }
    // The session lasts 7 days.
    let week = at(14) + Duration::days(7);
    assert!(
        web::session(&store, &opened.token, week - Duration::minutes(1))
            .await
            .expect("r")
            .is_some()
    );
    assert!(
        web::session(&store, &opened.token, week)
            .await
            .expect("r")
            .is_none()
    );
    assert_eq!(count(&sql, "SELECT count(*) FROM web_sessions").await, 1);
}

#[tokio::test]
async fn two_openings_of_one_link_at_once_give_one_session() {
    let (store, sql, alice, _bob, _dir) = setup().await;
    let link = web::issue_link(&store, alice, "http://x", at(0))
        .await
        .expect("link");
    let token = link.rsplit('=').next().expect("token").to_string();
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let (store, token) = (store.clone(), token.clone());
            tokio::spawn(async move { web::open(&store, &token, at(1)).await })
        })
        .collect();
    let mut opened = 0;
    for t in tries {
        if t.await.expect("joined").expect("no error").is_ok() {
            opened += 1;
        }
    }
    assert_eq!(opened, 1);
    assert_eq!(count(&sql, "SELECT count(*) FROM web_sessions").await, 1);
}

#[tokio::test]
async fn sessions_end_on_logout_revoke_forget_me_and_uninstall() {
    let (store, sql, alice, bob, _dir) = setup().await;
    let open = |scope: Scope| {
        let store = store.clone();
        async move {
            let link = web::issue_link(&store, scope, "http://x", at(0))
                .await
                .expect("link");
            let token = link.rsplit('=').next().expect("token").to_string();
            web::open(&store, &token, at(1))
                .await
                .expect("open")
                .expect("opens")
                .token
        }
    };
    let live = |token: String| {
        let store = store.clone();
        async move {
            web::session(&store, &token, at(2))
                .await
                .expect("read")
                .is_some()
        }
    };
    // One session ends alone.
    let (a1, a2, b1) = (open(alice).await, open(alice).await, open(bob).await);
    assert!(store.end_web_session(&web::hash(&a1)).await.expect("end"));
    assert!(!live(a1).await && live(a2.clone()).await && live(b1.clone()).await);
    // Revoke: alice's sessions and unused links, not bob's.
    web::issue_link(&store, alice, "http://x", at(0))
        .await
        .expect("unused");
    assert_eq!(
        store.end_web_sessions(alice, true).await.expect("revoke"),
        (1, 1)
    );
    assert!(!live(a2).await && live(b1.clone()).await);
    // Forget me.
    let a3 = open(alice).await;
    store
        .forget_member(alice.workspace, alice.member)
        .await
        .expect("forget");
    assert!(!live(a3).await && live(b1.clone()).await);
    assert_eq!(count(&sql, "SELECT count(*) FROM web_links WHERE member_id IN (SELECT id FROM members WHERE external_id = 'U1')").await, 0);
    // Uninstall.
    store
        .forget_workspace(Platform::Slack, "T1")
        .await
        .expect("uninstall");
    assert!(!live(b1).await);
    assert_eq!(count(&sql, "SELECT count(*) FROM web_sessions").await, 0);
    assert_eq!(count(&sql, "SELECT count(*) FROM web_links").await, 0);
}
