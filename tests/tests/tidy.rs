//! Tidy: the rules ARCHITECTURE.md states about where things live, checked
//! over the workspace's own sources, so a change that breaks one fails the
//! build instead of making the document untrue.
//!
//! - **SQL**: `jstac-warehouse` is the only crate that knows SQL. No other
//!   crate depends on or names `sqlx`, or has SQL text in a string literal.
//!   Exceptions: `crates/jstac-bench` (its baselines are `sqlite3` and `psql`
//!   scripts) and `tests/` (the integration tests query the warehouse as an
//!   analyst does, through `jstac query`, and make throwaway databases).
//! - **Settings**: only the binary (`crates/jstac`) reads settings or the
//!   environment. A library crate neither depends on nor names the `config`
//!   crate and never calls `std::env::var*`, outside test code (`#[cfg(test)]`
//!   items, `tests/`, `benches/`, `build.rs`). `crates/jstac-bench` and
//!   `tests/` are programs and test code, not libraries.
//! - **Unsafe**: the crates that need none say `#![forbid(unsafe_code)]` (the
//!   compiler enforces it); in `jstac-warehouse` only `bulk.rs` (the SQLite
//!   bulk path) has unsafe code.
//!
//! The scanner is a small Rust lexer (comments, strings, raw strings, chars
//! and lifetimes), so prose in comments and SQL-looking words in error
//! messages do not trip it; its own tests below show each rule failing on a
//! deliberate violation.

use std::path::{Path, PathBuf};

use jstac_tests::workspace_root;

#[test]
fn the_workspace_keeps_its_architecture_rules() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut scanned = Vec::new();
    for dir in crate_dirs(&root) {
        let crate_path = relative(&root, &dir);
        let rules = Rules::for_crate(&crate_path);
        problems.extend(check_manifest(
            &crate_path,
            &std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml"),
            &rules,
        ));
        for file in rust_files(&dir) {
            let path = relative(&root, &file);
            let in_crate = relative(&dir, &file);
            let text = std::fs::read_to_string(&file).expect("source file");
            problems.extend(check_source(&path, &in_crate, &text, &rules));
            if in_crate == "src/lib.rs" || in_crate == "src/main.rs" {
                problems.extend(check_root(&path, &text, &rules));
            }
            scanned.push(path);
        }
    }
    for known in [
        "crates/jstac-core/src/lib.rs",
        "plugins/csv/src/lib.rs",
        "tests/src/lib.rs",
    ] {
        assert!(
            scanned.iter().any(|p| p == known),
            "the scan missed {known}"
        );
    }
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md rules broken:\n{}",
        problems.join("\n")
    );
}

/// Where unsafe code may be, by crate: the files where the code meets C
/// (ARCHITECTURE.md, "Rules the build enforces"). A crate not listed may
/// hold none, and its root says `#![forbid(unsafe_code)]` so the compiler
/// holds it too; the deliberately broken test plugins may hold any.
const UNSAFE_ONLY_IN: &[(&str, &[&str])] = &[
    // The shared `#[repr(C)]` types' accessors.
    ("crates/jstac-abi", &["src/lib.rs"]),
    // The exported entry points and the Arrow stream.
    ("crates/jstac-sdk", &["src/export.rs", "src/ffi.rs"]),
    // Loading libraries, calling them, the stream's status.
    ("crates/jstac-host", &["src/plugin.rs", "src/stream.rs"]),
    // The SQLite bulk path, on the raw handle.
    ("crates/jstac-warehouse", &["src/bulk.rs"]),
    // SIGPIPE restored; PR_SET_PDEATHSIG in the scheduler's child.
    ("crates/jstac", &["src/main.rs", "src/cmd/schedule.rs"]),
    // jstac's SQLite for the model floor, wait4, sync.
    ("crates/jstac-bench", &["src/main.rs"]),
    // wait4 for the bench's peak RSS; the plugin itself forbids unsafe.
    ("plugins/xml", &["benches/xml_bench.rs"]),
    // libc::kill of a daemon under test.
    ("tests", &["tests/schedule.rs"]),
];

/// What a crate may contain, by its path in the workspace.
#[derive(Debug, Clone, Copy)]
struct Rules {
    may_know_sql: bool,
    may_read_environment: bool,
    /// Files of the crate that may hold unsafe code (`None`: any, for the
    /// deliberately broken test plugins).
    unsafe_only_in: Option<&'static [&'static str]>,
}

