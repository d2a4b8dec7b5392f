//! A checked pipeline bound to one file's fields: [`Mapping::compile`]
//! resolves every field the pipeline names, decides which entities are
//! repeated (read a list field), and which columns are counted.

use super::input::FieldShape;
use super::json::raw_keys;
use crate::catalog::TableDef;
use crate::convert::{Conversion, Value};
use crate::grading::{GradePart, GradeSource};
use crate::normalise::{NamePart, OnInvalid, Transform};
use crate::pipeline::{CheckedPipeline, ColumnRule, SpecError, ValueSource};

/// A pipeline's mapping, bound to the field order of one file.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub(super) agency: String,
    pub(super) dataset: String,
    pub(super) fields: Vec<String>,
    pub(super) shapes: Vec<FieldShape>,
    pub(super) entities: Vec<EntityMap>,
    pub(super) links: Vec<LinkMap>,
    /// Columns whose outcomes are counted, in the order of
    /// [`super::MappedBatch::field_counts`].
    pub(super) counted: Vec<CountedField>,
    /// The parts of each record's grading the pipeline gives.
    pub(super) grading: Vec<(GradePart, GradeMap)>,
    /// Each field's name as a JSON object key with its colon (`"Surname":`),
    /// preceded by a comma for all but the first: the raw record's pieces.
    pub(super) raw_keys: Vec<String>,
}

/// Where a part of the grading comes from, bound to the file's fields.
#[derive(Debug, Clone, Copy)]
pub(super) enum GradeMap {
    Field(usize),
    Constant(&'static str),
}

#[derive(Debug, Clone)]
pub(super) struct EntityMap {
    pub(super) name: String,
    pub(super) table: &'static TableDef,
    pub(super) key_fields: Vec<usize>,
    pub(super) columns: Vec<ColumnMap>,
    /// Columns the mapping fills itself, written after `columns`.
    pub(super) extras: Vec<Extra>,
    /// The list fields it reads: when any, the entity is repeated, one row
    /// per element of its group.
    pub(super) list_fields: Vec<usize>,
}

/// A column the mapping fills itself (see [`crate::catalog::Fill`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum Extra {
    /// The trimmed source text of this field.
    Original { column: &'static str, field: usize },
    /// The match key of the name read by the name normalisers.
    NameKey(&'static str),
    /// The family name read from a full name (the entity maps none).
    FamilyOfFullName,
    /// The given names read from a full name (the entity maps none).
    GivenOfFullName,
}

impl Extra {
    pub(super) fn column(&self) -> &'static str {
        match self {
            Extra::Original { column, .. } | Extra::NameKey(column) => column,
            Extra::FamilyOfFullName => "family_name",
            Extra::GivenOfFullName => "given_names",
        }
    }
}

/// A column whose outcomes are counted: it has a normaliser or a lookup,
/// or is a date read with options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedField {
    /// The column rule: `entities.person.columns.nationality`.
    pub rule: String,
    /// The source field it reads.
    pub field: String,
    /// `country`, `lookup offences`, `date`.
    pub normaliser: String,
}

#[derive(Debug, Clone)]
pub(super) struct LinkMap {
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) columns: Vec<ColumnMap>,
    /// Index in `columns` of `role`, part of the link's key.
    pub(super) role: Option<usize>,
}

#[derive(Debug, Clone)]
pub(super) struct ColumnMap {
    pub(super) key: String,
    pub(super) column: &'static str,
    pub(super) source: Source,
    pub(super) conversion: Conversion,
    pub(super) required: bool,
    pub(super) transform: Option<Transform>,
    pub(super) on_invalid: OnInvalid,
    /// Index into [`Mapping::counted`], when its outcomes are counted.
    pub(super) counted: Option<usize>,
}

#[derive(Debug, Clone)]
pub(super) enum Source {
    Field(usize),
    Constant(Value),
}

impl ColumnMap {
    pub(super) fn field(&self) -> Option<usize> {
        match self.source {
            Source::Field(field) => Some(field),
            Source::Constant(_) => None,
        }
    }
}

