//! Who a cached answer belongs to. Answers are shared only between calls made with the same
//! rights: the same personal access token, the same App installation (whichever of its tokens a
//! process holds, so every instance shares one partition, as ghproxy's token equalizer arranges
//! upstream), or the App itself. The identity never contains a token.

use sha2::{Digest, Sha256};

/// Whom a request acts as, and the `Authorization` header that says so.
pub(crate) struct Caller {
    pub authorization: String,
    /// The cache partition and budget these credentials share.
    pub identity: String,
}

impl Caller {
    /// A personal access token: known by a digest of it.
    pub fn token(token: &str) -> Caller {
        let digest = Sha256::digest(token.as_bytes());
        Caller {
            authorization: format!("token {token}"),
            identity: format!("token:{}", hex::encode(&digest[..12])),
        }
    }

    /// An App installation token: known by the App and the installation.
    pub fn installation(app_id: &str, installation: u64, token: &str) -> Caller {
        Caller {
            authorization: format!("token {token}"),
            identity: format!("installation:{app_id}:{installation}"),
        }
    }

    /// The App's own JWT.
    pub fn app(app_id: &str, jwt: &str) -> Caller {
        Caller {
            authorization: format!("Bearer {jwt}"),
            identity: format!("app:{app_id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_name_the_rights_not_the_secret() {
        let token = Caller::token("ghp_secret");
        assert!(!token.identity.contains("ghp_secret"));
        assert_eq!(token.identity, Caller::token("ghp_secret").identity);
        assert_ne!(token.identity, Caller::token("ghp_other").identity);
        assert_eq!(
            Caller::installation("42", 7, "ghs_a").identity,
            Caller::installation("42", 7, "ghs_b").identity
        );
        assert_eq!(Caller::app("42", "jwt").identity, "app:42");
    }
}
