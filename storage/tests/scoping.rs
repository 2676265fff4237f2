//! The store never lets one member's scope reach another member's network,
//! nor one workspace's scope another workspace's rows.

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::domain::{
    ContactChange, ContactDraft, ContactRef, Entry, EntryKind, Mention, Platform, Scope, Tier,
};
use kith_bot::ports::Store;
use kith_storage::{AnyStore, Engine, SqliteStore, testing};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("t")
}

fn alice() -> ContactRef {
    ContactRef::Member(Mention {
        id: "alice".into(),
        label: None,
    })
}

fn draft() -> ContactDraft {
    ContactDraft {
        who: alice(),
        tier: Tier::Inner,
        cadence: None,
        company: None,
        tags: vec![],
    }
}

/// A store on SQLite, or on PostgreSQL with `TEST_DATABASE=postgres`,
/// and a pool to look into it directly.
struct Db {
    _dir: tempfile::TempDir,
    store: AnyStore,
    sql: sqlx::AnyPool,
}

impl std::ops::Deref for Db {
    type Target = AnyStore;
    fn deref(&self) -> &AnyStore {
        &self.store
    }
}

async fn store() -> Db {
    let dir = tempfile::tempdir().expect("dir");
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = AnyStore::open(&url).await.expect("opens");
    let sql = testing::inspector(&url).await;
    Db {
        _dir: dir,
        store,
        sql,
    }
}

async fn scope(store: &dyn Store, platform: Platform, ws: &str, member: &str) -> Scope {
    let workspace = store
        .workspace(platform, ws, now())
        .await
        .expect("workspace");
    store
        .member(workspace, member, member, None, now())
        .await
        .expect("member")
        .scope()
}

#[tokio::test]
async fn another_members_scope_cannot_read_change_or_remove_my_contact() {
    let store = store().await;
    let me = scope(&store.store, Platform::Slack, "T1", "me").await;
    let bob = scope(&store.store, Platform::Slack, "T1", "bob").await;
    let entry = Entry {
        kind: EntryKind::Gave,
        what: "intro".into(),
        at: now(),
    };
    let mine = store
        .record(me, &draft(), &entry, now())
        .await
        .expect("recorded")
        .contact;

    assert_eq!(store.find_contact(bob, &alice()).await.expect("find"), None);
    assert!(store.contacts(bob).await.expect("contacts").is_empty());
    assert!(
        store
            .history(bob, mine.id, 10)
            .await
            .expect("history")
            .is_empty()
    );
    assert!(
        store
            .change_contact(bob, mine.id, &ContactChange::Tier(Tier::Wider))
            .await
            .is_err()
    );
    assert!(store.remove_contact(bob, mine.id).await.is_err());

    let still = store
        .find_contact(me, &alice())
        .await
        .expect("find")
        .expect("mine");
    assert_eq!(still, mine);
}

#[tokio::test]
async fn a_scope_mixing_workspaces_reaches_nothing() {
    let store = store().await;
    let me = scope(&store.store, Platform::Slack, "T1", "me").await;
    let elsewhere = scope(&store.store, Platform::Discord, "G1", "me").await;
    let mine = store
        .add_contact(me, &draft(), now())
        .await
        .expect("added")
        .expect("new");

    // My member id with another workspace's id: not my network.
    let forged = Scope {
        workspace: elsewhere.workspace,
        member: me.member,
    };
    assert_eq!(
        store.find_contact(forged, &alice()).await.expect("find"),
        None
    );
    assert!(
        store
            .change_contact(forged, mine.id, &ContactChange::Tier(Tier::Wider))
            .await
            .is_err()
    );
    assert!(store.remove_contact(forged, mine.id).await.is_err());
    assert!(
        store
            .contacts(elsewhere)
            .await
            .expect("contacts")
            .is_empty()
    );
    assert_eq!(store.contacts(me).await.expect("contacts"), vec![mine]);
}

