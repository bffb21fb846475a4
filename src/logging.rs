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
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

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
    // `Targets`, not `EnvFilter`: the same `target=level` directives, decided
    // once per call site, without `EnvFilter`'s bookkeeping for span
    // directives.
    let filter = std::env::var("HUJIFEN_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| {
            Targets::new()
                .with_default(tracing::Level::INFO)
                .with_target("sqlx", tracing::Level::WARN)
        });
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
    let lines = tracing_subscriber::fmt::layer().with_writer(writer);
    let log = tracing_subscriber::registry().with(filter);
    if json {
        log.with(lines.event_format(JsonLine)).init();
    } else {
        let text = tracing_subscriber::fmt::format();
        log.with(
            lines
                .with_ansi(std::io::stdout().is_terminal())
                .event_format(WithRequestId(text)),
        )
        .init();
    }
    LogGuard {
        _worker: worker,
        dropped,
    }
}

/// A request's id: 16 hex digits, kept on the stack (it is made for every
/// request), shown in the `X-Request-Id` header, the error page and every
/// line logged while the request runs.
#[derive(Clone, Copy)]
pub struct RequestId([u8; 16]);

impl RequestId {
    pub fn new() -> Self {
        use rand::RngCore;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let random = rand::rng().next_u64();
        let mut digits = [0u8; 16];
        for (place, digit) in digits.iter_mut().enumerate() {
            *digit = HEX[((random >> (60 - 4 * place)) & 0xf) as usize];
        }
        Self(digits)
    }

    pub fn as_str(&self) -> &str {
        // Hex digits are ASCII: never the default.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

tokio::task_local! {
    /// The request whose future is being polled on this thread.
    static REQUEST: RequestId;
}

/// The request being polled on this thread, if any.
fn current_request() -> Option<RequestId> {
    REQUEST.try_with(|id| *id).ok()
}

/// Runs a request's future with its id known to the log: each line logged
/// from it gets `"span":{"id":…,"name":"request"}`, the shape a `tracing`
/// span gave. A task-local costs a swap per poll; a span per request (a
/// slab entry, its fields formatted, entered and closed) was a third of
/// the log's cost on a guide page.
pub async fn in_request<F: std::future::Future>(id: RequestId, future: F) -> F::Output {
    REQUEST.scope(id, future).await
}

/// The text format, each line of a request led by its id.
struct WithRequestId<F>(F);

impl<S, N, F> FormatEvent<S, N> for WithRequestId<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if let Some(request) = current_request() {
            write!(writer, "[{}] ", request.as_str())?;
        }
        self.0.format_event(context, writer, event)
    }
}

/// One JSON object a line, in the shape of `tracing-subscriber`'s JSON
/// format (`timestamp`, `level`, `fields`, `target`, and for a line logged
/// by a request `"span":{"id":…,"name":"request"}`), written straight to
/// the line. The site opens no `tracing` spans: a request's id comes from
/// `in_request`, and other spans' fields are not logged.
struct JsonLine;

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
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
        if let Some(request) = current_request() {
            writer.write_str(",\"span\":{\"id\":\"")?;
            writer.write_str(request.as_str())?;
            writer.write_str("\",\"name\":\"request\"}")?;
        }
        writeln!(writer, "}}")
    }
}

/// `2026-12-02T08:30:00.123456Z`. The digits go into a buffer written at
/// once: seven zero-padded `write!` arguments took the formatter's slow
/// path for every line.
fn write_timestamp(writer: &mut impl fmt::Write, at: time::OffsetDateTime) -> fmt::Result {
    let mut text = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |end: usize, width: usize, mut value: u32| {
        for place in (end - width..end).rev() {
            text[place] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(4, 4, u32::try_from(at.year()).unwrap_or(0));
    put(7, 2, u8::from(at.month()).into());
    put(10, 2, at.day().into());
    put(13, 2, at.hour().into());
    put(16, 2, at.minute().into());
    put(19, 2, at.second().into());
    put(26, 6, at.microsecond());
    // Digits and ASCII punctuation: always UTF-8.
    writer.write_str(std::str::from_utf8(&text).unwrap_or_default())
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
        // Bytes, not chars: everything escaped is ASCII, so a UTF-8
        // sequence is passed over without decoding it.
        let mut plain = 0;
        for (index, byte) in text.bytes().enumerate() {
            let escaped = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                byte if byte < b' ' => "",
                _ => continue,
            };
            self.0.write_str(&text[plain..index])?;
            if escaped.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escaped)?;
            }
            plain = index + 1;
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
    fn a_timestamp_is_rfc_3339_in_utc_with_microseconds() {
        let cases = [
            (
                time::macros::datetime!(2026-12-02 08:30:00.123456 UTC),
                "2026-12-02T08:30:00.123456Z",
            ),
            (
                time::macros::datetime!(0999-01-09 23:05:59.000007 UTC),
                "0999-01-09T23:05:59.000007Z",
            ),
        ];
        for (at, expected) in cases {
            let mut text = String::new();
            assert!(write_timestamp(&mut text, at).is_ok());
            assert_eq!(text, expected);
        }
    }

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
