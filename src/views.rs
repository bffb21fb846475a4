//! Page view counts: counted in memory on the request path, written to the
//! database in batches (every few seconds and at shutdown), so a page view
//! never costs a database write. Each flush also reads the stored totals
//! back, so with several instances a page shows the views of all of them
//! (as of the last flush) plus this instance's own since.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
struct Counts {
    /// Everything known: stored plus pending.
    totals: HashMap<String, u64>,
    /// Not yet written.
    pending: HashMap<String, u64>,
}

/// Adds one to `path`'s count (the key is copied the first time only).
fn bump(counts: &mut HashMap<String, u64>, path: &str) -> u64 {
    match counts.get_mut(path) {
        Some(count) => {
            *count += 1;
            *count
        }
        None => {
            counts.insert(path.to_string(), 1);
            1
        }
    }
}

#[derive(Default)]
pub struct ViewCounter {
    counts: Mutex<Counts>,
}

impl ViewCounter {
    /// Starts from the stored counts.
    pub async fn load(pool: &crate::db::Db) -> Result<Self, sqlx::Error> {
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

    /// Counts one view and returns the new total. On the request path of
    /// every guide page: a path already counted costs no allocation.
    pub fn record(&self, path: &str) -> u64 {
        let mut counts = self.lock();
        bump(&mut counts.pending, path);
        bump(&mut counts.totals, path)
    }

    pub fn total(&self, path: &str) -> u64 {
        self.lock().totals.get(path).copied().unwrap_or(0)
    }

    /// Writes the pending counts and reads the totals back. On failure the
    /// counts are kept for the next try.
    pub async fn flush(&self, pool: &crate::db::Db) -> Result<usize, sqlx::Error> {
        let batch: Vec<(String, u64)> = std::mem::take(&mut self.lock().pending)
            .into_iter()
            .collect();
        if !batch.is_empty()
            && let Err(error) = crate::db::page_views::add(pool, &batch).await
        {
            let mut counts = self.lock();
            for (path, count) in batch {
                *counts.pending.entry(path).or_default() += count;
            }
            return Err(error);
        }
        let stored = crate::db::page_views::all(pool).await?;
        let mut counts = self.lock();
        let mut totals: HashMap<String, u64> = stored
            .into_iter()
            .map(|(path, views)| (path, u64::try_from(views).unwrap_or(0)))
            .collect();
        // Views counted while the flush ran are not stored yet.
        for (path, count) in &counts.pending {
            *totals.entry(path.clone()).or_default() += count;
        }
        counts.totals = totals;
        Ok(batch.len())
    }
}
