/* Streaming bandwidth of one core (STREAM's triad a = b + s c), for
 * benches/petsc/bench.sh to print next to the sweeps' effective GB/s.
 * Counts 24 bytes per element (two reads, one write), as STREAM does.
 * Prints the best of REPS runs in GB/s. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atol(argv[1]) : 20000000;
  int reps = argc > 2 ? atoi(argv[2]) : 10;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
  if (!a || !b || !c) return 1;
  for (size_t i = 0; i < n; i++) {
    a[i] = 0.0;
    b[i] = 1.0;
    c[i] = 2.0;
  }
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    double t = now();
    for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
    t = now() - t;
    if (t < best) best = t;
  }
  double check = 0.0;
  for (size_t i = 0; i < n; i += 4096) check += a[i];
  printf("%.2f\n", 24.0 * n / best / 1e9);
  fprintf(stderr, "(check %g)\n", check);
  free(a);
  free(b);
  free(c);
  return 0;
}
