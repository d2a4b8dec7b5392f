//! The noise of real extracts: names in either order and case, with
//! transliteration variants, stripped diacritics and the odd typo;
//! nationalities spelled many ways; postcodes and phones written variously.

use crate::data::TRANSLITERATIONS;
use crate::rng::Rng;
use crate::spellings::Spellings;
use crate::world::Person;

pub(super) struct Noise {
    pub rng: Rng,
    spellings: Spellings,
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

impl Noise {
    pub fn new(rng: Rng) -> Noise {
        Noise {
            rng,
            spellings: Spellings::default(),
        }
    }

    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.chance(per_mille)
    }

    /// Two adjacent lower-case letters swapped, sometimes.
    fn typo(&mut self, text: &str) -> String {
        if !self.chance(20) {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        let candidates: Vec<usize> = (1..chars.len().saturating_sub(1))
            .filter(|&i| chars[i].is_ascii_lowercase() && chars[i + 1].is_ascii_lowercase())
            .collect();
        if candidates.is_empty() {
            return text.to_owned();
        }
        let i = *self.rng.pick(&candidates);
        chars.swap(i, i + 1);
        chars.into_iter().collect()
    }

    pub fn family(&mut self, p: &Person, upper: bool) -> String {
        let mut family = p.family.clone();
        if !family.is_ascii() && self.chance(500) {
            // `ĐẶNG` → `DANG`, `WIŚNIEWSKI` → `WISNIEWSKI`.
            family = deunicode::deunicode(&family);
        }
        if !upper && self.chance(200) {
            family = title_case(&family);
        }
        family
    }

    pub fn given(&mut self, p: &Person) -> String {
        let mut words: Vec<String> = Vec::new();
        for word in p.given.split(' ') {
            let group = TRANSLITERATIONS.iter().find(|g| g.contains(&word));
            match group {
                Some(group) if self.chance(300) => words.push((*self.rng.pick(group)).to_owned()),
                _ => words.push(word.to_owned()),
            }
        }
        let given = words.join(" ");
        self.typo(&given)
    }

    /// A name in one field: `HOXHA, Ana`, `Ana HOXHA` or `NGUYEN Thi Lan`.
    pub fn full_name(&mut self, p: &Person) -> String {
        let family = self.family(p, true);
        let given = self.given(p);
        let roll = self.rng.below(100);
        if p.family_first {
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
        }
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

    pub fn phone(&mut self, p: &Person) -> String {
        if self.chance(500) {
            format!("0{}", p.phone)
        } else {
            format!("+44 {}", p.phone)
        }
    }
}
