//! Profile -> Assessment: the combination rules of RULES.md §1 over the
//! tables. Scores only; the plan (`plan`) and the call that does both
//! (`evaluate`) build on it.

use super::assessment::{Assessment, Dependency, Item, Projection, ReferenceWageUsed};
use super::eligibility;
use super::profile::{ContributionTier, Education, Profile, Qualification};
use super::revisions::{DatedRules, Revisions};
use super::tables::{self as t, YearlyBonus};
use super::verdict;
use super::wages::{ReferenceWages, WagePeriod, YearMonth};

/// What an assessment is scored against: its date, the reference wages and
/// the dated parameters of the rule revision in force.
#[derive(Debug, Clone)]
pub struct Basis<'a> {
    pub on: time::Date,
    pub wages: &'a ReferenceWages,
    pub rules: DatedRules,
}

impl<'a> Basis<'a> {
    /// The rules in force on `on`.
    pub fn on(on: time::Date, wages: &'a ReferenceWages) -> Self {
        Self {
            on,
            wages,
            rules: Revisions::bundled().rules_on(on),
        }
    }
}

/// Scores `profile` as of `assessed_on` (a date in Shanghai time): the
/// breakdown, the total and its range when answers are unknown.
pub fn assess(profile: &Profile, assessed_on: time::Date, wages: &ReferenceWages) -> Assessment {
    assess_on(profile, &Basis::on(assessed_on, wages))
}

/// `assess` against an explicit basis.
pub fn assess_on(profile: &Profile, basis: &Basis) -> Assessment {
    let mut assessment = breakdown(profile, basis);
    assessment.total_min = assessment.total;
    assessment.total_max = if profile.unknown.is_empty() {
        assessment.total
    } else {
        breakdown(&profile.best_case(), basis).total
    };
    assessment
}

/// The total alone, the cautious end when answers are unknown: what the
/// plan compares, many times per result. The same breakdown as `assess_on`.
pub fn total_on(profile: &Profile, basis: &Basis) -> i32 {
    breakdown(profile, basis).total
}

fn breakdown(profile: &Profile, basis: &Basis) -> Assessment {
    let period = basis.wages.period_for(YearMonth::of(basis.on));
    let mut items = Vec::with_capacity(12);
    items.push(age_item(profile.age));
    let (education, qualification) = education_and_qualification(profile);
    items.push(education);
    items.push(qualification);
    items.push(insurance_item(profile.insurance_months));
    talent_items(profile, &mut items);
    work_items(profile, basis, period, &mut items);
    deduction_items(profile, &mut items);
    let vetoed = veto_items(profile, &basis.rules, &mut items);
    summarise(profile, basis, period, items, vetoed)
}

/// Whether a veto of the rules in force applies to the answers.
pub fn vetoed(profile: &Profile, rules: &DatedRules) -> bool {
    profile.serious_criminal || (profile.family_planning_violation && rules.family_planning_veto)
}

/// The recognised talents, the shortage major and the investment items.
fn talent_items(profile: &Profile, items: &mut Vec<Item>) {
    if profile.entrepreneur {
        items.push(item(
            "entrepreneur",
            "创业人才",
            t::ENTREPRENEUR_POINTS,
            "经认定的创业人才计120分（认定条件以主管部门为准）".into(),
        ));
    }
    if profile.innovation_intermediary {
        items.push(item(
            "innovation_intermediary",
            "创新创业中介服务人才",
            t::INNOVATION_INTERMEDIARY_POINTS,
            "经认定的创新创业中介服务人才计120分（认定条件以主管部门为准）".into(),
        ));
    }
    if profile.shortage_major {
        items.push(shortage_major_item(profile.education));
    } else if profile.unknown.shortage_major && profile.education != Education::None {
        // Unknown for 高中: it could not score (needs 大专), so not listed.
        items.push(item(
            "shortage_major",
            "紧缺急需专业",
            0,
            "不确定所学专业是否在紧缺急需专业目录内，按不计分估算；符合时可加30分".into(),
        ));
    }
    if profile.tax_avg_wan > 0.0 || profile.local_hires_avg > 0.0 {
        items.push(investment_item(
            profile.tax_avg_wan,
            profile.local_hires_avg,
        ));
    }
}

