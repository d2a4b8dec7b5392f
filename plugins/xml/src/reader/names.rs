//! Element names: namespace scopes, and each name resolved and tested
//! once.

use quick_xml::events::BytesStart;
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use rustc_hash::FxHashMap;

use crate::options::NameTest;

fn resolve_element<'n>(
    resolver: &'n NamespaceResolver,
    name: QName<'n>,
) -> Result<(Option<&'n str>, &'n str), String> {
    let (namespace, local) = resolver.resolve_element(name);
    let namespace = match namespace {
        ResolveResult::Bound(ns) => Some(ns.0),
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(prefix) => {
            return Err(format!("namespace prefix {prefix:?} is not declared"));
        }
    };
    Ok((namespace, local.into_inner()))
}

/// Namespace scopes, and element names resolved once.
///
/// quick-xml's `NsReader` opens a scope at every element and resolves
/// every name anew. Here a scope is opened only by an element whose tag
/// declares a namespace (`xmlns` in its attributes: rare, usually the root),
/// and an element name is resolved and tested against every name test of
/// the options once, the answers kept until a scope opens or closes (which
/// can change what a prefix means).
pub(super) struct Names {
    pub(super) resolver: NamespaceResolver,
    /// Open elements.
    depth: u32,
    /// Depths of the open elements that opened a scope.
    scopes: Vec<u32>,
    /// Qualified name → its entry. rustc's FxHash: names are short, and a
    /// keyed hash is not needed for a cache that is bounded and cleared.
    index: FxHashMap<Box<str>, u32>,
    /// Per entry, whether it passes each element test (`tests` per entry).
    hits: Vec<bool>,
    /// Per entry, why it cannot be resolved (an undeclared prefix).
    errors: Vec<Option<String>>,
    /// Per entry, its qualified name.
    names: Vec<Box<str>>,
    /// Per entry, the entry looked up after it last time: feeds repeat the
    /// same elements in the same order, so this guess, checked by comparing
    /// the names, mostly saves hashing.
    next: Vec<u32>,
    /// The entry looked up last.
    last: u32,
    tests: usize,
}

const NO_ENTRY: u32 = u32::MAX;

/// Beyond this many distinct names, the cache starts again (a document
/// with endless distinct names must not grow memory).
const MAX_CACHED_NAMES: usize = 4096;

impl Names {
    pub(super) fn new(tests: usize) -> Self {
        Names {
            resolver: NamespaceResolver::default(),
            depth: 0,
            scopes: Vec::new(),
            index: Default::default(),
            hits: Vec::new(),
            errors: Vec::new(),
            names: Vec::new(),
            next: Vec::new(),
            last: NO_ENTRY,
            tests,
        }
    }

    fn forget(&mut self) {
        self.index.clear();
        self.hits.clear();
        self.errors.clear();
        self.names.clear();
        self.next.clear();
        self.last = NO_ENTRY;
    }

    /// An element opens: its namespace declarations, if any, take effect.
    pub(super) fn open(&mut self, start: &BytesStart<'_>) -> Result<(), quick_xml::Error> {
        self.depth += 1;
        if declares_namespace(start.attributes_raw().as_bytes()) {
            self.resolver.push(start)?;
            self.scopes.push(self.depth);
            self.forget();
        }
        Ok(())
    }

    /// The innermost open element closes.
    pub(super) fn close(&mut self) {
        if self.scopes.last() == Some(&self.depth) {
            self.scopes.pop();
            self.resolver.pop();
            self.forget();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// The entry of an element name, resolved in the current scope.
    pub(super) fn element(&mut self, name: QName<'_>, tests: &[NameTest]) -> Result<u32, String> {
        let guess = match self.next.get(self.last as usize) {
            Some(&guess) if guess != NO_ENTRY => guess,
            _ => NO_ENTRY,
        };
        let entry = if guess != NO_ENTRY && *self.names[guess as usize] == *name.0 {
            guess
        } else {
            let entry = self.lookup(name, tests);
            if let Some(next) = self.next.get_mut(self.last as usize) {
                *next = entry;
            }
            entry
        };
        self.last = entry;
        match &self.errors[entry as usize] {
            None => Ok(entry),
            Some(message) => Err(message.clone()),
        }
    }

    /// The entry of a name, from the index or made.
    fn lookup(&mut self, name: QName<'_>, tests: &[NameTest]) -> u32 {
        match self.index.get(name.0) {
            Some(&entry) => entry,
            None => {
                if self.index.len() >= MAX_CACHED_NAMES {
                    self.forget();
                }
                let entry = self.errors.len() as u32;
                match resolve_element(&self.resolver, name) {
                    Ok((namespace, local)) => {
                        self.hits
                            .extend(tests.iter().map(|test| test.matches(namespace, local)));
                        self.errors.push(None);
                    }
                    Err(message) => {
                        self.hits.extend(tests.iter().map(|_| false));
                        self.errors.push(Some(message));
                    }
                }
                self.index.insert(name.0.into(), entry);
                self.names.push(name.0.into());
                self.next.push(NO_ENTRY);
                entry
            }
        }
    }

    /// Whether entry `entry` passes element test `test`.
    #[inline]
    pub(super) fn hit(&self, entry: u32, test: u32) -> bool {
        self.hits(entry)
            .get(test as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Whether entry `entry` passes each element test.
    #[inline]
    pub(super) fn hits(&self, entry: u32) -> &[bool] {
        let start = entry as usize * self.tests;
        self.hits.get(start..start + self.tests).unwrap_or_default()
    }
}

/// Whether a start tag's attributes may declare a namespace (`xmlns` or
/// `xmlns:p`); a false alarm (the word in a value) only costs a scope.
fn declares_namespace(attributes: &[u8]) -> bool {
    attributes
        .iter()
        .enumerate()
        .any(|(at, &b)| b == b'x' && attributes[at..].starts_with(b"xmlns"))
}
