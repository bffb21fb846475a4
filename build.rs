// The migrations are embedded by `sqlx::migrate!`; a new file in either
// folder must rebuild the crate. The share card (`og:image`) is drawn here,
// from build/share_card.rs, into the output folder, where
// src/web/share_image.rs embeds it.

#[path = "build/share_card.rs"]
mod share_card;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations/postgres");
    println!("cargo:rerun-if-changed=build/share_card.rs");
    let folder = std::env::var_os("OUT_DIR").ok_or("cargo sets OUT_DIR")?;
    let path = std::path::Path::new(&folder).join("share-card.png");
    std::fs::write(path, share_card::png()?)?;
    Ok(())
}
