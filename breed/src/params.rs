//! The operator table and parameter domains of breeding.md §1
//! ([BRD-OP-01], [BRD-PRM-01], [BRD-PRM-02]).

use crate::error::BreedError;

/// `MAX_BREED_PARENTS` (breeding.md §1): bounds what one call holds.
pub const MAX_BREED_PARENTS: usize = 8;

/// A parameter value as given (a manifest, a protocol frame, a receipt, a
/// command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Int(i64),
    Text(String),
    Ints(Vec<i64>),
}

/// The seven operators of §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    TaskDelta,
    SparseTaskDelta,
    MagnitudePrune,
    Dare,
    Federated,
    Crossover,
    Ties,
}

impl Operator {
    pub const ALL: [Operator; 7] = [
        Operator::TaskDelta,
        Operator::SparseTaskDelta,
        Operator::MagnitudePrune,
        Operator::Dare,
        Operator::Federated,
        Operator::Crossover,
        Operator::Ties,
    ];

    /// The spec's name.
    pub const fn name(self) -> &'static str {
        match self {
            Operator::TaskDelta => "task_delta",
            Operator::SparseTaskDelta => "sparse_task_delta",
            Operator::MagnitudePrune => "magnitude_prune",
            Operator::Dare => "dare",
            Operator::Federated => "federated",
            Operator::Crossover => "crossover",
            Operator::Ties => "ties",
        }
    }

    /// [BRD-OP-01]: the operator of that name, or `BreedUnknownOperator`.
    pub fn parse(name: &str) -> Result<Operator, BreedError> {
        Operator::ALL
            .into_iter()
            .find(|o| o.name() == name)
            .ok_or_else(|| BreedError::UnknownOperator(name.to_string()))
    }

    /// Parents taken, `(min, max)`, the base included.
    pub const fn parents(self) -> (usize, usize) {
        match self {
            Operator::Federated | Operator::Ties => (2, MAX_BREED_PARENTS),
            _ => (2, 2),
        }
    }

    /// Parameters in checking order (the table of [BRD-OP-01]).
    pub const fn parameters(self) -> &'static [Name] {
        match self {
            Operator::TaskDelta => &[Name::LambdaPpm],
            Operator::SparseTaskDelta => &[Name::KeepPpm, Name::LambdaPpm],
            Operator::MagnitudePrune => &[Name::KeepPpm, Name::FloorPpm],
            Operator::Dare => &[Name::DropPpm, Name::Seed],
            Operator::Federated => &[Name::WeightsPpm],
            Operator::Crossover => &[Name::Unit, Name::TakePpm, Name::Seed],
            Operator::Ties => &[Name::DensityPpm, Name::LambdaPpm],
        }
    }
}

/// Parameter names ([BRD-PRM-01]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    LambdaPpm,
    KeepPpm,
    DensityPpm,
    FloorPpm,
    DropPpm,
    TakePpm,
    WeightsPpm,
    Seed,
    Unit,
}

impl Name {
    pub const fn as_str(self) -> &'static str {
        match self {
            Name::LambdaPpm => "lambda_ppm",
            Name::KeepPpm => "keep_ppm",
            Name::DensityPpm => "density_ppm",
            Name::FloorPpm => "floor_ppm",
            Name::DropPpm => "drop_ppm",
            Name::TakePpm => "take_ppm",
            Name::WeightsPpm => "weights_ppm",
            Name::Seed => "seed",
            Name::Unit => "unit",
        }
    }

    /// The inclusive range of an integer parameter.
    const fn range(self) -> (i64, i64) {
        match self {
            Name::LambdaPpm => (-10_000_000, 10_000_000),
            Name::DropPpm => (0, 999_999),
            _ => (0, 1_000_000),
        }
    }
}

/// Crossover's unit ([BRD-CROSS-01]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    #[default]
    Layer,
    Row,
}

/// Checked parameters: typed values, and the given ones in table order for
/// the receipt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub lambda_ppm: i64,
    pub keep_ppm: i64,
    pub density_ppm: i64,
    pub floor_ppm: i64,
    pub drop_ppm: i64,
    pub take_ppm: i64,
    pub weights_ppm: Vec<i64>,
    pub seed: u64,
    pub unit: Unit,
    /// Every parameter as given, in the operator's table order.
    pub given: Vec<(&'static str, Param)>,
}

fn bad(msg: String) -> BreedError {
    BreedError::BadParameter(msg)
}

/// [BRD-PRM-02]: 1–255 characters of `A-Z a-z 0-9 . _ -`.
pub fn check_name(name: &str) -> Result<(), BreedError> {
    let ok = (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "the child's name {name:?} must be 1 to 255 characters of A-Z a-z 0-9 . _ -"
        )))
    }
}

