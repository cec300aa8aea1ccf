//! The world rendered in Gerrit's JSON shapes: `ChangeInfo` with the parts the `o=` options ask
//! for, `RevisionInfo`, `ChangeMessageInfo`, `LabelInfo`, `AccountInfo`, `CommentInfo`.

use crate::world::{Account, Change, Revision, World, gerrit_time};
use serde_json::{Map, Value, json};

/// Which optional parts of a `ChangeInfo` to render, from the query's `o=` values.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    current_revision: bool,
    all_revisions: bool,
    commit: bool,
    files: bool,
    messages: bool,
    labels: bool,
    detailed_labels: bool,
}

impl Options {
    pub(crate) fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Options {
        let mut options = Options::default();
        for value in values {
            match value.to_uppercase().as_str() {
                "CURRENT_REVISION" => options.current_revision = true,
                "ALL_REVISIONS" => options.all_revisions = true,
                // Gerrit renders these only with a revision option; a stand-in that demanded
                // both would only be stricter than the clients we test need.
                "CURRENT_COMMIT" | "ALL_COMMITS" => {
                    options.commit = true;
                    options.current_revision = true;
                }
                "CURRENT_FILES" | "ALL_FILES" => {
                    options.files = true;
                    options.current_revision = true;
                }
                "MESSAGES" => options.messages = true,
                "LABELS" => options.labels = true,
                "DETAILED_LABELS" => {
                    options.labels = true;
                    options.detailed_labels = true;
                }
                _ => {}
            }
        }
        options
    }

    /// What `GET /changes/{id}/detail` renders.
    pub(crate) fn detail() -> Options {
        Options {
            messages: true,
            labels: true,
            detailed_labels: true,
            ..Options::default()
        }
    }
}

pub(crate) fn account(account: &Account) -> Value {
    json!({
        "_account_id": account.account_id,
        "name": account.name,
        "email": account.email,
        "username": account.username,
    })
}

fn account_by_id(world: &World, id: u64) -> Value {
    match world.accounts.get(&id) {
        Some(a) => account(a),
        None => json!({"_account_id": id}),
    }
}

pub(crate) fn change(world: &World, change: &Change, options: Options) -> Value {
    let mut info = Map::new();
    let mut put = |key: &str, value: Value| {
        info.insert(key.to_string(), value);
    };
    put("id", json!(change.id));
    put("triplet_id", json!(change.id));
    put("project", json!(change.project));
    put("branch", json!(change.branch));
    put("hashtags", json!([]));
    put("change_id", json!(change.change_id));
    put("subject", json!(change.subject));
    put("status", json!(change.status.as_str()));
    put("created", json!(gerrit_time(change.created)));
    put("updated", json!(gerrit_time(change.updated)));
    if let Some(submitted) = change.submitted {
        put("submitted", json!(gerrit_time(submitted)));
    }
    if let Some(submitter) = change.submitter {
        put("submitter", account_by_id(world, submitter));
    }
    // Gerrit leaves false booleans out.
    if change.work_in_progress {
        put("work_in_progress", json!(true));
    }
    put("insertions", json!(0));
    put("deletions", json!(0));
    put("_number", json!(change.number));
    put("owner", account_by_id(world, change.owner));
    if options.labels {
        put("labels", labels(world, change, options.detailed_labels));
    }
    if options.current_revision || options.all_revisions {
        put("current_revision", json!(change.current_revision));
        let revisions: Map<String, Value> = change
            .revisions
            .iter()
            .filter(|(sha, _)| options.all_revisions || **sha == change.current_revision)
            .map(|(sha, r)| (sha.clone(), revision(world, change, r, options)))
            .collect();
        put("revisions", Value::Object(revisions));
    }
    if options.messages {
        let messages = change
            .messages
            .iter()
            .map(|m| {
                let mut message = json!({
                    "id": m.id,
                    "author": account_by_id(world, m.author),
                    "real_author": account_by_id(world, m.author),
                    "date": gerrit_time(m.date),
                    "message": m.message,
                    "_revision_number": m.revision_number,
                });
                if let (Some(tag), Some(object)) = (&m.tag, message.as_object_mut()) {
                    object.insert("tag".to_string(), json!(tag));
                }
                message
            })
            .collect();
        put("messages", Value::Array(messages));
    }
    Value::Object(info)
}

