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
/// A file with two kinds of record under different parents is read by one
/// pipeline with a list of record paths, and `record_field` says which kind
/// each record is:
///
/// ```toml
/// [source.options]
/// record = ["/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL", "/CONSOLIDATED_LIST/ENTITIES/ENTITY"]
/// record_field = "RecordKind"     # "INDIVIDUAL" or "ENTITY"
/// fields = { Id = "DATAID", Name = "FIRST_NAME" }
/// groups.Nationality = { path = "NATIONALITY/VALUE", fields = { Value = "." } }
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
/// attribute's value is its normalised value. A path that matches nothing
/// gives a missing value (null).
///
/// **One value per field**: a field holds one value per record (a group
/// field, one per group element). When a field's path matches more than
/// one element in a record (or in one element of its group), no value is
/// dropped: the record is quarantined, naming the field, and reading goes
/// on. Read a repeated element as a group instead: a group's path may be
/// the repeated element itself, with the field `"."` (its own text), e.g.
/// `groups.Nationality = { path = "NATIONALITY/VALUE", fields = { Value = "." } }`.
/// (A field naming the repeated elements' parent, `"NATIONALITY"`, reads
/// all the text inside it as one value, the values run together.) This is
/// found only when a record is read: the options alone cannot tell which
/// elements repeat.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XmlOptions {
    /// Path of the record element from the document root, for example
    /// `/ir:Feed/ir:Report` or `Feed/Report` (the leading `/` is optional),
    /// or a list of such paths: each element any of them matches is one
    /// record (an element inside a record is never a record itself; where
    /// two paths match one element, the first listed takes it). The
    /// fields and groups are read the same way, relative to whichever record
    /// element matched; a path that finds nothing in a record gives null.
    pub record: RecordPaths,
    /// Name of a single field holding the local name of each record's
    /// element (`"INDIVIDUAL"`, `"ENTITY"`): with several record paths, it
    /// tells a pipeline which kind of record it has. Not set: no such field.
    #[serde(default)]
    pub record_field: Option<String>,
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
    /// inside a record quarantines that record (read to its end, not
    /// tracked), and outside one stops the file with an error naming the
    /// line.
    #[serde(default = "default_max_depth")]
    #[schemars(range(min = 1, max = 60000))]
    pub max_depth: u32,
    /// Largest record, in bytes of its XML text (as UTF-8). A larger record
    /// is skipped and quarantined with the reason; a single tag, text or
    /// comment larger than this anywhere stops the file with an error.
    #[serde(default = "default_max_record_bytes")]
    #[schemars(range(min = 1024))]
    pub max_record_bytes: u64,
    /// Largest value of one field, in bytes of its text (as UTF-8, after
    /// entities are read): a record with a larger value is quarantined
    /// with the field's name, and the value is not held past the limit.
    #[serde(default = "default_max_field_bytes")]
    #[schemars(range(min = 1))]
    pub max_field_bytes: u64,
}

