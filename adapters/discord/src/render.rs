//! Core replies as Discord messages: text as markdown, tables as code
//! blocks, each actions block as an action row of buttons.
//!
//! A button's `custom_id` is `{workspace}|{block id}|{action}`: the action
//! goes back to `Kith::press`, the block id finds the row to replace once it
//! was pressed, and the workspace (guild id) says whose ledger a press in a
//! DM belongs to, since a DM carries no guild.

use kith_bot::reply::{Block, File, Reply};
use serde_json::{Value, json};

/// Discord's limit on a message's content.
pub const MAX_CONTENT: usize = 2000;
/// Discord's limits on action rows per message and buttons per row.
const MAX_ROWS: usize = 5;
const MAX_BUTTONS: usize = 5;
const MAX_LABEL: usize = 80;
const MAX_CUSTOM_ID: usize = 100;

/// The message flag that makes a reply visible only to its member.
pub const EPHEMERAL: u64 = 1 << 6;

/// What a button carries back when pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonId {
    pub workspace: String,
    pub block: String,
    pub action: String,
}

impl ButtonId {
    pub fn encode(&self) -> String {
        format!("{}|{}|{}", self.workspace, self.block, self.action)
    }

    /// Reads a `custom_id`; `None` for one that is not ours.
    pub fn parse(custom_id: &str) -> Option<ButtonId> {
        if custom_id.len() > MAX_CUSTOM_ID {
            // Discord's own limit: no button of ours is longer.
            return None;
        }
        let mut parts = custom_id.splitn(3, '|');
        let (workspace, block, action) = (parts.next()?, parts.next()?, parts.next()?);
        if workspace.is_empty() || block.is_empty() || action.is_empty() {
            return None;
        }
        Some(ButtonId {
            workspace: workspace.into(),
            block: block.into(),
            action: action.into(),
        })
    }
}

/// `text` cut to `max` characters (with an ellipsis when cut).
pub fn fitted(text: &str, max: usize) -> String {
    truncate(text, max)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// The message content of a reply: paragraphs, and tables in code blocks.
/// Problems are marked so they stand out.
pub fn content(reply: &Reply) -> String {
    let mut parts = Vec::new();
    for block in &reply.blocks {
        match block {
            Block::Text(text) => parts.push(mentions(text)),
            Block::Table(table) => parts.push(format!(
                "```\n{}\n```",
                table.plain_text().replace("```", "'''")
            )),
            Block::Actions { .. } | Block::File(_) => {}
        }
    }
    let text = parts.join("\n\n");
    let text = if reply.is_error {
        format!("⚠️ {text}")
    } else {
        text
    };
    fit(&text)
}

/// `@1234...` (a member the core knows only by their Discord id) as a
/// Discord mention, which shows their name (and, with `allowed_mentions`
/// empty, pings nobody).
fn mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let digits = after[1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len() - 1);
        let preceded = out.ends_with('<');
        if (15..=21).contains(&digits) && !preceded {
            out.push_str(&format!("<@{}>", &after[1..=digits]));
        } else {
            out.push_str(&after[..=digits]);
        }
        rest = &after[digits + 1..];
    }
    out.push_str(rest);
    out
}

/// A reply whose content is longer than one Discord message holds, made
/// into one that fits and says so, with the whole of it as a text file to
/// attach: nothing is ever cut. `None` when the reply fits as it is.
pub fn whole(reply: &Reply, command: &str) -> Option<(Reply, File)> {
    let full = unfitted(reply);
    let length = full.chars().count();
    if length <= MAX_CONTENT {
        return None;
    }
    let name = format!(
        "kith-{}.txt",
        command
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(32)
            .collect::<String>()
    );
    let text: String = reply
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Text(t) => Some(t.clone()),
            Block::Table(table) => Some(table.plain_text()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let lines = text.lines().count();
    let first = reply
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Text(t) => t.lines().next().map(str::to_string),
            _ => None,
        })
        .unwrap_or_default();
    let mut short = Reply::text(truncate(&first, 300));
    short.push_text(format!(
        "The whole answer ({lines} lines, {length} characters) is more than one Discord message holds, so it is attached as {name}."
    ));
    short.is_error = reply.is_error;
    short.visibility = reply.visibility;
    for block in &reply.blocks {
        if matches!(block, Block::Actions { .. } | Block::File(_)) {
            short.blocks.push(block.clone());
        }
    }
    let file = File {
        name,
        mime: "text/plain; charset=utf-8".into(),
        bytes: text.into_bytes(),
    };
    Some((short, file))
}

