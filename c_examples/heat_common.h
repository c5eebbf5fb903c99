/* The paper's 2D heat equation (Khodak et al., "Learning to Relax",
 * experiment 2), shared by the C and C++ examples:
 *
 *   u_t = kappa(t) Lap(u) + f  on [0,1]^2, zero Dirichlet boundary,
 *   5-point differences, nx intervals per side (n = (nx-1)^2 unknowns),
 *   Crank-Nicolson: A_t = I + (dt/2) kappa K,
 *                   b_t = (I - (dt/2) kappa K) u + dt f(t),  K = -Lap_h,
 *   kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t),
 *   f = 32 bump(r = 1/8) centred at (0.5 + cos(16 pi t)/4, 0.5 + sin(16 pi t)/4),
 *   u_0 = bump(r = 1/4) at the centre, bump = exp(1 - 1/(1 - d^2/r^2)).
 *
 * The paper runs 5000 steps of dt = 1e-3; these examples run `steps` steps
 * of dt = 1/steps, covering the same one period of kappa (where most of
 * the work is, kappa up to 10) in a few hundred solves. */
#ifndef HEAT_COMMON_H
#define HEAT_COMMON_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct heat {
    int64_t m;       /* interior points per side (nx - 1) */
    int64_t n;       /* unknowns, m * m */
    int64_t nnz;     /* stored entries of A_t */
    double h, dt;
    int64_t *rowptr; /* CSR pattern of A_t (0-based, sorted) */
    int64_t *colind;
    double *kvals;   /* K = -Lap_h on that pattern */
    double *values;  /* A_t for the current step */
    double *u;       /* current solution */
    double *b;       /* current right-hand side */
    double *work;
} heat;

/* Allocate and set u_0; returns 0 on success. */
int heat_init(heat *p, int nx, int steps);
void heat_free(heat *p);
/* kappa at time t. */
double heat_kappa(double t);
/* Build A_k (values) and b_k (from the current u) for step k = 1..steps;
 * returns kappa (the context). */
double heat_setup_step(heat *p, int k);
/* y = A_t x with the current values. */
void heat_matvec(const heat *p, const double *x, double *y);

#ifdef __cplusplus
}
#endif

#endif
