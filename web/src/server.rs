//! The site on loopback: one thread per connection (at most
//! [`MAX_CONNECTIONS`]), `httparse` reads each request head, and
//! [`Site::respond`] decides everything else.
//!
//! Why not a server crate (web/README.md, "The server"): `tiny_http` 0.12,
//! used until issue 17's CI, dispatches connections to a task pool that can
//! leave a new connection queued behind four kept-alive ones for as long as
//! they live. A browser opens six at once, so a page load hung.
//! `hyper` would bring an async runtime for a loopback file server. What is
//! left to write by hand is the connection loop. Request parsing is
//! `httparse`'s (hyper's parser).

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::site::{Reply, SECURITY_HEADERS, Site};

/// Connections served at once; one more is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 64;
/// Bytes of one request head (request line and headers); more is 431.
pub const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// Header fields of one request; more is 431.
pub const MAX_HEADERS: usize = 64;
/// A connection with no request for this long is closed (so are
/// preconnected sockets that never send one).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// A client that reads nothing of an answer for this long is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Bodies up to this size are copied behind their head and sent in one write.
const SMALL_ANSWER: usize = 64 * 1024;

/// A listening socket on loopback.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
}

/// Binds `127.0.0.1:port` (0 = any free port). Loopback only: the demo is
/// for the machine it runs on.
pub fn bind(port: u16) -> io::Result<(Server, SocketAddr)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .map_err(|e| io::Error::other(format!("127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr()?;
    Ok((Server { listener }, addr))
}

/// Answers connections until the listener fails; `log` prints one line per
/// answer that is not a 200.
pub fn serve(server: &Server, site: &Site, log: bool) {
    let live = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for stream in server.listener.incoming() {
            let stream = match stream {
                Ok(s) => s,
                // Out of descriptors and the like: let other connections
                // finish instead of spinning.
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            if live.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
                live.fetch_sub(1, Ordering::AcqRel);
                refuse(stream);
                continue;
            }
            let live = &live;
            let spawned = std::thread::Builder::new()
                .name("tinyrustlm-web connection".into())
                .spawn_scoped(scope, move || {
                    let _ = connection(stream, site, log);
                    live.fetch_sub(1, Ordering::AcqRel);
                });
            if spawned.is_err() {
                live.fetch_sub(1, Ordering::AcqRel);
            }
        }
    });
}

/// Over [`MAX_CONNECTIONS`]: a 503 and close (a short answer into an empty
/// socket buffer; the timeout only guards against the impossible).
fn refuse(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let reply = plain(503, "503 too many connections\n");
    let _ = write_reply(&mut stream, &reply, false, true);
}

/// One request head, parsed: what the answer depends on.
#[derive(Debug)]
struct Head {
    method: String,
    target: String,
    /// No further request follows on this connection: HTTP/1.0 without
    /// `Connection: keep-alive`, `Connection: close`, or a request body,
    /// which is never read.
    close: bool,
}

/// Why a head cannot be served.
#[derive(Debug, PartialEq, Eq)]
enum Malformed {
    /// 400: not an HTTP/1.x request head.
    BadRequest,
    /// 431: over [`MAX_REQUEST_HEAD`] or [`MAX_HEADERS`].
    TooLarge,
}

/// Serves requests on one connection until it closes, goes idle for
/// [`IDLE_TIMEOUT`], sends a head we cannot parse, or asks to close.
fn connection(mut stream: TcpStream, site: &Site, log: bool) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let peer = stream.peer_addr().map_or_else(|_| String::new(), |a| a.to_string());
    let mut buf = vec![0u8; MAX_REQUEST_HEAD];
    let mut filled = 0;
    loop {
        let (head, used) = match parse(&buf[..filled]) {
            Ok(Some(parsed)) => parsed,
            Ok(None) if filled == buf.len() => {
                return answer_malformed(&mut stream, Malformed::TooLarge, &peer, log);
            }
            Ok(None) => {
                let n = stream.read(&mut buf[filled..])?;
                if n == 0 {
                    return Ok(());
                }
                filled += n;
                continue;
            }
            Err(why) => return answer_malformed(&mut stream, why, &peer, log),
        };
        let reply = site.respond(&head.method, &head.target);
        if log && reply.status != 200 {
            eprintln!("{peer} {} {:?} -> {}", head.method, head.target, reply.status);
        }
        write_reply(&mut stream, &reply, head.method == "HEAD", head.close)?;
        if head.close {
            return Ok(());
        }
        // A pipelined next request may already be in the buffer.
        buf.copy_within(used..filled, 0);
        filled -= used;
    }
}

