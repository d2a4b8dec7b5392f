//! The plugin's options, and their paths compiled into a matcher.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::error::XmlError;

/// `[source.options]` of a pipeline that reads XML.
///
/// ```toml
/// [source.options]
/// record = "/ir:Feed/ir:Report"
/// namespaces = { ir = "urn:example:intel:1" }
/// fields = { ReportId = "@id", Source = "ir:Grading/ir:Source", Narrative = "ir:Narrative" }
/// groups.Subject = { path = "ir:Subjects/ir:Subject", fields = { Id = "@id", Name = "ir:Name" } }
/// ```
///
/// **Paths** are element names separated by `/`. A name is `local` (that
/// local name in any namespace, or none), `prefix:local` (that local name in
/// the namespace the prefix is bound to in `namespaces`, whatever prefix the
/// document itself uses, or as its default namespace), or `*` / `prefix:*`
/// (any element, any element of that namespace). A `.` step stays on the
/// element. A field path may end in an attribute step: `@name` is the
/// attribute without a prefix (attributes never take the default
/// namespace), `@prefix:name` the one in that namespace, under any prefix.
///
/// **Values**: an element's value is all the text inside it (its own and its
/// descendants', CDATA included, the five predefined entities and numeric
/// character references decoded, line ends normalised to `\n`); an
/// attribute's value is its normalised value. When a path matches several
/// elements in one record (or one group element), the first one is used.
/// A path that matches nothing gives a missing value (null).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XmlOptions {
    /// Path of the record element from the document root, for example
    /// `/ir:Feed/ir:Report` or `Feed/Report` (the leading `/` is optional).
    /// Each element it matches is one record.
    #[schemars(length(min = 1))]
    pub record: String,
    /// Namespace prefixes used in the paths of these options, bound to
    /// namespace names (URIs): `{ ir = "urn:example:intel:1" }`. They need
    /// not be the prefixes the documents use: matching is by namespace name.
    #[serde(default)]
    pub namespaces: BTreeMap<String, String>,
    /// Single fields: field name → path relative to the record element
    /// (`"@id"`, `"Grading/Source"`, `"Subject/@role"`, `"Narrative"`, `"."`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Repeated groups: group name → its element path and fields. Each field
    /// `F` of group `G` is a list field named `G.F` with one value per group
    /// element in the record, in document order; the lists of one group are
    /// aligned by index, and a group element without a value for a field
    /// gives null at its index.
    #[serde(default)]
    pub groups: BTreeMap<String, GroupOptions>,
    /// Remove leading and trailing whitespace (space, tab, CR, LF) from
    /// every value.
    #[serde(default = "default_true")]
    pub trim: bool,
    /// Deepest element nesting allowed anywhere in the file; deeper nesting
    /// stops the file with an error naming the line.
    #[serde(default = "default_max_depth")]
    #[schemars(range(min = 1, max = 60000))]
    pub max_depth: u32,
    /// Largest record, in bytes of its XML text (as UTF-8). A larger record
    /// is skipped and quarantined with the reason; a single tag, text or
    /// comment larger than this anywhere stops the file with an error.
    #[serde(default = "default_max_record_bytes")]
    #[schemars(range(min = 1024))]
    pub max_record_bytes: u64,
}

/// One repeated group of [`XmlOptions::groups`].
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupOptions {
    /// Path of the group's element, relative to the record element
    /// (`"Subjects/Subject"`). Each matching element is one entry of the
    /// group's lists.
    #[schemars(length(min = 1))]
    pub path: String,
    /// The group's fields: field name → path relative to the group element
    /// (`"Name"`, `"@id"`, `"."`). Field `F` of group `G` is named `G.F`.
    pub fields: BTreeMap<String, String>,
}

fn default_true() -> bool {
    true
}

/// Nesting deeper than any agency schema needs, shallow enough to be cheap.
pub const DEFAULT_MAX_DEPTH: u32 = 256;
/// 16 MiB: far beyond any real report, small enough to bound memory.
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

fn default_max_depth() -> u32 {
    DEFAULT_MAX_DEPTH
}
fn default_max_record_bytes() -> u64 {
    DEFAULT_MAX_RECORD_BYTES
}

impl XmlOptions {
    /// Options reading `record` with no fields and the default limits.
    pub fn new(record: impl Into<String>) -> Self {
        XmlOptions {
            record: record.into(),
            namespaces: BTreeMap::new(),
            fields: BTreeMap::new(),
            groups: BTreeMap::new(),
            trim: true,
            max_depth: DEFAULT_MAX_DEPTH,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// Which namespaces a name test accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NamespaceTest {
    /// Any namespace, or none: an unprefixed element step.
    Any,
    /// No namespace: an unprefixed attribute step (attributes never take
    /// the default namespace).
    Absent,
    /// This namespace name: a prefixed step.
    Is(String),
}

/// A name test: `local`, `prefix:local`, `*` or `prefix:*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameTest {
    pub namespace: NamespaceTest,
    /// The local name required; `None` for `*`.
    pub local: Option<String>,
}

impl NameTest {
    /// Whether an element or attribute with this namespace (`None`: no
    /// namespace) and local name passes the test.
    pub fn matches(&self, namespace: Option<&str>, local: &str) -> bool {
        let namespace_ok = match &self.namespace {
            NamespaceTest::Any => true,
            NamespaceTest::Absent => namespace.is_none(),
            NamespaceTest::Is(required) => namespace == Some(required.as_str()),
        };
        namespace_ok && self.local.as_deref().is_none_or(|l| l == local)
    }
}

/// Where a matched value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Single field `n` (index among single fields).
    Single(usize),
    /// Field `field` of group `group`, at the group's current element.
    Group { group: usize, field: usize },
}

