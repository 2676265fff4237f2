//! The "Log a favour" modal: opened by the message shortcut (prefilled
//! with the message's author and a link to it), the global shortcut and the
//! Home tab's button; its submission read field by field with the core's
//! own messages (`commands::from_fields`), answered with
//! `response_action: errors` keyed by block when anything is wrong.
//!
//! Everything in a submission is untrusted: the submitter comes from the
//! payload, and the author carried in `private_metadata` is only a claim,
//! checked again by the caller before anything is written.

use std::collections::BTreeMap;

use kith_bot::commands::{Command, Field, Form, Kind, Slot, from_fields, spec};
use serde_json::{Value, json};

/// The modal's `callback_id`.
pub const CALLBACK: &str = "kith_favour";
/// The message shortcut's `callback_id` (in the manifest).
pub const MESSAGE_SHORTCUT: &str = "kith_log_favour_message";
/// The global shortcut's `callback_id` (in the manifest).
pub const GLOBAL_SHORTCUT: &str = "kith_log_favour";

/// Block ids: the core's slot names, and the direction.
const WHO: &str = "who";
const VERB: &str = "verb";
const WHAT: &str = "what";
const WHEN: &str = "when";

const NO_VERB: &str =
    "Choose which way it went: you did something for them, or they did something for you.";
/// What a submission naming someone outside the workspace gets.
pub const NOT_A_MEMBER: &str = "I can log favours only with members of this workspace, and that person is not one. Nothing was changed.";

/// Who and where the message shortcut was used on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Prefill {
    pub author: String,
    pub link: Option<String>,
}

/// The prefill from a `message_action` payload: the message's author (a
/// person, not a bot, not the one using the shortcut) and its link.
pub fn message_prefill(payload: &Value) -> Option<Prefill> {
    let message = &payload["message"];
    if !message["bot_id"].is_null() {
        return None;
    }
    let author = message["user"].as_str().filter(|u| is_user_id(u))?;
    if payload["user"]["id"].as_str() == Some(author) {
        return None;
    }
    let link = match (
        payload["team"]["domain"].as_str(),
        payload["channel"]["id"].as_str(),
        message["ts"].as_str(),
    ) {
        (Some(domain), Some(channel), Some(ts))
            if is_word(domain)
                && is_user_id(channel)
                && ts.chars().all(|c| c.is_ascii_digit() || c == '.') =>
        {
            Some(format!(
                "https://{domain}.slack.com/archives/{channel}/p{}",
                ts.replace('.', "")
            ))
        }
        _ => None,
    };
    Some(Prefill {
        author: author.to_string(),
        link,
    })
}

/// A Slack id: capitals and digits, not too long.
pub fn is_user_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_word(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A slot of `gave`, for its label, help and limit.
fn slot(name: &str) -> Option<&'static Slot> {
    match &spec("gave")?.form {
        Form::Slots(slots) => slots.iter().find(|s| s.name == name),
        Form::Variants { .. } => None,
    }
}

fn plain(text: &str) -> Value {
    json!({"type": "plain_text", "text": text})
}

