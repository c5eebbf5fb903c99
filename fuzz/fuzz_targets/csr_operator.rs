//! Operator validation, application and sweeps on arbitrary CSR arrays,
//! 32- and 64-bit indices.
//!
//! Oracles: validation never panics and gives the same verdict (and the
//! same diagonal) for 32- and 64-bit copies of the same arrays; the owned
//! matrix and the preconditioner accept exactly what validation accepts and
//! keep their previous operator otherwise; on accepted operators the
//! sweeps over 32-bit, 64-bit and owned (usize) views agree bit for bit,
//! zero-guess forward/backward sweeps equal the general sweeps started
//! from zero, and the one-product symmetric sweep matches forward +
//! backward on diagonally dominant matrices; `update_values` accepts
//! exactly the values validation accepts and changes nothing otherwise.
#![no_main]

use banditsor::matrix::CsrView;
use banditsor::sweep::{residual, sor, spmv};
use banditsor::{validate_csr, CsrIndex, CsrMatrix, Diagonal, Preconditioner, SweepKind};
use banditsor_fuzz::{same, Bytes};
use libfuzzer_sys::fuzz_target;

struct Csr {
    n: i64,
    rowptr: Vec<i64>,
    colind: Vec<i64>,
    values: Vec<f64>,
}

/// Arrays straight from the bytes (mostly rejected).
fn raw(b: &mut Bytes) -> Csr {
    let n = b.index();
    let rowptr = (0..b.below(20)).map(|_| b.index()).collect();
    let colind: Vec<i64> = (0..b.below(40)).map(|_| b.index()).collect();
    let nv = if b.bool() { colind.len() } else { b.below(40) };
    let values = (0..nv).map(|_| b.f64()).collect();
    Csr {
        n,
        rowptr,
        colind,
        values,
    }
}

/// A well-formed pattern from the bytes, then at most one defect.
fn structured(b: &mut Bytes) -> Csr {
    let n = b.below(13);
    let mut rowptr = vec![0i64];
    let mut colind = Vec::new();
    let mut values = Vec::new();
    for row in 0..n {
        let mask = u16::from_le_bytes([b.u8(), b.u8()]);
        let keep_diagonal = b.u8() != 255;
        for col in 0..n {
            let stored = if col == row {
                keep_diagonal
            } else {
                mask >> col & 1 == 1
            };
            if stored {
                colind.push(col as i64);
                values.push(if col == row { 20.0 } else { 1.0 } * b.f64());
            }
        }
        rowptr.push(colind.len() as i64);
    }
    let pick = |b: &mut Bytes, len: usize| (len > 0).then(|| b.below(len));
    match b.u8() % 8 {
        1 => {
            if let (Some(i), Some(j)) = (pick(b, colind.len()), pick(b, colind.len())) {
                colind.swap(i, j);
            }
        }
        2 => {
            if let Some(i) = pick(b, colind.len()) {
                colind[i] = b.index();
            }
        }
        3 => {
            let i = b.below(rowptr.len());
            rowptr[i] = b.index();
        }
        4 => {
            if let Some(i) = pick(b, values.len()) {
                values[i] = b.f64();
            }
        }
        5 => {
            values.pop();
        }
        6 => {
            if let Some(i) = pick(b, colind.len()) {
                if i > 0 {
                    colind[i] = colind[i - 1];
                }
            }
        }
        _ => {}
    }
    Csr {
        n: n as i64,
        rowptr,
        colind,
        values,
    }
}

const KINDS: [SweepKind; 3] = [
    SweepKind::Forward,
    SweepKind::Backward,
    SweepKind::Symmetric,
];

