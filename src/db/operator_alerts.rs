//! Alerts to the operator, queued in the outbox once a day per kind (the
//! disk-space guard; the SMS budget has its own table, by level).

use super::{Db, query};

/// Queues `payload` as an outbox message of `outbox_kind` unless `alert`
/// (such as `disk_critical`) was queued already on `day` by any instance.
/// True when queued.
pub async fn alert_once_a_day(
    db: &Db,
    outbox_kind: &str,
    alert: &str,
    day: &str,
    payload: &serde_json::Value,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut transaction = db.begin_write(&[]).await?;
    let fresh =
        query("INSERT INTO operator_alerts (day, alert) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(day)
            .bind(alert)
            .execute(transaction.conn())
            .await?;
    if fresh == 1 {
        super::outbox::enqueue(&mut transaction.conn(), outbox_kind, payload, now).await?;
    }
    transaction.commit().await?;
    Ok(fresh == 1)
}