/// [`XmlOptions::record`]: one path, or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RecordPaths {
    One(#[schemars(length(min = 1))] String),
    Many(#[schemars(length(min = 1))] Vec<String>),
}

impl RecordPaths {
    /// The paths, in the order given.
    pub fn paths(&self) -> &[String] {
        match self {
            RecordPaths::One(path) => std::slice::from_ref(path),
            RecordPaths::Many(paths) => paths,
        }
    }
}

impl From<String> for RecordPaths {
    fn from(path: String) -> Self {
        RecordPaths::One(path)
    }
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
    /// (`"Name"`, `"@id"`, `"."` for the group element's own text, when the
    /// group element is the repeated value itself). Field `F` of group `G`
    /// is named `G.F`.
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

/// 1 MiB: far beyond any real value.
pub const DEFAULT_MAX_FIELD_BYTES: u64 = 1024 * 1024;

fn default_max_field_bytes() -> u64 {
    DEFAULT_MAX_FIELD_BYTES
}

impl XmlOptions {
    /// Options reading `record` with no fields and the default limits.
    pub fn new(record: impl Into<String>) -> Self {
        XmlOptions {
            record: RecordPaths::One(record.into()),
            record_field: None,
            namespaces: BTreeMap::new(),
            fields: BTreeMap::new(),
            groups: BTreeMap::new(),
            trim: true,
            max_depth: DEFAULT_MAX_DEPTH,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
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
    /// The `record_field`: the record element's local name.
    RecordName,
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

/// One record path, compiled.
#[derive(Debug)]
pub(crate) struct RecordPath {
    /// As written, with a leading `/`: used in locators.
    pub display: String,
    /// Its steps are element tests `first_test..first_test + len`.
    pub first_test: u32,
    pub len: u32,
}

/// Options checked and compiled.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub record_paths: Vec<RecordPath>,
    /// Every element name test: the record paths' steps first (path `p`'s
    /// step `i` is test `p.first_test + i`), then the trie's. A name seen in
    /// a document is matched against all of them once, and the answers kept
    /// (see `reader::Names`).
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
    pub max_field_bytes: u64,
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

/// What a path is relative to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PathKind {
    /// A record path: from the document root, elements only.
    Record,
    /// A group path: from the record element, elements only.
    Group,
    /// A field path: from its element, may end in an attribute.
    Field,
}

fn parse_path(
    key: &str,
    path: &str,
    namespaces: &BTreeMap<String, String>,
    kind: PathKind,
) -> Result<ParsedPath, XmlError> {
    let allow_attribute = kind == PathKind::Field;
    let trimmed = path.trim();
    if trimmed.is_empty() {
        return Err(option_error(key, "the path is empty"));
    }
    if kind != PathKind::Record && trimmed.starts_with('/') {
        return Err(option_error(
            key,
            format!("{path:?}: this path is relative to its element; drop the leading `/`"),
        ));
    }
    let mut elements = Vec::new();
    let mut attribute = None;
    // The record path is from the root: one leading `/` is optional.
    let steps = match kind {
        PathKind::Record => trimmed.strip_prefix('/').unwrap_or(trimmed),
        PathKind::Group | PathKind::Field => trimmed,
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
        if options.fields.is_empty() && options.groups.is_empty() {
            return Err(option_error(
                "fields",
                "no fields or groups: name at least one value to read",
            ));
        }
        let mut compiled = Compiled {
            record_paths: Vec::new(),
            element_tests: Vec::new(),
            nodes: vec![Node::default()],
            fields: Vec::new(),
            n_single: 0,
            group_sizes: Vec::new(),
            trim: options.trim,
            max_depth: options.max_depth.clamp(1, 60_000),
            max_record_bytes: options.max_record_bytes.max(1024),
            max_field_bytes: options.max_field_bytes.max(1),
        };
        compiled.add_record_paths(options)?;
        if let Some(name) = &options.record_field {
            check_field_name("record_field", name)?;
            compiled.fields.push(FieldDef {
                name: name.clone(),
                shape: FieldShape::Single,
                slot: Slot::RecordName,
            });
        }

        for (name, path) in &options.fields {
            let key = format!("fields.{name}");
            check_field_name(&key, name)?;
            let parsed = parse_path(&key, path, &options.namespaces, PathKind::Field)?;
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
                PathKind::Group,
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
                let parsed = parse_path(&key, path, &options.namespaces, PathKind::Field)?;
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
                        "field name {:?} is declared twice (a single field, a group field or record_field)",
                        field.name
                    ),
                ));
            }
        }
        Ok(compiled)
    }

    /// Compiles `record`: each path's steps become the first element tests.
    fn add_record_paths(&mut self, options: &XmlOptions) -> Result<(), XmlError> {
        let paths = options.record.paths();
        if paths.is_empty() {
            return Err(option_error("record", "the list of record paths is empty"));
        }
        let mut parsed_paths: Vec<Vec<NameTest>> = Vec::new();
        for (index, path) in paths.iter().enumerate() {
            let key = match options.record {
                RecordPaths::One(_) => "record".to_owned(),
                RecordPaths::Many(_) => format!("record[{}]", index + 1),
            };
            let trimmed = path.trim();
            let parsed = parse_path(&key, trimmed, &options.namespaces, PathKind::Record)?;
            if parsed.elements.is_empty() {
                return Err(option_error(&key, "the path names no element"));
            }
            // A record never holds another: a path that is another's
            // prefix would hide the longer one's records.
            for (other, earlier) in parsed_paths.iter().enumerate() {
                let shorter = earlier.len().min(parsed.elements.len());
                if earlier[..shorter] == parsed.elements[..shorter] {
                    let problem = if earlier.len() == parsed.elements.len() {
                        "is listed twice".to_owned()
                    } else {
                        "is inside another record path; records do not nest".to_owned()
                    };
                    return Err(option_error(
                        &key,
                        format!("{path:?} {problem} (see record[{}])", other + 1),
                    ));
                }
            }
            self.record_paths.push(RecordPath {
                display: if trimmed.starts_with('/') {
                    trimmed.to_owned()
                } else {
                    format!("/{trimmed}")
                },
                first_test: self.element_tests.len() as u32,
                len: parsed.elements.len() as u32,
            });
            self.element_tests.extend(parsed.elements.iter().cloned());
            parsed_paths.push(parsed.elements);
        }
        if options.record_field.is_some() {
            // The field gives the element's local name: it must tell the
            // paths apart when their last steps name the same element.
            for (index, path) in parsed_paths.iter().enumerate() {
                let last = path.last().and_then(|test| test.local.as_deref());
                for (other, earlier) in parsed_paths[..index].iter().enumerate() {
                    if last.is_some() && earlier.last().and_then(|t| t.local.as_deref()) == last {
                        return Err(option_error(
                            "record_field",
                            format!(
                                "record[{}] and record[{}] end in the same element name, so the field cannot tell their records apart",
                                other + 1,
                                index + 1
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
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
