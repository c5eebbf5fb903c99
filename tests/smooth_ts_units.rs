//! SmoothTS's public small parts, exactly: the validation of its constants
//! and of a state, the constants' serde defaults, the accessors, and which
//! context cell a context goes to. cargo-mutants found each of these
//! changeable without any other test noticing (tests/mutants.sh, group
//! learners, whose test targets include this file: keep it fast).

use banditsor::learn::{Learner, OmegaGrid, SmoothTs, SmoothTsParams, SmoothTsState};
use banditsor::Error;

fn grid() -> OmegaGrid {
    OmegaGrid::paper_default()
}

/// The detail of a refusal of `params` by the constructor.
fn refusal(params: SmoothTsParams) -> Option<String> {
    match SmoothTs::with_params(grid(), 1, params) {
        Ok(_) => None,
        Err(Error::InvalidArgument { what, detail }) => Some(format!("{what}: {detail}")),
        Err(other) => panic!("{params:?}: refused as {other:?}, not as an invalid argument"),
    }
}

/// Every condition of `SmoothTsParams::validate` on its own: a value just
/// outside is refused by name, the boundary values are accepted (a
/// condition joined to the others by `||` instead of `&&`, or a boundary
/// moved, would let one of them through).
#[test]
fn each_constant_is_checked_on_its_own_and_its_bounds_are_accepted() {
    type Set = fn(&mut SmoothTsParams, f64);
    let positive: [(&str, Set); 9] = [
        ("level_var", |p, v| p.level_var = v),
        ("slope_var", |p, v| p.slope_var = v),
        ("curvature_var", |p, v| p.curvature_var = v),
        ("residual_var", |p, v| p.residual_var = v),
        ("length", |p, v| p.length = v),
        ("tau_context", |p, v| p.tau_context = v),
        ("tau_global", |p, v| p.tau_global = v),
        ("cv2_prior", |p, v| p.cv2_prior = v),
        ("model_error", |p, v| p.model_error = v),
    ];
    let mut bad: Vec<(String, SmoothTsParams)> = Vec::new();
    let mut good: Vec<(String, SmoothTsParams)> = Vec::new();
    let with = |name: &str, set: Set, v: f64| {
        let mut p = SmoothTsParams::default();
        set(&mut p, v);
        (format!("{name} = {v}"), p)
    };
    for (name, set) in positive {
        for v in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            bad.push(with(name, set, v));
        }
        good.push(with(name, set, 1e-3));
    }
    let others: [(&str, Set, &[f64], &[f64]); 6] = [
        (
            "bowl",
            |p, v| p.bowl = v,
            &[-0.1, f64::NAN, f64::INFINITY],
            &[0.0],
        ),
        (
            "centre",
            |p, v| p.centre = v,
            &[-0.01, 1.01, f64::NAN],
            &[0.0, 1.0],
        ),
        (
            "explore",
            |p, v| p.explore = v,
            &[-0.1, f64::NAN, f64::INFINITY],
            &[0.0],
        ),
        (
            "drift_allowance",
            |p, v| p.drift_allowance = v,
            &[-0.1, f64::NAN, f64::INFINITY],
            &[0.0],
        ),
        (
            "drift_threshold",
            |p, v| p.drift_threshold = v,
            &[0.0, -1.0, f64::NAN],
            &[1e-3],
        ),
        (
            "drift_keep",
            |p, v| p.drift_keep = v,
            &[-0.01, 1.01, f64::NAN],
            &[0.0, 1.0],
        ),
    ];
    for (name, set, refused, accepted) in others {
        bad.extend(refused.iter().map(|&v| with(name, set, v)));
        good.extend(accepted.iter().map(|&v| with(name, set, v)));
    }
    let cells = |cells: usize, window: usize| {
        (
            format!("cells = {cells}, window = {window}"),
            SmoothTsParams {
                cells,
                window,
                ..SmoothTsParams::default()
            },
        )
    };
    bad.extend([cells(0, 0), cells(4097, 6), cells(8, 9)]);
    good.extend([cells(1, 1), cells(4096, 6), cells(8, 8)]);
    for (what, params) in bad {
        let detail = refusal(params).unwrap_or_else(|| panic!("{what} was accepted"));
        assert!(
            detail.starts_with("smooth_ts parameters: "),
            "{what}: {detail}"
        );
        assert!(
            detail.contains("need positive finite variances"),
            "{what}: the refusal says what is needed: {detail}"
        );
    }
    for (what, params) in good {
        assert_eq!(refusal(params), None, "{what} was refused");
    }
}

/// `params()` returns the constants the learner was made with.
#[test]
fn params_returns_the_constants_given() {
    let params = SmoothTsParams {
        cells: 16,
        window: 3,
        centre: 0.4,
        explore: 0.5,
        model: false,
        model_error: 0.1,
        model_min_checks: 5,
        ..SmoothTsParams::default()
    };
    assert_ne!(params, SmoothTsParams::default());
    let l = SmoothTs::with_params(grid(), 7, params).unwrap();
    assert_eq!(l.params(), &params);
}

/// Constants saved before the SOR model existed (no `model`,
/// `model_error`, `model_min_checks`) load with the model's defaults.
#[test]
fn constants_without_the_model_fields_load_with_the_model_defaults() {
    let mut json = serde_json::to_value(SmoothTsParams::default()).unwrap();
    let object = json.as_object_mut().unwrap();
    for field in ["model", "model_error", "model_min_checks"] {
        assert!(object.remove(field).is_some(), "{field} is serialised");
    }
    let old: SmoothTsParams = serde_json::from_value(json).unwrap();
    assert!(old.model);
    assert_eq!(old.model_error, 0.04);
    assert_eq!(old.model_min_checks, 8);
    assert_eq!(old, SmoothTsParams::default());
}

