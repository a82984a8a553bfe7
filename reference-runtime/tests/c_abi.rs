//! The native C ABI, driven from C ([ABI-C-01], `spec/abi.md` §8): compiles
//! `tests/c/abi_test.c` against `include/tinyrustlm.h` and the runtime's
//! static library, runs it on `successor-f32.slm` and requires exit status 0.
//! See `tests/c/README.md`.
//!
//! Locating the static library: the crate's `crate-type` includes
//! `staticlib`, so the same rustc invocation that builds the library this
//! test links against also writes `libtinyrustlm.a` into
//! `target/<profile>/deps/` (and `cargo build` copies it to
//! `target/<profile>/`). The test executable lives in
//! `target/[<triple>/]<profile>/deps/`, so both places are found from
//! `std::env::current_exe()`; the newest `libtinyrustlm*.a` wins. Only if
//! neither exists does the test run `cargo build -p tinyrustlm --lib` with
//! the matching profile and target directory, then look again.
//!
//! The C compiler is `$CC` if set, else the first of `cc`, `gcc`, `clang`
//! on `PATH`; without one the test fails with a message saying so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// `target/[<triple>/]<profile>/`: the parent of the `deps/` directory the
/// test executable is in.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test executable has a directory");
    match deps.file_name() {
        Some(n) if n == "deps" => deps.parent().expect("deps has a parent").to_path_buf(),
        _ => deps.to_path_buf(),
    }
}

/// The newest `libtinyrustlm*.a` in `dir` and `dir/deps` (not the other
/// crates' `libtinyrustlm_*.a`, should there be any).
fn newest_staticlib(dir: &Path) -> Option<PathBuf> {
    let mut best: Option<(SystemTime, PathBuf)> = None;
    for d in [dir.to_path_buf(), dir.join("deps")] {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name == "libtinyrustlm.a" || (name.starts_with("libtinyrustlm-") && name.ends_with(".a"));
            if !ours {
                continue;
            }
            let Ok(modified) = e.metadata().and_then(|m| m.modified()) else {
                continue;
            };
            if best.as_ref().is_none_or(|(t, _)| modified > *t) {
                best = Some((modified, e.path()));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// Builds the library with cargo (the fallback), in the profile and target
/// directory of this test executable.
fn cargo_build_staticlib(profile_dir: &Path) {
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug");
    let cargo_profile = match profile {
        "debug" => "dev",
        other => other,
    };
    // target/<profile> or target/<triple>/<profile>: the target dir is the
    // first ancestor that holds a CACHEDIR.TAG (cargo writes one), else the
    // parent.
    let target_dir = profile_dir
        .ancestors()
        .skip(1)
        .find(|a| a.join("CACHEDIR.TAG").exists())
        .unwrap_or_else(|| profile_dir.parent().expect("profile dir has a parent"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "tinyrustlm", "--lib", "--profile", cargo_profile])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(MANIFEST_DIR);
    eprintln!("c_abi: no libtinyrustlm.a next to the test; running {cmd:?}");
    let status = cmd.status().expect("run cargo build");
    assert!(status.success(), "`cargo build -p tinyrustlm --lib` failed: {status}");
}

/// `$CC`, else the first of `cc`, `gcc`, `clang` that runs.
fn c_compiler() -> Option<String> {
    let candidates = std::env::var("CC")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .into_iter()
        .chain(["cc", "gcc", "clang"].map(String::from));
    for c in candidates {
        let runs = Command::new(&c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if runs {
            return Some(c);
        }
    }
    None
}

/// The system libraries a Rust staticlib needs (`rustc --print
/// native-static-libs`), by platform.
fn native_libs() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &["-lSystem", "-lc", "-lm", "-liconv"]
    } else if cfg!(target_os = "linux") {
        &["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"]
    } else {
        &["-lpthread", "-lm"]
    }
}

/// The `#define NAME VALUEu` lines of the header.
fn header_defines(header: &str) -> Vec<(String, u64)> {
    header
        .lines()
        .filter_map(|l| {
            let mut it = l.strip_prefix("#define ")?.split_whitespace();
            let name = it.next()?;
            let value = it.next()?.trim_end_matches('u').parse().ok()?;
            Some((name.to_string(), value))
        })
        .collect()
}

/// `(name, value)` pairs of a `spec/tables/*.toml` array of tables: each
/// entry's `code =`/`value =` line and `name =` line, in either order.
fn table_entries(toml: &str, value_key: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for entry in toml.split("\n[[").skip(1) {
        let field = |key: &str| {
            entry.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.split('#').next().unwrap_or("").trim().trim_matches('"').to_string())
            })
        };
        if let (Some(name), Some(Ok(v))) = (field("name"), field(value_key).map(|v| v.parse())) {
            out.push((name, v));
        }
    }
    out
}

