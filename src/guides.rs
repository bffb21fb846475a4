//! The guide articles: Markdown with TOML front matter in `templates/guide/`,
//! embedded in the binary and rendered to HTML once at start.
//!
//! Markdown because the articles are long prose edited by people, not code;
//! the two placeholders below are the only HTML an article may contain, and
//! today's reference-wage figures are written as `{{wage}}`, `{{x1}}`, … so
//! that a new figure in the data changes every article (see `FIGURES`).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;
use time::Date;
use time::macros::format_description;

use crate::scoring::{ContributionTier, ReferenceWages, WagePeriod, YearMonth, tables};

/// Editorial order: the guide index and the navigation list them this way.
const SOURCES: &[(&str, &str)] = &[
    (
        "policy-overview",
        include_str!("../templates/guide/policy-overview.md"),
    ),
    (
        "eligibility",
        include_str!("../templates/guide/eligibility.md"),
    ),
    ("process", include_str!("../templates/guide/process.md")),
    ("materials", include_str!("../templates/guide/materials.md")),
    (
        "children-school",
        include_str!("../templates/guide/children-school.md"),
    ),
    (
        "basic-indicators",
        include_str!("../templates/guide/basic-indicators.md"),
    ),
    (
        "bonus-indicators",
        include_str!("../templates/guide/bonus-indicators.md"),
    ),
    (
        "deductions-and-veto",
        include_str!("../templates/guide/deductions-and-veto.md"),
    ),
    (
        "contribution-base",
        include_str!("../templates/guide/contribution-base.md"),
    ),
    ("faq", include_str!("../templates/guide/faq.md")),
];

/// Replaced by the call to action for the self-test.
const SELF_TEST_MARK: &str = "<!-- self-test -->";
/// Replaced by the reference-wage table, from the engine's own data.
const WAGE_TABLE_MARK: &str = "<!-- wage-table -->";

const SELF_TEST_BOX: &str = r#"<aside class="inline-cta"><p class="inline-cta-title">30秒测一测：你现在有多少分？</p><p>按本文的规则逐项计算，马上知道离120分还差多少、差在哪里。</p><a class="button primary" href="/self-test">开始积分自测</a></aside>"#;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: String,
    title: String,
    description: String,
    published: String,
    updated: String,
    related: Vec<String>,
    /// The public pages the article rests on (required, listed at its end).
    #[serde(default)]
    sources: Vec<SourceRef>,
}

/// A public page an article rests on: a short title of our own, the page's
/// date when it shows one ("YYYY-MM-DD" or "YYYY-MM"), and its address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub title: String,
    #[serde(default)]
    pub date: Option<String>,
    pub url: String,
}

/// Site paths an article may link to, besides `/guide/{slug}` of another
/// article (a query or `#fragment` may follow).
const SITE_PATHS: &[&str] = &[
    "/",
    "/guide",
    "/self-test",
    "/rules",
    "/privacy",
    "/privacy/requests",
    "/consultation",
];

/// A question and its answer (plain text), for the FAQ's structured data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// A section heading, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct Guide {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub published: Date,
    pub updated: Date,
    pub related: Vec<String>,
    /// The rendered body.
    pub html: String,
    pub sections: Vec<Section>,
    pub faqs: Vec<Faq>,
    /// Characters of body text, whitespace excluded.
    pub text_chars: usize,
    pub sources: Vec<SourceRef>,
    /// Every link target in the body, checked once all articles are known.
    links: Vec<String>,
}

impl Guide {
    pub fn path(&self) -> String {
        format!("/guide/{}", self.slug)
    }
}

pub struct Guides {
    guides: Vec<Guide>,
}

impl Guides {
    /// Parses and renders every article; any mistake in an article is an
    /// error here, at start, not a broken page later.
    pub fn load(wages: &ReferenceWages, today: Date) -> Result<Self, String> {
        let wage_table = wage_table_html(wages);
        let period = wages
            .current(YearMonth::of(today))
            .ok_or("the reference wage table is empty")?;
        let mut guides = Vec::with_capacity(SOURCES.len());
        for (file, source) in SOURCES {
            let guide = fill_figures(source, period)
                .and_then(|source| parse(&source, &wage_table))
                .map_err(|error| format!("templates/guide/{file}.md: {error}"))?;
            if guide.slug != *file {
                return Err(format!(
                    "templates/guide/{file}.md: slug {:?} must match the file name",
                    guide.slug
                ));
            }
            guides.push(guide);
        }
        for guide in &guides {
            for related in &guide.related {
                if related == &guide.slug || !guides.iter().any(|g| &g.slug == related) {
                    return Err(format!(
                        "{}: related {related:?} is not another guide",
                        guide.slug
                    ));
                }
            }
            if guides.iter().filter(|g| g.title == guide.title).count() > 1 {
                return Err(format!("{}: the title is not unique", guide.slug));
            }
            for link in &guide.links {
                if !link_is_valid(link, &guides) {
                    return Err(format!("{}: the link {link:?} leads nowhere", guide.slug));
                }
            }
        }
        Ok(Self { guides })
    }

