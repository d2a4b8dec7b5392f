//! Identifiers the agencies give people: their own numbers, which never
//! reveal the ground truth, and travel document numbers, which agencies share.

use crate::world::Person;

/// A travel document number per person: the same at every agency.
pub(super) fn document_number(p: &Person) -> String {
    let letter = (b'A' + (p.id % 26) as u8) as char;
    format!("{letter}{:08}", (p.id as u64 * 7_919 + 13) % 100_000_000)
}

/// An agency's own number for a synthetic person: a bijection of the
/// person's id onto 0..9,999,991 that differs per agency, so agencies'
/// identifiers never reveal the ground truth (N0007464 and BF-P-0007464
/// being the same person would make a linkage test trivial), yet each stays
/// unique and deterministic.
pub(super) fn agency_number(id: usize, agency: u64) -> u64 {
    // Multiplying by a unit modulo a prime, then adding, is a bijection.
    const PRIME: u64 = 9_999_991;
    let multiplier = [0, 2_654_435, 4_000_037, 6_700_417, 1_234_577][agency as usize % 5];
    ((id as u64 % PRIME) * multiplier + agency * 104_729) % PRIME
}

#[cfg(test)]
mod agency_number_tests {
    use super::agency_number;

    #[test]
    fn agency_numbers_are_unique_per_agency_and_differ_between_agencies() {
        for agency in 1..=4 {
            let numbers: std::collections::HashSet<u64> =
                (0..50_000).map(|id| agency_number(id, agency)).collect();
            assert_eq!(numbers.len(), 50_000);
        }
        let same = (0..50_000)
            .filter(|&id| agency_number(id, 1) == agency_number(id, 2))
            .count();
        assert!(same < 5, "{same}");
    }
}
