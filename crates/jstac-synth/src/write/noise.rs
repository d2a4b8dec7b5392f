//! The noise of real extracts, each kind at a fixed rate per mille drawn
//! from the writers' one seeded stream: names in either order and case,
//! transliteration variants of given and family names, stripped
//! diacritics, typos in both, given and family names swapped, aliases
//! known to one agency, dates of birth with day and month swapped or one
//! off; nationalities spelled many ways; postcodes and phones written
//! variously; a trafficker's phone given as several victims' contact.
//! Every noisy value is one a valid record could hold.

use chrono::Datelike as _;

use crate::data::{FAMILY_TRANSLITERATIONS, TRANSLITERATIONS, names_of};
use crate::date::{self, Date};
use crate::rng::Rng;
use crate::spellings::Spellings;
use crate::world::{Person, World};

/// Per mille of records whose given names have a typo.
pub(super) const GIVEN_TYPO: u32 = 20;
/// Per mille of records whose family name has a typo.
pub(super) const FAMILY_TYPO: u32 = 20;
/// Per mille of records writing a given name of a transliteration group
/// as a member drawn from the group (which may be the person's own).
pub(super) const GIVEN_VARIANT: u32 = 300;
/// The same for family names.
pub(super) const FAMILY_VARIANT: u32 = 250;
/// Per mille of records with the given names in the family name's field
/// and the family name in the given names' (in a one-field name, the given
/// names upper case where the family name belongs), so that the
/// normalised family name is the given name.
pub(super) const NAMES_SWAPPED: u32 = 15;
/// Per mille of written dates of birth whose day could be a month (1 to
/// 12, not the month itself) written with day and month swapped.
pub(super) const DOB_DAY_MONTH_SWAPPED: u32 = 20;
/// Per mille of written dates of birth one day off.
pub(super) const DOB_DAY_OFF: u32 = 8;
/// Per mille of written dates of birth one year off.
pub(super) const DOB_YEAR_OFF: u32 = 4;
/// Per mille of people named by two or more agencies whom one of them
/// (drawn at random) knows by an alias: another given name (six in ten)
/// or family name of their tradition, in every record of that agency;
/// their date of birth, nationality and documents unchanged.
pub(super) const ALIAS: u32 = 50;
/// Per mille of NRM referrals with a contact phone whose phone is a
/// controlling offender's, shared with other victims of theirs.
pub(super) const TRAFFICKER_PHONE: u32 = 10;
/// How many offenders per scale unit control victims' phones.
const CONTROLLERS: usize = 15;

/// A name one agency knows a person by.
#[derive(Debug, Clone)]
pub(super) struct Alias {
    pub agency: &'static str,
    pub given: Option<String>,
    pub family: Option<String>,
}

pub(super) struct Noise {
    pub rng: Rng,
    spellings: Spellings,
    /// The agency whose records are being written.
    agency: &'static str,
    /// By person index.
    aliases: Vec<Option<Alias>>,
    /// Offenders whose phones victims give as their contact.
    controllers: Vec<usize>,
}

fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    out
}

/// The agencies in the order their files are written.
pub(super) const AGENCIES: &[&str] = &[
    "nrm",
    "police",
    "border-force",
    "hmrc",
    "glaa",
    "nca",
    "immigration-enforcement",
];

/// Per person index, the agencies (indexes into [`AGENCIES`]) naming them.
fn agencies_naming(world: &World) -> Vec<u8> {
    let mut seen = vec![0u8; world.people.len()];
    for (_, referrals) in &world.nrm {
        for r in referrals {
            seen[r.person] |= 1;
        }
    }
    let cases = [
        &world.police,
        &world.border,
        &world.hmrc,
        &world.glaa_licences,
        &world.nca,
        &world.ie,
    ];
    for (bit, list) in cases.iter().enumerate() {
        for case in list.iter() {
            for named in &case.people {
                seen[named.person] |= 2 << bit;
            }
        }
    }
    seen
}

