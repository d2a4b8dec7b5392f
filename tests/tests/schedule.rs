//! `jstac schedule`: the daemon, started as a child with a short poll
//! interval, against real plugins and a real warehouse. Tests wait for
//! what they expect with a deadline, polling the warehouse and the folders.

use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use jstac_tests::{Sandbox, stderr};

const CSV_PIPELINE: &str = r#"
agency = "police"
dataset = "test"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Surname"
"#;

const CSV: &str = "Ref,Surname\nN1,HOXHA\nN2,NGUYEN\nN3,KOWALSKA\n";

fn misbehave(mode: &str) -> String {
    format!(
        "agency = \"police\"\ndataset = \"{mode}\"\nplugin = \"misbehave\"\n[source]\npath = \"data/refs.txt\"\noptions = {{ mode = \"{mode}\" }}\n[entities.p]\ntable = \"persons\"\nkey = [\"Ref\"]\ncolumns.family_name = \"Ref\"\n"
    )
}

/// `jstac.toml` with a 0.2 s poll and these (pipeline, inbox) pairs.
fn configure(sandbox: &Sandbox, entries: &[(&str, &str)]) {
    let mut text = String::from("[schedule]\npoll_seconds = 0.2\nmax_backoff_seconds = 2\n");
    for (pipeline, inbox) in entries {
        text.push_str(&format!(
            "\n[[schedule.pipelines]]\npipeline = \"{pipeline}\"\ninbox = \"{inbox}\"\n"
        ));
    }
    sandbox.write("jstac.toml", text);
}

/// A running daemon; killed if the test ends first.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(sandbox: &Sandbox, label: &str) -> Daemon {
        Daemon::start_on(sandbox, label, None)
    }

    /// A daemon as if on machine `host` (`JSTAC_HOST`), when given.
    fn start_on(sandbox: &Sandbox, label: &str, host: Option<&str>) -> Daemon {
        let log = sandbox.path().join(format!("{label}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = sandbox.command(&["schedule"]);
        if let Some(host) = host {
            command.env("JSTAC_HOST", host);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("starting jstac schedule");
        let daemon = Daemon { child, log };
        let pid = daemon.child.id();
        // Ready once it made its claim folder (its signal handlers come first).
        wait_until("the daemon to start", || {
            files_and_dirs(sandbox.path())
                .iter()
                .any(|p| p.is_dir() && p.to_string_lossy().ends_with(&format!(".{pid}")))
        });
        daemon
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal(&self, signal: i32) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
    }

    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "daemon still running:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every file and folder under `dir`, recursively.
fn files_and_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_and_dirs(&path));
            }
            out.push(path);
        }
    }
    out
}

/// The files (not folders) under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    files_and_dirs(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .collect()
}

/// [`Sandbox::count`], or 0 before the first child has created and
/// migrated the warehouse (the daemon is polled while it starts: the SQLite
/// file can exist before its tables do).
fn count_if_created(sandbox: &Sandbox, from: &str) -> i64 {
    if !sandbox.is_postgres() && !sandbox.warehouse().exists() {
        return 0;
    }
    let output = sandbox.jstac(&[
        "query",
        "--format",
        "json",
        &format!("SELECT COUNT(*) AS n FROM {from}"),
    ]);
    if !output.status.success() {
        let errors = stderr(&output);
        let not_yet = errors.contains("no such table")
            || (errors.contains("relation") && errors.contains("does not exist"));
        assert!(not_yet, "query failed: {errors}");
        return 0;
    }
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("query JSON");
    rows[0]["n"].as_i64().expect("COUNT(*) is an integer")
}

/// Drops a file the way a sender should: written as `.part`, then renamed.
fn drop_file(sandbox: &Sandbox, relative: &str, contents: &str) {
    let part = sandbox.write(&format!("{relative}.part"), contents);
    std::fs::rename(part, sandbox.path().join(relative)).expect("rename");
}

