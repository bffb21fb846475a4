//! The result page: the total against 120, every item with its reason, the
//! conditions to apply, and the plan: when 120 comes, what brings it sooner,
//! which papers are needed. Printable; no JavaScript needed.

use askama::Template;

use crate::leads::form::Interest;
use crate::scoring::input::answer_fields;
use crate::scoring::school::{School, Status};
use crate::scoring::verdict::BlockerKind;
use crate::scoring::wages::{YearMonth, chinese_date};
use crate::scoring::{Assessment, EligibilityNote, Item, Profile, Route, Verdict, tables};
use crate::settings::Settings;
use crate::web::callback_form::{AttachedAssessment, CallbackForm};
use crate::web::layout::{PageMeta, SITE_NAME, Site};

const BASIC: &[&str] = &["age", "education", "qualification", "insurance_years"];
const DEDUCTIONS: &[&str] = &[
    "false_material",
    "detention",
    "criminal",
    "serious_criminal",
    "family_planning",
];

pub struct SuggestionView {
    pub action: String,
    pub points: i32,
    pub when: String,
    /// Closes the gap by itself.
    pub closes: bool,
    /// What it only scores together with, in Chinese ("" when alone).
    pub together: String,
    /// With a child: "可赶上…的材料核查" or "赶不上…" ("" otherwise).
    pub deadline: String,
    /// "时间" / "核实" / "找单位" / "考证或学历".
    pub effort: &'static str,
}

pub struct GroupView<'a> {
    pub title: &'static str,
    pub items: Vec<&'a Item>,
    pub subtotal: i32,
}

/// How many suggestions show before "其他加分方式".
const TOP_SUGGESTIONS: usize = 3;

/// Further short than this, the papers fold away ("达标后再准备").
const MATERIALS_LATER_GAP: i32 = 20;

/// "其中临港新片区的10分须有推荐函；没有则为110分，达不到120分".
fn dependency_lines(a: &Assessment) -> Vec<String> {
    a.depends_on
        .iter()
        .map(|d| {
            let without = if a.total >= a.standard && d.total_without < a.standard {
                format!("；没有则为{}分，达不到{}分", d.total_without, a.standard)
            } else {
                format!("；没有则为{}分", d.total_without)
            };
            format!(
                "其中{}的{}分须有{}{without}。",
                d.label, d.points, d.document
            )
        })
        .collect()
}

/// The status in plain words: a headline and a sentence.
fn status_words(school: &School, ready_month: &str) -> (String, String) {
    let z = school.zhongkao.year;
    match school.zhongkao.status {
        Status::Comfortable => (
            format!("孩子{z}年中考：时间充裕"),
            format!(
                "你的积分通知书预计{ready_month}可以拿到，早于{}年2月学校开始收通知书。",
                z - 1
            ),
        ),
        Status::OnTrack => (
            format!("孩子{z}年中考：来得及"),
            format!(
                "通知书预计{ready_month}拿到，赶得上{}年11月中旬开始的中招报名材料核查。",
                z - 1
            ),
        ),
        Status::Tight => (
            format!("孩子{z}年中考：时间很紧"),
            format!(
                "通知书预计{ready_month}才拿到，晚于材料核查开始，只能赶在{z}年1–3月的网上报名前，务必提前和学校确认。"
            ),
        ),
        Status::LateRoute => (
            format!("孩子{z}年中考：只能走补报名"),
            format!(
                "通知书预计{ready_month}拿到，要在{z}年5月7日前持通知书向区招考机构补报名；补报名的学生只享受之后环节的中招政策，会错过哪些环节以当年通知为准。"
            ),
        ),
        Status::Misses => (
            format!("孩子{z}年中考：赶不上今年"),
            format!("按目前情况，{z}年5月7日补报名截止前拿不到积分通知书。还可以考虑下面几条路。"),
        ),
        Status::Done => (
            format!("孩子{z}年的中考已经过了"),
            format!("下面只看{}年的高考。", school.gaokao.year),
        ),
    }
}

