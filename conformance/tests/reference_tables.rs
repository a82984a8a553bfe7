//! The reference runtime's constants against the spec's machine-readable
//! tables (`spec/tables/*.toml`): error codes, limits, tensor roles, dtypes,
//! architectures and the header layout. The runtime retypes these tables in
//! Rust (it has no dependencies to parse TOML); these tests keep the two equal.

use std::fs;

use conformance::{expectations_path, spec_dir, suite_dir};
use tinyrustlm::slm1::{Architecture, Model, ROLES, RopeStyle};
use tinyrustlm::{Dtype, ErrorKind};
use tinyrustlm_harness::expectations::Expectations;
use toml::{Table, Value};

fn rows(file: &str, key: &str) -> Vec<Table> {
    let path = spec_dir().join("tables").join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let table: Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    table[key]
        .as_array()
        .unwrap_or_else(|| panic!("{file}: [[{key}]]"))
        .iter()
        .map(|v| v.as_table().expect("a table").clone())
        .collect()
}

fn s<'a>(row: &'a Table, k: &str) -> &'a str {
    row[k].as_str().unwrap_or_else(|| panic!("{k} is a string in {row:?}"))
}

fn n(row: &Table, k: &str) -> u64 {
    row[k]
        .as_integer()
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or_else(|| panic!("{k} is an integer"))
}

#[test]
fn error_kinds_match_spec_errors_toml_row_for_row() {
    // The runtime implements every profile but `breeding` and `registry`
    // (tools': tinyrustlm-breed and tinyrustlm-registry check those rows).
    let rows: Vec<Table> = rows("errors.toml", "error")
        .into_iter()
        .filter(|r| !matches!(s(r, "profile"), "breeding" | "evaluation" | "registry"))
        .collect();
    assert_eq!(rows.len(), ErrorKind::ALL.len(), "one ErrorKind per row");
    for (row, &kind) in rows.iter().zip(ErrorKind::ALL) {
        assert_eq!(s(row, "name"), kind.name());
        assert_eq!(n(row, "code"), u64::from(kind.code()), "{}", kind.name());
        assert_eq!(s(row, "phase"), kind.phase().name(), "{}", kind.name());
        assert_eq!(s(row, "profile"), kind.profile(), "{}", kind.name());
        assert_eq!(s(row, "summary"), kind.summary(), "{}", kind.name());
    }
}

