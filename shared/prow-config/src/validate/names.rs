//! Kubernetes' and Prow's naming rules: job names, label keys (qualified names) and values.

/// Why a label key or value is not one Kubernetes accepts (its own words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(super) enum NameError {
    #[error("prefix part must be a lowercase RFC 1123 subdomain")]
    Prefix,
    #[error("name part must be non-empty")]
    EmptyName,
    #[error("must be no more than 63 characters")]
    TooLong,
    #[error(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    )]
    Characters,
}

/// Upstream's job name rule: alphanumerics, `-`, `.` and `_` (Jenkins jobs may hold folders).
pub(super) fn valid_job_name(name: &str, jenkins: bool) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if name.is_empty() {
        return false;
    }
    if jenkins {
        let last_ok = name.ends_with(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        return name.chars().all(|c| allowed(c) || c == '/')
            && !name.starts_with('/')
            && (name.len() == 1 || last_ok);
    }
    name.chars().all(allowed)
}

/// Kubernetes' `IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name of at most
/// 63 alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
pub(super) fn qualified_name(value: &str) -> Result<(), NameError> {
    let (prefix, name) = match value.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, value),
    };
    if let Some(prefix) = prefix {
        let valid_prefix = !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            });
        if !valid_prefix {
            return Err(NameError::Prefix);
        }
    }
    if name.is_empty() {
        return Err(NameError::EmptyName);
    }
    label_value(name)
}

/// Kubernetes' `IsValidLabelValue`.
pub(super) fn label_value(value: &str) -> Result<(), NameError> {
    if value.len() > 63 {
        return Err(NameError::TooLong);
    }
    let ok_inner = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let ok_ends = value.is_empty()
        || (value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()));
    if ok_inner && ok_ends {
        Ok(())
    } else {
        Err(NameError::Characters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels_follow_kubernetes_rules() {
        assert!(valid_job_name("pull-kubernetes-e2e_gce.1", false));
        assert!(!valid_job_name("pull kubernetes", false));
        assert!(!valid_job_name("", false));
        assert!(valid_job_name("folder/job", true));
        assert_eq!(qualified_name("preset-dind-enabled"), Ok(()));
        assert_eq!(qualified_name("testgrid.k8s.io/dashboards"), Ok(()));
        assert!(qualified_name("Bad_Prefix/x").is_err());
        assert!(qualified_name("-starts-with-dash").is_err());
        assert_eq!(label_value(""), Ok(()));
        assert!(label_value(&"a".repeat(64)).is_err());
    }
}
