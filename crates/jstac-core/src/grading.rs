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
//!
//! The grading domain only: the table as written is
//! `pipeline::spec::GradingSpec`, checked with the rest of the pipeline
//! (`pipeline::check`) into a [`GradingRule`].

use std::fmt;

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
}
