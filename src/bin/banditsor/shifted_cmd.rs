//! `banditsor shifted`: the paper's shifted-Laplacian SOR experiment.

#[derive(clap::Args, Debug, Clone)]
pub struct ShiftedArgs {
    /// Instances per run.
    #[arg(long, default_value_t = 5000)]
    pub instances: usize,
    /// Number of seeds to average over.
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
}

pub fn run(_args: ShiftedArgs) -> Result<(), String> {
    Err("the shifted experiment is being wired in".into())
}
