//! OCI references, `registry/repository[:tag][@sha256:…]`, parsed and
//! printed the way `docker`, `oras` and `wkg oci` read them.

use std::fmt;
use std::str::FromStr;

use crate::registry::digest::Digest;

/// Docker Hub, the registry of a reference that names none.
const DOCKER_HUB: &str = "docker.io";

/// A reference to a manifest in an OCI registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    /// `registry/repository:tag`.
    pub fn with_tag(registry: &str, repository: &str, tag: &str) -> Self {
        Reference {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag: Some(tag.to_owned()),
            digest: None,
        }
    }

    /// The registry, `host[:port]`, as written.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository within the registry (`acme/app`).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if one was written.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// What a manifest is fetched by: the digest if there is one, else the
    /// tag, else `latest`.
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.clone(),
            (None, None) => "latest".to_owned(),
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Whether the first path segment of a reference names a registry rather
/// than a repository: it has a dot or a port, or is `localhost`.
fn is_registry(segment: &str) -> bool {
    segment.contains(['.', ':']) || segment == "localhost"
}

/// A tag: up to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`.
fn is_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 128
        && !tag.starts_with(['.', '-'])
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A repository: lowercase path segments of `[a-z0-9]` joined by `.`, `_`,
/// `__` or `-` runs, separated by `/`.
fn is_repository(repository: &str) -> bool {
    repository.split('/').all(|segment| {
        !segment.is_empty()
            && segment.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && segment.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && segment.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
    })
}

impl FromStr for Reference {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.parse::<Digest>()?)),
            None => (text, None),
        };
        // A `:` after the last `/` starts the tag (one before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, repo)) if is_registry(first) => (first.to_owned(), repo.to_owned()),
            _ if name.contains('/') => (DOCKER_HUB.to_owned(), name.to_owned()),
            _ => (DOCKER_HUB.to_owned(), format!("library/{name}")),
        };
        if registry.is_empty() || registry.contains(char::is_whitespace) {
            return Err("the registry is empty".into());
        }
        if !is_repository(&repository) {
            return Err(format!(
                "`{repository}` is not a repository name (lowercase letters, digits, `.`, `_`, `-`, separated by `/`)"
            ));
        }
        if let Some(tag) = tag
            && !is_tag(tag)
        {
            return Err(format!(
                "`{tag}` is not a tag (letters, digits, `_`, `.`, `-`, at most 128)"
            ));
        }
        Ok(Reference {
            registry,
            repository,
            tag: tag.map(str::to_owned),
            digest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_like_docker() {
        let r: Reference = "127.0.0.1:5000/acme/app:1.2.0".parse().unwrap();
        assert_eq!(
            (r.registry(), r.repository(), r.tag()),
            ("127.0.0.1:5000", "acme/app", Some("1.2.0"))
        );
        assert_eq!(r.manifest_ref(), "1.2.0");
        assert_eq!(r.to_string(), "127.0.0.1:5000/acme/app:1.2.0");

        let hex = "a".repeat(64);
        let r: Reference = format!("ghcr.io/o/p@sha256:{hex}").parse().unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(r.manifest_ref(), format!("sha256:{hex}"));

        let r: Reference = "localhost:5000/app".parse().unwrap();
        assert_eq!(
            (r.registry(), r.manifest_ref().as_str()),
            ("localhost:5000", "latest")
        );
        let r: Reference = "alpine".parse().unwrap();
        assert_eq!(r.to_string(), "docker.io/library/alpine");
    }

    #[test]
    fn bad_references_say_why() {
        let err = |t: &str| t.parse::<Reference>().unwrap_err();
        assert!(err("127.0.0.1:5000/Acme/app:1").contains("`Acme/app` is not a repository"));
        assert!(err("127.0.0.1:5000/acme/app:-x").contains("`-x` is not a tag"));
        assert!(err("127.0.0.1:5000/acme/app@sha256:zz").contains("not a sha256 digest"));
    }
}
