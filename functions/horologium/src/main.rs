fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading("horologium", prow_runtime::Reads::JOBS, horologium::app)
}