impl Noise {
    pub fn new(rng: Rng, world: &World) -> Noise {
        let mut noise = Noise {
            rng,
            spellings: Spellings::default(),
            agency: AGENCIES[0],
            aliases: Vec::new(),
            controllers: Vec::new(),
        };
        let seen = agencies_naming(world);
        noise.aliases = world
            .people
            .iter()
            .zip(&seen)
            .map(|(p, &mask)| {
                if mask.count_ones() < 2 || !noise.chance(ALIAS) {
                    return None;
                }
                let agencies: Vec<&'static str> = (0..AGENCIES.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| AGENCIES[i])
                    .collect();
                let agency = *noise.rng.pick(&agencies);
                Some(noise.alias(p, agency))
            })
            .collect();
        let n = world
            .offenders
            .len()
            .min(CONTROLLERS * world.scale as usize);
        noise.controllers = world.offenders[..n].to_vec();
        noise
    }

    /// Another given name (six times in ten) or family name of the
    /// person's tradition.
    fn alias(&mut self, p: &Person, agency: &'static str) -> Alias {
        let names = names_of(p.nationality);
        let given = self.rng.below(10) < 6;
        let (list, own) = if given {
            let first = p.given.split(' ').next().unwrap_or_default();
            (if p.female { names.female } else { names.male }, first)
        } else {
            (names.family, p.family.as_str())
        };
        let others: Vec<&str> = list.iter().copied().filter(|n| *n != own).collect();
        let other = (*self.rng.pick(&others)).to_owned();
        Alias {
            agency,
            given: given.then(|| other.clone()),
            family: (!given).then_some(other),
        }
    }

    /// From now on, records are this agency's (one of [`AGENCIES`]).
    pub fn at(&mut self, agency: &'static str) {
        debug_assert!(AGENCIES.contains(&agency));
        self.agency = agency;
    }

