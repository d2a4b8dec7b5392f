//! UK postcodes: validated against the Royal Mail shape rules and formatted
//! `LS1 4AP`, without allocation.
//!
//! ```
//! use jstac_normalise::postcode::{postcode, outward_code};
//! assert_eq!(postcode("ls14ap").unwrap().as_str(), "LS1 4AP");
//! assert_eq!(postcode("LS1  4ap").unwrap().outward(), "LS1");
//! assert_eq!(outward_code("LS1").unwrap().as_str(), "LS1");
//! ```
//!
//! Shapes (outward code, a space, inward code `9AA`): `A9`, `A99`, `AA9`,
//! `AA99`, `A9A`, `AA9A`. Letter rules: the first letter is never Q, V or
//! X; the second (in `AA…`) never I, J or Z; the third in `A9A` only
//! A B C D E F G H J K P S T U W; the fourth in `AA9A` only
//! A B E H M N P R V W X Y; the inward letters never C, I, K, M, O or V.
//! The Girobank code `GIR 0AA` is accepted. British Forces Post Office
//! numbers (`BFPO 123`) only with [`PostcodeOptions::allow_bfpo`].

use std::fmt;

/// Which kind of postcode was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostcodeKind {
    /// An ordinary postcode.
    Standard,
    /// The non-geographic Girobank code `GIR 0AA`.
    Girobank,
    /// A British Forces Post Office number, `BFPO 1` to `BFPO 9999`.
    Bfpo,
}

/// A valid UK postcode, stored inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Postcode {
    buf: [u8; 9],
    len: u8,
    outward_len: u8,
    kind: PostcodeKind,
}

impl Postcode {
    /// The formatted postcode: upper case, one space (`"LS1 4AP"`,
    /// `"BFPO 123"`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }

    /// The outward code (`"LS1"`; `"BFPO"` for a BFPO number).
    #[must_use]
    pub fn outward(&self) -> &str {
        &self.as_str()[..usize::from(self.outward_len)]
    }

    /// The inward code (`"4AP"`; the number for a BFPO number).
    #[must_use]
    pub fn inward(&self) -> &str {
        &self.as_str()[usize::from(self.outward_len) + 1..]
    }

    /// Which kind of postcode this is.
    #[must_use]
    pub const fn kind(&self) -> PostcodeKind {
        self.kind
    }
}

impl fmt::Debug for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Postcode").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A valid outward code (`"LS1"`, `"EC1A"`), stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutwardCode {
    buf: [u8; 4],
    len: u8,
}

impl OutwardCode {
    /// The outward code, upper case.
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Debug for OutwardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OutwardCode").field(&self.as_str()).finish()
    }
}