/// `InvalidUtf8` → `SLM_ERR_INVALID_UTF8`.
fn error_macro(name: &str) -> String {
    let mut s = String::from("SLM_ERR_");
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_uppercase());
    }
    s
}

#[test]
fn header_constants_match_the_spec_tables() {
    let root = Path::new(MANIFEST_DIR);
    let header = std::fs::read_to_string(root.join("include/tinyrustlm.h")).expect("read include/tinyrustlm.h");
    let defines = header_defines(&header);
    let spec = root.join("../spec/tables");
    let errors = table_entries(
        &std::fs::read_to_string(spec.join("errors.toml")).expect("errors.toml"),
        "code",
    );
    let limits = table_entries(
        &std::fs::read_to_string(spec.join("limits.toml")).expect("limits.toml"),
        "value",
    );
    assert!(errors.len() > 20 && limits.len() > 5, "the spec tables parse");

    let mut checked = 0;
    for (name, value) in &defines {
        let expected = if let Some(err) = name.strip_prefix("SLM_ERR_") {
            errors
                .iter()
                .find(|(n, _)| error_macro(n) == *name)
                .map(|(_, c)| *c)
                .or_else(|| {
                    panic!("{name}: no error in spec/tables/errors.toml spells SLM_ERR_{err}");
                })
        } else if let Some(limit) = name.strip_prefix("SLM_") {
            limits.iter().find(|(n, _)| n == limit).map(|(_, v)| *v)
        } else {
            None
        };
        if let Some(expected) = expected {
            assert_eq!(*value, expected, "{name} in include/tinyrustlm.h");
            checked += 1;
        }
    }
    // Every error of the `abi` profile has a macro.
    let toml = std::fs::read_to_string(spec.join("errors.toml")).expect("errors.toml");
    for entry in toml.split("\n[[").skip(1).filter(|e| e.contains("profile = \"abi\"")) {
        let name = entry
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = "))
            .map(|n| n.trim_matches('"'))
            .expect("entry has a name");
        let m = error_macro(name);
        assert!(
            defines.iter().any(|(n, _)| *n == m),
            "{m} (profile abi) missing from the header"
        );
    }
    assert!(checked >= 20, "only {checked} constants checked");
    assert!(
        defines
            .iter()
            .any(|(n, v)| n == "SLM_ABI_VERSION" && *v == u64::from(tinyrustlm::abi::ABI_VERSION))
    );
}

#[test]
fn c_program_drives_the_native_abi() {
    let root = Path::new(MANIFEST_DIR);
    let Some(cc) = c_compiler() else {
        panic!(
            "no C compiler found: set $CC or put `cc`, `gcc` or `clang` on PATH \
             (this test compiles tests/c/abi_test.c against the C ABI, spec/abi.md [ABI-C-01])"
        );
    };

    let profile = profile_dir();
    let lib = match newest_staticlib(&profile) {
        Some(lib) => lib,
        None => {
            cargo_build_staticlib(&profile);
            newest_staticlib(&profile)
                .unwrap_or_else(|| panic!("no libtinyrustlm.a under {} after cargo build", profile.display()))
        }
    };
    eprintln!("c_abi: compiler `{cc}`, static library {}", lib.display());

    let out_dir = profile.join("c-abi-test");
    std::fs::create_dir_all(&out_dir).expect("create the output directory");
    let exe = out_dir.join(format!("abi_test{}", std::env::consts::EXE_SUFFIX));
    let compile = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-g"])
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c/abi_test.c"))
        .arg("-o")
        .arg(&exe)
        .arg(&lib)
        .args(native_libs())
        .output()
        .expect("run the C compiler");
    assert!(
        compile.status.success(),
        "compiling tests/c/abi_test.c failed ({}):\n{}{}",
        compile.status,
        String::from_utf8_lossy(&compile.stdout),
        String::from_utf8_lossy(&compile.stderr)
    );

    let models = root.join("../vectors/suite/files/models");
    let args: Vec<PathBuf> = ["successor-f32.slm", "successor-q8_0.slm", "long-output.slm"]
        .iter()
        .map(|m| models.join(m))
        .collect();
    for m in &args {
        assert!(m.is_file(), "missing model {}", m.display());
    }
    let run = Command::new(&exe).args(&args).output().expect("run the C test");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        run.status.success(),
        "the C ABI test failed ({}):\n{stderr}",
        run.status
    );
    assert!(
        stdout.contains("c abi test: ") && stdout.contains(" checks passed"),
        "no summary line"
    );
}
