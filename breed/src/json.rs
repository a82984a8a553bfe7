//! Canonical JSON (RFC 8785) for the values receipts and reports hold:
//! objects sorted by member name, integers, booleans and ASCII strings
//! that need no escape, no whitespace ([BRD-REC-01]).

use std::collections::BTreeMap;

/// A JSON value of a receipt or report.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
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

    /// The canonical text.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Int(v) => out.push_str(&v.to_string()),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Str(s) => {
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
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
                    out.push('"');
                    out.push_str(k);
                    out.push_str("\":");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// `"0x"` + 8 lower-case hex digits.
pub fn hex32(v: u32) -> Json {
    Json::Str(format!("0x{v:08x}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
