//! Helpers shared by the fuzz targets: a reader that turns the fuzzer's
//! bytes into integers, floats and choices (running out of bytes yields
//! zeros, so every input is a valid program), and scratch files.

use std::path::PathBuf;

/// Consumes fuzzer bytes front to back.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// An integer in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.u8() as usize % n
    }

    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        u64::from_le_bytes(b)
    }

    pub fn i64(&mut self) -> i64 {
        self.u64() as i64
    }

    pub fn i32(&mut self) -> i32 {
        let mut b = [0u8; 4];
        for x in &mut b {
            *x = self.u8();
        }
        i32::from_le_bytes(b)
    }

    /// A small signed integer most of the time (in range for small
    /// matrices), any 64-bit value sometimes.
    pub fn index(&mut self) -> i64 {
        match self.u8() % 8 {
            0 => self.i64(),
            1 => self.i32() as i64,
            _ => self.u8() as i8 as i64,
        }
    }

    /// Any double, biased towards ordinary and special values.
    pub fn f64(&mut self) -> f64 {
        const SPECIAL: [f64; 12] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            4.0,
            1e-300,
            1e300,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        match self.u8() % 4 {
            0 => f64::from_bits(self.u64()),
            1 => SPECIAL[self.below(SPECIAL.len())],
            _ => (self.u8() as i8) as f64 / 8.0,
        }
    }

    /// The remaining bytes.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// A scratch file path unique to this fuzzing process, in memory
/// (/dev/shm) when there is one: saves sync their file, which on a disk
/// would make every run wait for it.
pub fn scratch_file(name: &str) -> PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("banditsor-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir.join(name)
}

/// `a` and `b` agree: equal, or both NaN.
pub fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}
