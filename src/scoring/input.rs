//! Reading the answers of the assessment contract from text fields, shared by
//! the HTML form and the JSON API, with a Chinese message for each bad field.

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as DeError, StrDeserializer};
use validator::Validate;

pub use crate::form::FieldErrors;

use super::profile::{Profile, Unknowns};
use super::school::{ChildGrade, primary_entry_year, school_year_of};
use super::wages::YearMonth;

/// What only the date can tell of the answers: a child's birth month in the
/// future, or one that puts a child "not yet at school" past school age.
pub fn check_on(profile: &Profile, today: time::Date) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if profile.child_grade != ChildGrade::Preschool {
        return errors;
    }
    if let Some(birth) = profile.child_birth {
        if birth > YearMonth::of(today) {
            errors.add("child_birth", "孩子的出生年月不能晚于本月".to_string());
        } else if primary_entry_year(birth) <= school_year_of(today) {
            errors.add(
                "child_birth",
                "按这个出生年月，孩子应该已经上学了：请在“孩子现在几年级”里选现在的年级"
                    .to_string(),
            );
        }
    }
    errors
}

/// Every field of the contract, in the order the form asks them, with the
/// name a visitor knows it by.
pub const FIELDS: &[(&str, &str)] = &[
    ("age", "年龄"),
    ("education", "教育背景"),
    ("qualification", "职称或技能等级"),
    ("qualification_base_met", "职称社保基数条件"),
    ("insurance_months", "社保缴纳月数"),
    ("contribution_tier", "社保缴费基数档次"),
    ("entrepreneur", "创业人才"),
    ("innovation_intermediary", "创新创业中介服务人才"),
    ("shortage_major", "紧缺急需专业"),
    ("fresh_graduate", "应届高校毕业生"),
    ("tax_avg_wan", "年均纳税额"),
    ("local_hires_avg", "年均聘用本市户籍人数"),
    ("public_service_years", "特定公共服务领域年限"),
    ("suburb_years", "远郊重点区域年限"),
    ("lingang_years", "临港新片区年限"),
    ("spouse_hukou_years", "与本市户籍配偶婚龄"),
    ("award", "表彰奖励"),
    ("false_material_count", "提供虚假材料次数"),
    ("detention_count", "行政拘留次数"),
    ("criminal_count", "一般刑事犯罪次数"),
    ("serious_criminal", "严重刑事犯罪记录"),
    ("family_planning_violation", "违反计划生育政策记录"),
    ("child_grade", "孩子年级"),
    ("child_birth", "孩子出生年月"),
    ("employer_registered", "单位是否办过积分"),
];

pub fn field_label(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or("", |(_, label)| label)
}

/// The raw answers as typed: field name -> text. Blank means omitted.
pub type RawAnswers = crate::form::RawFields;

