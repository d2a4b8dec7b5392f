//! `jstac inspect FILE`: what a new agency file is and holds, read through
//! the installed plugin for its format (so what is inspected is what a run
//! reads), and a starting pipeline file. Reads a bounded sample, never the
//! whole file; sample values are masked unless `--unmask`.

use std::path::{Component, Path, PathBuf};

use jstac_core::FieldShape;
use jstac_host::Plugin;
use jstac_inspect::stub::{self, StubInput};
use jstac_inspect::xml::XmlShape;
use jstac_inspect::{Detected, FieldProfile, FieldReport, SheetInfo};
use serde_json::{Value as Json, json};

use crate::exit::Failure;
use crate::settings::Settings;

/// Records per batch while sampling.
const SAMPLE_BATCH: u32 = 256;

/// What `jstac inspect` was asked.
#[derive(Debug, Clone)]
pub struct Request {
    pub file: PathBuf,
    pub sample: usize,
    pub sheet: Option<String>,
    pub record: Option<String>,
}

/// What was found.
#[derive(Debug)]
pub struct Inspection {
    pub file: PathBuf,
    pub detected: Detected,
    pub plugin: String,
    pub plugin_version: String,
    pub options: Json,
    pub sheets: Vec<SheetInfo>,
    pub xml: Option<XmlShape>,
    pub sampled: u64,
    /// The plugin's stream ended within the sample.
    pub complete: bool,
    /// Records the plugin could not read, with the first reasons.
    pub rejected: u64,
    pub reject_reasons: Vec<String>,
    pub fields: Vec<FieldReport>,
    pub pipeline: String,
}

type Failed = (Failure, String);

pub fn inspect(settings: &Settings, request: &Request) -> Result<Inspection, Failed> {
    let file = &request.file;
    if !file.is_file() {
        return Err((
            Failure::Infrastructure,
            format!("{}: no such file", file.display()),
        ));
    }
    let data = |e: jstac_inspect::InspectError| (Failure::Data, e.to_string());
    let detected = jstac_inspect::detect(file).map_err(data)?;
    let mut xml = None;
    let options = match &detected {
        Detected::Csv {
            delimiter,
            encoding,
            ..
        } => json!({ "delimiter": delimiter.to_string(), "encoding": encoding.label() }),
        Detected::Spreadsheet { .. } => match &request.sheet {
            Some(sheet) => match sheet.parse::<u32>() {
                Ok(index) => json!({ "sheet": index }),
                Err(_) => json!({ "sheet": sheet }),
            },
            None => json!({}),
        },
        Detected::Xml { .. } => {
            let shape = jstac_inspect::xml::scan(file, request.sample, request.record.as_deref())
                .map_err(data)?;
            let options = shape.options.clone().ok_or_else(|| {
                (
                    Failure::Data,
                    format!(
                        "{}: no element repeats, so no record path to propose; name one with --record /Root/Element",
                        file.display()
                    ),
                )
            })?;
            xml = Some(shape);
            options
        }
    };
    let plugin = plugin_for(settings, detected.format_name())?;
    let problems = plugin.check_options(&options);
    if let Some((at, message)) = problems.first() {
        return Err((
            Failure::Plugin,
            format!(
                "{}: plugin {} refused the options inspect chose (source.options{at}: {message})",
                file.display(),
                plugin.info().name
            ),
        ));
    }
    let mut stream = plugin
        .open(file, &options, SAMPLE_BATCH)
        .map_err(|e| Failure::of_read(&e))?;
    let shapes = stream.shapes();
    let mut profiles: Vec<FieldProfile> = stream
        .fields()
        .iter()
        .zip(&shapes)
        .map(|(name, shape)| FieldProfile::new(name, *shape == FieldShape::List))
        .collect();
    let mut sampled = 0u64;
    let mut rejected = 0u64;
    let mut reject_reasons = Vec::new();
    let mut complete = true;
    'batches: while let Some(batch) = stream.next_batch() {
        let batch = batch.map_err(|e| Failure::of_read(&e))?;
        for row in 0..batch.len() {
            if sampled as usize >= request.sample {
                complete = false;
                break 'batches;
            }
            sampled += 1;
            if let Some(reason) = batch.reject(row) {
                rejected += 1;
                if reject_reasons.len() < 3 {
                    reject_reasons.push(format!("{}: {reason}", batch.locator(row)));
                }
                continue;
            }
            for (index, profile) in profiles.iter_mut().enumerate() {
                match shapes[index] {
                    FieldShape::Single => {
                        profile.observe(batch.value(index, row), batch.kind(index, row));
                    }
                    FieldShape::List => {
                        for element in 0..batch.list_len(index, row) {
                            profile.observe(
                                batch.list_value(index, row, element),
                                jstac_core::Kind::Text,
                            );
                        }
                    }
                }
            }
        }
    }
    drop(stream);
    let sheets = match &detected {
        Detected::Spreadsheet { kind } => jstac_inspect::sheets(file, kind).map_err(data)?,
        _ => Vec::new(),
    };
    // Bind the pipeline to the sheet read, by name, as the plugin chose it
    // (the first visible worksheet) when none was asked for.
    let mut options = options;
    if options.get("sheet").is_none() {
        let read = sheets
            .iter()
            .find(|s| s.visibility == "visible" && s.kind == "worksheet");
        if let (Some(sheet), Some(map)) = (read, options.as_object_mut()) {
            map.insert("sheet".into(), json!(sheet.name));
        }
    }
    let fields: Vec<FieldReport> = profiles.into_iter().map(FieldProfile::finish).collect();
    let source_path = relative_glob(file, &settings.pipelines_dir);
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pipeline = stub::render(&StubInput {
        file_name: &file_name,
        plugin: &plugin.info().name,
        source_path: &source_path,
        options: &options,
        fields: &fields,
        sampled,
    });
    Ok(Inspection {
        file: file.clone(),
        detected,
        plugin: plugin.info().name.clone(),
        plugin_version: plugin.info().version.clone(),
        options,
        sheets,
        xml,
        sampled,
        complete,
        rejected,
        reject_reasons,
        fields,
        pipeline,
    })
}

