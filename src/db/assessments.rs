//! The `assessments` table.

use serde::{Deserialize, Serialize};

use super::group_commit::{Placement, WriterConnection, WriterTasks};
use super::{Conn, Db, Query, query};
use crate::scoring::{Assessment, Profile, Recorded, ReferenceWageUsed};

#[derive(Debug, sqlx::FromRow)]
struct Row {
    answers: String,
    result: String,
}

/// A stored self-test: the answers and what they were scored with; scoring
/// turns these back into the result the visitor saw (`scoring::replay`).
#[derive(Debug, Clone)]
pub struct StoredAssessment {
    pub profile: Profile,
    pub recorded: Recorded,
    /// The total the visitor saw.
    pub total: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("stored assessment is not readable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("stored assessment has no valid date: {0}")]
    BadDate(String),
}

/// What is stored of a result besides the answers: the rule set, date,
/// reference wage and rule revision it was scored with. The breakdown is
/// scored again from these when shown, which gives back exactly what the
/// visitor saw and keeps the hottest write small.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stamp {
    rule_set: String,
    assessed_on: String,
    reference_wage: Option<ReferenceWageUsed>,
    /// Absent in results stored before revisions were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rules_revision: Option<String>,
    total: i32,
}

/// The self-test stored under `token`, as stored.
pub async fn find(db: &Db, token: &str) -> Result<Option<StoredAssessment>, Error> {
    let row: Option<Row> = query("SELECT answers, result FROM assessments WHERE token = $1")
        .bind(token)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let profile: Profile = serde_json::from_str(&row.answers)?;
    let stamp: Stamp = serde_json::from_str(&row.result)?;
    let date = time::Date::parse(
        &stamp.assessed_on,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| Error::BadDate(stamp.assessed_on.clone()))?;
    Ok(Some(StoredAssessment {
        profile,
        recorded: Recorded {
            rule_set: stamp.rule_set,
            assessed_on: date,
            reference_wage: stamp.reference_wage,
            rules_revision: stamp.rules_revision,
        },
        total: stamp.total,
    }))
}

pub async fn count(db: &Db) -> Result<i64, Error> {
    Ok(query("SELECT count(*) FROM assessments").scalar(db).await?)
}

/// Stores self-test results with group commit (see `group_commit`).
#[derive(Clone)]
pub struct AssessmentWriter {
    jobs: tokio::sync::mpsc::Sender<Pending>,
}

struct Pending {
    token: String,
    answers: String,
    result: String,
    rule_set: String,
    total: i32,
    reaches_standard: bool,
    reply: tokio::sync::oneshot::Sender<Result<(), sqlx::Error>>,
}

async fn insert_row(conn: &mut Conn<'_>, row: &Pending) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO assessments (token, rule_set, answers, result, total, reaches_standard)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.token)
    .bind(&row.rule_set)
    .bind(&row.answers)
    .bind(&row.result)
    .bind(row.total)
    .bind(row.reaches_standard)
    .execute(conn)
    .await?;
    Ok(())
}

/// One multi-row INSERT: atomic by itself, and one round trip to SQLite's
/// thread for the whole batch. When it fails, each row is tried alone so
/// every request gets its own true answer.
async fn write_batch(mut writer: WriterConnection, batch: Vec<Pending>) -> WriterConnection {
    let together = async {
        let mut insert = Query::build();
        insert.push(
            "INSERT INTO assessments (token, rule_set, answers, result, total, reaches_standard) VALUES ",
        );
        for (index, row) in batch.iter().enumerate() {
            if index > 0 {
                insert.push(", ");
            }
            insert
                .push("(")
                .push_bind(row.token.as_str())
                .push(", ")
                .push_bind(row.rule_set.as_str())
                .push(", ")
                .push_bind(row.answers.as_str())
                .push(", ")
                .push_bind(row.result.as_str())
                .push(", ")
                .push_bind(row.total)
                .push(", ")
                .push_bind(row.reaches_standard)
                .push(")");
        }
        insert.execute(writer.get().await?.conn()).await.map(|_| ())
    };
    match together.await {
        Ok(()) => {
            for row in batch {
                let _ = row.reply.send(Ok(()));
            }
        }
        Err(error) => {
            tracing::warn!(%error, size = batch.len(), "group commit failed; writing one by one");
            writer.discard();
            for row in batch {
                let result = insert_row(&mut Conn::from(writer.db()), &row).await;
                let _ = row.reply.send(result);
            }
        }
    }
    writer
}

