//! What the replicas of one installation agree on through the store: who
//! holds a named lease (a Discord gateway shard: one connection per shard
//! across every replica) and a pace shared by all of them (Discord's global
//! limit per bot). The store keeps the state ([`crate::ports::Coordination`]);
//! the rules are here, so both engines apply the same ones.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ports::Coordination;

/// A pace shared by every replica: up to `burst` at once, then one every
/// `interval`. In any window of length W at most `burst + W / interval`
/// go out (a generic cell rate: the store keeps one number per pace, the
/// theoretical time the next slot is due).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub interval: Duration,
    pub burst: u32,
}

impl Pace {
    /// Discord's global limit is 50 requests a second per bot: 45 a second
    /// in bursts of up to 5 keeps any one second, wherever it starts, to at
    /// most 50, on every replica together.
    pub const DISCORD_GLOBAL: Pace = Pace {
        interval: Duration::from_micros(22_223),
        burst: 5,
    };

    fn interval_us(&self) -> i64 {
        i64::try_from(self.interval.as_micros())
            .unwrap_or(i64::MAX)
            .max(1)
    }

    fn tolerance_us(&self) -> i64 {
        self.interval_us()
            .saturating_mul(i64::from(self.burst.max(1) - 1))
    }

    /// The next due time after taking one slot when the last one stood at
    /// `due` (none yet: `None`), at `now` (microseconds since the epoch).
    /// The stores compute exactly this in one statement.
    pub fn advance(&self, due: Option<i64>, now: i64) -> i64 {
        due.unwrap_or(now)
            .max(now)
            .saturating_add(self.interval_us())
    }

    /// How long the slot that moved the due time to `due` must wait, at
    /// `now`.
    pub fn wait(&self, due: i64, now: i64) -> Duration {
        let start = due - self.interval_us() - self.tolerance_us();
        Duration::from_micros(u64::try_from(start - now).unwrap_or(0))
    }
}

/// Microseconds since the epoch, as the stores keep a pace's due time.
pub fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// How long a lease is held and how often it is renewed and sought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTimes {
    /// How long a lease lasts unless renewed: a replica that dies (kill -9)
    /// leaves its lease to another after at most this long.
    pub hold: Duration,
    /// How often the holder renews.
    pub renew_every: Duration,
    /// How often a replica without the lease tries to take it.
    pub retry_every: Duration,
}

impl Default for LeaseTimes {
    fn default() -> Self {
        LeaseTimes {
            hold: Duration::from_secs(30),
            renew_every: Duration::from_secs(10),
            retry_every: Duration::from_secs(5),
        }
    }
}

/// A set of named leases held together by one holder (a replica's
/// gateway shards): all of them or none.
pub struct Leases<'a> {
    store: &'a dyn Coordination,
    names: Vec<String>,
    holder: String,
    hold: Duration,
}

impl<'a> Leases<'a> {
    pub fn new(
        store: &'a dyn Coordination,
        names: Vec<String>,
        holder: impl Into<String>,
        hold: Duration,
    ) -> Leases<'a> {
        Leases {
            store,
            names,
            holder: holder.into(),
            hold,
        }
    }

    /// Takes (or renews) every lease: `true` if this holder has them all
    /// now; if any is another's, gives back those it took and says `false`.
    pub async fn take(&self, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let hold = chrono::Duration::from_std(self.hold)?;
        for (taken, name) in self.names.iter().enumerate() {
            if !self.store.hold_lease(name, &self.holder, now, hold).await? {
                for name in &self.names[..taken] {
                    self.store.release_lease(name, &self.holder).await?;
                }
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Gives every lease back (a clean stop), so another replica need not
    /// wait for them to lapse.
    pub async fn release(&self) -> anyhow::Result<()> {
        for name in &self.names {
            self.store.release_lease(name, &self.holder).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most slots a pace lets start in any window of `window_us`,
    /// found by taking slots as fast as allowed.
    fn most_in_any_window(pace: Pace, window_us: i64, slots: usize) -> usize {
        let mut due = None;
        let mut starts = Vec::new();
        let now = 1_000_000;
        for _ in 0..slots {
            let next = pace.advance(due, now);
            let wait = i64::try_from(pace.wait(next, now).as_micros()).expect("fits");
            starts.push(now + wait);
            due = Some(next);
        }
        starts
            .iter()
            .map(|s| {
                starts
                    .iter()
                    .filter(|t| **t >= *s && **t < s + window_us)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn discords_pace_never_lets_more_than_fifty_start_in_any_second() {
        // 49: the interval is rounded up to whole microseconds, which
        // leaves one under the limit.
        assert_eq!(most_in_any_window(Pace::DISCORD_GLOBAL, 1_000_000, 500), 49);
        // Half a second: the burst plus the steady rate, no more.
        assert!(most_in_any_window(Pace::DISCORD_GLOBAL, 500_000, 500) <= 28);
    }

    #[test]
    fn an_idle_pace_lets_a_burst_go_at_once_then_spaces_the_rest() {
        let pace = Pace {
            interval: Duration::from_millis(100),
            burst: 3,
        };
        let now = 5_000_000;
        let mut due = None;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let next = pace.advance(due, now);
            waits.push(pace.wait(next, now).as_millis());
            due = Some(next);
        }
        assert_eq!(waits, [0, 0, 0, 100, 200]);
        // Long idle: the due time is in the past, and a burst is allowed again.
        let later = now + 10_000_000;
        let next = pace.advance(due, later);
        assert_eq!(pace.wait(next, later), Duration::ZERO);
    }
}
