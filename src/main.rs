//! The `hujifen` binary: serves the site. Settings come from the environment
//! (see README.md).

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
    let settings = Settings::from_env()?;
    let public_url = settings.public_url.clone();
    let application = Application::build(settings).await?;
    tracing::info!(address = %application.address(), %public_url, "serving");
    application.run().await?;
    Ok(())
}
