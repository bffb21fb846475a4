//! Static files, embedded in the binary so `cargo run --release` and a copied
//! binary serve the same bytes. Each has a content-hashed URL that is cached
//! for a year; the plain URL is cached briefly.

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};

use super::AppError;
use super::precompressed::Precompressed;

struct Asset {
    path: &'static str,
    body: Precompressed,
    content_type: &'static str,
    hashed_path: String,
}

macro_rules! asset {
    ($path:literal, $content_type:literal) => {
        (
            $path,
            include_bytes!(concat!("../../static/", $path)).as_slice(),
            $content_type,
        )
    };
}

const FILES: &[(&str, &[u8], &str)] = &[
    asset!("css/site.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("js/callback.js", "text/javascript; charset=utf-8"),
    asset!("js/self-test.js", "text/javascript; charset=utf-8"),
    asset!("js/errors.js", "text/javascript; charset=utf-8"),
    asset!("js/admin.js", "text/javascript; charset=utf-8"),
    // Drawn at build time (build.rs), not kept in static/.
    (SHARE_CARD, super::share_image::PNG, "image/png"),
];

/// The path of the share card (`og:image`) among the static files.
pub const SHARE_CARD: &str = "img/share-card.png";

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(path, bytes, content_type)| Asset {
            path,
            // Like the Compress middleware: images but SVG are compressed
            // in their own format.
            body: if content_type.starts_with("image/") && content_type != "image/svg+xml" {
                Precompressed::compressed_already(bytes)
            } else {
                Precompressed::new(bytes)
            },
            content_type,
            hashed_path: hashed_name(path, bytes),
        })
        .collect()
});

/// `css/site.css` -> `css/site.1a2b3c4d.css`, from FNV-1a over the content.
fn hashed_name(path: &str, bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let short = format!("{:08x}", hash as u32);
    match path.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{short}.{extension}"),
        None => format!("{path}.{short}"),
    }
}

/// The cache-busted URL of a static file, for templates.
pub fn href(path: &str) -> String {
    ASSETS.iter().find(|asset| asset.path == path).map_or_else(
        || format!("/static/{path}"),
        |asset| format!("/static/{}", asset.hashed_path),
    )
}

pub async fn serve(
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let requested = path.into_inner();
    let (asset, immutable) = ASSETS
        .iter()
        .find_map(|asset| {
            if asset.hashed_path == requested {
                Some((asset, true))
            } else if asset.path == requested {
                Some((asset, false))
            } else {
                None
            }
        })
        .ok_or(AppError::NotFound)?;
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok(asset
        .body
        .respond(&request, asset.content_type, Some(cache)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_extension_and_change_with_content() {
        let a = hashed_name("css/site.css", b"body{}");
        assert!(
            a.starts_with("css/site.")
                && a.ends_with(".css")
                && a.len() == "css/site.12345678.css".len()
        );
        assert_ne!(a, hashed_name("css/site.css", b"body{ }"));
        assert_eq!(
            href("css/site.css"),
            format!("/static/{}", ASSETS[0].hashed_path)
        );
        assert!(
            href(SHARE_CARD).starts_with("/static/img/share-card.")
                && href(SHARE_CARD).ends_with(".png")
        );
    }
}
