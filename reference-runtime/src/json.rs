//! A minimal JSON writer for the two JSON documents the runtime produces:
//! diagnostics (`spec/diagnostics.md`) and the model summary of
//! `slm_model_info` (`spec/abi.md` §5). Strings are escaped as
//! [DIAG-JSON-02] says, so that no payload can break `JSON.parse` or end an
//! HTML element.

use core::fmt::Write as _;

/// Appends JSON text to a byte buffer. Members are written in call order;
/// the writer tracks whether a comma is due.
#[derive(Debug)]
pub(crate) struct JsonWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Whether the next member or element needs a leading comma.
    comma: bool,
}

impl<'a> JsonWriter<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> JsonWriter<'a> {
        JsonWriter { out, comma: false }
    }

    fn sep(&mut self) {
        if self.comma {
            self.out.push(b',');
        }
        self.comma = true;
    }

    pub(crate) fn begin_object(&mut self) {
        self.sep();
        self.out.push(b'{');
        self.comma = false;
    }

    pub(crate) fn end_object(&mut self) {
        self.out.push(b'}');
        self.comma = true;
    }

    pub(crate) fn begin_array(&mut self) {
        self.sep();
        self.out.push(b'[');
        self.comma = false;
    }

    pub(crate) fn end_array(&mut self) {
        self.out.push(b']');
        self.comma = true;
    }

    /// `"key":` — the value follows with one of the value methods.
    pub(crate) fn key(&mut self, key: &str) {
        self.sep();
        escape_into(self.out, key);
        self.out.push(b':');
        self.comma = false;
    }

    pub(crate) fn string(&mut self, s: &str) {
        self.sep();
        escape_into(self.out, s);
    }

    pub(crate) fn uint(&mut self, v: u64) {
        self.sep();
        let _ = write!(Fmt(self.out), "{v}");
    }

    pub(crate) fn boolean(&mut self, v: bool) {
        self.sep();
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub(crate) fn null(&mut self) {
        self.sep();
        self.out.extend_from_slice(b"null");
    }

    /// A finite non-negative number, or `null` ([DIAG-JSON-04]).
    pub(crate) fn number_or_null(&mut self, v: Option<f64>) {
        match v {
            Some(x) if x.is_finite() && x >= 0.0 => {
                self.sep();
                // `{:?}` of a finite f64 is valid JSON (digits, '.', 'e', '-').
                let _ = write!(Fmt(self.out), "{x:?}");
            }
            _ => self.null(),
        }
    }

    /// `"0x%08x"`.
    pub(crate) fn hex32(&mut self, v: u32) {
        self.sep();
        let _ = write!(Fmt(self.out), "\"0x{v:08x}\"");
    }
}

/// `core::fmt::Write` over a byte vector.
struct Fmt<'a>(&'a mut Vec<u8>);

impl core::fmt::Write for Fmt<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Writes `s` as a JSON string literal ([DIAG-JSON-02]).
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(Fmt(out), "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(Fmt(out), "\\u{:04x}", c as u32);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut v = Vec::new();
        escape_into(&mut v, s);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn quotes_backslashes_and_controls_use_the_short_forms() {
        assert_eq!(esc("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(esc("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(esc("\u{0}\u{1f}"), r#""\u0000\u001f""#);
    }

    #[test]
    fn markup_and_line_separators_are_escaped() {
        assert_eq!(esc("</script>&"), r#""\u003c/script\u003e\u0026""#);
        assert_eq!(esc("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
    }

    #[test]
    fn other_characters_are_written_as_themselves() {
        assert_eq!(esc("é€😀\u{fffd}\u{7f}"), "\"é€😀\u{fffd}\u{7f}\"");
    }

    #[test]
    fn objects_in_arrays_are_separated() {
        let mut v = Vec::new();
        let mut w = JsonWriter::new(&mut v);
        w.begin_object();
        w.key("a");
        w.begin_array();
        for i in 0..2 {
            w.begin_object();
            w.key("i");
            w.uint(i);
            w.end_object();
        }
        w.begin_array();
        w.end_array();
        w.end_array();
        w.key("b");
        w.begin_object();
        w.end_object();
        w.end_object();
        assert_eq!(String::from_utf8(v).unwrap(), r#"{"a":[{"i":0},{"i":1},[]],"b":{}}"#);
    }

    #[test]
    fn numbers_are_finite_or_null() {
        let mut v = Vec::new();
        let mut w = JsonWriter::new(&mut v);
        w.begin_array();
        w.number_or_null(Some(1.5));
        w.number_or_null(Some(f64::NAN));
        w.number_or_null(Some(-1.0));
        w.number_or_null(None);
        w.uint(u64::MAX);
        w.end_array();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "[1.5,null,null,null,18446744073709551615]"
        );
    }
}