/// The content of a reply, before it is fitted to one message.
fn unfitted(reply: &Reply) -> String {
    let mut parts = Vec::new();
    for block in &reply.blocks {
        match block {
            Block::Text(text) => parts.push(mentions(text)),
            Block::Table(table) => parts.push(format!("```\n{}\n```", table.plain_text())),
            Block::Actions { .. } | Block::File(_) => {}
        }
    }
    parts.join("\n\n")
}

/// Cuts content to Discord's limit, closing a code block left open.
fn fit(text: &str) -> String {
    if text.chars().count() <= MAX_CONTENT {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_CONTENT - 8).collect();
    if cut.matches("```").count() % 2 == 1 {
        cut.push_str("\n```");
    }
    cut.push('…');
    cut
}

/// A short name for what an actions block is about: the first words of the
/// paragraph before it (in a reminder, the contact's name), so that the
/// buttons of several contacts can be told apart.
fn subject(blocks: &[Block], index: usize) -> Option<String> {
    let Block::Text(text) = blocks[..index]
        .iter()
        .rev()
        .find(|b| !matches!(b, Block::Actions { .. }))?
    else {
        return None;
    };
    let first = text.lines().find(|l| !l.trim().is_empty())?.trim();
    let name = first.split(" · ").next().unwrap_or(first).trim();
    // A member known only by id would show as a number: labels cannot
    // hold mentions.
    let bare_id = name
        .strip_prefix('@')
        .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()));
    Some(truncate(name, 32)).filter(|n| !n.is_empty() && !bare_id)
}

/// The files a reply carries (an export), to upload with the message.
pub fn files(reply: &Reply) -> Vec<&File> {
    reply
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::File(file) => Some(file),
            _ => None,
        })
        .collect()
}

/// The action rows of a reply's actions blocks.
pub fn components(reply: &Reply, workspace: &str) -> Vec<Value> {
    let actions = reply
        .blocks
        .iter()
        .filter(|b| matches!(b, Block::Actions { .. }))
        .count();
    let mut rows = Vec::new();
    for (index, block) in reply.blocks.iter().enumerate() {
        let Block::Actions { id, buttons } = block else {
            continue;
        };
        if rows.len() == MAX_ROWS {
            break;
        }
        let about = if actions > 1 {
            subject(&reply.blocks, index)
        } else {
            None
        };
        let buttons: Vec<Value> = buttons
            .iter()
            .take(MAX_BUTTONS)
            .filter_map(|button| {
                let custom_id = ButtonId {
                    workspace: workspace.into(),
                    block: id.clone(),
                    action: button.action.clone(),
                }
                .encode();
                if custom_id.len() > MAX_CUSTOM_ID {
                    return None;
                }
                let label = match &about {
                    Some(about) => format!("{} · {about}", button.label),
                    None => button.label.clone(),
                };
                Some(json!({
                    "type": 2,
                    "style": if button.primary { 1 } else { 2 },
                    "label": truncate(&label, MAX_LABEL),
                    "custom_id": custom_id,
                }))
            })
            .collect();
        if !buttons.is_empty() {
            rows.push(json!({"type": 1, "components": buttons}));
        }
    }
    rows
}

/// A reply as a message body (for a channel message, an interaction
/// response's `data`, or an edit). Mentions in it never ping anyone.
pub fn message(reply: &Reply, workspace: &str, ephemeral: bool) -> Value {
    let mut body = json!({
        "content": content(reply),
        "components": components(reply, workspace),
        "allowed_mentions": {"parse": []},
    });
    if ephemeral {
        body["flags"] = json!(EPHEMERAL);
    }
    body
}

