//! Approximate dates as sources write them: `approx. 1968`, `circa 1968`,
//! `c. 1968`, `1968?`, `1968 (approx.)`.

/// Words before a date that say it is approximate, longest first where one
/// begins another (`approximately` before `approx`, `ca.` before `c`).
/// Matched ignoring case; a marker not ending in `.` or `~` must be
/// followed by a space or a digit (`c1968`, `ca 1968`, not `cat`).
const PREFIXES: &[&str] = &[
    "approximately",
    "approx.",
    "approx",
    "around",
    "about",
    "circa",
    "circ.",
    "ca.",
    "ca",
    "c.",
    "c",
    "abt.",
    "abt",
    "est.",
    "estimated",
    "~",
];

/// Words or signs after a date that say it is approximate. A bare word
/// must follow a space (`1968 approx`).
const SUFFIXES: &[&str] = &[
    "(approximately)",
    "(approx.)",
    "(approx)",
    "(circa)",
    "(ca.)",
    "(c.)",
    "(est.)",
    "(estimated)",
    "(?)",
    "approximately",
    "approx.",
    "approx",
    "?",
];

/// The date text of an approximate date, without its marker (`circa 1968`
/// gives `1968`, `1968 (approx.)` gives `1968`), or `None` when the text
/// has no marker (or nothing besides it). Whether what is left is a date
/// is for the date reader to say; a caller that reads it sets its own
/// "approximate" flag.
///
/// ```
/// use jstac_normalise::date::approximate_marker;
/// assert_eq!(approximate_marker("approx. 1968"), Some("1968"));
/// assert_eq!(approximate_marker("Circa 12/03/1968"), Some("12/03/1968"));
/// assert_eq!(approximate_marker("1968?"), Some("1968"));
/// assert_eq!(approximate_marker("1968"), None);
/// ```
#[must_use]
pub fn approximate_marker(text: &str) -> Option<&str> {
    let text = text.trim();
    for marker in PREFIXES {
        let Some(rest) = strip_prefix_ignoring_case(text, marker) else {
            continue;
        };
        let bounded = marker.ends_with(['.', '~'])
            || rest.starts_with(|c: char| c.is_whitespace() || c.is_ascii_digit());
        let rest = rest.trim_start();
        if bounded && !rest.is_empty() {
            return Some(rest);
        }
    }
    for marker in SUFFIXES {
        let Some(rest) = strip_suffix_ignoring_case(text, marker) else {
            continue;
        };
        let bounded = marker.starts_with(['(', '?']) || rest.ends_with(char::is_whitespace);
        let rest = rest.trim_end();
        if bounded && !rest.is_empty() {
            return Some(rest);
        }
    }
    None
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

fn strip_suffix_ignoring_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let at = text.len().checked_sub(suffix.len())?;
    let tail = text.get(at..)?;
    tail.eq_ignore_ascii_case(suffix)
        .then(|| text.get(..at))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::approximate_marker;

    #[test]
    fn markers_before_and_after_the_date() {
        for (text, want) in [
            ("approximately 1968", Some("1968")),
            ("approx. 1968", Some("1968")),
            ("APPROX 1968", Some("1968")),
            ("circa 1968", Some("1968")),
            ("ca. 1968", Some("1968")),
            ("ca 1968", Some("1968")),
            ("c. 1968", Some("1968")),
            ("c.1968", Some("1968")),
            ("c1968", Some("1968")),
            ("about 1968", Some("1968")),
            ("~1968", Some("1968")),
            ("est. 03/1968", Some("03/1968")),
            ("1968 (approx.)", Some("1968")),
            ("1968(approx)", Some("1968")),
            ("1968?", Some("1968")),
            ("1968 ?", Some("1968")),
            ("1968 approx", Some("1968")),
            ("  circa  12/03/1968  ", Some("12/03/1968")),
            // No marker, or nothing but one.
            ("1968", None),
            ("12/03/1968", None),
            ("cat", None),
            ("capri 1968", None),
            ("1968approx", None),
            ("circa", None),
            ("?", None),
            ("", None),
            ("ça 1968", None),
            ("é?", Some("é")),
        ] {
            assert_eq!(approximate_marker(text), want, "{text:?}");
        }
    }
}
