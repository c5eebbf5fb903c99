/*
   PC type "banditsor": (S)SOR preconditioning whose relaxation factor omega
   is chosen per outer solve by an online bandit learner fed the KSP's
   iteration counts.

   Thin PETSc glue in PETSc's style. The kernels, matrix validation and
   learners are Rust (the bsorp_* functions of src/lib.rs); this file only
   talks to PETSc and MPI:
     - presolve: rank 0 asks the learner for omega, MPI_Bcast on the PC's
       communicator, every rank uses it for the whole outer solve;
     - postsolve: KSPGetIterationNumber/KSPGetConvergedReason go back to
       the learner (a diverged solve or one stopped by the iteration cap is
       costed as a failure by the core);
     - no-signal solves (preonly, norm type none, sub-solvers of
       bjacobi/asm, multigrid levels, Chebyshev eigenvalue estimates,
       solves nested inside an outer solve) hold omega instead of learning;
     - apply/applyrichardson run the Rust sweeps zero-copy on the CSR arrays
       of MATSEQAIJ, or of the local diagonal block of MATMPIAIJ
       (process-local sweeps, as PCSOR does in parallel).
*/
#include <petsc/private/pcimpl.h> /*I "petscpc.h" I*/
#include <petscksp.h>
#include <banditsor_petsc.h>

#if defined(PETSC_USE_COMPLEX) || !defined(PETSC_USE_REAL_DOUBLE)
  #error "banditsor_petsc needs PETSc with real double-precision scalars"
#endif
#if defined(BANDITSOR_PETSC_INT_BITS)
  #if defined(PETSC_USE_64BIT_INDICES) && BANDITSOR_PETSC_INT_BITS != 64
    #error "PetscInt size disagrees with the build probe"
  #endif
  #if !defined(PETSC_USE_64BIT_INDICES) && BANDITSOR_PETSC_INT_BITS != 32
    #error "PetscInt size disagrees with the build probe"
  #endif
#endif

/* ---- the internal Rust API (petsc/src/lib.rs) ---------------------------- */
/* bsor_sweep and its BSOR_SWEEP_* values come from the library's C header;
   bsorp.h, the bsorp_* prototypes and BsorpSettings, is generated from
   src/lib.rs by build.rs (cbindgen), so the two sides cannot drift. */
#include <banditsor.h>
#include <bsorp.h>

/* A failed bsorp_* call becomes a PETSc error carrying the Rust message */
#define BsorpCall(pc, call) \
  do { \
    if (call) SETERRQ(PetscObjectComm((PetscObject)(pc)), PETSC_ERR_LIB, "banditsor: %s", bsorp_errmsg()); \
  } while (0)
#define BsorpCallCode(pc, code, call) \
  do { \
    if (call) SETERRQ(PetscObjectComm((PetscObject)(pc)), code, "banditsor: %s", bsorp_errmsg()); \
  } while (0)

typedef struct {
  Bsorp           *b;
  BsorpSettings    set;
  char             state[PETSC_MAX_PATH_LEN];
  PetscReal        context;  /* from PCBanditSORSetContext(); NaN: none */
  PetscBool        ctxvalid; /* the automatic context is that of the operator's current values */
  /* the matrix and its local block (both referenced: MatAXPY with
     DIFFERENT_NONZERO_PATTERN or MatHeaderMerge/Replace can free the local
     block of MPIAIJ while the Mat stays) and the identity of its arrays */
  Mat              pmat;
  Mat              local;
  PetscBool        parallel;
  PetscObjectState pstate, lstate, nzstate;
  int64_t          generation;
  PetscInt         m;
  const PetscInt  *ai, *aj;
  PetscScalar     *aa;
  Vec              work[3]; /* apply: residual, correction; richardson: correction */
  /* outer solve in flight */
  KSP              ksp;
  PetscInt         depth;
  /* Eisenstat's trick (set.eisenstat): the transformed operator the KSP
     sees instead of the matrix (truemat, restored at postsolve), the true
     right-hand sides of the solves in flight (two levels, as PCPreSolve),
     and in parallel the off-process block with its ghost values */
  Mat              shell, truemat;
  Vec              rhs[2];
  PetscBool        transformed[2];
  Mat              offdiag;
  const PetscInt  *garray;
  PetscObjectState offnz;
  Vec              ghosts;
  VecScatter       gscatter;
} PC_BanditSOR;


/* Refetch the CSR arrays when the matrix (or its values) changed; the Rust
   side validates a new pattern fully and refreshes the diagonal otherwise. */
