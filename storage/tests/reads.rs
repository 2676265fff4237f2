//! What `balance`, `due` and `list` read comes off kept counts and
//! indexes (SQLite keeps them with triggers); whatever changes a network,
//! the reads must agree with the network itself, worked out here from the
//! whole of it by the documented rules. Runs on SQLite, and on PostgreSQL
//! with `TEST_DATABASE=postgres`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kith_bot::domain::{
    Contact, ContactDraft, ContactRef, Entry, EntryKind, ListFilter, Mention, Platform, Scope, Tag,
    Tier, WorkspaceId,
};
use kith_bot::portability;
use kith_bot::ports::Store;
use kith_storage::{AnyStore, testing};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0)
        .single()
        .expect("t")
}

/// A small deterministic generator: the same steps on every run and engine.
struct Steps(u64);

impl Steps {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const NAMES: [&str; 8] = ["ada", "Bea", "cy", "Dee", "eve", "Fay", "gus", "Hal"];
const TIERS: [Tier; 3] = [Tier::Inner, Tier::Close, Tier::Wider];

fn draft(who: ContactRef, tier: Tier, company: Option<&str>, tag: Option<&str>) -> ContactDraft {
    ContactDraft {
        who,
        tier,
        cadence: None,
        company: company.map(str::to_string),
        tags: tag.and_then(Tag::parse).into_iter().collect(),
    }
}

fn member(id: &str) -> ContactRef {
    ContactRef::Member(Mention {
        id: id.to_string(),
        label: None,
    })
}

/// The order `list` documents: tier, then name (as SQLite lower-cases),
/// then as added.
fn listed(network: &[Contact]) -> Vec<Contact> {
    let mut sorted = network.to_vec();
    sorted.sort_by_key(|c| (c.tier, c.name.to_ascii_lowercase(), c.id.0));
    sorted
}

/// Every read agrees with the whole network, worked out here.
async fn agree(store: &dyn Store, scope: Scope, now: DateTime<Utc>, step: &str) {
    let network = store.contacts(scope).await.expect("network");

    // balance: the most lopsided first, owing before owed, then by name.
    let mut lopsided: Vec<&Contact> = network
        .iter()
        .filter(|c| c.favours_given + c.favours_received > 0)
        .collect();
    lopsided.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.balance().abs()),
            c.balance(),
            c.name.to_ascii_lowercase(),
            c.id.0,
        )
    });
    let balance = store.favour_balance(scope, 4).await.expect("balance");
    let ids = |cs: &[Contact]| cs.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&balance.top),
        lopsided.iter().take(4).map(|c| c.id).collect::<Vec<_>>(),
        "{step}: balance order"
    );
    assert_eq!(
        (
            balance.people,
            balance.given,
            balance.received,
            balance.owing
        ),
        (
            lopsided.len() as u32,
            lopsided.iter().map(|c| c.favours_given).sum(),
            lopsided.iter().map(|c| c.favours_received).sum(),
            lopsided.iter().filter(|c| c.balance() < 0).count() as u32,
        ),
        "{step}: balance totals"
    );

    // due: most overdue first, then by name.
    let mut due: Vec<&Contact> = network.iter().filter(|c| c.next_due() <= now).collect();
    due.sort_by_key(|c| (c.next_due(), c.name.to_ascii_lowercase(), c.id.0));
    let read = store.due_contacts(scope, now, 3).await.expect("due");
    assert_eq!(
        ids(&read.top),
        due.iter().take(3).map(|c| c.id).collect::<Vec<_>>(),
        "{step}: due order"
    );
    assert_eq!(
        (read.due, read.network),
        (due.len() as u32, network.len() as u32),
        "{step}: due counts"
    );

    // list: page by page, whole and by tier.
    for filter in [None, Some(ListFilter::Tier(Tier::Close))] {
        let expected: Vec<Contact> = listed(&network)
            .into_iter()
            .filter(|c| match &filter {
                Some(ListFilter::Tier(t)) => c.tier == *t,
                _ => true,
            })
            .collect();
        let mut paged = Vec::new();
        for offset in (0..=expected.len() as u32).step_by(3) {
            let page = store
                .contacts_page(scope, filter.as_ref(), offset, 3)
                .await
                .expect("page");
            assert_eq!(
                (page.matching, page.network),
                (expected.len() as u32, network.len() as u32),
                "{step}: list counts ({filter:?})"
            );
            paged.extend(page.contacts);
        }
        assert_eq!(paged, expected, "{step}: list pages ({filter:?})");
    }
}

/// A fresh store (SQLite, or PostgreSQL with `TEST_DATABASE=postgres`)
/// with one workspace and its member `me`; the directory keeps SQLite's file.
async fn opened() -> (tempfile::TempDir, AnyStore, WorkspaceId, Scope) {
    let dir = tempfile::tempdir().expect("dir");
    let url = testing::database_url(&dir.path().join("k.db")).await;
    let store = AnyStore::open(&url).await.expect("opens");
    let workspace = store
        .workspace(Platform::Console, "w", start())
        .await
        .expect("workspace");
    let me = store
        .member(workspace, "me", "me", None, start())
        .await
        .expect("me")
        .scope();
    (dir, store, workspace, me)
}

async fn add_member(store: &dyn Store, workspace: WorkspaceId, id: &str, name: &str) {
    store
        .member(workspace, id, name, None, start())
        .await
        .expect("member");
}

