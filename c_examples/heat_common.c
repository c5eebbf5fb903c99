#include "heat_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double bump(double x, double y, double cx, double cy, double r) {
    double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
    return d2 < 1.0 ? exp(1.0 - 1.0 / (1.0 - d2)) : 0.0;
}

double heat_kappa(double t) {
    double s = sin(2.0 * M_PI * t);
    double a = 0.1 * s, b = -10.0 * s;
    return a > b ? a : b;
}

int heat_init(heat *p, int nx, int steps) {
    memset(p, 0, sizeof *p);
    if (nx < 3 || steps < 1) {
        return 1;
    }
    p->m = nx - 1;
    p->n = p->m * p->m;
    p->h = 1.0 / nx;
    p->dt = 1.0 / steps;
    int64_t cap = 5 * p->n;
    p->rowptr = malloc((size_t)(p->n + 1) * sizeof *p->rowptr);
    p->colind = malloc((size_t)cap * sizeof *p->colind);
    p->kvals = malloc((size_t)cap * sizeof *p->kvals);
    p->values = malloc((size_t)cap * sizeof *p->values);
    p->u = malloc((size_t)p->n * sizeof *p->u);
    p->b = malloc((size_t)p->n * sizeof *p->b);
    p->work = malloc((size_t)p->n * sizeof *p->work);
    if (!p->rowptr || !p->colind || !p->kvals || !p->values || !p->u || !p->b || !p->work) {
        heat_free(p);
        return 1;
    }
    const double s = 1.0 / (p->h * p->h);
    int64_t k = 0;
    p->rowptr[0] = 0;
    for (int64_t i = 0; i < p->m; i++) {
        for (int64_t j = 0; j < p->m; j++) {
            int64_t row = i * p->m + j;
            if (i > 0) { p->colind[k] = row - p->m; p->kvals[k++] = -s; }
            if (j > 0) { p->colind[k] = row - 1; p->kvals[k++] = -s; }
            p->colind[k] = row; p->kvals[k++] = 4.0 * s;
            if (j + 1 < p->m) { p->colind[k] = row + 1; p->kvals[k++] = -s; }
            if (i + 1 < p->m) { p->colind[k] = row + p->m; p->kvals[k++] = -s; }
            p->rowptr[row + 1] = k;
            p->u[row] = bump((double)(j + 1) * p->h, (double)(i + 1) * p->h, 0.5, 0.5, 0.25);
        }
    }
    p->nnz = k;
    return 0;
}

void heat_free(heat *p) {
    free(p->rowptr);
    free(p->colind);
    free(p->kvals);
    free(p->values);
    free(p->u);
    free(p->b);
    free(p->work);
    memset(p, 0, sizeof *p);
}

static void csr_matvec(const heat *p, const double *vals, const double *x, double *y) {
    for (int64_t i = 0; i < p->n; i++) {
        double sum = 0.0;
        for (int64_t k = p->rowptr[i]; k < p->rowptr[i + 1]; k++) {
            sum += vals[k] * x[p->colind[k]];
        }
        y[i] = sum;
    }
}

void heat_matvec(const heat *p, const double *x, double *y) { csr_matvec(p, p->values, x, y); }

double heat_setup_step(heat *p, int k) {
    const double t = k * p->dt;
    const double kappa = heat_kappa(t);
    const double c = 0.5 * p->dt * kappa;
    /* values = I + c K */
    for (int64_t i = 0; i < p->n; i++) {
        for (int64_t q = p->rowptr[i]; q < p->rowptr[i + 1]; q++) {
            p->values[q] = c * p->kvals[q] + (p->colind[q] == i ? 1.0 : 0.0);
        }
    }
    /* b = u - c K u + dt f(t) */
    csr_matvec(p, p->kvals, p->u, p->work);
    const double fx = 0.5 + cos(16.0 * M_PI * t) / 4.0, fy = 0.5 + sin(16.0 * M_PI * t) / 4.0;
    for (int64_t i = 0; i < p->m; i++) {
        for (int64_t j = 0; j < p->m; j++) {
            int64_t row = i * p->m + j;
            double f = 32.0 * bump((double)(j + 1) * p->h, (double)(i + 1) * p->h, fx, fy, 0.125);
            p->b[row] = p->u[row] - c * p->work[row] + p->dt * f;
        }
    }
    return kappa;
}
