//! Parent models from the committed vector suite (plain data files).

use std::path::Path;

pub fn parent(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors/suite/files/breeding/parents")
        .join(format!("{name}.slm"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
