/* PETSc through the plugin: KSPCG with PC type "banditsor" on a sequence
 * of shifted 2D Laplacians A_k = K + c_k I (c_k the context), linked
 * against BanditSOR::petsc (find_package(BanditSOR COMPONENTS PETSc)).
 * Registers the PC type with PCBanditSORRegister() (no -dll_append needed
 * when linked). Prints PASS when every solve converged and omega was
 * chosen from the learner's grid. */
#include <banditsor_petsc.h>
#include <petscksp.h>

int main(int argc, char **argv) {
    const PetscInt m = 20, n = m * m, solves = 30;
    Mat A;
    Vec x, b;
    KSP ksp;
    PC pc;
    PetscInt total = 0;
    PetscBool ok = PETSC_TRUE;

    PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
    PetscCall(PCBanditSORRegister());
    PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, n, n, 5, NULL, &A));
    PetscCall(MatCreateVecs(A, &x, &b));
    PetscCall(VecSet(b, 1.0));
    PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCSetType(pc, PCBANDITSOR));
    PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 1000));
    PetscCall(KSPSetFromOptions(ksp));
    for (PetscInt k = 0; k < solves; k++) {
        const PetscReal shift = 0.5 * (PetscReal)(k % 5) / 4.0;
        PetscCall(MatZeroEntries(A));
        for (PetscInt i = 0; i < m; i++) {
            for (PetscInt j = 0; j < m; j++) {
                PetscInt row = i * m + j;
                if (i > 0) PetscCall(MatSetValue(A, row, row - m, -1.0, INSERT_VALUES));
                if (j > 0) PetscCall(MatSetValue(A, row, row - 1, -1.0, INSERT_VALUES));
                PetscCall(MatSetValue(A, row, row, 4.0 + shift, INSERT_VALUES));
                if (j + 1 < m) PetscCall(MatSetValue(A, row, row + 1, -1.0, INSERT_VALUES));
                if (i + 1 < m) PetscCall(MatSetValue(A, row, row + m, -1.0, INSERT_VALUES));
            }
        }
        PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
        PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
        PetscCall(KSPSetOperators(ksp, A, A));
        PetscCall(PCBanditSORSetContext(pc, shift));
        PetscCall(VecSet(x, 0.0));
        PetscCall(KSPSolve(ksp, b, x));
        KSPConvergedReason reason;
        PetscInt its;
        PetscReal omega;
        PetscCall(KSPGetConvergedReason(ksp, &reason));
        PetscCall(KSPGetIterationNumber(ksp, &its));
        PetscCall(PCBanditSORGetOmega(pc, &omega));
        if (reason <= 0 || omega < 1.0 - 1e-12 || omega > 1.95 + 1e-12) {
            ok = PETSC_FALSE;
            PetscCall(PetscPrintf(PETSC_COMM_SELF, "solve %" PetscInt_FMT ": reason %d, %" PetscInt_FMT " iterations, omega %g\n", k, (int)reason, its, (double)omega));
        }
        total += its;
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%" PetscInt_FMT " KSPCG solves with PC banditsor: %" PetscInt_FMT " iterations\n",
                          solves, total));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, ok ? "PASS\n" : "FAIL\n"));
    PetscCall(KSPDestroy(&ksp));
    PetscCall(VecDestroy(&x));
    PetscCall(VecDestroy(&b));
    PetscCall(MatDestroy(&A));
    PetscCall(PetscFinalize());
    return ok ? 0 : 1;
}
