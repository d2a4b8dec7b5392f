//! The warehouse tables a pipeline can map into, as data. The warehouse's
//! migrations create exactly these columns; a test holds the two equal.

/// The type of a warehouse column, and the conversion that fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date,
}

impl ColumnType {
    pub const ALL: [ColumnType; 5] = [
        ColumnType::Text,
        ColumnType::Integer,
        ColumnType::Decimal,
        ColumnType::Boolean,
        ColumnType::Date,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Decimal => "decimal",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
        }
    }

    pub fn from_name(name: &str) -> Option<ColumnType> {
        ColumnType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A mappable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: &'static str,
    pub ty: ColumnType,
}

/// An entity table: rows keyed by a stable key derived from the source.
#[derive(Debug, PartialEq, Eq)]
pub struct TableDef {
    pub name: &'static str,
    /// The primary-key column holding the stable entity key.
    pub key_column: &'static str,
    /// Columns a pipeline may fill.
    pub columns: &'static [ColumnDef],
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(name: &'static str, ty: ColumnType) -> ColumnDef {
    ColumnDef { name, ty }
}

use ColumnType::*;

/// People: victims, suspects, witnesses, workers, as each source names them.
pub const PERSONS: TableDef = TableDef {
    name: "persons",
    key_column: "person_key",
    columns: &[
        col("family_name", Text),
        col("given_names", Text),
        col("full_name", Text),
        col("date_of_birth", Date),
        col("gender", Text),
        col("nationality", Text),
        col("postcode", Text),
    ],
};

/// Events: crimes, encounters, inspections, referrals.
pub const EVENTS: TableDef = TableDef {
    name: "events",
    key_column: "event_key",
    columns: &[
        col("event_type", Text),
        col("reference", Text),
        col("category", Text),
        col("status", Text),
        col("occurred_from", Date),
        col("occurred_to", Date),
        col("reported_on", Date),
        col("postcode", Text),
        col("location", Text),
        col("organised_crime", Boolean),
        col("amount_gbp", Decimal),
    ],
};

/// Entity tables, in the order the warehouse writes them.
pub const TABLES: &[&TableDef] = &[&PERSONS, &EVENTS];

/// Links between two entities with a role (`victim`, `suspect`): keyed by
/// both ends and the role. These are its mappable columns; `role` is part
/// of the key.
pub const LINKS: TableDef = TableDef {
    name: "links",
    key_column: "link_key",
    columns: &[col("role", Text), col("age_at_event", Integer)],
};

pub fn table(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().copied().find(|t| t.name == name)
}
