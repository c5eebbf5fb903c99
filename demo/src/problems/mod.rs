//! Problem generators for the demo, tests and benchmarks: the paper's
//! 2D heat equation ([`heat`]) and shifted-Laplacian sequence ([`shifted`]).
pub mod heat;
pub mod shifted;
