//! `jstac schedule`: the unattended daemon.
//!
//! Configured by `[schedule]` in the settings ([`ScheduleSettings`]): per
//! pipeline an inbox folder and/or a cron expression.
//!
//! **Inboxes are polled** (every `poll_seconds`), not watched with inotify:
//! polling works the same on local disks, NFS and SMB shares, where file
//! events are unreliable, and a file is only taken once its size and
//! modification time were the same in **two consecutive polls**, so a file
//! still being copied is left alone. Names starting with `.` or ending in
//! `.part` are never taken (write `NAME.part`, then rename it to `NAME`).
//!
//! Folder layout, inside each inbox:
//!
//! ```text
//! INBOX/NAME                          a new file
//! INBOX/processing/HOST.PID/NAME      claimed by daemon PID on HOST, running
//! INBOX/archive/YYYY-MM-DD/NAME       loaded (or already in the ledger)
//! INBOX/failed/YYYY-MM-DD/NAME        rejected (exit 65), crashed (a signal) or
//! INBOX/failed/YYYY-MM-DD/NAME.error.txt   failed otherwise; why, without values
//! ```
//!
//! **Claim**: a daemon takes a file by `rename(2)`-ing it into its own
//! `processing/HOST.PID/` folder. Within one file system the rename is
//! atomic, so of several daemons watching one inbox exactly one succeeds;
//! the others see the file gone and leave it. A daemon recovers, at start
//! and every poll, the files of `processing/HOST.PID/` folders whose
//! process is gone on this host (it was killed), putting them back in the
//! inbox. Exactly-once loading itself comes from the warehouse ledger: a
//! file whose pipeline and SHA-256 are already in `source_files` is skipped
//! by the child run, and archived.
//!
//! **Each file runs in a child process** (`jstac run PIPELINE --file
//! PATH`), so a plugin that segfaults or aborts ends that run alone. The
//! child is in its own process group (a terminal's Ctrl-C reaches only the
//! daemon) and, on Linux, dies with the daemon (`PR_SET_PDEATHSIG`): a
//! daemon killed outright leaves no orphan committing later; its file's
//! transaction rolls back and the file is recovered. By the child's exit:
//! `0` archive; `69` (infrastructure) or `78` (a pipeline or setting
//! wrong: not the file's fault) back into the inbox, retried after
//! `poll_seconds × 2^attempts`, capped at `max_backoff_seconds`; any other
//! code (`65` bad data, `70` a plugin panicked or broke its contract) or a
//! signal: `failed/` with the sidecar.
//!
//! **Cron** uses the `croner` crate: maintained, parses the standard
//! 5-field syntax (and seconds, `L`, `#`, `W`), and computes the next
//! occurrence from a `chrono` time, which jstac already uses. At each
//! occurrence the whole pipeline (`jstac run PIPELINE`) runs in a child;
//! a run still going when the next occurrence comes is not doubled.
//!
//! **Shutdown**: SIGTERM or SIGINT stops new runs; running children are
//! sent nothing and finish their file (or roll it back); then exit 0.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, ExitStatus, Stdio};
use std::str::FromStr as _;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use chrono::{DateTime, Utc};
use croner::Cron;
use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinSet;

use crate::exit::Failure;
use crate::run::{host_name, process_alive};
use crate::settings::{ScheduleSettings, Settings};

/// One scheduled pipeline and what the daemon knows about it.
struct Watch {
    pipeline: PathBuf,
    name: String,
    inbox: Option<Inbox>,
    cron: Option<Cron>,
    next_cron: Option<DateTime<Utc>>,
    /// `[schedule] retain`: the cron job is `jstac retain --apply`, not a
    /// pipeline's run.
    retain: bool,
    /// A child of this pipeline is running: one at a time per pipeline.
    busy: bool,
    /// Size and modification time of each inbox file at the last poll.
    seen: HashMap<OsString, (u64, SystemTime)>,
    /// Files sent back after exit 69 or 78: attempts so far, next try.
    backoff: HashMap<OsString, (u32, Instant)>,
}

#[derive(Debug, Clone)]
struct Inbox {
    dir: PathBuf,
    /// This daemon's claim folder: `processing/HOST.PID`.
    mine: PathBuf,
}

/// What a finished job tells the loop.
enum Done {
    File { name: OsString, retry: bool },
    Cron,
}

