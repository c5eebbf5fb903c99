//! Many handles used from many threads at once (each handle by one thread
//! at a time, handed between threads half-way) must give exactly the
//! results of a single-threaded run, through the Rust API and the C ABI;
//! read-only C calls on one shared handle may run concurrently; the last
//! error message is per thread.

use banditsor::ffi::*;
use banditsor::{laplacian_2d, LearnerConfig, LearnerKind, Method, Preconditioner};
use std::ffi::{CStr, CString};
use std::ptr::null_mut;
use std::thread;

const THREADS: usize = 8;
const HANDLES: usize = 24;
const ROUNDS: usize = 40;
const M: usize = 10;

fn kind_of(job: usize) -> LearnerKind {
    [
        LearnerKind::TsallisInf,
        LearnerKind::ChebCb,
        LearnerKind::TsallisInfCb,
        LearnerKind::Fixed,
        LearnerKind::SmoothTs,
    ][job % 5]
}

fn rhs(job: usize, round: usize) -> Vec<f64> {
    (0..M * M)
        .map(|i| ((i * 7 + job * 13 + round * 5) % 17) as f64 - 8.0)
        .collect()
}

fn context(job: usize, round: usize) -> f64 {
    ((job * 31 + round * 17) % 100) as f64 / 100.0
}

/// What one round produced: omega, iterations, and the solution's bits.
type Round = (u64, u64, Vec<u64>);

/// A fresh path on every call: the tests of this file run in parallel and
/// several of them drive the same job number, so a path made from the job
/// alone was saved by one test and removed under it by another.
fn scratch(tag: &str, job: usize) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "banditsor-concurrency-{}-{tag}-{job}-{unique}.json",
        std::process::id()
    ))
}

// ----- Rust API --------------------------------------------------------

fn rust_handle(job: usize) -> Preconditioner {
    let mut pc = Preconditioner::with_config(LearnerConfig {
        kind: kind_of(job),
        seed: job as u64,
        fixed_omega: 1.5,
        ..LearnerConfig::default()
    })
    .unwrap();
    pc.set_operator(laplacian_2d(M, 1.0 + job as f64 / 10.0));
    pc
}

