//! A start that cannot work stops at once: one line on stderr, a non-zero
//! exit, and nothing left behind (no stray file, no half-started server).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary to serve in `folder` with `env`; it must exit by itself.
pub(crate) fn start(folder: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hujifen"));
    command
        .current_dir(folder)
        .env_clear()
        .env("HUJIFEN_LISTEN", "127.0.0.1:0")
        .env("HUJIFEN_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start hujifen");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started instead of refusing: {env:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// Exit 1, and stderr is one line starting with `Error: ` and containing `part`.
pub(crate) fn assert_refused(output: &Output, part: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("Error: ") && stderr.contains(part),
        "{stderr}"
    );
}

fn files_in(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .expect("folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn another_scheme_is_refused_without_a_stray_file() {
    let folder = tempfile::tempdir().expect("temp dir");
    for url in [
        "mysql://root@127.0.0.1/hujifen",
        "data/hujifen.db",
        "postgres:",
    ] {
        let output = start(folder.path(), &[("DATABASE_URL", url)]);
        if url == "postgres:" {
            // A PostgreSQL URL without a key is refused for the key first.
            assert_refused(&output, "HUJIFEN_SESSION_KEY is required with PostgreSQL");
        } else {
            assert_refused(&output, "DATABASE_URL must start with sqlite://");
        }
        assert_eq!(files_in(folder.path()), Vec::<String>::new(), "{url}");
    }
}

#[test]
fn postgresql_needs_the_session_key_before_any_connection() {
    let folder = tempfile::tempdir().expect("temp dir");
    // Nothing listens on port 9: were a connection tried first, the error
    // would be about the connection.
    let output = start(
        folder.path(),
        &[(
            "DATABASE_URL",
            "postgres://hujifen:secret@127.0.0.1:9/hujifen",
        )],
    );
    assert_refused(&output, "HUJIFEN_SESSION_KEY is required with PostgreSQL");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("secret@"));
    assert_eq!(files_in(folder.path()), Vec::<String>::new());
}

#[test]
fn a_refused_connection_is_one_line_without_the_password() {
    let folder = tempfile::tempdir().expect("temp dir");
    let output = start(
        folder.path(),
        &[
            (
                "DATABASE_URL",
                "postgres://hujifen:secret@127.0.0.1:9/hujifen",
            ),
            ("HUJIFEN_SESSION_KEY", crate::helpers::TEST_SESSION_KEY),
        ],
    );
    assert_refused(
        &output,
        "connecting to postgres://hujifen:***@127.0.0.1:9/hujifen",
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("secret"));
    assert_eq!(files_in(folder.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_database_of_a_newer_version_is_refused() {
    let folder = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/hujifen.db", folder.path().display());
    let db = hujifen::db::connect(&url).await.expect("migrates");
    // A migration this build does not know: the database is newer than it.
    hujifen::db::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (29991231000000, 'from the future', TRUE, x'00', 0)",
    )
    .execute(&db)
    .await
    .expect("insert");
    db.close().await;
    let output = start(
        folder.path(),
        &[
            ("DATABASE_URL", url.as_str()),
            ("HUJIFEN_SESSION_KEY", crate::helpers::TEST_SESSION_KEY),
        ],
    );
    assert_refused(&output, "applying migrations");
}