fn config_error(message: impl std::fmt::Display) -> Result<ExitCode> {
    eprintln!("error: schedule: {message}");
    Ok(ExitCode::from(Failure::Config.exit_code()))
}

pub async fn run(child_args: &[OsString], settings: Settings) -> Result<ExitCode> {
    let _ = CHILD_WAREHOUSE_URL.set(settings.warehouse_url.clone());
    // Handlers first: from here on SIGTERM means "stop cleanly".
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;

    let config = settings.schedule.clone();
    let (Ok(poll), Ok(max_backoff)) = (
        Duration::try_from_secs_f64(config.poll_seconds),
        Duration::try_from_secs_f64(config.max_backoff_seconds),
    ) else {
        return config_error("poll_seconds and max_backoff_seconds must be positive numbers");
    };
    if poll.is_zero() {
        return config_error("poll_seconds must be above 0");
    }
    let watches = match watches(&config) {
        Ok(watches) => watches,
        Err(message) => return config_error(message),
    };
    let mut watches = watches;
    let exe = std::env::current_exe()?;
    let host = host_name();
    tracing::info!(
        pipelines = watches.len(),
        poll_seconds = config.poll_seconds,
        "schedule started"
    );

    let mut jobs: JoinSet<(usize, Done)> = JoinSet::new();
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = terminate.recv() => {
                tracing::info!(running = jobs.len(), "SIGTERM: no new runs; waiting for running files");
                break;
            }
            _ = interrupt.recv() => {
                tracing::info!(running = jobs.len(), "SIGINT: no new runs; waiting for running files");
                break;
            }
            Some(joined) = jobs.join_next(), if !jobs.is_empty() => {
                finished(&mut watches, joined, poll, max_backoff);
            }
            _ = tick.tick() => {
                for (index, watch) in watches.iter_mut().enumerate() {
                    if watch.busy {
                        continue;
                    }
                    if let Some(job) = next_job(watch, &host) {
                        watch.busy = true;
                        let exe = exe.clone();
                        let args = child_args.to_vec();
                        let pipeline = watch.pipeline.clone();
                        let name = watch.name.clone();
                        let retain = watch.retain;
                        let warehouse_url = settings.warehouse_url.clone();
                        jobs.spawn(async move {
                            let done = match job {
                                Job::File(inbox, file) => {
                                    run_file(&exe, &args, &pipeline, &name, &inbox, file, &warehouse_url).await
                                }
                                Job::Cron => {
                                    let command: Vec<OsString> = if retain {
                                        vec!["retain".into(), "--apply".into()]
                                    } else {
                                        vec!["run".into(), pipeline.into_os_string()]
                                    };
                                    run_cron(&exe, &args, &command, &name).await;
                                    Done::Cron
                                }
                            };
                            (index, done)
                        });
                    }
                }
            }
        }
    }
    while let Some(joined) = jobs.join_next().await {
        finished(&mut watches, joined, poll, max_backoff);
    }
    for inbox in watches.iter().filter_map(|w| w.inbox.as_ref()) {
        // Empty now; fails harmlessly if not (nothing is lost either way).
        let _ = std::fs::remove_dir(&inbox.mine);
    }
    tracing::info!("schedule stopped");
    Ok(ExitCode::SUCCESS)
}

