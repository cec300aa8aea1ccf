//! `GET /plugin-help`: what is enabled where, and what each plugin does, in upstream's
//! `pluginhelp` JSON; external plugins are asked for theirs at `<endpoint>/help`.

use crate::Hook;
use axum::Json;
use axum::extract::State;
use prow_plugins::help::Help;

pub(crate) async fn serve(State(hook): State<Hook>) -> Json<Help> {
    let config = hook.0.config.current();
    let mut help = prow_plugins::help::collect(&hook.0.plugins, &config);
    help.external_plugin_help = crate::external::fetch_help(&hook, &config).await;
    Json(help)
}
