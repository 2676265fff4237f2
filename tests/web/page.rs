//! Stories of a member and their page, in the browser.

use chrono::Duration;
use kith_bot::domain::EntryKind;
use kith_bot::ports::Store;

use crate::browser::browser;
use crate::helpers::{actor, spawn_app};

#[tokio::test]
async fn a_link_opens_the_page_with_the_map_and_who_is_due() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    let link = app.link("alice").await;
    assert!(link.contains("/me?t="), "{link}");
    b.open(&link).await;
    // The token leaves the address bar at once.
    assert_eq!(b.path().await, "/me");
    let due = b.text_of("#due").await;
    assert!(due.contains("Ann Lee") && due.contains("Bo Chen"), "{due}");
    assert!(!due.contains("Cy Park"), "Cy is not due: {due}");
    assert!(due.contains("2 people are due"), "{due}");
    // Done, Snooze and Skip for each, as on a reminder.
    for verb in ["Done", "Snooze 1 week", "Skip"] {
        let shown = b
            .client
            .find(fantoccini::Locator::Css(&format!(
                "button[aria-label='{verb}: Ann Lee']"
            )))
            .await
            .expect("a button")
            .is_displayed()
            .await
            .expect("shown?");
        assert!(shown, "{verb} is shown");
    }
    // Ann is overdue the longest, so first.
    assert!(due.find("Ann Lee") < due.find("Bo Chen"), "{due}");
    let balance = b.text_of("#balance").await;
    assert!(
        balance.contains("Bo Chen") && balance.contains("+1"),
        "{balance}"
    );
    assert!(
        balance.contains("Ann Lee") && balance.contains("-1"),
        "{balance}"
    );
    // The map: one linked dot per contact, named for hover and focus.
    assert_eq!(b.count("#network-map svg a.dot").await, 3);
    let ann = b
        .client
        .find(fantoccini::Locator::Css(
            "#network-map a.dot[aria-label^='Ann Lee']",
        ))
        .await
        .expect("Ann's dot");
    let label = ann
        .attr("aria-label")
        .await
        .expect("attr")
        .unwrap_or_default();
    assert!(
        label.contains("Acme") && label.contains("next check-in"),
        "{label}"
    );
    // Focusing her dot names her under the map; following it opens her page.
    b.client
        .execute(
            "document.querySelector(\"a.dot[aria-label^='Ann Lee']\").focus()",
            vec![],
        )
        .await
        .expect("focus");
    assert!(b.text_of("#map-caption").await.starts_with("Ann Lee"));
    ann.click().await.expect("click");
    let id = app.contact_id("alice", "Ann Lee").await;
    assert_eq!(b.path().await, format!("/me/contacts/{}", id.0));
    let page = b.text().await;
    assert!(page.contains("new puppy named Rex"), "notes: {page}");
    assert!(
        page.contains("you got") && page.contains("intro to a designer"),
        "{page}"
    );
    screenshots(&b, &app).await;
    b.close().await;
}

/// Desktop and phone screenshots of the page for the README, written with
/// KITH_BLESS_DOCS=1 (the page is checked above either way).
async fn screenshots(b: &crate::browser::Browser, app: &crate::helpers::App) {
    if !std::env::var("KITH_BLESS_DOCS").is_ok_and(|v| v == "1") {
        return;
    }
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    b.open(&format!("{}/me", app.base)).await;
    for (name, width, height) in [("web-desktop.png", 1280, 1000), ("web-phone.png", 390, 844)] {
        b.client
            .set_window_size(width, height)
            .await
            .expect("a window size");
        b.open(&format!("{}/me", app.base)).await;
        let png = b.client.screenshot().await.expect("a screenshot");
        std::fs::write(docs.join(name), png).expect("written");
    }
}

#[tokio::test]
async fn pressing_done_moves_the_contact_off_the_due_list() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    b.open(&app.link("alice").await).await;
    b.click("button[aria-label='Done: Ann Lee']").await;
    assert_eq!(b.path().await, "/me");
    let flash = b.text_of(".flash").await;
    assert!(
        flash.starts_with("Done: logged a check-in with Ann Lee"),
        "{flash}"
    );
    let due = b.text_of("#due").await;
    assert!(!due.contains("Ann Lee"), "Ann moved off: {due}");
    assert!(
        due.contains("Bo Chen") && due.contains("1 person is due"),
        "{due}"
    );
    // The very check-in a reminder's Done logs.
    let latest = app.history("alice", "Ann Lee").await;
    assert_eq!(latest[0].kind, EntryKind::Touch);
    assert_eq!(latest[0].what, "checked in (from a reminder)");
    // The message is shown once.
    b.open(&format!("{}/me", app.base)).await;
    assert_eq!(b.count(".flash").await, 0);
    b.close().await;
}