fn watches(config: &ScheduleSettings) -> Result<Vec<Watch>, String> {
    if config.pipelines.is_empty() && config.retain.is_none() {
        return Err(
            "no [[schedule.pipelines]] and no [schedule] retain in the settings: nothing to do"
                .into(),
        );
    }
    let host = host_name();
    let pid = std::process::id();
    let mut watches = Vec::new();
    for (i, entry) in config.pipelines.iter().enumerate() {
        let at = format!("schedule.pipelines[{i}]");
        if entry.inbox.is_none() && entry.cron.is_none() {
            return Err(format!("{at}: give an inbox, a cron expression, or both"));
        }
        if !entry.pipeline.is_file() {
            return Err(format!(
                "{at}.pipeline: {} is not a file",
                entry.pipeline.display()
            ));
        }
        let cron = match &entry.cron {
            Some(text) => {
                Some(Cron::from_str(text).map_err(|e| format!("{at}.cron {text:?}: {e}"))?)
            }
            None => None,
        };
        let inbox = match &entry.inbox {
            Some(dir) => {
                let mine = dir.join("processing").join(format!("{host}.{pid}"));
                for folder in [&mine, &dir.join("archive"), &dir.join("failed")] {
                    std::fs::create_dir_all(folder)
                        .map_err(|e| format!("{at}.inbox: creating {}: {e}", folder.display()))?;
                }
                Some(Inbox {
                    dir: dir.clone(),
                    mine,
                })
            }
            None => None,
        };
        let next_cron = cron.as_ref().and_then(|c| next_occurrence(c, Utc::now()));
        watches.push(Watch {
            name: entry
                .pipeline
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| entry.pipeline.display().to_string()),
            pipeline: entry.pipeline.clone(),
            inbox,
            cron,
            next_cron,
            retain: false,
            busy: false,
            seen: HashMap::new(),
            backoff: HashMap::new(),
        });
    }
    if let Some(text) = &config.retain {
        let cron = Cron::from_str(text).map_err(|e| format!("schedule.retain {text:?}: {e}"))?;
        watches.push(Watch {
            name: "retain".to_owned(),
            pipeline: PathBuf::new(),
            inbox: None,
            next_cron: next_occurrence(&cron, Utc::now()),
            cron: Some(cron),
            retain: true,
            busy: false,
            seen: HashMap::new(),
            backoff: HashMap::new(),
        });
    }
    Ok(watches)
}

fn next_occurrence(cron: &Cron, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&after, false).ok()
}

enum Job {
    File(Inbox, PathBuf),
    Cron,
}

/// What to start for an idle pipeline: a due cron run first, else the next
/// inbox file that is stable, not backing off, and claimed by this daemon.
fn next_job(watch: &mut Watch, host: &str) -> Option<Job> {
    let now = Utc::now();
    if let (Some(cron), Some(due)) = (&watch.cron, watch.next_cron)
        && due <= now
    {
        watch.next_cron = next_occurrence(cron, now);
        return Some(Job::Cron);
    }
    let inbox = watch.inbox.clone()?;
    recover_orphans(&inbox, host);
    let entries = match std::fs::read_dir(&inbox.dir) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::error!(pipeline = %watch.name, inbox = %inbox.dir.display(), error = %e, "cannot list the inbox");
            return None;
        }
    };
    let mut current: HashMap<OsString, (u64, SystemTime)> = HashMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if text.starts_with('.') || text.ends_with(".part") {
            continue;
        }
        // Not followed: a symlink or folder in the inbox is not a new file.
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let Ok(modified) = meta.modified() else {
            continue;
        };
        current.insert(name, (meta.len(), modified));
    }
    let previous = std::mem::replace(&mut watch.seen, current);
    watch
        .backoff
        .retain(|name, _| watch.seen.contains_key(name));
    let instant = Instant::now();
    let mut ready: Vec<&OsString> = watch
        .seen
        .iter()
        .filter(|(name, state)| previous.get(*name) == Some(*state))
        .filter(|(name, _)| {
            watch
                .backoff
                .get(*name)
                .is_none_or(|(_, at)| *at <= instant)
        })
        .map(|(name, _)| name)
        .collect();
    ready.sort();
    for name in ready {
        let claimed = inbox.mine.join(name);
        match std::fs::rename(inbox.dir.join(name), &claimed) {
            Ok(()) => {
                tracing::info!(pipeline = %watch.name, file = %claimed.display(), "claimed");
                return Some(Job::File(inbox, claimed));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Another daemon claimed it first.
                tracing::debug!(pipeline = %watch.name, file = ?name, "claimed by another daemon");
            }
            Err(e) => {
                tracing::error!(pipeline = %watch.name, file = ?name, error = %e, "cannot claim");
            }
        }
    }
    None
}

