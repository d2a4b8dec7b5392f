//! Identifiers: passport numbers, UK National Insurance numbers, phone
//! numbers (to E.164) and UK vehicle registrations.
//!
//! ```
//! use jstac_normalise::ident::{ni_number, phone, vehicle_registration};
//! assert_eq!(ni_number("AB 12 34 56 C").unwrap().as_str(), "AB123456C");
//! assert_eq!(phone("07700 900123").unwrap().as_str(), "+447700900123");
//! assert_eq!(vehicle_registration("ab12cde").unwrap().formatted(), "AB12 CDE");
//! ```

use std::fmt;

use crate::country::{Country, CountryError, country};

/// Why an identifier was rejected. Never includes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IdentError {
    /// Blank value.
    #[error("no identifier given")]
    Empty,
    /// Not the shape of this kind of identifier; the reason says which
    /// shape is expected.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// The right shape, but a part that is never issued (a National
    /// Insurance prefix, a registration age identifier, …).
    #[error("never issued: {0}")]
    NeverIssued(&'static str),
    /// The issuing country of a passport could not be resolved.
    #[error("issuing country: {0}")]
    Country(#[from] CountryError),
}

impl IdentError {
    /// A stable, short label for counting outcomes: `"empty"`,
    /// `"malformed"`, `"never_issued"`, or `"country_"` followed by the
    /// country error's kind.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Malformed(_) => "malformed",
            Self::NeverIssued(_) => "never_issued",
            Self::Country(c) => match c {
                CountryError::Empty => "country_empty",
                CountryError::Unknown => "country_unknown",
                CountryError::Ambiguous(_) => "country_ambiguous",
                CountryError::Historic(_) => "country_historic",
                CountryError::Multiple => "country_multiple",
                CountryError::Stateless => "country_stateless",
            },
        }
    }
}

/// A short identifier stored inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Inline<const N: usize> {
    buf: [u8; N],
    len: u8,
}

impl<const N: usize> Inline<N> {
    const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }
    fn push(&mut self, b: u8) -> bool {
        let n = usize::from(self.len);
        if n == N {
            return false;
        }
        self.buf[n] = b;
        self.len += 1;
        true
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }
    fn bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

// ---------------------------------------------------------------- passport

/// A passport number, upper case without spaces (5 to 20 letters and
/// digits).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PassportNumber(Inline<20>);

impl PassportNumber {
    /// The number, e.g. `"123456789"`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PassportNumber")
            .field(&self.as_str())
            .finish()
    }
}

/// A passport: its number and its issuing country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Passport {
    /// The normalised number.
    pub number: PassportNumber,
    /// The issuing country (its `note` may be set, e.g. for `England`).
    pub country: Country,
}

const PASSPORT_SHAPE: &str = "a passport number is 5 to 20 letters and digits";

/// Normalises a passport number alone: spaces removed, upper case, 5 to 20
/// ASCII letters and digits.
///
/// # Errors
///
/// [`IdentError::Empty`] or [`IdentError::Malformed`].
pub fn passport_number(text: &str) -> Result<PassportNumber, IdentError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(IdentError::Empty);
    }
    let mut out = Inline::<20>::new();
    for b in text.bytes() {
        if b == b' ' {
            continue;
        }
        if !b.is_ascii_alphanumeric() || !out.push(b.to_ascii_uppercase()) {
            return Err(IdentError::Malformed(PASSPORT_SHAPE));
        }
    }
    if out.len < 5 {
        return Err(IdentError::Malformed(PASSPORT_SHAPE));
    }
    Ok(PassportNumber(out))
}

/// Normalises a passport number with its issuing country (resolved with
/// [`crate::country::country`], so `GBR`, `United Kingdom` and `British`
/// all work).
///
/// # Errors
///
/// As [`passport_number`], or [`IdentError::Country`] when the issuing
/// country does not resolve.
pub fn passport(number: &str, issuing_country: &str) -> Result<Passport, IdentError> {
    let number = passport_number(number)?;
    let country = country(issuing_country)?;
    Ok(Passport { number, country })
}

