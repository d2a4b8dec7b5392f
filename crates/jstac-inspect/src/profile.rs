//! Field types from sampled values. A type is proposed only if the
//! mapping's own conversion accepts every sampled value, so a stub column
//! with the guessed type and format loads the sample.

use std::collections::HashSet;

use jstac_core::Kind;
use jstac_core::catalog::ColumnType;
use jstac_core::convert::{Conversion, DateOptions, DateRule};
use serde::Serialize;

/// Text date formats tried, in order: ISO first, then UK day-first forms
/// before the US month-first one (UK agencies), then dates with times.
pub const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%d/%m/%y",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
];

/// Distinct values remembered per field (for uniqueness) and values kept
/// for inference; past these the field is treated as not unique.
const MAX_VALUES: usize = 20_000;
/// Samples shown per field.
const SAMPLES: usize = 3;

/// Collects the sampled values of one source field.
#[derive(Debug, Clone)]
pub struct FieldProfile {
    name: String,
    list: bool,
    observed: u64,
    nulls: u64,
    kinds: Vec<Kind>,
    values: Vec<String>,
    distinct: HashSet<String>,
    overflow: bool,
    samples: Vec<String>,
}

/// What a field holds, as inferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inferred {
    /// `text`, `integer`, `decimal`, `boolean` or `date`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// For text dates: the strftime format every sampled value parses with.
    pub format: Option<String>,
    /// Anything the engineer should know (ambiguous day and month, error cells).
    pub note: Option<String>,
}

impl Inferred {
    pub fn column_type(&self) -> ColumnType {
        ColumnType::from_name(self.ty).unwrap_or(ColumnType::Text)
    }
}

/// A field's profile, finished.
#[derive(Debug, Clone, Serialize)]
pub struct FieldReport {
    pub name: String,
    /// A repeated group's field (one value per group element).
    pub list: bool,
    #[serde(flatten)]
    pub inferred: Inferred,
    /// Values observed (group elements, for list fields).
    pub observed: u64,
    pub nulls: u64,
    /// Share of observed values that are missing or blank, 0 to 1.
    pub null_rate: f64,
    /// Every observed value present and no two alike.
    pub unique: bool,
    /// Up to three distinct values as read (personal data: mask before showing).
    #[serde(skip)]
    pub samples: Vec<String>,
}

impl FieldProfile {
    pub fn new(name: impl Into<String>, list: bool) -> Self {
        FieldProfile {
            name: name.into(),
            list,
            observed: 0,
            nulls: 0,
            kinds: Vec::new(),
            values: Vec::new(),
            distinct: HashSet::new(),
            overflow: false,
            samples: Vec::new(),
        }
    }

    /// One value of the field (`None` for missing), of the kind the plugin gave.
    pub fn observe(&mut self, value: Option<&str>, kind: Kind) {
        self.observed += 1;
        let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
            self.nulls += 1;
            return;
        };
        if !self.kinds.contains(&kind) {
            self.kinds.push(kind);
        }
        // An error cell's text is the error and its cell, not a value.
        if kind == Kind::Error {
            return;
        }
        if self.values.len() >= MAX_VALUES {
            self.overflow = true;
            return;
        }
        if self.distinct.insert(text.to_owned()) && self.samples.len() < SAMPLES {
            self.samples.push(text.to_owned());
        }
        self.values.push(text.to_owned());
    }

    pub fn finish(self) -> FieldReport {
        let inferred = infer(&self.values, &self.kinds);
        let present = self.observed - self.nulls;
        FieldReport {
            unique: self.nulls == 0
                && present > 0
                && !self.overflow
                && self.distinct.len() as u64 == present,
            null_rate: if self.observed == 0 {
                1.0
            } else {
                self.nulls as f64 / self.observed as f64
            },
            name: self.name,
            list: self.list,
            inferred,
            observed: self.observed,
            nulls: self.nulls,
            samples: self.samples,
        }
    }
}

