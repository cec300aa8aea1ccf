fn main() -> anyhow::Result<()> {
    prow_runtime::run("horologium", horologium::app)
}
