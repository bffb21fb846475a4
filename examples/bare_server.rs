//! The baseline for `bench/run`: a bare actix-web handler that returns the
//! same bytes from memory, on one worker, with nothing else in the way.
//!
//! BARE_FILE=page.html BARE_LISTEN=127.0.0.1:18200 cargo run --release --example bare_server

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let file = std::env::var("BARE_FILE").expect("BARE_FILE: the bytes to serve");
    let listen = std::env::var("BARE_LISTEN").unwrap_or_else(|_| "127.0.0.1:18200".into());
    let body = web::Bytes::from(std::fs::read(&file)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(body)
            }
        }))
    })
    .workers(1)
    .bind(listen)?
    .run()
    .await
}
