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

/// Reads one whole answer from a kept-alive connection: the head, then
/// `Content-Length` bytes of body (a single `read` may return less).
fn read_answer(s: &mut TcpStream) -> std::io::Result<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&out[..end + 4]).into_owned();
            let len: usize = header(&head, "content-length").map_or(0, |v| v.parse().unwrap());
            if out.len() >= end + 4 + len {
                return Ok(String::from_utf8_lossy(&out).into_owned());
            }
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Ok(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&buf[..n]);
    }
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

/// A server of its own (one file, `/m.slm`), for tests that need its
/// connections to themselves.
fn fresh_server() -> SocketAddr {
    let mut site = Site::default();
    site.insert("m.slm", b"SLM1".to_vec());
    let (srv, addr) = server::bind(0).unwrap();
    std::thread::spawn(move || server::serve(&srv, &site, false));
    addr
}

/// A browser opens up to six connections at once and keeps them alive; a
/// preconnected socket may never send a request. Every connection must be
/// answered while the others stay open (tiny_http 0.12's task pool queued
/// the fifth and sixth of six simultaneous connections behind the first
/// four for as long as those lived: the browser test's page load hung).
#[test]
fn many_held_connections_are_all_answered() {
    // Its own fresh server: a server that has already served many
    // connections has spare threads that hide the fault.
    let addr = fresh_server();
    // Two idle sockets (a browser's preconnects) that never send anything.
    let idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut held = Vec::new();
    for round in 0..6 {
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
        let socks: Vec<TcpStream> = (0..6)
            .map(|_| {
                let b = barrier.clone();
                std::thread::spawn(move || {
                    b.wait();
                    let mut s = TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    s.write_all(b"GET /m.slm HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                    s
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        for (i, mut s) in socks.into_iter().enumerate() {
            let a = read_answer(&mut s).unwrap_or_else(|e| panic!("round {round}, connection {i}: {e}"));
            assert_eq!(status(&a), 200, "round {round}, connection {i}: {a:?}");
            held.push(s);
        }
    }
    // A kept-alive connection answers its next request too.
    let s = &mut held[0];
    s.write_all(b"GET /m.slm HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let a = read_answer(s).unwrap();
    assert_eq!(status(&a), 200);
    assert!(a.ends_with("\r\n\r\nSLM1"), "{a:?}");
    drop(idle);
}

#[test]
fn a_request_head_over_the_limit_is_431() {
    let big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
        "a".repeat(server::MAX_REQUEST_HEAD)
    );
    assert_eq!(status(&exchange(big.as_bytes())), 431);
    let many = format!(
        "GET / HTTP/1.1\r\n{}Connection: close\r\n\r\n",
        "A: b\r\n".repeat(server::MAX_HEADERS)
    );
    assert_eq!(status(&exchange(many.as_bytes())), 431);
}

#[test]
fn connections_over_the_limit_are_answered_503() {
    let addr = fresh_server();
    let mut held = Vec::new();
    for i in 0..server::MAX_CONNECTIONS {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"GET /m.slm HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(status(&read_answer(&mut s).unwrap()), 200, "connection {i}");
        held.push(s);
    }
    let mut over = TcpStream::connect(addr).unwrap();
    over.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut out = Vec::new();
    let _ = over.read_to_end(&mut out);
    let a = String::from_utf8_lossy(&out);
    assert_eq!(status(&a), 503, "{a:?}");
    assert_eq!(header(&a, "connection"), Some("close"));
    // Closing one makes room again.
    drop(held.pop());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"GET /m.slm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        match status(&String::from_utf8_lossy(&out)) {
            200 => break,
            503 if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            other => panic!("after a connection closed: {other}"),
        }
    }
}

#[test]
fn every_answer_has_a_date_and_a_length() {
    for t in ["/", "/nope", "/../x"] {
        let a = get(t);
        assert!(header(&a, "date").is_some_and(|d| d.ends_with(" GMT")), "{t}: {a:?}");
        let body = a.split_once("\r\n\r\n").unwrap().1;
        assert_eq!(
            header(&a, "content-length"),
            Some(body.len().to_string().as_str()),
            "{t}"
        );
    }
}
