//! The real binary as a separate process: for kill -9, SIGTERM, backups and
//! the captured log.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    pub child: Child,
    pub address: String,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts `hujifen` on a free port over the data folder; waits until it serves.
    pub fn start(folder: &Path, extra: &[(&str, &str)]) -> Self {
        let log = folder.join(format!(
            "server-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let file = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_hujifen"));
        command
            .env("HUJIFEN_LISTEN", "127.0.0.1:0")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/hujifen.db", folder.display()),
            )
            .env(
                "HUJIFEN_SMS",
                format!("file:{}/sms.jsonl", folder.display()),
            )
            .env("HUJIFEN_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD)
            .env("HUJIFEN_SESSION_KEY", crate::helpers::TEST_SESSION_KEY)
            .env("HUJIFEN_CAPTCHA_MAX_NUMBER", "2000")
            .env("HUJIFEN_WORKERS", "1")
            .env("HUJIFEN_LOG_FORMAT", "json")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        for (name, value) in extra {
            command.env(name, value);
        }
        // Owned by the struct at once, so a failed start is still killed and reaped.
        let mut server = Self {
            child: command.spawn().expect("start hujifen"),
            address: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = server.log_text();
            if let Some(address) = text
                .lines()
                .filter(|line| line.contains("\"serving\""))
                .find_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .and_then(|line| line["fields"]["address"].as_str().map(String::from))
            {
                server.address = format!("http://{address}");
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The JSON log lines whose message is `message`, once the first has
    /// been written (at most 10 s) and half a second more has passed for
    /// any that would follow it: the log is written off the request path.
    pub async fn settled_lines(&self, message: &str) -> Vec<serde_json::Value> {
        let lines = || -> Vec<serde_json::Value> {
            self.log_text()
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter(|line| line["fields"]["message"] == message)
                .collect()
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while lines().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        lines()
    }

    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; None on timeout.
    pub fn wait_for_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