fn answer_malformed(stream: &mut TcpStream, why: Malformed, peer: &str, log: bool) -> io::Result<()> {
    let reply = match why {
        Malformed::BadRequest => plain(400, "400 bad request: not an HTTP/1.x request head\n"),
        Malformed::TooLarge => plain(431, "431 request head too large\n"),
    };
    if log {
        eprintln!("{peer} (unparsed request head) -> {}", reply.status);
    }
    // We no longer know where a next request would start: close.
    write_reply(stream, &reply, false, true)
}

/// The head at the start of `bytes` and its length in bytes, `None` while
/// it is incomplete.
fn parse(bytes: &[u8]) -> Result<Option<(Head, usize)>, Malformed> {
    // RFC 9112 §2.2: one empty line before a request line is tolerated;
    // httparse would skip any number, so a client sending only empty lines
    // would be kept waiting instead of told.
    if bytes == b"\r" {
        return Ok(None); // the start of that empty line
    }
    let skip = if bytes.starts_with(b"\r\n") {
        2
    } else if bytes.starts_with(b"\n") {
        1
    } else {
        0
    };
    if bytes[skip..].starts_with(b"\r") || bytes[skip..].starts_with(b"\n") {
        return Err(Malformed::BadRequest);
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let used = match req.parse(&bytes[skip..]) {
        Ok(httparse::Status::Complete(n)) => skip + n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Malformed::TooLarge),
        Err(_) => return Err(Malformed::BadRequest),
    };
    let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
        return Err(Malformed::BadRequest);
    };
    let field = |name: &str| {
        req.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    let connection = field("connection").join(",");
    let tokens = || connection.split(',').map(str::trim);
    let keep_alive = if minor == 0 {
        tokens().any(|t| t == "keep-alive")
    } else {
        !tokens().any(|t| t == "close")
    };
    let lengths = field("content-length");
    let body = !field("transfer-encoding").is_empty()
        || match lengths.as_slice() {
            [] => false,
            [one] => match one.trim().parse::<u64>() {
                Ok(n) => n > 0,
                Err(_) => return Err(Malformed::BadRequest),
            },
            _ => return Err(Malformed::BadRequest),
        };
    Ok(Some((
        Head {
            method: method.to_owned(),
            target: target.to_owned(),
            close: !keep_alive || body,
        },
        used,
    )))
}

fn plain(status: u16, body: &'static str) -> Reply<'static> {
    Reply {
        status,
        content_type: "text/plain; charset=utf-8",
        headers: Vec::new(),
        body: body.as_bytes().into(),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Status line, headers (the security headers on every answer), and the
/// body unless the request was HEAD (whose `Content-Length` is the GET's).
fn write_reply(stream: &mut TcpStream, reply: &Reply<'_>, head_only: bool, close: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nDate: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        reply.status,
        reason(reply.status),
        http_date(SystemTime::now()),
        reply.content_type,
        reply.body.len()
    );
    for (name, value) in SECURITY_HEADERS.iter().chain(&reply.headers) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(if close { "Connection: close\r\n\r\n" } else { "\r\n" });
    let body: &[u8] = if head_only { &[] } else { &reply.body };
    // A small answer goes out in one segment (the socket has no Nagle
    // delay); a large body is written from where it is.
    if body.len() <= SMALL_ANSWER {
        let mut all = head.into_bytes();
        all.extend_from_slice(body);
        stream.write_all(&all)?;
    } else {
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
    }
    stream.flush()
}

/// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3_600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        let at = |s| http_date(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // RFC 9110's own example.
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
    }

    #[test]
    fn keep_alive_and_close() {
        let close = |raw: &str| parse(raw.as_bytes()).unwrap().unwrap().0.close;
        assert!(!close("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert!(close("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(close("GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n"));
        assert!(close("GET / HTTP/1.0\r\n\r\n"));
        assert!(!close("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        // A body is never read, so nothing after it can be found.
        assert!(close("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"));
        assert!(close("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
        assert!(!close("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
    }

    #[test]
    fn heads_and_their_lengths() {
        let raw = b"\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b";
        let (head, used) = parse(raw).unwrap().unwrap();
        assert_eq!((head.method.as_str(), head.target.as_str()), ("GET", "/a"));
        assert_eq!(&raw[used..], b"GET /b");
        assert!(parse(b"GET /b HTTP/1.1\r\nHost").unwrap().is_none());
        assert!(parse(b"").unwrap().is_none());
        assert!(parse(b"\r").unwrap().is_none());
        assert!(parse(b"\r\n").unwrap().is_none());
    }

    #[test]
    fn malformed_heads() {
        for raw in [
            "\r\n\r\n",
            "\n\n",
            "GET /\r\n\r\n",
            "garbage\r\n\r\n",
            "GET / FTP/1.0\r\n\r\n",
            "GET / HTTP/2.0\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        ] {
            assert_eq!(parse(raw.as_bytes()).err(), Some(Malformed::BadRequest), "{raw:?}");
        }
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(parse(many.as_bytes()).err(), Some(Malformed::TooLarge));
    }
}
