//! `goal`, `goals` and `reach`: what a member is working towards and who
//! can help, in their own network and (as a count) in the members who share
//! their reach; `settings reach on|off` is read here too.

use chrono::Duration;

use super::args::ParseError;
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec, Variant};
use crate::domain::{Contact, company_key};
use crate::format::plural;
use crate::reach::asks::{ask_button, count_line};
use crate::reach::{
    ASK_LAPSES_AFTER_DAYS, GoalEnd, MAX_GOALS, NewAsk, NewGoal, about, listed, names,
};
use crate::reply::Reply;

const fn company_slot(help: &'static str) -> Slot {
    Slot::new(
        "company",
        Kind::Phrase {
            max: crate::limits::COMPANY,
        },
        "Company",
        "\"Company\"",
        help,
    )
    .optional()
    .after("at")
    .ask("At which company? Write it like at \"Acme Corp\".")
}

/// A company as typed, checked to have something to match by.
pub(super) fn company(text: String, field: &'static str) -> Result<String, ParseError> {
    match company_key(&text) {
        Some(_) => Ok(text),
        None => Err(ParseError::new(format!(
            "\"{text}\" has no letters or digits to match a company by; write it like \"Acme Corp\"."
        ))
        .in_field(field)),
    }
}

pub const GOAL: Spec = Spec {
    name: "goal",
    summary: "Add a goal (what you're working towards); goal done N or goal drop N ends one.",
    details: "Kith shows the people in your own network who can help with each goal: those at its \
              company (Acme, Acme Corp and ACME, Inc. are one company) or with its tags. A goal \
              with the word \"at\" in it goes in quotes: goal \"Get better at pitching\". See them \
              with goals; end one with goal done 2 or goal drop 2.",
    examples: &[
        "goal Move into sales enablement at \"Acme\" #sales",
        "goal \"Get better at pitching\" #sales",
        "goal done 1",
        "goal drop 2",
    ],
    group: Group::Community,
    form: Form::Variants {
        bare: Some(Variant {
            name: "add",
            aliases: &[],
            summary: "Add a goal, with the company or tags of those who can help.",
            slots: &[
                Slot::new(
                    "what",
                    Kind::Phrase {
                        max: crate::limits::REASON,
                    },
                    "Goal",
                    "<what>",
                    "What you're working towards, like Move into sales enablement",
                )
                .ask("What is your goal? e.g. goal Move into sales enablement at \"Acme\" #sales"),
                company_slot("The company the goal is about, like Acme Corp"),
                Slot::new(
                    "tags",
                    Kind::Tags,
                    "Tags",
                    "#tag ...",
                    "Tags of the people who can help, like #sales",
                )
                .optional(),
            ],
        }),
        variants: &[
            Variant {
                name: "done",
                aliases: &[],
                summary: "Mark a goal done (its number, as goals shows it).",
                slots: &[goal_number(
                    "Which goal? Say its number as goals shows it, like goal done 1.",
                )],
            },
            Variant {
                name: "drop",
                aliases: &[],
                summary: "Drop a goal (its number, as goals shows it).",
                slots: &[goal_number(
                    "Which goal? Say its number as goals shows it, like goal drop 1.",
                )],
            },
        ],
        unknown: "Say goal <what>, goal done N or goal drop N.",
    },
    build: |values| {
        let end = match values.variant {
            Some("done") => Some(GoalEnd::Done),
            Some("drop") => Some(GoalEnd::Dropped),
            _ => None,
        };
        if let Some(end) = end {
            let number = values
                .text("number")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| ParseError::new("Say the goal's number, like goal done 1."))?;
            return Ok(Command::EndGoal { number, end });
        }
        let company = values
            .text("company")
            .map(|c| company(c, "company"))
            .transpose()?;
        Ok(Command::Goal(NewGoal {
            what: values.text("what").unwrap_or_default(),
            company,
            tags: values.tags("tags"),
        }))
    },
};

/// The number of the goal to end, as `goals` lists them.
const fn goal_number(ask: &'static str) -> Slot {
    Slot::new(
        "number",
        Kind::Number {
            max: MAX_GOALS as u32,
        },
        "Goal's number",
        "<number>",
        "The goal's number, as goals shows it",
    )
    .ask(ask)
}

pub const GOALS: Spec = Spec {
    name: "goals",
    summary: "Your goals, numbered, each with the people in your network who can help.",
    details: "Due people come first: a check-in is a good moment to mention a goal.",
    examples: &["goals"],
    group: Group::Community,
    form: Form::Slots(&[]),
    build: |_| Ok(Command::Goals),
};

