//! The `hujifen` binary: serves the site, or manages advisors. Settings come
//! from the environment (see README.md).

use std::io::Write;
use std::process::ExitCode;

use hujifen::app::Application;
use hujifen::settings::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    // Dropped when main returns, after the server stopped: every queued
    // line is written out first.
    let _log = hujifen::logging::init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The message chain only ("Error: opening …: unable to open
            // database file"): returning the error from main would print its
            // Debug form, a stack backtrace included when RUST_BACKTRACE or
            // RUST_LIB_BACKTRACE is set, which an operator does not need.
            let _ = writeln!(std::io::stderr(), "Error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = Settings::from_env()?;
    match args.first().map(String::as_str) {
        None | Some("serve") => {
            let public_url = settings.server.public_url.clone();
            let application = Application::build(settings).await?;
            tracing::info!(address = %application.address(), %public_url, "serving");
            application.run().await?;
        }
        Some("backup") => {
            let target = args
                .get(1)
                .ok_or_else(|| anyhow::anyhow!("usage: hujifen backup PATH"))?;
            let pool = hujifen::db::connect(&settings.database.url).await?;
            hujifen::db::backup(&pool, std::path::Path::new(target)).await?;
            println!("Backed up {} to {target}", settings.database.url);
        }
        Some("advisor") => {
            let pool = hujifen::db::connect(&settings.database.url).await?;
            hujifen::cli::advisor(&pool, &args[1..]).await?;
        }
        Some("help" | "--help" | "-h") => println!("{}", hujifen::cli::USAGE),
        Some(other) => anyhow::bail!("unknown command '{other}'\n{}", hujifen::cli::USAGE),
    }
    Ok(())
}
