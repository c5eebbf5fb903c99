//! Validated CSR operators: the only way matrix data reaches the kernels.
//!
//! - [`validate_csr`] checks raw CSR arrays (32- or 64-bit indices) and
//!   returns the [`Diagonal`] (positions and inverses of diagonal entries,
//!   and the [`CompactPattern`] the kernels stream instead of the indices
//!   when the pattern fits one), computed once per operator.
//! - [`CsrView`] borrows validated arrays (from a caller or from PETSc,
//!   zero-copy) together with their [`Diagonal`]; kernels run on views.
//! - [`CsrMatrix`] owns a copy in a [`sprs::CsMatI`] plus its diagonal.

use crate::error::{Error, Result};
use sprs::{CsMatI, CsMatViewI, SpIndex};

/// Integer types accepted for CSR row pointers and column indices.
pub trait CsrIndex: SpIndex + Send + Sync + 'static {
    /// The value as i64, for validation and messages.
    fn to_i64(self) -> i64;
}

impl CsrIndex for i32 {
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
}
impl CsrIndex for i64 {
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self
    }
}
impl CsrIndex for usize {
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
}

/// Positions and inverses of the diagonal entries, one per row, and the
/// pattern's [`CompactPattern`] when it has one: what the kernels need
/// besides the CSR arrays, computed once per pattern.
///
/// SOR divides by the diagonal in every row of every sweep; keeping the
/// inverse turns that division into a multiply, as PETSc's MatSOR does.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagonal {
    positions: Vec<usize>,
    inverses: Vec<f64>,
    compact: Option<CompactPattern>,
}

/// The sparsity pattern in 2 bytes per entry plus 2 per row, which the
/// kernels read instead of the column indices, row pointers, diagonal
/// positions and inverses (results unchanged, bit for bit).
///
/// Beyond the caches a sweep moves, per row, 8 bytes of value plus 4 or 8
/// of column index per entry, and 20 to 24 bytes of row pointer, diagonal
/// position and inverse. Here every column is a signed 16-bit offset from
/// its row, every row the counts of its entries left and right of the
/// diagonal (a byte each), and 1 / a_ii is recomputed from the diagonal
/// value the sweep streams anyway (a division off the row-to-row chain,
/// the same correctly rounded quotient as the stored inverse): 10 bytes
/// per entry plus 2 per row besides the vectors, instead of 12 or 16 plus
/// 20 or 24.
///
/// Built by [`validate_csr`] when every column lies within i16 of its row
/// (-32,768 to 32,767: a 2D grid up to 32,767 points wide, a 3D one up to
/// 181 x 181 in its first two dimensions, banded matrices) and no row has
/// more than 255 entries on either side of its diagonal; otherwise the
/// kernels read the CSR arrays as given. Memory: 2 bytes per entry plus 2
/// per row ([`CompactPattern::bytes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CompactPattern {
    /// Column minus row, per entry, in CSR order.
    offsets: Vec<i16>,
    /// (entries before the diagonal, entries after it), per row.
    parts: Vec<[u8; 2]>,
}

impl CompactPattern {
    /// The compact form of a validated pattern, or None when it does not
    /// fit (a column beyond i16 of its row, more than 255 entries on one
    /// side of a diagonal).
    fn build<I: CsrIndex>(rowptr: &[I], colind: &[I], positions: &[usize]) -> Option<Self> {
        let mut offsets = Vec::with_capacity(colind.len());
        let mut parts = Vec::with_capacity(positions.len());
        for (row, &d) in positions.iter().enumerate() {
            let (start, end) = (
                rowptr[row].index_unchecked(),
                rowptr[row + 1].index_unchecked(),
            );
            parts.push([
                u8::try_from(d - start).ok()?,
                u8::try_from(end - d - 1).ok()?,
            ]);
            for col in &colind[start..end] {
                offsets.push(i16::try_from(CsrIndex::to_i64(*col) - row as i64).ok()?);
            }
        }
        Some(Self { offsets, parts })
    }

