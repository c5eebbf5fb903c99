//! SOR / SSOR kernels: free functions over a [`CsrView`] with
//! caller-provided output, no allocation.
//!
//! Conventions (PETSc's MatSOR): a forward sweep updates rows 0..n-1 in
//! place, x_i <- x_i + omega (b_i - (A x)_i) / a_ii; a backward sweep does
//! the same from row n-1 down; a symmetric sweep is forward then backward.
//! With a zero initial guess the first sweep touches only the triangle
//! that can be non-zero, and a symmetric sweep from zero costs one
//! matrix-vector product in all (the forward pass's lower products are
//! reused by the backward pass), exactly the work MatSOR does.
//!
//! Speed: a sweep is a chain, row i needs row i-1's (backward: i+1's)
//! new value. Every sweep here applies that neighbour last, as its own
//! term, with the scaling folded into its coefficient:
//! x_i = base + s_i (b_i - other terms) - (s_i a_{i,i-1}) x_{i-1}, so the
//! chain from row to row is a single fused multiply-add (with FMA; a
//! multiply and a subtraction without) instead of a multiply, a
//! subtraction and the final scaling by omega / a_ii. Row loops are not
//! unrolled (`opaque_index`): on rows of varying length every loop exit is
//! a likely branch mispredict, and an unrolled loop has two. For the same
//! reason a sweep from a non-zero guess takes each row in one loop, in
//! cyclic order so that the neighbour still comes last
//! (`sweep_row_cyclic`). Each kernel is
//! compiled twice, with and without FMA, and picks at run time
//! (`fma_kernel!`); results differ from plain arithmetic only by rounding.
//!
//! Traffic: beyond the caches a sweep is bound by the bytes it moves. When
//! the view's diagonal carries a [`CompactPattern`](crate::CompactPattern)
//! (16-bit column offsets and per-row counts, built once per pattern by
//! `validate_csr`), the kernels read it instead of the column indices, row
//! pointers, diagonal positions and inverses, and recompute 1 / a_ii from
//! the diagonal value: 10 bytes per entry plus 2 per row besides the
//! vectors, instead of 12 or 16 per entry plus 20 or 24 per row. Every
//! kernel is compiled for both layouts (`Rows`); both feed the same
//! numbers in the same order, so results are identical bit for bit.
//! Beyond the caches, too, every sweep asks for the values and the
//! per-entry pattern a fixed distance ahead of its row
//! (`prefetch_ahead`): the hardware prefetchers alone kept the 1e6-row
//! sweeps at 5-6 GB/s against 13 GB/s of streaming bandwidth.

use crate::matrix::{CsrIndex, CsrView};
use serde::{Deserialize, Serialize};

/// Direction of an SOR sweep. Values are part of the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepKind {
    Forward = 0,
    Backward = 1,
    /// Forward then backward (SSOR); symmetric for symmetric A.
    Symmetric = 2,
}

impl SweepKind {
    pub fn name(self) -> &'static str {
        match self {
            SweepKind::Forward => "forward",
            SweepKind::Backward => "backward",
            SweepKind::Symmetric => "symmetric",
        }
    }
}

/// a * b + c, fused when the kernel is compiled with FMA (`F`).
#[inline(always)]
fn madd<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
    if F {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// A view's rows as a kernel walks them: row bounds, the x entries of a
/// row's stored entries, 1 / a_ii. Implemented by [`CsrRows`] (the CSR
/// arrays as given, the diagonal's positions and inverses) and, for a
/// diagonal with a [`CompactPattern`](crate::matrix::CompactPattern), by
/// [`PerEntryRows`] (2 bytes per entry and per row instead of 12 to 16 per
/// entry and 20 to 24 per row). Both give the kernels the same numbers in
/// the same order, so the results are identical.
trait Rows: Copy {
    /// Where a row finds x at the column of one of its entries.
    type At: Copy;
    /// Row i's (start, diagonal position, end) when rows are visited in
    /// order 0, 1, ...: `next` starts at 0 and is advanced to the next
    /// row's start.
    ///
    /// # Safety
    /// i < n, rows visited in increasing order from 0 with one `next`.
    unsafe fn row_up(&self, next: &mut usize, i: usize) -> (usize, usize, usize);
    /// The same for rows visited n-1, n-2, ...: `next` starts at
    /// [`Rows::nnz`] and is moved back to the previous row's end.
    ///
    /// # Safety
    /// i < n, rows visited in decreasing order from n - 1 with one `next`.
    unsafe fn row_down(&self, next: &mut usize, i: usize) -> (usize, usize, usize);
    /// Stored entries (where a downward walk starts).
    fn nnz(&self) -> usize;
    /// Row i's lookups in x; `start` is the row's first entry.
    ///
    /// # Safety
    /// i < n = x.len(), `start` row i's start.
    unsafe fn at(&self, x: &[f64], i: usize, start: usize) -> Self::At;
    /// x at the column of entry k of the row `at` is for.
    ///
    /// # Safety
    /// k an entry of that row; the x of `at` still alive.
    unsafe fn x_at(&self, at: Self::At, k: usize) -> f64;
    /// 1 / a_ii of row i, whose diagonal value is `a_ii`.
    ///
    /// # Safety
    /// i < n.
    unsafe fn inverse(&self, i: usize, a_ii: f64) -> f64;
    /// Asks the cache for the pattern's per-entry data (column indices or
    /// offsets) at entry k; any k, one beyond the arrays is harmless.
    fn prefetch_entry(&self, k: usize);
}

/// Asks the cache for the line holding `p` (x86-64 PREFETCHT0; nothing
/// elsewhere). A hint only: it never faults, so any address will do.
#[inline(always)]
fn prefetch_line<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing architecturally and never faults,
    // whatever the address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// A layout of a view's pattern: picks the [`Rows`] a kernel is compiled
/// for (`fma_kernel!` compiles every kernel for each).
trait Layout {
    type Rows<'a, I: CsrIndex>: Rows;
    fn rows<'a, I: CsrIndex>(a: &CsrView<'a, I>) -> Self::Rows<'a, I>;
}

/// The CSR arrays as given ([`CsrRows`]).
struct Csr;
/// The diagonal's compact pattern ([`PerEntryRows`]).
struct PerEntry;

impl Layout for Csr {
    type Rows<'a, I: CsrIndex> = CsrRows<'a, I>;
    #[inline(always)]
    fn rows<'a, I: CsrIndex>(a: &CsrView<'a, I>) -> CsrRows<'a, I> {
        let diag = a.diagonal();
        CsrRows {
            rowptr: a.rowptr(),
            colind: a.colind(),
            positions: diag.positions(),
            inverses: diag.inverses(),
        }
    }
}

impl Layout for PerEntry {
    type Rows<'a, I: CsrIndex> = PerEntryRows<'a>;
    /// Panics for a view without a compact pattern (`fma_kernel!` picks
    /// this layout only for views with one).
    #[inline(always)]
    fn rows<'a, I: CsrIndex>(a: &CsrView<'a, I>) -> PerEntryRows<'a> {
        let c = a
            .diagonal()
            .compact()
            .expect("a view with a compact pattern");
        PerEntryRows {
            offsets: c.offsets(),
            parts: c.parts(),
        }
    }
}