fn revision(world: &World, change: &Change, revision: &Revision, options: Options) -> Value {
    let mut info = json!({
        "kind": "REWORK",
        "_number": revision.number,
        "created": gerrit_time(revision.created),
        "uploader": account_by_id(world, revision.uploader),
        "ref": revision.git_ref,
        "fetch": {},
    });
    let Some(object) = info.as_object_mut() else {
        return info;
    };
    if options.commit {
        let person = json!({
            "name": revision.author.name,
            "email": revision.author.email,
            "date": gerrit_time(revision.created),
            "tz": 0,
        });
        object.insert(
            "commit".to_string(),
            json!({
                "parents": [{"commit": revision.parent, "subject": ""}],
                "author": person,
                "committer": person,
                "subject": change.subject,
                "message": format!("{}\n\nChange-Id: {}\n", change.subject, change.change_id),
            }),
        );
    }
    if options.files {
        let files: Map<String, Value> = revision
            .files
            .iter()
            .map(|(path, file)| {
                let mut info = Map::new();
                if let Some(status) = &file.status {
                    info.insert("status".to_string(), json!(status));
                }
                if let Some(old_path) = &file.old_path {
                    info.insert("old_path".to_string(), json!(old_path));
                }
                info.insert("lines_inserted".to_string(), json!(1));
                info.insert("size_delta".to_string(), json!(1));
                info.insert("size".to_string(), json!(1));
                (path.clone(), Value::Object(info))
            })
            .collect();
        object.insert("files".to_string(), Value::Object(files));
    }
    info
}

/// `LabelInfo`s for every label the project defines: who voted (`all`) and the summary
/// accounts (`approved`, `rejected`, `recommended`, `disliked`).
fn labels(world: &World, change: &Change, detailed: bool) -> Value {
    let configured = world
        .projects
        .get(&change.project)
        .map(|p| p.labels.clone())
        .unwrap_or_default();
    let mut out = Map::new();
    for (name, range) in &configured {
        let votes = change.labels.get(name).cloned().unwrap_or_default();
        let mut info = Map::new();
        let all: Vec<Value> = votes
            .iter()
            .map(|(id, value)| {
                let mut who = account_by_id(world, *id);
                if let Some(object) = who.as_object_mut() {
                    object.insert("value".to_string(), json!(value));
                }
                who
            })
            .collect();
        info.insert("all".to_string(), Value::Array(all));
        let mut summary = |key: &str, pick: &dyn Fn(i32) -> bool| {
            if let Some((id, _)) = votes.iter().find(|(_, v)| pick(**v)) {
                info.insert(key.to_string(), account_by_id(world, *id));
            }
        };
        summary("rejected", &|v| v == range.min && v < 0);
        summary("approved", &|v| v == range.max && v > 0);
        summary("disliked", &|v| v < 0 && v > range.min);
        summary("recommended", &|v| v > 0 && v < range.max);
        info.insert("default_value".to_string(), json!(0));
        if detailed {
            let values: Map<String, Value> = (range.min..=range.max)
                .map(|v| {
                    // Gerrit's keys: "-1", " 0", "+1".
                    let key = match v {
                        0 => " 0".to_string(),
                        v if v > 0 => format!("+{v}"),
                        v => v.to_string(),
                    };
                    (key, json!(""))
                })
                .collect();
            info.insert("values".to_string(), Value::Object(values));
        }
        out.insert(name.clone(), Value::Object(info));
    }
    Value::Object(out)
}

/// `GET /changes/{id}/comments`: path → published comments.
pub(crate) fn comments(world: &World, change: &Change) -> Value {
    let mut by_path: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
    for comment in &change.comments {
        by_path.entry(&comment.path).or_default().push(json!({
            "id": comment.id,
            "author": account_by_id(world, comment.author),
            "patch_set": comment.patch_set,
            "message": comment.message,
            "updated": gerrit_time(comment.updated),
            "unresolved": false,
        }));
    }
    json!(by_path)
}
