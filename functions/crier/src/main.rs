fn main() -> anyhow::Result<()> {
    prow_runtime::run("crier", crier::app)
}