/// Rounds `from..to` of job `job`; saves and reloads its state at round 10.
fn rust_rounds(pc: &mut Preconditioner, job: usize, from: usize, to: usize) -> Vec<Round> {
    (from..to)
        .map(|round| {
            if round == 10 {
                let path = scratch("rust", job);
                pc.save_state(&path).unwrap();
                pc.load_state(&path).unwrap();
                std::fs::remove_file(&path).unwrap();
            }
            let b = rhs(job, round);
            let mut x = vec![0.0; M * M];
            let method = if round % 3 == 0 {
                Method::Sor
            } else {
                Method::SsorCg
            };
            let cap = if round % 7 == 0 { 5 } else { 1000 };
            let out = pc
                .solve(method, Some(context(job, round)), &b, &mut x, 1e-8, cap)
                .unwrap();
            (
                pc.omega().to_bits(),
                out.iterations,
                x.iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

#[test]
fn rust_handles_on_many_threads_match_a_single_thread() {
    let reference: Vec<Vec<Round>> = (0..HANDLES)
        .map(|job| rust_rounds(&mut rust_handle(job), job, 0, ROUNDS))
        .collect();

    // Phase 1 on THREADS threads; the handles then move to other threads
    // for phase 2.
    let mut handles: Vec<(usize, Preconditioner, Vec<Round>)> = (0..HANDLES)
        .map(|j| (j, rust_handle(j), Vec::new()))
        .collect();
    for (phase, (from, to)) in [(0, ROUNDS / 2), (ROUNDS / 2, ROUNDS)]
        .into_iter()
        .enumerate()
    {
        let mut buckets: Vec<Vec<_>> = (0..THREADS).map(|_| Vec::new()).collect();
        for (i, h) in handles.drain(..).enumerate() {
            buckets[(i + phase * 3) % THREADS].push(h);
        }
        let workers: Vec<_> = buckets
            .into_iter()
            .map(|bucket| {
                thread::spawn(move || {
                    bucket
                        .into_iter()
                        .map(|(job, mut pc, mut out)| {
                            out.extend(rust_rounds(&mut pc, job, from, to));
                            (job, pc, out)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for w in workers {
            handles.extend(w.join().unwrap());
        }
    }
    handles.sort_by_key(|h| h.0);
    for (job, _, out) in &handles {
        assert!(out == &reference[*job], "job {job}: threaded run differs");
    }
}

// ----- C ABI -----------------------------------------------------------

/// A handle moved between threads (used by one thread at a time).
struct Owned(*mut bsor_pc);
unsafe impl Send for Owned {}

/// A handle shared by threads for read-only calls only.
#[derive(Clone, Copy)]
struct Shared(*const bsor_pc);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// Through a method, so closures capture the whole (Send) wrapper.
    fn ptr(self) -> *const bsor_pc {
        self.0
    }
}

fn c_handle(job: usize) -> Owned {
    let a = laplacian_2d(M, 1.0 + job as f64 / 10.0);
    let s = a.as_sprs();
    let rowptr: Vec<i32> = s.indptr().raw_storage().iter().map(|&r| r as i32).collect();
    let colind: Vec<i32> = s.indices().iter().map(|&c| c as i32).collect();
    let mut pc = null_mut();
    unsafe {
        assert_eq!(bsor_pc_create(&mut pc), 0);
        let kind = match kind_of(job) {
            LearnerKind::Fixed => BSOR_LEARNER_FIXED,
            LearnerKind::TsallisInf => BSOR_LEARNER_TSALLIS_INF,
            LearnerKind::ChebCb => BSOR_LEARNER_CHEBCB,
            LearnerKind::TsallisInfCb => BSOR_LEARNER_TSALLIS_INF_CB,
            LearnerKind::SmoothTs => BSOR_LEARNER_SMOOTH_TS,
        };
        assert_eq!(bsor_pc_set_seed(pc, job as u64), 0);
        if kind == BSOR_LEARNER_FIXED {
            assert_eq!(bsor_pc_set_omega(pc, 1.5), 0);
        } else {
            assert_eq!(bsor_pc_set_learner(pc, kind), 0);
        }
        let rc = bsor_pc_set_operator_csr_i32(
            pc,
            (M * M) as i32,
            rowptr.as_ptr(),
            colind.as_ptr(),
            s.data().as_ptr(),
        );
        assert_eq!(rc, 0);
    }
    Owned(pc)
}

/// As [`rust_rounds`] through the C ABI: the protocol with the handle's
/// own apply inside a hand-written Richardson loop on odd rounds,
/// bsor_solve on even rounds.
fn c_rounds(pc: &Owned, job: usize, from: usize, to: usize) -> Vec<Round> {
    let n = M * M;
    (from..to)
        .map(|round| unsafe {
            if round == 10 {
                let file = scratch("c", job);
                let path = CString::new(file.to_str().unwrap()).unwrap();
                assert_eq!(bsor_pc_save_state(pc.0, path.as_ptr()), 0);
                assert_eq!(bsor_pc_load_state(pc.0, path.as_ptr()), 0);
                std::fs::remove_file(&file).unwrap();
            }
            let b = rhs(job, round);
            let mut x = vec![0.0; n];
            let mut its = 0i64;
            if round % 2 == 0 {
                let rc = bsor_solve(
                    pc.0,
                    BSOR_METHOD_SSOR_CG,
                    context(job, round),
                    b.as_ptr(),
                    x.as_mut_ptr(),
                    1e-8,
                    if round % 7 == 0 { 5 } else { 1000 },
                    &mut its,
                );
                assert!(rc == 0 || rc == bsor_status::BSOR_ERR_NOT_CONVERGED as i32);
            } else {
                let mut omega = 0.0;
                assert_eq!(bsor_pc_presolve(pc.0, context(job, round), &mut omega), 0);
                // A few preconditioned Richardson steps: x += M^-1 b.
                let mut z = vec![0.0; n];
                for _ in 0..3 {
                    assert_eq!(bsor_pc_apply(pc.0, b.as_ptr(), z.as_mut_ptr()), 0);
                    for (xi, zi) in x.iter_mut().zip(&z) {
                        *xi += 0.5 * zi;
                    }
                }
                its = 3 + (round as i64 % 5);
                assert_eq!(bsor_pc_postsolve(pc.0, its, (round % 4 != 1) as i32), 0);
            }
            let mut omega = 0.0;
            assert_eq!(bsor_pc_get_omega(pc.0, &mut omega), 0);
            (
                omega.to_bits(),
                its as u64,
                x.iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

#[test]
fn c_handles_on_many_threads_match_a_single_thread() {
    let reference: Vec<Vec<Round>> = (0..HANDLES)
        .map(|job| {
            let mut pc = c_handle(job);
            let out = c_rounds(&pc, job, 0, ROUNDS);
            unsafe { bsor_pc_destroy(&mut pc.0) };
            out
        })
        .collect();

    let mut handles: Vec<(usize, Owned, Vec<Round>)> =
        (0..HANDLES).map(|j| (j, c_handle(j), Vec::new())).collect();
    for (phase, (from, to)) in [(0, ROUNDS / 2), (ROUNDS / 2, ROUNDS)]
        .into_iter()
        .enumerate()
    {
        let mut buckets: Vec<Vec<_>> = (0..THREADS).map(|_| Vec::new()).collect();
        for (i, h) in handles.drain(..).enumerate() {
            buckets[(i + phase * 5) % THREADS].push(h);
        }
        let workers: Vec<_> = buckets
            .into_iter()
            .map(|bucket| {
                thread::spawn(move || {
                    bucket
                        .into_iter()
                        .map(|(job, pc, mut out)| {
                            out.extend(c_rounds(&pc, job, from, to));
                            (job, pc, out)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for w in workers {
            handles.extend(w.join().unwrap());
        }
    }
    handles.sort_by_key(|h| h.0);
    for (job, mut pc, out) in handles {
        assert!(out == reference[job], "job {job}: threaded run differs");
        unsafe { bsor_pc_destroy(&mut pc.0) };
    }
}

#[test]
fn read_only_calls_share_one_handle_across_threads() {
    let pc = c_handle(1);
    let _ = c_rounds(&pc, 1, 0, 12);
    let shared = Shared(pc.0);
    let (mut omega, mut stats) = (0.0, bsor_stats::default());
    let mut favourite = 0.0;
    unsafe {
        assert_eq!(bsor_pc_get_omega(shared.ptr(), &mut omega), 0);
        assert_eq!(bsor_pc_get_stats(shared.ptr(), &mut stats), 0);
        assert_eq!(
            bsor_pc_get_favourite_omega(shared.ptr(), 0.3, &mut favourite),
            0
        );
    }
    let reference_path = scratch("shared-reference", 0);
    let c_path = CString::new(reference_path.to_str().unwrap()).unwrap();
    assert_eq!(
        unsafe { bsor_pc_save_state(shared.ptr(), c_path.as_ptr()) },
        0
    );
    let reference = std::fs::read(&reference_path).unwrap();
    let common = scratch("shared-common", 0);

    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let common = common.clone();
            thread::spawn(move || {
                let own = scratch("shared", t);
                let paths = [
                    CString::new(own.to_str().unwrap()).unwrap(),
                    CString::new(common.to_str().unwrap()).unwrap(),
                ];
                for i in 0..50 {
                    let (mut o, mut s, mut f) = (0.0, bsor_stats::default(), 0.0);
                    let (mut n, mut nnz) = (0, 0);
                    unsafe {
                        assert_eq!(bsor_pc_get_omega(shared.ptr(), &mut o), 0);
                        assert_eq!(bsor_pc_get_stats(shared.ptr(), &mut s), 0);
                        assert_eq!(bsor_pc_get_favourite_omega(shared.ptr(), 0.3, &mut f), 0);
                        assert_eq!(bsor_pc_get_size(shared.ptr(), &mut n, &mut nnz), 0);
                        assert_eq!(bsor_pc_save_state(shared.ptr(), paths[i % 2].as_ptr()), 0);
                    }
                    assert_eq!((o, s, f, n), (omega, stats, favourite, (M * M) as i64));
                }
                let bytes = std::fs::read(&own).unwrap();
                let _ = std::fs::remove_file(&own);
                bytes
            })
        })
        .collect();
    for w in workers {
        assert_eq!(w.join().unwrap(), reference);
    }
    assert_eq!(std::fs::read(&common).unwrap(), reference);
    let _ = std::fs::remove_file(&common);
    let _ = std::fs::remove_file(&reference_path);
    let mut pc = pc;
    unsafe { bsor_pc_destroy(&mut pc.0) };
}

#[test]
fn last_error_is_per_thread() {
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                let mut pc = null_mut();
                unsafe { assert_eq!(bsor_pc_create(&mut pc), 0) };
                for i in 0..200 {
                    let bad = 2.0 + (t * 1000 + i) as f64;
                    let rc = unsafe { bsor_pc_set_omega(pc, bad) };
                    assert_eq!(rc, bsor_status::BSOR_ERR_INVALID_OMEGA as i32);
                    thread::yield_now();
                    let msg = unsafe { CStr::from_ptr(bsor_last_error()) }
                        .to_string_lossy()
                        .into_owned();
                    assert!(msg.contains(&format!("invalid omega {bad}")), "{msg}");
                }
                unsafe { bsor_pc_destroy(&mut pc) };
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}