impl fmt::Display for OutwardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Options for [`postcode_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PostcodeOptions {
    /// Accept British Forces Post Office numbers (`BFPO 123`).
    pub allow_bfpo: bool,
}

/// Why a postcode was rejected. Never includes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PostcodeError {
    /// Blank value.
    #[error("no postcode given")]
    Empty,
    /// Not the shape of a UK postcode, or uses a letter never used in that
    /// position.
    #[error("not a valid UK postcode")]
    Invalid,
    /// A BFPO number where BFPO numbers are not accepted.
    #[error("a BFPO number, not accepted for this field")]
    Bfpo,
}

impl PostcodeError {
    /// A stable, short label for counting outcomes: `"empty"`, `"invalid"`
    /// or `"bfpo"`.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Invalid => "invalid",
            Self::Bfpo => "bfpo",
        }
    }
}

const fn first_ok(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'Q' | b'V' | b'X')
}
const fn second_ok(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'I' | b'J' | b'Z')
}
const fn third_ok(b: u8) -> bool {
    matches!(
        b,
        b'A'..=b'H' | b'J' | b'K' | b'P' | b'S' | b'T' | b'U' | b'W'
    )
}
const fn fourth_ok(b: u8) -> bool {
    matches!(
        b,
        b'A' | b'B' | b'E' | b'H' | b'M' | b'N' | b'P' | b'R' | b'V' | b'W' | b'X' | b'Y'
    )
}
const fn inward_letter_ok(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'C' | b'I' | b'K' | b'M' | b'O' | b'V')
}

/// True when `o` (upper case, no spaces) is a valid outward code.
fn outward_ok(o: &[u8]) -> bool {
    let d = |b: u8| b.is_ascii_digit();
    match *o {
        [a, n] => first_ok(a) && d(n),
        [a, n, m] if d(n) && d(m) => first_ok(a),
        [a, b, n] if d(n) => first_ok(a) && second_ok(b),
        [a, n, c] if d(n) => first_ok(a) && third_ok(c),
        [a, b, n, m] if d(n) && d(m) => first_ok(a) && second_ok(b),
        [a, b, n, c] if d(n) => first_ok(a) && second_ok(b) && fourth_ok(c),
        _ => false,
    }
}

fn inward_ok(i: &[u8]) -> bool {
    matches!(*i, [n, a, b] if n.is_ascii_digit() && inward_letter_ok(a) && inward_letter_ok(b))
}

/// Upper-cases the letters and digits of `text` into `buf`, skipping spaces;
/// `None` on any other character or when too long.
fn compact(text: &str, buf: &mut [u8; 9]) -> Option<usize> {
    let mut n = 0;
    for b in text.bytes() {
        if b == b' ' || b == b'\t' {
            continue;
        }
        if !b.is_ascii_alphanumeric() || n == buf.len() {
            return None;
        }
        buf[n] = b.to_ascii_uppercase();
        n += 1;
    }
    Some(n)
}

/// Validates and formats a UK postcode (BFPO numbers rejected).
///
/// # Errors
///
/// [`PostcodeError::Empty`], [`PostcodeError::Invalid`] or
/// [`PostcodeError::Bfpo`].
pub fn postcode(text: &str) -> Result<Postcode, PostcodeError> {
    postcode_with(text, PostcodeOptions::default())
}

/// Validates and formats a UK postcode with options.
///
/// # Errors
///
/// As [`postcode`].
pub fn postcode_with(text: &str, options: PostcodeOptions) -> Result<Postcode, PostcodeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PostcodeError::Empty);
    }
    let mut c = [0u8; 9];
    let n = compact(text, &mut c).ok_or(PostcodeError::Invalid)?;
    let c = &c[..n];
    if let Some(num) = c.strip_prefix(b"BFPO") {
        if num.is_empty() || num.len() > 4 || !num.iter().all(u8::is_ascii_digit) || num[0] == b'0'
        {
            return Err(PostcodeError::Invalid);
        }
        if !options.allow_bfpo {
            return Err(PostcodeError::Bfpo);
        }
        return Ok(build(b"BFPO", num, PostcodeKind::Bfpo));
    }
    if !(5..=7).contains(&n) {
        return Err(PostcodeError::Invalid);
    }
    let (outward, inward) = c.split_at(n - 3);
    if outward == b"GIR" && inward == b"0AA" {
        return Ok(build(outward, inward, PostcodeKind::Girobank));
    }
    if outward_ok(outward) && inward_ok(inward) {
        Ok(build(outward, inward, PostcodeKind::Standard))
    } else {
        Err(PostcodeError::Invalid)
    }
}

fn build(outward: &[u8], inward: &[u8], kind: PostcodeKind) -> Postcode {
    let mut buf = [0u8; 9];
    let o = outward.len();
    buf[..o].copy_from_slice(outward);
    buf[o] = b' ';
    buf[o + 1..o + 1 + inward.len()].copy_from_slice(inward);
    Postcode {
        buf,
        len: u8::try_from(o + 1 + inward.len()).unwrap_or(0),
        outward_len: u8::try_from(o).unwrap_or(0),
        kind,
    }
}

/// The outward code of a full postcode (`"LS1 4AP"` → `"LS1"`), or an
/// outward code given alone (`"ls1"` → `"LS1"`), as often found in
/// aggregated data.
///
/// # Errors
///
/// [`PostcodeError::Empty`] or [`PostcodeError::Invalid`] (BFPO numbers
/// have no outward code: [`PostcodeError::Bfpo`]).
pub fn outward_code(text: &str) -> Result<OutwardCode, PostcodeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PostcodeError::Empty);
    }
    let mut c = [0u8; 9];
    let n = compact(text, &mut c).ok_or(PostcodeError::Invalid)?;
    let outward: &[u8] = if (2..=4).contains(&n) && outward_ok(&c[..n]) {
        &c[..n]
    } else {
        let p = postcode(text)?;
        if p.kind() == PostcodeKind::Girobank {
            b"GIR"
        } else {
            &c[..n - 3]
        }
    };
    let mut buf = [0u8; 4];
    buf[..outward.len()].copy_from_slice(outward);
    Ok(OutwardCode {
        buf,
        len: u8::try_from(outward.len()).unwrap_or(0),
    })
}