#[test]
fn two_daemons_on_one_inbox_load_a_file_exactly_once() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", CSV_PIPELINE);
    configure(&sandbox, &[("p.toml", "inbox")]);
    let a = Daemon::start(&sandbox, "a");
    let b = Daemon::start(&sandbox, "b");

    drop_file(&sandbox, "inbox/cases.csv", CSV);
    let archive = sandbox.path().join("inbox/archive");
    wait_until("the file to be archived", || files(&archive).len() == 1);
    assert_eq!(count_if_created(&sandbox, "source_files"), 1);
    assert_eq!(count_if_created(&sandbox, "persons"), 3);
    // One run: the daemon that lost the race did not run it at all.
    assert_eq!(count_if_created(&sandbox, "ingest_runs"), 1);
    assert!(files(&sandbox.path().join("inbox/failed")).is_empty());
    assert!(files(&sandbox.path().join("inbox/processing")).is_empty());
    assert!(archive.join(chrono_day()).join("cases.csv").is_file());

    // The same content again, under another name: in the ledger already,
    // so archived without loading.
    drop_file(&sandbox, "inbox/cases-resent.csv", CSV);
    wait_until("the resent file to be archived", || {
        files(&archive).len() == 2
    });
    assert_eq!(count_if_created(&sandbox, "source_files"), 1);
    assert_eq!(count_if_created(&sandbox, "persons"), 3);
    assert_eq!(
        count_if_created(
            &sandbox,
            "ingest_runs WHERE files_skipped = 1 AND status = 'succeeded'"
        ),
        1
    );
    assert!(files(&sandbox.path().join("inbox/failed")).is_empty());
    drop((a, b));
}

/// Several machines (two daemons, each under its own host name) share one
/// inbox and one PostgreSQL warehouse: every file is loaded exactly once,
/// and content sent again under another name is not loaded again.
#[test]
fn daemons_on_two_machines_share_an_inbox_and_a_postgres_warehouse() {
    let sandbox = Sandbox::postgres();
    sandbox.write("p.toml", CSV_PIPELINE);
    configure(&sandbox, &[("p.toml", "inbox")]);
    let a = Daemon::start_on(&sandbox, "a", Some("machine-a"));
    let b = Daemon::start_on(&sandbox, "b", Some("machine-b"));
    for file in 0..6 {
        let mut csv = String::from("Ref,Surname\n");
        for i in 0..200 {
            csv.push_str(&format!("N{},SURNAME{file}\n", file * 100 + i));
        }
        drop_file(&sandbox, &format!("inbox/f{file}.csv"), &csv);
    }
    drop_file(&sandbox, "inbox/f0-again.csv", &{
        let mut csv = String::from("Ref,Surname\n");
        for i in 0..200 {
            csv.push_str(&format!("N{i},SURNAME0\n"));
        }
        csv
    });
    let archive = sandbox.path().join("inbox/archive");
    wait_until("every file to be archived", || files(&archive).len() == 7);
    assert_eq!(count_if_created(&sandbox, "source_files"), 6);
    assert_eq!(
        count_if_created(&sandbox, "(SELECT DISTINCT sha256 FROM source_files) AS d"),
        6
    );
    // Files overlap by half their people: 700 people, each once.
    assert_eq!(count_if_created(&sandbox, "persons"), 700);
    assert_eq!(
        count_if_created(
            &sandbox,
            "ingest_runs WHERE host NOT IN ('machine-a', 'machine-b')"
        ),
        0
    );
    assert!(files(&sandbox.path().join("inbox/failed")).is_empty());
    drop((a, b));
}

/// Today's archive folder name, as the daemon writes it (UTC).
fn chrono_day() -> String {
    let output = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .expect("date");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn a_crashing_plugin_fails_its_file_alone_and_the_daemon_carries_on() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("jstac-testplugin-misbehave", "misbehave");
    sandbox.write("crash.toml", misbehave("segfault_at_open"));
    sandbox.write("good.toml", CSV_PIPELINE);
    configure(
        &sandbox,
        &[("crash.toml", "in/crash"), ("good.toml", "in/good")],
    );
    let mut daemon = Daemon::start(&sandbox, "daemon");

    drop_file(&sandbox, "in/crash/refs.txt", "R1\nR2\n");
    let failed = sandbox.path().join("in/crash/failed");
    wait_until("the crashed file in failed/", || files(&failed).len() == 2);
    let day = failed.join(chrono_day());
    assert!(day.join("refs.txt").is_file());
    let sidecar = std::fs::read_to_string(day.join("refs.txt.error.txt")).expect("sidecar");
    assert!(sidecar.contains("killed by signal"), "{sidecar}");
    assert!(sidecar.contains("SIGSEGV"), "{sidecar}");
    // The crashed run is recorded as failed, and nothing was loaded.
    assert_eq!(
        count_if_created(
            &sandbox,
            "ingest_runs WHERE pipeline = 'crash' AND status = 'failed'"
        ),
        1
    );
    assert_eq!(count_if_created(&sandbox, "source_files"), 0);

    drop_file(&sandbox, "in/good/cases.csv", CSV);
    wait_until("the good file to load", || {
        files(&sandbox.path().join("in/good/archive")).len() == 1
    });
    assert_eq!(count_if_created(&sandbox, "persons"), 3);
    assert!(
        daemon.child.try_wait().expect("try_wait").is_none(),
        "daemon ended:\n{}",
        daemon.log()
    );
}

