//! Claiming a command's delivery key in the transaction of its write (see
//! `kith_bot::once`).

use kith_bot::once::Seal;
use sqlx::SqliteConnection;

/// Claims `seal`'s delivery key for its owner inside the open transaction:
/// the first write of a delivery inserts the claim, its later writes find
/// their own, and a write of another delivery fails with
/// `AlreadyCarriedOut` ([`Seal::settle`]), to be rolled back with
/// everything it wrote.
pub async fn claim(conn: &mut SqliteConnection, seal: &Seal) -> anyhow::Result<()> {
    let owner: Option<String> = sqlx::query_scalar(
        "INSERT INTO command_answers (platform, delivery_key, owner, started_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (platform, delivery_key) DO UPDATE SET owner = owner
         RETURNING owner",
    )
    .bind(seal.platform.as_str())
    .bind(&seal.key)
    .bind(&seal.owner)
    .bind(seal.at.timestamp())
    .fetch_one(&mut *conn)
    .await?;
    Ok(seal.settle(owner.as_deref())?)
}
