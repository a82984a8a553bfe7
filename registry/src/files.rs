//! Where referenced files come from: a directory (the tools) or a map of
//! paths to bytes (vectors, tests). Paths are as written in the documents,
//! resolved against the documents' directory ([REG-PATH-01]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Kind, Result, fail};
use crate::json::{FileKind, FileRef, digest};

/// A source of referenced files.
pub trait Files {
    /// The file's length, or `None` if it does not exist.
    fn len(&self, path: &str) -> Option<u64>;
    /// The file's bytes (called only after `len` matched the reference, so
    /// never more than the reference's limit).
    fn read(&self, path: &str) -> Option<Vec<u8>>;
}

/// Files under a directory.
#[derive(Debug)]
pub struct Dir(pub PathBuf);

impl Files for Dir {
    fn len(&self, path: &str) -> Option<u64> {
        std::fs::metadata(self.0.join(path))
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.0.join(path)).ok()
    }
}

/// Files in memory.
#[derive(Debug, Default, Clone)]
pub struct Mem(pub BTreeMap<String, Vec<u8>>);

impl Files for Mem {
    fn len(&self, path: &str) -> Option<u64> {
        self.0.get(path).map(|b| b.len() as u64)
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.0.get(path).cloned()
    }
}

/// Whether `r` matches its file (L10, L11; [REG-REF-01]): the length is
/// compared before anything is read.
pub fn check(files: &dyn Files, r: &FileRef, kind: FileKind) -> Result<Vec<u8>> {
    let Some(len) = files.len(&r.file) else {
        return fail(Kind::ArtifactMissing, format!("{}: no such file", r.file));
    };
    if len != r.bytes {
        return fail(
            kind.mismatch(),
            format!("{}: {len} bytes, the reference says {}", r.file, r.bytes),
        );
    }
    let Some(bytes) = files.read(&r.file) else {
        return fail(Kind::ArtifactMissing, format!("{}: cannot be read", r.file));
    };
    let d = digest(&bytes);
    if bytes.len() as u64 != r.bytes || d != r.sha256 {
        return fail(
            kind.mismatch(),
            format!("{}: SHA-256 {d}, the reference says {}", r.file, r.sha256),
        );
    }
    Ok(bytes)
}
