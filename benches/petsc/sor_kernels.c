static char help[] = "SOR sweep kernels: PETSc's MatSOR against the banditsor PC in the same process.\n\
Builds each matrix as MATSEQAIJ, then times (best of -reps samples, the two\n\
implementations alternating) four variants at a fixed omega:\n\
  forward    one forward sweep from a non-zero x   MatSOR(SOR_FORWARD_SWEEP)   / PCApplyRichardson(its 1, nonzero guess), -pc_banditsor_forward\n\
  backward   one backward sweep from a non-zero x  MatSOR(SOR_BACKWARD_SWEEP)  / same, -pc_banditsor_backward\n\
  symmetric  one SSOR sweep from a non-zero x      MatSOR(SOR_SYMMETRIC_SWEEP) / same, -pc_banditsor_symmetric\n\
  ssor0      SSOR from x = 0 (the PC apply)        MatSOR(SOR_SYMMETRIC_SWEEP | SOR_ZERO_INITIAL_GUESS) / PCApply\n\
Options:\n\
  -sizes n1,n2,...      target row counts (default 10000,100000,1000000,4000000)\n\
  -matrices 2d,3d,irregular   which matrices (default all three)\n\
  -reps R               timing samples per variant and implementation (default 5)\n\
  -omega W              the fixed omega of both (default 1.0)\n\
  -sample_seconds S     each sample repeats the application until about S CPU seconds (default 0.05)\n\
  -out FILE             TSV of the results (default: stdout only)\n\
The banditsor plugin must be loaded: -dll_append /path/libbanditsor_petsc.so\n\n";

/*
   benches/petsc/sor_kernels.c - same-process comparison of the SOR kernels
   (benches/petsc/kernels.sh builds and runs it; see BENCHMARKS.md).

   Matrices (n is the requested size; the grids round it):
     2d         5-point Laplacian on an m x m grid, m = round(sqrt(n)),
                Dirichlet boundary eliminated (4 on the diagonal, -1 off it)
     3d         7-point Laplacian on an m^3 grid, m = round(cbrt(n)) (6, -1)
     irregular  random geometric graph: n points uniform in the unit square
                (xorshift64*, fixed seed), edges between points closer than
                r = sqrt(8 / (pi n)) (mean degree 8, Poisson-like spread, so
                rows of 1 to about 25 entries); points numbered by cells of
                side >= r in row-major cell order (as a mesh generator's
                locality ordering: no band, neighbours up to two cell rows
                away); a_ij = -w_ij with w_ij uniform in [0.5, 1.5],
                a_ii = sum_j w_ij + 0.1 + 0.1 u_i: symmetric, strictly
                diagonally dominant, hence SPD.
   Times are the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so a
   loaded machine's time slices given to other processes do not count; cache
   and memory-bandwidth contention still do, which is why the two
   implementations alternate sample by sample. Two ratios are reported:
   of the best times, and the median over the pairs of neighbouring samples
   (one of each implementation, back to back) of their ratio.
   Both implementations must give the same vector from the same start: the
   relative 2-norm difference of one application is printed and must be
   below 1e-10 (else the program fails).
*/
#include <petscpc.h>
#include <time.h>
#include <math.h>

typedef enum {
  VAR_FORWARD,
  VAR_BACKWARD,
  VAR_SYMMETRIC,
  VAR_SSOR0,
  VAR_COUNT
} Variant;

static const char *variant_name[VAR_COUNT] = {"forward", "backward", "symmetric", "ssor0"};
/* half-sweeps over the matrix per application in the traffic model */
static const PetscInt variant_passes[VAR_COUNT] = {1, 1, 2, 1};