impl Rules {
    fn for_crate(path: &str) -> Rules {
        let test_code = path == "tests" || path.starts_with("tests/");
        Rules {
            may_know_sql: path == "crates/jstac-warehouse"
                || path == "crates/jstac-bench"
                || test_code,
            may_read_environment: path == "crates/jstac"
                || path == "crates/jstac-bench"
                || test_code,
            unsafe_only_in: if path.starts_with("tests/plugins/") {
                None
            } else {
                Some(
                    UNSAFE_ONLY_IN
                        .iter()
                        .find(|(name, _)| *name == path)
                        .map_or(&[], |(_, files)| *files),
                )
            },
        }
    }

    /// Whether the crate's own code (its `src/`) may hold no unsafe code,
    /// so that its root must forbid it.
    fn must_forbid_unsafe(&self) -> bool {
        self.unsafe_only_in
            .is_some_and(|files| !files.iter().any(|file| file.starts_with("src/")))
    }
}

/// A crate root (`src/lib.rs` or `src/main.rs`) that does not say
/// `#![forbid(unsafe_code)]` where the crate's rules want it.
fn check_root(path: &str, text: &str, rules: &Rules) -> Option<String> {
    let forbids = Scan::of(text)
        .code
        .lines()
        .any(|line| line.trim() == "#![forbid(unsafe_code)]");
    (rules.must_forbid_unsafe() && !forbids).then(|| {
        format!("{path}: no #![forbid(unsafe_code)]; this crate holds no unsafe code (tidy.rs UNSAFE_ONLY_IN)")
    })
}

/// The crates of the workspace: every directory with a `Cargo.toml` under
/// `crates/`, `plugins/` and `tests/`, and `tests` itself.
fn crate_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("tests")];
    for parent in ["crates", "plugins", "tests", "tests/plugins"] {
        let Ok(entries) = std::fs::read_dir(root.join(parent)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.join("Cargo.toml").is_file() {
                dirs.push(path);
            }
        }
    }
    dirs.sort();
    dirs
}

/// The `.rs` files under `dir`, not descending into other crates or `target`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                let nested_crate = path.join("Cargo.toml").is_file();
                if !nested_crate && path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .expect("under base")
        .to_string_lossy()
        .into_owned()
}

/// A crate's dependencies on `sqlx` or `config` where its rules forbid them.
fn check_manifest(crate_path: &str, manifest: &str, rules: &Rules) -> Vec<String> {
    let mut problems = Vec::new();
    let mut in_dependencies = false;
    for (index, line) in manifest.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line.contains("dependencies");
            continue;
        }
        let key = line.split(['=', '.', ' ']).next().unwrap_or_default();
        if !in_dependencies {
            continue;
        }
        let at = format!("{crate_path}/Cargo.toml:{}", index + 1);
        if key == "sqlx" && !rules.may_know_sql {
            problems.push(format!(
                "{at}: depends on sqlx; only jstac-warehouse knows SQL"
            ));
        }
        if key == "config" && !rules.may_read_environment {
            problems.push(format!(
                "{at}: depends on the config crate; only the binary reads settings"
            ));
        }
    }
    problems
}

/// The problems of one source file: `path` names it in messages,
/// `in_crate` is its path inside its crate (`src/lib.rs`).
fn check_source(path: &str, in_crate: &str, text: &str, rules: &Rules) -> Vec<String> {
    let scan = Scan::of(text);
    let mut problems = Vec::new();
    if !rules.may_know_sql {
        for literal in &scan.literals {
            if let Some(statement) = sql_statement(&literal.text) {
                problems.push(format!(
                    "{path}:{}: SQL text ({statement}) in a string; only jstac-warehouse knows SQL",
                    literal.line
                ));
            }
        }
        for line in scan.code_matches(Needle::Word("sqlx"), |_| true) {
            problems.push(format!(
                "{path}:{line}: names sqlx; only jstac-warehouse knows SQL"
            ));
        }
    }
    let test_file = in_crate.starts_with("tests/")
        || in_crate.starts_with("benches/")
        || in_crate.starts_with("examples/")
        || in_crate == "build.rs";
    if !rules.may_read_environment && !test_file {
        let test_spans = scan.cfg_test_spans();
        let outside_tests = |at: usize| !test_spans.iter().any(|span| span.contains(&at));
        for (needle, what) in [
            (Needle::Prefix("env::var"), "std::env::var"),
            (Needle::Crate("config::"), "the config crate"),
        ] {
            for line in scan.code_matches(needle, outside_tests) {
                problems.push(format!(
                    "{path}:{line}: reads settings or the environment ({what}); only the binary does"
                ));
            }
        }
    }
    if let Some(allowed) = rules.unsafe_only_in
        && !allowed.contains(&in_crate)
    {
        for line in scan.code_matches(Needle::Word("unsafe"), |_| true) {
            problems.push(format!(
                "{path}:{line}: unsafe code; in this crate only {} may have it",
                allowed.join(", ")
            ));
        }
    }
    problems
}

