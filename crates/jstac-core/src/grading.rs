//! The 3x5x2 intelligence grading of a source record: source evaluation
//! (1 reliable, 2 untested, 3 not reliable), intelligence assessment (A
//! known directly to the source … E suspected to be false) and handling
//! code (P lawful sharing permitted, C may be disseminated with
//! conditions). Written like `2/B/P`. It belongs to the source record, not
//! to the entities the record asserts.
//!
//! A pipeline's optional `[grading]` table reads each part from a field or
//! gives it as a constant:
//!
//! ```toml
//! [grading]
//! source = "GradingSource"                    # a field
//! intelligence = { field = "GradingIntel" }   # the same, as a table
//! handling = { value = "P" }                  # a constant
//! ```

use std::fmt;

use serde_json::Value as Json;

use crate::pipeline::SpecError;

/// One part of the 3x5x2 grading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GradePart {
    /// Source evaluation: 1, 2 or 3.
    Source,
    /// Intelligence assessment: A to E.
    Intelligence,
    /// Handling code: P or C.
    Handling,
}

impl GradePart {
    pub const ALL: [GradePart; 3] = [
        GradePart::Source,
        GradePart::Intelligence,
        GradePart::Handling,
    ];

    /// The part's key under `[grading]`.
    pub fn key(self) -> &'static str {
        match self {
            GradePart::Source => "source",
            GradePart::Intelligence => "intelligence",
            GradePart::Handling => "handling",
        }
    }

    /// What the part is called, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            GradePart::Source => "source evaluation",
            GradePart::Intelligence => "intelligence assessment",
            GradePart::Handling => "handling code",
        }
    }

    /// The values the part may take, as stored.
    pub fn allowed(self) -> &'static [&'static str] {
        match self {
            GradePart::Source => &["1", "2", "3"],
            GradePart::Intelligence => &["A", "B", "C", "D", "E"],
            GradePart::Handling => &["P", "C"],
        }
    }

    /// The allowed values with their meanings, for reasons.
    pub fn expected(self) -> &'static str {
        match self {
            GradePart::Source => "1 (reliable), 2 (untested) or 3 (not reliable)",
            GradePart::Intelligence => {
                "A (known directly), B (known indirectly, corroborated), C (known indirectly), D (not known) or E (suspected false)"
            }
            GradePart::Handling => {
                "P (lawful sharing permitted) or C (disseminate with conditions)"
            }
        }
    }

    /// The grade `text` stands for: one character, surrounding space
    /// ignored, any case; `None` when it is none of the allowed values.
    pub fn parse(self, text: &str) -> Option<&'static str> {
        let [byte] = text.trim().as_bytes() else {
            return None;
        };
        let upper = byte.to_ascii_uppercase();
        self.allowed()
            .iter()
            .copied()
            .find(|grade| grade.as_bytes()[0] == upper)
    }
}

/// A source record's grading; `None` where the source does not grade.
/// Values are `"1"`..`"3"`, `"A"`..`"E"`, `"P"`/`"C"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grading {
    pub source_evaluation: Option<&'static str>,
    pub intelligence_assessment: Option<&'static str>,
    pub handling_code: Option<&'static str>,
}

impl Grading {
    /// Sets one part.
    pub fn set(&mut self, part: GradePart, grade: &'static str) {
        let slot = match part {
            GradePart::Source => &mut self.source_evaluation,
            GradePart::Intelligence => &mut self.intelligence_assessment,
            GradePart::Handling => &mut self.handling_code,
        };
        *slot = Some(grade);
    }

    pub fn is_empty(&self) -> bool {
        *self == Grading::default()
    }
}

impl fmt::Display for Grading {
    /// `2/B/P`; a part not given is `-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |p: Option<&'static str>| p.unwrap_or("-");
        write!(
            f,
            "{}/{}/{}",
            part(self.source_evaluation),
            part(self.intelligence_assessment),
            part(self.handling_code)
        )
    }
}

/// Where a part of the grading comes from, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GradeSource {
    /// A source field, read per record.
    Field(String),
    /// The same grade for every record.
    Constant(&'static str),
}

/// A pipeline's `[grading]`, checked: the parts it gives, in
/// [`GradePart::ALL`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GradingRule {
    pub parts: Vec<(GradePart, GradeSource)>,
}

impl GradingRule {
    /// Checks a `[grading]` table: unknown keys, the shape of each part,
    /// and constants. Mistakes go to `errors`, each naming its key.
    pub fn check(spec: Option<&Json>, errors: &mut Vec<SpecError>) -> GradingRule {
        let mut rule = GradingRule::default();
        let Some(spec) = spec else {
            return rule;
        };
        let Json::Object(table) = spec else {
            errors.push(SpecError::new(
                "grading",
                "must be a table, e.g. source = \"GradingSource\", intelligence = \"GradingIntel\", handling = { value = \"P\" }",
            ));
            return rule;
        };
        if table.is_empty() {
            errors.push(SpecError::new(
                "grading",
                "is empty; give source, intelligence and/or handling",
            ));
        }
        let known: Vec<&str> = GradePart::ALL.iter().map(|p| p.key()).collect();
        for unknown in table.keys().filter(|k| !known.contains(&k.as_str())) {
            errors.push(SpecError::new(
                format!("grading.{unknown}"),
                format!("unknown key; expected one of {}", known.join(", ")),
            ));
        }
        for part in GradePart::ALL {
            if let Some(spec) = table.get(part.key())
                && let Some(source) = check_part(part, spec, errors)
            {
                rule.parts.push((part, source));
            }
        }
        rule
    }