/// What the work in Shanghai adds: the contribution base, the posts and
/// places worked, the graduate bonus, awards and the spouse's hukou.
fn work_items(
    profile: &Profile,
    basis: &Basis,
    period: Option<&WagePeriod>,
    items: &mut Vec<Item>,
) {
    if profile.contribution_tier != ContributionTier::None {
        items.push(contribution_item(
            profile.contribution_tier,
            profile.insurance_months,
            basis.on,
            period,
        ));
    } else if profile.unknown.contribution_tier {
        let months = profile.insurance_months;
        let note = if months < t::tier_months_required(ContributionTier::X3) {
            format!(
                "不确定近4年社保缴费基数达到哪一档；社保只交了{months}个月，还不够任何一档的月数（3倍档要求近36个月内累计24个月，其余各档要求近48个月内累计36个月），此项暂计0分"
            )
        } else {
            "不确定近4年社保缴费基数达到哪一档，按0分估算；最高一档可计120分".to_string()
        };
        items.push(item("contribution_base", "缴纳职工社会保险费基数", 0, note));
    }
    if profile.public_service_years > 0 {
        items.push(public_service_item(profile.public_service_years));
    }
    items.extend(suburb_and_lingang(
        profile.suburb_years,
        profile.lingang_years,
        &basis.rules.lingang,
    ));
    if profile.fresh_graduate {
        let qualifies =
            profile.education != Education::None || !basis.rules.fresh_graduate_needs_college;
        items.push(fresh_graduate_item(qualifies));
    }
    let award_points = t::award_points(profile.award);
    if award_points > 0 {
        items.push(item(
            "award",
            "表彰奖励",
            award_points,
            format!(
                "在本市工作期间获得{}，计{award_points}分（多项取最高）",
                profile.award.label()
            ),
        ));
    }
    if profile.spouse_hukou_years > 0 {
        items.push(spouse_item(profile.spouse_hukou_years));
    }
}

/// 减分指标: each record counts.
fn deduction_items(profile: &Profile, items: &mut Vec<Item>) {
    for (code, label, count, each, within) in [
        (
            "false_material",
            "提供虚假材料",
            profile.false_material_count,
            t::FALSE_MATERIAL_DEDUCTION,
            "近3年内",
        ),
        (
            "detention",
            "行政拘留记录",
            profile.detention_count,
            t::DETENTION_DEDUCTION,
            "近5年内",
        ),
        (
            "criminal",
            "一般刑事犯罪记录",
            profile.criminal_count,
            t::CRIMINAL_DEDUCTION,
            "近5年内",
        ),
    ] {
        if count > 0 {
            let points = -(each.saturating_mul(count as i32));
            items.push(item(
                code,
                label,
                points,
                format!("{within}{count}次，每次减{each}分，共减{}分", -points),
            ));
        }
    }
}

/// 一票否决指标: listed at 0 points; true when any applies. A
/// family-planning record on a date the 2023 text is in force vetoes nothing
/// and is listed with the reason.
fn veto_items(profile: &Profile, rules: &DatedRules, items: &mut Vec<Item>) -> bool {
    let vetoes = [
        (
            "serious_criminal",
            "严重刑事犯罪记录",
            profile.serious_criminal,
        ),
        (
            "family_planning",
            "违反计划生育政策规定行为记录",
            profile.family_planning_violation,
        ),
    ];
    let mut vetoed = false;
    for (code, label, present) in vetoes {
        if !present {
            continue;
        }
        if code == "family_planning" && !rules.family_planning_veto {
            items.push(item(code, label, 0, FAMILY_PLANNING_REMOVED.into()));
        } else {
            vetoed = true;
            items.push(item(code, label, 0, veto_note(code)));
        }
    }
    vetoed
}

