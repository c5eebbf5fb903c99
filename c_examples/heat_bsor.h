/* The banditsor side shared by the C examples heat_protocol.c and
 * heat_solve.c: error checking, the learner named on the command line, the
 * preconditioner of each run (omega = 1 or a learner) and handing each
 * step's matrix over. Header-only (static inline), so heat_common stays a
 * plain numerical library that links no banditsor. */
#ifndef HEAT_BSOR_H
#define HEAT_BSOR_H

#include <banditsor.h>

#include "heat_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit with the call, the status name and bsor_last_error() when a
 * bsor_* call fails. */
#define HEAT_CHECK(call) heat_check((call), #call, __FILE__, __LINE__)

static inline void heat_check(int status, const char *call, const char *file, int line) {
    if (status != BSOR_OK) {
        fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", file, line, call,
                bsor_status_name(status), bsor_last_error());
        exit(EXIT_FAILURE);
    }
}

/* The learner named on the command line: tsallis, chebcb or tsallis_cb
 * (exits on another name). */
static inline bsor_learner heat_learner(const char *name) {
    if (strcmp(name, "tsallis") == 0) {
        return BSOR_LEARNER_TSALLIS_INF;
    }
    if (strcmp(name, "chebcb") == 0) {
        return BSOR_LEARNER_CHEBCB;
    }
    if (strcmp(name, "tsallis_cb") == 0) {
        return BSOR_LEARNER_TSALLIS_INF_CB;
    }
    fprintf(stderr, "unknown learner %s\n", name);
    exit(EXIT_FAILURE);
}

/* The preconditioner of one run: omega = 1 (symmetric Gauss-Seidel) when
 * learner < 0, else the learner over kappa's range [0, 10], seed 1. */
static inline bsor_pc *heat_create_pc(bsor_learner learner) {
    bsor_pc *pc = NULL;
    HEAT_CHECK(bsor_pc_create(&pc));
    if (learner < 0) {
        HEAT_CHECK(bsor_pc_set_omega(pc, 1.0));
    } else {
        HEAT_CHECK(bsor_pc_set_learner(pc, learner));
        HEAT_CHECK(bsor_pc_set_context_range(pc, 0.0, 10.0));
        HEAT_CHECK(bsor_pc_set_seed(pc, 1));
    }
    return pc;
}

/* Step k's matrix (set by heat_setup_step) to pc: the whole CSR operator
 * at the first step, new values on the same pattern afterwards. */
static inline void heat_set_step_operator(bsor_pc *pc, const heat *p, int k) {
    if (k == 1) {
        HEAT_CHECK(bsor_pc_set_operator_csr(pc, p->n, p->rowptr, p->colind, p->values));
    } else {
        HEAT_CHECK(bsor_pc_update_values(pc, p->nnz, p->values));
    }
}

#endif
