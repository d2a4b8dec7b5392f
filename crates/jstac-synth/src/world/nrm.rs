//! The NRM referrals of a year: the calibrated marginals, shuffled onto
//! dates through the year, each referring a new person.

use crate::calibration::{nationality_counts, proportional};
use crate::data::{
    AGE_2016, EXPLOITATION_2016, FIRST_RESPONDERS, GENDER_2016, LOCATION_2016,
    NRM_2015_NATIONALITIES, NRM_2015_TOTAL, NRM_2016_NATIONALITIES, NRM_2016_TOTAL,
};
use crate::date::{self, Date};
use crate::world::model::{FORCES, Referral, World};

impl World {
    pub(crate) fn nrm(&mut self, year: i32) {
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
        let (first, last) = date::year_bounds(year);
        let n = nats.len();
        let mut dates: Vec<Date> = (0..n)
            .map(|_| date::between(&mut self.rng, first, last))
            .collect();
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
            let person = self.person(
                nats[i],
                (date::plus(on, -old), date::plus(on, -young)),
                female,
            );
            let rg_on = date::plus(on, self.rng.range(2, 30));
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
                    let cg_on = date::plus(rg_on, self.rng.range(45, 400));
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
}