/// The note of a family-planning answer under the 2023 text (RULES.md §4).
pub const FAMILY_PLANNING_REMOVED: &str = "2023年起施行的办法已删除此项：不再一票否决，也不计分";

/// The total (floored at 0), the verdict and the rest of the summary.
fn summarise(
    profile: &Profile,
    basis: &Basis,
    period: Option<&WagePeriod>,
    items: Vec<Item>,
    vetoed: bool,
) -> Assessment {
    let sum: i32 = items.iter().map(|item| item.points).sum();
    let total = sum.max(0);
    let depends_on = dependencies(&items, sum, profile);
    let reaches_standard = total >= t::STANDARD;
    let eligibility = eligibility::notes(profile, total, vetoed);
    let eligible = reaches_standard && !vetoed && eligibility::all_met(&eligibility);
    let blockers = verdict::blockers(profile, &basis.rules);
    let verdict = verdict::verdict(reaches_standard, eligible, &blockers);

    Assessment {
        rule_set: t::RULE_SET.into(),
        standard: t::STANDARD,
        total,
        reaches_standard,
        vetoed,
        eligible,
        gap: (t::STANDARD - total).max(0),
        items,
        eligibility,
        assessed_on: basis.on,
        reference_wage: period.map(ReferenceWageUsed::from),
        rules_revision: basis.rules.revision.clone(),
        verdict,
        blockers,
        total_min: total,
        total_max: total,
        deciding_unknowns: Vec::new(),
        projection: Projection::default(),
        suggestions: Vec::new(),
        materials: Vec::new(),
        routes: Vec::new(),
        depends_on,
        school: None,
    }
}

/// The items that count only with a document the visitor may not have yet,
/// and what the total is without each (without a 推荐函, 远郊 counts again).
fn dependencies(items: &[Item], sum: i32, profile: &Profile) -> Vec<Dependency> {
    items
        .iter()
        .filter(|item| item.points > 0)
        .filter_map(|item| {
            let document = match item.code.as_str() {
                "lingang" => "临港新片区管委会出具的推荐函",
                "entrepreneur" => "创业人才的认定",
                "innovation_intermediary" => "创新创业中介服务人才的认定",
                _ => return None,
            };
            let fallback = if item.code == "lingang" {
                let counted = items
                    .iter()
                    .find(|other| other.code == "suburb")
                    .map_or(0, |suburb| suburb.points);
                t::SUBURB.points(profile.suburb_years) - counted
            } else {
                0
            };
            Some(Dependency {
                code: item.code.clone(),
                label: item.label.clone(),
                document: document.into(),
                points: item.points,
                total_without: (sum - item.points + fallback).max(0),
            })
        })
        .collect()
}

fn item(code: &str, label: &str, points: i32, note: String) -> Item {
    Item {
        code: code.into(),
        label: label.into(),
        points,
        note,
    }
}

fn age_item(age: u32) -> Item {
    let points = t::age_points(age);
    let note = match age {
        18..=43 => format!("{age}周岁，18–43周岁计满分30分"),
        44..=55 => format!("{age}周岁，44周岁起每长1岁少2分：5 + 2×(56−{age}) = {points}分"),
        56..=60 => format!("{age}周岁，56–60周岁计5分"),
        _ => format!("{age}周岁，不在18–60周岁的计分范围内，不计分"),
    };
    item("age", "年龄", points, note)
}