#[derive(Clone, Copy)]
struct CsrRows<'a, I> {
    rowptr: &'a [I],
    colind: &'a [I],
    positions: &'a [usize],
    inverses: &'a [f64],
}

impl<I: CsrIndex> CsrRows<'_, I> {
    #[inline(always)]
    unsafe fn row(&self, i: usize) -> (usize, usize, usize) {
        (
            self.rowptr.get_unchecked(i).index_unchecked(),
            *self.positions.get_unchecked(i),
            self.rowptr.get_unchecked(i + 1).index_unchecked(),
        )
    }
}

impl<I: CsrIndex> Rows for CsrRows<'_, I> {
    type At = *const f64;
    #[inline(always)]
    unsafe fn row_up(&self, _next: &mut usize, i: usize) -> (usize, usize, usize) {
        self.row(i)
    }
    #[inline(always)]
    unsafe fn row_down(&self, _next: &mut usize, i: usize) -> (usize, usize, usize) {
        self.row(i)
    }
    #[inline(always)]
    fn nnz(&self) -> usize {
        self.colind.len()
    }
    #[inline(always)]
    unsafe fn at(&self, x: &[f64], _i: usize, _start: usize) -> *const f64 {
        x.as_ptr()
    }
    #[inline(always)]
    unsafe fn x_at(&self, x: *const f64, k: usize) -> f64 {
        *x.add(self.colind.get_unchecked(k).index_unchecked())
    }
    #[inline(always)]
    unsafe fn inverse(&self, i: usize, _a_ii: f64) -> f64 {
        *self.inverses.get_unchecked(i)
    }
    #[inline(always)]
    fn prefetch_entry(&self, k: usize) {
        prefetch_line(self.colind.as_ptr().wrapping_add(k));
    }
}

#[derive(Clone, Copy)]
struct PerEntryRows<'a> {
    offsets: &'a [i16],
    parts: &'a [[u8; 2]],
}

impl Rows for PerEntryRows<'_> {
    /// x_i.
    type At = *const f64;
    #[inline(always)]
    unsafe fn row_up(&self, next: &mut usize, i: usize) -> (usize, usize, usize) {
        let [lower, upper] = *self.parts.get_unchecked(i);
        let start = *next;
        let diag = start + lower as usize;
        let end = diag + 1 + upper as usize;
        *next = end;
        (start, diag, end)
    }
    #[inline(always)]
    unsafe fn row_down(&self, next: &mut usize, i: usize) -> (usize, usize, usize) {
        let [lower, upper] = *self.parts.get_unchecked(i);
        let end = *next;
        let diag = end - 1 - upper as usize;
        let start = diag - lower as usize;
        *next = start;
        (start, diag, end)
    }
    #[inline(always)]
    fn nnz(&self) -> usize {
        self.offsets.len()
    }
    #[inline(always)]
    unsafe fn at(&self, x: &[f64], i: usize, _start: usize) -> *const f64 {
        x.as_ptr().add(i)
    }
    #[inline(always)]
    unsafe fn x_at(&self, x: *const f64, k: usize) -> f64 {
        *x.offset(*self.offsets.get_unchecked(k) as isize)
    }
    #[inline(always)]
    unsafe fn inverse(&self, _i: usize, a_ii: f64) -> f64 {
        1.0 / a_ii
    }
    #[inline(always)]
    fn prefetch_entry(&self, k: usize) {
        prefetch_line(self.offsets.as_ptr().wrapping_add(k));
    }
}

/// init - sum_{k in start..end} values[k] * x[column of k], row i.
///
/// Starting from `init` (b_i) rather than 0 keeps one addition off the
/// row-to-row dependency chain of a sweep (the same trick as PETSc's
/// PetscSparseDenseMinusDot).
///
/// # Safety
/// `start..end` entries of row i of a validated view whose rows `p` are,
/// `x.len() == n`.
#[inline(always)]
unsafe fn row_minus_dot<P: Rows, const F: bool>(
    init: f64,
    p: &P,
    values: &[f64],
    at: P::At,
    start: usize,
    end: usize,
) -> f64 {
    let mut sum = init;
    let mut k = start;
    while k < end {
        sum = madd::<F>(-values.get_unchecked(k), p.x_at(at, k), sum);
        k = opaque_index(k + 1);
    }
    sum
}

/// `k`, hidden from the optimiser so that a loop counting with it has no
/// computable trip count and is not unrolled. Rows are short (a few to a
/// few dozen entries) and, on irregular matrices, of varying length: an
/// unrolled loop (a remainder loop plus a body of four) mispredicts about
/// twice per row part where a plain loop mispredicts once, which made the
/// sweeps 10-50% slower than PETSc's plain loops on such matrices. Costs no
/// instruction.
#[inline(always)]
fn opaque_index(mut k: usize) -> usize {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    // SAFETY: an empty assembly block; it only claims to change k.
    unsafe {
        std::arch::asm!("/* {0} */", inout(reg) k, options(pure, nomem, nostack, preserves_flags));
    }
    k
}

/// base + scale * (init - sum_{k in start..end} values[k] x[column of k]),
/// row i, with the entry `chain` (in start..end: the neighbour just updated
/// by the sweep) applied last, as base + scale (init - others) -
/// (scale a_chain) x_chain: one fused multiply-add after the neighbour is
/// known. An empty range gives base + scale init.
///
/// # Safety
/// As [`row_minus_dot`]; `chain` is `start` or `end - 1` when the range
/// is not empty.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn sweep_row<P: Rows, const F: bool>(
    base: f64,
    scale: f64,
    init: f64,
    p: &P,
    values: &[f64],
    at: P::At,
    start: usize,
    end: usize,
    chain_is_first: bool,
) -> f64 {
    if end == start {
        return madd::<F>(scale, init, base);
    }
    let (chain, rest_start, rest_end) = if chain_is_first {
        (start, start + 1, end)
    } else {
        (end - 1, start, end - 1)
    };
    let rest = row_minus_dot::<P, F>(init, p, values, at, rest_start, rest_end);
    let partial = madd::<F>(scale, rest, base);
    let coupling = values.get_unchecked(chain) * scale;
    madd::<F>(-coupling, p.x_at(at, chain), partial)
}

