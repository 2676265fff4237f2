//! Property tests: whatever Slack (or anyone with the signing secret)
//! sends, the payload decoders, the signature check, text normalisation
//! and rendering never panic, and what they produce grows at most linearly
//! with what they were given. Inputs long enough that quadratic work would
//! take minutes (repeated short texts of 50,000 characters) are among them.

use chrono::{DateTime, TimeZone, Utc};
use kith_bot::domain::Secret;
use kith_bot::reply::{Block, Button, Reply, Table};
use proptest::prelude::*;
use serde_json::json;
use slack_morphism::prelude::*;

use crate::app::{MAX_LINE_CHARS, command_line, import_request, unlinked_channel};
use crate::http::{CommandBody, decode_action, decode_command, decode_event};
use crate::{blocks, signature, text};

const CASES: u32 = 2_000;

/// Text as members type it and Slack escapes it: any characters, with the
/// ones Slack's escaping and mrkdwn care about much more often.
fn slacky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => prop::sample::select(vec![
            "<", ">", "&lt;", "&gt;", "&amp;", "&", "<@U1>", "<@U1|bob>", "<@W2|Mallory x>",
            "<#C1|general>", "<#C2>", "<!here>", "<!subteam^S1|@team>", "<https://x.org/a?b=1&amp;c|x>",
            "<mailto:a@b.c|a@b.c>", "@", "#", "|", "!", "U1", "\n", " ", "```", "*", "é", "\u{0}",
            "gave", "got", "admin", "pairing", "import",
        ])
        .prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..120).prop_map(|parts| parts.concat())
}

