/* (b) The same heat-equation sequence as heat_protocol.c, each step solved
 * by one call: bsor_solve(BSOR_METHOD_SSOR_CG) does presolve, SSOR-PCG and
 * postsolve. Prints PASS when the learned omega needed fewer iterations in
 * total than omega = 1.
 *
 * usage: heat_solve [nx=50] [steps=300] [learner=tsallis|chebcb|tsallis_cb] */
#include "heat_bsor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int64_t simulate(int nx, int steps, bsor_learner learner) {
    heat p;
    if (heat_init(&p, nx, steps) != 0) {
        fprintf(stderr, "heat_init failed\n");
        exit(EXIT_FAILURE);
    }
    bsor_pc *pc = heat_create_pc(learner);
    int64_t total = 0;
    for (int k = 1; k <= steps; k++) {
        const double kappa = heat_setup_step(&p, k);
        heat_set_step_operator(pc, &p, k);
        int64_t its = 0;
        /* x = p.u holds the warm start on entry and the new u on return */
        HEAT_CHECK(bsor_solve(pc, BSOR_METHOD_SSOR_CG, kappa, p.b, p.u, 1e-8, 10000, &its));
        total += its;
    }
    double fav = 0.0;
    HEAT_CHECK(bsor_pc_get_favourite_omega(pc, 10.0, &fav));
    if (learner >= 0) {
        printf("favourite omega at kappa = 10: %.3f\n", fav);
    }
    HEAT_CHECK(bsor_pc_destroy(&pc));
    heat_free(&p);
    return total;
}

int main(int argc, char **argv) {
    const int nx = argc > 1 ? atoi(argv[1]) : 50;
    const int steps = argc > 2 ? atoi(argv[2]) : 300;
    const char *name = argc > 3 ? argv[3] : "tsallis";
    const bsor_learner learner = heat_learner(name);
    printf("banditsor %s: heat equation nx = %d, %d steps, bsor_solve(SSOR-CG)\n",
           bsor_version_string(), nx, steps);
    const int64_t fixed = simulate(nx, steps, -1);
    const int64_t learned = simulate(nx, steps, learner);
    printf("total SSOR-CG iterations, omega = 1 (SGS):  %lld\n", (long long)fixed);
    printf("total SSOR-CG iterations, learned (%s): %lld\n", name, (long long)learned);
    printf("speed-up: %.2fx\n", (double)fixed / (double)learned);
    if (learned < fixed) {
        printf("PASS: learned omega needed fewer iterations than omega = 1\n");
        return EXIT_SUCCESS;
    }
    printf("FAIL: learned omega did not beat omega = 1\n");
    return EXIT_FAILURE;
}