/// A node of the path trie: one element position relative to the record.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub children: Vec<(NameTest, usize)>,
    /// `children` as (index in `Compiled::element_tests`, child node).
    pub child_tests: Vec<(u32, u32)>,
    /// Groups whose element is this node: a new entry opens here.
    pub groups: Vec<usize>,
    /// Slots that take this element's text.
    pub texts: Vec<Slot>,
    /// Slots that take one of this element's attributes.
    pub attributes: Vec<(NameTest, Slot)>,
}

/// What a source field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldShape {
    /// One value per record.
    Single,
    /// One value per element of a repeated group.
    List,
}

/// One source field as the plugin declares it.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub shape: FieldShape,
    pub(crate) slot: Slot,
}

/// Options checked and compiled.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// The record path as written, with a leading `/`: used in locators.
    pub record_path: String,
    pub record_steps: Vec<NameTest>,
    /// Every element name test: the record path's steps first (test `i` is
    /// step `i`), then the trie's. A name seen in a document is matched
    /// against all of them once, and the answers kept (see `reader::Names`).
    pub element_tests: Vec<NameTest>,
    /// Node 0 is the record element.
    pub nodes: Vec<Node>,
    pub fields: Vec<FieldDef>,
    pub n_single: usize,
    /// Number of fields of each group.
    pub group_sizes: Vec<usize>,
    pub trim: bool,
    pub max_depth: u32,
    pub max_record_bytes: u64,
}

fn option_error(key: &str, message: impl std::fmt::Display) -> XmlError {
    XmlError::Options(format!("option {key}: {message}"))
}

/// A path split into element steps and an optional final attribute.
struct ParsedPath {
    elements: Vec<NameTest>,
    attribute: Option<NameTest>,
}

fn parse_name(
    key: &str,
    text: &str,
    namespaces: &BTreeMap<String, String>,
    unprefixed: NamespaceTest,
) -> Result<NameTest, XmlError> {
    let (prefix, local) = match text.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, text),
    };
    let valid = |s: &str| {
        !s.is_empty()
            && !s.contains(|c: char| {
                c.is_whitespace()
                    || matches!(c, ':' | '@' | '/' | '[' | ']' | '(' | ')' | '"' | '\'')
            })
    };
    if prefix.is_some_and(|p| !valid(p)) || !(local == "*" || valid(local)) {
        return Err(option_error(key, format!("{text:?} is not a valid name")));
    }
    let namespace = match prefix {
        None => unprefixed,
        Some(prefix) => NamespaceTest::Is(
            namespaces
                .get(prefix)
                .ok_or_else(|| {
                    option_error(
                        key,
                        format!("prefix {prefix:?} is not declared in option namespaces"),
                    )
                })?
                .clone(),
        ),
    };
    Ok(NameTest {
        namespace,
        local: (local != "*").then(|| local.to_owned()),
    })
}

fn parse_path(
    key: &str,
    path: &str,
    namespaces: &BTreeMap<String, String>,
    allow_attribute: bool,
) -> Result<ParsedPath, XmlError> {
    let trimmed = path.trim();
    if trimmed.is_empty() {
        return Err(option_error(key, "the path is empty"));
    }
    if key != "record" && trimmed.starts_with('/') {
        return Err(option_error(
            key,
            format!("{path:?}: this path is relative to its element; drop the leading `/`"),
        ));
    }
    let mut elements = Vec::new();
    let mut attribute = None;
    // The record path is from the root: one leading `/` is optional.
    let steps = match key {
        "record" => trimmed.strip_prefix('/').unwrap_or(trimmed),
        _ => trimmed,
    }
    .split('/');
    for step in steps {
        let step = step.trim();
        if step.is_empty() {
            return Err(option_error(
                key,
                format!("{path:?} has an empty step (`//` and a trailing `/` are not supported)"),
            ));
        }
        if attribute.is_some() {
            return Err(option_error(
                key,
                format!("{path:?}: an attribute step must be the last"),
            ));
        }
        if step == "." {
            continue;
        }
        if let Some(name) = step.strip_prefix('@') {
            if !allow_attribute {
                return Err(option_error(
                    key,
                    format!("{path:?}: this path names elements only"),
                ));
            }
            if name == "*" || name.ends_with(":*") {
                return Err(option_error(
                    key,
                    format!("{path:?}: an attribute step needs a name"),
                ));
            }
            attribute = Some(parse_name(key, name, namespaces, NamespaceTest::Absent)?);
            continue;
        }
        elements.push(parse_name(key, step, namespaces, NamespaceTest::Any)?);
    }
    Ok(ParsedPath {
        elements,
        attribute,
    })
}

