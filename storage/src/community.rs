//! Community over SQLite: the organisers' settings, introductions, the
//! resource library (FTS5), coffee pairing, and the notices each change
//! queues in the same transaction.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kith_bot::community::notices::{NewNotice, NoticeKind};
use kith_bot::community::pairing::PastGroup;
use kith_bot::community::{
    Answer, Answered, Channel, Community, CommunityChange, DueRound, Intro, IntroId, IntroState,
    LedgerWrite, NewIntro, NewResource, NewRound, Pair, PairId, PairingChange, PairingSchedule,
    PairingStatus, Resource, ResourceId, ResourceQuery, Shared,
};
use kith_bot::domain::{
    ContactDraft, ContactRef, Member, MemberId, Mention, Platform, Scope, Tag, Tier, WorkspaceId,
};
use kith_bot::ports::{AnswerEffects, CommunityStore, Effects};
use sqlx::SqliteConnection;

use crate::{MemberRow, SqliteStore, from_secs, insert_contact, insert_entry, load, to_secs};

/// What one party's answer to an introduction does.
pub(crate) enum Decision {
    /// Nothing to record: the answer stands as it is.
    Early(Answered),
    /// Record `party`'s (0 or 1) answer and move the introduction to `state`.
    Record {
        party: usize,
        state: IntroState,
        answered: Answered,
    },
}

/// The rule of double opt-in: a no declines, the second yes connects.
pub(crate) fn answer_decision(
    intro: &Intro,
    member: MemberId,
    accept: bool,
) -> anyhow::Result<Decision> {
    let Some(me) = intro.party(member) else {
        bail!("member {} is not a party to intro {}", member.0, intro.id.0);
    };
    if intro.state != IntroState::Asked {
        return Ok(Decision::Early(Answered::Closed(intro.state)));
    }
    if intro.parties[me].1 != Answer::Waiting {
        return Ok(Decision::Early(Answered::AlreadyAnswered(
            intro.parties[me].1,
        )));
    }
    let (state, answered) = match (accept, intro.parties[1 - me].1) {
        (false, _) => (IntroState::Declined, Answered::Declined),
        (true, Answer::Accepted) => (IntroState::Connected, Answered::Connected),
        (true, _) => (IntroState::Asked, Answered::Waiting),
    };
    Ok(Decision::Record {
        party: me,
        state,
        answered,
    })
}

/// A member of the workspace by id.
pub(crate) async fn member_by_id(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Option<Member>> {
    let row: Option<MemberRow> = sqlx::query_as(concat!(
        "SELECT ",
        member_columns!(""),
        " FROM members WHERE id = ? AND workspace_id = ?"
    ))
    .bind(id)
    .bind(workspace.0)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(MemberRow::into_member))
}