static PetscErrorCode PCBanditSORUpdateMatrix_Private(PC pc, PetscBool *failed, char *why, size_t whylen)
{
  PC_BanditSOR    *jac = (PC_BanditSOR *)pc->data;
  Mat              A   = pc->pmat, Ad;
  PetscBool        isseq, ismpi;
  PetscObjectState ps, ls, nz;
  PetscMemType     mtype;
  MatType          type;
  PetscInt         m, n;

  PetscFunctionBegin;
  PetscCheck(A, PetscObjectComm((PetscObject)pc), PETSC_ERR_ORDER, "PC banditsor: no matrix set (call KSPSetOperators/PCSetOperators first)");
  /* fast path of every apply: same matrix (we hold references, so jac->local
     is alive even if A replaced its local block), same states */
  if (A == jac->pmat && jac->ai) {
    PetscCall(PetscObjectStateGet((PetscObject)A, &ps));
    PetscCall(PetscObjectStateGet((PetscObject)jac->local, &ls));
    PetscCall(MatGetNonzeroState(jac->local, &nz));
    if (ps == jac->pstate && ls == jac->lstate && nz == jac->nzstate) PetscFunctionReturn(0);
  }
  /* AIJ and its subtypes that keep the Mat_SeqAIJ/Mat_MPIAIJ storage */
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &isseq, MATSEQAIJ, MATSEQAIJPERM, MATSEQAIJMKL, MATSEQAIJCRL, ""));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &ismpi, MATMPIAIJ, MATMPIAIJPERM, MATMPIAIJMKL, MATMPIAIJCRL, ""));
  if (isseq) Ad = A;
  else if (ismpi) PetscCall(MatMPIAIJGetSeqAIJ(A, &Ad, NULL, NULL));
  else {
    PetscCall(MatGetType(A, &type));
    SETERRQ(PetscObjectComm((PetscObject)pc), PETSC_ERR_SUP, "PC banditsor supports matrix types seqaij and mpiaij (and their perm/mkl/crl variants) only, not %s (try -mat_type aij)", type ? type : "(unset)");
  }
  PetscCall(PetscObjectStateGet((PetscObject)A, &ps));
  PetscCall(PetscObjectStateGet((PetscObject)Ad, &ls));
  PetscCall(MatGetNonzeroState(Ad, &nz));
  if (Ad == jac->local && ps == jac->pstate && ls == jac->lstate && nz == jac->nzstate && jac->ai) PetscFunctionReturn(0);
  /* new matrix or new values (A's state changes on every rank at once) */
  jac->ctxvalid = PETSC_FALSE;
  PetscCall(MatGetLocalSize(Ad, &m, &n));
  if (m != n && failed) {
    /* one rank's layout: the caller makes the failure collective */
    PetscCall(PetscSNPrintf(why, whylen, "PC banditsor: local diagonal block is %" PetscInt_FMT " x %" PetscInt_FMT ", must be square", m, n));
    *failed = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCheck(m == n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PC banditsor: local diagonal block is %" PetscInt_FMT " x %" PetscInt_FMT ", must be square", m, n);
  PetscCall(MatSeqAIJGetCSRAndMemType(Ad, &jac->ai, &jac->aj, &jac->aa, &mtype));
  if (!PetscMemTypeHost(mtype) && failed) {
    jac->ai = NULL;
    PetscCall(PetscStrncpy(why, "PC banditsor: matrix values must live in host memory", whylen));
    *failed = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCheck(PetscMemTypeHost(mtype), PETSC_COMM_SELF, PETSC_ERR_SUP, "PC banditsor: matrix values must live in host memory");
  if (Ad != jac->local || nz != jac->nzstate) jac->generation++;
  /* MatSeqAIJGetCSRAndMemType may bump the state: read it after */
  PetscCall(PetscObjectStateGet((PetscObject)A, &ps));
  PetscCall(PetscObjectStateGet((PetscObject)Ad, &ls));
  if (jac->pmat != A) {
    PetscCall(PetscObjectReference((PetscObject)A));
    PetscCall(MatDestroy(&jac->pmat));
    jac->pmat = A;
  }
  if (jac->local != Ad) {
    PetscCall(PetscObjectReference((PetscObject)Ad));
    PetscCall(MatDestroy(&jac->local));
    jac->local = Ad;
  }
  jac->parallel = ismpi;
  jac->m        = m;
  jac->pstate   = ps;
  jac->lstate   = ls;
  jac->nzstate  = nz;
  /* any failure leaves jac->ai NULL so the next call retries */
  {
    const PetscInt *ai = jac->ai;
    jac->ai            = NULL;
    if (bsorp_set_operator(jac->b, m, ai, jac->aj, jac->aa, jac->generation, (int64_t)(ps + ls))) {
      /* in setup the caller makes the failure collective */
      if (failed) {
        PetscCall(PetscStrncpy(why, bsorp_errmsg(), whylen));
        *failed = PETSC_TRUE;
        PetscFunctionReturn(0);
      }
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "banditsor: %s", bsorp_errmsg());
    }
    jac->ai = ai;
  }
  PetscFunctionReturn(0);
}

/* The matrix check of apply and Richardson. New values (or a new matrix)
   may be refused on one rank only, e.g. a zero diagonal entry after
   KSPSetReusePreconditioner; then every rank must raise the error, not
   just that one while the others wait in the Krylov method's next
   reduction. A's state changes on every rank at once (MatAssemblyEnd is
   collective), so all ranks leave the fast path at the same apply and
   agree there; the unchanged case costs no communication. */
static PetscErrorCode PCBanditSORUpdateMatrixCollective_Private(PC pc)
{
  PC_BanditSOR    *jac = (PC_BanditSOR *)pc->data;
  PetscObjectState ps;
  PetscBool        failed = PETSC_FALSE, anyfailed = PETSC_FALSE;
  char             msg[1024] = "";

  PetscFunctionBegin;
  if (pc->pmat && pc->pmat == jac->pmat && jac->ai) {
    PetscCall(PetscObjectStateGet((PetscObject)pc->pmat, &ps));
    if (ps == jac->pstate) {
      PetscCall(PCBanditSORUpdateMatrix_Private(pc, NULL, NULL, 0));
      PetscFunctionReturn(0);
    }
  }
  PetscCall(PCBanditSORUpdateMatrix_Private(pc, &failed, msg, sizeof(msg)));
  PetscCallMPI(MPI_Allreduce(&failed, &anyfailed, 1, MPIU_BOOL, MPI_LOR, PetscObjectComm((PetscObject)pc)));
  PetscCheck(!failed, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "banditsor: %s", msg);
  PetscCheck(!anyfailed, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "banditsor: the matrix was refused on another rank (see its message)");
  PetscFunctionReturn(0);
}

/* sweeps process-local sweeps on A y = x (like PCSOR), from y = 0 when
   zero is true, else from the given y */
static PetscErrorCode PCBanditSORLocalSweep_Private(PC pc, Vec x, Vec y, PetscInt sweeps, PetscBool zero)
{
  PC_BanditSOR      *jac = (PC_BanditSOR *)pc->data;
  const PetscScalar *xa;
  PetscScalar       *ya;
  PetscInt           nx, ny;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(x, &nx));
  PetscCall(VecGetLocalSize(y, &ny));
  PetscCheck(nx == jac->m && ny == jac->m, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PC banditsor: local vector sizes %" PetscInt_FMT ", %" PetscInt_FMT " differ from the local matrix size %" PetscInt_FMT, nx, ny, jac->m);
  PetscCall(VecGetArrayRead(x, &xa));
  if (zero) PetscCall(VecGetArrayWrite(y, &ya));
  else PetscCall(VecGetArray(y, &ya));
  if (bsorp_apply(jac->b, jac->m, jac->ai, jac->aj, jac->aa, xa, ya, sweeps, (int)zero)) {
    if (zero) PetscCall(VecRestoreArrayWrite(y, &ya));
    else PetscCall(VecRestoreArray(y, &ya));
    PetscCall(VecRestoreArrayRead(x, &xa));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "banditsor: %s", bsorp_errmsg());
  }
  if (zero) PetscCall(VecRestoreArrayWrite(y, &ya));
  else PetscCall(VecRestoreArray(y, &ya));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCall(PetscLogFlops(2.0 * (jac->m ? jac->ai[jac->m] : 0) * (PetscLogDouble)sweeps * (jac->set.sweep == BSOR_SWEEP_SYMMETRIC ? 2.0 : 1.0)));
  PetscFunctionReturn(0);
}

/* One step of Eisenstat's trick (BSORP_EIS_*) on the local block at the
   current omega; w is work (only the operator steps need it) */
static PetscErrorCode PCBanditSOREisenstatStep_Private(PC pc, int step, Vec x, Vec y, Vec w)
{
  PC_BanditSOR      *jac = (PC_BanditSOR *)pc->data;
  const PetscScalar *xa;
  PetscScalar       *ya, *wa = NULL;
  PetscInt           nx, ny;
  PetscLogDouble     nnz = jac->m ? (PetscLogDouble)jac->ai[jac->m] : 0.0;
  int                fail;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(x, &nx));
  PetscCall(VecGetLocalSize(y, &ny));
  PetscCheck(nx == jac->m && ny == jac->m, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PC banditsor: local vector sizes %" PetscInt_FMT ", %" PetscInt_FMT " differ from the local matrix size %" PetscInt_FMT, nx, ny, jac->m);
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArray(y, &ya));
  if (w) PetscCall(VecGetArray(w, &wa));
  fail = bsorp_eisenstat(jac->b, jac->m, jac->ai, jac->aj, jac->aa, step, xa, ya, wa);
  if (w) PetscCall(VecRestoreArray(w, &wa));
  PetscCall(VecRestoreArray(y, &ya));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCheck(!fail, PETSC_COMM_SELF, PETSC_ERR_LIB, "banditsor: %s", bsorp_errmsg());
  switch (step) {
  case BSORP_EIS_OPERATOR:
    PetscCall(PetscLogFlops(2.0 * nnz + 6.0 * jac->m));
    break;
  case BSORP_EIS_LOWER_ADD:
    PetscCall(PetscLogFlops(nnz + 4.0 * jac->m));
    break;
  case BSORP_EIS_DIAGONAL:
    PetscCall(PetscLogFlops((PetscLogDouble)jac->m));
    break;
  default:
    PetscCall(PetscLogFlops(nnz));
  }
  PetscFunctionReturn(0);
}

/* MatMult of the transformed operator (D/w + L)^-1 A (D/w + U)^-1, L and U
   the triangles of the local diagonal block, A the whole matrix: y =
   (D/w + U)^-1 x, then y += (D/w + L)^-1 (x + B y_ghost + (1 - 2/w) D y),
   B the off-process block (as MatSOR's SOR_EISENSTAT on MPIAIJ) */
