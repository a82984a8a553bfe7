//! Operator statistics (breeding.md §4), recorded in the receipt's
//! `predicate.statistics` (§6.2).

use crate::json::Json;
use std::collections::BTreeMap;
use tinyrustlm::Crc32c;

/// Statistics by name: counters, CRC-32C accumulators and per-tensor arrays
/// of binary32 bit patterns.
#[derive(Debug, Default)]
pub struct Statistics {
    counts: BTreeMap<&'static str, u64>,
    crcs: BTreeMap<&'static str, Crc32c>,
    bits: BTreeMap<&'static str, Vec<u32>>,
}

impl Statistics {
    /// Adds `v` to a counter (creating it at 0).
    pub fn count(&mut self, name: &'static str, v: u64) {
        *self.counts.entry(name).or_insert(0) += v;
    }

    /// Feeds values, each as 4 little-endian bytes, to a CRC-32C statistic.
    pub fn crc(&mut self, name: &'static str, values: &[f32]) {
        let c = self.crcs.entry(name).or_default();
        let mut bytes = [0u8; 256];
        for chunk in values.chunks(64) {
            for (d, v) in bytes.chunks_exact_mut(4).zip(chunk) {
                d.copy_from_slice(&v.to_le_bytes());
            }
            c.update(&bytes[..chunk.len() * 4]);
        }
    }

    /// Appends a tensor's binary32 statistic to an array.
    pub fn push_bits(&mut self, name: &'static str, v: f32) {
        self.bits.entry(name).or_default().push(v.to_bits());
    }

    /// A counter's value (0 if never counted).
    pub fn get(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// The receipt's `statistics` object.
    pub fn to_json(&self) -> Json {
        let mut m = BTreeMap::new();
        for (k, v) in &self.counts {
            m.insert(k.to_string(), Json::Int(*v as i64));
        }
        for (k, c) in &self.crcs {
            m.insert(k.to_string(), crate::json::hex32(c.finish()));
        }
        for (k, v) in &self.bits {
            m.insert(
                k.to_string(),
                Json::Arr(v.iter().map(|b| crate::json::hex32(*b)).collect()),
            );
        }
        Json::Obj(m)
    }
}
