//! The `assessments` table.

use sqlx::SqlitePool;

use crate::scoring::{Assessment, Profile};

#[derive(Debug, sqlx::FromRow)]
struct Row {
    answers: String,
    result: String,
}

/// A stored self-test: the answers and the result as the visitor saw it.
#[derive(Debug, Clone)]
pub struct StoredAssessment {
    pub profile: Profile,
    pub assessment: Assessment,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("stored assessment is not readable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

pub async fn insert(
    pool: &SqlitePool,
    token: &str,
    profile: &Profile,
    assessment: &Assessment,
) -> Result<(), Error> {
    let answers = serde_json::to_string(profile)?;
    let result = serde_json::to_string(assessment)?;
    sqlx::query(
        "INSERT INTO assessments (token, rule_set, answers, result, total, reaches_standard)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(token)
    .bind(&assessment.rule_set)
    .bind(answers)
    .bind(result)
    .bind(assessment.total)
    .bind(assessment.reaches_standard)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn find(pool: &SqlitePool, token: &str) -> Result<Option<StoredAssessment>, Error> {
    let row: Option<Row> =
        sqlx::query_as("SELECT answers, result FROM assessments WHERE token = ?")
            .bind(token)
            .fetch_optional(pool)
            .await?;
    row.map(|row| {
        Ok(StoredAssessment {
            profile: serde_json::from_str(&row.answers)?,
            assessment: serde_json::from_str(&row.result)?,
        })
    })
    .transpose()
}

pub async fn count(pool: &SqlitePool) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM assessments")
        .fetch_one(pool)
        .await?)
}