#[tokio::test]
async fn the_same_platform_id_in_two_workspaces_is_two_members() {
    let store = store().await;
    let a = scope(&store.store, Platform::Slack, "T1", "U1").await;
    let b = scope(&store.store, Platform::Slack, "T2", "U1").await;
    assert_ne!(a.member, b.member);
    assert_ne!(a.workspace, b.workspace);
}

#[tokio::test]
async fn a_failed_entry_leaves_no_contact_behind() {
    let store = store().await;
    let me = scope(&store.store, Platform::Console, "c", "me").await;
    let refuse: &[&str] = match store.engine() {
        Engine::Sqlite => &[
            "CREATE TRIGGER refuse BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'disk full'); END",
        ],
        Engine::Postgres => &[
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
    };
    for sql in refuse {
        sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
            .execute(&store.sql)
            .await
            .expect("trigger");
    }
    let entry = Entry {
        kind: EntryKind::Touch,
        what: String::new(),
        at: now(),
    };

    assert!(store.record(me, &draft(), &entry, now()).await.is_err());
    assert!(store.contacts(me).await.expect("contacts").is_empty());
    let members: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE external_id = 'alice'")
            .fetch_one(&store.sql)
            .await
            .expect("count");
    assert_eq!(members, 0, "the mentioned member was rolled back too");
}

#[tokio::test]
async fn reopening_applies_no_migration_twice() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("k.db").display().to_string();
    let first = SqliteStore::open(&path).await.expect("first open");
    let me = scope(&first, Platform::Console, "c", "me").await;
    first.add_contact(me, &draft(), now()).await.expect("added");
    first.close().await;

    let again = SqliteStore::open(&format!("sqlite://{path}"))
        .await
        .expect("second open");
    assert_eq!(again.contacts(me).await.expect("contacts").len(), 1);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(again.pool())
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(again.pool())
        .await
        .expect("pragma");
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn forgetting_a_workspace_deletes_everything_in_it_and_nothing_else() {
    let store = store().await;
    let gone = scope(&store.store, Platform::Slack, "T1", "me").await;
    let kept = scope(&store.store, Platform::Slack, "T2", "me").await;
    let entry = Entry {
        kind: EntryKind::Note,
        what: "x".into(),
        at: now(),
    };
    store
        .record(gone, &draft(), &entry, now())
        .await
        .expect("recorded");
    store
        .record(kept, &draft(), &entry, now())
        .await
        .expect("recorded");
    let token = kith_bot::domain::Installation {
        bot_token: kith_bot::domain::Secret::new("xoxb-1"),
        bot_user_id: None,
    };
    store
        .save_installation(Platform::Slack, "T1", &token, now())
        .await
        .expect("saved");

    assert!(
        store
            .forget_workspace(Platform::Slack, "T1")
            .await
            .expect("forgot")
    );
    assert!(
        !store
            .forget_workspace(Platform::Slack, "T1")
            .await
            .expect("again")
    );
    for table in ["members", "contacts", "entries"] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&store.sql)
                .await
                .expect("count");
        // Only the kept workspace's rows remain (me and alice; one contact; one entry).
        assert_eq!(n, if table == "members" { 2 } else { 1 }, "{table}");
    }
    assert_eq!(
        store
            .installation(Platform::Slack, "T1")
            .await
            .expect("read"),
        None
    );
    assert_eq!(store.contacts(kept).await.expect("kept").len(), 1);
}

