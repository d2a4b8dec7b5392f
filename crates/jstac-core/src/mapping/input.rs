//! What the mapping reads: a batch of source records as a plugin delivered
//! them, and the shape of each field.

use crate::convert::Kind;

/// Read access to a batch of source records, as a plugin delivered them.
pub trait SourceRecords {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Field `field` of record `row`; `None` when missing.
    fn value(&self, field: usize, row: usize) -> Option<&str>;
    /// What field `field` of record `row` holds: text unless a typed source
    /// (a spreadsheet) says otherwise.
    fn kind(&self, field: usize, row: usize) -> Kind {
        let _ = (field, row);
        Kind::Text
    }
    /// How many elements list field `field` has in record `row`.
    fn list_len(&self, field: usize, row: usize) -> usize {
        let _ = (field, row);
        0
    }
    /// Element `index` of list field `field` in record `row`.
    fn list_value(&self, field: usize, row: usize, index: usize) -> Option<&str> {
        let _ = (field, row, index);
        None
    }
    fn locator(&self, row: usize) -> &str;
    /// Why the plugin could not read the record, if it could not.
    fn reject(&self, row: usize) -> Option<&str>;
    fn raw(&self, row: usize) -> Option<&str>;
}

/// What a source field carries, as its plugin declared it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldShape {
    /// One value per record.
    #[default]
    Single,
    /// A repeated group's values: a list per record, aligned by index with
    /// the group's other list fields.
    List,
}