    pub fn all(&self) -> &[Guide] {
        &self.guides
    }

    pub fn get(&self, slug: &str) -> Option<&Guide> {
        self.guides.iter().find(|guide| guide.slug == slug)
    }

    /// Newest first, by last update then publication.
    pub fn latest(&self, count: usize) -> Vec<&Guide> {
        let mut list: Vec<&Guide> = self.guides.iter().collect();
        list.sort_by_key(|guide| std::cmp::Reverse((guide.updated, guide.published)));
        list.truncate(count);
        list
    }

    pub fn related(&self, guide: &Guide) -> Vec<&Guide> {
        guide
            .related
            .iter()
            .filter_map(|slug| self.get(slug))
            .collect()
    }
}

/// The figures an article may name, by placeholder: today's reference wage
/// and its contribution-base thresholds.
fn figures(period: &WagePeriod) -> Vec<(&'static str, String)> {
    let threshold = |tier: ContributionTier| {
        period.threshold_text(tables::contribution_multiple_tenths(tier).unwrap_or(10))
    };
    vec![
        ("wage", period.yuan.to_string()),
        ("wage_from", period.from.chinese()),
        ("x0_8", threshold(ContributionTier::X0_8)),
        ("x1", threshold(ContributionTier::X1)),
        ("x2", threshold(ContributionTier::X2)),
        ("x3", threshold(ContributionTier::X3)),
    ]
}

/// Replaces every `{{name}}` with its figure; an unknown or unclosed
/// placeholder is an error at start, never a page showing braces.
fn fill_figures(source: &str, period: &WagePeriod) -> Result<String, String> {
    let figures = figures(period);
    let mut filled = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        filled.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("a {{ placeholder is not closed")?;
        let name = &after[..end];
        let (_, figure) = figures
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or_else(|| format!("unknown placeholder {{{{{name}}}}}"))?;
        filled.push_str(figure);
        rest = &after[end + 2..];
    }
    filled.push_str(rest);
    Ok(filled)
}

/// An external http(s) address, or a path this site serves.
fn link_is_valid(link: &str, guides: &[Guide]) -> bool {
    if link.starts_with("https://") || link.starts_with("http://") {
        return link.len() > "https://".len() && !link.contains(char::is_whitespace);
    }
    if let Some(fragment) = link.strip_prefix('#') {
        return !fragment.is_empty();
    }
    let path = link
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    SITE_PATHS.contains(&path)
        || path
            .strip_prefix("/guide/")
            .is_some_and(|slug| guides.iter().any(|guide| guide.slug == slug))
}

fn check_sources(sources: &[SourceRef]) -> Result<(), String> {
    if sources.is_empty() {
        return Err(
            "the article needs its sources: one or more [[sources]] in the front matter".into(),
        );
    }
    for source in sources {
        if source.title.trim().is_empty() {
            return Err(format!("a source without a title: {}", source.url));
        }
        if !(source.url.starts_with("https://") || source.url.starts_with("http://")) {
            return Err(format!("a source's url must be http(s): {:?}", source.url));
        }
        if let Some(date) = &source.date {
            let shape = date.len() == 7 || date.len() == 10;
            let digits = date.char_indices().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
            if !(shape && digits) {
                return Err(format!(
                    "a source's date must be YYYY-MM or YYYY-MM-DD: {date:?}"
                ));
            }
        }
    }
    Ok(())
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{text:?} is not YYYY-MM-DD"))
}

fn parse(source: &str, wage_table: &str) -> Result<Guide, String> {
    let rest = source
        .strip_prefix("+++\n")
        .ok_or("the file must start with +++ front matter")?;
    let (front, body) = rest
        .split_once("\n+++\n")
        .ok_or("the front matter must end with +++")?;
    let front: FrontMatter = toml::from_str(front).map_err(|error| error.to_string())?;
    if front.title.trim().is_empty() || front.description.trim().is_empty() {
        return Err("title and description are required".into());
    }
    let rendered = render(body, wage_table)?;
    if !rendered.has_self_test {
        return Err(format!("the article needs a {SELF_TEST_MARK} line"));
    }
    check_sources(&front.sources)?;
    if let Some(empty) = rendered.faqs.iter().find(|faq| faq.answer.is_empty()) {
        return Err(format!("the question {:?} has no answer", empty.question));
    }
    Ok(Guide {
        published: parse_date(&front.published)?,
        updated: parse_date(&front.updated)?,
        slug: front.slug,
        title: front.title,
        description: front.description,
        related: front.related,
        html: rendered.html,
        sections: rendered.sections,
        faqs: rendered.faqs,
        text_chars: rendered.text_chars,
        sources: front.sources,
        links: rendered.links,
    })
}

