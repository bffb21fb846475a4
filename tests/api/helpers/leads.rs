//! A visitor's side of callback requests: solving the proof of work,
//! receiving the code by SMS, and leaving the form.

use reqwest::Response;

use super::{Page, TestApp};

impl TestApp {
    /// The SMS the file sender wrote, oldest first.
    pub fn sms_sent(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.data.path().join("sms.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect()
    }

    /// The code in the latest SMS to `phone`.
    pub fn last_code_for(&self, phone: &str) -> String {
        let message = self
            .sms_sent()
            .into_iter()
            .rev()
            .find(|m| m["to"] == phone)
            .unwrap_or_else(|| panic!("no SMS to {phone}"));
        let text = message["text"].as_str().unwrap().to_string();
        let digits: String = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .expect("a 6-digit code in the text")
            .to_string();
        digits
    }

    /// Fetches a challenge and solves it like the browser script does.
    pub async fn solved_altcha(&self) -> String {
        let challenge: serde_json::Value = self
            .get("/verification-codes/challenge")
            .await
            .json()
            .await
            .expect("challenge JSON");
        solve_altcha(&challenge)
    }

    /// Asks for a code with a solved proof of work, as the script does.
    pub async fn request_code(&self, phone: &str) -> Response {
        let altcha = self.solved_altcha().await;
        self.client
            .post(self.url("/verification-codes"))
            .header("accept", "application/json")
            .form(&[("phone", phone), ("altcha", altcha.as_str())])
            .send()
            .await
            .expect("POST /verification-codes")
    }

    /// The hidden fields of a freshly rendered callback form (the proof of
    /// work left out: the script fills it in).
    pub async fn fresh_form(&self, path: &str) -> Vec<(String, String)> {
        let page = Page::from(self.get(path).await).await;
        page.hidden_fields("#callback-form")
            .into_iter()
            .filter(|(name, _)| name != "altcha")
            .collect()
    }

    /// Leaves a callback request the way a visitor does: a code, then the
    /// form at `form_path` with its hidden fields, `name`, `phone`, the
    /// code, consent, and `extra`.
    pub async fn leave_callback(
        &self,
        form_path: &str,
        name: &str,
        phone: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let sent = self.request_code(phone).await;
        assert_eq!(sent.status(), 200);
        let code = self.last_code_for(phone);
        let mut form = self.fresh_form(form_path).await;
        let typed = [
            ("name", name),
            ("phone", phone),
            ("code", &code),
            ("consent", "on"),
        ];
        form.extend(
            typed
                .iter()
                .chain(extra)
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        self.client
            .post(self.url("/consultations"))
            .form(&form)
            .send()
            .await
            .expect("POST /consultations")
    }
}

/// ALTCHA v1: the n with SHA-256(salt + n) = challenge, as base64 JSON.
pub fn solve_altcha(challenge: &serde_json::Value) -> String {
    use base64::Engine;
    use sha2::Digest;
    let salt = challenge["salt"].as_str().expect("salt");
    let target = challenge["challenge"].as_str().expect("challenge");
    let max = challenge["maxnumber"].as_u64().expect("maxnumber");
    let number = (0..=max)
        .find(|n| {
            let digest = sha2::Sha256::digest(format!("{salt}{n}").as_bytes());
            hujifen::secrets::hex(&digest) == target
        })
        .expect("solvable");
    let payload = serde_json::json!({
        "algorithm": challenge["algorithm"],
        "challenge": target,
        "number": number,
        "salt": salt,
        "signature": challenge["signature"],
    });
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}
