//! Group commit: one task takes every job waiting in its queue and hands
//! them to a handler together, so one transaction (one fsync under
//! `synchronous=FULL`) serves many requests. Each job carries its own reply.

use std::future::Future;

use tokio::sync::mpsc;

/// Starts the task; returns the queue to send jobs to.
pub fn spawn<J, F, Fut>(max_batch: usize, mut handle: F) -> mpsc::Sender<J>
where
    J: Send + 'static,
    F: FnMut(Vec<J>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let (sender, mut queue) = mpsc::channel::<J>(4096);
    tokio::spawn(async move {
        while let Some(first) = queue.recv().await {
            let mut batch = vec![first];
            while batch.len() < max_batch {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            handle(batch).await;
        }
    });
    sender
}