    /// Column minus row of every entry, in CSR order.
    #[inline(always)]
    pub fn offsets(&self) -> &[i16] {
        &self.offsets
    }

    /// (entries before the diagonal, entries after it) of every row.
    #[inline(always)]
    pub fn parts(&self) -> &[[u8; 2]] {
        &self.parts
    }

    /// Bytes held: 2 per stored entry plus 2 per row.
    pub fn bytes(&self) -> usize {
        2 * self.offsets.len() + 2 * self.parts.len()
    }
}

impl Diagonal {
    /// Index into `values`/`colind` of row i's diagonal entry.
    #[inline(always)]
    pub fn positions(&self) -> &[usize] {
        &self.positions
    }
    /// 1 / a_ii per row.
    #[inline(always)]
    pub fn inverses(&self) -> &[f64] {
        &self.inverses
    }
    pub fn len(&self) -> usize {
        self.positions.len()
    }
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
    /// The compact pattern the kernels use, if the pattern has one.
    #[inline(always)]
    pub fn compact(&self) -> Option<&CompactPattern> {
        self.compact.as_ref()
    }
    /// The same diagonal without its compact pattern: the kernels then
    /// read the CSR arrays (to compare both paths, or to save its memory).
    pub fn without_compact(mut self) -> Self {
        self.compact = None;
        self
    }

    /// Recompute the inverses after values changed in place (same pattern);
    /// checks that the new values are finite and the diagonal non-zero.
    /// On error nothing is changed.
    pub fn refresh_values<I: CsrIndex>(
        &mut self,
        rowptr: &[I],
        colind: &[I],
        values: &[f64],
    ) -> Result<()> {
        check_values(rowptr, colind, values)?;
        let mut inverses = Vec::with_capacity(self.positions.len());
        for (row, &p) in self.positions.iter().enumerate() {
            let d = values[p];
            if d == 0.0 {
                return Err(Error::ZeroDiagonal { row });
            }
            inverses.push(1.0 / d);
        }
        self.inverses = inverses;
        Ok(())
    }
}

fn check_values<I: CsrIndex>(rowptr: &[I], colind: &[I], values: &[f64]) -> Result<()> {
    if values.len() != colind.len() {
        return Err(Error::InconsistentSizes {
            what: "values length vs column index length",
            expected: colind.len() as i64,
            got: values.len() as i64,
        });
    }
    for row in 0..rowptr.len().saturating_sub(1) {
        for k in rowptr[row].index_unchecked()..rowptr[row + 1].index_unchecked() {
            if !values[k].is_finite() {
                return Err(Error::NonFiniteValue {
                    row,
                    col: colind[k].to_i64(),
                    value: values[k],
                });
            }
        }
    }
    Ok(())
}

