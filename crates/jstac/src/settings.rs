//! Settings, layered by the `config` crate: defaults, then `jstac.toml` in
//! the working directory (or `--config FILE`), then `JSTAC_*` environment
//! variables (`JSTAC_WAREHOUSE_URL`, `JSTAC_PLUGIN_DIRS=dir1:dir2`), then
//! command-line flags.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use jstac_core::AgencyRegistry;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `sqlite://PATH` (created if missing).
    pub warehouse_url: String,
    /// Where `run --all` and `validate` look for pipeline files.
    pub pipelines_dir: PathBuf,
    /// Where plugins are looked for (`libjstac_plugin_NAME.so`).
    #[serde(default)]
    pub plugin_dirs: Vec<PathBuf>,
    /// Where pipelines' relative `source.path` globs are read, their first
    /// folder (`samples/`) replaced by it; unset: beside the pipeline file.
    #[serde(default)]
    pub source_root: Option<PathBuf>,
    /// Records per batch crossing the plugin boundary.
    pub batch_size: u32,
    /// What `jstac schedule` watches and when it runs (`[schedule]`).
    #[serde(default)]
    pub schedule: ScheduleSettings,
    /// `[agencies.CODE]`: the deployment's own agencies (a local
    /// authority, an NGO, a foreign partner, a public list), beside the
    /// bundled ones; a bundled code given here takes this name and kind.
    #[serde(default)]
    pub agencies: BTreeMap<String, AgencySetting>,
    /// `[resolve]`: entity resolution (`jstac resolve`, and after runs).
    #[serde(default)]
    pub resolve: ResolveSettings,
    /// The bundled agencies and `agencies`, checked (built by `load`).
    #[serde(skip)]
    pub registry: AgencyRegistry,
    /// The retention periods of `agencies`, parsed (built by `load`).
    #[serde(skip)]
    pub retention: Retention,
}

/// `[resolve]` in `jstac.toml`.
///
/// ```toml
/// [resolve]
/// after_run = true     # resolve after every run that loaded records
/// threshold = 0.98     # a pair matches at this match probability or more
/// max_block = 400      # a blocking key shared by more records is skipped
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveSettings {
    #[serde(default = "default_true")]
    pub after_run: bool,
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    #[serde(default = "default_max_block")]
    pub max_block: usize,
}

impl Default for ResolveSettings {
    fn default() -> Self {
        ResolveSettings {
            after_run: true,
            threshold: default_threshold(),
            max_block: default_max_block(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_threshold() -> f64 {
    jstac_resolve::Settings::default().threshold
}

fn default_max_block() -> usize {
    jstac_resolve::Settings::default().max_block
}

/// One `[agencies.CODE]` entry: a deployment's own agency (name and
/// kind), and/or how long any agency's files are kept (`jstac retain`).
///
/// ```toml
/// [agencies.leeds-cc]
/// name = "Leeds City Council"
/// kind = "local-authority"   # police-force, national-agency, local-authority, ngo, public-list, foreign-partner, other
/// retention = "6y"           # each file kept 6 years after it loaded
///
/// [agencies.police]          # a bundled agency: retention only
/// retention = "6y"
///
/// [agencies.police.datasets.stop-search]
/// retention = "1y"           # this dataset's files: 1 year
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencySetting {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub retention: Option<String>,
    #[serde(default)]
    pub datasets: BTreeMap<String, DatasetSetting>,
}

/// `[agencies.CODE.datasets.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSetting {
    pub retention: Option<String>,
}

/// Retention periods from `[agencies]`: a file of the agency (or of the
/// dataset, which overrides its agency's) loaded longer ago than this is
/// past retention (`jstac retain`). An agency without one is kept for ever.
#[derive(Debug, Clone, Default)]
pub struct Retention {
    agencies: BTreeMap<String, (String, std::time::Duration)>,
    datasets: BTreeMap<(String, String), (String, std::time::Duration)>,
}

impl Retention {
    /// The period for a dataset of an agency, as written and parsed.
    pub fn of(&self, agency: &str, dataset: &str) -> Option<&(String, std::time::Duration)> {
        self.datasets
            .get(&(agency.to_owned(), dataset.to_owned()))
            .or_else(|| self.agencies.get(agency))
    }

    pub fn is_empty(&self) -> bool {
        self.agencies.is_empty() && self.datasets.is_empty()
    }
}

/// A retention period: `humantime`'s durations (`6y`, `18months`, `30d`,
/// `2w`; a year is 365.25 days, a month 30.44), above zero.
fn retention_period(at: &str, text: &str) -> Result<std::time::Duration> {
    let period = humantime::parse_duration(text).with_context(|| {
        format!("{at}.retention {text:?}: a duration such as 6y, 18months, 30d")
    })?;
    anyhow::ensure!(!period.is_zero(), "{at}.retention must be above zero");
    Ok(period)
}

/// `[schedule]` in `jstac.toml`: the daemon's poll interval, its retry cap,
/// and per pipeline an inbox folder and/or a cron expression.
///
/// ```toml
/// [schedule]
/// poll_seconds = 10          # how often inboxes are listed
/// max_backoff_seconds = 600  # cap of the retry delay after exit 69
///
/// [[schedule.pipelines]]
/// pipeline = "pipelines/acme_cases.toml"
/// inbox = "/srv/jstac/inbox/acme"   # each new file is run on its own
/// cron = "15 2 * * *"               # and/or: the whole pipeline, nightly (UTC)
///
/// [schedule]
/// retain = "30 3 * * *"     # `jstac retain --apply` on this cron line (UTC)
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: f64,
    #[serde(default = "default_max_backoff_seconds")]
    pub max_backoff_seconds: f64,
    #[serde(default)]
    pub pipelines: Vec<ScheduledPipeline>,
    /// A cron expression on which `jstac retain --apply` runs.
    pub retain: Option<String>,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            poll_seconds: default_poll_seconds(),
            max_backoff_seconds: default_max_backoff_seconds(),
            pipelines: Vec::new(),
            retain: None,
        }
    }
}

