//! Namesakes are different people: a member's network may hold two outside
//! contacts of one name, an import keeps them apart by profile link or
//! email and recognises them again, and a look-up by name finds them all,
//! in the member's own network only. Runs on SQLite, and on PostgreSQL
//! with `TEST_DATABASE=postgres`.

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::domain::{ContactDraft, ContactRef, Platform, Scope, Tier};
use kith_bot::portability;
use kith_bot::ports::Store;
use kith_storage::{AnyStore, testing};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0)
        .single()
        .expect("t")
}

const CONNECTIONS: &str = "Notes:\n\"Some email addresses may be missing.\"\n\n\
First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Jan 2024\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-2,,Hooli,VP,02 Jan 2024\n\
Jane,Doe,https://www.linkedin.com/in/jane-doe,jane@acme.example,Acme,CEO,03 Jan 2024\n\
Kwame,Egger,https://www.linkedin.com/in/kwame-egger-1,,Stark Industries,CTO,01 Jan 2024\n";

struct Db {
    _dir: tempfile::TempDir,
    store: AnyStore,
    sql: sqlx::AnyPool,
}

async fn db() -> Db {
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

async fn scope(store: &dyn Store, member: &str) -> Scope {
    let workspace = store
        .workspace(Platform::Console, "w", now())
        .await
        .expect("workspace");
    store
        .member(workspace, member, member, None, now())
        .await
        .expect("member")
        .scope()
}

async fn contacts_in_table(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(&db.sql)
        .await
        .expect("count")
}

#[tokio::test]
async fn linkedin_namesakes_are_kept_apart_and_a_second_import_adds_nobody() {
    let db = db().await;
    let me = scope(&db.store, "me").await;
    let parsed =
        portability::parse("Connections.csv", CONNECTIONS.as_bytes(), now()).expect("reads");
    assert_eq!((parsed.items.len(), parsed.repeats), (3, 1));

    let (added, existing) = db
        .store
        .import(me, &parsed.items, now())
        .await
        .expect("imports");
    assert_eq!((added, existing), (3, 0));
    let kwames = db
        .store
        .contacts_named(me, &["kwame egger".to_string()])
        .await
        .expect("namesakes");
    let found: Vec<(Option<&str>, Option<&str>)> = kwames
        .iter()
        .map(|c| (c.company.as_deref(), c.profile_url.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Some("Stark Industries"),
                Some("https://www.linkedin.com/in/kwame-egger-1")
            ),
            (
                Some("Hooli"),
                Some("https://www.linkedin.com/in/kwame-egger-2")
            ),
        ]
    );
    let jane = db
        .store
        .contacts_named(me, &["jane doe".to_string()])
        .await
        .expect("jane");
    assert_eq!(jane[0].email.as_deref(), Some("jane@acme.example"));
    // Several names in one call, in the order they were added.
    let both = db
        .store
        .contacts_named(me, &["kwame egger".to_string(), "jane doe".to_string()])
        .await
        .expect("both names");
    let names: Vec<&str> = both.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Kwame Egger", "Kwame Egger", "Jane Doe"]);

    // The same file again: everyone is recognised, nothing is written.
    let (added, existing) = db
        .store
        .import(me, &parsed.items, now())
        .await
        .expect("again");
    assert_eq!((added, existing), (0, 3));
    assert_eq!(contacts_in_table(&db).await, 3);
}

#[tokio::test]
async fn someone_added_by_name_before_is_one_of_the_namesakes_not_a_third() {
    let db = db().await;
    let me = scope(&db.store, "me").await;
    let draft = ContactDraft {
        who: ContactRef::Named("Kwame Egger".into()),
        tier: Tier::Close,
        cadence: None,
        company: None,
        tags: vec![],
    };
    db.store
        .add_contact(me, &draft, now())
        .await
        .expect("adds")
        .expect("new");
    let parsed =
        portability::parse("Connections.csv", CONNECTIONS.as_bytes(), now()).expect("reads");
    let (added, existing) = db
        .store
        .import(me, &parsed.items, now())
        .await
        .expect("imports");
    assert_eq!((added, existing), (2, 1), "one Kwame was there already");
    let (added, existing) = db
        .store
        .import(me, &parsed.items, now())
        .await
        .expect("again");
    assert_eq!((added, existing), (0, 3));
    assert_eq!(
        db.store
            .contacts_named(me, &["kwame egger".to_string()])
            .await
            .expect("namesakes")
            .len(),
        2
    );
}

#[tokio::test]
async fn namesakes_are_found_in_ones_own_network_only() {
    let db = db().await;
    let me = scope(&db.store, "me").await;
    let bob = scope(&db.store, "bob").await;
    let parsed =
        portability::parse("Connections.csv", CONNECTIONS.as_bytes(), now()).expect("reads");
    db.store
        .import(me, &parsed.items, now())
        .await
        .expect("imports");
    assert!(
        db.store
            .contacts_named(bob, &["kwame egger".to_string()])
            .await
            .expect("bob's")
            .is_empty()
    );
    // The whole network carries what tells namesakes apart (list, map, export).
    let network = db.store.contacts(me).await.expect("network");
    assert_eq!(
        network.iter().filter(|c| c.profile_url.is_some()).count(),
        3
    );
}

#[tokio::test]
async fn a_namesake_at_another_company_is_added_and_the_same_one_is_not_added_twice() {
    let db = db().await;
    let me = scope(&db.store, "me").await;
    let kwame = |company: &str| ContactDraft {
        who: ContactRef::Named("Kwame Egger".into()),
        tier: Tier::Close,
        cadence: None,
        company: Some(company.into()),
        tags: vec![],
    };
    let hooli = db
        .store
        .add_contact(me, &kwame("Hooli"), now())
        .await
        .expect("adds");
    let initech = db
        .store
        .add_contact(me, &kwame("Initech"), now())
        .await
        .expect("adds");
    assert!(hooli.is_some() && initech.is_some());
    let again = db
        .store
        .add_contact(me, &kwame("initech"), now())
        .await
        .expect("adds");
    assert_eq!(again, None, "the same person is not added twice");
    assert_eq!(contacts_in_table(&db).await, 2);
}
