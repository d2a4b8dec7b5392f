//! `jstac plugin new NAME`: a new plugin crate from the template in
//! `plugins/template` (embedded in the binary), for a format the generic
//! plugins cannot read. The template is a workspace member, so CI builds
//! it and runs its tests; a generated crate differs only by its names.

use std::path::{Path, PathBuf};

/// The template's files: path inside the crate, content.
const TEMPLATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../../plugins/template/Cargo.toml"),
    ),
    (
        "compliance.json",
        include_str!("../../../plugins/template/compliance.json"),
    ),
    (
        "src/lib.rs",
        include_str!("../../../plugins/template/src/lib.rs"),
    ),
    (
        "tests/read.rs",
        include_str!("../../../plugins/template/tests/read.rs"),
    ),
    (
        "tests/fixtures/sample.txt",
        include_str!("../../../plugins/template/tests/fixtures/sample.txt"),
    ),
];

/// Why a plugin could not be created.
#[derive(Debug)]
pub enum NewPluginError {
    /// The name cannot be a plugin name.
    Name(String),
    /// Writing the files failed, or the directory exists.
    Io(String),
}

/// A plugin name is lower-case ASCII letters, digits and `_`, starting
/// with a letter: it becomes `jstac-plugin-NAME` and
/// `libjstac_plugin_NAME.so`, and pipelines name it (`plugin = "NAME"`).
pub fn check_name(name: &str) -> Result<(), NewPluginError> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name != "template";
    if valid {
        Ok(())
    } else {
        Err(NewPluginError::Name(format!(
            "plugin name {name:?}: use lower-case letters, digits and _, starting with a letter (not \"template\")"
        )))
    }
}

/// A template file with the template's names replaced by `name`'s.
pub fn render(content: &str, name: &str) -> String {
    content
        .replace("jstac-plugin-template", &format!("jstac-plugin-{name}"))
        .replace("jstac_plugin_template", &format!("jstac_plugin_{name}"))
        .replace(
            "const NAME: &'static str = \"template\";",
            &format!("const NAME: &'static str = \"{name}\";"),
        )
        .replace("plugin = \"template\"", &format!("plugin = \"{name}\""))
        .replace(
            "The jstac plugin template:",
            &format!("The jstac {name} plugin (from the template):"),
        )
}

/// Writes the crate as `dir/NAME`; returns its directory.
pub fn create(name: &str, dir: &Path) -> Result<PathBuf, NewPluginError> {
    check_name(name)?;
    let root = dir.join(name);
    if root.exists() {
        return Err(NewPluginError::Io(format!(
            "{}: already exists; choose another name or remove it",
            root.display()
        )));
    }
    for (relative, content) in TEMPLATE {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| NewPluginError::Io(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&path, render(content, name))
            .map_err(|e| NewPluginError::Io(format!("{}: {e}", path.display())))?;
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("mainframe_fw").is_ok());
        for bad in ["", "Fixed", "1x", "a-b", "template", "a b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_template_name_is_replaced() {
        for (path, content) in TEMPLATE {
            let rendered = render(content, "acme");
            assert!(!rendered.contains("jstac-plugin-template"), "{path}");
            assert!(!rendered.contains("jstac_plugin_template"), "{path}");
            assert!(!rendered.contains("\"template\""), "{path}");
        }
    }
}
