//! Responses gzipped once at start instead of on every request: the static
//! files, the sitemap and the guide pages. A guide page changes in one place
//! only (its view count), so its gzip is spliced from pieces deflated at
//! start around the count sent as a stored block; the CRC is combined from
//! precomputed parts. Serving it costs neither a compression nor a copy: the
//! body is sent as its pieces (`Spliced`), the large ones shared.
//!
//! The `Compress` middleware leaves a response alone once it carries a
//! `Content-Encoding`, so everything else is still compressed there.

use std::convert::Infallible;
use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, AcceptEncoding, Encoding, Header, HeaderValue};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use flate2::Compression;
use flate2::write::DeflateEncoder;

/// Whether the client takes gzip, by its `Accept-Encoding` and q-values.
pub fn wants_gzip(request: &HttpRequest) -> bool {
    AcceptEncoding::parse(request)
        .ok()
        .and_then(|accepted| accepted.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        == Some(Encoding::gzip())
}

/// The same bytes plain and gzipped.
pub struct Precompressed {
    plain: Bytes,
    /// None for a format compressed already (a PNG): sent as it is.
    gzip: Option<Bytes>,
}

impl Precompressed {
    pub fn new(plain: impl Into<Bytes>) -> Self {
        let plain = plain.into();
        let gzip = Some(GzipSplice::new(&plain, b"").with_middle(b"").joined());
        Self { plain, gzip }
    }

    /// Bytes compressed in their own format: gzip would gain little and
    /// make every client, crawlers included, undo two layers.
    pub fn compressed_already(bytes: impl Into<Bytes>) -> Self {
        Self {
            plain: bytes.into(),
            gzip: None,
        }
    }

    /// A 200 with the body the client asked for.
    pub fn respond(
        &self,
        request: &HttpRequest,
        content_type: &'static str,
        cache_control: Option<&'static str>,
    ) -> HttpResponse {
        match self.gzip.as_ref().filter(|_| wants_gzip(request)) {
            Some(gzip) => encoded(true, content_type, cache_control, gzip.clone()),
            None => encoded(false, content_type, cache_control, self.plain.clone()),
        }
    }

    pub fn plain(&self) -> &Bytes {
        &self.plain
    }
}

/// A 200 whose body is gzip when `gzip` says so. A plain body goes on
/// through `Compress`, which uses what else the client takes (deflate).
pub fn encoded(
    gzip: bool,
    content_type: &'static str,
    cache_control: Option<&'static str>,
    body: impl MessageBody + 'static,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header((header::VARY, HeaderValue::from_static("accept-encoding")));
    if let Some(cache_control) = cache_control {
        response.insert_header((header::CACHE_CONTROL, cache_control));
    }
    if gzip {
        response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
    }
    response.body(body)
}

/// A body sent as the pieces it is made of, never joined: the large pieces
/// are made once and shared (a reference count each), only the short middle
/// is new. actix copies each piece into its write buffer once, as it does a
/// single `Bytes`; joining them first was a second copy of the whole page
/// (15% of a guide page's time in `perf`).
pub struct Spliced {
    parts: [Bytes; 4],
    next: usize,
}

impl Spliced {
    pub fn new(parts: [Bytes; 4]) -> Self {
        Self { parts, next: 0 }
    }

    /// The whole body in one piece (made at start, and for tests).
    pub fn joined(&self) -> Bytes {
        self.parts[self.next..].concat().into()
    }
}

impl MessageBody for Spliced {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(
            self.parts[self.next..]
                .iter()
                .map(|part| part.len() as u64)
                .sum(),
        )
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        while let Some(part) = this.parts.get_mut(this.next) {
            this.next += 1;
            let part = std::mem::take(part);
            if !part.is_empty() {
                return Poll::Ready(Some(Ok(part)));
            }
        }
        Poll::Ready(None)
    }
}

/// A gzip member for `before + middle + after` where only the short middle
/// varies.
pub struct GzipSplice {
    /// The gzip header and raw deflate blocks, none final, ending on a byte
    /// boundary (a sync flush), so more blocks may follow.
    head: Bytes,
    /// Raw deflate blocks ending with the final one.
    after: Bytes,
    before_crc: crc32fast::Hasher,
    after_crc: crc32fast::Hasher,
    before_len: usize,
    after_len: usize,
}

/// ID1 ID2, deflate, no flags, no time, no extra flags, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// The most bytes one stored block holds.
const STORED_BLOCK_MAX: usize = 65_535;

impl GzipSplice {
    pub fn new(before: &[u8], after: &[u8]) -> Self {
        Self {
            head: [&GZIP_HEADER[..], &deflate(before, false)].concat().into(),
            after: deflate(after, true).into(),
            before_crc: crc_of(before),
            after_crc: crc_of(after),
            before_len: before.len(),
            after_len: after.len(),
        }
    }

