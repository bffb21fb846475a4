//! Every background task of the server, started and stopped in one place:
//! the group-commit writers, the outbox worker, the page-view flusher, the
//! daily retention job and the overdue-lead check. The task bodies live with
//! their logic (`db::group_commit`, `notify::outbox`, `views`,
//! `db::privacy`, `db::alerts`); here are their schedules and their shutdown.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Data;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::assessments::AssessmentWriter;
use crate::db::group_commit::WriterTasks;
use crate::db::leads::LeadWriter;
use crate::notify::outbox::Channels;
use crate::secrets::Secrets;
use crate::settings::Settings;
use crate::web::AppState;

/// How often counted page views are written (at most 10 s, by the issue).
const VIEW_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// The retention job's first run after start; then once a day.
const RETENTION_DELAY: Duration = Duration::from_secs(60);
const RETENTION_PERIOD: Duration = Duration::from_secs(24 * 3600);

/// How long the stop waits for a send in progress (it may take its SMTP
/// timeout; the stop must not).
const OUTBOX_STOP_WAIT: Duration = Duration::from_secs(1);

/// How long the stop waits for the writers to commit what is queued.
const WRITERS_DRAIN_WAIT: Duration = Duration::from_secs(2);

/// The background tasks of one server.
#[derive(Default)]
pub struct Workers {
    writers: WriterTasks,
    jobs: Option<Jobs>,
}

/// The periodic tasks, once the server serves.
struct Jobs {
    state: Data<AppState>,
    stop: watch::Sender<bool>,
    outbox: JoinHandle<()>,
    views: JoinHandle<()>,
    retention: JoinHandle<()>,
    disk: JoinHandle<()>,
    /// Only when a robot is configured: nobody else is told of overdue leads.
    overdue: Option<JoinHandle<()>>,
}

impl Workers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the group-commit writers for leads and self-test results. They
    /// come first: the request state is built around their queues.
    pub fn start_writers(
        &self,
        pool: &crate::db::Db,
        secrets: &Secrets,
        settings: &Settings,
    ) -> (LeadWriter, AssessmentWriter) {
        let leads = LeadWriter::start(
            &self.writers,
            pool.clone(),
            secrets.clone(),
            settings.limits.codes,
            settings.limits.submit.clone(),
            settings.robots.channels(),
        );
        (leads, AssessmentWriter::start(&self.writers, pool.clone()))
    }

    /// Starts the periodic tasks over the serving state.
    pub fn start(&mut self, state: &Data<AppState>, channels: Arc<Channels>) {
        let (stop, stopped) = watch::channel(false);
        let outbox = tokio::spawn(deliver_outbox(state.clone(), channels, stopped));
        let overdue = (!state.settings.robots.channels().is_empty())
            .then(|| tokio::spawn(announce_overdue_leads(state.clone(), stop.subscribe())));
        self.jobs = Some(Jobs {
            state: state.clone(),
            outbox,
            views: tokio::spawn(flush_views_every(state.clone(), VIEW_FLUSH_INTERVAL)),
            retention: tokio::spawn(retention_daily(state.clone(), stop.subscribe())),
            disk: tokio::spawn(guard_disk_space(state.clone())),
            overdue,
            stop,
        });
    }

    /// Stops everything once the server has stopped serving: the outbox
    /// worker finishes its send (for at most a second; unsent mail stays in
    /// the outbox), the writers commit what is queued, and the counted page
    /// views are written one last time.
    pub async fn shutdown(self) {
        let Some(jobs) = self.jobs else {
            self.writers.drain().await;
            return;
        };
        jobs.views.abort();
        let _ = jobs.stop.send(true);
        if tokio::time::timeout(OUTBOX_STOP_WAIT, jobs.outbox)
            .await
            .is_err()
        {
            tracing::warn!(
                "outbox worker did not stop within 1 s; unsent mail stays in the outbox"
            );
        }
        jobs.retention.abort();
        jobs.disk.abort();
        if let Some(overdue) = jobs.overdue {
            overdue.abort();
        }
        if tokio::time::timeout(WRITERS_DRAIN_WAIT, self.writers.drain())
            .await
            .is_err()
        {
            tracing::error!("group-commit writers did not drain within 2 s");
        }
        match jobs.state.views.flush(&jobs.state.db).await {
            Ok(pages) => tracing::info!(pages, "view counts written at shutdown"),
            Err(error) => tracing::error!(%error, "writing view counts at shutdown failed"),
        }
    }
}

/// Sends what is due in the outbox until `stop`: at once, then whenever a
/// new lead wakes it (`outbox_wake`) or every `HUJIFEN_OUTBOX_POLL_MS`.
async fn deliver_outbox(
    state: Data<AppState>,
    channels: Arc<Channels>,
    mut stop: watch::Receiver<bool>,
) {
    let outbox = state.settings.outbox;
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(error) = crate::notify::outbox::process_due(&state.db, &channels, &outbox).await
        {
            tracing::error!(%error, "outbox worker could not read the outbox");
        }
        tokio::select! {
            _ = tokio::time::sleep(outbox.poll) => {}
            _ = state.outbox_wake.notified() => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("outbox worker stopped");
}

/// Writes counted page views every `period`; a failed write is kept for the
/// next one. Stopped by abort: the last write is `shutdown`'s.
async fn flush_views_every(state: Data<AppState>, period: Duration) {
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        if let Err(error) = state.views.flush(&state.db).await {
            tracing::warn!(%error, "writing view counts failed; kept for the next try");
        }
    }
}