fn alive(pid: i64) -> bool {
    // A zombie has ended too.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit_once(") ")
                .is_none_or(|(_, rest)| !rest.starts_with('Z'))
        })
        .unwrap_or(false)
}

#[test]
fn a_daemon_killed_mid_file_leaves_no_data_and_the_next_one_loads_the_file() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("jstac-testplugin-misbehave", "misbehave");
    sandbox.write("slow.toml", misbehave("slow"));
    configure(&sandbox, &[("slow.toml", "in/slow")]);
    let mut daemon = Daemon::start(&sandbox, "first");

    let lines: String = (1..=30).map(|i| format!("R{i}\n")).collect();
    drop_file(&sandbox, "in/slow/refs.txt", &lines);
    wait_until("the run to start", || {
        count_if_created(&sandbox, "ingest_runs WHERE status = 'running'") == 1
    });
    let child = sandbox.query("SELECT process_id FROM ingest_runs")[0]["process_id"]
        .as_i64()
        .expect("pid");
    // Into the file (30 records at 100 ms each): the one fixed pause.
    std::thread::sleep(Duration::from_millis(500));
    daemon.signal(libc::SIGKILL);
    daemon.wait(Duration::from_secs(10));
    // The child dies with the daemon: its transaction never commits.
    wait_until("the child run to die with the daemon", || !alive(child));
    assert_eq!(count_if_created(&sandbox, "source_files"), 0);
    assert_eq!(count_if_created(&sandbox, "persons"), 0);
    assert_eq!(files(&sandbox.path().join("in/slow/processing")).len(), 1);

    let _next = Daemon::start(&sandbox, "second");
    wait_until("the recovered file to load", || {
        files(&sandbox.path().join("in/slow/archive")).len() == 1
    });
    assert_eq!(count_if_created(&sandbox, "source_files"), 1);
    assert_eq!(count_if_created(&sandbox, "persons"), 30);
    let runs = sandbox.query("SELECT status, error FROM ingest_runs ORDER BY run_id");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["status"], "failed");
    assert!(
        runs[0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("interrupted")
    );
    assert_eq!(runs[1]["status"], "succeeded");
    assert!(files(&sandbox.path().join("in/slow/failed")).is_empty());
}

#[test]
fn sigterm_lets_the_running_file_finish_and_exits_zero() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("jstac-testplugin-misbehave", "misbehave");
    sandbox.write("slow.toml", misbehave("slow"));
    configure(&sandbox, &[("slow.toml", "in/slow")]);
    let mut daemon = Daemon::start(&sandbox, "daemon");

    let lines: String = (1..=10).map(|i| format!("R{i}\n")).collect();
    drop_file(&sandbox, "in/slow/refs.txt", &lines);
    wait_until("the run to start", || {
        count_if_created(&sandbox, "ingest_runs WHERE status = 'running'") == 1
    });
    daemon.signal(libc::SIGTERM);
    let status = daemon.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    // The running file finished and was archived before the exit.
    assert_eq!(count_if_created(&sandbox, "persons"), 10);
    assert_eq!(files(&sandbox.path().join("in/slow/archive")).len(), 1);

    // Idle, it stops at once.
    let mut idle = Daemon::start(&sandbox, "idle");
    idle.signal(libc::SIGTERM);
    assert_eq!(
        idle.wait(Duration::from_secs(10)).code(),
        Some(0),
        "{}",
        idle.log()
    );
}

#[test]
fn infrastructure_failures_are_retried_and_bad_data_goes_to_failed_with_its_errors() {
    let sandbox = Sandbox::new();
    sandbox.write("later.toml", misbehave("none"));
    sandbox.write("bad.toml", misbehave("error_mid_stream"));
    configure(
        &sandbox,
        &[("later.toml", "in/later"), ("bad.toml", "in/bad")],
    );
    let daemon = Daemon::start(&sandbox, "daemon");

    // The plugin is not installed yet: exit 69, back into the inbox and
    // retried, loaded once the plugin is there.
    drop_file(&sandbox, "in/later/refs.txt", "R1\nR2\n");
    wait_until("a retry to be scheduled", || {
        daemon.log().contains("will retry")
    });
    assert!(files(&sandbox.path().join("in/later/failed")).is_empty());
    assert!(files(&sandbox.path().join("in/later/archive")).is_empty());
    sandbox.install_plugin("jstac-testplugin-misbehave", "misbehave");
    wait_until("the retried file to load", || {
        files(&sandbox.path().join("in/later/archive")).len() == 1
    });
    assert_eq!(count_if_created(&sandbox, "persons"), 2);
    assert!(files(&sandbox.path().join("in/later/failed")).is_empty());

    // Exit 65: failed/, with the run's error lines (no values) beside it.
    drop_file(&sandbox, "in/bad/refs.txt", "R1\nR2\nSECRET-SURNAME\n");
    let failed = sandbox.path().join("in/bad/failed");
    wait_until("the bad file in failed/", || files(&failed).len() == 2);
    let sidecar = std::fs::read_to_string(failed.join(chrono_day()).join("refs.txt.error.txt"))
        .expect("sidecar");
    assert!(sidecar.contains("exit 65"), "{sidecar}");
    assert!(
        sidecar.contains("line 3: deliberate error mid-stream"),
        "{sidecar}"
    );
    assert!(
        !sidecar.contains("SECRET-SURNAME"),
        "a value in the sidecar: {sidecar}"
    );
}

