fn main() -> anyhow::Result<()> {
    prow_runtime::run("sinker", sinker::app)
}
