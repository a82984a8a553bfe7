//! `slm`: the command line (see `tinyrustlm_tools::cli`).

fn main() -> std::process::ExitCode {
    tinyrustlm_tools::cli::main()
}
