/* C stress test of the banditsor C ABI, built with AddressSanitizer and
 * UndefinedBehaviorSanitizer by tests/c/run.sh (and run under valgrind).
 *
 * 16 handles driven by 8 pthreads, each handle by one thread at a time and
 * moved to another thread half-way, with the host protocol, bsor_solve,
 * refused calls (bad operators, bad arguments), updates of the values and
 * save/load, must give bit-identical omegas, iteration counts and
 * solutions to a single-threaded run. Then all threads share one handle
 * for read-only calls and concurrent saves to one path. Prints PASS.
 *
 * usage: stress SCRATCH_DIR
 */
#include <banditsor.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M 12
#define N (M * M)
#define JOBS 16
#define THREADS 8
#define ROUNDS 30

static const char *scratch;

typedef struct {
    double omega[ROUNDS];
    int64_t iterations[ROUNDS];
    double checksum[ROUNDS];
} record;

static int64_t rowptr[N + 1], colind[5 * N];
static double values[5 * N];
static int64_t nnz;

static void laplacian(void) {
    nnz = 0;
    rowptr[0] = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            int64_t row = (int64_t)i * M + j;
#define PUSH(c, v) (colind[nnz] = (c), values[nnz] = (v), nnz++)
            if (i > 0) PUSH(row - M, -1.0);
            if (j > 0) PUSH(row - 1, -1.0);
            PUSH(row, 4.0);
            if (j + 1 < M) PUSH(row + 1, -1.0);
            if (i + 1 < M) PUSH(row + M, -1.0);
#undef PUSH
            rowptr[row + 1] = nnz;
        }
}

