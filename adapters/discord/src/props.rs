//! Property tests: whatever arrives at the interactions endpoint, the
//! signature check and the decoding as the adapter does it (the body, then
//! a slash command's options into a core command, or a button's id) never panic;
//! rendering any reply fits Discord's limits; and what comes out grows at
//! most linearly with what went in.

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use kith_bot::reply::{Block, Button, Reply, Table};
use proptest::prelude::*;
use serde_json::{Value, json};
use serenity::model::application::Interaction;

use crate::http::{Decoded, decode};
use crate::interactions::invocation;
use crate::render::{self, ButtonId, MAX_CONTENT};
use crate::verify::{REPLAY_WINDOW_SECS, Rejected, Verifier};

const CASES: u32 = 2_000;

/// Text with what Discord markdown, mentions and Kith's ids care about
/// much more often than chance would give.
fn texty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => prop::sample::select(vec![
            "<", ">", "@", "<@", "<@1>", "<@200000000000000002|Mallory>", "@200000000000000002",
            "```", "`", "|", "\"", "\u{201C}", "#", " ", "\n", "é", "\u{0}", "with", "every",
            "at", "inner", "3 days ago", "off", "on",
        ])
        .prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..100).prop_map(|parts| parts.concat())
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// One option of a slash command as Discord sends it, and what it
/// resolves (a user, a channel).
#[derive(Debug, Clone)]
enum Opt {
    Text(String, String),
    Integer(String, i64),
    User(String, u64, String, Option<String>),
    Channel(String, u64, String),
}

fn option_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "user", "name", "what", "when", "tier", "every", "at", "tags", "tag", "text",
            "with", "why", "url", "query", "tz", "window", "digest", "dms", "resources",
            "intros", "pairing", "off", "first", "second", "command", "file",
        ])
        .prop_map(String::from),
        1 => texty(),
    ]
}

fn opt() -> impl Strategy<Value = Opt> {
    prop_oneof![
        3 => (option_name(), texty()).prop_map(|(n, v)| Opt::Text(n, v)),
        1 => (option_name(), any::<i64>()).prop_map(|(n, v)| Opt::Integer(n, v)),
        2 => (option_name(), 1..=u64::MAX, texty(), prop::option::of(texty()))
            .prop_map(|(n, id, name, nick)| Opt::User(n, id, name, nick)),
        1 => (option_name(), 1..=u64::MAX, texty()).prop_map(|(n, id, name)| Opt::Channel(n, id, name)),
    ]
}

fn slash(command: &str, sub: &str, opts: &[Opt]) -> Value {
    let (mut users, mut members, mut channels) = (
        serde_json::Map::new(),
        serde_json::Map::new(),
        serde_json::Map::new(),
    );
    let options: Vec<Value> = opts
        .iter()
        .map(|o| match o {
            Opt::Text(name, value) => json!({"name": name, "type": 3, "value": value}),
            Opt::Integer(name, value) => json!({"name": name, "type": 4, "value": value}),
            Opt::User(name, id, username, nick) => {
                users.insert(
                    id.to_string(),
                    json!({"id": id.to_string(), "username": username, "discriminator": "0",
                           "global_name": username, "avatar": null}),
                );
                members.insert(
                    id.to_string(),
                    json!({"nick": nick, "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00",
                           "flags": 0, "pending": false, "permissions": "0"}),
                );
                json!({"name": name, "type": 6, "value": id.to_string()})
            }
            Opt::Channel(name, id, channel) => {
                channels.insert(
                    id.to_string(),
                    json!({"id": id.to_string(), "name": channel, "type": 0, "permissions": "0", "flags": 0}),
                );
                json!({"name": name, "type": 7, "value": id.to_string()})
            }
        })
        .collect();
    json!({
        "id": "1", "application_id": "2", "type": 2,
        "data": {
            "id": "3", "name": command, "type": 1,
            "options": [{"name": sub, "type": 1, "options": options}],
            "resolved": {"users": users, "members": members, "channels": channels, "attachments": {}},
        },
        "guild_id": "4", "channel_id": "5", "channel": {"id": "5", "type": 0},
        "member": {"user": {"id": "6", "username": "alice", "discriminator": "0", "global_name": null, "avatar": null},
                   "nick": null, "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00",
                   "deaf": false, "mute": false, "flags": 0, "pending": false, "permissions": "0"},
        "token": "t", "version": 1, "app_permissions": "0", "locale": "en-US", "guild_locale": "en-US",
        "entitlements": [], "authorizing_integration_owners": {}, "context": 0,
        "attachment_size_limit": 10_485_760,
    })
}

