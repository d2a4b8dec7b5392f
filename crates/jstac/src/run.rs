//! A run: one pipeline, every file it matches, each file one transaction.
//!
//! The plugin reads and the mapping converts on a blocking thread; batches
//! cross a bounded channel to the writer, so memory stays flat whatever the
//! file size, and reading overlaps writing.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use jstac_core::{FieldStats, MappedBatch, Mapping, SpecError};
use jstac_host::{Plugin, ReadError};
use jstac_warehouse::{FileStart, FileSummary, RunOutcome, RunStart, Warehouse};
use sha2::{Digest, Sha256};

use crate::exit::Failure;
use crate::pipelines::{self, Pipeline};
use crate::settings::Settings;

/// The outcome of one pipeline run, for the summary.
#[derive(Debug, Default)]
pub struct RunReport {
    pub pipeline: String,
    pub run_id: Option<i64>,
    pub files_loaded: u64,
    pub files_skipped: u64,
    pub files_failed: u64,
    pub records: FileSummary,
    /// What each counted column (normaliser, lookup, date with options)
    /// did, over the run's loaded files.
    pub fields: Vec<FieldStats>,
    pub elapsed: Duration,
    pub failures: Vec<(Failure, String)>,
    /// What the user should know that is no failure (no file matched).
    pub notes: Vec<String>,
}

impl RunReport {
    /// The worst failure of the run. Quarantined records are safely kept
    /// and reported, so they count as bad data only when `strict`.
    pub fn worst(&self, strict: bool) -> Option<Failure> {
        let quarantined = (strict && self.records.quarantined > 0).then_some(Failure::Data);
        self.failures
            .iter()
            .map(|(f, _)| *f)
            .chain(quarantined)
            .max()
    }
}

/// Shared state of one `jstac` invocation.
pub struct Context {
    pub settings: Settings,
    pub warehouse: Warehouse,
}

impl Context {
    pub fn new(settings: Settings, warehouse: Warehouse) -> Self {
        Context {
            settings,
            warehouse,
        }
    }
}

/// The plugins an invocation has loaded, by name: each library is loaded
/// once.
#[derive(Default)]
pub struct Plugins(HashMap<String, Arc<Plugin>>);

impl Plugins {
    /// Finds and loads plugin `name` from the plugin search path.
    pub fn get(&mut self, settings: &Settings, name: &str) -> Result<Arc<Plugin>, PluginError> {
        if let Some(plugin) = self.0.get(name) {
            return Ok(plugin.clone());
        }
        let plugin = Arc::new(find_plugin(settings, name)?);
        if plugin.info().name != name {
            return Err(PluginError::Load(format!(
                "{}: calls itself {:?}, not {name:?}",
                plugin.path().display(),
                plugin.info().name
            )));
        }
        self.0.insert(name.to_owned(), plugin.clone());
        Ok(plugin)
    }
}

/// Why a pipeline's plugin is not there to use.
#[derive(Debug)]
pub enum PluginError {
    /// Other plugins are installed, none by this name: the pipeline's
    /// `plugin` is wrong (78). Holds the names installed.
    Unknown(Vec<String>),
    /// No plugin at all on the search path, or the library would not
    /// load: the installation's fault (69).
    Load(String),
}

impl PluginError {
    /// The failure and its one line, the `plugin` key placed in the
    /// pipeline file when the name is the mistake.
    pub fn failure(self, pipeline: &Pipeline) -> (Failure, String) {
        match self {
            PluginError::Unknown(installed) => {
                let message = format!(
                    "no plugin is called {:?}; the plugins installed are {} (`jstac plugins` lists them)",
                    pipeline.spec.plugin,
                    installed.join(", ")
                );
                let errors = vec![SpecError::new("plugin", message)];
                (Failure::Config, pipeline.errors(errors, None).to_string())
            }
            PluginError::Load(message) => (
                Failure::Infrastructure,
                format!("{}: plugin: {message}", pipeline.path.display()),
            ),
        }
    }
}