/// Steps 4–5 of [BRD-CALL-01] for an operator with `locals` further parents.
pub fn check(op: Operator, params: &[(String, Param)], locals: usize) -> Result<Settings, BreedError> {
    let mut s = Settings::default();
    for &name in op.parameters() {
        let key = name.as_str();
        let value = params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .ok_or_else(|| bad(format!("{} needs the parameter {key}", op.name())))?;
        match (name, value) {
            (Name::Seed, Param::Text(t)) => {
                s.seed = parse_seed(t)
                    .ok_or_else(|| bad(format!("seed {t:?} must be \"0x\" and 16 lower-case hex digits")))?
            }
            (Name::Unit, Param::Text(t)) => {
                s.unit = match t.as_str() {
                    "layer" => Unit::Layer,
                    "row" => Unit::Row,
                    _ => return Err(bad(format!("unit {t:?} must be \"layer\" or \"row\""))),
                }
            }
            (Name::WeightsPpm, Param::Ints(w)) => {
                if w.len() != locals {
                    return Err(bad(format!("weights_ppm has {} entries for {locals} locals", w.len())));
                }
                if let Some(x) = w.iter().find(|x| !(0..=1_000_000).contains(*x)) {
                    return Err(bad(format!("weights_ppm entry {x} is outside 0 … 1,000,000")));
                }
                let sum: i64 = w.iter().sum(); // at most 7 × 10⁶: no overflow
                if sum > 1_000_000 {
                    return Err(bad(format!("weights_ppm sum to {sum}, above 1,000,000")));
                }
                s.weights_ppm = w.clone();
            }
            (Name::Seed | Name::Unit | Name::WeightsPpm, _) => {
                return Err(bad(format!("{key} has the wrong type")));
            }
            (_, Param::Int(v)) => {
                let (lo, hi) = name.range();
                if !(lo..=hi).contains(v) {
                    return Err(bad(format!("{key} = {v} is outside {lo} … {hi}")));
                }
                match name {
                    Name::LambdaPpm => s.lambda_ppm = *v,
                    Name::KeepPpm => s.keep_ppm = *v,
                    Name::DensityPpm => s.density_ppm = *v,
                    Name::FloorPpm => s.floor_ppm = *v,
                    Name::DropPpm => s.drop_ppm = *v,
                    _ => s.take_ppm = *v,
                }
            }
            (_, _) => return Err(bad(format!("{key} must be an integer"))),
        }
        s.given.push((key, value.clone()));
    }
    if let Some((k, _)) = params
        .iter()
        .find(|(k, _)| !op.parameters().iter().any(|n| n.as_str() == k))
    {
        return Err(bad(format!("{} has no parameter {k:?}", op.name())));
    }
    Ok(s)
}

fn parse_seed(t: &str) -> Option<u64> {
    let hex = t.strip_prefix("0x")?;
    if hex.len() != 16 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// `frac(v) = f32(v) ÷ 1000000` (breeding.md §3.1); exact conversion for
/// every value of a checked parameter.
pub fn frac(v: i64) -> f32 {
    v as f32 / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(k: &str, v: Param) -> (String, Param) {
        (k.to_string(), v)
    }

    #[test]
    fn seeds_need_exactly_sixteen_lower_case_digits() {
        assert_eq!(parse_seed("0x00000000000000ff"), Some(255));
        assert_eq!(parse_seed("0x00000000000000FF"), None);
        assert_eq!(parse_seed("0x0000000000000ff"), None);
        assert_eq!(parse_seed("00000000000000ff00"), None);
    }

    #[test]
    fn rejects_unknown_and_missing_parameters() {
        let op = Operator::TaskDelta;
        assert!(check(op, &[], 1).is_err());
        assert!(check(op, &[p("lambda_ppm", Param::Int(0)), p("x", Param::Int(0))], 1).is_err());
        let s = check(op, &[p("lambda_ppm", Param::Int(-10_000_000))], 1).unwrap();
        assert_eq!(s.lambda_ppm, -10_000_000);
        assert!(check(op, &[p("lambda_ppm", Param::Int(10_000_001))], 1).is_err());
    }

    #[test]
    fn drop_ppm_stops_below_one() {
        let op = Operator::Dare;
        let seed = p("seed", Param::Text("0x0000000000000001".into()));
        assert!(check(op, &[p("drop_ppm", Param::Int(999_999)), seed.clone()], 1).is_ok());
        assert!(check(op, &[p("drop_ppm", Param::Int(1_000_000)), seed], 1).is_err());
    }

    #[test]
    fn names_are_restricted() {
        assert!(check_name("child-1.slm").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name(&"a".repeat(256)).is_err());
        assert!(check_name(&"a".repeat(255)).is_ok());
    }
}
