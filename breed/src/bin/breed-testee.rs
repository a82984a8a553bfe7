//! `breed-testee`: this crate behind the harness protocol
//! (`spec/harness-protocol.md`), so the breeding vectors run through a
//! process exactly as a third-party tool's would:
//!
//! ```sh
//! cargo build -p tinyrustlm-breed --bin breed-testee
//! CONFORMANCE_IMPL=cmd:target/debug/breed-testee cargo test -p conformance -- breeding
//! ```
//!
//! It claims the profile `breeding` and answers every other call `skipped`.

use serde_json::{Map, Value, json};
use std::io::{BufRead, Write};
use tinyrustlm_breed::Param;

fn unhex(v: Option<&Value>) -> Result<Vec<u8>, String> {
    let s = v.and_then(Value::as_str).ok_or("a hex string is missing")?;
    if s.len() % 2 != 0 {
        return Err("odd hex length".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn list(v: Option<&Value>) -> Result<Vec<Vec<u8>>, String> {
    v.and_then(Value::as_array)
        .ok_or("parents_hex must be an array")?
        .iter()
        .map(|p| unhex(Some(p)))
        .collect()
}

fn params(v: Option<&Value>) -> Result<Vec<(String, Param)>, String> {
    let o = v.and_then(Value::as_object).ok_or("params must be an object")?;
    o.iter()
        .map(|(k, x)| {
            let p = match x {
                Value::Number(n) => Param::Int(n.as_i64().ok_or("a parameter is not an i64")?),
                Value::String(s) => Param::Text(s.clone()),
                Value::Array(a) => Param::Ints(
                    a.iter()
                        .map(|e| e.as_i64().ok_or("an array parameter holds a non-integer"))
                        .collect::<Result<_, _>>()?,
                ),
                _ => return Err(format!("parameter {k} has an unsupported type")),
            };
            Ok((k.clone(), p))
        })
        .collect()
}

/// The reply (without `seq`) to one request; `Err` is a malformed request
/// ([PROTO-FAIL-04]: the testee exits without replying).
fn handle(req: &Map<String, Value>) -> Result<Value, String> {
    let ty = req.get("type").and_then(Value::as_str).ok_or("no type")?;
    Ok(match ty {
        "hello" => json!({"type": "hello", "protocol": "tinyrustlm-harness", "version": 1,
            "implementation": {"name": "breed-testee", "version": format!("tinyrustlm-breed {} (spec {})", env!("CARGO_PKG_VERSION"), tinyrustlm_breed::SPEC_VERSION), "profiles": ["breeding"]}}),
        "new_session" => json!({"type": "ok", "output": {}}),
        "call" => match req.get("call").and_then(Value::as_str) {
            Some("breed") => {
                let parents = list(req.get("parents_hex"))?;
                let refs: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
                let op = req.get("operator").and_then(Value::as_str).ok_or("no operator")?;
                let name = req.get("name").and_then(Value::as_str).ok_or("no name")?;
                match tinyrustlm_breed::breed(op, &refs, &params(req.get("params"))?, name) {
                    Ok(b) => {
                        json!({"type": "ok", "output": {"breed": {"model_hex": hex(&b.child), "receipt_hex": hex(&b.receipt)}}})
                    }
                    Err(e) => json!({"type": "error", "code": e.code(), "message": e.to_string()}),
                }
            }
            Some("breed_verify") => {
                let parents = list(req.get("parents_hex"))?;
                let refs: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
                let receipt = unhex(req.get("receipt_hex"))?;
                let child = unhex(req.get("child_hex"))?;
                match tinyrustlm_breed::verify(&receipt, &child, &refs) {
                    Ok(()) => json!({"type": "ok", "output": {}}),
                    Err(e) => json!({"type": "error", "code": e.code(), "message": e.to_string()}),
                }
            }
            other => {
                json!({"type": "skipped", "reason": format!("breed-testee implements only breed and breed_verify, not {other:?}")})
            }
        },
        other => json!({"type": "skipped", "reason": format!("unknown request type {other:?}")}),
    })
}

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return };
        let req: Map<String, Value> = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("breed-testee: not a JSON object: {e}");
                std::process::exit(2);
            }
        };
        let seq = req.get("seq").cloned().unwrap_or(Value::Null);
        match handle(&req) {
            Ok(Value::Object(mut reply)) => {
                reply.insert("seq".into(), seq);
                let text = Value::Object(reply).to_string();
                if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
                    return;
                }
            }
            Ok(_) => unreachable!("replies are objects"),
            Err(e) => {
                eprintln!("breed-testee: malformed request: {e}");
                std::process::exit(2);
            }
        }
    }
}
