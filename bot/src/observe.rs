//! What Kith reports about itself: every metric's name and labels in one
//! place, recorded through the `metrics` facade (a no-op until the binary
//! installs a recorder), and [`Link`], the up/down state of a platform
//! connection that `/readyz` reads. Labels never carry a member,
//! workspace or user id: only bounded sets (command names, outcomes,
//! platforms, kinds).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::domain::Platform;
use crate::ports::Settle;

/// Commands run, by `command` and `outcome` (`ok`, `user_error`, `failure`).
pub const COMMANDS: &str = "kith_commands_total";
/// How long a command took, by `command`.
pub const COMMAND_SECONDS: &str = "kith_command_duration_seconds";
/// Button presses, by `action` and `outcome`.
pub const BUTTONS: &str = "kith_button_presses_total";
/// Delivery attempts settled, by `platform`, `queue` (`reminders`,
/// `notices`) and `result` (`sent`, `retried`, `refused`, `gave_up`,
/// `expired`, `skipped`).
pub const DELIVERIES: &str = "kith_deliveries_total";
/// How long one scheduler tick took.
pub const TICK_SECONDS: &str = "kith_scheduler_tick_duration_seconds";
/// 429 answers from a platform, by `platform`.
pub const RATE_LIMITED: &str = "kith_rate_limited_total";
/// Each wait for a rate limit, by `platform`: its `_sum` is the time
/// waited, its `_count` the number of waits.
pub const RATE_LIMIT_WAIT: &str = "kith_rate_limit_wait_seconds";
/// Reconnects of a platform connection (not the first connect), by `platform`.
pub const RECONNECTS: &str = "kith_platform_reconnects_total";
/// 1 while a platform connection is up, by `platform`.
pub const CONNECTED: &str = "kith_platform_connected";

/// How a command or press ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// The member's mistake; the reply says how to fix it.
    UserError,
    /// Ours (the store failed, a bug): the member got an apology.
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::UserError => "user_error",
            Outcome::Failure => "failure",
        }
    }
}

/// Counts a command and its latency. `command` must come from a bounded
/// set (a command's name, `unknown`).
pub fn command(command: &'static str, outcome: Outcome, took: Duration) {
    metrics::counter!(COMMANDS, "command" => command, "outcome" => outcome.as_str()).increment(1);
    metrics::histogram!(COMMAND_SECONDS, "command" => command).record(took.as_secs_f64());
}

/// Counts a button press.
pub fn press(action: &'static str, outcome: Outcome) {
    metrics::counter!(BUTTONS, "action" => action, "outcome" => outcome.as_str()).increment(1);
}

/// Counts a settled delivery attempt.
pub fn delivery(platform: Platform, queue: &'static str, settle: &Settle) {
    let result = match settle {
        Settle::Sent => "sent",
        Settle::Retry { .. } => "retried",
        Settle::Refused { .. } => "refused",
        Settle::GaveUp { .. } => "gave_up",
        Settle::Expired => "expired",
        Settle::Skipped => "skipped",
    };
    metrics::counter!(DELIVERIES, "platform" => platform.as_str(), "queue" => queue, "result" => result)
        .increment(1);
}

/// Records one scheduler tick's duration.
pub fn tick(took: Duration) {
    metrics::histogram!(TICK_SECONDS).record(took.as_secs_f64());
}

/// Counts a 429 from `platform`.
pub fn rate_limited(platform: Platform) {
    metrics::counter!(RATE_LIMITED, "platform" => platform.as_str()).increment(1);
}

/// Records a wait for a rate limit on `platform`.
pub fn rate_limit_wait(platform: Platform, waited: Duration) {
    metrics::histogram!(RATE_LIMIT_WAIT, "platform" => platform.as_str())
        .record(waited.as_secs_f64());
}

/// Whether a platform connection (Slack's Socket Mode, Discord's Gateway)
/// is up. The adapter says when it connects and disconnects; `/readyz`
/// and the `kith_platform_connected` gauge read it; every connect after
/// the first counts as a reconnect.
#[derive(Debug, Clone)]
pub struct Link(Arc<LinkState>);

#[derive(Debug)]
struct LinkState {
    platform: Platform,
    up: AtomicBool,
    /// Another replica holds the connection; this one stands by to take
    /// it over (see `kith_bot::coordination`), and is ready meanwhile.
    standby: AtomicBool,
    connects: AtomicU64,
}

impl Link {
    /// A link that is down until the adapter connects.
    pub fn new(platform: Platform) -> Link {
        metrics::gauge!(CONNECTED, "platform" => platform.as_str()).set(0.0);
        Link(Arc::new(LinkState {
            platform,
            up: AtomicBool::new(false),
            standby: AtomicBool::new(false),
            connects: AtomicU64::new(0),
        }))
    }

    pub fn platform(&self) -> Platform {
        self.0.platform
    }

    pub fn is_up(&self) -> bool {
        self.0.up.load(Ordering::SeqCst)
    }

    /// Whether the link is as it should be: connected, or standing by
    /// while another replica holds the connection.
    pub fn is_ready(&self) -> bool {
        self.is_up() || self.0.standby.load(Ordering::SeqCst)
    }

    /// Another replica holds the connection (or, `false`, this one is
    /// about to take it).
    pub fn standing_by(&self, standby: bool) {
        self.0.standby.store(standby, Ordering::SeqCst);
    }

    /// How many times it has connected.
    pub fn connects(&self) -> u64 {
        self.0.connects.load(Ordering::SeqCst)
    }

    /// The connection is (again) up.
    pub fn connected(&self) {
        let platform = self.0.platform.as_str();
        if self.0.connects.fetch_add(1, Ordering::SeqCst) > 0 {
            metrics::counter!(RECONNECTS, "platform" => platform).increment(1);
        }
        self.0.up.store(true, Ordering::SeqCst);
        metrics::gauge!(CONNECTED, "platform" => platform).set(1.0);
    }

    /// The connection dropped (the adapter reconnects on its own).
    pub fn disconnected(&self) {
        self.0.up.store(false, Ordering::SeqCst);
        metrics::gauge!(CONNECTED, "platform" => self.0.platform.as_str()).set(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_down_until_it_connects_and_down_again_when_it_drops() {
        let link = Link::new(Platform::Slack);
        assert!(!link.is_up());
        link.connected();
        assert!(link.is_up());
        link.disconnected();
        assert!(!link.is_up());
        link.connected();
        assert_eq!(link.connects(), 2);
    }

    #[test]
    fn a_link_standing_by_for_another_replica_is_ready_but_not_up() {
        let link = Link::new(Platform::Discord);
        assert!(!link.is_ready());
        link.standing_by(true);
        assert!(link.is_ready() && !link.is_up());
        link.standing_by(false);
        assert!(!link.is_ready());
        link.connected();
        assert!(link.is_ready());
    }
}
