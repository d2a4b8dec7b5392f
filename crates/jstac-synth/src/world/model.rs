//! The synthetic world: people, businesses, and each agency's cases naming
//! them, before any is written down. Dates are chrono dates ([`Date`]).

use crate::data::{OUTWARD, names_of};
use crate::date::{self, Date};
use crate::rng::Rng;

/// One synthetic person: the truth behind every record that names them.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: usize,
    pub female: bool,
    pub given: String,
    pub family: String,
    pub family_first: bool,
    pub nationality: &'static str,
    pub dob: Date,
    pub phone: String,
    pub postcode: String,
}

impl Person {
    pub fn truth_id(&self) -> String {
        format!("P{:07}", self.id)
    }
    pub fn sex(&self) -> &'static str {
        if self.female { "F" } else { "M" }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Referral {
    pub reference: String,
    pub person: usize,
    pub referred_on: Date,
    pub first_responder: &'static str,
    pub exploitation: &'static str,
    pub age_group: &'static str,
    pub gender: &'static str,
    pub location: &'static str,
    pub force: &'static str,
    pub rg: Option<(&'static str, Option<Date>)>,
    pub cg: Option<(&'static str, Option<Date>)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Business {
    pub name: String,
    pub postcode: String,
    pub glaa_sector: &'static str,
    pub hmrc_sector: &'static str,
}

/// A person named in a record, with the record's own role for them.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub person: usize,
    pub role: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub reference: String,
    pub on: Date,
    pub to: Option<Date>,
    pub kind: &'static str,
    pub outcome: &'static str,
    pub business: usize,
    pub people: Vec<Named>,
    pub ocg: bool,
    pub amount: Option<u32>,
}

pub(crate) struct World {
    pub rng: Rng,
    pub scale: u32,
    pub people: Vec<Person>,
    pub nrm: Vec<(i32, Vec<Referral>)>,
    pub businesses: Vec<Business>,
    pub police: Vec<Case>,
    pub border: Vec<Case>,
    pub ie: Vec<Case>,
    pub hmrc: Vec<Case>,
    pub nca: Vec<Case>,
    pub glaa_licences: Vec<Case>,
    pub glaa_inspections: Vec<Case>,
    /// Suspects, facilitators, gangmasters: reused across agencies.
    pub offenders: Vec<usize>,
}

pub(crate) const FORCES: &[&str] = &[
    "West Yorkshire",
    "Metropolitan",
    "Greater Manchester",
    "West Midlands",
    "Lincolnshire",
    "Kent",
    "Police Scotland",
];

impl World {
    pub(crate) fn new(seed: u64, scale: u32) -> World {
        World {
            rng: Rng::new(seed ^ 0x6A73_7461_635F_7379),
            scale,
            people: Vec::new(),
            nrm: Vec::new(),
            businesses: Vec::new(),
            police: Vec::new(),
            border: Vec::new(),
            ie: Vec::new(),
            hmrc: Vec::new(),
            nca: Vec::new(),
            glaa_licences: Vec::new(),
            glaa_inspections: Vec::new(),
            offenders: Vec::new(),
        }
    }

    pub(crate) fn n(&self, base: usize) -> usize {
        base * self.scale as usize
    }

    /// A new person of a nationality, born between the given days.
    pub(crate) fn person(
        &mut self,
        nationality: &'static str,
        born: (Date, Date),
        female: bool,
    ) -> usize {
        let names = names_of(nationality);
        let rng = &mut self.rng;
        let given = if female {
            rng.pick(names.female)
        } else {
            rng.pick(names.male)
        };
        let given = if !names.family_first && rng.chance(200) {
            // A second given name.
            let other = if female {
                rng.pick(names.female)
            } else {
                rng.pick(names.male)
            };
            if other == given {
                (*given).to_owned()
            } else {
                format!("{given} {other}")
            }
        } else {
            (*given).to_owned()
        };
        let family = (*rng.pick(names.family)).to_owned();
        let dob = date::between(rng, born.0, born.1);
        let postcode = postcode(rng);
        let id = self.people.len() + 1;
        let phone = phone(id);
        self.people.push(Person {
            id,
            female,
            given,
            family,
            family_first: names.family_first,
            nationality,
            dob,
            phone,
            postcode,
        });
        id - 1
    }

    /// A person referred to the NRM in 2016, at random.
    pub(crate) fn referred(&mut self) -> usize {
        let (_, list) = self
            .nrm
            .iter()
            .find(|(y, _)| *y == 2016)
            .expect("2016 generated first");
        let i = self.rng.below(list.len());
        list[i].person
    }

    /// An offender: reused from the pool (so agencies share them) or new.
    pub(crate) fn offender(&mut self) -> usize {
        if !self.offenders.is_empty() && self.rng.chance(450) {
            let i = self.rng.below(self.offenders.len());
            return self.offenders[i];
        }
        let code = *self.rng.pick(&[
            "ALB", "GBR", "GBR", "ROU", "VNM", "POL", "CHN", "NGA", "LTU",
        ]);
        let female = self.rng.chance(250);
        let born = (date::ymd(1955, 1, 1), date::ymd(1996, 12, 31));
        let id = self.person(code, born, female);
        self.offenders.push(id);
        id
    }

    /// Someone only this agency knows (a worker, a companion).
    pub(crate) fn bystander(&mut self) -> usize {
        let code = *self.rng.pick(&[
            "GBR", "POL", "ROU", "LTU", "BGR", "IND", "PAK", "PHL", "PRT", "ESP", "FRA",
        ]);
        let female = self.rng.chance(450);
        let born = (date::ymd(1950, 1, 1), date::ymd(1999, 12, 31));
        self.person(code, born, female)
    }

    pub(crate) fn day_2016(&mut self) -> Date {
        let (a, b) = date::year_bounds(2016);
        date::between(&mut self.rng, a, b)
    }
}

/// Ofcom's numbers for drama (never a real subscriber's), as the national
/// number's leading digits (area code first) and the length of the area
/// code: 20 ranges of 1,000 numbers each.
const DRAMA_PHONES: &[(&str, usize)] = &[
    ("7700900", 4),
    ("2079460", 2),
    ("1134960", 3),
    ("1144960", 3),
    ("1154960", 3),
    ("1164960", 3),
    ("1174960", 3),
    ("1184960", 3),
    ("1214960", 3),
    ("1314960", 3),
    ("1414960", 3),
    ("1514960", 3),
    ("1614960", 3),
    ("1632960", 4),
    ("1914980", 3),
    ("2896490", 2),
    ("2920180", 2),
    ("8081570", 3),
    ("9098790", 3),
    ("3069990", 3),
];

/// A person's own phone: one of the 20,000 drama numbers, different for
/// every person up to 20,000 (a bijection of the id modulo 20,000; at
/// larger scales numbers repeat between people 20,000 ids apart). Written
/// as the national number without its leading 0, grouped after the area
/// code: `7700 900123`, `20 7946 0123`, `113 496 0123`.
pub(crate) fn phone(id: usize) -> String {
    let n = DRAMA_PHONES.len() * 1_000;
    // 7,919 is prime and divides neither 2 nor 5: a unit modulo 20,000.
    let index = (id % n) * 7_919 % n;
    let (prefix, area) = DRAMA_PHONES[index / 1_000];
    let digits = format!("{prefix}{:03}", index % 1_000);
    let (area_code, rest) = digits.split_at(area);
    if rest.len() == 8 {
        format!("{area_code} {} {}", &rest[..4], &rest[4..])
    } else if area == 3 {
        format!("{area_code} {} {}", &rest[..3], &rest[3..])
    } else {
        format!("{area_code} {rest}")
    }
}

pub(crate) fn postcode(rng: &mut Rng) -> String {
    const INWARD: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let outward = rng.pick(OUTWARD);
    let digit = rng.below(10);
    let a = INWARD[rng.below(INWARD.len())] as char;
    let b = INWARD[rng.below(INWARD.len())] as char;
    format!("{outward} {digit}{a}{b}")
}