#[tokio::test]
async fn search_finds_a_contact_by_company_or_name() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    b.open(&app.link("alice").await).await;
    let q = b
        .client
        .find(fantoccini::Locator::Id("q"))
        .await
        .expect("the search box");
    q.send_keys("acme").await.expect("typed");
    q.send_keys("\u{E007}").await.expect("enter");
    assert_eq!(b.path().await, "/me/search?q=acme");
    let found = b.text_of("main").await;
    assert!(
        found.contains("1 person found") && found.contains("Ann Lee"),
        "{found}"
    );
    assert!(!found.contains("Bo Chen"), "{found}");
    b.open(&format!("{}/me/search?q=cy", app.base)).await;
    assert!(b.text_of("main").await.contains("Cy Park"));
    b.open(&format!("{}/me/search?q=zebra", app.base)).await;
    assert!(
        b.text_of("#search-result")
            .await
            .contains("Nobody in your network matches")
    );
    b.close().await;
}

#[tokio::test]
async fn a_link_opens_the_page_once() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    let link = app.link("alice").await;
    b.open(&link).await;
    assert!(b.text_of("#due").await.contains("Ann Lee"));
    // Signed out (cookies gone), the same link again: refused.
    b.client
        .delete_all_cookies()
        .await
        .expect("cookies cleared");
    b.open(&link).await;
    assert_eq!(b.text_of("h1").await, "This link was already used");
    assert!(!b.text().await.contains("Ann Lee"));
    b.open(&format!("{}/me", app.base)).await;
    assert!(b.text().await.contains("open it with a link from Kith"));
    b.close().await;
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    let link = app.link("alice").await;
    app.clock.advance(Duration::minutes(15));
    b.open(&link).await;
    assert_eq!(b.text_of("h1").await, "This link has expired");
    assert!(b.text().await.contains("Type web in chat for a new one"));
    // A fresh one a minute old still works.
    let fresh = app.link("alice").await;
    app.clock.advance(Duration::minutes(14));
    b.open(&fresh).await;
    assert!(b.text_of("#due").await.contains("Ann Lee"));
    b.close().await;
}

#[tokio::test]
async fn another_members_session_cannot_see_or_change_this_members_data() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    app.say("bob", "add \"Dee Fox\" inner").await;
    let ann = app.contact_id("alice", "Ann Lee").await;
    let before = app.history("alice", "Ann Lee").await;
    // Bob signed in, with a valid form token of his own.
    b.open(&app.link("bob").await).await;
    assert!(!b.text().await.contains("Ann Lee"));
    let csrf = b.csrf().await;
    b.open(&format!("{}/me/contacts/{}", app.base, ann.0)).await;
    assert_eq!(b.text_of("h1").await, "Not found");
    assert!(!b.text().await.contains("Ann Lee"));
    for verb in ["done", "snooze", "skip"] {
        let path = format!("/me/contacts/{}/{verb}", ann.0);
        assert_eq!(
            b.post(&path, &[("csrf", &csrf)]).await,
            "Not found",
            "{verb}"
        );
    }
    for forged in ["0", "-1", "abc", "99999999999999999999"] {
        b.open(&format!("{}/me/contacts/{forged}", app.base)).await;
        assert_eq!(b.text_of("h1").await, "Not found", "{forged}");
    }
    b.open(&format!("{}/me/search?q=ann", app.base)).await;
    assert!(b.text_of("#search-result").await.contains("Nobody"));
    // Alice's ledger is as it was.
    assert_eq!(app.history("alice", "Ann Lee").await, before);
    let alice = app.kith.member(&actor("alice")).await.expect("alice");
    let contact = app.store.contact(alice.scope(), ann).await.expect("read");
    assert_eq!(contact.and_then(|c| c.snoozed_until), None);
    b.close().await;
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    let ann = app.contact_id("alice", "Ann Lee").await;
    let before = app.history("alice", "Ann Lee").await;
    b.open(&app.link("alice").await).await;
    let done = format!("/me/contacts/{}/done", ann.0);
    assert_eq!(b.post(&done, &[]).await, "Refused");
    assert_eq!(b.post(&done, &[("csrf", "0000")]).await, "Refused");
    assert_eq!(b.post("/me/logout", &[]).await, "Refused");
    assert_eq!(app.history("alice", "Ann Lee").await, before);
    // Still signed in: the refused logout ended nothing.
    b.open(&format!("{}/me", app.base)).await;
    assert!(b.text_of("#due").await.contains("Ann Lee"));
    // With the page's token, the same POST goes through.
    let csrf = b.csrf().await;
    assert_eq!(b.post(&done, &[("csrf", &csrf)]).await, "Who is due");
    assert_eq!(
        app.history("alice", "Ann Lee").await.len(),
        before.len() + 1
    );
    b.close().await;
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    b.open(&app.link("alice").await).await;
    b.click("#logout").await;
    assert_eq!(b.text_of("h1").await, "Signed out");
    b.open(&format!("{}/me", app.base)).await;
    assert!(b.text().await.contains("open it with a link from Kith"));
    b.close().await;
}

