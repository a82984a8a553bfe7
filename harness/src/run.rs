//! Running one vector against an implementation.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;

use crate::call::Outcome;
use crate::compare::{LogitError, check_step};
use crate::expectations::Expectations;
use crate::implementation::{ImplInfo, Implementation};
use crate::manifest::Vector;
use crate::spec::Spec;

/// The outcome of one vector.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Passed; `logit_error` is the worst tolerance-compared step, if any.
    Passed {
        #[serde(skip_serializing_if = "Option::is_none")]
        logit_error: Option<LogitError>,
    },
    Failed {
        message: String,
    },
    Skipped {
        reason: String,
    },
    /// The implementation crashed, trapped or panicked during the vector.
    Crashed {
        message: String,
    },
    /// The implementation did not answer a call in time.
    Timeout {
        message: String,
    },
    /// Listed as a known failure, and it failed.
    ExpectedFailure {
        reason: String,
        message: String,
    },
    /// Listed as a known failure, but it passed: the expectations file is stale.
    UnexpectedPass {
        reason: String,
    },
}

impl Status {
    /// Whether the run as a whole should count this as a failure.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Status::Failed { .. } | Status::Crashed { .. } | Status::Timeout { .. } | Status::UnexpectedPass { .. }
        )
    }

    /// Short key for summaries.
    pub fn key(&self) -> &'static str {
        match self {
            Status::Passed { .. } => "passed",
            Status::Failed { .. } => "failed",
            Status::Skipped { .. } => "skipped",
            Status::Crashed { .. } => "crashed",
            Status::Timeout { .. } => "timeout",
            Status::ExpectedFailure { .. } => "expected_failure",
            Status::UnexpectedPass { .. } => "unexpected_pass",
        }
    }
}

/// Run `v`'s steps in a fresh session of `imp` and apply the expectations file.
pub fn run_vector(
    spec: &Spec,
    imp: &dyn Implementation,
    info: &ImplInfo,
    expectations: &Expectations,
    v: &Vector,
) -> Status {
    let raw = run_steps(spec, imp, info, v);
    match (expectations.known_failure(&v.id), raw) {
        (Some(k), Status::Failed { message }) => Status::ExpectedFailure {
            reason: k.reason.clone(),
            message,
        },
        (Some(k), Status::Passed { .. }) => Status::UnexpectedPass {
            reason: k.reason.clone(),
        },
        (_, other) => other,
    }
}

fn run_steps(spec: &Spec, imp: &dyn Implementation, info: &ImplInfo, v: &Vector) -> Status {
    if let Some(reason) = info.skip_reason(&v.profile) {
        return Status::Skipped { reason };
    }
    let mut session = match imp.new_session() {
        Ok(s) => s,
        Err(e) => {
            return Status::Failed {
                message: format!("could not open a session: {e}"),
            };
        }
    };
    let mut worst: Option<LogitError> = None;
    for (i, step) in v.steps.iter().enumerate() {
        // An in-process implementation that panics is a crash, not a harness abort.
        let outcome = catch_unwind(AssertUnwindSafe(|| session.call(&step.call)))
            .unwrap_or_else(|p| Outcome::Crashed(panic_message(p.as_ref())));
        if let Outcome::Unsupported(reason) = &outcome {
            return Status::Skipped {
                reason: format!("step {} ({}): unsupported: {reason}", i + 1, step.call.name()),
            };
        }
        let header = || {
            format!(
                "{}\nrequirements: {}\nstep {} of {} ({}): ",
                v.description,
                v.requirements.join(", "),
                i + 1,
                v.steps.len(),
                step.call.name()
            )
        };
        match &outcome {
            Outcome::Crashed(msg) => {
                return Status::Crashed {
                    message: format!("{}the implementation crashed: {msg}", header()),
                };
            }
            Outcome::Timeout(msg) => {
                return Status::Timeout {
                    message: format!("{}no answer in time: {msg}", header()),
                };
            }
            _ => {}
        }
        let checked = check_step(spec, &step.expect, &outcome);
        if let Ok(Some(e)) = checked {
            if worst.is_none_or(|w| e.max_tolerance_fraction > w.max_tolerance_fraction) {
                worst = Some(e);
            }
        }
        if let Err(why) = checked {
            let mut message = String::new();
            let _ = writeln!(message, "{}", v.description);
            let _ = writeln!(message, "requirements: {}", v.requirements.join(", "));
            let _ = writeln!(
                message,
                "step {} of {} ({}): {why}",
                i + 1,
                v.steps.len(),
                step.call.name()
            );
            return Status::Failed { message };
        }
    }
    Status::Passed { logit_error: worst }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        format!("panic: {s}")
    } else if let Some(s) = p.downcast_ref::<String>() {
        format!("panic: {s}")
    } else {
        "panic".to_string()
    }
}
