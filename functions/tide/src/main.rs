fn main() -> anyhow::Result<()> {
    prow_runtime::run("tide", tide::app)
}
