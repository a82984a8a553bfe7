//! Request targets (RFC 9112 §3.2): the loopback server answers only
//! origin-form targets that name a file of the site by a plain relative path.
//! Everything is decided here, on the string, before any lookup; the site is
//! an in-memory map, so no target ever reaches the filesystem.

/// Why a request target names no file of the site (the server answers 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not origin-form: absolute-form (`http://host/x`), authority-form
    /// (`host:80`), asterisk-form (`*`), or a network-path (`//host/x`).
    NotOriginForm,
    /// A `%` not followed by two hex digits, or decoded bytes that are not UTF-8.
    BadEscape,
    /// A `.` or `..` segment after percent-decoding (`/../x`, `/%2e%2e/x`,
    /// `/a%2f..%2fb`).
    Traversal,
    /// A segment with a `:` — a drive (`/C:/x`, `/c:`) or an NTFS stream
    /// designator (`/index.html::$DATA`) on Windows.
    DriveQualified,
    /// A backslash (a separator on Windows), a control character (NUL
    /// included), an empty segment (`/a//b`, a trailing `/`), or a dot-file.
    ForbiddenCharacter,
}

/// The file (a site-relative path with `/` separators) that the request
/// target `target` names; `/` names `index.html`. The query is ignored.
pub fn resolve(target: &str) -> Result<String, Rejection> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(Rejection::NotOriginForm);
    }
    let decoded = percent_decode(&path[1..])?;
    if decoded.is_empty() {
        return Ok("index.html".to_owned());
    }
    for segment in decoded.split('/') {
        if segment == "." || segment == ".." {
            return Err(Rejection::Traversal);
        }
        if segment.contains(':') {
            return Err(Rejection::DriveQualified);
        }
        if segment.is_empty() || segment.starts_with('.') || segment.chars().any(|c| c == '\\' || c.is_control()) {
            return Err(Rejection::ForbiddenCharacter);
        }
    }
    Ok(decoded)
}

fn percent_decode(s: &str) -> Result<String, Rejection> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(Rejection::BadEscape)?;
            let hex = std::str::from_utf8(hex).map_err(|_| Rejection::BadEscape)?;
            if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                return Err(Rejection::BadEscape);
            }
            out.push(u8::from_str_radix(hex, 16).map_err(|_| Rejection::BadEscape)?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Rejection::BadEscape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_names_the_index() {
        assert_eq!(resolve("/"), Ok("index.html".into()));
        assert_eq!(resolve("/?x=1"), Ok("index.html".into()));
    }

    #[test]
    fn plain_paths_resolve_and_escapes_decode() {
        assert_eq!(resolve("/app.js"), Ok("app.js".into()));
        assert_eq!(
            resolve("/models/successor-f32.slm?v=2"),
            Ok("models/successor-f32.slm".into())
        );
        assert_eq!(resolve("/a%20b.txt"), Ok("a b.txt".into()));
    }

    #[test]
    fn rejects_absolute_authority_and_asterisk_forms() {
        for t in [
            "http://127.0.0.1:8000/index.html",
            "https://example.invalid/",
            "127.0.0.1:8000",
            "*",
            "",
            "index.html",
        ] {
            assert_eq!(resolve(t), Err(Rejection::NotOriginForm), "{t:?}");
        }
    }

    #[test]
    fn rejects_network_paths() {
        assert_eq!(resolve("//evil.invalid/x"), Err(Rejection::NotOriginForm));
    }

    #[test]
    fn rejects_traversal_plain_and_escaped() {
        for t in [
            "/../Cargo.toml",
            "/models/../../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E%2FCargo.toml",
            "/a%2f..%2fb",
            "/./index.html",
            "/models/..",
        ] {
            assert_eq!(resolve(t), Err(Rejection::Traversal), "{t:?}");
        }
    }

    #[test]
    fn rejects_drive_qualified_paths() {
        for t in [
            "/C:/Windows/win.ini",
            "/c:",
            "/C%3A/x",
            "/index.html::$DATA",
            "/models/D:x",
        ] {
            assert_eq!(resolve(t), Err(Rejection::DriveQualified), "{t:?}");
        }
    }

    #[test]
    fn rejects_backslashes_controls_empty_segments_and_dotfiles() {
        for t in [
            "/..\\Cargo.toml",
            "/a%5c..%5cb",
            "/index.html%00.png",
            "/a//b",
            "/models/",
            "/.git/config",
            "/%0a",
        ] {
            assert_eq!(resolve(t), Err(Rejection::ForbiddenCharacter), "{t:?}");
        }
    }

    #[test]
    fn rejects_bad_escapes() {
        for t in ["/%", "/%2", "/%zz", "/%c3%28", "/%ff"] {
            assert_eq!(resolve(t), Err(Rejection::BadEscape), "{t:?}");
        }
    }
}