fn inferred(ty: ColumnType, format: Option<&str>, note: Option<String>) -> Inferred {
    Inferred {
        ty: ty.name(),
        format: format.map(str::to_owned),
        note,
    }
}

/// All `values` convert with `conversion`, as values of `kind`.
fn all_convert(values: &[String], kind: Kind, conversion: &Conversion) -> bool {
    values
        .iter()
        .all(|v| conversion.apply_typed(Some(v), kind).is_ok())
}

/// Infers a type from the present values and the kinds the plugin gave them.
pub fn infer(values: &[String], kinds: &[Kind]) -> Inferred {
    if values.is_empty() {
        return inferred(
            ColumnType::Text,
            None,
            Some("always empty in the sample".into()),
        );
    }
    if kinds.contains(&Kind::Error) {
        let value_kinds: Vec<Kind> = kinds
            .iter()
            .copied()
            .filter(|k| *k != Kind::Error)
            .collect();
        let mut found = infer(values, &value_kinds);
        let note = "has error cells (#N/A, #DIV/0!): a record mapping this field is quarantined";
        found.note = Some(match found.note {
            Some(other) if !values.is_empty() => format!("{note}; {other}"),
            _ => note.to_owned(),
        });
        return found;
    }
    let only = |wanted: &[Kind]| kinds.iter().all(|k| wanted.contains(k));
    if only(&[Kind::Date, Kind::DateTime]) {
        return inferred(
            ColumnType::Date,
            None,
            Some("date cells: no format needed".into()),
        );
    }
    if only(&[Kind::Number]) {
        return if all_convert(values, Kind::Number, &Conversion::Integer) {
            inferred(ColumnType::Integer, None, None)
        } else {
            inferred(ColumnType::Decimal, None, None)
        };
    }
    if only(&[Kind::Boolean]) {
        return inferred(ColumnType::Boolean, None, None);
    }
    if !only(&[Kind::Text]) {
        return inferred(
            ColumnType::Text,
            None,
            Some("mixed cell types (numbers, dates or text)".into()),
        );
    }
    infer_text(values)
}

