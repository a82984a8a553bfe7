//! The site on loopback through `tiny_http`: it parses request lines (and
//! answers 400 to one it cannot parse, then closes); [`Site::respond`]
//! decides everything else.

use std::net::{Ipv4Addr, SocketAddr};

use tiny_http::{Header, Response, Server};

use crate::site::{SECURITY_HEADERS, Site};

/// Binds `127.0.0.1:port` (0 = any free port). Loopback only: the demo is
/// for the machine it runs on.
pub fn bind(port: u16) -> std::io::Result<(Server, SocketAddr)> {
    let server = Server::http((Ipv4Addr::LOCALHOST, port))
        .map_err(|e| std::io::Error::other(format!("127.0.0.1:{port}: {e}")))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| std::io::Error::other("not an IP listener"))?;
    Ok((server, addr))
}

/// Answers requests until the server is dropped or fails; `log` prints one
/// line per answer that is not a 200.
pub fn serve(server: &Server, site: &Site, log: bool) {
    for request in server.incoming_requests() {
        let reply = site.respond(request.method().as_str(), request.url());
        if log && reply.status != 200 {
            eprintln!(
                "{} {} {:?} -> {}",
                request.remote_addr().map_or_else(String::new, |a| a.to_string()),
                request.method(),
                request.url(),
                reply.status
            );
        }
        let mut response = Response::from_data(reply.body).with_status_code(reply.status);
        let content_type = [("Content-Type", reply.content_type)];
        let headers = SECURITY_HEADERS.iter().chain(&content_type).chain(&reply.headers);
        for (name, value) in headers {
            if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        // A client that went away is not the server's problem.
        let _ = request.respond(response);
    }
}