/// The installed plugin that reads `format`: one named like the format
/// family first (`csv`, `spreadsheet`, `xml`), else any that lists it.
fn plugin_for(settings: &Settings, format: &str) -> Result<Plugin, Failed> {
    let preferred = match format {
        "csv" => "csv",
        "xml" => "xml",
        _ => "spreadsheet",
    };
    let mut found: Option<Plugin> = None;
    for path in jstac_host::candidate_libraries(&settings.plugin_search_path()) {
        let Ok(plugin) = Plugin::load(&path) else {
            continue;
        };
        if !plugin.info().formats.iter().any(|f| f == format) {
            continue;
        }
        if plugin.info().name == preferred {
            return Ok(plugin);
        }
        found.get_or_insert(plugin);
    }
    found.ok_or_else(|| {
        (
            Failure::Infrastructure,
            format!(
                "no installed plugin reads {format} files (`jstac plugins` lists what is installed; build them with `cargo build --release`)"
            ),
        )
    })
}

/// `source.path` for a pipeline saved in `pipelines_dir`: the file's
/// directory relative to it, and `*.EXT`.
fn relative_glob(file: &Path, pipelines_dir: &Path) -> String {
    let pattern = match file.extension() {
        Some(ext) => format!("*.{}", ext.to_string_lossy()),
        None => file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let dir = file
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .and_then(|p| p.canonicalize().ok());
    let base = pipelines_dir.canonicalize().ok().or_else(|| {
        std::env::current_dir()
            .ok()
            .map(|cwd| cwd.join(pipelines_dir))
    });
    let Some(dir) = dir else {
        return pattern;
    };
    let relative = match base {
        Some(base) => relative_path(&dir, &base),
        None => dir,
    };
    let relative = relative.join(&pattern);
    relative.to_string_lossy().replace('\\', "/")
}

fn relative_path(target: &Path, base: &Path) -> PathBuf {
    let target: Vec<Component<'_>> = target.components().collect();
    let base: Vec<Component<'_>> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for component in &target[common..] {
        out.push(component.as_os_str());
    }
    out
}

/// Sample values for the screen: masked unless `unmask`.
fn samples(field: &FieldReport, unmask: bool) -> Vec<String> {
    let mut shown: Vec<String> = Vec::new();
    for sample in &field.samples {
        let text = if unmask {
            sample.clone()
        } else {
            jstac_inspect::mask(sample)
        };
        if !shown.contains(&text) {
            shown.push(text);
        }
    }
    shown
}

