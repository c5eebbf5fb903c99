/* The smallest banditsor program, built with pkg-config:
 *
 *   cc consumer.c $(pkg-config --cflags --libs banditsor) -o consumer
 *
 * Solves a 1D Laplacian system ten times with the learned omega and prints
 * PASS if every solve converged. */
#include <banditsor.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 100

int main(void) {
    int64_t rowptr[N + 1], colind[3 * N];
    double values[3 * N], b[N], x[N];
    int64_t k = 0;
    rowptr[0] = 0;
    for (int64_t i = 0; i < N; i++) {
        if (i > 0) { colind[k] = i - 1; values[k++] = -1.0; }
        colind[k] = i; values[k++] = 2.0;
        if (i + 1 < N) { colind[k] = i + 1; values[k++] = -1.0; }
        rowptr[i + 1] = k;
        b[i] = 1.0;
    }
    bsor_pc *pc = NULL;
    if (bsor_pc_create(&pc) != BSOR_OK ||
        bsor_pc_set_operator_csr(pc, N, rowptr, colind, values) != BSOR_OK) {
        fprintf(stderr, "FAIL: %s\n", bsor_last_error());
        return EXIT_FAILURE;
    }
    int64_t total = 0;
    for (int s = 0; s < 10; s++) {
        for (int i = 0; i < N; i++) {
            x[i] = 0.0;
        }
        int64_t its = 0;
        int status = bsor_solve(pc, BSOR_METHOD_SSOR_CG, NAN, b, x, 1e-8, 1000, &its);
        if (status != BSOR_OK) {
            fprintf(stderr, "FAIL: %s: %s\n", bsor_status_name(status), bsor_last_error());
            bsor_pc_destroy(&pc);
            return EXIT_FAILURE;
        }
        total += its;
    }
    double omega = 0.0;
    bsor_pc_get_omega(pc, &omega);
    bsor_pc_destroy(&pc);
    printf("banditsor %s via pkg-config: 10 solves, %lld iterations, last omega %.3f\nPASS\n",
           bsor_version_string(), (long long)total, omega);
    return EXIT_SUCCESS;
}