/// x_i + scale (b_i - sum_{k in start..end} values[k] x[column of k]) for
/// a whole row i in one loop: the entries are taken in cyclic order from
/// `first` (wrapping from end - 1 to start) up to `last`, the entry just
/// before `first` in that order, which comes last, applied as its own
/// fused multiply-add. A sweep passes the just-updated neighbour as `last`
/// and the entry after it as `first`, so the neighbour is the row's only
/// wait on the previous row (as in [`sweep_row`]), yet the row costs one
/// loop (one unpredictable exit on rows of varying length) instead of two.
/// The caller knows both entries from the row's shape, which spares the
/// loop's set-up the general wrap-around arithmetic.
///
/// # Safety
/// As [`row_minus_dot`]; `start < end`, `first` and `last` in start..end,
/// `last` the entry before `first` in cyclic order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn sweep_row_cyclic<P: Rows, const F: bool>(
    xi: f64,
    scale: f64,
    init: f64,
    p: &P,
    values: &[f64],
    at: P::At,
    start: usize,
    end: usize,
    first: usize,
    last: usize,
) -> f64 {
    let mut sum = init;
    let mut k = first;
    // One compare per entry to stop (a separate count of the entries left
    // cost two more instructions per entry).
    while k != last {
        sum = madd::<F>(-values.get_unchecked(k), p.x_at(at, k), sum);
        k += 1;
        k = opaque_index(if k == end { start } else { k });
    }
    let partial = madd::<F>(scale, sum, xi);
    let coupling = values.get_unchecked(last) * scale;
    madd::<F>(-coupling, p.x_at(at, last), partial)
}

/// Defines `pub fn $name` that runs `$body::<I, L, true>` (FMA) when the
/// CPU has FMA and `$body::<I, L, false>` otherwise, with L the view's
/// layout: [`PerEntry`] when its diagonal has a compact pattern, [`Csr`]
/// otherwise. The first argument is the view.
macro_rules! fma_kernel {
    ($(#[$meta:meta])* $name:ident => $body:ident ($view:ident : $vty:ty $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)?) => {
        $(#[$meta])*
        pub fn $name<I: CsrIndex>($view: $vty, $($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn pick<I: CsrIndex, L: Layout>($view: $vty, $($arg: $ty),*) $(-> $ret)? {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "fma")]
                    #[allow(clippy::too_many_arguments)]
                    unsafe fn with_fma<I: CsrIndex, L: Layout>($view: $vty, $($arg: $ty),*) $(-> $ret)? {
                        $body::<I, L, true>($view, $($arg),*)
                    }
                    if std::arch::is_x86_feature_detected!("fma") {
                        // SAFETY: the CPU supports FMA (checked just now).
                        return unsafe { with_fma::<I, L>($view, $($arg),*) };
                    }
                }
                $body::<I, L, false>($view, $($arg),*)
            }
            if $view.diagonal().compact().is_some() {
                pick::<I, PerEntry>($view, $($arg),*)
            } else {
                pick::<I, Csr>($view, $($arg),*)
            }
        }
    };
}

/// How far ahead of its row a sweep asks for the values and the
/// pattern's per-entry data, in entries (4 KiB of values). The hardware
/// prefetchers alone left the 1e6-row sweeps at 5-6 GB/s against 13 GB/s
/// of streaming bandwidth, the downward ones worst; 256 to 2048 entries
/// gave the same times.
const PREFETCH_ENTRIES: usize = 512;

/// Prefetches the values and per-entry pattern data `PREFETCH_ENTRIES`
/// beyond entry k (a row's start) in the sweep's direction (`UP`:
/// increasing). One request per array and row: with rows of up to 8
/// entries (a cache line of values) every line is asked for; longer rows
/// skip some, left to the hardware prefetchers.
#[inline(always)]
fn prefetch_ahead<P: Rows, const UP: bool>(p: &P, values: &[f64], k: usize) {
    let k = if UP {
        k.wrapping_add(PREFETCH_ENTRIES)
    } else {
        k.wrapping_sub(PREFETCH_ENTRIES)
    };
    prefetch_line(values.as_ptr().wrapping_add(k));
    p.prefetch_entry(k);
}

#[inline(always)]
fn check_lengths<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &[f64]) {
    assert_eq!(b.len(), a.n(), "right-hand side length must equal n");
    assert_eq!(x.len(), a.n(), "solution length must equal n");
}

#[inline(always)]
fn forward_sweep_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
) {
    check_lengths(a, b, x);
    let (p, va) = (L::rows(a), a.values());
    let mut next = 0;
    for i in 0..a.n() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, d, e) = p.row_up(&mut next, i);
            prefetch_ahead::<_, true>(&p, va, s);
            // One pass over the row from the diagonal on, wrapping to the
            // lower part: the just-updated neighbour (entry d - 1) comes
            // last.
            let scale = omega * p.inverse(i, *va.get_unchecked(d));
            let xi = *x.get_unchecked(i);
            *x.get_unchecked_mut(i) = if s == d {
                // No lower part, no neighbour to wait for: a plain sum,
                // scaled once (pulling an upper entry out as the chain
                // would scale it alone, where a_ij omega / a_ii can
                // overflow even though the row's update is finite).
                madd::<F>(
                    scale,
                    row_minus_dot::<_, F>(*b.get_unchecked(i), &p, va, p.at(x, i, s), s, e),
                    xi,
                )
            } else {
                sweep_row_cyclic::<_, F>(
                    xi,
                    scale,
                    *b.get_unchecked(i),
                    &p,
                    va,
                    p.at(x, i, s),
                    s,
                    e,
                    d,
                    d - 1,
                )
            };
        }
    }
}

fma_kernel! {
    /// One forward sweep from the current x.
    forward_sweep => forward_sweep_body(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64)
}

#[inline(always)]
fn backward_sweep_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
) {
    check_lengths(a, b, x);
    let (p, va) = (L::rows(a), a.values());
    let mut next = p.nnz();
    for i in (0..a.n()).rev() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, d, e) = p.row_down(&mut next, i);
            prefetch_ahead::<_, false>(&p, va, s);
            let scale = omega * p.inverse(i, *va.get_unchecked(d));
            let xi = *x.get_unchecked(i);
            *x.get_unchecked_mut(i) = if d + 1 == e {
                // No upper part: a plain sum, as in the forward sweep.
                madd::<F>(
                    scale,
                    row_minus_dot::<_, F>(*b.get_unchecked(i), &p, va, p.at(x, i, s), s, e),
                    xi,
                )
            } else {
                // Mirror of the forward sweep: from entry d + 2 on (the
                // row's start when d + 1 is its last entry), wrapping, so
                // that x[i+1]'s entry d + 1 comes last.
                let first = if d + 2 == e { s } else { d + 2 };
                sweep_row_cyclic::<_, F>(
                    xi,
                    scale,
                    *b.get_unchecked(i),
                    &p,
                    va,
                    p.at(x, i, s),
                    s,
                    e,
                    first,
                    d + 1,
                )
            };
        }
    }
}

fma_kernel! {
    /// One backward sweep from the current x.
    backward_sweep => backward_sweep_body(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64)
}