/// At most `max` characters, with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max - 1).collect();
    clipped.push('…');
    clipped
}

pub fn to_json(inspection: &Inspection, unmask: bool) -> Json {
    let fields: Vec<Json> = inspection
        .fields
        .iter()
        .map(|field| {
            let mut value = serde_json::to_value(field).unwrap_or(Json::Null);
            value["samples"] = json!(samples(field, unmask));
            value
        })
        .collect();
    json!({
        "file": inspection.file.display().to_string(),
        "detected": inspection.detected,
        "description": inspection.detected.describe(),
        "plugin": { "name": inspection.plugin, "version": inspection.plugin_version },
        "options": inspection.options,
        "sheets": inspection.sheets,
        "record_paths": inspection.xml.as_ref().map(|x| &x.candidates),
        "record": inspection.xml.as_ref().and_then(|x| x.record.clone()),
        "sampled": inspection.sampled,
        "complete": inspection.complete,
        "rejected": inspection.rejected,
        "reject_reasons": inspection.reject_reasons,
        "samples_masked": !unmask,
        "fields": fields,
        "pipeline": inspection.pipeline,
    })
}

pub fn print_text(inspection: &Inspection, unmask: bool) {
    println!("file:     {}", inspection.file.display());
    println!("format:   {}", inspection.detected.describe());
    let options = inspection.options.to_string();
    println!(
        "plugin:   {} {} with options {}",
        inspection.plugin,
        inspection.plugin_version,
        if options.len() <= 100 {
            options
        } else {
            "as in the pipeline below".to_owned()
        }
    );
    if !inspection.sheets.is_empty() {
        println!("sheets:");
        let read = inspection.options.get("sheet");
        for sheet in &inspection.sheets {
            let chosen = read == Some(&json!(sheet.name)) || read == Some(&json!(sheet.index));
            println!(
                "  {} {} {:?} ({}, {}){}",
                if chosen { "*" } else { " " },
                sheet.index,
                sheet.name,
                sheet.kind,
                sheet.visibility,
                if chosen {
                    "  <- read (another: --sheet NAME)"
                } else {
                    ""
                }
            );
        }
    }
    if let Some(xml) = &inspection.xml {
        println!("repeated element paths (candidate records; count, most under one parent):");
        for candidate in &xml.candidates {
            let chosen = xml.record.as_deref() == Some(candidate.path.as_str());
            println!(
                "  {} {} ({}, {}){}",
                if chosen { "*" } else { " " },
                candidate.path,
                candidate.count,
                candidate.max_per_parent,
                if chosen { "  <- records" } else { "" }
            );
        }
        if xml.partial {
            println!("  (from the start of the file only)");
        }
    }
    println!(
        "sampled:  {} record(s){}",
        inspection.sampled,
        if inspection.complete {
            " (the whole file)"
        } else {
            " (the first ones; the file has more)"
        }
    );
    if inspection.rejected > 0 {
        println!(
            "rejected: {} record(s) the plugin could not read, e.g. {}",
            inspection.rejected,
            inspection.reject_reasons.join("; ")
        );
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "field", "type", "format", "empty", "unique", "samples", "note",
    ]);
    for field in &inspection.fields {
        table.add_row([
            field.name.clone(),
            format!(
                "{}{}",
                field.inferred.ty,
                if field.list { " (list)" } else { "" }
            ),
            field.inferred.format.clone().unwrap_or_default(),
            format!("{:.0}%", field.null_rate * 100.0),
            if field.unique { "yes" } else { "" }.to_owned(),
            samples(field, unmask)
                .iter()
                .map(|s| clip(s, 24))
                .collect::<Vec<_>>()
                .join(" | "),
            field.inferred.note.clone().unwrap_or_default(),
        ]);
    }
    println!("{table}");
    if !unmask {
        println!("(samples are masked; --unmask shows them: personal data)");
    }
    println!(
        "\n--- starting pipeline: save it in the pipelines directory (e.g. `jstac inspect FILE --stub > pipelines/NAME.toml`), then edit ---\n"
    );
    print!("{}", inspection.pipeline);
}
