fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading("controller", prow_runtime::JobFiles::Skip, controller::app)
}