static PetscErrorCode PCBanditSOREisenstatMult_Private(Mat shell, Vec x, Vec y)
{
  PC            pc;
  PC_BanditSOR *jac;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(shell, &pc));
  jac = (PC_BanditSOR *)pc->data;
  PetscCall(PCBanditSORUpdateMatrixCollective_Private(pc));
  if (!jac->parallel) {
    PetscCall(PCBanditSOREisenstatStep_Private(pc, BSORP_EIS_OPERATOR, x, y, jac->work[1]));
    PetscFunctionReturn(0);
  }
  PetscCheck(jac->gscatter, PETSC_COMM_SELF, PETSC_ERR_ORDER, "PC banditsor: Eisenstat operator applied outside a solve (no presolve)");
  PetscCall(PCBanditSOREisenstatStep_Private(pc, BSORP_EIS_UPPER_SOLVE, x, y, NULL));
  PetscCall(VecScatterBegin(jac->gscatter, y, jac->ghosts, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(jac->gscatter, y, jac->ghosts, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(MatMultAdd(jac->offdiag, jac->ghosts, x, jac->work[0]));
  PetscCall(PCBanditSOREisenstatStep_Private(pc, BSORP_EIS_LOWER_ADD, jac->work[0], y, jac->work[1]));
  PetscFunctionReturn(0);
}

/* The transformed operator is symmetric when A is */
static PetscErrorCode PCBanditSOREisenstatMultTranspose_Private(Mat shell, Vec x, Vec y)
{
  PC        pc;
  PetscBool set, sym;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(shell, &pc));
  PetscCall(MatIsSymmetricKnown(pc->pmat, &set, &sym));
  PetscCheck(set && sym, PetscObjectComm((PetscObject)pc), PETSC_ERR_SUP, "Can only apply the transpose of banditsor's Eisenstat operator if the matrix is known symmetric (MatSetOption(A, MAT_SYMMETRIC, PETSC_TRUE))");
  PetscCall(PCBanditSOREisenstatMult_Private(shell, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSOREisenstatNorm_Private(Mat shell, NormType type, PetscReal *nrm)
{
  PC pc;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(shell, &pc));
  PetscCall(MatNorm(pc->pmat, type, nrm));
  PetscFunctionReturn(0);
}

/* Collective: the shell matrix of pmat's sizes, and in parallel the
   scatter of ghost values for the off-process block (rebuilt on every rank
   when the block or its pattern changed on any) */
static PetscErrorCode PCBanditSOREisenstatSetUp_Private(PC pc)
{
  PC_BanditSOR    *jac = (PC_BanditSOR *)pc->data;
  PetscInt         M, N, m, n, sM = -1, sN = -1, sm = -1, sn = -1, nghost;
  Mat              Ad, Ao;
  const PetscInt  *garray;
  PetscObjectState nz;
  PetscBool        stale, anystale;
  IS               is;

  PetscFunctionBegin;
  PetscCall(MatGetSize(pc->pmat, &M, &N));
  PetscCall(MatGetLocalSize(pc->pmat, &m, &n));
  if (jac->shell) {
    PetscCall(MatGetSize(jac->shell, &sM, &sN));
    PetscCall(MatGetLocalSize(jac->shell, &sm, &sn));
  }
  if (sM != M || sN != N || sm != m || sn != n) {
    PetscCall(MatDestroy(&jac->shell));
    PetscCall(MatCreateShell(PetscObjectComm((PetscObject)pc), m, n, M, N, pc, &jac->shell));
    PetscCall(MatShellSetOperation(jac->shell, MATOP_MULT, (void (*)(void))PCBanditSOREisenstatMult_Private));
    PetscCall(MatShellSetOperation(jac->shell, MATOP_MULT_TRANSPOSE, (void (*)(void))PCBanditSOREisenstatMultTranspose_Private));
    PetscCall(MatShellSetOperation(jac->shell, MATOP_NORM, (void (*)(void))PCBanditSOREisenstatNorm_Private));
  }
  if (!jac->parallel) PetscFunctionReturn(0);
  PetscCall(MatMPIAIJGetSeqAIJ(pc->pmat, &Ad, &Ao, &garray));
  PetscCall(MatGetNonzeroState(Ao, &nz));
  stale = (PetscBool)(!jac->gscatter || Ao != jac->offdiag || garray != jac->garray || nz != jac->offnz);
  PetscCallMPI(MPI_Allreduce(&stale, &anystale, 1, MPIU_BOOL, MPI_LOR, PetscObjectComm((PetscObject)pc)));
  if (!anystale) PetscFunctionReturn(0);
  PetscCall(VecScatterDestroy(&jac->gscatter));
  PetscCall(VecDestroy(&jac->ghosts));
  PetscCall(MatGetSize(Ao, NULL, &nghost));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, nghost, &jac->ghosts));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nghost, garray, PETSC_COPY_VALUES, &is));
  PetscCall(VecScatterCreate(jac->work[0], is, jac->ghosts, NULL, &jac->gscatter));
  PetscCall(ISDestroy(&is));
  PetscCall(PetscObjectReference((PetscObject)Ao));
  PetscCall(MatDestroy(&jac->offdiag));
  jac->offdiag = Ao;
  jac->garray  = garray;
  jac->offnz   = nz;
  PetscFunctionReturn(0);
}

/* Where Eisenstat's trick cannot apply: refused before the solve starts.
   The KSP type and the operators are the same on every rank (collective),
   so every rank raises the error, each printing it (PETSC_COMM_SELF) */
static PetscErrorCode PCBanditSOREisenstatCheck_Private(PC pc, KSP ksp)
{
  PetscBool isrich;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)ksp, KSPRICHARDSON, &isrich));
  PetscCheck(!isrich, PETSC_COMM_SELF, PETSC_ERR_SUP, "PC banditsor: -pc_banditsor_eisenstat cannot be used with KSP richardson: Eisenstat's trick transforms the system for a Krylov method (use -ksp_type cg, or drop -pc_banditsor_eisenstat for SOR as the solver)");
  if (pc->presolvedone < 2) PetscCheck(pc->mat == pc->pmat, PETSC_COMM_SELF, PETSC_ERR_SUP, "PC banditsor: -pc_banditsor_eisenstat needs the same matrix as operator and preconditioner matrix (Amat == Pmat), as PCEISENSTAT");
  PetscFunctionReturn(0);
}

/* Transform the system of the solve starting: b <- (D/w + L)^-1 b (the
   true b kept), a non-zero initial guess x <- (D/w + U) x, and the KSP
   sees the transformed operator instead of the matrix */
