//! A strict JSON reader for case files and sidecars ([EVAL-JSON-03]): any
//! RFC 8259 text, rejecting duplicate members, non-integer numbers, numbers
//! beyond ±(2⁵³ − 1), lone surrogates and nesting deeper than
//! `MAX_EVAL_JSON_DEPTH`. Values are the canonical writer's
//! ([`tinyrustlm_breed::json::Json`]), so reading then writing normalizes.

use std::collections::BTreeMap;
use tinyrustlm_breed::json::Json;

/// `MAX_EVAL_JSON_DEPTH` (limits.md).
pub const MAX_EVAL_JSON_DEPTH: usize = 16;
const MAX_SAFE_INT: i64 = (1 << 53) - 1;

/// Parses one JSON text: the whole of `bytes`, surrounding whitespace allowed.
/// The error is a short reason with the byte offset.
pub fn parse(bytes: &[u8]) -> Result<Json, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let mut r = Reader {
        s: text.as_bytes(),
        pos: 0,
    };
    r.ws();
    let v = r.value(0)?;
    r.ws();
    if r.pos != r.s.len() {
        return Err(format!("trailing bytes at byte {}", r.pos));
    }
    Ok(v)
}

struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn lit(&mut self, word: &[u8], v: Json) -> Result<Json, String> {
        if self.s.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.err("unexpected character")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') => self.lit(b"true", Json::Bool(true)),
            Some(b'f') => self.lit(b"false", Json::Bool(false)),
            Some(b'n') => self.lit(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.err("unexpected character"),
            None => self.err("unexpected end"),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_EVAL_JSON_DEPTH {
            return self.err("nesting deeper than MAX_EVAL_JSON_DEPTH");
        }
        self.pos += 1;
        let mut members = BTreeMap::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Obj(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a member name");
            }
            let at = self.pos;
            let name = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("expected ':'");
            }
            self.pos += 1;
            self.ws();
            let v = self.value(depth)?;
            if members.insert(name.clone(), v).is_some() {
                return Err(format!("duplicate member {name:?} at byte {at}"));
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Obj(members));
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_EVAL_JSON_DEPTH {
            return self.err("nesting deeper than MAX_EVAL_JSON_DEPTH");
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Arr(items));
                }
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let n = self.pos - digits;
        if n == 0 || (n > 1 && self.s[digits] == b'0') {
            return self.err("malformed number");
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return self.err("a number that is not an integer");
        }
        // At most 16 digits can be within ±(2^53 − 1); more is out of range.
        let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|e| e.to_string())?;
        match text.parse::<i64>() {
            Ok(v) if n <= 16 && (-MAX_SAFE_INT..=MAX_SAFE_INT).contains(&v) => Ok(Json::Int(v)),
            _ => Err(format!("integer out of range at byte {start}")),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let Some(h) = self.s.get(self.pos..self.pos + 4) else {
            return self.err("truncated \\u escape");
        };
        let mut v = 0u32;
        for &b in h {
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| format!("bad \\u escape at byte {}", self.pos))?;
            v = v * 16 + d;
        }
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            // The input is UTF-8 and the run stops at ASCII bytes only.
            out.push_str(std::str::from_utf8(&self.s[start..self.pos]).map_err(|e| e.to_string())?);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return self.err("truncated escape");
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return self.err("lone surrogate");
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return self.err("lone surrogate");
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return self.err("lone surrogate");
                            } else {
                                hi
                            };
                            out.push(char::from_u32(c).ok_or_else(|| "bad escape".to_string())?);
                        }
                        _ => return self.err("unknown escape"),
                    }
                }
                Some(_) => return self.err("control character in a string"),
                None => return self.err("unterminated string"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_whitespace_order_and_escape_then_writes_canonically() {
        let v = parse(b" { \"b\" : [1, -2] ,\"a\":\"\\u0041\\/\\ud83d\\ude00\\u001F\" } ").unwrap();
        assert_eq!(v.canonical(), "{\"a\":\"A/\u{1f600}\\u001f\",\"b\":[1,-2]}");
    }

    #[test]
    fn rejects_duplicates_fractions_big_numbers_lone_surrogates_and_depth() {
        for bad in [
            &b"{\"a\":1,\"a\":2}"[..],
            b"{\"a\":1.0}",
            b"{\"a\":1e3}",
            b"9007199254740992",
            b"\"\\ud800\"",
            b"\"\\udc00x\"",
            b"01",
            b"[1] [2]",
            b"\"\xff\"",
            b"[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(
            parse(b"[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]").is_ok(),
            "depth 16 is allowed"
        );
        assert_eq!(parse(b"-9007199254740991").unwrap(), Json::Int(-9007199254740991));
    }
}
