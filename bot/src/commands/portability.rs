//! Commands that move a ledger: export, import, forget me.

use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec};
use crate::domain::Entry;
use crate::format::plural;
use crate::portability::{self, Format};
use crate::reply::{Block, Button, File, Reply};

pub const EXPORT: Spec = Spec {
    name: "export",
    summary: "Your whole ledger as files: JSON (imports back into Kith) and CSV.",
    details: "Contacts, check-ins, favours, notes, your goals and your settings. Only you get the files.",
    examples: &["export"],
    group: Group::Account,
    form: Form::Slots(&[]),
    build: |_| Ok(Command::Export),
};

pub async fn export(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let scope = ctx.member.scope();
    // Two reads whatever the network's size: the contacts, then every entry.
    let mut entries: std::collections::HashMap<crate::domain::ContactId, Vec<Entry>> =
        std::collections::HashMap::new();
    for (id, entry) in ctx.store.network_history(scope).await? {
        entries.entry(id).or_default().push(entry);
    }
    let contacts: Vec<_> = ctx
        .store
        .contacts(scope)
        .await?
        .into_iter()
        .map(|contact| {
            let mine = entries.remove(&contact.id).unwrap_or_default();
            (contact, mine)
        })
        .collect();
    let reach = portability::Reach {
        goals: ctx.store.goals(scope).await?,
        shared: ctx.store.reach_shared(scope).await?,
    };
    let ledger = portability::export(
        ctx.member,
        ctx.actor.platform,
        &ctx.actor.workspace,
        &contacts,
        &reach,
        ctx.now,
    );
    let stem = format!(
        "kith-ledger-{}-{}",
        file_safe(&ctx.member.display_name),
        ctx.now.with_timezone(&ctx.member.tz).format("%Y-%m-%d")
    );
    let goals = match ledger.goals.len() {
        0 => String::new(),
        n => format!(", {}", plural(n as i64, "goal", "goals")),
    };
    let mut reply = Reply::text(format!(
        "Your ledger: {}{goals} and {}. The JSON file imports back into Kith (import, with it attached); the CSV opens in a spreadsheet.",
        plural(ledger.contacts.len() as i64, "contact", "contacts"),
        plural(ledger.entries() as i64, "logged entry", "logged entries"),
    ));
    reply.blocks.push(Block::File(File {
        name: format!("{stem}.json"),
        mime: "application/json".into(),
        bytes: ledger.to_json().into_bytes(),
    }));
    reply.blocks.push(Block::File(File {
        name: format!("{stem}.csv"),
        mime: "text/csv".into(),
        bytes: ledger.to_csv().into_bytes(),
    }));
    Ok(reply)
}

pub(super) fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if safe.is_empty() {
        "member".into()
    } else {
        safe
    }
}

/// The line of an import, run later with the file (a queued job).
pub const IMPORT_LINE: &str = "import";

pub const IMPORT: Spec = Spec {
    name: "import",
    summary: "Bring contacts in: LinkedIn Connections.csv, vCard (.vcf), CSV, or a Kith export.",
    details: "Imported people land in the wider tier unless the file says otherwise; anyone already in your network is left as is, so importing the same file twice changes nothing. Rows I cannot read are listed with their line numbers; the rest are imported.",
    examples: &["import"],
    group: Group::Account,
    form: Form::Slots(&[Slot::new(
        "file",
        Kind::File,
        "File",
        "(with a file attached)",
        "LinkedIn Connections.csv, a vCard (.vcf), a CSV, or a Kith export",
    )]),
    build: |_| Ok(Command::Import),
};

const SHOWN_PROBLEMS: usize = 20;

pub async fn import(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let Some(file) = ctx.attachment else {
        return Err(CommandError::User(
            "Attach the file to import: LinkedIn's Connections.csv, a vCard (.vcf), a CSV with a header, or a Kith export (.json).".into(),
        ));
    };
    let parsed =
        portability::parse(&file.name, &file.bytes, ctx.now).map_err(CommandError::User)?;
    let summary = import_parsed(ctx.store, ctx.member, &parsed, ctx.now).await?;
    Ok(Reply::text(summary))
}