/// The modal, for `views.open`.
pub fn favour_modal(prefill: Option<&Prefill>) -> Value {
    let mut blocks = Vec::new();
    match prefill {
        Some(prefill) => {
            blocks.push(json!({"type": "section", "block_id": WHO,
                "text": {"type": "mrkdwn", "text": format!("*Who:* <@{}>", prefill.author)}}));
            if let Some(link) = &prefill.link {
                blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn",
                    "text": format!("From <{link}|this message>; the link is kept with the favour.")}]}));
            }
        }
        None => blocks.push(json!({
            "type": "input", "block_id": WHO,
            "label": plain(slot(WHO).map_or("Who", |s| s.label)),
            "element": {"type": "users_select", "action_id": WHO,
                        "placeholder": plain("Pick a member")},
        })),
    }
    blocks.push(json!({
        "type": "input", "block_id": VERB, "label": plain("Which way"),
        "element": {"type": "radio_buttons", "action_id": VERB, "options": [
            {"text": plain("I did something for them"), "value": "gave"},
            {"text": plain("They did something for me"), "value": "got"},
        ]},
    }));
    let max = match slot(WHAT).map(|s| s.kind) {
        Some(Kind::Text { max }) => max.min(3000),
        _ => 1000,
    };
    // The link is kept after the text (" (<link>)"): room is left for it.
    let kept = prefill
        .and_then(|p| p.link.as_ref())
        .map_or(0, |l| l.chars().count() + 3);
    let max = max.saturating_sub(kept).max(1);
    blocks.push(json!({
        "type": "input", "block_id": WHAT,
        "label": plain(slot(WHAT).map_or("What", |s| s.label)),
        "element": {"type": "plain_text_input", "action_id": WHAT, "multiline": true,
                    "max_length": max,
                    "placeholder": plain("Like reviewed a resume, or an intro to Carol")},
    }));
    let when = slot(WHEN);
    blocks.push(json!({
        "type": "input", "block_id": WHEN, "optional": true,
        "label": plain(when.map_or("When", |s| s.label)),
        "element": {"type": "plain_text_input", "action_id": WHEN,
                    "placeholder": plain(when.map_or("", |s| s.help))},
    }));
    let metadata = prefill
        .and_then(|p| serde_json::to_string(p).ok())
        .unwrap_or_default();
    json!({
        "type": "modal",
        "callback_id": CALLBACK,
        "title": plain("Log a favour"),
        "submit": plain("Log it"),
        "close": plain("Cancel"),
        "private_metadata": metadata,
        "blocks": blocks,
    })
}

/// A submitted favour modal, as Slack sent it (nothing checked yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub view_id: String,
    pub team: String,
    /// The submitter: from the payload, never from the view.
    pub user: String,
    /// The submitter's own workspace, when Slack says.
    pub user_team: Option<String>,
    pub user_name: Option<String>,
    /// From the message shortcut: the author claimed in the metadata.
    pub prefill: Option<Prefill>,
    /// The member picked in the form (without a prefill).
    pub picked: Option<String>,
    pub verb: Option<String>,
    pub what: String,
    pub when: String,
}

impl Submitted {
    /// Whom the favour is with: the prefilled author or the member picked.
    pub fn who(&self) -> Option<&str> {
        match &self.prefill {
            Some(prefill) => Some(prefill.author.as_str()),
            None => self.picked.as_deref(),
        }
    }
}

/// A `view_submission` of the favour modal; `None` for any other view.
/// `Err` when the metadata does not read back (a forged or stale form).
pub fn read_submission(payload: &Value) -> Option<Result<Submitted, ()>> {
    let view = &payload["view"];
    if payload["type"] != "view_submission" || view["callback_id"] != CALLBACK {
        return None;
    }
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let values = &view["state"]["values"];
    let metadata = view["private_metadata"].as_str().unwrap_or_default();
    let prefill = if metadata.is_empty() {
        None
    } else {
        match serde_json::from_str::<Prefill>(metadata) {
            Ok(prefill) => Some(prefill),
            Err(_) => return Some(Err(())),
        }
    };
    Some(Ok(Submitted {
        view_id: text(&view["id"]),
        team: text(&payload["team"]["id"]),
        user: text(&payload["user"]["id"]),
        user_team: payload["user"]["team_id"].as_str().map(str::to_string),
        user_name: payload["user"]["name"].as_str().map(str::to_string),
        prefill,
        picked: values[WHO][WHO]["selected_user"]
            .as_str()
            .map(str::to_string),
        verb: values[VERB][VERB]["selected_option"]["value"]
            .as_str()
            .map(str::to_string),
        what: text(&values[WHAT][WHAT]["value"]),
        when: text(&values[WHEN][WHEN]["value"]),
    }))
}

/// Errors by block id, for `response_action: errors`.
pub type Errors = BTreeMap<String, String>;

/// The block an error about a slot shows on: with a prefilled author
/// there is no `who` input, so it shows under `what`.
fn block_of(submitted: &Submitted, slot: &str) -> String {
    match slot {
        WHO if submitted.prefill.is_some() => WHAT.into(),
        WHO | WHAT | WHEN => slot.into(),
        _ => WHAT.into(),
    }
}

