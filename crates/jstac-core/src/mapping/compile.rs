//! A checked pipeline bound to one file's fields: [`Mapping::compile`]
//! resolves every field the pipeline names, decides which entities are
//! repeated (read a list field), and which columns are counted.

use super::input::FieldShape;
use super::json::raw_keys;
use crate::catalog::{self, Fill, TableDef};
use crate::convert::{Conversion, Value};
use crate::grading::{GradePart, GradeSource};
use crate::normalise::{NamePart, OnInvalid, Transform};
use crate::pipeline::{
    CheckedPipeline, ColumnRule, Combine, Condition, SpecError, Split, ValueSource,
};

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
    /// A value table's owner (an index into the mapping's entities).
    pub(super) owner: Option<usize>,
    /// The rule applies where the field's value passes.
    pub(super) when: Option<(usize, Condition)>,
    /// An incomplete key means no such entity.
    pub(super) optional: bool,
    /// Indices into `key_fields` of the parts that may be empty.
    pub(super) may_be_empty: Vec<usize>,
    /// The value rule that takes a column's further values (see
    /// [`crate::catalog::SPILLS`]), an index into the mapping's entities.
    pub(super) spill: Option<usize>,
    /// A rule the mapping made for another's further values: it maps only
    /// when they have some.
    pub(super) spill_only: bool,
}