/// 教育背景 and 专业技术职称和技能等级 count as one choice: the larger.
fn education_and_qualification(profile: &Profile) -> (Item, Item) {
    let education_points = t::education_points(profile.education);
    let education_name = profile.education.label();
    let qualification = profile.qualification;
    let qualification_name = qualification.label();
    // With fewer than 6 months paid the condition cannot hold, whatever
    // was answered (RULES.md §2).
    let too_few_months = profile.insurance_months < t::TITLE_BASE_MONTHS;
    let base_missing = t::qualification_needs_base(qualification)
        && (!profile.qualification_base_met || too_few_months);
    let qualification_points = if base_missing {
        0
    } else {
        t::qualification_points(qualification)
    };
    let qualification_counts = qualification_points > education_points;

    let education_note = if profile.education == Education::None {
        "高中及以下学历不计分".to_string()
    } else if qualification_counts {
        format!(
            "{education_name}可计{education_points}分，但教育背景与职称/技能等级只取其一，按分值更高的{qualification_name}计分，此项不计"
        )
    } else {
        format!("{education_name}计{education_points}分")
    };
    let education_note = if profile.education == Education::None {
        education_note
    } else {
        format!("{education_note}。{PART_TIME_DEGREE_NOTE}")
    };
    let qualification_note = qualification_note(
        profile,
        base_missing,
        too_few_months,
        qualification_points,
        education_points,
    );

    let (education_counted, qualification_counted) = if qualification_counts {
        (0, qualification_points)
    } else {
        (education_points, 0)
    };
    (
        item("education", "教育背景", education_counted, education_note),
        item(
            "qualification",
            "专业技术职称和技能等级",
            qualification_counted,
            qualification_note,
        ),
    )
}

/// Why the title or skill level scores what it scores.
fn qualification_note(
    profile: &Profile,
    base_missing: bool,
    too_few_months: bool,
    qualification_points: i32,
    education_points: i32,
) -> String {
    let qualification = profile.qualification;
    let qualification_name = qualification.label();
    let qualification_counts = qualification_points > education_points;
    if qualification == Qualification::None {
        "无职称或技能等级（初级职称不计分）".to_string()
    } else if base_missing && too_few_months {
        format!(
            "{qualification_name}须近12个月内至少6个月社保缴费基数不低于上年度社平工资（1倍）；社保只交了{}个月，此条件暂不能满足，计0分{}；再缴{}个月且基数达标后可计{}",
            profile.insurance_months,
            if education_points > 0 {
                "，按教育背景计分"
            } else {
                ""
            },
            t::TITLE_BASE_MONTHS - profile.insurance_months,
            if t::qualification_points(qualification) > education_points {
                format!("{}分", t::qualification_points(qualification))
            } else {
                format!(
                    "{}分（不高于教育背景的{education_points}分，仍按教育背景计）",
                    t::qualification_points(qualification)
                )
            }
        )
    } else if base_missing && profile.unknown.qualification_base_met {
        format!(
            "不确定是否满足社保基数条件（近12个月内6个月基数不低于社平工资1倍），按不满足估算计0分；满足时{qualification_name}可计{}分",
            t::qualification_points(qualification)
        )
    } else if base_missing {
        format!(
            "{qualification_name}须近12个月内至少6个月社保缴费基数不低于上年度社平工资（1倍），此条件未满足，计0分{}",
            if education_points > 0 {
                "，按教育背景计分"
            } else {
                ""
            }
        )
    } else if qualification_counts {
        format!(
            "{qualification_name}计{qualification_points}分（须与现岗位相符{}），高于教育背景，按此项计分",
            qualification_source_note(qualification)
        )
    } else {
        format!(
            "{qualification_name}可计{qualification_points}分，不高于教育背景的{education_points}分；两者只取其一，此项不计"
        )
    }
}

fn insurance_item(months: u32) -> Item {
    let years = months / 12;
    let points = t::INSURANCE_POINTS_PER_YEAR.saturating_mul(years as i32);
    let note = if years == 0 {
        format!("累计缴纳{months}个月，不满12个月，不计分（补缴不计）")
    } else {
        format!("累计缴纳{months}个月，满{years}年×3分 = {points}分（补缴不计，不设上限）")
    };
    item(
        "insurance_years",
        "在本市工作及缴纳职工社会保险年限",
        points,
        note,
    )
}

