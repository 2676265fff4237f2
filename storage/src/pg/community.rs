//! Community over PostgreSQL: introductions, the resource library
//! (full-text search over a generated tsvector with a GIN index), coffee
//! pairing, and the notices each change queues in the same transaction.

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kith_bot::community::notices::NewNotice;
use kith_bot::community::pairing::PastGroup;
use kith_bot::community::{
    Answered, Community, CommunityChange, DueRound, Intro, IntroId, IntroState, LedgerWrite,
    NewIntro, NewResource, NewRound, Pair, PairId, PairingChange, PairingStatus, Resource,
    ResourceId, ResourceQuery, Shared,
};
use kith_bot::domain::{
    ContactDraft, ContactRef, Member, MemberId, Mention, Scope, Tag, Tier, WorkspaceId,
};
use kith_bot::ports::{AnswerEffects, CommunityStore, Effects};
use sqlx::PgConnection;

use super::{PgStore, insert_contact, insert_entry, load};
use crate::community::{
    CommunityRow, Decision, DueRoundRow, IntroRow, ResourceRow, answer_decision, due_round,
    group_notices, past_groups, round_announcement,
};
use crate::{MemberRow, from_secs, to_secs};

pub(crate) async fn member_by_id(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Option<Member>> {
    let row: Option<MemberRow> = sqlx::query_as(concat!(
        "SELECT ",
        member_columns!(""),
        " FROM members WHERE id = $1 AND workspace_id = $2"
    ))
    .bind(id)
    .bind(workspace.0)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(MemberRow::into_member))
}