/// Every sweep kind, 1 to 3 sweeps, zero guess and from a given x.
fn sweeps<I: CsrIndex>(a: &CsrView<'_, I>, r: &[f64], x0: &[f64], omega: f64) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for kind in KINDS {
        for its in 1..=3 {
            let mut z = vec![f64::NAN; a.n()];
            sor(a, r, &mut z, omega, kind, its, true);
            out.push(z);
            let mut x = x0.to_vec();
            sor(a, r, &mut x, omega, kind, its, false);
            out.push(x);
        }
    }
    let mut y = vec![0.0; a.n()];
    spmv(a, x0, &mut y);
    out.push(y);
    let mut res = vec![0.0; a.n()];
    residual(a, r, x0, &mut res);
    out.push(res);
    out
}

fn assert_same(a: &[Vec<f64>], b: &[Vec<f64>], what: &str) {
    assert_eq!(a.len(), b.len());
    for (k, (u, v)) in a.iter().zip(b).enumerate() {
        for (i, (&p, &q)) in u.iter().zip(v).enumerate() {
            assert!(same(p, q), "{what}: result {k}, entry {i}: {p} vs {q}");
        }
    }
}

/// Over the 32-bit arrays that were validated: where the 64-bit values
/// do not fit in 32 bits, the 64-bit arrays may be the ones refused.
fn diagonally_dominant(rowptr: &[i32], colind: &[i32], values: &[f64]) -> bool {
    (0..rowptr.len() - 1).all(|row| {
        let (s, e) = (rowptr[row] as usize, rowptr[row + 1] as usize);
        let mut diag = 0.0;
        let mut off = 0.0;
        for k in s..e {
            if colind[k] as usize == row {
                diag = values[k].abs();
            } else {
                off += values[k].abs();
            }
        }
        diag >= 1.0 && diag >= 2.0 * off && off < 1e6
    })
}

fn check(a: &Csr, b: &mut Bytes) {
    let v64 = validate_csr(a.n, &a.rowptr, &a.colind, &a.values);
    let rp32: Vec<i32> = a.rowptr.iter().map(|&v| v as i32).collect();
    let ci32: Vec<i32> = a.colind.iter().map(|&v| v as i32).collect();
    let v32 = validate_csr(a.n, &rp32, &ci32, &a.values);
    let fits = a
        .rowptr
        .iter()
        .chain(&a.colind)
        .all(|&v| i32::try_from(v).is_ok());
    if fits {
        // Debug text, not ==: a NaN in the error must compare equal.
        assert_eq!(
            format!("{v32:?}"),
            format!("{v64:?}"),
            "32- and 64-bit validation disagree"
        );
    }
    if let Err(e) = &v64 {
        assert!(!e.to_string().is_empty());
    }

    // The owned matrix and the preconditioner accept exactly what
    // validation accepts; on refusal the previous operator stays.
    let owned = CsrMatrix::from_csr(a.n, &a.rowptr, &a.colind, &a.values);
    assert_eq!(owned.is_ok(), v64.is_ok());
    let mut pc = Preconditioner::new();
    pc.set_operator(banditsor::laplacian_2d(1, 1.0));
    let set = pc.set_operator_csr(a.n, &a.rowptr, &a.colind, &a.values);
    assert_eq!(set.is_ok(), v64.is_ok());
    if set.is_err() {
        assert_eq!(
            pc.operator().map(|m| m.n()),
            Some(1),
            "operator replaced on error"
        );
    }
    let set32 = pc.set_operator_csr(a.n, &rp32, &ci32, &a.values);
    assert_eq!(set32.is_ok(), v32.is_ok());

    let omega = (1 + b.below(199)) as f64 / 100.0;
    if let Ok(diag32) = &v32 {
        // The PETSc plugin's path: validate borrowed 32-bit arrays, then
        // sweep over a view of them.
        let n = diag32.len();
        let r: Vec<f64> = (0..n).map(|_| b.f64()).collect();
        let x0: Vec<f64> = (0..n).map(|_| b.f64()).collect();
        // SAFETY: diag32 was computed by validate_csr from these arrays.
        let view32 = unsafe { CsrView::new_unchecked(&rp32, &ci32, &a.values, diag32) };
        let out32 = sweeps(&view32, &r, &x0, omega);
        if let Ok(diag64) = &v64 {
            let view64 = unsafe { CsrView::new_unchecked(&a.rowptr, &a.colind, &a.values, diag64) };
            assert_same(&out32, &sweeps(&view64, &r, &x0, omega), "i32 vs i64 view");
        }
        check_accepted(a, diag32, &rp32, &ci32, &r, &x0, omega, b);
    }
}

