//! `jstac synth`: a wholly synthetic multi-agency picture.
//!
//! From a seed and a scale factor, writes each agency's files in the exact
//! format its bundled pipeline reads (column names, codes, date formats,
//! sheet names, XML namespaces), laid out as `pipelines/samples/` is, so
//! `jstac run --all --source-root DIR` loads them:
//!
//! ```text
//! DIR/nrm_referrals/nrm_referrals_2015.csv, nrm_referrals_2016.csv   (Home Office NRM, CSV)
//! DIR/police_msa_crimes/wyp_msa_synth.csv                           (police, CSV)
//! DIR/border_force_encounters/bf_encounters_synth.xlsx              (Border Force, XLSX)
//! DIR/glaa_licensing/glaa_licensing_synth.ods                       (GLAA, ODS)
//! DIR/hmrc_nmw/hmrc_nmw_cases_synth.xlsx                            (HMRC, XLSX)
//! DIR/nca_intelligence/nca_intel_synth.xml                          (NCA, XML)
//! DIR/ie_encounters/ie_encounters_synth.xml                         (Immigration Enforcement, XML)
//! DIR/ground_truth.csv     which source records are the same synthetic person
//! ```
//!
//! **Calibration** (scale 1, DOMAIN.md): 2016 NRM referrals total 3,805 of
//! exactly 108 nationalities, Albania > Viet Nam > United Kingdom (326); 2015
//! totals 3,250 (a 17.1% rise); 2,524 adults and 1,281 minors; labour
//! (including criminal) 1,575, sexual 1,313. Scale `k` multiplies every
//! count. The marginals are exact: each is a list of labels with exact
//! counts, shuffled by the seeded generator.
//!
//! **Noise**: nationalities written many ways (every spelling checked
//! against the `country` normaliser), names in either order, upper or title
//! case, with transliteration variants, stripped diacritics and the odd
//! typo; missing dates of birth and decision dates; phones written
//! nationally or internationally.
//!
//! **Determinism**: the same seed and scale give byte-identical files (one
//! seeded SplitMix64 stream, no hash-map iteration, fixed timestamps inside
//! the XLSX and ODS archives).
//!
//! Every name is a combination of common names per naming tradition,
//! drawn at random: no real person. Nothing here logs or prints a value.

#![forbid(unsafe_code)]

mod data;
mod write;

use std::path::{Path, PathBuf};

use data::*;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("scale must be at least 1")]
    Scale,
}

pub type Result<T> = std::result::Result<T, SynthError>;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    /// 1 = the calibrated sizes; `k` multiplies every count.
    pub scale: u32,
}

/// What was written: each file (relative to the output directory) and its
/// record count (rows or XML records).
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub files: Vec<(PathBuf, usize)>,
    pub persons: usize,
    pub truth_rows: usize,
}

impl Summary {
    pub fn records(&self) -> usize {
        self.files.iter().map(|(_, n)| n).sum()
    }
}

/// Writes the whole dataset under `out` (created if missing).
pub fn generate(out: &Path, options: &Options) -> Result<Summary> {
    if options.scale == 0 {
        return Err(SynthError::Scale);
    }
    let mut world = World::new(options);
    world.nrm(2015);
    world.nrm(2016);
    world.businesses();
    world.police();
    world.border_force();
    world.ie();
    world.hmrc();
    world.nca();
    world.glaa();
    write::all(out, &world)
}

// ---------------------------------------------------------------------------
// Randomness and dates.

/// SplitMix64: tiny, fast, and fixed forever (a crate's generator could
/// change its stream between versions, and the files with it).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 11) as u128 * n as u128) >> 53) as usize
    }
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }
    /// True with probability `per_mille / 1000`.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// A civil date as days since 1970-01-01 (proleptic Gregorian).