/// Check raw CSR arrays of an n x n operator and find its diagonal.
///
/// Rejects, naming the offending row/column/value: negative n (or
/// i64::MAX), row
/// pointers that do not have n+1 entries, do not start at 0, decrease, or
/// disagree with the array lengths; column indices out of range; unsorted
/// or duplicate columns within a row; non-finite values; missing or zero
/// diagonal entries.
pub fn validate_csr<I: CsrIndex>(
    n: i64,
    rowptr: &[I],
    colind: &[I],
    values: &[f64],
) -> Result<Diagonal> {
    // i64::MAX is refused here, not by the length check below: n + 1
    // would overflow there (a panic in debug builds, a wrapped count in
    // the message otherwise), and no row pointer array can be that long.
    if n < 0 || n == i64::MAX {
        return Err(Error::InvalidSize {
            what: "n (matrix size)",
            value: n,
        });
    }
    let n_us = n as usize;
    if rowptr.len() != n_us + 1 {
        return Err(Error::InconsistentSizes {
            what: "row pointer length (must be n + 1)",
            expected: n + 1,
            got: rowptr.len() as i64,
        });
    }
    if rowptr[0].to_i64() != 0 {
        return Err(Error::InvalidRowPointer(format!(
            "rowptr[0] = {} (must be 0)",
            rowptr[0].to_i64()
        )));
    }
    for row in 0..n_us {
        let (a, b) = (rowptr[row].to_i64(), rowptr[row + 1].to_i64());
        if b < a {
            return Err(Error::InvalidRowPointer(format!(
                "rowptr decreases at row {row}: rowptr[{row}] = {a}, rowptr[{}] = {b}",
                row + 1
            )));
        }
    }
    let nnz = rowptr[n_us].to_i64();
    if nnz != colind.len() as i64 {
        return Err(Error::InconsistentSizes {
            what: "rowptr[n] vs column index length",
            expected: nnz,
            got: colind.len() as i64,
        });
    }
    if values.len() != colind.len() {
        return Err(Error::InconsistentSizes {
            what: "values length vs column index length",
            expected: colind.len() as i64,
            got: values.len() as i64,
        });
    }
    let mut positions = Vec::with_capacity(n_us);
    let mut inverses = Vec::with_capacity(n_us);
    for row in 0..n_us {
        let (start, end) = (
            rowptr[row].to_i64() as usize,
            rowptr[row + 1].to_i64() as usize,
        );
        let mut diag = None;
        let mut prev: Option<i64> = None;
        for k in start..end {
            let col = colind[k].to_i64();
            if col < 0 || col >= n {
                return Err(Error::ColumnOutOfRange { row, col, n: n_us });
            }
            if let Some(p) = prev {
                if col == p {
                    return Err(Error::DuplicateColumn { row, col });
                }
                if col < p {
                    return Err(Error::UnsortedColumns { row, prev: p, col });
                }
            }
            prev = Some(col);
            let v = values[k];
            if !v.is_finite() {
                return Err(Error::NonFiniteValue { row, col, value: v });
            }
            if col as usize == row {
                diag = Some(k);
            }
        }
        let k = diag.ok_or(Error::MissingDiagonal { row })?;
        if values[k] == 0.0 {
            return Err(Error::ZeroDiagonal { row });
        }
        positions.push(k);
        inverses.push(1.0 / values[k]);
    }
    let compact = CompactPattern::build(rowptr, colind, &positions);
    Ok(Diagonal {
        positions,
        inverses,
        compact,
    })
}

/// A borrowed CSR operator whose arrays were validated by [`validate_csr`]
/// and whose diagonal matches them; the kernels' input.
#[derive(Debug, Clone, Copy)]
pub struct CsrView<'a, I: CsrIndex> {
    n: usize,
    rowptr: &'a [I],
    colind: &'a [I],
    values: &'a [f64],
    diag: &'a Diagonal,
}

impl<'a, I: CsrIndex> CsrView<'a, I> {
    /// Validate the arrays against an already computed diagonal cheaply
    /// (lengths only) and build the view.
    ///
    /// # Safety
    /// The arrays must be exactly those `diag` was computed from by
    /// [`validate_csr`] (or refreshed by [`Diagonal::refresh_values`]),
    /// unchanged in pattern since: the kernels index without bounds checks.
    pub unsafe fn new_unchecked(
        rowptr: &'a [I],
        colind: &'a [I],
        values: &'a [f64],
        diag: &'a Diagonal,
    ) -> Self {
        debug_assert_eq!(rowptr.len(), diag.len() + 1);
        debug_assert_eq!(colind.len(), values.len());
        Self {
            n: diag.len(),
            rowptr,
            colind,
            values,
            diag,
        }
    }

