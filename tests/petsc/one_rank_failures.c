/* Failures that hit one rank only must become a PETSc error on every rank,
   never a hang. Run by tests/petsc/run.sh under `timeout ... mpiexec -n 3`
   with -dll_append <plugin> -pc_type banditsor.

   -case nonsquare        a 3-rank AIJ matrix whose local diagonal block is
                          not square on ranks 1 and 2 (column layout differs
                          from the row layout): KSPSolve must fail everywhere
   -case reuse_bad_values KSPSetReusePreconditioner, then new values with a
                          zero diagonal entry on rank 1 only: the next
                          KSPSolve must fail everywhere
   -case config_after_load  a solve saves -state <file>; a second KSP loads
                          it at setup (rank 0 only learns) and then gets
                          another learner: refused on rank 0, so every rank
                          must fail
   -case view_after_reset PCReset, then PCView, new operators and another
                          solve: must work

   -case plain            one solve, nothing provoked (for option refusals)
   Prints "RESULT: <case> no error" when the solves went through, and
   "rank R: case <case> failed with PETSc error E" on each rank where it
   stopped with an error. */
#include <petscksp.h>

/* The case itself, in a function of its own: an error in main() makes
   PETSc call MPI_Abort, which kills the other ranks, possibly before they
   printed their own error (the checks need every rank's); from here the
   error returns to main, which reports it and finalizes on every rank. */
static PetscErrorCode run_case(const char *which, PetscMPIInt rank, PetscMPIInt size)
{
  PetscInt    nloc = 10, rows = 10, cols = 10, rs, re, i, N;
  Mat         A;
  Vec         x, b;
  KSP         ksp;
  PC          pc;

  PetscFunctionBeginUser;
  N = nloc * size;
  if (!strcmp(which, "nonsquare")) {
    PetscCheck(size >= 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "nonsquare needs >= 3 ranks");
    if (rank == 1) cols = nloc + 2;
    if (rank == 2) cols = nloc - 2;
  }
  PetscCall(MatCreate(PETSC_COMM_WORLD, &A));
  PetscCall(MatSetSizes(A, rows, cols, N, N));
  PetscCall(MatSetType(A, MATAIJ));
  PetscCall(MatSeqAIJSetPreallocation(A, 3, NULL));
  PetscCall(MatMPIAIJSetPreallocation(A, 3, NULL, 3, NULL));
  PetscCall(MatGetOwnershipRange(A, &rs, &re));
  for (i = rs; i < re; i++) {
    if (i > 0) PetscCall(MatSetValue(A, i, i - 1, -1.0, INSERT_VALUES));
    PetscCall(MatSetValue(A, i, i, 4.0, INSERT_VALUES));
    if (i + 1 < N) PetscCall(MatSetValue(A, i, i + 1, -1.0, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecSet(b, 1.0));

  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(KSPSolve(ksp, b, x));

  if (!strcmp(which, "reuse_bad_values")) {
    PetscCall(KSPSetReusePreconditioner(ksp, PETSC_TRUE));
    if (rank == 1) PetscCall(MatSetValue(A, rs, rs, 0.0, INSERT_VALUES));
    PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
    PetscCall(KSPSolve(ksp, b, x));
  }
  if (!strcmp(which, "config_after_load")) {
    char path[PETSC_MAX_PATH_LEN] = "";
    KSP  again;

    PetscCall(PetscOptionsGetString(NULL, NULL, "-state", path, sizeof(path), NULL));
    PetscCheck(path[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_NULL, "config_after_load needs -state <file>");
    PetscCall(KSPCreate(PETSC_COMM_WORLD, &again));
    PetscCall(KSPSetOperators(again, A, A));
    PetscCall(KSPSetType(again, KSPCG));
    PetscCall(KSPSetFromOptions(again));
    PetscCall(KSPSetUp(again)); /* rank 0 loads the state file */
    PetscCall(PetscOptionsSetValue(NULL, "-pc_banditsor_learner", "chebcb"));
    PetscCall(KSPSetFromOptions(again));
    PetscCall(KSPSolve(again, b, x));
    PetscCall(KSPDestroy(&again));
  }
  if (!strcmp(which, "view_after_reset")) {
    PetscCall(PCReset(pc));
    PetscCall(PCView(pc, PETSC_VIEWER_STDOUT_WORLD));
    PetscCall(KSPSetOperators(ksp, A, A));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(PCView(pc, PETSC_VIEWER_STDOUT_WORLD));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "RESULT: %s no error\n", which));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char           which[64] = "";
  PetscMPIInt    rank, size;
  PetscErrorCode ierr;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-case", which, sizeof(which), NULL));
  ierr = run_case(which, rank, size);
  if (ierr) {
    /* PETSc printed the message already; the plugin fails on every rank
       together, so finalizing here is collective */
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "rank %d: case %s failed with PETSc error %d\n", (int)rank, which, (int)ierr));
    PetscCall(PetscFinalize());
    return 1;
  }
  PetscCall(PetscFinalize());
  return 0;
}