// ---------------------------------------------------- National Insurance

/// Note given with the `QQ` prefix.
pub const NOTE_NI_SPECIMEN: &str =
    "specimen prefix QQ: never issued, used in examples and test data";

/// A UK National Insurance number, `QQ123456A` form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NiNumber {
    value: Inline<9>,
    /// Set for the specimen prefix `QQ` ([`NOTE_NI_SPECIMEN`]).
    pub note: Option<&'static str>,
}

impl NiNumber {
    /// The number without spaces, e.g. `"AB123456C"`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.value.as_str()
    }

    /// The number as printed on documents, e.g. `"AB 12 34 56 C"`.
    #[must_use]
    pub fn formatted(&self) -> String {
        let s = self.as_str();
        format!(
            "{} {} {} {} {}",
            &s[0..2],
            &s[2..4],
            &s[4..6],
            &s[6..8],
            &s[8..9]
        )
    }
}

impl fmt::Debug for NiNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NiNumber").field(&self.as_str()).finish()
    }
}

const NI_SHAPE: &str = "a National Insurance number is two letters, six digits and a letter A to D";

/// Validates a UK National Insurance number and returns it without spaces.
///
/// Shape: two prefix letters, six digits, a suffix letter A–D; spaces
/// anywhere are ignored (`QQ 12 34 56 A`). Prefix rules: neither letter is
/// D, F, I, Q, U or V; the second is not O; BG, GB, NK, KN, TN, NT and ZZ
/// are never allocated. The exception is `QQ`, HMRC's specimen prefix,
/// accepted with [`NOTE_NI_SPECIMEN`] so synthetic and example data can be
/// loaded and counted.
///
/// # Errors
///
/// [`IdentError::Empty`], [`IdentError::Malformed`] or
/// [`IdentError::NeverIssued`] (a prefix that is never allocated).
pub fn ni_number(text: &str) -> Result<NiNumber, IdentError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(IdentError::Empty);
    }
    let mut v = Inline::<9>::new();
    for b in text.bytes() {
        if b == b' ' || b == b'-' {
            continue;
        }
        if !b.is_ascii_alphanumeric() || !v.push(b.to_ascii_uppercase()) {
            return Err(IdentError::Malformed(NI_SHAPE));
        }
    }
    let &[p1, p2, d1, d2, d3, d4, d5, d6, s] = v.bytes() else {
        return Err(IdentError::Malformed(NI_SHAPE));
    };
    let shape = p1.is_ascii_uppercase()
        && p2.is_ascii_uppercase()
        && [d1, d2, d3, d4, d5, d6].iter().all(u8::is_ascii_digit)
        && matches!(s, b'A'..=b'D');
    if !shape {
        return Err(IdentError::Malformed(NI_SHAPE));
    }
    if (p1, p2) == (b'Q', b'Q') {
        return Ok(NiNumber {
            value: v,
            note: Some(NOTE_NI_SPECIMEN),
        });
    }
    let never = |b: u8| matches!(b, b'D' | b'F' | b'I' | b'Q' | b'U' | b'V');
    if never(p1) || never(p2) || p2 == b'O' {
        return Err(IdentError::NeverIssued(
            "prefix uses a letter never used in National Insurance numbers",
        ));
    }
    if matches!(
        &[p1, p2],
        b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ"
    ) {
        return Err(IdentError::NeverIssued(
            "prefix is never allocated to National Insurance numbers",
        ));
    }
    Ok(NiNumber {
        value: v,
        note: None,
    })
}

// ------------------------------------------------------------------ phone

/// Note given with a number in one of Ofcom's ranges reserved for drama.
pub const NOTE_PHONE_DRAMA: &str =
    "an Ofcom drama number (reserved for fiction and test data, never in service)";
/// Note given when a `0` after the country code was removed (`+44 (0)20…`
/// written `+44 020…`).
pub const NOTE_PHONE_TRUNK_ZERO: &str = "a trunk 0 written after the country code was removed";
/// Note given when a number had lost its leading `0` or `+` (as spreadsheet
/// programs do) and it was restored.
pub const NOTE_PHONE_RESTORED_PREFIX: &str =
    "the leading 0 or + was missing (as spreadsheets drop it) and was restored";

