/* Two solves on one KSP; between them A = A + 0.1 M with M of another
   nonzero pattern (MatAXPY DIFFERENT_NONZERO_PATTERN). For MPIAIJ this
   replaces the matrix's local diagonal block (MatHeaderMerge) while the
   Mat pointer stays the same: the PC must not touch the old block. */
#include <petscksp.h>

int main(int argc, char **argv)
{
  Mat         A, M;
  Vec         x, b;
  KSP         ksp;
  PetscInt    n = 200, i, rs, re;
  PetscScalar v3[3] = {-1.0, 4.0, -1.0};

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, n, n, 3, NULL, 2, NULL, &A));
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, n, n, 3, NULL, 2, NULL, &M));
  PetscCall(MatGetOwnershipRange(A, &rs, &re));
  for (i = rs; i < re; i++) {
    PetscInt c3[3] = {i - 1, i, i + 1}, c2[3] = {i - 2, i, i + 2};
    PetscScalar w3[3] = {-0.5, 1.0, -0.5};
    if (i == 0) PetscCall(MatSetValues(A, 1, &i, 2, c3 + 1, v3 + 1, INSERT_VALUES));
    else if (i == n - 1) PetscCall(MatSetValues(A, 1, &i, 2, c3, v3, INSERT_VALUES));
    else PetscCall(MatSetValues(A, 1, &i, 3, c3, v3, INSERT_VALUES));
    if (i < 2) PetscCall(MatSetValues(M, 1, &i, 2, c2 + 1, w3 + 1, INSERT_VALUES));
    else if (i >= n - 2) PetscCall(MatSetValues(M, 1, &i, 2, c2, w3, INSERT_VALUES));
    else PetscCall(MatSetValues(M, 1, &i, 3, c2, w3, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyBegin(M, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(M, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecSet(b, 1.0));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(MatAXPY(A, 0.1, M, DIFFERENT_NONZERO_PATTERN));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPView(ksp, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "pattern_change: done\n"));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(MatDestroy(&M));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(PetscFinalize());
  return 0;
}