#[test]
fn a_cron_expression_runs_the_whole_pipeline() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", CSV_PIPELINE);
    sandbox.write("data/cases.csv", CSV);
    sandbox.write(
        "jstac.toml",
        "[schedule]\npoll_seconds = 0.2\n\n[[schedule.pipelines]]\npipeline = \"p.toml\"\ncron = \"* * * * * *\"\n",
    );
    let log = sandbox.path().join("cron.log");
    let mut child = sandbox
        .command(&["schedule"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("starting jstac schedule");
    wait_until("a cron run to load the pipeline's files", || {
        count_if_created(&sandbox, "source_files") == 1
    });
    assert_eq!(count_if_created(&sandbox, "persons"), 3);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_retain_cron_line_retracts_the_files_past_retention() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", CSV_PIPELINE);
    sandbox.write("data/cases.csv", CSV);
    let loaded = sandbox.jstac(&["run", "p.toml"]);
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    let backdated = std::process::Command::new("sqlite3")
        .arg(sandbox.warehouse())
        .arg("UPDATE source_files SET loaded_at = '2020-01-01T00:00:00.000Z'")
        .output()
        .expect("sqlite3 runs");
    assert!(backdated.status.success(), "{}", stderr(&backdated));
    sandbox.write(
        "jstac.toml",
        "[schedule]\npoll_seconds = 0.2\nretain = \"* * * * * *\"\n\n[agencies.police]\nretention = \"1d\"\n",
    );
    let log = sandbox.path().join("retain.log");
    let mut child = sandbox
        .command(&["schedule"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("starting jstac schedule");
    wait_until("a retain run to retract the back-dated file", || {
        count_if_created(&sandbox, "source_files") == 0
    });
    assert_eq!(count_if_created(&sandbox, "persons"), 0);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_schedule_without_pipelines_is_a_setting_error() {
    let sandbox = Sandbox::new();
    sandbox.write("jstac.toml", "[schedule]\npoll_seconds = 1\n");
    let output = sandbox.jstac(&["schedule"]);
    assert_eq!(output.status.code(), Some(78));
    sandbox.write(
        "jstac.toml",
        "[[schedule.pipelines]]\npipeline = \"p.toml\"\ncron = \"not cron\"\n",
    );
    sandbox.write("p.toml", CSV_PIPELINE);
    let output = sandbox.jstac(&["schedule"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        jstac_tests::stderr(&output).contains("schedule.pipelines[0].cron"),
        "{}",
        jstac_tests::stderr(&output)
    );
}

/// An empty CSV and one without the fields the pipeline reads are bad data
/// (65): they go to `failed/` once, not back to the inbox for ever.
#[test]
fn an_empty_file_and_a_file_lacking_fields_go_to_failed() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", CSV_PIPELINE);
    configure(&sandbox, &[("p.toml", "in/p")]);
    let daemon = Daemon::start(&sandbox, "daemon");
    drop_file(&sandbox, "in/p/empty.csv", "");
    drop_file(&sandbox, "in/p/other.csv", "Ref,Name\nN1,HOXHA\n");
    let failed = sandbox.path().join("in/p/failed");
    // Each file and its sidecar.
    wait_until("both files in failed/", || files(&failed).len() == 4);
    let day = failed.join(chrono_day());
    let sidecar = std::fs::read_to_string(day.join("empty.csv.error.txt")).expect("sidecar");
    assert!(sidecar.contains("exit 65"), "{sidecar}");
    assert!(sidecar.contains("empty.csv: is empty"), "{sidecar}");
    let sidecar = std::fs::read_to_string(day.join("other.csv.error.txt")).expect("sidecar");
    assert!(
        sidecar.contains("other.csv: lacks the field Surname the pipeline reads"),
        "{sidecar}"
    );
    assert!(!daemon.log().contains("will retry"), "{}", daemon.log());
}
