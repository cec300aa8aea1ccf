fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading("gerrit", prow_runtime::Reads::JOBS, gerrit::app)
}