pub(crate) fn days_from_ymd(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn ymd_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

pub(crate) fn dmy(days: i64) -> String {
    let (y, m, d) = ymd_from_days(days);
    format!("{d:02}/{m:02}/{y:04}")
}

pub(crate) fn iso(days: i64) -> String {
    let (y, m, d) = ymd_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn year_days(year: i64) -> (i64, i64) {
    (days_from_ymd(year, 1, 1), days_from_ymd(year, 12, 31))
}

// ---------------------------------------------------------------------------
// The synthetic world.

/// One synthetic person: the truth behind every record that names them.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: usize,
    pub female: bool,
    pub given: String,
    pub family: String,
    pub family_first: bool,
    pub nationality: &'static str,
    /// Days since 1970-01-01.
    pub dob: i64,
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
    pub referred_on: i64,
    pub first_responder: &'static str,
    pub exploitation: &'static str,
    pub age_group: &'static str,
    pub gender: &'static str,
    pub location: &'static str,
    pub force: &'static str,
    pub rg: Option<(&'static str, Option<i64>)>,
    pub cg: Option<(&'static str, Option<i64>)>,
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
    pub on: i64,
    pub to: Option<i64>,
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
    pub nrm: Vec<(i64, Vec<Referral>)>,
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
    /// Spellings per nationality that the `country` normaliser resolves to it.
    spellings: Vec<(&'static str, Vec<String>)>,
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
    fn new(options: &Options) -> World {
        World {
            rng: Rng(options.seed ^ 0x6A73_7461_635F_7379),
            scale: options.scale,
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
            spellings: Vec::new(),
        }
    }

    fn n(&self, base: usize) -> usize {
        base * self.scale as usize
    }

    /// A new person of a nationality, born between the given days.
    fn person(&mut self, nationality: &'static str, born: (i64, i64), female: bool) -> usize {
        let names = NAMES
            .iter()
            .find(|n| n.codes.contains(&nationality))
            .unwrap_or(&GENERIC);
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
        let dob = rng.range(born.0, born.1);
        let phone = format!("7700 900{:03}", rng.below(1000));
        let postcode = postcode(rng);
        let id = self.people.len() + 1;
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

    /// Spellings of a nationality the `country` normaliser resolves to it.
    pub fn spellings(&mut self, code: &'static str) -> &[String] {
        if let Some(i) = self.spellings.iter().position(|(c, _)| *c == code) {
            return &self.spellings[i].1;
        }
        let mut candidates: Vec<String> = Vec::new();
        if let Some((_, list)) = SPELLINGS.iter().find(|(c, _)| *c == code) {
            candidates.extend(list.split('|').map(str::to_owned));
        }
        if let Some(country) = jstac_normalise::country::by_alpha3(code) {
            candidates.push(country.name.to_owned());
            candidates.push(country.alpha3.to_owned());
            candidates.push(country.alpha2.to_owned());
        }
        let mut ok: Vec<String> = Vec::new();
        for candidate in candidates {
            let resolves = jstac_normalise::country(&candidate).is_ok_and(|c| c.alpha3 == code);
            if resolves && !ok.contains(&candidate) {
                ok.push(candidate);
            }
        }
        assert!(!ok.is_empty(), "no spelling of {code} resolves");
        self.spellings.push((code, ok));
        &self.spellings.last().expect("just pushed").1
    }

    // -- NRM ----------------------------------------------------------------

    fn nrm(&mut self, year: i64) {
        let k = self.scale;
        let (total, nationalities) = if year == 2016 {
            (NRM_2016_TOTAL, NRM_2016_NATIONALITIES)
        } else {
            (NRM_2015_TOTAL, NRM_2015_NATIONALITIES)
        };
        let counts = nationality_counts(year == 2016);
        debug_assert_eq!(counts.len(), nationalities);
        let mut nats: Vec<&'static str> = Vec::with_capacity((total * k) as usize);
        for (code, count) in &counts {
            nats.extend(std::iter::repeat_n(*code, (*count * k) as usize));
        }
        let labels = |series: &[(&'static str, u32)]| -> Vec<&'static str> {
            let scaled = proportional(series, total);
            let mut out = Vec::new();
            for (label, count) in scaled {
                out.extend(std::iter::repeat_n(label, (count * k) as usize));
            }
            out
        };
        let mut ages = labels(AGE_2016);
        let mut kinds = labels(EXPLOITATION_2016);
        let mut places = labels(LOCATION_2016);
        let mut genders = labels(GENDER_2016);
        for list in [&mut ages, &mut kinds, &mut places, &mut genders] {
            self.rng.shuffle(list);
        }
        // Dates in order through the year; nationalities shuffled onto them.
        self.rng.shuffle(&mut nats);
        let (first, last) = year_days(year);
        let n = nats.len();
        let mut dates: Vec<i64> = (0..n).map(|_| self.rng.range(first, last)).collect();
        dates.sort_unstable();
        let mut referrals = Vec::with_capacity(n);
        for i in 0..n {
            let on = dates[i];
            let age_group = ages[i];
            let gender = genders[i];
            let (young, old) = if age_group == "Adult" {
                (18 * 365 + 5, 60 * 365)
            } else {
                (9 * 365, 17 * 365 + 300)
            };
            let female = match gender {
                "Female" => true,
                "Male" => false,
                _ => self.rng.chance(500),
            };
            let person = self.person(nats[i], (on - old, on - young), female);
            let rg_on = on + self.rng.range(2, 30);
            let rg = if self.rng.chance(40) {
                None // pending
            } else {
                let decision = if self.rng.chance(880) {
                    "Positive"
                } else {
                    "Negative"
                };
                Some((decision, (!self.rng.chance(30)).then_some(rg_on)))
            };
            let cg = match rg {
                Some(("Positive", _)) if !self.rng.chance(250) => {
                    let decision = if self.rng.chance(850) {
                        "Positive"
                    } else {
                        "Negative"
                    };
                    let cg_on = rg_on + self.rng.range(45, 400);
                    Some((decision, (!self.rng.chance(30)).then_some(cg_on)))
                }
                _ => None,
            };
            referrals.push(Referral {
                reference: format!("NRM-{year}-{:06}", i + 1),
                person,
                referred_on: on,
                first_responder: FIRST_RESPONDERS[self.rng.below(FIRST_RESPONDERS.len())],
                exploitation: kinds[i],
                age_group,
                gender,
                location: places[i],
                force: FORCES[self.rng.below(FORCES.len())],
                rg,
                cg,
            });
        }
        self.nrm.push((year, referrals));
    }

    /// A person referred to the NRM in 2016, at random.
    fn referred(&mut self) -> usize {
        let (_, list) = self
            .nrm
            .iter()
            .find(|(y, _)| *y == 2016)
            .expect("2016 generated first");
        let i = self.rng.below(list.len());
        list[i].person
    }

    /// An offender: reused from the pool (so agencies share them) or new.
    fn offender(&mut self) -> usize {
        if !self.offenders.is_empty() && self.rng.chance(450) {
            let i = self.rng.below(self.offenders.len());
            return self.offenders[i];
        }
        let code = *self.rng.pick(&[
            "ALB", "GBR", "GBR", "ROU", "VNM", "POL", "CHN", "NGA", "LTU",
        ]);
        let female = self.rng.chance(250);
        let born = (days_from_ymd(1955, 1, 1), days_from_ymd(1996, 12, 31));
        let id = self.person(code, born, female);
        self.offenders.push(id);
        id
    }

    /// Someone only this agency knows (a worker, a companion).
    fn bystander(&mut self) -> usize {
        let code = *self.rng.pick(&[
            "GBR", "POL", "ROU", "LTU", "BGR", "IND", "PAK", "PHL", "PRT", "ESP", "FRA",
        ]);
        let female = self.rng.chance(450);
        let born = (days_from_ymd(1950, 1, 1), days_from_ymd(1999, 12, 31));
        self.person(code, born, female)
    }

    fn day_2016(&mut self) -> i64 {
        let (a, b) = year_days(2016);
        self.rng.range(a, b)
    }

    fn businesses(&mut self) {
        for i in 0..self.n(120) {
            let word = self.rng.pick(BUSINESS_WORDS);
            let (kind, sector) = BUSINESS_KINDS[i % BUSINESS_KINDS.len()];
            let postcode = postcode(&mut self.rng);
            let name = if i < BUSINESS_WORDS.len() * BUSINESS_KINDS.len() {
                format!("{word} {kind}")
            } else {
                format!("{word} {} {kind}", i / 100)
            };
            self.businesses.push(Business {
                name,
                postcode,
                glaa_sector: sector,
                hmrc_sector: hmrc_sector(kind),
            });
        }
    }

    fn police(&mut self) {
        for i in 0..self.n(400) {
            let on = self.day_2016();
            let mut people = Vec::new();
            for _ in 0..self.rng.range(1, 3) {
                let person = if self.rng.chance(500) {
                    self.referred()
                } else {
                    self.bystander()
                };
                people.push(Named {
                    person,
                    role: "Victim",
                });
            }
            for _ in 0..self.rng.range(0, 2) {
                let person = self.offender();
                people.push(Named {
                    person,
                    role: "Suspect",
                });
            }
            let kind = *self.rng.pick(&[
                "MSA 2015 s1 Slavery, servitude, forced or compulsory labour",
                "MSA 2015 s1 Slavery, servitude and forced or compulsory labour",
                "MSA 2015 s2 Human trafficking",
                "MSA 2015 s2 Human trafficking",
                "MSA 2015 s4 Committing an offence with intent to commit s2",
            ]);
            let business = self.rng.below(self.businesses.len());
            let ocg = self.rng.chance(300);
            let amount = self
                .rng
                .chance(300)
                .then(|| self.rng.range(500, 90_000) as u32);
            let to = self.rng.chance(500).then(|| on + self.rng.range(1, 120));
            self.police.push(Case {
                reference: format!("{:02}/{:05}/16", 10 + i % 40, i + 100),
                on,
                to,
                kind,
                outcome: "",
                business,
                people,
                ocg,
                amount,
            });
        }
    }

    fn border_force(&mut self) {
        for i in 0..self.n(300) {
            let on = self.day_2016();
            let mut people = Vec::new();
            let victim = if self.rng.chance(450) {
                self.referred()
            } else {
                self.bystander()
            };
            people.push(Named {
                person: victim,
                role: "Potential victim",
            });
            for _ in 0..self.rng.range(0, 2) {
                let person = self.bystander();
                people.push(Named {
                    person,
                    role: "Travelling companion",
                });
            }
            if self.rng.chance(300) {
                let person = self.offender();
                people.push(Named {
                    person,
                    role: "Suspected facilitator",
                });
            }
            let kind = *self.rng.pick(&[
                "Safeguarding concern",
                "Suspected trafficking",
                "Suspected trafficking",
            ]);
            let outcome = *self.rng.pick(&[
                "NRM referral made",
                "Referred to local authority",
                "Entry refused",
                "No further action",
            ]);
            self.border.push(Case {
                reference: format!("BF-ENC-2016-{:06}", i + 1),
                on,
                to: None,
                kind,
                outcome,
                business: 0,
                people,
                ocg: false,
                amount: None,
            });
        }
    }

    fn ie(&mut self) {
        for i in 0..self.n(300) {
            let on = self.day_2016();
            let mut people = Vec::new();
            let principal = if self.rng.chance(350) {
                self.referred()
            } else {
                self.bystander()
            };
            people.push(Named {
                person: principal,
                role: "principal",
            });
            if self.rng.chance(300) {
                let person = self.bystander();
                people.push(Named {
                    person,
                    role: "dependant",
                });
            }
            let kind = *self.rng.pick(&[
                "Illegal working visit",
                "Visa overstay",
                "Clandestine entrant",
                "Reporting event",
            ]);
            let outcome = *self.rng.pick(&[
                "Detained",
                "Released on immigration bail",
                "No further action",
                "NRM referral made",
            ]);
            let business = self.rng.below(self.businesses.len());
            self.ie.push(Case {
                reference: format!("IE-ENC-2016-{:06}", i + 1),
                on,
                to: None,
                kind,
                outcome,
                business,
                people,
                ocg: false,
                amount: None,
            });
        }
    }

    fn hmrc(&mut self) {
        for i in 0..self.n(200) {
            let opened = self.day_2016();
            let mut people = Vec::new();
            for _ in 0..self.rng.range(1, 4) {
                let person = if self.rng.chance(250) {
                    self.referred()
                } else {
                    self.bystander()
                };
                people.push(Named {
                    person,
                    role: "underpaid worker",
                });
            }
            let outcome = *self.rng.pick(&["AP", "AN", "IO", "RG"]);
            let closed = (outcome != "IO").then(|| opened + self.rng.range(30, 200));
            let business = self.rng.below(self.businesses.len());
            let amount = Some(self.rng.range(300, 20_000) as u32);
            self.hmrc.push(Case {
                reference: format!("NMW-16-{:05}", i + 400),
                on: opened,
                to: closed,
                kind: "",
                outcome,
                business,
                people,
                ocg: false,
                amount,
            });
        }
    }

    fn nca(&mut self) {
        for i in 0..self.n(300) {
            let on = self.day_2016();
            let mut people = Vec::new();
            for _ in 0..self.rng.range(0, 2) {
                let person = self.referred();
                people.push(Named {
                    person,
                    role: "victim",
                });
            }
            for _ in 0..self.rng.range(1, 2) {
                let person = self.offender();
                people.push(Named {
                    person,
                    role: "suspect",
                });
            }
            let kind = *self.rng.pick(&[
                "Sexual exploitation",
                "Labour exploitation",
                "Domestic servitude",
                "Criminal exploitation (cannabis cultivation)",
                "Criminal exploitation (county lines)",
            ]);
            let business = self.rng.below(self.businesses.len());
            let ocg = self.rng.chance(400);
            self.nca.push(Case {
                reference: format!("NCA-IR-2016-{:06}", i + 100),
                on,
                to: None,
                kind,
                outcome: "",
                business,
                people,
                ocg,
                amount: None,
            });
        }
    }

    fn glaa(&mut self) {
        let licensed: Vec<usize> = (0..self.businesses.len())
            .filter(|&b| !self.businesses[b].glaa_sector.is_empty())
            .collect();
        for (i, &business) in licensed.iter().enumerate() {
            let (a, _) = year_days(2008);
            let (_, b) = year_days(2016);
            let issued = self.rng.range(a, b - 200);
            let status = *self.rng.pick(&[
                "Licensed",
                "Licensed",
                "Licensed",
                "Revoked",
                "Surrendered",
                "Expired",
            ]);
            let to = (status != "Licensed").then(|| self.rng.range(issued + 100, b));
            let pa = if self.rng.chance(250) {
                self.offender()
            } else {
                self.bystander()
            };
            self.glaa_licences.push(Case {
                reference: format!("GLAA-{:07}", 100_200 + i),
                on: issued,
                to,
                kind: "",
                outcome: status,
                business,
                people: vec![Named {
                    person: pa,
                    role: "principal authority",
                }],
                ocg: false,
                amount: Some(self.rng.range(5, 400) as u32),
            });
        }
        let licences = self.glaa_licences.len();
        for i in 0..self.n(150) {
            let licence = self.rng.below(licences);
            let on = self.day_2016();
            let kind = *self.rng.pick(&["Compliance", "Compliance", "Application"]);
            let outcome =
                *self
                    .rng
                    .pick(&["Pass", "Pass", "Pass with additional conditions", "Fail"]);
            self.glaa_inspections.push(Case {
                reference: format!("INS-16-{:05}", i + 1),
                on,
                to: None,
                kind,
                outcome,
                business: licence,
                people: Vec::new(),
                ocg: false,
                amount: Some(self.rng.range(2, 25) as u32),
            });
        }
    }
}

fn postcode(rng: &mut Rng) -> String {
    const INWARD: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let outward = rng.pick(OUTWARD);
    let digit = rng.below(10);
    let a = INWARD[rng.below(INWARD.len())] as char;
    let b = INWARD[rng.below(INWARD.len())] as char;
    format!("{outward} {digit}{a}{b}")
}

/// Referrals per nationality at scale 1: 2016 as calibrated (108
/// nationalities, 3,805); 2015 the first 100 of them scaled to 3,250.
pub(crate) fn nationality_counts(is_2016: bool) -> Vec<(&'static str, u32)> {
    let mut counts: Vec<(&'static str, u32)> = NRM_2016_TOP.to_vec();
    for (i, code) in NRM_2016_TAIL.iter().enumerate() {
        counts.push((code, (87 - i as u32) * 14 / 87 + 1));
    }
    let rest: u32 = counts.iter().map(|(_, n)| n).sum();
    counts[3].1 = NRM_2016_TOTAL - rest;
    if is_2016 {
        return counts;
    }
    counts.truncate(NRM_2015_NATIONALITIES);
    let mut scaled = proportional(&counts, NRM_2015_TOTAL);
    for entry in &mut scaled {
        entry.1 = entry.1.max(1);
    }
    // Keep the total exact after the floor of one per nationality.
    let sum: u32 = scaled.iter().map(|(_, n)| n).sum();
    scaled[0].1 = scaled[0].1 + NRM_2015_TOTAL - sum;
    scaled
}

/// Scales counts to a new total, exactly (largest remainders get the rest).
fn proportional(series: &[(&'static str, u32)], total: u32) -> Vec<(&'static str, u32)> {
    let sum: u64 = series.iter().map(|(_, n)| u64::from(*n)).sum();
    let mut out: Vec<(&'static str, u32)> = Vec::with_capacity(series.len());
    let mut remainders: Vec<(u64, usize)> = Vec::new();
    for (i, (label, n)) in series.iter().enumerate() {
        let exact = u64::from(*n) * u64::from(total);
        out.push((label, (exact / sum) as u32));
        remainders.push((exact % sum, i));
    }
    let assigned: u32 = out.iter().map(|(_, n)| n).sum();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.iter().take((total - assigned) as usize) {
        out[*i].1 += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_holds_at_scale_one() {
        let c16 = nationality_counts(true);
        assert_eq!(c16.len(), 108);
        assert_eq!(c16.iter().map(|c| c.1).sum::<u32>(), 3_805);
        assert_eq!(&c16[..3], &[("ALB", 702), ("VNM", 519), ("GBR", 326)]);
        assert!(c16[3..].iter().all(|c| c.1 < 326 && c.1 >= 1), "{c16:?}");
        let c15 = nationality_counts(false);
        assert_eq!(c15.len(), 100);
        assert_eq!(c15.iter().map(|c| c.1).sum::<u32>(), 3_250);
        let rise = (3_805.0 / 3_250.0 - 1.0) * 100.0_f64;
        assert_eq!(rise.round(), 17.0);
        let sum = |s: &[(&str, u32)]| s.iter().map(|c| c.1).sum::<u32>();
        for series in [AGE_2016, EXPLOITATION_2016, LOCATION_2016, GENDER_2016] {
            assert_eq!(sum(series), 3_805);
        }
        assert_eq!(sum(&EXPLOITATION_2016[..2]), 1_575);
        let mut codes: Vec<&str> = c16.iter().map(|c| c.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 108, "a nationality is listed twice");
    }

    #[test]
    fn every_spelling_resolves_to_its_code() {
        let mut world = World::new(&Options { seed: 1, scale: 1 });
        for (code, _) in nationality_counts(true) {
            for spelling in world.spellings(code).to_vec() {
                assert_eq!(
                    jstac_normalise::country(&spelling).map(|c| c.alpha3),
                    Ok(code),
                    "{spelling}"
                );
            }
        }
    }

    #[test]
    fn dates_round_trip() {
        for days in [-3_000, 0, 16_801, 17_166, 20_000] {
            let (y, m, d) = ymd_from_days(days);
            assert_eq!(days_from_ymd(y, m, d), days);
        }
        assert_eq!(iso(days_from_ymd(2016, 2, 29)), "2016-02-29");
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let c = tempfile::tempdir().unwrap();
        let options = Options { seed: 7, scale: 1 };
        let summary = generate(a.path(), &options).unwrap();
        generate(b.path(), &options).unwrap();
        generate(c.path(), &Options { seed: 8, scale: 1 }).unwrap();
        assert!(summary.records() > 7_055, "{summary:?}");
        let mut same_as_other_seed = 0;
        for (file, _) in summary
            .files
            .iter()
            .chain([&(PathBuf::from("ground_truth.csv"), 0)])
        {
            let one = std::fs::read(a.path().join(file)).unwrap();
            assert_eq!(one, std::fs::read(b.path().join(file)).unwrap(), "{file:?}");
            if one == std::fs::read(c.path().join(file)).unwrap() {
                same_as_other_seed += 1;
            }
        }
        assert_eq!(same_as_other_seed, 0);
    }
}
