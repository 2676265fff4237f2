//! Property tests over the whole core on a real SQLite file: any line a
//! member types is answered (never a panic), and a refused one leaves
//! every table exactly as it was.

use kith_bot::Actor;
use kith_bot::domain::Platform;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::helpers::App;

/// Words from the grammar and from an attacker's toolbox.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            kith_bot::commands::COMMANDS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
        )
        .prop_map(str::to_string),
        proptest::sample::select(vec![
            "@alice",
            "@me",
            "@bob",
            "<@alice|Mallory>",
            "<@zed|=HYPERLINK(1)>",
            "<@!1>",
            "\"Jane Doe\"",
            "\"",
            "#tag",
            "#",
            "every",
            "3w",
            "0d",
            "99999999999d",
            "on",
            "2026-11-02",
            "-0001-01-01",
            "+262142-12-31",
            "ago",
            "a",
            "3",
            "days",
            "yesterday",
            "inner",
            "wider",
            "at",
            "\"Acme\"",
            "with",
            "https://example.com/x",
            "http://127.0.0.1/",
            "http://[::ffff:10.0.0.1]/",
            "me",
            "confirm",
            "tz",
            "Mars/Olympus",
            "window",
            "25:00-26:00",
            "digest",
            "\"* * * * * *\"",
            "dms",
            "off",
            "join",
            "pause",
            "leave",
            "#coffee",
            "followup",
            "resources",
            "pairing",
            "snooze",
            "forget",
        ])
        .prop_map(str::to_string),
        "[a-z<>@#\"|:/ -]{1,12}",
        any::<String>(),
    ]
}

#[test]
fn every_refused_line_leaves_every_table_as_it_was() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut app = rt.block_on(App::spawn());
    rt.block_on(app.given(&[
        ":as alice",
        "help",
        ":as me",
        "add @alice inner #mentor",
        "note @alice likes jazz",
        "add \"Jane Doe\" at \"Acme\"",
    ]));
    // `me` is not an admin here, so admin lines are refusals too.
    let actor = Actor::new(Platform::Console, "console", "me", "me");
    let mut runner = TestRunner::new(Config {
        cases: 2_000,
        failure_persistence: None,
        ..Config::default()
    });
    let refused = std::cell::Cell::new(0u32);
    runner
        .run(&proptest::collection::vec(word(), 0..8), |words| {
            let line = words.join(" ");
            rt.block_on(async {
                let before = app.everything().await;
                let reply = app.kith.handle(&actor, &line).await;
                prop_assert!(!reply.blocks.is_empty(), "no answer to {line:?}");
                if reply.is_error {
                    refused.set(refused.get() + 1);
                    prop_assert_eq!(
                        app.everything().await,
                        before,
                        "refused {:?} but wrote: {}",
                        line,
                        reply.plain_text()
                    );
                }
                Ok(())
            })
        })
        .expect("every refused line changes nothing");
    // Most generated lines are mistakes: the property was exercised.
    let refused = refused.get();
    assert!(refused > 500, "only {refused} lines were refused");
}
