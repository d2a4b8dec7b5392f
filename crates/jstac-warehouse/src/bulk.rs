//! The SQLite bulk path: prepared single-row statements stepped directly on
//! the connection's handle, inside the file's sqlx transaction.
//!
//! Why not `sqlx::query` per chunk: measured on 1M police rows, sqlx spent
//! most of a run outside SQLite (a `Vec` of owned, reference-counted
//! arguments per chunk, each text copied again by `SQLITE_TRANSIENT`, freed
//! on the worker thread, and one channel message per statement), and a
//! multi-row `VALUES` statement makes SQLite keep a statement journal,
//! copying every page it touches. Here each value is bound by reference
//! (`SQLITE_STATIC`) for exactly one `sqlite3_step`, with no allocation.
//!
//! sqlx documents this escape hatch: while the [`LockedSqliteHandle`]
//! exists, its worker thread makes no call on the handle. Statements are
//! finalized before the lock is released, so sqlx never sees them.
//!
//! [`LockedSqliteHandle`]: sqlx::sqlite::LockedSqliteHandle

use std::ffi::{CStr, c_char, c_int};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use crate::error::{Result, WarehouseError};

/// A connection handle borrowed from a locked sqlx connection.
pub(crate) struct Handle<'lock> {
    db: NonNull<ffi::sqlite3>,
    _lock: PhantomData<&'lock mut ()>,
}

impl<'lock> Handle<'lock> {
    /// The handle of a locked connection: while the lock is borrowed here,
    /// sqlx makes no call on it.
    pub(crate) fn new(locked: &'lock mut LockedSqliteHandle<'_>) -> Self {
        Handle {
            db: locked.as_raw_handle(),
            _lock: PhantomData,
        }
    }

    /// Prepares one statement (the SQL must hold exactly one).
    pub(crate) fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        let mut raw = ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| sqlite_error("statement too long"))?;
        // SAFETY: the handle is open and ours (see `new`); `sql` is valid for
        // `len` bytes; SQLite writes the statement pointer to `raw`.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db.as_ptr(),
                sql.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut raw,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK || raw.is_null() {
            return Err(self.error("preparing a load statement"));
        }
        Ok(Statement {
            handle: self,
            raw,
            params: 0,
        })
    }

    /// Whether the connection can only read its main database: SQLite
    /// opens a file it may not write (permissions, an immutable file, a
    /// read-only mount, `mode=ro`) read-only without a word, and the first
    /// write fails far from the open.
    pub(crate) fn read_only(&self) -> bool {
        // SAFETY: the handle is open and ours (see `new`); the name is a
        // NUL-terminated string that outlives the call.
        unsafe { ffi::sqlite3_db_readonly(self.db.as_ptr(), c"main".as_ptr()) == 1 }
    }

    fn error(&self, doing: &str) -> WarehouseError {
        // SAFETY: the handle is open; errmsg returns a NUL-terminated string
        // owned by SQLite, copied before any other call.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db.as_ptr())) };
        sqlite_error(&format!("{doing}: {}", message.to_string_lossy()))
    }
}

fn sqlite_error(message: &str) -> WarehouseError {
    WarehouseError::Sqlite(message.to_owned())
}

/// One prepared statement: bind every parameter of a row, then [`Statement::run`].
pub(crate) struct Statement<'h> {
    handle: &'h Handle<'h>,
    raw: *mut ffi::sqlite3_stmt,
    /// Parameters bound so far for the current row.
    params: c_int,
}

/// A value to bind for one row; text is borrowed until the row is stepped.
pub(crate) enum Param<'a> {
    Null,
    Text(&'a str),
    /// ASCII text given as bytes (a key's hex digits).
    Ascii(&'a [u8; 32]),
    Integer(i64),
}

impl<'h> Statement<'h> {
    /// Binds the next parameter of the current row and runs the row once all
    /// are bound by [`Statement::run`]. `value` must stay alive until then,
    /// which the lifetime on [`Statement::row`] enforces.
    pub(crate) fn row<'a>(&mut self) -> Row<'_, 'h, 'a> {
        self.params = 0;
        // SAFETY: `raw` is live. Clearing drops any pointer bound for a row
        // that was never run, so a parameter left unbound is NULL.
        unsafe {
            ffi::sqlite3_clear_bindings(self.raw);
        }
        Row {
            statement: self,
            _values: PhantomData,
        }
    }
}

/// The parameters of one row being bound; stepping consumes it.
pub(crate) struct Row<'s, 'h, 'a> {
    statement: &'s mut Statement<'h>,
    _values: PhantomData<&'a str>,
}

impl<'a> Row<'_, '_, 'a> {
    pub(crate) fn bind(&mut self, value: Param<'a>) -> Result<&mut Self> {
        let statement = &mut *self.statement;
        statement.params += 1;
        let index = statement.params;
        // SAFETY: `raw` is a live prepared statement. Text is bound with
        // SQLITE_STATIC: SQLite reads it in place, and `'a` keeps it alive
        // until this row is stepped and reset in `run`, after which SQLite
        // no longer refers to it.
        let rc = unsafe {
            match value {
                Param::Null => ffi::sqlite3_bind_null(statement.raw, index),
                Param::Integer(n) => ffi::sqlite3_bind_int64(statement.raw, index, n),
                Param::Text(text) => bind_text(statement.raw, index, text.as_bytes()),
                Param::Ascii(text) => bind_text(statement.raw, index, text),
            }
        };
        if rc != ffi::SQLITE_OK {
            return Err(statement.handle.error("binding a value"));
        }
        Ok(self)
    }

    /// Steps the statement for this row and resets it for the next.
    pub(crate) fn run(self) -> Result<()> {
        let statement = self.statement;
        // SAFETY: `raw` is live and every parameter is bound to memory that
        // outlives this call; after the reset SQLite reads none of it again
        // unless stepped, and the next row rebinds first.
        let (rc, reset) = unsafe {
            let rc = ffi::sqlite3_step(statement.raw);
            (rc, ffi::sqlite3_reset(statement.raw))
        };
        if rc != ffi::SQLITE_DONE || reset != ffi::SQLITE_OK {
            return Err(statement.handle.error("writing a row"));
        }
        Ok(())
    }
}

/// # Safety
/// `raw` is a live statement; `text` is UTF-8 and outlives the next step.
unsafe fn bind_text(raw: *mut ffi::sqlite3_stmt, index: c_int, text: &[u8]) -> c_int {
    // SAFETY: as the caller promises; SQLITE_STATIC makes SQLite read the
    // bytes in place instead of copying them.
    unsafe {
        ffi::sqlite3_bind_text64(
            raw,
            index,
            text.as_ptr().cast::<c_char>(),
            text.len() as u64,
            ffi::SQLITE_STATIC(),
            ffi::SQLITE_UTF8 as u8,
        )
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: `raw` came from prepare and is finalized exactly once.
        unsafe {
            ffi::sqlite3_finalize(self.raw);
        }
    }
}
