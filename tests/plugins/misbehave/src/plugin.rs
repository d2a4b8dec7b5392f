//! The misbehaving plugin itself; `lib.rs` exports it as a 1.3 plugin, and
//! `tests/plugins/misbehave-abi-1-2` the same code as a 1.2 one.

use std::path::Path;

use jstac_sdk::{BatchBuilder, Plugin, PluginError, RecordReader};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct Misbehave;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// `panic_at_open`, `panic_mid_stream`, `error_mid_stream`,
    /// `abort_at_open` (the process dies of SIGABRT), `segfault_at_open`
    /// (it dies of SIGSEGV: nothing can catch either), `slow` (100
    /// ms a record, to be interrupted mid-file) or `none`.
    pub mode: String,
    /// How many records the `*_mid_stream` modes read before failing
    /// (default 2): more than a chunk makes the runner write rows first.
    #[serde(default)]
    pub fail_after: Option<usize>,
}

pub struct Reader {
    fields: Vec<String>,
    lines: Vec<String>,
    next: usize,
    mode: String,
    fail_after: usize,
}

impl Plugin for Misbehave {
    const NAME: &'static str = "misbehave";
    const VERSION: &'static str = "0.0.1";
    const FORMATS: &'static [&'static str] = &["txt"];
    type Options = Options;
    type Reader = Reader;

    fn open(path: &Path, options: Options) -> Result<Reader, PluginError> {
        if options.mode == "panic_at_open" {
            panic!("deliberate panic at open");
        }
        if options.mode == "abort_at_open" {
            std::process::abort();
        }
        if options.mode == "segfault_at_open" {
            // A real invalid write, as a buggy plugin would make: the kernel
            // sends SIGSEGV and the process dies (`raise` would not do: Rust's
            // own SIGSEGV handler, for stack overflows, returns from it).
            let address = std::hint::black_box(std::ptr::null_mut::<u8>());
            // SAFETY: not safe at all, deliberately: this test plugin exists
            // to crash the process that loads it.
            unsafe { address.write_volatile(1) };
        }
        let text = std::fs::read_to_string(path)?;
        Ok(Reader {
            fields: vec!["Ref".into()],
            lines: text.lines().map(str::to_owned).collect(),
            next: 0,
            mode: options.mode,
            fail_after: options.fail_after.unwrap_or(2),
        })
    }
}

impl RecordReader for Reader {
    fn fields(&self) -> &[String] {
        &self.fields
    }

    fn read_batch(&mut self, batch: &mut BatchBuilder) -> Result<bool, PluginError> {
        while !batch.is_full() {
            if self.next == self.lines.len() {
                return Ok(false);
            }
            // Fail after `fail_after` records (default: on the third).
            if self.next == self.fail_after {
                match self.mode.as_str() {
                    "panic_mid_stream" => panic!("deliberate panic mid-stream"),
                    "error_mid_stream" => {
                        return Err(PluginError::Read {
                            locator: "line 3".into(),
                            message: "deliberate error mid-stream".into(),
                        });
                    }
                    _ => {}
                }
            }
            if self.mode == "slow" {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            self.next += 1;
            batch.push_record(
                format_args!("line {}", self.next),
                [Some(self.lines[self.next - 1].as_str())],
            );
        }
        Ok(true)
    }
}