#[inline(always)]
fn forward_sweep_zero_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
) {
    check_lengths(a, b, x);
    let (p, va) = (L::rows(a), a.values());
    let mut next = 0;
    for i in 0..a.n() {
        // SAFETY: validated view; only x[j], j < i (already written) is read.
        unsafe {
            let (s, d, _) = p.row_up(&mut next, i);
            prefetch_ahead::<_, true>(&p, va, s);
            let scale = omega * p.inverse(i, *va.get_unchecked(d));
            *x.get_unchecked_mut(i) = sweep_row::<_, F>(
                0.0,
                scale,
                *b.get_unchecked(i),
                &p,
                va,
                p.at(x, i, s),
                s,
                d,
                false,
            );
        }
    }
}

fma_kernel! {
    /// Forward sweep from x = 0 (x is output only): lower triangle only.
    forward_sweep_zero => forward_sweep_zero_body(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64)
}

#[inline(always)]
fn backward_sweep_zero_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
) {
    check_lengths(a, b, x);
    let (p, va) = (L::rows(a), a.values());
    let mut next = p.nnz();
    for i in (0..a.n()).rev() {
        // SAFETY: validated view; only x[j], j > i (already written) is read.
        unsafe {
            let (s, d, e) = p.row_down(&mut next, i);
            prefetch_ahead::<_, false>(&p, va, s);
            let scale = omega * p.inverse(i, *va.get_unchecked(d));
            *x.get_unchecked_mut(i) = sweep_row::<_, F>(
                0.0,
                scale,
                *b.get_unchecked(i),
                &p,
                va,
                p.at(x, i, s),
                d + 1,
                e,
                true,
            );
        }
    }
}

fma_kernel! {
    /// Backward sweep from x = 0 (x is output only): upper triangle only.
    backward_sweep_zero => backward_sweep_zero_body(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64)
}

#[inline(always)]
fn symmetric_sweep_zero_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
) {
    forward_sweep_zero_body::<I, L, F>(a, b, x, omega);
    let (p, va) = (L::rows(a), a.values());
    let two_minus = 2.0 - omega;
    let mut next = p.nnz();
    for i in (0..a.n()).rev() {
        // SAFETY: validated view, lengths checked by the forward pass.
        unsafe {
            let (s, d, e) = p.row_down(&mut next, i);
            prefetch_ahead::<_, false>(&p, va, s);
            // (2 - w) x_i - w (U x)_i / a_ii.
            let scale = omega * p.inverse(i, *va.get_unchecked(d));
            let base = two_minus * x.get_unchecked(i);
            *x.get_unchecked_mut(i) =
                sweep_row::<_, F>(base, scale, 0.0, &p, va, p.at(x, i, s), d + 1, e, true);
        }
    }
}

fma_kernel! {
    /// Symmetric sweep from x = 0 (x is output only) at the cost of one
    /// matrix-vector product.
    ///
    /// After the forward pass, b_i - (L x)_i = a_ii x_i / omega, so the
    /// backward update x_i <- (1-w) x_i + w (b_i - (L x)_i - (U x)_i) / a_ii
    /// becomes x_i <- (2 - w) x_i - w (U x)_i / a_ii: no lower products again.
    symmetric_sweep_zero => symmetric_sweep_zero_body(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64)
}

/// (sum over the entries of start..end of row i except `chain`, a_chain,
/// x_chain): a row's products split into the part that does not wait on
/// the sweep's previous row and the one entry that does (zeros for an
/// empty range).
///
/// # Safety
/// As [`row_minus_dot`].
#[inline(always)]
unsafe fn split_row<P: Rows, const F: bool>(
    p: &P,
    values: &[f64],
    at: P::At,
    start: usize,
    end: usize,
    chain_is_first: bool,
) -> (f64, f64, f64) {
    if end == start {
        return (0.0, 0.0, 0.0);
    }
    let (chain, rest_start, rest_end) = if chain_is_first {
        (start, start + 1, end)
    } else {
        (end - 1, start, end - 1)
    };
    let rest = -row_minus_dot::<P, F>(0.0, p, values, at, rest_start, rest_end);
    (rest, *values.get_unchecked(chain), p.x_at(at, chain))
}

/// `sweeps` symmetric sweeps, each half-sweep reading only half of every
/// row: a forward pass leaves row i's lower products (L x)_i in `tmp`, and
/// they are still exact when the backward pass reaches row i (it has not
/// yet touched x_j, j < i); the backward pass leaves (U x)_i for the next
/// forward pass likewise. Only the first pass of a non-zero guess reads
/// whole rows. Same iterates as forward_sweep + backward_sweep (up to
/// rounding) at about half the matrix traffic.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn symmetric_sweeps_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
    sweeps: usize,
    zero_initial_guess: bool,
    tmp: &mut [f64],
) {
    check_lengths(a, b, x);
    assert_eq!(tmp.len(), a.n(), "work vector length must equal n");
    let n = a.n();
    let (p, va) = (L::rows(a), a.values());
    let mut upper_known = false;
    let mut remaining = sweeps;
    if zero_initial_guess && sweeps == 0 {
        // No sweep from x = 0 is x = 0 (as in `sor`), whatever x held.
        x.fill(0.0);
    } else if zero_initial_guess {
        forward_sweep_zero_body::<I, L, F>(a, b, x, omega);
        let two_minus = 2.0 - omega;
        let mut next = p.nnz();
        for i in (0..n).rev() {
            // SAFETY: validated view, lengths checked above.
            unsafe {
                let (s, d, e) = p.row_down(&mut next, i);
                prefetch_ahead::<_, false>(&p, va, s);
                let scale = omega * p.inverse(i, *va.get_unchecked(d));
                let (rest, coef, xc) = split_row::<_, F>(&p, va, p.at(x, i, s), d + 1, e, true);
                let base = madd::<F>(-scale, rest, two_minus * x.get_unchecked(i));
                *x.get_unchecked_mut(i) = madd::<F>(-(scale * coef), xc, base);
                *tmp.get_unchecked_mut(i) = madd::<F>(coef, xc, rest);
            }
        }
        upper_known = true;
        remaining -= 1;
    }
    for _ in 0..remaining {
        let mut next = 0;
        for i in 0..n {
            // SAFETY: validated view, lengths checked above.
            unsafe {
                let (s, d, e) = p.row_up(&mut next, i);
                prefetch_ahead::<_, true>(&p, va, s);
                let xi = *x.get_unchecked(i);
                let upper = if upper_known {
                    *tmp.get_unchecked(i)
                } else {
                    -row_minus_dot::<_, F>(0.0, &p, va, p.at(x, i, s), d + 1, e)
                };
                let dii = *va.get_unchecked(d);
                let init = madd::<F>(-dii, xi, b.get_unchecked(i) - upper);
                let scale = omega * p.inverse(i, dii);
                let (rest, coef, xc) = split_row::<_, F>(&p, va, p.at(x, i, s), s, d, false);
                let partial = madd::<F>(scale, init - rest, xi);
                *x.get_unchecked_mut(i) = madd::<F>(-(scale * coef), xc, partial);
                *tmp.get_unchecked_mut(i) = madd::<F>(coef, xc, rest);
            }
        }
        let mut next = p.nnz();
        for i in (0..n).rev() {
            // SAFETY: validated view, lengths checked above.
            unsafe {
                let (s, d, e) = p.row_down(&mut next, i);
                prefetch_ahead::<_, false>(&p, va, s);
                let xi = *x.get_unchecked(i);
                let dii = *va.get_unchecked(d);
                let init = madd::<F>(-dii, xi, b.get_unchecked(i) - tmp.get_unchecked(i));
                let scale = omega * p.inverse(i, dii);
                let (rest, coef, xc) = split_row::<_, F>(&p, va, p.at(x, i, s), d + 1, e, true);
                let partial = madd::<F>(scale, init - rest, xi);
                *x.get_unchecked_mut(i) = madd::<F>(-(scale * coef), xc, partial);
                *tmp.get_unchecked_mut(i) = madd::<F>(coef, xc, rest);
            }
        }
        upper_known = true;
    }
}