#[test]
fn limits_match_spec_limits_toml() {
    let rows = rows("limits.toml", "limit");
    let got: Vec<(String, u64)> = tinyrustlm::limits::ALL
        .iter()
        .map(|&(k, v)| (k.to_string(), v))
        .collect();
    // The evaluation and registry limits are tools' (tinyrustlm-eval and
    // tinyrustlm-registry check them).
    let want: Vec<(String, u64)> = rows
        .iter()
        .filter(|r| !matches!(s(r, "profile"), "evaluation" | "registry"))
        .map(|r| (s(r, "name").to_string(), n(r, "value")))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn tensor_roles_match_spec_tensor_roles_toml() {
    let rows = rows("tensor_roles.toml", "role");
    assert_eq!(rows.len(), ROLES.len());
    for (row, r) in rows.iter().zip(ROLES) {
        assert_eq!(n(row, "code"), u64::from(r.code));
        assert_eq!(s(row, "name"), r.name);
        assert_eq!(s(row, "scope"), r.scope.name(), "{}", r.name);
        assert_eq!(s(row, "rows"), r.rows.name(), "{}", r.name);
        assert_eq!(s(row, "cols"), r.cols.name(), "{}", r.name);
        assert_eq!(s(row, "kind"), r.kind.name(), "{}", r.name);
        assert_eq!(s(row, "presence"), r.presence.name(), "{}", r.name);
        assert_eq!(s(row, "meaning"), r.meaning, "{}", r.name);
        let archs: Vec<&str> = row["architectures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let ours: Vec<&str> = r.architectures.iter().map(|a| a.name()).collect();
        assert_eq!(archs, ours, "{}", r.name);
    }
}

#[test]
fn dtype_architecture_and_rope_style_codes_match_spec() {
    let codes = |key: &str| -> Vec<(u64, String)> {
        rows("tensor_roles.toml", key)
            .iter()
            .map(|r| (n(r, "code"), s(r, "name").to_string()))
            .collect()
    };
    let dtypes: Vec<(u64, String)> = Dtype::ALL
        .iter()
        .map(|d| (u64::from(d.code()), d.name().to_string()))
        .collect();
    assert_eq!(codes("dtype"), dtypes);
    for (row, d) in rows("tensor_roles.toml", "dtype").iter().zip(Dtype::ALL) {
        assert_eq!(
            (n(row, "block_elements"), n(row, "block_bytes")),
            (d.block_elements(), d.block_bytes())
        );
    }
    let archs: Vec<(u64, String)> = Architecture::ALL
        .iter()
        .map(|a| (u64::from(a.code()), a.name().to_string()))
        .collect();
    assert_eq!(codes("architecture"), archs);
    let styles: Vec<(u64, String)> = RopeStyle::ALL
        .iter()
        .map(|r| (u64::from(r.code()), r.name().to_string()))
        .collect();
    assert_eq!(codes("rope_style"), styles);
}

/// Read every field of `spec/tables/header.toml` from a valid model's bytes at
/// the table's offset and compare it with what the runtime parsed.
#[test]
fn header_fields_sit_where_spec_header_toml_says() {
    let bytes = fs::read(suite_dir().join("files/models/bpe-tiny.slm")).expect("the suite's tiny BPE model");
    let model = Model::parse(&bytes).expect("a valid model");
    let h = model.header();
    let rows = rows("header.toml", "field");
    let mut next = 0;
    for row in &rows {
        let (name, offset, size) = (s(row, "name"), n(row, "offset") as usize, n(row, "size") as usize);
        assert_eq!(offset, next, "{name} follows the previous field");
        next = offset + size;
        let mut le = [0u8; 8];
        le[..size].copy_from_slice(&bytes[offset..offset + size]);
        let stored = u64::from_le_bytes(le);
        let parsed: u64 = match name {
            "magic" => u64::from(u32::from_le_bytes(*b"SLM1")),
            "version" => h.version.into(),
            "header_size" => h.header_size.into(),
            "file_size" => h.file_size.into(),
            "file_checksum" => h.file_checksum.into(),
            "architecture" => h.architecture.code().into(),
            "rope_style" => h.rope_style.code().into(),
            "flags" => h.flags.into(),
            "vocab_size" => h.vocab_size.into(),
            "dim" => h.dim.into(),
            "n_layers" => h.n_layers.into(),
            "n_heads" => h.n_heads.into(),
            "n_kv_heads" => h.n_kv_heads.into(),
            "head_dim" => h.head_dim.into(),
            "ffn_dim" => h.ffn_dim.into(),
            "context_length" => h.context_length.into(),
            "rotary_dims" => h.rotary_dims.into(),
            "rope_theta" => h.rope_theta.to_bits().into(),
            "norm_eps" => h.norm_eps.to_bits().into(),
            "bos_id" => h.bos_id.into(),
            "eos_id" => h.eos_id.into(),
            "tensor_count" => h.tensor_count.into(),
            "directory_offset" => h.directory_offset.into(),
            "tokenizer_offset" => h.tokenizer_offset.into(),
            "tokenizer_size" => h.tokenizer_size.into(),
            "param_count" => h.param_count,
            "tensor_layout_checksum" => h.tensor_layout_checksum.into(),
            "tokenizer_checksum" => h.tokenizer_checksum.into(),
            "reserved" => 0,
            other => panic!("header.toml field {other} is unknown to this test"),
        };
        assert_eq!(parsed, stored, "{name} at offset {offset}");
    }
    assert_eq!(next, 108);
    assert_eq!(
        Value::Integer(108),
        toml::from_str::<Table>(&fs::read_to_string(spec_dir().join("tables/header.toml")).unwrap()).unwrap()["size"]
    );
}

/// The reference runtime passes every vector: its expectations file lists nothing.
#[test]
fn reference_expectations_file_lists_no_failures() {
    let path = expectations_path("reference");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let e = Expectations::parse(&text).unwrap();
    assert!(
        e.known_failure.is_empty(),
        "{} must stay empty: {:?}",
        path.display(),
        e.known_failure
    );
}
