/* omega used by PCApply right after KSPSetUp, before any solve (as a
   PCComposite component or a direct PCApply sees it), must be the same on
   every rank, also when rank 0 loaded a learner state file at setup.
   -nsolves N then runs N solves (e.g. to train a state file). */
#include <petscksp.h>

int main(int argc, char **argv)
{
  Mat         A;
  Vec         x, b;
  KSP         ksp;
  PC          pc;
  PetscInt    n = 400, i, rs, re, nsolves = 0;
  PetscScalar v3[3] = {-1.0, 2.0, -1.0};
  PetscReal   omega, lo, hi;
  PetscMPIInt rank;
  PetscErrorCode (*getomega)(PC, PetscReal *) = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-nsolves", &nsolves, NULL));
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
  PetscCall(KSPSetUp(ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCApply(pc, b, x));
  PetscCall(PetscObjectQueryFunction((PetscObject)pc, "PCBanditSORGetOmega_C", &getomega));
  PetscCheck(getomega, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "not a banditsor PC");
  PetscCall((*getomega)(pc, &omega));
  PetscCallMPI(MPI_Allreduce(&omega, &lo, 1, MPIU_REAL, MPI_MIN, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(&omega, &hi, 1, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "omega after setup: rank 0 %g, min %g, max %g: %s\n", (double)omega, (double)lo, (double)hi, lo == hi ? "same on all ranks" : "DIFFERS between ranks"));
  for (i = 0; i < nsolves; i++) PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(PetscFinalize());
  return 0;
}
