// SPDX-License-Identifier: MIT OR Apache-2.0
//
// banditsor.hpp: header-only C++17 wrapper of the banditsor C API
// (banditsor.h). RAII ownership of the handle, exceptions instead of status
// codes, std::vector overloads. Link with libbanditsor (CMake target
// BanditSOR::banditsor, or pkg-config banditsor).
//
//   banditsor::Preconditioner pc;                    // SmoothTS (default), paper grid
//   pc.set_operator_csr(rowptr, colind, values);    // std::vector<int64_t/double>
//   for (...) {
//     std::int64_t its = pc.solve(banditsor::Method::SsorCg, b, x, 1e-8, 1000);
//   }
//
// Every failure throws banditsor::Error, which carries the C status code
// (status(), status_name()) and bsor_last_error()'s message (what()).
// bsor_solve's BSOR_ERR_NOT_CONVERGED is thrown as banditsor::NotConverged
// (derived from Error) with the iteration count.
//
// Thread-safety is the C API's: one thread at a time per Preconditioner;
// const member functions may run concurrently with each other.
#ifndef BANDITSOR_HPP
#define BANDITSOR_HPP

#include "banditsor.h"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace banditsor {

/// A failed banditsor call: the C status code and the library's message.
class Error : public std::runtime_error {
public:
    Error(int status, const std::string &message) : std::runtime_error(message), status_(status) {}
    /// The bsor_status code (BSOR_ERR_...).
    int status() const noexcept { return status_; }
    /// The code's name, e.g. "BSOR_ERR_ZERO_DIAGONAL".
    const char *status_name() const noexcept { return bsor_status_name(status_); }

private:
    int status_;
};

/// solve() reached max_it: x holds the last iterate; the learner was
/// charged a failed solve.
class NotConverged : public Error {
public:
    NotConverged(const std::string &message, std::int64_t iterations)
        : Error(BSOR_ERR_NOT_CONVERGED, message), iterations_(iterations) {}
    std::int64_t iterations() const noexcept { return iterations_; }

private:
    std::int64_t iterations_;
};

/// Throw Error for a non-zero status (with the thread's last error message).
inline void check(int status) {
    if (status != BSOR_OK) {
        throw Error(status, bsor_last_error());
    }
}

enum class Learner : bsor_learner {
    Fixed = BSOR_LEARNER_FIXED,
    TsallisInf = BSOR_LEARNER_TSALLIS_INF,
    ChebCb = BSOR_LEARNER_CHEBCB,
    TsallisInfCb = BSOR_LEARNER_TSALLIS_INF_CB,
};

enum class Sweep : bsor_sweep {
    Forward = BSOR_SWEEP_FORWARD,
    Backward = BSOR_SWEEP_BACKWARD,
    Symmetric = BSOR_SWEEP_SYMMETRIC,
};

enum class Method : bsor_method {
    Sor = BSOR_METHOD_SOR,
    SsorCg = BSOR_METHOD_SSOR_CG,
    Cg = BSOR_METHOD_CG,
};

/// "No context" for presolve/solve (NaN).
inline constexpr double no_context = std::numeric_limits<double>::quiet_NaN();

/// The library's version string ("MAJOR.MINOR.PATCH").
inline std::string version() { return bsor_version_string(); }

/// Owns one bsor_pc handle. Movable, not copyable.
class Preconditioner {
public:
    Preconditioner() { check(bsor_pc_create(&pc_)); }
    ~Preconditioner() { bsor_pc_destroy(&pc_); }
    Preconditioner(const Preconditioner &) = delete;
    Preconditioner &operator=(const Preconditioner &) = delete;
    Preconditioner(Preconditioner &&other) noexcept : pc_(std::exchange(other.pc_, nullptr)) {}
    Preconditioner &operator=(Preconditioner &&other) noexcept {
        if (this != &other) {
            bsor_pc_destroy(&pc_);
            pc_ = std::exchange(other.pc_, nullptr);
        }
        return *this;
    }

    /// The C handle (still owned by this object).
    bsor_pc *get() noexcept { return pc_; }
    const bsor_pc *get() const noexcept { return pc_; }

    // ----- operator -----------------------------------------------------
    void set_operator_csr(std::int64_t n, const std::int64_t *rowptr, const std::int64_t *colind,
                          const double *values) {
        check(bsor_pc_set_operator_csr(pc_, n, rowptr, colind, values));
    }
    void set_operator_csr(std::int32_t n, const std::int32_t *rowptr, const std::int32_t *colind,
                          const double *values) {
        check(bsor_pc_set_operator_csr_i32(pc_, n, rowptr, colind, values));
    }
    /// n = rowptr.size() - 1; colind and values must have rowptr[n] entries.
    void set_operator_csr(const std::vector<std::int64_t> &rowptr,
                          const std::vector<std::int64_t> &colind,
                          const std::vector<double> &values) {
        check_csr_sizes(rowptr.size(), rowptr.empty() ? 0 : rowptr.back(), colind.size(),
                        values.size());
        set_operator_csr(static_cast<std::int64_t>(rowptr.size() - 1), rowptr.data(),
                         colind.data(), values.data());
    }
    void set_operator_csr(const std::vector<std::int32_t> &rowptr,
                          const std::vector<std::int32_t> &colind,
                          const std::vector<double> &values) {
        check_csr_sizes(rowptr.size(), rowptr.empty() ? 0 : rowptr.back(), colind.size(),
                        values.size());
        set_operator_csr(static_cast<std::int32_t>(rowptr.size() - 1), rowptr.data(),
                         colind.data(), values.data());
    }
    /// New values on the same pattern (values.size() must equal nnz()).
    void update_values(const std::vector<double> &values) {
        check(bsor_pc_update_values(pc_, static_cast<std::int64_t>(values.size()),
                                    values.data()));
    }
    /// Rows of the operator (0 before one is set).
    std::int64_t n() const {
        std::int64_t rows = 0;
        check(bsor_pc_get_size(pc_, &rows, nullptr));
        return rows;
    }
    /// Stored entries of the operator (0 before one is set).
    std::int64_t nnz() const {
        std::int64_t entries = 0;
        check(bsor_pc_get_size(pc_, nullptr, &entries));
        return entries;
    }