static double thread_seconds(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64*: deterministic, no dependence on the C library's rand() */
static PetscReal uniform01(unsigned long long *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (PetscReal)((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

/* CSR from per-row counts: rowptr from nnz per row */
static PetscErrorCode RowPointers(PetscInt n, const PetscInt *count, PetscInt **ai)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n + 1, ai));
  (*ai)[0] = 0;
  for (PetscInt i = 0; i < n; i++) (*ai)[i + 1] = (*ai)[i] + count[i];
  PetscFunctionReturn(0);
}

/* Laplacian on an m^dim grid (dim 2 or 3), lexicographic order */
static PetscErrorCode BuildLaplacian(PetscInt dim, PetscInt m, PetscInt *nrows, PetscInt **ai, PetscInt **aj, PetscScalar **aa)
{
  PetscInt n = dim == 2 ? m * m : m * m * m, k = 0, *count;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &count));
  for (PetscInt r = 0; r < n; r++) {
    PetscInt x = r % m, y = (r / m) % m, z = dim == 3 ? r / (m * m) : 0, c = 1;

    c += (x > 0) + (x < m - 1) + (y > 0) + (y < m - 1);
    if (dim == 3) c += (z > 0) + (z < m - 1);
    count[r] = c;
  }
  PetscCall(RowPointers(n, count, ai));
  PetscCall(PetscFree(count));
  PetscCall(PetscMalloc2((*ai)[n], aj, (*ai)[n], aa));
  for (PetscInt r = 0; r < n; r++) {
    PetscInt x = r % m, y = (r / m) % m, z = dim == 3 ? r / (m * m) : 0, mm = m * m;

    /* ascending column order */
    if (dim == 3 && z > 0) { (*aj)[k] = r - mm; (*aa)[k++] = -1.0; }
    if (y > 0) { (*aj)[k] = r - m; (*aa)[k++] = -1.0; }
    if (x > 0) { (*aj)[k] = r - 1; (*aa)[k++] = -1.0; }
    (*aj)[k] = r; (*aa)[k++] = 2.0 * dim;
    if (x < m - 1) { (*aj)[k] = r + 1; (*aa)[k++] = -1.0; }
    if (y < m - 1) { (*aj)[k] = r + m; (*aa)[k++] = -1.0; }
    if (dim == 3 && z < m - 1) { (*aj)[k] = r + mm; (*aa)[k++] = -1.0; }
  }
  *nrows = n;
  PetscFunctionReturn(0);
}

/* splitmix64 finaliser: a hash of an integer, uniform in [0, 1) */
static PetscReal hash01(unsigned long long z)
{
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (PetscReal)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* weight of edge {i, j}: the same for (i, j) and (j, i) */
static PetscReal edge_weight(PetscInt i, PetscInt j)
{
  unsigned long long lo = (unsigned long long)PetscMin(i, j), hi = (unsigned long long)PetscMax(i, j);

  return 0.5 + hash01((lo << 32) ^ hi);
}

/* Random geometric graph Laplacian plus a diagonal (see the file header).
   pass 0 counts the entries of each row, pass 1 fills them. */
static PetscErrorCode BuildIrregular(PetscInt n, PetscInt *nrows, PetscInt **ai, PetscInt **aj, PetscScalar **aa)
{
  unsigned long long seed = 0x2545F4914F6CDD1DULL;
  PetscReal          r = PetscSqrtReal(8.0 / (PETSC_PI * (PetscReal)n)), *px, *py, *sx, *sy;
  PetscInt           g = PetscMax(1, (PetscInt)PetscFloorReal(1.0 / r)), *cellstart, *cellof, *count, *next;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(n, &px, n, &py, n, &sx, n, &sy));
  PetscCall(PetscCalloc1(g * g + 1, &cellstart));
  PetscCall(PetscMalloc2(n, &cellof, g * g, &next));
  for (PetscInt i = 0; i < n; i++) {
    PetscInt cx, cy;

    px[i]     = uniform01(&seed);
    py[i]     = uniform01(&seed);
    cx        = PetscMin((PetscInt)(px[i] * g), g - 1);
    cy        = PetscMin((PetscInt)(py[i] * g), g - 1);
    cellof[i] = cy * g + cx;
    cellstart[cellof[i] + 1]++;
  }
  /* counting sort by cell (row-major): the new numbering */
  for (PetscInt c = 0; c < g * g; c++) cellstart[c + 1] += cellstart[c];
  PetscCall(PetscArraycpy(next, cellstart, g * g));
  for (PetscInt i = 0; i < n; i++) {
    PetscInt j = next[cellof[i]]++;

    sx[j] = px[i];
    sy[j] = py[i];
  }
  PetscCall(PetscFree2(cellof, next));
  PetscCall(PetscMalloc1(n, &count));
  for (int pass = 0; pass < 2; pass++) {
    for (PetscInt i = 0; i < n; i++) {
      PetscInt  cx = PetscMin((PetscInt)(sx[i] * g), g - 1), cy = PetscMin((PetscInt)(sy[i] * g), g - 1), c = 0, start = pass ? (*ai)[i] : 0;
      PetscReal diag = 0.1 + 0.1 * hash01((unsigned long long)i);

      for (PetscInt ny = PetscMax(cy - 1, 0); ny <= PetscMin(cy + 1, g - 1); ny++) {
        for (PetscInt nx = PetscMax(cx - 1, 0); nx <= PetscMin(cx + 1, g - 1); nx++) {
          PetscInt cell = ny * g + nx;

          for (PetscInt j = cellstart[cell]; j < cellstart[cell + 1]; j++) {
            PetscReal dx = sx[j] - sx[i], dy = sy[j] - sy[i];

            if (j == i || dx * dx + dy * dy >= r * r) continue;
            if (pass) {
              PetscReal w = edge_weight(i, j);

              (*aj)[start + c] = j;
              (*aa)[start + c] = -w;
              diag += w;
            }
            c++;
          }
        }
      }
      if (pass) {
        (*aj)[start + c] = i;
        (*aa)[start + c] = diag;
        PetscCall(PetscSortIntWithScalarArray(c + 1, *aj + start, *aa + start));
      }
      count[i] = c + 1;
    }
    if (!pass) {
      PetscCall(RowPointers(n, count, ai));
      PetscCall(PetscMalloc2((*ai)[n], aj, (*ai)[n], aa));
    }
  }
  PetscCall(PetscFree(count));
  PetscCall(PetscFree(cellstart));
  PetscCall(PetscFree4(px, py, sx, sy));
  *nrows = n;
  PetscFunctionReturn(0);
}

