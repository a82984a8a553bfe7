//! A progress bar for conversions that take more than a second
//! (`indicatif`, on stderr; hidden when stderr is not a terminal).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Shows nothing for the first second, then a bar of steps done.
#[derive(Debug)]
pub struct Progress {
    started: Instant,
    label: &'static str,
    unit: &'static str,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress report of tensors converted that has not started drawing.
    pub fn new(label: &'static str) -> Progress {
        Progress::with_unit(label, "tensors")
    }

    /// A progress report counting `unit` (e.g. "tokens").
    pub fn with_unit(label: &'static str, unit: &'static str) -> Progress {
        Progress {
            started: Instant::now(),
            label,
            unit,
            bar: None,
        }
    }

    /// `done` of `total` steps are finished.
    pub fn update(&mut self, done: usize, total: usize) {
        if self.bar.is_none() && self.started.elapsed() > Duration::from_secs(1) && done < total {
            let bar = ProgressBar::new(total as u64);
            let template = format!("{{msg}} [{{bar:40}}] {{pos}}/{{len}} {}, {{elapsed}}", self.unit);
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(self.label);
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            if done >= total {
                bar.finish_and_clear();
            }
        }
    }
}
