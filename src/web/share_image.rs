//! The share card (`og:image`): a 1200×630 PNG drawn at build time by
//! build/share_card.rs, served like the static files under a content-hashed
//! URL with a year's cache.

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;

pub const PNG: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/share-card.png"));

/// The text a screen reader or a failed load shows instead (`og:image:alt`).
pub const ALT: &str = "沪积分：居住证积分120分自测";

#[cfg(test)]
mod tests {
    use super::*;

    type Failure = Box<dyn std::error::Error>;

    /// The card's pixels; an error if it is not a whole PNG.
    fn decoded() -> Result<(png::OutputInfo, Vec<u8>), Failure> {
        let decoder = png::Decoder::new(std::io::Cursor::new(PNG));
        let mut reader = decoder.read_info()?;
        let size = reader.output_buffer_size().ok_or("no buffer size")?;
        let mut pixels = vec![0; size];
        let info = reader.next_frame(&mut pixels)?;
        Ok((info, pixels))
    }

    #[test]
    fn the_card_is_a_valid_png_of_the_size_the_pages_announce() -> Result<(), Failure> {
        assert!(PNG.starts_with(b"\x89PNG\r\n\x1a\n"));
        let (info, pixels) = decoded()?;
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!((WIDTH, HEIGHT), (1200, 630), "the 1.91:1 card size");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(pixels.len(), 1200 * 630 * 3);
        // Small enough for a chat app's crawler and a slow phone.
        assert!(PNG.len() < 100_000, "{} bytes", PNG.len());
        Ok(())
    }

    #[test]
    fn the_card_is_the_brand_colour_with_the_score_drawn_on_it() -> Result<(), Failure> {
        let (_, pixels) = decoded()?;
        let at = |x: usize, y: usize| {
            let i = (y * 1200 + x) * 3;
            [pixels[i], pixels[i + 1], pixels[i + 2]]
        };
        assert_eq!(at(0, 0), [0xc8, 0x10, 0x2e], "brand red at the top left");
        // The stem of the 1, a third of the way up (slanted right by then).
        let stem_x = (84.0 + 3.0 * (24.0 + 0.12 * 33.0)) as usize;
        assert_eq!(at(stem_x, 390), [255, 255, 255]);
        assert_eq!(at(760 + 4 * 70 + 24, 400), [0xff, 0xc9, 0x4d], "gold bar");
        Ok(())
    }
}
