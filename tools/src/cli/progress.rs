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
            let bar = ProgressBar::new(total as u64).with_elapsed(self.started.elapsed());
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

/// A stage without a count (reading a checkpoint, writing and validating a
/// model): after a second, a spinner with the stage's name and the elapsed
/// time on stderr (hidden when stderr is not a terminal); cleared when the
/// stage is dropped. Quick stages draw nothing.
#[derive(Debug)]
pub struct Stage {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Stage {
    /// Starts timing `label`.
    pub fn new(label: &'static str) -> Stage {
        use std::sync::atomic::Ordering;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&done);
        let started = Instant::now();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Acquire) && started.elapsed() < Duration::from_secs(1) {
                std::thread::park_timeout(Duration::from_millis(100));
            }
            if flag.load(Ordering::Acquire) {
                return;
            }
            let bar = ProgressBar::new_spinner().with_elapsed(started.elapsed());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}, {elapsed}") {
                bar.set_style(style);
            }
            bar.set_message(label);
            bar.enable_steady_tick(Duration::from_millis(120));
            while !flag.load(Ordering::Acquire) {
                std::thread::park_timeout(Duration::from_millis(200));
            }
            bar.finish_and_clear();
        });
        Stage {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