    /// Number of rows (= columns).
    #[inline(always)]
    pub fn n(&self) -> usize {
        self.n
    }
    #[inline(always)]
    pub fn rowptr(&self) -> &'a [I] {
        self.rowptr
    }
    #[inline(always)]
    pub fn colind(&self) -> &'a [I] {
        self.colind
    }
    #[inline(always)]
    pub fn values(&self) -> &'a [f64] {
        self.values
    }
    #[inline(always)]
    pub fn diagonal(&self) -> &'a Diagonal {
        self.diag
    }
    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
    /// The same arrays as a sprs view (for users who want sprs algorithms).
    pub fn to_sprs(&self) -> CsMatViewI<'a, f64, I, I> {
        // SAFETY: validated CSR (sorted, in range, consistent lengths).
        unsafe {
            CsMatViewI::new_unchecked(
                sprs::CompressedStorage::CSR,
                (self.n, self.n),
                self.rowptr,
                self.colind,
                self.values,
            )
        }
    }
}

/// An owned, validated square CSR operator (sprs storage, usize indices).
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    mat: CsMatI<f64, usize>,
    diag: Diagonal,
}

impl CsrMatrix {
    /// Validate and copy raw CSR arrays (any accepted index type).
    pub fn from_csr<I: CsrIndex>(
        n: i64,
        rowptr: &[I],
        colind: &[I],
        values: &[f64],
    ) -> Result<Self> {
        let diag = validate_csr(n, rowptr, colind, values)?;
        let n = n as usize;
        let rowptr: Vec<usize> = rowptr.iter().map(|r| r.index_unchecked()).collect();
        let colind: Vec<usize> = colind.iter().map(|c| c.index_unchecked()).collect();
        // SAFETY: validate_csr checked the structure sprs requires.
        let mat = unsafe {
            CsMatI::new_unchecked(
                sprs::CompressedStorage::CSR,
                (n, n),
                rowptr,
                colind,
                values.to_vec(),
            )
        };
        Ok(Self { mat, diag })
    }

    /// Take a sprs matrix (converted to CSR if it is CSC).
    pub fn from_sprs(mat: CsMatI<f64, usize>) -> Result<Self> {
        let mat = if mat.is_csr() { mat } else { mat.to_csr() };
        if mat.rows() != mat.cols() {
            return Err(Error::InconsistentSizes {
                what: "matrix must be square: columns vs rows",
                expected: mat.rows() as i64,
                got: mat.cols() as i64,
            });
        }
        let diag = validate_csr(
            mat.rows() as i64,
            mat.indptr().into_raw_storage(),
            mat.indices(),
            mat.data(),
        )?;
        Ok(Self { mat, diag })
    }

    /// Replace the values in place (same sparsity pattern); validated
    /// first, unchanged on error.
    pub fn update_values(&mut self, values: &[f64]) -> Result<()> {
        let mut diag = self.diag.clone();
        diag.refresh_values(
            self.mat.indptr().into_raw_storage(),
            self.mat.indices(),
            values,
        )?;
        self.mat.data_mut().copy_from_slice(values);
        self.diag = diag;
        Ok(())
    }

    /// Add `shift` to every diagonal entry (e.g. a shifted system A + cI).
    pub fn shift_diagonal(&mut self, shift: f64) -> Result<()> {
        let mut values = self.mat.data().to_vec();
        for &p in self.diag.positions() {
            values[p] += shift;
        }
        self.update_values(&values)
    }

    pub fn n(&self) -> usize {
        self.mat.rows()
    }
    pub fn nnz(&self) -> usize {
        self.mat.nnz()
    }
    /// The stored sprs matrix.
    pub fn as_sprs(&self) -> &CsMatI<f64, usize> {
        &self.mat
    }
    /// The kernels' view of this matrix.
    pub fn view(&self) -> CsrView<'_, usize> {
        // SAFETY: diag was computed from exactly these arrays.
        unsafe {
            CsrView::new_unchecked(
                self.mat.indptr().into_raw_storage(),
                self.mat.indices(),
                self.mat.data(),
                &self.diag,
            )
        }
    }
}

