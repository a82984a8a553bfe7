//! Per-implementation expectations files: known failures, each with a reason.
//!
//! ```toml
//! [[known_failure]]
//! pattern = "tokenizer::bpe1::*"   # `*` matches any run of characters
//! reason = "BPE1 not implemented yet"
//! ```
//!
//! A matching vector that fails is an *expected failure*; one that passes is an
//! *unexpected pass*, which fails the run so the file is kept honest.

use serde::Deserialize;

/// One known failure.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    pub pattern: String,
    pub reason: String,
}

/// A parsed expectations file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(default)]
    pub known_failure: Vec<KnownFailure>,
}

impl Expectations {
    /// Parse a file's text; every entry needs a non-empty pattern and reason.
    pub fn parse(text: &str) -> Result<Expectations, String> {
        let e: Expectations = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(k) = e
            .known_failure
            .iter()
            .find(|k| k.pattern.is_empty() || k.reason.trim().is_empty())
        {
            return Err(format!("known_failure {:?} needs a pattern and a reason", k.pattern));
        }
        Ok(e)
    }

    /// The reason a vector is expected to fail, if any pattern matches its id.
    pub fn known_failure(&self, id: &str) -> Option<&KnownFailure> {
        self.known_failure.iter().find(|k| wildcard_match(&k.pattern, id))
    }
}

/// `*` matches any (possibly empty) run of characters; everything else is literal.
///
/// Hand-written on purpose: patterns only ever need `*`, and ten lines are
/// easier to audit than a glob crate's filesystem-oriented semantics.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty(); // no `*` at all: exact match
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matches_prefixes_suffixes_and_literals() {
        assert!(wildcard_match("tokenizer::*", "tokenizer::bpe1::x"));
        assert!(wildcard_match("*::x", "tokenizer::bpe1::x"));
        assert!(wildcard_match("a*b*c", "abc"));
        assert!(wildcard_match("a*b*c", "a-b-b-c"));
        assert!(!wildcard_match("a*b*c", "acb"));
        assert!(wildcard_match("exact", "exact"));
        assert!(!wildcard_match("exact", "exactly"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("ab*ba", "aba"));
    }

    #[test]
    fn entries_need_reasons() {
        assert!(Expectations::parse("[[known_failure]]\npattern = \"x\"\nreason = \" \"\n").is_err());
        let e = Expectations::parse("[[known_failure]]\npattern = \"q*\"\nreason = \"r\"\n").unwrap();
        assert_eq!(e.known_failure("quant::x").map(|k| k.reason.as_str()), Some("r"));
        assert!(Expectations::parse("").unwrap().known_failure.is_empty());
    }
}
