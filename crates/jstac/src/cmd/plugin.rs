//! `jstac plugin new NAME`: creates a plugin crate from the template
//! (`crate::plugin_new`) and prints the next steps.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::exit::Failure;
use crate::plugin_new::{self, NewPluginError};

#[derive(Debug, clap::Args)]
pub struct PluginArgs {
    #[command(subcommand)]
    command: PluginCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PluginCommand {
    /// Start a plugin crate for a format the generic plugins cannot read:
    /// a copy of the fixed-width template (plugins/template) named NAME,
    /// with a fixture and a passing test.
    New {
        /// Lower-case letters, digits and _: the crate is jstac-plugin-NAME.
        name: String,
        /// Where to create it.
        #[arg(long, default_value = "plugins")]
        dir: PathBuf,
    },
}

pub fn run(args: PluginArgs) -> Result<ExitCode> {
    let PluginCommand::New { name, dir } = args.command;
    match plugin_new::create(&name, &dir) {
        Ok(root) => {
            let shown = root.display();
            println!("created {shown}: jstac-plugin-{name}, a fixed-width text reader to adapt");
            println!("next:");
            println!(
                "  1. add \"{shown}\" to [workspace] members (and default-members) in Cargo.toml"
            );
            println!(
                "  2. change what src/lib.rs marks ADAPT, the fixture, tests/read.rs and compliance.json"
            );
            println!(
                "  3. cargo test -p jstac-plugin-{name}  (and cargo test -p jstac-tests --test compliance)"
            );
            println!(
                "  4. cargo build --release; `jstac plugins` lists it; pipelines say plugin = \"{name}\""
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(NewPluginError::Name(message)) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(Failure::Usage.exit_code()))
        }
        Err(NewPluginError::Io(message)) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(Failure::Infrastructure.exit_code()))
        }
    }
}