fma_kernel! {
    /// `sweeps` symmetric (forward then backward) sweeps with a work vector
    /// `tmp` of length n; from x = 0 (content ignored) with
    /// `zero_initial_guess`. Each half-sweep after the first reads only the
    /// half of each row it must (see the module docs).
    #[allow(clippy::too_many_arguments)]
    symmetric_sweeps => symmetric_sweeps_body(
        a: &CsrView<'_, I>,
        b: &[f64],
        x: &mut [f64],
        omega: f64,
        sweeps: usize,
        zero_initial_guess: bool,
        tmp: &mut [f64],
    )
}

thread_local! {
    /// Work vector of [`sor`]'s symmetric sweeps, kept per thread so that
    /// repeated applications do not allocate.
    static SWEEP_WORK: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `its` sweeps of the given kind on A x = b. With `zero_initial_guess`
/// the content of x on entry is ignored (treated as 0) and the first sweep
/// takes the cheaper zero-guess path. Symmetric sweeps beyond a single
/// zero-guess one go through [`symmetric_sweeps`] with a per-thread work
/// vector.
pub fn sor<I: CsrIndex>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
    kind: SweepKind,
    its: usize,
    zero_initial_guess: bool,
) {
    if zero_initial_guess && its == 0 {
        check_lengths(a, b, x);
        x.fill(0.0);
        return;
    }
    if kind == SweepKind::Symmetric {
        if zero_initial_guess && its == 1 {
            symmetric_sweep_zero(a, b, x, omega);
        } else {
            SWEEP_WORK.with(|work| {
                let mut tmp = work.borrow_mut();
                tmp.resize(a.n(), 0.0);
                symmetric_sweeps(a, b, x, omega, its, zero_initial_guess, &mut tmp);
            });
        }
        return;
    }
    let mut remaining = its;
    if zero_initial_guess {
        match kind {
            SweepKind::Forward => forward_sweep_zero(a, b, x, omega),
            _ => backward_sweep_zero(a, b, x, omega),
        }
        remaining -= 1;
    }
    for _ in 0..remaining {
        match kind {
            SweepKind::Forward => forward_sweep(a, b, x, omega),
            _ => backward_sweep(a, b, x, omega),
        }
    }
}

/// SSOR preconditioner application z = M^-1 r for CG, with
/// M = (D + w L) D^-1 (D + w U) / (w (2 - w)): one symmetric sweep from
/// zero. (Any positive multiple of M gives the same CG iterates.)
pub fn ssor_apply<I: CsrIndex>(a: &CsrView<'_, I>, r: &[f64], z: &mut [f64], omega: f64) {
    symmetric_sweep_zero(a, r, z, omega);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn eisenstat_direction_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    omega: f64,
    r_hat: &[f64],
    beta: f64,
    p_hat: &mut [f64],
    t: &mut [f64],
) -> f64 {
    let n = a.n();
    for v in [r_hat, &*p_hat, &*t] {
        assert_eq!(v.len(), n, "vector length must equal n");
    }
    let (rows, va) = (L::rows(a), a.values());
    let d_weight = 1.0 - 2.0 / omega;
    let mut tat = 0.0;
    let mut next = rows.nnz();
    for i in (0..n).rev() {
        // SAFETY: validated view, lengths checked above; only t[j], j > i
        // (already written) is read.
        unsafe {
            let (s, d, e) = rows.row_down(&mut next, i);
            let dii = *va.get_unchecked(d);
            let p = madd::<F>(beta, *p_hat.get_unchecked(i), dii * r_hat.get_unchecked(i));
            *p_hat.get_unchecked_mut(i) = p;
            let scale = omega * rows.inverse(i, dii);
            let ti = sweep_row::<_, F>(0.0, scale, p, &rows, va, rows.at(t, i, s), d + 1, e, true);
            *t.get_unchecked_mut(i) = ti;
            // t'At = sum d t^2 + 2 t_i (U t)_i, and (U t)_i = p_i - d_i t_i / w.
            tat = madd::<F>(ti, madd::<F>(d_weight * dii, ti, 2.0 * p), tat);
        }
    }
    tat
}

fma_kernel! {
    /// Eisenstat SSOR-PCG, first half of an iteration (rows n-1 down to 0):
    /// the new search direction p_hat = D r_hat + beta p_hat, written in
    /// place, and t = (D/w + U)^-1 p_hat (a backward sweep from zero; t is
    /// the search direction in the original variables). Returns t'A t
    /// (= p_hat' A_hat p_hat, CG's curvature), read off the sweep itself:
    /// (U t)_i = p_hat_i - a_ii t_i / w, so t'At = sum_i t_i (2 p_hat_i +
    /// (1 - 2/w) a_ii t_i) for symmetric A. Reads the upper triangle.
    eisenstat_direction => eisenstat_direction_body(
        a: &CsrView<'_, I>,
        omega: f64,
        r_hat: &[f64],
        beta: f64,
        p_hat: &mut [f64],
        t: &mut [f64],
    ) -> f64
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn eisenstat_update_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    omega: f64,
    alpha: f64,
    p_hat: &[f64],
    t: &[f64],
    w_part: &mut [f64],
    x: &mut [f64],
    r: &mut [f64],
    r_hat: &mut [f64],
) -> (f64, f64) {
    let n = a.n();
    for v in [p_hat, t, &*w_part, &*x, &*r, &*r_hat] {
        assert_eq!(v.len(), n, "vector length must equal n");
    }
    let (rows, va) = (L::rows(a), a.values());
    let inv_omega = 1.0 / omega;
    let c = (2.0 - omega) * inv_omega;
    let (mut rr, mut rz) = (0.0, 0.0);
    let mut next = 0;
    for i in 0..n {
        // SAFETY: validated view, lengths checked above; only w_part[j],
        // j < i (already written) is read.
        unsafe {
            let (s, d, _) = rows.row_up(&mut next, i);
            let dii = *va.get_unchecked(d);
            let (ti, pi) = (*t.get_unchecked(i), *p_hat.get_unchecked(i));
            let u = madd::<F>(-c * dii, ti, pi);
            // L t over the same entries (no chain), then the sweep.
            let mut lower_t = 0.0;
            let t_at = rows.at(t, i, s);
            for k in s..d {
                lower_t = madd::<F>(*va.get_unchecked(k), rows.x_at(t_at, k), lower_t);
            }
            let scale = omega * rows.inverse(i, dii);
            let wi =
                sweep_row::<_, F>(0.0, scale, u, &rows, va, rows.at(w_part, i, s), s, d, false);
            *w_part.get_unchecked_mut(i) = wi;
            let at = madd::<F>(dii * inv_omega, ti, u + lower_t);
            let xi = x.get_unchecked_mut(i);
            *xi = madd::<F>(alpha, ti, *xi);
            let ri = r.get_unchecked_mut(i);
            *ri = madd::<F>(-alpha, at, *ri);
            rr = madd::<F>(*ri, *ri, rr);
            let rhi = r_hat.get_unchecked_mut(i);
            *rhi = madd::<F>(-alpha, ti + wi, *rhi);
            rz = madd::<F>(dii * *rhi, *rhi, rz);
        }
    }
    (rr, rz)
}