/// Where a certificate may come from (RULES.md §2, the 2023 wording).
fn qualification_source_note(qualification: Qualification) -> &'static str {
    match qualification {
        Qualification::IntermediateTitle | Qualification::SeniorTitle => {
            "；一般须在本市工作期间取得，通过全国统考取得的也可"
        }
        Qualification::None => "",
        _ => {
            "；凭职业资格证书或职业技能等级证书，所属职业须在本市公布的目录内；外省市取得的三级及以上证书经核验后可计（以受理部门为准）"
        }
    }
}

/// RULES.md §6, a practice note rather than a score change.
const PART_TIME_DEGREE_NOTE: &str = "非全日制学历：实务中须在本市（含外地高校在沪备案的学习中心）、本人户籍地所在省份，或就读期间工作并缴纳社保的省份就读（“三地一致”）才被认可";

fn veto_note(code: &str) -> String {
    let base = "一票否决：有此记录不能申请积分，无论分数多少";
    if code == "family_planning" {
        format!("{base}（2017年的办法；2023年起施行的办法已删除此项）")
    } else {
        base.to_string()
    }
}

/// `qualifies`: at least 大专, where the rules in force ask for it.
fn fresh_graduate_item(qualifies: bool) -> Item {
    if !qualifies {
        item(
            "fresh_graduate",
            "全日制应届高校毕业生",
            0,
            "应届高校毕业生加分须具有全日制大专及以上学历，所选学历为高中及以下，不计分".into(),
        )
    } else {
        item(
            "fresh_graduate",
            "全日制应届高校毕业生",
            t::FRESH_GRADUATE_POINTS,
            "全日制应届高校毕业生计10分（实务中在毕业当年或次年申请时计入）".into(),
        )
    }
}

fn shortage_major_item(education: Education) -> Item {
    if education == Education::None {
        item(
            "shortage_major",
            "紧缺急需专业",
            0,
            "紧缺急需专业须具有全日制大专及以上学历，所选学历为高中及以下，不计分".into(),
        )
    } else {
        item(
            "shortage_major",
            "紧缺急需专业",
            t::SHORTAGE_MAJOR_POINTS,
            "所学全日制专业在紧缺急需专业目录内且从事相应工作，计30分".into(),
        )
    }
}

fn investment_item(tax_avg_wan: f64, local_hires_avg: f64) -> Item {
    let steps = |value: f64, step: f64| -> i32 {
        // Inputs are bounded by validation, so the cast cannot overflow.
        ((value / step).floor() as i32).saturating_mul(t::INVESTMENT_POINTS_PER_STEP)
    };
    let tax_points = steps(tax_avg_wan, t::INVESTMENT_TAX_STEP_WAN).min(t::INVESTMENT_CAP);
    let hires_points = steps(local_hires_avg, t::INVESTMENT_HIRES_STEP).min(t::INVESTMENT_CAP);
    let points = tax_points.max(hires_points);
    let basis = if tax_points >= hires_points {
        format!(
            "按投资份额计近3年年均纳税{}万元，每满10万元计10分",
            number(tax_avg_wan)
        )
    } else {
        format!(
            "近3年年均聘用本市户籍人员{}人，每满10人计10分",
            number(local_hires_avg)
        )
    };
    let note = format!("{basis}，计{points}分（投资纳税与带动就业取较高者，最高120分）");
    item("investment", "投资纳税或带动本地就业", points, note)
}

