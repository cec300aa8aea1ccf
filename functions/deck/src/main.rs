fn main() -> anyhow::Result<()> {
    prow_runtime::run("deck", deck::app)
}