static PetscErrorCode PCBanditSOREisenstatPreSolve_Private(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_BanditSOR *jac   = (PC_BanditSOR *)pc->data;
  PetscInt      level = pc->presolvedone - 1;
  PetscBool     nonzero;

  PetscFunctionBegin;
  PetscCheck(level >= 0 && level < 2, PetscObjectComm((PetscObject)pc), PETSC_ERR_ORDER, "PC banditsor: presolve at nesting level %" PetscInt_FMT, level);
  PetscCheck(jac->work[0], PetscObjectComm((PetscObject)pc), PETSC_ERR_ORDER, "PC banditsor: presolve before PCSetUp (KSPSolve sets the PC up first)");
  PetscCall(PCBanditSORUpdateMatrixCollective_Private(pc));
  PetscCall(PCBanditSOREisenstatSetUp_Private(pc));
  if (!jac->rhs[level]) PetscCall(VecDuplicate(b, &jac->rhs[level]));
  PetscCall(KSPGetInitialGuessNonzero(ksp, &nonzero));
  if (nonzero) {
    PetscCall(VecCopy(x, jac->rhs[level]));
    PetscCall(PCBanditSOREisenstatStep_Private(pc, BSORP_EIS_UPPER_MULTIPLY, jac->rhs[level], x, NULL));
  }
  PetscCall(VecCopy(b, jac->rhs[level]));
  PetscCall(PCBanditSOREisenstatStep_Private(pc, BSORP_EIS_LOWER_SOLVE, jac->rhs[level], b, NULL));
  if (pc->presolvedone < 2) {
    jac->truemat = pc->mat;
    pc->mat      = jac->shell;
  }
  jac->transformed[level] = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Undo the transformation: the true b back, x <- (D/w + U)^-1 x */
static PetscErrorCode PCBanditSOREisenstatPostSolve_Private(PC pc, Vec b, Vec x)
{
  PC_BanditSOR *jac   = (PC_BanditSOR *)pc->data;
  PetscInt      level = pc->presolvedone;

  PetscFunctionBegin;
  if (level < 0 || level > 1 || !jac->transformed[level]) PetscFunctionReturn(0);
  jac->transformed[level] = PETSC_FALSE;
  if (level == 0 && jac->truemat) {
    pc->mat      = jac->truemat;
    jac->truemat = NULL;
  }
  PetscCall(VecCopy(jac->rhs[level], b));
  PetscCall(VecCopy(x, jac->rhs[level]));
  PetscCall(PCBanditSORUpdateMatrixCollective_Private(pc));
  PetscCall(PCBanditSOREisenstatStep_Private(pc, BSORP_EIS_UPPER_SOLVE, jac->rhs[level], x, NULL));
  PetscFunctionReturn(0);
}

/* A solve that ended in an error never reached its postsolve: give the
   PC its matrix back */
static PetscErrorCode PCBanditSOREisenstatAbandon_Private(PC pc)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;

  PetscFunctionBegin;
  if (jac->truemat) {
    pc->mat      = jac->truemat;
    jac->truemat = NULL;
  }
  jac->transformed[0] = jac->transformed[1] = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The automatic context of the next solve, if it needs one (no context from
   PCBanditSORSetContext(), -pc_banditsor_context auto, a contextual
   learner), recomputed only when the operator's values changed since: each
   rank sums sum_{j!=i} |a_ij|/|a_ii| over its rows, counting the columns of
   other ranks too (the off-process block of MPIAIJ), and one MPI_Allreduce
   adds the sums and the row counts, so every rank gets the mean over all
   rows of the global matrix, whatever the number of ranks. A rank that
   fails says so in the same reduction: every rank raises the error. */
static PetscErrorCode PCBanditSORAutoContext_Private(PC pc)
{
  PC_BanditSOR    *jac  = (PC_BanditSOR *)pc->data;
  MPI_Comm         comm = PetscObjectComm((PetscObject)pc);
  const PetscInt  *oi = NULL, *oj = NULL;
  PetscScalar     *oa = NULL;
  PetscMemType     mtype = PETSC_MEMTYPE_HOST;
  PetscInt         rstart;
  int              want = 0;
  double           local[3] = {0.0, 0.0, 0.0}, global[3]; /* sum, rows, failed ranks */
  char             msg[1024] = "";
  PetscBool        failed = PETSC_FALSE;

  PetscFunctionBegin;
  BsorpCall(pc, bsorp_wants_auto_context(jac->b, (double)jac->context, &want));
  if (!want) PetscFunctionReturn(0);
  /* KSPSolve calls PCPreSolve before PCSetUp: new values may be refused
     here first, on one rank (a zero diagonal); that rank's failure goes
     into the reduction below. ctxvalid is false on every rank at once (a
     new state of A) or on none, so every rank reaches the reduction. */
  PetscCall(PCBanditSORUpdateMatrix_Private(pc, &failed, msg, sizeof(msg)));
  if (!failed && jac->ctxvalid) PetscFunctionReturn(0);
  if (!failed && jac->parallel) {
    Mat Ao;

    PetscCall(MatMPIAIJGetSeqAIJ(pc->pmat, NULL, &Ao, NULL));
    PetscCall(MatSeqAIJGetCSRAndMemType(Ao, &oi, &oj, &oa, &mtype));
  }
  PetscCall(MatGetOwnershipRange(pc->pmat, &rstart, NULL));
  if (failed) local[2] = 1.0;
  else if (!PetscMemTypeHost(mtype)) {
    local[2] = 1.0;
    PetscCall(PetscStrncpy(msg, "automatic context: matrix values must live in host memory", sizeof(msg)));
  } else if (bsorp_context_sums(jac->b, oi, oa, (int64_t)rstart, &local[0], &local[1])) {
    local[2] = 1.0;
    PetscCall(PetscStrncpy(msg, bsorp_errmsg(), sizeof(msg)));
  }
  PetscCallMPI(MPI_Allreduce(local, global, 3, MPI_DOUBLE, MPI_SUM, comm));
  if (global[2] != 0.0) {
    /* every rank knows some rank failed: all raise the lowest one's message */
    PetscMPIInt rank, size, mine, first;

    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCallMPI(MPI_Comm_size(comm, &size));
    mine = local[2] != 0.0 ? rank : size;
    PetscCallMPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
    PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, first, comm));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "banditsor: %s", msg);
  }
  BsorpCall(pc, bsorp_set_operator_context(jac->b, global[0], global[1]));
  jac->ctxvalid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetUp_BanditSOR(PC pc)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  PetscMPIInt   rank, size, mine, first;
  PetscInt      m, wm;
  PetscBool     failed = PETSC_FALSE;
  char          msg[1024];

  PetscFunctionBegin;
  /* a matrix defect or a bad state file (read, then written back, on rank
     0) may hit one rank only: agree on failure before raising it, so no
     rank is left waiting in a collective and every rank says why */
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)pc), &rank));
  msg[0] = 0;
  PetscCall(PCBanditSORUpdateMatrix_Private(pc, &failed, msg, sizeof(msg)));
  if (!failed && bsorp_setup_state(jac->b, rank == 0)) {
    failed = PETSC_TRUE;
    PetscCall(PetscStrncpy(msg, bsorp_errmsg(), sizeof(msg)));
  }
  /* every rank raises the message of the lowest failing rank */
  /* msg holds this rank's reason (matrix layout, values or state file) */
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)pc), &size));
  mine = failed ? rank : size;
  PetscCallMPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, PetscObjectComm((PetscObject)pc)));
  if (first < size) {
    PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, first, PetscObjectComm((PetscObject)pc)));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "banditsor: %s", msg);
  }
  /* loading the state file changed omega on rank 0 only: every rank takes
     rank 0's omega, so an apply before the next presolve (PCApply outside
     KSPSolve, a PCCOMPOSITE component) uses one omega. Inside a solve all
     ranks already share rank 0's omega, so this never changes it there. */
  {
    double omega = 0.0;

    BsorpCall(pc, bsorp_get_omega(jac->b, &omega));
    PetscCallMPI(MPI_Bcast(&omega, 1, MPI_DOUBLE, 0, PetscObjectComm((PetscObject)pc)));
    BsorpCall(pc, bsorp_set_omega(jac->b, omega));
  }
  PetscCall(MatGetLocalSize(pc->pmat, &m, NULL));
  if (jac->work[0]) {
    PetscCall(VecGetLocalSize(jac->work[0], &wm));
    if (wm != m)
      for (PetscInt i = 0; i < 3; i++) PetscCall(VecDestroy(&jac->work[i]));
  }
  if (!jac->work[0]) {
    PetscCall(MatCreateVecs(pc->pmat, &jac->work[0], NULL));
    PetscCall(VecDuplicate(jac->work[0], &jac->work[1]));
    PetscCall(VecDuplicate(jac->work[0], &jac->work[2]));
  }
  PetscFunctionReturn(0);
}

/* its parallel iterations of lits local sweeps: the first from zero, the
   others as y += S(x - A y) with the residual of the whole matrix, the same
   iterates as MatSOR's local sweeps on x - B y_ghost from y. */