fn default_poll_seconds() -> f64 {
    10.0
}

fn default_max_backoff_seconds() -> f64 {
    600.0
}

/// One `[[schedule.pipelines]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledPipeline {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// A folder polled for new files; each is run through the pipeline alone.
    pub inbox: Option<PathBuf>,
    /// A cron expression (UTC; 5 fields, or 6 with seconds first): the whole
    /// pipeline (its own `source.path`) is run at each occurrence.
    pub cron: Option<String>,
}

/// The keys a settings file may have at its top level: the fields
/// [`Settings`] reads, as serde lists them (`[schedule]`, `[agencies.CODE]`
/// and `[resolve]` refuse unknown keys of their own through serde), so a
/// setting added to `Settings` is known here without a second list.
fn setting_keys() -> &'static [&'static str] {
    /// A deserializer that only asks the struct for its field names.
    struct FieldNames(&'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for &mut FieldNames {
        type Error = serde::de::value::Error;
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("only the field names are read"))
        }
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _visitor: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom(
                "only a struct's field names are read",
            ))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names = FieldNames(&[]);
    // The error is the point: the field names were read on the way.
    let _ = Settings::deserialize(&mut names);
    names.0
}

/// Refuses a settings file's top-level key that is not a setting, naming
/// the nearest one: a mistyped `warehouse_ulr` would otherwise be ignored
/// and the data go to the default warehouse.
fn check_keys(file: &Path) -> Result<()> {
    let table = config::Config::builder()
        .add_source(config::File::from(file).format(config::FileFormat::Toml))
        .build()
        .and_then(config::Config::try_deserialize::<BTreeMap<String, config::Value>>)
        .with_context(|| format!("reading settings file {}", file.display()))?;
    let mut unknown: Vec<&String> = table
        .keys()
        .filter(|key| !setting_keys().contains(&key.as_str()))
        .collect();
    unknown.sort();
    let Some(key) = unknown.first() else {
        return Ok(());
    };
    let nearest = setting_keys()
        .iter()
        .map(|known| (strsim::jaro_winkler(&key.to_lowercase(), known), known))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known);
    let hint = match nearest {
        Some(known) => format!("did you mean {known:?}?"),
        None => format!("the settings are {}", setting_keys().join(", ")),
    };
    anyhow::bail!("{}: unknown setting {key:?} ({hint})", file.display())
}

