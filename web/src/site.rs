//! The site in memory and the answer to one request.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use crate::target::{self, Rejection};

/// Sent with every answer. The CSP allows the page's own origin and nothing
/// else: no request leaves the machine (`connect-src` falls back to
/// `default-src 'self'`), scripts and workers come only from the site, and
/// `'wasm-unsafe-eval'` lets `WebAssembly.instantiateStreaming` compile the
/// runtime (and nothing may `eval` JavaScript).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
worker-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

/// Headers of every answer besides `Content-Type`.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    // Cross-origin isolation: nothing from elsewhere can be embedded, and
    // the worker's performance.now() (the runtime's clock, [ABI-TYPE-03])
    // gets its fine resolution.
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    // The page verifies model digests itself and may keep verified models in
    // its own cache (Cache API); the HTTP cache revalidates.
    ("Cache-Control", "no-cache"),
];

/// The files of the site by site-relative path (`/` separators).
#[derive(Debug, Default)]
pub struct Site {
    files: BTreeMap<String, Vec<u8>>,
}

/// What the server sends back.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply<'a> {
    pub status: u16,
    pub content_type: &'static str,
    /// Extra headers (`Allow` on 405).
    pub headers: Vec<(&'static str, &'static str)>,
    /// A file is lent from the site, not copied per request.
    pub body: Cow<'a, [u8]>,
}

impl Site {
    /// Reads every file under `dir` (dot-files and dot-directories skipped).
    pub fn load(dir: &Path) -> std::io::Result<Site> {
        let mut site = Site::default();
        site.read_dir(dir, "")?;
        Ok(site)
    }

    fn read_dir(&mut self, dir: &Path, prefix: &str) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let rel = format!("{prefix}{name}");
            if entry.file_type()?.is_dir() {
                self.read_dir(&entry.path(), &format!("{rel}/"))?;
            } else {
                self.files.insert(rel, std::fs::read(entry.path())?);
            }
        }
        Ok(())
    }

    /// Adds or replaces a file (tests build sites this way).
    pub fn insert(&mut self, path: &str, bytes: Vec<u8>) {
        self.files.insert(path.to_owned(), bytes);
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The answer to `method target` (the request line the server parsed; a
    /// head it cannot parse is answered 400 before we see it).
    /// Only `GET` and `HEAD` are served (405 otherwise); HEAD's body is
    /// dropped by the server, its `Content-Length` kept.
    pub fn respond(&self, method: &str, target: &str) -> Reply<'_> {
        if method != "GET" && method != "HEAD" {
            return Reply {
                status: 405,
                content_type: "text/plain; charset=utf-8",
                headers: vec![("Allow", "GET, HEAD")],
                body: Cow::Borrowed(b"405 method not allowed: this server only reads files\n"),
            };
        }
        match target::resolve(target) {
            Err(why) => Reply {
                status: 400,
                content_type: "text/plain; charset=utf-8",
                headers: Vec::new(),
                body: Cow::Owned(format!("400 bad request target: {}\n", describe(why)).into_bytes()),
            },
            Ok(path) => match self.files.get(&path) {
                None => Reply {
                    status: 404,
                    content_type: "text/plain; charset=utf-8",
                    headers: Vec::new(),
                    body: Cow::Borrowed(b"404 not found\n"),
                },
                Some(bytes) => Reply {
                    status: 200,
                    content_type: content_type(&path),
                    headers: Vec::new(),
                    body: Cow::Borrowed(bytes),
                },
            },
        }
    }
}

fn describe(why: Rejection) -> &'static str {
    match why {
        Rejection::NotOriginForm => "only origin-form paths (\"/file\") are served",
        Rejection::BadEscape => "malformed percent-escape or not UTF-8",
        Rejection::Traversal => "\".\" and \"..\" segments are not allowed",
        Rejection::DriveQualified => "drive-qualified paths are not allowed",
        Rejection::ForbiddenCharacter => "backslash, control character, empty segment or dot-file",
    }
}

/// The media type by extension; `.wasm` must be `application/wasm` for
/// `WebAssembly.instantiateStreaming`.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        let mut s = Site::default();
        s.insert("index.html", b"<!doctype html>".to_vec());
        s.insert("tinyrustlm.wasm", b"\0asm".to_vec());
        s.insert("models/m.slm", b"SLM1".to_vec());
        s
    }

    #[test]
    fn serves_the_index_for_root() {
        let s = site();
        let r = s.respond("GET", "/");
        assert_eq!(
            (r.status, r.content_type, &*r.body),
            (200, "text/html; charset=utf-8", &b"<!doctype html>"[..])
        );
    }

    #[test]
    fn serves_wasm_as_application_wasm() {
        assert_eq!(
            site().respond("GET", "/tinyrustlm.wasm").content_type,
            "application/wasm"
        );
        assert_eq!(site().respond("HEAD", "/models/m.slm").status, 200);
    }

    #[test]
    fn rejects_unsupported_methods_with_allow() {
        for m in ["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH"] {
            let s = site();
            let r = s.respond(m, "/index.html");
            assert_eq!(
                (r.status, r.headers.clone()),
                (405, vec![("Allow", "GET, HEAD")]),
                "{m}"
            );
        }
    }

    #[test]
    fn rejects_bad_targets_with_400_and_unknown_files_with_404() {
        assert_eq!(site().respond("GET", "http://127.0.0.1/index.html").status, 400);
        assert_eq!(site().respond("GET", "/../index.html").status, 400);
        assert_eq!(site().respond("GET", "/C:/index.html").status, 400);
        assert_eq!(site().respond("GET", "/nope.html").status, 404);
        assert_eq!(site().respond("GET", "/models").status, 404);
    }

    #[test]
    fn csp_allows_only_self() {
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'self';"));
        assert!(!CONTENT_SECURITY_POLICY.contains('*'));
        assert!(!CONTENT_SECURITY_POLICY.contains("http"));
        assert!(!CONTENT_SECURITY_POLICY.contains("'unsafe-eval'"));
    }
}
