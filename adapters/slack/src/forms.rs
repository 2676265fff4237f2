//! Modals made from the core's typed command schema: "Add someone" (`add`)
//! and "Settings" (`settings tz`, `window`, `dms`), opened from the Home
//! tab. Each slot becomes an input block whose `block_id` is
//! `<part>.<slot>`; a submission is read slot by slot with
//! `commands::from_fields`, so a mistake is told on its own field in the
//! text grammar's words, and nothing runs until every part reads.
//!
//! The form is named in `private_metadata`, but only forms listed here can
//! be named: a forged form cannot run another command.

use kith_bot::commands::{Command, Field, Kind, Slot, from_fields, spec};
use serde_json::{Value, json};

use crate::modal::Errors;

/// The `callback_id` of every schema-made modal.
pub const CALLBACK: &str = "kith_form";

/// A form: its title, and its parts (a command and, for a command with
/// several forms, which one).
pub struct FormDef {
    pub name: &'static str,
    pub title: &'static str,
    pub parts: &'static [(&'static str, Option<&'static str>)],
}

pub const ADD: FormDef = FormDef {
    name: "add",
    title: "Add someone",
    parts: &[("add", None)],
};

pub const SETTINGS: FormDef = FormDef {
    name: "settings",
    title: "Settings",
    parts: &[
        ("settings", Some("tz")),
        ("settings", Some("window")),
        ("settings", Some("dms")),
    ],
};

const FORMS: &[FormDef] = &[ADD, SETTINGS];

/// The form called `name`, if it is one of Kith's.
pub fn form(name: &str) -> Option<&'static FormDef> {
    FORMS.iter().find(|f| f.name == name)
}

/// The second block of a member-or-name slot: a name typed instead.
const NAME_SUFFIX: &str = "_name";

fn plain(text: &str) -> Value {
    json!({"type": "plain_text", "text": text})
}

/// A part's slots, as the schema declares them (only those with inputs).
fn slots(part: &(&str, Option<&str>)) -> Vec<&'static Slot> {
    let Some(spec) = spec(part.0) else {
        return Vec::new();
    };
    spec.slots(part.1)
        .iter()
        .filter(|s| s.is_input() && s.kind != Kind::File)
        .collect()
}

fn prefix(part: &(&str, Option<&str>)) -> String {
    part.1.unwrap_or(part.0).to_string()
}

fn options(words: &[&str]) -> Value {
    Value::Array(
        words
            .iter()
            .map(|w| json!({"text": plain(w), "value": w}))
            .collect(),
    )
}

