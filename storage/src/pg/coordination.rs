//! Leases and paces on PostgreSQL, shared by every replica: each is one
//! row changed by one statement, so two replicas never both hold a lease
//! nor both take the same slot of a pace.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kith_bot::coordination::{Pace, micros};
use kith_bot::ports::Coordination;

use super::PgStore;
use crate::coordination::{HOLD_LEASE, RELEASE_LEASE};

#[async_trait]
impl Coordination for PgStore {
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        hold: chrono::Duration,
    ) -> anyhow::Result<bool> {
        let held = sqlx::query(HOLD_LEASE)
            .bind(name)
            .bind(holder)
            .bind((now + hold).timestamp_millis())
            .bind(now.timestamp_millis())
            .fetch_optional(&self.pool)
            .await?;
        Ok(held.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> anyhow::Result<()> {
        sqlx::query(RELEASE_LEASE)
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn reserve_slot(
        &self,
        name: &str,
        pace: Pace,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Duration> {
        let now = micros(now);
        // `Pace::advance` in SQL: the due time moves one interval on from
        // itself or from now, whichever is later.
        let first = pace.advance(None, now);
        let step = first - now;
        let due: i64 = sqlx::query_scalar(
            "INSERT INTO paces (name, due_us) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET due_us = GREATEST(paces.due_us, $3) + $4
             RETURNING due_us",
        )
        .bind(name)
        .bind(first)
        .bind(now)
        .bind(step)
        .fetch_one(&self.pool)
        .await?;
        Ok(pace.wait(due, now))
    }
}
