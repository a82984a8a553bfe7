//! The loss curve as a PNG (plotters). Text needs a TrueType font: the
//! first of a few common system paths is used; without one the plot is
//! drawn without text and the caller is told.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// One CSV row of the loss log.
#[derive(Clone, Debug)]
pub struct Row {
    pub step: usize,
    pub tokens: u64,
    pub lr: f64,
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    pub elapsed_s: f64,
}

pub const CSV_HEADER: &str = "step,tokens,lr,train_loss,val_loss,elapsed_s";

impl Row {
    pub fn csv(&self) -> String {
        let val = self.val_loss.map(|v| format!("{v:.5}")).unwrap_or_default();
        format!(
            "{},{},{:.6e},{:.5},{val},{:.1}",
            self.step, self.tokens, self.lr, self.train_loss, self.elapsed_s
        )
    }

    pub fn parse(line: &str) -> Option<Row> {
        let f: Vec<&str> = line.split(',').collect();
        Some(Row {
            step: f.first()?.parse().ok()?,
            tokens: f.get(1)?.parse().ok()?,
            lr: f.get(2)?.parse().ok()?,
            train_loss: f.get(3)?.parse().ok()?,
            val_loss: f.get(4).and_then(|v| v.parse().ok()),
            elapsed_s: f.get(5)?.parse().ok()?,
        })
    }
}

/// Draws train and validation loss against step. Returns whether text was drawn.
pub fn draw(rows: &[Row], title: &str, path: &Path) -> Result<bool, String> {
    let font = FONTS.iter().find_map(|p| std::fs::read(p).ok());
    let text = match font {
        Some(bytes) => {
            let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            register_font("sans-serif", FontStyle::Normal, leaked).is_ok()
        }
        None => false,
    };
    let e = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let max_step = rows.iter().map(|r| r.step).max().unwrap_or(1).max(1) as f64;
    let losses = rows
        .iter()
        .flat_map(|r| std::iter::once(r.train_loss).chain(r.val_loss));
    let (lo, hi) = losses.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (lo, hi) = if lo < hi {
        (lo.floor().max(0.0), hi.ceil())
    } else {
        (0.0, 10.0)
    };
    let mut b = ChartBuilder::on(&root);
    b.margin(16)
        .x_label_area_size(if text { 40 } else { 0 })
        .y_label_area_size(if text { 56 } else { 0 });
    if text {
        b.caption(title, ("sans-serif", 22));
    }
    let mut chart = b.build_cartesian_2d(0f64..max_step, lo..hi).map_err(|x| e(&x))?;
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_desc("step").y_desc("cross-entropy (nats/token)");
    } else {
        mesh.disable_x_axis().disable_y_axis();
    }
    mesh.draw().map_err(|x| e(&x))?;
    let train = LineSeries::new(rows.iter().map(|r| (r.step as f64, r.train_loss)), &BLUE);
    let s = chart.draw_series(train).map_err(|x| e(&x))?;
    if text {
        s.label("train (batch)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    }
    let val = rows.iter().filter_map(|r| r.val_loss.map(|v| (r.step as f64, v)));
    let s = chart
        .draw_series(LineSeries::new(val, RED.stroke_width(2)))
        .map_err(|x| e(&x))?;
    if text {
        s.label("validation")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        chart
            .configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))?;
    Ok(text)
}
