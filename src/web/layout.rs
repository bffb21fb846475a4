//! What the base layout needs from every page: title, description, canonical
//! link, Open Graph and structured data, who runs the site; and the offers
//! shown site-wide.

use std::sync::Arc;

use serde_json::Value;

use crate::settings::{OperatorSettings, Settings};

pub const SITE_NAME: &str = "沪积分";

/// What every page shows the same way, whoever asks: the site's address,
/// who runs it (the footer, `/privacy`) and its share card. Built once at
/// start from the settings and shared, never a global: one process may run
/// several apps with different settings (the tests do).
#[derive(Debug)]
pub struct Site {
    /// `HUJIFEN_PUBLIC_URL`, without a trailing slash.
    pub public_url: String,
    pub operator: OperatorSettings,
    /// The share card's absolute URL, for `og:image`.
    pub share_card: String,
}

impl Site {
    pub fn new(settings: &Settings) -> Arc<Self> {
        Arc::new(Self::at(
            &settings.server.public_url,
            settings.operator.clone(),
        ))
    }

    fn at(public_url: &str, operator: OperatorSettings) -> Self {
        Self {
            public_url: public_url.to_string(),
            operator,
            share_card: format!(
                "{public_url}{}",
                super::assets::href(super::assets::SHARE_CARD)
            ),
        }
    }

    /// A site with no address and no operator: for a page rendered
    /// outside a running app (an error page in a unit test).
    pub fn unnamed() -> Arc<Self> {
        Arc::new(Self::at("", OperatorSettings::default()))
    }
}

pub struct PageMeta {
    pub site: Arc<Site>,
    pub title: String,
    pub description: String,
    /// Absolute URL from `HUJIFEN_PUBLIC_URL`; None on private pages.
    pub canonical: Option<String>,
    /// Open Graph type: "website" or "article".
    pub og_type: &'static str,
    /// JSON-LD blocks, each already safe to place inside a script element.
    pub json_ld: Vec<String>,
    pub noindex: bool,
    /// `og:url` of a page that is shared but not indexed (a result).
    pub share_url: Option<String>,
}

impl PageMeta {
    /// A public page that search engines should index.
    pub fn public(
        site: &Arc<Site>,
        path: &str,
        title: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            canonical: Some(format!("{}{path}", site.public_url)),
            site: Arc::clone(site),
            title: title.into(),
            description: description.into(),
            og_type: "website",
            json_ld: Vec::new(),
            noindex: false,
            share_url: None,
        }
    }

    /// A page that is nobody's search result (results, errors).
    pub fn private(
        site: &Arc<Site>,
        title: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            site: Arc::clone(site),
            title: title.into(),
            description: description.into(),
            canonical: None,
            og_type: "website",
            json_ld: Vec::new(),
            noindex: true,
            share_url: None,
        }
    }

    pub fn article(mut self) -> Self {
        self.og_type = "article";
        self
    }

    pub fn with_json_ld(mut self, value: &Value) -> Self {
        self.json_ld.push(script_safe_json(value));
        self
    }
}

/// JSON that cannot close its script element or open a comment.
pub fn script_safe_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Points as a breakdown shows them: "+30", "−50" (a real minus), "0".
pub fn signed_points(points: i32) -> String {
    match points {
        p if p > 0 => format!("+{p}"),
        p if p < 0 => format!("−{}", -p),
        _ => "0".into(),
    }
}

/// A free offer; each leads to the consultation form with its interest.
/// Every offer is delivered by an advisor's call back, so each blurb says
/// what the call brings, and the list says a mainland mobile is needed
/// (`OFFERS_NEED_A_PHONE`).
pub struct Offer {
    pub title: &'static str,
    pub blurb: &'static str,
    pub interest: &'static str,
}

pub const OFFERS: [Offer; 4] = [
    Offer {
        title: "积分落户指南免费领",
        blurb: "顾问回电，用一份路线图讲清从居住证积分到落户的每一步",
        interest: "guide",
    },
    Offer {
        title: "最新最全内部资料免费领",
        blurb: "顾问回电后发你整理好的材料清单和常见退件原因",
        interest: "materials",
    },
    Offer {
        title: "专业顾问一对一定制规划",
        blurb: "顾问回电，按你的情况算清还差几分、怎样最快补上",
        interest: "planning",
    },
    Offer {
        title: "最新资讯每天分享",
        blurb: "政策调整、社平工资更新，顾问第一时间打电话告诉你",
        interest: "news",
    },
];

/// Said under every list of offers: how they are delivered, and so what
/// a visitor must leave to get one.
pub const OFFERS_NEED_A_PHONE: &str =
    "以上服务均由顾问电话回访提供，领取需留下中国大陆手机号，顾问会在1个工作日内回电。";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_break_out_of_its_script() -> Result<(), serde_json::Error> {
        let text = script_safe_json(
            &serde_json::json!({"name": "</script><script>alert(1)</script> & <!--"}),
        );
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text)?;
        assert_eq!(back["name"], "</script><script>alert(1)</script> & <!--");
        Ok(())
    }
}
