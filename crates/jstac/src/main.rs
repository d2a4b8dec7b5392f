//! `jstac`: the command line. The only crate that knows the CLI and the
//! settings files. This file parses the arguments, sets up logging and the
//! settings, and hands each subcommand to its module in `cmd/`; the work is
//! in those modules, the run engine (`run`) and the library crates.

mod cmd;
mod exit;
mod inspect;
mod output;
mod pipeline_test;
mod pipelines;
mod plugin_new;
mod rederive;
mod resolve;
mod run;
mod settings;

/// mimalloc: a load allocates and frees many small strings on several
/// threads, and glibc's arena locks were a tenth of a profiled run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::exit::Failure;
use crate::settings::Settings;

/// Load agency files on modern slavery and trafficking into one warehouse.
///
/// Exit codes: 0 success; 1 `pipeline test`: rows differ from the expected
/// files; 64 usage (a missing or bad argument, no such run); 65 bad data (a
/// file rejected; with `run --strict`, records quarantined; a query the
/// warehouse refused); 69 infrastructure failure (warehouse, plugin
/// library, files); 70 a plugin crashed; 78 a pipeline or setting is wrong.
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
    Run(cmd::run::RunArgs),
    /// Run pipelines unattended, as `[schedule]` in the settings says: each
    /// new file of an inbox folder through its pipeline (in a child
    /// process, then moved to archive/ or failed/), and whole pipelines on
    /// cron expressions. Stops on SIGTERM or SIGINT once running files end.
    Schedule,
    /// List the plugins found, their versions and formats, and why any failed to load.
    Plugins(cmd::plugins::PluginsArgs),
    /// List the agencies pipelines may name: the bundled ones and those
    /// registered under `[agencies.CODE]` in the settings.
    Agencies(cmd::agencies::AgenciesArgs),
    /// Check pipeline files (all in the pipelines directory by default) without loading anything.
    Validate(cmd::validate::ValidateArgs),
    /// Run history, newest first; `runs show ID` for one run's files,
    /// field counts and error.
    #[command(args_conflicts_with_subcommands = true)]
    Runs(cmd::runs::RunsArgs),
    /// What each normaliser, lookup and date column did in a run (default:
    /// every run of the latest `jstac run`): values normalised, unmatched,
    /// quarantined.
    Fields(cmd::fields::FieldsArgs),
    /// Quarantined records of a run (default: every run of the latest `jstac
    /// run`), at most --limit (a cut list says so); `quarantine replay`
    /// loads those that pass the pipeline file as it is now.
    #[command(args_conflicts_with_subcommands = true)]
    Quarantine(cmd::quarantine::QuarantineArgs),
    /// Run a read-only SQL query against the warehouse.
    Query(cmd::query::QueryArgs),
    /// Look at a new agency file: its format (from the content), sheets or
    /// candidate record paths, fields with inferred types, null rates and
    /// masked samples, and a starting pipeline file. Reads a sample through
    /// the installed plugin, never the whole file.
    Inspect(cmd::inspect::InspectArgs),
    /// Work with plugins.
    Plugin(cmd::plugin::PluginArgs),
    /// Write a wholly synthetic multi-agency dataset (every agency's files
    /// in its pipeline's format, NRM calibrated to 2016) and its ground truth.
    Synth(cmd::synth::SynthArgs),
    /// Analysts' reports computed by the warehouse: nrm-summary,
    /// agency-coverage, data-quality.
    Report(cmd::report::ReportArgs),
    /// Work with pipeline files.
    Pipeline(cmd::pipeline::PipelineArgs),
    /// Which person records of different agencies are one person.
    Resolve(cmd::resolve::ResolveArgs),
    /// Record an analyst's verdict on two records or resolved persons.
    Judge(cmd::judge::JudgeArgs),
    /// Why a resolved person's records are together, and what was kept apart.
    Explain(cmd::explain::ExplainArgs),
    /// Take a loaded file (by path or SHA-256) or a whole run out of the
    /// warehouse: its records, their values and assertions, and every row
    /// no other record asserts; rows others assert are derived again from
    /// theirs. The ledger keeps who, when and why, never the data.
    Retract(cmd::retract::RetractArgs),
    /// The loaded files past their agency's or dataset's retention period
    /// (`[agencies.CODE] retention` in the settings), each counted from
    /// when it loaded; a dry run unless --apply, which retracts them (as
    /// `jstac retract`, reason `retention: …`).
    Retain(cmd::retain::RetainArgs),
    /// Check the warehouse against its hash-chained ledger and its records:
    /// exit 1 naming each table and file changed outside jstac.
    Verify(cmd::verify::VerifyArgs),
}

fn main() -> ExitCode {
    restore_sigpipe();
    // clap's own usage errors exit 64 as ours do (clap says 2); help and
    // --version print to stdout and exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(Failure::Usage.exit_code())
            } else {
                ExitCode::SUCCESS
            };
        }
    };
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
            exit::of_error(&e)
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

/// The global flags a child `jstac run` needs to see what this process sees.
fn child_args(config: &Option<PathBuf>, settings: &Settings) -> Vec<std::ffi::OsString> {
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

/// Each subcommand's module does the work: one line per subcommand.
async fn dispatch(cli: Cli) -> Result<ExitCode> {
    // A mistake in the settings is a configuration error (78), like a
    // pipeline's.
    let settings = match settings(&cli) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::from(Failure::Config.exit_code()));
        }
    };
    match cli.command {
        Command::Run(args) => cmd::run::run(settings, args).await,
        Command::Schedule => {
            cmd::schedule::run(&child_args(&cli.config, &settings), settings).await
        }
        Command::Plugins(args) => cmd::plugins::run(&settings, args),
        Command::Agencies(args) => cmd::agencies::run(&settings, args),
        Command::Validate(args) => cmd::validate::run(&settings, args),
        Command::Runs(args) => cmd::runs::run(&settings, args).await,
        Command::Fields(args) => cmd::fields::run(&settings, args).await,
        Command::Quarantine(args) => cmd::quarantine::run(&settings, args).await,
        Command::Query(args) => cmd::query::run(&settings, args).await,
        Command::Inspect(args) => cmd::inspect::run(&settings, args),
        Command::Plugin(args) => cmd::plugin::run(args),
        Command::Synth(args) => cmd::synth::run(&args),
        Command::Report(args) => cmd::report::run(&settings, args).await,
        Command::Pipeline(args) => cmd::pipeline::run(&settings, args).await,
        Command::Resolve(args) => cmd::resolve::run(&settings, args).await,
        Command::Judge(args) => cmd::judge::run(&settings, args).await,
        Command::Explain(args) => cmd::explain::run(&settings, args).await,
        Command::Retract(args) => cmd::retract::run(&settings, args).await,
        Command::Retain(args) => cmd::retain::run(&settings, args).await,
        Command::Verify(args) => cmd::verify::run(&settings, args).await,
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
