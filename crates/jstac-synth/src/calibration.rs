//! The calibrated marginals (DOMAIN.md): referrals per nationality in 2015
//! and 2016 at scale 1, and exact rescaling of a series to a new total.

use crate::data::{
    NRM_2015_NATIONALITIES, NRM_2015_TOTAL, NRM_2016_TAIL, NRM_2016_TOP, NRM_2016_TOTAL,
};

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
pub(crate) fn proportional(series: &[(&'static str, u32)], total: u32) -> Vec<(&'static str, u32)> {
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
    use crate::data::{AGE_2016, EXPLOITATION_2016, GENDER_2016, LOCATION_2016};

    #[test]
    fn calibration_holds_at_scale_one() {
        let c16 = nationality_counts(true);
        assert_eq!(c16.len(), 108);
        let total16 = c16.iter().map(|c| c.1).sum::<u32>();
        assert_eq!(total16, 3_805);
        assert_eq!(&c16[..3], &[("ALB", 702), ("VNM", 519), ("GBR", 326)]);
        assert!(c16[3..].iter().all(|c| c.1 < 326 && c.1 >= 1), "{c16:?}");
        let c15 = nationality_counts(false);
        assert_eq!(c15.len(), 100);
        let total15 = c15.iter().map(|c| c.1).sum::<u32>();
        assert_eq!(total15, 3_250);
        // DOMAIN.md: a 17.1% rise from 2015 to 2016.
        let rise = (f64::from(total16) / f64::from(total15) - 1.0) * 1000.0;
        assert_eq!(rise.round(), 171.0);
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
    fn proportional_keeps_the_total_exact_and_gives_remainders_to_the_largest() {
        let series = [("a", 1), ("b", 1), ("c", 1)];
        assert_eq!(proportional(&series, 4), vec![("a", 2), ("b", 1), ("c", 1)]);
        let series = [("a", 10), ("b", 30), ("c", 60)];
        assert_eq!(proportional(&series, 7), vec![("a", 1), ("b", 2), ("c", 4)]);
    }
}
