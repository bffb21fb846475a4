//! Callback requests: the form, SMS codes behind a proof of work, the
//! submission, and the thanks page.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use base64::Engine;
use serde_json::json;

use super::body::{BODY_LIMIT, form_fields, query_fields, read_limited, with_retry_after};
use super::client_ip::client_keys_of;
use super::layout::{PageMeta, SITE_NAME, Site};
use super::quiet_log::Repeated;
use super::{AppError, AppState, looks_like_token, render_private};
use crate::db;
use crate::db::assessments::StoredAssessment;
use crate::db::leads::{Submission, SubmitOutcome};
use crate::db::verification::{Reservation, SendRequest};
use crate::form::{FieldErrors, RawFields};
use crate::leads::codes::generate_code;
use crate::leads::form::{Interest, is_bot, parse_callback};
use crate::leads::limits::{BudgetLevel, reopens_in};
use crate::leads::school::LeadSchool;
use crate::leads::snapshot::Snapshot;
use crate::leads::{NOTICE_VERSION, Phone};
use crate::notify::sms::CodeMessage;
use crate::scoring::replay;
use crate::web::self_test::ResultPage;

pub use crate::web::callback_form::{AttachedAssessment, CallbackForm};

#[derive(Template)]
#[template(path = "consultation/page.html")]
struct ConsultationPage {
    meta: PageMeta,
    heading: &'static str,
    intro: &'static str,
    callback: CallbackForm,
}

fn heading(interest: Interest) -> (&'static str, &'static str) {
    match interest {
        Interest::Callback => (
            "预约顾问免费回电",
            "留下称呼和中国大陆手机号，顾问会在1个工作日内回电，帮你核对每一项积分、规划达到120分的路径。",
        ),
        Interest::Guide => (
            "免费领取积分落户指南",
            "留下称呼和中国大陆手机号，顾问会在1个工作日内回电，讲清从居住证积分到落户的路线图，并解答你的问题。",
        ),
        Interest::Materials => (
            "免费领取积分申请资料",
            "留下称呼和中国大陆手机号，顾问会在1个工作日内回电，把整理好的材料清单和常见退件原因发给你。",
        ),
        Interest::Planning => (
            "预约一对一积分规划",
            "留下称呼和中国大陆手机号，顾问会在1个工作日内回电，按你的情况算清还差几分、怎样最快补上。",
        ),
        Interest::News => (
            "订阅积分政策资讯",
            "留下称呼和中国大陆手机号，顾问会先回电确认，此后政策调整、社平工资更新时第一时间电话告诉你。",
        ),
        Interest::Institution => (
            "机构入驻合作",
            "人力资源、企业服务等机构可以申请入驻合作：留下机构名称、联系人称呼和中国大陆手机号，我们会在1个工作日内回电。",
        ),
    }
}

fn page(callback: CallbackForm, site: &std::sync::Arc<Site>) -> ConsultationPage {
    let (heading, intro) = heading(callback.interest);
    let meta = if callback.errors.is_empty() && callback.notice.is_none() {
        PageMeta::public(
            site,
            "/consultation",
            format!("{heading} - {SITE_NAME}"),
            intro,
        )
    } else {
        PageMeta::private(site, format!("{heading} - {SITE_NAME}"), intro)
    };
    ConsultationPage {
        meta,
        heading,
        intro,
        callback,
    }
}

/// The attached self-test, when the token names a stored one.
async fn attached(
    state: &AppState,
    token: Option<&String>,
) -> Result<Option<(AttachedAssessment, db::assessments::StoredAssessment)>, AppError> {
    let Some(token) = token.map(|t| t.trim()).filter(|t| looks_like_token(t)) else {
        return Ok(None);
    };
    Ok(db::assessments::find(&state.db, token)
        .await?
        .map(|stored| {
            (
                AttachedAssessment {
                    token: token.to_string(),
                    total: stored.total,
                    has_sensitive: stored.profile.has_sensitive_answers(),
                },
                stored,
            )
        }))
}

