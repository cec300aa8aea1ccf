//! GitHub's words for what happened and what state things are in, as enums: an action or state
//! Prow acts on is a variant; one it does not know is kept as written (`Other`), so a new GitHub
//! action never breaks intake and is forwarded unchanged.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value Prow does not act on, as GitHub wrote it.
            #[default]
            Other,
            /// Kept for forwarding: the text of an unknown value.
            Unknown(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other => "",
                    $name::Unknown(text) => text,
                }
            }

            /// Reads a value, whatever its case (the REST API writes review states in upper case).
            pub fn parse(text: &str) -> $name {
                match text.to_ascii_lowercase().as_str() {
                    $($text => $name::$variant,)+
                    "" => $name::Other,
                    _ => $name::Unknown(text.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
                Ok($name::parse(&text))
            }
        }
    };
}

words! {
    /// A `pull_request` event's action.
    PullRequestAction {
        Opened => "opened",
        Edited => "edited",
        Closed => "closed",
        Reopened => "reopened",
        Synchronize => "synchronize",
        Labeled => "labeled",
        Unlabeled => "unlabeled",
        Assigned => "assigned",
        Unassigned => "unassigned",
        ReviewRequested => "review_requested",
        ReviewRequestRemoved => "review_request_removed",
        ReadyForReview => "ready_for_review",
        ConvertedToDraft => "converted_to_draft",
        Milestoned => "milestoned",
        Demilestoned => "demilestoned",
    }
}

words! {
    /// An `issues` event's action.
    IssueAction {
        Opened => "opened",
        Edited => "edited",
        Deleted => "deleted",
        Closed => "closed",
        Reopened => "reopened",
        Labeled => "labeled",
        Unlabeled => "unlabeled",
        Assigned => "assigned",
        Unassigned => "unassigned",
        Milestoned => "milestoned",
        Demilestoned => "demilestoned",
        Transferred => "transferred",
    }
}

words! {
    /// A comment event's action (`issue_comment`, `pull_request_review_comment`).
    CommentAction {
        Created => "created",
        Edited => "edited",
        Deleted => "deleted",
    }
}

words! {
    /// A `pull_request_review` event's action.
    ReviewAction {
        Submitted => "submitted",
        Edited => "edited",
        Dismissed => "dismissed",
    }
}

words! {
    /// A review's state (lower case in webhooks, upper case in the REST API; both read).
    ReviewState {
        Approved => "approved",
        ChangesRequested => "changes_requested",
        Commented => "commented",
        Dismissed => "dismissed",
        Pending => "pending",
    }
}

words! {
    /// An issue's or pull request's state.
    IssueState {
        Open => "open",
        Closed => "closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_words_are_variants_and_unknown_ones_are_kept() {
        assert_eq!(
            PullRequestAction::parse("synchronize"),
            PullRequestAction::Synchronize
        );
        let unknown = PullRequestAction::parse("enqueued");
        assert_eq!(unknown.as_str(), "enqueued");
        assert_eq!(serde_json::to_string(&unknown).unwrap(), r#""enqueued""#);
        assert_eq!(
            ReviewState::parse("CHANGES_REQUESTED"),
            ReviewState::ChangesRequested
        );
        let state: IssueState = serde_json::from_str("null").unwrap();
        assert_eq!(state, IssueState::Other);
    }
}
