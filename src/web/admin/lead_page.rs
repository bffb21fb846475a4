//! One lead's page: everything the visitor told us, what happened since,
//! the call form under the number, and each action's form with its refusal
//! beside it. Shared by the page's GET (`leads::detail`) and the actions
//! that answer with it when they refuse (`lead_form`).

use askama::Template;

use time::Duration;

use super::flash::Flash;
use super::lead_view::{LeadView, lead_view};
use super::{Chrome, SignedIn, local_time};
use crate::clock::iso_minutes_ago;
use crate::db;
use crate::db::lead_admin::{self, LeadRow};
use crate::form::RawFields;
use crate::leads::brief::call_brief;
use crate::leads::calls::{CallOutcome, REVEAL_MINUTES};
use crate::leads::events::LeadEvent;
use crate::leads::form::Interest;
use crate::leads::snapshot::Snapshot;
use crate::leads::status::LeadStatus;
use crate::web::{AppError, AppState, shanghai_today};

/// Where on the lead page an action's form is, so its refusal shows there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Reveal,
    Call,
    Note,
    Status,
    Assign,
    FollowUp,
}

impl Section {
    /// The action's last path segment (`/admin/leads/{id}/calls`).
    pub fn of_action(action: &str) -> Option<Self> {
        Some(match action {
            "reveal" => Self::Reveal,
            "calls" => Self::Call,
            "notes" => Self::Note,
            "status" => Self::Status,
            "assign" => Self::Assign,
            "follow-up" => Self::FollowUp,
            _ => return None,
        })
    }

    /// The name the template asks about.
    pub fn code(self) -> &'static str {
        match self {
            Self::Reveal => "reveal",
            Self::Call => "call",
            Self::Note => "note",
            Self::Status => "status",
            Self::Assign => "assign",
            Self::FollowUp => "follow_up",
        }
    }
}

/// One timeline entry, in words.
pub struct EventView {
    pub when: String,
    pub who: String,
    pub text: String,
}

fn event_text(kind: &str, detail: &str) -> String {
    let Some(event) = LeadEvent::from_stored(kind, detail) else {
        return kind.to_string();
    };
    match event {
        LeadEvent::Created { interest, .. } => {
            format!("提交回电请求（{}）", Interest::asked(&interest).label())
        }
        LeadEvent::RepeatRequest { interest, .. } => {
            format!("再次提交回电请求（{}）", Interest::asked(&interest).label())
        }
        LeadEvent::Note { text } => format!("备注：{text}"),
        LeadEvent::StatusChanged { from, to, reason } => {
            let reason = reason.map(|r| format!("，原因：{r}")).unwrap_or_default();
            format!(
                "状态：{} → {}{reason}",
                LeadStatus::label_of(&from),
                LeadStatus::label_of(&to)
            )
        }
        LeadEvent::Assigned { advisor, .. } => match advisor {
            Some(name) => format!("分配给 {name}"),
            None => "取消分配".into(),
        },
        LeadEvent::FollowUpSet { date } => match date {
            Some(date) => format!("下次跟进：{date}"),
            None => "清除下次跟进日期".into(),
        },
        LeadEvent::PhoneRevealed => "查看了完整手机号".into(),
        LeadEvent::Call {
            outcome,
            note,
            attempt,
        } => {
            let outcome = CallOutcome::from_code(&outcome).map_or("未知", CallOutcome::label);
            match note {
                Some(note) => format!("通话：{outcome}（第{attempt}次拨打）备注：{note}"),
                None => format!("通话：{outcome}（第{attempt}次拨打）"),
            }
        }
        LeadEvent::MarketingWithdrawn => "撤回营销同意".into(),
        LeadEvent::Anonymised => "已按保存期限匿名化".into(),
    }
}

/// One consent record: when, notice version, marketing, sensitive data, IP.
type ConsentView = (String, String, bool, bool, String);

/// The full number, shown to the advisor who revealed it until `until`.
pub struct Revealed {
    pub phone: String,
    /// "14:32", Shanghai time.
    pub until: String,
}

/// Why an action was refused, beside which form and field, with what was
/// typed.
pub struct PageRefusal {
    section: Section,
    field: Option<&'static str>,
    message: &'static str,
    kept: RawFields,
}

#[derive(Template)]
#[template(path = "admin/lead.html")]
pub struct DetailPage {
    chrome: Chrome,
    lead: LeadView,
    revealed: Option<Revealed>,
    source: String,
    snapshot: Option<Snapshot>,
    brief: Vec<String>,
    events: Vec<EventView>,
    consents: Vec<ConsentView>,
    statuses: &'static [LeadStatus],
    outcomes: &'static [CallOutcome],
    advisors: Vec<(i64, String)>,
    flash: Option<&'static str>,
    refusal: Option<PageRefusal>,
    csrf: String,
    /// Today (Shanghai), the earliest follow-up date.
    today: String,
    /// One-tap follow-up dates: (date, label).
    quick_picks: Vec<(String, &'static str)>,
}

impl DetailPage {
    pub fn signed(&self, points: &i32) -> String {
        crate::web::layout::signed_points(*points)
    }

