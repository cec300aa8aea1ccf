fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading("sinker", prow_runtime::Reads::JOBS, sinker::app)
}