/// With every cost equal to 40 the predicted cost of each arm played is
/// 40 (within the prior's pull; the arms' own data dominate after 60
/// rounds), one prediction per arm, and it is exp(mean) - 1 of the
/// posterior mean of ln(1 + cost).
#[test]
fn predicted_costs_are_the_costs_seen() {
    let mut l = SmoothTs::new(grid(), 3).unwrap();
    for _ in 0..60 {
        l.choose(None);
        l.observe(40.0);
    }
    let predicted = l.predicted_costs(None);
    let mean = l.posterior_mean(None);
    assert_eq!(predicted.len(), grid().len());
    assert_eq!(mean.len(), grid().len());
    for (i, (p, m)) in predicted.iter().zip(&mean).enumerate() {
        assert_eq!(p.to_bits(), m.exp_m1().to_bits(), "arm {i}");
    }
    let state = l.state();
    let mut played = 0;
    for (i, s) in state.global.iter().enumerate().filter(|(_, s)| s.n >= 5) {
        played += 1;
        assert!(
            (predicted[i] - 40.0).abs() < 2.0,
            "arm {i} played {} times at cost 40: predicted {}",
            s.n,
            predicted[i]
        );
    }
    assert!(played >= 1);
}

/// A state whose sums are infinite, NaN or negative is refused, each
/// condition on its own, in the global row and in the cells.
#[test]
fn a_state_with_a_non_finite_or_negative_sum_is_refused() {
    let l = SmoothTs::new(grid(), 1).unwrap();
    let mut good = l.state();
    good.rounds = 1;
    good.global[2].n = 1;
    good.global[2].sum = 3.0;
    good.global[2].sum_sq = 9.0;
    good.validate(20, l.params()).unwrap();
    type Set = fn(&mut SmoothTsState, f64);
    let fields: [(&str, Set); 4] = [
        ("global sum", |s, v| s.global[2].sum = v),
        ("global sum_sq", |s, v| s.global[2].sum_sq = v),
        ("cells sum", |s, v| s.cells[45].sum = v),
        ("cells sum_sq", |s, v| s.cells[45].sum_sq = v),
    ];
    for (what, set) in fields {
        for v in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -1.0] {
            let mut state = good.clone();
            set(&mut state, v);
            let detail = match state.validate(20, l.params()) {
                Err(Error::InvalidArgument { detail, .. }) => detail,
                other => panic!("{what} = {v}: expected a refusal, got {other:?}"),
            };
            let named = if what.starts_with("global") {
                "'global' arm 2 holds a negative or non-finite sum"
            } else {
                "'cells' entry 45 holds a negative or non-finite sum"
            };
            assert_eq!(detail, named, "{what} = {v}");
        }
    }
}

/// A context goes to cell floor((c - lo) / (hi - lo) * cells) of the
/// range, the top of the range and a context too large to grow the range
/// for to the last cell.
#[test]
fn a_context_goes_to_its_cell_of_the_range() {
    let fresh = SmoothTs::new(grid(), 1).unwrap();
    let cells = fresh.params().cells;
    assert_eq!(cells, 64);
    let mut state = fresh.state();
    state.range = Some((2.0, 66.0));
    let cell_of = |c: f64| {
        let mut l = fresh.clone();
        l.set_state(state.clone()).unwrap();
        l.choose(Some(c));
        assert_eq!(l.context_span(), Some((2.0, 66.0)), "context {c}");
        l.state().pending.unwrap().cell
    };
    for (c, cell) in [
        (2.0, 0),
        (2.5, 0),
        (3.0, 1),
        (12.7, 10),
        (40.2, 38),
        (65.99, 63),
        (66.0, 63),
        (1e308, 63),
    ] {
        assert_eq!(cell_of(c), Some(cell), "context {c}");
    }
}

/// A state file written before the cells kept their mean contexts (no
/// `cell_contexts`) places every entry's data at its cell's centre,
/// lo + (k + 1/2) (hi - lo) / cells for cell k: the first contextual
/// solve after loading fills them in so.
#[test]
fn an_old_state_places_each_entry_at_its_cells_centre() {
    let fresh = SmoothTs::new(grid(), 1).unwrap();
    let d = grid().len();
    let mut state = fresh.state();
    state.range = Some((1.0, 65.0));
    state.cell_contexts.clear();
    // Data in cell 10, arm 3, and cell 40, arm 17 (entry / d and
    // entry % d differ).
    for (e, cost) in [(10 * d + 3, 30.0), (40 * d + 17, 50.0)] {
        state.cells[e].n = 2;
        state.cells[e].sum = 2.0 * cost;
        state.cells[e].sum_sq = 2.0 * cost * cost;
        state.global[e % d].n = 2;
        state.global[e % d].sum = 2.0 * cost;
        state.global[e % d].sum_sq = 2.0 * cost * cost;
    }
    state.rounds = 4;
    let mut l = fresh.clone();
    l.set_state(state).unwrap();
    assert!(l.state().cell_contexts.is_empty());
    let x = 30.3;
    l.choose(Some(x));
    let pending = l.state().pending.unwrap();
    l.observe(40.0);
    let observed = pending.cell.unwrap() * d + pending.arm;
    let contexts = l.state().cell_contexts;
    assert_eq!(contexts.len(), 64 * d);
    let solves = l.state().cells[observed].n as f64;
    for (e, &c) in contexts.iter().enumerate() {
        let centre = 1.0 + ((e / d) as f64 + 0.5);
        // The solve just observed moves its entry's mean context to x.
        let want = if e == observed {
            centre + (x - centre) / solves
        } else {
            centre
        };
        assert_eq!(c, want, "entry {e} (cell {}, arm {})", e / d, e % d);
    }
}
