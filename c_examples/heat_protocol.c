/* (a) The host-solver protocol from C: the user's own SSOR-preconditioned
 * conjugate gradients, with banditsor choosing omega before each solve
 * (bsor_pc_presolve), applying the SSOR preconditioner inside the solver
 * (bsor_pc_apply) and learning from the iteration count afterwards
 * (bsor_pc_postsolve). Context of each solve: the diffusion coefficient
 * kappa(t). Compares the total CG iterations with a fixed omega = 1
 * (symmetric Gauss-Seidel) run and prints PASS when learning needed fewer.
 *
 * usage: heat_protocol [nx=50] [steps=300] [learner=chebcb|tsallis|tsallis_cb] */
#include "heat_bsor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static double dot(int64_t n, const double *a, const double *b) {
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        s += a[i] * b[i];
    }
    return s;
}

/* Preconditioned CG from the initial guess in x; stops when the recurrence
 * residual meets ||r|| <= rtol ||b||. Returns iterations; *converged 0/1. */
static int64_t pcg(heat *p, bsor_pc *pc, double *x, double rtol, int64_t max_it,
                   int32_t *converged, double *r, double *z, double *d, double *q) {
    const int64_t n = p->n;
    heat_matvec(p, x, q);
    for (int64_t i = 0; i < n; i++) {
        r[i] = p->b[i] - q[i];
    }
    const double bnorm = sqrt(dot(n, p->b, p->b));
    const double tol = rtol * (bnorm > 0.0 ? bnorm : 1.0);
    *converged = 1;
    if (sqrt(dot(n, r, r)) <= tol) {
        return 0;
    }
    HEAT_CHECK(bsor_pc_apply(pc, r, z));
    memcpy(d, z, (size_t)n * sizeof *d);
    double rz = dot(n, r, z);
    for (int64_t it = 1; it <= max_it; it++) {
        heat_matvec(p, d, q);
        const double alpha = rz / dot(n, d, q);
        for (int64_t i = 0; i < n; i++) {
            x[i] += alpha * d[i];
            r[i] -= alpha * q[i];
        }
        if (sqrt(dot(n, r, r)) <= tol) {
            return it;
        }
        HEAT_CHECK(bsor_pc_apply(pc, r, z));
        const double rz_new = dot(n, r, z);
        const double beta = rz_new / rz;
        rz = rz_new;
        for (int64_t i = 0; i < n; i++) {
            d[i] = z[i] + beta * d[i];
        }
    }
    *converged = 0;
    return max_it;
}

/* One simulation; learner < 0 means fixed omega = 1. Returns total CG
 * iterations. */
static int64_t simulate(int nx, int steps, bsor_learner learner, double *last_omega) {
    heat p;
    if (heat_init(&p, nx, steps) != 0) {
        fprintf(stderr, "heat_init failed\n");
        exit(EXIT_FAILURE);
    }
    double *work = malloc(4 * (size_t)p.n * sizeof *work);
    if (!work) {
        exit(EXIT_FAILURE);
    }
    bsor_pc *pc = heat_create_pc(learner);
    int64_t total = 0;
    for (int k = 1; k <= steps; k++) {
        const double kappa = heat_setup_step(&p, k);
        heat_set_step_operator(pc, &p, k);
        double omega = 0.0;
        HEAT_CHECK(bsor_pc_presolve(pc, kappa, &omega));
        int32_t converged = 0;
        /* warm start: x = u (the previous step's solution) */
        int64_t its = pcg(&p, pc, p.u, 1e-8, 10000, &converged, work, work + p.n,
                          work + 2 * p.n, work + 3 * p.n);
        HEAT_CHECK(bsor_pc_postsolve(pc, its, converged));
        total += its;
        *last_omega = omega;
    }
    bsor_stats stats;
    HEAT_CHECK(bsor_pc_get_stats(pc, &stats));
    if (stats.solves != steps || stats.total_iterations != total || stats.failed_solves != 0) {
        fprintf(stderr, "unexpected statistics: %lld solves, %lld iterations, %lld failed\n",
                (long long)stats.solves, (long long)stats.total_iterations,
                (long long)stats.failed_solves);
        exit(EXIT_FAILURE);
    }
    HEAT_CHECK(bsor_pc_destroy(&pc));
    free(work);
    heat_free(&p);
    return total;
}

int main(int argc, char **argv) {
    const int nx = argc > 1 ? atoi(argv[1]) : 50;
    const int steps = argc > 2 ? atoi(argv[2]) : 300;
    const char *name = argc > 3 ? argv[3] : "chebcb";
    const bsor_learner learner = heat_learner(name);
    printf("banditsor %s: heat equation nx = %d, %d Crank-Nicolson steps, own SSOR-PCG\n",
           bsor_version_string(), nx, steps);
    double omega_fixed = 0.0, omega_learned = 0.0;
    const int64_t fixed = simulate(nx, steps, -1, &omega_fixed);
    const int64_t learned = simulate(nx, steps, learner, &omega_learned);
    printf("total CG iterations, omega = 1 (SGS):  %lld\n", (long long)fixed);
    printf("total CG iterations, learned (%s): %lld (last omega %.3f)\n", name,
           (long long)learned, omega_learned);
    printf("speed-up: %.2fx\n", (double)fixed / (double)learned);
    if (learned < fixed) {
        printf("PASS: learned omega needed fewer iterations than omega = 1\n");
        return EXIT_SUCCESS;
    }
    printf("FAIL: learned omega did not beat omega = 1\n");
    return EXIT_FAILURE;
}
