//! Building and running the server: settings -> database -> HTTP.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer};
use anyhow::Context;
use sqlx::SqlitePool;

use crate::settings::Settings;
use crate::web::{self, AppState};
use actix_web::web::Data;

/// A server bound to its address, not yet running.
pub struct Application {
    server: Server,
    address: SocketAddr,
    pool: SqlitePool,
}

impl Application {
    /// Opens and migrates the database and binds the listener (port 0 picks
    /// a free port, for tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = crate::db::connect(&settings.database_url).await?;
        let listener = TcpListener::bind(&settings.listen)
            .with_context(|| format!("listening on {}", settings.listen))?;
        let address = listener.local_addr()?;
        let workers = settings.workers;
        let state = Data::new(AppState {
            pool: pool.clone(),
            settings,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(from_fn(web::middleware::site))
                .wrap(Compress::default())
                .configure(web::routes)
        })
        .workers(workers)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        Ok(Self {
            server,
            address,
            pool,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database pool the server uses (shared, not a copy).
    pub fn pool(&self) -> SqlitePool {
        self.pool.clone()
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle).
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}