/// The message after a button in it was pressed: the row of the pressed
/// block is gone (so it cannot be pressed twice) and the outcome is added
/// to the text. `rows` are the message's current action rows.
pub fn settled(content: &str, rows: &[Value], block: Option<&str>, outcome: &Reply) -> Value {
    let outcome = self::content(outcome);
    let kept: Vec<Value> = rows
        .iter()
        .filter(|row| {
            let Some(block) = block else { return true };
            !row["components"].as_array().is_some_and(|buttons| {
                buttons.iter().any(|b| {
                    b["custom_id"]
                        .as_str()
                        .and_then(ButtonId::parse)
                        .is_some_and(|id| id.block == block)
                })
            })
        })
        .cloned()
        .collect();
    let text = if content.trim().is_empty() {
        outcome
    } else {
        format!("{content}\n\n{outcome}")
    };
    json!({
        "content": fit(&text),
        "components": kept,
        "allowed_mentions": {"parse": []},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kith_bot::reply::{Button, Table};

    fn reminder() -> Reply {
        let mut reply = Reply::text("Time to check in: 2 people are due");
        for (id, name) in [(7, "Alice Chen"), (8, "Bob Ortiz")] {
            reply.push_text(format!("{name} · inner · last contact 19 days ago"));
            reply.blocks.push(Block::Actions {
                id: format!("contact:{id}"),
                buttons: vec![
                    Button {
                        label: "Done".into(),
                        action: format!("done:{id}"),
                        primary: true,
                    },
                    Button {
                        label: "Snooze 1 week".into(),
                        action: format!("snooze:{id}"),
                        primary: false,
                    },
                ],
            });
        }
        reply
    }

    #[test]
    fn each_actions_block_becomes_a_row_of_buttons_naming_its_contact() {
        let rows = components(&reminder(), "999");
        assert_eq!(rows.len(), 2);
        let first = &rows[0]["components"][0];
        assert_eq!(first["custom_id"], "999|contact:7|done:7");
        assert_eq!(first["label"], "Done · Alice Chen");
        assert_eq!(first["style"], 1);
        assert_eq!(
            rows[1]["components"][1]["label"],
            "Snooze 1 week · Bob Ortiz"
        );
    }

    #[test]
    fn button_ids_survive_a_round_trip_and_foreign_ones_are_refused() {
        let id = ButtonId {
            workspace: "1".into(),
            block: "contact:2".into(),
            action: "done:2".into(),
        };
        assert_eq!(ButtonId::parse(&id.encode()), Some(id));
        for bad in ["", "done:2", "1|contact:2", "|a|b", "a||b", "a|b|"] {
            assert_eq!(ButtonId::parse(bad), None, "{bad}");
        }
        let long = format!("1|contact:2|{}", "x".repeat(MAX_CUSTOM_ID));
        assert_eq!(ButtonId::parse(&long), None, "longer than Discord allows");
    }

    #[test]
    fn members_known_by_id_become_mentions() {
        assert_eq!(
            mentions(
                "Logged: you gave @200000000000000002 coffee. Balance with @200000000000000002: +1."
            ),
            "Logged: you gave <@200000000000000002> coffee. Balance with <@200000000000000002>: +1."
        );
        for unchanged in [
            "@bob",
            "mail a@b.c",
            "<@200000000000000002>",
            "@12",
            "@",
            "a@",
        ] {
            assert_eq!(mentions(unchanged), unchanged);
        }
    }

    #[test]
    fn two_hundred_thousand_brackets_and_ats_render_in_one_pass() {
        // Quadratic, each of these takes minutes in a debug build.
        for text in [
            "<".repeat(200_000),
            "<@".repeat(50_000),
            "@".repeat(200_000),
            "@200000000000000002".repeat(20_000),
            "```".repeat(100_000),
            "é".repeat(200_000),
        ] {
            let body = message(&Reply::text(text.clone()), "9", true);
            let shown = body["content"].as_str().expect("content");
            assert!(shown.chars().count() <= MAX_CONTENT);
            assert_eq!(shown.matches("```").count() % 2, 0, "{}", &text[..6]);
            assert!(mentions(&text).len() >= text.len());
        }
    }

    #[test]
    fn tables_are_code_blocks_and_errors_are_marked() {
        let mut table = Table::new(["Contact", "Tier"]);
        table.row(["@alice".into(), "inner".into()]);
        let mut reply = Reply::text("Your network");
        reply.push_table(table);
        assert_eq!(
            content(&reply),
            "Your network\n\n```\nContact  Tier\n@alice   inner\n```"
        );
        assert_eq!(content(&Reply::error("No.")), "⚠️ No.");
    }

    #[test]
    fn long_content_is_cut_to_discords_limit_with_code_blocks_closed() {
        let mut table = Table::new(["Contact"]);
        for i in 0..500 {
            table.row([format!("person number {i}")]);
        }
        let mut reply = Reply::empty();
        reply.push_table(table);
        let text = content(&reply);
        assert!(text.chars().count() <= MAX_CONTENT);
        assert_eq!(text.matches("```").count() % 2, 0);
    }

    #[test]
    fn a_settled_message_loses_the_pressed_row_and_shows_the_outcome() {
        let reply = reminder();
        let rows = components(&reply, "999");
        let after = settled(
            &content(&reply),
            &rows,
            Some("contact:7"),
            &Reply::text("Done: logged a check-in with Alice Chen."),
        );
        let kept = after["components"].as_array().expect("rows");
        assert_eq!(kept.len(), 1);
        assert_eq!(
            kept[0]["components"][0]["custom_id"],
            "999|contact:8|done:8"
        );
        assert!(
            after["content"]
                .as_str()
                .expect("content")
                .ends_with("Done: logged a check-in with Alice Chen.")
        );
    }

    #[test]
    fn private_replies_are_ephemeral_and_never_ping() {
        let body = message(&Reply::text("hi <@1>"), "9", true);
        assert_eq!(body["flags"], 64);
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        assert!(
            message(&Reply::text("hi"), "9", false)
                .get("flags")
                .is_none()
        );
    }

    #[test]
    fn community_buttons_fit_a_custom_id_and_come_back_as_their_action() {
        use kith_bot::actions::Action;
        use kith_bot::community::{IntroId, PairId};
        // The longest ids there can be: a 20-digit guild, 19-digit row ids.
        let guild = u64::MAX.to_string();
        let (intro, pair) = (IntroId(i64::MAX), PairId(i64::MAX));
        for (yes, no) in [
            (Action::IntroYes(intro), Action::IntroNo(intro)),
            (Action::IntroMet(intro), Action::IntroNotYet(intro)),
            (Action::PairMet(pair), Action::PairSkipped(pair)),
        ] {
            let mut reply = Reply::text("Would you like that?");
            reply.blocks.push(Block::Actions {
                id: yes.block_id(),
                buttons: [yes, no]
                    .iter()
                    .map(|a| Button {
                        label: "Yes".into(),
                        action: a.to_string(),
                        primary: true,
                    })
                    .collect(),
            });
            let rows = components(&reply, &guild);
            let buttons = rows[0]["components"].as_array().expect("buttons");
            assert_eq!(buttons.len(), 2, "no button dropped for length");
            for (button, action) in buttons.iter().zip([yes, no]) {
                let custom_id = button["custom_id"].as_str().expect("custom id");
                assert!(custom_id.len() <= MAX_CUSTOM_ID, "{custom_id}");
                let id = ButtonId::parse(custom_id).expect("ours");
                assert_eq!(id.workspace, guild);
                assert_eq!(id.block, action.block_id());
                assert_eq!(Action::parse(&id.action), Some(action));
            }
            // Pressed, the row goes and the outcome shows.
            let after = settled(
                "Would you like that?",
                &rows,
                Some(&yes.block_id()),
                &Reply::text("Thanks!"),
            );
            assert_eq!(after["components"], json!([]));
        }
    }
}
