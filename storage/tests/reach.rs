//! Reach on both engines: what answers `reach` carries member ids and
//! counts only, never a contact's name; only members who share their reach
//! count; the company key is kept on every write of a contact's company.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kith_bot::community::notices::{NewNotice, NoticeKind};
use kith_bot::domain::{ContactChange, ContactDraft, ContactRef, MemberId, Scope, Tier};
use kith_bot::ports::Store;
use kith_bot::reach::{AskEffects, AskedId, NewAsk, ReachCount, ReachStore};
use kith_storage::{AnyStore, testing};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("t")
}

/// The contacts' names no answer behind reach may hold.
const SECRET: &str = "Secretname";

async fn member(store: &AnyStore, name: &str) -> Scope {
    let ws = store
        .workspace(kith_bot::domain::Platform::Slack, "T1", now())
        .await
        .expect("workspace");
    store
        .member(ws, name, name, None, now())
        .await
        .expect("member")
        .scope()
}

async fn knows(store: &AnyStore, who: Scope, name: &str, company: &str) {
    let draft = ContactDraft {
        who: ContactRef::Named(format!("{name} {SECRET}")),
        tier: Tier::Close,
        cadence: None,
        company: Some(company.into()),
        tags: vec![],
    };
    store.add_contact(who, &draft, now()).await.expect("adds");
}

#[tokio::test]
async fn nothing_behind_reach_returns_another_members_contact_names() {
    let dir = tempfile::tempdir().expect("dir");
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = AnyStore::open(&url).await.expect("opens");
    let asker = member(&store, "asker").await;
    let alice = member(&store, "alice").await;
    let bob = member(&store, "bob").await;
    let carol = member(&store, "carol").await;
    knows(&store, alice, "Jane", "Acme Corp").await;
    knows(&store, bob, "John", "ACME, Inc.").await;
    knows(&store, carol, "Carla", "acme llc").await;
    knows(&store, asker, "Own", "Acme").await;
    for who in [alice, bob] {
        store.share_reach(who, true).await.expect("shares");
    }
    let mut seen: Vec<String> = Vec::new();
    let week = now() - Duration::days(7);

    // Only the two who share count; carol, who does not, is in no count.
    let count = store
        .reach_count(asker, "acme", week)
        .await
        .expect("counts");
    seen.push(format!("{count:?}"));
    // The answer is member ids and a count, nothing else (a new field fails here).
    let ReachCount { available, busy } = count.clone();
    assert_eq!(available, vec![alice.member, bob.member]);
    assert_eq!(busy, 0);
    assert!(!available.contains(&carol.member));

    let id = store
        .draft_ask(
            &NewAsk {
                workspace: asker.workspace,
                asker: asker.member,
                company: "Acme".into(),
                why: None,
            },
            now(),
        )
        .await
        .expect("drafts");
    let lapse = NewNotice {
        kind: NoticeKind::ReachLapse,
        to: Some(asker.member),
        not_before: now() + Duration::days(7),
    };
    assert!(
        store
            .start_ask(asker, id, &available, &lapse, now())
            .await
            .expect("starts")
    );
    assert!(
        !store
            .start_ask(asker, id, &available, &lapse, now())
            .await
            .expect("once")
    );
    seen.push(format!(
        "{:?}",
        store.open_asks(asker, week).await.expect("open")
    ));
    seen.push(format!(
        "{:?}",
        store.ask(asker.workspace, id).await.expect("ask")
    ));
    let parts: Vec<i64> = sqlx::query_scalar("SELECT id FROM reach_asked ORDER BY id")
        .fetch_all(&testing::inspector(&url).await)
        .await
        .expect("parts");
    assert_eq!(parts.len(), 2);
    for part in &parts {
        seen.push(format!(
            "{:?}",
            store
                .asked(asker.workspace, AskedId(*part))
                .await
                .expect("asked")
        ));
    }
    let then = AskEffects::default();
    // Someone else cannot answer alice's part.
    let stale = store
        .answer_ask(
            asker.workspace,
            AskedId(parts[0]),
            bob.member,
            true,
            &then,
            now(),
        )
        .await
        .expect("answers");
    seen.push(format!("{stale:?}"));
    let yes = store
        .answer_ask(
            asker.workspace,
            AskedId(parts[0]),
            alice.member,
            true,
            &then,
            now(),
        )
        .await
        .expect("answers");
    seen.push(format!("{yes:?}"));
    seen.push(format!(
        "{:?}",
        store
            .lapse_ask(asker.workspace, id, now())
            .await
            .expect("lapse")
    ));
    seen.push(format!(
        "{:?}",
        store
            .ask_followed_up(
                asker.workspace,
                AskedId(parts[0]),
                alice.member,
                false,
                &[],
                now()
            )
            .await
            .expect("follow-up")
    ));
    // Counted again after the ask: still member ids and numbers only.
    let again = store
        .reach_count(asker, "acme", week)
        .await
        .expect("counts");
    seen.push(format!("{again:?}"));
    for answer in &seen {
        assert!(
            !answer.contains(SECRET),
            "a contact's name leaked: {answer}"
        );
        assert!(
            !answer.contains("Jane") && !answer.contains("Carla"),
            "{answer}"
        );
    }

    // Reach off takes bob out of every count at once.
    store.share_reach(bob, false).await.expect("off");
    let after = store
        .reach_count(asker, "acme", week)
        .await
        .expect("counts");
    assert_eq!(after.available, vec![alice.member]);
    store.close().await;
}

#[tokio::test]
async fn the_company_key_follows_every_write_of_a_contacts_company() {
    let dir = tempfile::tempdir().expect("dir");
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = AnyStore::open(&url).await.expect("opens");
    let sql = testing::inspector(&url).await;
    let asker = member(&store, "asker").await;
    let alice = member(&store, "alice").await;
    store.share_reach(alice, true).await.expect("shares");
    knows(&store, alice, "Jane", "Globex").await;
    let week = now() - Duration::days(7);
    let count = |key: &'static str| {
        let store = store.clone();
        async move {
            store
                .reach_count(asker, key, week)
                .await
                .expect("counts")
                .available
        }
    };
    assert_eq!(count("globex").await, vec![alice.member]);
    // Moving her contact to "Acme, Inc." moves the key with it.
    let id: i64 = sqlx::query_scalar("SELECT id FROM contacts")
        .fetch_one(&sql)
        .await
        .expect("id");
    let change = ContactChange::Details {
        tier: None,
        cadence: None,
        company: Some("Acme, Inc.".into()),
        add_tags: vec![],
    };
    store
        .change_contact(alice, kith_bot::domain::ContactId(id), &change)
        .await
        .expect("changes");
    assert_eq!(count("acme").await, vec![alice.member]);
    assert_eq!(count("globex").await, Vec::<MemberId>::new());
    // A row written before keys existed gets its key when the store opens.
    sqlx::query("UPDATE contacts SET company_key = NULL")
        .execute(&sql)
        .await
        .expect("clears");
    store.close().await;
    let reopened = AnyStore::open(&url).await.expect("reopens");
    let keys: Vec<Option<String>> = sqlx::query_scalar("SELECT company_key FROM contacts")
        .fetch_all(&sql)
        .await
        .expect("keys");
    assert_eq!(keys, vec![Some("acme".to_string())]);
    reopened.close().await;
}