#[tokio::test]
async fn balance_due_and_list_agree_with_the_network_through_every_kind_of_change() {
    let (_dir, store, workspace, me) = opened().await;
    let other = store
        .member(workspace, "other", "other", None, start())
        .await
        .expect("other")
        .scope();
    for (i, name) in NAMES.iter().enumerate() {
        add_member(&store, workspace, &format!("m{i}"), name).await;
    }
    agree(&store, me, start(), "empty").await;

    let mut steps = Steps(7);
    let mut now = start();
    for n in 0..120 {
        now += Duration::hours(7);
        let name = NAMES[steps.below(NAMES.len())];
        let tier = TIERS[steps.below(3)];
        let who = if steps.below(2) == 0 {
            member(&format!("m{}", steps.below(NAMES.len())))
        } else {
            ContactRef::Named(format!("{name} {}", steps.below(3)))
        };
        let owner = if steps.below(5) == 0 { other } else { me };
        let step = match steps.below(10) {
            0 | 1 => {
                let company = ["Acme", "Hooli"][steps.below(2)];
                store
                    .add_contact(owner, &draft(who, tier, Some(company), Some("#x")), now)
                    .await
                    .expect("add");
                "add"
            }
            2..=5 => {
                let kind = [
                    EntryKind::Gave,
                    EntryKind::Got,
                    EntryKind::Touch,
                    EntryKind::Note,
                ][steps.below(4)];
                let entry = Entry {
                    kind,
                    what: format!("step {n}"),
                    at: now - Duration::days(steps.below(60) as i64),
                };
                store
                    .record(owner, &draft(who, tier, None, None), &entry, now)
                    .await
                    .expect("record");
                "record"
            }
            6 => {
                let network = store.contacts(owner).await.expect("network");
                if !network.is_empty() {
                    let gone = network[steps.below(network.len())].id;
                    store.remove_contact(owner, gone).await.expect("remove");
                }
                "remove"
            }
            7 => {
                // A member's new display name moves them in every order.
                let i = steps.below(NAMES.len());
                let renamed = format!("{} {n}", NAMES[steps.below(NAMES.len())]);
                add_member(&store, workspace, &format!("m{i}"), &renamed).await;
                "rename a member"
            }
            8 => {
                let csv = format!(
                    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
                     {name},Import{n},,,Acme,CTO,01 Jan 2024\n\
                     Zed,Import{n},,,,,02 Jan 2024\n"
                );
                let parsed =
                    portability::parse("Connections.csv", csv.as_bytes(), now).expect("reads");
                store
                    .import(owner, &parsed.items, now)
                    .await
                    .expect("import");
                "import"
            }
            _ => {
                // A member who leaves stays in others' networks as a name.
                let i = steps.below(NAMES.len());
                let id = format!("m{i}");
                if let Some(left) = store.find_member(workspace, &id).await.expect("find") {
                    store
                        .forget_member(workspace, left.id)
                        .await
                        .expect("forget");
                }
                add_member(&store, workspace, &id, NAMES[i]).await;
                "a member forgotten"
            }
        };
        agree(&store, me, now, &format!("step {n} ({step})")).await;
        agree(&store, other, now, &format!("step {n} ({step}), other")).await;
    }
    // The walk reached a network worth paging.
    let network = store.contacts(me).await.expect("network");
    assert!(network.len() > 12, "{} contacts", network.len());
    assert!(network.iter().any(|c| c.favours_given > 0));

    // Forgetting the member takes their kept counts with them.
    store
        .forget_member(workspace, me.member)
        .await
        .expect("forget me");
    let page = store.contacts_page(me, None, 0, 20).await.expect("page");
    assert_eq!(
        (page.matching, page.network, page.contacts.len()),
        (0, 0, 0)
    );
    let balance = store.favour_balance(me, 20).await.expect("balance");
    assert_eq!((balance.people, balance.given), (0, 0));
}

#[tokio::test]
async fn a_page_filters_by_tag_and_company_however_it_is_written() {
    let (_dir, store, _, me) = opened().await;
    for (name, company, tag) in [
        ("Zoe", Some("ACME, Inc."), Some("#design")),
        ("amy", Some("Acme Corp"), None),
        ("Bob", Some("Hooli"), Some("#design")),
        ("cat", None, None),
    ] {
        store
            .add_contact(
                me,
                &draft(ContactRef::Named(name.into()), Tier::Close, company, tag),
                start(),
            )
            .await
            .expect("add");
    }
    let names = |page: &kith_bot::ports::ContactsPage| {
        page.contacts
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    let at_acme = store
        .contacts_page(me, Some(&ListFilter::Company("acme".into())), 0, 20)
        .await
        .expect("acme");
    assert_eq!(names(&at_acme), ["amy", "Zoe"]);
    assert_eq!((at_acme.matching, at_acme.network), (2, 4));
    let design = store
        .contacts_page(
            me,
            Some(&ListFilter::Tag(Tag::parse("#design").expect("tag"))),
            1,
            20,
        )
        .await
        .expect("design");
    assert_eq!(names(&design), ["Zoe"]);
    assert_eq!((design.matching, design.network), (2, 4));
    // A company that is nothing but a legal form matches nobody.
    let nobody = store
        .contacts_page(me, Some(&ListFilter::Company("Inc.".into())), 0, 20)
        .await
        .expect("inc");
    assert_eq!((nobody.matching, nobody.contacts.len()), (0, 0));
}