    /// The alias this agency knows the person by, if any.
    pub fn alias_here(&self, p: &Person) -> Option<&Alias> {
        self.aliases[p.id - 1]
            .as_ref()
            .filter(|a| a.agency == self.agency)
    }

    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.chance(per_mille)
    }

    /// A typo, sometimes: two adjacent letters swapped, a letter dropped
    /// or a letter doubled, never the first letter.
    fn typo(&mut self, text: &str, per_mille: u32) -> String {
        if !self.chance(per_mille) {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        let letter = |c: char| c.is_ascii_alphabetic();
        let candidates: Vec<usize> = (1..chars.len().saturating_sub(1))
            .filter(|&i| letter(chars[i]) && letter(chars[i + 1]))
            .collect();
        if candidates.is_empty() {
            return text.to_owned();
        }
        let i = *self.rng.pick(&candidates);
        match self.rng.below(10) {
            0..6 if chars[i] != chars[i + 1] => chars.swap(i, i + 1),
            0..8 if chars.len() > 3 => {
                chars.remove(i);
            }
            _ => chars.insert(i, chars[i]),
        }
        chars.into_iter().collect()
    }

    pub fn family(&mut self, p: &Person, upper: bool) -> String {
        let base = self
            .alias_here(p)
            .and_then(|a| a.family.clone())
            .unwrap_or_else(|| p.family.clone());
        let group = FAMILY_TRANSLITERATIONS
            .iter()
            .find(|g| g.contains(&base.as_str()));
        let mut family = match group {
            Some(group) if self.chance(FAMILY_VARIANT) => (*self.rng.pick(group)).to_owned(),
            _ => base,
        };
        if !family.is_ascii() && self.chance(500) {
            // `ĐẶNG` → `DANG`, `WIŚNIEWSKI` → `WISNIEWSKI`.
            family = deunicode::deunicode(&family);
        }
        if !upper && self.chance(200) {
            family = title_case(&family);
        }
        self.typo(&family, FAMILY_TYPO)
    }

    pub fn given(&mut self, p: &Person) -> String {
        let base = match self.alias_here(p).and_then(|a| a.given.clone()) {
            Some(alias) => alias,
            None => p.given.clone(),
        };
        let mut words: Vec<String> = Vec::new();
        for word in base.split(' ') {
            let group = TRANSLITERATIONS.iter().find(|g| g.contains(&word));
            match group {
                Some(group) if self.chance(GIVEN_VARIANT) => {
                    words.push((*self.rng.pick(group)).to_owned());
                }
                _ => words.push(word.to_owned()),
            }
        }
        let given = words.join(" ");
        self.typo(&given, GIVEN_TYPO)
    }

    /// The family name and given names for their two fields (the family
    /// name upper case when `upper`), now and then swapped.
    pub fn names(&mut self, p: &Person, upper: bool) -> (String, String) {
        let family = self.family(p, upper);
        let given = self.given(p);
        if self.chance(NAMES_SWAPPED) {
            let surname = if upper { given.to_uppercase() } else { given };
            (surname, title_case(&family))
        } else {
            (family, given)
        }
    }

    /// A name in one field: `HOXHA, Ana`, `Ana HOXHA` or `NGUYEN Thi Lan`;
    /// now and then `ANA Hoxha` (swapped: the upper-case word is taken as
    /// the family name).
    /// Returns the text, and the family and given names the normaliser
    /// will read from it.
    pub fn full_name(&mut self, p: &Person) -> (String, String, String) {
        let (family, given) = {
            let family = self.family(p, true);
            let given = self.given(p);
            if self.chance(NAMES_SWAPPED) {
                (given.to_uppercase(), title_case(&family))
            } else {
                (family, given)
            }
        };
        let roll = self.rng.below(100);
        let text = if p.family_first {
            if roll < 70 {
                format!("{family} {given}")
            } else {
                format!("{family}, {given}")
            }
        } else if roll < 45 {
            format!("{family}, {given}")
        } else if roll < 90 {
            format!("{given} {family}")
        } else {
            format!("{}, {given}", title_case(&family))
        };
        (text, family, given)
    }

    /// The date of birth as this record gives it: now and then with day
    /// and month swapped, or a day or a year off.
    pub fn dob(&mut self, p: &Person) -> Date {
        let (year, month, day) = date::parts(p.dob);
        let roll = self.rng.below(1000) as u32;
        if roll < DOB_DAY_MONTH_SWAPPED && day <= 12 && day != month {
            return date::ymd(year, day, month);
        }
        let roll = roll.wrapping_sub(DOB_DAY_MONTH_SWAPPED);
        if roll < DOB_DAY_OFF {
            return date::plus(p.dob, if roll.is_multiple_of(2) { 1 } else { -1 });
        }
        if roll.wrapping_sub(DOB_DAY_OFF) < DOB_YEAR_OFF {
            let year = if roll.is_multiple_of(2) {
                year + 1
            } else {
                year - 1
            };
            // 29 February has no twin in a common year: the 28th.
            return p
                .dob
                .with_year(year)
                .unwrap_or_else(|| date::ymd(year, 2, 28));
        }
        p.dob
    }

    pub fn nationality(&mut self, code: &'static str) -> String {
        let first = self.chance(500);
        let pick = self.rng.below(64);
        let list = self.spellings.of(code);
        if first {
            list[0].clone()
        } else {
            list[pick % list.len()].clone()
        }
    }

    /// A nationality as a case-handling agency writes it: now and then
    /// not known, or two nationalities in one field (which the pipelines
    /// quarantine, as they should).
    pub fn nationality_field(&mut self, code: &'static str) -> String {
        match self.rng.below(1000) {
            0..=2 => "Not known".to_owned(),
            3 => format!("{} Greek", self.nationality(code)),
            _ => self.nationality(code),
        }
    }

    pub fn postcode(&mut self, postcode: &str) -> String {
        if self.chance(100) {
            postcode.replace(' ', "").to_lowercase()
        } else {
            postcode.to_owned()
        }
    }

    /// The phone a referral gives as the victim's contact: their own,
    /// nationally or internationally written; now and then a controlling
    /// offender's, which other victims give too.
    pub fn contact_phone(&mut self, world: &World, p: &Person) -> String {
        let phone = if !self.controllers.is_empty() && self.chance(TRAFFICKER_PHONE) {
            let controller = *self.rng.pick(&self.controllers);
            &world.people[controller].phone
        } else {
            &p.phone
        };
        if self.chance(500) {
            format!("0{phone}")
        } else {
            format!("+44 {phone}")
        }
    }
}
