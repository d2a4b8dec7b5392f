//! A plugin that misbehaves on purpose, for the runner's tests. It reads one
//! field (`Ref`) per line of a text file, then fails as `mode` says.

mod plugin;

jstac_sdk::export_plugin!(plugin::Misbehave);
