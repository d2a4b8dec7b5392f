//! The starting pipeline's keys and values, written by `toml_edit` (so every
//! character TOML refuses raw is escaped), and text made fit for a comment.

use std::fmt::Write as _;

use serde_json::Value as Json;

/// A TOML string as `toml_edit` writes it: every control character
/// escaped (U+007F too), quotes and backslashes escaped or quoted literally.
pub fn toml_string(text: &str) -> String {
    toml_edit::Value::from(text).to_string()
}

/// A key as `toml_edit` writes it: bare when it can be, quoted otherwise.
pub(super) fn toml_key(key: &str) -> String {
    toml_edit::Key::new(key).to_string()
}

/// Text for a comment: a comment ends at a newline and may hold no other
/// control character but tab, so those are written as escapes.
pub(super) fn comment(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped = c.is_control() && c != '\t';
            let shown: Vec<char> = if escaped {
                c.escape_unicode().collect()
            } else {
                vec![c]
            };
            shown
        })
        .collect()
}

fn toml_inline(value: &Json) -> String {
    toml_value(value).to_string()
}

/// A JSON value as a TOML value; null (which TOML lacks) as "".
fn toml_value(value: &Json) -> toml_edit::Value {
    match value {
        Json::Null => "".into(),
        Json::Bool(b) => (*b).into(),
        Json::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        Json::String(s) => s.as_str().into(),
        Json::Array(items) => items
            .iter()
            .map(toml_value)
            .collect::<toml_edit::Array>()
            .into(),
        Json::Object(map) => {
            let mut table: toml_edit::InlineTable = map
                .iter()
                .map(|(k, v)| (toml_edit::Key::new(k.as_str()), toml_value(v)))
                .collect();
            table.fmt();
            table.into()
        }
    }
}

/// Small option tables inline (`options = { delimiter = "," }`); larger
/// or nested ones (XML fields and groups) as `[source.options...]` tables.
pub(super) fn write_options(out: &mut String, options: &Json) {
    let Json::Object(map) = options else {
        return;
    };
    if map.is_empty() {
        return;
    }
    let nested = map
        .values()
        .any(|v| matches!(v, Json::Object(o) if o.len() > 3 || o.values().any(Json::is_object)));
    if !nested {
        let _ = writeln!(out, "options = {}", toml_inline(options));
        return;
    }
    write_table(out, "source.options", map);
}

fn write_table(out: &mut String, header: &str, map: &serde_json::Map<String, Json>) {
    let big =
        |v: &Json| matches!(v, Json::Object(o) if o.len() > 3 || o.values().any(Json::is_object));
    // What a table is about first: the record or group path, then namespaces.
    let rank = |key: &str| match key {
        "record" | "path" => 0,
        "namespaces" => 1,
        _ => 2,
    };
    let mut small: Vec<(&String, &Json)> = map.iter().filter(|(_, v)| !big(v)).collect();
    small.sort_by_key(|(k, _)| rank(k));
    if !small.is_empty() {
        let _ = writeln!(out, "\n[{header}]");
    }
    for (key, value) in small {
        let _ = writeln!(out, "{} = {}", toml_key(key), toml_inline(value));
    }
    for (key, value) in map.iter().filter(|(_, v)| big(v)) {
        if let Json::Object(inner) = value {
            write_table(out, &format!("{header}.{}", toml_key(key)), inner);
        }
    }
}
