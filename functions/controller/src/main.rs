fn main() -> anyhow::Result<()> {
    prow_runtime::run("controller", controller::app)
}
