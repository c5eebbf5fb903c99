//! Finds PETSc, checks that it is a real double-precision build, detects
//! the size of PetscInt with a compile-time probe, and compiles the C shim
//! `src/pcbanditsor.c` into the plugin.
//!
//! Where PETSc comes from, in order:
//! 1. `PETSC_DIR` (and `PETSC_ARCH`, may be empty for a prefix install);
//! 2. pkg-config package `$BANDITSOR_PETSC_PKG` (default `petsc`; Debian's
//!    64-bit-index build is `petsc64`).
//!
//! The MPI include path comes from `pkg-config ompi-c`/`mpi`, else from
//! `mpicc --showme:compile` / `mpicc -show`, else `$MPI_INCLUDE`.
//!
//! `BANDITSOR_PETSC_VERBOSE=1` shows which PETSc was found (as a cargo
//! warning, the only build-script output cargo shows); failures always say
//! why.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Petsc {
    include: Vec<PathBuf>,
    lib_dirs: Vec<PathBuf>,
    libs: Vec<String>,
    origin: String,
}

fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    if out.status.success() {
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        None
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("\nerror: banditsor_petsc: {msg}\n");
    panic!("banditsor_petsc: {msg}");
}

fn from_petsc_dir(dir: &str) -> Petsc {
    let arch = env::var("PETSC_ARCH").unwrap_or_default();
    let base = Path::new(dir);
    let archdir = if arch.is_empty() {
        base.to_path_buf()
    } else {
        base.join(&arch)
    };
    let mut include = vec![archdir.join("include")];
    if !arch.is_empty() {
        include.push(base.join("include"));
    }
    let libdir = archdir.join("lib");
    let lib = ["petsc_real", "petsc64_real", "petsc"]
        .into_iter()
        .find(|l| libdir.join(format!("lib{l}.so")).exists())
        .unwrap_or_else(|| {
            fail(&format!(
                "PETSC_DIR={dir} PETSC_ARCH={arch}: no libpetsc_real.so, libpetsc64_real.so or libpetsc.so in {}",
                libdir.display()
            ))
        });
    Petsc {
        include,
        lib_dirs: vec![libdir],
        libs: vec![lib.to_string()],
        origin: format!("PETSC_DIR={dir} PETSC_ARCH={arch}"),
    }
}

fn from_pkg_config(pkg: &str) -> Petsc {
    let cflags = run("pkg-config", &["--cflags-only-I", pkg]).unwrap_or_else(|| {
        fail(&format!(
            "pkg-config cannot find package '{pkg}'. Install PETSc (Debian: apt-get install petsc-dev, \
             or libpetsc64-real3.18-dev for BANDITSOR_PETSC_PKG=petsc64) or set PETSC_DIR/PETSC_ARCH"
        ))
    });
    let libs = run("pkg-config", &["--libs", pkg]).unwrap_or_default();
    let include = flag_values(&cflags, "-I").map(PathBuf::from).collect();
    let lib_dirs = flag_values(&libs, "-L").map(PathBuf::from).collect();
    let libs: Vec<String> = flag_values(&libs, "-l").map(String::from).collect();
    if libs.is_empty() {
        fail(&format!("pkg-config --libs {pkg} names no library"));
    }
    Petsc {
        include,
        lib_dirs,
        libs,
        origin: format!("pkg-config {pkg}"),
    }
}

/// The values of the flags with `prefix` in a compiler/linker command
/// line (`-I/x -L/y -lz` with "-I" gives "/x").
fn flag_values<'a>(flags: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    flags
        .split_whitespace()
        .filter_map(move |f| f.strip_prefix(prefix))
}

fn mpi_include() -> Vec<PathBuf> {
    for pkg in ["ompi-c", "mpi", "mpich"] {
        if let Some(f) = run("pkg-config", &["--cflags-only-I", pkg]) {
            let v: Vec<PathBuf> = flag_values(&f, "-I").map(PathBuf::from).collect();
            if !v.is_empty() {
                return v;
            }
        }
    }
    for args in [&["--showme:compile"][..], &["-show"][..]] {
        if let Some(f) = run("mpicc", args) {
            let v: Vec<PathBuf> = flag_values(&f, "-I").map(PathBuf::from).collect();
            if !v.is_empty() {
                return v;
            }
        }
    }
    env::var("MPI_INCLUDE")
        .map(|d| vec![PathBuf::from(d)])
        .unwrap_or_default()
}