fn infer_text(values: &[String]) -> Inferred {
    let words_only = values.iter().all(|v| {
        ["true", "false", "yes", "no", "y", "n", "t", "f"]
            .iter()
            .any(|w| v.eq_ignore_ascii_case(w))
    });
    if words_only {
        return inferred(ColumnType::Boolean, None, None);
    }
    // Identifiers keep their leading zeros and long digit strings: text.
    let identifier_like = values.iter().any(|v| {
        let digits = v.trim_start_matches(['+', '-']);
        (digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0."))
            || digits.len() > 15
    });
    let integral = values.iter().all(|v| {
        let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    if integral && !identifier_like {
        return inferred(ColumnType::Integer, None, None);
    }
    for (index, format) in DATE_FORMATS.iter().enumerate() {
        let Some(conversion) = date_conversion(format) else {
            continue;
        };
        if !all_convert(values, Kind::Text, &conversion) {
            continue;
        }
        // Day-first and month-first both parse when no day is above 12.
        let twin = match *format {
            "%d/%m/%Y" => Some("%m/%d/%Y"),
            _ => None,
        };
        let note = twin
            .filter(|twin| {
                DATE_FORMATS[index..].contains(twin)
                    && date_conversion(twin)
                        .is_some_and(|twin| all_convert(values, Kind::Text, &twin))
            })
            .map(|twin| {
                format!("day and month are ambiguous in the sample ({format} or {twin}); check with the agency")
            });
        return inferred(ColumnType::Date, Some(format), note);
    }
    if !identifier_like
        && !integral
        && values.iter().any(|v| v.contains(['.', ',', '£']))
        && all_convert(values, Kind::Text, &Conversion::Decimal)
    {
        return inferred(ColumnType::Decimal, None, None);
    }
    inferred(ColumnType::Text, None, None)
}

/// The mapping's own date conversion for one format, as a pipeline with
/// `format = "..."` and no other date option gets it.
fn date_conversion(format: &str) -> Option<Conversion> {
    DateRule::new(vec![format.to_owned()], DateOptions::default())
        .ok()
        .map(Conversion::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(values: &[&str]) -> Inferred {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        infer(&values, &[Kind::Text])
    }

    #[test]
    fn text_values_get_the_narrowest_type_every_value_converts_to() {
        assert_eq!(text(&["12", "-3", "400"]).ty, "integer");
        assert_eq!(
            text(&["007", "12"]).ty,
            "text",
            "leading zeros are identifiers"
        );
        assert_eq!(text(&["1,250.00", "3.5", "£12"]).ty, "decimal");
        assert_eq!(text(&["Y", "n", "YES"]).ty, "boolean");
        assert_eq!(text(&["1", "0"]).ty, "integer", "0/1 stays a number");
        assert_eq!(text(&["HOXHA", "12"]).ty, "text");
        let date = text(&["28/08/2016", "13/02/1980"]);
        assert_eq!(
            (date.ty, date.format.as_deref()),
            ("date", Some("%d/%m/%Y"))
        );
        assert_eq!(date.note, None);
        let iso = text(&["2016-03-01"]);
        assert_eq!(iso.format.as_deref(), Some("%Y-%m-%d"));
        let stamp = text(&["2016-03-01T10:15:00"]);
        assert_eq!(stamp.format.as_deref(), Some("%Y-%m-%dT%H:%M:%S"));
        assert_eq!(text(&["05 Mar 2016"]).format.as_deref(), Some("%d %b %Y"));
        assert_eq!(
            text(&["31/02/2016"]).ty,
            "text",
            "an impossible date is not a date"
        );
    }

    #[test]
    fn day_first_and_month_first_dates_are_flagged_when_both_fit() {
        let ambiguous = text(&["01/02/2016", "03/04/2016"]);
        assert_eq!(ambiguous.format.as_deref(), Some("%d/%m/%Y"));
        assert!(ambiguous.note.unwrap().contains("ambiguous"));
        let us = text(&["12/31/2016", "01/02/2016"]);
        assert_eq!(us.format.as_deref(), Some("%m/%d/%Y"));
    }

    #[test]
    fn typed_cells_say_what_they_are() {
        let values = vec!["2016-03-01".to_owned()];
        assert_eq!(infer(&values, &[Kind::Date]).ty, "date");
        assert_eq!(infer(&values, &[Kind::Date]).format, None);
        let numbers = vec!["12".to_owned(), "3.5".to_owned()];
        assert_eq!(infer(&numbers, &[Kind::Number]).ty, "decimal");
        assert_eq!(infer(&numbers[..1], &[Kind::Number]).ty, "integer");
        let mixed = infer(&numbers, &[Kind::Number, Kind::Text]);
        assert_eq!(mixed.ty, "text");
        let with_errors = infer(&numbers, &[Kind::Number, Kind::Error]);
        assert_eq!(
            with_errors.ty, "decimal",
            "typed by the cells that are not errors"
        );
        assert!(with_errors.note.unwrap().contains("error cells"));
    }

    #[test]
    fn null_rates_uniqueness_and_samples() {
        let mut profile = FieldProfile::new("Ref", false);
        for value in [Some("N1"), Some("N2"), None, Some(" "), Some("N2")] {
            profile.observe(value, Kind::Text);
        }
        let report = profile.finish();
        assert_eq!((report.observed, report.nulls), (5, 2));
        assert!((report.null_rate - 0.4).abs() < 1e-9);
        assert!(!report.unique);
        assert_eq!(report.samples, ["N1", "N2"]);
        let mut profile = FieldProfile::new("Ref", false);
        profile.observe(Some("N1"), Kind::Text);
        profile.observe(Some("N2"), Kind::Text);
        assert!(profile.finish().unique);
    }
}
