//! The callback request form: what a visitor submits, checked field by field
//! with a Chinese message for each problem.

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::codes::looks_like_code;
use super::phone::Phone;

use crate::form::{FieldErrors, RawFields, is_checked};

crate::vocabulary::vocabulary! {
    /// Why the visitor wants to hear from us (`?interest=` and the offers).
    #[derive(Default)]
    pub enum Interest {
        #[default]
        Callback => ("callback", "顾问回电"),
        Guide => ("guide", "积分落户指南"),
        Materials => ("materials", "申请资料"),
        Planning => ("planning", "一对一规划"),
        News => ("news", "最新资讯"),
        Institution => ("institution", "机构入驻"),
    }
}

impl Interest {
    /// What a link or a form asked for; unknown or missing codes mean a
    /// plain callback.
    pub fn asked(code: &str) -> Self {
        Self::from_code(code.trim()).unwrap_or_default()
    }
}

/// The fields of the form, in the order it shows them.
pub const FIELDS: &[&str] = &["organisation", "name", "phone", "code", "consent"];

/// The honeypot: invisible to people, filled by bots.
pub const HONEYPOT_FIELD: &str = "website";

const NAME_MAX_CHARS: usize = 32;
const ORGANISATION_MAX_CHARS: usize = 64;

/// Whether `c` is a Unicode format character (General_Category=Cf):
/// invisible code points that change how the text around them is shown
/// (bidi overrides and isolates, zero-width spaces and joiners, the soft
/// hyphen, tags). In a name or a note they let one string look like
/// another (an advisor reads `txt.exe` for `exe.txt`) or hide text from a
/// search, so free text refuses them.
pub fn is_format_character(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// Letters and symbols that render as nothing: the Hangul fillers (Lo), the
/// blank Braille pattern (So), the combining grapheme joiner and the Khmer
/// inherent vowels (default-ignorable marks). A name made of them shows as
/// a blank line in the lead list and the CSV (third outside probe).
const FILLERS: &[char] = &[
    '\u{034F}', '\u{115F}', '\u{1160}', '\u{17B4}', '\u{17B5}', '\u{2800}', '\u{3164}', '\u{FFA0}',
];

/// Whether `c` is a filler that looks like nothing (see [`FILLERS`]).
pub fn is_filler(c: char) -> bool {
    FILLERS.contains(&c)
}

/// Whether `text` has at least one character a reader can see: a letter,
/// digit, punctuation or symbol that is not a filler. Marks alone (a
/// combining accent with nothing under it) and blanks do not count.
pub fn has_visible_character(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter
                | GeneralCategoryGroup::Number
                | GeneralCategoryGroup::Punctuation
                | GeneralCategoryGroup::Symbol
        ) && !is_filler(c)
    })
}

/// Whether free text holds a character no one can see or type on purpose:
/// a control (Cc; tab, CR and LF too unless `multiline`), a format
/// character (Cf) or a filler. Every free-text field a visitor or an advisor submits
/// (names, the organisation, notes, reasons) should be refused with
/// [`INVISIBLE_CHARACTER_MESSAGE`] when this is true.
pub fn has_invisible_character(text: &str, multiline: bool) -> bool {
    text.chars().any(|c| {
        is_format_character(c)
            || is_filler(c)
            || (c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')))
    })
}

/// The message for [`has_invisible_character`], after the field's label
/// (`称呼`, `机构名称`, `备注`).
pub const INVISIBLE_CHARACTER_MESSAGE: &str =
    "包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写";

/// A checked callback request (the code is checked against the database later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRequest {
    pub name: String,
    pub phone: Phone,
    pub code: String,
    pub marketing: bool,
    pub share_sensitive: bool,
    pub interest: Interest,
    pub organisation: Option<String>,
    /// A result token, when one of the right shape was attached.
    pub assessment: Option<String>,
    /// The key of the rendered form, when it had a usable one.
    pub idempotency_key: Option<String>,
}

/// Whether a bot filled the honeypot.
pub fn is_bot(raw: &RawFields) -> bool {
    raw.get(HONEYPOT_FIELD)
        .is_some_and(|value| !value.trim().is_empty())
}

/// `张三`, `Li Lei`, `阿依古丽·买买提`: letters, spaces and the middle dot.
pub fn parse_name(input: &str) -> Result<String, &'static str> {
    let normalised: String = input
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| {
            if matches!(c, '・' | '•' | '‧') {
                '·'
            } else {
                c
            }
        })
        .collect();
    let count = normalised.chars().count();
    if count == 0 {
        return Err("请填写您的称呼");
    }
    if has_invisible_character(&normalised, false) {
        return Err(NAME_INVISIBLE_MESSAGE);
    }
    if !has_visible_character(&normalised) {
        return Err("请填写您的称呼（需要能看见的文字）");
    }
    if count > NAME_MAX_CHARS {
        return Err("称呼最多32个字");
    }
    if !normalised
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '·')
    {
        return Err("称呼只能包含文字、空格和“·”");
    }
    Ok(normalised)
}