/// Imports what was read from a file into the member's network, all or
/// nothing (one transaction), and says what happened. Fellow members named
/// in the file are only linked if they are members of this workspace.
pub async fn import_parsed(
    store: &dyn crate::ports::Store,
    member: &crate::domain::Member,
    parsed: &portability::Parsed,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<String> {
    use crate::domain::ContactRef;
    // A member cannot be their own contact (someone else's export may
    // name them); leave them out rather than refuse the file.
    let mut yourself = 0;
    let mut problems = parsed.problems.clone();
    let mut items = Vec::with_capacity(parsed.items.len());
    for item in &parsed.items {
        if let ContactRef::Member(m) = &item.draft.who {
            if m.id == member.external_id {
                yourself += 1;
                continue;
            }
            // A file cannot bring people into a workspace.
            if store.find_member(member.workspace, &m.id).await?.is_none() {
                problems.push(portability::Problem {
                    line: 0,
                    reason: format!(
                        "skipped {}: there is no member {} in this workspace",
                        item.draft.who.shown(),
                        m.id.chars().take(40).collect::<String>()
                    ),
                });
                continue;
            }
        }
        items.push(item.clone());
    }
    let (added, existing) = store.import(member.scope(), &items, now).await?;
    // Settings come back only from the member's own export.
    let own = parsed.owner.as_deref() == Some(member.external_id.as_str());
    let mut goals_added = 0;
    if own {
        for change in &parsed.settings {
            store
                .change_settings(member.workspace, member.id, change)
                .await?;
        }
        if let Some(on) = parsed.reach {
            store.share_reach(member.scope(), on).await?;
        }
        // Goals come back beside those open now, each once, up to the most
        // Kith keeps.
        let mut open = store.goals(member.scope()).await?;
        for goal in &parsed.goals {
            let same = |g: &crate::reach::Goal| g.what.to_lowercase() == goal.what.to_lowercase();
            if open.iter().any(same) {
                continue;
            }
            if open.len() >= crate::reach::MAX_GOALS {
                problems.push(portability::Problem {
                    line: 0,
                    reason: format!(
                        "goal \"{}\" skipped: you have {} goals, the most Kith keeps",
                        goal.what.chars().take(40).collect::<String>(),
                        crate::reach::MAX_GOALS
                    ),
                });
                continue;
            }
            open.push(store.add_goal(member.scope(), goal, now).await?);
            goals_added += 1;
        }
    }
    let mut lines = vec![format!(
        "Imported {} from {}.",
        plural(added as i64, "contact", "contacts"),
        parsed.format.describe()
    )];
    if parsed.format == Format::Kith {
        lines.push(if own && goals_added > 0 {
            format!(
                "Your settings and {} from the export are restored.",
                plural(goals_added as i64, "goal", "goals")
            )
        } else if own {
            "Your settings from the export are restored.".into()
        } else {
            "The export is someone else's, so your settings are unchanged.".to_string()
        });
    }
    let mut unchanged = Vec::new();
    if existing > 0 {
        unchanged.push(format!(
            "{} already in your network",
            plural(existing as i64, "was", "were")
        ));
    }
    if yourself > 0 {
        unchanged.push("you (you are not your own contact)".to_string());
    }
    if parsed.repeats > 0 {
        unchanged.push(format!(
            "{} repeated in the file",
            plural(parsed.repeats as i64, "was", "were")
        ));
    }
    if !unchanged.is_empty() {
        lines.push(format!("Left as they were: {}.", unchanged.join(", ")));
    }
    if !problems.is_empty() {
        lines.push(format!(
            "{} could not be imported:",
            plural(problems.len() as i64, "row", "rows")
        ));
        for p in problems.iter().take(SHOWN_PROBLEMS) {
            match p.line {
                0 => lines.push(format!("  {}", p.reason)),
                line => lines.push(format!("  line {line}: {}", p.reason)),
            }
        }
        if problems.len() > SHOWN_PROBLEMS {
            lines.push(format!("  ...and {} more", problems.len() - SHOWN_PROBLEMS));
        }
    }
    Ok(lines.join("\n"))
}

pub const FORGET: Spec = Spec {
    name: "forget",
    summary: "Delete everything Kith holds about you in this workspace (asks first).",
    details: "Your network, every logged entry, your settings and any queued messages. Export first if you want a copy. To take one person out, use remove.",
    examples: &["forget me"],
    group: Group::Account,
    form: Form::Slots(&[
        Slot::new("me", Kind::Word("me"), "Me", "me", "You: everything Kith holds about you")
            .ask("Say forget me to delete everything I hold about you here; to take one person out of your network, use remove @someone."),
        Slot::new("confirm", Kind::Flag("confirm"), "Confirm", "[confirm]", "Yes, delete it all now, without asking again")
            .optional(),
    ]),
    build: |values| {
        Ok(Command::Forget {
            confirmed: values.flag("confirm"),
        })
    },
};

/// The id of the confirmation block of `forget me`.
pub const FORGET_BLOCK: &str = "forget";

pub async fn forget(ctx: &Ctx<'_>, confirmed: bool) -> Result<Reply, CommandError> {
    if !confirmed {
        let contacts = ctx.store.contacts(ctx.member.scope()).await?.len();
        let mut reply = Reply::text(format!(
            "This deletes everything I hold about you in this workspace: your network ({}), every check-in, favour and note, your settings and any messages waiting to be sent. It cannot be undone; export first if you want a copy. Sure? Press the button, or type: forget me confirm",
            plural(contacts as i64, "contact", "contacts")
        ));
        reply.blocks.push(Block::Actions {
            id: FORGET_BLOCK.into(),
            buttons: vec![Button {
                label: "Delete everything".into(),
                action: crate::actions::Action::Forget.to_string(),
                primary: false,
            }],
        });
        return Ok(reply);
    }
    Ok(Reply::text(forget_now(ctx.store, ctx.member).await?))
}

/// Deletes the member's data and says what went.
pub async fn forget_now(
    store: &dyn crate::ports::Store,
    member: &crate::domain::Member,
) -> anyhow::Result<String> {
    let (contacts, entries) = store.forget_member(member.workspace, member.id).await?;
    Ok(format!(
        "Done: I've deleted everything I held about you in this workspace ({} and {}, your settings and queued messages). If you use Kith again here, you start afresh.",
        plural(contacts as i64, "contact", "contacts"),
        plural(entries as i64, "logged entry", "logged entries")
    ))
}