static PetscErrorCode PCApply_BanditSOR(PC pc, Vec x, Vec y)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  PetscInt      i, its = (PetscInt)jac->set.its, lits = (PetscInt)jac->set.lits;

  PetscFunctionBegin;
  PetscCall(PCBanditSORUpdateMatrixCollective_Private(pc));
  if (jac->set.eisenstat) {
    /* the preconditioner of the transformed system (as PCEISENSTAT) */
    PetscCall(PCBanditSOREisenstatStep_Private(pc, BSORP_EIS_DIAGONAL, x, y, NULL));
    PetscFunctionReturn(0);
  }
  if (!jac->parallel) {
    PetscCall(PCBanditSORLocalSweep_Private(pc, x, y, its * lits, PETSC_TRUE));
    PetscFunctionReturn(0);
  }
  PetscCall(PCBanditSORLocalSweep_Private(pc, x, y, lits, PETSC_TRUE));
  for (i = 1; i < its; i++) {
    PetscCall(MatResidual(pc->pmat, x, y, jac->work[0]));
    PetscCall(PCBanditSORLocalSweep_Private(pc, jac->work[0], jac->work[1], lits, PETSC_TRUE));
    PetscCall(VecAXPY(y, 1.0, jac->work[1]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApplyTranspose_BanditSOR(PC pc, Vec x, Vec y)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  PetscBool     set, sym;

  PetscFunctionBegin;
  PetscCall(MatIsSymmetricKnown(pc->pmat, &set, &sym));
  PetscCheck(set && sym && (jac->set.sweep == BSOR_SWEEP_SYMMETRIC || jac->set.eisenstat), PetscObjectComm((PetscObject)pc), PETSC_ERR_SUP, "Can only apply transpose of banditsor if the matrix is known symmetric (MatSetOption(A, MAT_SYMMETRIC, PETSC_TRUE)) and the sweep is symmetric");
  PetscCall(PCApply_BanditSOR(pc, x, y));
  PetscFunctionReturn(0);
}

/* SOR as the solver. With a residual norm to test (the KSP's norm type is
   not none) it stops on the KSP's rtol/abstol/dtol applied to the true
   residual ||b - A y|| (relative to the initial one) so the iteration count
   is a cost the learner can use; with norm type none it runs exactly its
   iterations, as PCSOR does. Each iteration is y += S(b - A y). */
static PetscErrorCode PCApplyRichardson_BanditSOR(PC pc, Vec b, Vec y, Vec w, PetscReal rtol, PetscReal abstol, PetscReal dtol, PetscInt its, PetscBool guesszero, PetscInt *outits, PCRichardsonConvergedReason *reason)
{
  PC_BanditSOR *jac   = (PC_BanditSOR *)pc->data;
  PetscBool     check = PETSC_TRUE;
  PetscReal     rnorm = 0.0, rnorm0 = 0.0, ttol = 0.0;
  PetscInt      k;
  KSPNormType   normtype;

  PetscFunctionBegin;
  /* the setting is the same on every rank: each raises and prints it */
  PetscCheck(!jac->set.eisenstat, PETSC_COMM_SELF, PETSC_ERR_SUP, "PC banditsor: -pc_banditsor_eisenstat cannot be used with KSP richardson: Eisenstat's trick transforms the system for a Krylov method (use -ksp_type cg, or drop -pc_banditsor_eisenstat for SOR as the solver)");
  PetscCall(PCBanditSORUpdateMatrixCollective_Private(pc));
  if (jac->ksp) {
    PetscCall(KSPGetNormType(jac->ksp, &normtype));
    if (normtype == KSP_NORM_NONE) check = PETSC_FALSE;
  } else check = PETSC_FALSE;
  if (!check) PetscCall(PetscInfo(pc, "No residual norm requested: running %" PetscInt_FMT " iterations\n", its));
  *reason = PCRICHARDSON_CONVERGED_ITS;
  if (!check && !jac->parallel) {
    /* as PCSOR: all sweeps in place on y, no residual vectors */
    /* one call per KSP iteration: its * (its * lits) can overflow PetscInt */
    for (k = 0; k < its; k++) PetscCall(PCBanditSORLocalSweep_Private(pc, b, y, (PetscInt)(jac->set.its * jac->set.lits), (PetscBool)(guesszero && k == 0)));
    if (its <= 0 && guesszero) PetscCall(VecSet(y, 0.0));
    *outits = its;
    PetscFunctionReturn(0);
  }
  for (k = 0;; k++) {
    if (k == 0 && guesszero) PetscCall(VecCopy(b, w));
    else PetscCall(MatResidual(pc->pmat, b, y, w));
    if (check) {
      PetscCall(VecNorm(w, NORM_2, &rnorm));
      if (k == 0) {
        rnorm0 = rnorm;
        ttol   = PetscMax(rtol * rnorm0, abstol);
      }
      if (PetscIsInfOrNanReal(rnorm)) {
        *reason = PCRICHARDSON_DIVERGED_DTOL;
        break;
      }
      if (rnorm <= ttol) {
        *reason = rnorm < abstol ? PCRICHARDSON_CONVERGED_ATOL : PCRICHARDSON_CONVERGED_RTOL;
        break;
      }
      if (k > 0 && dtol > 0 && rnorm >= dtol * rnorm0 && rnorm != rnorm0) {
        *reason = PCRICHARDSON_DIVERGED_DTOL;
        break;
      }
    }
    if (k == its) break;
    if (k == 0 && guesszero) PetscCall(PCApply_BanditSOR(pc, w, y));
    else {
      PetscCall(PCApply_BanditSOR(pc, w, jac->work[2]));
      PetscCall(VecAXPY(y, 1.0, jac->work[2]));
    }
  }
  *outits = k;
  PetscFunctionReturn(0);
}

/* Why this solve's iteration count carries no signal about omega (NULL: it does) */
static PetscErrorCode PCBanditSORHoldReason_Private(PC pc, KSP ksp, char *reason, size_t len, PetscBool *hold)
{
  KSPType     type;
  KSPNormType normtype;
  const char *kprefix = NULL, *pprefix = NULL;

  PetscFunctionBegin;
  *hold = PETSC_TRUE;
  PetscCall(KSPGetType(ksp, &type));
  PetscCall(KSPGetNormType(ksp, &normtype));
  PetscCall(KSPGetOptionsPrefix(ksp, &kprefix));
  PetscCall(PCGetOptionsPrefix(pc, &pprefix));
  if (!kprefix) kprefix = "";
  if (!pprefix) pprefix = "";
  if (type && !strcmp(type, KSPPREONLY)) PetscCall(PetscSNPrintf(reason, len, "KSP preonly (prefix '%s'): one application, no iteration count", kprefix));
  else if (strstr(kprefix, "esteig_")) PetscCall(PetscSNPrintf(reason, len, "Chebyshev eigenvalue estimate (prefix '%s')", kprefix));
  else if (strstr(kprefix, "mg_levels_") || strstr(kprefix, "mg_coarse_")) PetscCall(PetscSNPrintf(reason, len, "multigrid smoother/coarse solve (prefix '%s'): fixed iteration counts", kprefix));
  else if (strstr(kprefix, "sub_") || strstr(pprefix, "sub_")) PetscCall(PetscSNPrintf(reason, len, "sub-solver of block Jacobi/ASM (prefix '%s')", kprefix));
  else if (normtype == KSP_NORM_NONE) PetscCall(PetscSNPrintf(reason, len, "KSP norm type none (prefix '%s'): iteration count is fixed", kprefix));
  else *hold = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCPreSolve_BanditSOR(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  MPI_Comm      comm;
  PetscMPIInt   rank;
  char          reason[256];
  PetscBool     hold;
  double        omega = 0.0;
  int           fail;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (jac->depth > 0 && ksp == jac->ksp) {
    /* the outer solve with this KSP ended in an error before its postsolve */
    BsorpCall(pc, bsorp_reset_rounds(jac->b));
    jac->depth = 0;
    jac->ksp   = NULL;
    PetscCall(PCBanditSOREisenstatAbandon_Private(pc));
  }
  if (jac->set.eisenstat) PetscCall(PCBanditSOREisenstatCheck_Private(pc, ksp));
  PetscCall(PCBanditSORHoldReason_Private(pc, ksp, reason, sizeof(reason), &hold));
  PetscCall(PCBanditSORAutoContext_Private(pc));
  /* every rank reaches the broadcast, failed or not; omega < 0 says rank 0 failed */
  fail = bsorp_presolve(jac->b, rank == 0, hold ? reason : NULL, (double)jac->context, &omega);
  if (fail) omega = -1.0;
  PetscCallMPI(MPI_Bcast(&omega, 1, MPI_DOUBLE, 0, comm));
  PetscCheck(!fail, PETSC_COMM_SELF, PETSC_ERR_LIB, "banditsor: %s", bsorp_errmsg());
  PetscCheck(omega > 0.0, PETSC_COMM_SELF, PETSC_ERR_LIB, "banditsor: rank 0 could not choose omega (see its message)");
  BsorpCall(pc, bsorp_set_omega(jac->b, omega));
  if (jac->depth == 0) jac->ksp = ksp;
  jac->depth++;
  /* the omega of this solve is known: transform with it */
  if (jac->set.eisenstat) PetscCall(PCBanditSOREisenstatPreSolve_Private(pc, ksp, b, x));
  /* NULL object: printed by every rank (-info), so the broadcast and the
     automatic context can be checked */
  {
    double ctx;
    int    autoctx;
    char   ctxs[64];

    BsorpCall(pc, bsorp_last_context(jac->b, &ctx, &autoctx));
    if (PetscIsNanReal((PetscReal)ctx)) PetscCall(PetscStrncpy(ctxs, "none", sizeof(ctxs)));
    else PetscCall(PetscSNPrintf(ctxs, sizeof(ctxs), "%.17g (%s)", ctx, autoctx ? "automatic" : "PCBanditSORSetContext"));
    PetscCall(PetscInfo(NULL, "banditsor rank %d: omega = %g for this solve, context %s%s%s\n", (int)rank, omega, ctxs, hold ? ", held: " : "", hold ? reason : ""));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCPostSolve_BanditSOR(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_BanditSOR      *jac = (PC_BanditSOR *)pc->data;
  PetscMPIInt        rank;
  PetscInt           its;
  KSPConvergedReason reason;
  int                fail, rootfail;

  PetscFunctionBegin;
  /* back to the true system, at the omega of this solve (before the
     learner moves on) */
  PetscCall(PCBanditSOREisenstatPostSolve_Private(pc, b, x));
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)pc), &rank));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  if (jac->depth > 0) jac->depth--;
  if (jac->depth == 0) jac->ksp = NULL;
  /* KSP_CONVERGED_ITS: stopped by the iteration cap without a norm test.
     Rank 0 may fail alone (saving the state file): tell the others. */
  fail     = bsorp_postsolve(jac->b, rank == 0, (int64_t)its, reason > 0 && reason != KSP_CONVERGED_ITS);
  rootfail = (rank == 0 && fail) ? 1 : 0;
  PetscCallMPI(MPI_Bcast(&rootfail, 1, MPI_INT, 0, PetscObjectComm((PetscObject)pc)));
  PetscCheck(!fail, PETSC_COMM_SELF, PETSC_ERR_LIB, "banditsor: %s", bsorp_errmsg());
  PetscCheck(!rootfail, PETSC_COMM_SELF, PETSC_ERR_LIB, "banditsor: rank 0 failed after the solve (see its message)");
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORConfigure_Private(PC pc, BsorpSettings *s)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  int           fail, anyfail = 0;
  char          msg[1024];

  PetscFunctionBegin;
  /* refused on one rank only (rank 0 alone has learned, from solves or a
     loaded state file, and refuses a new configuration): every rank raises
     the error, so no rank runs on with another configuration */
  fail = bsorp_configure(jac->b, s) ? 1 : 0;
  PetscCall(PetscStrncpy(msg, fail ? bsorp_errmsg() : "", sizeof(msg)));
  PetscCallMPI(MPI_Allreduce(&fail, &anyfail, 1, MPI_INT, MPI_LOR, PetscObjectComm((PetscObject)pc)));
  PetscCheck(!fail, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "banditsor: %s", msg);
  PetscCheck(!anyfail, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "banditsor: configuration refused on another rank (see its message)");
  jac->set = *s;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetFromOptions_BanditSOR(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  BsorpSettings s   = jac->set;
  char          learner[sizeof(s.learner)];
  PetscReal     omega = s.fixed_omega, omin = s.omega_min, omax = s.omega_max, cmin = s.context_min, cmax = s.context_max;
  PetscInt      grid = (PetscInt)s.grid, its = (PetscInt)s.its, lits = (PetscInt)s.lits, seed = (PetscInt)s.seed;
  PetscBool     lflg, oflg, flg, eisenstat = (PetscBool)(s.eisenstat != 0), isauto, isnone;
  char          ctxmode[64];
  /* one byte more than jac->state holds: a longer path fills it and is
     refused below instead of being cut to another file's name */
  char          state[PETSC_MAX_PATH_LEN + 1];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(learner, s.learner, sizeof(learner)));
  PetscCall(PetscStrncpy(state, jac->state, sizeof(state)));
  PetscCall(PetscStrncpy(ctxmode, s.auto_context ? "auto" : "none", sizeof(ctxmode)));
  PetscOptionsHeadBegin(PetscOptionsObject, "BanditSOR options: (S)SOR with omega learned online");
  PetscCall(PetscOptionsString("-pc_banditsor_learner", "omega learner: smooth_ts (default; uses a context when given one), the paper's tsallis, fixed, or the contextual chebcb and tsallis_cb (context per solve: PCBanditSORSetContext(), else the automatic one of -pc_banditsor_context)", "PCBanditSORSetLearner", learner, learner, sizeof(learner), &lflg));
  PetscCall(PetscOptionsReal("-pc_banditsor_omega", "fixed relaxation factor 0 < omega < 2 (implies -pc_banditsor_learner fixed)", "None", omega, &omega, &oflg));
  PetscCall(PetscOptionsReal("-pc_banditsor_omega_min", "smallest omega of the learner's grid", "None", omin, &omin, NULL));
  PetscCall(PetscOptionsReal("-pc_banditsor_omega_max", "largest omega of the learner's grid", "None", omax, &omax, NULL));
  PetscCall(PetscOptionsInt("-pc_banditsor_grid", "number of omegas in the grid (the bandit's arms)", "None", grid, &grid, NULL));
  PetscCall(PetscOptionsInt("-pc_banditsor_its", "number of (parallel) SOR iterations per application", "None", its, &its, NULL));
  PetscCall(PetscOptionsInt("-pc_banditsor_lits", "number of local sweeps per iteration", "None", lits, &lits, NULL));
  PetscCall(PetscOptionsBoolGroupBegin("-pc_banditsor_symmetric", "SSOR sweeps (default)", "None", &flg));
  if (flg) s.sweep = BSOR_SWEEP_SYMMETRIC;
  PetscCall(PetscOptionsBoolGroup("-pc_banditsor_backward", "backward sweeps", "None", &flg));
  if (flg) s.sweep = BSOR_SWEEP_BACKWARD;
  PetscCall(PetscOptionsBoolGroupEnd("-pc_banditsor_forward", "forward sweeps", "None", &flg));
  if (flg) s.sweep = BSOR_SWEEP_FORWARD;
  PetscCall(PetscOptionsBool("-pc_banditsor_eisenstat", "Eisenstat's trick, as PCEISENSTAT with the learned omega: the KSP iterates on (D/w + L)^-1 A (D/w + U)^-1 (two triangular sweeps per product, no matrix-vector product), preconditioned by D; needs the symmetric sweep, its = lits = 1, a KSP other than richardson", "PCBanditSORSetEisenstat", eisenstat, &eisenstat, NULL));
  PetscCall(PetscOptionsInt("-pc_banditsor_seed", "seed of the learner's random stream", "None", seed, &seed, NULL));
  PetscCall(PetscOptionsString("-pc_banditsor_context", "context of each solve when the program sets none with PCBanditSORSetContext(): auto (the operator's mean diagonal-dominance ratio sum_(j!=i) |a_ij|/|a_ii| over all ranks' rows, recomputed when its values change; used by chebcb, tsallis_cb, smooth_ts) or none", "PCBanditSORSetAutoContext", ctxmode, ctxmode, sizeof(ctxmode), NULL));
  PetscCall(PetscOptionsReal("-pc_banditsor_context_min", "sets the lower end of the context range: the contextual learners rescale the context of each solve (from PCBanditSORSetContext(), else the automatic one of -pc_banditsor_context auto) from this range and clamp values outside", "None", cmin, &cmin, NULL));
  PetscCall(PetscOptionsReal("-pc_banditsor_context_max", "sets the upper end of the context range (see -pc_banditsor_context_min)", "None", cmax, &cmax, NULL));
  PetscCall(PetscOptionsString("-pc_banditsor_state", "learner state file (rank 0): loaded at setup if it exists, written at setup and after each learned solve", "None", state, state, sizeof(state), NULL));
  PetscOptionsHeadEnd();
  {
    size_t len;

    PetscCall(PetscStrlen(state, &len));
    PetscCheck(len < sizeof(jac->state), PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "-pc_banditsor_state: the path has %d or more characters, PETSc's limit is %d (PETSC_MAX_PATH_LEN - 1): refused, not truncated", (int)sizeof(jac->state), (int)sizeof(jac->state) - 1);
  }
  PetscCall(PetscStrcasecmp(ctxmode, "auto", &isauto));
  PetscCall(PetscStrcasecmp(ctxmode, "none", &isnone));
  PetscCheck(isauto || isnone, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "banditsor: -pc_banditsor_context %s: unknown value, expected auto or none", ctxmode[0] ? ctxmode : "(empty)");
  /* serial applies run its * lits sweeps in one call (a PetscInt) */
  PetscCheck(its < 1 || lits < 1 || (PetscInt64)its * (PetscInt64)lits <= (PetscInt64)PETSC_MAX_INT, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "banditsor: -pc_banditsor_its %" PetscInt_FMT " times -pc_banditsor_lits %" PetscInt_FMT " exceeds the largest PetscInt", its, lits);

  if (lflg) PetscCall(PetscStrncpy(s.learner, learner, sizeof(s.learner)));
  else if (oflg) PetscCall(PetscStrncpy(s.learner, "fixed", sizeof(s.learner)));
  s.fixed_omega = omega;
  s.omega_min   = omin;
  s.omega_max   = omax;
  s.grid        = grid;
  s.its         = its;
  s.lits        = lits;
  s.seed        = seed;
  s.context_min  = cmin;
  s.context_max  = cmax;
  s.eisenstat    = eisenstat ? 1 : 0;
  s.auto_context = isauto ? 1 : 0;
  PetscCall(PCBanditSORConfigure_Private(pc, &s));
  BsorpCall(pc, bsorp_set_state_path(jac->b, state));
  PetscCall(PetscStrncpy(jac->state, state, sizeof(jac->state)));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_BanditSOR(PC pc, PetscViewer viewer)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  PetscBool     iascii;
  int           i, n = 0;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (iascii) {
    BsorpCall(pc, bsorp_view(jac->b, (double)jac->context, &n));
    for (i = 0; i < n; i++) PetscCall(PetscViewerASCIIPrintf(viewer, "  %s\n", bsorp_view_line(jac->b, i)));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_BanditSOR(PC pc)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;

  PetscFunctionBegin;
  /* PCReset destroys pc->mat next: it must be the PC's matrix, not the shell */
  PetscCall(PCBanditSOREisenstatAbandon_Private(pc));
  PetscCall(MatDestroy(&jac->shell));
  PetscCall(VecDestroy(&jac->rhs[0]));
  PetscCall(VecDestroy(&jac->rhs[1]));
  PetscCall(VecScatterDestroy(&jac->gscatter));
  PetscCall(VecDestroy(&jac->ghosts));
  PetscCall(MatDestroy(&jac->offdiag));
  jac->garray = NULL;
  for (PetscInt i = 0; i < 3; i++) PetscCall(VecDestroy(&jac->work[i]));
  PetscCall(MatDestroy(&jac->pmat));
  PetscCall(MatDestroy(&jac->local));
  jac->ai    = NULL;
  jac->aj    = NULL;
  jac->aa    = NULL;
  jac->ksp      = NULL;
  jac->depth    = 0;
  jac->ctxvalid = PETSC_FALSE;
  BsorpCall(pc, bsorp_reset(jac->b));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_BanditSOR(PC pc)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCReset_BanditSOR(pc));
  BsorpCall(pc, bsorp_destroy(jac->b));
  jac->b = NULL;
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetContext_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORGetOmega_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetLearner_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetEisenstat_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORGetEisenstat_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCPreSolveChangeRHS_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetAutoContext_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORGetContext_C", NULL));
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORSetContext_BanditSOR(PC pc, PetscReal c)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;

  PetscFunctionBegin;
  jac->context = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORSetAutoContext_BanditSOR(PC pc, PetscBool on)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  BsorpSettings s   = jac->set;

  PetscFunctionBegin;
  s.auto_context = on ? 1 : 0;
  PetscCall(PCBanditSORConfigure_Private(pc, &s));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORGetContext_BanditSOR(PC pc, PetscReal *context, PetscBool *automatic)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  double        c;
  int           a;

  PetscFunctionBegin;
  BsorpCall(pc, bsorp_last_context(jac->b, &c, &a));
  *context = (PetscReal)c;
  if (automatic) *automatic = a ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORGetOmega_BanditSOR(PC pc, PetscReal *omega)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  double        w;

  PetscFunctionBegin;
  BsorpCall(pc, bsorp_get_omega(jac->b, &w));
  *omega = (PetscReal)w;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORSetLearner_BanditSOR(PC pc, const char *name)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  BsorpSettings s   = jac->set;
  size_t        len;

  PetscFunctionBegin;
  PetscCall(PetscStrlen(name, &len));
  PetscCheck(len > 0 && len < sizeof(s.learner), PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "PCBanditSORSetLearner: learner name '%s' empty or too long", name ? name : "(null)");
  PetscCall(PetscStrncpy(s.learner, name, sizeof(s.learner)));
  PetscCall(PCBanditSORConfigure_Private(pc, &s));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORSetEisenstat_BanditSOR(PC pc, PetscBool flg)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;
  BsorpSettings s   = jac->set;

  PetscFunctionBegin;
  PetscCheck(jac->depth == 0, PetscObjectComm((PetscObject)pc), PETSC_ERR_ORDER, "PCBanditSORSetEisenstat: not during a solve");
  s.eisenstat = flg ? 1 : 0;
  PetscCall(PCBanditSORConfigure_Private(pc, &s));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCBanditSORGetEisenstat_BanditSOR(PC pc, PetscBool *flg)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;

  PetscFunctionBegin;
  *flg = jac->set.eisenstat ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Chebyshev's eigenvalue estimate and PCMG ask whether presolve changes b */
static PetscErrorCode PCPreSolveChangeRHS_BanditSOR(PC pc, PetscBool *change)
{
  PC_BanditSOR *jac = (PC_BanditSOR *)pc->data;

  PetscFunctionBegin;
  *change = jac->set.eisenstat ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*MC
   PCBANDITSOR - "banditsor": (S)SOR whose relaxation factor omega is chosen
   for each outer solve by an online bandit learner (SmoothTS by default)
   fed the KSP's iteration counts. Loaded with -dll_append libbanditsor_petsc.so.

   Options Database Keys:
+  -pc_banditsor_learner <smooth_ts,tsallis,chebcb,tsallis_cb,fixed> - the learner (smooth_ts default)
.  -pc_banditsor_omega <omega> - fixed omega (implies the fixed learner)
.  -pc_banditsor_omega_min <1.0>, -pc_banditsor_omega_max <1.95>, -pc_banditsor_grid <20> - the arms
.  -pc_banditsor_its <1>, -pc_banditsor_lits <1> - iterations and local sweeps per application
.  -pc_banditsor_symmetric, -pc_banditsor_forward, -pc_banditsor_backward - sweep (symmetric default)
.  -pc_banditsor_seed <0> - seed of the learner's random stream
.  -pc_banditsor_context <auto,none> - without PCBanditSORSetContext(), the contextual learners get the operator's mean diagonal-dominance ratio (auto, default; recomputed when its values change, over the rows of all ranks) or no context
.  -pc_banditsor_context_min <0>, -pc_banditsor_context_max <1> - the context range: contexts (PCBanditSORSetContext() or automatic) are rescaled from it, values outside clamped
.  -pc_banditsor_eisenstat - Eisenstat's trick (PCBanditSORSetEisenstat()), as PCEISENSTAT with the learned omega
-  -pc_banditsor_state <file> - learner state file, loaded at setup if present, written at setup and after each learned solve

   Notes:
   In parallel, as PCSOR, the sweeps are process-local (block Jacobi with
   SOR blocks) on the diagonal block of MATMPIAIJ. omega is decided on rank 0
   and broadcast. Solves whose iteration count carries no signal (preonly,
   norm type none, bjacobi/asm sub-solvers, multigrid levels, Chebyshev
   eigenvalue estimates, nested solves) hold omega instead of learning.

   With -pc_banditsor_eisenstat the PC does what PCEISENSTAT does, at the
   omega the learner chose for the solve: presolve transforms b (and a
   non-zero initial guess) and hands the KSP the operator
   (D/w + L)^-1 A (D/w + U)^-1, applied with two triangular sweeps and no
   matrix-vector product; PCApply is the diagonal scaling D; postsolve
   transforms the solution back. In parallel L, U and D are those of the
   local diagonal block, as PCEISENSTAT. Refused: forward/backward sweeps,
   its or lits > 1, KSP richardson, Amat != Pmat.

   Level: beginner
M*/
static PetscErrorCode PCCreate_BanditSOR(PC pc)
{
  PC_BanditSOR *jac;

  PetscFunctionBegin;
  PetscCheck(bsorp_petscint_bytes() == (int)sizeof(PetscInt), PetscObjectComm((PetscObject)pc), PETSC_ERR_LIB, "libbanditsor_petsc was built for %d-byte PetscInt, this PETSc has %d-byte PetscInt", bsorp_petscint_bytes(), (int)sizeof(PetscInt));
  PetscCall(PetscNew(&jac));
  pc->data = (void *)jac;
  BsorpCall(pc, bsorp_create(&jac->b));
  BsorpCall(pc, bsorp_default_settings(&jac->set)); /* the defaults live in Rust */
  jac->context = (PetscReal)NAN;
  PetscCall(PCBanditSORConfigure_Private(pc, &jac->set));

  pc->ops->setup           = PCSetUp_BanditSOR;
  pc->ops->apply           = PCApply_BanditSOR;
  pc->ops->applytranspose  = PCApplyTranspose_BanditSOR;
  pc->ops->applyrichardson = PCApplyRichardson_BanditSOR;
  pc->ops->presolve        = PCPreSolve_BanditSOR;
  pc->ops->postsolve       = PCPostSolve_BanditSOR;
  pc->ops->setfromoptions  = PCSetFromOptions_BanditSOR;
  pc->ops->view            = PCView_BanditSOR;
  pc->ops->reset           = PCReset_BanditSOR;
  pc->ops->destroy         = PCDestroy_BanditSOR;

  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetContext_C", PCBanditSORSetContext_BanditSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORGetOmega_C", PCBanditSORGetOmega_BanditSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetLearner_C", PCBanditSORSetLearner_BanditSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetEisenstat_C", PCBanditSORSetEisenstat_BanditSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORGetEisenstat_C", PCBanditSORGetEisenstat_BanditSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCPreSolveChangeRHS_C", PCPreSolveChangeRHS_BanditSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORSetAutoContext_C", PCBanditSORSetAutoContext_BanditSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCBanditSORGetContext_C", PCBanditSORGetContext_BanditSOR));
  PetscFunctionReturn(0);
}

/* ---- public functions (exported through the Rust wrappers in lib.rs) ----- */

PetscErrorCode bsorp_shim_register(void)
{
  static PetscBool registered = PETSC_FALSE;
  size_t           isize;

  PetscFunctionBegin;
  if (registered) PetscFunctionReturn(0);
  /* ask the PETSc library actually loaded, not this file's headers: a
     plugin built for the other PetscInt size must refuse to register */
  PetscCall(PetscDataTypeGetSize(PETSC_INT, &isize));
  PetscCheck(bsorp_petscint_bytes() == (int)isize, PETSC_COMM_SELF, PETSC_ERR_LIB, "libbanditsor_petsc was built for a PETSc with %d-byte PetscInt, but the PETSc loaded in this process has %d-byte PetscInt: rebuild the plugin against this PETSc (BANDITSOR_PETSC_PKG=petsc64 for 64-bit indices)", bsorp_petscint_bytes(), (int)isize);
  registered = PETSC_TRUE;
  PetscCall(PCRegister(PCBANDITSOR, PCCreate_BanditSOR));
  PetscFunctionReturn(0);
}

PetscErrorCode bsorp_shim_dll_register(void)
{
  PetscFunctionBegin;
  PetscCall(bsorp_shim_register());
  PetscFunctionReturn(0);
}

PetscErrorCode bsorp_shim_set_context(PC pc, PetscReal c)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveReal(pc, c, 2);
  PetscTryMethod(pc, "PCBanditSORSetContext_C", (PC, PetscReal), (pc, c));
  PetscFunctionReturn(0);
}

