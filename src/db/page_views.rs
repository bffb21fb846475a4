//! The `page_views` table.

use super::{Db, query};

pub async fn all(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    query("SELECT path, views FROM page_views")
        .fetch_all(db)
        .await
}

/// Adds the counts in one transaction: all or nothing. Several instances
/// add to the same rows, so each page shows the total of all of them.
pub async fn add(db: &Db, increments: &[(String, u64)]) -> Result<(), sqlx::Error> {
    let mut transaction = db.begin_write(&[]).await?;
    let now = crate::clock::iso_now();
    for (path, count) in increments {
        query(
            "INSERT INTO page_views (path, views) VALUES ($1, $2)
             ON CONFLICT (path) DO UPDATE SET views = page_views.views + $2, updated_at = $3",
        )
        .bind(path)
        .bind(i64::try_from(*count).unwrap_or(i64::MAX))
        .bind(&now)
        .execute(transaction.conn())
        .await?;
    }
    transaction.commit().await
}