impl AssessmentWriter {
    pub fn start(tasks: &WriterTasks, db: Db) -> Self {
        // Six bound values a row: 1024 rows stay far below SQLite's limit
        // (and PostgreSQL's 65535).
        let placement = Placement::for_writer_on(&db);
        let writer = WriterConnection::new(db);
        let jobs = super::group_commit::spawn(tasks, 1024, placement, writer, write_batch);
        Self { jobs }
    }

    /// Stores one result; returns once it is committed.
    pub async fn insert(
        &self,
        token: &str,
        profile: &Profile,
        assessment: &Assessment,
    ) -> Result<(), Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let pending = Pending {
            token: token.to_string(),
            answers: serde_json::to_string(profile)?,
            result: serde_json::to_string(&Stamp {
                rule_set: assessment.rule_set.clone(),
                assessed_on: assessment.assessed_on.to_string(),
                reference_wage: assessment.reference_wage.clone(),
                rules_revision: Some(assessment.rules_revision.clone()),
                total: assessment.total,
            })?,
            rule_set: assessment.rule_set.clone(),
            total: assessment.total,
            reaches_standard: assessment.reaches_standard,
            reply,
        };
        self.jobs
            .send(pending)
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::{Education, ReferenceWages, assess, replay};

    fn profile() -> Profile {
        Profile {
            age: 30,
            education: Education::BachelorDegree,
            insurance_months: 24,
            ..Profile::default()
        }
    }

    #[tokio::test]
    async fn one_bad_row_fails_alone_and_the_writer_goes_on() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", folder.path().join("test.db").display());
        let db = crate::db::connect(&url).await.unwrap();
        let wages = ReferenceWages::bundled();
        let today = time::macros::date!(2026 - 11 - 28);
        let answers = profile();
        let assessment = assess(&answers, today, &wages);
        let writer = AssessmentWriter::start(&WriterTasks::default(), db.clone());
        let (first, second) = (
            crate::tokens::time_ordered_token(),
            crate::tokens::time_ordered_token(),
        );

        // On this single-threaded runtime all three wait in the queue before
        // the writer runs, so they share one batch (see group_commit's
        // tests); the repeated token spoils the multi-row INSERT, and each
        // row is then written alone.
        let (a, b, c) = tokio::join!(
            writer.insert(&first, &answers, &assessment),
            writer.insert(&first, &answers, &assessment),
            writer.insert(&second, &answers, &assessment),
        );
        assert!(a.is_ok() && c.is_ok(), "{a:?} {c:?}");
        assert!(matches!(b, Err(Error::Database(_))), "{b:?}");
        assert_eq!(count(&db).await.unwrap(), 2);

        // The next batch is written as usual.
        let third = crate::tokens::time_ordered_token();
        writer
            .insert(&third, &profile(), &assessment)
            .await
            .unwrap();
        let stored = find(&db, &third).await.unwrap().unwrap();
        assert_eq!(stored.profile, answers);
        assert_eq!(
            stored.recorded.rules_revision.as_deref(),
            Some("2024-08-21")
        );
        let replayed = replay(&stored.profile, &stored.recorded, &wages);
        assert_eq!(replayed.total, assessment.total);
        assert_eq!(replayed.items, assessment.items);
        assert_eq!(count(&db).await.unwrap(), 3);
    }
}