typedef struct {
  Mat       A;
  PC        pc[3]; /* banditsor: forward, backward, symmetric */
  Vec       b, x0, xp, xb, w;
  PetscReal omega;
} Bench;

/* one application of variant v by PETSc's MatSOR on x */
static PetscErrorCode ApplyPetsc(Bench *bn, Variant v, Vec x)
{
  static const MatSORType flag[VAR_COUNT] = {SOR_FORWARD_SWEEP, SOR_BACKWARD_SWEEP, SOR_SYMMETRIC_SWEEP, (MatSORType)(SOR_SYMMETRIC_SWEEP | SOR_ZERO_INITIAL_GUESS)};

  PetscFunctionBegin;
  PetscCall(MatSOR(bn->A, bn->b, bn->omega, flag[v], 0.0, 1, 1, x));
  PetscFunctionReturn(0);
}

/* the same by the banditsor PC: PCApply for the zero-guess SSOR,
   PCApplyRichardson (one iteration, non-zero guess, no KSP so no residual
   test: in-place sweeps as PCSOR's Richardson path) for the others */
static PetscErrorCode ApplyBanditsor(Bench *bn, Variant v, Vec x)
{
  PetscInt                    its;
  PCRichardsonConvergedReason reason;

  PetscFunctionBegin;
  if (v == VAR_SSOR0) PetscCall(PCApply(bn->pc[VAR_SYMMETRIC], bn->b, x));
  else PetscCall(PCApplyRichardson(bn->pc[v], bn->b, x, bn->w, 0.0, 0.0, 0.0, 1, PETSC_FALSE, &its, &reason));
  PetscFunctionReturn(0);
}