/// A phone number in E.164 form (`+447700900123`), stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phone {
    value: Inline<16>,
    /// Set when the number is noteworthy ([`NOTE_PHONE_DRAMA`],
    /// [`NOTE_PHONE_TRUNK_ZERO`], [`NOTE_PHONE_RESTORED_PREFIX`]).
    pub note: Option<&'static str>,
}

impl Phone {
    /// The E.164 text, e.g. `"+447700900123"`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.value.as_str()
    }

    /// True for a UK number (+44).
    #[must_use]
    pub fn is_uk(&self) -> bool {
        self.as_str().starts_with("+44")
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.as_str()).finish()
    }
}

const PHONE_SHAPE: &str = "a phone number is digits with an optional leading + and separators";
const PHONE_LENGTH: &str = "an international number has 8 to 15 digits including the country code";
const UK_PHONE: &str = "not a valid UK number (10 digits after the 0, or 9 for some)";

/// Ofcom drama ranges, as national significant number prefixes (each is
/// followed by three more digits).
const DRAMA: &[&[u8]] = &[
    b"7700900", b"2079460", b"1134960", b"1144960", b"1154960", b"1164960", b"1174960", b"1184960",
    b"1214960", b"1314960", b"1414960", b"1514960", b"1614960", b"1632960", b"1914980", b"2896490",
    b"2920180", b"8081570", b"9098790", b"3069990",
];

/// Normalises a phone number to E.164 with the UK as the default region.
///
/// Accepts national UK numbers (`07700 900123`, `020 7946 0958`),
/// international ones with `+` or `00` (`+44 7700 900123`, `0044…`,
/// `+355 69 …`), the `(0)` convention (`+44 (0)20 7946 0958`) and the usual
/// separators (spaces, hyphens, dots, brackets, slashes). A UK number that
/// lost its leading `0` in a spreadsheet (`7700900123`) or its `+`
/// (`447700900123`) is restored with a note. UK numbers are checked
/// against the UK numbering plan (national significant number of 10
/// digits starting 1, 2, 3, 5, 7, 8 or 9; 9 digits for some 01 and 0800
/// numbers); other countries' numbers only for 8–15 digits in all.
///
/// Why not the `phonenumber` crate (libphonenumber's metadata) for other
/// countries' numbers: agency records give no region for a phone, so a
/// foreign number written nationally cannot be read by it either, and one
/// written internationally already gets its E.164 form here; what it would
/// add is per-country validation, which would quarantine records on the
/// strength of metadata that changes with every release (the same file
/// normalising differently after an upgrade). It also weighs more than the
/// rest of this crate: a 15 MB source with a build script that compiles a
/// 1 MB XML metadata file, regex, nom, postcard, strum and a second
/// quick-xml, and regex matching per number in the per-record path.
/// Revisit if a pipeline needs foreign numbers validated, not just stored.
///
/// # Errors
///
/// [`IdentError::Empty`] or [`IdentError::Malformed`].
pub fn phone(text: &str) -> Result<Phone, IdentError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(IdentError::Empty);
    }
    // Digits, with whether the number was written international.
    let mut digits = Inline::<20>::new();
    let mut plus = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'0'..=b'9' => {
                if !digits.push(b) {
                    return Err(IdentError::Malformed(PHONE_LENGTH));
                }
            }
            b'+' if digits.len == 0 && !plus => plus = true,
            // "(0)" after a country code: the trunk prefix, dropped.
            b'(' if bytes.get(i + 1) == Some(&b'0')
                && bytes.get(i + 2) == Some(&b')')
                && digits.len > 0 =>
            {
                i += 3;
                continue;
            }
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'\t' => {}
            _ => return Err(IdentError::Malformed(PHONE_SHAPE)),
        }
        i += 1;
    }
    let d = digits.bytes();
    if d.is_empty() {
        return Err(IdentError::Malformed(PHONE_SHAPE));
    }
    let (international, mut note): (&[u8], Option<&'static str>) = if plus {
        (d, None)
    } else if let Some(rest) = d.strip_prefix(b"00") {
        (rest, None)
    } else if let Some(nsn) = d.strip_prefix(b"0") {
        return uk(nsn, None);
    } else if d.len() == 10 && d[0] == b'7' {
        return uk(d, Some(NOTE_PHONE_RESTORED_PREFIX));
    } else if d.len() >= 11 && d.starts_with(b"44") {
        (d, Some(NOTE_PHONE_RESTORED_PREFIX))
    } else {
        return Err(IdentError::Malformed(PHONE_SHAPE));
    };
    if let Some(nsn) = international.strip_prefix(b"44") {
        let nsn = match nsn.strip_prefix(b"0") {
            Some(rest) => {
                note = note.or(Some(NOTE_PHONE_TRUNK_ZERO));
                rest
            }
            None => nsn,
        };
        return uk(nsn, note);
    }
    if !(8..=15).contains(&international.len()) || international[0] == b'0' {
        return Err(IdentError::Malformed(PHONE_LENGTH));
    }
    let mut out = Inline::<16>::new();
    out.push(b'+');
    for &b in international {
        out.push(b);
    }
    Ok(Phone { value: out, note })
}