/// A SQL statement's opening keywords, if `text` holds one: upper-case
/// keywords in the order a statement has them (`SELECT … FROM`, `INSERT
/// INTO`, `UPDATE name SET`, `DELETE FROM`, `CREATE/ALTER/DROP TABLE…`),
/// so prose ("Select the file", "update the table") is not SQL.
fn sql_statement(text: &str) -> Option<&'static str> {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect();
    let followed_by = |first: &str, then: &[&str], within: usize| {
        words.iter().enumerate().any(|(index, word)| {
            *word == first
                && words[index + 1..]
                    .iter()
                    .take(within)
                    .any(|next| then.contains(next))
        })
    };
    const OBJECTS: &[&str] = &[
        "TABLE", "INDEX", "VIEW", "DATABASE", "ROLE", "SCHEMA", "TRIGGER",
    ];
    if followed_by("SELECT", &["FROM"], usize::MAX) {
        Some("SELECT … FROM")
    } else if followed_by("INSERT", &["INTO"], 1) {
        Some("INSERT INTO")
    } else if followed_by("UPDATE", &["SET"], 2) {
        Some("UPDATE … SET")
    } else if followed_by("DELETE", &["FROM"], 1) {
        Some("DELETE FROM")
    } else if ["CREATE", "ALTER", "DROP"]
        .iter()
        .any(|verb| followed_by(verb, OBJECTS, 3))
    {
        Some("CREATE/ALTER/DROP …")
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy)]
enum Needle<'a> {
    Word(&'a str),
    Prefix(&'a str),
    Crate(&'a str),
}

/// A Rust source split into code (comments and literals blanked out, line
/// breaks kept) and its string literals.
#[derive(Debug)]
struct Scan {
    code: String,
    literals: Vec<Literal>,
}

#[derive(Debug)]
struct Literal {
    /// The 1-based line the literal starts on.
    line: usize,
    text: String,
}

impl Scan {
    fn of(source: &str) -> Scan {
        let bytes = source.as_bytes();
        let mut code = String::with_capacity(source.len());
        let mut literals = Vec::new();
        let mut line = 1;
        let mut at = 0;
        // Blanks `source[from..to]` in `code`, keeping its line breaks.
        let blank = |code: &mut String, line: &mut usize, from: usize, to: usize| {
            for c in source[from..to].chars() {
                if c == '\n' {
                    code.push('\n');
                    *line += 1;
                } else {
                    code.push(' ');
                }
            }
        };
        while at < bytes.len() {
            let rest = &source[at..];
            let end = if rest.starts_with("//") {
                Some(rest.find('\n').map_or(source.len(), |n| at + n))
            } else if rest.starts_with("/*") {
                Some(at + block_comment_len(rest))
            } else if let Some((open, hashes)) = raw_string_start(rest, at, bytes) {
                let close = format!("\"{}", "#".repeat(hashes));
                let body = at + open;
                let body_end = source[body..]
                    .find(&close)
                    .map_or(source.len(), |n| body + n);
                literals.push(Literal {
                    line,
                    text: source[body..body_end].to_owned(),
                });
                Some((body_end + close.len()).min(source.len()))
            } else if rest.starts_with('"') || (rest.starts_with("b\"") && !ident_before(bytes, at))
            {
                let body = at + rest.find('"').expect("a quote") + 1;
                let mut index = body;
                while index < bytes.len() && bytes[index] != b'"' {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
                let body_end = index.min(source.len());
                literals.push(Literal {
                    line,
                    text: source[body..body_end].to_owned(),
                });
                Some((body_end + 1).min(source.len()))
            } else if rest.starts_with('\'') {
                char_literal_len(rest).map(|n| at + n)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut code, &mut line, at, end);
                    at = end;
                }
                None => {
                    let c = rest.chars().next().expect("a char");
                    if c == '\n' {
                        line += 1;
                    }
                    code.push(c);
                    at += c.len_utf8();
                }
            }
        }
        Scan { code, literals }
    }

    /// The lines where `needle` is in the code, not inside a longer
    /// identifier: `Word` needles end a word (`sqlx`, not `sqlx_like`),
    /// `Prefix` ones need not (`env::var` finds `env::vars` too), and a
    /// `Crate` path must start the path (`config::`, not `self::config::`).
    /// Only offsets where `keep` holds count.
    fn code_matches(&self, needle: Needle<'_>, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        let bytes = self.code.as_bytes();
        let (text, word, path_start) = match needle {
            Needle::Word(text) => (text, true, false),
            Needle::Prefix(text) => (text, false, false),
            Needle::Crate(text) => (text, false, true),
        };
        self.code
            .match_indices(text)
            .map(|(at, _)| at)
            .filter(|&at| !ident_before(bytes, at))
            .filter(|&at| !(path_start && at > 0 && bytes[at - 1] == b':'))
            .filter(|&at| {
                let after = bytes.get(at + text.len()).copied().unwrap_or(b' ');
                !(word && (after.is_ascii_alphanumeric() || after == b'_'))
            })
            .filter(|&at| keep(at))
            .map(|at| 1 + self.code[..at].matches('\n').count())
            .collect()
    }

    /// Byte ranges of the code that only tests compile: each item after a
    /// `#[cfg(test)]`, to its closing brace or semicolon.
    fn cfg_test_spans(&self) -> Vec<std::ops::Range<usize>> {
        let bytes = self.code.as_bytes();
        let mut spans = Vec::new();
        for (start, _) in self.code.match_indices("#[cfg(test)]") {
            let mut depth = 0usize;
            let mut end = bytes.len();
            for (index, &byte) in bytes.iter().enumerate().skip(start + "#[cfg(test)]".len()) {
                match byte {
                    b'{' => depth += 1,
                    b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = index + 1;
                            break;
                        }
                    }
                    b';' if depth == 0 => {
                        end = index + 1;
                        break;
                    }
                    _ => {}
                }
            }
            spans.push(start..end);
        }
        spans
    }
}

