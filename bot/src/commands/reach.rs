//! `goal`, `goals` and `reach`: what a member is working towards and who
//! can help, in their own network and (as a count) in the members who share
//! their reach; `settings reach on|off` is read here too.

use chrono::Duration;

use super::args::ParseError;
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec};
use crate::domain::{Contact, Tag, company_key};
use crate::format::plural;
use crate::reach::asks::{ask_button, count_line};
use crate::reach::{ASK_LAPSES_AFTER_DAYS, GoalEnd, MAX_GOALS, NewAsk, NewGoal};
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
    form: Form::Slots(&[
        Slot::new(
            "what",
            Kind::Phrase {
                max: crate::limits::REASON,
            },
            "Goal",
            "<what>",
            "What you're working towards; or done 2 / drop 2 to end goal 2",
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
    ]),
    build: |values| {
        let what = values.text("what").unwrap_or_default();
        let company = values
            .text("company")
            .map(|c| company(c, "company"))
            .transpose()?;
        let tags = values.tags("tags");
        let words: Vec<&str> = what.split_whitespace().collect();
        let end = match words.as_slice() {
            [verb, n] if verb.eq_ignore_ascii_case("done") => Some((GoalEnd::Done, *n)),
            [verb, n] if verb.eq_ignore_ascii_case("drop") => Some((GoalEnd::Dropped, *n)),
            _ => None,
        };
        if let Some((end, n)) = end {
            let number = n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ParseError::new(format!(
                    "\"{n}\" is not a goal's number; see them with goals, then say goal {} 1.",
                    words[0].to_lowercase()
                ))
            })?;
            if company.is_some() || !tags.is_empty() {
                return Err(ParseError::new(
                    "Ending a goal takes only its number, like goal done 1.",
                ));
            }
            return Ok(Command::EndGoal { number, end });
        }
        Ok(Command::Goal(NewGoal {
            what,
            company,
            tags,
        }))
    },
};

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

/// "Jane Doe (due), Bob Ortiz".
fn names(helpers: &[&Contact], now: chrono::DateTime<chrono::Utc>) -> String {
    helpers
        .iter()
        .map(|c| {
            if c.is_due(now) {
                format!("{} (due)", c.shown())
            } else {
                c.shown()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn about(goal_company: Option<&str>, tags: &[Tag]) -> String {
    let mut parts = Vec::new();
    if let Some(company) = goal_company {
        parts.push(format!("at {company}"));
    }
    parts.extend(tags.iter().map(Tag::to_string));
    if parts.is_empty() {
        String::new()
    } else {
        format!(" · {}", parts.join(" "))
    }
}

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
    for (i, goal) in goals.iter().enumerate() {
        lines.push(format!(
            "{}. {}{}",
            i + 1,
            goal.what,
            about(goal.company.as_deref(), &goal.tags)
        ));
        let helpers = goal.helpers(&network, ctx.now);
        lines.push(if helpers.is_empty() {
            "   Nobody in your network matches it yet.".to_string()
        } else {
            format!("   Can help: {}", names(&helpers, ctx.now))
        });
    }
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
