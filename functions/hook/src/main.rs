fn main() -> anyhow::Result<()> {
    prow_runtime::run("hook", hook::app)
}
