//! Login and logout: a CSRF token before the session exists, the same answer
//! for an unknown user and a wrong password, throttling in the database, and
//! a fresh server-side session at every login.
//!
//! Password hashing is bounded (SECURITY.md, learned from an outside probe):
//! one attempt in flight per account bucket, a few hashes at once for the
//! whole site, and each attempt reserved as a failure by the same
//! transaction that checks the throttle. A browser that signed in before
//! carries a signed known-device cookie and has its own account bucket, so
//! strangers' failures never lock the advisor out.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::signed_in::signed_in;
use super::{Chrome, SignedForm, cookie_name, session_hash};
use crate::advisors::{
    DeviceOwner, KNOWN_DEVICE_SECONDS, device_token, device_token_valid, hashing_permits,
    verify_password_in,
};
use crate::db;
use crate::db::advisors::{Advisor, LoginAttempt, LoginReservation};
use crate::form::RawFields;
use crate::web::body::{BODY_LIMIT, form_fields, read_limited};
use crate::web::client_ip::client_keys_of;
use crate::web::quiet_log::Repeated;
use crate::web::{AppError, AppState, random_token, render};

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    username: String,
    error: Option<&'static str>,
}

fn login_cookie_name(state: &AppState) -> &'static str {
    if state.settings.server.is_https() {
        "__Host-hujifen_login"
    } else {
        "hujifen_login"
    }
}

/// An admin cookie: HttpOnly, SameSite=Strict, Secure over https, for the whole site.
pub(super) fn cookie<'a>(state: &AppState, name: &'a str, value: String) -> Cookie<'a> {
    Cookie::build(name, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.server.is_https())
        .path("/")
        .finish()
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    username: &str,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let csrf = random_token();
    let mut response = render(
        status,
        &LoginPage {
            chrome: Chrome::anonymous("登录"),
            csrf: csrf.clone(),
            username: username.to_string(),
            error,
        },
    )?;
    response
        .add_cookie(&cookie(state, login_cookie_name(state), csrf))
        .map_err(AppError::internal)?;
    Ok(response)
}

pub async fn login_form(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if signed_in(&state, &request).await.is_ok() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/admin"))
            .finish());
    }
    login_page(&state, StatusCode::OK, "", None)
}

/// A hash to verify against when the user does not exist, so both failures
/// take the same time. Made on first use, on a blocking thread.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        crate::advisors::hash_password(&crate::advisors::random_password()).unwrap_or_default()
    })
}

const WRONG: &str = "用户名或密码错误";
const THROTTLED: &str = "登录失败次数过多，请稍后再试";
const BUSY: &str = "登录请求过多，请稍后再试";

/// What bounds password hashing for one site: a few permits for everyone,
/// one more kept for browsers with a known-device cookie, and one attempt
/// in flight per account bucket. An attempt waits briefly for a permit
/// instead of being refused at once. One per app, in AppState.
pub struct LoginLimiter {
    permits: Arc<Semaphore>,
    /// Only known devices take it: strangers holding every shared permit
    /// never turn the advisor away (third outside probe: 28 of 39 refused).
    reserved: Arc<Semaphore>,
    size: usize,
    /// How long an attempt waits for a permit.
    wait: Duration,
    /// (username, known device) with an attempt in flight.
    accounts: Mutex<HashSet<(String, bool)>>,
    hashing: AtomicUsize,
    peak: AtomicUsize,
}

/// Hashes on one site now and at most at once so far (for the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLoad {
    /// The most hashes at once: the shared permits and the reserved one.
    pub permits: usize,
    pub hashing: usize,
    pub peak: usize,
}

/// Hashing permits kept for known devices, beyond the shared ones.
const RESERVED_PERMITS: usize = 1;