/// Puts back into the inbox the files of claim folders whose daemon (on
/// this host) is gone. Folders of other hosts are left alone.
fn recover_orphans(inbox: &Inbox, host: &str) {
    let Ok(entries) = std::fs::read_dir(inbox.dir.join("processing")) else {
        return;
    };
    for entry in entries.flatten() {
        let folder = entry.path();
        if folder == inbox.mine {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((owner_host, pid)) = name.rsplit_once('.') else {
            continue;
        };
        let Ok(pid) = pid.parse::<i64>() else {
            continue;
        };
        if owner_host != host || process_alive(pid) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(&folder) else {
            continue;
        };
        for file in files.flatten() {
            let to = free_name(&inbox.dir, &file.file_name());
            match std::fs::rename(file.path(), &to) {
                Ok(()) => tracing::warn!(
                    file = %to.display(),
                    "recovered from a daemon that ended while running it; back in the inbox"
                ),
                Err(e) => {
                    tracing::error!(file = %file.path().display(), error = %e, "cannot recover")
                }
            }
        }
        // Fails, harmlessly, if another daemon is recovering it too.
        let _ = std::fs::remove_dir(&folder);
    }
}

fn finished(
    watches: &mut [Watch],
    joined: std::result::Result<(usize, Done), tokio::task::JoinError>,
    poll: Duration,
    max_backoff: Duration,
) {
    let (index, done) = match joined {
        Ok(done) => done,
        Err(e) => {
            // A job task cannot panic on purpose; should one, its pipeline
            // stays busy rather than risk running a file twice.
            tracing::error!(error = %e, "a scheduler job ended abnormally");
            return;
        }
    };
    let Some(watch) = watches.get_mut(index) else {
        return;
    };
    watch.busy = false;
    if let Done::File { name, retry } = done {
        if retry {
            let attempts = watch.backoff.get(&name).map_or(0, |(n, _)| *n) + 1;
            let delay = poll
                .saturating_mul(1u32 << attempts.min(20))
                .min(max_backoff.max(poll));
            tracing::warn!(pipeline = %watch.name, file = ?name, attempts, retry_in_seconds = delay.as_secs_f64(), "will retry");
            watch
                .backoff
                .insert(name.clone(), (attempts, Instant::now() + delay));
            // The file is back in the inbox: it must look stable again
            // before it is claimed, which the backoff already exceeds.
        } else {
            watch.backoff.remove(&name);
        }
    }
}

/// The warehouse URL children are given, in their environment rather than
/// on their command line: a PostgreSQL URL may hold a password, and every
/// local user can read a process's arguments.
static CHILD_WAREHOUSE_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn child_command(exe: &Path, args: &[OsString]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(exe);
    if let Some(url) = CHILD_WAREHOUSE_URL.get() {
        command.env("JSTAC_WAREHOUSE_URL", url);
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A terminal's Ctrl-C reaches the daemon only; it lets children finish.
        .process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: the closure runs in the forked child before exec and makes
    // one async-signal-safe system call.
    unsafe {
        command.pre_exec(|| {
            // Die with the daemon: an orphan must not commit a file the
            // next daemon recovers and runs again.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "signal",
    }
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("killed by signal {signal} ({})", signal_name(signal)),
        _ => "ended without an exit code".into(),
    }
}

async fn run_file(
    exe: &Path,
    args: &[OsString],
    pipeline: &Path,
    name: &str,
    inbox: &Inbox,
    claimed: PathBuf,
    warehouse_url: &str,
) -> Done {
    let file_name = claimed.file_name().map(OsString::from).unwrap_or_default();
    let output = child_command(exe, args)
        .arg("run")
        .arg(pipeline)
        .arg("--file")
        .arg(&claimed)
        .output()
        .await;
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            tracing::error!(pipeline = %name, file = %claimed.display(), error = %e, "cannot start jstac run");
            put_back(inbox, &claimed);
            return Done::File {
                name: file_name,
                retry: true,
            };
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let status = describe(output.status);
    for line in stdout.lines() {
        tracing::info!(pipeline = %name, file = %claimed.display(), "{line}");
    }
    let day = Utc::now().format("%Y-%m-%d").to_string();
    match output.status.code() {
        Some(0) => {
            let to = free_name(&inbox.dir.join("archive").join(&day), &file_name);
            match move_file(&claimed, &to) {
                Ok(()) => {
                    tracing::info!(pipeline = %name, file = %to.display(), "loaded; archived")
                }
                Err(e) => {
                    tracing::error!(pipeline = %name, file = %claimed.display(), error = %e, "loaded, but cannot archive")
                }
            }
            Done::File {
                name: file_name,
                retry: false,
            }
        }
        Some(code)
            if code == i32::from(Failure::Infrastructure.exit_code())
                || code == i32::from(Failure::Config.exit_code()) =>
        {
            for line in stderr.lines() {
                tracing::error!(pipeline = %name, file = %claimed.display(), "{line}");
            }
            tracing::warn!(pipeline = %name, file = %claimed.display(), status = %status, "not the file's fault; back to the inbox");
            put_back(inbox, &claimed);
            Done::File {
                name: file_name,
                retry: true,
            }
        }
        _ => {
            if output.status.code().is_none() {
                // The child could not mark its run failed: do it for it.
                mark_interrupted(warehouse_url).await;
            }
            let folder = inbox.dir.join("failed").join(&day);
            let to = free_name(&folder, &file_name);
            let mut sidecar_name = to.file_name().map(OsString::from).unwrap_or_default();
            sidecar_name.push(".error.txt");
            let sidecar = folder.join(sidecar_name);
            let mut text = format!("jstac run {}: {status}\n", pipeline.display());
            for line in stderr.lines() {
                text.push_str(line);
                text.push('\n');
            }
            tracing::error!(pipeline = %name, file = %claimed.display(), status = %status, "failed");
            for line in stderr.lines() {
                tracing::error!(pipeline = %name, file = %claimed.display(), "{line}");
            }
            let written = std::fs::create_dir_all(&folder)
                .and_then(|()| std::fs::write(&sidecar, text))
                .and_then(|()| std::fs::rename(&claimed, &to));
            match written {
                Ok(()) => tracing::info!(pipeline = %name, file = %to.display(), "moved to failed"),
                Err(e) => {
                    tracing::error!(pipeline = %name, file = %claimed.display(), error = %e, "cannot move to failed")
                }
            }
            Done::File {
                name: file_name,
                retry: false,
            }
        }
    }
}

async fn mark_interrupted(warehouse_url: &str) {
    match jstac_warehouse::Warehouse::open(warehouse_url).await {
        Ok(warehouse) => {
            if let Err(e) = warehouse
                .fail_interrupted_runs(&host_name(), process_alive)
                .await
            {
                tracing::warn!(error = %e, "cannot mark the crashed run failed");
            }
            warehouse.close().await;
        }
        Err(e) => tracing::warn!(error = %e, "cannot mark the crashed run failed"),
    }
}

/// `jstac run PIPELINE` (or `jstac retain --apply`) on its cron line.
async fn run_cron(exe: &Path, args: &[OsString], command: &[OsString], name: &str) {
    tracing::info!(pipeline = %name, "cron: running the pipeline");
    match child_command(exe, args).args(command).output().await {
        Ok(output) => {
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                tracing::info!(pipeline = %name, "{line}");
            }
            for line in String::from_utf8_lossy(&output.stderr).lines() {
                tracing::error!(pipeline = %name, "{line}");
            }
            if output.status.code().is_none() {
                tracing::error!(pipeline = %name, status = %describe(output.status), "cron run crashed");
            } else {
                tracing::info!(pipeline = %name, status = %describe(output.status), "cron run ended");
            }
        }
        Err(e) => tracing::error!(pipeline = %name, error = %e, "cannot start jstac"),
    }
}

/// Back into the inbox, for another try.
fn put_back(inbox: &Inbox, claimed: &Path) {
    let name = claimed.file_name().map(OsString::from).unwrap_or_default();
    let to = free_name(&inbox.dir, &name);
    if let Err(e) = std::fs::rename(claimed, &to) {
        tracing::error!(file = %claimed.display(), error = %e, "cannot put back into the inbox");
    }
}

fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::rename(from, to)
}

/// `folder/NAME`, or `folder/NAME.1`, `NAME.2`, … if taken (a file sent
/// twice the same day keeps both copies).
fn free_name(folder: &Path, name: &std::ffi::OsStr) -> PathBuf {
    let first = folder.join(name);
    if !first.exists() {
        return first;
    }
    (1u32..)
        .map(|n| {
            let mut numbered = name.to_owned();
            numbered.push(format!(".{n}"));
            folder.join(numbered)
        })
        .find(|path| !path.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_expressions_parse_with_five_or_six_fields() {
        let cron = Cron::from_str("15 2 * * *").expect("5 fields");
        let now = DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let next = next_occurrence(&cron, now).expect("next");
        assert_eq!(next.to_rfc3339(), "2026-11-30T02:15:00+00:00");
        assert!(Cron::from_str("*/5 * * * * *").is_ok());
        assert!(Cron::from_str("not cron").is_err());
    }

    #[test]
    fn free_names_never_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let name = std::ffi::OsStr::new("a.csv");
        assert_eq!(free_name(dir.path(), name), dir.path().join("a.csv"));
        std::fs::write(dir.path().join("a.csv"), "x").expect("write");
        assert_eq!(free_name(dir.path(), name), dir.path().join("a.csv.1"));
    }
}