    pub fn with_middle(&self, middle: &[u8]) -> Spliced {
        let blocks = middle.len().div_ceil(STORED_BLOCK_MAX);
        let mut stored = BytesMut::with_capacity(middle.len() + 5 * blocks);
        // Stored blocks, not final: a header byte (BFINAL 0, BTYPE 00; the
        // stream is byte-aligned here), LEN and its complement, the bytes.
        for chunk in middle.chunks(STORED_BLOCK_MAX) {
            let len = chunk.len() as u16;
            stored.extend_from_slice(&[0]);
            stored.extend_from_slice(&len.to_le_bytes());
            stored.extend_from_slice(&(!len).to_le_bytes());
            stored.extend_from_slice(chunk);
        }
        let mut crc = self.before_crc.clone();
        crc.update(middle);
        crc.combine(&self.after_crc);
        let mut trailer = BytesMut::with_capacity(8);
        trailer.extend_from_slice(&crc.finalize().to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        let size = (self.before_len + middle.len() + self.after_len) as u32;
        trailer.extend_from_slice(&size.to_le_bytes());
        Spliced::new([
            self.head.clone(),
            stored.freeze(),
            self.after.clone(),
            trailer.freeze(),
        ])
    }
}

/// Raw deflate at the best level (it runs once, at start). Not `last`: ends
/// with a sync flush, so the stream stays open and byte-aligned.
fn deflate(bytes: &[u8], last: bool) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail; an error here would be a flate2 bug.
    let written = encoder.write_all(bytes).and_then(|()| {
        if last {
            encoder.try_finish()
        } else {
            encoder.flush()
        }
    });
    debug_assert!(written.is_ok());
    encoder.get_ref().clone()
}

fn crc_of(bytes: &[u8]) -> crc32fast::Hasher {
    let mut crc = crc32fast::Hasher::new();
    crc.update(bytes);
    crc
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use actix_web::test::TestRequest;
    use proptest::prelude::*;

    use super::*;

    fn gunzip(gzip: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        let read = flate2::read::GzDecoder::new(gzip).read_to_end(&mut plain);
        assert!(read.is_ok(), "not a valid gzip member: {read:?}");
        plain
    }

    #[test]
    fn a_spliced_page_unzips_to_the_whole_page() {
        let before = "<p>阅读 ".repeat(2_000);
        let after = "</p>".repeat(3_000);
        let splice = GzipSplice::new(before.as_bytes(), after.as_bytes());
        for middle in ["", "7", "18446744073709551615"] {
            let gzip = splice.with_middle(middle.as_bytes()).joined();
            assert_eq!(gunzip(&gzip), format!("{before}{middle}{after}").as_bytes());
            assert!(gzip.len() < before.len() / 10, "compressed");
        }
        let long = vec![b'x'; 2 * STORED_BLOCK_MAX + 10];
        let whole = [before.as_bytes(), &long, after.as_bytes()].concat();
        assert_eq!(gunzip(&splice.with_middle(&long).joined()), whole);
    }

    #[actix_web::test]
    async fn a_spliced_body_sends_its_pieces_in_order() {
        let body = Spliced::new([
            Bytes::from_static(b"ab"),
            Bytes::new(),
            Bytes::from_static(b"c"),
            Bytes::from_static(b"de"),
        ]);
        assert_eq!(body.size(), BodySize::Sized(5));
        let sent = actix_web::body::to_bytes(body).await;
        assert_eq!(sent.ok(), Some(Bytes::from_static(b"abcde")));
    }

    proptest! {
        #[test]
        fn any_splice_unzips_to_its_parts(
            before in proptest::collection::vec(any::<u8>(), 0..3_000),
            middle in proptest::collection::vec(any::<u8>(), 0..300),
            after in proptest::collection::vec(any::<u8>(), 0..3_000),
        ) {
            let gzip = GzipSplice::new(&before, &after).with_middle(&middle).joined();
            prop_assert_eq!(gunzip(&gzip), [before, middle, after].concat());
        }
    }

    #[test]
    fn gzip_goes_only_to_clients_that_take_it() {
        let wants = |accept: Option<&str>| {
            let mut request = TestRequest::default();
            if let Some(value) = accept {
                request = request.insert_header((header::ACCEPT_ENCODING, value));
            }
            wants_gzip(&request.to_http_request())
        };
        assert!(wants(Some("gzip, deflate, br")));
        assert!(wants(Some("br;q=1.0, gzip;q=0.8")));
        assert!(!wants(None));
        assert!(!wants(Some("identity")));
        assert!(!wants(Some("gzip;q=0, identity")));
        assert!(!wants(Some("br")));
    }

    #[test]
    fn both_bodies_hold_the_same_bytes() {
        let text = "User-agent: *\n".repeat(50);
        let page = Precompressed::new(text.clone());
        assert_eq!(page.plain(), text.as_bytes());
        assert_eq!(
            page.gzip.as_ref().map(|gzip| gunzip(gzip)).as_deref(),
            Some(text.as_bytes()),
            "gzipped, and the same bytes"
        );
    }

    #[test]
    fn what_is_compressed_already_is_sent_as_it_is() {
        let file = Precompressed::compressed_already(&b"\x89PNG\r\n\x1a\n"[..]);
        let request = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .to_http_request();
        let response = file.respond(&request, "image/png", None);
        assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
        assert_eq!(file.plain().as_ref(), b"\x89PNG\r\n\x1a\n");
    }
}
