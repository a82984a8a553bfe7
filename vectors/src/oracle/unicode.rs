//! The character classes of the `gpt2` pre-tokenizer (tokenizer.md §4.4.1),
//! read at run time from the Unicode Character Database 15.0.0 files
//! `UnicodeData.txt` (General_Category) and `PropList.txt` (White_Space).
//!
//! The oracle deliberately carries no committed class table: it reads the
//! UCD as published (Debian package `unicode-data`, `/usr/share/unicode/`,
//! or the directory named by `TINYRUSTLM_UCD_DIR`), so a table shared with —
//! or derived by — the runtime can never decide an expected value.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The class of a unit (tokenizer.md §4.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// General_Category Lu, Ll, Lt, Lm or Lo.
    L,
    /// General_Category Nd, Nl or No.
    N,
    /// The White_Space property.
    W,
    /// Everything else, including unassigned code points and ill-formed units.
    O,
}

/// The UCD version the spec names.
pub const UCD_VERSION: &str = "15.0.0";

/// Where the UCD files are read from.
pub fn ucd_dir() -> PathBuf {
    std::env::var_os("TINYRUSTLM_UCD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/unicode"))
}

fn read(name: &str) -> Result<String, String> {
    let p = ucd_dir().join(name);
    std::fs::read_to_string(&p).map_err(|e| {
        format!(
            "cannot read {} ({e}): the oracle reads the Unicode Character Database {UCD_VERSION} at run time; \
             install the Debian package unicode-data (`apt-get install -y unicode-data`) or set \
             TINYRUSTLM_UCD_DIR to a directory holding UnicodeData.txt and PropList.txt of UCD {UCD_VERSION}",
            p.display()
        )
    })
}

fn hex(s: &str, what: &str) -> Result<u32, String> {
    u32::from_str_radix(s.trim(), 16).map_err(|e| format!("{what}: bad code point {s:?}: {e}"))
}

/// One class per code point 0 … 10FFFF.
fn load() -> Result<Vec<Class>, String> {
    let mut class = vec![Class::O; 0x11_0000];

    // PropList.txt names its version on its first line.
    let props = read("PropList.txt")?;
    let first = props.lines().next().unwrap_or("");
    if first.trim() != format!("# PropList-{UCD_VERSION}.txt") {
        return Err(format!(
            "PropList.txt is not UCD {UCD_VERSION}: its first line is {first:?}"
        ));
    }
    // UnicodeData.txt has no version line; its directory's ReadMe.txt does.
    if let Ok(readme) = read("ReadMe.txt") {
        if !readme.contains(&format!("Version {UCD_VERSION} of the Unicode Standard")) {
            return Err(format!("{}/ReadMe.txt is not UCD {UCD_VERSION}", ucd_dir().display()));
        }
    }

    // General_Category: field 2; ranges are a `<…, First>` line followed by
    // its `<…, Last>` line.
    let data = read("UnicodeData.txt")?;
    let mut first_of_range: Option<u32> = None;
    for (n, line) in data.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(';').collect();
        if f.len() != 15 {
            return Err(format!("UnicodeData.txt line {}: {} fields", n + 1, f.len()));
        }
        let cp = hex(f[0], "UnicodeData.txt")?;
        let c = match f[2] {
            "Lu" | "Ll" | "Lt" | "Lm" | "Lo" => Class::L,
            "Nd" | "Nl" | "No" => Class::N,
            _ => Class::O,
        };
        let (lo, hi) = if f[1].ends_with(", First>") {
            first_of_range = Some(cp);
            continue;
        } else if f[1].ends_with(", Last>") {
            let lo = first_of_range
                .take()
                .ok_or_else(|| format!("UnicodeData.txt line {}: Last without First", n + 1))?;
            (lo, cp)
        } else {
            if first_of_range.is_some() {
                return Err(format!("UnicodeData.txt line {}: First without Last", n + 1));
            }
            (cp, cp)
        };
        for x in lo..=hi {
            class[x as usize] = c;
        }
    }

    // White_Space: `XXXX` or `XXXX..YYYY ; White_Space # …`.
    let mut white = 0;
    for line in props.lines() {
        let body = line.split('#').next().unwrap_or("");
        let Some((range, prop)) = body.split_once(';') else {
            continue;
        };
        if prop.trim() != "White_Space" {
            continue;
        }
        let (lo, hi) = match range.split_once("..") {
            Some((a, b)) => (hex(a, "PropList.txt")?, hex(b, "PropList.txt")?),
            None => {
                let a = hex(range, "PropList.txt")?;
                (a, a)
            }
        };
        for x in lo..=hi {
            // The spec gives every unit exactly one class: no white space is a
            // letter or a number.
            if class[x as usize] != Class::O {
                return Err(format!("U+{x:04X} is White_Space and {:?}", class[x as usize]));
            }
            class[x as usize] = Class::W;
            white += 1;
        }
    }
    if white == 0 {
        return Err("PropList.txt lists no White_Space code point".into());
    }
    Ok(class)
}

fn loaded() -> &'static Result<Vec<Class>, String> {
    static TABLE: OnceLock<Result<Vec<Class>, String>> = OnceLock::new();
    TABLE.get_or_init(load)
}

/// The class table, read once. Panics with instructions if the UCD files are
/// missing or of another version: no vector may be generated without them.
fn table() -> &'static [Class] {
    match loaded() {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    }
}

/// Whether the UCD files can be read, and if not, why.
pub fn ucd_available() -> Result<(), String> {
    loaded().as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The class of a code point (`None`: an ill-formed unit, class O).
pub fn class_of(cp: Option<char>) -> Class {
    match cp {
        Some(c) => table()[c as usize],
        None => Class::O,
    }
}
