//! Stable keys: 128 bits of SHA-256 over what identifies an entity or a
//! link, never over row order.

use sha2::{Digest, Sha256};

/// A stable key: 128 bits of SHA-256 (see [`entity_key`]). Stored and
/// shown as 32 lower-case hex digits, whose order is the order of the bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key([u8; 16]);

impl Key {
    /// The key's 16 bytes, in the order its hex digits show them.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The key as 32 lower-case hex digits (ASCII), without allocating.
    pub fn hex(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        // Refused only when the output is not twice the input's length.
        hex::encode_to_slice(self.0, &mut out).expect("16 bytes are 32 hex digits");
        out
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = self.hex();
        // Hex digits are ASCII.
        f.write_str(std::str::from_utf8(&hex).map_err(|_| std::fmt::Error)?)
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({self})")
    }
}

/// The stable key of an entity: the first 128 bits, in hex, of
/// `SHA-256(agency ␟ dataset ␟ table ␟ key value 1 ␟ key value 2 …)`, where ␟
/// is the unit separator U+001F and each key value is the source value with
/// surrounding whitespace removed. Row order never enters it, so a snapshot
/// sent again updates the same entities.
pub fn entity_key<'a>(
    agency: &str,
    dataset: &str,
    table: &str,
    values: impl IntoIterator<Item = &'a str>,
) -> Key {
    let mut hasher = Sha256::new();
    for part in [agency, dataset, table] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    for (index, value) in values.into_iter().enumerate() {
        if index > 0 {
            hasher.update([0x1f]);
        }
        hasher.update(value.as_bytes());
    }
    key128(&hasher.finalize())
}

/// The stable key of a link: `SHA-256("link" ␟ from key ␟ to key ␟ role)`, as above.
pub fn link_key(from_key: &Key, to_key: &Key, role: &str) -> Key {
    let mut hasher = Sha256::new();
    hasher.update(b"link\x1f");
    for key in [from_key, to_key] {
        hasher.update(key.hex());
        hasher.update([0x1f]);
    }
    hasher.update(role.as_bytes());
    key128(&hasher.finalize())
}

fn key128(digest: &[u8]) -> Key {
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    Key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys are stored in every warehouse: they must never change. The
    /// expected digests are `sha256sum` of the same bytes.
    #[test]
    fn keys_are_the_first_128_bits_of_sha256_as_documented() {
        let person = entity_key("police", "wyp", "persons", ["N1"]);
        assert_eq!(person.to_string(), "555d3f1a630afe96813ab625f22f7ceb");
        let crime = entity_key("police", "wyp", "events", ["CR1"]);
        assert_eq!(crime.to_string(), "9668f7a252eaf1a121932a520a6ce53e");
        assert_eq!(
            entity_key("police", "wyp", "persons", ["A", "B"]).to_string(),
            "5fc59deba4bc019b3a5f32dff844dcd9"
        );
        assert_eq!(
            link_key(&person, &crime, "victim").to_string(),
            "6702e3ad87e79371f1018fdf7059bd79"
        );
    }

    #[test]
    fn bytes_and_hex_digits_are_in_one_order() {
        let key = entity_key("police", "wyp", "persons", ["N1"]);
        assert_eq!(&key.as_bytes()[..4], &[0x55, 0x5d, 0x3f, 0x1a]);
        assert_eq!(&key.hex(), b"555d3f1a630afe96813ab625f22f7ceb");
        assert_eq!(format!("{key:?}"), "Key(555d3f1a630afe96813ab625f22f7ceb)");
        let mut keys = [entity_key("police", "wyp", "events", ["CR1"]), key];
        keys.sort();
        assert!(keys[0].hex() < keys[1].hex(), "byte order is hex order");
    }
}