impl Mapping {
    /// Binds a checked pipeline to a file's fields. Every field the pipeline
    /// names must exist; each missing one is an error naming its key.
    ///
    /// An entity that reads any [`FieldShape::List`] field is repeated: each
    /// record yields one of it per element of the list (several subjects of
    /// one report), and its links are made per element.
    pub fn compile(
        pipeline: &CheckedPipeline,
        fields: &[String],
        shapes: &[FieldShape],
    ) -> Result<Mapping, Vec<SpecError>> {
        let shape = |field: usize| shapes.get(field).copied().unwrap_or_default();
        let mut errors = Vec::new();
        let mut find = |key: String, name: &str| -> usize {
            match fields.iter().position(|f| f == name) {
                Some(index) => index,
                None => {
                    errors.push(SpecError {
                        key,
                        message: format!(
                            "no field {name:?} in the file (it has {})",
                            fields
                                .iter()
                                .map(|f| format!("{f:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                    usize::MAX
                }
            }
        };
        let mut counted = Vec::new();
        let mut columns = |rules: &[ColumnRule], find: &mut dyn FnMut(String, &str) -> usize| {
            rules
                .iter()
                .map(|rule| {
                    let source = match &rule.source {
                        ValueSource::Field(name) => {
                            Source::Field(find(format!("{}.field", rule.key), name))
                        }
                        // Constants convert: the pipeline check applied them.
                        ValueSource::Constant(text) => Source::Constant(
                            rule.conversion.apply(Some(text)).unwrap_or(Value::Null),
                        ),
                    };
                    let counted = match (&rule.source, rule.counted_as()) {
                        (ValueSource::Field(field), Some(normaliser)) => {
                            counted.push(CountedField {
                                rule: rule.key.clone(),
                                field: field.clone(),
                                normaliser,
                            });
                            Some(counted.len() - 1)
                        }
                        _ => None,
                    };
                    ColumnMap {
                        key: rule.key.clone(),
                        column: rule.column,
                        source,
                        conversion: rule.conversion.clone(),
                        required: rule.required,
                        transform: rule.transform.clone(),
                        on_invalid: rule.on_invalid,
                        counted,
                    }
                })
                .collect::<Vec<_>>()
        };
        let entities: Vec<EntityMap> = pipeline
            .entities
            .iter()
            .map(|entity| {
                let key_fields: Vec<usize> = entity
                    .key_fields
                    .iter()
                    .map(|field| find(format!("entities.{}.key", entity.name), field))
                    .collect();
                let columns = columns(&entity.columns, &mut find);
                let extras = extras(entity.table, &entity.columns, &columns);
                let mut list_fields: Vec<usize> = key_fields
                    .iter()
                    .copied()
                    .chain(columns.iter().filter_map(ColumnMap::field))
                    .filter(|&f| shape(f) == FieldShape::List)
                    .collect();
                list_fields.sort_unstable();
                list_fields.dedup();
                EntityMap {
                    name: entity.name.clone(),
                    table: entity.table,
                    key_fields,
                    columns,
                    extras,
                    list_fields,
                }
            })
            .collect();
        let mut entities = entities;
        let links: Vec<LinkMap> = pipeline
            .links
            .iter()
            .map(|link| {
                let columns = columns(&link.columns, &mut find);
                LinkMap {
                    from: link.from,
                    to: link.to,
                    role: columns.iter().position(|c| c.column == "role"),
                    columns,
                }
            })
            .collect();
        let mut grading_errors = Vec::new();
        let grading: Vec<(GradePart, GradeMap)> = pipeline
            .grading
            .parts
            .iter()
            .map(|(part, source)| {
                let map = match source {
                    GradeSource::Field(name) => {
                        let key = format!("grading.{}.field", part.key());
                        let field = find(key, name);
                        if field != usize::MAX && shape(field) == FieldShape::List {
                            grading_errors.push(SpecError {
                                key: format!("grading.{}", part.key()),
                                message: format!(
                                    "field {name:?} is a repeated group's; a grading belongs to the whole record"
                                ),
                            });
                        }
                        GradeMap::Field(field)
                    }
                    GradeSource::Constant(grade) => GradeMap::Constant(grade),
                };
                (*part, map)
            })
            .collect();
        errors.append(&mut grading_errors);
        for (index, link) in links.iter().enumerate() {
            let repeated = |e: usize| entities.get(e).is_some_and(|e| !e.list_fields.is_empty());
            let reads_list = link
                .columns
                .iter()
                .filter_map(ColumnMap::field)
                .any(|f| shape(f) == FieldShape::List);
            if reads_list && !repeated(link.from) && !repeated(link.to) {
                errors.push(SpecError {
                    key: format!("links[{index}].columns"),
                    message:
                        "reads a repeated-group field, but neither end of the link is repeated"
                            .to_owned(),
                });
            }
        }
        // A repeated entity keyed only by record-level fields would give
        // every element one key, and all but one element would be lost.
        for entity in &entities {
            let keyed_by_element = entity
                .key_fields
                .iter()
                .any(|&f| f != usize::MAX && shape(f) == FieldShape::List);
            if !entity.list_fields.is_empty() && !keyed_by_element {
                errors.push(SpecError {
                    key: format!("entities.{}.key", entity.name),
                    message: format!(
                        "the entity reads repeated-group fields ({}), so its key must include one of them; otherwise every element gets the same key",
                        entity
                            .list_fields
                            .iter()
                            .map(|&f| format!("{:?}", fields[f]))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        // A link's list fields belong to the group of its repeated end: their
        // lengths are checked with that entity's.
        for link in &links {
            let end = if entities[link.from].list_fields.is_empty() {
                link.to
            } else {
                link.from
            };
            if entities[end].list_fields.is_empty() {
                continue;
            }
            let extra: Vec<usize> = link
                .columns
                .iter()
                .filter_map(ColumnMap::field)
                .filter(|&f| shape(f) == FieldShape::List)
                .collect();
            let list_fields = &mut entities[end].list_fields;
            list_fields.extend(extra);
            list_fields.sort_unstable();
            list_fields.dedup();
        }
        if errors.is_empty() {
            Ok(Mapping {
                agency: pipeline.agency.clone(),
                dataset: pipeline.dataset.clone(),
                fields: fields.to_vec(),
                shapes: (0..fields.len()).map(shape).collect(),
                entities,
                links,
                counted,
                grading,
                raw_keys: raw_keys(fields),
            })
        } else {
            Err(errors)
        }
    }

    /// The columns whose outcomes are counted, in the order of
    /// [`super::MappedBatch::field_counts`].
    pub fn counted_fields(&self) -> &[CountedField] {
        &self.counted
    }
}

/// The columns an entity's mapping fills itself: the source text beside
/// each column that keeps it, the name's match key when it reads a name,
/// and the family and given names of a full name when it maps neither.
fn extras(table: &'static TableDef, rules: &[ColumnRule], columns: &[ColumnMap]) -> Vec<Extra> {
    let mut extras = Vec::new();
    for column in columns {
        if let (Source::Field(field), Some(original)) =
            (&column.source, table.original_of(column.column))
        {
            extras.push(Extra::Original {
                column: original.name,
                field: *field,
            });
        }
    }
    let parts: Vec<NamePart> = rules.iter().filter_map(ColumnRule::name_part).collect();
    if let Some(name_key) = table.name_key().filter(|_| !parts.is_empty()) {
        extras.push(Extra::NameKey(name_key.name));
    }
    if parts.contains(&NamePart::Full) {
        let maps = |name: &str| rules.iter().any(|r| r.column == name);
        if !maps("family_name") && table.column("family_name").is_some() {
            extras.push(Extra::FamilyOfFullName);
        }
        if !maps("given_names") && table.column("given_names").is_some() {
            extras.push(Extra::GivenOfFullName);
        }
    }
    extras
}
