use anyhow::bail;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kith_bot::community::notices::NewNotice;
use kith_bot::community::pairing::PastGroup;
use kith_bot::community::*;
use kith_bot::domain::{Member, MemberId, WorkspaceId};
use kith_bot::ports::{CommunityStore, Effects};

use crate::SqliteStore;

#[async_trait]
impl CommunityStore for SqliteStore {
    async fn community(&self, _workspace: WorkspaceId) -> anyhow::Result<Community> {
        bail!("community: not implemented yet")
    }

    async fn change_community(
        &self,
        _workspace: WorkspaceId,
        _change: &CommunityChange,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<Community> {
        bail!("change_community: not implemented yet")
    }

    async fn create_intro(
        &self,
        _intro: &NewIntro,
        _notices: &[NewNotice],
        _now: DateTime<Utc>,
    ) -> anyhow::Result<Intro> {
        bail!("create_intro: not implemented yet")
    }

    async fn intro(&self, _workspace: WorkspaceId, _id: IntroId) -> anyhow::Result<Option<Intro>> {
        bail!("intro: not implemented yet")
    }

    async fn open_intro(
        &self,
        _workspace: WorkspaceId,
        _parties: [MemberId; 2],
    ) -> anyhow::Result<Option<Intro>> {
        bail!("open_intro: not implemented yet")
    }

    async fn intros_of(
        &self,
        _workspace: WorkspaceId,
        _member: MemberId,
        _limit: u32,
    ) -> anyhow::Result<Vec<Intro>> {
        bail!("intros_of: not implemented yet")
    }

    async fn answer_intro(
        &self,
        _workspace: WorkspaceId,
        _id: IntroId,
        _member: MemberId,
        _accept: bool,
        _on_connect: &Effects,
        _on_decline: &Effects,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<Answered> {
        bail!("answer_intro: not implemented yet")
    }

    async fn lapse_intro(
        &self,
        _workspace: WorkspaceId,
        _id: IntroId,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        bail!("lapse_intro: not implemented yet")
    }

    async fn intro_outcome(
        &self,
        _workspace: WorkspaceId,
        _id: IntroId,
        _met: bool,
    ) -> anyhow::Result<()> {
        bail!("intro_outcome: not implemented yet")
    }

    async fn share(
        &self,
        _resource: &NewResource,
        _notices: &[NewNotice],
        _writes: &[LedgerWrite],
        _now: DateTime<Utc>,
    ) -> anyhow::Result<Shared> {
        bail!("share: not implemented yet")
    }

    async fn resource(
        &self,
        _workspace: WorkspaceId,
        _id: ResourceId,
    ) -> anyhow::Result<Option<Resource>> {
        bail!("resource: not implemented yet")
    }

    async fn search_resources(
        &self,
        _workspace: WorkspaceId,
        _query: &ResourceQuery,
        _limit: u32,
    ) -> anyhow::Result<Vec<Resource>> {
        bail!("search_resources: not implemented yet")
    }

    async fn pairing_status(
        &self,
        _workspace: WorkspaceId,
        _member: MemberId,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<PairingStatus> {
        bail!("pairing_status: not implemented yet")
    }

    async fn change_pairing(
        &self,
        _workspace: WorkspaceId,
        _member: MemberId,
        _change: PairingChange,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        bail!("change_pairing: not implemented yet")
    }

    async fn due_rounds(&self, _now: DateTime<Utc>) -> anyhow::Result<Vec<DueRound>> {
        bail!("due_rounds: not implemented yet")
    }

    async fn pairing_pool(
        &self,
        _workspace: WorkspaceId,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Member>> {
        bail!("pairing_pool: not implemented yet")
    }

    async fn recent_groups(
        &self,
        _workspace: WorkspaceId,
        _rounds: u32,
    ) -> anyhow::Result<Vec<PastGroup>> {
        bail!("recent_groups: not implemented yet")
    }

    async fn save_round(&self, _round: &NewRound, _now: DateTime<Utc>) -> anyhow::Result<bool> {
        bail!("save_round: not implemented yet")
    }

    async fn round_size(&self, _workspace: WorkspaceId, _number: u32) -> anyhow::Result<u32> {
        bail!("round_size: not implemented yet")
    }

    async fn pair(&self, _workspace: WorkspaceId, _id: PairId) -> anyhow::Result<Option<Pair>> {
        bail!("pair: not implemented yet")
    }

    async fn pair_met(
        &self,
        _workspace: WorkspaceId,
        _id: PairId,
        _writes: &[LedgerWrite],
        _now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        bail!("pair_met: not implemented yet")
    }
}
