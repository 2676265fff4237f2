//! The member's web page for a 500-contact network, rendered server-side.
//!
//! 1. The render alone (pure): the page's HTML with its inline SVG map
//!    from a 500-contact network already read.
//! 2. The whole request on SQLite: `GET /me` with a session cookie over
//!    loopback HTTP — the session look-up, the store's reads (due list,
//!    balance, network) and the render.
//!
//! Budget (issue 18): under 50 ms, and the page (HTML + SVG) under 500 kB.
//!
//!     cargo bench --bench web_page

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{TimeZone, Utc};
use kith_bot::domain::Platform;
use kith_bot::ports::{ManualClock, Store};
use kith_bot::{Actor, Kith};
use kith_storage::SqliteStore;

const RUNS: usize = 21;

fn median(mut times: Vec<StdDuration>) -> StdDuration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("a time"))?;
    let dir = tempfile::tempdir()?;
    let store =
        SqliteStore::open(&format!("sqlite://{}", dir.path().join("k.db").display())).await?;
    let clock = ManualClock::at(now);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let kith =
        Kith::new(Arc::new(store.clone()), Arc::new(clock.clone())).with_web_url(Some(&base));
    let actor = Actor::new(Platform::Console, "bench", "maya", "Maya Chen");

    // 1. The render alone, from the map's demo network of 500.
    let member = kith.member(&actor).await?;
    let contacts = kith_bot::map::demo_network(500, now);
    let due = kith_bot::ports::DueList {
        top: contacts
            .iter()
            .filter(|c| c.is_due(now))
            .take(20)
            .cloned()
            .collect(),
        due: contacts.iter().filter(|c| c.is_due(now)).count() as u32,
        network: 500,
        next: None,
    };
    let balance = kith_bot::ports::FavourBalance::default();
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let html = kith_web::render_home(&member, "csrf", None, &contacts, &due, &balance, now)?;
        times.push(started.elapsed());
        size = html.len();
    }
    println!(
        "render only, 500 contacts: median {:.1} ms, page {} kB",
        median(times).as_secs_f64() * 1000.0,
        size / 1000
    );

    // 2. The whole request: 500 contacts in the store, some with favours.
    // Quotes end a quoted name in the command line: the demo's hostile
    // names get plain ones, numbered so none is a duplicate.
    for (i, c) in contacts.iter().enumerate() {
        let line = format!(
            "add \"{} {i}\" {}{}",
            c.name.replace('"', "'"),
            c.tier.as_str(),
            c.company
                .as_ref()
                .map(|co| format!(" at \"{}\"", co.replace('"', "'")))
                .unwrap_or_default()
        );
        let reply = kith.handle(&actor, &line).await;
        anyhow::ensure!(!reply.is_error, "{line}: {}", reply.plain_text());
        if i % 7 == 0 {
            kith.handle(
                &actor,
                &format!("gave \"{} {i}\" an intro", c.name.replace('"', "'")),
            )
            .await;
        }
    }
    clock.advance(chrono::Duration::days(45));
    let network = store.contacts(member.scope()).await?.len();
    let router = kith_web::router(kith.clone(), &base);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let link = kith.handle(&actor, "web").await.plain_text();
    let link = link
        .split_whitespace()
        .find(|w| w.starts_with(&base))
        .ok_or_else(|| anyhow::anyhow!("no link in {link}"))?
        .to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let opened = http.get(&link).send().await?;
    let cookie = opened
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?
        .to_string();
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let page = http
            .get(format!("{base}/me"))
            .header("cookie", &cookie)
            .send()
            .await?;
        anyhow::ensure!(page.status() == 200, "GET /me: {}", page.status());
        let body = page.bytes().await?;
        times.push(started.elapsed());
        size = body.len();
    }
    println!(
        "GET /me on SQLite, {network} contacts: median {:.1} ms, page {} kB",
        median(times).as_secs_f64() * 1000.0,
        size / 1000
    );
    store.close().await;
    Ok(())
}
