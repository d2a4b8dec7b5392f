//! Agencies as data: who sends the centre records. A pipeline names one
//! by its code; the registry holds the bundled agencies (the centre's
//! partners and the public lists it screens against) and whatever a
//! deployment adds in its settings (`[agencies.CODE]` in `jstac.toml`),
//! without recompiling.

use std::collections::BTreeMap;
use std::fmt;

/// What kind of body an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AgencyKind {
    PoliceForce,
    NationalAgency,
    LocalAuthority,
    Ngo,
    PublicList,
    ForeignPartner,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 7] = [
        AgencyKind::PoliceForce,
        AgencyKind::NationalAgency,
        AgencyKind::LocalAuthority,
        AgencyKind::Ngo,
        AgencyKind::PublicList,
        AgencyKind::ForeignPartner,
        AgencyKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AgencyKind::PoliceForce => "police-force",
            AgencyKind::NationalAgency => "national-agency",
            AgencyKind::LocalAuthority => "local-authority",
            AgencyKind::Ngo => "ngo",
            AgencyKind::PublicList => "public-list",
            AgencyKind::ForeignPartner => "foreign-partner",
            AgencyKind::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<AgencyKind> {
        AgencyKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for AgencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a registry entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Bundled,
    Settings,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::Bundled => "bundled",
            Origin::Settings => "settings",
        }
    }
}

/// One agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub origin: Origin,
}

/// A mistake in a deployment's agency entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyError {
    #[error("agency code {0:?}: use lower-case letters, digits and '-' (e.g. leeds-cc)")]
    BadCode(String),
    #[error("agencies.{code}.kind: unknown kind {kind:?}; expected one of {expected}")]
    BadKind {
        code: String,
        kind: String,
        expected: String,
    },
    #[error("agencies.{0}.name: must not be empty")]
    NoName(String),
}

const BUNDLED: &[(&str, &str, AgencyKind)] = &[
    (
        "police",
        "Police forces (England and Wales, Police Scotland, PSNI)",
        AgencyKind::PoliceForce,
    ),
    ("nca", "National Crime Agency", AgencyKind::NationalAgency),
    ("border-force", "Border Force", AgencyKind::NationalAgency),
    (
        "immigration-enforcement",
        "Immigration Enforcement",
        AgencyKind::NationalAgency,
    ),
    ("hmrc", "HM Revenue and Customs", AgencyKind::NationalAgency),
    (
        "glaa",
        "Gangmasters and Labour Abuse Authority",
        AgencyKind::NationalAgency,
    ),
    (
        "nrm",
        "National Referral Mechanism (Home Office)",
        AgencyKind::NationalAgency,
    ),
    (
        "un-sc",
        "United Nations Security Council (consolidated sanctions list)",
        AgencyKind::PublicList,
    ),
    (
        "uk-ofsi",
        "HM Treasury, Office of Financial Sanctions Implementation (UK consolidated list)",
        AgencyKind::PublicList,
    ),
    (
        "us-ofac",
        "US Treasury, Office of Foreign Assets Control (SDN list)",
        AgencyKind::PublicList,
    ),
];

/// The agencies a deployment knows, by code.
#[derive(Debug, Clone)]
pub struct AgencyRegistry {
    agencies: BTreeMap<String, Agency>,
}

impl Default for AgencyRegistry {
    /// The bundled agencies.
    fn default() -> Self {
        let agencies = BUNDLED
            .iter()
            .map(|&(code, name, kind)| {
                (
                    code.to_owned(),
                    Agency {
                        code: code.to_owned(),
                        name: name.to_owned(),
                        kind,
                        origin: Origin::Bundled,
                    },
                )
            })
            .collect();
        AgencyRegistry { agencies }
    }
}

/// Whether a code is lower-case letters, digits and inner hyphens.
pub fn is_agency_code(code: &str) -> bool {
    !code.is_empty()
        && !code.starts_with('-')
        && !code.ends_with('-')
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl AgencyRegistry {
    /// Adds (or, for a bundled code, replaces) a deployment's agency.
    pub fn register(&mut self, code: &str, name: &str, kind: &str) -> Result<(), AgencyError> {
        if !is_agency_code(code) {
            return Err(AgencyError::BadCode(code.to_owned()));
        }
        let Some(kind) = AgencyKind::from_name(kind) else {
            return Err(AgencyError::BadKind {
                code: code.to_owned(),
                kind: kind.to_owned(),
                expected: AgencyKind::ALL.map(AgencyKind::name).join(", "),
            });
        };
        if name.trim().is_empty() {
            return Err(AgencyError::NoName(code.to_owned()));
        }
        self.agencies.insert(
            code.to_owned(),
            Agency {
                code: code.to_owned(),
                name: name.trim().to_owned(),
                kind,
                origin: Origin::Settings,
            },
        );
        Ok(())
    }

    pub fn get(&self, code: &str) -> Option<&Agency> {
        self.agencies.get(code)
    }

    /// Every agency, by code.
    pub fn iter(&self) -> impl Iterator<Item = &Agency> {
        self.agencies.values()
    }

    /// Why a pipeline's `agency` is not registered, as its mistake.
    pub fn unknown(&self, code: &str) -> Option<String> {
        if self.agencies.contains_key(code) {
            return None;
        }
        let known: Vec<&str> = self.agencies.keys().map(String::as_str).collect();
        Some(format!(
            "unknown agency {code:?}; registered: {}; a deployment registers its own under [agencies.{}] in jstac.toml (name = \"...\", kind = \"local-authority\")",
            known.join(", "),
            if is_agency_code(code) { code } else { "CODE" }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_registers_its_own_agencies() {
        let mut registry = AgencyRegistry::default();
        assert!(registry.get("police").is_some());
        assert!(registry.unknown("leeds-cc").is_some());
        registry
            .register("leeds-cc", "Leeds City Council", "local-authority")
            .unwrap();
        assert_eq!(registry.unknown("leeds-cc"), None);
        assert_eq!(registry.get("leeds-cc").unwrap().origin, Origin::Settings);
        assert_eq!(
            registry.register("Leeds CC", "x", "ngo"),
            Err(AgencyError::BadCode("Leeds CC".into()))
        );
        assert!(matches!(
            registry.register("x", "x", "council"),
            Err(AgencyError::BadKind { .. })
        ));
    }
}