/// `GET /consultation?interest=…&assessment=…`.
pub async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = query_fields(&request);
    let interest = Interest::asked(query.get("interest").map_or("", String::as_str));
    let assessment = attached(&state, query.get("assessment"))
        .await?
        .map(|(a, _)| a);
    render_private(
        StatusCode::OK,
        &page(
            CallbackForm::blank(interest, assessment, "consultation"),
            &state.site,
        ),
    )
}

use super::error::wants_json;

/// The callback form again, where it was: in place on its result page (the
/// form's action ends in `#callback`, so the browser shows it), or on the
/// consultation page.
fn form_again(
    state: &AppState,
    status: StatusCode,
    callback: CallbackForm,
    found: Option<&(AttachedAssessment, StoredAssessment)>,
) -> Result<HttpResponse, AppError> {
    if let (Some((attached, stored)), "result") = (found, callback.source) {
        let assessment = replay(
            &stored.profile,
            &stored.recorded,
            &state.settings.reference_wages,
        );
        let mut result = ResultPage::new(
            Some(&attached.token),
            &assessment,
            &stored.profile,
            &state.settings,
            &state.site,
        );
        result.callback = callback;
        return render_private(status, &result);
    }
    render_private(status, &page(callback, &state.site))
}

/// Answers a request for a code: JSON for scripts, the form again otherwise.
struct CodeReply<'a> {
    state: &'a AppState,
    json: bool,
    raw: RawFields,
    found: Option<(AttachedAssessment, StoredAssessment)>,
}

impl CodeReply<'_> {
    /// The form the request came from, again: the privacy-requests page or
    /// the callback form, with the 立即获取 countdown where one runs.
    fn form(
        self,
        status: StatusCode,
        errors: FieldErrors,
        notice: Option<String>,
        code_wait_seconds: Option<i64>,
    ) -> Result<HttpResponse, AppError> {
        if self.raw.get("source").map(String::as_str) == Some("privacy") {
            return render_private(
                status,
                &crate::web::privacy::RequestsPage::new(&self.state.site, self.raw, errors, notice),
            );
        }
        let attached = self.found.as_ref().map(|(a, _)| a.clone());
        let mut callback = CallbackForm::resubmitted(self.raw, errors, attached);
        callback.notice = notice;
        callback.code_wait_seconds = code_wait_seconds;
        form_again(self.state, status, callback, self.found.as_ref())
    }

    fn error(
        self,
        status: StatusCode,
        field: &'static str,
        message: &str,
        retry_after: Option<i64>,
    ) -> Result<HttpResponse, AppError> {
        let response = if self.json {
            let mut body = json!({ "errors": { field: message } });
            if let Some(seconds) = retry_after {
                body["retry_after"] = json!(seconds);
            }
            HttpResponse::build(status).json(body)
        } else {
            let mut errors = FieldErrors::default();
            errors.add(field, message);
            self.form(status, errors, None, retry_after)?
        };
        Ok(with_retry_after(response, retry_after))
    }

    /// 422 with `message` on `field`.
    fn invalid(self, field: &'static str, message: &str) -> Result<HttpResponse, AppError> {
        self.error(StatusCode::UNPROCESSABLE_ENTITY, field, message, None)
    }

    fn refused(self, refused: CodeRefused) -> Result<HttpResponse, AppError> {
        self.error(
            refused.status,
            "code",
            &refused.message,
            refused.retry_after,
        )
    }

    fn sent(self, masked: &str, retry_after: i64) -> Result<HttpResponse, AppError> {
        let message = format!(
            "验证码已发送至 {masked}，{}分钟内有效",
            self.state.settings.limits.codes.valid_minutes()
        );
        if self.json {
            return Ok(HttpResponse::Ok()
                .json(json!({ "ok": true, "message": message, "retry_after": retry_after })));
        }
        self.form(
            StatusCode::OK,
            FieldErrors::default(),
            Some(message),
            Some(retry_after),
        )
    }
}