const NAME_INVISIBLE_MESSAGE: &str =
    "称呼包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写";
const ORGANISATION_INVISIBLE_MESSAGE: &str =
    "机构名称包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写";

fn looks_like_key(text: &str) -> bool {
    (16..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks every field; the code is only checked for shape here.
pub fn parse_callback(raw: &RawFields) -> Result<CallbackRequest, FieldErrors> {
    let get = |name: &str| raw.get(name).map(String::as_str).unwrap_or("");
    let mut errors = FieldErrors::default();
    let interest = Interest::asked(get("interest"));

    let organisation = if interest == Interest::Institution {
        let text = get("organisation")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.is_empty() {
            errors.add("organisation", "请填写机构名称");
        } else if text.chars().count() > ORGANISATION_MAX_CHARS {
            errors.add("organisation", "机构名称最多64个字");
        } else if has_invisible_character(&text, false) {
            errors.add("organisation", ORGANISATION_INVISIBLE_MESSAGE);
        } else if !has_visible_character(&text) {
            errors.add("organisation", "请填写机构名称（需要能看见的文字）");
        }
        Some(text)
    } else {
        None
    };
    let name = parse_name(get("name")).unwrap_or_else(|message| {
        errors.add("name", message);
        String::new()
    });
    let phone = Phone::parse(get("phone"));
    if let Err(message) = &phone {
        errors.add("phone", *message);
    }
    let code = get("code").trim().to_string();
    if code.is_empty() {
        errors.add("code", "请填写短信验证码");
    } else if !looks_like_code(&code) {
        errors.add("code", "请填写6位数字验证码");
    }
    if !is_checked(raw.get("consent").map(String::as_str)) {
        errors.add("consent", "请阅读并同意《个人信息处理规则》后再提交");
    }
    let assessment = Some(get("assessment").trim())
        .filter(|token| crate::tokens::looks_like_token(token))
        .map(String::from);
    let key = get("idempotency_key").trim();

    match phone {
        Ok(phone) if errors.is_empty() => Ok(CallbackRequest {
            name,
            phone,
            code,
            marketing: is_checked(raw.get("marketing").map(String::as_str)),
            share_sensitive: assessment.is_some()
                && is_checked(raw.get("share_sensitive").map(String::as_str)),
            interest,
            organisation,
            assessment,
            idempotency_key: looks_like_key(key).then(|| key.to_string()),
        }),
        _ => {
            errors.sort_by_fields(FIELDS.iter().copied());
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawFields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn valid() -> Vec<(&'static str, &'static str)> {
        vec![
            ("name", "张三"),
            ("phone", "138 1234 5678"),
            ("code", "012345"),
            ("consent", "on"),
            ("idempotency_key", "0123456789abcdef0123456789abcdef"),
        ]
    }

    #[test]
    fn a_complete_request_parses() {
        let request = parse_callback(&raw(&valid())).unwrap();
        assert_eq!(request.name, "张三");
        assert_eq!(request.phone.as_str(), "13812345678");
        assert_eq!(request.code, "012345");
        assert_eq!(request.interest, Interest::Callback);
        assert!(!request.marketing && !request.share_sensitive);
        assert_eq!(request.assessment, None);
        assert_eq!(
            request.idempotency_key.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
    }

    #[test]
    fn names() {
        for (input, expected) in [
            ("张三", "张三"),
            ("  Li   Lei ", "Li Lei"),
            ("阿依古丽·买买提", "阿依古丽·买买提"),
            ("阿依古丽・买买提", "阿依古丽·买买提"),
            ("王", "王"),
        ] {
            assert_eq!(parse_name(input).as_deref(), Ok(expected), "{input}");
        }
        assert_eq!(parse_name("  "), Err("请填写您的称呼"));
        assert_eq!(parse_name(&"张".repeat(33)), Err("称呼最多32个字"));
        assert!(parse_name(&"张".repeat(32)).is_ok());
        for bad in ["张三1", "<script>", "a@b", "张三!", "Robert'); DROP"] {
            assert!(parse_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_problem_gets_its_message_in_form_order() {
        let errors =
            parse_callback(&raw(&[("name", "1"), ("phone", "123"), ("code", "12")])).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "phone", "code", "consent"]);
        assert_eq!(
            errors.get("consent"),
            Some("请阅读并同意《个人信息处理规则》后再提交")
        );
        let errors = parse_callback(&raw(&[])).unwrap_err();
        assert_eq!(errors.get("code"), Some("请填写短信验证码"));
    }

    #[test]
    fn institutions_name_their_organisation() {
        let mut fields = valid();
        fields.push(("interest", "institution"));
        let errors = parse_callback(&raw(&fields)).unwrap_err();
        assert_eq!(errors.get("organisation"), Some("请填写机构名称"));
        fields.push(("organisation", " 上海某某人力资源公司 "));
        let request = parse_callback(&raw(&fields)).unwrap();
        assert_eq!(
            request.organisation.as_deref(),
            Some("上海某某人力资源公司")
        );
        assert_eq!(request.interest, Interest::Institution);
    }

    #[test]
    fn sharing_needs_an_attached_assessment() {
        let mut fields = valid();
        fields.push(("share_sensitive", "on"));
        assert!(!parse_callback(&raw(&fields)).unwrap().share_sensitive);
        fields.push(("assessment", "0123456789abcdef0123456789abcdef"));
        let request = parse_callback(&raw(&fields)).unwrap();
        assert!(request.share_sensitive);
        assert_eq!(
            request.assessment.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        let mut odd = valid();
        odd.push(("assessment", "../../etc"));
        assert_eq!(parse_callback(&raw(&odd)).unwrap().assessment, None);
    }

    /// The bidi, zero-width and other format characters the probe used.
    const FORMAT_SAMPLES: [char; 14] = [
        '\u{00AD}',
        '\u{061C}',
        '\u{180E}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202E}',
        '\u{2066}',
        '\u{2069}',
        '\u{FEFF}',
        '\u{E0041}',
    ];

    #[test]
    fn format_characters_are_category_cf() {
        for c in FORMAT_SAMPLES {
            assert!(is_format_character(c), "U+{:04X}", c as u32);
        }
        // Neighbours that are not Cf: letters, spaces, marks, separators.
        for c in [
            'a',
            '张',
            '·',
            ' ',
            '\u{00A0}',
            '\u{00AC}',
            '\u{00AE}',
            '\u{2010}',
            '\u{2028}',
            '\u{2065}',
            '\u{3000}',
            '\u{FE0F}',
            '\u{FFFC}',
            '\u{E0000}',
            '\u{E0080}',
        ] {
            assert!(!is_format_character(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn invisible_characters_in_free_text() {
        assert!(!has_invisible_character(
            "上海某某人力资源公司 (浦东)",
            false
        ));
        assert!(has_invisible_character("a\u{202E}txt.exe", false));
        assert!(
            has_invisible_character("a\u{7}b", true),
            "controls stay refused"
        );
        assert!(has_invisible_character("第一行\n第二行", false));
        assert!(!has_invisible_character("第一行\r\n第二行\t", true));
        assert!(has_invisible_character("第一行\n\u{200B}", true));
        assert_eq!(
            NAME_INVISIBLE_MESSAGE,
            format!("称呼{INVISIBLE_CHARACTER_MESSAGE}")
        );
        assert_eq!(
            ORGANISATION_INVISIBLE_MESSAGE,
            format!("机构名称{INVISIBLE_CHARACTER_MESSAGE}")
        );
    }

    #[test]
    fn names_refuse_format_characters_with_their_own_message() {
        for c in FORMAT_SAMPLES {
            assert_eq!(
                parse_name(&format!("张{c}三")),
                Err(NAME_INVISIBLE_MESSAGE),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn names_and_organisations_made_of_fillers_or_marks_are_refused() {
        let blanks = [
            "\u{3164}",
            "\u{3164}\u{3164}",
            "\u{115F}\u{1160}",
            "\u{FFA0}",
            "\u{2800}\u{2800}",
            "\u{0301}\u{0301}",
            "\u{0E31}",
            "\u{034F}",
            "\u{3000}",
        ];
        for blank in blanks {
            assert!(parse_name(blank).is_err(), "{blank:?}");
            let mut fields = valid();
            fields.push(("interest", "institution"));
            fields.push(("organisation", blank));
            let errors = parse_callback(&raw(&fields)).unwrap_err();
            assert!(errors.get("organisation").is_some(), "{blank:?}");
        }
        for filler in FILLERS {
            assert_eq!(
                parse_name(&format!("张{filler}三")),
                Err(NAME_INVISIBLE_MESSAGE),
                "U+{:04X} inside a name",
                u32::from(*filler)
            );
        }
        assert_eq!(
            parse_name("阿依古丽·买买提").as_deref(),
            Ok("阿依古丽·买买提")
        );
        assert!(has_visible_character("上海·某某"));
        assert!(has_visible_character("(1)"));
        assert!(!has_visible_character(" \u{3164} \u{2800} "));
    }

    #[test]
    fn organisations_refuse_format_characters() {
        for c in FORMAT_SAMPLES {
            let mut fields = valid();
            let organisation = format!("上海某某{c}人力资源公司");
            fields.push(("interest", "institution"));
            fields.push(("organisation", organisation.as_str()));
            let errors = parse_callback(&raw(&fields)).unwrap_err();
            assert_eq!(
                errors.get("organisation"),
                Some(ORGANISATION_INVISIBLE_MESSAGE),
                "U+{:04X}",
                c as u32
            );
            assert_eq!(errors.len(), 1, "only the organisation is wrong");
        }
    }

    #[test]
    fn interests_and_the_honeypot() {
        assert_eq!(Interest::asked(" planning"), Interest::Planning);
        assert_eq!(Interest::asked("nonsense"), Interest::Callback);
        assert!(is_bot(&raw(&[("website", "http://spam")])));
        assert!(!is_bot(&raw(&[("website", " ")])));
    }
}
