fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading("crier", prow_runtime::Reads::CONFIG_ONLY, crier::app)
}
