/* Every failure path of the banditsor C API: each bad call must return its
 * own status code, leave a message in bsor_last_error() that names the
 * function and what was wrong, and leave the handle unchanged; at the end
 * the same handle must still solve.
 *
 * Build: cc -std=c99 -Wall -Wextra -Werror -pedantic failure_paths.c \
 *           $(pkg-config --cflags --libs banditsor)
 * Run:   ./failure_paths [scratch-dir]     (exit status 0 = all checks passed) */
#include <banditsor.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks = 0, failures = 0;

#define EXPECT(cond, ...)                                                                  \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
        }                                                                                  \
    } while (0)

/* The call returns `want`, and the last error starts with `fn` and
 * contains `needle`. */
static void expect_failure(int line, int got, int want, const char *fn, const char *needle) {
    const char *msg = bsor_last_error();
    checks++;
    if (got != want) {
        failures++;
        fprintf(stderr, "line %d: expected %s (%d), got %s (%d): %s\n", line,
                bsor_status_name(want), want, bsor_status_name(got), got, msg);
        return;
    }
    checks++;
    if (msg == NULL || strncmp(msg, fn, strlen(fn)) != 0 || strstr(msg, needle) == NULL) {
        failures++;
        fprintf(stderr, "line %d: %s: message \"%s\" should start with \"%s\" and contain \"%s\"\n",
                line, bsor_status_name(want), msg ? msg : "(null)", fn, needle);
    }
}
#define FAILS(call, status, fn, needle) expect_failure(__LINE__, (call), (status), (fn), (needle))
#define OK(call)                                                                           \
    do {                                                                                   \
        int ok_status_ = (call);                                                           \
        EXPECT(ok_status_ == BSOR_OK, "%s -> %s: %s", #call, bsor_status_name(ok_status_),  \
               bsor_last_error());                                                         \
    } while (0)

/* 1D Laplacian tridiag(-1, 2, -1) of size N, 0-based CSR. */
#define N 10
#define NNZ (3 * N - 2)
static int64_t rowptr[N + 1], colind[NNZ];
static int32_t rowptr32[N + 1], colind32[NNZ];
static double values[NNZ];

static void build(void) {
    int64_t k = 0;
    rowptr[0] = 0;
    for (int64_t i = 0; i < N; i++) {
        if (i > 0) { colind[k] = i - 1; values[k++] = -1.0; }
        colind[k] = i; values[k++] = 2.0;
        if (i + 1 < N) { colind[k] = i + 1; values[k++] = -1.0; }
        rowptr[i + 1] = k;
    }
    for (int i = 0; i <= N; i++) rowptr32[i] = (int32_t)rowptr[i];
    for (int i = 0; i < NNZ; i++) colind32[i] = (int32_t)colind[i];
}

/* Snapshot of what a failed call must not change. */
typedef struct {
    int64_t n, nnz;
    double omega;
    bsor_stats stats;
} snapshot;

static snapshot take(const bsor_pc *pc) {
    snapshot s;
    memset(&s, 0, sizeof s);
    OK(bsor_pc_get_size(pc, &s.n, &s.nnz));
    OK(bsor_pc_get_omega(pc, &s.omega));
    OK(bsor_pc_get_stats(pc, &s.stats));
    return s;
}

static void expect_unchanged(int line, const bsor_pc *pc, const snapshot *before) {
    snapshot now = take(pc);
    checks++;
    if (now.n != before->n || now.nnz != before->nnz || now.omega != before->omega ||
        memcmp(&now.stats, &before->stats, sizeof now.stats) != 0) {
        failures++;
        fprintf(stderr, "line %d: handle changed by a failed call (n %lld->%lld, nnz %lld->%lld, "
                "omega %g->%g, solves %lld->%lld)\n", line, (long long)before->n,
                (long long)now.n, (long long)before->nnz, (long long)now.nnz, before->omega,
                now.omega, (long long)before->stats.solves, (long long)now.stats.solves);
    }
}
#define UNCHANGED() expect_unchanged(__LINE__, pc, &snap)