/// The input element for a slot's kind.
fn element(slot: &Slot) -> Value {
    let id = slot.name;
    match slot.kind {
        Kind::Member | Kind::Contact => {
            json!({"type": "users_select", "action_id": id, "placeholder": plain("Pick a member")})
        }
        Kind::Tier => json!({"type": "static_select", "action_id": id,
            "placeholder": plain(slot.placeholder), "options": options(&["inner", "close", "wider"])}),
        Kind::Choice(words) => json!({"type": "static_select", "action_id": id,
            "placeholder": plain(slot.placeholder), "options": options(words)}),
        Kind::Channel { .. } => json!({"type": "channels_select", "action_id": id}),
        Kind::Flag(word) => json!({"type": "checkboxes", "action_id": id,
            "options": [{"text": plain(word), "value": word}]}),
        Kind::Text { max } | Kind::Phrase { max } | Kind::Name { max } => {
            json!({"type": "plain_text_input", "action_id": id,
                   "multiline": matches!(slot.kind, Kind::Text { .. }),
                   "max_length": max.min(3000), "placeholder": plain(&clip(slot.help, 150))})
        }
        _ => json!({"type": "plain_text_input", "action_id": id,
                    "placeholder": plain(&clip(slot.help, 150))}),
    }
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The modal for `views.open`.
pub fn modal(form: &FormDef) -> Value {
    let several = form.parts.len() > 1;
    let mut blocks = Vec::new();
    for part in form.parts {
        if several && let Some(spec) = spec(part.0) {
            let summary = spec
                .form
                .variants()
                .into_iter()
                .find(|v| Some(v.name) == part.1)
                .map_or(spec.summary, |v| v.summary);
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{summary}*")}}));
        }
        for slot in slots(part) {
            let block = format!("{}.{}", prefix(part), slot.name);
            let optional = several || !slot.required || slot.kind == Kind::Contact;
            blocks.push(json!({
                "type": "input", "block_id": block, "optional": optional,
                "label": plain(slot.label), "hint": plain(slot.help), "element": element(slot),
            }));
            if slot.kind == Kind::Contact {
                blocks.push(json!({
                    "type": "input", "block_id": format!("{block}{NAME_SUFFIX}"), "optional": true,
                    "label": plain("Or someone outside Slack"),
                    "element": {"type": "plain_text_input", "action_id": format!("{}{NAME_SUFFIX}", slot.name),
                                "placeholder": plain("Their name, like Jane Doe")},
                }));
            }
        }
    }
    json!({
        "type": "modal",
        "callback_id": CALLBACK,
        "title": plain(form.title),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": json!({"form": form.name}).to_string(),
        "blocks": blocks,
    })
}

/// The first input block of a form: where an answer about the whole
/// form is shown.
pub fn first_block(form: &FormDef) -> String {
    form.parts
        .iter()
        .find_map(|part| {
            slots(part)
                .first()
                .map(|s| format!("{}.{}", prefix(part), s.name))
        })
        .unwrap_or_default()
}

/// The members picked in a submitted view, with their blocks.
pub fn picked_members(view: &Value) -> Vec<(String, String)> {
    let mut picked = Vec::new();
    if let Some(blocks) = view["state"]["values"].as_object() {
        for (block, actions) in blocks {
            for state in actions.as_object().into_iter().flat_map(|a| a.values()) {
                if let Some(user) = state["selected_user"].as_str() {
                    picked.push((block.clone(), user.to_string()));
                }
            }
        }
    }
    picked
}

/// The form a submission names in its metadata, if it is one of Kith's.
pub fn submitted_form(view: &Value) -> Option<&'static FormDef> {
    let metadata: Value = serde_json::from_str(view["private_metadata"].as_str()?).ok()?;
    form(metadata["form"].as_str()?)
}

/// What was given for one slot in the view's state; `None` if nothing.
fn field(values: &Value, block: &str, slot: &Slot) -> Result<Option<Field>, String> {
    let state = &values[block][slot.name];
    let given = match slot.kind {
        Kind::Member | Kind::Contact => state["selected_user"]
            .as_str()
            .map(|u| Field::Member(u.to_string())),
        Kind::Tier | Kind::Choice(_) => state["selected_option"]["value"]
            .as_str()
            .map(|v| Field::Text(v.to_string())),
        Kind::Channel { .. } => state["selected_channel"]
            .as_str()
            .map(|c| Field::Channel(c.to_string())),
        Kind::Flag(_) => Some(Field::Bool(
            state["selected_options"]
                .as_array()
                .is_some_and(|o| !o.is_empty()),
        )),
        _ => state["value"]
            .as_str()
            .filter(|v| !v.trim().is_empty())
            .map(|v| Field::Text(v.to_string())),
    };
    if slot.kind != Kind::Contact {
        return Ok(given);
    }
    let name_block = format!("{block}{NAME_SUFFIX}");
    let typed = values[&name_block][format!("{}{NAME_SUFFIX}", slot.name)]["value"]
        .as_str()
        .filter(|v| !v.trim().is_empty())
        .map(|v| Field::Text(v.to_string()));
    match (given, typed) {
        (Some(_), Some(_)) => Err("Pick a member or type a name, not both.".into()),
        (given, typed) => Ok(given.or(typed)),
    }
}