/// "最现实的路线" in a line, and with a child whether it makes the target.
fn route_line(a: &Assessment, route: &Route) -> String {
    let deadline = deadline_words(a, route.makes_target);
    let deadline = if deadline.is_empty() {
        deadline
    } else {
        format!("，{deadline}")
    };
    format!(
        "{}：{}可达{}分{deadline}",
        route.summary,
        route.when(),
        route.total
    )
}

/// "可赶上2028年11月的材料核查" or "赶不上…"; "" without a child's 中考.
fn deadline_words(a: &Assessment, makes_target: Option<bool>) -> String {
    match (makes_target, &a.school) {
        (Some(makes), Some(school)) => format!(
            "{}{}年11月的材料核查",
            if makes { "可赶上" } else { "赶不上" },
            school.zhongkao.year - 1
        ),
        _ => String::new(),
    }
}

/// A step a suggestion needs, in the visitor's words.
fn need_label(code: &str) -> &'static str {
    match code {
        "qualification_base" => "近12个月内6个月社保基数不低于社平工资1倍",
        "verify_qualification_base" => "核对近12个月的社保基数",
        _ => "其他条件",
    }
}

#[derive(Template)]
#[template(path = "self_test/result.html")]
pub struct ResultPage<'a> {
    pub meta: PageMeta,
    /// None for a result shown but not stored (the client's hourly
    /// limit on stored results was reached): no link leads back to it.
    pub token: Option<&'a str>,
    pub a: &'a Assessment,
    pub groups: Vec<GroupView<'a>>,
    pub headline: String,
    /// "reached", "blocked" or "short": which next step the page offers.
    pub verdict: &'static str,
    pub assessed_on: String,
    pub period_text: String,
    /// The sum of the items before the floor at 0.
    pub raw_sum: i32,
    /// The callback form, with this result attached.
    pub callback: CallbackForm,
    /// The call to action above the callback form, fitting the verdict.
    pub callback_title: &'static str,
    pub callback_text: &'static str,
    /// The breakdown as bars.
    pub chart: BarChart,
    /// "按目前情况，预计2029年3月达到120分" and its timeline.
    pub projection_text: String,
    pub timeline: Option<String>,
    /// The first few suggestions, then the rest (folded).
    pub suggestions: Vec<SuggestionView>,
    pub more_suggestions: Vec<SuggestionView>,
    /// The conditions a reached result must still confirm.
    pub to_confirm: Vec<&'a EligibilityNote>,
    /// Set when the result was computed under other rules or data than today's.
    pub outdated: Option<String>,
    /// The answers as form fields, to recompute under today's rules.
    pub answers: Vec<(String, String)>,
    /// This result's address, for the printout.
    pub result_url: String,
    /// The guides that fit the verdict: (path, title).
    pub guide_links: Vec<(&'static str, &'static str)>,
    /// "最现实的路线" when no single step closes the gap.
    pub route: Option<String>,
    /// Beside the verdict: the points that need a document.
    pub depends: Vec<String>,
    /// The papers wait until the gap is small.
    pub materials_later: bool,
    /// The reference wage is assumed past its last verified month.
    pub wage_unverified: Option<String>,
    /// The rule text the result was scored under, in Chinese.
    pub rules_text: &'static str,
    /// The child's 中考 and 高考 against the 通知书, when a child is given.
    pub school: Option<SchoolView<'a>>,
}

/// The school card: the status in plain words and the dates behind it.
pub struct SchoolView<'a> {
    pub school: &'a School,
    /// "status-on_track".
    pub status: &'static str,
    pub headline: String,
    pub sentence: String,
    pub target: String,
    pub last_chance: String,
    pub ready: String,
    pub gaokao: String,
    pub entry: Option<String>,
    /// Said plainly when no step gets the 通知书 before the target.
    pub nothing_makes_it: Option<String>,
    /// When time alone is late but a step would make the target.
    pub steps_make_it: Option<String>,
}