/// The names of the plugin libraries on the search path, sorted, once each.
fn installed_plugins(dirs: &[PathBuf]) -> Vec<String> {
    let prefix = jstac_host::library_file_name("");
    let (prefix, suffix) = prefix.split_at(prefix.len() - std::env::consts::DLL_SUFFIX.len());
    let mut names: Vec<String> = jstac_host::candidate_libraries(dirs)
        .iter()
        .filter_map(|path| {
            let file = path.file_name()?.to_str()?;
            Some(file.strip_prefix(prefix)?.strip_suffix(suffix)?.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

pub fn find_plugin(settings: &Settings, name: &str) -> Result<Plugin, PluginError> {
    let file_name = jstac_host::library_file_name(name);
    let dirs = settings.plugin_search_path();
    let Some(path) = dirs
        .iter()
        .map(|dir| dir.join(&file_name))
        .find(|path| path.is_file())
    else {
        let installed = installed_plugins(&dirs);
        if !installed.is_empty() {
            return Err(PluginError::Unknown(installed));
        }
        let searched: Vec<_> = dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(PluginError::Load(format!(
            "plugin {name:?} not found: no plugin at all in {} (build plugins with `cargo build --release`, or set --plugin-dir)",
            searched.join(", ")
        )));
    };
    Plugin::load(&path).map_err(|e| PluginError::Load(e.to_string()))
}

/// Loads, checks and looks up the plugin of a pipeline: everything that can
/// fail before a run record is written (and before the warehouse is
/// opened).
pub fn prepare(
    settings: &Settings,
    plugins: &mut Plugins,
    path: &Path,
) -> Result<(Pipeline, Arc<Plugin>), (Failure, String)> {
    let pipeline =
        pipelines::load(path, &settings.registry).map_err(|e| (Failure::Config, e.to_string()))?;
    let plugin = plugins
        .get(settings, &pipeline.spec.plugin)
        .map_err(|e| e.failure(&pipeline))?;
    check_options(&pipeline, &plugin)?;
    Ok((pipeline, plugin))
}

/// A pipeline checked and ready to run: its plugin and the files to load.
pub struct Prepared {
    pub pipeline: Pipeline,
    pub plugin: Arc<Plugin>,
    pub files: Vec<PathBuf>,
    /// Files named on the command line (`--file`), not `source.path`'s.
    pub named: bool,
}

/// Prepares the pipeline at `path` to run on `file` (`jstac run --file`,
/// as the scheduler runs an inbox file) or else on its `source.path`
/// files. Needs no warehouse: a pipeline that fails here opens none.
pub fn prepare_run(
    settings: &Settings,
    plugins: &mut Plugins,
    path: &Path,
    file: Option<&Path>,
) -> Result<Prepared, (Failure, String)> {
    let (pipeline, plugin) = prepare(settings, plugins, path)?;
    let files = match file {
        Some(file) => vec![path_clean::clean(file)],
        None => pipeline
            .source_files(settings.source_root.as_deref())
            .map_err(|e| (Failure::Config, e.to_string()))?,
    };
    Ok(Prepared {
        pipeline,
        plugin,
        files,
        named: file.is_some(),
    })
}

/// Runs a prepared pipeline: one run record, each file one transaction.
pub async fn run_prepared(ctx: &mut Context, prepared: &Prepared, force: bool) -> RunReport {
    let Prepared {
        pipeline,
        plugin,
        files,
        named,
    } = prepared;
    let mut report = run_files(ctx, pipeline, plugin, files, force).await;
    if files.is_empty() && !named {
        report
            .notes
            .push(pipeline.no_files_note(ctx.settings.source_root.as_deref()));
    }
    report
}

/// Checks a pipeline's `source.options` against its plugin's JSON Schema,
/// naming each problem by its key in the pipeline file.
pub fn check_options(pipeline: &Pipeline, plugin: &Plugin) -> Result<(), (Failure, String)> {
    let problems = plugin.check_options(&pipeline.spec.source.options);
    if problems.is_empty() {
        return Ok(());
    }
    let errors = problems
        .into_iter()
        .map(|(at, message)| {
            SpecError::new(format!("source.options{}", at.replace('/', ".")), message)
        })
        .collect();
    Err((Failure::Config, pipeline.errors(errors, None).to_string()))
}

/// Binds a pipeline to one file's fields. What fails here is the file's
/// fault, not the pipeline's (another file may have the fields): bad data
/// (65), the file rejected and the others loaded, in one line naming the
/// file and what it lacks.
pub fn bind(
    pipeline: &Pipeline,
    file: &Path,
    fields: &[String],
    shapes: &[jstac_core::FieldShape],
) -> Result<Mapping, (Failure, String)> {
    Mapping::bind(&pipeline.checked, fields, shapes).map_err(|error| {
        let message = if fields.is_empty() {
            let empty = std::fs::metadata(file).is_ok_and(|m| m.len() == 0);
            if empty {
                "is empty".to_owned()
            } else {
                "has no fields (no header row?)".to_owned()
            }
        } else if !error.missing.is_empty() {
            let plural = if error.missing.len() == 1 { "" } else { "s" };
            format!(
                "lacks the field{plural} {} the pipeline reads",
                error.missing.join(", ")
            )
        } else {
            let context = format!("[reading {}]", file.display());
            return (
                Failure::Data,
                pipeline.errors(error.errors, Some(&context)).to_string(),
            );
        };
        (Failure::Data, format!("{}: {message}", file.display()))
    })
}

/// Runs a prepared pipeline on the given files (its own source files, or a
/// test's fixtures): one run record, each file one transaction.
pub async fn run_files(
    ctx: &mut Context,
    pipeline: &Pipeline,
    plugin: &Arc<Plugin>,
    files: &[PathBuf],
    force: bool,
) -> RunReport {
    let started = Instant::now();
    let mut report = RunReport {
        pipeline: pipeline.name.clone(),
        ..RunReport::default()
    };
    let host = host_name();
    let pipeline_path = pipeline.path.display().to_string();
    let run_start = RunStart {
        pipeline: &pipeline.name,
        pipeline_path: &pipeline_path,
        agency: &pipeline.spec.agency,
        dataset: &pipeline.spec.dataset,
        plugin: &plugin.info().name,
        plugin_version: &plugin.info().version,
        host: &host,
        process_id: i64::from(std::process::id()),
    };
    let run_id = match ctx.warehouse.begin_run(&run_start).await {
        Ok(id) => id,
        Err(e) => {
            report
                .failures
                .push((Failure::Infrastructure, e.to_string()));
            return report;
        }
    };
    report.run_id = Some(run_id);
    tracing::info!(pipeline = %pipeline.name, run_id, files = files.len(), "run started");

    for file in files {
        match load_file(ctx, pipeline, plugin, run_id, file, force).await {
            Ok(FileOutcome::Loaded(summary, fields)) => {
                report.files_loaded += 1;
                report.records.read += summary.read;
                report.records.loaded += summary.loaded;
                report.records.quarantined += summary.quarantined;
                report.records.skipped += summary.skipped;
                tracing::info!(
                    pipeline = %pipeline.name, run_id, file = %file.display(),
                    read = summary.read, loaded = summary.loaded, quarantined = summary.quarantined,
                    skipped = summary.skipped,
                    "file loaded"
                );
                for stats in fields.iter().filter(|s| !s.counts.is_zero()) {
                    tracing::info!(
                        pipeline = %pipeline.name, run_id, file = %file.display(),
                        rule = %stats.field.rule, normaliser = %stats.field.normaliser,
                        normalised = stats.counts.normalised, unmatched = stats.counts.unmatched,
                        quarantined = stats.counts.quarantined, not_known = stats.counts.not_known,
                        "field normalised"
                    );
                }
                FieldStats::merge(&mut report.fields, &fields);
            }
            Ok(FileOutcome::Skipped) => {
                report.files_skipped += 1;
                tracing::info!(pipeline = %pipeline.name, run_id, file = %file.display(), "file already loaded; skipped");
            }
            Err((failure, message)) => {
                report.files_failed += 1;
                tracing::error!(pipeline = %pipeline.name, run_id, file = %file.display(), error = %message, "file failed; rolled back");
                report.failures.push((failure, message));
            }
        }
    }

    let outcome = RunOutcome {
        failed: !report.failures.is_empty(),
        error: (!report.failures.is_empty()).then(|| {
            report
                .failures
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        }),
        files_loaded: report.files_loaded as i64,
        files_skipped: report.files_skipped as i64,
        files_failed: report.files_failed as i64,
        records_read: report.records.read as i64,
        records_loaded: report.records.loaded as i64,
        records_quarantined: report.records.quarantined as i64,
        records_skipped: report.records.skipped as i64,
    };
    if let Err(e) = ctx.warehouse.finish_run(run_id, &outcome).await {
        report
            .failures
            .push((Failure::Infrastructure, e.to_string()));
    }
    report.elapsed = started.elapsed();
    report
}

enum FileOutcome {
    Loaded(FileSummary, Vec<FieldStats>),
    Skipped,
}

async fn load_file(
    ctx: &Context,
    pipeline: &Pipeline,
    plugin: &Arc<Plugin>,
    run_id: i64,
    file: &Path,
    force: bool,
) -> Result<FileOutcome, (Failure, String)> {
    let infra = |e: String| (Failure::Infrastructure, e);
    let (size, sha256) = hash_file(file).map_err(|e| infra(format!("{}: {e}", file.display())))?;
    if !force
        && ctx
            .warehouse
            .find_loaded_file(&pipeline.name, &sha256)
            .await
            .map_err(|e| infra(e.to_string()))?
            .is_some()
    {
        return Ok(FileOutcome::Skipped);
    }

    let mut stream = plugin
        .open(file, &pipeline.spec.source.options, ctx.settings.batch_size)
        .map_err(|e| Failure::of_read(&e))?;
    let mapping = bind(pipeline, file, stream.fields(), &stream.shapes())?;

    let mut fields = FieldStats::for_mapping(&mapping);
    let path_text = file.display().to_string();
    let pipeline_sha256 = crate::rederive::pipeline_sha256(&pipeline.path)
        .map_err(|e| infra(format!("{}: {e}", pipeline.path.display())))?;
    let actor = actor();
    let load = ctx
        .warehouse
        .begin_file(&FileStart {
            run_id,
            pipeline: &pipeline.name,
            agency: &pipeline.spec.agency,
            dataset: &pipeline.spec.dataset,
            path: &path_text,
            size_bytes: size as i64,
            sha256: &sha256,
            force,
            pipeline_sha256: &pipeline_sha256,
            plugin: &plugin.info().name,
            plugin_version: &plugin.info().version,
            actor: &actor,
        })
        .await
        .map_err(|e| infra(e.to_string()))?;
    let Some(mut load) = load else {
        // Another runner loaded it after our first look.
        return Ok(FileOutcome::Skipped);
    };

    let progress = progress_bar(&pipeline.name, file);
    // Room for a whole write chunk: the reader maps the next chunk while the
    // writer sorts and writes this one (measured on 1M rows: half a chunk
    // left the writer idle a fifth of the run, 22.1 s against 18.0 s).
    let in_flight = jstac_warehouse::CHUNK_RECORDS
        .div_ceil(ctx.settings.batch_size.max(1) as usize)
        .max(2);
    let (sender, mut receiver) =
        tokio::sync::mpsc::channel::<Result<MappedBatch, ReadError>>(in_flight);
    let producer = tokio::task::spawn_blocking(move || {
        while let Some(next) = stream.next_batch() {
            let message = next.map(|batch| {
                let mut out = mapping.new_batch();
                mapping.map_into(&batch, &mut out);
                out
            });
            let stop = message.is_err();
            if sender.blocking_send(message).is_err() || stop {
                return;
            }
        }
    });

    let mut summary = FileSummary::default();
    let mut failure = None;
    while let Some(message) = receiver.recv().await {
        match message {
            Ok(batch) => {
                summary.add(&batch);
                FieldStats::add_batch(&mut fields, &batch);
                progress.inc(batch.read);
                if let Err(e) = load.write(batch).await {
                    failure = Some(infra(format!(
                        "{}: writing to the warehouse: {e}",
                        file.display()
                    )));
                    break;
                }
            }
            Err(e) => {
                failure = Some(Failure::of_read(&e));
                break;
            }
        }
    }
    drop(receiver);
    progress.finish_and_clear();
    if let Err(e) = producer.await {
        failure
            .get_or_insert_with(|| infra(format!("{}: reader thread failed: {e}", file.display())));
    }
    if let Some(failure) = failure {
        let _ = load.rollback().await;
        return Err(failure);
    }
    load.commit(summary, &fields)
        .await
        .map_err(|e| infra(e.to_string()))?;
    Ok(FileOutcome::Loaded(summary, fields))
}

fn progress_bar(pipeline: &str, file: &Path) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {pos} records ({per_sec}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(pipeline.to_owned());
    bar.set_message(
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Size and SHA-256 of a file, streamed.
fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    let digest = hasher.finalize();
    Ok((size, hex::encode(digest)))
}

/// This machine's name, as runs and claim folders record it: `JSTAC_HOST`
/// if set (for hosts whose name is not stable or not unique, such as
/// containers), else the kernel's host name.
pub fn host_name() -> String {
    if let Some(name) = std::env::var("JSTAC_HOST")
        .ok()
        .filter(|n| !n.trim().is_empty())
    {
        return name.trim().to_owned();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Who is acting, for the ledger: `JSTAC_ACTOR` if set (a service
/// account naming the person it acts for), else the operating-system user
/// (`USER`, `LOGNAME`), else the numeric user id.
pub fn actor() -> String {
    ["JSTAC_ACTOR", "USER", "LOGNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|status| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix("Uid:"))
                        .and_then(|l| l.split_whitespace().next().map(|uid| format!("uid {uid}")))
                })
                .unwrap_or_else(|| "unknown".to_owned())
        })
}

/// Whether process `pid` on this host is still running (a zombie, ended
/// but not yet reaped, is not).
pub fn process_alive(pid: i64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `PID (COMM) STATE ...`; COMM may hold spaces and parentheses.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_none_or(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}