/* CPU seconds per application over reps calls */
static PetscErrorCode TimeCalls(Bench *bn, Variant v, PetscBool ours, Vec x, PetscInt reps, double *seconds)
{
  double t0;

  PetscFunctionBegin;
  t0 = thread_seconds();
  for (PetscInt k = 0; k < reps; k++) {
    if (ours) PetscCall(ApplyBanditsor(bn, v, x));
    else PetscCall(ApplyPetsc(bn, v, x));
  }
  *seconds = (thread_seconds() - t0) / (double)reps;
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateBanditsorPC(Mat A, PetscReal omega, const char *prefix, const char *sweep, PC *pc)
{
  char           opts[512];
  PetscBool      isbsor;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "-%spc_banditsor_learner fixed -%spc_banditsor_omega %.17g -%spc_banditsor_%s", prefix, prefix, (double)omega, prefix, sweep));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(PCCreate(PETSC_COMM_SELF, pc));
  PetscCall(PCSetOptionsPrefix(*pc, prefix));
  PetscCall(PCSetOperators(*pc, A, A));
  /* an unknown type is an error of its own: say what is missing instead */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PCSetType(*pc, "banditsor");
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscObjectTypeCompare((PetscObject)*pc, "banditsor", &isbsor));
  PetscCheck(!ierr && isbsor, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "PC type banditsor not available: run with -dll_append /path/to/libbanditsor_petsc.so (the file name must stay libbanditsor_petsc.so: PETSc calls PetscDLLibraryRegister_banditsor_petsc)");
  PetscCall(PCSetFromOptions(*pc));
  PetscCall(PCSetUp(*pc));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt    sizes[16] = {10000, 100000, 1000000, 4000000}, nsizes = 16, reps = 5;
  char        matnames[3][32] = {"2d", "3d", "irregular"}, *mats[3] = {matnames[0], matnames[1], matnames[2]};
  PetscInt    nmats = 3;
  PetscBool   flg;
  PetscReal   omega = 1.0, sample_seconds = 0.05, worst = 0.0;
  char        outname[PETSC_MAX_PATH_LEN] = "";
  FILE       *out = NULL;
  const char *prefixes[3] = {"kfwd_", "kbwd_", "ksym_"}, *sweeps[3] = {"forward", "backward", "symmetric"};

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "SOR kernel benchmark", NULL);
  PetscCall(PetscOptionsIntArray("-sizes", "target row counts", NULL, sizes, &nsizes, &flg));
  if (!flg) nsizes = 4;
  PetscCall(PetscOptionsStringArray("-matrices", "matrices: 2d, 3d, irregular", NULL, mats, &nmats, &flg));
  if (!flg) nmats = 3;
  PetscCall(PetscOptionsInt("-reps", "timing samples per variant and implementation", NULL, reps, &reps, NULL));
  PetscCall(PetscOptionsReal("-omega", "fixed omega of both implementations", NULL, omega, &omega, NULL));
  PetscCall(PetscOptionsReal("-sample_seconds", "CPU seconds per timing sample (repeats the application)", NULL, sample_seconds, &sample_seconds, NULL));
  PetscCall(PetscOptionsString("-out", "TSV file of the results", NULL, outname, outname, sizeof(outname), NULL));
  PetscOptionsEnd();
  PetscCheck(reps >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-reps %" PetscInt_FMT ": need at least 1", reps);
  PetscCheck(omega > 0 && omega < 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-omega %g: SOR needs 0 < omega < 2", (double)omega);
  for (PetscInt k = 0; k < nsizes; k++) PetscCheck(sizes[k] >= 4, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-sizes: %" PetscInt_FMT " rows is too small (at least 4)", sizes[k]);
  if (outname[0]) {
    PetscCall(PetscFOpen(PETSC_COMM_SELF, outname, "w", &out));
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, out, "matrix\tn_target\tn\tnnz\tindex_bits\tvariant\tcalls_per_sample\tpetsc_s\tbanditsor_s\tratio\tpaired_median_ratio\tpetsc_gbs\tbanditsor_gbs\trel_diff\n"));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-10s %9s %9s %-10s %12s %12s %7s %7s %8s %8s %9s\n", "matrix", "n", "nnz", "variant", "MatSOR s", "banditsor s", "ratio", "median", "GB/s P", "GB/s b", "rel diff"));
  for (PetscInt mi = 0; mi < nmats; mi++) {
    for (PetscInt si = 0; si < nsizes; si++) {
      Bench        bn;
      PetscInt     n = 0, *ai, *aj, dim = 0;
      PetscScalar *aa, *xa;
      PetscBool    is2d, is3d, isirr;
      double       nnz;
      unsigned long long seed = 12345;
      PetscReal         *paired;

      PetscCall(PetscStrcmp(mats[mi], "2d", &is2d));
      PetscCall(PetscStrcmp(mats[mi], "3d", &is3d));
      PetscCall(PetscStrcmp(mats[mi], "irregular", &isirr));
      PetscCheck(is2d || is3d || isirr, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-matrices: unknown matrix '%s' (expected 2d, 3d or irregular)", mats[mi]);
      PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "[%s n=%" PetscInt_FMT "] building the matrix ...\n", mats[mi], sizes[si]));
      if (is2d) dim = 2;
      if (is3d) dim = 3;
      if (dim) PetscCall(BuildLaplacian(dim, (PetscInt)PetscFloorReal(PetscPowReal((PetscReal)sizes[si], 1.0 / dim) + 0.5), &n, &ai, &aj, &aa));
      else PetscCall(BuildIrregular(sizes[si], &n, &ai, &aj, &aa));
      nnz = (double)ai[n];
      {
        /* how often the sweep's neighbour is coupled (banditsor's row loop choice) */
        PetscInt chained = 0;

        for (PetscInt i = 1; i < n; i++) {
          for (PetscInt k = ai[i]; k < ai[i + 1]; k++) {
            if (aj[k] == i) {
              chained += k > ai[i] && aj[k - 1] == i - 1;
              break;
            }
          }
        }
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "[%s n=%" PetscInt_FMT "] %" PetscInt_FMT " rows, %.0f entries (%.1f per row), %.1f%% of rows i > 0 hold column i - 1\n", mats[mi], sizes[si], n, nnz, nnz / n, 100.0 * (double)chained / (double)PetscMax(n - 1, 1)));
      }
      /* PETSc uses these arrays in place: freed after MatDestroy */
      PetscCall(MatCreateSeqAIJWithArrays(PETSC_COMM_SELF, n, n, ai, aj, aa, &bn.A));
      PetscCall(MatSetOption(bn.A, MAT_SYMMETRIC, PETSC_TRUE));
      bn.omega = omega;
      PetscCall(MatCreateVecs(bn.A, &bn.x0, &bn.b));
      PetscCall(VecDuplicate(bn.x0, &bn.xp));
      PetscCall(VecDuplicate(bn.x0, &bn.xb));
      PetscCall(VecDuplicate(bn.x0, &bn.w));
      PetscCall(VecGetArray(bn.b, &xa));
      for (PetscInt i = 0; i < n; i++) xa[i] = uniform01(&seed) - 0.5;
      PetscCall(VecRestoreArray(bn.b, &xa));
      PetscCall(VecGetArray(bn.x0, &xa));
      for (PetscInt i = 0; i < n; i++) xa[i] = uniform01(&seed) - 0.5;
      PetscCall(VecRestoreArray(bn.x0, &xa));
      for (PetscInt p = 0; p < 3; p++) PetscCall(CreateBanditsorPC(bn.A, omega, prefixes[p], sweeps[p], &bn.pc[p]));
      PetscCall(PetscMalloc1(reps, &paired));

      for (PetscInt v = 0; v < VAR_COUNT; v++) {
        PetscReal diff, ref;
        double    tp = PETSC_MAX_REAL, tb = PETSC_MAX_REAL, t = 0.0, traffic, gp, gb;
        PetscReal median;
        PetscInt  calls;

        /* same start, one application each: same result? (also warms up) */
        PetscCall(VecCopy(bn.x0, bn.xp));
        PetscCall(VecCopy(bn.x0, bn.xb));
        PetscCall(ApplyPetsc(&bn, (Variant)v, bn.xp));
        PetscCall(ApplyBanditsor(&bn, (Variant)v, bn.xb));
        PetscCall(VecNorm(bn.xp, NORM_2, &ref));
        PetscCall(VecAXPY(bn.xb, -1.0, bn.xp));
        PetscCall(VecNorm(bn.xb, NORM_2, &diff));
        diff = ref > 0 ? diff / ref : diff;
        worst = PetscMax(worst, diff);
        /* calls per sample: about sample_seconds of CPU time */
        PetscCall(TimeCalls(&bn, (Variant)v, PETSC_FALSE, bn.xp, 3, &t));
        calls = (PetscInt)PetscMax(1.0, PetscCeilReal(sample_seconds / PetscMax(t, 1e-7)));
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "[%s n=%" PetscInt_FMT "] %s: %" PetscInt_FMT " samples x %" PetscInt_FMT " calls each, alternating\n", mats[mi], n, variant_name[v], reps, calls));
        PetscCall(VecCopy(bn.x0, bn.xp));
        PetscCall(VecCopy(bn.x0, bn.xb));
        for (PetscInt rep = 0; rep < reps; rep++) {
          double pair[2] = {0.0, 0.0};

          /* alternate which goes first as well */
          for (PetscInt half = 0; half < 2; half++) {
            PetscBool ours = (PetscBool)((rep + half) % 2);

            PetscCall(TimeCalls(&bn, (Variant)v, ours, ours ? bn.xb : bn.xp, calls, &t));
            pair[ours] = t;
            if (ours) tb = PetscMin(tb, t);
            else tp = PetscMin(tp, t);
          }
          paired[rep] = (PetscReal)(pair[1] / pair[0]);
        }
        /* median of the per-pair ratios: a pair runs back to back, under
           about the same load, so this is steadier than the ratio of bests
           when the load changes during the run */
        PetscCall(PetscSortReal(reps, paired));
        median = reps % 2 ? paired[reps / 2] : 0.5 * (paired[reps / 2 - 1] + paired[reps / 2]);
        /* bench.sh's traffic model: per half-sweep the matrix (values,
           column indices, row pointers) once, b read, x read and written */
        traffic = (double)variant_passes[v] * (nnz * (8.0 + sizeof(PetscInt)) + (double)(n + 1) * sizeof(PetscInt) + 3.0 * 8.0 * (double)n);
        gp      = traffic / tp / 1e9;
        gb      = traffic / tb / 1e9;
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-10s %9" PetscInt_FMT " %9.0f %-10s %12.4e %12.4e %7.3f %7.3f %8.2f %8.2f %9.1e\n", mats[mi], n, nnz, variant_name[v], tp, tb, tb / tp, (double)median, gp, gb, (double)diff));
        if (out) PetscCall(PetscFPrintf(PETSC_COMM_SELF, out, "%s\t%" PetscInt_FMT "\t%" PetscInt_FMT "\t%.0f\t%d\t%s\t%" PetscInt_FMT "\t%.6e\t%.6e\t%.4f\t%.4f\t%.3f\t%.3f\t%.2e\n", mats[mi], sizes[si], n, nnz, (int)(8 * sizeof(PetscInt)), variant_name[v], calls, tp, tb, tb / tp, (double)median, gp, gb, (double)diff));
      }
      PetscCall(PetscFree(paired));
      for (PetscInt p = 0; p < 3; p++) PetscCall(PCDestroy(&bn.pc[p]));
      PetscCall(VecDestroy(&bn.b));
      PetscCall(VecDestroy(&bn.x0));
      PetscCall(VecDestroy(&bn.xp));
      PetscCall(VecDestroy(&bn.xb));
      PetscCall(VecDestroy(&bn.w));
      PetscCall(MatDestroy(&bn.A));
      PetscCall(PetscFree(ai));
      PetscCall(PetscFree2(aj, aa));
      if (out) fflush(out);
    }
  }
  if (out) PetscCall(PetscFClose(PETSC_COMM_SELF, out));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "(CPU seconds of the calling thread per application, best of %" PetscInt_FMT " samples; %d-bit PetscInt; omega %g; ratio = banditsor / MatSOR of the best times, median = median over the alternating pairs of banditsor / MatSOR; largest relative difference of the results %.1e)\n", reps, (int)(8 * sizeof(PetscInt)), (double)omega, (double)worst));
  PetscCheck(worst < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "MatSOR and banditsor differ: relative difference %g (more than rounding)", (double)worst);
  PetscCall(PetscFinalize());
  return 0;
}
