//! Nationalities written as agencies write them, each spelling checked
//! against the `country` normaliser.

use crate::data::SPELLINGS;

/// Spellings per nationality that the `country` normaliser resolves to it,
/// worked out once per nationality.
#[derive(Debug, Default)]
pub(crate) struct Spellings {
    known: Vec<(&'static str, Vec<String>)>,
}

impl Spellings {
    /// Spellings of a nationality the `country` normaliser resolves to it.
    pub(crate) fn of(&mut self, code: &'static str) -> &[String] {
        if let Some(i) = self.known.iter().position(|(c, _)| *c == code) {
            return &self.known[i].1;
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
        self.known.push((code, ok));
        &self.known.last().expect("just pushed").1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::nationality_counts;

    #[test]
    fn every_spelling_resolves_to_its_code() {
        let mut spellings = Spellings::default();
        for (code, _) in nationality_counts(true) {
            for spelling in spellings.of(code).to_vec() {
                assert_eq!(
                    jstac_normalise::country(&spelling).map(|c| c.alpha3),
                    Ok(code),
                    "{spelling}"
                );
            }
        }
    }
}