impl LoginLimiter {
    /// About the core count of shared permits (`site_hashing_permits`);
    /// an attempt waits up to `wait` for one.
    pub fn new(wait: Duration) -> Self {
        let size = site_hashing_permits();
        Self {
            permits: Arc::new(Semaphore::new(size)),
            reserved: Arc::new(Semaphore::new(RESERVED_PERMITS)),
            size,
            wait,
            accounts: Mutex::new(HashSet::new()),
            hashing: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// The account bucket's turn, or None while another attempt holds it.
    fn claim(self: &Arc<Self>, username: &str, known_device: bool) -> Option<AccountTurn> {
        let key = (username.to_string(), known_device);
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        if !accounts.insert(key.clone()) {
            return None;
        }
        Some(AccountTurn {
            limiter: Arc::clone(self),
            key,
        })
    }

    /// A hashing permit within the wait, or None. A known device also
    /// takes the reserved permit, whichever frees first.
    async fn permit(&self, known_device: bool) -> Option<OwnedSemaphorePermit> {
        let shared = Arc::clone(&self.permits).acquire_owned();
        let waited = if known_device {
            let reserved = Arc::clone(&self.reserved).acquire_owned();
            tokio::time::timeout(self.wait, async {
                tokio::select! {
                    biased;
                    permit = shared => permit,
                    permit = reserved => permit,
                }
            })
            .await
        } else {
            tokio::time::timeout(self.wait, shared).await
        };
        waited.ok().and_then(Result::ok)
    }

    fn start_hashing(self: &Arc<Self>) -> Hashing {
        let now = self.hashing.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Hashing(Arc::clone(self))
    }

    /// Hashes now and at most at once so far.
    pub fn load(&self) -> HashingLoad {
        HashingLoad {
            permits: self.size + RESERVED_PERMITS,
            hashing: self.hashing.load(Ordering::SeqCst),
            peak: self.peak.load(Ordering::SeqCst),
        }
    }
}

/// An account bucket's one attempt in flight; the turn ends when dropped.
struct AccountTurn {
    limiter: Arc<LoginLimiter>,
    key: (String, bool),
}

impl Drop for AccountTurn {
    fn drop(&mut self) {
        self.limiter
            .accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// Counts a hash in progress.
struct Hashing(Arc<LoginLimiter>);

impl Drop for Hashing {
    fn drop(&mut self) {
        self.0.hashing.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Argon2 working memory (19 MiB each) kept for the next check. Allocated
/// anew per check, the allocator kept a copy per blocking thread's arena
/// (measured: 600 MiB resident after 30 checks on two cores). No more are
/// kept than one site's permits, and no more exist than hashes in flight.
fn with_argon2_memory<T>(work: impl FnOnce(&mut Vec<argon2::Block>) -> T) -> T {
    static SPARE: Mutex<Vec<Vec<argon2::Block>>> = Mutex::new(Vec::new());
    let taken = SPARE.lock().unwrap_or_else(PoisonError::into_inner).pop();
    let mut memory = taken.unwrap_or_default();
    let result = work(&mut memory);
    let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
    if spare.len() < site_hashing_permits() + RESERVED_PERMITS {
        spare.push(memory);
    }
    result
}

/// Hashing permits a site gets on this machine: about its core count.
pub fn site_hashing_permits() -> usize {
    static PERMITS: OnceLock<usize> = OnceLock::new();
    *PERMITS.get_or_init(|| {
        hashing_permits(std::thread::available_parallelism().map_or(2, usize::from))
    })
}

fn device_cookie_name(state: &AppState) -> &'static str {
    if state.settings.server.is_https() {
        "__Host-hujifen_device"
    } else {
        "hujifen_device"
    }
}

/// Whether the browser presented a valid known-device cookie for this
/// advisor at their current epoch (an unknown user has no known device).
fn known_device(
    state: &AppState,
    request: &HttpRequest,
    advisor: Option<&Advisor>,
    now: i64,
) -> bool {
    let (Some(cookie), Some(advisor)) = (request.cookie(device_cookie_name(state)), advisor) else {
        return false;
    };
    let owner = DeviceOwner {
        username: &advisor.username,
        epoch: advisor.device_epoch,
    };
    device_token_valid(state.secrets.device_key(), owner, cookie.value(), now)
}

/// Logs a login refused without hashing: one line a minute per network
/// and reason, with how many it stands for, so a flood shows without
/// filling the disk.
fn log_refused(state: &AppState, network: &str, ip: &str, reason: &'static str) {
    let bucket = format!("{network} {reason}");
    if let Some(line) = state.quiet_log.note(Repeated::LoginRefused, &bucket) {
        tracing::warn!(bucket = %line.key, %ip, refused = line.count, "login refused: {reason}");
    }
}

/// 429 without hashing, with a retry in `seconds`.
fn too_many(
    state: &AppState,
    username: &str,
    message: &'static str,
    seconds: i64,
) -> Result<HttpResponse, AppError> {
    let response = login_page(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        username,
        Some(message),
    )?;
    Ok(crate::web::body::with_retry_after(response, Some(seconds)))
}

/// The login form must carry the token its page set in the login cookie.
fn check_login_csrf(
    state: &AppState,
    request: &HttpRequest,
    fields: &RawFields,
) -> Result<(), AppError> {
    let expected = request
        .cookie(login_cookie_name(state))
        .map(|c| c.value().to_string());
    let sent = fields.get("csrf").map_or("", String::as_str);
    let csrf_ok = expected.is_some_and(|expected| {
        !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
    });
    if csrf_ok {
        Ok(())
    } else {
        tracing::warn!("login without a valid CSRF token");
        Err(AppError::Forbidden)
    }
}

/// Argon2 takes tens of milliseconds: off the async workers. The permit
/// and the account's turn go with the hash, so they are held until it
/// ends even if the client leaves; the turn comes back to be ended later.
async fn verify_off_thread(
    limiter: &Arc<LoginLimiter>,
    permit: OwnedSemaphorePermit,
    turn: AccountTurn,
    stored: Option<String>,
    password: String,
) -> Result<(bool, AccountTurn), AppError> {
    let hashing = Arc::clone(limiter);
    web::block(move || {
        let _permit = permit;
        let _hashing = hashing.start_hashing();
        let hash = stored.as_deref().unwrap_or_else(|| dummy_hash());
        let matches = with_argon2_memory(|memory| verify_password_in(&password, hash, memory));
        (matches, turn)
    })
    .await
    .map_err(AppError::internal)
}

/// A fresh session for `advisor`: the 303 to `/admin` with its cookie, the
/// login cookie removed, and this browser remembered as a known device.
async fn start_session(
    state: &AppState,
    advisor: &Advisor,
    now: i64,
) -> Result<HttpResponse, AppError> {
    // A new session id at every login: nothing set before login survives it.
    let session_id = format!("{}{}", random_token(), random_token());
    db::advisors::create_session(
        &state.db,
        &session_hash(&session_id),
        advisor.id,
        &random_token(),
        now,
    )
    .await?;
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin"))
        .finish();
    response
        .add_cookie(&cookie(state, cookie_name(state), session_id))
        .map_err(AppError::internal)?;
    response
        .add_removal_cookie(&cookie(state, login_cookie_name(state), String::new()))
        .map_err(AppError::internal)?;
    // This browser is known from now on: strangers' failures will not delay it.
    let owner = DeviceOwner {
        username: &advisor.username,
        epoch: advisor.device_epoch,
    };
    let token = device_token(
        state.secrets.device_key(),
        owner,
        now + KNOWN_DEVICE_SECONDS,
    );
    if let Some(token) = token {
        let mut device = cookie(state, device_cookie_name(state), token);
        device.set_max_age(actix_web::cookie::time::Duration::seconds(
            KNOWN_DEVICE_SECONDS,
        ));
        response.add_cookie(&device).map_err(AppError::internal)?;
    }
    Ok(response)
}

pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let fields = form_fields(&read_limited(payload, BODY_LIMIT).await?);
    check_login_csrf(&state, &request, &fields)?;
    let username = fields
        .get("username")
        .map(|u| u.trim().to_lowercase())
        .unwrap_or_default();
    let password = fields.get("password").cloned().unwrap_or_default();
    let client = client_keys_of(&request, state.settings.server.trusted_proxy);
    let (ip, network) = (client.client.as_str(), client.network.as_str());
    let now = crate::clock::unix_now();
    let advisor = if username.is_empty() {
        None
    } else {
        db::advisors::by_username(&state.db, &username).await?
    };
    let known_device = known_device(&state, &request, advisor.as_ref(), now);
    let limiter = Arc::clone(&state.logins);
    // One attempt in flight per account bucket: a second one is refused,
    // not queued, and never hashed.
    let Some(turn) = limiter.claim(&username, known_device) else {
        log_refused(
            &state,
            network,
            ip,
            "an attempt for this account is in flight",
        );
        return too_many(&state, &username, BUSY, 1);
    };
    let attempt = LoginAttempt {
        username: &username,
        known_device,
        ip,
        network,
        now,
    };
    // Gate and count in one transaction: the attempt is a failure until the
    // password proves right, so attempts in flight are counted too.
    let attempt_id = match db::advisors::reserve_login_attempt(&state.db, &attempt).await? {
        LoginReservation::Reserved { attempt_id } => attempt_id,
        LoginReservation::Refused(gate) => {
            let seconds = gate.retry_after_seconds().unwrap_or(1);
            // Refused without hashing, so as cheap to repeat as a replay:
            // one line a minute per network, with its count.
            log_refused(&state, network, ip, "throttled after too many failures");
            return too_many(&state, &username, THROTTLED, seconds);
        }
    };
    // A few hashes at once for the whole site (19 MiB each); when none
    // frees within the wait the attempt is given back and refused unhashed.
    let Some(permit) = limiter.permit(known_device).await else {
        db::advisors::release_login_attempt(&state.db, attempt_id).await?;
        log_refused(&state, network, ip, "every hashing permit is taken");
        return too_many(&state, &username, BUSY, 1);
    };
    let stored = advisor.as_ref().map(|a| a.password_hash.clone());
    let (matches, turn) = verify_off_thread(&limiter, permit, turn, stored, password).await?;
    let advisor = match advisor {
        Some(advisor) if matches && advisor.active => advisor,
        _ => {
            // The reserved attempt stays: it is the recorded failure.
            tracing::warn!(%ip, known_device, "login failed");
            return login_page(&state, StatusCode::UNAUTHORIZED, &username, Some(WRONG));
        }
    };
    db::advisors::login_succeeded(&state.db, attempt_id, &username, known_device).await?;
    drop(turn);
    let response = start_session(&state, &advisor, now).await?;
    tracing::info!(advisor = %advisor.username, known_device, "advisor signed in");
    Ok(response)
}

pub async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: SignedForm,
) -> Result<HttpResponse, AppError> {
    let signed_in = form.me;
    if let Some(cookie) = request.cookie(cookie_name(&state)) {
        db::advisors::delete_session(&state.db, &session_hash(cookie.value())).await?;
    }
    tracing::info!(advisor = %signed_in.advisor.username, "advisor signed out");
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/login"))
        .finish();
    response
        .add_removal_cookie(&cookie(&state, cookie_name(&state), String::new()))
        .map_err(AppError::internal)?;
    Ok(response)
}
