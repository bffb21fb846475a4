//! Group commit: one task takes every job waiting in its queue and hands
//! them to a handler together, so one transaction (one fsync under
//! `synchronous=FULL`) serves many requests. Each job carries its own reply.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::Db;
use super::sql::Owned;

/// The writer tasks spawned with it, to be drained together at shutdown.
#[derive(Clone)]
pub struct WriterTasks {
    handles: Arc<Mutex<Vec<JoinHandle<()>>>>,
    stop: Arc<watch::Sender<bool>>,
}

impl Default for WriterTasks {
    fn default() -> Self {
        Self {
            handles: Arc::default(),
            stop: Arc::new(watch::channel(false).0),
        }
    }
}

impl WriterTasks {
    /// Closes every tracked queue, writes what is already in it, and waits
    /// until the writers have answered their last jobs.
    pub async fn drain(&self) {
        let _ = self.stop.send(true);
        let handles = std::mem::take(
            &mut *self
                .handles
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        for handle in handles {
            if let Err(error) = handle.await {
                tracing::error!(%error, "a group-commit writer failed");
            }
        }
    }
}

/// Resolves once a drain is asked for. A `WriterTasks` dropped without a
/// drain asks for nothing: the writer then ends when its queue's senders
/// are gone.
async fn stop_asked(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|stopped| *stopped).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Where a writer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A task on the runtime that spawns it.
    Task,
    /// A thread of its own, held to one CPU, for a SQLite writer. SQLite
    /// runs each connection on a thread the connection starts, and a new
    /// thread keeps its parent's CPU: the writer's connection, opened on
    /// this thread, then runs on that CPU too. Every statement is a hand-off
    /// between the two threads: on one CPU a switch, across two a wake-up
    /// of the other CPU, which on a VM cost more than the statement
    /// (`bench/run`, lead inserts: 11,029/s on one core, 3,036/s unpinned).
    PinnedThread,
}

impl Placement {
    /// A SQLite writer gets a pinned thread; a PostgreSQL connection belongs
    /// to the runtime it was opened on, so that writer stays a task.
    pub fn for_writer_on(db: &Db) -> Self {
        match db.backend() {
            super::Backend::Sqlite => Self::PinnedThread,
            super::Backend::Postgres => Self::Task,
        }
    }
}

/// Starts the writer; returns the queue to send jobs to. The handler owns
/// `state` while it writes a batch and hands it back for the next one.
/// The writer ends when `tasks` drains: its queue is closed and what is in
/// it still written.
pub fn spawn<J, S, F, Fut>(
    tasks: &WriterTasks,
    max_batch: usize,
    placement: Placement,
    state: S,
    handle: F,
) -> mpsc::Sender<J>
where
    J: Send + 'static,
    S: Send + 'static,
    F: FnMut(S, Vec<J>) -> Fut + Send + 'static,
    Fut: Future<Output = S> + Send + 'static,
{
    let (sender, queue) = mpsc::channel::<J>(4096);
    let writer = write_until_drained(queue, tasks.stop.subscribe(), max_batch, state, handle);
    let task = match placement {
        Placement::Task => tokio::spawn(writer),
        Placement::PinnedThread => on_pinned_thread(writer),
    };
    tasks
        .handles
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(task);
    sender
}

async fn write_until_drained<J, S, F, Fut>(
    mut queue: mpsc::Receiver<J>,
    mut stop: watch::Receiver<bool>,
    max_batch: usize,
    mut state: S,
    mut handle: F,
) where
    F: FnMut(S, Vec<J>) -> Fut,
    Fut: Future<Output = S>,
{
    loop {
        let first = tokio::select! {
            biased;
            job = queue.recv() => job,
            () = stop_asked(&mut stop) => {
                queue.close();
                queue.recv().await
            }
        };
        let Some(first) = first else { break };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        state = handle(state, batch).await;
    }
}