fn press(custom_id: &str, content: &str) -> Value {
    json!({
        "id": "1", "application_id": "2", "type": 3,
        "data": {"custom_id": custom_id, "component_type": 2},
        "channel_id": "5", "channel": {"id": "5", "type": 1},
        "user": {"id": "6", "username": "alice", "discriminator": "0", "global_name": null, "avatar": null},
        "message": {"id": "7", "channel_id": "5",
                    "author": {"id": "8", "username": "kith", "discriminator": "0", "global_name": null, "avatar": null, "bot": true},
                    "content": content, "timestamp": "2026-11-22T10:00:00.000000+00:00", "edited_timestamp": null,
                    "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
                    "embeds": [], "pinned": false, "type": 0, "flags": 0,
                    "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Done", "custom_id": custom_id}]}]},
        "token": "t", "version": 1, "app_permissions": "0", "locale": "en-US",
        "entitlements": [], "authorizing_integration_owners": {}, "context": 1,
        "attachment_size_limit": 10_485_760,
    })
}

fn reply() -> impl Strategy<Value = Reply> {
    let block = prop_oneof![
        texty().prop_map(Block::Text),
        prop::collection::vec(prop::collection::vec(texty(), 2), 0..4).prop_map(|rows| {
            let mut table = Table::new(["Contact", "Note"]);
            for row in rows {
                table.row([row[0].clone(), row[1].clone()]);
            }
            Block::Table(table)
        }),
        (
            texty(),
            prop::collection::vec((texty(), texty(), any::<bool>()), 0..7)
        )
            .prop_map(|(id, buttons)| Block::Actions {
                id,
                buttons: buttons
                    .into_iter()
                    .map(|(label, action, primary)| Button {
                        label,
                        action,
                        primary
                    })
                    .collect(),
            }),
    ];
    (prop::collection::vec(block, 0..12), any::<bool>()).prop_map(|(blocks, is_error)| {
        let mut reply = Reply::empty();
        reply.blocks = blocks;
        reply.is_error = is_error;
        reply
    })
}