impl Compiled {
    pub fn new(options: &XmlOptions) -> Result<Compiled, XmlError> {
        for (prefix, uri) in &options.namespaces {
            if prefix.is_empty() || prefix.contains(|c: char| c == ':' || c.is_whitespace()) {
                return Err(option_error(
                    "namespaces",
                    format!("{prefix:?} is not a valid prefix"),
                ));
            }
            if uri.trim().is_empty() {
                return Err(option_error(
                    &format!("namespaces.{prefix}"),
                    "the namespace name is empty",
                ));
            }
        }
        let record = options.record.trim();
        let record_path = if record.starts_with('/') {
            record.to_owned()
        } else {
            format!("/{record}")
        };
        let parsed = parse_path("record", record, &options.namespaces, false)?;
        if parsed.elements.is_empty() {
            return Err(option_error("record", "the path names no element"));
        }
        if options.fields.is_empty() && options.groups.is_empty() {
            return Err(option_error(
                "fields",
                "no fields or groups: name at least one value to read",
            ));
        }

        let mut compiled = Compiled {
            record_path,
            element_tests: parsed.elements.clone(),
            record_steps: parsed.elements,
            nodes: vec![Node::default()],
            fields: Vec::new(),
            n_single: 0,
            group_sizes: Vec::new(),
            trim: options.trim,
            max_depth: options.max_depth.clamp(1, 60_000),
            max_record_bytes: options.max_record_bytes.max(1024),
        };

        for (name, path) in &options.fields {
            let key = format!("fields.{name}");
            check_field_name(&key, name)?;
            let parsed = parse_path(&key, path, &options.namespaces, true)?;
            let slot = Slot::Single(compiled.n_single);
            compiled.n_single += 1;
            compiled.insert(0, &parsed, slot);
            compiled.fields.push(FieldDef {
                name: name.clone(),
                shape: FieldShape::Single,
                slot,
            });
        }
        for (group, (group_name, spec)) in options.groups.iter().enumerate() {
            let key = format!("groups.{group_name}");
            check_field_name(&key, group_name)?;
            let parsed = parse_path(
                &format!("{key}.path"),
                &spec.path,
                &options.namespaces,
                false,
            )?;
            if spec.fields.is_empty() {
                return Err(option_error(
                    &format!("{key}.fields"),
                    "the group has no fields",
                ));
            }
            let node = compiled.walk(0, &parsed.elements);
            compiled.nodes[node].groups.push(group);
            for (field, (field_name, path)) in spec.fields.iter().enumerate() {
                let key = format!("{key}.fields.{field_name}");
                check_field_name(&key, field_name)?;
                let parsed = parse_path(&key, path, &options.namespaces, true)?;
                let slot = Slot::Group { group, field };
                compiled.insert(node, &parsed, slot);
                compiled.fields.push(FieldDef {
                    name: format!("{group_name}.{field_name}"),
                    shape: FieldShape::List,
                    slot,
                });
            }
            compiled.group_sizes.push(spec.fields.len());
        }
        for node in &mut compiled.nodes {
            for (test, child) in &node.children {
                let id = compiled.element_tests.len() as u32;
                compiled.element_tests.push(test.clone());
                node.child_tests.push((id, *child as u32));
            }
        }
        for (index, field) in compiled.fields.iter().enumerate() {
            if compiled.fields[..index]
                .iter()
                .any(|f| f.name == field.name)
            {
                return Err(option_error(
                    "fields",
                    format!(
                        "field name {:?} is declared twice (a single field and a group field)",
                        field.name
                    ),
                ));
            }
        }
        Ok(compiled)
    }

    /// The node reached from `from` along `steps`, created as needed.
    fn walk(&mut self, from: usize, steps: &[NameTest]) -> usize {
        let mut node = from;
        for step in steps {
            let existing = self.nodes[node]
                .children
                .iter()
                .find(|(test, _)| test == step)
                .map(|&(_, child)| child);
            node = match existing {
                Some(child) => child,
                None => {
                    let child = self.nodes.len();
                    self.nodes.push(Node::default());
                    self.nodes[node].children.push((step.clone(), child));
                    child
                }
            };
        }
        node
    }

    fn insert(&mut self, from: usize, path: &ParsedPath, slot: Slot) {
        let node = self.walk(from, &path.elements);
        match &path.attribute {
            Some(attribute) => self.nodes[node].attributes.push((attribute.clone(), slot)),
            None => self.nodes[node].texts.push(slot),
        }
    }
}

fn check_field_name(key: &str, name: &str) -> Result<(), XmlError> {
    if name.trim().is_empty() {
        return Err(option_error(key, "the name is empty"));
    }
    Ok(())
}