fn ident_before(bytes: &[u8], at: usize) -> bool {
    at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_')
}

/// The length of the (possibly nested) block comment at the start of `rest`.
fn block_comment_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut depth = 0;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index..].starts_with(b"/*") {
            depth += 1;
            index += 2;
        } else if bytes[index..].starts_with(b"*/") {
            depth -= 1;
            index += 2;
            if depth == 0 {
                return index;
            }
        } else {
            index += 1;
        }
    }
    bytes.len()
}

/// For a raw string (`r"…"`, `r#"…"#`, `br#"…"#`) at the start of `rest`:
/// the offset of its body and its number of `#`.
fn raw_string_start(rest: &str, at: usize, source: &[u8]) -> Option<(usize, usize)> {
    if ident_before(source, at) {
        return None;
    }
    let after_prefix = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after_prefix.len() - after_prefix.trim_start_matches('#').len();
    after_prefix[hashes..]
        .starts_with('"')
        .then(|| (rest.len() - after_prefix.len() + hashes + 1, hashes))
}

/// The length of the char literal at the start of `rest` (`'a'`, `'\n'`,
/// `'\u{1F}'`), or `None` for a lifetime or label (`'a`, `'static`).
fn char_literal_len(rest: &str) -> Option<usize> {
    let mut chars = rest.char_indices().skip(1);
    let (_, first) = chars.next()?;
    if first == '\\' {
        // The escaped character (ASCII) may itself be a quote: `'\''`.
        let close = rest.get(3..)?.find('\'')?;
        return Some(3 + close + 1);
    }
    let (index, second) = chars.next()?;
    (second == '\'').then_some(index + 1)
}

mod scanner {
    //! The rules on deliberate violations: each must be reported, and the
    //! look-alikes that are not violations must not be.

    use super::*;

    const LIBRARY: &str = "crates/jstac-core";