impl<'a> SchoolView<'a> {
    fn new(a: &'a Assessment, school: &'a School) -> Self {
        let z = school.zhongkao.year;
        let ready = match school.zhongkao.ready_by {
            Some(month) => format!(
                "{}（预计达到120分后再约{}个月办理）",
                month.chinese(),
                school.processing_months
            ),
            None => "按目前情况，60周岁前仅靠时间累积达不到120分".to_string(),
        };
        let ready_month = school
            .zhongkao
            .ready_by
            .map_or_else(|| "—".to_string(), YearMonth::chinese);
        let status = school.zhongkao.status;
        let (headline, sentence) = status_words(school, &ready_month);
        let gaokao = format!(
            "{}年高考：{}资格审核时核查积分通知书（{}）",
            school.gaokao.year,
            school.gaokao.review_by.chinese(),
            school.gaokao.status.label()
        );
        let entry = school.entry.as_ref().map(|entry| {
            let stage = if entry.stage == "primary" { "上小学" } else { "上初中（六年级）" };
            format!(
                "{}年9月{stage}：4月中旬（约{}起）入学信息登记，建议{}前持有通知书（{}）。积分只影响排序，不影响能否入学：入学的条件是孩子持有效居住证或居住登记凭证，父母一方持有效居住证，并在{}年6月30日前一年内缴满6个月职工社保（不含补缴，或连续3年灵活就业登记），证件要有效到{}年6月30日；各区排序细则不同。",
                entry.year,
                chinese_date(entry.registration),
                chinese_date(entry.hold_by),
                entry.status.label(),
                entry.year,
                entry.year
            )
        });
        let ahead = status != Status::Done;
        let any_makes = a.suggestions.iter().any(|s| s.makes_target == Some(true))
            || a.routes.iter().any(|r| r.makes_target == Some(true));
        let nothing_makes_it =
            (ahead && a.verdict == Verdict::Short && status > Status::OnTrack && !any_makes).then(
                || {
                    format!(
                        "下面的补分方式都赶不上{}年11月的材料核查：{}",
                        z - 1,
                        if status == Status::Misses {
                            "今年的中考只剩下面列出的几条路。"
                        } else {
                            "只能按上面的时间走。"
                        }
                    )
                },
            );
        let steps_make_it = (ahead && status > Status::OnTrack && any_makes).then(|| {
            format!(
                "按下面标有“可赶上{}年11月的材料核查”的方式补分，就能赶上。",
                z - 1
            )
        });
        SchoolView {
            steps_make_it,
            school,
            status: status.code(),
            headline,
            sentence,
            target: chinese_date(school.zhongkao.target),
            last_chance: chinese_date(school.zhongkao.last_chance),
            ready,
            gaokao,
            entry,
            nothing_makes_it,
        }
    }
}

