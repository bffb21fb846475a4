//! `job_leases`: a periodic job runs once per period across instances. The
//! instance that takes the lease runs the job; the others find it held.

use super::{Db, query};

/// Takes the lease on `job` for `holder` until `until`, if nobody holds it
/// at `now`. True when this caller holds it now.
pub async fn take_lease(
    db: &Db,
    job: &str,
    holder: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let taken = query(
        "INSERT INTO job_leases (job, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE job_leases.until <= $4",
    )
    .bind(job)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(db)
    .await?;
    Ok(taken == 1)
}
