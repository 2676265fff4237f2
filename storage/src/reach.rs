//! Goals and reach (`kith_bot::reach::ReachStore`), one implementation for
//! both engines: the SQL is written once (`$n` placeholders, which SQLite
//! reads too) and [`reach_store!`] makes the impl for each store from the
//! same text, with that engine's own helpers (members, notices, ledger
//! writes).
//!
//! No query here returns a contact's name or any column of another
//! member's contacts: reach counts members by whether a contact of theirs
//! has a company key (see `tests/reach.rs`, which checks it on both engines).

use kith_bot::domain::company_key;

/// The key stored beside a contact's company: the matching key, or empty
/// when the company has nothing to match by (so the backfill knows it is
/// done); `None` when there is no company.
pub(crate) fn stored_company_key(company: Option<&str>) -> Option<String> {
    company.map(|c| company_key(c).unwrap_or_default())
}

pub(crate) const ADD_GOAL: &str = "INSERT INTO goals
        (workspace_id, member_id, what, company, company_key, tags, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
pub(crate) const GOALS: &str = "SELECT id, what, company, tags, created_at FROM goals
     WHERE workspace_id = $1 AND member_id = $2 AND state = 'open'
     ORDER BY created_at, id LIMIT 100";
pub(crate) const END_GOAL: &str = "UPDATE goals SET state = $1, closed_at = $2
     WHERE id = $3 AND workspace_id = $4 AND member_id = $5 AND state = 'open'";
pub(crate) const REACH_SHARED: &str =
    "SELECT reach_shared FROM members WHERE id = $1 AND workspace_id = $2";
pub(crate) const SHARE_REACH: &str =
    "UPDATE members SET reach_shared = $1 WHERE id = $2 AND workspace_id = $3";
/// Member ids and a count of their recent asks: never a contact's column.
pub(crate) const REACH_COUNT: &str = "SELECT m.id,
        (SELECT COUNT(*) FROM reach_asked a WHERE a.helper_id = m.id AND a.asked_at > $1)
     FROM members m
     WHERE m.workspace_id = $2 AND m.id <> $3 AND m.reach_shared = TRUE AND m.dms = TRUE
       AND EXISTS (SELECT 1 FROM contacts c
                   WHERE c.workspace_id = $2 AND c.owner_id = m.id AND c.company_key = $4
                     AND (c.member_id IS NULL OR c.member_id <> $3))
     ORDER BY m.id";
pub(crate) const DRAFT_ASK: &str = "INSERT INTO reach_asks
        (workspace_id, asker_id, company, why, created_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING id";
pub(crate) const OPEN_ASKS: &str = "SELECT COUNT(*) FROM reach_asks
     WHERE workspace_id = $1 AND asker_id = $2 AND state = 'open' AND asked_at > $3";
pub(crate) const START_ASK: &str = "UPDATE reach_asks SET state = 'open', asked_at = $1
     WHERE id = $2 AND workspace_id = $3 AND asker_id = $4 AND state = 'draft'";
pub(crate) const ADD_ASKED: &str =
    "INSERT INTO reach_asked (ask_id, workspace_id, helper_id, asked_at)
     VALUES ($1, $2, $3, $4) RETURNING id";
pub(crate) const ASK: &str = "SELECT id, asker_id, company, why, state, asked_at FROM reach_asks
     WHERE id = $1 AND workspace_id = $2";
pub(crate) const ASKED: &str = "SELECT ask_id, helper_id, answer, outcome FROM reach_asked
     WHERE id = $1 AND workspace_id = $2";
/// Records an answer only while the ask is open to answers.
pub(crate) const ANSWER: &str = "UPDATE reach_asked SET answer = $1, answered_at = $2
     WHERE id = $3 AND workspace_id = $4 AND helper_id = $5 AND answer IS NULL
       AND EXISTS (SELECT 1 FROM reach_asks a WHERE a.id = reach_asked.ask_id
                   AND a.state IN ('open', 'helped') AND a.asked_at > $6)";
pub(crate) const HELPED: &str = "UPDATE reach_asks SET state = 'helped', closed_at = $1
     WHERE id = $2 AND state = 'open'";
/// Ends an ask whose every part ended without a yes.
pub(crate) const NOBODY: &str = "UPDATE reach_asks SET state = 'nobody', closed_at = $1
     WHERE id = $2 AND state = 'open'
       AND NOT EXISTS (SELECT 1 FROM reach_asked WHERE ask_id = $2
                       AND (answer IS NULL OR answer = TRUE))";
pub(crate) const LAPSE: &str = "UPDATE reach_asks SET state = 'nobody', closed_at = $1
     WHERE id = $2 AND workspace_id = $3 AND state = 'open'";
pub(crate) const FOLLOWED_UP: &str = "UPDATE reach_asked SET outcome = $1
     WHERE id = $2 AND workspace_id = $3 AND helper_id = $4 AND answer = TRUE AND outcome IS NULL";
pub(crate) const UNKEYED: &str = "SELECT id, company FROM contacts
     WHERE company IS NOT NULL AND company_key IS NULL ORDER BY id LIMIT 1000";
pub(crate) const SET_KEY: &str = "UPDATE contacts SET company_key = $1 WHERE id = $2";

/// `ReachStore` for one engine's store; `$community` is that engine's
/// community module (members, notices and ledger writes in a transaction).
macro_rules! reach_store {
    ($store:ty, $community:path) => {
        use $community as engine;

        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use kith_bot::community::LedgerWrite;
        use kith_bot::community::notices::{NewNotice, NoticeKind};
        use kith_bot::domain::{MemberId, Scope, Tag, WorkspaceId, company_key};
        use kith_bot::reach::{
            Ask, AskAnswered, AskEffects, AskId, AskState, Asked, AskedId, Goal, GoalEnd, GoalId,
            MAX_ASKS_PER_WEEK, NewAsk, NewGoal, ReachCount, ReachStore,
        };

        use crate::reach as sql;
        use crate::{from_secs, to_secs};

        impl $store {
            /// Gives contacts written before company keys existed theirs.
            pub(crate) async fn backfill_company_keys(&self) -> anyhow::Result<()> {
                loop {
                    let rows: Vec<(i64, String)> =
                        sqlx::query_as(sql::UNKEYED).fetch_all(&self.pool).await?;
                    if rows.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.pool.begin().await?;
                    for (id, company) in rows {
                        sqlx::query(sql::SET_KEY)
                            .bind(sql::stored_company_key(Some(&company)))
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                }
            }

            async fn ask_row(
                &self,
                workspace: WorkspaceId,
                id: i64,
            ) -> anyhow::Result<Option<Ask>> {
                let row: Option<(i64, i64, String, Option<String>, String, Option<i64>)> =
                    sqlx::query_as(sql::ASK)
                        .bind(id)
                        .bind(workspace.0)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some((id, asker, company, why, state, asked_at)) = row else {
                    return Ok(None);
                };
                let mut conn = self.pool.acquire().await?;
                let Some(asker) = engine::member_by_id(&mut conn, workspace, asker).await? else {
                    return Ok(None);
                };
                Ok(Some(Ask {
                    id: AskId(id),
                    workspace,
                    asker,
                    company,
                    why,
                    state: AskState::parse(&state)
                        .ok_or_else(|| anyhow::anyhow!("stored ask state {state} is unknown"))?,
                    asked_at: asked_at.map(from_secs).transpose()?,
                }))
            }
        }

        #[async_trait]
        impl ReachStore for $store {
            async fn add_goal(
                &self,
                scope: Scope,
                goal: &NewGoal,
                now: DateTime<Utc>,
            ) -> anyhow::Result<Goal> {
                let tags: Vec<&str> = goal.tags.iter().map(Tag::as_str).collect();
                let mut tx = self.write().await?;
                let id: i64 = sqlx::query_scalar(sql::ADD_GOAL)
                    .bind(scope.workspace.0)
                    .bind(scope.member.0)
                    .bind(&goal.what)
                    .bind(&goal.company)
                    .bind(goal.company.as_deref().and_then(company_key))
                    .bind(tags.join(" "))
                    .bind(to_secs(now))
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Goal {
                    id: GoalId(id),
                    what: goal.what.clone(),
                    company: goal.company.clone(),
                    tags: goal.tags.clone(),
                    created_at: from_secs(to_secs(now))?,
                })
            }

            async fn goals(&self, scope: Scope) -> anyhow::Result<Vec<Goal>> {
                let rows: Vec<(i64, String, Option<String>, String, i64)> =
                    sqlx::query_as(sql::GOALS)
                        .bind(scope.workspace.0)
                        .bind(scope.member.0)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter()
                    .map(|(id, what, company, tags, created_at)| {
                        Ok(Goal {
                            id: GoalId(id),
                            what,
                            company,
                            tags: tags.split_whitespace().map(Tag::from_stored).collect(),
                            created_at: from_secs(created_at)?,
                        })
                    })
                    .collect()
            }

            async fn end_goal(
                &self,
                scope: Scope,
                id: GoalId,
                end: GoalEnd,
                now: DateTime<Utc>,
            ) -> anyhow::Result<bool> {
                let mut tx = self.write().await?;
                let ended = sqlx::query(sql::END_GOAL)
                    .bind(end.as_str())
                    .bind(to_secs(now))
                    .bind(id.0)
                    .bind(scope.workspace.0)
                    .bind(scope.member.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(ended == 1)
            }

            async fn reach_shared(&self, scope: Scope) -> anyhow::Result<bool> {
                let on: Option<bool> = sqlx::query_scalar(sql::REACH_SHARED)
                    .bind(scope.member.0)
                    .bind(scope.workspace.0)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(on.unwrap_or(false))
            }

            async fn share_reach(&self, scope: Scope, on: bool) -> anyhow::Result<()> {
                let mut tx = self.write().await?;
                sqlx::query(sql::SHARE_REACH)
                    .bind(on)
                    .bind(scope.member.0)
                    .bind(scope.workspace.0)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn reach_count(
                &self,
                scope: Scope,
                key: &str,
                since: DateTime<Utc>,
            ) -> anyhow::Result<ReachCount> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(sql::REACH_COUNT)
                    .bind(to_secs(since))
                    .bind(scope.workspace.0)
                    .bind(scope.member.0)
                    .bind(key)
                    .fetch_all(&self.pool)
                    .await?;
                let mut count = ReachCount::default();
                for (member, recent) in rows {
                    if recent < i64::from(MAX_ASKS_PER_WEEK) {
                        count.available.push(MemberId(member));
                    } else {
                        count.busy += 1;
                    }
                }
                Ok(count)
            }

            async fn draft_ask(&self, ask: &NewAsk, now: DateTime<Utc>) -> anyhow::Result<AskId> {
                let mut tx = self.write().await?;
                let id: i64 = sqlx::query_scalar(sql::DRAFT_ASK)
                    .bind(ask.workspace.0)
                    .bind(ask.asker.0)
                    .bind(&ask.company)
                    .bind(&ask.why)
                    .bind(to_secs(now))
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(AskId(id))
            }

            async fn open_asks(&self, scope: Scope, since: DateTime<Utc>) -> anyhow::Result<u32> {
                let n: i64 = sqlx::query_scalar(sql::OPEN_ASKS)
                    .bind(scope.workspace.0)
                    .bind(scope.member.0)
                    .bind(to_secs(since))
                    .fetch_one(&self.pool)
                    .await?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            }

            async fn start_ask(
                &self,
                scope: Scope,
                id: AskId,
                helpers: &[MemberId],
                lapse: &NewNotice,
                now: DateTime<Utc>,
            ) -> anyhow::Result<bool> {
                let mut tx = self.write().await?;
                let started = sqlx::query(sql::START_ASK)
                    .bind(to_secs(now))
                    .bind(id.0)
                    .bind(scope.workspace.0)
                    .bind(scope.member.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if started != 1 {
                    return Ok(false);
                }
                for helper in helpers {
                    let asked: i64 = sqlx::query_scalar(sql::ADD_ASKED)
                        .bind(id.0)
                        .bind(scope.workspace.0)
                        .bind(helper.0)
                        .bind(to_secs(now))
                        .fetch_one(&mut *tx)
                        .await?;
                    let notice = NewNotice {
                        kind: NoticeKind::ReachAsk,
                        to: Some(*helper),
                        not_before: now,
                    };
                    engine::insert_notices(&mut tx, scope.workspace, asked, &[notice], now).await?;
                }
                engine::insert_notices(
                    &mut tx,
                    scope.workspace,
                    id.0,
                    std::slice::from_ref(lapse),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn ask(&self, workspace: WorkspaceId, id: AskId) -> anyhow::Result<Option<Ask>> {
                self.ask_row(workspace, id.0).await
            }

            async fn asked(
                &self,
                workspace: WorkspaceId,
                id: AskedId,
            ) -> anyhow::Result<Option<Asked>> {
                let row: Option<(i64, i64, Option<bool>, Option<bool>)> =
                    sqlx::query_as(sql::ASKED)
                        .bind(id.0)
                        .bind(workspace.0)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some((ask, helper, answer, outcome)) = row else {
                    return Ok(None);
                };
                let Some(ask) = self.ask_row(workspace, ask).await? else {
                    return Ok(None);
                };
                let mut conn = self.pool.acquire().await?;
                let Some(helper) = engine::member_by_id(&mut conn, workspace, helper).await? else {
                    return Ok(None);
                };
                Ok(Some(Asked {
                    id,
                    ask,
                    helper,
                    answer,
                    outcome,
                }))
            }

            async fn answer_ask(
                &self,
                workspace: WorkspaceId,
                id: AskedId,
                helper: MemberId,
                accept: bool,
                then: &AskEffects,
                now: DateTime<Utc>,
            ) -> anyhow::Result<AskAnswered> {
                let open_since =
                    now - chrono::Duration::days(kith_bot::reach::ASK_LAPSES_AFTER_DAYS);
                let mut tx = self.write().await?;
                let recorded = sqlx::query(sql::ANSWER)
                    .bind(accept)
                    .bind(to_secs(now))
                    .bind(id.0)
                    .bind(workspace.0)
                    .bind(helper.0)
                    .bind(to_secs(open_since))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if recorded != 1 {
                    return Ok(AskAnswered::Stale);
                }
                let (ask, ..): (i64, i64, Option<bool>, Option<bool>) = sqlx::query_as(sql::ASKED)
                    .bind(id.0)
                    .bind(workspace.0)
                    .fetch_one(&mut *tx)
                    .await?;
                if accept {
                    sqlx::query(sql::HELPED)
                        .bind(to_secs(now))
                        .bind(ask)
                        .execute(&mut *tx)
                        .await?;
                    engine::insert_notices(&mut tx, workspace, id.0, &then.yes, now).await?;
                } else {
                    let ended = sqlx::query(sql::NOBODY)
                        .bind(to_secs(now))
                        .bind(ask)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if ended == 1 {
                        engine::insert_notices(&mut tx, workspace, ask, &then.nobody, now).await?;
                    }
                }
                tx.commit().await?;
                Ok(AskAnswered::Recorded)
            }

            async fn lapse_ask(
                &self,
                workspace: WorkspaceId,
                id: AskId,
                now: DateTime<Utc>,
            ) -> anyhow::Result<bool> {
                let mut tx = self.write().await?;
                let lapsed = sqlx::query(sql::LAPSE)
                    .bind(to_secs(now))
                    .bind(id.0)
                    .bind(workspace.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(lapsed == 1)
            }

            async fn ask_followed_up(
                &self,
                workspace: WorkspaceId,
                id: AskedId,
                helper: MemberId,
                met: bool,
                credit: &[LedgerWrite],
                now: DateTime<Utc>,
            ) -> anyhow::Result<bool> {
                let mut tx = self.write().await?;
                let recorded = sqlx::query(sql::FOLLOWED_UP)
                    .bind(met)
                    .bind(id.0)
                    .bind(workspace.0)
                    .bind(helper.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if recorded != 1 {
                    return Ok(false);
                }
                if met {
                    engine::apply_writes(&mut tx, workspace, credit, now).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}

mod sqlite {
    reach_store!(crate::SqliteStore, crate::community);
}