/// Preprocess a probe against petscconf.h: refuses complex or
/// non-double PetscScalar, reports PETSC_USE_64BIT_INDICES.
fn probe_int_bits(includes: &[PathBuf], origin: &str) -> u32 {
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let probe = out_dir.join("petsc_probe.c");
    std::fs::write(
        &probe,
        "#include <petscsys.h>\n\
         #if defined(PETSC_USE_COMPLEX) || !defined(PETSC_USE_REAL_DOUBLE)\n\
         #error \"banditsor_petsc needs PETSc configured with real double-precision scalars (PetscScalar = double); this PETSc is complex or not double\"\n\
         #endif\n\
         #if defined(PETSC_USE_64BIT_INDICES)\n\
         banditsor_probe_int_bits 64\n\
         #else\n\
         banditsor_probe_int_bits 32\n\
         #endif\n",
    )
    .unwrap();
    let mut build = cc::Build::new();
    for i in includes {
        build.include(i);
    }
    let compiler = build.get_compiler();
    let mut cmd = compiler.to_command();
    cmd.arg("-E").arg(&probe);
    let out = cmd.output().unwrap_or_else(|e| {
        fail(&format!(
            "cannot run the C compiler for the PETSc probe: {e}"
        ))
    });
    if !out.status.success() {
        fail(&format!(
            "the PETSc found by {origin} is not usable:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let bits = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("banditsor_probe_int_bits "))
        .and_then(|b| b.trim().parse::<u32>().ok())
        .unwrap_or_else(|| fail("PETSc probe printed no PetscInt size"));
    bits
}

/// The shim's private header: prototypes of the `bsorp_*` functions and
/// the `BsorpSettings` struct, generated from src/lib.rs by cbindgen so
/// that the C side is never a hand-kept mirror of the Rust side.
fn private_header(path: &Path) {
    let mut config = cbindgen::Config {
        language: cbindgen::Language::C,
        include_guard: Some("BANDITSOR_PETSC_BSORP_H".into()),
        header: Some(
            "/* bsorp.h: the plugin's internal C API (the bsorp_* functions of\n   \
             petsc/src/lib.rs). GENERATED by petsc/build.rs with cbindgen; do not edit.\n   \
             Include after <petscsys.h> (PetscInt) and <banditsor.h> (bsor_sweep). */"
                .into(),
        ),
        no_includes: true,
        style: cbindgen::Style::Both,
        ..Default::default()
    };
    // Declared by PETSc's headers and by the public include/banditsor_petsc.h.
    config.export.exclude = [
        "PetscInt",
        "PetscErrorCode",
        "PetscBool",
        "PC",
        "PetscDLLibraryRegister_banditsor_petsc",
        "PCBanditSORRegister",
        "PCBanditSORSetContext",
        "PCBanditSORGetOmega",
        "PCBanditSORSetLearner",
        "PCBanditSORSetEisenstat",
        "PCBanditSORGetEisenstat",
        "PCBanditSORSetAutoContext",
        "PCBanditSORGetContext",
    ]
    .map(String::from)
    .to_vec();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src("src/lib.rs")
        .generate()
        .unwrap_or_else(|e| fail(&format!("cbindgen cannot generate bsorp.h: {e}")))
        .write_to_file(path);
}

fn main() {
    for v in [
        "PETSC_DIR",
        "PETSC_ARCH",
        "BANDITSOR_PETSC_PKG",
        "PKG_CONFIG_PATH",
        "MPI_INCLUDE",
        "BANDITSOR_PETSC_VERBOSE",
    ] {
        println!("cargo:rerun-if-env-changed={v}");
    }
    println!("cargo:rerun-if-changed=src/pcbanditsor.c");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=../include/banditsor.h");
    println!("cargo:rerun-if-changed=../include/banditsor_petsc.h");
    println!("cargo:rustc-check-cfg=cfg(petsc_int64)");

    let petsc = match env::var("PETSC_DIR") {
        Ok(d) if !d.is_empty() => from_petsc_dir(&d),
        _ => {
            let pkg = env::var("BANDITSOR_PETSC_PKG").unwrap_or_else(|_| "petsc".into());
            from_pkg_config(&pkg)
        }
    };
    let mut includes = petsc.include.clone();
    includes.extend(mpi_include());
    let bits = probe_int_bits(&includes, &petsc.origin);
    if bits == 64 {
        println!("cargo:rustc-cfg=petsc_int64");
    }
    // A successful detection is no warning: cargo shows build-script output
    // only as warnings, so the report goes there only on request; it is
    // always in the script's stdout (`cargo build -vv`).
    let report = format!(
        "banditsor_petsc: PETSc from {} (PetscInt {bits}-bit, libs {:?})",
        petsc.origin, petsc.libs
    );
    println!("{report}");
    if env::var("BANDITSOR_PETSC_VERBOSE").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo:warning={report}");
    }

    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    private_header(&out_dir.join("bsorp.h"));

    let mut build = cc::Build::new();
    build
        .file("src/pcbanditsor.c")
        .include("../include")
        .include(&out_dir)
        .define("BANDITSOR_PETSC_INT_BITS", bits.to_string().as_str())
        // -Wall -Wextra -Werror: the project's C standard, so a warning in
        // the shim fails its build instead of scrolling past in cargo's log.
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true);
    for i in &includes {
        build.include(i);
    }
    build.compile("pcbanditsor");

    for d in &petsc.lib_dirs {
        println!("cargo:rustc-link-search=native={}", d.display());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-rpath,{}", d.display());
    }
    for l in &petsc.libs {
        println!("cargo:rustc-link-lib=dylib={l}");
    }
    // The shim calls MPI directly (MPI_Bcast of omega).
    for pkg in ["ompi-c", "mpi"] {
        if let Some(libs) = run("pkg-config", &["--libs", pkg]) {
            for f in libs.split_whitespace() {
                if let Some(d) = f.strip_prefix("-L") {
                    println!("cargo:rustc-link-search=native={d}");
                } else if let Some(l) = f.strip_prefix("-l") {
                    println!("cargo:rustc-link-lib=dylib={l}");
                }
            }
            break;
        }
    }
}