async fn required_member(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Member> {
    member_by_id(conn, workspace, id)
        .await?
        .ok_or_else(|| anyhow!("member {id} is not in workspace {}", workspace.0))
}

/// Queues notices about `subject`; one already queued is left alone.
pub(crate) async fn insert_notices(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    subject: i64,
    notices: &[NewNotice],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for notice in notices {
        sqlx::query(
            "INSERT OR IGNORE INTO notices
                 (workspace_id, kind, subject, member_id, next_attempt_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(workspace.0)
        .bind(notice.kind.as_str())
        .bind(subject)
        .bind(notice.to.map_or(0, |m| m.0))
        .bind(to_secs(notice.not_before))
        .bind(to_secs(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Writes entries into members' ledgers, adding the member an entry is
/// about to the owner's network (wider tier) if needed.
pub(crate) async fn apply_writes(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    writes: &[LedgerWrite],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for write in writes {
        let about = required_member(conn, workspace, write.about.0).await?;
        let scope = Scope {
            workspace,
            member: write.owner,
        };
        let who = ContactRef::Member(Mention {
            id: about.external_id,
            label: None,
        });
        let stored = match load(conn, scope, &who).await? {
            Some(stored) => stored,
            None => {
                let draft = ContactDraft {
                    who,
                    tier: Tier::Wider,
                    cadence: None,
                    company: None,
                    tags: Vec::new(),
                };
                insert_contact(conn, scope, &draft, now).await?
            }
        };
        insert_entry(conn, scope, stored, &write.entry, now).await?;
    }
    Ok(())
}

async fn apply(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    subject: i64,
    effects: &Effects,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    apply_writes(conn, workspace, &effects.writes, now).await?;
    insert_notices(conn, workspace, subject, &effects.notices, now).await
}

#[derive(sqlx::FromRow)]
pub(crate) struct IntroRow {
    id: i64,
    pub(crate) introducer_id: i64,
    pub(crate) a_id: i64,
    pub(crate) b_id: i64,
    why: String,
    a_answer: Option<bool>,
    b_answer: Option<bool>,
    state: String,
    asked_at: i64,
    closed_at: Option<i64>,
    outcome: Option<bool>,
}

async fn intro_by_id(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Option<Intro>> {
    let row: Option<IntroRow> = sqlx::query_as(
        "SELECT id, introducer_id, a_id, b_id, why, a_answer, b_answer, state, asked_at,
                closed_at, outcome
         FROM intros WHERE id = ? AND workspace_id = ?",
    )
    .bind(id)
    .bind(workspace.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let introducer = required_member(conn, workspace, row.introducer_id).await?;
    let a = required_member(conn, workspace, row.a_id).await?;
    let b = required_member(conn, workspace, row.b_id).await?;
    row.into_intro(workspace, introducer, [a, b]).map(Some)
}

impl IntroRow {
    pub(crate) fn into_intro(
        self,
        workspace: WorkspaceId,
        introducer: Member,
        [a, b]: [Member; 2],
    ) -> anyhow::Result<Intro> {
        Ok(Intro {
            id: IntroId(self.id),
            workspace,
            introducer,
            parties: [
                (a, Answer::from_stored(self.a_answer)),
                (b, Answer::from_stored(self.b_answer)),
            ],
            why: self.why,
            state: IntroState::parse(&self.state)
                .ok_or_else(|| anyhow!("stored intro state {} is unknown", self.state))?,
            asked_at: from_secs(self.asked_at)?,
            closed_at: self.closed_at.map(from_secs).transpose()?,
            outcome: self.outcome,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResourceRow {
    id: i64,
    pub(crate) member_id: i64,
    url: String,
    title: String,
    why: Option<String>,
    tags: String,
    shared_at: i64,
}

/// The columns a `ResourceRow` reads, for `concat!` into queries.
macro_rules! resource_columns {
    () => {
        "r.id, r.member_id, r.url, r.title, r.why, r.tags, r.shared_at"
    };
}

async fn into_resource(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    row: ResourceRow,
) -> anyhow::Result<Resource> {
    let shared_by = required_member(conn, workspace, row.member_id).await?;
    row.into_resource(shared_by)
}

impl ResourceRow {
    pub(crate) fn into_resource(self, shared_by: Member) -> anyhow::Result<Resource> {
        Ok(Resource {
            id: ResourceId(self.id),
            url: self.url,
            title: self.title,
            why: self.why,
            tags: self.tags.split_whitespace().map(Tag::from_stored).collect(),
            shared_by,
            shared_at: from_secs(self.shared_at)?,
        })
    }
}

async fn resource_by_id(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Option<Resource>> {
    let row: Option<ResourceRow> = sqlx::query_as(concat!(
        "SELECT ",
        resource_columns!(),
        " FROM resources r WHERE r.id = ? AND r.workspace_id = ?"
    ))
    .bind(id)
    .bind(workspace.0)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(into_resource(conn, workspace, row).await?)),
        None => Ok(None),
    }
}

/// An FTS5 query for what a member typed: each word as a quoted prefix,
/// all required. `None` when nothing searchable is left.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = kith_bot::community::search_terms(text)
        .take(kith_bot::limits::SEARCH_TERMS)
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

fn channel(id: Option<String>) -> Option<Channel> {
    id.map(|id| Channel { id, name: None })
}

#[derive(sqlx::FromRow)]
pub(crate) struct CommunityRow {
    resources_channel: Option<String>,
    intros_channel: Option<String>,
    followup_days: i64,
    pairing_channel: Option<String>,
    pairing_every_days: Option<i64>,
    pairing_next_round_at: Option<i64>,
}

async fn community_of(
    conn: &mut SqliteConnection,
    workspace: WorkspaceId,
) -> anyhow::Result<Community> {
    let row: CommunityRow = sqlx::query_as(
        "SELECT resources_channel, intros_channel, followup_days, pairing_channel,
                pairing_every_days, pairing_next_round_at
         FROM workspaces WHERE id = ?",
    )
    .bind(workspace.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| anyhow!("workspace {} does not exist", workspace.0))?;
    row.into_community()
}

impl CommunityRow {
    pub(crate) fn into_community(self) -> anyhow::Result<Community> {
        let pairing = match (
            self.pairing_channel,
            self.pairing_every_days,
            self.pairing_next_round_at,
        ) {
            (Some(id), Some(every), Some(next)) => Some(PairingSchedule {
                channel: Channel { id, name: None },
                every_days: u32::try_from(every)?,
                next_round_at: from_secs(next)?,
            }),
            _ => None,
        };
        Ok(Community {
            resources: channel(self.resources_channel),
            intros: channel(self.intros_channel),
            followup_days: u32::try_from(self.followup_days)?,
            pairing,
        })
    }
}

/// A workspace whose round is due, as read: id, platform, channel, days
/// between rounds, when the round is due, and its number.
pub(crate) type DueRoundRow = (i64, String, String, i64, i64, i64);

pub(crate) fn due_round(
    (id, platform, channel, every, next, number): DueRoundRow,
) -> anyhow::Result<DueRound> {
    Ok(DueRound {
        workspace: WorkspaceId(id),
        platform: Platform::parse(&platform)
            .ok_or_else(|| anyhow!("stored platform {platform} is unknown"))?,
        schedule: PairingSchedule {
            channel: Channel {
                id: channel,
                name: None,
            },
            every_days: u32::try_from(every)?,
            next_round_at: from_secs(next)?,
        },
        number: u32::try_from(number)?,
    })
}

/// Groups from (rounds ago, pair, member) rows ordered by pair.
pub(crate) fn past_groups(rows: Vec<(i64, i64, i64)>) -> Vec<PastGroup> {
    let mut groups: BTreeMap<i64, PastGroup> = BTreeMap::new();
    for (ago, pair, member) in rows {
        groups
            .entry(pair)
            .or_insert_with(|| PastGroup {
                rounds_ago: u32::try_from(ago).unwrap_or(u32::MAX),
                members: Vec::new(),
            })
            .members
            .push(MemberId(member));
    }
    groups.into_values().collect()
}

/// A group's notices: the match posted now, a follow-up to each member later.
pub(crate) fn group_notices(
    group: &[MemberId],
    round: &NewRound,
    now: DateTime<Utc>,
) -> Vec<NewNotice> {
    let mut notices = vec![NewNotice {
        kind: NoticeKind::PairingMatch,
        to: None,
        not_before: now,
    }];
    notices.extend(group.iter().map(|m| NewNotice {
        kind: NoticeKind::PairingFollowup,
        to: Some(*m),
        not_before: round.followup_at,
    }));
    notices
}

/// The round's post to the pairing channel.
pub(crate) fn round_announcement(now: DateTime<Utc>) -> [NewNotice; 1] {
    [NewNotice {
        kind: NoticeKind::PairingRound,
        to: None,
        not_before: now,
    }]
}

#[async_trait]
impl CommunityStore for SqliteStore {
    async fn community(&self, workspace: WorkspaceId) -> anyhow::Result<Community> {
        let mut conn = self.pool.acquire().await?;
        community_of(&mut conn, workspace).await
    }

    async fn change_community(
        &self,
        workspace: WorkspaceId,
        change: &CommunityChange,
    ) -> anyhow::Result<Community> {
        let mut tx = self.write().await?;
        let query = match change {
            CommunityChange::Resources(c) => {
                sqlx::query("UPDATE workspaces SET resources_channel = ? WHERE id = ?")
                    .bind(c.as_ref().map(|c| c.id.clone()))
                    .bind(workspace.0)
            }
            CommunityChange::Intros(c) => {
                sqlx::query("UPDATE workspaces SET intros_channel = ? WHERE id = ?")
                    .bind(c.as_ref().map(|c| c.id.clone()))
                    .bind(workspace.0)
            }
            CommunityChange::Followup(span) => {
                sqlx::query("UPDATE workspaces SET followup_days = ? WHERE id = ?")
                    .bind(i64::from(span.days()))
                    .bind(workspace.0)
            }
            CommunityChange::Pairing(None) => sqlx::query(
                "UPDATE workspaces SET pairing_channel = NULL, pairing_next_round_at = NULL
                 WHERE id = ?",
            )
            .bind(workspace.0),
            CommunityChange::Pairing(Some(setup)) => {
                let first = setup
                    .first_round_at
                    .ok_or_else(|| anyhow!("a pairing schedule needs its first round's time"))?;
                // A schedule already running keeps its next round.
                sqlx::query(
                    "UPDATE workspaces SET pairing_channel = ?, pairing_every_days = ?,
                            pairing_next_round_at = CASE
                                WHEN pairing_channel IS NULL OR pairing_next_round_at IS NULL THEN ?
                                ELSE pairing_next_round_at END
                     WHERE id = ?",
                )
                .bind(&setup.channel.id)
                .bind(i64::from(setup.every.days()))
                .bind(to_secs(first))
                .bind(workspace.0)
            }
        };
        if query.execute(&mut *tx).await?.rows_affected() != 1 {
            bail!("workspace {} does not exist", workspace.0);
        }
        let after = community_of(&mut tx, workspace).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn create_intro(
        &self,
        intro: &NewIntro,
        notices: &[NewNotice],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Intro> {
        let mut tx = self.write().await?;
        for id in [intro.introducer, intro.parties[0], intro.parties[1]] {
            required_member(&mut tx, intro.workspace, id.0).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO intros (workspace_id, introducer_id, a_id, b_id, why, asked_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(intro.workspace.0)
        .bind(intro.introducer.0)
        .bind(intro.parties[0].0)
        .bind(intro.parties[1].0)
        .bind(&intro.why)
        .bind(to_secs(now))
        .fetch_one(&mut *tx)
        .await?;
        insert_notices(&mut tx, intro.workspace, id, notices, now).await?;
        let stored = intro_by_id(&mut tx, intro.workspace, id)
            .await?
            .ok_or_else(|| anyhow!("intro {id} vanished"))?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn intro(&self, workspace: WorkspaceId, id: IntroId) -> anyhow::Result<Option<Intro>> {
        let mut conn = self.pool.acquire().await?;
        intro_by_id(&mut conn, workspace, id.0).await
    }

    async fn open_intro(
        &self,
        workspace: WorkspaceId,
        parties: [MemberId; 2],
    ) -> anyhow::Result<Option<Intro>> {
        let mut conn = self.pool.acquire().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM intros
             WHERE workspace_id = ?1 AND state = 'asked'
               AND ((a_id = ?2 AND b_id = ?3) OR (a_id = ?3 AND b_id = ?2))
             ORDER BY asked_at DESC LIMIT 1",
        )
        .bind(workspace.0)
        .bind(parties[0].0)
        .bind(parties[1].0)
        .fetch_optional(&mut *conn)
        .await?;
        match id {
            Some(id) => intro_by_id(&mut conn, workspace, id).await,
            None => Ok(None),
        }
    }

    async fn intros_of(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        limit: u32,
    ) -> anyhow::Result<Vec<Intro>> {
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM intros
             WHERE workspace_id = ?1 AND (introducer_id = ?2 OR a_id = ?2 OR b_id = ?2)
             ORDER BY asked_at DESC, id DESC LIMIT ?3",
        )
        .bind(workspace.0)
        .bind(member.0)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
        let mut intros = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(intro) = intro_by_id(&mut conn, workspace, id).await? {
                intros.push(intro);
            }
        }
        Ok(intros)
    }

    async fn answer_intro(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        member: MemberId,
        accept: bool,
        then: &AnswerEffects,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Answered> {
        let mut tx = self.write().await?;
        let Some(intro) = intro_by_id(&mut tx, workspace, id.0).await? else {
            return Ok(Answered::Closed(IntroState::Declined));
        };
        let (me, state, answered) = match answer_decision(&intro, member, accept)? {
            Decision::Early(answered) => return Ok(answered),
            Decision::Record {
                party,
                state,
                answered,
            } => (party, state, answered),
        };
        let closed = (state != IntroState::Asked).then(|| to_secs(now));
        let update = if me == 0 {
            sqlx::query(
                "UPDATE intros SET a_answer = ?, state = ?, closed_at = ? WHERE id = ? AND state = 'asked'",
            )
        } else {
            sqlx::query(
                "UPDATE intros SET b_answer = ?, state = ?, closed_at = ? WHERE id = ? AND state = 'asked'",
            )
        };
        update
            .bind(accept)
            .bind(state.as_str())
            .bind(closed)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        match answered {
            Answered::Connected => apply(&mut tx, workspace, id.0, &then.connect, now).await?,
            Answered::Declined => apply(&mut tx, workspace, id.0, &then.decline, now).await?,
            _ => {}
        }
        tx.commit().await?;
        Ok(answered)
    }

    async fn lapse_intro(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let lapsed = sqlx::query(
            "UPDATE intros SET state = 'lapsed', closed_at = ?
             WHERE id = ? AND workspace_id = ? AND state = 'asked'",
        )
        .bind(to_secs(now))
        .bind(id.0)
        .bind(workspace.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(lapsed == 1)
    }

    async fn intro_outcome(
        &self,
        workspace: WorkspaceId,
        id: IntroId,
        met: bool,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE intros SET outcome = ? WHERE id = ? AND workspace_id = ?")
            .bind(met)
            .bind(id.0)
            .bind(workspace.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn share(
        &self,
        resource: &NewResource,
        notices: &[NewNotice],
        writes: &[LedgerWrite],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Shared> {
        let workspace = resource.workspace;
        let mut tx = self.write().await?;
        if resource.shared_with.is_none() {
            let there: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM resources
                 WHERE workspace_id = ? AND url_key = ? AND to_member_id IS NULL",
            )
            .bind(workspace.0)
            .bind(&resource.key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = there {
                let there = resource_by_id(&mut tx, workspace, id)
                    .await?
                    .ok_or_else(|| anyhow!("resource {id} vanished"))?;
                return Ok(Shared::Duplicate(there));
            }
        }
        let tags: Vec<&str> = resource.tags.iter().map(Tag::as_str).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO resources
                 (workspace_id, member_id, to_member_id, url, url_key, title, why, tags, shared_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(workspace.0)
        .bind(resource.shared_by.0)
        .bind(resource.shared_with.map(|m| m.0))
        .bind(&resource.url)
        .bind(&resource.key)
        .bind(&resource.title)
        .bind(&resource.why)
        .bind(tags.join(" "))
        .bind(to_secs(now))
        .fetch_one(&mut *tx)
        .await?;
        apply_writes(&mut tx, workspace, writes, now).await?;
        insert_notices(&mut tx, workspace, id, notices, now).await?;
        let stored = resource_by_id(&mut tx, workspace, id)
            .await?
            .ok_or_else(|| anyhow!("resource {id} vanished"))?;
        tx.commit().await?;
        Ok(Shared::Stored(stored))
    }

    async fn resource(
        &self,
        workspace: WorkspaceId,
        id: ResourceId,
    ) -> anyhow::Result<Option<Resource>> {
        let mut conn = self.pool.acquire().await?;
        resource_by_id(&mut conn, workspace, id.0).await
    }

    async fn search_resources(
        &self,
        workspace: WorkspaceId,
        query: &ResourceQuery,
        limit: u32,
    ) -> anyhow::Result<Vec<Resource>> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<ResourceRow> = match query {
            ResourceQuery::Latest => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    resource_columns!(),
                    " FROM resources r WHERE r.workspace_id = ? AND r.to_member_id IS NULL
                     ORDER BY r.shared_at DESC, r.id DESC LIMIT ?"
                ))
                .bind(workspace.0)
                .bind(i64::from(limit))
                .fetch_all(&mut *conn)
                .await?
            }
            ResourceQuery::Tag(tag) => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    resource_columns!(),
                    " FROM resources r
                     WHERE r.workspace_id = ? AND r.to_member_id IS NULL
                       AND (' ' || r.tags || ' ') LIKE '% ' || ? || ' %' ESCAPE '\\'
                     ORDER BY r.shared_at DESC, r.id DESC LIMIT ?"
                ))
                .bind(workspace.0)
                .bind(
                    tag.as_str()
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_"),
                )
                .bind(i64::from(limit))
                .fetch_all(&mut *conn)
                .await?
            }
            ResourceQuery::Text(text) => {
                let Some(matching) = fts_query(text) else {
                    return Ok(Vec::new());
                };
                sqlx::query_as(concat!(
                    "SELECT ",
                    resource_columns!(),
                    " FROM resources_fts f JOIN resources r ON r.id = f.rowid
                     WHERE resources_fts MATCH ? AND r.workspace_id = ? AND r.to_member_id IS NULL
                     ORDER BY f.rank, r.shared_at DESC LIMIT ?"
                ))
                .bind(matching)
                .bind(workspace.0)
                .bind(i64::from(limit))
                .fetch_all(&mut *conn)
                .await?
            }
        };
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            found.push(into_resource(&mut conn, workspace, row).await?);
        }
        Ok(found)
    }

    async fn pairing_status(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<PairingStatus> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT paused_until FROM pairing_members WHERE member_id = ? AND workspace_id = ?",
        )
        .bind(member.0)
        .bind(workspace.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => PairingStatus::Out,
            Some((Some(until),)) if until > to_secs(now) => {
                PairingStatus::PausedUntil(from_secs(until)?)
            }
            Some(_) => PairingStatus::In,
        })
    }

    async fn change_pairing(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        change: PairingChange,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let query = match change {
            PairingChange::Join => sqlx::query(
                "INSERT INTO pairing_members (member_id, workspace_id, joined_at)
                 SELECT id, workspace_id, ?1 FROM members WHERE id = ?2 AND workspace_id = ?3
                 ON CONFLICT (member_id) DO UPDATE SET paused_until = NULL",
            )
            .bind(to_secs(now))
            .bind(member.0)
            .bind(workspace.0),
            PairingChange::Leave => {
                sqlx::query("DELETE FROM pairing_members WHERE member_id = ? AND workspace_id = ?")
                    .bind(member.0)
                    .bind(workspace.0)
            }
            PairingChange::PauseUntil(until) => sqlx::query(
                "UPDATE pairing_members SET paused_until = ? WHERE member_id = ? AND workspace_id = ?",
            )
            .bind(to_secs(until))
            .bind(member.0)
            .bind(workspace.0),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn due_rounds(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<DueRound>> {
        let rows: Vec<DueRoundRow> = sqlx::query_as(
            "SELECT w.id, w.platform, w.pairing_channel, w.pairing_every_days,
                    w.pairing_next_round_at,
                    (SELECT COALESCE(MAX(number), 0) + 1 FROM pairing_rounds r
                      WHERE r.workspace_id = w.id)
             FROM workspaces w
             WHERE w.pairing_channel IS NOT NULL AND w.pairing_every_days IS NOT NULL
               AND w.pairing_next_round_at <= ?
             ORDER BY w.pairing_next_round_at",
        )
        .bind(to_secs(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(due_round).collect()
    }

    async fn pairing_pool(
        &self,
        workspace: WorkspaceId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Member>> {
        let rows: Vec<MemberRow> = sqlx::query_as(concat!(
            "SELECT ",
            member_columns!("m."),
            " FROM members m JOIN pairing_members p ON p.member_id = m.id
             WHERE p.workspace_id = ? AND m.dms = 1
               AND (p.paused_until IS NULL OR p.paused_until <= ?)
             ORDER BY m.id"
        ))
        .bind(workspace.0)
        .bind(to_secs(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(MemberRow::into_member).collect())
    }

    async fn recent_groups(
        &self,
        workspace: WorkspaceId,
        rounds: u32,
    ) -> anyhow::Result<Vec<PastGroup>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT last.n - r.number + 1, pm.pair_id, pm.member_id
             FROM pairing_rounds r
             JOIN (SELECT MAX(number) AS n FROM pairing_rounds WHERE workspace_id = ?1) last
             JOIN pairs p ON p.round_id = r.id
             JOIN pair_members pm ON pm.pair_id = p.id
             WHERE r.workspace_id = ?1 AND r.number > last.n - ?2
             ORDER BY pm.pair_id, pm.member_id",
        )
        .bind(workspace.0)
        .bind(i64::from(rounds))
        .fetch_all(&self.pool)
        .await?;
        Ok(past_groups(rows))
    }

    async fn save_round(&self, round: &NewRound, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let workspace = round.workspace;
        let mut tx = self.write().await?;
        let moved = sqlx::query(
            "UPDATE workspaces SET pairing_next_round_at = ?
             WHERE id = ? AND pairing_next_round_at = ? AND pairing_channel IS NOT NULL",
        )
        .bind(to_secs(round.next_round_at))
        .bind(workspace.0)
        .bind(to_secs(round.due_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            return Ok(false);
        }
        if round.groups.is_empty() {
            tx.commit().await?;
            return Ok(true);
        }
        let round_id: i64 = sqlx::query_scalar(
            "INSERT INTO pairing_rounds (workspace_id, number, made_at) VALUES (?, ?, ?)
             RETURNING id",
        )
        .bind(workspace.0)
        .bind(i64::from(round.number))
        .bind(to_secs(now))
        .fetch_one(&mut *tx)
        .await?;
        for group in &round.groups {
            let pair: i64 =
                sqlx::query_scalar("INSERT INTO pairs (round_id) VALUES (?) RETURNING id")
                    .bind(round_id)
                    .fetch_one(&mut *tx)
                    .await?;
            for member in group {
                sqlx::query("INSERT INTO pair_members (pair_id, member_id) VALUES (?, ?)")
                    .bind(pair)
                    .bind(member.0)
                    .execute(&mut *tx)
                    .await?;
            }
            let notices = group_notices(group, round, now);
            insert_notices(&mut tx, workspace, pair, &notices, now).await?;
        }
        let announce = round_announcement(now);
        insert_notices(&mut tx, workspace, i64::from(round.number), &announce, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn round_size(&self, workspace: WorkspaceId, number: u32) -> anyhow::Result<u32> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pairs p JOIN pairing_rounds r ON r.id = p.round_id
             WHERE r.workspace_id = ? AND r.number = ?",
        )
        .bind(workspace.0)
        .bind(i64::from(number))
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count)?)
    }

    async fn pair(&self, workspace: WorkspaceId, id: PairId) -> anyhow::Result<Option<Pair>> {
        let mut conn = self.pool.acquire().await?;
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT r.number, p.met_at FROM pairs p
             JOIN pairing_rounds r ON r.id = p.round_id
             WHERE p.id = ? AND r.workspace_id = ?",
        )
        .bind(id.0)
        .bind(workspace.0)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((number, met_at)) = row else {
            return Ok(None);
        };
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT member_id FROM pair_members WHERE pair_id = ? ORDER BY member_id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut members = Vec::with_capacity(ids.len());
        for member in ids {
            if let Some(m) = member_by_id(&mut conn, workspace, member).await? {
                members.push(m);
            }
        }
        Ok(Some(Pair {
            id,
            workspace,
            round: u32::try_from(number)?,
            members,
            met_at: met_at.map(from_secs).transpose()?,
        }))
    }

    async fn pair_met(
        &self,
        workspace: WorkspaceId,
        id: PairId,
        writes: &[LedgerWrite],
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write().await?;
        let first = sqlx::query(
            "UPDATE pairs SET met_at = ? WHERE id = ? AND met_at IS NULL
               AND round_id IN (SELECT id FROM pairing_rounds WHERE workspace_id = ?)",
        )
        .bind(to_secs(now))
        .bind(id.0)
        .bind(workspace.0)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if first {
            apply_writes(&mut tx, workspace, writes, now).await?;
        }
        tx.commit().await?;
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_become_quoted_prefixes() {
        assert_eq!(
            fts_query("Customer interviews!").as_deref(),
            Some("\"customer\"* \"interviews\"*")
        );
        // FTS5 syntax typed by a member is only ever words to find.
        assert_eq!(
            fts_query("NEAR(a OR").as_deref(),
            Some("\"near\"* \"a\"* \"or\"*")
        );
        assert_eq!(fts_query("\" * -"), None);
    }
}
