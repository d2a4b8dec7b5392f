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
//! **Noise** (each at a fixed rate per mille, documented and measured in
//! `write/noise.rs` and its tests; every noisy value is one a valid record
//! could hold, so nothing is quarantined): nationalities written many ways
//! (every spelling checked against the `country` normaliser), names in
//! either order, upper or title case; per record, typos in family and
//! given names (20‰ each: letters swapped, dropped or doubled),
//! transliteration variants of given names (300‰ of names in a group of
//! `data::TRANSLITERATIONS`) and family names (250‰, `data::FAMILY_TRANSLITERATIONS`:
//! al-/el-, Hasan/Hassan, Nguyen/Nguyễn/Ngyuen, Yohannes/Yohanes,
//! pinyin/Cantonese, Albanian ë/ç, Polish and Ukrainian spellings),
//! stripped diacritics, given and family names swapped (15‰); an alias
//! (another given or family name of their tradition) in every record of
//! one agency for 50‰ of the people two or more agencies name; dates of
//! birth missing, with day and month swapped (20‰ of those that can be),
//! a day off (8‰) or a year off (4‰); phones written nationally or
//! internationally. **Shared identifiers**: a person's passport number is
//! the same at Border Force and Immigration Enforcement (some people meet
//! both), their phone (an Ofcom drama number, one per person up to 20,000
//! people; at scale 3 and above numbers repeat between people) the same
//! in an NRM referral and an IE encounter; 10‰ of the NRM's contact phones
//! are a controlling offender's instead, so a few phones are each several
//! different victims' contact.
//!
//! **Determinism**: the same seed and scale give byte-identical files (one
//! seeded SplitMix64 stream, no hash-map iteration, fixed timestamps inside
//! the XLSX and ODS archives).
//!
//! Every name is a combination of common names per naming tradition,
//! drawn at random: no real person. Nothing here logs or prints a value.

#![forbid(unsafe_code)]

mod calibration;
mod data;
mod date;
mod error;
mod rng;
mod spellings;
mod summary;
mod world;
mod write;

use std::path::Path;

pub use error::{Result, SynthError};
pub use summary::Summary;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    /// 1 = the calibrated sizes; `k` multiplies every count.
    pub scale: u32,
}

/// Writes the whole dataset under `out` (created if missing).
pub fn generate(out: &Path, options: &Options) -> Result<Summary> {
    if options.scale == 0 {
        return Err(SynthError::Scale);
    }
    let world = world::build(options.seed, options.scale);
    write::all(out, &world)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

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
