//! The `page_views` table.

use sqlx::SqlitePool;

pub async fn all(pool: &SqlitePool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT path, views FROM page_views")
        .fetch_all(pool)
        .await
}

/// Adds the counts in one transaction: all or nothing.
pub async fn add(pool: &SqlitePool, increments: &[(String, u64)]) -> Result<(), sqlx::Error> {
    let mut transaction = super::begin_write(pool).await?;
    for (path, count) in increments {
        sqlx::query(
            "INSERT INTO page_views (path, views) VALUES (?1, ?2)
             ON CONFLICT (path) DO UPDATE SET views = views + ?2,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(path)
        .bind(i64::try_from(*count).unwrap_or(i64::MAX))
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await
}
