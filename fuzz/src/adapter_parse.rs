//! `adapter_parse`: adapter packages (adapters.md) against fixed parents.
//!
//! The input is a package, checked as it is and again **resealed**
//! (`file_size` set to the length and `file_checksum` recomputed), so that
//! random mutations get past step 9 and reach the binding, directory,
//! payload and result steps. Its parent is the one of three suite models
//! (f32, q8_0, q4_0) whose `tensor_layout_checksum` it carries (bytes
//! 64..68), or the f32 model. Oracles:
//! - `validate_adapter` fails with a code of the error table or succeeds, and
//!   agrees with the generator's oracle (`tinyrustlm_vectors::oracle::adapter`,
//!   written from the spec alone): same error name, or both accept
//!   ([ADP-VAL-02]: one error per package);
//! - a failing `validate_adapter` / `apply_adapter` leaves every byte of the
//!   model unchanged ([ADP-VAL-03], [ADP-APPLY-01]);
//! - a successful `apply_adapter` gives exactly the oracle's model bytes
//!   (application is a bit-exact zone, §3) and its statistics (§4).

use std::sync::OnceLock;
use tinyrustlm::Session;
use tinyrustlm_vectors::oracle::{self, Model};

const PARENTS: [&[u8]; 3] = [
    include_bytes!("../../vectors/suite/files/models/llama-f32-gqa2-untied.slm"),
    include_bytes!("../../vectors/suite/files/models/llama-q8_0-gqa2-untied-partial.slm"),
    include_bytes!("../../vectors/suite/files/models/llama-q4_0-mha-tied-half.slm"),
];

fn parents() -> &'static [(Vec<u8>, Model)] {
    static P: OnceLock<Vec<(Vec<u8>, Model)>> = OnceLock::new();
    P.get_or_init(|| {
        PARENTS
            .iter()
            .map(|b| (b.to_vec(), oracle::validate_model(b).expect("suite models are valid")))
            .collect()
    })
}

/// Runs the checks on the input and on its resealed copy; returns the
/// outcome label of the resealed copy.
pub fn run(data: &[u8]) -> &'static str {
    check(data);
    if data.len() < 16 {
        return "shorter than the checksum";
    }
    let mut sealed = data.to_vec();
    let n = u32::try_from(sealed.len()).unwrap_or(u32::MAX);
    sealed[8..12].copy_from_slice(&n.to_le_bytes());
    sealed[12..16].fill(0);
    let c = oracle::crc32c(&sealed);
    sealed[12..16].copy_from_slice(&c.to_le_bytes());
    check(&sealed)
}

fn check(data: &[u8]) -> &'static str {
    let ps = parents();
    let (bytes, model) = data
        .get(64..68)
        .and_then(|l| ps.iter().find(|(b, _)| b.get(96..100) == Some(l)))
        .unwrap_or(&ps[0]);
    let mut s = Session::new();
    s.load_model(bytes.clone()).expect("suite models load");
    let expected = oracle::adapter::apply(bytes, model, data);
    let got = s.validate_adapter(data);
    match (&got, &expected) {
        (Err(e), Err(o)) => {
            let name = crate::check_error(e);
            assert_eq!(name, o.name(), "runtime and oracle disagree on a package");
        }
        (Ok(()), Ok(_)) => {}
        (g, o) => panic!(
            "runtime {g:?}, oracle {:?}",
            o.as_ref().map(|_| "accepts").map_err(|e| e.name())
        ),
    }
    let before = s.model().expect("loaded").bytes().to_vec();
    assert_eq!(before, *bytes, "validate_adapter changed the model");
    let applied = s.apply_adapter(data);
    let after = s.model().expect("loaded").bytes();
    match (applied, expected) {
        (Err(e), Err(o)) => {
            assert_eq!(crate::check_error(&e), o.name());
            assert_eq!(after, &bytes[..], "a rejected package changed the model");
            "rejected"
        }
        (Ok(()), Ok((new_bytes, checksum, stats))) => {
            assert_eq!(after, &new_bytes[..], "applied bytes differ from the oracle's");
            let st = s.adapter_state().expect("loaded");
            assert_eq!(st.apply_count, 1);
            assert_eq!(st.last_checksum, Some(checksum));
            let ls = st.last_stats.expect("applied");
            assert_eq!(
                (ls.delta_elements, ls.survived_elements),
                (stats.delta_elements, stats.survived_elements)
            );
            "applied"
        }
        (a, e) => panic!(
            "apply {a:?} but the oracle says {:?}",
            e.map(|_| "accepts").map_err(|e| e.name())
        ),
    }
}