/// The 5-point Laplacian (Dirichlet, natural ordering) on an m x m interior
/// grid, scaled by `scale`: diagonal 4*scale, neighbours -scale. The
/// workhorse of the demo, tests and benchmarks.
pub fn laplacian_2d(m: usize, scale: f64) -> CsrMatrix {
    let n = m * m;
    let mut rowptr = Vec::with_capacity(n + 1);
    let mut colind = Vec::with_capacity(5 * n);
    let mut values = Vec::with_capacity(5 * n);
    rowptr.push(0usize);
    for i in 0..m {
        for j in 0..m {
            let row = i * m + j;
            if i > 0 {
                colind.push(row - m);
                values.push(-scale);
            }
            if j > 0 {
                colind.push(row - 1);
                values.push(-scale);
            }
            colind.push(row);
            values.push(4.0 * scale);
            if j + 1 < m {
                colind.push(row + 1);
                values.push(-scale);
            }
            if i + 1 < m {
                colind.push(row + m);
                values.push(-scale);
            }
            rowptr.push(colind.len());
        }
    }
    CsrMatrix::from_csr(n as i64, &rowptr, &colind, &values).expect("laplacian is valid CSR")
}

/// The 7-point Laplacian (Dirichlet, natural ordering) on an m x m x m
/// interior grid: diagonal 6, neighbours -1 (benchmarks' 3D case).
pub fn laplacian_3d(m: usize) -> CsrMatrix {
    let n = m * m * m;
    let mut rowptr = Vec::with_capacity(n + 1);
    let mut colind = Vec::with_capacity(7 * n);
    let mut values = Vec::with_capacity(7 * n);
    rowptr.push(0usize);
    for k in 0..m {
        for i in 0..m {
            for j in 0..m {
                let row = (k * m + i) * m + j;
                let neighbours = [
                    (k > 0, row.wrapping_sub(m * m)),
                    (i > 0, row.wrapping_sub(m)),
                    (j > 0, row.wrapping_sub(1)),
                    (true, row),
                    (j + 1 < m, row + 1),
                    (i + 1 < m, row + m),
                    (k + 1 < m, row + m * m),
                ];
                for (present, col) in neighbours {
                    if present {
                        colind.push(col);
                        values.push(if col == row { 6.0 } else { -1.0 });
                    }
                }
                rowptr.push(colind.len());
            }
        }
    }
    CsrMatrix::from_csr(n as i64, &rowptr, &colind, &values).expect("laplacian is valid CSR")
}

