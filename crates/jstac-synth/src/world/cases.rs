//! The cases of every agency but the NRM, naming referred people,
//! offenders shared between agencies, and people only one agency knows.

use crate::data::{BUSINESS_KINDS, BUSINESS_WORDS, hmrc_sector};
use crate::date;
use crate::world::model::{Business, Case, Named, World, postcode};

impl World {
    pub(crate) fn businesses(&mut self) {
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

    pub(crate) fn police(&mut self) {
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
            let to = self
                .rng
                .chance(500)
                .then(|| date::plus(on, self.rng.range(1, 120)));
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

    pub(crate) fn border_force(&mut self) {
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

    pub(crate) fn ie(&mut self) {
        for i in 0..self.n(300) {
            let on = self.day_2016();
            let mut people = Vec::new();
            // Now and then someone Border Force met at a port, found
            // working later (so both hold their passport).
            let principal = if !self.border.is_empty() && self.rng.chance(150) {
                let case = self.rng.below(self.border.len());
                let people = &self.border[case].people;
                people[self.rng.below(people.len())].person
            } else if self.rng.chance(350) {
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

    pub(crate) fn hmrc(&mut self) {
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
            let closed = (outcome != "IO").then(|| date::plus(opened, self.rng.range(30, 200)));
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

    pub(crate) fn nca(&mut self) {
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

    pub(crate) fn glaa(&mut self) {
        let licensed: Vec<usize> = (0..self.businesses.len())
            .filter(|&b| !self.businesses[b].glaa_sector.is_empty())
            .collect();
        for (i, &business) in licensed.iter().enumerate() {
            let (a, _) = date::year_bounds(2008);
            let (_, b) = date::year_bounds(2016);
            let issued = date::between(&mut self.rng, a, date::plus(b, -200));
            let status = *self.rng.pick(&[
                "Licensed",
                "Licensed",
                "Licensed",
                "Revoked",
                "Surrendered",
                "Expired",
            ]);
            let to = (status != "Licensed")
                .then(|| date::between(&mut self.rng, date::plus(issued, 100), b));
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
