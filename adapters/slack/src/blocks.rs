//! Core replies rendered as Block Kit: paragraphs as `section` blocks with
//! mrkdwn, tables as a monospace code block, actions as an `actions` block
//! whose `block_id` is the core's id and whose buttons carry the core's
//! encoded action in both `action_id` and `value`.

use kith_bot::reply::{Block, Reply, Table};
use slack_morphism::prelude::*;

/// Slack's limit on a section's text.
const SECTION_LIMIT: usize = 3000;
/// Slack's limit on blocks in one message.
const BLOCK_LIMIT: usize = 50;
/// Slack's limit on a message's fallback text we keep to (it allows 40k).
const TEXT_LIMIT: usize = 3000;

/// Escapes the three characters Slack's mrkdwn treats as control characters.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Text as mrkdwn: escaped, except the member and channel mentions the
/// core writes (`<@U123>`, `<#C123>`, also with a `|label`), which Slack
/// renders as names. Special mentions (`<!here>`) and links stay escaped:
/// nothing a member typed can make Kith ping a channel.
///
/// One pass: a mention cannot contain `<`, so the look for its end stops
/// at the next `<` at the latest and no character is read more than twice.
pub fn mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        escape_into(&mut out, &rest[..at]);
        let after = &rest[at + 1..];
        match mention_len(after) {
            Some(len) => {
                out.push('<');
                out.push_str(&after[..len]);
                out.push('>');
                rest = &after[len + 1..];
            }
            None => {
                out.push_str("&lt;");
                rest = after;
            }
        }
    }
    escape_into(&mut out, rest);
    out
}

/// The length of a mention's inside at the start of `text` when a `>`
/// closes it: `@U123`, `#C123`, `@U123|bob` (an id of capitals and
/// digits after `@` or `#`, and an optional plain label).
fn mention_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix('@').or_else(|| text.strip_prefix('#'))?;
    let id_len = body
        .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
        .unwrap_or(body.len());
    if id_len == 0 {
        return None;
    }
    let after_id = &body[id_len..];
    let end = match after_id.strip_prefix('|') {
        Some(label) => {
            let label_len = label
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ' ')))
                .unwrap_or(label.len());
            id_len + 1 + label_len
        }
        None => id_len,
    };
    body[end..].starts_with('>').then_some(1 + end)
}

/// A reply as a Slack message: blocks plus the plain-text fallback Slack
/// shows in notifications. A message too long for Slack ends pointing to
/// `/kith due` (a reminder's list).
pub fn render(reply: &Reply) -> SlackMessageContent {
    render_answer(reply, "/kith due")
}

/// A reply to a command the member typed (`typed`, e.g. `/kith list`): a
/// message too long for Slack ends pointing back to that command.
pub fn render_answer(reply: &Reply, typed: &str) -> SlackMessageContent {
    let mut blocks: Vec<SlackBlock> = Vec::new();
    for (i, block) in reply.blocks.iter().enumerate() {
        match block {
            Block::Text(text) => {
                let text = if reply.is_error && i == 0 {
                    format!(":warning: {}", mrkdwn(text))
                } else {
                    mrkdwn(text)
                };
                for chunk in chunks(&text, SECTION_LIMIT) {
                    blocks.push(section(chunk));
                }
            }
            Block::Table(table) => {
                for chunk in table_chunks(table) {
                    blocks.push(section(format!("```\n{chunk}\n```")));
                }
            }
            Block::File(file) => {
                // The adapter uploads files before rendering (see
                // `SlackApp::send_files`); a file still here could not be sent.
                blocks.push(section(format!(
                    "I made `{}` for you, but could not send it on Slack just now. Please try again in a moment, or ask whoever runs Kith for it (`kith export` on the command line).",
                    escape(&file.name)
                )));
            }
            Block::Actions { id, buttons } => {
                let elements = buttons
                    .iter()
                    .map(|b| {
                        let button = SlackBlockButtonElement::new(pt!(b.label.clone()))
                            .with_action_id(SlackActionId(b.action.clone()))
                            .with_value(b.action.clone());
                        let button = if b.primary {
                            button.with_style(SlackBlockButtonStyle::Primary)
                        } else {
                            button
                        };
                        SlackActionBlockElement::Button(button)
                    })
                    .collect();
                blocks.push(SlackBlock::Actions(
                    SlackActionsBlock::new(elements).with_block_id(SlackBlockId(id.clone())),
                ));
            }
        }
    }
    if blocks.len() > BLOCK_LIMIT {
        blocks.truncate(BLOCK_LIMIT - 1);
        blocks.push(section(format!(
            "…and more than fits in one Slack message: the rest of `{}` is left out.",
            typed.replace('`', "'")
        )));
    }
    SlackMessageContent::new()
        .with_text(fallback(reply))
        .with_blocks(blocks)
}