/// The dense matrix of a view, entry by entry: the reference that the
/// unit tests of the kernels, solvers and generators compare against.
#[cfg(test)]
pub(crate) fn dense_of(a: &CsrView<'_, usize>) -> Vec<Vec<f64>> {
    let mut m = vec![vec![0.0; a.n()]; a.n()];
    for (i, row) in m.iter_mut().enumerate() {
        for k in a.rowptr()[i]..a.rowptr()[i + 1] {
            row[a.colind()[k]] = a.values()[k];
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> (Vec<i32>, Vec<i32>, Vec<f64>) {
        // [ 4 -1  0 ]
        // [-1  4 -1 ]
        // [ 0 -1  4 ]
        (
            vec![0, 2, 5, 7],
            vec![0, 1, 0, 1, 2, 1, 2],
            vec![4.0, -1.0, -1.0, 4.0, -1.0, -1.0, 4.0],
        )
    }

    #[test]
    fn accepts_valid_and_finds_diagonal() {
        let (r, c, v) = small();
        let d = validate_csr(3, &r, &c, &v).unwrap();
        assert_eq!(d.positions(), &[0, 3, 6]);
        assert_eq!(d.inverses(), &[0.25, 0.25, 0.25]);
    }

    #[test]
    fn rejects_each_defect_naming_it() {
        let (r, c, v) = small();
        assert!(matches!(
            validate_csr(-1, &r, &c, &v),
            Err(Error::InvalidSize { value: -1, .. })
        ));
        assert_eq!(
            validate_csr(2, &r, &c, &v).unwrap_err(),
            Error::InconsistentSizes {
                what: "row pointer length (must be n + 1)",
                expected: 3,
                got: 4
            }
        );
        let mut r2 = r.clone();
        r2[0] = 1;
        assert!(matches!(
            validate_csr(3, &r2, &c, &v),
            Err(Error::InvalidRowPointer(_))
        ));
        let mut r3 = r.clone();
        r3[2] = 1;
        let e = validate_csr(3, &r3, &c, &v).unwrap_err();
        assert!(e.to_string().contains("row 1"), "{e}");
        let mut c2 = c.clone();
        c2[4] = 3;
        assert_eq!(
            validate_csr(3, &r, &c2, &v).unwrap_err(),
            Error::ColumnOutOfRange {
                row: 1,
                col: 3,
                n: 3
            }
        );
        let mut c3 = c.clone();
        c3.swap(2, 3);
        assert_eq!(
            validate_csr(3, &r, &c3, &v).unwrap_err(),
            Error::UnsortedColumns {
                row: 1,
                prev: 1,
                col: 0
            }
        );
        let mut c4 = c.clone();
        c4[3] = 0;
        assert_eq!(
            validate_csr(3, &r, &c4, &v).unwrap_err(),
            Error::DuplicateColumn { row: 1, col: 0 }
        );
        let mut v2 = v.clone();
        v2[5] = f64::NAN;
        assert!(matches!(
            validate_csr(3, &r, &c, &v2).unwrap_err(),
            Error::NonFiniteValue { row: 2, col: 1, .. }
        ));
        let mut v3 = v.clone();
        v3[3] = 0.0;
        assert_eq!(
            validate_csr(3, &r, &c, &v3).unwrap_err(),
            Error::ZeroDiagonal { row: 1 }
        );
        let (r4, c5, v4) = (vec![0i64, 1, 2], vec![0i64, 0], vec![1.0, 1.0]);
        assert_eq!(
            validate_csr(2, &r4, &c5, &v4).unwrap_err(),
            Error::MissingDiagonal { row: 1 }
        );
    }

    #[test]
    fn update_values_keeps_matrix_on_error() {
        let (r, c, v) = small();
        let mut m = CsrMatrix::from_csr(3, &r, &c, &v).unwrap();
        let before = m.clone();
        let mut bad = v.clone();
        bad[0] = 0.0;
        assert!(m.update_values(&bad).is_err());
        assert_eq!(m, before);
        m.shift_diagonal(1.0).unwrap();
        assert_eq!(m.view().diagonal().inverses(), &[0.2, 0.2, 0.2]);
    }

    /// The 0 x 0 operator is valid and empty (a rank owning no rows); an
    /// empty row is a missing diagonal, not a bad row pointer (its row
    /// pointers are equal, which is allowed); values of the wrong length
    /// are named.
    #[test]
    fn empty_operator_empty_row_and_value_count() {
        let d = validate_csr(0, &[0i32], &[], &[]).unwrap();
        assert!(d.is_empty());
        assert_eq!(d.len(), 0);
        let m = CsrMatrix::from_csr(0, &[0i32], &[], &[]).unwrap();
        assert_eq!((m.n(), m.nnz(), m.view().n()), (0, 0, 0));
        let (r, c, v) = small();
        let d = validate_csr(3, &r, &c, &v).unwrap();
        assert!(!d.is_empty());
        assert_eq!(d.len(), 3);
        assert_eq!(
            validate_csr(2, &[0i32, 1, 1], &[0], &[2.0]).unwrap_err(),
            Error::MissingDiagonal { row: 1 }
        );
        assert_eq!(
            validate_csr(3, &r, &c, &v[..6]).unwrap_err(),
            Error::InconsistentSizes {
                what: "values length vs column index length",
                expected: 7,
                got: 6
            }
        );
    }

    /// The view and the sprs forms show the same matrix: nnz, sprs view,
    /// and a CSC sprs matrix taken by `from_sprs` (a non-square one
    /// refused).
    #[test]
    fn sprs_forms_and_view_agree() {
        let (r, c, v) = small();
        let m = CsrMatrix::from_csr(3, &r, &c, &v).unwrap();
        let view = m.view();
        assert_eq!(view.nnz(), 7);
        let s = view.to_sprs();
        assert_eq!(s.shape(), (3, 3));
        assert_eq!(s.to_dense(), m.as_sprs().to_dense());
        assert_eq!(s.get(1, 2), Some(&-1.0));
        assert_eq!(s.get(0, 2), None);
        let csc = m.as_sprs().to_csc();
        assert!(!csc.is_csr());
        let back = CsrMatrix::from_sprs(csc).unwrap();
        assert_eq!(back, m);
        let tall = CsMatI::<f64, usize>::new((3, 2), vec![0, 1, 2, 2], vec![0, 1], vec![1.0, 1.0]);
        assert!(matches!(
            CsrMatrix::from_sprs(tall),
            Err(Error::InconsistentSizes {
                expected: 3,
                got: 2,
                ..
            })
        ));
    }

    /// New values are checked before anything changes: a non-finite value
    /// is named by row and column, and the matrix is left as it was.
    #[test]
    fn update_values_refuses_non_finite_values() {
        let (r, c, v) = small();
        let mut m = CsrMatrix::from_csr(3, &r, &c, &v).unwrap();
        let before = m.clone();
        let mut bad = v.clone();
        bad[4] = f64::INFINITY;
        assert!(matches!(
            m.update_values(&bad),
            Err(Error::NonFiniteValue { row: 1, col: 2, .. })
        ));
        assert_eq!(m, before);
        assert!(matches!(
            m.update_values(&v[..6]),
            Err(Error::InconsistentSizes { .. })
        ));
        assert_eq!(m, before);
    }

    /// The generators against the stencil's definition on the grid: a_ij
    /// is the centre weight on the diagonal, -scale (-1) between grid
    /// points at distance 1 (no wrap-around at the grid's edges), 0
    /// elsewhere; the diagonal found is the stencil's centre.
    #[test]
    fn laplacians_are_the_stencils() {
        let (m, scale) = (4, 2.5);
        let a = laplacian_2d(m, scale);
        let got = dense_of(&a.view());
        for (r, row) in got.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                let (ri, rj, ci, cj) = (r / m, r % m, c / m, c % m);
                let distance = ri.abs_diff(ci) + rj.abs_diff(cj);
                let want = match distance {
                    0 => 4.0 * scale,
                    1 => -scale,
                    _ => 0.0,
                };
                assert_eq!(value, want, "2D ({r}, {c})");
            }
        }
        assert_eq!(a.view().diagonal().inverses(), &vec![0.1; m * m][..]);
        let m = 3;
        let a = laplacian_3d(m);
        let got = dense_of(&a.view());
        let point = |r: usize| (r / (m * m), (r / m) % m, r % m);
        for (r, row) in got.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                let ((rk, ri, rj), (ck, ci, cj)) = (point(r), point(c));
                let distance = rk.abs_diff(ck) + ri.abs_diff(ci) + rj.abs_diff(cj);
                let want = match distance {
                    0 => 6.0,
                    1 => -1.0,
                    _ => 0.0,
                };
                assert_eq!(value, want, "3D ({r}, {c})");
            }
        }
        assert_eq!(
            a.view().diagonal().inverses(),
            &vec![1.0 / 6.0; m * m * m][..]
        );
    }

    #[test]
    fn laplacian_shape() {
        let a = laplacian_2d(10, 1.0);
        assert_eq!(a.n(), 100);
        assert_eq!(a.nnz(), 5 * 100 - 4 * 10);
        let a = laplacian_3d(5);
        assert_eq!(a.n(), 125);
        assert_eq!(a.nnz(), 7 * 125 - 6 * 25);
    }
}