/// Marks, in a challenge's salt, how hard it was made: "<random>-w4". Not a
/// salt parameter: altcha-lib-rs rebuilds the parameters from a HashMap when
/// it verifies, so with two of them the order (and the hash) can change.
const WORK_MARK: &str = "-w";

/// A solved ALTCHA challenge: its one-time id and the proof-of-work
/// multiplier it was issued with (signed, in its salt).
struct Solved {
    challenge: String,
    work_multiplier: u64,
}

/// The solved challenge, if the solution is valid and not expired.
fn verify_altcha(payload: &str, key: &str) -> Option<Solved> {
    let engine = base64::engine::general_purpose::STANDARD;
    let decoded = engine.decode(payload.trim()).ok()?;
    let solution: altcha_lib_rs::Payload = serde_json::from_slice(&decoded).ok()?;
    // Only our own challenges carry an expiry; one without is not ours.
    if !solution.salt.contains("expires=") {
        return None;
    }
    altcha_lib_rs::verify_solution(&solution, key, true).ok()?;
    let work_multiplier = solution
        .salt
        .split('?')
        .next()
        .and_then(|salt| salt.rsplit_once(WORK_MARK))
        .and_then(|(_, multiplier)| multiplier.parse().ok())
        .unwrap_or(1);
    Some(Solved {
        challenge: solution.challenge,
        work_multiplier,
    })
}