/// A short text repeated to 50,000 characters or more.
fn long() -> impl Strategy<Value = String> {
    slacky()
        .prop_filter("not empty", |s| !s.is_empty())
        .prop_map(|seed| {
            let n = 50_000 / seed.chars().count() + 1;
            seed.repeat(n)
        })
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn reply() -> impl Strategy<Value = Reply> {
    let block = prop_oneof![
        slacky().prop_map(Block::Text),
        prop::collection::vec(prop::collection::vec(slacky(), 2), 0..4).prop_map(|rows| {
            let mut table = Table::new(["Contact", "Note"]);
            for row in rows {
                table.row([row[0].clone(), row[1].clone()]);
            }
            Block::Table(table)
        }),
        (
            slacky(),
            prop::collection::vec((slacky(), slacky(), any::<bool>()), 0..6)
        )
            .prop_map(|(id, buttons)| Block::Actions {
                id,
                buttons: buttons
                    .into_iter()
                    .map(|(label, action, primary)| Button {
                        label,
                        action,
                        primary,
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

/// Every section's text in a rendered message.
fn section_texts(content: &SlackMessageContent) -> Vec<String> {
    let json = serde_json::to_value(content).unwrap_or_default();
    json["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["text"]["text"].as_str().map(str::to_string))
        .collect()
}

fn form(fields: &[(&str, String)]) -> String {
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn normalising_never_panics_and_never_grows_the_text(raw in slacky()) {
        for normalised in [text::normalise(&raw), text::normalise_keeping_channels(&raw)] {
            prop_assert!(normalised.len() <= raw.len(), "{raw:?} -> {normalised:?}");
            prop_assert!(text::user_mentions(&normalised, 4).len() <= 4);
        }
    }

    #[test]
    fn a_command_is_a_bounded_line_or_a_reason(command in prop::sample::select(vec!["/kith", "/favour", "/favor", "/other"]), raw in slacky()) {
        match command_line(command, &raw) {
            Ok((line, _)) => {
                prop_assert!(line.chars().count() <= MAX_LINE_CHARS);
                prop_assert!(line.len() <= raw.len() + 8);
                let _ = unlinked_channel(&line);
            }
            Err(reply) => prop_assert!(reply.is_error),
        }
    }

    #[test]
    fn a_slash_command_body_decodes_or_is_refused(
        fields in prop::collection::vec((prop::sample::select(vec![
            "team_id", "user_id", "user_name", "command", "text", "response_url",
            "channel_id", "trigger_id", "api_app_id", "ssl_check", "token", "x",
        ]), slacky()), 0..14),
        noise in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let fields: Vec<(&str, String)> = fields.into_iter().collect();
        for body in [form(&fields).into_bytes(), noise] {
            if let Ok(CommandBody::Run { event, .. }) = decode_command(&body) {
                let raw = event.text.as_deref().unwrap_or_default();
                let _ = command_line(&event.command.0, raw);
            }
        }
    }

    #[test]
    fn an_interaction_body_decodes_or_is_refused(
        team in slacky(), user in slacky(), value in slacky(), block in slacky(),
        kind in prop::sample::select(vec!["block_actions", "shortcut", "view_submission", ""]),
        noise in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let payload = json!({
            "type": kind,
            "team": {"id": team, "domain": "acme"},
            "user": {"id": user, "username": "u", "name": "u", "team_id": team},
            "api_app_id": "A1", "token": "t", "trigger_id": "1.2.3",
            "container": {"type": "message", "message_ts": "1.2", "channel_id": "D1", "is_ephemeral": false},
            "channel": {"id": "D1", "name": "directmessage"},
            "message": {"type": "message", "ts": "1.2", "text": value,
                        "blocks": [{"type": "section", "block_id": block, "text": {"type": "mrkdwn", "text": value}}]},
            "response_url": "https://hooks.example/1",
            "actions": [{"type": "button", "action_id": value, "block_id": block,
                         "text": {"type": "plain_text", "text": "a"}, "value": value, "action_ts": "1.2"}],
        });
        for body in [form(&[("payload", payload.to_string())]).into_bytes(), noise] {
            if let Ok(crate::http::Interaction::Press(event)) = decode_action(&body) {
                // What the adapter reads of a press before anything else.
                prop_assert!(matches!(*event, SlackInteractionEvent::BlockActions(_)));
            }
        }
    }

    #[test]
    fn an_event_body_decodes_or_is_refused(
        words in slacky(), user in slacky(), size in any::<i64>(),
        kind in prop::sample::select(vec!["message", "app_uninstalled", "tokens_revoked", "x"]),
        channel_type in prop::sample::select(vec!["im", "channel", ""]),
        noise in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let body = json!({
            "token": "t", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": "Ev1", "event_time": 1,
            "event": {"type": kind, "channel_type": channel_type, "channel": "D1", "user": user,
                      "text": words, "ts": "1.2", "subtype": "file_share",
                      "tokens": {"bot": [user]},
                      "files": [{"id": "F1", "name": words, "mimetype": words, "size": size,
                                 "url_private_download": words}]},
        });
        for body in [body.to_string().into_bytes(), noise] {
            if let Ok((_, Some(raw))) = decode_event(&body) {
                let _ = import_request(&raw);
            }
        }
    }

    #[test]
    fn the_signature_check_never_panics(
        timestamp in prop_oneof![any::<i64>().prop_map(|t| t.to_string()), slacky()],
        signature_header in prop_oneof![slacky(), "v0=[0-9a-f]{0,70}"],
        body in prop::collection::vec(any::<u8>(), 0..300),
        now in any::<i64>(),
        present in any::<(bool, bool)>(),
    ) {
        let secret = Secret::new("test-signing-secret");
        let result = signature::verify(
            &secret,
            present.0.then_some(timestamp.as_str()),
            present.1.then_some(signature_header.as_str()),
            &body,
            at(now),
        );
        prop_assert!(result.is_err() || (present.0 && present.1));
    }

    #[test]
    fn a_signature_made_with_the_secret_verifies_only_in_the_window(
        body in prop::collection::vec(any::<u8>(), 0..300),
        now in -8_000_000_000i64..8_000_000_000,
        skew in -1_000i64..1_000,
    ) {
        let secret = Secret::new("test-signing-secret");
        let ts = (now + skew).to_string();
        let signed = signature::sign(&secret, &ts, &body);
        let result = signature::verify(&secret, Some(&ts), Some(&signed), &body, at(now));
        if skew.abs() <= signature::MAX_SKEW_SECS {
            prop_assert_eq!(result, Ok(()));
        } else {
            prop_assert_eq!(result, Err(signature::SignatureError::Stale));
        }
    }

    #[test]
    fn mrkdwn_is_at_most_five_times_its_input(raw in slacky()) {
        let shown = blocks::mrkdwn(&raw);
        prop_assert!(shown.len() <= 5 * raw.len());
        prop_assert!(blocks::escape(&raw).len() <= 5 * raw.len());
    }
}

proptest! {
    // Fewer cases: a whole message is rendered and serialised in each.
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn rendering_never_panics_and_fits_slacks_limits(reply in reply()) {
        let content = blocks::render(&reply);
        let count = content.blocks.as_ref().map_or(0, Vec::len);
        prop_assert!(count <= 50);
        for text in section_texts(&content) {
            prop_assert!(text.chars().count() <= 3_000, "{} characters", text.chars().count());
        }
        let fallback = content.text.unwrap_or_default();
        prop_assert!(fallback.chars().count() <= 5 * 3_000);
    }
}

proptest! {
    // Fewer cases: each input is 50,000 characters or more.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn long_texts_are_read_and_rendered_in_linear_size(raw in long()) {
        prop_assert!(text::normalise(&raw).len() <= raw.len());
        prop_assert!(text::normalise_keeping_channels(&raw).len() <= raw.len());
        prop_assert!(text::user_mentions(&raw, 4).len() <= 4);
        prop_assert!(blocks::mrkdwn(&raw).len() <= 5 * raw.len());
        match command_line("/kith", &raw) {
            Ok((line, _)) => prop_assert!(line.chars().count() <= MAX_LINE_CHARS),
            Err(reply) => prop_assert!(reply.is_error),
        }
        let content = blocks::render(&Reply::text(raw.clone()));
        prop_assert!(content.blocks.map_or(0, |b| b.len()) <= 50);
    }
}
