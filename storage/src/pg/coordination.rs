//! Leases and paces on PostgreSQL, shared by every replica: each is one
//! row changed by one statement, so two replicas never both hold a lease
//! nor both take the same slot of a pace.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kith_bot::coordination::{Pace, micros};

use super::PgStore;

coordination_store!(
    PgStore,
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
);