/// The commands of a submitted form, every part read before any runs; or
/// the mistakes by block id.
pub fn commands(form: &FormDef, view: &Value) -> Result<Vec<Command>, Errors> {
    let values = &view["state"]["values"];
    let several = form.parts.len() > 1;
    let mut errors = Errors::new();
    let mut commands = Vec::new();
    let mut first_block = None;
    for part in form.parts {
        let Some(spec) = spec(part.0) else {
            continue;
        };
        let mut fields = Vec::new();
        for slot in slots(part) {
            let block = format!("{}.{}", prefix(part), slot.name);
            first_block.get_or_insert_with(|| block.clone());
            match field(values, &block, slot) {
                Ok(Some(given)) => fields.push((slot.name.to_string(), given)),
                Ok(None) => {}
                Err(message) => {
                    errors.insert(block, message);
                }
            }
        }
        // In a form of several parts, a part left empty is left alone.
        let empty = fields.iter().all(|(_, f)| *f == Field::Bool(false));
        if several && empty {
            continue;
        }
        match from_fields(spec, part.1, &fields) {
            Ok(command) => commands.push(command),
            Err(found) => {
                let first = slots(part)
                    .first()
                    .map(|s| format!("{}.{}", prefix(part), s.name));
                for (slot, message) in found.fields {
                    errors
                        .entry(format!("{}.{slot}", prefix(part)))
                        .or_insert(message);
                }
                if let (Some(general), Some(first)) = (found.general, first) {
                    errors.entry(first).or_insert(general);
                }
            }
        }
    }
    if commands.is_empty()
        && errors.is_empty()
        && let Some(first) = first_block
    {
        errors.insert(first, "Fill in at least one setting, or cancel.".into());
    }
    if errors.is_empty() {
        Ok(commands)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(form: &FormDef, values: Value) -> Value {
        let mut view = modal(form);
        view["state"] = json!({"values": values});
        view
    }

    #[test]
    fn add_takes_a_member_or_a_name_and_the_grammars_words_for_mistakes() {
        let ok = view(
            &ADD,
            json!({"add.who": {"who": {"selected_user": "U2"}},
                   "add.tier": {"tier": {"selected_option": {"value": "inner"}}}}),
        );
        assert_eq!(commands(&ADD, &ok).map(|c| c.len()), Ok(1));

        let named = view(
            &ADD,
            json!({"add.who_name": {"who_name": {"value": "Jane Doe"}}}),
        );
        assert_eq!(commands(&ADD, &named).map(|c| c.len()), Ok(1));

        let bad = view(
            &ADD,
            json!({"add.who": {"who": {"selected_user": "U2"}},
                   "add.every": {"every": {"value": "soonish"}}}),
        );
        let errors = commands(&ADD, &bad).expect_err("a bad cadence");
        let typed = kith_bot::commands::parse("add <@U2> every soonish").expect_err("bad");
        assert_eq!(errors.get("add.every"), Some(&typed.message));
    }

    #[test]
    fn settings_run_only_the_parts_filled_in() {
        let tz = view(
            &SETTINGS,
            json!({"tz.zone": {"zone": {"value": "Europe/Berlin"}}}),
        );
        assert_eq!(commands(&SETTINGS, &tz).map(|c| c.len()), Ok(1));
        let nothing = view(&SETTINGS, json!({}));
        assert!(commands(&SETTINGS, &nothing).is_err());
        let bad = view(
            &SETTINGS,
            json!({"tz.zone": {"zone": {"value": "Mars/Olympus"}}}),
        );
        let errors = commands(&SETTINGS, &bad).expect_err("no such zone");
        assert!(errors.contains_key("tz.zone"), "{errors:?}");
    }

    #[test]
    fn only_kiths_own_forms_can_be_named() {
        let mut forged = modal(&ADD);
        forged["private_metadata"] = json!(r#"{"form":"forget"}"#);
        assert!(submitted_form(&forged).is_none());
        assert!(submitted_form(&modal(&SETTINGS)).is_some_and(|f| f.name == "settings"));
    }
}
