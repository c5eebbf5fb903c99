//! SVG plots of the demo: cumulative iterations and chosen omegas per step.

use crate::RunTrace;
use plotters::prelude::*;
use std::path::Path;

/// Line colours of every demo plot (the "category10" palette), cycled.
pub(crate) const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Two panels: cumulative iterations vs step (all strategies) and omega
/// vs step (learners as points, fixed omegas as lines).
pub fn heat_plot(
    path: &Path,
    traces: &[RunTrace],
    nx: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let steps = traces.iter().map(|t| t.iterations.len()).max().unwrap_or(1);
    let root = SVGBackend::new(path, (1000, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(450);

    let max_cum = traces
        .iter()
        .map(|t| t.iterations.iter().sum::<u64>())
        .max()
        .unwrap_or(1) as f64;
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("2D heat equation, nx = {nx}: cumulative iterations"),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..steps as f64, 0f64..max_cum * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("time step")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("cumulative iterations")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (k, t) in traces.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let mut acc = 0u64;
        let points = t.iterations.iter().enumerate().map(move |(i, &it)| {
            acc += it;
            ((i + 1) as f64, acc as f64)
        });
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(t.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    let mut chart = ChartBuilder::on(&bottom)
        .caption("omega chosen per step", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..steps as f64, 0.95f64..2.0)?;
    chart
        .configure_mesh()
        .x_desc("time step")
        .y_desc("omega")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (k, t) in traces.iter().enumerate() {
        if t.label.starts_with("CG") {
            continue;
        }
        let colour = COLOURS[k % COLOURS.len()];
        if t.learned {
            // At most ~2500 points per learner keeps the SVG small.
            let stride = (t.omegas.len() / 2500).max(1);
            chart
                .draw_series(
                    t.omegas
                        .iter()
                        .enumerate()
                        .step_by(stride)
                        .map(|(i, &w)| Circle::new(((i + 1) as f64, w), 2, colour.filled())),
                )?
                .label(t.label.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 3, colour.filled()));
        } else {
            let w = t.omegas.first().copied().unwrap_or(1.0);
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, w), (steps as f64, w)],
                    colour.stroke_width(2),
                ))?
                .label(t.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