    /// The page of `row` as `me` sees it: masked unless `me` revealed the
    /// number in the last 10 minutes, with no message.
    pub async fn load(state: &AppState, me: &SignedIn, row: &LeadRow) -> Result<Self, AppError> {
        let extra = lead_admin::extra(&state.db, row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let snapshot: Option<Snapshot> = extra
            .assessment_snapshot
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok());
        let today = shanghai_today();
        Ok(DetailPage {
            chrome: me.chrome(&format!("线索 #{}", row.id)),
            lead: lead_view(row, &state.calendar, today),
            revealed: revealed(state, me, row).await?,
            source: source_text(&extra.source, extra.assessment_token.is_some()).to_string(),
            brief: brief(state, snapshot.as_ref()),
            snapshot,
            events: timeline(state, row.id).await?,
            consents: consents(state, row.id).await?,
            statuses: LeadStatus::ALL,
            outcomes: CallOutcome::ALL,
            advisors: assignable_advisors(state, me).await?,
            flash: None,
            refusal: None,
            csrf: me.csrf.clone(),
            today: today.to_string(),
            quick_picks: vec![
                ((today + Duration::days(1)).to_string(), "明天"),
                ((today + Duration::days(3)).to_string(), "3天后"),
            ],
        })
    }

    /// Confirms the last action.
    pub fn with_flash(mut self, flash: Option<Flash>) -> Self {
        self.flash = flash.map(Flash::message);
        self
    }

    /// Shows why an action was refused, beside its form, with `kept` typed.
    pub fn refused(
        mut self,
        section: Section,
        field: Option<&'static str>,
        message: &'static str,
        kept: RawFields,
    ) -> Self {
        self.refusal = Some(PageRefusal {
            section,
            field,
            message,
            kept,
        });
        self
    }

    /// The refusal message if it belongs to the form `section`.
    pub fn error_in(&self, section: &str) -> Option<&'static str> {
        self.refusal
            .as_ref()
            .filter(|refusal| refusal.section.code() == section)
            .map(|refusal| refusal.message)
    }

    /// The refusal message if it is about the field `name`.
    pub fn field_error(&self, name: &str) -> Option<&'static str> {
        self.refusal
            .as_ref()
            .filter(|refusal| refusal.field == Some(name))
            .map(|refusal| refusal.message)
    }

    /// The id of what the error summary links to: the field, or the form.
    pub fn error_target(&self) -> String {
        match &self.refusal {
            Some(PageRefusal {
                field: Some(field), ..
            }) => format!("call-{}", field.replace('_', "-")),
            Some(refusal) => format!("{}-form", refusal.section.code().replace('_', "-")),
            None => String::new(),
        }
    }

    /// What was typed into `name` on the refused form `section`, else "".
    pub fn kept(&self, section: &str, name: &str) -> &str {
        self.refusal
            .as_ref()
            .filter(|refusal| refusal.section.code() == section)
            .and_then(|refusal| refusal.kept.get(name))
            .map_or("", String::as_str)
    }
}

/// The full number if `me` revealed it in the last 10 minutes.
async fn revealed(
    state: &AppState,
    me: &SignedIn,
    row: &LeadRow,
) -> Result<Option<Revealed>, AppError> {
    let since = iso_minutes_ago(REVEAL_MINUTES);
    let at = lead_admin::revealed_at(&state.db, row.id, &me.advisor.username, &since).await?;
    Ok(at.map(|at| Revealed {
        phone: row.phone.clone(),
        until: local_clock_time(&at, REVEAL_MINUTES),
    }))
}

/// "14:32": Shanghai time `minutes` after stored UTC ISO text.
fn local_clock_time(iso: &str, minutes: i64) -> String {
    crate::clock::parse_iso(iso)
        .map(|at| {
            let at = (at + Duration::minutes(minutes)).to_offset(time::macros::offset!(+8));
            format!("{:02}:{:02}", at.hour(), at.minute())
        })
        .unwrap_or_default()
}

/// Where the visitor asked for the callback.
fn source_text(source: &str, with_assessment: bool) -> &'static str {
    match (source, with_assessment) {
        ("result", _) => "自测结果页",
        (_, true) => "咨询页（附自测结果）",
        _ => "咨询页",
    }
}

/// What to ask on the call: from the attached result, or the basics.
fn brief(state: &AppState, snapshot: Option<&Snapshot>) -> Vec<String> {
    snapshot
        .map(|s| call_brief(s, &state.settings.reference_wages))
        .unwrap_or_else(|| vec!["未附自测结果：电话中先了解年龄、学历、职称和社保情况".to_string()])
}

async fn timeline(state: &AppState, lead_id: i64) -> Result<Vec<EventView>, AppError> {
    Ok(lead_admin::events(&state.db, lead_id)
        .await?
        .into_iter()
        .map(|event| EventView {
            when: local_time(&event.created_at),
            who: event.actor.unwrap_or_else(|| "访客".into()),
            text: event_text(&event.kind, &event.detail),
        })
        .collect())
}

async fn consents(state: &AppState, lead_id: i64) -> Result<Vec<ConsentView>, AppError> {
    Ok(lead_admin::consents(&state.db, lead_id)
        .await?
        .into_iter()
        .map(|c| {
            (
                local_time(&c.created_at),
                c.notice_version,
                c.marketing,
                c.share_sensitive,
                c.ip,
            )
        })
        .collect())
}

/// Whom `me` may hand the lead to: any active advisor for an admin, else
/// only themselves.
async fn assignable_advisors(
    state: &AppState,
    me: &SignedIn,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(db::advisors::all(&state.db)
        .await?
        .into_iter()
        .filter(|a| a.active && (me.advisor.is_admin() || a.id == me.advisor.id))
        .map(|a| (a.id, a.display_name))
        .collect())
}
