//! `GET /view/s3/<bucket>/<path>`: the artifacts in the local bucket, as the job URLs of local
//! mode link them (a folder lists its entries; a file is shown as text). Deck's job view takes
//! this place in a cluster.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::path::{Component, PathBuf};

pub fn router(artifacts_root: PathBuf) -> axum::Router {
    axum::Router::new()
        .route("/view/s3/{bucket}", axum::routing::get(root))
        .route("/view/s3/{bucket}/", axum::routing::get(root))
        .route("/view/s3/{bucket}/{*key}", axum::routing::get(view))
        .with_state(artifacts_root)
}

async fn root(state: State<PathBuf>, Path(bucket): Path<String>) -> Response {
    view(state, Path((bucket, String::new()))).await
}

async fn view(
    State(root): State<PathBuf>,
    Path((bucket, key)): Path<(String, String)>,
) -> Response {
    let relative = PathBuf::from(&bucket).join(&key);
    // Only plain names: no `..`, no absolute paths out of the artifacts folder.
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    }
    let path = root.join(&relative);
    if path.is_dir() {
        let mut entries: Vec<String> = match std::fs::read_dir(&path) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    if e.path().is_dir() {
                        format!("{name}/")
                    } else {
                        name
                    }
                })
                .collect(),
            Err(_) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        };
        entries.sort();
        let base = format!("/view/s3/{bucket}/{}", key.trim_end_matches('/'));
        let base = base.trim_end_matches('/');
        let items: String = entries
            .iter()
            .map(|name| {
                format!(
                    "<li><a href=\"{base}/{}\">{}</a></li>",
                    escape(name),
                    escape(name)
                )
            })
            .collect();
        return Html(format!(
            "<!doctype html><title>{}</title><h1>{}</h1><ul>{items}</ul>",
            escape(&relative.display().to_string()),
            escape(&relative.display().to_string())
        ))
        .into_response();
    }
    match std::fs::read(&path) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