/// The disk-space guard, every `HUJIFEN_DISK_CHECK_MS`: the data folder's
/// free space against `HUJIFEN_DISK_WARN_FREE_MB`; below it a log line at
/// each check and an email once a day per level. Stopped by abort.
async fn guard_disk_space(state: Data<AppState>) {
    let disk = state.settings.disk;
    let folder = crate::db::data_folder(&state.settings.database.url)
        .ok()
        .flatten()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let mut every = tokio::time::interval(disk.check);
    loop {
        every.tick().await;
        let free_bytes = match rustix::fs::statvfs(&folder) {
            Ok(stat) => stat.f_bavail.saturating_mul(stat.f_frsize),
            Err(error) => {
                tracing::warn!(%error, folder = %folder.display(), "free disk space unknown");
                continue;
            }
        };
        let folder_name = folder.display().to_string();
        let Some(alert) = crate::notify::disk::alert(free_bytes, disk.warn_free_mb, &folder_name)
        else {
            continue;
        };
        tracing::error!(level = %alert.level, free_mb = alert.free_mb, warn_free_mb = disk.warn_free_mb, folder = %folder_name, "disk space low: writes, leads included, will fail when it runs out");
        let payload = serde_json::to_value(&alert).unwrap_or_default();
        let day = crate::clock::shanghai_today().to_string();
        let key = format!("disk_{}", alert.level);
        let now = crate::clock::unix_now();
        match crate::db::operator_alerts::alert_once_a_day(
            &state.db,
            crate::notify::email::DiskSpaceAlertEmail::KIND,
            &key,
            &day,
            &payload,
            now,
        )
        .await
        {
            Ok(true) => state.outbox_wake.notify_one(),
            Ok(false) => {}
            Err(error) => tracing::error!(%error, "the disk-space alert could not be queued"),
        }
    }
}

/// The privacy duties: a minute after start, then once a day.
async fn retention_daily(state: Data<AppState>, mut stop: watch::Receiver<bool>) {
    let mut daily = tokio::time::interval_at(
        tokio::time::Instant::now() + RETENTION_DELAY,
        RETENTION_PERIOD,
    );
    loop {
        tokio::select! {
            _ = daily.tick() => {}
            _ = stop.changed() => return,
        }
        apply_retention(&state).await;
    }
}

/// This process, as the holder of a job lease.
fn instance_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(crate::tokens::random_token)
}

async fn apply_retention(state: &AppState) {
    // Once a day across instances: whoever takes the lease runs the job;
    // the lease ends a little before the next day's ticks.
    let now = crate::clock::unix_now();
    let until = now + RETENTION_PERIOD.as_secs() as i64 - 600;
    match crate::db::jobs::take_lease(&state.db, "retention", instance_id(), now, until).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!("retention job ran on another instance today");
            return;
        }
        Err(error) => {
            tracing::error!(%error, "retention lease unavailable; will retry tomorrow");
            return;
        }
    }
    let retention = &state.settings.retention;
    let keep = crate::db::privacy::Keep {
        lead_days: retention.lead_days,
        code_hours: retention.code_hours,
        counter_days: retention.counter_days,
        result_days: retention.result_days,
    };
    match crate::db::privacy::apply_retention(&state.db, keep, crate::clock::unix_now()).await {
        Ok(done) => tracing::info!(
            leads_anonymised = done.leads_anonymised,
            codes_deleted = done.codes_deleted,
            sends_deleted = done.sends_deleted,
            results_deleted = done.results_deleted,
            "retention job ran"
        ),
        Err(error) => tracing::error!(%error, "retention job failed; will retry tomorrow"),
    }
}

/// How far back overdue leads are looked for: a robot switched on later
/// does not flood its group with old leads.
const OVERDUE_LOOKBACK_DAYS: i64 = 14;

/// Announces leads that became overdue, every `HUJIFEN_OVERDUE_CHECK_MS`.
/// Every instance checks; each lead is announced once (`db::alerts`).
async fn announce_overdue_leads(state: Data<AppState>, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(state.settings.robots.overdue_check);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        match announce_overdue(&state).await {
            Ok(0) => {}
            Ok(announced) => {
                tracing::info!(announced, "overdue leads announced");
                state.outbox_wake.notify_one();
            }
            Err(error) => tracing::error!(%error, "overdue check failed; will retry"),
        }
    }
}

/// One check: the leads overdue today that nobody announced yet.
async fn announce_overdue(state: &AppState) -> Result<usize, sqlx::Error> {
    let channels = state.settings.robots.channels();
    let today = crate::clock::shanghai_today();
    let since = crate::clock::iso_days_ago(OVERDUE_LOOKBACK_DAYS);
    let mut announced = 0;
    for lead in crate::db::alerts::overdue_candidates(&state.db, &since).await? {
        let overdue = crate::clock::shanghai_date_of(&lead.created_at).is_some_and(|submitted| {
            state
                .calendar
                .lead_is_overdue(true, submitted, false, today)
        });
        if overdue
            && crate::db::alerts::announce_overdue(
                &state.db,
                &lead,
                &channels,
                crate::clock::unix_now(),
            )
            .await?
        {
            tracing::info!(lead_id = lead.id, "overdue lead announced");
            announced += 1;
        }
    }
    Ok(announced)
}
