//! One module per subcommand: its arguments (a `clap::Args` struct), what
//! it prints and the exit code it returns, through one `run` function that
//! `main.rs` calls.
//!
//! Architecture invariant: a command module never imports another command
//! module. What several commands share lives in the modules beside `cmd`:
//! `exit` (failure classes and exit codes), `output` (tables, CSV, JSON),
//! `settings`, `pipelines` (pipeline files) and `run` (the run engine).
//! The test below holds every file here to that.

pub mod agencies;
pub mod explain;
pub mod fields;
pub mod inspect;
pub mod judge;
pub mod pipeline;
pub mod plugin;
pub mod plugins;
pub mod quarantine;
pub mod query;
pub mod report;
pub mod resolve;
pub mod retain;
pub mod retract;
pub mod run;
pub mod runs;
pub mod schedule;
pub mod synth;
pub mod validate;
pub mod verify;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A line of a command module that reaches another command module.
    /// (`super` at the top of a command file is `cmd`; in a nested test
    /// module it is the command file itself.)
    fn reaches_a_command(line: &str) -> bool {
        line.contains("crate::cmd")
            || line.contains("super::super")
            || line.starts_with("use super::")
    }

    #[test]
    fn command_modules_do_not_import_each_other() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cmd");
        let mut offending = Vec::new();
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).expect("src/cmd is readable") {
            let path = entry.expect("a directory entry").path();
            let text = std::fs::read_to_string(&path).expect("a command module is text");
            files += 1;
            for (n, line) in text.lines().enumerate() {
                if reaches_a_command(line) {
                    offending.push(format!("{}:{}: {line}", path.display(), n + 1));
                }
            }
        }
        assert!(
            files >= 13,
            "only {files} command modules found in {}",
            dir.display()
        );
        assert!(offending.is_empty(), "{}", offending.join("\n"));
    }

    #[test]
    fn the_import_check_sees_a_command_import() {
        assert!(reaches_a_command("use crate::cmd::runs::Status;"));
        assert!(reaches_a_command("    let x = crate::cmd::run::run;"));
        assert!(reaches_a_command("use super::runs;"));
        assert!(reaches_a_command("    use super::super::runs;"));
        assert!(!reaches_a_command("    use super::*;"));
        assert!(!reaches_a_command("use crate::exit::Failure;"));
    }
}