PetscErrorCode bsorp_shim_get_omega(PC pc, PetscReal *omega)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidRealPointer(omega, 2);
  PetscUseMethod(pc, "PCBanditSORGetOmega_C", (PC, PetscReal *), (pc, omega));
  PetscFunctionReturn(0);
}

PetscErrorCode bsorp_shim_set_learner(PC pc, const char *name)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidCharPointer(name, 2);
  PetscTryMethod(pc, "PCBanditSORSetLearner_C", (PC, const char *), (pc, name));
  PetscFunctionReturn(0);
}

PetscErrorCode bsorp_shim_set_eisenstat(PC pc, PetscBool flg)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveBool(pc, flg, 2);
  PetscTryMethod(pc, "PCBanditSORSetEisenstat_C", (PC, PetscBool), (pc, flg));
  PetscFunctionReturn(0);
}

PetscErrorCode bsorp_shim_get_eisenstat(PC pc, PetscBool *flg)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidBoolPointer(flg, 2);
  PetscUseMethod(pc, "PCBanditSORGetEisenstat_C", (PC, PetscBool *), (pc, flg));
  PetscFunctionReturn(0);
}

PetscErrorCode bsorp_shim_set_auto_context(PC pc, int on)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveBool(pc, on, 2);
  PetscTryMethod(pc, "PCBanditSORSetAutoContext_C", (PC, PetscBool), (pc, on ? PETSC_TRUE : PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* automatic is a PetscBool * in banditsor_petsc.h (an int-sized enum) */
PetscErrorCode bsorp_shim_get_context(PC pc, PetscReal *context, int *automatic)
{
  PetscBool a = PETSC_FALSE;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidRealPointer(context, 2);
  PetscUseMethod(pc, "PCBanditSORGetContext_C", (PC, PetscReal *, PetscBool *), (pc, context, &a));
  if (automatic) *automatic = a ? 1 : 0;
  PetscFunctionReturn(0);
}
