//! The process log: one line per event on stdout (JSON for machines, text
//! on a terminal), formatted on the request path but written by a thread
//! of its own. A worker never waits for the terminal, a pipe or a disk: a
//! line goes into a bounded queue, and the log thread writes what queued in
//! one `write` call and flushes when the queue runs dry.
//!
//! Why `tracing-appender` (MIT): its non-blocking writer is the usual one
//! for `tracing`, with a bounded, lossy queue that counts what it drops and
//! a guard that writes out the queue when the process ends.

use std::io::{BufWriter, IsTerminal, Write};

use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Lines waiting to be written before new ones are dropped (and counted):
/// a few seconds of a busy site, a few MB at most.
const QUEUE_LINES: usize = 16 * 1024;

/// What the log thread hands to stdout at once.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// Keeps the log thread; dropping it writes out every queued line (SIGTERM
/// included: `main` drops it after the server stopped) and says on stderr
/// how many lines were dropped, if any.
pub struct LogGuard {
    _worker: WorkerGuard,
    dropped: ErrorCounter,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let dropped = self.dropped.dropped_lines();
        if dropped > 0 {
            let _ = writeln!(
                std::io::stderr(),
                "{dropped} log lines were dropped: the log queue was full"
            );
        }
    }
}

impl LogGuard {
    /// Lines dropped so far because the queue was full.
    pub fn dropped_lines(&self) -> usize {
        self.dropped.dropped_lines()
    }
}

/// Installs the process log: `HUJIFEN_LOG` filters (default
/// `info,sqlx=warn`), `HUJIFEN_LOG_FORMAT=json|text` chooses the format
/// (default: JSON unless stdout is a terminal).
pub fn init() -> LogGuard {
    let filter =
        EnvFilter::try_from_env("HUJIFEN_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = match std::env::var("HUJIFEN_LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") => false,
        _ => !std::io::stdout().is_terminal(),
    };
    let (writer, worker) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUE_LINES)
        .thread_name("hujifen-log")
        .finish(BufWriter::with_capacity(
            WRITE_BUFFER_BYTES,
            std::io::stdout(),
        ));
    let dropped = writer.error_counter();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.with_ansi(std::io::stdout().is_terminal()).init();
    }
    LogGuard {
        _worker: worker,
        dropped,
    }
}