/// Parses and validates the answers. On error, every bad field has a message.
pub fn parse_answers(raw: &RawAnswers) -> Result<Profile, FieldErrors> {
    let mut reader = Reader {
        raw,
        errors: FieldErrors::default(),
        unknown: Unknowns::default(),
    };
    let profile = Profile {
        age: reader.required_integer("age"),
        education: reader.required_choice("education"),
        qualification: reader.choice("qualification"),
        qualification_base_met: reader.flag_or_unknown("qualification_base_met"),
        insurance_months: reader.integer("insurance_months"),
        contribution_tier: reader.choice_or_unknown("contribution_tier"),
        entrepreneur: reader.flag("entrepreneur"),
        innovation_intermediary: reader.flag("innovation_intermediary"),
        shortage_major: reader.flag_or_unknown("shortage_major"),
        fresh_graduate: reader.flag("fresh_graduate"),
        tax_avg_wan: reader.number("tax_avg_wan"),
        local_hires_avg: reader.number("local_hires_avg"),
        public_service_years: reader.integer("public_service_years"),
        suburb_years: reader.integer("suburb_years"),
        lingang_years: reader.integer("lingang_years"),
        spouse_hukou_years: reader.integer("spouse_hukou_years"),
        award: reader.choice("award"),
        false_material_count: reader.integer("false_material_count"),
        detention_count: reader.integer("detention_count"),
        criminal_count: reader.integer("criminal_count"),
        serious_criminal: reader.flag("serious_criminal"),
        family_planning_violation: reader.flag("family_planning_violation"),
        child_grade: reader.choice("child_grade"),
        child_birth: reader.year_month("child_birth"),
        employer_registered: reader.flag_or_unknown("employer_registered"),
        unknown: Default::default(),
    };
    if profile.child_grade == ChildGrade::Preschool && profile.child_birth.is_none() {
        reader.errors.add(
            "child_birth",
            "还没上小学的，请填写孩子的出生年月，例如 2021-05".to_string(),
        );
    }
    let mut unknown = reader.unknown;
    // The base condition is asked of title and 技师 holders only; from anyone
    // else "不确定" (the form's starting answer) means nothing.
    if !super::tables::qualification_needs_base(profile.qualification) {
        unknown.qualification_base_met = false;
    }
    let profile = Profile { unknown, ..profile };
    let mut errors = reader.errors.clone();
    if let Err(invalid) = profile.validate() {
        for (field, problems) in invalid.field_errors() {
            let Some(&(name, _)) = FIELDS.iter().find(|(name, _)| *name == field.as_ref()) else {
                continue;
            };
            if let Some(message) = problems.iter().find_map(|problem| problem.message.as_ref()) {
                errors.add(name, message.to_string());
            }
        }
    }
    if errors.is_empty() {
        Ok(profile)
    } else {
        errors.sort_by_fields(FIELDS.iter().map(|(name, _)| *name));
        Err(errors)
    }
}

/// Questions only the HTML form asks, in the visitor's terms; they map onto
/// contract fields (`base_duration` onto `contribution_tier`).
pub const FORM_ONLY_FIELDS: &[&str] = &["base_duration"];

/// Contract fields the form no longer asks: the JSON API still accepts
/// them, and stored answers replay with them (RULES.md §4: the 2023 text
/// removed the family-planning veto).
pub const API_ONLY_FIELDS: &[&str] = &["family_planning_violation"];

/// Optional form questions whose blank answer means 不确定 rather than no:
/// the form asks them without a pre-selected answer.
const BLANK_IS_UNKNOWN: &[&str] = &["shortage_major", "qualification_base_met"];

/// The HTML form's answers: the contract of `parse_answers`, plus the
/// answers the form asks for explicitly (no answer is pre-selected there, so
/// a missing one was skipped, not meant as "none"). The form asks the tier
/// as a band of the monthly base and then how long it has been so: a band
/// reached only recently (not in most of the last 48 months) counts one tier
/// lower, the cautious reading. The JSON API keeps the contract's defaults.
pub fn parse_form_answers(raw: &RawAnswers) -> Result<Profile, FieldErrors> {
    let text = |name: &str| raw.get(name).map(|v| v.trim()).unwrap_or_default();
    let tier = text("contribution_tier");
    let banded = matches!(tier, "x0_8" | "x1" | "x2" | "x3");
    let duration = text("base_duration");
    let mut errors = FieldErrors::default();
    // The months decide whether a tier can count: asked, never assumed 0.
    if text("insurance_months").is_empty() {
        errors.add(
            "insurance_months",
            "请填写在上海交社保的月数（不清楚可以先估一个数，例如 2年）".to_string(),
        );
    }
    let mut raw = raw.clone();
    for name in BLANK_IS_UNKNOWN {
        if raw.get(*name).is_none_or(|value| value.trim().is_empty()) {
            raw.insert((*name).to_string(), "unknown".to_string());
        }
    }
    let raw = &raw;
    if tier.is_empty() {
        errors.add(
            "contribution_tier",
            "请选择社保缴费基数大约多少（不清楚可选“不清楚”）".to_string(),
        );
    } else if banded && !matches!(duration, "most" | "recent") {
        errors.add("base_duration", "请选择缴费基数在这一档多久了".to_string());
    }
    match parse_answers(raw) {
        Ok(mut profile) if errors.is_empty() => {
            if duration == "recent" {
                profile.contribution_tier = profile.contribution_tier.one_lower();
            }
            Ok(profile)
        }
        result => {
            for (field, message) in result.err().unwrap_or_default().iter() {
                errors.add(field, message.to_string());
            }
            // The form asks how long right after the tier.
            errors.sort_by_fields(FIELDS.iter().flat_map(|(name, _)| {
                let after: &[&str] = if *name == "contribution_tier" {
                    FORM_ONLY_FIELDS
                } else {
                    &[]
                };
                std::iter::once(*name).chain(after.iter().copied())
            }));
            Err(errors)
        }
    }
}