impl<'a> ResultPage<'a> {
    pub fn new(
        token: Option<&'a str>,
        a: &'a Assessment,
        answers: &Profile,
        settings: &Settings,
        site: &std::sync::Arc<Site>,
    ) -> Self {
        let callback = CallbackForm::blank(
            Interest::Callback,
            token.map(|token| AttachedAssessment {
                token: token.to_string(),
                total: a.total,
                has_sensitive: answers.has_sensitive_answers(),
            }),
            "result",
        );
        let words = VerdictWords::of(a);
        let period_text = match &a.reference_wage {
            Some(used) => format!("{} {} 元/月", used.period().chinese(), used.yuan),
            None => "测评日期早于已收录的社平工资期间".to_string(),
        };
        let (suggestions, more_suggestions) = suggestion_views(a);
        let result_url = match token {
            Some(token) => format!("{}/self-test/{token}", site.public_url),
            None => format!("{}/self-test", site.public_url),
        };
        let mut meta = PageMeta::private(
            site,
            format!("积分自测结果：{}分 - {SITE_NAME}", a.total),
            share_text(a),
        );
        meta.share_url = token.map(|_| result_url.clone());
        ResultPage {
            meta,
            token,
            a,
            groups: item_groups(a),
            headline: words.headline,
            verdict: words.verdict,
            assessed_on: chinese_date(a.assessed_on),
            period_text,
            raw_sum: a.items.iter().map(|item| item.points).sum(),
            callback,
            callback_title: words.callback_title,
            callback_text: words.callback_text,
            chart: breakdown_chart(a),
            projection_text: projection_text(a),
            timeline: timeline(a),
            suggestions,
            more_suggestions,
            to_confirm: a.eligibility.iter().filter(|n| n.met.is_none()).collect(),
            outdated: a.outdated(&settings.reference_wages, crate::web::shanghai_today()),
            answers: answer_fields(answers),
            result_url,
            guide_links: guide_links(a.verdict),
            route: a.routes.first().map(|route| route_line(a, route)),
            depends: dependency_lines(a),
            materials_later: a.gap > MATERIALS_LATER_GAP,
            wage_unverified: a.wage_unverified(),
            school: a.school.as_ref().map(|school| SchoolView::new(a, school)),
            rules_text: if a.rules_revision.as_str() >= "2023-01-01" {
                "2023年起施行的修订版办法，分值同沪府发〔2017〕98号"
            } else {
                "沪府发〔2017〕98号"
            },
        }
    }

    pub fn condition_class(&self, met: &Option<bool>) -> &'static str {
        match met {
            Some(true) => "met",
            Some(false) => "unmet",
            None => "check",
        }
    }

    pub fn condition_mark(&self, met: &Option<bool>) -> &'static str {
        match met {
            Some(true) => "✓ 符合",
            Some(false) => "✗ 不符合",
            None => "? 请自行确认",
        }
    }

    pub fn signed(&self, points: &i32) -> String {
        crate::web::layout::signed_points(*points)
    }

    /// The share of the standard reached, for the progress bar (0–100).
    pub fn percent(&self) -> i32 {
        (self.a.total * 100 / tables::STANDARD).clamp(0, 100)
    }
}

impl ResultPage<'_> {
    /// Whether some answers were 不确定.
    pub fn has_range(&self) -> bool {
        self.a.total_max > self.a.total_min
    }
}

/// The guides that fit a verdict; the children article for everyone (a
/// parent's target is the 材料核查 of 初三, the last chance May 7).
fn guide_links(verdict: Verdict) -> Vec<(&'static str, &'static str)> {
    let children = (
        "/guide/children-school",
        "孩子在上海中考、高考：积分要提前多久准备",
    );
    match verdict {
        Verdict::Reached => vec![
            ("/guide/process", "办理流程：从单位注册到拿到通知书"),
            ("/guide/materials", "需要准备的材料"),
            ("/guide/eligibility", "申请条件、每年续办和换工作"),
            children,
        ],
        Verdict::Short => vec![
            ("/guide/bonus-indicators", "加分指标：哪些情况能加分"),
            ("/guide/contribution-base", "社保缴费基数怎样算"),
            children,
        ],
        Verdict::Blocked => vec![
            ("/guide/eligibility", "申请条件：谁能申请"),
            ("/guide/deductions-and-veto", "减分指标与一票否决"),
            children,
        ],
    }
}

/// What a shared link says: the verdict in a line ("117分，还差3分；预计
/// 2027年12月达标").
fn share_text(a: &Assessment) -> String {
    match a.verdict {
        Verdict::Reached => format!("上海居住证积分自测：{}分，已达到120分标准分值", a.total),
        Verdict::Blocked => format!("上海居住证积分自测：{}分，目前不能申请积分", a.total),
        Verdict::Short => match a.projection.reaches_standard_on {
            Some(on) => format!(
                "上海居住证积分自测：{}分，还差{}分；预计{}年{}月达标",
                a.total, a.gap, on.year, on.month
            ),
            None => format!("上海居住证积分自测：{}分，还差{}分", a.total, a.gap),
        },
    }
}

