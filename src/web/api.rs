//! `POST /api/v1/assessments`: the same engine as the form, in JSON.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::body::{BODY_LIMIT, BodyError, read_limited};
use super::{AppState, shanghai_today};
use crate::scoring::input::check_on;
use crate::scoring::input::{FIELDS, RawAnswers};
use crate::scoring::{FieldErrors, evaluate, parse_answers};

pub async fn create_assessment(state: web::Data<AppState>, payload: web::Payload) -> HttpResponse {
    let body = match read_limited(payload, BODY_LIMIT).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return body_error(StatusCode::PAYLOAD_TOO_LARGE, "请求内容过大（最多16KB）");
        }
        Err(BodyError::Unreadable) => {
            return body_error(StatusCode::BAD_REQUEST, "无法读取请求内容");
        }
        Err(BodyError::TimedOut) => {
            return body_error(StatusCode::REQUEST_TIMEOUT, "请求超时，请重试");
        }
    };
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&body) else {
        return body_error(StatusCode::BAD_REQUEST, "请求内容须为JSON对象");
    };
    let (raw, mut errors) = raw_answers(&object);
    let today = shanghai_today();
    match parse_answers(&raw) {
        Ok(profile) if errors.is_empty() && check_on(&profile, today).is_empty() => {
            let assessment = evaluate(&profile, today, &state.settings.reference_wages);
            HttpResponse::Ok().json(assessment)
        }
        Ok(profile) if errors.is_empty() => {
            let errors = check_on(&profile, today);
            HttpResponse::UnprocessableEntity().json(json!({ "errors": errors }))
        }
        Ok(_) => HttpResponse::UnprocessableEntity().json(json!({ "errors": errors })),
        Err(more) => {
            for (field, message) in more.iter() {
                errors.add(field, message);
            }
            HttpResponse::UnprocessableEntity().json(json!({ "errors": errors }))
        }
    }
}

fn body_error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "errors": { "body": message } }))
}

/// JSON scalars as the text a form would send; null means omitted. Arrays
/// and objects are errors of their field.
pub(crate) fn raw_answers(object: &serde_json::Map<String, Value>) -> (RawAnswers, FieldErrors) {
    let mut raw = RawAnswers::new();
    let mut errors = FieldErrors::default();
    for &(field, label) in FIELDS {
        match object.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                raw.insert(field.into(), text.clone());
            }
            Some(Value::Bool(flag)) => {
                raw.insert(field.into(), flag.to_string());
            }
            Some(Value::Number(number)) => {
                raw.insert(field.into(), number.to_string());
            }
            Some(Value::Array(_) | Value::Object(_)) => {
                errors.add(field, format!("{label}的格式不正确"))
            }
        }
    }
    (raw, errors)
}
