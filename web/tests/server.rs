//! The loopback server over real TCP: what a browser or an attacker's raw
//! request line gets back.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use tinyrustlm_web::{server, site::Site};

/// One server for all tests, on a free loopback port.
fn addr() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let mut site = Site::default();
        site.insert("index.html", b"<!doctype html><title>t</title>".to_vec());
        site.insert("tinyrustlm.wasm", b"\0asm\x01\0\0\0".to_vec());
        site.insert("models/m.slm", b"SLM1".to_vec());
        let (srv, addr) = server::bind(0).unwrap();
        std::thread::spawn(move || server::serve(&srv, &site, false));
        addr
    })
}

/// Sends `raw` and returns the whole answer (the connection is closed by
/// `Connection: close` or by the server after a 400).
fn exchange(raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(target: &str) -> String {
    exchange(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes())
}

fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn binds_loopback_only() {
    assert!(addr().ip().is_loopback());
    assert_eq!(addr().ip().to_string(), "127.0.0.1");
}

#[test]
fn serves_the_page_with_a_self_only_csp() {
    let a = get("/");
    assert_eq!(status(&a), 200);
    assert_eq!(header(&a, "content-type"), Some("text/html; charset=utf-8"));
    assert!(
        header(&a, "content-security-policy")
            .unwrap()
            .starts_with("default-src 'self';")
    );
    assert_eq!(header(&a, "x-content-type-options"), Some("nosniff"));
    assert!(a.ends_with("<!doctype html><title>t</title>"));
}

#[test]
fn serves_wasm_as_application_wasm() {
    let a = get("/tinyrustlm.wasm");
    assert_eq!(
        (status(&a), header(&a, "content-type")),
        (200, Some("application/wasm"))
    );
}

#[test]
fn head_has_a_length_and_no_body() {
    let a = exchange(b"HEAD /models/m.slm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(status(&a), 200);
    assert_eq!(header(&a, "content-length"), Some("4"));
    assert!(a.ends_with("\r\n\r\n"), "{a:?}");
}

#[test]
fn rejects_unsupported_methods() {
    for m in ["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "BREW"] {
        let a = exchange(
            format!("{m} /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert_eq!(status(&a), 405, "{m}: {a:?}");
        assert_eq!(header(&a, "allow"), Some("GET, HEAD"), "{m}");
    }
}

#[test]
fn rejects_malformed_request_lines() {
    for line in ["GET /\r\n\r\n", "garbage\r\n\r\n", "GET / FTP/1.0\r\n\r\n", "\r\n\r\n"] {
        let a = exchange(line.as_bytes());
        assert_eq!(status(&a), 400, "{line:?}: {a:?}");
    }
}

#[test]
fn rejects_absolute_and_authority_form_targets() {
    for t in [
        "http://127.0.0.1/index.html",
        "https://example.invalid/",
        "127.0.0.1:80",
        "*",
        "//evil.invalid/index.html",
    ] {
        assert_eq!(status(&get(t)), 400, "{t}");
    }
}

#[test]
fn rejects_traversal() {
    for t in [
        "/../Cargo.toml",
        "/models/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/models%2f..%2f..%2fCargo.toml",
        "/..%5cCargo.toml",
    ] {
        assert_eq!(status(&get(t)), 400, "{t}");
    }
}

#[test]
fn rejects_drive_qualified_paths() {
    for t in ["/C:/Windows/win.ini", "/c:", "/C%3a/x", "/index.html::$DATA"] {
        assert_eq!(status(&get(t)), 400, "{t}");
    }
}

#[test]
fn unknown_files_are_404() {
    assert_eq!(status(&get("/nope.js")), 404);
}
