//! `jstac plugin new NAME` writes a plugin crate that builds and passes its
//! own test: it is built here in a scratch workspace beside this one
//! (offline, sharing this build's target directory and lock file, so only
//! the SDK and the new crate compile).

use std::path::Path;
use std::process::Command;

use jstac_tests::{Sandbox, stderr, stdout, target_dir, workspace_root};

#[test]
fn a_new_plugin_builds_and_passes_its_test() {
    let sandbox = Sandbox::new();
    let output = sandbox.jstac(&["plugin", "new", "acme_fw", "--dir", "ws/plugins"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("jstac-plugin-acme_fw"),
        "{}",
        stdout(&output)
    );
    let crate_dir = sandbox.path().join("ws/plugins/acme_fw");
    for file in [
        "Cargo.toml",
        "compliance.json",
        "src/lib.rs",
        "tests/read.rs",
        "tests/fixtures/sample.txt",
    ] {
        assert!(crate_dir.join(file).is_file(), "{file} written");
    }
    let lib = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(lib.contains("const NAME: &'static str = \"acme_fw\";"));

    // Asking again refuses to overwrite; a bad name is a usage error (64).
    let again = sandbox.jstac(&["plugin", "new", "acme_fw", "--dir", "ws/plugins"]);
    assert_eq!(again.status.code(), Some(69), "{}", stderr(&again));
    assert!(stderr(&again).contains("already exists"));
    let bad = sandbox.jstac(&["plugin", "new", "Acme-FW"]);
    assert_eq!(bad.status.code(), Some(64), "{}", stderr(&bad));

    // A scratch workspace with this one's settings and lock file.
    let root = workspace_root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let workspace = scratch_manifest(&manifest, &root);
    std::fs::write(sandbox.path().join("ws/Cargo.toml"), workspace).unwrap();
    std::fs::copy(
        root.join("Cargo.lock"),
        sandbox.path().join("ws/Cargo.lock"),
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = target_dir().parent().unwrap().to_owned();
    let built = Command::new(cargo)
        .current_dir(sandbox.path().join("ws"))
        .env("CARGO_TARGET_DIR", &target)
        .args(["test", "--offline", "--quiet", "-p", "jstac-plugin-acme_fw"])
        .output()
        .expect("running cargo test");
    assert!(
        built.status.success(),
        "the generated plugin did not build or pass its test:\n{}{}",
        stdout(&built),
        stderr(&built)
    );
    assert!(stdout(&built).contains("3 passed"), "{}", stdout(&built));
    // The library is named for the plugin, as the runner looks for it
    // (built, not copied up beside the runner: `cargo test` leaves it in deps/).
    let library = format!(
        "{}jstac_plugin_acme_fw{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    assert!(
        target.join("debug/deps").join(&library).is_file(),
        "{library}"
    );
    assert!(!target.join("debug").join(&library).exists());
}

/// This workspace's manifest with one member, `plugins/acme_fw`, and its
/// path dependencies pointing back here.
fn scratch_manifest(manifest: &str, root: &Path) -> String {
    let start = manifest.find("members = [").expect("members");
    let end = manifest[start..]
        .find("[workspace.package]")
        .expect("workspace.package")
        + start;
    let mut out = String::new();
    out.push_str(&manifest[..start]);
    out.push_str("members = [\"plugins/acme_fw\"]\n\n");
    out.push_str(&manifest[end..]);
    out.replace(
        "path = \"crates/",
        &format!("path = \"{}/crates/", root.display()),
    )
}