fma_kernel! {
    /// Eisenstat SSOR-PCG, second half (rows 0 up to n-1), given p_hat and
    /// t = (D/w + U)^-1 p_hat from [`eisenstat_direction`] and CG's step
    /// alpha. With u = p_hat - (2 - w)/w D t, row by row:
    ///
    /// - w_part = (D/w + L)^-1 u (a forward sweep from zero): the
    ///   transformed operator applied to p_hat is t + w_part;
    /// - A t = (D/w + L) t + u, read off the same lower-triangle entries;
    /// - x += alpha t, r -= alpha A t (the residual the stopping rule
    ///   tests), r_hat -= alpha (t + w_part).
    ///
    /// Returns (||r||^2, r_hat' D r_hat).
    #[allow(clippy::too_many_arguments)]
    eisenstat_update => eisenstat_update_body(
        a: &CsrView<'_, I>,
        omega: f64,
        alpha: f64,
        p_hat: &[f64],
        t: &[f64],
        w_part: &mut [f64],
        x: &mut [f64],
        r: &mut [f64],
        r_hat: &mut [f64],
    ) -> (f64, f64)
}

#[inline(always)]
fn upper_multiply_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    x: &[f64],
    y: &mut [f64],
    omega: f64,
) {
    check_lengths(a, x, y);
    let (rows, va) = (L::rows(a), a.values());
    let inv_omega = 1.0 / omega;
    let mut next = 0;
    for i in 0..a.n() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, d, e) = rows.row_up(&mut next, i);
            let upper = -row_minus_dot::<_, F>(0.0, &rows, va, rows.at(x, i, s), d + 1, e);
            *y.get_unchecked_mut(i) =
                madd::<F>(va.get_unchecked(d) * inv_omega, *x.get_unchecked(i), upper);
        }
    }
}

fma_kernel! {
    /// y = (D/w + U) x: the change of variables of Eisenstat's trick
    /// applied to a non-zero initial guess (PETSc's MatSOR with
    /// SOR_APPLY_UPPER).
    upper_multiply => upper_multiply_body(a: &CsrView<'_, I>, x: &[f64], y: &mut [f64], omega: f64)
}

#[inline(always)]
fn eisenstat_lower_add_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    omega: f64,
    t: &[f64],
    y: &mut [f64],
    w: &mut [f64],
) {
    check_lengths(a, t, y);
    assert_eq!(w.len(), a.n(), "work vector length must equal n");
    let (rows, va) = (L::rows(a), a.values());
    let d_weight = 1.0 - 2.0 / omega;
    let mut next = 0;
    for i in 0..a.n() {
        // SAFETY: validated view, lengths checked above; only w[j], j < i
        // (already written) is read.
        unsafe {
            let (s, d, _) = rows.row_up(&mut next, i);
            let yi = *y.get_unchecked(i);
            let dii = *va.get_unchecked(d);
            let rhs = madd::<F>(d_weight * dii, yi, *t.get_unchecked(i));
            let scale = omega * rows.inverse(i, dii);
            let wi = sweep_row::<_, F>(0.0, scale, rhs, &rows, va, rows.at(w, i, s), s, d, false);
            *w.get_unchecked_mut(i) = wi;
            *y.get_unchecked_mut(i) = yi + wi;
        }
    }
}

fma_kernel! {
    /// Second half of Eisenstat's operator (D/w + L)^-1 A (D/w + U)^-1:
    /// given y = (D/w + U)^-1 x (a backward sweep from zero,
    /// [`backward_sweep_zero`]) and t = x (in parallel, x plus the
    /// off-process couplings times y), w = (D/w + L)^-1 (t + (1 - 2/w) D y)
    /// (a forward sweep from zero, w is work) and y += w. Since
    /// A = (D/w + L) + (D/w + U) + (1 - 2/w) D, y is then the operator
    /// applied to x at the cost of the two triangular sweeps (PETSc's
    /// MatSOR with SOR_EISENSTAT).
    eisenstat_lower_add => eisenstat_lower_add_body(
        a: &CsrView<'_, I>,
        omega: f64,
        t: &[f64],
        y: &mut [f64],
        w: &mut [f64],
    )
}

/// y = (D/w + L)^-1 A (D/w + U)^-1 x, Eisenstat's transformed operator
/// (symmetric A: CG on it, with D as preconditioner, runs SSOR-PCG in the
/// transformed variables), from two triangular sweeps; `w` is work.
pub fn eisenstat_operator<I: CsrIndex>(
    a: &CsrView<'_, I>,
    omega: f64,
    x: &[f64],
    y: &mut [f64],
    w: &mut [f64],
) {
    backward_sweep_zero(a, x, y, omega);
    eisenstat_lower_add(a, omega, x, y, w);
}

#[inline(always)]
fn spmv_body<I: CsrIndex, L: Layout, const F: bool>(a: &CsrView<'_, I>, x: &[f64], y: &mut [f64]) {
    check_lengths(a, x, y);
    let (rows, va) = (L::rows(a), a.values());
    let mut next = 0;
    for (i, yi) in y.iter_mut().enumerate() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, _, e) = rows.row_up(&mut next, i);
            *yi = -row_minus_dot::<_, F>(0.0, &rows, va, rows.at(x, i, s), s, e);
        }
    }
}

fma_kernel! {
    /// y = A x.
    spmv => spmv_body(a: &CsrView<'_, I>, x: &[f64], y: &mut [f64])
}

#[inline(always)]
fn residual_body<I: CsrIndex, L: Layout, const F: bool>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &[f64],
    r: &mut [f64],
) -> f64 {
    check_lengths(a, b, x);
    assert_eq!(r.len(), a.n(), "residual length must equal n");
    let (rows, va) = (L::rows(a), a.values());
    let mut norm2 = 0.0;
    let mut next = 0;
    for i in 0..a.n() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, _, e) = rows.row_up(&mut next, i);
            let ri = row_minus_dot::<_, F>(*b.get_unchecked(i), &rows, va, rows.at(x, i, s), s, e);
            *r.get_unchecked_mut(i) = ri;
            norm2 = madd::<F>(ri, ri, norm2);
        }
    }
    norm2.sqrt()
}

