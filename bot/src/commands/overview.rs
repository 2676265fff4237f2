//! Commands that look across the network: due, balance.

use super::contacts::{command_ref, due_cell, labels_shown};
use super::{Command, CommandError, Ctx, Form, Group, Spec};
use crate::format::{date, plural, relative, signed};
use crate::reply::{Reply, Table};

pub const DUE: Spec = Spec {
    name: "due",
    summary: "Who is due a check-in, most overdue first.",
    details: "Someone is due once their cadence has passed since your last touch, favour or note (or since you added them), unless snoozed.",
    examples: &["due"],
    group: Group::Ledger,
    form: Form::Slots(&[]),
    build: |_| Ok(Command::Due),
};

/// How many people `due` shows: the most overdue first; the count says
/// how many more.
pub const DUE_ROWS: u32 = 20;

pub async fn due(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let list = ctx
        .store
        .due_contacts(ctx.member.scope(), ctx.now, DUE_ROWS)
        .await?;
    if list.network == 0 {
        return Ok(Reply::text(
            "Your network is empty. Start with: add @alice inner",
        ));
    }
    let tz = ctx.member.tz;
    let Some(first) = list.top.first() else {
        let next = list.next.as_ref().map(|c| {
            format!(
                " Next up: {}, {} ({}).",
                c.shown(),
                date(ctx.now, c.next_due(), tz),
                relative(ctx.now, c.next_due(), tz)
            )
        });
        return Ok(Reply::text(format!(
            "Nobody is due for a check-in.{}",
            next.unwrap_or_default()
        )));
    };
    // Namesakes are told apart, here and in the hint below.
    let labels = labels_shown(ctx, &list.top).await?;
    let label =
        |c: &crate::domain::Contact| labels.get(&c.id).cloned().unwrap_or_else(|| c.shown());
    let mut table = Table::new(["Contact", "Tier", "Last contact", "Due"]);
    for c in &list.top {
        table.row([
            label(c),
            c.tier.to_string(),
            c.last_contact
                .map(|t| relative(ctx.now, t, tz))
                .unwrap_or_else(|| "never".into()),
            due_cell(ctx, c),
        ]);
    }
    let shown = list.top.len() as u32;
    let mut reply = Reply::text(if shown < list.due {
        format!(
            "Time to check in: {} due; the {shown} most overdue first",
            plural(i64::from(list.due), "person is", "people are")
        )
    } else {
        format!(
            "Time to check in: {} due",
            plural(i64::from(list.due), "person is", "people are")
        )
    });
    reply.push_table(table);
    reply.push_text(format!(
        "Log a check-in with: touch {} coffee",
        command_ref(first, &label(first))
    ));
    Ok(reply)
}

pub const MAP: Spec = Spec {
    name: "map",
    summary: "A picture of your network: rings by tier, dots by status.",
    details: "Inner, close and wider rings around you; green on track, amber due, red overdue; bigger dots for more recent contact; colleagues side by side. Sent as a PNG.",
    examples: &["map"],
    group: Group::Ledger,
    form: Form::Slots(&[]),
    build: |_| Ok(Command::Map),
};

pub async fn map(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let contacts = ctx.store.contacts(ctx.member.scope()).await?;
    let name = &ctx.member.display_name;
    let drawn = crate::map::render(name, &contacts, ctx.now)?;
    let mut reply = Reply::text(format!(
        "Your network map: {}. Green is on track, amber due, red overdue.",
        plural(contacts.len() as i64, "contact", "contacts")
    ));
    reply
        .blocks
        .push(crate::reply::Block::File(crate::reply::File {
            name: format!(
                "kith-map-{}-{}.png",
                super::portability::file_safe(name),
                ctx.now.with_timezone(&ctx.member.tz).format("%Y-%m-%d")
            ),
            mime: "image/png".into(),
            bytes: drawn.png,
        }));
    Ok(reply)
}

pub const BALANCE: Spec = Spec {
    name: "balance",
    summary: "Favours given and received, per person.",
    details: "Balance is favours you gave minus favours you received: negative means you owe one, positive that they have only been taking.",
    examples: &["balance"],
    group: Group::Ledger,
    form: Form::Slots(&[]),
    build: |_| Ok(Command::Balance),
};

/// How many people `balance` shows: the most lopsided, the ones to act on.
/// A long table is hard to read in a chat (and Discord cuts messages at
/// 2,000 characters); `export` has everyone.
pub const BALANCE_ROWS: u32 = 20;

pub async fn balance(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let balance = ctx
        .store
        .favour_balance(ctx.member.scope(), BALANCE_ROWS)
        .await?;
    if balance.people == 0 {
        return Ok(Reply::text(
            "No favours logged yet. Log one with: gave @alice reviewed her resume (or got @alice ...)",
        ));
    }
    let labels = labels_shown(ctx, &balance.top).await?;
    let label =
        |c: &crate::domain::Contact| labels.get(&c.id).cloned().unwrap_or_else(|| c.shown());
    let mut table = Table::new(["Contact", "Gave", "Got", "Balance"]);
    for c in &balance.top {
        table.row([
            label(c),
            c.favours_given.to_string(),
            c.favours_received.to_string(),
            signed(c.balance()),
        ]);
    }
    let shown = balance.top.len() as u32;
    let mut reply = Reply::text(if shown < balance.people {
        format!(
            "Your favour balance (gave minus got): the {shown} most lopsided of {} people",
            balance.people
        )
    } else {
        "Your favour balance (gave minus got)".to_string()
    });
    reply.push_table(table);
    let mut summary = format!(
        "In all you gave {} and got {}.",
        plural(balance.given, "favour", "favours"),
        plural(balance.received, "favour", "favours")
    );
    let owe: Vec<String> = balance
        .top
        .iter()
        .filter(|c| c.balance() < 0)
        .map(label)
        .collect();
    if !owe.is_empty() {
        summary.push_str(&format!(" You owe: {}", owe.join(", ")));
        match balance.owing.saturating_sub(owe.len() as u32) {
            0 => summary.push('.'),
            more => summary.push_str(&format!(" and {more} more.")),
        }
    }
    if shown < balance.people {
        summary.push_str(" Everyone is in your export (type export).");
    }
    reply.push_text(summary);
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::super::{Command, parse};

    #[test]
    fn due_and_balance_take_no_arguments() {
        assert_eq!(parse("due"), Ok(Command::Due));
        assert_eq!(parse("balance"), Ok(Command::Balance));
        let err = parse("due @alice").expect_err("extra");
        assert!(
            err.message.contains("didn't expect \"@alice\""),
            "{}",
            err.message
        );
        assert_eq!(err.usage, Some("due".to_string()));
    }
}