/* Set the operator from modified copies of the good arrays. */
typedef struct {
    int64_t rp[N + 1], ci[NNZ];
    double v[NNZ];
} csr_copy;

static void copy_good(csr_copy *c) {
    memcpy(c->rp, rowptr, sizeof rowptr);
    memcpy(c->ci, colind, sizeof colind);
    memcpy(c->v, values, sizeof values);
}

static int solve_once(bsor_pc *pc, int64_t *its) {
    double b[N], x[N];
    for (int i = 0; i < N; i++) {
        b[i] = 1.0;
        x[i] = 0.0;
    }
    return bsor_solve(pc, BSOR_METHOD_SSOR_CG, NAN, b, x, 1e-10, 1000, its);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    char state_path[4096], corrupt_path[4096], missing_path[4096];
    snprintf(state_path, sizeof state_path, "%s/bsor_state.json", dir);
    snprintf(corrupt_path, sizeof corrupt_path, "%s/bsor_corrupt.json", dir);
    snprintf(missing_path, sizeof missing_path, "%s/no/such/dir/state.json", dir);
    build();

    printf("banditsor %s (header %s)\n", bsor_version_string(), BSOR_VERSION_STRING);
    EXPECT(strcmp(bsor_version_string(), BSOR_VERSION_STRING) == 0, "library %s, header %s",
           bsor_version_string(), BSOR_VERSION_STRING);
    EXPECT(strcmp(bsor_status_name(BSOR_OK), "BSOR_OK") == 0, "status name of 0");
    EXPECT(strcmp(bsor_status_name(-7), "BSOR_UNKNOWN_STATUS") == 0, "unknown status name");

    bsor_pc *pc = NULL;
    OK(bsor_pc_create(&pc));
    EXPECT(pc != NULL, "create gave NULL");
    OK(bsor_pc_set_seed(pc, 3));

    /* ----- before an operator: no-operator errors ---------------------- */
    double r[N], z[N];
    for (int i = 0; i < N; i++) {
        r[i] = 1.0;
        z[i] = -1.0;
    }
    FAILS(bsor_pc_apply(pc, r, z), BSOR_ERR_NO_OPERATOR, "bsor_pc_apply",
          "no operator set: call bsor_pc_set_operator_csr");
    EXPECT(z[0] == -1.0, "apply wrote z on failure");
    int64_t its = -5;
    FAILS(bsor_solve(pc, BSOR_METHOD_SOR, NAN, r, z, 1e-8, 10, &its), BSOR_ERR_NO_OPERATOR,
          "bsor_solve", "no operator");
    EXPECT(its == -5, "iterations_out written on failure");
    FAILS(bsor_pc_update_values(pc, NNZ, values), BSOR_ERR_NO_OPERATOR, "bsor_pc_update_values",
          "call bsor_pc_set_operator_csr or bsor_pc_set_operator_csr_i32 first");

    OK(bsor_pc_set_operator_csr(pc, N, rowptr, colind, values));
    snapshot snap = take(pc);
    EXPECT(snap.n == N && snap.nnz == NNZ, "size %lld/%lld", (long long)snap.n,
           (long long)snap.nnz);

    /* ----- null pointers ----------------------------------------------- */
    FAILS(bsor_pc_create(NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_create", "out is NULL");
    FAILS(bsor_pc_set_omega(NULL, 1.0), BSOR_ERR_NULL_POINTER, "bsor_pc_set_omega",
          "pc (handle) is NULL");
    FAILS(bsor_pc_presolve(NULL, NAN, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_presolve",
          "pc (handle) is NULL");
    FAILS(bsor_pc_get_stats(NULL, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_get_stats",
          "pc (handle) is NULL");
    FAILS(bsor_pc_set_operator_csr(pc, N, NULL, colind, values), BSOR_ERR_NULL_POINTER,
          "bsor_pc_set_operator_csr", "rowptr is NULL");
    FAILS(bsor_pc_set_operator_csr(pc, N, rowptr, NULL, values), BSOR_ERR_NULL_POINTER,
          "bsor_pc_set_operator_csr", "colind is NULL");
    FAILS(bsor_pc_set_operator_csr(pc, N, rowptr, colind, NULL), BSOR_ERR_NULL_POINTER,
          "bsor_pc_set_operator_csr", "values is NULL");
    FAILS(bsor_pc_set_operator_csr_i32(pc, N, rowptr32, NULL, values), BSOR_ERR_NULL_POINTER,
          "bsor_pc_set_operator_csr_i32", "colind is NULL");
    FAILS(bsor_pc_apply(pc, NULL, z), BSOR_ERR_NULL_POINTER, "bsor_pc_apply", "r is NULL");
    FAILS(bsor_pc_apply(pc, r, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_apply", "z is NULL");
    FAILS(bsor_solve(pc, BSOR_METHOD_CG, NAN, NULL, z, 1e-8, 10, NULL), BSOR_ERR_NULL_POINTER,
          "bsor_solve", "b is NULL");
    FAILS(bsor_solve(pc, BSOR_METHOD_CG, NAN, r, NULL, 1e-8, 10, NULL), BSOR_ERR_NULL_POINTER,
          "bsor_solve", "x is NULL");
    FAILS(bsor_pc_update_values(pc, NNZ, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_update_values",
          "values is NULL");
    FAILS(bsor_pc_get_omega(pc, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_get_omega",
          "omega is NULL");
    FAILS(bsor_pc_get_favourite_omega(pc, NAN, NULL), BSOR_ERR_NULL_POINTER,
          "bsor_pc_get_favourite_omega", "omega is NULL");
    FAILS(bsor_pc_get_stats(pc, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_get_stats",
          "stats is NULL");
    FAILS(bsor_pc_save_state(pc, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_save_state",
          "path is NULL");
    FAILS(bsor_pc_load_state(pc, NULL), BSOR_ERR_NULL_POINTER, "bsor_pc_load_state",
          "path is NULL");
    UNCHANGED();

    /* ----- sizes ------------------------------------------------------- */
    FAILS(bsor_pc_set_operator_csr(pc, -1, rowptr, colind, values), BSOR_ERR_INVALID_SIZE,
          "bsor_pc_set_operator_csr", "n (matrix size) = -1");
    FAILS(bsor_pc_set_operator_csr_i32(pc, -4, rowptr32, colind32, values),
          BSOR_ERR_INVALID_SIZE, "bsor_pc_set_operator_csr_i32", "-4");
    FAILS(bsor_pc_update_values(pc, NNZ - 1, values), BSOR_ERR_INCONSISTENT_SIZES,
          "bsor_pc_update_values", "expected 28, got 27");
    FAILS(bsor_pc_update_values(pc, -2, values), BSOR_ERR_INVALID_SIZE, "bsor_pc_update_values",
          "-2");
    FAILS(bsor_pc_set_sweep(pc, BSOR_SWEEP_FORWARD, 0), BSOR_ERR_INVALID_SIZE,
          "bsor_pc_set_sweep", "its");
    FAILS(bsor_pc_set_sweep(pc, BSOR_SWEEP_FORWARD, -3), BSOR_ERR_INVALID_SIZE,
          "bsor_pc_set_sweep", "-3");
    FAILS(bsor_solve(pc, BSOR_METHOD_CG, NAN, r, z, 1e-8, -1, NULL), BSOR_ERR_INVALID_SIZE,
          "bsor_solve", "max_it");
    UNCHANGED();

    /* ----- CSR structure and values ------------------------------------ */
    csr_copy c;
    copy_good(&c);
    c.rp[0] = 1;
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_INVALID_ROW_POINTER,
          "bsor_pc_set_operator_csr", "rowptr[0] = 1");
    copy_good(&c);
    c.rp[3] = c.rp[2] - 1;
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_INVALID_ROW_POINTER,
          "bsor_pc_set_operator_csr", "decreases at row 2");
    copy_good(&c);
    c.ci[4] = N + 5; /* row 1: columns 0, 1, 2 -> 0, 1, 15 */
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_COLUMN_OUT_OF_RANGE,
          "bsor_pc_set_operator_csr", "row 1, column 15");
    copy_good(&c);
    c.ci[2] = -1;
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_COLUMN_OUT_OF_RANGE,
          "bsor_pc_set_operator_csr", "column -1");
    copy_good(&c);
    c.ci[2] = 1; c.ci[3] = 0; /* row 1: columns 1, 0, 2 */
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_UNSORTED_COLUMNS,
          "bsor_pc_set_operator_csr", "unsorted columns in row 1");
    copy_good(&c);
    c.ci[3] = 0; /* row 1: columns 0, 0, 2 */
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_DUPLICATE_COLUMN,
          "bsor_pc_set_operator_csr", "duplicate column in row 1: column 0");
    copy_good(&c);
    c.ci[3] = 2; c.ci[4] = 3; /* row 1: columns 0, 2, 3: no diagonal */
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_MISSING_DIAGONAL,
          "bsor_pc_set_operator_csr", "missing diagonal entry in row 1");
    copy_good(&c);
    c.v[3] = 0.0;
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_ZERO_DIAGONAL,
          "bsor_pc_set_operator_csr", "zero diagonal entry in row 1");
    FAILS(bsor_pc_update_values(pc, NNZ, c.v), BSOR_ERR_ZERO_DIAGONAL, "bsor_pc_update_values",
          "row 1");
    copy_good(&c);
    c.v[5] = NAN;
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_NON_FINITE_VALUE,
          "bsor_pc_set_operator_csr", "NaN");
    copy_good(&c);
    c.v[5] = INFINITY;
    FAILS(bsor_pc_set_operator_csr(pc, N, c.rp, c.ci, c.v), BSOR_ERR_NON_FINITE_VALUE,
          "bsor_pc_set_operator_csr", "inf");
    FAILS(bsor_pc_update_values(pc, NNZ, c.v), BSOR_ERR_NON_FINITE_VALUE,
          "bsor_pc_update_values", "inf");
    {
        int32_t ci32[NNZ];
        memcpy(ci32, colind32, sizeof ci32);
        ci32[4] = 77;
        FAILS(bsor_pc_set_operator_csr_i32(pc, N, rowptr32, ci32, values),
              BSOR_ERR_COLUMN_OUT_OF_RANGE, "bsor_pc_set_operator_csr_i32", "column 77");
    }
    {
        /* misaligned array pointer */
        unsigned char raw[sizeof(double) * (NNZ + 1)];
        const double *bad = (const double *)(const void *)(raw + 1);
        FAILS(bsor_pc_update_values(pc, NNZ, bad), BSOR_ERR_MISALIGNED_POINTER,
              "bsor_pc_update_values", "values is not aligned");
    }
    UNCHANGED();

    /* ----- omega, grid, context range, enums ---------------------------- */
    FAILS(bsor_pc_set_omega(pc, 0.0), BSOR_ERR_INVALID_OMEGA, "bsor_pc_set_omega", "omega 0");
    FAILS(bsor_pc_set_omega(pc, 2.0), BSOR_ERR_INVALID_OMEGA, "bsor_pc_set_omega", "omega 2");
    FAILS(bsor_pc_set_omega(pc, -0.5), BSOR_ERR_INVALID_OMEGA, "bsor_pc_set_omega", "-0.5");
    FAILS(bsor_pc_set_omega(pc, NAN), BSOR_ERR_INVALID_OMEGA, "bsor_pc_set_omega", "NaN");
    FAILS(bsor_pc_set_omega_grid(pc, 1.5, 1.2, 10), BSOR_ERR_INVALID_RANGE,
          "bsor_pc_set_omega_grid", "[1.5, 1.2]");
    FAILS(bsor_pc_set_omega_grid(pc, 1.3, 1.3, 5), BSOR_ERR_INVALID_RANGE,
          "bsor_pc_set_omega_grid", "[1.3, 1.3]");
    FAILS(bsor_pc_set_omega_grid(pc, 0.5, 2.5, 5), BSOR_ERR_INVALID_RANGE,
          "bsor_pc_set_omega_grid", "inside (0, 2)");
    FAILS(bsor_pc_set_omega_grid(pc, 1.0, 1.9, 0), BSOR_ERR_INVALID_GRID_SIZE,
          "bsor_pc_set_omega_grid", "size 0");
    FAILS(bsor_pc_set_omega_grid(pc, 1.0, 1.9, 100000), BSOR_ERR_INVALID_GRID_SIZE,
          "bsor_pc_set_omega_grid", "100000");
    FAILS(bsor_pc_set_context_range(pc, 2.0, 1.0), BSOR_ERR_INVALID_RANGE,
          "bsor_pc_set_context_range", "context range [2, 1]");
    FAILS(bsor_pc_set_context_range(pc, 1.0, 1.0), BSOR_ERR_INVALID_RANGE,
          "bsor_pc_set_context_range", "[1, 1]");
    FAILS(bsor_pc_set_context_range(pc, 0.0, INFINITY), BSOR_ERR_INVALID_RANGE,
          "bsor_pc_set_context_range", "inf");
    FAILS(bsor_pc_set_learner(pc, 42), BSOR_ERR_INVALID_ARGUMENT, "bsor_pc_set_learner", "42");
    FAILS(bsor_pc_set_sweep(pc, 9, 1), BSOR_ERR_INVALID_ARGUMENT, "bsor_pc_set_sweep", "9");
    FAILS(bsor_solve(pc, 5, NAN, r, z, 1e-8, 10, NULL), BSOR_ERR_INVALID_ARGUMENT, "bsor_solve",
          "method");
    FAILS(bsor_solve(pc, BSOR_METHOD_CG, NAN, r, z, -1e-8, 10, NULL), BSOR_ERR_INVALID_ARGUMENT,
          "bsor_solve", "rtol");
    FAILS(bsor_pc_set_failure_cost(pc, -3.0), BSOR_ERR_INVALID_ARGUMENT,
          "bsor_pc_set_failure_cost", "-3");
    UNCHANGED();

    /* ----- protocol ----------------------------------------------------- */
    FAILS(bsor_pc_postsolve(pc, 5, 1), BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE, "bsor_pc_postsolve",
          "without presolve: call bsor_pc_presolve before each bsor_pc_postsolve");
    FAILS(bsor_pc_postsolve(pc, -1, 1), BSOR_ERR_NEGATIVE_ITERATIONS, "bsor_pc_postsolve",
          "negative iteration count -1 reported to bsor_pc_postsolve");
    FAILS(bsor_pc_postsolve(pc, 5, 2), BSOR_ERR_INVALID_ARGUMENT, "bsor_pc_postsolve",
          "converged");
    UNCHANGED();
    double omega = 0.0;
    OK(bsor_pc_presolve(pc, NAN, &omega));
    EXPECT(omega >= 1.0 && omega <= 1.95, "omega %g outside the default grid", omega);
    FAILS(bsor_pc_postsolve(pc, -7, 1), BSOR_ERR_NEGATIVE_ITERATIONS, "bsor_pc_postsolve", "-7");
    OK(bsor_pc_apply(pc, r, z));
    OK(bsor_pc_apply(pc, z, z)); /* in place is allowed */
    OK(bsor_pc_postsolve(pc, 4, 1));
    FAILS(bsor_pc_postsolve(pc, 4, 1), BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE, "bsor_pc_postsolve",
          "without presolve");
    snap = take(pc);
    EXPECT(snap.stats.solves == 1 && snap.stats.total_iterations == 4, "stats after protocol");

    /* not converged: a real outcome with its own status */
    double b[N], x[N];
    for (int i = 0; i < N; i++) {
        b[i] = 1.0;
        x[i] = 0.0;
    }
    its = -1;
    FAILS(bsor_solve(pc, BSOR_METHOD_SOR, NAN, b, x, 1e-14, 3, &its), BSOR_ERR_NOT_CONVERGED,
          "bsor_solve", "not converged");
    EXPECT(its == 3, "iterations_out %lld after a non-converged solve", (long long)its);
    snap = take(pc);
    EXPECT(snap.stats.solves == 2 && snap.stats.failed_solves == 1, "failed solve counted");

    /* ----- state files ---------------------------------------------------- */
    FAILS(bsor_pc_load_state(pc, missing_path), BSOR_ERR_STATE_IO, "bsor_pc_load_state",
          "no/such/dir");
    FAILS(bsor_pc_load_state(pc, dir), BSOR_ERR_STATE_IO, "bsor_pc_load_state", dir);
    FAILS(bsor_pc_save_state(pc, missing_path), BSOR_ERR_STATE_IO, "bsor_pc_save_state",
          "no/such/dir");
    FILE *f = fopen(corrupt_path, "w");
    EXPECT(f != NULL, "cannot create %s", corrupt_path);
    if (f) {
        fputs("{\"format\": \"banditsor-learner-state\", \"version\": 1, \"config\": [", f);
        fclose(f);
    }
    FAILS(bsor_pc_load_state(pc, corrupt_path), BSOR_ERR_STATE_CORRUPT, "bsor_pc_load_state",
          "corrupt state file");
    f = fopen(corrupt_path, "w");
    if (f) {
        fputs("not json at all", f);
        fclose(f);
    }
    FAILS(bsor_pc_load_state(pc, corrupt_path), BSOR_ERR_STATE_CORRUPT, "bsor_pc_load_state",
          "bsor_corrupt.json");
    UNCHANGED();
    OK(bsor_pc_save_state(pc, state_path));
    {
        bsor_pc *other = NULL;
        OK(bsor_pc_create(&other));
        OK(bsor_pc_set_seed(other, 99)); /* another configuration */
        FAILS(bsor_pc_load_state(other, state_path), BSOR_ERR_STATE_MISMATCH,
              "bsor_pc_load_state", "does not match");
        OK(bsor_pc_set_seed(other, 3));
        OK(bsor_pc_load_state(other, state_path));
        bsor_stats s;
        OK(bsor_pc_get_stats(other, &s));
        EXPECT(s.solves == 2, "loaded stats: %lld solves", (long long)s.solves);
        OK(bsor_pc_destroy(&other));
        EXPECT(other == NULL, "destroy did not null the pointer");
    }

    /* ----- a failing call on one thread's message does not leak: last error
     * stays until the next failure; success leaves it alone */
    FAILS(bsor_pc_set_omega(pc, 5.0), BSOR_ERR_INVALID_OMEGA, "bsor_pc_set_omega", "omega 5");
    OK(bsor_pc_get_omega(pc, &omega));
    EXPECT(strstr(bsor_last_error(), "omega 5") != NULL, "success cleared the last error");

    /* ----- the handle still works ----------------------------------------- */
    int64_t good_its = 0;
    int status = solve_once(pc, &good_its);
    EXPECT(status == BSOR_OK, "final solve: %s: %s", bsor_status_name(status), bsor_last_error());
    EXPECT(good_its > 0 && good_its <= N, "final solve took %lld iterations", (long long)good_its);
    OK(bsor_pc_set_operator_csr_i32(pc, N, rowptr32, colind32, values));
    OK(bsor_pc_set_learner(pc, BSOR_LEARNER_CHEBCB));
    OK(bsor_pc_set_context_range(pc, 0.0, 1.0));
    status = solve_once(pc, &good_its);
    EXPECT(status == BSOR_OK, "solve after i32 operator: %s", bsor_last_error());

    /* destroy: NULL-safe, idempotent */
    OK(bsor_pc_destroy(&pc));
    EXPECT(pc == NULL, "destroy did not null the pointer");
    OK(bsor_pc_destroy(&pc));
    OK(bsor_pc_destroy(NULL));
    remove(state_path);
    remove(corrupt_path);

    printf("failure_paths: %d checks, %d failures\n", checks, failures);
    if (failures == 0) {
        printf("PASS\n");
        return EXIT_SUCCESS;
    }
    return EXIT_FAILURE;
}