    /// The source fields the grading reads, with the keys naming them.
    pub fn fields(&self) -> impl Iterator<Item = (String, &str)> {
        self.parts.iter().filter_map(|(part, source)| match source {
            GradeSource::Field(field) => {
                Some((format!("grading.{}.field", part.key()), field.as_str()))
            }
            GradeSource::Constant(_) => None,
        })
    }
}

fn check_part(part: GradePart, spec: &Json, errors: &mut Vec<SpecError>) -> Option<GradeSource> {
    let key = format!("grading.{}", part.key());
    let needs = "needs a source field (a field name, or { field = \"...\" }) or a constant ({ value = \"...\" })";
    let (field, value) = match spec {
        Json::String(field) => (Some(field.clone()), None),
        Json::Object(table) => {
            let mut bad = false;
            for unknown in table.keys().filter(|k| *k != "field" && *k != "value") {
                errors.push(SpecError::new(
                    format!("{key}.{unknown}"),
                    "unknown key; expected one of field, value",
                ));
                bad = true;
            }
            let mut text = |name: &str| match table.get(name) {
                None => None,
                Some(Json::String(s)) => Some(s.clone()),
                Some(_) => {
                    errors.push(SpecError::new(format!("{key}.{name}"), "must be a string"));
                    bad = true;
                    None
                }
            };
            let (field, value) = (text("field"), text("value"));
            if bad {
                return None;
            }
            (field, value)
        }
        _ => {
            errors.push(SpecError::new(key, needs));
            return None;
        }
    };
    match (field, value) {
        (Some(_), Some(_)) => {
            errors.push(SpecError::new(key, "give either field or value, not both"));
            None
        }
        (Some(field), None) if !field.trim().is_empty() => Some(GradeSource::Field(field)),
        (None, Some(value)) => match part.parse(&value) {
            Some(grade) => Some(GradeSource::Constant(grade)),
            None => {
                errors.push(SpecError::new(
                    format!("{key}.value"),
                    format!("not a {}; expected {}", part.describe(), part.expected()),
                ));
                None
            }
        },
        _ => {
            errors.push(SpecError::new(key, needs));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_parse_trimmed_in_any_case_and_strictly() {
        assert_eq!(GradePart::Source.parse(" 2 "), Some("2"));
        assert_eq!(GradePart::Source.parse("4"), None);
        assert_eq!(GradePart::Source.parse("12"), None);
        assert_eq!(GradePart::Intelligence.parse("b"), Some("B"));
        assert_eq!(GradePart::Intelligence.parse("F"), None);
        assert_eq!(GradePart::Handling.parse("c"), Some("C"));
        assert_eq!(GradePart::Handling.parse("Lawful sharing permitted"), None);
        assert_eq!(GradePart::Handling.parse(""), None);
        assert_eq!(GradePart::Handling.parse("é"), None);
    }

    #[test]
    fn a_grading_is_written_like_2_b_p() {
        let mut grading = Grading::default();
        assert!(grading.is_empty());
        grading.set(GradePart::Source, "2");
        grading.set(GradePart::Intelligence, "B");
        assert_eq!(grading.to_string(), "2/B/-");
        grading.set(GradePart::Handling, "P");
        assert_eq!(grading.to_string(), "2/B/P");
    }

    fn check(spec: Json) -> (GradingRule, Vec<String>) {
        let mut errors = Vec::new();
        let rule = GradingRule::check(Some(&spec), &mut errors);
        (rule, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn fields_and_constants_check() {
        let (rule, errors) = check(serde_json::json!({
            "source": "GradingSource",
            "intelligence": { "field": "GradingIntel" },
            "handling": { "value": "p" }
        }));
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            rule.parts,
            [
                (
                    GradePart::Source,
                    GradeSource::Field("GradingSource".into())
                ),
                (
                    GradePart::Intelligence,
                    GradeSource::Field("GradingIntel".into())
                ),
                (GradePart::Handling, GradeSource::Constant("P")),
            ]
        );
        let fields: Vec<_> = rule.fields().collect();
        assert_eq!(
            fields,
            [
                ("grading.source.field".to_owned(), "GradingSource"),
                ("grading.intelligence.field".to_owned(), "GradingIntel"),
            ]
        );
    }

    #[test]
    fn each_grading_mistake_names_its_key() {
        let (rule, mut errors) = check(serde_json::json!({
            "source": { "value": "4" },
            "intelligence": { "field": "I", "value": "A" },
            "handling": { "feild": "H" },
            "classification": "Class"
        }));
        errors.sort();
        assert_eq!(
            errors,
            [
                "grading.classification: unknown key; expected one of source, intelligence, handling",
                "grading.handling.feild: unknown key; expected one of field, value",
                "grading.intelligence: give either field or value, not both",
                "grading.source.value: not a source evaluation; expected 1 (reliable), 2 (untested) or 3 (not reliable)",
            ]
        );
        assert!(rule.parts.is_empty());
        let (_, errors) = check(serde_json::json!({ "handling": { "value": "X" }, "source": 2 }));
        assert_eq!(
            errors,
            [
                "grading.source: needs a source field (a field name, or { field = \"...\" }) or a constant ({ value = \"...\" })",
                "grading.handling.value: not a handling code; expected P (lawful sharing permitted) or C (disseminate with conditions)",
            ]
        );
        let (_, errors) = check(serde_json::json!("2/B/P"));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("grading: must be a table"));
    }
}