struct Rendered {
    html: String,
    sections: Vec<Section>,
    faqs: Vec<Faq>,
    text_chars: usize,
    has_self_test: bool,
    links: Vec<String>,
}

/// What text is being collected for.
enum Collecting {
    Nothing,
    Section,
    Question,
}

fn render(body: &str, wage_table: &str) -> Result<Rendered, String> {
    let mut renderer = Renderer {
        wage_table,
        events: Vec::new(),
        collecting: Collecting::Nothing,
        in_answer: false,
        rendered: Rendered {
            html: String::with_capacity(body.len() * 2),
            sections: Vec::new(),
            faqs: Vec::new(),
            text_chars: 0,
            has_self_test: false,
            links: Vec::new(),
        },
    };
    for event in Parser::new_ext(body, Options::ENABLE_TABLES) {
        renderer.read(event)?;
    }
    Ok(renderer.finish())
}

/// Reads an article's Markdown events: collects the sections, questions
/// and links as it passes them on, and refuses what an article may not hold.
struct Renderer<'a> {
    wage_table: &'a str,
    events: Vec<Event<'a>>,
    collecting: Collecting,
    /// Inside the answer of the last question (after an ### heading).
    in_answer: bool,
    rendered: Rendered,
}

impl<'a> Renderer<'a> {
    fn read(&mut self, event: Event<'a>) -> Result<(), String> {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => self.html(&html)?,
            Event::Start(Tag::Heading { level, .. }) => self.heading(level)?,
            Event::End(TagEnd::Heading(level)) => {
                if level == HeadingLevel::H3 {
                    self.in_answer = true;
                }
                self.collecting = Collecting::Nothing;
                self.events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Text(ref text) | Event::Code(ref text) => {
                self.text(text);
                self.events.push(event);
            }
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                self.rendered.links.push(dest_url.to_string());
                self.events.push(event);
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item) if self.in_answer => {
                if let Some(faq) = self.rendered.faqs.last_mut() {
                    faq.answer.push('\n');
                }
                self.events.push(event);
            }
            other => self.events.push(other),
        }
        Ok(())
    }

    /// Only the two marks are allowed as HTML.
    fn html(&mut self, html: &str) -> Result<(), String> {
        match html.trim() {
            SELF_TEST_MARK => {
                self.rendered.has_self_test = true;
                self.events.push(Event::Html(SELF_TEST_BOX.into()));
            }
            WAGE_TABLE_MARK => self
                .events
                .push(Event::Html(self.wage_table.to_string().into())),
            other => return Err(format!("HTML is not allowed in an article: {other}")),
        }
        Ok(())
    }

    /// ## starts a section (with an id for the contents), ### a question.
    fn heading(&mut self, level: HeadingLevel) -> Result<(), String> {
        self.in_answer = false;
        let mut id = None;
        match level {
            HeadingLevel::H2 => {
                let section_id = format!("s{}", self.rendered.sections.len() + 1);
                self.rendered.sections.push(Section {
                    id: section_id.clone(),
                    title: String::new(),
                });
                self.collecting = Collecting::Section;
                id = Some(section_id.into());
            }
            HeadingLevel::H3 => {
                self.rendered.faqs.push(Faq {
                    question: String::new(),
                    answer: String::new(),
                });
                self.collecting = Collecting::Question;
            }
            HeadingLevel::H1 => {
                return Err("use ## and ### headings: the layout prints the title".into());
            }
            _ => {}
        }
        self.events.push(Event::Start(Tag::Heading {
            level,
            id,
            classes: Vec::new(),
            attrs: Vec::new(),
        }));
        Ok(())
    }

    fn text(&mut self, text: &str) {
        let rendered = &mut self.rendered;
        rendered.text_chars += text.chars().filter(|c| !c.is_whitespace()).count();
        let target = match self.collecting {
            Collecting::Section => rendered.sections.last_mut().map(|s| &mut s.title),
            Collecting::Question => rendered.faqs.last_mut().map(|f| &mut f.question),
            Collecting::Nothing if self.in_answer => {
                rendered.faqs.last_mut().map(|f| &mut f.answer)
            }
            Collecting::Nothing => None,
        };
        if let Some(target) = target {
            target.push_str(text);
        }
    }

    fn finish(mut self) -> Rendered {
        for faq in &mut self.rendered.faqs {
            faq.answer = faq.answer.trim().to_string();
        }
        pulldown_cmark::html::push_html(&mut self.rendered.html, self.events.into_iter());
        self.rendered
    }
}