pub const REACH: Spec = Spec {
    name: "reach",
    summary: "Who can introduce you at a company: your own contacts, and a count of members who can.",
    details: "You see your own contacts there by name, and how many members who share their reach \
              (settings reach on) know someone there: a count, never who. Ask for an introduction \
              and each of them is asked privately; a yes connects you. A multi-word company goes \
              in quotes.",
    examples: &[
        "reach Acme",
        "reach \"Acme Corp\" I'd love to learn how they run sales enablement",
    ],
    group: Group::Community,
    form: Form::Slots(&[
        Slot::new(
            "company",
            Kind::Name {
                max: crate::limits::COMPANY,
            },
            "Company",
            "<company>",
            "The company, like Acme; several words in quotes, like \"Acme Corp\"",
        )
        .ask("Which company? e.g. reach Acme, or reach \"Acme Corp\" for several words."),
        Slot::new(
            "why",
            Kind::Text {
                max: crate::limits::REASON,
            },
            "Why",
            "<why>",
            "Why you'd like an introduction; those asked read this",
        )
        .optional(),
    ]),
    build: |values| {
        Ok(Command::Reach {
            company: company(values.text("company").unwrap_or_default(), "company")?,
            why: values.text("why").filter(|w| !w.is_empty()),
        })
    },
};

pub(super) async fn goal(ctx: &Ctx<'_>, new: NewGoal) -> Result<Reply, CommandError> {
    let scope = ctx.member.scope();
    let open = ctx.store.goals(scope).await?;
    if open.len() >= MAX_GOALS {
        return Err(CommandError::User(format!(
            "You have {MAX_GOALS} goals already, the most Kith keeps; end one with goal done N or goal drop N first."
        )));
    }
    let goal = ctx.store.add_goal(scope, &new, ctx.now).await?;
    let network = ctx.store.contacts(scope).await?;
    let helpers = goal.helpers(&network, ctx.now);
    let number = open.len() + 1;
    let mut text = format!(
        "Added goal {number}: \u{201c}{}\u{201d}{}.",
        goal.what,
        about(goal.company.as_deref(), &goal.tags)
    );
    text.push(' ');
    text.push_str(&if helpers.is_empty() {
        "Nobody in your network matches it yet; reach <company> shows who else might know someone."
            .to_string()
    } else {
        format!(
            "{} in your network can help: {}.",
            plural(helpers.len() as i64, "person", "people"),
            names(&helpers, ctx.now)
        )
    });
    Ok(Reply::text(text))
}

pub(super) async fn goals(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let scope = ctx.member.scope();
    let goals = ctx.store.goals(scope).await?;
    if goals.is_empty() {
        return Ok(Reply::text(
            "No goals yet. Add one with goal <what> [at \"Company\"] [#tag ...], e.g. goal Move into sales enablement at \"Acme\" #sales",
        ));
    }
    let network = ctx.store.contacts(scope).await?;
    let mut lines = vec!["Your goals".to_string()];
    lines.extend(listed(&goals, &network, ctx.now));
    lines.push("End one with goal done N or goal drop N.".into());
    Ok(Reply::text(lines.join("\n")))
}

pub(super) async fn end_goal(
    ctx: &Ctx<'_>,
    number: usize,
    end: GoalEnd,
) -> Result<Reply, CommandError> {
    let scope = ctx.member.scope();
    let goals = ctx.store.goals(scope).await?;
    let Some(goal) = number.checked_sub(1).and_then(|i| goals.get(i)) else {
        return Err(CommandError::User(match goals.len() {
            0 => "You have no goals to end. Add one with goal <what>.".to_string(),
            n => format!(
                "You have {}; say a number from 1 to {n}, as goals shows them.",
                plural(n as i64, "goal", "goals")
            ),
        }));
    };
    if !ctx.store.end_goal(scope, goal.id, end, ctx.now).await? {
        return Err(CommandError::User(
            "That goal has already ended; see goals.".into(),
        ));
    }
    Ok(Reply::text(match end {
        GoalEnd::Done => format!(
            "Well done! Goal \u{201c}{}\u{201d} is marked done.",
            goal.what
        ),
        GoalEnd::Dropped => format!("Dropped goal \u{201c}{}\u{201d}.", goal.what),
    }))
}

