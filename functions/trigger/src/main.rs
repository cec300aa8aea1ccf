fn main() -> anyhow::Result<()> {
    prow_runtime::run("trigger", trigger::app)
}
