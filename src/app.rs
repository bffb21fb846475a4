//! Building and running the server: settings -> database -> HTTP.

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::web::Data;
use actix_web::{App, HttpServer};
use anyhow::{Context, anyhow};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::Notify;

use crate::guides::Guides;
use crate::leads::client_windows::ClientWindows;
use crate::leads::workdays::Calendar;
use crate::notify::outbox::Channels;
use crate::secrets::Secrets;
use crate::settings::Settings;
use crate::views::ViewCounter;
use crate::web::admin::auth::LoginLimiter;
use crate::web::quiet_log::QuietLog;
use crate::web::{self, AppState};
use crate::workers::Workers;

/// A server bound to its address, not yet running.
pub struct Application {
    server: Server,
    address: SocketAddr,
    state: Data<AppState>,
    channels: Arc<Channels>,
    workers: Workers,
}

impl Application {
    /// Opens and migrates the database and binds the listener (port 0 picks
    /// a free port, for tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // What can be refused without touching the database comes first:
        // a bad URL or a missing key leaves no file and no connection.
        let secrets = Secrets::load(
            settings.secrets.session_key.as_deref(),
            crate::db::data_folder(&settings.database.url)?.as_deref(),
        )?;
        let pool = crate::db::connect(&settings.database.url).await?;
        let listener = TcpListener::bind(&settings.server.listen)
            .with_context(|| format!("listening on {}", settings.server.listen))?;
        let address = listener.local_addr()?;
        let guides = Guides::load(&settings.reference_wages, crate::clock::shanghai_today())
            .map_err(|error| anyhow!("guide articles: {error}"))?;
        let views = ViewCounter::load(&pool)
            .await
            .context("loading view counts")?;
        let sms = crate::notify::sms::from_settings(&settings)?;
        let calendar = Calendar::bundled().map_err(|error| anyhow!("holiday table: {error}"))?;
        crate::cli::ensure_first_admin_named(
            &pool,
            &settings.first_admin.username,
            settings.first_admin.password.as_deref(),
        )
        .await?;
        let channels = Arc::new(Channels::from_settings(&settings)?);
        let workers = Workers::new();
        let (leads, assessments) = workers.start_writers(&pool, &secrets, &settings);
        let site = web::layout::Site::new(&settings);
        let guide_pages = web::guides::prerender(&site, &guides)?;
        let fixed_pages = web::FixedPages::render(&settings, &site, &guides)?;
        let state = Data::new(AppState {
            db: pool.clone(),
            sitemap: web::seo::sitemap_xml(&settings.server.public_url, &guides),
            robots: web::seo::robots_txt(&settings.server.public_url),
            logins: Arc::new(LoginLimiter::new(settings.limits.login_wait)),
            results_stored: Mutex::new(ClientWindows::new(settings.limits.results, 100_000)),
            settings,
            site,
            guides,
            guide_pages,
            fixed_pages,
            views,
            secrets,
            sms,
            outbox_wake: Arc::new(Notify::new()),
            calendar,
            leads,
            assessments,
            quiet_log: QuietLog::default(),
            ready: Arc::new(AtomicBool::new(true)),
        });
        let server = serve(&state, listener)?;
        Ok(Self {
            server,
            address,
            state,
            channels,
            workers,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database pool the server uses (shared, not a copy).
    pub fn pool(&self) -> crate::db::Db {
        self.state.db.clone()
    }

    /// The admin login limiter, to read its hashing load.
    pub fn logins(&self) -> Arc<web::admin::auth::LoginLimiter> {
        Arc::clone(&self.state.logins)
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM or SIGINT, see `stop_on_signal`, or the
    /// handle) with the background tasks running, then stops them (see
    /// `Workers::shutdown`).
    pub async fn run(self) -> std::io::Result<()> {
        let signals = Signals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        };
        let mut workers = self.workers;
        workers.start(&self.state, self.channels);
        let stopper = tokio::spawn(stop_on_signal(
            signals,
            self.server.handle(),
            Arc::clone(&self.state.ready),
            self.state.settings.server.drain,
        ));
        let served = self.server.await;
        stopper.abort();
        workers.shutdown().await;
        served
    }
}

struct Signals {
    terminate: Signal,
    interrupt: Signal,
}

/// SIGTERM (an orchestrator, a rolling deploy): `/readyz` fails at once
/// while every other request is served, for the drain period, so a load
/// balancer polling it stops sending here; then the server stops accepting
/// and in-flight requests finish. SIGINT (Ctrl-C in development) skips the
/// drain, and cuts one in progress short.
async fn stop_on_signal(
    mut signals: Signals,
    server: ServerHandle,
    ready: Arc<AtomicBool>,
    drain: Duration,
) {
    tokio::select! {
        _ = signals.terminate.recv() => {
            ready.store(false, Ordering::Relaxed);
            tracing::info!(drain_seconds = drain.as_secs(), "SIGTERM: /readyz fails, draining");
            tokio::select! {
                () = tokio::time::sleep(drain) => {}
                _ = signals.interrupt.recv() => tracing::info!("SIGINT: drain cut short"),
            }
        }
        _ = signals.interrupt.recv() => {
            ready.store(false, Ordering::Relaxed);
        }
    }
    tracing::info!("stopping: no new connections, in-flight requests finish");
    server.stop(true).await;
}

/// The HTTP server over `listener`, with the site's timeouts.
fn serve(state: &Data<AppState>, listener: TcpListener) -> anyhow::Result<Server> {
    let app_state = state.clone();
    let guide_paths: Vec<String> = state.guide_pages.keys().cloned().collect();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(app_state.clone())
            .wrap(from_fn(web::middleware::site))
            .configure(|config| web::routes(config, &guide_paths))
    })
    .workers(state.settings.server.workers)
    // Signals are ours (`stop_on_signal`): SIGTERM drains first.
    .disable_signals()
    // The stop: stop accepting, let in-flight requests finish, at most
    // 5 s so the stop itself (with the final flushes) stays within 10 s.
    .shutdown_timeout(5)
    // A client has this long to send its request head (slowloris).
    .client_request_timeout(state.settings.server.request_timeout)
    .client_disconnect_timeout(Duration::from_secs(2))
    .keep_alive(Duration::from_secs(15))
    .listen(listener)?
    .run();
    Ok(server)
}
