// (c) C++ through banditsor.hpp (header-only RAII wrapper): the heat-equation
// sequence solved step by step with Preconditioner::solve and the binned
// contextual learner (context kappa), against a fixed omega = 1 run. Also
// shows the exceptions: a bad argument throws banditsor::Error carrying the
// status code and the library's message, and the object stays usable.
//
// usage: heat_cpp [nx=50] [steps=300]
#include <banditsor.hpp>

#include "heat_common.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace {

std::int64_t simulate(int nx, int steps, bool learn) {
    heat p;
    if (heat_init(&p, nx, steps) != 0) {
        throw std::runtime_error("heat_init failed");
    }
    banditsor::Preconditioner pc;
    if (learn) {
        pc.set_learner(banditsor::Learner::TsallisInfCb);
        pc.set_context_range(0.0, 10.0);
        pc.set_seed(1);
    } else {
        pc.set_omega(1.0);
    }
    const auto n = static_cast<std::size_t>(p.n);
    std::vector<double> b(n), x(p.u, p.u + n);
    std::vector<double> values(static_cast<std::size_t>(p.nnz));
    std::int64_t total = 0;
    for (int k = 1; k <= steps; k++) {
        std::copy(x.begin(), x.end(), p.u); // heat_setup_step reads u from p.u
        const double kappa = heat_setup_step(&p, k);
        values.assign(p.values, p.values + p.nnz);
        if (k == 1) {
            pc.set_operator_csr(p.n, p.rowptr, p.colind, p.values);
        } else {
            pc.update_values(values);
        }
        b.assign(p.b, p.b + n);
        total += pc.solve(banditsor::Method::SsorCg, b, x, 1e-8, 10000, kappa);
    }
    const bsor_stats s = pc.stats();
    if (s.solves != steps || s.total_iterations != total) {
        throw std::runtime_error("unexpected statistics");
    }
    heat_free(&p);
    return total;
}

} // namespace

int main(int argc, char **argv) {
    const int nx = argc > 1 ? std::atoi(argv[1]) : 50;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 300;
    std::cout << "banditsor " << banditsor::version() << " (header " << BSOR_VERSION_STRING
              << "): heat equation nx = " << nx << ", " << steps << " steps, C++ wrapper\n";

    // Errors are exceptions with the C status and message; nothing changes.
    banditsor::Preconditioner probe;
    try {
        probe.set_omega(2.5);
        std::cout << "FAIL: omega = 2.5 was accepted\n";
        return EXIT_FAILURE;
    } catch (const banditsor::Error &e) {
        std::cout << "expected error: " << e.status_name() << " (" << e.status() << "): " << e.what()
                  << "\n";
        if (e.status() != BSOR_ERR_INVALID_OMEGA) {
            return EXIT_FAILURE;
        }
    }
    banditsor::Preconditioner moved = std::move(probe); // RAII handle moves

    try {
        const std::int64_t fixed = simulate(nx, steps, false);
        const std::int64_t learned = simulate(nx, steps, true);
        std::cout << "total SSOR-CG iterations, omega = 1 (SGS):     " << fixed << "\n"
                  << "total SSOR-CG iterations, learned (tsallis_cb): " << learned << "\n";
        if (learned < fixed) {
            std::cout << "PASS: learned omega needed fewer iterations than omega = 1\n";
            return EXIT_SUCCESS;
        }
        std::cout << "FAIL: learned omega did not beat omega = 1\n";
    } catch (const banditsor::Error &e) {
        std::cout << "FAIL: " << e.status_name() << ": " << e.what() << "\n";
    }
    return EXIT_FAILURE;
}
