//! Folding helpers shared by the normalisers: accent removal and
//! transliteration (via `deunicode`), lower-casing and dropping punctuation.

/// A fixed-size, stack-allocated buffer for short folded keys, so that hot
/// look-ups (countries) do not allocate.
pub(crate) struct KeyBuf {
    buf: [u8; KeyBuf::CAP],
    len: usize,
    overflow: bool,
}

impl KeyBuf {
    /// Longest key kept; longer inputs are flagged as overflowing.
    pub(crate) const CAP: usize = 96;

    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; Self::CAP],
            len: 0,
            overflow: false,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
    }

    fn push(&mut self, b: u8) {
        if self.len < Self::CAP {
            self.buf[self.len] = b;
            self.len += 1;
        } else {
            self.overflow = true;
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever pushed.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }

    pub(crate) const fn overflowed(&self) -> bool {
        self.overflow
    }

    /// Appends the folded form of `text`: ASCII letters lower-cased, digits
    /// kept, non-ASCII letters transliterated to ASCII, everything else
    /// (spaces, punctuation, marks) dropped.
    pub(crate) fn push_folded(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_ascii() {
                if c.is_ascii_alphanumeric() {
                    self.push(c.to_ascii_lowercase() as u8);
                }
            } else if let Some(t) = deunicode::deunicode_char(c) {
                for b in t.bytes() {
                    if b.is_ascii_alphanumeric() {
                        self.push(b.to_ascii_lowercase());
                    }
                }
            }
        }
    }
}

/// Folds `text` into an owned key (used when building tables).
pub(crate) fn fold_key(text: &str) -> String {
    let mut k = KeyBuf::new();
    k.push_folded(text);
    k.as_str().to_owned()
}

/// Appends the transliterated, lower-cased ASCII form of one word to `out`,
/// keeping only letters and digits (so "O'Brien" gives "obrien" and "Đặng"
/// gives "dang"; "ß" gives "ss", "ø" gives "o", "æ" gives "ae").
pub(crate) fn fold_word_into(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            }
        } else if let Some(t) = deunicode::deunicode_char(c) {
            for ch in t.chars() {
                if ch.is_ascii_alphanumeric() {
                    out.push(ch.to_ascii_lowercase());
                }
            }
        }
    }
}