    fn problems(source: &str) -> Vec<String> {
        check_source(
            "crates/jstac-core/src/lib.rs",
            "src/lib.rs",
            source,
            &Rules::for_crate(LIBRARY),
        )
    }

    #[test]
    fn sql_in_a_string_outside_the_warehouse_is_reported() {
        for source in [
            r#"const Q: &str = "SELECT name FROM persons";"#,
            "const Q: &str = r#\"\n  INSERT INTO persons (key) VALUES (?)\"#;",
            r#"fn f() { run("UPDATE persons SET name = 'x'") }"#,
            r#"fn f() { run("DELETE FROM links") }"#,
            r#"fn f() { run("CREATE TABLE t (a TEXT)") }"#,
            r#"fn f() { run("DROP INDEX IF EXISTS i") }"#,
        ] {
            let found = problems(source);
            assert_eq!(found.len(), 1, "{source}: {found:?}");
            assert!(found[0].contains("SQL text"), "{found:?}");
        }
    }

    #[test]
    fn sql_words_in_prose_comments_and_the_warehouse_are_not_reported() {
        for source in [
            r#"// SELECT name FROM persons: what the warehouse runs"#,
            "/* INSERT INTO /* nested */ persons */ fn f() {}",
            r#"fn f() -> &'static str { "Select the file to read from the inbox" }"#,
            r#"fn f() { err("cannot update the table; set a key") }"#,
            r#"fn f() { let c = '"'; let s = "drop table"; }"#,
        ] {
            assert_eq!(problems(source), Vec::<String>::new(), "{source}");
        }
        let warehouse = Rules::for_crate("crates/jstac-warehouse");
        assert!(
            check_source(
                "x.rs",
                "src/load.rs",
                r#"const Q: &str = "SELECT 1 FROM t";"#,
                &warehouse
            )
            .is_empty()
        );
        let bench = Rules::for_crate("crates/jstac-bench");
        assert!(check_source("x.rs", "src/main.rs", "use sqlx::Row;", &bench).is_empty());
    }

