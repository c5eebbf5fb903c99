/* A matrix defect on one non-root rank only: the 1D Laplacian (n = 400,
   distributed by rows) gets a zero diagonal (-defect zero) or a NaN
   (-defect nan) in the first row owned by rank -defect_rank (default: the
   last rank), or a NaN in that row's column owned by the previous rank
   (-defect offnan: seen only by the automatic context, which reads the
   off-process columns). With -good_solves k the matrix is first solved k times
   without the defect and the defect arrives with new values (same
   pattern), as in a time step; with k = 0 it is there from the first
   setup. Every rank must stop with a PETSc error (the defect rank naming
   the defect, the others pointing at it), none may hang in a collective.
   Prints "solve k done" after each solve that returned. */
#include <petscksp.h>

int main(int argc, char **argv)
{
  Mat         A;
  Vec         x, b;
  KSP         ksp;
  PetscInt    n = 400, i, rs, re, good = 0, k;
  PetscScalar v3[3] = {-1.0, 2.0, -1.0};
  PetscMPIInt size, defect_rank = -1;
  PetscInt    rank_opt = -1;
  char        defect[16] = "zero";
  PetscMPIInt rank;
  PetscBool   nan;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-defect_rank", &rank_opt, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-good_solves", &good, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-defect", defect, sizeof(defect), NULL));
  defect_rank = rank_opt < 0 ? size - 1 : (PetscMPIInt)rank_opt;
  PetscCheck(defect_rank >= 0 && defect_rank < size, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-defect_rank %d out of range", (int)defect_rank);
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, n, n, 3, NULL, 1, NULL, &A));
  PetscCall(MatGetOwnershipRange(A, &rs, &re));
  for (i = rs; i < re; i++) {
    PetscInt c3[3] = {i - 1, i, i + 1};
    if (i == 0) PetscCall(MatSetValues(A, 1, &i, 2, c3 + 1, v3 + 1, INSERT_VALUES));
    else if (i == n - 1) PetscCall(MatSetValues(A, 1, &i, 2, c3, v3, INSERT_VALUES));
    else PetscCall(MatSetValues(A, 1, &i, 3, c3, v3, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecSet(b, 1.0));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetFromOptions(ksp));
  for (k = 0; k <= good; k++) {
    if (k == good) {
      /* the defect, on defect_rank only; MatSetValue keeps the pattern */
      if (rank == defect_rank) {
        PetscBool offnan;

        PetscCall(PetscStrcmp(defect, "nan", &nan));
        PetscCall(PetscStrcmp(defect, "offnan", &offnan));
        PetscCheck(!offnan || rs > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-defect offnan needs a rank > 0");
        if (offnan) PetscCall(MatSetValue(A, rs, rs - 1, (PetscScalar)NAN, INSERT_VALUES));
        else PetscCall(MatSetValue(A, rs, rs, nan ? (PetscScalar)NAN : 0.0, INSERT_VALUES));
      }
      PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
    }
    PetscCall(VecSet(x, 0.0));
    /* not PetscCall: an error here must reach every rank's own report
       (PETSc has printed its message already), not abort the job */
    ierr = KSPSolve(ksp, b, x);
    if (ierr) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "rank %d: KSPSolve failed with PETSc error %d\n", (int)rank, (int)ierr));
      /* the plugin fails on every rank together, so this is collective */
      PetscCall(PetscFinalize());
      return 1;
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "solve %" PetscInt_FMT " done\n", k));
  }
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(PetscFinalize());
  return 0;
}
