/*
   banditsor_petsc.h - PETSc PC type "banditsor": SOR/SSOR whose relaxation
   factor omega is learned online, solve after solve, from the KSP's
   iteration counts (Khodak et al., "Learning to Relax", ICLR 2024).

   Load at run time:   -dll_append /path/libbanditsor_petsc.so -pc_type banditsor
   or link the plugin and call PCBanditSORRegister() after PetscInitialize().
*/
#ifndef BANDITSOR_PETSC_H
#define BANDITSOR_PETSC_H

#include <petscpc.h>

#define PCBANDITSOR "banditsor"

/* Registers the PC type "banditsor" (idempotent). */
PETSC_EXTERN PetscErrorCode PCBanditSORRegister(void);
/* Called by PETSc for -dll_append; same as PCBanditSORRegister(). */
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_banditsor_petsc(void);

/* Scalar context of the following solves for the contextual learners
   (chebcb, tsallis_cb, smooth_ts), e.g. a diagonal shift or diffusion
   coefficient; takes precedence over the automatic context. NaN: none
   (the automatic context, if on). Ignored by other PC types. */
PETSC_EXTERN PetscErrorCode PCBanditSORSetContext(PC, PetscReal);
/* Automatic context on (PETSC_TRUE, the default; -pc_banditsor_context
   auto) or off (none): without PCBanditSORSetContext(), the contextual
   learners get the operator's mean diagonal-dominance ratio
   mean_i sum_{j!=i} |a_ij|/|a_ii| over the rows of all ranks (columns of
   other ranks included), recomputed when the operator's values change.
   Logically collective; ignored by other PC types. */
PETSC_EXTERN PetscErrorCode PCBanditSORSetAutoContext(PC, PetscBool);
/* The context the learner got in the last solve (NaN: none, also before
   any solve) and whether it was the automatic one (may be NULL). */
PETSC_EXTERN PetscErrorCode PCBanditSORGetContext(PC, PetscReal *, PetscBool *);
/* omega of the current (or last) solve. */
PETSC_EXTERN PetscErrorCode PCBanditSORGetOmega(PC, PetscReal *);
/* Learner by name: "smooth_ts" (default), "tsallis" (the paper's),
   "chebcb", "tsallis_cb", "fixed".
   Only before the first solve; ignored by other PC types. */
PETSC_EXTERN PetscErrorCode PCBanditSORSetLearner(PC, const char *);
/* Eisenstat's trick on or off (-pc_banditsor_eisenstat), as PCEISENSTAT:
   the KSP iterates on (D/w + L)^-1 A (D/w + U)^-1 with the learned omega
   of each solve, PCApply is the diagonal scaling D. Needs the symmetric
   sweep, its = lits = 1, and a KSP other than richardson. */
PETSC_EXTERN PetscErrorCode PCBanditSORSetEisenstat(PC, PetscBool);
PETSC_EXTERN PetscErrorCode PCBanditSORGetEisenstat(PC, PetscBool *);

#endif
