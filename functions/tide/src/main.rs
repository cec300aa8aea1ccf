fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading("tide", prow_runtime::Reads::JOBS, tide::app)
}