/// The reply as text for notifications and screen readers. Slack reads
/// it as mrkdwn too, so it is escaped like the blocks.
pub fn fallback(reply: &Reply) -> String {
    let text = reply.plain_text();
    mrkdwn(&truncate(&text, TEXT_LIMIT))
}

/// Replaces the actions block `block_id` in a message's blocks with the
/// outcome of pressing one of its buttons; returns whether it was there.
pub fn settle(blocks: &mut [SlackBlock], block_id: &str, outcome: &str) -> bool {
    for block in blocks.iter_mut() {
        if let SlackBlock::Actions(actions) = block
            && actions.block_id.as_ref().map(|id| id.0.as_str()) == Some(block_id)
        {
            *block = SlackBlock::Section(
                SlackSectionBlock::new()
                    .with_block_id(SlackBlockId(block_id.to_string()))
                    .with_text(md!(format!("_{}_", mrkdwn(outcome)))),
            );
            return true;
        }
    }
    false
}

fn section(text: String) -> SlackBlock {
    SlackBlock::Section(SlackSectionBlock::new().with_text(md!(text)))
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit - 1).collect();
    out.push('…');
    out
}

/// Splits text into pieces of at most `limit` characters, at line breaks
/// where possible. Each character is counted once.
fn chunks(text: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in text.split('\n') {
        let line_len = line.chars().count();
        if current_len > 0 && current_len + 1 + line_len > limit {
            out.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if line_len > limit {
            let chars: Vec<char> = line.chars().collect();
            for piece in chars.chunks(limit) {
                out.push(piece.iter().collect());
            }
            continue;
        }
        if !current.is_empty() {
            current.push('\n');
            current_len += 1;
        }
        current.push_str(line);
        current_len += line_len;
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

/// A table as aligned text, escaped, split into code blocks that fit a
/// section (leaving room for the fences). Escaped before it is split, so
/// `&` (five characters escaped) cannot push a piece past the limit.
fn table_chunks(table: &Table) -> Vec<String> {
    chunks(&escape(&table.plain_text()), SECTION_LIMIT - 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kith_bot::reply::Button;
    use serde_json::json;

    fn reminder() -> Reply {
        let mut reply = Reply::text("Time to check in: 1 person is due");
        reply.push_text("Alice Chen · inner · last contact 19 days ago");
        reply.blocks.push(Block::Actions {
            id: "contact:7".into(),
            buttons: vec![
                Button {
                    label: "Done".into(),
                    action: "done:7".into(),
                    primary: true,
                },
                Button {
                    label: "Snooze 1 week".into(),
                    action: "snooze:7".into(),
                    primary: false,
                },
            ],
        });
        reply
    }

    #[test]
    fn actions_become_buttons_carrying_the_core_action() {
        let content = render(&reminder());
        let json = serde_json::to_value(&content).expect("serialises");
        assert_eq!(
            json["blocks"][2],
            json!({
                "type": "actions",
                "block_id": "contact:7",
                "elements": [
                    {"type": "button", "action_id": "done:7", "value": "done:7",
                     "text": {"type": "plain_text", "text": "Done"}, "style": "primary"},
                    {"type": "button", "action_id": "snooze:7", "value": "snooze:7",
                     "text": {"type": "plain_text", "text": "Snooze 1 week"}},
                ]
            })
        );
        assert_eq!(
            json["blocks"][0]["text"],
            json!({"type": "mrkdwn", "text": "Time to check in: 1 person is due"})
        );
        assert!(
            json["text"]
                .as_str()
                .is_some_and(|t| t.contains("[Done]  [Snooze 1 week]"))
        );
    }

    #[test]
    fn tables_render_as_aligned_monospace_text() {
        let mut table = Table::new(["Contact", "Balance"]);
        table.row(["@alice".into(), "+1".into()]);
        let mut reply = Reply::empty();
        reply.push_table(table);
        let json = serde_json::to_value(render(&reply)).expect("serialises");
        assert_eq!(
            json["blocks"][0]["text"]["text"],
            "```\nContact  Balance\n@alice   +1\n```"
        );
    }

    #[test]
    fn control_characters_are_escaped_and_errors_are_marked() {
        let json = serde_json::to_value(render(&Reply::error("Type <what> & more"))).expect("ok");
        assert_eq!(
            json["blocks"][0]["text"]["text"],
            ":warning: Type &lt;what&gt; &amp; more"
        );
    }

    #[test]
    fn member_and_channel_mentions_render_but_nothing_else_does() {
        let reply = Reply::text(
            "<@U1> would like to introduce you to <@U2|bob> in <#C0COFFEE>: \
             \u{201c}<!channel> & <https://x.org|x>\u{201d}",
        );
        let json = serde_json::to_value(render(&reply)).expect("ok");
        let expected = "<@U1> would like to introduce you to <@U2|bob> in <#C0COFFEE>: \
             \u{201c}&lt;!channel&gt; &amp; &lt;https://x.org|x&gt;\u{201d}";
        assert_eq!(json["blocks"][0]["text"]["text"], expected);
        assert_eq!(json["text"], expected);
        assert_eq!(
            mrkdwn("a < b > c <@u1> <@>"),
            "a &lt; b &gt; c &lt;@u1&gt; &lt;@&gt;"
        );
    }

    #[test]
    fn long_text_is_split_to_fit_slacks_section_limit() {
        let long = "word ".repeat(1000);
        let content = render(&Reply::text(long.clone()));
        let blocks = content.blocks.expect("blocks");
        assert_eq!(blocks.len(), 2);
        let json = serde_json::to_value(&blocks).expect("ok");
        let joined: String = json
            .as_array()
            .expect("array")
            .iter()
            .map(|b| b["text"]["text"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(joined, long);
    }

    #[test]
    fn settling_replaces_only_the_pressed_block() {
        let mut blocks = render(&reminder()).blocks.expect("blocks");
        assert!(settle(&mut blocks, "contact:7", "Done: logged a check-in."));
        assert!(!settle(&mut blocks, "contact:7", "again"));
        let json = serde_json::to_value(&blocks).expect("ok");
        assert_eq!(
            json[2],
            json!({"type": "section", "block_id": "contact:7",
                   "text": {"type": "mrkdwn", "text": "_Done: logged a check-in._"}})
        );
        assert_eq!(json[0]["type"], "section");
    }

    #[test]
    fn two_hundred_thousand_brackets_render_in_one_pass() {
        // Quadratic, each of these takes minutes in a debug build.
        let lt = "<".repeat(200_000);
        assert_eq!(mrkdwn(&lt), "&lt;".repeat(200_000));
        let mentions = "<@".repeat(50_000);
        assert_eq!(mrkdwn(&mentions), "&lt;@".repeat(50_000));
        let amp = "&lt;".repeat(50_000);
        assert_eq!(mrkdwn(&amp), "&amp;lt;".repeat(50_000));
        let labels = format!("<@U1|{}", "a".repeat(200_000));
        assert!(mrkdwn(&labels).starts_with("&lt;@U1|aaa"));
        let lines = "x\n".repeat(200_000);
        let json = serde_json::to_value(render(&Reply::text(lines))).expect("ok");
        assert_eq!(json["blocks"].as_array().map(Vec::len), Some(BLOCK_LIMIT));
        let content = render(&Reply::text(lt));
        assert_eq!(content.blocks.map(|b| b.len()), Some(BLOCK_LIMIT));
    }

    #[test]
    fn a_table_of_ampersands_still_fits_each_section() {
        // Escaped, `&` is five characters: split after escaping, not before.
        let mut table = Table::new(["Contact", "Note"]);
        for _ in 0..20 {
            table.row(["&".repeat(200), "<>".repeat(100)]);
        }
        let mut reply = Reply::empty();
        reply.push_table(table);
        let json = serde_json::to_value(render(&reply)).expect("ok");
        let sections = json["blocks"].as_array().expect("blocks");
        assert!(sections.len() > 1);
        for section in sections {
            let text = section["text"]["text"].as_str().expect("text");
            assert!(text.chars().count() <= SECTION_LIMIT, "{}", text.len());
            assert!(text.starts_with("```\n") && text.ends_with("\n```"));
        }
    }

    #[test]
    fn mentions_need_an_id_and_a_closing_bracket() {
        for (given, shown) in [
            ("<@U1>", "<@U1>"),
            ("<#C1|coffee-chat>", "<#C1|coffee-chat>"),
            ("<@U1|>", "<@U1|>"),
            ("<@U1", "&lt;@U1"),
            ("<@U1|a&b>", "&lt;@U1|a&amp;b&gt;"),
            ("<<@U1>>", "&lt;<@U1>&gt;"),
            ("<@U1|a<@U2>", "&lt;@U1|a<@U2>"),
            ("<!here>", "&lt;!here&gt;"),
            ("é<@U1>é", "é<@U1>é"),
        ] {
            assert_eq!(mrkdwn(given), shown, "{given}");
        }
    }

    #[test]
    fn a_message_never_exceeds_fifty_blocks() {
        let mut reply = Reply::empty();
        for i in 0..80 {
            reply.push_text(format!("line {i}"));
        }
        assert_eq!(render(&reply).blocks.expect("blocks").len(), BLOCK_LIMIT);
    }

    #[test]
    fn the_overflow_note_names_the_command_that_was_typed() {
        let mut reply = Reply::empty();
        for i in 0..80 {
            reply.push_text(format!("line {i}"));
        }
        let json = serde_json::to_value(render_answer(&reply, "/kith list")).expect("json");
        let last = json["blocks"][BLOCK_LIMIT - 1].to_string();
        assert!(last.contains("/kith list"), "{last}");
        assert!(!last.contains("/kith due"), "{last}");
    }
}
