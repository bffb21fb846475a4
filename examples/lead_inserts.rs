//! Lead inserts per second through the real write path (code check, limits,
//! lead, consent, submission, outbox) with `synchronous=FULL`: one
//! transaction per lead, then the site's writer (`LeadWriter`: group commit
//! on SQLite, a transaction per lead on PostgreSQL). Used by `bench/run`.
//!
//! cargo run --release --example lead_inserts -- /tmp/inserts.db [LEADS] [CONCURRENCY]
//! cargo run --release --example lead_inserts -- postgres://…/postgres [LEADS] [CONCURRENCY]
//!
//! With a PostgreSQL URL (a server's maintenance database), each run gets a
//! fresh database of its own, dropped afterwards; the server's defaults
//! (`fsync`, `synchronous_commit=on`) make every commit durable.

use std::sync::Arc;
use std::time::Instant;

use hujifen::db::group_commit::WriterTasks;
use hujifen::db::leads::{LeadWriter, Submission, SubmitOutcome};
use hujifen::leads::Phone;
use hujifen::leads::codes::CodeRules;
use hujifen::leads::form::{CallbackRequest, Interest};
use hujifen::leads::limits::SubmitLimits;
use hujifen::secrets::Secrets;

const CODE: &str = "123456";

fn submission(i: usize, now: i64) -> Submission {
    Submission {
        request: CallbackRequest {
            name: "张三".into(),
            phone: Phone::parse(&format!("{}", 13_000_000_000u64 + i as u64)).expect("a phone"),
            code: CODE.into(),
            marketing: false,
            share_sensitive: false,
            interest: Interest::Callback,
            organisation: None,
            assessment: None,
            idempotency_key: Some(format!("bench-{i:016}")),
        },
        // Every visitor in a /24 of its own: no per-client or per-network
        // limit is what is measured.
        ip: format!("10.{}.{}.1", (i >> 8) & 255, i & 255),
        network: format!("10.{}.{}.0/24", (i >> 8) & 255, i & 255),
        source: "consultation",
        snapshot: None,
        total: None,
        school: None,
        notice_version: hujifen::leads::NOTICE_VERSION,
        now,
    }
}

/// A fresh database for one run: the SQLite file removed, or a new
/// PostgreSQL database; and what to drop afterwards.
async fn fresh(target: &str, grouped: bool) -> anyhow::Result<(String, Option<String>)> {
    if !target.starts_with("postgres") {
        let _ = std::fs::remove_file(target);
        return Ok((format!("sqlite://{target}"), None));
    }
    let name = format!("hujifen_bench_{}_{}", std::process::id(), u8::from(grouped));
    let admin = sqlx::PgPool::connect(target).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await?;
    admin.close().await;
    let (base, _) = target
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("a PostgreSQL URL ends with /database"))?;
    Ok((format!("{base}/{name}"), Some(name)))
}

async fn drop_database(target: &str, name: Option<String>) -> anyhow::Result<()> {
    if let Some(name) = name {
        let admin = sqlx::PgPool::connect(target).await?;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await?;
        admin.close().await;
    }
    Ok(())
}

async fn run(target: &str, grouped: bool, leads: usize, concurrency: usize) -> anyhow::Result<f64> {
    let (url, created) = fresh(target, grouped).await?;
    let pool = hujifen::db::connect(&url).await?;
    let secrets = Secrets::from_master(b"a benchmark key of thirty-two bytes")?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut seed = pool.begin_write(&[]).await?;
    for i in 0..leads {
        let phone = format!("{}", 13_000_000_000u64 + i as u64);
        hujifen::db::query(
            "INSERT INTO verification_codes (phone, code_hmac, created_at) VALUES ($1, $2, $3)",
        )
        .bind(&phone)
        .bind(secrets.code_hmac(&phone, CODE))
        .bind(now)
        .execute(seed.conn())
        .await?;
    }
    seed.commit().await?;

    let rules = CodeRules::default();
    let limits = SubmitLimits::default();
    let writer = LeadWriter::start(
        &WriterTasks::default(),
        pool.clone(),
        secrets.clone(),
        rules,
        limits.clone(),
        Vec::new(),
    );
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(leads);
    for i in 0..leads {
        let permit = gate.clone().acquire_owned().await?;
        let (pool, secrets, limits, writer) = (
            pool.clone(),
            secrets.clone(),
            limits.clone(),
            writer.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let job = submission(i, now);
            let outcome = if grouped {
                writer.submit(job).await
            } else {
                hujifen::db::leads::submit(&pool, &secrets, &rules, &limits, &[], &job).await
            };
            drop(permit);
            outcome
        }));
    }
    for task in tasks {
        match task.await?? {
            SubmitOutcome::Created(_) => {}
            other => anyhow::bail!("a lead was not created: {other:?}"),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let stored: i64 = hujifen::db::query("SELECT count(*) FROM leads")
        .scalar(&pool)
        .await?;
    anyhow::ensure!(stored == leads as i64, "{stored} of {leads} stored");
    pool.close().await;
    drop_database(target, created).await?;
    Ok(leads as f64 / seconds)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/tmp/hujifen-inserts.db".into());
    let leads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let concurrency: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(256);
    let single = run(&path, false, leads, concurrency).await?;
    let grouped = run(&path, true, leads, concurrency).await?;
    println!("  {:<30}{single:>7.0} leads/s", "one transaction per lead:");
    println!(
        "  {:<30}{grouped:>7.0} leads/s  ({leads} leads, {concurrency} at a time)",
        "the site's writer:"
    );
    Ok(())
}