/// Says what blocks, never "short of 120" when the points are there.
fn blocked_headline(a: &Assessment) -> String {
    let what = match a.blockers.first().map(|b| b.kind) {
        Some(BlockerKind::Veto) => "有一票否决记录",
        Some(BlockerKind::Age) => "年龄不在18–60周岁之间",
        Some(BlockerKind::Condition) | None => "还有申请条件未满足",
    };
    if a.reaches_standard {
        format!("分数{}分已达到120分，但{what}，目前不能申请积分", a.total)
    } else {
        format!("{what}，目前不能申请积分")
    }
}

/// The items in their three groups, empty groups left out.
fn item_groups(a: &Assessment) -> Vec<GroupView<'_>> {
    let group = |title, keep: &dyn Fn(&str) -> bool| {
        let items: Vec<&Item> = a.items.iter().filter(|item| keep(&item.code)).collect();
        GroupView {
            title,
            subtotal: items.iter().map(|item| item.points).sum(),
            items,
        }
    };
    [
        group("基础指标", &|code| BASIC.contains(&code)),
        group("加分指标", &|code| {
            !BASIC.contains(&code) && !DEDUCTIONS.contains(&code)
        }),
        group("减分指标与一票否决", &|code| {
            DEDUCTIONS.contains(&code)
        }),
    ]
    .into_iter()
    .filter(|group| !group.items.is_empty())
    .collect()
}

/// The headline and the call to action that fit the verdict.
struct VerdictWords {
    verdict: &'static str,
    headline: String,
    callback_title: &'static str,
    callback_text: &'static str,
}

impl VerdictWords {
    fn of(a: &Assessment) -> Self {
        let (verdict, headline, callback_title, callback_text) = match a.verdict {
            Verdict::Reached => (
                "reached",
                format!("已达到{}分标准分值", a.standard),
                "想请顾问帮你核对申请条件和材料？",
                "留下联系方式，专业顾问会在1个工作日内回电，免费帮你逐项核对条件和材料，少走弯路。",
            ),
            Verdict::Blocked => (
                "blocked",
                blocked_headline(a),
                "不确定自己的情况？",
                "留下联系方式，专业顾问会在1个工作日内回电，帮你确认哪些条件能改变、什么时候可以申请。",
            ),
            Verdict::Short => (
                "short",
                format!("距{}分标准分值还差 {} 分", a.standard, a.gap),
                "想知道怎样更快达到120分？",
                "留下联系方式，专业顾问会在1个工作日内回电，免费帮你核对每一项、选出最省力的补分方式。",
            ),
        };
        VerdictWords {
            verdict,
            headline,
            callback_title,
            callback_text,
        }
    }
}

/// The first few suggestions, and the rest to fold.
fn suggestion_views(a: &Assessment) -> (Vec<SuggestionView>, Vec<SuggestionView>) {
    let mut suggestions: Vec<SuggestionView> = a
        .suggestions
        .iter()
        .map(|s| SuggestionView {
            action: s.action.clone(),
            points: s.points,
            when: if s.months == 0 {
                "做到即可计分".to_string()
            } else {
                format!("最早{}个月后计分", s.months)
            },
            closes: s.closes,
            together: if s.needs.is_empty() {
                String::new()
            } else {
                let needs: Vec<&str> = s.needs.iter().map(|n| need_label(n)).collect();
                format!("须同时做到：{}；单独做到不计分", needs.join("、"))
            },
            effort: s.effort.label(),
            deadline: if s.closes {
                deadline_words(a, s.makes_target)
            } else {
                String::new()
            },
        })
        .collect();
    let more_suggestions = suggestions.split_off(suggestions.len().min(TOP_SUGGESTIONS));
    (suggestions, more_suggestions)
}

fn projection_text(a: &Assessment) -> String {
    match (a.projection.months, a.projection.reaches_standard_on) {
        (Some(0), _) => "已达到120分标准分值。".into(),
        (Some(months), Some(on)) => format!(
            "按目前情况，预计{}年{}月达到120分（约{}个月后），前提是继续在本市工作、正常缴纳社保，且缴费基数保持在所选档次。",
            on.year, on.month, months
        ),
        _ if a.vetoed => "有一票否决记录，不能通过积分申请。".into(),
        _ => "按目前情况，60周岁前仅靠时间累积达不到120分，需要下面的补分方式。".into(),
    }
}