/// Stored answers as the form's fields, the way the form sends them:
/// what "修改答案" pre-fills and "重新计算" posts.
pub fn answer_fields(answers: &Profile) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(answers) else {
        return Vec::new();
    };
    let mut fields: Vec<(String, String)> = map
        .into_iter()
        .filter(|(name, _)| name != "unknown")
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            (name, text)
        })
        .collect();
    let unknown = answers.unknown;
    for (name, is_unknown) in [
        ("contribution_tier", unknown.contribution_tier),
        ("qualification_base_met", unknown.qualification_base_met),
        ("shortage_major", unknown.shortage_major),
    ] {
        if is_unknown && let Some(field) = fields.iter_mut().find(|(n, _)| n == name) {
            field.1 = "unknown".into();
        }
    }
    // The stored tier is already the one that counts: it holds for most
    // months (a "recent" band was stored one tier lower).
    if answers.contribution_tier != super::profile::ContributionTier::None
        && !unknown.contribution_tier
    {
        fields.push(("base_duration".into(), "most".into()));
    }
    fields
}

/// The example each whole-number field's messages and hints give.
pub fn example(field: &str) -> &'static str {
    match field {
        "age" => "32",
        "insurance_months" => "30 或 2年6个月",
        "false_material_count" | "detention_count" | "criminal_count" => "1",
        "public_service_years" => "6",
        "suburb_years" => "5",
        "lingang_years" => "2",
        "spouse_hukou_years" => "4",
        _ => "10",
    }
}

/// A whole number as people type it: "32", "32岁", "30个月", "2年6个月",
/// "5年", "2次" (the unit the field counts in; full-width digits are made
/// ASCII before). Months may be given as years and months. The message
/// names the field and gives its own example.
pub fn whole_number(field: &str, text: &str) -> Result<u64, String> {
    let label = field_label(field);
    let invalid = || format!("{label}请填写整数，例如 {}", example(field));
    let text = text.trim();
    let digits = |part: &str| -> Result<u64, String> {
        let part = part.trim();
        let part = part.strip_prefix('+').unwrap_or(part);
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        // Past u64 it is out of range anyway: validation reports it.
        Ok(part.parse::<u64>().unwrap_or(u64::MAX))
    };
    if text.starts_with('-') && text[1..].trim().starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("{label}不能是负数"));
    }
    let strip = |text: &'_ str, units: &[&str]| -> String {
        units
            .iter()
            .find_map(|unit| text.strip_suffix(unit))
            .unwrap_or(text)
            .to_string()
    };
    match field {
        "age" => digits(&strip(text, &["周岁", "岁"])),
        "insurance_months" => {
            let (years, rest) = match text.split_once('年') {
                Some((years, rest)) => (digits(years)?, rest),
                None => (0, text),
            };
            let rest = strip(rest.trim(), &["个月", "月"]);
            let months = if rest.trim().is_empty() && text.contains('年') {
                0
            } else {
                digits(&rest)?
            };
            if text.contains('年') && months > 11 {
                return Err(format!("{label}的月份部分请填写0到11，例如 2年6个月"));
            }
            Ok(years.saturating_mul(12).saturating_add(months))
        }
        "false_material_count" | "detention_count" | "criminal_count" => {
            digits(&strip(text, &["次"]))
        }
        _ => digits(&strip(text, &["年"])),
    }
}