impl Settings {
    pub fn load(config_file: Option<&Path>) -> Result<Settings> {
        let default_file = Path::new("jstac.toml");
        match config_file {
            Some(path) if path.is_file() => check_keys(path)?,
            None if default_file.is_file() => check_keys(default_file)?,
            _ => {}
        }
        let mut builder = config::Config::builder()
            .set_default("warehouse_url", "sqlite://warehouse.db")?
            .set_default("pipelines_dir", "pipelines")?
            .set_default("batch_size", 4096)?;
        builder = match config_file {
            Some(path) => {
                builder.add_source(config::File::from(path).format(config::FileFormat::Toml))
            }
            None => builder.add_source(
                config::File::new("jstac.toml", config::FileFormat::Toml).required(false),
            ),
        };
        let mut settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("JSTAC")
                    .prefix_separator("_")
                    .try_parsing(true)
                    .list_separator(":")
                    .with_list_parse_key("plugin_dirs"),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .context("reading settings (jstac.toml and JSTAC_* variables)")?;
        for (code, agency) in &settings.agencies {
            let at = format!("agencies.{code}");
            match (&agency.name, &agency.kind) {
                (Some(name), Some(kind)) => settings
                    .registry
                    .register(code, name, kind)
                    .context("reading settings: [agencies]")?,
                (None, None) if settings.registry.get(code).is_some() => {}
                (None, None) => anyhow::bail!(
                    "reading settings: {at}: not a bundled agency: give its name and kind"
                ),
                _ => anyhow::bail!("reading settings: {at}: give both name and kind"),
            }
            if let Some(text) = &agency.retention {
                let period = retention_period(&at, text)?;
                settings
                    .retention
                    .agencies
                    .insert(code.clone(), (text.clone(), period));
            }
            for (dataset, setting) in &agency.datasets {
                if let Some(text) = &setting.retention {
                    let period = retention_period(&format!("{at}.datasets.{dataset}"), text)?;
                    settings
                        .retention
                        .datasets
                        .insert((code.clone(), dataset.clone()), (text.clone(), period));
                }
            }
        }
        Ok(settings)
    }

    /// `pipelines_dir/NAME.toml` for a bare `NAME` (or `NAME.toml`) that is
    /// no file here; anything else as given.
    fn pipeline_by_name(&self, given: PathBuf) -> PathBuf {
        if given.exists() || given.components().count() != 1 {
            return given;
        }
        let mut file = given.clone().into_os_string();
        if given.extension().is_none_or(|ext| ext != "toml") {
            file.push(".toml");
        }
        let named = self.pipelines_dir.join(file);
        if named.is_file() { named } else { given }
    }

    /// Plugin directories: those configured, then the runner's own directory
    /// and its `plugins/` subdirectory (where `cargo build` puts them).
    pub fn plugin_search_path(&self) -> Vec<PathBuf> {
        let mut dirs = self.plugin_dirs.clone();
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_owned))
        {
            dirs.push(exe_dir.join("plugins"));
            dirs.push(exe_dir);
        }
        dirs
    }

    /// The pipeline files a command works on: those named, or every one in
    /// the pipelines directory. A name that is no file but names one in the
    /// pipelines directory (`police_msa_crimes`, or with `.toml`) is that
    /// file, as `run --all` lists them.
    pub fn pipeline_files(&self, given: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
        if !given.is_empty() {
            return Ok(given
                .into_iter()
                .map(|path| self.pipeline_by_name(path))
                .collect());
        }
        crate::pipelines::discover(&self.pipelines_dir).with_context(|| {
            format!(
                "reading pipelines directory {}",
                self.pipelines_dir.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys are `Settings`' own fields, `[resolve]` included (it was
    /// refused as unknown when a hand-kept list missed it).
    #[test]
    fn the_setting_keys_are_the_settings_fields() {
        assert_eq!(
            setting_keys(),
            [
                "warehouse_url",
                "pipelines_dir",
                "plugin_dirs",
                "source_root",
                "batch_size",
                "schedule",
                "agencies",
                "resolve"
            ]
        );
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            "batch_size = 10\n[resolve]\nafter_run = false\n",
        )
        .unwrap();
        check_keys(file.path()).unwrap();
    }
}