/// Now and the month 120 is reached, on a line.
fn timeline(a: &Assessment) -> Option<String> {
    let months = a.projection.months.filter(|m| *m > 0)?;
    let on = a.projection.reaches_standard_on?;
    let mut svg = String::from(
        r#"<svg class="timeline-chart" viewBox="0 0 320 64" role="img" aria-label="达到120分的时间" xmlns="http://www.w3.org/2000/svg">"#,
    );
    svg.push_str(r##"<line x1="20" y1="24" x2="300" y2="24" stroke="#b9c0c8" stroke-width="4" stroke-linecap="round"/>"##);
    let years = months / 12;
    for year in 1..=years.min(20) {
        let x = 20.0 + 280.0 * f64::from(year * 12) / f64::from(months);
        svg.push_str(&format!(
            r##"<line x1="{x:.1}" y1="18" x2="{x:.1}" y2="30" stroke="#b9c0c8"/>"##
        ));
    }
    svg.push_str(&format!(
        r##"<circle cx="20" cy="24" r="7" fill="#5b636d"/><text x="20" y="52" font-size="12" text-anchor="start" fill="#5b636d">现在 {}分</text><circle cx="300" cy="24" r="8" fill="#1a7f37"/><text x="300" y="52" font-size="12" text-anchor="end" fill="#1a7f37">{}年{}月 120分</text>"##,
        a.total, on.year, on.month
    ));
    svg.push_str("</svg>");
    Some(svg)
}

/// One row of the breakdown chart.
pub struct BarView {
    pub label: &'static str,
    pub points: i32,
    /// The bar's length, in hundredths of the chart's scale.
    pub width: i32,
    pub total: bool,
}

/// The chart's scale and where 120 sits on it (hundredths).
pub struct BarChart {
    pub bars: Vec<BarView>,
    pub standard_at: i32,
}

/// A short name for a chart row, so labels stay whole on a phone.
fn short_label(code: &str) -> &'static str {
    match code {
        "age" => "年龄",
        "education" => "学历",
        "qualification" => "职称技能",
        "insurance_years" => "社保年限",
        "contribution_base" => "社保基数",
        "entrepreneur" => "创业人才",
        "innovation_intermediary" => "中介人才",
        "shortage_major" => "紧缺专业",
        "investment" => "投资纳税",
        "public_service" => "公共服务",
        "suburb" => "远郊",
        "lingang" => "临港",
        "fresh_graduate" => "应届生",
        "award" => "表彰",
        "spouse_hukou" => "配偶户籍",
        "false_material" => "虚假材料",
        "detention" => "行政拘留",
        "criminal" => "刑事犯罪",
        _ => "其他",
    }
}

/// The items that count as horizontal bars, with the total and the
/// standard marked. HTML text at CSS sizes; only the bars are drawn.
fn breakdown_chart(a: &Assessment) -> BarChart {
    let rows: Vec<(&'static str, i32, bool)> = a
        .items
        .iter()
        .filter(|item| item.points != 0)
        .map(|item| (short_label(&item.code), item.points, false))
        .chain(std::iter::once(("合计", a.total, true)))
        .collect();
    let scale = rows
        .iter()
        .map(|(_, points, _)| points.abs())
        .chain([tables::STANDARD])
        .max()
        .unwrap_or(tables::STANDARD)
        .max(1)
        // Room past the longest bar, so the line at 120 shows.
        * 11
        / 10;
    BarChart {
        bars: rows
            .into_iter()
            .map(|(label, points, total)| BarView {
                label,
                points,
                width: (points.abs() * 100 / scale).max(1),
                total,
            })
            .collect(),
        standard_at: tables::STANDARD * 100 / scale,
    }
}