struct Reader<'a> {
    raw: &'a RawAnswers,
    errors: FieldErrors,
    unknown: Unknowns,
}

impl Reader<'_> {
    /// The trimmed text of a field, with full-width digits and signs (as some
    /// Chinese input methods type them) turned into ASCII; None when blank.
    fn text(&self, field: &str) -> Option<String> {
        let text: String = self
            .raw
            .get(field)?
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' | '。' => '.',
                '－' => '-',
                _ => c,
            })
            .collect();
        (!text.is_empty()).then_some(text)
    }

    fn required_integer(&mut self, field: &'static str) -> u32 {
        if self.text(field).is_none() {
            self.errors
                .add(field, format!("请填写{}", field_label(field)));
            return 16;
        }
        self.integer(field)
    }

    fn integer(&mut self, field: &'static str) -> u32 {
        let Some(text) = self.text(field) else {
            return 0;
        };
        match whole_number(field, &text) {
            // Beyond u32 it is out of range anyway: validation reports it.
            Ok(value) => u32::try_from(value).unwrap_or(u32::MAX),
            Err(message) => {
                self.errors.add(field, message);
                0
            }
        }
    }

    fn number(&mut self, field: &'static str) -> f64 {
        let Some(text) = self.text(field) else {
            return 0.0;
        };
        let label = field_label(field);
        let plain = text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
        match text.parse::<f64>() {
            Ok(value) if plain && value.is_finite() && value >= 0.0 => value,
            Ok(value) if plain && value < 0.0 => {
                self.errors.add(field, format!("{label}不能是负数"));
                0.0
            }
            _ => {
                self.errors
                    .add(field, format!("{label}请填写数字，例如 12.5"));
                0.0
            }
        }
    }

    /// `unknown` (不确定) is remembered; the value is then the pessimistic one.
    fn is_unknown(&mut self, field: &'static str) -> bool {
        let unknown = self.text(field).as_deref() == Some("unknown");
        if unknown {
            match field {
                "contribution_tier" => self.unknown.contribution_tier = true,
                "qualification_base_met" => self.unknown.qualification_base_met = true,
                "shortage_major" => self.unknown.shortage_major = true,
                _ => {}
            }
        }
        unknown
    }

    fn flag_or_unknown(&mut self, field: &'static str) -> bool {
        !self.is_unknown(field) && self.flag(field)
    }

    fn choice_or_unknown<T: for<'de> Deserialize<'de> + Default>(
        &mut self,
        field: &'static str,
    ) -> T {
        if self.is_unknown(field) {
            return T::default();
        }
        self.choice(field)
    }

    /// "2021-05", "2021年5月", "2021.5" or "202105"; from 2000 on.
    fn year_month(&mut self, field: &'static str) -> Option<YearMonth> {
        let text = self.text(field)?;
        let label = field_label(field);
        let parts: Vec<&str> = text
            .trim_end_matches('月')
            .split(['-', '年', '.', '/'])
            .filter(|part| !part.trim().is_empty())
            .collect();
        let (year, month) = match parts.as_slice() {
            [year, month] => (year.trim(), month.trim()),
            [both] if both.len() == 6 && both.is_ascii() => both.split_at(4),
            _ => ("", ""),
        };
        let parsed = year
            .parse::<i32>()
            .ok()
            .zip(month.parse::<u8>().ok())
            .and_then(|(year, month)| YearMonth::new(year, month));
        match parsed {
            Some(month) if month.year >= 2000 => Some(month),
            Some(_) => {
                self.errors
                    .add(field, format!("{label}请填写2000年以后的年月"));
                None
            }
            None => {
                self.errors
                    .add(field, format!("{label}请按“年-月”填写，例如 2021-05"));
                None
            }
        }
    }

    fn flag(&mut self, field: &'static str) -> bool {
        match self.text(field).as_deref() {
            None => false,
            Some("on" | "true" | "1" | "yes") => true,
            Some("off" | "false" | "0" | "no") => false,
            Some(_) => {
                self.errors
                    .add(field, format!("{}请选择“是”或“否”", field_label(field)));
                false
            }
        }
    }

    fn required_choice<T: for<'de> Deserialize<'de> + Default>(
        &mut self,
        field: &'static str,
    ) -> T {
        if self.text(field).is_none() {
            self.errors
                .add(field, format!("请选择{}", field_label(field)));
            return T::default();
        }
        self.choice(field)
    }

    /// One of the codes of the contract (the serde names of the enum).
    fn choice<T: for<'de> Deserialize<'de> + Default>(&mut self, field: &'static str) -> T {
        let Some(text) = self.text(field) else {
            return T::default();
        };
        let deserializer: StrDeserializer<'_, DeError> = text.as_str().into_deserializer();
        T::deserialize(deserializer).unwrap_or_else(|_| {
            self.errors.add(
                field,
                format!("{}的选项无效，请从列表中选择", field_label(field)),
            );
            T::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::{ContributionTier, Education, Qualification};

    fn raw(pairs: &[(&str, &str)]) -> RawAnswers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn minimal_answers_parse_with_defaults() {
        let profile =
            parse_answers(&raw(&[("age", "30"), ("education", "bachelor_degree")])).unwrap();
        assert_eq!(profile.age, 30);
        assert_eq!(profile.education, Education::BachelorDegree);
        assert_eq!(profile.qualification, Qualification::None);
        assert_eq!(profile.contribution_tier, ContributionTier::None);
        assert!(!profile.entrepreneur);
        assert_eq!(profile.tax_avg_wan, 0.0);
    }

    #[test]
    fn every_field_is_read() {
        let profile = parse_answers(&raw(&[
            ("age", "44"),
            ("education", "college"),
            ("qualification", "intermediate_title"),
            ("qualification_base_met", "on"),
            ("insurance_months", "96"),
            ("contribution_tier", "x0_8"),
            ("entrepreneur", "true"),
            ("innovation_intermediary", "1"),
            ("shortage_major", "on"),
            ("fresh_graduate", "yes"),
            ("tax_avg_wan", "12.5"),
            ("local_hires_avg", "20"),
            ("public_service_years", "5"),
            ("suburb_years", "6"),
            ("lingang_years", "3"),
            ("spouse_hukou_years", "2"),
            ("award", "provincial"),
            ("false_material_count", "1"),
            ("detention_count", "2"),
            ("criminal_count", "3"),
            ("serious_criminal", "on"),
            ("family_planning_violation", "on"),
        ]))
        .unwrap();
        assert_eq!(profile.qualification, Qualification::IntermediateTitle);
        assert!(
            profile.qualification_base_met
                && profile.entrepreneur
                && profile.innovation_intermediary
        );
        assert!(profile.shortage_major && profile.fresh_graduate);
        assert!(profile.serious_criminal && profile.family_planning_violation);
        assert_eq!(profile.contribution_tier, ContributionTier::X0_8);
        assert_eq!(profile.tax_avg_wan, 12.5);
        assert_eq!(profile.local_hires_avg, 20.0);
        assert_eq!(
            (
                profile.public_service_years,
                profile.suburb_years,
                profile.lingang_years,
                profile.spouse_hukou_years
            ),
            (5, 6, 3, 2)
        );
        assert_eq!(
            (
                profile.false_material_count,
                profile.detention_count,
                profile.criminal_count
            ),
            (1, 2, 3)
        );
    }

    #[test]
    fn required_fields_are_named() {
        let errors = parse_answers(&raw(&[])).unwrap_err();
        assert_eq!(errors.get("age"), Some("请填写年龄"));
        assert_eq!(errors.get("education"), Some("请选择教育背景"));
        let errors = parse_answers(&raw(&[("age", "  "), ("education", "")])).unwrap_err();
        assert!(errors.contains("age") && errors.contains("education"));
    }

    #[test]
    fn bad_values_get_chinese_messages() {
        let cases: &[(&str, &str, &str)] = &[
            ("age", "abc", "年龄请填写整数，例如 32"),
            ("age", "-5", "年龄不能是负数"),
            ("age", "15", "年龄请填写16到100之间的整数（周岁）"),
            ("age", "101", "年龄请填写16到100之间的整数（周岁）"),
            (
                "age",
                "1000000000000",
                "年龄请填写16到100之间的整数（周岁）",
            ),
            ("age", "30.5", "年龄请填写整数，例如 32"),
            ("insurance_months", "-1", "社保缴纳月数不能是负数"),
            ("insurance_months", "601", "社保月数请填写0到600之间的整数"),
            (
                "insurance_months",
                "99999999999999999999999",
                "社保月数请填写0到600之间的整数",
            ),
            ("education", "phd", "教育背景的选项无效，请从列表中选择"),
            (
                "qualification",
                "skill_9",
                "职称或技能等级的选项无效，请从列表中选择",
            ),
            (
                "contribution_tier",
                "x5",
                "社保缴费基数档次的选项无效，请从列表中选择",
            ),
            ("award", "nobel", "表彰奖励的选项无效，请从列表中选择"),
            ("entrepreneur", "maybe", "创业人才请选择“是”或“否”"),
            ("tax_avg_wan", "-3", "年均纳税额不能是负数"),
            ("tax_avg_wan", "NaN", "年均纳税额请填写数字，例如 12.5"),
            ("tax_avg_wan", "inf", "年均纳税额请填写数字，例如 12.5"),
            ("tax_avg_wan", "1e12", "年均纳税额请填写数字，例如 12.5"),
            (
                "tax_avg_wan",
                "100001",
                "年均纳税额请填写0到100000之间的数字（万元）",
            ),
            ("suburb_years", "61", "年限请填写0到60之间的整数"),
            ("spouse_hukou_years", "81", "婚龄请填写0到80之间的整数"),
            ("criminal_count", "51", "次数请填写0到50之间的整数"),
            ("age", "\u{FFFD}", "年龄请填写整数，例如 32"),
        ];
        for (field, value, message) in cases {
            let mut answers = raw(&[("age", "30"), ("education", "college")]);
            answers.insert(field.to_string(), value.to_string());
            let errors = parse_answers(&answers).unwrap_err();
            assert_eq!(errors.get(field), Some(*message), "{field}={value}");
            assert_eq!(errors.iter().count(), 1, "{field}={value}: {errors:?}");
        }
    }

    #[test]
    fn three_answers_may_be_unknown() {
        let profile = parse_answers(&raw(&[
            ("age", "30"),
            ("education", "college"),
            ("qualification", "intermediate_title"),
            ("contribution_tier", "unknown"),
            ("qualification_base_met", "unknown"),
            ("shortage_major", "unknown"),
        ]))
        .unwrap();
        assert!(
            profile.unknown.contribution_tier
                && profile.unknown.qualification_base_met
                && profile.unknown.shortage_major
        );
        assert_eq!(profile.contribution_tier, ContributionTier::None);
        assert!(!profile.qualification_base_met && !profile.shortage_major);
        let errors = parse_answers(&raw(&[
            ("age", "30"),
            ("education", "unknown"),
            ("entrepreneur", "unknown"),
        ]))
        .unwrap_err();
        assert!(
            errors.contains("education") && errors.contains("entrepreneur"),
            "only three fields accept unknown"
        );
    }

    #[test]
    fn the_base_condition_is_unknown_only_for_those_it_concerns() {
        for qualification in ["none", "skill_5", "skill_3"] {
            let profile = parse_answers(&raw(&[
                ("age", "30"),
                ("education", "college"),
                ("qualification", qualification),
                ("qualification_base_met", "unknown"),
            ]))
            .unwrap();
            assert!(profile.unknown.is_empty(), "{qualification}");
        }
    }

    #[test]
    fn the_form_asks_for_the_tier_the_api_does_not() {
        let answers = raw(&[
            ("age", "30"),
            ("education", "college"),
            ("insurance_months", "24"),
        ]);
        assert!(
            parse_answers(&answers).is_ok(),
            "the contract's default: none"
        );
        let errors = parse_form_answers(&answers).unwrap_err();
        assert_eq!(
            errors.get("contribution_tier"),
            Some("请选择社保缴费基数大约多少（不清楚可选“不清楚”）")
        );
        let errors =
            parse_form_answers(&raw(&[("age", "x"), ("contribution_tier", " ")])).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["age", "education", "insurance_months", "contribution_tier"]
        );
        for tier in ["none", "unknown"] {
            let mut answers = answers.clone();
            answers.insert("contribution_tier".into(), tier.into());
            assert!(parse_form_answers(&answers).is_ok(), "{tier}");
        }
        // A band asks how long it has been so; recently reached counts one lower.
        let mut banded = answers.clone();
        banded.insert("contribution_tier".into(), "x2".into());
        let errors = parse_form_answers(&banded).unwrap_err();
        assert!(errors.contains("base_duration"));
        banded.insert("base_duration".into(), "most".into());
        assert_eq!(
            parse_form_answers(&banded).unwrap().contribution_tier,
            ContributionTier::X2
        );
        banded.insert("base_duration".into(), "recent".into());
        assert_eq!(
            parse_form_answers(&banded).unwrap().contribution_tier,
            ContributionTier::X1
        );
        // The contract's own field alone still works for the API.
        let mut api = answers.clone();
        api.insert("contribution_tier".into(), "x3".into());
        assert_eq!(
            parse_answers(&api).unwrap().contribution_tier,
            ContributionTier::X3
        );
        // Errors keep the form's order: the duration right after the tier.
        let mut both = raw(&[
            ("age", "x"),
            ("education", "college"),
            ("insurance_months", "2年"),
            ("contribution_tier", "x1"),
        ]);
        both.insert("award".into(), "x".into());
        let errors = parse_form_answers(&both).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["age", "base_duration", "award"]);
    }

    /// The form asks rather than assumes (issue 25): blank months are an
    /// error, not 0; a blank shortage answer is 不确定, not 否. The API
    /// keeps the contract's defaults.
    #[test]
    fn the_form_never_answers_for_the_visitor() {
        let blank = raw(&[
            ("age", "35"),
            ("education", "college"),
            ("insurance_months", " "),
            ("contribution_tier", "none"),
        ]);
        let errors = parse_form_answers(&blank).unwrap_err();
        assert_eq!(
            errors.get("insurance_months"),
            Some("请填写在上海交社保的月数（不清楚可以先估一个数，例如 2年）")
        );
        assert_eq!(parse_answers(&blank).unwrap().insurance_months, 0);
        let mut answered = blank.clone();
        answered.insert("insurance_months".into(), "2年".into());
        let profile = parse_form_answers(&answered).unwrap();
        assert_eq!(profile.insurance_months, 24);
        assert!(profile.unknown.shortage_major && !profile.shortage_major);
        assert!(!parse_answers(&answered).unwrap().unknown.shortage_major);
        answered.insert("shortage_major".into(), "false".into());
        assert!(
            !parse_form_answers(&answered)
                .unwrap()
                .unknown
                .shortage_major
        );
        // The family-planning field is still read (the API accepts it).
        answered.insert("family_planning_violation".into(), "true".into());
        assert!(
            parse_form_answers(&answered)
                .unwrap()
                .family_planning_violation
        );
    }

    #[test]
    fn stored_answers_fill_the_form_and_parse_back_the_same() {
        let answers = raw(&[
            ("age", "50"),
            ("education", "college"),
            ("qualification", "intermediate_title"),
            ("qualification_base_met", "unknown"),
            ("insurance_months", "96"),
            ("contribution_tier", "unknown"),
            ("shortage_major", "unknown"),
            ("lingang_years", "2"),
            ("detention_count", "1"),
        ]);
        assert!(FORM_ONLY_FIELDS.iter().all(|f| !answers.contains_key(*f)));
        let profile = parse_form_answers(&answers).unwrap();
        let fields: RawAnswers = answer_fields(&profile).into_iter().collect();
        assert_eq!(
            fields.get("contribution_tier").map(String::as_str),
            Some("unknown")
        );
        assert_eq!(parse_form_answers(&fields).unwrap(), profile);
        // A band answered "recent" is stored one lower, and comes back as it
        // counts: recomputing or changing the answers never lowers it again.
        for duration in ["most", "recent"] {
            let mut banded = answers.clone();
            banded.insert("contribution_tier".into(), "x2".into());
            banded.insert("base_duration".into(), duration.into());
            let profile = parse_form_answers(&banded).unwrap();
            let fields: RawAnswers = answer_fields(&profile).into_iter().collect();
            assert_eq!(parse_form_answers(&fields).unwrap(), profile, "{duration}");
        }
    }

    #[test]
    fn whole_numbers_as_people_type_them() {
        for (field, text, value) in [
            ("age", "32", 32),
            ("age", "32岁", 32),
            ("age", "32 周岁", 32),
            ("insurance_months", "30", 30),
            ("insurance_months", "30个月", 30),
            ("insurance_months", "30月", 30),
            ("insurance_months", "2年6个月", 30),
            ("insurance_months", "2年", 24),
            ("insurance_months", "5年", 60),
            ("insurance_months", "5年0个月", 60),
            ("lingang_years", "2年", 2),
            ("detention_count", "1次", 1),
        ] {
            assert_eq!(whole_number(field, text), Ok(value), "{field}={text}");
        }
        for (field, text, message) in [
            ("age", "三十二", "年龄请填写整数，例如 32"),
            ("age", "32.5", "年龄请填写整数，例如 32"),
            ("age", "-3", "年龄不能是负数"),
            (
                "insurance_months",
                "2年13个月",
                "月份部分请填写0到11，例如 2年6个月",
            ),
            (
                "insurance_months",
                "两年",
                "社保缴纳月数请填写整数，例如 30 或 2年6个月",
            ),
            ("insurance_months", "年6个月", "例如 30 或 2年6个月"),
            ("lingang_years", "2.5", "临港新片区年限请填写整数，例如 2"),
        ] {
            let error = whole_number(field, text).unwrap_err();
            assert!(error.contains(message), "{field}={text}: {error}");
        }
        let errors =
            parse_answers(&raw(&[("age", "1000000000000"), ("education", "college")])).unwrap_err();
        assert_eq!(
            errors.get("age"),
            Some("年龄请填写16到100之间的整数（周岁）")
        );
        let profile = parse_answers(&raw(&[
            ("age", "３２岁"),
            ("education", "college"),
            ("insurance_months", "２年６个月"),
        ]))
        .unwrap();
        assert_eq!((profile.age, profile.insurance_months), (32, 30));
    }

    #[test]
    fn full_width_digits_are_understood() {
        let profile = parse_answers(&raw(&[
            ("age", "３０"),
            ("education", "college"),
            ("tax_avg_wan", "１２．５"),
        ]))
        .unwrap();
        assert_eq!(profile.age, 30);
        assert_eq!(profile.tax_avg_wan, 12.5);
    }

    #[test]
    fn errors_follow_the_form_order() {
        let errors =
            parse_answers(&raw(&[("award", "x"), ("age", "x"), ("education", "x")])).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["age", "education", "award"]);
        let json = serde_json::to_value(&errors).unwrap();
        assert_eq!(json["award"], "表彰奖励的选项无效，请从列表中选择");
    }
}