#[tokio::test]
async fn web_revoke_and_forget_me_end_every_session() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    b.open(&app.link("alice").await).await;
    let unused = app.link("alice").await;
    let said = app.say("alice", "web revoke").await;
    assert!(
        said.contains("1 session ended and 1 unused link voided"),
        "{said}"
    );
    b.open(&format!("{}/me", app.base)).await;
    assert!(b.text().await.contains("open it with a link from Kith"));
    b.open(&unused).await;
    assert_eq!(b.text_of("h1").await, "This link does not work");
    // web logout, then forget me: each ends the session a new link opened.
    b.open(&app.link("alice").await).await;
    assert!(
        app.say("alice", "web logout")
            .await
            .contains("Signed out of your web page in 1 browser")
    );
    b.open(&format!("{}/me", app.base)).await;
    assert!(b.text().await.contains("open it with a link from Kith"));
    b.open(&app.link("alice").await).await;
    app.say("alice", "forget me").await;
    app.kith.press(&actor("alice"), "forget:me").await;
    b.open(&format!("{}/me", app.base)).await;
    assert!(b.text().await.contains("open it with a link from Kith"));
    b.close().await;
}

#[tokio::test]
async fn goals_show_with_who_can_help_only_when_there_are_some() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.alice_with_a_network().await;
    b.open(&app.link("alice").await).await;
    assert_eq!(b.count("#goals").await, 0, "no goals, no section");

    for line in [
        "goal Move into design at \"ACME, Inc.\"",
        "goal \"Get better at pitching\" #sales",
    ] {
        let said = app.say("alice", line).await;
        assert!(said.starts_with("Added goal"), "{line}: {said}");
    }
    b.open(&format!("{}/me", app.base)).await;
    let goals = b.text_of("#goals").await;
    assert!(goals.contains("Your goals"), "{goals}");
    assert!(
        goals.contains("1. Move into design")
            && goals.contains("· at ACME, Inc.")
            && goals.contains("Can help: Ann Lee (due)"),
        "Ann is at Acme and due: {goals}"
    );
    assert!(
        goals.contains("2. Get better at pitching")
            && goals.contains("· #sales")
            && goals.contains("Nobody in your network matches it yet."),
        "{goals}"
    );
    assert!(!goals.contains("Bo Chen"), "{goals}");
    // Who can help opens their page.
    b.click("#goals a").await;
    let ann = app.contact_id("alice", "Ann Lee").await;
    assert_eq!(b.path().await, format!("/me/contacts/{}", ann.0));

    // Ended goals leave the page; with none left, so does the section.
    app.say("alice", "goal done 1").await;
    app.say("alice", "goal drop 1").await;
    b.open(&format!("{}/me", app.base)).await;
    assert_eq!(b.count("#goals").await, 0);
    b.close().await;
}

#[tokio::test]
async fn namesakes_are_told_apart_on_the_page() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    for line in [
        "add \"Kwame Egger\" at \"Stark Industries\"",
        "add \"Kwame Egger (Hooli)\"",
        "gave \"Kwame Egger (Hooli)\" a deck review",
        "got \"Kwame Egger (Stark Industries)\" an intro",
    ] {
        let out = app.say("alice", line).await;
        assert!(!out.contains("Which"), "{line}: {out}");
    }
    let link = app.link("alice").await;
    b.open(&link).await;
    let balance = b.text_of("#balance").await;
    assert!(
        balance.contains("Kwame Egger (Hooli)")
            && balance.contains("Kwame Egger (Stark Industries)"),
        "{balance}"
    );
    b.close().await;
}
