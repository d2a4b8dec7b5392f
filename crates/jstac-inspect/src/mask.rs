//! Sample values masked for the screen: they are personal data.

/// Keeps the shape of a value and little else: the first letter of each
/// word, other letters as `*`, digits as `#`, spaces and punctuation as they
/// are. `HOXHA Arben` → `H**** A****`, `02/03/1995` → `##/##/####`,
/// `BD7 1AY` → `B*# #**`.
pub fn mask(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut word_start = true;
    for c in value.chars() {
        if c.is_ascii_digit() {
            out.push('#');
            word_start = false;
        } else if c.is_alphabetic() {
            out.push(if word_start { c } else { '*' });
            word_start = false;
        } else {
            out.push(c);
            word_start = c.is_whitespace() || c == '-';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn names_dates_and_postcodes_keep_only_their_shape() {
        assert_eq!(mask("HOXHA Arben"), "H**** A****");
        assert_eq!(mask("02/03/1995"), "##/##/####");
        assert_eq!(mask("BD7 1AY"), "B*# #**");
        assert_eq!(mask("O'Kelly-Smith"), "O'*****-S****");
        assert_eq!(mask("Thị Hoa"), "T** H**");
        assert_eq!(mask(""), "");
    }
}
