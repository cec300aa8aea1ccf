fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading("crier", prow_runtime::JobFiles::Skip, crier::app)
}
