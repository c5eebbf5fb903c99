//! SmoothTS's public small parts, exactly: the validation of a state, the
//! accessors, and which context cell a context goes to (the validation of
//! the constants and their serde defaults are unit tests in
//! src/learn/smooth_ts.rs). cargo-mutants found each of these
//! changeable without any other test noticing (tests/mutants.sh, group
//! learners, whose test targets include this file: keep it fast).

use banditsor::learn::{Learner, OmegaGrid, SmoothTs, SmoothTsParams, SmoothTsState};
use banditsor::Error;

fn grid() -> OmegaGrid {
    OmegaGrid::paper_default()
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

/// Every other check of `SmoothTsState::validate` on its own: a value just
/// outside is refused with its message, the boundary values are accepted.
#[test]
fn each_state_field_is_checked_on_its_own_and_its_bounds_are_accepted() {
    let l = SmoothTs::new(grid(), 1).unwrap();
    let (arms, cells) = (grid().len(), l.params().cells);
    let threshold = l.params().drift_threshold;
    let fresh = l.state();
    fresh.validate(arms, l.params()).unwrap();
    // Five solves of arm 2, one of them in cell 7, contexts in [0, 1].
    let mut base = fresh.clone();
    base.rounds = 5;
    base.global[2].n = 5;
    base.global[2].sum = 50.0;
    base.global[2].sum_sq = 500.0;
    base.cells[7 * arms + 2].n = 1;
    base.cells[7 * arms + 2].sum = 10.0;
    base.cells[7 * arms + 2].sum_sq = 100.0;
    base.range = Some((0.0, 1.0));
    base.cell_contexts = vec![0.5; arms * cells];
    base.validate(arms, l.params()).unwrap();
    type Edit = Box<dyn Fn(&mut SmoothTsState)>;
    // A round in flight (its type is not exported: edit a real one).
    let template = {
        let mut played = l.clone();
        played.choose(Some(0.5));
        played.state().pending.unwrap()
    };
    let pending =
        move |arm: usize, cell: Option<usize>, plain: Option<f64>, context: Option<f64>| {
            let mut p = template;
            (p.arm, p.cell, p.plain_prediction, p.context) = (arm, cell, plain, context);
            Some(p)
        };
    let refused: Vec<(&str, Edit, &str)> = vec![
        (
            "counts above rounds",
            Box::new(|s| s.rounds = 4),
            "'rounds' is 4 but the global counts sum to 5",
        ),
        (
            "drift below 0",
            Box::new(|s| s.drift = [-0.1, 0.0]),
            "'drift' [-0.1, 0.0] must be in [0, 5]",
        ),
        (
            "drift NaN",
            Box::new(|s| s.drift = [0.0, f64::NAN]),
            "'drift' [0.0, NaN] must be in [0, 5]",
        ),
        (
            "drift above the threshold",
            Box::new(move |s| s.drift = [0.0, threshold + 0.1]),
            "'drift' [0.0, 5.1] must be in [0, 5]",
        ),
        (
            "no range with data",
            Box::new(|s| s.range = None),
            "'range' is missing but the cells hold data",
        ),
        (
            "range from NaN",
            Box::new(|s| s.range = Some((f64::NAN, 1.0))),
            "'range' [NaN, 1] is not a finite interval",
        ),
        (
            "range to infinity",
            Box::new(|s| s.range = Some((0.0, f64::INFINITY))),
            "'range' [0, inf] is not a finite interval",
        ),
        (
            "empty range",
            Box::new(|s| s.range = Some((1.0, 1.0))),
            "'range' [1, 1] is not a finite interval",
        ),
        (
            "reversed range",
            Box::new(|s| s.range = Some((2.0, 1.0))),
            "'range' [2, 1] is not a finite interval",
        ),
        (
            "range wider than f64",
            Box::new(|s| s.range = Some((-1e308, 1e308))),
            "'range' [-1000000000",
        ),
        (
            "cell contexts too short",
            Box::new(move |s| s.cell_contexts.truncate(arms + cells)),
            "'cell_contexts' has 84 entries, learner has 64 cells x 20 arms (or none)",
        ),
        (
            "cell context NaN",
            Box::new(|s| s.cell_contexts[9] = f64::NAN),
            "'cell_contexts' entry 9 is not finite",
        ),
        (
            "model error negative",
            Box::new(|s| s.model.mean_sq_error = -1.0),
            "'model'",
        ),
        (
            "pending arm off the grid",
            Box::new(move |s| s.pending = pending(arms, None, None, None)),
            "'pending'",
        ),
        (
            "pending cell off the cells",
            Box::new(move |s| s.pending = pending(0, Some(cells), None, None)),
            "'pending'",
        ),
        (
            "pending prediction NaN",
            Box::new(move |s| s.pending = pending(0, Some(0), Some(f64::NAN), None)),
            "'pending'",
        ),
        (
            "pending context infinite",
            Box::new(move |s| s.pending = pending(0, Some(0), None, Some(f64::INFINITY))),
            "'pending'",
        ),
    ];
    for (what, edit, message) in refused {
        let mut state = base.clone();
        edit(&mut state);
        match state.validate(arms, l.params()) {
            Err(Error::InvalidArgument {
                what: field,
                detail,
            }) => {
                assert_eq!(field, "smooth_ts state", "{what}");
                assert!(detail.starts_with(message), "{what}: {detail}");
            }
            other => panic!("{what}: expected a refusal, got {other:?}"),
        }
    }
    let accepted: Vec<(&str, Edit)> = vec![
        ("fresh", Box::new(move |s| *s = fresh.clone())),
        (
            "rounds above the counts (a drift alarm discounted them)",
            Box::new(|s| s.rounds = 9),
        ),
        (
            "drift at its bounds",
            Box::new(move |s| s.drift = [0.0, threshold]),
        ),
        (
            "no cell contexts (older files)",
            Box::new(|s| s.cell_contexts.clear()),
        ),
        (
            "narrow range",
            Box::new(|s| s.range = Some((1.0, 1.0 + 1e-9))),
        ),
        (
            "pending at the last arm and cell",
            Box::new(move |s| s.pending = pending(arms - 1, Some(cells - 1), Some(3.0), Some(0.5))),
        ),
        (
            "pending without a cell",
            Box::new(move |s| s.pending = pending(0, None, None, None)),
        ),
    ];
    for (what, edit) in accepted {
        let mut state = base.clone();
        edit(&mut state);
        if let Err(e) = state.validate(arms, l.params()) {
            panic!("{what}: refused: {e}");
        }
    }
}

/// A context outside the range doubles the range towards it (as often as
/// needed), and each old cell's data, with its mean context, move into
/// the wider cell that holds the old cell's centre.
#[test]
fn the_range_grows_by_doubling_and_cells_merge_into_the_wider_ones() {
    let fresh = SmoothTs::new(grid(), 1).unwrap();
    let d = grid().len();
    let mut state = fresh.state();
    state.range = Some((2.0, 6.0));
    // Cells of width 1/16: cells 10 and 11 lie in [2.625, 2.75).
    let (a, b) = (2.63, 2.74);
    for (cell, n, x) in [(10, 2, a), (11, 1, b)] {
        let e = cell * d + 3;
        state.cells[e].n = n;
        state.cells[e].sum = 20.0 * n as f64;
        state.cells[e].sum_sq = 400.0 * n as f64;
        state.cell_contexts[e] = x;
    }
    state.global[3].n = 3;
    state.global[3].sum = 60.0;
    state.global[3].sum_sq = 1200.0;
    state.rounds = 3;
    let placed = |c: f64| {
        let mut l = fresh.clone();
        l.set_state(state.clone()).unwrap();
        l.choose(Some(c));
        l
    };
    // Up: once (width 4) to [2, 10]; twice to [2, 18]. Down: to [-2, 6].
    assert_eq!(placed(7.0).context_span(), Some((2.0, 10.0)));
    assert_eq!(placed(11.0).context_span(), Some((2.0, 18.0)));
    assert_eq!(placed(1.0).context_span(), Some((-2.0, 6.0)));
    // In [2, 10] (width 1/8) both old cells' centres lie in cell 5.
    let merged = placed(7.0).state();
    let e = 5 * d + 3;
    assert_eq!(merged.cells[e].n, 3);
    assert_eq!(merged.cells[e].sum, 60.0);
    assert_eq!(merged.cells.iter().map(|s| s.n).sum::<u64>(), 3);
    // Weighted by solves, in the order of the old cells.
    let want = a + (b - a) * 1.0 / 3.0;
    assert_eq!(merged.cell_contexts[e], want);
    // In [-2, 6] they lie in cell 37 (centres 2.656 and 2.719, width 1/8).
    let merged = placed(1.0).state();
    assert_eq!(merged.cells[37 * d + 3].n, 3);
}

/// A round's model-free prediction (what the SOR model's prediction is
/// checked against) is made only once the model's fit rests on
/// `model_min_checks` points: before, it would never be checked.
#[test]
fn the_plain_prediction_waits_for_the_fit_to_rest_on_enough_points() {
    let mut l = SmoothTs::new(grid(), 4).unwrap();
    let min_checks = l.params().model_min_checks;
    let (mut before, mut after) = (0, 0);
    for t in 0..40 {
        let c = 0.05 + 0.9 * ((t * 7) % 40) as f64 / 40.0;
        l.choose(Some(c));
        let state = l.state();
        let enough = state.model.fit_points >= min_checks
            && (state.model.fit.is_some() || state.model.reciprocal.is_some());
        let plain = state.pending.unwrap().plain_prediction;
        assert_eq!(plain.is_some(), enough, "round {t}: {:?}", state.model);
        if enough {
            after += 1;
        } else {
            before += 1;
        }
        l.observe(30.0 + 40.0 * (c - 0.6).powi(2) + state.pending.unwrap().arm as f64);
    }
    assert!(
        before >= 2 && after >= 2,
        "{before} rounds before, {after} after"
    );
}

/// A context the range cannot double to without its width overflowing
/// goes to the nearest cell of the range as it is, even where the doubled
/// range's ends are still finite (its width is not): the range stays a
/// finite interval, so the state still loads.
#[test]
fn a_context_beyond_a_finite_width_leaves_the_range_as_it_is() {
    let fresh = SmoothTs::new(grid(), 1).unwrap();
    let mut state = fresh.state();
    let range = (-0.45e308, 0.5e308);
    state.range = Some(range);
    let mut l = fresh.clone();
    l.set_state(state).unwrap();
    // Doubling down once: [-1.4e308, 0.5e308], ends finite, width not.
    l.choose(Some(-1.3e308));
    assert_eq!(l.context_span(), Some(range));
    assert_eq!(l.state().pending.unwrap().cell, Some(0));
    l.observe(30.0);
    l.state().validate(grid().len(), l.params()).unwrap();
}

/// The change detector raises its alarm when its CUSUM statistic exceeds
/// the threshold, not when it reaches it: with no allowance, a detector
/// at the threshold stays there on a cost equal to the arm's mean and
/// fires (keeping `drift_keep` of the counts) on a higher one.
#[test]
fn the_drift_alarm_fires_above_the_threshold_not_at_it() {
    let params = SmoothTsParams {
        drift_allowance: 0.0,
        ..SmoothTsParams::default()
    };
    let fresh = SmoothTs::with_params(grid(), 1, params).unwrap();
    let threshold = params.drift_threshold;
    let mut state = fresh.state();
    // Arm 5 played 10 times at cost 40; a round of arm 5 in flight.
    state.rounds = 10;
    state.global[5].n = 10;
    state.global[5].sum = 400.0;
    state.global[5].sum_sq = 16000.0;
    state.drift = [threshold, 0.0];
    state.pending = {
        let mut played = fresh.clone();
        played.choose(None);
        let mut p = played.state().pending.unwrap();
        p.arm = 5;
        Some(p)
    };
    let after = |cost: f64| {
        let mut l = fresh.clone();
        l.set_state(state.clone()).unwrap();
        l.observe(cost);
        let s = l.state();
        (s.drift[0], s.global[5].n)
    };
    assert_eq!(after(40.0), (threshold, 11), "at the threshold: no alarm");
    assert_eq!(
        after(60.0),
        (0.0, 2),
        "above it: alarm, 10 solves kept as 1"
    );
}

/// `rounds()` counts the observed rounds (a chosen round still in flight
/// does not count).
#[test]
fn rounds_counts_the_observed_rounds() {
    let mut l = SmoothTs::new(grid(), 1).unwrap();
    assert_eq!(l.rounds(), 0);
    for t in 1..=3 {
        l.choose(Some(0.5));
        l.observe(30.0);
        assert_eq!(l.rounds(), t);
    }
    l.choose(None);
    assert_eq!(l.rounds(), 3);
    assert_eq!(l.state().rounds, 3);
}

/// A round without a context makes no model-free prediction, even with
/// a fit resting on enough points (no model prediction of such a round
/// is ever checked against its cost), nor does a round on a grid of one
/// omega (nothing to predict between), and a grid of two omegas makes
/// one as any larger grid does (cargo-mutants: each `||` of the early
/// return in `plain_prediction` as `&&`, 4 mutants, computed an unread
/// O(d^2) prediction in context-free or one-omega rounds; `d < 2` as
/// `d <= 2` left a two-omega grid's model unchecked).
#[test]
fn a_round_without_a_context_makes_no_plain_prediction() {
    for arms in [1, 2, 20] {
        let grid = if arms == 1 {
            OmegaGrid::single(1.5).unwrap()
        } else {
            OmegaGrid::new(1.0, 1.95, arms).unwrap()
        };
        let mut l = SmoothTs::new(grid, 6).unwrap();
        let min_checks = l.params().model_min_checks;
        let mut without_with_a_fit = 0;
        for t in 0..60 {
            let context = (t % 3 != 2).then(|| 0.05 + 0.9 * ((t * 7) % 40) as f64 / 40.0);
            l.choose(context);
            let state = l.state();
            let enough = state.model.fit_points >= min_checks
                && (state.model.fit.is_some() || state.model.reciprocal.is_some());
            let pending = state.pending.unwrap();
            let expected = enough && context.is_some() && arms >= 2;
            assert_eq!(
                pending.plain_prediction.is_some(),
                expected,
                "{arms} arms, round {t}, context {context:?}"
            );
            without_with_a_fit += usize::from(enough && !expected);
            let c = context.unwrap_or(0.5);
            l.observe(30.0 + 40.0 * (c - 0.6).powi(2) + pending.arm as f64);
        }
        assert!(
            without_with_a_fit >= 5,
            "{arms} arms: {without_with_a_fit} rounds with a fit but no prediction"
        );
    }
}

/// A grid of 128 omegas (`MAX_ARMS`) is accepted and played; one of 129 is
/// refused naming the limit (cargo-mutants: `d > MAX_ARMS` as `>=`
/// survived).
#[test]
fn grids_of_up_to_128_omegas_are_accepted() {
    let grid = OmegaGrid::new(0.5, 1.95, 128).unwrap();
    let mut l = SmoothTs::new(grid, 2).unwrap();
    for t in 0..3 {
        let arm = l.choose(Some(0.3 + 0.2 * t as f64));
        assert!(arm < 128);
        l.observe(20.0 + arm as f64);
    }
    let too_many = OmegaGrid::new(0.5, 1.95, 129).unwrap();
    match SmoothTs::new(too_many, 2) {
        Err(Error::InvalidArgument { what, detail }) => {
            assert_eq!(what, "omega grid");
            assert!(
                detail.contains("129 omegas") && detail.contains("at most 128"),
                "{detail}"
            );
        }
        Err(other) => panic!("129 omegas: wrong error {other}"),
        Ok(_) => panic!("129 omegas accepted"),
    }
}