/// One error on the block where the member will see it.
pub fn error_at(submitted: &Submitted, slot: &str, message: &str) -> Errors {
    Errors::from([(block_of(submitted, slot), message.to_string())])
}

/// The core's command from a submission, read field by field with the
/// text grammar's messages; every mistake at once, by block id.
pub fn command(submitted: &Submitted) -> Result<Command, Errors> {
    let verb = match submitted.verb.as_deref() {
        Some(verb @ ("gave" | "got")) => Some(verb),
        _ => None,
    };
    let mut fields = Vec::new();
    if let Some(who) = submitted.who() {
        fields.push((WHO.to_string(), Field::Member(who.to_string())));
    }
    let what = match submitted.prefill.as_ref().and_then(|p| p.link.as_ref()) {
        Some(link) if !submitted.what.trim().is_empty() => {
            format!("{} ({link})", submitted.what.trim())
        }
        _ => submitted.what.clone(),
    };
    fields.push((WHAT.to_string(), Field::Text(what)));
    fields.push((WHEN.to_string(), Field::Text(submitted.when.clone())));
    let spec = spec(verb.unwrap_or("gave")).ok_or_else(|| error_at(submitted, WHAT, NO_VERB))?;
    let mut errors = Errors::new();
    if verb.is_none() {
        errors.insert(VERB.into(), NO_VERB.into());
    }
    match from_fields(spec, None, &fields) {
        Ok(command) if errors.is_empty() => Ok(command),
        Ok(_) => Err(errors),
        Err(found) => {
            for (slot, message) in found.fields {
                errors
                    .entry(block_of(submitted, slot))
                    .and_modify(|m| {
                        m.push(' ');
                        m.push_str(&message);
                    })
                    .or_insert(message);
            }
            if let Some(general) = found.general {
                errors.entry(WHAT.into()).or_insert(general);
            }
            Err(errors)
        }
    }
}

/// The HTTP answer that keeps the modal open with these errors.
pub fn errors_response(errors: &Errors) -> Value {
    json!({"response_action": "errors", "errors": errors})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted(verb: Option<&str>, what: &str, when: &str) -> Submitted {
        Submitted {
            view_id: "V1".into(),
            team: "T1".into(),
            user: "U1".into(),
            user_team: Some("T1".into()),
            user_name: None,
            prefill: None,
            picked: Some("U2".into()),
            verb: verb.map(str::to_string),
            what: what.into(),
            when: when.into(),
        }
    }

    #[test]
    fn a_complete_form_is_the_core_command() {
        let command = command(&submitted(Some("got"), "intro to Carol", "3 days ago"));
        assert!(command.is_ok(), "{command:?}");
    }

    #[test]
    fn each_mistake_is_told_on_its_own_block_with_the_grammars_words() {
        let errors = command(&submitted(None, "", "whenever")).expect_err("three mistakes");
        assert_eq!(errors.get(VERB).map(String::as_str), Some(NO_VERB));
        let when = errors.get(WHEN).expect("the when");
        assert!(
            when.contains("I couldn't tell when \"whenever\" was"),
            "{when}"
        );
    }

    #[test]
    fn a_missing_what_is_asked_for_as_the_text_grammar_asks() {
        let errors = command(&submitted(Some("gave"), "  ", "")).expect_err("no what");
        let what = errors.get(WHAT).expect("the what");
        let typed = kith_bot::commands::parse("gave <@U2>").expect_err("no what");
        assert_eq!(what, &typed.message);
    }

    #[test]
    fn a_prefilled_author_and_link_come_from_the_message() {
        let payload = json!({
            "type": "message_action", "team": {"id": "T1", "domain": "acme"},
            "user": {"id": "U1"}, "channel": {"id": "C9"},
            "message": {"user": "U2", "ts": "1700000000.000100", "text": "hi"},
        });
        let prefill = message_prefill(&payload).expect("a prefill");
        assert_eq!(prefill.author, "U2");
        assert_eq!(
            prefill.link.as_deref(),
            Some("https://acme.slack.com/archives/C9/p1700000000000100")
        );
        let mut own = payload.clone();
        own["message"]["user"] = "U1".into();
        assert_eq!(message_prefill(&own), None);
    }
}