/// `GET /verification-codes/challenge`: an ALTCHA v1 challenge, harder as
/// the day's SMS budget is spent.
pub async fn challenge(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let expires =
        chrono::Utc::now() + chrono::TimeDelta::seconds(state.settings.limits.captcha.ttl_seconds);
    let sent = db::verification::sends_today(&state.db, crate::clock::unix_now())
        .await
        .map_err(AppError::internal)?;
    let level = BudgetLevel::of(sent, state.settings.limits.send.global_day.limit);
    let multiplier = level.work_multiplier();
    let challenge = altcha_lib_rs::create_challenge(altcha_lib_rs::ChallengeOptions {
        hmac_key: state.secrets.altcha_key(),
        max_number: Some(
            state
                .settings
                .limits
                .captcha
                .max_number
                .saturating_mul(multiplier),
        ),
        expires: Some(expires),
        salt: Some(format!(
            "{}{WORK_MARK}{multiplier}",
            crate::tokens::random_token()
        )),
        ..Default::default()
    })
    .map_err(|error| AppError::internal(anyhow::anyhow!("altcha: {error}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(challenge))
}

/// Why no code is sent, as the visitor is told.
struct CodeRefused {
    status: StatusCode,
    message: String,
    retry_after: Option<i64>,
}

impl CodeRefused {
    fn invalid(message: &str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: message.to_string(),
            retry_after: None,
        }
    }
}

/// The solved proof of work, or why it does not count.
fn solved_challenge(state: &AppState, altcha: &str) -> Result<Solved, &'static str> {
    if altcha.trim().is_empty() {
        return Err("请先完成人机验证再获取验证码（需要浏览器开启JavaScript）");
    }
    verify_altcha(altcha, state.secrets.altcha_key())
        .ok_or("人机验证未通过或已过期，请重新点击获取验证码")
}

/// The send's id when the database granted it; otherwise what to answer.
fn granted(
    state: &AppState,
    reservation: Reservation,
    ip: &str,
    phone: &Phone,
) -> Result<i64, CodeRefused> {
    match reservation {
        Reservation::Granted { send_id, alert } => {
            if let Some(level) = alert {
                tracing::error!(
                    level = level.code(),
                    "SMS daily budget: level reached; the operator is emailed"
                );
                state.outbox_wake.notify_one();
            }
            Ok(send_id)
        }
        Reservation::TooEasy => Err(CodeRefused::invalid("人机验证已过期，请重新点击获取验证码")),
        Reservation::ChallengeReused => {
            // One line a minute per client: a replay loop grew the log by
            // about 5 GB an hour (third outside probe).
            if let Some(line) = state.quiet_log.note(Repeated::CaptchaReplay, ip) {
                tracing::warn!(ip = %line.key, refused = line.count, "replayed captcha solution refused");
            }
            Err(CodeRefused::invalid(
                "人机验证已使用过，请重新点击获取验证码",
            ))
        }
        Reservation::Refused(refusal) => {
            if let Some(line) = state.quiet_log.note(Repeated::SmsLimit, ip) {
                tracing::warn!(ip = %line.key, to = %phone, refused = line.count, retry_after = refusal.retry_after_seconds, "SMS limit reached");
            }
            Err(CodeRefused {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!(
                    "{}（{}后可再试）",
                    refusal.message,
                    reopens_in(refusal.retry_after_seconds)
                ),
                retry_after: Some(refusal.retry_after_seconds),
            })
        }
    }
}

/// Asks the SMS provider and records whether it took the message.
async fn deliver(
    state: &AppState,
    phone: &Phone,
    code: String,
    send_id: i64,
) -> Result<Result<(), CodeRefused>, AppError> {
    let message = CodeMessage {
        to: phone.clone(),
        code,
        valid_minutes: state.settings.limits.codes.valid_minutes(),
    };
    let result = state.sms.send(&message).await;
    db::verification::finish_send(&state.db, send_id, result.is_ok())
        .await
        .map_err(AppError::internal)?;
    Ok(result.map_err(|error| {
        tracing::error!(%error, to = %phone, "SMS not sent");
        CodeRefused {
            status: StatusCode::BAD_GATEWAY,
            message: error.visitor_message().to_string(),
            retry_after: None,
        }
    }))
}

/// `POST /verification-codes`: checks the proof of work and the limits,
/// counts the send, then asks the SMS provider.
pub async fn send_code(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let raw = form_fields(&read_limited(payload, BODY_LIMIT).await?);
    let found = attached(&state, raw.get("assessment")).await?;
    let bot = is_bot(&raw);
    let phone_text = raw.get("phone").cloned().unwrap_or_default();
    let altcha = raw.get("altcha").cloned().unwrap_or_default();
    let reply = CodeReply {
        state: &state,
        json: wants_json(&request),
        raw,
        found,
    };
    let ttl = state.settings.limits.send.phone_interval.seconds;
    let phone = match Phone::parse(&phone_text) {
        Ok(phone) => phone,
        Err(message) => return reply.invalid("phone", message),
    };
    if bot {
        // The same answer as a real send, and nothing counted or sent.
        return reply.sent(&phone.masked(), ttl);
    }
    let solved = match solved_challenge(&state, &altcha) {
        Ok(solved) => solved,
        Err(message) => return reply.invalid("code", message),
    };
    let code = generate_code();
    let keys = client_keys_of(&request, state.settings.server.trusted_proxy);
    let reservation = db::verification::reserve_send(
        &state.db,
        &state.settings.limits.send,
        &state.settings.limits.codes,
        SendRequest {
            challenge: &solved.challenge,
            work_multiplier: solved.work_multiplier,
            phone: phone.as_str(),
            ip: &keys.client,
            network: &keys.network,
            code_hmac: &state.secrets.code_hmac(phone.as_str(), &code),
            now: crate::clock::unix_now(),
        },
    )
    .await
    .map_err(AppError::internal)?;
    let send_id = match granted(&state, reservation, &keys.client, &phone) {
        Ok(send_id) => send_id,
        Err(refused) => return reply.refused(refused),
    };
    match deliver(&state, &phone, code, send_id).await? {
        Ok(()) => reply.sent(&phone.masked(), ttl),
        Err(refused) => reply.refused(refused),
    }
}

/// The 303 every accepted (or silently dropped) request gets.
fn to_thanks() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/consultations/thanks"))
        .finish()
}