pub(super) async fn reach(
    ctx: &Ctx<'_>,
    company: String,
    why: Option<String>,
) -> Result<Reply, CommandError> {
    let scope = ctx.member.scope();
    let Some(key) = company_key(&company) else {
        return Err(CommandError::User(
            "Name a company, like reach Acme.".into(),
        ));
    };
    let network = ctx.store.contacts(scope).await?;
    let mut own: Vec<&Contact> = network
        .iter()
        .filter(|c| c.company.as_deref().and_then(company_key).as_deref() == Some(key.as_str()))
        .collect();
    own.sort_by_key(|c| (!c.is_due(ctx.now), c.name.to_lowercase()));
    let week = ctx.now - Duration::days(ASK_LAPSES_AFTER_DAYS);
    let count = ctx.store.reach_count(scope, &key, week).await?;
    let mut reply = Reply::text(if own.is_empty() {
        format!("Nobody in your own network is at {company}.")
    } else {
        format!(
            "In your own network at {company}: {}.",
            names(&own, ctx.now)
        )
    });
    reply.push_text(count_line(&count, &company));
    if !count.available.is_empty() {
        let ask = NewAsk {
            workspace: ctx.member.workspace,
            asker: ctx.member.id,
            company: company.clone(),
            why,
        };
        let id = ctx.store.draft_ask(&ask, ctx.now).await?;
        reply.push_text(
            "Ask them for an introduction? Each is asked privately; you'll hear who if one says yes.",
        );
        reply.blocks.push(ask_button(id));
    }
    if !ctx.store.reach_shared(scope).await? {
        reply.push_text(
            "You don't share your reach: settings reach on lets members who need an introduction ask you too (a count only, never your contacts' names).",
        );
    }
    Ok(reply)
}

pub(super) async fn share_reach(ctx: &Ctx<'_>, on: bool) -> Result<Reply, CommandError> {
    ctx.store.share_reach(ctx.member.scope(), on).await?;
    Ok(Reply::text(if on {
        "Reach is on. When members look for an introduction at a company where you know someone, \
         they see a count that includes you: never who, never your contacts' names. If one asks, \
         you get a private message and can say yes or no; nobody is told who said no."
    } else {
        "Reach is off. You're no longer counted in anyone's reach, and nobody can ask you for an \
         introduction through Kith."
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{Field, from_fields, parse};

    fn goal_of(line: &str) -> NewGoal {
        match parse(line) {
            Ok(Command::Goal(goal)) => goal,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn a_goal_is_typed_as_it_reads_and_done_or_drop_take_its_number() {
        let goal = goal_of("goal Move into sales enablement at \"Acme\" #sales");
        assert_eq!(goal.what, "Move into sales enablement");
        assert_eq!(goal.company.as_deref(), Some("Acme"));
        assert_eq!(goal.tags.len(), 1);
        assert_eq!(goal_of("goal \"done deal\"").what, "done deal");
        assert_eq!(
            parse("goal done 2").ok(),
            Some(Command::EndGoal {
                number: 2,
                end: GoalEnd::Done
            })
        );
        assert_eq!(
            parse("goal DROP 1").ok(),
            Some(Command::EndGoal {
                number: 1,
                end: GoalEnd::Dropped
            })
        );
    }

    #[test]
    fn a_goal_without_what_or_number_is_asked_for() {
        let asked = parse("goal").expect_err("nothing typed").to_user_text();
        assert!(asked.starts_with("What is your goal?"), "{asked}");
        let asked = parse("goal done").expect_err("no number").to_user_text();
        assert!(asked.starts_with("Which goal?"), "{asked}");
        for line in ["goal done 0", "goal drop x", "goal done 99"] {
            let refused = parse(line).expect_err(line).to_user_text();
            assert!(
                refused.contains("is not a goal's number"),
                "{line}: {refused}"
            );
        }
    }

    #[test]
    fn the_usage_line_shows_every_form() {
        assert_eq!(
            GOAL.usage(),
            "goal <what> [at \"Company\"] [#tag ...] | done <number> | drop <number>"
        );
    }

    #[test]
    fn typed_inputs_end_a_goal_by_its_number() {
        let fields = [("number".to_string(), Field::Text("3".into()))];
        assert_eq!(
            from_fields(&GOAL, Some("drop"), &fields),
            Ok(Command::EndGoal {
                number: 3,
                end: GoalEnd::Dropped
            })
        );
        let fields = [("what".to_string(), Field::Text("Learn Rust".into()))];
        assert!(matches!(
            from_fields(&GOAL, Some("add"), &fields),
            Ok(Command::Goal(NewGoal { what, .. })) if what == "Learn Rust"
        ));
        let zero = [("number".to_string(), Field::Text("0".into()))];
        let refused = from_fields(&GOAL, Some("done"), &zero).expect_err("zero");
        assert!(
            refused.to_user_text().contains("is not a goal's number"),
            "{refused:?}"
        );
    }
}