    // ----- settings -----------------------------------------------------
    void set_learner(Learner kind) { check(bsor_pc_set_learner(pc_, static_cast<bsor_learner>(kind))); }
    void set_omega(double omega) { check(bsor_pc_set_omega(pc_, omega)); }
    void set_omega_grid(double lo, double hi, std::int32_t count) {
        check(bsor_pc_set_omega_grid(pc_, lo, hi, count));
    }
    void set_context_range(double lo, double hi) { check(bsor_pc_set_context_range(pc_, lo, hi)); }
    void set_seed(std::uint64_t seed) { check(bsor_pc_set_seed(pc_, seed)); }
    void set_sweep(Sweep kind, std::int32_t its = 1) {
        check(bsor_pc_set_sweep(pc_, static_cast<bsor_sweep>(kind), its));
    }
    /// NaN restores the default (max_it for solve, twice the largest
    /// converged count for postsolve).
    void set_failure_cost(double cost) { check(bsor_pc_set_failure_cost(pc_, cost)); }

    // ----- host-solver protocol ----------------------------------------
    /// Start a solve; returns the omega chosen for this context.
    double presolve(double context = no_context) {
        double omega = 0.0;
        check(bsor_pc_presolve(pc_, context, &omega));
        return omega;
    }
    /// z = M^-1 r (n entries each; may be the same array).
    void apply(const double *r, double *z) { check(bsor_pc_apply(pc_, r, z)); }
    void apply(const std::vector<double> &r, std::vector<double> &z) {
        check_vector_size("r", r.size());
        check_vector_size("z", z.size());
        apply(r.data(), z.data());
    }
    /// End a solve with its iteration count.
    void postsolve(std::int64_t iterations, bool converged) {
        check(bsor_pc_postsolve(pc_, iterations, converged ? 1 : 0));
    }

    /// One learned solve of A x = b from the initial guess in x; returns the
    /// iteration count. Throws NotConverged at max_it.
    std::int64_t solve(Method method, const std::vector<double> &b, std::vector<double> &x,
                       double rtol, std::int64_t max_it, double context = no_context) {
        check_vector_size("b", b.size());
        check_vector_size("x", x.size());
        std::int64_t its = 0;
        int status = bsor_solve(pc_, static_cast<bsor_method>(method), context, b.data(), x.data(),
                                rtol, max_it, &its);
        if (status == BSOR_ERR_NOT_CONVERGED) {
            throw NotConverged(bsor_last_error(), its);
        }
        check(status);
        return its;
    }

    // ----- queries and persistence -----------------------------------
    double omega() const {
        double omega = 0.0;
        check(bsor_pc_get_omega(pc_, &omega));
        return omega;
    }
    double favourite_omega(double context = no_context) const {
        double omega = 0.0;
        check(bsor_pc_get_favourite_omega(pc_, context, &omega));
        return omega;
    }
    bsor_stats stats() const {
        bsor_stats s{};
        check(bsor_pc_get_stats(pc_, &s));
        return s;
    }
    void save_state(const std::string &path) const { check(bsor_pc_save_state(pc_, path.c_str())); }
    void load_state(const std::string &path) { check(bsor_pc_load_state(pc_, path.c_str())); }

private:
    static void check_csr_sizes(std::size_t rows, std::int64_t nnz, std::size_t ncol,
                                std::size_t nval) {
        if (rows == 0) {
            throw Error(BSOR_ERR_INCONSISTENT_SIZES, "set_operator_csr: rowptr is empty (needs n + 1 entries)");
        }
        if (nnz < 0 || static_cast<std::size_t>(nnz) != ncol || ncol != nval) {
            throw Error(BSOR_ERR_INCONSISTENT_SIZES,
                        "set_operator_csr: rowptr[n] = " + std::to_string(nnz) + ", colind has " +
                            std::to_string(ncol) + " entries, values has " + std::to_string(nval));
        }
    }
    void check_vector_size(const char *what, std::size_t size) const {
        const std::int64_t rows = n();
        if (rows > 0 && static_cast<std::int64_t>(size) != rows) {
            throw Error(BSOR_ERR_DIMENSION_MISMATCH,
                        std::string(what) + " has " + std::to_string(size) +
                            " entries, operator has n = " + std::to_string(rows));
        }
    }

    bsor_pc *pc_ = nullptr;
};

} // namespace banditsor

#endif // BANDITSOR_HPP
