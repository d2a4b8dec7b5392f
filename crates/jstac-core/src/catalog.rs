//! The warehouse tables a pipeline can map into, as data. The warehouse's
//! migrations create these columns (mapped and filled); a test in
//! `jstac-warehouse` holds the two equal.

/// The type of a warehouse column, and the conversion that fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date,
    /// An instant (date and time of day), kept in UTC.
    Timestamp,
}

impl ColumnType {
    pub const ALL: [ColumnType; 6] = [
        ColumnType::Text,
        ColumnType::Integer,
        ColumnType::Decimal,
        ColumnType::Boolean,
        ColumnType::Date,
        ColumnType::Timestamp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Decimal => "decimal",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp",
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

/// What fills a column the mapping writes itself (a pipeline never maps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The source text of another column, as the source wrote it (trimmed),
    /// whenever that column is read from a field: the original kept beside
    /// a normalised or looked-up value.
    OriginalOf(&'static str),
    /// The order-, case- and accent-insensitive match key of the person's
    /// name, built from the columns with a name normaliser.
    NameKey,
}

/// A column the mapping fills itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilledDef {
    pub name: &'static str,
    pub fill: Fill,
}

impl FilledDef {
    /// What the column holds, for messages.
    pub fn describe(&self) -> String {
        match self.fill {
            Fill::OriginalOf(column) => format!("the source text of {column}"),
            Fill::NameKey => "the name's match key, from the name normalisers".to_owned(),
        }
    }
}

/// An entity table: rows keyed by a stable key derived from the source.
#[derive(Debug, PartialEq, Eq)]
pub struct TableDef {
    pub name: &'static str,
    /// The primary-key column holding the stable entity key.
    pub key_column: &'static str,
    /// Columns a pipeline may fill.
    pub columns: &'static [ColumnDef],
    /// Text columns the mapping fills itself (see [`Fill`]).
    pub filled: &'static [FilledDef],
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn filled_column(&self, name: &str) -> Option<&'static FilledDef> {
        self.filled.iter().find(|c| c.name == name)
    }

    /// The column keeping the source text of `column`, if the table has one.
    pub fn original_of(&self, column: &str) -> Option<&'static FilledDef> {
        self.filled
            .iter()
            .find(|c| matches!(c.fill, Fill::OriginalOf(of) if of == column))
    }

    /// The column holding the name's match key, if the table has one.
    pub fn name_key(&self) -> Option<&'static FilledDef> {
        self.filled.iter().find(|c| c.fill == Fill::NameKey)
    }
}

const fn col(name: &'static str, ty: ColumnType) -> ColumnDef {
    ColumnDef { name, ty }
}

const fn filled(name: &'static str, fill: Fill) -> FilledDef {
    FilledDef { name, fill }
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
    filled: &[
        filled("nationality_text", Fill::OriginalOf("nationality")),
        filled("name_key", Fill::NameKey),
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
        col("occurred_at", Timestamp),
        col("reported_at", Timestamp),
    ],
    filled: &[filled("category_text", Fill::OriginalOf("category"))],
};

/// Objects (POLE): passports and other documents, phones, vehicles,
/// identifiers, each with its normalised identifier, linked to the people
/// and events they belong to.
pub const OBJECTS: TableDef = TableDef {
    name: "objects",
    key_column: "object_key",
    columns: &[
        col("object_type", Text),
        col("identifier", Text),
        col("country", Text),
        col("description", Text),
    ],
    filled: &[],
};

/// Locations (POLE): addresses, premises, places of work or exploitation,
/// ports of entry.
pub const LOCATIONS: TableDef = TableDef {
    name: "locations",
    key_column: "location_key",
    columns: &[
        col("location_type", Text),
        col("name", Text),
        col("address", Text),
        col("town", Text),
        col("postcode", Text),
        col("country", Text),
        col("latitude", Decimal),
        col("longitude", Decimal),
    ],
    filled: &[filled("country_text", Fill::OriginalOf("country"))],
};

/// Organisations: employers, labour providers (GLAA licence holders),
/// businesses, first responders.
pub const ORGANISATIONS: TableDef = TableDef {
    name: "organisations",
    key_column: "organisation_key",
    columns: &[
        col("organisation_type", Text),
        col("name", Text),
        col("registration_number", Text),
        col("status", Text),
        col("sector", Text),
        col("postcode", Text),
        col("country", Text),
    ],
    filled: &[],
};

/// National Referral Mechanism referrals: one potential victim referred by
/// a first responder, with the exploitation type, adult or minor, and the
/// reasonable and conclusive grounds decisions.
pub const NRM_REFERRALS: TableDef = TableDef {
    name: "nrm_referrals",
    key_column: "referral_key",
    columns: &[
        col("reference", Text),
        col("referred_on", Date),
        col("first_responder", Text),
        col("exploitation_type", Text),
        col("age_group", Text),
        col("gender", Text),
        col("nationality", Text),
        col("exploited_in", Text),
        col("reasonable_grounds", Text),
        col("reasonable_grounds_on", Date),
        col("conclusive_grounds", Text),
        col("conclusive_grounds_on", Date),
    ],
    filled: &[
        filled("nationality_text", Fill::OriginalOf("nationality")),
        filled(
            "exploitation_type_text",
            Fill::OriginalOf("exploitation_type"),
        ),
    ],
};

/// Entity tables, in the order the warehouse writes them.
pub const TABLES: &[&TableDef] = &[
    &PERSONS,
    &EVENTS,
    &OBJECTS,
    &LOCATIONS,
    &ORGANISATIONS,
    &NRM_REFERRALS,
];

/// Links between two entities with a role (`victim`, `suspect`, `employed
/// by`) and a period (`valid_from`, `valid_to`): keyed by both ends and the
/// role. These are its mappable columns; `role` is part of the key.
pub const LINKS: TableDef = TableDef {
    name: "links",
    key_column: "link_key",
    columns: &[
        col("role", Text),
        col("age_at_event", Integer),
        col("valid_from", Date),
        col("valid_to", Date),
    ],
    filled: &[],
};

pub fn table(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().copied().find(|t| t.name == name)
}
