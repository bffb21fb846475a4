//! The command line: `hujifen` serves the site; `hujifen advisor …` manages
//! advisor accounts on the same database.

use anyhow::{Context, bail};

use crate::advisors::{check_password, check_username, hash_password, random_password};
use crate::db;
use crate::db::advisors::NewAdvisor;

pub const USAGE: &str = "usage:
  hujifen                                   serve the site (settings from the environment)
  hujifen advisor add NAME [--admin] [--email ADDRESS] [--display-name TEXT]
  hujifen advisor set-password NAME
  hujifen advisor disable NAME
  hujifen backup PATH                       write a consistent copy of the database while it runs

New passwords come from HUJIFEN_NEW_PASSWORD when set (at least 15
characters), else a random one is generated and printed once.";

/// Creates the first advisor on a first start with no advisor at all: an
/// admin named `HUJIFEN_ADMIN_USERNAME` (`settings.first_admin.username`), with the
/// password from `HUJIFEN_ADMIN_PASSWORD` or a random one printed once.
pub async fn ensure_first_admin_named(
    pool: &crate::db::Db,
    username: &str,
    configured: Option<&str>,
) -> anyhow::Result<()> {
    if db::advisors::count(pool).await? > 0 {
        return Ok(());
    }
    check_username(username)
        .map_err(|message| anyhow::anyhow!("HUJIFEN_ADMIN_USERNAME: {message}"))?;
    let (password, generated) = match configured {
        Some(password) => {
            check_password(password)
                .map_err(|message| anyhow::anyhow!("HUJIFEN_ADMIN_PASSWORD: {message}"))?;
            (password.to_string(), false)
        }
        None => (random_password(), true),
    };
    let hash = hash_password(&password).map_err(|error| anyhow::anyhow!(error))?;
    db::advisors::insert(
        pool,
        NewAdvisor {
            username,
            display_name: "管理员",
            email: None,
            role: "admin",
            password_hash: &hash,
        },
    )
    .await?;
    if generated {
        // Printed once, to stdout, never to the log.
        println!("Created the first advisor '{username}' with password: {password}");
        println!(
            "Sign in at /admin/login and keep the password somewhere safe; it is not shown again."
        );
    } else {
        println!(
            "Created the first advisor '{username}' with the password from HUJIFEN_ADMIN_PASSWORD."
        );
    }
    Ok(())
}

fn new_password() -> anyhow::Result<(String, bool)> {
    match std::env::var("HUJIFEN_NEW_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        Some(password) => {
            check_password(&password)
                .map_err(|message| anyhow::anyhow!("HUJIFEN_NEW_PASSWORD: {message}"))?;
            Ok((password, false))
        }
        None => Ok((random_password(), true)),
    }
}

fn announce(username: &str, password: &str, generated: bool) {
    if generated {
        println!("Password for '{username}' (shown once): {password}");
    } else {
        println!("Password for '{username}' set from HUJIFEN_NEW_PASSWORD.");
    }
}

/// Runs `hujifen advisor …`.
pub async fn advisor(pool: &crate::db::Db, args: &[String]) -> anyhow::Result<()> {
    let (command, name) = match args {
        [command, name, ..] => (command.as_str(), name.to_lowercase()),
        _ => bail!("{USAGE}"),
    };
    let options = &args[2..];
    let option = |flag: &str| {
        options
            .iter()
            .position(|arg| arg == flag)
            .and_then(|index| options.get(index + 1))
            .cloned()
    };
    match command {
        "add" => {
            check_username(&name).map_err(|message| anyhow::anyhow!(message))?;
            let (password, generated) = new_password()?;
            let hash = hash_password(&password).map_err(|error| anyhow::anyhow!(error))?;
            let display_name = option("--display-name").unwrap_or_else(|| name.clone());
            let length = display_name.chars().count();
            if length == 0
                || length > 32
                || crate::leads::form::has_invisible_character(&display_name, false)
                || !crate::leads::form::has_visible_character(&display_name)
            {
                anyhow::bail!(
                    "--display-name: 1 to 32 characters, without control or format characters"
                );
            }
            let email = option("--email");
            let role = if options.iter().any(|arg| arg == "--admin") {
                "admin"
            } else {
                "advisor"
            };
            let created = db::advisors::insert(
                pool,
                NewAdvisor {
                    username: &name,
                    display_name: &display_name,
                    email: email.as_deref(),
                    role,
                    password_hash: &hash,
                },
            )
            .await?;
            if created.is_none() {
                bail!("an advisor named '{name}' already exists");
            }
            println!("Added {role} '{name}'.");
            announce(&name, &password, generated);
        }
        "set-password" => {
            let advisor = db::advisors::by_username(pool, &name)
                .await?
                .with_context(|| format!("no advisor named '{name}'"))?;
            let (password, generated) = new_password()?;
            let hash = hash_password(&password).map_err(|error| anyhow::anyhow!(error))?;
            db::advisors::set_password(pool, advisor.id, &hash).await?;
            announce(&name, &password, generated);
            println!("Their open sessions were ended.");
        }
        "disable" => {
            let advisor = db::advisors::by_username(pool, &name)
                .await?
                .with_context(|| format!("no advisor named '{name}'"))?;
            db::advisors::disable(pool, advisor.id).await?;
            println!("Disabled '{name}' and ended their sessions.");
        }
        _ => bail!("{USAGE}"),
    }
    Ok(())
}
