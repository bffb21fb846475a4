//! The `hujifen` binary: serves the site, or manages advisors. Settings come
//! from the environment (see README.md).

use tracing_subscriber::EnvFilter;

use hujifen::app::Application;
use hujifen::settings::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("HUJIFEN_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = Settings::from_env()?;
    match args.first().map(String::as_str) {
        None | Some("serve") => {
            let public_url = settings.public_url.clone();
            let application = Application::build(settings).await?;
            tracing::info!(address = %application.address(), %public_url, "serving");
            application.run().await?;
        }
        Some("advisor") => {
            let pool = hujifen::db::connect(&settings.database_url).await?;
            hujifen::cli::advisor(&pool, &args[1..]).await?;
        }
        Some("help" | "--help" | "-h") => println!("{}", hujifen::cli::USAGE),
        Some(other) => anyhow::bail!("unknown command '{other}'\n{}", hujifen::cli::USAGE),
    }
    Ok(())
}