/// Builds a +44 number from a UK national significant number (no 0).
fn uk(nsn: &[u8], note: Option<&'static str>) -> Result<Phone, IdentError> {
    let ok = match nsn.first() {
        Some(b'1' | b'2' | b'3' | b'5' | b'7' | b'8' | b'9') => {
            nsn.len() == 10 || (nsn.len() == 9 && (nsn[0] == b'1' || nsn.starts_with(b"800")))
        }
        _ => false,
    };
    if !ok {
        return Err(IdentError::Malformed(UK_PHONE));
    }
    let mut out = Inline::<16>::new();
    for &b in b"+44".iter().chain(nsn) {
        out.push(b);
    }
    let drama = nsn.len() == 10 && DRAMA.iter().any(|p| nsn.starts_with(p));
    Ok(Phone {
        value: out,
        note: if drama { Some(NOTE_PHONE_DRAMA) } else { note },
    })
}

// ------------------------------------------------------ vehicle registration

/// Which UK registration scheme a plate follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationFormat {
    /// Since September 2001: `AB12 CDE` (area letters, age identifier,
    /// three random letters).
    Current,
    /// 1983–2001: `A123 BCD` (year letter first).
    Prefix,
    /// 1963–1983: `ABC 123D` (year letter last).
    Suffix,
    /// Dateless (before 1963, cherished plates): `ABC 123`, `1234 AB`.
    Dateless,
    /// Northern Ireland: three letters including I or Z, and up to four
    /// digits (`AIZ 1234`).
    NorthernIreland,
}

/// A UK vehicle registration mark.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VehicleRegistration {
    compact: Inline<7>,
    split: u8,
    /// The scheme the registration follows.
    pub format: RegistrationFormat,
}

impl VehicleRegistration {
    /// Upper case without spaces, e.g. `"AB12CDE"` (the value to store and
    /// match on).
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.compact.as_str()
    }

    /// As displayed on the plate, e.g. `"AB12 CDE"`, `"A123 BCD"`.
    #[must_use]
    pub fn formatted(&self) -> String {
        let s = self.as_str();
        let k = usize::from(self.split);
        format!("{} {}", &s[..k], &s[k..])
    }
}

impl fmt::Debug for VehicleRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VehicleRegistration")
            .field("registration", &self.as_str())
            .field("format", &self.format)
            .finish()
    }
}

const REG_SHAPE: &str = "not the shape of a UK vehicle registration";

