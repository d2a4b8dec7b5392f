//! `jstac`: the command line. The only crate that knows the CLI and the
//! settings files; the work is in `run` and the library crates.

mod inspect;
mod output;
mod pipeline_test;
mod pipelines;
mod plugin_new;
mod report;
mod run;
mod runs;
mod schedule;
mod settings;
mod synth;

/// mimalloc: a load allocates and frees many small strings on several
/// threads, and glibc's arena locks were a tenth of a profiled run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use jstac_warehouse::Warehouse;
use serde_json::{Value as Json, json};

use crate::output::Format;
use crate::run::{Context, Failure};
use crate::settings::Settings;

/// Load agency files on modern slavery and trafficking into one warehouse.
///
/// Exit codes: 0 success; 1 `pipeline test`: rows differ from the expected
/// files; 65 bad data (a file rejected; with `run --strict`, records
/// quarantined); 69 infrastructure failure (warehouse, plugin library,
/// files); 70 a plugin crashed; 78 a pipeline or setting is wrong.
#[derive(Debug, Parser)]
#[command(name = "jstac", version)]
struct Cli {
    /// Settings file (default: ./jstac.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Warehouse URL (default sqlite://warehouse.db; also JSTAC_WAREHOUSE_URL).
    #[arg(long, global = true)]
    warehouse: Option<String>,
    /// Read pipelines' source files under this directory instead of their
    /// `samples/` folder (e.g. what `jstac synth --out DIR` wrote; also
    /// `source_root` in jstac.toml and JSTAC_SOURCE_ROOT).
    #[arg(long, global = true)]
    source_root: Option<PathBuf>,
    /// Directory to look for plugins in, before the defaults (repeatable).
    #[arg(long = "plugin-dir", global = true)]
    plugin_dirs: Vec<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run pipelines: load every file they match that is not loaded yet.
    Run {
        /// Pipeline files.
        pipelines: Vec<PathBuf>,
        /// Run every pipeline in the pipelines directory.
        #[arg(long, conflicts_with = "pipelines")]
        all: bool,
        /// Load files again even if their content was loaded before (rows are upserted, not duplicated).
        #[arg(long)]
        force: bool,
        /// Exit 65 when any record was quarantined, not only when a file was rejected.
        #[arg(long)]
        strict: bool,
        /// Run the one pipeline named on this file instead of its
        /// `source.path` files (what `jstac schedule` runs per inbox file).
        #[arg(long, hide = true, conflicts_with = "all")]
        file: Option<PathBuf>,
    },
    /// Run pipelines unattended, as `[schedule]` in the settings says: each
    /// new file of an inbox folder through its pipeline (in a child
    /// process, then moved to archive/ or failed/), and whole pipelines on
    /// cron expressions. Stops on SIGTERM or SIGINT once running files end.
    Schedule,
    /// List the plugins found, their versions and formats, and why any failed to load.
    Plugins {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Check pipeline files (all in the pipelines directory by default) without loading anything.
    Validate { pipelines: Vec<PathBuf> },
    /// Run history, newest first; `runs show ID` for one run's files,
    /// field counts and error.
    #[command(args_conflicts_with_subcommands = true)]
    Runs {
        #[command(subcommand)]
        command: Option<RunsCommand>,
        /// Only runs of this pipeline (its name).
        #[arg(long)]
        pipeline: Option<String>,
        /// Only runs with this status.
        #[arg(long, value_enum)]
        status: Option<runs::Status>,
        /// Only runs started since: an RFC 3339 date or datetime
        /// (2026-11-29, 2026-11-29T08:00:00Z) or a duration back from now
        /// (30m, 24h, 7d, 2w).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// What each normaliser, lookup and date column did in a run (default:
    /// the latest run with any): values normalised, unmatched, quarantined.
    Fields {
        #[arg(long)]
        run: Option<i64>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Quarantined records of a run (default: the latest run with any).
    Quarantine {
        #[arg(long)]
        run: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Also show the raw records (personal data).
        #[arg(long)]
        raw: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Run a read-only SQL query against the warehouse.
    Query {
        sql: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Look at a new agency file: its format (from the content), sheets or
    /// candidate record paths, fields with inferred types, null rates and
    /// masked samples, and a starting pipeline file. Reads a sample through
    /// the installed plugin, never the whole file.
    Inspect {
        file: PathBuf,
        /// Records to sample, at most.
        #[arg(long, default_value_t = 1000)]
        sample: usize,
        /// Spreadsheets: the sheet to read, by name or 0-based index (default: the first visible worksheet).
        #[arg(long)]
        sheet: Option<String>,
        /// XML: the record element path (default: the shallowest element that repeats).
        #[arg(long)]
        record: Option<String>,
        /// Show sample values as they are: personal data.
        #[arg(long)]
        unmask: bool,
        /// Print only the starting pipeline file.
        #[arg(long, conflicts_with = "format")]
        stub: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: InspectFormat,
    },
    /// Work with plugins.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// Write a wholly synthetic multi-agency dataset (every agency's files
    /// in its pipeline's format, NRM calibrated to 2016) and its ground truth.
    Synth(synth::SynthArgs),
    /// Analysts' reports computed by the warehouse: nrm-summary,
    /// agency-coverage, data-quality.
    Report(report::ReportArgs),
    /// Work with pipeline files.
    Pipeline {
        #[command(subcommand)]
        command: PipelineCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InspectFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum RunsCommand {
    /// One run: its status and counts, the files it loaded (path, SHA-256,
    /// counts), what each normaliser and lookup did, and its error.
    Show {
        run: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// Start a plugin crate for a format the generic plugins cannot read:
    /// a copy of the fixed-width template (plugins/template) named NAME,
    /// with a fixture and a passing test.
    New {
        /// Lower-case letters, digits and _: the crate is jstac-plugin-NAME.
        name: String,
        /// Where to create it.
        #[arg(long, default_value = "plugins")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum PipelineCommand {
    /// Run pipelines (all in the pipelines directory by default) on the
    /// fixtures in tests/NAME/input/ beside each, into a temporary
    /// warehouse, and compare the rows with tests/NAME/expected/*.jsonl.
    /// Exit 1 when they differ.
    Test {
        pipelines: Vec<PathBuf>,
        /// Write the expected files from this run's rows (review the diff before committing).
        #[arg(long)]
        update: bool,
    },
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    init_logging(cli.log_format, matches!(cli.command, Command::Schedule));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(Failure::Infrastructure.exit_code());
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(Failure::Infrastructure.exit_code())
        }
    }
}

/// Logs are the observability stream for unattended runs: JSON logs default
/// to `info`. On a terminal the CLI prints its own one-line errors and
/// summaries, so text logs are off unless `JSTAC_LOG` asks for them (each
/// failure would otherwise be printed twice). The scheduler has no summary
/// of its own: its logs are its output, at `info` by default.
fn init_logging(format: LogFormat, daemon: bool) {
    let default = match format {
        LogFormat::Text if !daemon => "off",
        _ => "info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("JSTAC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn settings(cli: &Cli) -> Result<Settings> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(url) = &cli.warehouse {
        settings.warehouse_url = url.clone();
    }
    if let Some(root) = &cli.source_root {
        settings.source_root = Some(root.clone());
    }
    let mut dirs = cli.plugin_dirs.clone();
    dirs.append(&mut settings.plugin_dirs);
    settings.plugin_dirs = dirs;
    Ok(settings)
}

fn exit(worst: Option<Failure>) -> ExitCode {
    ExitCode::from(worst.map_or(0, Failure::exit_code))
}

fn pipeline_paths(settings: &Settings, given: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given);
    }
    pipelines::discover(&settings.pipelines_dir).with_context(|| {
        format!(
            "reading pipelines directory {}",
            settings.pipelines_dir.display()
        )
    })
}

/// The global flags a child `jstac run` needs to see what this process sees.
fn cli_global(config: &Option<PathBuf>, settings: &Settings) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    if let Some(config) = config {
        args.push("--config".into());
        args.push(config.into());
    }
    // The warehouse URL goes in the children's environment (schedule.rs).
    if let Some(root) = &settings.source_root {
        args.push("--source-root".into());
        args.push(root.into());
    }
    for dir in &settings.plugin_dirs {
        args.push("--plugin-dir".into());
        args.push(dir.into());
    }
    args
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let settings = settings(&cli)?;
    let cli_config = cli.config.clone();
    match cli.command {
        Command::Run {
            pipelines,
            all,
            force,
            strict,
            file,
        } => {
            if pipelines.is_empty() && !all {
                anyhow::bail!("name the pipeline files to run, or use --all");
            }
            if file.is_some() && pipelines.len() != 1 {
                anyhow::bail!("--file runs one pipeline: name exactly one");
            }
            let paths = pipeline_paths(&settings, pipelines)?;
            let warehouse = Warehouse::open(&settings.warehouse_url).await?;
            let interrupted = warehouse
                .fail_interrupted_runs(&run::host_name(), run::process_alive)
                .await?;
            if interrupted > 0 {
                eprintln!("note: marked {interrupted} interrupted run(s) as failed");
            }
            let mut ctx = Context::new(settings, warehouse);
            let mut worst = None;
            let mut total = jstac_warehouse::FileSummary::default();
            let mut seconds = 0.0;
            for path in &paths {
                let report = match &file {
                    Some(file) => {
                        run::run_pipeline_on(&mut ctx, path, std::slice::from_ref(file), force)
                            .await
                    }
                    None => run::run_pipeline(&mut ctx, path, force).await,
                };
                for (_, message) in &report.failures {
                    eprintln!("error: {message}");
                }
                let secs = report.elapsed.as_secs_f64();
                println!(
                    "{}: run {} | files: {} loaded, {} skipped, {} failed | records: {} read, {} loaded, {} quarantined | {:.2} s, {:.0} records/s",
                    report.pipeline,
                    report.run_id.map_or("-".to_owned(), |id| id.to_string()),
                    report.files_loaded,
                    report.files_skipped,
                    report.files_failed,
                    report.records.read,
                    report.records.loaded,
                    report.records.quarantined,
                    secs,
                    if secs > 0.0 {
                        report.records.read as f64 / secs
                    } else {
                        0.0
                    },
                );
                for line in output::field_lines(&report.fields) {
                    println!("  {line}");
                }
                total.read += report.records.read;
                total.loaded += report.records.loaded;
                total.quarantined += report.records.quarantined;
                seconds += secs;
                worst = worst.max(report.worst(strict));
            }
            if paths.len() > 1 {
                println!(
                    "total: {} pipelines | records: {} read, {} loaded, {} quarantined | {:.2} s",
                    paths.len(),
                    total.read,
                    total.loaded,
                    total.quarantined,
                    seconds
                );
            }
            ctx.warehouse.close().await;
            if total.quarantined > 0 {
                eprintln!(
                    "note: {} record(s) quarantined with their reasons; see `jstac quarantine`",
                    total.quarantined
                );
            }
            Ok(exit(worst))
        }
        Command::Schedule => schedule::run(&cli_global(&cli_config, &settings), settings).await,
        Command::Plugins { format } => {
            let dirs = settings.plugin_search_path();
            let mut rows = Vec::new();
            let mut failed = false;
            for path in jstac_host::candidate_libraries(&dirs) {
                match jstac_host::Plugin::load(&path) {
                    Ok(plugin) => {
                        let info = plugin.info();
                        rows.push(vec![
                            json!(info.name),
                            json!(info.version),
                            json!(info.formats.join(", ")),
                            json!(path.display().to_string()),
                            json!("ok"),
                        ]);
                    }
                    Err(e) => {
                        failed = true;
                        rows.push(vec![
                            Json::Null,
                            Json::Null,
                            Json::Null,
                            json!(path.display().to_string()),
                            json!(e.to_string()),
                        ]);
                    }
                }
            }
            let columns = ["name", "version", "formats", "path", "status"].map(String::from);
            output::print(&columns, &rows, format)?;
            Ok(exit(failed.then_some(Failure::Infrastructure)))
        }
        Command::Validate { pipelines } => {
            let paths = pipeline_paths(&settings, pipelines)?;
            let mut ctx_plugins = PluginOnly(settings);
            let mut worst = None;
            for path in &paths {
                match ctx_plugins.validate(path) {
                    Ok(summary) => println!("ok: {} ({summary})", path.display()),
                    Err((failure, message)) => {
                        eprintln!("{message}");
                        worst = worst.max(Some(failure));
                    }
                }
            }
            Ok(exit(worst))
        }
        Command::Runs {
            command,
            pipeline,
            status,
            since,
            limit,
            format,
        } => {
            let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
            let code = match command {
                Some(RunsCommand::Show { run, format }) => {
                    runs::show(&warehouse, run, format).await?
                }
                None => {
                    runs::list(
                        &warehouse,
                        pipeline,
                        status,
                        since.as_deref(),
                        limit,
                        format,
                    )
                    .await?
                }
            };
            warehouse.close().await;
            Ok(code)
        }
        Command::Fields { run, format } => {
            let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
            let stats = warehouse.field_stats(run).await?;
            let columns = [
                "run",
                "rule",
                "field",
                "normaliser",
                "normalised",
                "unmatched",
                "quarantined",
            ]
            .map(String::from);
            let rows: Vec<Vec<Json>> = stats
                .into_iter()
                .map(|f| {
                    vec![
                        json!(f.run_id),
                        json!(f.rule),
                        json!(f.field),
                        json!(f.normaliser),
                        json!(f.normalised),
                        json!(f.unmatched),
                        json!(f.quarantined),
                    ]
                })
                .collect();
            output::print(&columns, &rows, format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Quarantine {
            run,
            limit,
            raw,
            format,
        } => {
            let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
            let entries = warehouse.quarantine(run, limit).await?;
            let mut columns = ["run", "file", "locator", "field", "reason"]
                .map(String::from)
                .to_vec();
            if raw {
                columns.push("raw_record".into());
            }
            let rows: Vec<Vec<Json>> = entries
                .into_iter()
                .map(|q| {
                    let mut row = vec![
                        json!(q.run_id),
                        json!(q.path),
                        json!(q.locator),
                        json!(q.field),
                        json!(q.reason),
                    ];
                    if raw {
                        row.push(json!(q.raw_record));
                    }
                    row
                })
                .collect();
            output::print(&columns, &rows, format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plugin {
            command: PluginCommand::New { name, dir },
        } => match plugin_new::create(&name, &dir) {
            Ok(root) => {
                let shown = root.display();
                println!(
                    "created {shown}: jstac-plugin-{name}, a fixed-width text reader to adapt"
                );
                println!("next:");
                println!(
                    "  1. add \"{shown}\" to [workspace] members (and default-members) in Cargo.toml"
                );
                println!(
                    "  2. change what src/lib.rs marks ADAPT, the fixture, tests/read.rs and compliance.json"
                );
                println!(
                    "  3. cargo test -p jstac-plugin-{name}  (and cargo test -p jstac-tests --test compliance)"
                );
                println!(
                    "  4. cargo build --release; `jstac plugins` lists it; pipelines say plugin = \"{name}\""
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(plugin_new::NewPluginError::Name(message)) => {
                eprintln!("error: {message}");
                Ok(ExitCode::from(Failure::Config.exit_code()))
            }
            Err(plugin_new::NewPluginError::Io(message)) => {
                eprintln!("error: {message}");
                Ok(ExitCode::from(Failure::Infrastructure.exit_code()))
            }
        },
        Command::Inspect {
            file,
            sample,
            sheet,
            record,
            unmask,
            stub,
            format,
        } => {
            let request = inspect::Request {
                file,
                sample: sample.max(1),
                sheet,
                record,
            };
            let inspection = match inspect::inspect(&settings, &request) {
                Ok(inspection) => inspection,
                Err((failure, message)) => {
                    eprintln!("error: {message}");
                    return Ok(ExitCode::from(failure.exit_code()));
                }
            };
            if unmask && !stub {
                eprintln!(
                    "warning: sample values are shown unmasked: they are personal data; do not paste them into tickets, chats or logs"
                );
            }
            if stub {
                print!("{}", inspection.pipeline);
            } else if format == InspectFormat::Json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&inspect::to_json(&inspection, unmask))?
                );
            } else {
                inspect::print_text(&inspection, unmask);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Pipeline {
            command: PipelineCommand::Test { pipelines, update },
        } => {
            let paths = pipeline_paths(&settings, pipelines)?;
            let mut failed = false;
            let mut worst = None;
            for path in &paths {
                match pipeline_test::test_pipeline(&settings, path, update).await {
                    Ok(pipeline_test::TestOutcome::Passed(summary)) => println!("ok: {summary}"),
                    Ok(pipeline_test::TestOutcome::Updated(summary)) => {
                        println!("updated: {summary}")
                    }
                    Ok(pipeline_test::TestOutcome::Failed(differences)) => {
                        failed = true;
                        println!("FAILED: {}", path.display());
                        for difference in &differences {
                            println!("  {difference}");
                        }
                        println!(
                            "  (if the change is intended: jstac pipeline test --update {})",
                            path.display()
                        );
                    }
                    Err((failure, message)) => {
                        eprintln!("error: {message}");
                        worst = worst.max(Some(failure));
                    }
                }
            }
            let passed = !failed && worst.is_none();
            if paths.len() > 1 || !passed {
                println!(
                    "pipeline tests: {} pipeline(s), {}",
                    paths.len(),
                    if passed { "all passed" } else { "FAILED" }
                );
            }
            Ok(match worst {
                Some(failure) => ExitCode::from(failure.exit_code()),
                None if failed => ExitCode::from(1),
                None => ExitCode::SUCCESS,
            })
        }
        Command::Synth(args) => synth::run(&args),
        Command::Report(args) => report::run(&settings, args).await,
        Command::Query { sql, format } => {
            let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
            let result = warehouse.query(&sql).await.context("query failed")?;
            output::print(&result.columns, &result.rows, format)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Validation needs plugins but no warehouse.
struct PluginOnly(Settings);

impl PluginOnly {
    fn validate(&mut self, path: &std::path::Path) -> Result<String, (Failure, String)> {
        let pipeline = pipelines::load(path).map_err(|e| (Failure::Config, e.to_string()))?;
        let plugin = run::find_plugin(&self.0, &pipeline.spec.plugin).map_err(|e| {
            (
                Failure::Infrastructure,
                format!("{}: plugin: {e}", path.display()),
            )
        })?;
        run::check_options(path, &pipeline, &plugin)?;
        let files = pipeline
            .source_files(self.0.source_root.as_deref())
            .map_err(|e| (Failure::Config, e.to_string()))?;
        // The field names of each file (its header; no records are read).
        for file in &files {
            let stream = plugin
                .open(file, &pipeline.spec.source.options, 1)
                .map_err(|e| (Failure::Data, e.to_string()))?;
            jstac_core::Mapping::compile(&pipeline.checked, stream.fields(), &stream.shapes())
                .map_err(|errors| {
                    let mut errors = pipelines::PipelineErrors::from_spec(path, errors);
                    for error in &mut errors.errors {
                        error.push_str(&format!(" [reading {}]", file.display()));
                    }
                    (Failure::Config, errors.to_string())
                })?;
        }
        Ok(format!(
            "plugin {} {}, {} file(s)",
            plugin.info().name,
            plugin.info().version,
            files.len()
        ))
    }
}

/// `jstac runs | head` should end quietly when `head` stops reading, as any
/// Unix tool does, not panic on a broken pipe: Rust ignores SIGPIPE by
/// default, this puts the default action back.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread starts; setting
    // a signal's disposition to its default has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
