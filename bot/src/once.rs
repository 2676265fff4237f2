//! Once per delivery: a command or button press that the platform delivers
//! twice (Slack's `trigger_id` seen again after a lost answer) writes once.
//!
//! The adapter offers a [`Seal`] for the delivery it is handling
//! ([`Seal::offer`]); the core puts it in force only while a command's or a
//! press's own writes run ([`Seal::apply`]), so finding or creating the
//! member does not count as carrying the command out. A store makes every
//! write under a seal claim the seal's delivery key *in the same
//! transaction* as the write itself: the first write of a delivery claims
//! it, later writes of the same delivery (same owner) go ahead, and a write
//! of another delivery of the same key fails with [`AlreadyCarriedOut`],
//! having written nothing. So the effect and "this delivery was handled"
//! are committed together or not at all: a crash between them cannot make a
//! redelivery write again.
//!
//! A delivery whose command wrote nothing leaves no claim: running it again
//! is harmless (it only read), and a failed command's redelivery runs.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use crate::domain::Platform;

/// What the member is told when another delivery of their command already
/// carried it out and its answer cannot be found in time.
pub const ALREADY_DONE: &str = "That was already done: your command reached me twice and I \
     carried it out the first time. Nothing more was changed.";

tokio::task_local! {
    /// Offered by an adapter for the delivery it is handling.
    static OFFERED: Seal;
    /// In force while the core runs a command's own writes.
    static SEALED: Seal;
    /// Set while a command makes a write that must not claim its delivery
    /// (see [`unsealed`]).
    static SUSPENDED: ();
}

/// Runs `work` with no seal in force, inside a command: for a write whose
/// repetition is harmless and whose answer must not be kept for a
/// redelivery (a one-time link: the answer holds the secret).
pub async fn unsealed<F: Future>(work: F) -> F::Output {
    SUSPENDED.scope((), work).await
}

/// One delivery of a command or press, as a store write claims it.
#[derive(Clone, Debug)]
pub struct Seal {
    pub platform: Platform,
    /// The platform's delivery id (Slack's `trigger_id`, prefixed by kind).
    pub key: String,
    /// This attempt, so that its own later writes recognise its claim.
    pub owner: String,
    /// When the delivery arrived.
    pub at: DateTime<Utc>,
    state: Arc<SealState>,
}

#[derive(Debug, Default)]
struct SealState {
    claimed: AtomicBool,
    refused: AtomicBool,
}

impl Seal {
    pub fn new(platform: Platform, key: impl Into<String>, at: DateTime<Utc>) -> Seal {
        Seal {
            platform,
            key: key.into(),
            owner: format!("{:032x}", rand::random::<u128>()),
            at,
            state: Arc::default(),
        }
    }

    /// Runs `work` (an adapter's handling of one delivery) with this seal
    /// offered to the core.
    pub async fn offer<F: Future>(self, work: F) -> F::Output {
        OFFERED.scope(self, work).await
    }

    /// Runs `work` (a command's or a press's own writes) with the offered
    /// seal, if any, in force.
    pub async fn apply<F: Future>(work: F) -> F::Output {
        match OFFERED.try_with(Clone::clone) {
            Ok(seal) => SEALED.scope(seal, work).await,
            Err(_) => work.await,
        }
    }

    /// The seal in force, for a store making a write.
    pub fn current() -> Option<Seal> {
        if SUSPENDED.try_with(|_| ()).is_ok() {
            return None;
        }
        SEALED.try_with(Clone::clone).ok()
    }

    /// Settles a claim, given the owner a store found holding the key
    /// after inserting its own claim (in a transaction that may still roll
    /// back): this delivery's own, so its write goes ahead; or another's,
    /// so the write must fail with [`AlreadyCarriedOut`].
    pub fn settle(&self, holder: Option<&str>) -> Result<(), AlreadyCarriedOut> {
        if holder == Some(self.owner.as_str()) {
            self.state.claimed.store(true, Ordering::Relaxed);
            Ok(())
        } else {
            self.state.refused.store(true, Ordering::Relaxed);
            Err(AlreadyCarriedOut)
        }
    }

    /// Whether a write of this delivery claimed its key: its answer is
    /// worth keeping for a redelivery.
    pub fn claimed(&self) -> bool {
        self.state.claimed.load(Ordering::Relaxed)
    }

    /// Whether another delivery of the same key had already carried it out.
    pub fn refused(&self) -> bool {
        self.state.refused.load(Ordering::Relaxed)
    }
}

/// A write refused because another delivery of the same command already
/// made its writes.
#[derive(Debug, thiserror::Error)]
#[error("another delivery of this command already carried it out")]
pub struct AlreadyCarriedOut;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_seal_is_in_force_only_where_the_core_applies_it() {
        assert!(Seal::current().is_none());
        let seal = Seal::new(Platform::Slack, "t1", Utc::now());
        let (outside, inside) = seal
            .offer(async {
                let outside = Seal::current().map(|s| s.key);
                let inside = Seal::apply(async { Seal::current().map(|s| s.key) }).await;
                (outside, inside)
            })
            .await;
        assert_eq!(outside, None, "offered is not yet in force");
        assert_eq!(inside.as_deref(), Some("t1"));
        let suspended = Seal::new(Platform::Slack, "t2", Utc::now())
            .offer(Seal::apply(unsealed(async { Seal::current() })))
            .await;
        assert!(suspended.is_none(), "an unsealed write claims nothing");
        // Without an offer, applying puts nothing in force.
        assert!(Seal::apply(async { Seal::current() }).await.is_none());
    }

    #[test]
    fn two_deliveries_have_different_owners() {
        let a = Seal::new(Platform::Slack, "t", Utc::now());
        let b = Seal::new(Platform::Slack, "t", Utc::now());
        assert_ne!(a.owner, b.owner);
        assert!(a.settle(Some(&a.owner)).is_ok());
        assert!(a.claimed() && !b.claimed(), "state is per delivery");
        assert!(b.settle(Some(&a.owner)).is_err());
        assert!(b.refused() && !b.claimed());
        assert!(
            b.settle(None).is_err(),
            "a claim without an owner (older rows) is not ours"
        );
    }
}