/// Validates and normalises a UK vehicle registration (any of the current,
/// prefix, suffix, dateless and Northern Ireland shapes).
///
/// Letter rules checked: I and Q are never used in current-format plates;
/// the year letter of prefix and suffix plates is never I, O, Q, U or Z;
/// the current-format age identifier is never `00`, `01` or `50`.
///
/// # Errors
///
/// [`IdentError::Empty`], [`IdentError::Malformed`] or
/// [`IdentError::NeverIssued`] (an age identifier never issued).
pub fn vehicle_registration(text: &str) -> Result<VehicleRegistration, IdentError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(IdentError::Empty);
    }
    let mut c = Inline::<7>::new();
    for b in text.bytes() {
        if b == b' ' || b == b'-' {
            continue;
        }
        if !b.is_ascii_alphanumeric() || !c.push(b.to_ascii_uppercase()) {
            return Err(IdentError::Malformed(REG_SHAPE));
        }
    }
    let s = c.bytes();
    let l = |b: &u8| b.is_ascii_uppercase();
    let d = |b: &u8| b.is_ascii_digit();
    let year_letter =
        |b: u8| b.is_ascii_uppercase() && !matches!(b, b'I' | b'O' | b'Q' | b'U' | b'Z');
    let no_iq = |b: &u8| l(b) && !matches!(b, b'I' | b'Q');
    let build = |split: usize, format| VehicleRegistration {
        compact: c,
        split: u8::try_from(split).unwrap_or(0),
        format,
    };

    // Current: AB12CDE.
    if s.len() == 7 && s[..2].iter().all(l) && s[2..4].iter().all(d) && s[4..].iter().all(l) {
        if !(s[..2].iter().all(no_iq) && s[4..].iter().all(no_iq)) {
            return Err(IdentError::Malformed(
                "current-format registrations never use I or Q",
            ));
        }
        if matches!(&s[2..4], b"00" | b"01" | b"50") {
            return Err(IdentError::NeverIssued("age identifier never issued"));
        }
        return Ok(build(4, RegistrationFormat::Current));
    }
    let letters_at_start = s.iter().take_while(|b| l(b)).count();
    let digits_after = s[letters_at_start..].iter().take_while(|b| d(b)).count();
    let rest = &s[letters_at_start + digits_after..];
    // Prefix: A123BCD.
    if letters_at_start == 1
        && (1..=3).contains(&digits_after)
        && rest.len() == 3
        && rest.iter().all(l)
    {
        if !year_letter(s[0]) {
            return Err(IdentError::Malformed(
                "a prefix year letter is never I, O, Q, U or Z",
            ));
        }
        return Ok(build(1 + digits_after, RegistrationFormat::Prefix));
    }
    // Suffix: ABC123D.
    if letters_at_start == 3 && (1..=3).contains(&digits_after) && rest.len() == 1 && l(&rest[0]) {
        if !year_letter(rest[0]) {
            return Err(IdentError::Malformed(
                "a suffix year letter is never I, O, Q, U or Z",
            ));
        }
        return Ok(build(3, RegistrationFormat::Suffix));
    }
    // Dateless letters-then-digits: ABC123, A1, AIZ1234.
    if (1..=3).contains(&letters_at_start) && (1..=4).contains(&digits_after) && rest.is_empty() {
        let ni = letters_at_start == 3 && s[1..3].iter().any(|b| matches!(b, b'I' | b'Z'));
        let format = if ni {
            RegistrationFormat::NorthernIreland
        } else {
            RegistrationFormat::Dateless
        };
        return Ok(build(letters_at_start, format));
    }
    // Dateless digits-then-letters: 1234AB.
    if letters_at_start == 0 {
        let digits = s.iter().take_while(|b| d(b)).count();
        let tail = &s[digits..];
        if (1..=4).contains(&digits) && (1..=3).contains(&tail.len()) && tail.iter().all(l) {
            let ni = tail.len() == 3 && tail[1..].iter().any(|b| matches!(b, b'I' | b'Z'));
            let format = if ni {
                RegistrationFormat::NorthernIreland
            } else {
                RegistrationFormat::Dateless
            };
            return Ok(build(digits, format));
        }
    }
    Err(IdentError::Malformed(REG_SHAPE))
}