#define CHECK(call)                                                                     \
    do {                                                                                \
        int rc_ = (call);                                                               \
        if (rc_ != BSOR_OK) {                                                           \
            fprintf(stderr, "FAIL %s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call,    \
                    bsor_status_name(rc_), bsor_last_error());                          \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

#define EXPECT(call, status, needle)                                                    \
    do {                                                                                \
        int rc_ = (call);                                                               \
        if (rc_ != (status) || !strstr(bsor_last_error(), (needle))) {                  \
            fprintf(stderr, "FAIL %s:%d: %s -> %s (%s), expected %s with '%s'\n",       \
                    __FILE__, __LINE__, #call, bsor_status_name(rc_), bsor_last_error(), \
                    #status, (needle));                                                 \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

static bsor_pc *make_handle(int job) {
    bsor_pc *pc = NULL;
    CHECK(bsor_pc_create(&pc));
    CHECK(bsor_pc_set_seed(pc, (uint64_t)job));
    CHECK(bsor_pc_set_learner(pc, (bsor_learner)(1 + job % 3)));
    CHECK(bsor_pc_set_context_range(pc, 0.0, 2.0));
    CHECK(bsor_pc_set_operator_csr(pc, N, rowptr, colind, values));
    return pc;
}

/* Rounds from..to of job `job` on `pc`. */
static void run_rounds(bsor_pc *pc, int job, int from, int to, record *out) {
    double b[N], x[N], z[N], scaled[5 * N];
    int64_t bad_colind[5 * N];
    char path[4096];
    for (int round = from; round < to; round++) {
        double kappa = 0.5 + (double)((job * 7 + round * 3) % 10) / 7.0;
        for (int i = 0; i < N; i++) b[i] = (double)((i * 5 + job + round) % 11) - 5.0;
        for (int k = 0; k < nnz; k++) scaled[k] = values[k] * kappa;

        /* Refused calls: status, message, handle unchanged. */
        memcpy(bad_colind, colind, sizeof bad_colind);
        bad_colind[3] = N + 7;
        EXPECT(bsor_pc_set_operator_csr(pc, N, rowptr, bad_colind, values),
               BSOR_ERR_COLUMN_OUT_OF_RANGE, "column 151");
        EXPECT(bsor_pc_set_omega_grid(pc, 1.5, 1.0, 5), BSOR_ERR_INVALID_RANGE, "omega grid");
        EXPECT(bsor_pc_postsolve(pc, 10, 1), BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE, "postsolve");
        EXPECT(bsor_pc_apply(pc, NULL, z), BSOR_ERR_NULL_POINTER, "r");

        CHECK(bsor_pc_update_values(pc, nnz, scaled));
        int64_t its = 0;
        for (int i = 0; i < N; i++) x[i] = 0.0;
        if (round % 2 == 0) {
            int rc = bsor_solve(pc, BSOR_METHOD_SSOR_CG, kappa, b, x, 1e-8,
                                round % 5 == 0 ? 4 : 1000, &its);
            if (rc != BSOR_OK && rc != BSOR_ERR_NOT_CONVERGED) CHECK(rc);
        } else {
            double omega;
            CHECK(bsor_pc_presolve(pc, kappa, &omega));
            /* Preconditioned Richardson on A x = b, 20 steps, in place. */
            for (its = 0; its < 20; its++) {
                for (int i = 0; i < N; i++) {
                    double ax = 0.0;
                    for (int64_t k = rowptr[i]; k < rowptr[i + 1]; k++)
                        ax += scaled[k] * x[colind[k]];
                    z[i] = b[i] - ax;
                }
                CHECK(bsor_pc_apply(pc, z, z));
                for (int i = 0; i < N; i++) x[i] += z[i];
            }
            CHECK(bsor_pc_postsolve(pc, its, round % 3 != 1));
        }
        if (round == ROUNDS / 3) {
            snprintf(path, sizeof path, "%s/stress-%d.json", scratch, job);
            CHECK(bsor_pc_save_state(pc, path));
            CHECK(bsor_pc_load_state(pc, path));
        }
        CHECK(bsor_pc_get_omega(pc, &out->omega[round]));
        out->iterations[round] = its;
        double sum = 0.0;
        for (int i = 0; i < N; i++) sum += x[i] * (double)(i + 1);
        out->checksum[round] = sum;
    }
}

static bsor_pc *handles[JOBS];
static record threaded[JOBS];

typedef struct {
    int thread, phase;
} task;

static void *worker(void *arg) {
    const task *t = arg;
    for (int job = 0; job < JOBS; job++) {
        /* Phase 1: job j on thread j % THREADS; phase 2 on another thread. */
        if ((job + 3 * t->phase) % THREADS != t->thread) continue;
        int from = t->phase == 0 ? 0 : ROUNDS / 2, to = t->phase == 0 ? ROUNDS / 2 : ROUNDS;
        run_rounds(handles[job], job, from, to, &threaded[job]);
    }
    return NULL;
}

static const bsor_pc *shared;
static bsor_stats shared_stats;
static double shared_omega;

static void *reader(void *arg) {
    int t = *(const int *)arg;
    char own[4096], common[4096];
    snprintf(own, sizeof own, "%s/shared-%d.json", scratch, t);
    snprintf(common, sizeof common, "%s/shared-common.json", scratch);
    for (int i = 0; i < 40; i++) {
        bsor_stats s;
        double omega, favourite;
        int64_t n, nz;
        CHECK(bsor_pc_get_stats(shared, &s));
        CHECK(bsor_pc_get_omega(shared, &omega));
        CHECK(bsor_pc_get_favourite_omega(shared, 1.0, &favourite));
        CHECK(bsor_pc_get_size(shared, &n, &nz));
        CHECK(bsor_pc_save_state(shared, i % 2 ? own : common));
        if (memcmp(&s, &shared_stats, sizeof s) != 0 || omega != shared_omega || n != N ||
            nz != nnz) {
            fprintf(stderr, "FAIL: read-only call on a shared handle saw other values\n");
            exit(1);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    scratch = argv[1];
    laplacian();

    static record reference[JOBS];
    for (int job = 0; job < JOBS; job++) {
        bsor_pc *pc = make_handle(job);
        run_rounds(pc, job, 0, ROUNDS, &reference[job]);
        CHECK(bsor_pc_destroy(&pc));
    }

    for (int job = 0; job < JOBS; job++) handles[job] = make_handle(job);
    for (int phase = 0; phase < 2; phase++) {
        pthread_t threads[THREADS];
        task tasks[THREADS];
        for (int t = 0; t < THREADS; t++) {
            tasks[t] = (task){t, phase};
            if (pthread_create(&threads[t], NULL, worker, &tasks[t]) != 0) return 1;
        }
        for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    }
    for (int job = 0; job < JOBS; job++) {
        if (memcmp(&threaded[job], &reference[job], sizeof(record)) != 0) {
            fprintf(stderr, "FAIL: job %d: threaded run differs from the single-threaded one\n",
                    job);
            return 1;
        }
    }

    shared = handles[0];
    CHECK(bsor_pc_get_stats(shared, &shared_stats));
    CHECK(bsor_pc_get_omega(shared, &shared_omega));
    pthread_t threads[THREADS];
    int ids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        ids[t] = t;
        if (pthread_create(&threads[t], NULL, reader, &ids[t]) != 0) return 1;
    }
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    char common[4096];
    snprintf(common, sizeof common, "%s/shared-common.json", scratch);
    bsor_pc *check = make_handle(0);
    CHECK(bsor_pc_load_state(check, common));
    bsor_stats s;
    CHECK(bsor_pc_get_stats(check, &s));
    if (memcmp(&s, &shared_stats, sizeof s) != 0) {
        fprintf(stderr, "FAIL: the concurrently saved file does not hold the handle's state\n");
        return 1;
    }
    CHECK(bsor_pc_destroy(&check));
    for (int job = 0; job < JOBS; job++) CHECK(bsor_pc_destroy(&handles[job]));
    printf("%d handles x %d rounds on %d threads: identical to one thread\nPASS\n", JOBS,
           ROUNDS, THREADS);
    return 0;
}
