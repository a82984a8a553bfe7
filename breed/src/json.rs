//! Canonical JSON (RFC 8785) for the values receipts and reports hold:
//! objects sorted by member name, integers, booleans and strings, no
//! whitespace ([BRD-REC-01]). Receipts only hold ASCII strings that need no
//! escape; eval sidecars (spec/evaluation.md [EVAL-JSON-02], which shares
//! this writer) hold arbitrary text, escaped as RFC 8785 §3.2.2.2 says.

use std::collections::BTreeMap;

/// A JSON value of a receipt or report.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null` (an eval sidecar's `assembly_checksum` without adapters).
    Null,
    Int(i64),
    Bool(bool),
    Str(String),
    Arr(Vec<Json>),
    /// `BTreeMap` keeps members sorted by name; every name here is ASCII,
    /// so byte order is RFC 8785's UTF-16 order.
    Obj(BTreeMap<String, Json>),
}

impl Json {
    /// An object from `(name, value)` pairs.
    pub fn obj<const N: usize>(members: [(&str, Json); N]) -> Json {
        Json::Obj(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// A string; a character JSON would escape is replaced by `?` (the
    /// strings written here never hold one: names are checked, the rest
    /// is made of hex digits and identifiers).
    pub fn str(s: impl Into<String>) -> Json {
        let s: String = s.into();
        Json::Str(
            s.chars()
                .map(|c| {
                    if (' '..='~').contains(&c) && c != '"' && c != '\\' {
                        c
                    } else {
                        '?'
                    }
                })
                .collect(),
        )
    }

    /// A string holding any text, escaped when written ([EVAL-JSON-02]).
    pub fn text(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    /// The canonical text.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Int(v) => out.push_str(&v.to_string()),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Str(s) => write_string(s, out),
            Json::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Json::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// A string as RFC 8785 §3.2.2.2 writes it: `\"`, `\\`, the short
/// escapes `\b \t \n \f \r`, `\u00xx` (lower-case hex) for the other
/// characters below U+0020, every other character as itself.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `"0x"` + 8 lower-case hex digits.
pub fn hex32(v: u32) -> Json {
    Json::Str(format!("0x{v:08x}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_rfc_8785_writes_them() {
        let j = Json::text("say \"hi\"\\\n\u{1f}\u{8}\u{c}\t\r\u{7f}é");
        assert_eq!(j.canonical(), "\"say \\\"hi\\\"\\\\\\n\\u001f\\b\\f\\t\\r\u{7f}é\"");
    }

    #[test]
    fn members_are_sorted_and_underscore_sorts_before_lower_case() {
        let j = Json::obj([
            ("subject", Json::Int(1)),
            ("predicateType", Json::Int(2)),
            ("predicate", Json::Int(3)),
            ("_type", Json::Int(-4)),
        ]);
        assert_eq!(
            j.canonical(),
            r#"{"_type":-4,"predicate":3,"predicateType":2,"subject":1}"#
        );
    }
}