/// A column the mapping fills itself (see [`crate::catalog::Fill`]).
#[derive(Debug, Clone)]
pub(super) enum Extra {
    /// The trimmed source text of this field.
    Original { column: &'static str, field: usize },
    /// The match key of the name read by the name normalisers.
    NameKey(&'static str),
    /// The family name read from a full name (the entity maps none).
    FamilyOfFullName,
    /// The given names read from a full name (the entity maps none).
    GivenOfFullName,
    /// The source text of a column read from several fields.
    OriginalOfColumn { column: &'static str, of: usize },
    /// A value's owner: its table name.
    OwnerTable(&'static str),
    /// A value's owner: its key.
    OwnerKey(&'static str),
    /// A date value's precision, first and last day: from the columns at
    /// these indices (the date, the range's start and end).
    DateBounds {
        bound: Bound,
        column: &'static str,
        date: Option<usize>,
        from: Option<usize>,
        to: Option<usize>,
    },
    /// The identifier (column index) as compared.
    Identifier { column: &'static str, of: usize },
    /// A value's name key from its name columns (indices), whatever
    /// normalisers they have: the parts', or else the full name's.
    ValueNameKey {
        column: &'static str,
        parts: Vec<usize>,
        full: Option<usize>,
    },
    /// `script` where the pipeline does not map it: the writing system of
    /// the name's letters (`Latin`, `Arabic`, `Cyrillic`, ...).
    Script { from: Vec<usize> },
    /// `approximate` where the pipeline does not map it: whether the date
    /// field's text says so (`circa 1968`).
    Approximate { field: usize },
}

/// Which of a date value's bounds an [`Extra::DateBounds`] fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bound {
    Precision,
    Earliest,
    Latest,
}

impl Extra {
    pub(super) fn column(&self) -> &'static str {
        match self {
            Extra::Original { column, .. }
            | Extra::OriginalOfColumn { column, .. }
            | Extra::NameKey(column)
            | Extra::OwnerTable(column)
            | Extra::OwnerKey(column)
            | Extra::DateBounds { column, .. }
            | Extra::Identifier { column, .. }
            | Extra::ValueNameKey { column, .. } => column,
            Extra::FamilyOfFullName => "family_name",
            Extra::GivenOfFullName => "given_names",
            Extra::Approximate { .. } => "approximate",
            Extra::Script { .. } => "script",
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
    /// Where one text holds several values (value tables only).
    pub(super) split: Option<Split>,
}

#[derive(Debug, Clone)]
pub(super) enum Source {
    Field(usize),
    Constant(Value),
    Combined { fields: Vec<usize>, how: Combine },
}

impl ColumnMap {
    /// The fields it reads.
    pub(super) fn fields(&self) -> &[usize] {
        match &self.source {
            Source::Field(field) => std::slice::from_ref(field),
            Source::Constant(_) => &[],
            Source::Combined { fields, .. } => fields,
        }
    }
}

/// Why a pipeline cannot be bound to a file's fields: each mistake at its
/// key, and the names of the fields the pipeline reads that the file lacks
/// (once each, in the pipeline's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindError {
    pub missing: Vec<String>,
    pub errors: Vec<SpecError>,
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
        Mapping::bind(pipeline, fields, shapes).map_err(|e| e.errors)
    }

    /// [`Mapping::compile`], saying also which fields the file lacks
    /// (every mistake found here is about one file's fields, so the file's
    /// fault: the runner rejects that file and goes on).
    pub fn bind(
        pipeline: &CheckedPipeline,
        fields: &[String],
        shapes: &[FieldShape],
    ) -> Result<Mapping, BindError> {
        let shape = |field: usize| shapes.get(field).copied().unwrap_or_default();
        let mut errors = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        let mut find = |key: String, name: &str| -> usize {
            match fields.iter().position(|f| f == name) {
                Some(index) => index,
                None => {
                    if !missing.iter().any(|m| m == name) {
                        missing.push(name.to_owned());
                    }
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
                        ValueSource::Combined { fields, how } => Source::Combined {
                            fields: fields
                                .iter()
                                .map(|name| find(format!("{}.field", rule.key), name))
                                .collect(),
                            how: how.clone(),
                        },
                    };
                    let counted = match (rule.source.fields(), rule.counted_as()) {
                        ([], _) | (_, None) => None,
                        (fields, Some(normaliser)) => {
                            counted.push(CountedField {
                                rule: rule.key.clone(),
                                field: fields.join(" + "),
                                normaliser,
                            });
                            Some(counted.len() - 1)
                        }
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
                        split: rule.split.clone(),
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
                    .chain(columns.iter().flat_map(|c| c.fields().iter().copied()))
                    .filter(|&f| shape(f) == FieldShape::List)
                    .collect();
                list_fields.sort_unstable();
                list_fields.dedup();
                let when = entity.when.as_ref().map(|when| {
                    let field = find(format!("entities.{}.when.field", entity.name), &when.field);
                    (field, when.clone())
                });
                EntityMap {
                    name: entity.name.clone(),
                    table: entity.table,
                    key_fields,
                    columns,
                    extras,
                    list_fields,
                    owner: entity.owner,
                    when,
                    optional: entity.optional,
                    may_be_empty: entity.may_be_empty.clone(),
                    spill: None,
                    spill_only: false,
                }
            })
            .collect();
        let mut entities = entities;
        add_spills(&mut entities);
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
                .flat_map(|c| c.fields().iter().copied())
                .any(|f| f != usize::MAX && shape(f) == FieldShape::List);
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
            if !entity.list_fields.is_empty() && !keyed_by_element && entity.owner.is_none() {
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
                .flat_map(|c| c.fields().iter().copied())
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
            Err(BindError { missing, errors })
        }
    }

    /// The columns whose outcomes are counted, in the order of
    /// [`super::MappedBatch::field_counts`].
    pub fn counted_fields(&self) -> &[CountedField] {
        &self.counted
    }
}

/// For each entity column that can name several values in one text
/// ([`catalog::SPILLS`]), a value rule of the entity's own taking them all,
/// mapped only when there are several.
fn add_spills(entities: &mut Vec<EntityMap>) {
    for index in 0..entities.len() {
        if entities[index].owner.is_some() {
            continue;
        }
        for &(table, column, into, into_column) in catalog::SPILLS {
            let entity = &entities[index];
            let Some(found) = entity.columns.iter().find(|c| {
                entity.table.name == table
                    && c.column == column
                    && c.transform.is_some()
                    && !c.fields().is_empty()
            }) else {
                continue;
            };
            let Some(into_table) = catalog::table(into) else {
                continue;
            };
            let kind = ColumnMap {
                key: found.key.clone(),
                column: "kind",
                source: Source::Constant(Value::Text("nationality".to_owned())),
                conversion: Conversion::Text,
                required: false,
                transform: None,
                on_invalid: found.on_invalid,
                counted: None,
                split: None,
            };
            let value = ColumnMap {
                column: into_column,
                required: false,
                counted: None,
                ..found.clone()
            };
            let columns = vec![kind, value];
            let extras = extras(into_table, &[], &columns);
            let spill = EntityMap {
                name: format!("{}.{column}", entity.name),
                table: into_table,
                key_fields: Vec::new(),
                columns,
                extras,
                list_fields: entity.list_fields.clone(),
                owner: Some(index),
                when: None,
                optional: false,
                may_be_empty: Vec::new(),
                spill: None,
                spill_only: true,
            };
            entities.push(spill);
            let at = entities.len() - 1;
            entities[index].spill = Some(at);
        }
    }
}

/// The columns an entity's mapping fills itself: the source text beside
/// each column that keeps it, the name's match key when it reads a name,
/// and the family and given names of a full name when it maps neither.
fn extras(table: &'static TableDef, rules: &[ColumnRule], columns: &[ColumnMap]) -> Vec<Extra> {
    let mut extras = Vec::new();
    for (index, column) in columns.iter().enumerate() {
        let Some(original) = table.original_of(column.column) else {
            continue;
        };
        match &column.source {
            Source::Field(field) => extras.push(Extra::Original {
                column: original.name,
                field: *field,
            }),
            Source::Combined { .. } => extras.push(Extra::OriginalOfColumn {
                column: original.name,
                of: index,
            }),
            Source::Constant(_) => {}
        }
    }
    let parts: Vec<NamePart> = rules.iter().filter_map(ColumnRule::name_part).collect();
    let value_table = table.is_value_table();
    let index_of = |name: &str| columns.iter().position(|c| c.column == name);
    if let Some(name_key) = table.name_key() {
        if value_table {
            extras.push(Extra::ValueNameKey {
                column: name_key.name,
                parts: ["given_names", "middle_names", "family_name", "patronymic"]
                    .iter()
                    .filter_map(|name| index_of(name))
                    .collect(),
                full: index_of("full_name"),
            });
        } else if !parts.is_empty() {
            extras.push(Extra::NameKey(name_key.name));
        }
    }
    for filled in table.filled {
        let column = filled.name;
        match filled.fill {
            Fill::OwnerTable => extras.push(Extra::OwnerTable(column)),
            Fill::OwnerKey => extras.push(Extra::OwnerKey(column)),
            Fill::PrecisionOf(of) | Fill::EarliestOf(of) | Fill::LatestOf(of) => {
                let bound = match filled.fill {
                    Fill::PrecisionOf(_) => Bound::Precision,
                    Fill::EarliestOf(_) => Bound::Earliest,
                    _ => Bound::Latest,
                };
                extras.push(Extra::DateBounds {
                    bound,
                    column,
                    date: index_of(of),
                    from: index_of("range_from"),
                    to: index_of("range_to"),
                });
            }
            Fill::IdentifierOf(of) => {
                if let Some(of) = index_of(of) {
                    extras.push(Extra::Identifier { column, of });
                }
            }
            Fill::OriginalOf(_) | Fill::NameKey => {}
        }
    }
    if value_table && table.column("script").is_some() && index_of("script").is_none() {
        let from: Vec<usize> = [
            "full_name",
            "given_names",
            "family_name",
            "middle_names",
            "patronymic",
        ]
        .iter()
        .filter_map(|name| index_of(name))
        .collect();
        if !from.is_empty() {
            extras.push(Extra::Script { from });
        }
    }
    if table.column("approximate").is_some()
        && index_of("approximate").is_none()
        && let Some(Source::Field(field)) = index_of("date_of_birth").map(|i| &columns[i].source)
    {
        extras.push(Extra::Approximate { field: *field });
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