async fn required_member(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Member> {
    member_by_id(conn, workspace, id)
        .await?
        .ok_or_else(|| anyhow!("member {id} is not in workspace {}", workspace.0))
}

/// Queues notices about `subject`; one already queued is left alone.
pub(crate) async fn insert_notices(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    subject: i64,
    notices: &[NewNotice],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for notice in notices {
        sqlx::query(
            "INSERT INTO notices (workspace_id, kind, subject, member_id, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
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

pub(crate) async fn apply_writes(
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    subject: i64,
    effects: &Effects,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    apply_writes(conn, workspace, &effects.writes, now).await?;
    insert_notices(conn, workspace, subject, &effects.notices, now).await
}

async fn intro_by_id(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Option<Intro>> {
    let row: Option<IntroRow> = sqlx::query_as(
        "SELECT id, introducer_id, a_id, b_id, why, a_answer, b_answer, state, asked_at,
                closed_at, outcome
         FROM intros WHERE id = $1 AND workspace_id = $2",
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

macro_rules! resource_columns {
    () => {
        "r.id, r.member_id, r.url, r.title, r.why, r.tags, r.shared_at"
    };
}

async fn into_resources(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    rows: Vec<ResourceRow>,
) -> anyhow::Result<Vec<Resource>> {
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let by = required_member(conn, workspace, row.member_id).await?;
        found.push(row.into_resource(by)?);
    }
    Ok(found)
}

async fn resource_by_id(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
    id: i64,
) -> anyhow::Result<Option<Resource>> {
    let row: Option<ResourceRow> = sqlx::query_as(concat!(
        "SELECT ",
        resource_columns!(),
        " FROM resources r WHERE r.id = $1 AND r.workspace_id = $2"
    ))
    .bind(id)
    .bind(workspace.0)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(into_resources(conn, workspace, row.into_iter().collect())
        .await?
        .pop())
}

/// A tsquery for what a member typed: each word (letters and digits only,
/// so it needs no escaping) a quoted prefix, all required. `None` when
/// nothing searchable is left.
fn ts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = kith_bot::community::search_terms(text)
        .take(kith_bot::limits::SEARCH_TERMS)
        .map(|w| format!("'{}':*", w.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

async fn community_of(
    conn: &mut PgConnection,
    workspace: WorkspaceId,
) -> anyhow::Result<Community> {
    let row: CommunityRow = sqlx::query_as(
        "SELECT resources_channel, intros_channel, followup_days, pairing_channel,
                pairing_every_days, pairing_next_round_at
         FROM workspaces WHERE id = $1",
    )
    .bind(workspace.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| anyhow!("workspace {} does not exist", workspace.0))?;
    row.into_community()
}

#[async_trait]
impl CommunityStore for PgStore {
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
                sqlx::query("UPDATE workspaces SET resources_channel = $2 WHERE id = $1")
                    .bind(workspace.0)
                    .bind(c.as_ref().map(|c| c.id.clone()))
            }
            CommunityChange::Intros(c) => {
                sqlx::query("UPDATE workspaces SET intros_channel = $2 WHERE id = $1")
                    .bind(workspace.0)
                    .bind(c.as_ref().map(|c| c.id.clone()))
            }
            CommunityChange::Followup(span) => {
                sqlx::query("UPDATE workspaces SET followup_days = $2 WHERE id = $1")
                    .bind(workspace.0)
                    .bind(i64::from(span.days()))
            }
            CommunityChange::Pairing(None) => sqlx::query(
                "UPDATE workspaces SET pairing_channel = NULL, pairing_next_round_at = NULL
                 WHERE id = $1",
            )
            .bind(workspace.0),
            CommunityChange::Pairing(Some(setup)) => {
                let first = setup
                    .first_round_at
                    .ok_or_else(|| anyhow!("a pairing schedule needs its first round's time"))?;
                sqlx::query(
                    "UPDATE workspaces SET pairing_channel = $2, pairing_every_days = $3,
                            pairing_next_round_at = CASE
                                WHEN pairing_channel IS NULL OR pairing_next_round_at IS NULL THEN $4
                                ELSE pairing_next_round_at END
                     WHERE id = $1",
                )
                .bind(workspace.0)
                .bind(&setup.channel.id)
                .bind(i64::from(setup.every.days()))
                .bind(to_secs(first))
            }
        };
        if query.execute(&mut *tx).await?.rows_affected() != 1 {
            anyhow::bail!("workspace {} does not exist", workspace.0);
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
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
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
             WHERE workspace_id = $1 AND state = 'asked'
               AND ((a_id = $2 AND b_id = $3) OR (a_id = $3 AND b_id = $2))
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
             WHERE workspace_id = $1 AND (introducer_id = $2 OR a_id = $2 OR b_id = $2)
             ORDER BY asked_at DESC, id DESC LIMIT $3",
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
        // The row is locked first, so two answers (from two replicas) are
        // decided one after the other.
        sqlx::query("SELECT 1 FROM intros WHERE id = $1 AND workspace_id = $2 FOR UPDATE")
            .bind(id.0)
            .bind(workspace.0)
            .execute(&mut *tx)
            .await?;
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
                "UPDATE intros SET a_answer = $1, state = $2, closed_at = $3
                 WHERE id = $4 AND state = 'asked'",
            )
        } else {
            sqlx::query(
                "UPDATE intros SET b_answer = $1, state = $2, closed_at = $3
                 WHERE id = $4 AND state = 'asked'",
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
            "UPDATE intros SET state = 'lapsed', closed_at = $1
             WHERE id = $2 AND workspace_id = $3 AND state = 'asked'",
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
        sqlx::query("UPDATE intros SET outcome = $1 WHERE id = $2 AND workspace_id = $3")
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
        let tags: Vec<&str> = resource.tags.iter().map(Tag::as_str).collect();
        // A library link already there (perhaps shared on another replica a
        // moment ago) is found by its unique key, not inserted twice.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO resources
                 (workspace_id, member_id, to_member_id, url, url_key, title, why, tags, shared_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (workspace_id, url_key) WHERE to_member_id IS NULL DO NOTHING
             RETURNING id",
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
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            let there: i64 = sqlx::query_scalar(
                "SELECT id FROM resources
                 WHERE workspace_id = $1 AND url_key = $2 AND to_member_id IS NULL",
            )
            .bind(workspace.0)
            .bind(&resource.key)
            .fetch_one(&mut *tx)
            .await?;
            let there = resource_by_id(&mut tx, workspace, there)
                .await?
                .ok_or_else(|| anyhow!("resource {id:?} vanished"))?;
            return Ok(Shared::Duplicate(there));
        };
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
                    " FROM resources r WHERE r.workspace_id = $1 AND r.to_member_id IS NULL
                     ORDER BY r.shared_at DESC, r.id DESC LIMIT $2"
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
                     WHERE r.workspace_id = $1 AND r.to_member_id IS NULL
                       AND $2 = ANY (string_to_array(r.tags, ' '))
                     ORDER BY r.shared_at DESC, r.id DESC LIMIT $3"
                ))
                .bind(workspace.0)
                .bind(tag.as_str())
                .bind(i64::from(limit))
                .fetch_all(&mut *conn)
                .await?
            }
            ResourceQuery::Text(text) => {
                let Some(matching) = ts_query(text) else {
                    return Ok(Vec::new());
                };
                sqlx::query_as(concat!(
                    "SELECT ",
                    resource_columns!(),
                    " FROM resources r, to_tsquery('english', $1) q
                     WHERE r.search @@ q AND r.workspace_id = $2 AND r.to_member_id IS NULL
                     ORDER BY ts_rank(r.search, q) DESC, r.shared_at DESC, r.id DESC LIMIT $3"
                ))
                .bind(matching)
                .bind(workspace.0)
                .bind(i64::from(limit))
                .fetch_all(&mut *conn)
                .await?
            }
        };
        into_resources(&mut conn, workspace, rows).await
    }

    async fn pairing_status(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<PairingStatus> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT paused_until FROM pairing_members WHERE member_id = $1 AND workspace_id = $2",
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
                 SELECT id, workspace_id, $3 FROM members WHERE id = $1 AND workspace_id = $2
                 ON CONFLICT (member_id) DO UPDATE SET paused_until = NULL",
            )
            .bind(member.0)
            .bind(workspace.0)
            .bind(to_secs(now)),
            PairingChange::Leave => sqlx::query(
                "DELETE FROM pairing_members WHERE member_id = $1 AND workspace_id = $2",
            )
            .bind(member.0)
            .bind(workspace.0),
            PairingChange::PauseUntil(until) => sqlx::query(
                "UPDATE pairing_members SET paused_until = $3
                 WHERE member_id = $1 AND workspace_id = $2",
            )
            .bind(member.0)
            .bind(workspace.0)
            .bind(to_secs(until)),
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
               AND w.pairing_next_round_at <= $1
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
             WHERE p.workspace_id = $1 AND m.dms
               AND (p.paused_until IS NULL OR p.paused_until <= $2)
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
             CROSS JOIN (SELECT MAX(number) AS n FROM pairing_rounds WHERE workspace_id = $1) last
             JOIN pairs p ON p.round_id = r.id
             JOIN pair_members pm ON pm.pair_id = p.id
             WHERE r.workspace_id = $1 AND r.number > last.n - $2
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
        // The schedule moves on only if it still stands where this round
        // was computed: the row lock makes a second replica's round wait,
        // then find it moved.
        let moved = sqlx::query(
            "UPDATE workspaces SET pairing_next_round_at = $1
             WHERE id = $2 AND pairing_next_round_at = $3 AND pairing_channel IS NOT NULL",
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
            "INSERT INTO pairing_rounds (workspace_id, number, made_at) VALUES ($1, $2, $3)
             RETURNING id",
        )
        .bind(workspace.0)
        .bind(i64::from(round.number))
        .bind(to_secs(now))
        .fetch_one(&mut *tx)
        .await?;
        for group in &round.groups {
            let pair: i64 =
                sqlx::query_scalar("INSERT INTO pairs (round_id) VALUES ($1) RETURNING id")
                    .bind(round_id)
                    .fetch_one(&mut *tx)
                    .await?;
            for member in group {
                sqlx::query("INSERT INTO pair_members (pair_id, member_id) VALUES ($1, $2)")
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
             WHERE r.workspace_id = $1 AND r.number = $2",
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
             WHERE p.id = $1 AND r.workspace_id = $2",
        )
        .bind(id.0)
        .bind(workspace.0)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((number, met_at)) = row else {
            return Ok(None);
        };
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT member_id FROM pair_members WHERE pair_id = $1 ORDER BY member_id",
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
            "UPDATE pairs SET met_at = $1 WHERE id = $2 AND met_at IS NULL
               AND round_id IN (SELECT id FROM pairing_rounds WHERE workspace_id = $3)",
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
    fn search_words_become_quoted_prefixes_all_required() {
        assert_eq!(
            ts_query("Customer interviews!").as_deref(),
            Some("'customer':* & 'interviews':*")
        );
        // tsquery syntax typed by a member is only ever words to find.
        assert_eq!(
            ts_query("a | !b & c:*").as_deref(),
            Some("'a':* & 'b':* & 'c':*")
        );
        assert_eq!(ts_query("' * -"), None);
    }
}
