//! Page view counts: counted in memory on the request path, written to SQLite
//! in batches (every few seconds and at shutdown), so a page view never costs
//! a database write.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::SqlitePool;

#[derive(Default)]
struct Counts {
    /// Everything known: stored plus pending.
    totals: HashMap<String, u64>,
    /// Not yet written.
    pending: HashMap<String, u64>,
}

#[derive(Default)]
pub struct ViewCounter {
    counts: Mutex<Counts>,
}

impl ViewCounter {
    /// Starts from the stored counts.
    pub async fn load(pool: &SqlitePool) -> Result<Self, sqlx::Error> {
        let totals = crate::db::page_views::all(pool)
            .await?
            .into_iter()
            .map(|(path, views)| (path, u64::try_from(views).unwrap_or(0)))
            .collect();
        Ok(Self {
            counts: Mutex::new(Counts {
                totals,
                pending: HashMap::new(),
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        // A panic while holding this lock leaves plain integers behind: still usable.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts one view and returns the new total.
    pub fn record(&self, path: &str) -> u64 {
        let mut counts = self.lock();
        *counts.pending.entry(path.to_string()).or_default() += 1;
        let total = counts.totals.entry(path.to_string()).or_default();
        *total += 1;
        *total
    }

    pub fn total(&self, path: &str) -> u64 {
        self.lock().totals.get(path).copied().unwrap_or(0)
    }

    /// Writes the pending counts. On failure they are kept for the next try.
    pub async fn flush(&self, pool: &SqlitePool) -> Result<usize, sqlx::Error> {
        let batch: Vec<(String, u64)> = std::mem::take(&mut self.lock().pending)
            .into_iter()
            .collect();
        if batch.is_empty() {
            return Ok(0);
        }
        match crate::db::page_views::add(pool, &batch).await {
            Ok(()) => Ok(batch.len()),
            Err(error) => {
                let mut counts = self.lock();
                for (path, count) in batch {
                    *counts.pending.entry(path).or_default() += count;
                }
                Err(error)
            }
        }
    }
}
