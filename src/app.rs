//! Building and running the server: settings -> database -> HTTP.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer};
use std::time::Duration;

use anyhow::{Context, anyhow};
use sqlx::SqlitePool;

use std::sync::Arc;

use tokio::sync::{Notify, watch};

use crate::guides::Guides;
use crate::leads::workdays::Calendar;
use crate::notify::email::Mailer;
use crate::secrets::Secrets;
use crate::views::ViewCounter;

use crate::settings::Settings;
use crate::web::{self, AppState};
use actix_web::web::Data;

/// A server bound to its address, not yet running.
pub struct Application {
    server: Server,
    address: SocketAddr,
    state: Data<AppState>,
    mailer: Arc<Mailer>,
}

/// The privacy duties: a minute after start, then once a day.
async fn privacy_job(state: Data<AppState>, mut stop: watch::Receiver<bool>) {
    let day = Duration::from_secs(24 * 3600);
    let mut daily =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(60), day);
    loop {
        tokio::select! {
            _ = daily.tick() => {}
            _ = stop.changed() => return,
        }
        let settings = &state.settings;
        let now = crate::clock::unix_now();
        match crate::db::privacy::apply_retention(
            &state.pool,
            settings.retention.lead_days,
            settings.retention.code_hours,
            settings.retention.counter_days,
            now,
        )
        .await
        {
            Ok(done) => tracing::info!(
                leads_anonymised = done.leads_anonymised,
                codes_deleted = done.codes_deleted,
                sends_deleted = done.sends_deleted,
                "retention job ran"
            ),
            Err(error) => tracing::error!(%error, "retention job failed; will retry tomorrow"),
        }
    }
}

/// How often counted page views are written (at most 10 s, by the issue).
const VIEW_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

impl Application {
    /// Opens and migrates the database and binds the listener (port 0 picks
    /// a free port, for tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = crate::db::connect(&settings.database.url).await?;
        let listener = TcpListener::bind(&settings.server.listen)
            .with_context(|| format!("listening on {}", settings.server.listen))?;
        let address = listener.local_addr()?;
        let workers = settings.server.workers;
        let request_timeout = settings.server.request_timeout;
        let guides = Guides::load(&settings.reference_wages, crate::clock::shanghai_today())
            .map_err(|error| anyhow!("guide articles: {error}"))?;
        let views = ViewCounter::load(&pool)
            .await
            .context("loading view counts")?;
        let secrets = Secrets::load(
            settings.secrets.session_key.as_deref(),
            &crate::db::data_folder(&settings.database.url)?,
        )?;
        let sms = crate::notify::sms::from_settings(&settings)?;
        let calendar = Calendar::bundled().map_err(|error| anyhow!("holiday table: {error}"))?;
        crate::cli::ensure_first_admin_named(
            &pool,
            &settings.first_admin.username,
            settings.first_admin.password.as_deref(),
        )
        .await?;
        let mailer = Arc::new(Mailer::from_settings(&settings)?);
        let leads = crate::db::leads::LeadWriter::start(
            pool.clone(),
            secrets.clone(),
            settings.limits.codes,
            settings.limits.submit.clone(),
        );
        let guide_pages = web::guides::prerender(&settings, &guides)?;
        let fixed_pages = web::FixedPages::render(&settings, &guides)?;
        let state = Data::new(AppState {
            pool: pool.clone(),
            sitemap: web::seo::sitemap_xml(&settings.server.public_url, &guides),
            robots: web::seo::robots_txt(&settings.server.public_url),
            settings,
            guides,
            guide_pages,
            fixed_pages,
            views,
            secrets,
            sms,
            outbox_wake: Arc::new(Notify::new()),
            calendar,
            leads,
            assessments: crate::db::assessments::AssessmentWriter::start(pool.clone()),
            logins: Arc::default(),
        });
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap(from_fn(web::middleware::site))
                .wrap(Compress::default())
                .configure(web::routes)
        })
        .workers(workers)
        // SIGTERM: stop accepting, let in-flight requests finish, at most 5 s
        // so the whole stop (with the final flushes) stays within 10 s.
        .shutdown_timeout(5)
        // A client has this long to send its request head (slowloris).
        .client_request_timeout(request_timeout)
        .client_disconnect_timeout(Duration::from_secs(2))
        .keep_alive(Duration::from_secs(15))
        .listen(listener)?
        .run();
        Ok(Self {
            server,
            address,
            state,
            mailer,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database pool the server uses (shared, not a copy).
    pub fn pool(&self) -> SqlitePool {
        self.state.pool.clone()
    }

    /// A handle to stop the server gracefully.
    /// The admin login limiter, to read its hashing load.
    pub fn logins(&self) -> Arc<web::admin::auth::LoginLimiter> {
        Arc::clone(&self.state.logins)
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), writing counted
    /// page views every few seconds and once more after the last request.
    pub async fn run(self) -> std::io::Result<()> {
        let state = self.state.clone();
        let flusher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(VIEW_FLUSH_INTERVAL);
            loop {
                tick.tick().await;
                if let Err(error) = state.views.flush(&state.pool).await {
                    tracing::warn!(%error, "writing view counts failed; kept for the next try");
                }
            }
        });
        let (stop_worker, stopped) = watch::channel(false);
        let worker = tokio::spawn(crate::notify::outbox::run_worker(
            self.state.pool.clone(),
            self.mailer.clone(),
            self.state.settings.outbox.poll,
            self.state.settings.outbox.retry,
            self.state.outbox_wake.clone(),
            stopped,
        ));
        let retention = tokio::spawn(privacy_job(self.state.clone(), stop_worker.subscribe()));
        let served = self.server.await;
        flusher.abort();
        let _ = stop_worker.send(true);
        // A send in progress may take its SMTP timeout; the stop must not.
        if tokio::time::timeout(Duration::from_secs(1), worker)
            .await
            .is_err()
        {
            tracing::warn!(
                "outbox worker did not stop within 1 s; unsent mail stays in the outbox"
            );
        }
        retention.abort();
        match self.state.views.flush(&self.state.pool).await {
            Ok(pages) => tracing::info!(pages, "view counts written at shutdown"),
            Err(error) => tracing::error!(%error, "writing view counts at shutdown failed"),
        }
        served
    }
}
