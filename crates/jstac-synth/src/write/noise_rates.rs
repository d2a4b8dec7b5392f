//! Each kind of noise, measured at scale 1 the way a resolver meets it:
//! over the pairs of records from different agencies that the ground truth
//! says name the same person, comparing what each record says. Every
//! count must fall near what its documented rate predicts.

use std::collections::BTreeMap;

use super::noise::{
    ALIAS, DOB_DAY_MONTH_SWAPPED, DOB_DAY_OFF, DOB_YEAR_OFF, FAMILY_TYPO, GIVEN_TYPO,
    NAMES_SWAPPED, TRAFFICKER_PHONE,
};
use super::out::{Out, Truth, Written};
use crate::data::{FAMILY_TRANSLITERATIONS, TRANSLITERATIONS, names_of};
use crate::date;
use crate::world::{self, World};

/// Upper case, diacritics stripped, letters only.
fn fold(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Optimal string alignment distance (Damerau-Levenshtein without
/// repeated edits of one substring): 1 for one letter swapped, dropped,
/// added or changed.
fn distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// Two different folded spellings of one transliteration group.
fn variants(groups: &[&[&str]], a: &str, b: &str) -> bool {
    a != b
        && groups.iter().any(|g| {
            let folded: Vec<String> = g.iter().map(|n| fold(n)).collect();
            folded.iter().any(|n| n == a) && folded.iter().any(|n| n == b)
        })
}

#[derive(Debug, Default)]
struct Counts {
    pairs: usize,
    family_typo: usize,
    given_typo: usize,
    family_variant: usize,
    given_variant: usize,
    swapped: usize,
    alias: usize,
    dob_pairs: usize,
    swappable_dob_pairs: usize,
    dob_swapped: usize,
    dob_day_off: usize,
    dob_year_off: usize,
    phone_pairs: usize,
    phone_shared: usize,
    document_pairs: usize,
    document_shared: usize,
    /// Expected pairs touched by an alias, from each person's records.
    alias_expected: f64,
}

fn first_word(text: &str) -> String {
    fold(text.split_whitespace().next().unwrap_or_default())
}

fn compare(world: &World, person: usize, a: &Written, b: &Written, c: &mut Counts) {
    let p = &world.people[person];
    let names = names_of(p.nationality);
    c.pairs += 1;
    let (fa, fb) = (fold(&a.family), fold(&b.family));
    let (ga, gb) = (fold(&a.given), fold(&b.given));
    if fa == gb && ga == fb && fa != fb {
        c.swapped += 1;
    } else if fa != fb {
        let listed = |f: &str| names.family.iter().any(|n| fold(n) == f);
        if variants(FAMILY_TRANSLITERATIONS, &fa, &fb) {
            c.family_variant += 1;
        } else if distance(&fa, &fb) == 1 {
            c.family_typo += 1;
        } else if listed(&fa) && listed(&fb) {
            c.alias += 1;
        }
    } else if ga != gb {
        let (wa, wb) = (first_word(&a.given), first_word(&b.given));
        let listed = |g: &str| {
            let list = if p.female { names.female } else { names.male };
            list.iter().any(|n| fold(n) == g)
        };
        let given_variant = a
            .given
            .split_whitespace()
            .zip(b.given.split_whitespace())
            .any(|(x, y)| variants(TRANSLITERATIONS, &fold(x), &fold(y)));
        if given_variant {
            c.given_variant += 1;
        } else if distance(&ga, &gb) == 1 {
            c.given_typo += 1;
        } else if wa != wb && listed(&wa) && listed(&wb) {
            c.alias += 1;
        }
    }
    if let (Some(x), Some(y)) = (a.dob, b.dob) {
        c.dob_pairs += 1;
        let (_, month, day) = date::parts(p.dob);
        if day <= 12 && day != month {
            c.swappable_dob_pairs += 1;
        }
        let (xy, xm, xd) = date::parts(x);
        let (yy, ym, yd) = date::parts(y);
        if x != y && xy == yy && xm == yd && xd == ym {
            c.dob_swapped += 1;
        } else if (x - y).num_days().abs() == 1 {
            c.dob_day_off += 1;
        } else if (xm, xd) == (ym, yd) && xy.abs_diff(yy) == 1 {
            c.dob_year_off += 1;
        }
    }
    let phone = |w: &Written| {
        w.phone
            .as_deref()
            .map(|p| jstac_normalise::ident::phone(p).expect("a valid phone"))
    };
    if let (Some(x), Some(y)) = (phone(a), phone(b)) {
        c.phone_pairs += 1;
        c.phone_shared += usize::from(x == y);
    }
    if let (Some(x), Some(y)) = (&a.document, &b.document) {
        c.document_pairs += 1;
        c.document_shared += usize::from(x == y);
    }
}

fn measure(world: &World, truth: &[Truth], c: &mut Counts) {
    let mut by_person: BTreeMap<usize, Vec<&Truth>> = BTreeMap::new();
    for t in truth {
        by_person.entry(t.written.0).or_default().push(t);
    }
    for (&person, records) in &by_person {
        for (i, a) in records.iter().enumerate() {
            for b in &records[i + 1..] {
                if a.agency != b.agency {
                    compare(world, person, &a.written.1, &b.written.1, c);
                }
            }
        }
        // An alias is in one of the person's agencies, drawn uniformly:
        // the cross-agency pairs it touches are that agency's records
        // times the others'.
        let mut per_agency: BTreeMap<&str, usize> = BTreeMap::new();
        for r in records {
            *per_agency.entry(r.agency).or_default() += 1;
        }
        if per_agency.len() >= 2 {
            let n = records.len();
            let touched: usize = per_agency.values().map(|k| k * (n - k)).sum();
            c.alias_expected +=
                f64::from(ALIAS) / 1000.0 * touched as f64 / per_agency.len() as f64;
        }
    }
}

/// Within `low`..`high` times what the rate predicts.
fn near(what: &str, measured: usize, expected: f64, (low, high): (f64, f64)) {
    let ratio = measured as f64 / expected;
    assert!(
        (low..=high).contains(&ratio),
        "{what}: measured {measured}, expected about {expected:.1}"
    );
}

#[test]
fn each_kind_of_noise_appears_at_scale_1_near_its_rate() {
    // Four seeds pooled: one person's records make many pairs, so one
    // seed's counts scatter more than their size suggests.
    let mut c = Counts::default();
    for seed in 2016..2020 {
        let world = world::build(seed, 1);
        let dir = tempfile::tempdir().unwrap();
        let mut out = Out::new(dir.path());
        super::agencies(&mut out, &world).unwrap();
        measure(&world, &out.truth, &mut c);
    }
    eprintln!("{c:#?}");
    let per_pair =
        |per_mille: u32, pairs: usize| 2.0 * f64::from(per_mille) / 1000.0 * pairs as f64;
    assert!(c.pairs > 1_000, "{c:?}");
    // A record's typo shows in every pair it is in; some names are too
    // short for one, and a typo now and then meets other noise.
    near(
        "family typos",
        c.family_typo,
        per_pair(FAMILY_TYPO, c.pairs),
        (0.6, 1.3),
    );
    near(
        "given typos",
        c.given_typo,
        per_pair(GIVEN_TYPO, c.pairs),
        (0.6, 1.3),
    );
    near(
        "names swapped",
        c.swapped,
        per_pair(NAMES_SWAPPED, c.pairs),
        (0.6, 1.3),
    );
    near("aliases", c.alias, c.alias_expected, (0.6, 1.4));
    assert!(c.family_variant >= 20 && c.given_variant >= 20, "{c:?}");
    near(
        "dates of birth with day and month swapped",
        c.dob_swapped,
        per_pair(DOB_DAY_MONTH_SWAPPED, c.swappable_dob_pairs),
        (0.6, 1.4),
    );
    near(
        "dates of birth a day off",
        c.dob_day_off,
        per_pair(DOB_DAY_OFF, c.dob_pairs),
        (0.5, 1.6),
    );
    near(
        "dates of birth a year off",
        c.dob_year_off,
        per_pair(DOB_YEAR_OFF, c.dob_pairs),
        (0.4, 1.8),
    );
    // The same person's phone and passport, written each agency's way,
    // normalise to the same identifier wherever both records give one
    // (a victim's referral may give a controller's phone instead).
    assert!(c.phone_pairs >= 80, "{c:?}");
    assert!(c.phone_shared * 10 >= c.phone_pairs * 9, "{c:?}");
    assert!(c.document_pairs >= 40, "{c:?}");
    assert_eq!(c.document_shared, c.document_pairs, "{c:?}");
}

#[test]
fn a_controllers_phone_is_shared_by_a_few_different_victims() {
    let world = world::build(2016, 1);
    let dir = tempfile::tempdir().unwrap();
    let mut out = Out::new(dir.path());
    super::agencies(&mut out, &world).unwrap();
    let mut holders: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut with_phone = 0;
    for t in &out.truth {
        if let Some(phone) = &t.written.1.phone {
            with_phone += 1;
            let e164 = jstac_normalise::ident::phone(phone)
                .unwrap()
                .as_str()
                .to_owned();
            holders.entry(e164).or_default().push(t.written.0);
        }
    }
    let mut shared_by_others = 0;
    let mut records_on_shared = 0;
    for people in holders.values_mut() {
        people.sort_unstable();
        people.dedup();
        if people.len() > 1 {
            shared_by_others += 1;
            records_on_shared += people.len();
        }
    }
    eprintln!(
        "{with_phone} records with a phone; {shared_by_others} phones held by more than one person ({records_on_shared} people)"
    );
    // About 1% of the NRM's phones are one of 15 controllers' phones.
    let nrm_phones = out
        .truth
        .iter()
        .filter(|t| t.agency == "nrm" && t.written.1.phone.is_some())
        .count();
    let expected = nrm_phones as f64 * f64::from(TRAFFICKER_PHONE) / 1000.0;
    assert!((5..=15).contains(&shared_by_others), "{shared_by_others}");
    near(
        "victims on a controller's phone",
        records_on_shared,
        expected,
        (0.6, 1.6),
    );
}
