//! Logins under a stream of strangers' wrong passwords (issue 27, the third
//! outside probe: with every shared hashing permit held by strangers, the
//! real admin with the known-device cookie got 429 on 28 of 39 tries).
//! Clients are told apart by `X-Forwarded-For` from a trusted proxy, as
//! behind the site's reverse proxy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Client;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::admin::{
    insert_advisor, known_admin_browser, load, login_token, login_with, send_login, sign_out,
    slow_hash, slow_wrong_logins, wait_until_hashing,
};
use crate::helpers::{ADMIN_PASSWORD, TestApp};

/// A browser whose requests the trusted proxy says come from `ip`.
fn browser_from(ip: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        HeaderValue::from_str(ip).expect("an address"),
    );
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Strangers hold every shared permit with slow hashes; the browser that
/// signed in before still gets a permit (the reserved one) and signs in.
#[tokio::test]
async fn a_known_device_signs_in_while_strangers_hold_every_shared_permit() {
    let app = TestApp::spawn_with(&[("HUJIFEN_LOGIN_WAIT_MS", "100")]).await;
    let known = known_admin_browser(&app).await;
    let permits = hujifen::web::admin::auth::site_hashing_permits();
    let hash = slow_hash("the slow password 2026").await;
    for i in 0..permits {
        insert_advisor(&app, &format!("slow{i}"), &hash).await;
    }
    let pending = slow_wrong_logins(&app, permits).await;
    wait_until_hashing(&app, permits).await;
    let (_, stranger) = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(stranger.status(), 429, "a stranger waits and is refused");
    assert_eq!(
        login_with(&app, &known, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        303,
        "the known device takes the reserved permit"
    );
    for task in pending {
        assert_eq!(task.await.unwrap(), 401);
    }
    assert_eq!(load(&app).peak, permits + 1);
}

/// A stranger is not refused the moment every permit is taken: it waits
/// (bounded) and is hashed when one frees.
#[tokio::test]
async fn a_login_waits_for_a_permit_instead_of_being_refused_at_once() {
    let app = TestApp::spawn_with(&[("HUJIFEN_LOGIN_WAIT_MS", "10000")]).await;
    let permits = hujifen::web::admin::auth::site_hashing_permits();
    let hash = slow_hash("the slow password 2026").await;
    for i in 0..=permits {
        insert_advisor(&app, &format!("slow{i}"), &hash).await;
    }
    let pending = slow_wrong_logins(&app, permits).await;
    wait_until_hashing(&app, permits).await;
    let (_, waited) = app
        .login(&format!("slow{permits}"), "the slow password 2026")
        .await;
    assert_eq!(waited.status(), 303, "hashed once a permit freed");
    for task in pending {
        assert_eq!(task.await.unwrap(), 401);
    }
    assert!(
        load(&app).peak <= permits,
        "strangers never take the reserved permit"
    );
}

/// A whole /24 (or /48) is one looser bucket: a hundred failures from its
/// addresses in ten minutes close it for every address in it.
#[tokio::test]
async fn a_network_of_failing_addresses_is_blocked_together() {
    let app = TestApp::spawn_with(&[("HUJIFEN_TRUSTED_PROXY", "127.0.0.1")]).await;
    let now = hujifen::clock::unix_now();
    for i in 0..100 {
        hujifen::db::query(
            "INSERT INTO login_failures (username, ip, network, at) VALUES ($1, $2, '203.0.113.0/24', $3)",
        )
        .bind(format!("guess{i}"))
        .bind(format!("203.0.113.{}", i % 50))
        .bind(now)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let fresh_address = browser_from("203.0.113.200");
    let refused = login_with(&app, &fresh_address, "admin", ADMIN_PASSWORD).await;
    assert_eq!(
        refused.status(),
        429,
        "an address of the /24 with no failures of its own"
    );
    let elsewhere = browser_from("198.51.100.7");
    assert_eq!(
        login_with(&app, &elsewhere, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        303,
        "another network is not touched"
    );
    // IPv6: the /48 around the /64s.
    for i in 0..100 {
        hujifen::db::query(
            "INSERT INTO login_failures (username, ip, network, at) VALUES ($1, $2, '2001:db8:7::/48', $3)",
        )
        .bind(format!("guess{i}"))
        .bind(format!("2001:db8:7:{i:x}::/64"))
        .bind(now)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let v6 = browser_from("2001:db8:7:ffff::1");
    assert_eq!(
        login_with(&app, &v6, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        429
    );
}

/// The probe's stream, scaled to a test: strangers from addresses spread
/// over many /24s keep every shared permit busy with wrong passwords while
/// the advisor, with the known-device cookie, signs in 39 times. Each time
/// must work; the figure is printed for the closing note.
#[tokio::test]
async fn the_advisor_signs_in_every_time_during_a_stream_of_wrong_logins() {
    let app = TestApp::spawn_with(&[("HUJIFEN_TRUSTED_PROXY", "127.0.0.1")]).await;
    let advisor = browser_from("198.51.100.7");
    assert_eq!(
        login_with(&app, &advisor, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        303,
        "signs in once: its browser is known from now on"
    );
    sign_out(&app, &advisor).await;
    let streaming = Arc::new(AtomicBool::new(true));
    let permits = hujifen::web::admin::auth::site_hashing_permits();
    let strangers: Vec<_> = (0..permits * 4)
        .map(|worker| {
            let (base, streaming) = (app.address.clone(), Arc::clone(&streaming));
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                let mut n = 0u32;
                while streaming.load(Ordering::Relaxed) {
                    // ~1,250 addresses over many /24s, as in the probe.
                    let address = format!("10.{}.{}.{}", worker, n % 250, n % 5 + 1);
                    let stranger = browser_from(&address);
                    let token = login_token(&stranger, &base).await;
                    let username = format!("guess{worker}-{n}");
                    let status = send_login(&stranger, &base, &token, &username, "a wrong guess")
                        .await
                        .status()
                        .as_u16();
                    statuses.push(status);
                    n += 1;
                }
                statuses
            })
        })
        .collect();
    wait_until_hashing(&app, permits).await;
    let mut signed_in = 0;
    for _ in 0..39 {
        let status = login_with(&app, &advisor, "admin", ADMIN_PASSWORD)
            .await
            .status();
        if status == 303 {
            signed_in += 1;
            sign_out(&app, &advisor).await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    streaming.store(false, Ordering::Relaxed);
    let mut stream = Vec::new();
    for stranger in strangers {
        stream.extend(stranger.await.unwrap());
    }
    let busy = stream.iter().filter(|status| **status == 429).count();
    println!(
        "login flood: the advisor signed in {signed_in}/39 while {} stranger attempts ran ({busy} refused 429)",
        stream.len()
    );
    assert_eq!(signed_in, 39, "the advisor is never turned away");
    assert!(stream.iter().all(|status| [401, 429].contains(status)));
}