    #[test]
    fn sqlx_outside_the_warehouse_is_reported_in_code_and_manifests() {
        let found = problems("use sqlx::SqlitePool;\nfn f() { sqlx::query(q); }");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("crates/jstac-core/src/lib.rs:1:"),
            "{found:?}"
        );
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nsqlx.workspace = true\n";
        let found = check_manifest(LIBRARY, manifest, &Rules::for_crate(LIBRARY));
        assert_eq!(
            found,
            ["crates/jstac-core/Cargo.toml:5: depends on sqlx; only jstac-warehouse knows SQL"]
        );
        assert!(
            check_manifest(
                "crates/jstac-warehouse",
                manifest,
                &Rules::for_crate("crates/jstac-warehouse")
            )
            .is_empty()
        );
        // A feature or a package named like it is not a dependency.
        assert!(
            check_manifest(
                LIBRARY,
                "[features]\nsqlx = []\n",
                &Rules::for_crate(LIBRARY)
            )
            .is_empty()
        );
    }

    #[test]
    fn a_library_reading_the_environment_or_settings_is_reported() {
        for source in [
            r#"fn url() -> String { std::env::var("JSTAC_URL").unwrap() }"#,
            "use std::env;\nfn f() { for (k, v) in env::vars() {} }",
            "fn f() { let _ = std::env::var_os(\"HOME\"); }",
            "fn f() { let s = config::Config::builder(); }",
        ] {
            let found = problems(source);
            assert_eq!(found.len(), 1, "{source}: {found:?}");
            assert!(
                found[0].contains("reads settings or the environment"),
                "{found:?}"
            );
        }
        let found = check_manifest(
            LIBRARY,
            "[dependencies]\nconfig = { workspace = true }\n",
            &Rules::for_crate(LIBRARY),
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn the_environment_in_tests_strings_comments_and_the_binary_is_not_reported() {
        for source in [
            "#[cfg(test)]\nmod tests {\n    fn url() { std::env::var(\"X\"); { nested(); } }\n}\n",
            "#[cfg(test)]\nfn helper() { std::env::var(\"X\"); }\nconst NAME: &str = env!(\"CARGO_PKG_NAME\");",
            r#"// read with std::env::var("X") by the binary"#,
            r#"const HELP: &str = "set it with env::var or config::File";"#,
            "mod my_config { pub fn f() {} }\nfn g() { crate::my_config::f(); self::config::x(); }",
        ] {
            assert_eq!(problems(source), Vec::<String>::new(), "{source}");
        }
        let reads = "fn f() { std::env::var(\"X\"); }";
        assert!(
            check_source("x.rs", "tests/read.rs", reads, &Rules::for_crate(LIBRARY)).is_empty(),
            "a library's integration tests may read the environment"
        );
        assert!(
            check_source(
                "x.rs",
                "src/main.rs",
                reads,
                &Rules::for_crate("crates/jstac")
            )
            .is_empty()
        );
        // Code after a test module is checked again.
        let after = "#[cfg(test)]\nmod tests { fn t() {} }\nfn f() { std::env::var(\"X\"); }";
        assert_eq!(problems(after).len(), 1);
    }

    #[test]
    fn a_crate_without_unsafe_code_must_forbid_it_at_its_root() {
        let core = Rules::for_crate("crates/jstac-core");
        assert!(core.must_forbid_unsafe());
        let root = "//! The core.\n\npub mod mapping;\n";
        assert!(check_root("crates/jstac-core/src/lib.rs", root, &core).is_some());
        // In a comment or a string it does not count.
        let commented = "// #![forbid(unsafe_code)]\nconst S: &str = \"#![forbid(unsafe_code)]\";";
        assert!(check_root("x", commented, &core).is_some());
        let forbids = "//! The core.\n\n#![forbid(unsafe_code)]\n\npub mod mapping;\n";
        assert!(check_root("x", forbids, &core).is_none());
        // Unsafe anywhere in such a crate is reported too.
        let found = check_source(
            "crates/jstac-core/src/convert.rs",
            "src/convert.rs",
            "fn f(p: *const u8) -> u8 { unsafe { *p } }",
            &core,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        // The crates where code meets C need not forbid it; the broken
        // test plugins may hold it anywhere.
        for path in ["crates/jstac-sdk", "crates/jstac-host", "crates/jstac"] {
            assert!(!Rules::for_crate(path).must_forbid_unsafe(), "{path}");
        }
        let broken = Rules::for_crate("tests/plugins/misbehave");
        assert!(!broken.must_forbid_unsafe());
        assert!(check_source("x", "src/lib.rs", "unsafe fn f() {}", &broken).is_empty());
        // The xml plugin's bench may call wait4; the plugin may not.
        let xml = Rules::for_crate("plugins/xml");
        assert!(xml.must_forbid_unsafe());
        assert!(check_source("x", "benches/xml_bench.rs", "unsafe fn f() {}", &xml).is_empty());
        assert_eq!(
            check_source("x", "src/reader.rs", "unsafe fn f() {}", &xml).len(),
            1
        );
    }

    #[test]
    fn unsafe_code_in_the_warehouse_outside_bulk_rs_is_reported() {
        let warehouse = Rules::for_crate("crates/jstac-warehouse");
        let source = "fn f(p: *const u8) -> u8 { unsafe { *p } }";
        let found = check_source(
            "crates/jstac-warehouse/src/load.rs",
            "src/load.rs",
            source,
            &warehouse,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(check_source("x.rs", "src/bulk.rs", source, &warehouse).is_empty());
        // `unsafe_code` in an attribute and the word in a comment are not unsafe code.
        let lookalikes = "#![forbid(unsafe_code)]\n// no unsafe here\nfn f() {}";
        assert!(check_source("x.rs", "src/load.rs", lookalikes, &warehouse).is_empty());
    }

    #[test]
    fn the_lexer_tells_chars_from_lifetimes_and_finds_raw_strings() {
        let scan = Scan::of(
            "fn f<'a>(x: &'a str) -> char { let q = '\\''; let r = br##\"a \"# b\"##; 'x' }",
        );
        assert_eq!(
            scan.literals
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>(),
            ["a \"# b"]
        );
        assert!(scan.code.contains("fn f<'a>(x: &'a str)"), "{}", scan.code);
        assert!(
            !scan.code.contains("'x'") && !scan.code.contains("'\\''"),
            "{}",
            scan.code
        );
        assert!(scan.code.contains("let q =     ;"), "{}", scan.code);
        let lines = Scan::of("/* one\ntwo */\nlet s = \"three\nfour\";\nlet t = \"five\";");
        assert_eq!(
            lines.literals.iter().map(|l| l.line).collect::<Vec<_>>(),
            [3, 5]
        );
    }
}