/// The reference wage by period with the contribution-base thresholds, from
/// the same table the engine scores with.
pub fn wage_table_html(wages: &ReferenceWages) -> String {
    use crate::scoring::ContributionTier as T;
    let tiers = [T::X0_8, T::X1, T::X2, T::X3];
    let mut html = String::from(
        r#"<div class="table-wrap" tabindex="0" role="region" aria-label="社平工资与社保基数档次表"><table class="wage-table"><thead><tr><th>适用期间</th><th>社平工资（元/月）</th><th>0.8倍</th><th>1倍</th><th>2倍</th><th>3倍</th></tr></thead><tbody>"#,
    );
    for period in wages.periods().iter().rev() {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td>",
            period.chinese(),
            period.yuan
        ));
        for tier in tiers {
            let multiple = tables::contribution_multiple_tenths(tier).unwrap_or(10);
            html.push_str(&format!("<td>{}</td>", period.threshold_text(multiple)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "<table>wages</table>";

    fn article(body: &str) -> String {
        format!(
            "+++\nslug = \"x\"\ntitle = \"标题\"\ndescription = \"描述\"\npublished = \"2026-11-20\"\nupdated = \"2026-11-28\"\nrelated = []\n[[sources]]\ntitle = \"来源\"\ndate = \"2025-07\"\nurl = \"https://example.com/a\"\n+++\n{body}"
        )
    }

    #[test]
    fn renders_sections_placeholders_and_questions() {
        let guide = parse(
            &article("导语。\n\n## 第一部分\n\n正文**加粗**。\n\n<!-- self-test -->\n\n## 问答\n\n### 多少分才够？\n\n120分。\n\n- 一\n- 二\n\n<!-- wage-table -->\n"),
            TABLE,
        )
        .unwrap();
        assert_eq!(
            guide.sections,
            [
                Section {
                    id: "s1".into(),
                    title: "第一部分".into()
                },
                Section {
                    id: "s2".into(),
                    title: "问答".into()
                }
            ]
        );
        assert!(
            guide.html.contains(r#"<h2 id="s1">第一部分</h2>"#),
            "{}",
            guide.html
        );
        assert!(guide.html.contains(r#"class="inline-cta""#));
        assert!(guide.html.contains(TABLE));
        assert!(!guide.html.contains("<!--"));
        assert_eq!(guide.faqs.len(), 1);
        assert_eq!(guide.faqs[0].question, "多少分才够？");
        assert_eq!(guide.faqs[0].answer, "120分。\n一\n二");
        assert_eq!(guide.published, time::macros::date!(2026 - 11 - 20));
    }

    #[test]
    fn refuses_broken_articles() {
        assert!(parse(&article("没有自测入口。\n"), TABLE).is_err());
        assert!(
            parse(
                &article("<!-- self-test -->\n\n<script>alert(1)</script>\n"),
                TABLE
            )
            .is_err()
        );
        assert!(parse(&article("<!-- self-test -->\n\n# 标题\n"), TABLE).is_err());
        assert!(parse("no front matter", TABLE).is_err());
        let bad_date = article("<!-- self-test -->\n").replace("2026-11-20", "20 Nov");
        assert!(parse(&bad_date, TABLE).is_err());
        // No sources, a bad source, an unanswered question.
        let cut = |text: String| {
            let start = text.find("[[sources]]").unwrap();
            let end = text.find("url = ").unwrap();
            let end = end + text[end..].find('\n').unwrap() + 1;
            format!("{}{}", &text[..start], &text[end..])
        };
        assert!(parse(&cut(article("<!-- self-test -->\n")), TABLE).is_err());
        let bad_url = article("<!-- self-test -->\n").replace("https://example.com/a", "ftp://x");
        assert!(parse(&bad_url, TABLE).is_err());
        let bad_source_date = article("<!-- self-test -->\n").replace("\"2025-07\"", "\"July\"");
        assert!(parse(&bad_source_date, TABLE).is_err());
        assert!(
            parse(
                &article("<!-- self-test -->\n\n### 没有答案？\n\n## 下一节\n"),
                TABLE
            )
            .is_err()
        );
    }

    #[test]
    fn links_must_lead_somewhere() {
        let guides = vec![parse(&article("<!-- self-test -->\n"), TABLE).unwrap()];
        for good in [
            "/self-test",
            "/rules",
            "/guide/x",
            "/guide/x#s2",
            "/consultation?interest=planning",
            "/",
            "#s1",
            "https://zwdt.sh.gov.cn/",
        ] {
            assert!(link_is_valid(good, &guides), "{good}");
        }
        for bad in [
            "/guide/nope",
            "/admin",
            "guide/x",
            "javascript:alert(1)",
            "mailto:a@b.c",
            "#",
            "https://",
            "/self-tset",
        ] {
            assert!(!link_is_valid(bad, &guides), "{bad}");
        }
        let parsed = parse(
            &article("<!-- self-test -->\n\n见[流程](/guide/process)和[规则](/rules)。\n"),
            TABLE,
        )
        .unwrap();
        assert_eq!(parsed.links, ["/guide/process", "/rules"]);
    }

    #[test]
    fn the_wage_table_comes_from_the_engine_data() {
        let html = wage_table_html(&ReferenceWages::bundled());
        for figure in [
            "2023年7月起",
            "11396",
            "9116.8",
            "22792",
            "34188",
            "7471.2",
            "2018年4月–2019年3月",
        ] {
            assert!(html.contains(figure), "{figure}");
        }
        for stale in ["12434", "12307", "12183", "上限"] {
            assert!(!html.contains(stale), "{stale}");
        }
    }

    #[test]
    fn figures_come_from_the_period_in_force() {
        let wages = ReferenceWages::bundled();
        let period = wages
            .current(YearMonth::of(time::macros::date!(2026 - 12 - 02)))
            .unwrap();
        assert_eq!(
            fill_figures(
                "{{wage_from}}起{{wage}}元，3倍不低于{{x3}}，0.8倍{{x0_8}}；{{x1}}/{{x2}}",
                period
            )
            .unwrap(),
            "2023年7月起11396元，3倍不低于34188，0.8倍9116.8；11396/22792"
        );
        let old = wages.current(YearMonth::new(2020, 8).unwrap()).unwrap();
        assert_eq!(fill_figures("{{x0_8}}", old).unwrap(), "7471.2");
        assert!(fill_figures("{{cap}}", period).is_err());
        assert!(fill_figures("{{wage", period).is_err());
        assert_eq!(
            fill_figures("没有占位符 {", period).unwrap(),
            "没有占位符 {"
        );
    }

    #[test]
    fn the_shipped_articles_load() {
        let guides = Guides::load(
            &ReferenceWages::bundled(),
            time::macros::date!(2026 - 12 - 02),
        )
        .unwrap();
        assert!(guides.all().len() >= 8);
        for guide in guides.all() {
            assert!(
                guide.text_chars >= 1500,
                "{} has {} characters",
                guide.slug,
                guide.text_chars
            );
            assert!(guide.sections.len() >= 3, "{} sections", guide.slug);
            assert!(!guide.related.is_empty(), "{} related", guide.slug);
        }
        // Today's figures come from the data; nothing stale, no placeholder left.
        for guide in guides.all() {
            for stale in [
                "12434",
                "12307",
                "12183",
                "9947.2",
                "24868",
                "37302",
                "缴费上限",
                "{{",
                "尚未确认",
            ] {
                assert!(!guide.html.contains(stale), "{}: {stale}", guide.slug);
            }
        }
        for (slug, figure) in [
            ("contribution-base", "34188"),
            ("bonus-indicators", "22792"),
            ("basic-indicators", "11396"),
        ] {
            assert!(
                guides.get(slug).unwrap().html.contains(figure),
                "{slug}: {figure}"
            );
        }
        for guide in guides.all() {
            assert!(
                !guide.sources.is_empty(),
                "{} lists its sources",
                guide.slug
            );
        }
        // Today's figures are placeholders filled from the data, never typed.
        for (file, source) in SOURCES {
            for typed in ["11396", "9116.8", "22792", "34188"] {
                assert!(!source.contains(typed), "{file}.md types {typed}");
            }
        }
        let faq = guides.get("faq").unwrap();
        assert!(faq.faqs.len() >= 25, "{} questions", faq.faqs.len());
        assert!(
            faq.faqs
                .iter()
                .all(|f| !f.question.is_empty() && !f.answer.is_empty())
        );
        assert!(
            guides
                .get("contribution-base")
                .unwrap()
                .html
                .contains("wage-table")
        );
    }
}