/// Runs `writer` on a new thread held to the last CPU this process may use,
/// with a single-threaded runtime of its own; the handle resolves when it
/// ends. Should the thread or its runtime not start (the process is out of
/// threads), the queue's receiver is dropped with the writer: every submit
/// then fails with an error the visitor sees, nothing is acknowledged.
fn on_pinned_thread(writer: impl Future<Output = ()> + Send + 'static) -> JoinHandle<()> {
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let started = std::thread::Builder::new()
        .name("hujifen-writer".into())
        .spawn(move || {
            if let Some(cpu) = core_affinity::get_core_ids().and_then(|cpus| cpus.last().copied()) {
                core_affinity::set_for_current(cpu);
            }
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(writer),
                Err(error) => tracing::error!(%error, "no runtime for a writer thread"),
            }
            let _ = done.send(());
        });
    if let Err(error) = started {
        tracing::error!(%error, "no writer thread");
    }
    tokio::spawn(async move {
        let _ = finished.await;
    })
}

/// A writer's own connection, taken out of the pool once and kept. SQLite
/// drops a connection's page cache whenever another connection has written,
/// so a writer rotating through the pool read the hot B-tree pages again on
/// every batch: keeping one connection made `POST /self-test` 1.2× faster.
pub struct WriterConnection {
    db: Db,
    connection: Option<Owned>,
}

impl WriterConnection {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            connection: None,
        }
    }

    /// The connection, opened (with the pool's settings) when there is none.
    /// Once the pool is closed the writer stops writing too.
    pub async fn get(&mut self) -> Result<&mut Owned, sqlx::Error> {
        if self.db.is_closed() {
            self.connection = None;
            return Err(sqlx::Error::PoolClosed);
        }
        let connection = match self.connection.take() {
            Some(connection) => connection,
            None => self.db.detached().await?,
        };
        Ok(self.connection.insert(connection))
    }

    /// Closes the connection after a failed batch; the next batch opens a
    /// fresh one rather than trust a connection in an unknown state (after
    /// an I/O error SQLite may have rolled back on its own while sqlx still
    /// counts a transaction open, and every later BEGIN would fail).
    pub fn discard(&mut self) {
        self.connection = None;
    }

    /// The database (its pool), for writing one by one after a failed batch.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_waiting_together_are_handed_over_together() {
        let (seen, mut sizes) = mpsc::unbounded_channel();
        let jobs = spawn(
            &WriterTasks::default(),
            2,
            Placement::Task,
            seen,
            |seen, batch: Vec<u32>| async move {
                let _ = seen.send(batch);
                seen
            },
        );
        // On this single-threaded runtime the writer task runs only when the
        // test awaits, so all three are waiting by then.
        for job in 1..=3 {
            jobs.send(job).await.unwrap();
        }
        assert_eq!(sizes.recv().await, Some(vec![1, 2]), "at most max_batch");
        assert_eq!(sizes.recv().await, Some(vec![3]));
    }

    #[tokio::test]
    async fn a_drain_writes_what_is_queued_then_refuses_more() {
        let tasks = WriterTasks::default();
        let (seen, mut written) = mpsc::unbounded_channel();
        let jobs = spawn(
            &tasks,
            10,
            Placement::Task,
            seen,
            |seen, batch: Vec<u32>| async move {
                let _ = seen.send(batch);
                seen
            },
        );
        // The writer has not run yet (single-threaded runtime): both wait.
        jobs.send(1).await.unwrap();
        jobs.send(2).await.unwrap();
        tasks.drain().await;
        assert_eq!(written.recv().await, Some(vec![1, 2]));
        assert!(jobs.send(3).await.is_err(), "the queue is closed");
    }

    async fn has_mark(writer: &mut WriterConnection) -> i64 {
        let connection = writer.get().await.unwrap();
        // SQLite only (these tests run on SQLite): the connection's TEMP schema.
        crate::db::query("SELECT count(*) FROM temp.sqlite_master WHERE name = 'mark'")
            .scalar(connection.conn())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_writer_keeps_its_connection_until_discarded_or_closed() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", folder.path().join("test.db").display());
        let db = crate::db::connect(&url).await.unwrap();
        let mut writer = WriterConnection::new(db.clone());
        // A TEMP table lives only as long as the connection that made it.
        crate::db::query("CREATE TEMP TABLE mark (x)")
            .execute(writer.get().await.unwrap().conn())
            .await
            .unwrap();
        assert_eq!(has_mark(&mut writer).await, 1);

        writer.discard();
        assert_eq!(has_mark(&mut writer).await, 0);

        db.close().await;
        assert!(matches!(writer.get().await, Err(sqlx::Error::PoolClosed)));
    }
}
