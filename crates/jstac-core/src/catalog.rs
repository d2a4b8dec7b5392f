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
    /// A value table's owner: the owning entity's table name.
    OwnerTable,
    /// A value table's owner: the owning entity's key.
    OwnerKey,
    /// A date value's precision: `day`, `month`, `year` or `range`.
    PrecisionOf(&'static str),
    /// The first day a (partial) date or range of dates can mean.
    EarliestOf(&'static str),
    /// The last day a (partial) date or range of dates can mean.
    LatestOf(&'static str),
    /// An identifier as compared: upper case, without spaces or
    /// punctuation (phones and e-mail addresses by their own rules).
    IdentifierOf(&'static str),
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
            Fill::OwnerTable => "the owning entity's table".to_owned(),
            Fill::OwnerKey => "the owning entity's key".to_owned(),
            Fill::PrecisionOf(column) => {
                format!("the precision of {column} (day, month, year, range)")
            }
            Fill::EarliestOf(column) => format!("the first day {column} can mean"),
            Fill::LatestOf(column) => format!("the last day {column} can mean"),
            Fill::IdentifierOf(column) => {
                format!("{column} as compared (upper case, no spaces or punctuation)")
            }
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
    /// For a value table (many values of one attribute, each a row): the
    /// tables whose entities may own its values. Empty for an entity table.
    pub owners: &'static [&'static str],
    /// For a value table: the columns that make a value; a row with none of
    /// them (only a kind or a qualifier) is no value.
    pub substance: &'static [&'static str],
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

    /// True for a value table: rows are values of an owning entity, keyed by
    /// the owner and the value itself.
    pub fn is_value_table(&self) -> bool {
        !self.owners.is_empty()
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
    owners: &[],
    substance: &[],
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
    owners: &[],
    substance: &[],
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
    owners: &[],
    substance: &[],
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
    owners: &[],
    substance: &[],
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
    owners: &[],
    substance: &[],
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
    owners: &[],
    substance: &[],
};

/// The columns every value table fills itself: its owner.
const OWNER: [FilledDef; 2] = [
    filled("owner_table", Fill::OwnerTable),
    filled("owner_key", Fill::OwnerKey),
];

/// Names of a person or organisation: every name a source gives, each with
/// its kind (`primary`, `alias`, `weak alias`, `birth name`, `maiden
/// name`, `former name`, `transliteration`, `as written`) and its parts.
pub const NAMES: TableDef = TableDef {
    name: "names",
    key_column: "value_key",
    columns: &[
        col("kind", Text),
        col("full_name", Text),
        col("title", Text),
        col("given_names", Text),
        col("middle_names", Text),
        col("family_name", Text),
        col("patronymic", Text),
        col("script", Text),
    ],
    filled: &[OWNER[0], OWNER[1], filled("name_key", Fill::NameKey)],
    owners: &["persons", "organisations"],
    substance: &[
        "full_name",
        "given_names",
        "middle_names",
        "family_name",
        "patronymic",
    ],
};

/// Dates of birth of a person: a day, a month or a year (`partial`), or a
/// range (`range_from`, `range_to`), perhaps approximate; with the first
/// and last day each can mean, for comparison.
pub const BIRTH_DATES: TableDef = TableDef {
    name: "birth_dates",
    key_column: "value_key",
    columns: &[
        col("date_of_birth", Date),
        col("range_from", Date),
        col("range_to", Date),
        col("approximate", Boolean),
        col("place_of_birth", Text),
    ],
    filled: &[
        OWNER[0],
        OWNER[1],
        filled("date_text", Fill::OriginalOf("date_of_birth")),
        filled("precision", Fill::PrecisionOf("date_of_birth")),
        filled("earliest", Fill::EarliestOf("date_of_birth")),
        filled("latest", Fill::LatestOf("date_of_birth")),
    ],
    owners: &["persons"],
    substance: &["date_of_birth", "range_from", "range_to"],
};

/// Nationalities and citizenships of a person, as ISO 3166-1 alpha-3.
pub const NATIONALITIES: TableDef = TableDef {
    name: "nationalities",
    key_column: "value_key",
    columns: &[col("kind", Text), col("country", Text)],
    filled: &[
        OWNER[0],
        OWNER[1],
        filled("country_text", Fill::OriginalOf("country")),
    ],
    owners: &["persons"],
    substance: &["country"],
};

/// Identifiers of a person or organisation: passports, national ID and NI
/// numbers, driving licences, phones, e-mail addresses, vehicle
/// registrations, company numbers; with the issuing country and validity.
pub const IDENTIFIERS: TableDef = TableDef {
    name: "identifiers",
    key_column: "value_key",
    columns: &[
        col("identifier_type", Text),
        col("identifier", Text),
        col("country", Text),
        col("valid_from", Date),
        col("valid_to", Date),
        col("note", Text),
    ],
    filled: &[
        OWNER[0],
        OWNER[1],
        filled("identifier_normalised", Fill::IdentifierOf("identifier")),
        filled("country_text", Fill::OriginalOf("country")),
    ],
    owners: &["persons", "organisations"],
    substance: &["identifier"],
};

/// Addresses of a person or organisation.
pub const ADDRESSES: TableDef = TableDef {
    name: "addresses",
    key_column: "value_key",
    columns: &[
        col("kind", Text),
        col("address", Text),
        col("street", Text),
        col("town", Text),
        col("region", Text),
        col("postcode", Text),
        col("country", Text),
    ],
    filled: &[
        OWNER[0],
        OWNER[1],
        filled("country_text", Fill::OriginalOf("country")),
    ],
    owners: &["persons", "organisations"],
    substance: &["address", "street", "town", "region", "postcode", "country"],
};

/// Where an entity column's further values go when one text names several
/// (`Albanian Greek`): (entity table, column, value table, its column).
/// The entity row keeps the first; the value table gets every one.
pub const SPILLS: &[(&str, &str, &str, &str)] =
    &[("persons", "nationality", "nationalities", "country")];

/// Entity and value tables, in the order the warehouse writes them.
pub const TABLES: &[&TableDef] = &[
    &PERSONS,
    &EVENTS,
    &OBJECTS,
    &LOCATIONS,
    &ORGANISATIONS,
    &NRM_REFERRALS,
    &NAMES,
    &BIRTH_DATES,
    &NATIONALITIES,
    &IDENTIFIERS,
    &ADDRESSES,
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
    owners: &[],
    substance: &[],
};

pub fn table(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().copied().find(|t| t.name == name)
}
