//! `slm adapter inspect`: a package's header, parent identity and targets as
//! text, optionally compared with a parent model.

use std::fmt::Write;

use tinyrustlm::slm1::{Model, Role};

use super::format::{Kind, Package, ParentIdentity};

/// The report of `inspect` for `package`, compared with `parent` (SLM1
/// bytes) when given. Errors: the package's framing is broken (nothing
/// sensible to print), or the parent is not a valid SLM1 file.
pub fn inspect(package: &[u8], parent: Option<&[u8]>) -> Result<String, String> {
    let p = Package::parse(package).map_err(|e| format!("not a readable adapter package: {e}"))?;
    let parent_bytes = parent;
    let parent = parent
        .map(|b| Model::parse(b).map_err(|e| format!("PARENT is not a valid SLM1 file: {e}")))
        .transpose()?;
    let parent_id = parent.as_ref().map(|m| ParentIdentity::from(&m.identity()));

    let mut s = String::new();
    let magic = String::from_utf8_lossy(&p.kind.magic()).into_owned();
    let _ = writeln!(s, "kind            {} ({magic})", p.kind.name());
    let _ = writeln!(s, "version         {}", p.version);
    let _ = writeln!(s, "header_size     {}", p.header_size);
    let _ = writeln!(s, "file_size       {} bytes", p.file_size);
    let _ = writeln!(
        s,
        "file_checksum   0x{:08X} ({})",
        p.file_checksum,
        if p.checksum_matches() {
            "matches".to_string()
        } else {
            format!(
                "MISMATCH: the package's CRC-32C is 0x{:08X}",
                super::format::checksum(p.bytes())
            )
        }
    );
    let _ = writeln!(
        s,
        "parent identity{}",
        if parent_id.is_some() {
            "  (compared with PARENT)"
        } else {
            ""
        }
    );
    let ours = p.parent.fields();
    let theirs = parent_id.map(|id| id.fields());
    for (i, (name, value)) in ours.iter().enumerate() {
        let shown = ParentIdentity::show(name, *value);
        let cmp = match theirs.as_ref().and_then(|t| t.get(i)) {
            Some((_, v)) if v == value => "matches".to_string(),
            Some((_, v)) => format!("DIFFERS: parent has {}", ParentIdentity::show(name, *v)),
            None => String::new(),
        };
        let _ = writeln!(s, "  {name:<24}{shown:<22}{cmp}").map(|()| trim_end(&mut s));
    }
    let _ = writeln!(s, "targets         {}", p.targets.len());
    let _ = writeln!(
        s,
        "  {:>3}  {:<18}{:>5}  {:<13}{:<12}{:<14}{:>13}{}",
        "#",
        "role",
        "layer",
        "rows×cols",
        "param",
        "scale",
        "payload_bytes",
        if parent.is_some() { "  parent tensor" } else { "" }
    );
    for (i, (e, range)) in p.targets.iter().enumerate() {
        let role = Role::from_code(e.role).map_or_else(|| format!("role code {}", e.role), |r| r.name().to_string());
        let param = match p.kind {
            Kind::Dense => format!("{}", e.param),
            Kind::Sparse => format!("count {}", e.param),
            Kind::LowRank => format!("rank {}", e.param),
        };
        let vs_parent = match &parent {
            None => String::new(),
            Some(m) => match Role::from_code(e.role).and_then(|r| m.tensor(r, u32::from(e.layer))) {
                None => "  NOT FOUND in parent".into(),
                Some(t) if t.info().layer != e.layer => "  NOT FOUND in parent".into(),
                Some(t) if (t.info().rows, t.info().cols) == (e.rows, e.cols) => {
                    format!(
                        "  {} {}×{}, shape matches",
                        t.info().dtype.name(),
                        t.info().rows,
                        t.info().cols
                    )
                }
                Some(t) => format!("  SHAPE DIFFERS: parent has {}×{}", t.info().rows, t.info().cols),
            },
        };
        let _ = writeln!(
            s,
            "  {i:>3}  {role:<18}{:>5}  {:<13}{param:<12}{:<14}{:>13}{vs_parent}",
            e.layer,
            format!("{}×{}", e.rows, e.cols),
            format!("{}", e.scale),
            range.len()
        );
    }
    if let Some(parent_bytes) = parent_bytes {
        // The whole of spec/adapters.md §2.1 (steps 0–27), by the reference runtime.
        let mut session = tinyrustlm::Session::new();
        let verdict = session
            .load_model(parent_bytes.to_vec())
            .and_then(|()| session.validate_adapter(package));
        let _ = match verdict {
            Ok(()) => writeln!(
                s,
                "runtime         valid for PARENT (reference runtime validate_adapter, steps 0–27)"
            ),
            Err(e) => writeln!(
                s,
                "runtime         REJECTED by the reference runtime's validate_adapter: {e}"
            ),
        };
    }
    let problems = p.check_values();
    if problems.is_empty() {
        let _ = writeln!(
            s,
            "values          ok (reserved zero, param rules, finite values, sparse indices increasing)"
        );
    } else {
        let _ = writeln!(s, "values          {} problem(s):", problems.len());
        for pr in problems {
            let _ = writeln!(s, "  {pr}");
        }
    }
    Ok(s)
}

/// Drops the trailing spaces of the last line (columns padded for a field
/// that is followed by nothing).
fn trim_end(s: &mut String) {
    let body = s.trim_end_matches(['\n', ' ']).len();
    s.truncate(body);
    s.push('\n');
}
