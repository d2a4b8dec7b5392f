//! Each record's fields as one JSON object, written straight into a
//! string (it runs for every record), escaped as `serde_json` escapes.

use super::input::{FieldShape, SourceRecords};

/// The record's fields as a JSON object (field name to value, list fields
/// as arrays, in the file's field order): a loaded record's
/// [`super::MappedBatch::raws`] and a quarantined record's `raw`. `keys` are
/// [`raw_keys`] of the file's fields, `shapes` their shapes. Written
/// straight into one string: it runs for every record.
pub(super) fn raw_record<R: SourceRecords + ?Sized>(
    keys: &[String],
    shapes: &[FieldShape],
    records: &R,
    row: usize,
    capacity: &mut usize,
) -> String {
    let mut out = String::with_capacity(*capacity);
    out.push('{');
    for (index, key) in keys.iter().enumerate() {
        out.push_str(key);
        match shapes[index] {
            FieldShape::Single => push_json_value(&mut out, records.value(index, row)),
            FieldShape::List => {
                out.push('[');
                for i in 0..records.list_len(index, row) {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_value(&mut out, records.list_value(index, row, i));
                }
                out.push(']');
            }
        }
    }
    out.push('}');
    // The next record of the file is likely about as long.
    *capacity = (*capacity).max(out.len());
    out
}

/// The most of a quarantined record's raw text kept in `quarantine`.
pub(super) const QUARANTINE_RAW_BYTES: usize = 64 * 1024;

/// Room past [`QUARANTINE_RAW_BYTES`] for a plugin's cut marker.
const MARKER_ROOM: usize = 256;

/// `raw` cut to [`QUARANTINE_RAW_BYTES`] (at a character boundary) with a
/// marker saying how long it was: an oversize record must not store its
/// whole text in the quarantine.
pub(super) fn bounded_raw(mut raw: String) -> String {
    // A plugin that cut the text to this size itself added its own marker.
    if raw.len() <= QUARANTINE_RAW_BYTES + MARKER_ROOM {
        return raw;
    }
    let total = raw.len();
    let mut cut = QUARANTINE_RAW_BYTES;
    while !raw.is_char_boundary(cut) {
        cut -= 1;
    }
    raw.truncate(cut);
    raw.push_str(&format!("… [truncated: {total} bytes in all]"));
    raw
}

/// Each field name as a JSON object key and colon, all but the first
/// preceded by a comma: the fixed pieces of [`raw_record`].
pub(super) fn raw_keys(fields: &[String]) -> Vec<String> {
    fields
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let mut key = String::with_capacity(name.len() + 4);
            if index > 0 {
                key.push(',');
            }
            push_json_string(&mut key, name);
            key.push(':');
            key
        })
        .collect()
}

/// A JSON string, or `null` for a missing value.
#[inline]
fn push_json_value(out: &mut String, value: Option<&str>) {
    match value {
        Some(text) => push_json_string(out, text),
        None => out.push_str("null"),
    }
}

/// `text` as a JSON string, escaped as `serde_json` escapes it: `"`, `\\`
/// and control characters; everything else as it is.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let bytes = text.as_bytes();
    // Most values need no escape: one pass the compiler vectorises.
    if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII, so `index` is a character boundary.
        out.push_str(&text[start..index]);
        if escape.is_empty() {
            let mut digits = [0u8; 2];
            hex::encode_to_slice([byte], &mut digits).expect("1 byte is 2 hex digits");
            out.push_str("\\u00");
            out.extend(digits.map(char::from));
        } else {
            out.push_str(escape);
        }
        start = index + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_raw_text_is_cut_with_a_marker() {
        let short = "a".repeat(QUARANTINE_RAW_BYTES + MARKER_ROOM);
        assert_eq!(bounded_raw(short.clone()), short);
        // A two-byte character straddling the limit is dropped whole.
        let long = format!(
            "{}é{}",
            "a".repeat(QUARANTINE_RAW_BYTES - 1),
            "b".repeat(MARKER_ROOM)
        );
        let cut = bounded_raw(long.clone());
        assert_eq!(
            cut,
            format!(
                "{}… [truncated: {} bytes in all]",
                "a".repeat(QUARANTINE_RAW_BYTES - 1),
                long.len()
            )
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for text in [
            "",
            "Ana Hoxha",
            "Straße \u{1F600}",
            "\u{7f}",
            "a\"b\\c",
            &every_ascii,
        ] {
            let mut out = String::new();
            push_json_string(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }
}