/// The checks every rendered message must pass.
fn fits(body: &Value) -> Result<(), TestCaseError> {
    let content = body["content"].as_str().unwrap_or_default();
    prop_assert!(content.chars().count() <= MAX_CONTENT);
    let rows = body["components"].as_array().cloned().unwrap_or_default();
    prop_assert!(rows.len() <= 5);
    for row in rows {
        let buttons = row["components"].as_array().cloned().unwrap_or_default();
        prop_assert!(buttons.len() <= 5);
        for button in buttons {
            prop_assert!(button["custom_id"].as_str().unwrap_or_default().len() <= 100);
            prop_assert!(button["label"].as_str().unwrap_or_default().chars().count() <= 80);
        }
    }
    prop_assert_eq!(&body["allowed_mentions"], &json!({"parse": []}));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn a_slash_command_decodes_into_a_command_or_a_reason(
        command in prop::sample::select(vec!["kith", "favour", "other"]),
        sub in prop_oneof![
            4 => prop::sample::select(vec![
                "add", "gave", "got", "touch", "note", "show", "due", "list", "snooze", "every",
                "tier", "remove", "intro", "share", "resources", "settings", "admin", "pairing",
                "help", "forget", "import", "export", "map", "balance", "intros", "reach",
            ]).prop_map(String::from),
            1 => texty(),
        ],
        opts in prop::collection::vec(opt(), 0..6),
    ) {
        let body = slash(command, &sub, &opts).to_string();
        let Ok(Decoded::Interaction(interaction)) = decode(body.as_bytes()) else {
            return Err(TestCaseError::fail(format!("a well-formed command is read: {body}")));
        };
        let Interaction::Command(interaction) = *interaction else {
            return Err(TestCaseError::fail("a command"));
        };
        if let Ok(found) = invocation(&interaction) {
            // Names travel apart from the command, for resolved users only.
            for (id, _) in &found.resolved_names {
                let picked = opts.iter().any(|o| matches!(o, Opt::User(_, uid, _, _) if uid.to_string() == *id));
                prop_assert!(picked, "{id}");
            }
        }
    }

    #[test]
    fn any_body_is_decoded_or_refused(
        noise in prop::collection::vec(any::<u8>(), 0..300),
        custom_id in texty(),
        content in texty(),
    ) {
        let _ = decode(&noise);
        let body = press(&custom_id, &content).to_string();
        if let Ok(Decoded::Interaction(interaction)) = decode(body.as_bytes())
            && let Interaction::Component(component) = *interaction
            && let Some(button) = ButtonId::parse(&component.data.custom_id)
        {
            prop_assert!(button.encode().len() <= 100);
        }
    }

    #[test]
    fn the_signature_check_never_panics(
        signature in prop_oneof![texty(), "[0-9a-f]{128}"],
        timestamp in prop_oneof![any::<i64>().prop_map(|t| t.to_string()), texty()],
        body in prop::collection::vec(any::<u8>(), 0..300),
        now in any::<i64>(),
        present in any::<(bool, bool)>(),
    ) {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let verifier = Verifier::new(&hex::encode(key.verifying_key().as_bytes()))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let result = verifier.verify(
            present.0.then_some(signature.as_str()),
            present.1.then_some(timestamp.as_str()),
            &body,
            at(now),
        );
        prop_assert!(result.is_err());
    }
}

proptest! {
    // Fewer cases: an Ed25519 signature is made and checked in each, which
    // is slow in a debug build.
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_signed_request_verifies_only_in_the_window(
        body in prop::collection::vec(any::<u8>(), 0..300),
        now in -8_000_000_000i64..8_000_000_000,
        skew in -1_000i64..1_000,
        extreme in prop::sample::select(vec![None, Some(i64::MIN), Some(i64::MAX)]),
    ) {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let verifier = Verifier::new(&hex::encode(key.verifying_key().as_bytes()))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ts = extreme.unwrap_or(now + skew).to_string();
        let signature = hex::encode(key.sign(&[ts.as_bytes(), &body].concat()).to_bytes());
        let result = verifier.verify(Some(&signature), Some(&ts), &body, at(now));
        if extreme.is_none() && skew.abs() <= REPLAY_WINDOW_SECS {
            prop_assert_eq!(result, Ok(()));
        } else {
            prop_assert_eq!(result, Err(Rejected::Stale));
        }
    }
}

proptest! {
    // Fewer cases: a whole message is rendered in each.
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn rendering_any_reply_fits_discords_limits(reply in reply(), workspace in "[0-9]{1,20}", content in texty()) {
        let body = render::message(&reply, &workspace, true);
        fits(&body)?;
        let rows = body["components"].as_array().cloned().unwrap_or_default();
        let first = rows.first().and_then(|r| r["components"][0]["custom_id"].as_str()).and_then(ButtonId::parse);
        let settled = render::settled(&content, &rows, first.as_ref().map(|b| b.block.as_str()), &reply);
        fits(&settled)?;
    }
}

proptest! {
    // Fewer cases: each input is 50,000 characters or more.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn long_texts_render_in_linear_size(seed in texty().prop_filter("not empty", |s| !s.is_empty())) {
        let text = seed.repeat(50_000 / seed.chars().count() + 1);
        let body = render::message(&Reply::text(text.clone()), "1", false);
        fits(&body)?;
        let settled = render::settled(&text, &[], None, &Reply::text(text.clone()));
        fits(&settled)?;
    }
}
