fn main() -> anyhow::Result<()> {
    prow_runtime::run_loading(
        "controller",
        prow_runtime::Reads::CONFIG_ONLY,
        controller::app,
    )
}
