//! Claiming a command's delivery key in the transaction of its write (see
//! `kith_bot::once`).

use kith_bot::once::{AlreadyCarriedOut, Seal};
use sqlx::SqliteConnection;

/// The claim: inserted by a delivery's first write, found again by its
/// later ones; returns the owner holding the key.
macro_rules! claim_sql {
    () => {
        "INSERT INTO command_answers (platform, delivery_key, owner, started_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (platform, delivery_key) DO UPDATE SET owner = owner
         RETURNING owner"
    };
}

/// The group-commit writer opens a command's savepoint and claims its
/// delivery in one round trip: the first savepoint of a batch...
pub const OPEN_AND_CLAIM: &str = concat!("SAVEPOINT command;\n", claim_sql!());
/// ...and every later one, which also releases the one before.
pub const NEXT_AND_CLAIM: &str = concat!("RELEASE command; SAVEPOINT command;\n", claim_sql!());

/// Claims `seal`'s delivery key for its owner inside the open transaction:
/// the first write of a delivery inserts the claim, its later writes find
/// their own, and a write of another delivery fails with
/// `AlreadyCarriedOut` ([`Seal::settle`]), to be rolled back with
/// everything it wrote.
pub async fn claim(conn: &mut SqliteConnection, seal: &Seal) -> anyhow::Result<()> {
    Ok(claim_with(conn, claim_sql!(), seal).await??)
}

/// Runs `sql` (ending in the claim; see [`OPEN_AND_CLAIM`]) and settles
/// the claim: a database error outside, the claim's own verdict inside.
pub async fn claim_with(
    conn: &mut SqliteConnection,
    sql: &'static str,
    seal: &Seal,
) -> Result<Result<(), AlreadyCarriedOut>, sqlx::Error> {
    let owner: Option<String> = sqlx::query_scalar(sql)
        .bind(seal.platform.as_str())
        .bind(&seal.key)
        .bind(&seal.owner)
        .bind(seal.at.timestamp())
        .fetch_one(&mut *conn)
        .await?;
    Ok(seal.settle(owner.as_deref()))
}
