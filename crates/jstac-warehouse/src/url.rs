//! Warehouse URLs: which backend one names, and how one is shown without
//! its password.

use crate::error::{Result, WarehouseError};

/// Which database a warehouse URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `url`, by its scheme.
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(WarehouseError::UnsupportedUrl(redact(url)))
        }
    }
}

/// `url` with any password replaced by `***`, for messages and logs: the
/// one in the user information (`user:PASSWORD@`, whatever characters it
/// holds) and a `password=` query parameter.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let (head, rest) = url.split_at(scheme_end + 3);
    let (main, query) = match rest.rfind('?') {
        Some(q) if rest[..q].contains('@') || !rest[q..].contains('@') => rest.split_at(q),
        _ => (rest, ""),
    };
    let main = match (main.rfind('@'), main.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}:***{}", &main[..colon], &main[at..])
        }
        _ => main.to_owned(),
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, prefix) = match pair.strip_prefix('?') {
                Some(name) => (name, "?"),
                None => (pair, ""),
            };
            if name.to_ascii_lowercase().starts_with("password=") {
                format!("{prefix}password=***")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{head}{main}{}", query.join("&"))
}
