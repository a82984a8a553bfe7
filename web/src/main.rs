//! `tinyrustlm-web`: builds the demo site and serves it on loopback.
//!
//! ```text
//! tinyrustlm-web [serve] [--port N] [--site DIR] [--wasm PATH] [--no-build] [--log]
//! tinyrustlm-web build-site [--site DIR] [--wasm PATH]
//! ```
//!
//! `./web/serve` builds the stripped `.wasm` first and runs `serve`. Paths
//! default to this repository's `target/` (the site in `target/web-site`).

use std::io::Write;
use std::path::PathBuf;
use std::process::exit;

use tinyrustlm_web::{manifest, server, site::Site};

fn main() {
    let usage = "usage: tinyrustlm-web [serve|build-site] [--port N] [--site DIR] [--wasm PATH] [--no-build] [--log]";
    // The repository this binary was built from (web/ is one of its members).
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), PathBuf::from);
    let mut site_dir = repo.join("target/web-site");
    let mut wasm = repo.join("target/wasm32-unknown-unknown/web/tinyrustlm.wasm");
    let (mut port, mut build, mut log, mut command) = (8000u16, true, false, "serve".to_owned());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value\n{usage}")))
        };
        match a.as_str() {
            "--port" => {
                port = val("--port")
                    .parse()
                    .unwrap_or_else(|_| fail("--port needs a number 0–65535"))
            }
            "--site" => site_dir = PathBuf::from(val("--site")),
            "--wasm" => wasm = PathBuf::from(val("--wasm")),
            "--no-build" => build = false,
            "--log" => log = true,
            "serve" | "build-site" => command = a,
            _ => fail(usage),
        }
    }
    if build || command == "build-site" {
        let built = manifest::build_site(&repo, &wasm, &site_dir).unwrap_or_else(|e| fail(&e));
        eprintln!(
            "site {}: {} demo models ({} trained), {}, tinyrustlm.wasm {} bytes, tinyrustlm-simd128.wasm {}",
            site_dir.display(),
            built.models,
            built.trained,
            if built.registry {
                "the selector registry of models/registry"
            } else {
                "no selector registry (models/registry/ is absent)"
            },
            built.wasm_bytes,
            built
                .simd_wasm_bytes
                .map_or("not built (the page uses the baseline module)".to_owned(), |b| format!(
                    "{b} bytes"
                ))
        );
    }
    if command == "build-site" {
        return;
    }
    let site = Site::load(&site_dir).unwrap_or_else(|e| fail(&format!("{}: {e}", site_dir.display())));
    let (srv, addr) = server::bind(port).unwrap_or_else(|e| fail(&e.to_string()));
    println!("serving {} files on http://{addr}/ (Ctrl-C stops)", site.len());
    let _ = std::io::stdout().flush();
    server::serve(&srv, &site, log);
}

fn fail(msg: &str) -> ! {
    eprintln!("tinyrustlm-web: {msg}");
    exit(2)
}