#[allow(clippy::too_many_arguments)]
fn check_accepted(
    a: &Csr,
    diag: &Diagonal,
    rp32: &[i32],
    ci32: &[i32],
    r: &[f64],
    x0: &[f64],
    omega: f64,
    b: &mut Bytes,
) {
    let n = diag.len();
    let view32 = unsafe { CsrView::new_unchecked(rp32, ci32, &a.values, diag) };
    let owned = CsrMatrix::from_csr(a.n, rp32, ci32, &a.values).expect("validated");
    assert_same(
        &sweeps(&view32, r, x0, omega),
        &sweeps(&owned.view(), r, x0, omega),
        "i32 view vs owned",
    );

    // Zero-guess sweeps equal the general ones started from x = 0.
    let zeros = vec![0.0; n];
    let dominant = diagonally_dominant(rp32, ci32, &a.values) && r.iter().all(|v| v.abs() <= 1e6);
    for kind in KINDS {
        let mut fast = vec![f64::NAN; n];
        sor(&view32, r, &mut fast, omega, kind, 1, true);
        let mut slow = zeros.clone();
        sor(&view32, r, &mut slow, omega, kind, 1, false);
        if kind == SweepKind::Symmetric {
            if dominant {
                let scale = 1.0 + slow.iter().chain(r).fold(0.0f64, |m, v| m.max(v.abs()));
                for i in 0..n {
                    assert!(
                        (fast[i] - slow[i]).abs() <= 1e-9 * scale,
                        "symmetric zero-guess sweep, row {i}: {} vs {}",
                        fast[i],
                        slow[i]
                    );
                }
            }
        } else {
            for i in 0..n {
                assert!(same(fast[i], slow[i]), "{kind:?} zero-guess sweep, row {i}");
            }
        }
    }

    // The preconditioner applies one symmetric sweep at its omega.
    let mut pc = Preconditioner::new();
    pc.set_operator(owned.clone());
    let omega_pc = pc.presolve(None).expect("presolve");
    let mut z = vec![0.0; n];
    pc.apply(r, &mut z).expect("apply");
    let mut want = vec![0.0; n];
    sor(
        &owned.view(),
        r,
        &mut want,
        omega_pc,
        SweepKind::Symmetric,
        1,
        true,
    );
    assert!(z.iter().zip(&want).all(|(&p, &q)| same(p, q)));
    if n > 0 {
        assert!(pc.apply(&r[1..], &mut z).is_err(), "short r accepted");
    }

    // New values on the same pattern: accepted iff validation accepts them;
    // refused values change nothing.
    let mut new_values = a.values.clone();
    for _ in 0..b.below(4) {
        if !new_values.is_empty() {
            let k = b.below(new_values.len());
            new_values[k] = b.f64();
        }
    }
    if b.below(8) == 0 {
        new_values.push(1.0);
    }
    let verdict = validate_csr(a.n, rp32, ci32, &new_values);
    let updated = pc.update_values(&new_values);
    assert_eq!(
        updated.is_ok(),
        verdict.is_ok(),
        "{updated:?} vs {verdict:?}"
    );
    let mut z2 = vec![0.0; n];
    pc.apply(r, &mut z2).expect("apply");
    if updated.is_err() {
        assert!(
            z.iter().zip(&z2).all(|(&p, &q)| same(p, q)),
            "refused update changed the operator"
        );
    } else {
        let fresh = CsrMatrix::from_csr(a.n, rp32, ci32, &new_values).expect("validated");
        assert_eq!(pc.operator().expect("set"), &fresh);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let a = if b.bool() {
        structured(&mut b)
    } else {
        raw(&mut b)
    };
    check(&a, &mut b);
});
