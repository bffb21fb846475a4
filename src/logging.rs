//! The process log: one line per event on stdout (JSON for machines, text
//! on a terminal), formatted on the request path but written by a thread
//! of its own. A worker never waits for the terminal, a pipe or a disk: a
//! line goes into a bounded queue, and the log thread writes what queued in
//! one `write` call and flushes when the queue runs dry.
//!
//! Why `tracing-appender` (MIT): its non-blocking writer is the usual one
//! for `tracing`, with a bounded, lossy queue that counts what it drops and
//! a guard that writes out the queue when the process ends.

use std::fmt::{self, Write as _};
use std::io::{BufWriter, IsTerminal, Write};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

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
            .fmt_fields(JsonFields::new())
            .event_format(JsonLine)
            .init();
    } else {
        builder.with_ansi(std::io::stdout().is_terminal()).init();
    }
    LogGuard {
        _worker: worker,
        dropped,
    }
}

/// One JSON object a line, in the shape of `tracing-subscriber`'s JSON
/// format with the current span (`timestamp`, `level`, `fields`, `target`,
/// `span`), written straight to the line. Its own format re-parses the
/// span's stored JSON for every event; on the request path, where every
/// request logs a line inside its span, that was most of the log's cost.
struct JsonLine;

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        write!(writer, "{{\"timestamp\":\"")?;
        write_timestamp(&mut writer, time::OffsetDateTime::now_utc())?;
        write!(writer, "\",\"level\":\"{}\",\"fields\":{{", meta.level())?;
        let mut fields = FieldsVisitor {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_str("},\"target\":")?;
        write_json_string(&mut writer, meta.target())?;
        let span = event
            .parent()
            .and_then(|id| context.span(id))
            .or_else(|| context.lookup_current());
        if let Some(span) = span {
            // The span's fields are stored as a JSON object by `JsonFields`:
            // spliced in as they are, with the span's name added.
            let extensions = span.extensions();
            let stored = extensions
                .get::<FormattedFields<N>>()
                .map(|fields| fields.fields.as_str())
                .unwrap_or("");
            let inner = stored
                .trim()
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
                .unwrap_or("")
                .trim();
            writer.write_str(",\"span\":{")?;
            if !inner.is_empty() {
                writer.write_str(inner)?;
                writer.write_char(',')?;
            }
            writer.write_str("\"name\":")?;
            write_json_string(&mut writer, span.name())?;
            writer.write_char('}')?;
        }
        writeln!(writer, "}}")
    }
}

/// `2026-12-02T08:30:00.123456Z`.
fn write_timestamp(writer: &mut Writer<'_>, at: time::OffsetDateTime) -> fmt::Result {
    write!(
        writer,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// A JSON string: quotes, backslashes and control characters escaped.
fn write_json_string(writer: &mut impl fmt::Write, text: &str) -> fmt::Result {
    writer.write_char('"')?;
    JsonEscaped(writer).write_str(text)?;
    writer.write_char('"')
}

/// Writes what it is given into a JSON string's inside, escaped; so a
/// `Debug` value is formatted straight into the line, with no `String`.
struct JsonEscaped<'w, W: fmt::Write>(&'w mut W);

impl<W: fmt::Write> fmt::Write for JsonEscaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut plain = 0;
        for (index, c) in text.char_indices() {
            let escaped = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if c < ' ' => "",
                _ => continue,
            };
            self.0.write_str(&text[plain..index])?;
            if escaped.is_empty() {
                write!(self.0, "\\u{:04x}", u32::from(c))?;
            } else {
                self.0.write_str(escaped)?;
            }
            plain = index + c.len_utf8();
        }
        self.0.write_str(&text[plain..])
    }
}

/// An event's fields as JSON members: numbers and booleans as they are,
/// everything else as a string.
struct FieldsVisitor<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    result: fmt::Result,
}

impl FieldsVisitor<'_, '_> {
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let separator = if self.first { "" } else { "," };
        self.first = false;
        self.result = self
            .writer
            .write_str(separator)
            .and_then(|()| write_json_string(self.writer, field.name()))
            .and_then(|()| self.writer.write_char(':'))
            .and_then(|()| value(self.writer));
    }
}

impl Visit for FieldsVisitor<'_, '_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.member(field, |w| write!(w, "{value}"));
        } else {
            self.member(field, |w| write_json_string(w, &value.to_string()));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, |w| write_json_string(w, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |w| {
            w.write_char('"')?;
            write!(JsonEscaped(w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json() {
        for text in [
            "plain",
            "中文",
            "a\"b\\c",
            "line\nbreak\ttab",
            "bell\u{7}",
            "",
        ] {
            let mut out = String::new();
            write_json_string(&mut out, text).unwrap();
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, text, "{out}");
        }
    }

    #[test]
    fn debug_values_are_escaped_as_they_are_formatted() {
        let mut out = String::from("\"");
        write!(JsonEscaped(&mut out), "{:?}", "say \"hi\"\n").unwrap();
        out.push('"');
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "\"say \\\"hi\\\"\\n\"");
    }
}