/// The tier claimed counts only as far as the months paid carry it
/// (RULES.md §3); the note says why and from which month it would count.
fn contribution_item(
    claimed: ContributionTier,
    insurance_months: u32,
    on: time::Date,
    period: Option<&WagePeriod>,
) -> Item {
    let threshold = |tier| match (t::contribution_multiple_tenths(tier), period) {
        (Some(multiple), Some(period)) => format!(
            "（{}社平工资{}元/月，对应{}元/月）",
            period.chinese(),
            period.yuan,
            period.threshold_text(multiple)
        ),
        _ => String::new(),
    };
    let carried = t::tier_carried(claimed, insurance_months);
    let points = t::contribution_points(carried);
    let note = if carried == claimed {
        format!(
            "{}{}，计{points}分（取达到的最高档）",
            claimed.label(),
            threshold(claimed)
        )
    } else {
        let required = t::tier_months_required(claimed);
        let missing = required - insurance_months;
        let counted = if carried == ContributionTier::None {
            "此项暂不计分".to_string()
        } else {
            format!("目前按{}计{points}分", carried.label())
        };
        format!(
            "所选基数对应“{}”{}；但社保只交了{insurance_months}个月，这一档要求近{}个月内累计{required}个月，{counted}。再缴{missing}个月（约{}）后可计{}分",
            claimed.label(),
            threshold(claimed),
            t::tier_window_months(claimed),
            YearMonth::of(on).plus_months(missing).chinese(),
            t::contribution_points(claimed)
        )
    };
    item("contribution_base", "缴纳职工社会保险费基数", points, note)
}

fn yearly_note(rule: &YearlyBonus, years: u32, points: i32) -> String {
    if points == 0 {
        format!(
            "{years}年，满{}年起才计分，暂不计分",
            rule.from_years.max(1)
        )
    } else {
        let capped = rule
            .cap
            .filter(|cap| points == *cap && rule.per_year * years as i32 > *cap)
            .map(|cap| format!("，最高{cap}分"))
            .unwrap_or_default();
        format!("{years}年×{}分 = {points}分{capped}", rule.per_year)
    }
}

fn public_service_item(years: u32) -> Item {
    let points = t::PUBLIC_SERVICE.points(years);
    let note = format!(
        "在环卫等特定公共服务领域工作{}",
        yearly_note(&t::PUBLIC_SERVICE, years, points)
    );
    item("public_service", "特定的公共服务领域", points, note)
}

/// 临港新片区 counts instead of 远郊重点区域: the larger, never both.
/// `lingang` is the rule of the revision in force (RULES.md §3, §10).
fn suburb_and_lingang(suburb_years: u32, lingang_years: u32, lingang: &YearlyBonus) -> Vec<Item> {
    let suburb_points = t::SUBURB.points(suburb_years);
    let lingang_points = lingang.points(lingang_years);
    let both = suburb_years > 0 && lingang_years > 0;
    let mut items = Vec::new();
    if suburb_years > 0 {
        let base = format!(
            "在远郊重点区域工作并居住{}",
            yearly_note(&t::SUBURB, suburb_years, suburb_points)
        );
        let (points, note) = if both && suburb_points > 0 && lingang_points >= suburb_points {
            (
                0,
                format!("{base}；与临港新片区只取其一，按较高的临港新片区计，此项不计"),
            )
        } else {
            (suburb_points, base)
        };
        items.push(item("suburb", "远郊重点区域", points, note));
    }
    if lingang_years > 0 {
        let base = format!(
            "在临港新片区工作并居住{}（需推荐函）",
            yearly_note(lingang, lingang_years, lingang_points)
        );
        let (points, note) = if both && lingang_points > 0 && suburb_points > lingang_points {
            (
                0,
                format!("{base}；与远郊重点区域只取其一，按较高的远郊重点区域计，此项不计"),
            )
        } else {
            (lingang_points, base)
        };
        items.push(item("lingang", "临港新片区", points, note));
    }
    items
}

fn spouse_item(years: u32) -> Item {
    let points = t::SPOUSE_HUKOU.points(years);
    let note = format!(
        "与本市户籍人员结婚{}",
        yearly_note(&t::SPOUSE_HUKOU, years, points)
    );
    item("spouse_hukou", "配偶为本市户籍人员", points, note)
}

/// A number as a person writes it: 30, 12.5.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