fma_kernel! {
    /// r = b - A x; returns ||r||_2.
    residual => residual_body(a: &CsrView<'_, I>, b: &[f64], x: &[f64], r: &mut [f64]) -> f64
}

/// Euclidean norm.
pub fn norm2(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Dot product.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// y += alpha x.
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{dense_of, laplacian_2d, laplacian_3d};

    fn close(a: &[f64], b: &[f64]) -> bool {
        let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-12 * scale)
    }

    /// The FMA build of every kernel is the one the tests exercise on
    /// machines with FMA; this checks the plain build against it, so both
    /// compute the same thing (up to rounding).
    #[test]
    fn fma_and_plain_builds_agree() {
        fma_and_plain_builds_agree_in::<Csr>();
        fma_and_plain_builds_agree_in::<PerEntry>();
    }

    fn fma_and_plain_builds_agree_in<L: Layout>() {
        for m in [laplacian_2d(9, 1.0), laplacian_3d(5)] {
            let a = m.view();
            let n = a.n();
            let b: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
            let x0: Vec<f64> = (0..n)
                .map(|i| ((i * 104729) % 11) as f64 / 5.0 - 1.0)
                .collect();
            type Kernel = fn(&CsrView<'_, usize>, &[f64], &mut [f64], f64);
            let pairs: [(&str, Kernel, Kernel); 5] = [
                (
                    "forward",
                    forward_sweep_body::<usize, L, false>,
                    forward_sweep_body::<usize, L, true>,
                ),
                (
                    "backward",
                    backward_sweep_body::<usize, L, false>,
                    backward_sweep_body::<usize, L, true>,
                ),
                (
                    "forward zero",
                    forward_sweep_zero_body::<usize, L, false>,
                    forward_sweep_zero_body::<usize, L, true>,
                ),
                (
                    "backward zero",
                    backward_sweep_zero_body::<usize, L, false>,
                    backward_sweep_zero_body::<usize, L, true>,
                ),
                (
                    "symmetric zero",
                    symmetric_sweep_zero_body::<usize, L, false>,
                    symmetric_sweep_zero_body::<usize, L, true>,
                ),
            ];
            for (name, plain, fused) in pairs {
                let (mut xp, mut xf) = (x0.clone(), x0.clone());
                plain(&a, &b, &mut xp, 1.3);
                fused(&a, &b, &mut xf, 1.3);
                assert!(close(&xp, &xf), "{name}");
            }
            for zero in [false, true] {
                let (mut xp, mut xf) = (x0.clone(), x0.clone());
                let (mut tp, mut tf) = (vec![0.0; n], vec![0.0; n]);
                symmetric_sweeps_body::<usize, L, false>(&a, &b, &mut xp, 1.3, 3, zero, &mut tp);
                symmetric_sweeps_body::<usize, L, true>(&a, &b, &mut xf, 1.3, 3, zero, &mut tf);
                assert!(
                    close(&xp, &xf) && close(&tp, &tf),
                    "symmetric sweeps, zero guess {zero}"
                );
            }
            let (mut yp, mut yf) = (vec![0.0; n], vec![0.0; n]);
            spmv_body::<usize, L, false>(&a, &x0, &mut yp);
            spmv_body::<usize, L, true>(&a, &x0, &mut yf);
            assert!(close(&yp, &yf), "spmv");
            let np = residual_body::<usize, L, false>(&a, &b, &x0, &mut yp);
            let nf = residual_body::<usize, L, true>(&a, &b, &x0, &mut yf);
            assert!(close(&yp, &yf) && (np - nf).abs() <= 1e-12 * nf, "residual");
            let run = |fused: bool| {
                let (mut p, mut t, mut w) = (x0.clone(), vec![0.0; n], vec![0.0; n]);
                let (mut x, mut r, mut rh) = (x0.clone(), b.clone(), x0.clone());
                let (pq, sums) = if fused {
                    let pq = eisenstat_direction_body::<usize, L, true>(
                        &a, 1.4, &b, 0.3, &mut p, &mut t,
                    );
                    let s = eisenstat_update_body::<usize, L, true>(
                        &a, 1.4, 0.7, &p, &t, &mut w, &mut x, &mut r, &mut rh,
                    );
                    (pq, s)
                } else {
                    let pq = eisenstat_direction_body::<usize, L, false>(
                        &a, 1.4, &b, 0.3, &mut p, &mut t,
                    );
                    let s = eisenstat_update_body::<usize, L, false>(
                        &a, 1.4, 0.7, &p, &t, &mut w, &mut x, &mut r, &mut rh,
                    );
                    (pq, s)
                };
                (pq, sums, [p, t, w, x, r, rh])
            };
            let (mut yp, mut yf) = (vec![0.0; n], vec![0.0; n]);
            upper_multiply_body::<usize, L, false>(&a, &x0, &mut yp, 1.3);
            upper_multiply_body::<usize, L, true>(&a, &x0, &mut yf, 1.3);
            assert!(close(&yp, &yf), "upper multiply");
            let (mut yp, mut yf) = (x0.clone(), x0.clone());
            let (mut wp, mut wf) = (vec![0.0; n], vec![0.0; n]);
            eisenstat_lower_add_body::<usize, L, false>(&a, 1.3, &b, &mut yp, &mut wp);
            eisenstat_lower_add_body::<usize, L, true>(&a, 1.3, &b, &mut yf, &mut wf);
            assert!(close(&yp, &yf) && close(&wp, &wf), "eisenstat lower add");
            let (pq_p, sums_p, vecs_p) = run(false);
            let (pq_f, sums_f, vecs_f) = run(true);
            assert!((pq_p - pq_f).abs() <= 1e-12 * pq_f.abs(), "eisenstat t'At");
            assert!(
                (sums_p.0 - sums_f.0).abs() <= 1e-12 * sums_f.0.abs(),
                "eisenstat ||r||^2"
            );
            assert!(
                (sums_p.1 - sums_f.1).abs() <= 1e-12 * sums_f.1.abs(),
                "eisenstat rz"
            );
            for (vp, vf) in vecs_p.iter().zip(&vecs_f) {
                assert!(close(vp, vf), "eisenstat vectors");
            }
        }
    }

    /// Solves the triangle (D/w + L) (lower) or (D/w + U) of dense m.
    fn dense_triangular_solve(m: &[Vec<f64>], omega: f64, b: &[f64], lower: bool) -> Vec<f64> {
        let n = b.len();
        let mut x = vec![0.0; n];
        let order: Vec<usize> = if lower {
            (0..n).collect()
        } else {
            (0..n).rev().collect()
        };
        for &i in &order {
            let mut s = b[i];
            for (j, xj) in x.iter().enumerate() {
                if (lower && j < i) || (!lower && j > i) {
                    s -= m[i][j] * xj;
                }
            }
            x[i] = s * omega / m[i][i];
        }
        x
    }

    /// The Eisenstat kernels against the dense definitions: (D/w + U) x,
    /// and (D/w + L)^-1 A (D/w + U)^-1 x with A the whole matrix, on a
    /// nonsymmetric matrix with a non-constant diagonal (so a wrong
    /// diagonal weight, a swapped triangle or a lost term shows).
    #[test]
    fn eisenstat_kernels_match_dense_definitions() {
        let base = laplacian_2d(5, 1.0);
        let v = base.view();
        let n = v.n();
        let rowptr: Vec<usize> = v.rowptr().to_vec();
        let colind: Vec<usize> = v.colind().to_vec();
        let values: Vec<f64> = (0..colind.len())
            .map(|k| {
                let i = rowptr.partition_point(|&p| p <= k) - 1;
                if colind[k] == i {
                    4.0 + (i % 5) as f64 * 0.5
                } else {
                    -1.0 + 0.1 * ((k * 7) % 5) as f64
                }
            })
            .collect();
        let owned =
            crate::matrix::CsrMatrix::from_csr(n as i64, &rowptr, &colind, &values).unwrap();
        let a = owned.view();
        let m = dense_of(&a);
        let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 / 3.0 - 1.5).collect();
        for omega in [0.7, 1.0, 1.6] {
            let mut y = vec![0.0; n];
            upper_multiply(&a, &x, &mut y, omega);
            let want: Vec<f64> = (0..n)
                .map(|i| m[i][i] / omega * x[i] + (i + 1..n).map(|j| m[i][j] * x[j]).sum::<f64>())
                .collect();
            assert!(close(&y, &want), "upper multiply, omega {omega}");
            let u = dense_triangular_solve(&m, omega, &x, false);
            let au: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| m[i][j] * u[j]).sum())
                .collect();
            let want = dense_triangular_solve(&m, omega, &au, true);
            let (mut y, mut w) = (vec![7.0; n], vec![-3.0; n]);
            eisenstat_operator(&a, omega, &x, &mut y, &mut w);
            assert!(close(&y, &want), "eisenstat operator, omega {omega}");
        }
    }

    /// `name()` is how the PETSc plugin names a sweep in its messages; it
    /// must be the spelling of the configuration and state files (serde's).
    #[test]
    fn sweep_names_are_the_serialised_names() {
        for kind in [
            SweepKind::Forward,
            SweepKind::Backward,
            SweepKind::Symmetric,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
    }

    /// Zero sweeps leave x as it was, or 0 from a zero initial guess (whose
    /// content on entry is to be ignored), as `sor` does.
    #[test]
    fn no_symmetric_sweep_is_the_initial_guess() {
        let m = laplacian_2d(4, 1.0);
        let a = m.view();
        let n = a.n();
        let b = vec![1.0; n];
        let garbage: Vec<f64> = (0..n).map(|i| i as f64 - 3.5).collect();
        for zero in [false, true] {
            let mut x = garbage.clone();
            symmetric_sweeps(&a, &b, &mut x, 1.3, 0, zero, &mut vec![0.0; n]);
            let want = if zero { vec![0.0; n] } else { garbage.clone() };
            assert_eq!(x, want, "zero initial guess {zero}");
            let mut x = garbage.clone();
            sor(&a, &b, &mut x, 1.3, SweepKind::Symmetric, 0, zero);
            assert_eq!(x, want, "sor, zero initial guess {zero}");
        }
    }

    /// The panic message of `f`, or None when it returns.
    fn panic_message(f: impl FnOnce()) -> Option<String> {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        outcome.err().map(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    }

    /// The public kernels check the vector lengths before their unchecked
    /// loops: a vector of the wrong length is a panic naming it, not a read
    /// or write past the end (vectors one too long here, so that a kernel
    /// without the check runs to completion and the test sees no panic).
    #[test]
    fn kernels_refuse_vectors_of_the_wrong_length() {
        let m = laplacian_2d(3, 1.0);
        let a = m.view();
        let n = a.n();
        let (rhs, sol) = ("right-hand side length", "solution length");
        type Kernel<'k> = Box<dyn Fn(&[f64], &mut [f64]) + 'k>;
        let cases: Vec<(&str, &str, Kernel)> = vec![
            (
                "forward_sweep",
                rhs,
                Box::new(|b, x| forward_sweep(&a, b, x, 1.2)),
            ),
            (
                "backward_sweep",
                rhs,
                Box::new(|b, x| backward_sweep(&a, b, x, 1.2)),
            ),
            (
                "forward_sweep_zero",
                rhs,
                Box::new(|b, x| forward_sweep_zero(&a, b, x, 1.2)),
            ),
            (
                "backward_sweep_zero",
                rhs,
                Box::new(|b, x| backward_sweep_zero(&a, b, x, 1.2)),
            ),
            (
                "symmetric_sweep_zero",
                rhs,
                Box::new(|b, x| symmetric_sweep_zero(&a, b, x, 1.2)),
            ),
            (
                "symmetric_sweeps",
                rhs,
                Box::new(|b, x| symmetric_sweeps(&a, b, x, 1.2, 2, false, &mut vec![0.0; n])),
            ),
            (
                "sor, no sweep",
                rhs,
                Box::new(|b, x| sor(&a, b, x, 1.2, SweepKind::Forward, 0, true)),
            ),
            (
                "spmv",
                "right-hand side length",
                Box::new(|v, y| spmv(&a, v, y)),
            ),
            (
                "upper_multiply",
                rhs,
                Box::new(|v, y| upper_multiply(&a, v, y, 1.2)),
            ),
            (
                "eisenstat_lower_add",
                rhs,
                Box::new(|t, y| eisenstat_lower_add(&a, 1.2, t, y, &mut vec![0.0; n])),
            ),
            (
                "residual",
                rhs,
                Box::new(|b, x| {
                    residual(&a, b, x, &mut vec![0.0; n]);
                }),
            ),
        ];
        for (name, first, kernel) in &cases {
            let long = vec![1.0; n + 1];
            let msg = panic_message(|| kernel(&long, &mut vec![0.0; n]));
            assert!(
                msg.as_deref().is_some_and(|m| m.contains(first)),
                "{name}: first vector of length n + 1 gave {msg:?}"
            );
            if *name == "residual" {
                continue; // its second vector is read-only x: checked below
            }
            let msg = panic_message(|| kernel(&vec![1.0; n], &mut vec![0.0; n + 1]));
            assert!(
                msg.as_deref().is_some_and(|m| m.contains(sol)),
                "{name}: second vector of length n + 1 gave {msg:?}"
            );
        }
        let msg = panic_message(|| {
            residual(&a, &vec![1.0; n], &vec![0.0; n + 1], &mut vec![0.0; n]);
        });
        assert!(
            msg.is_some_and(|m| m.contains(sol)),
            "residual: x of length n + 1"
        );
    }
}
