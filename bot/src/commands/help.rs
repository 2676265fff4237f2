//! `help`: the command card, and one command in detail.

use super::{COMMANDS, Command, Form, Group, Kind, Slot, Spec, spec};
use crate::reply::{Reply, Table};

pub const HELP: Spec = Spec {
    name: "help",
    summary: "This card, or one command in detail.",
    details: "",
    examples: &["help", "help gave"],
    group: Group::Ledger,
    form: Form::Slots(&[Slot::new(
        "command",
        Kind::CommandName,
        "Command",
        "command",
        "The command to explain, like gave",
    )
    .optional()]),
    build: |values| Ok(Command::Help(values.text("command"))),
};

pub fn help(topic: Option<&str>) -> Reply {
    match topic {
        None => card(),
        Some(name) => match spec(name) {
            Some(spec) => detail(spec),
            None => Reply::error(format!(
                "There is no command \"{name}\". Type help to see them all."
            )),
        },
    }
}

fn card() -> Reply {
    let mut table = Table::new(["Command", "What it does"]);
    for spec in COMMANDS {
        table.row([spec.usage(), spec.summary.to_string()]);
    }
    let mut reply = Reply::text("Kith keeps your networking ledger, privately. Commands:");
    reply.push_table(table);
    reply.push_text(
        "@someone is a mention, or an outside person's name in quotes: \"Jane Doe\". \
         Type help <command> for examples, e.g. help gave.",
    );
    reply
}

fn detail(spec: &Spec) -> Reply {
    let mut text = format!("{}\n{}", spec.usage(), spec.summary);
    if !spec.details.is_empty() {
        text.push('\n');
        text.push_str(spec.details);
    }
    text.push_str("\nExamples:");
    for example in spec.examples {
        text.push_str("\n  ");
        text.push_str(example);
    }
    Reply::text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_lists_every_command() {
        let text = help(None).plain_text();
        for spec in COMMANDS {
            assert!(text.contains(&spec.usage()), "missing {}", spec.name);
        }
    }

    #[test]
    fn help_on_one_command_shows_its_examples() {
        let text = help(Some("gave")).plain_text();
        assert!(text.contains("gave @alice reviewed her resume"), "{text}");
    }

    #[test]
    fn help_on_an_unknown_command_is_an_error() {
        assert!(help(Some("fly")).is_error);
    }
}