/// The attached result as advisors will read it, replayed under the rules
/// it was recorded with.
fn snapshot_of(
    state: &AppState,
    found: Option<&(AttachedAssessment, StoredAssessment)>,
    share_sensitive: bool,
) -> Option<Snapshot> {
    let wages = &state.settings.reference_wages;
    found.map(|(attached, stored)| {
        Snapshot::build(
            &attached.token,
            &stored.profile,
            &crate::scoring::replay(&stored.profile, &stored.recorded, wages),
            share_sensitive,
            wages,
        )
    })
}

/// Why a stored-nothing outcome is refused: status, field, message, retry.
type FormRefusal = (StatusCode, &'static str, &'static str, Option<i64>);

fn refusal_of(outcome: SubmitOutcome) -> Option<FormRefusal> {
    match outcome {
        SubmitOutcome::Created(_) | SubmitOutcome::Joined(_) | SubmitOutcome::Replayed(_) => None,
        SubmitOutcome::Refused(refusal) => Some((
            StatusCode::TOO_MANY_REQUESTS,
            "phone",
            refusal.message,
            Some(refusal.retry_after_seconds),
        )),
        // One message for all three: which one it is would tell a
        // stranger whether this phone has a live code.
        SubmitOutcome::CodeMissing | SubmitOutcome::CodeWrong | SubmitOutcome::CodeLocked => {
            Some((
                StatusCode::UNPROCESSABLE_ENTITY,
                "code",
                crate::leads::codes::WRONG_OR_EXPIRED,
                None,
            ))
        }
    }
}

/// The callback form again with the visitor's values and `errors`.
fn callback_again(
    state: &AppState,
    raw: RawFields,
    found: Option<&(AttachedAssessment, StoredAssessment)>,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let attached = found.map(|(a, _)| a.clone());
    let callback = CallbackForm::resubmitted(raw, errors, attached);
    form_again(state, status, callback, found)
}

/// `POST /consultations`: checks every field, then the code, then stores the
/// lead with its consent in one transaction; 303 only after the commit.
pub async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let raw = form_fields(&read_limited(payload, BODY_LIMIT).await?);
    if is_bot(&raw) {
        return Ok(to_thanks());
    }
    let found = attached(&state, raw.get("assessment")).await?;
    let callback_request = match parse_callback(&raw) {
        Ok(callback_request) => callback_request,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return callback_again(&state, raw, found.as_ref(), status, errors);
        }
    };
    let snapshot = snapshot_of(&state, found.as_ref(), callback_request.share_sensitive);
    let source = if raw.get("source").map(String::as_str) == Some("result") {
        "result"
    } else {
        "consultation"
    };
    let client = client_keys_of(&request, state.settings.server.trusted_proxy);
    let outcome = state
        .leads
        .submit(Submission {
            request: callback_request,
            ip: client.client,
            network: client.network,
            source,
            total: snapshot.as_ref().map(|s| s.result.total),
            school: snapshot
                .as_ref()
                .and_then(|s| LeadSchool::of(s.result.school.as_ref())),
            snapshot: snapshot
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(AppError::internal)?,
            notice_version: NOTICE_VERSION,
            now: crate::clock::unix_now(),
        })
        .await
        .map_err(AppError::internal)?;
    if let SubmitOutcome::Created(id) | SubmitOutcome::Joined(id) = outcome {
        tracing::info!(lead_id = id, "callback request stored");
        state.outbox_wake.notify_one();
    }
    let Some((status, field, message, retry_after)) = refusal_of(outcome) else {
        return Ok(to_thanks());
    };
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    // The 立即获取 countdown is kept by the page's script (it remembers
    // when it asked): the server never says whether a typed phone had a
    // code lately.
    let response = callback_again(&state, raw, found.as_ref(), status, errors)?;
    Ok(with_retry_after(response, retry_after))
}

#[derive(Template)]
#[template(path = "consultation/thanks.html")]
struct ThanksPage {
    meta: PageMeta,
}

pub async fn thanks(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render_private(
        StatusCode::OK,
        &ThanksPage {
            meta: PageMeta::private(
                &state.site,
                format!("提交成功 - {SITE_NAME}"),
                "您的服务申请已提交。",
            ),
        },
    )
}