#[tokio::test]
async fn installations_are_saved_replaced_and_removed_per_workspace() {
    let store = store().await;
    let install = |t: &str| kith_bot::domain::Installation {
        bot_token: kith_bot::domain::Secret::new(t),
        bot_user_id: Some("UBOT".into()),
    };
    store
        .save_installation(Platform::Slack, "T1", &install("xoxb-1"), now())
        .await
        .expect("saved");
    store
        .save_installation(Platform::Slack, "T1", &install("xoxb-2"), now())
        .await
        .expect("replaced");
    store
        .save_installation(Platform::Slack, "T2", &install("xoxb-3"), now())
        .await
        .expect("saved");
    assert_eq!(
        store
            .installation(Platform::Slack, "T1")
            .await
            .expect("read"),
        Some(install("xoxb-2"))
    );
    store
        .remove_installation(Platform::Slack, "T1")
        .await
        .expect("removed");
    assert_eq!(
        store
            .installation(Platform::Slack, "T1")
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        store
            .installation(Platform::Slack, "T2")
            .await
            .expect("read"),
        Some(install("xoxb-3"))
    );
    assert_eq!(
        store
            .installation(Platform::Discord, "T2")
            .await
            .expect("read"),
        None
    );
}

#[tokio::test]
async fn an_event_id_is_new_only_once_per_platform() {
    let store = store().await;
    assert!(
        store
            .first_sighting(Platform::Slack, "Ev1", now())
            .await
            .expect("first")
    );
    assert!(
        !store
            .first_sighting(Platform::Slack, "Ev1", now())
            .await
            .expect("retry")
    );
    assert!(
        store
            .first_sighting(Platform::Discord, "Ev1", now())
            .await
            .expect("other platform")
    );
}

#[tokio::test]
async fn the_platforms_time_zone_is_used_until_the_member_sets_one() {
    let store = store().await;
    let ws = store
        .workspace(Platform::Slack, "T1", now())
        .await
        .expect("ws");
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().expect("tz");
    let tokyo: chrono_tz::Tz = "Asia/Tokyo".parse().expect("tz");
    let plain = store
        .member(ws, "U1", "ann", None, now())
        .await
        .expect("member");
    assert_eq!(
        (plain.tz, plain.tz_source),
        (chrono_tz::Tz::UTC, kith_bot::domain::TzSource::Default)
    );
    let hinted = store
        .member(ws, "U1", "ann", Some(berlin), now())
        .await
        .expect("member");
    assert_eq!(
        (hinted.tz, hinted.tz_source),
        (berlin, kith_bot::domain::TzSource::Platform)
    );
    let moved = store
        .member(ws, "U1", "ann", Some(tokyo), now())
        .await
        .expect("member");
    assert_eq!(moved.tz, tokyo);
    assert_eq!(
        store
            .find_member(ws, "U1")
            .await
            .expect("find")
            .expect("ann")
            .tz,
        tokyo
    );
}

#[tokio::test]
async fn a_networks_history_is_its_own_entries_latest_first_per_contact() {
    let store = store().await;
    let me = scope(&store.store, Platform::Slack, "T1", "me").await;
    let bob = scope(&store.store, Platform::Slack, "T1", "bob").await;
    let log = |what: &str, days_ago: i64| Entry {
        kind: EntryKind::Gave,
        what: what.into(),
        at: now() - chrono::Duration::days(days_ago),
    };
    let alice = store
        .record(me, &draft(), &log("first", 3), now())
        .await
        .expect("recorded")
        .contact;
    store
        .log_entry(me, alice.id, &log("second", 1), now())
        .await
        .expect("logged");
    let jane = ContactDraft {
        who: ContactRef::Named("Jane Doe".into()),
        ..draft()
    };
    let jane = store
        .record(me, &jane, &log("to jane", 2), now())
        .await
        .expect("recorded")
        .contact;
    // Bob's ledger about the same person is his.
    store
        .record(bob, &draft(), &log("bob's", 0), now())
        .await
        .expect("recorded");
    let mine: Vec<(i64, String)> = store
        .network_history(me)
        .await
        .expect("reads")
        .into_iter()
        .map(|(id, e)| (id.0, e.what))
        .collect();
    assert_eq!(
        mine,
        vec![
            (alice.id.0, "second".to_string()),
            (alice.id.0, "first".to_string()),
            (jane.id.0, "to jane".to_string()),
        ]
    );
    let bobs = store.network_history(bob).await.expect("reads");
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].1.what, "bob's");
}
