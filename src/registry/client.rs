//! A small OCI distribution client: what wcomp needs of the
//! [distribution spec](https://github.com/opencontainers/distribution-spec)
//! (manifests, blobs, tags, monolithic uploads) and of its token
//! authentication, over hyper's HTTP/1 client and rustls.
//!
//! Written here rather than taken from `oci-client`: that crate brings
//! reqwest 0.13, a second TLS provider (aws-lc) and a second sha2
//! generation, minutes of cold build on a small machine, for the dozen
//! requests below; here blobs stream straight into the cache, hashed as
//! they arrive, and the plain-HTTP rule is ours.

use std::time::Duration;

use bytes::Bytes;
use http::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE,
};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use tokio::sync::Mutex;

use crate::registry::RegistryError;
use crate::registry::config::{Credentials, Endpoint, Scheme};
use crate::registry::digest::{Digest, Hasher};

/// How long connecting to a registry may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request may wait for the start of an answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// The manifest media types wcomp asks for: OCI first; the others only to
/// say what a non-component reference is.
const ACCEPTED_MANIFESTS: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json";

/// What a request is for, in token-scope terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Pull,
    Push,
}

/// A client for one OCI registry. Requests go one at a time over one
/// kept-alive connection; the authorization a challenge earned is reused.
pub struct Client {
    endpoint: Endpoint,
    connection: Mutex<Option<SendRequest<Full<Bytes>>>>,
    /// The `Authorization` header earned so far, and the scope it covers.
    authorization: Mutex<Option<(String, HeaderValue)>>,
}

/// A manifest as fetched: its bytes (checked against the digest asked for,
/// if one was), its digest and media type.
pub struct FetchedManifest {
    pub bytes: Bytes,
    pub digest: Digest,
    pub media_type: String,
}

impl Client {
    pub fn new(endpoint: Endpoint) -> Self {
        Client {
            endpoint,
            connection: Mutex::new(None),
            authorization: Mutex::new(None),
        }
    }

    pub fn registry(&self) -> &str {
        &self.endpoint.registry
    }

    fn base(&self) -> String {
        let scheme = match self.endpoint.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{scheme}://{}", api_host(&self.endpoint.registry))
    }

    /// The tags of `repository`; `None` if the repository does not exist.
    pub async fn tags(&self, repository: &str) -> Result<Option<Vec<String>>, RegistryError> {
        #[derive(serde::Deserialize)]
        struct TagList {
            tags: Option<Vec<String>>,
        }
        let mut tags = Vec::new();
        let mut path = format!("/v2/{repository}/tags/list");
        loop {
            let response = self.get(&path, repository).await?;
            if response.status() == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let next = next_link(&response);
            let body = self
                .ok_body(response, &format!("listing the tags of `{repository}`"))
                .await?;
            let list: TagList =
                serde_json::from_slice(&body).map_err(|e| self.bad_answer("a tag list", e))?;
            tags.extend(list.tags.unwrap_or_default());
            match next {
                Some(link) => path = link,
                None => return Ok(Some(tags)),
            }
        }
    }

    /// The manifest `reference` (a tag or digest) of `repository`; `None`
    /// if there is none.
    pub async fn manifest(
        &self,
        repository: &str,
        reference: &str,
        shown: &str,
    ) -> Result<Option<FetchedManifest>, RegistryError> {
        let path = format!("/v2/{repository}/manifests/{reference}");
        let accept = [(ACCEPT, HeaderValue::from_static(ACCEPTED_MANIFESTS))];
        let response = self
            .send(
                Method::GET,
                &path,
                &accept,
                Bytes::new(),
                repository,
                Access::Pull,
            )
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let media_type = header(&response, CONTENT_TYPE);
        let bytes = self
            .ok_body(response, &format!("fetching the manifest of `{shown}`"))
            .await?;
        let digest = Digest::of(&bytes);
        if let Ok(expected) = reference.parse::<Digest>()
            && expected != digest
        {
            return Err(RegistryError::DigestMismatch {
                what: "the manifest".into(),
                reference: shown.to_owned(),
                expected: expected.to_string(),
                found: digest.to_string(),
            });
        }
        Ok(Some(FetchedManifest {
            bytes,
            digest,
            media_type,
        }))
    }

    /// Whether blob `digest` is in `repository`.
    pub async fn has_blob(&self, repository: &str, digest: &Digest) -> Result<bool, RegistryError> {
        let path = format!("/v2/{repository}/blobs/{digest}");
        let response = self
            .send(
                Method::HEAD,
                &path,
                &[],
                Bytes::new(),
                repository,
                Access::Push,
            )
            .await?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(self.http_error(status, &format!("checking for blob {digest}"), "")),
        }
    }

    /// Streams blob `digest` of `repository` into `sink`, hashing as it
    /// goes; the digest of what arrived is returned for the caller to check
    /// before it uses the bytes.
    pub async fn blob(
        &self,
        repository: &str,
        digest: &Digest,
        sink: &mut impl std::io::Write,
    ) -> Result<Digest, RegistryError> {
        let path = format!("/v2/{repository}/blobs/{digest}");
        let mut response = self.get(&path, repository).await?;
        // Registries on object storage redirect blobs to it (without our
        // credentials).
        for _ in 0..5 {
            if !response.status().is_redirection() {
                break;
            }
            let location = header(&response, LOCATION);
            response = self.get_elsewhere(&location).await?;
        }
        let action = format!("fetching blob {digest}");
        if !response.status().is_success() {
            return Err(self.failed(response, &action).await);
        }
        let mut hasher = Hasher::default();
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| self.unreachable(&e))?;
            if let Ok(data) = frame.into_data() {
                hasher.update(&data);
                sink.write_all(&data).map_err(|e| {
                    RegistryError::unreachable(
                        self.registry(),
                        format_args!("writing what it sent failed: {e}"),
                    )
                })?;
            }
        }
        Ok(hasher.finish())
    }

    /// Uploads `bytes` as a blob of `repository`, unless it is there.
    pub async fn push_blob(&self, repository: &str, bytes: Bytes) -> Result<Digest, RegistryError> {
        let digest = Digest::of(&bytes);
        if self.has_blob(repository, &digest).await? {
            return Ok(digest);
        }
        let start = format!("/v2/{repository}/blobs/uploads/");
        let response = self
            .send(
                Method::POST,
                &start,
                &[],
                Bytes::new(),
                repository,
                Access::Push,
            )
            .await?;
        let action = format!("starting the upload of blob {digest}");
        if response.status() != StatusCode::ACCEPTED {
            return Err(self.failed(response, &action).await);
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.parse::<Uri>().ok())
            .ok_or_else(|| {
                self.http_error(
                    StatusCode::ACCEPTED,
                    &action,
                    ": no `Location` to upload to",
                )
            })?;
        drop(response);
        let path_and_query = location.path_and_query().map_or("/", |p| p.as_str());
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let put = format!("{path_and_query}{separator}digest={digest}");
        let headers = [(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )];
        let response = self
            .send(Method::PUT, &put, &headers, bytes, repository, Access::Push)
            .await?;
        self.ok_body(response, &format!("uploading blob {digest}"))
            .await?;
        Ok(digest)
    }

    /// Puts manifest `bytes` at `tag` of `repository`.
    pub async fn push_manifest(
        &self,
        repository: &str,
        tag: &str,
        media_type: &'static str,
        bytes: Bytes,
    ) -> Result<(), RegistryError> {
        let path = format!("/v2/{repository}/manifests/{tag}");
        let headers = [(CONTENT_TYPE, HeaderValue::from_static(media_type))];
        let response = self
            .send(
                Method::PUT,
                &path,
                &headers,
                bytes,
                repository,
                Access::Push,
            )
            .await?;
        self.ok_body(
            response,
            &format!("putting the manifest of `{repository}:{tag}`"),
        )
        .await?;
        Ok(())
    }

    /// Fetches `registry.json` from `/.well-known/wasm-pkg/`; `None` if the
    /// registry has none or cannot be reached (wkg's `fetch_or_default`).
    pub async fn well_known(&self) -> Option<Bytes> {
        let response = self
            .send(
                Method::GET,
                "/.well-known/wasm-pkg/registry.json",
                &[],
                Bytes::new(),
                "",
                Access::Pull,
            )
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response
            .into_body()
            .collect()
            .await
            .ok()
            .map(|b| b.to_bytes())
    }

    /// The whole body of a successful answer, or the registry's error.
    async fn ok_body(
        &self,
        response: Response<Incoming>,
        action: &str,
    ) -> Result<Bytes, RegistryError> {
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.unreachable(&e))?
            .to_bytes();
        if status.is_success() {
            Ok(body)
        } else {
            Err(self.http_error(status, action, &error_message(&body)))
        }
    }

    /// The registry's error for an unsuccessful `response`.
    async fn failed(&self, response: Response<Incoming>, action: &str) -> RegistryError {
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        self.http_error(status, action, &error_message(&body))
    }

    fn http_error(&self, status: StatusCode, action: &str, message: &str) -> RegistryError {
        RegistryError::Http {
            registry: self.registry().to_owned(),
            action: action.to_owned(),
            status: status.as_u16(),
            message: message.to_owned(),
        }
    }

    fn bad_answer(&self, what: &str, e: impl std::fmt::Display) -> RegistryError {
        RegistryError::Http {
            registry: self.registry().to_owned(),
            action: format!("a request for {what}"),
            status: 200,
            message: format!(", but the answer is not one: {e}"),
        }
    }

    fn unreachable(&self, e: &dyn std::fmt::Display) -> RegistryError {
        RegistryError::unreachable(self.registry(), e)
    }

    /// A GET of `path`, pulling from `repository`.
    async fn get(&self, path: &str, repository: &str) -> Result<Response<Incoming>, RegistryError> {
        self.send(
            Method::GET,
            path,
            &[],
            Bytes::new(),
            repository,
            Access::Pull,
        )
        .await
    }

    /// Sends a request to the registry, answering an authentication
    /// challenge once (Basic, or a Bearer token for `repository`'s scope).
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(http::HeaderName, HeaderValue)],
        body: Bytes,
        repository: &str,
        access: Access,
    ) -> Result<Response<Incoming>, RegistryError> {
        let scope = match access {
            Access::Pull => format!("repository:{repository}:pull"),
            Access::Push => format!("repository:{repository}:pull,push"),
        };
        let mut authorization = self.authorization_for(&scope).await;
        // A bearer token from the environment is sent up front.
        if authorization.is_none()
            && let Credentials::Bearer { token, .. } = &self.endpoint.credentials
        {
            authorization = HeaderValue::from_str(&format!("Bearer {token}")).ok();
        }
        for attempt in 0..2 {
            let response = self
                .request(
                    method.clone(),
                    path,
                    headers,
                    body.clone(),
                    authorization.clone(),
                )
                .await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let challenge = header(&response, WWW_AUTHENTICATE);
            drop(response);
            if attempt == 1 {
                break;
            }
            authorization = Some(self.answer(&challenge, &scope).await?);
            *self.authorization.lock().await = Some((
                scope.clone(),
                authorization
                    .clone()
                    .unwrap_or(HeaderValue::from_static("")),
            ));
        }
        Err(self.refused(repository))
    }

    /// The authorization earned for `scope` (a Basic one covers all).
    async fn authorization_for(&self, scope: &str) -> Option<HeaderValue> {
        let earned = self.authorization.lock().await;
        let (earned_scope, value) = earned.as_ref()?;
        let basic = value.as_bytes().starts_with(b"Basic ");
        let covers = earned_scope == scope
            || (earned_scope.ends_with(":pull,push")
                && scope.ends_with(":pull")
                && earned_scope.starts_with(scope));
        (basic || covers).then(|| value.clone())
    }

    /// The error for credentials the registry did not accept.
    fn refused(&self, repository: &str) -> RegistryError {
        match &self.endpoint.credentials {
            Credentials::Anonymous => RegistryError::Unauthorized {
                registry: self.registry().to_owned(),
                reference: format!("{}/{repository}", self.registry()),
            },
            given => RegistryError::LoginFailed {
                registry: self.registry().to_owned(),
                origin: given.describe(),
            },
        }
    }

    /// The `Authorization` that answers `challenge`.
    async fn answer(&self, challenge: &str, scope: &str) -> Result<HeaderValue, RegistryError> {
        let (scheme, params) = parse_challenge(challenge);
        let basic = match &self.endpoint.credentials {
            Credentials::Basic {
                username, password, ..
            } => {
                use base64::Engine;
                let encoded = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                Some(format!("Basic {encoded}"))
            }
            _ => None,
        };
        let invalid = || self.refused(scope.split(':').nth(1).unwrap_or_default());
        if scheme.eq_ignore_ascii_case("basic") {
            let value = basic.ok_or_else(invalid)?;
            return HeaderValue::from_str(&value).map_err(|_| invalid());
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(invalid());
        }
        let realm = params
            .iter()
            .find(|(k, _)| k == "realm")
            .map(|(_, v)| v.clone())
            .ok_or_else(invalid)?;
        let mut url = realm.clone();
        let mut sep = if realm.contains('?') { '&' } else { '?' };
        for (key, value) in params.iter().filter(|(k, _)| k == "service") {
            url.push_str(&format!("{sep}{key}={}", encode_query(value)));
            sep = '&';
        }
        url.push_str(&format!("{sep}scope={}", encode_query(scope)));
        let uri: Uri = url.parse().map_err(|_| invalid())?;
        let mut request = Request::get(uri.clone());
        if let Some(basic) = &basic {
            request = request.header(AUTHORIZATION, basic);
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|_| invalid())?;
        let response = self.one_off(&uri, request).await?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.unreachable(&e))?
            .to_bytes();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(invalid());
        }
        if !status.is_success() {
            return Err(self.http_error(status, "a token request", &error_message(&body)));
        }
        #[derive(serde::Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        let token: Token =
            serde_json::from_slice(&body).map_err(|e| self.bad_answer("a token", e))?;
        let token = token.token.or(token.access_token).ok_or_else(invalid)?;
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| invalid())
    }

    /// One request over the kept-alive connection (reconnecting if it
    /// closed).
    async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(http::HeaderName, HeaderValue)],
        body: Bytes,
        authorization: Option<HeaderValue>,
    ) -> Result<Response<Incoming>, RegistryError> {
        let uri: Uri = format!("{}{path}", self.base())
            .parse()
            .map_err(|e| self.unreachable(&format_args!("bad request path `{path}`: {e}")))?;
        let mut request = Request::builder().method(method).uri(uri.clone());
        request = request.header(http::header::HOST, api_host(&self.endpoint.registry));
        request = request.header(
            http::header::USER_AGENT,
            concat!("wcomp/", env!("CARGO_PKG_VERSION")),
        );
        request = request.header(CONTENT_LENGTH, body.len());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(authorization) = authorization {
            request = request.header(AUTHORIZATION, authorization);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| self.unreachable(&e))?;
        let mut connection = self.connection.lock().await;
        let reusable = match connection.take() {
            Some(mut sender) => sender.ready().await.is_ok().then_some(sender),
            None => None,
        };
        let mut sender = match reusable {
            Some(sender) => sender,
            None => crate::net::connect(&uri, self.endpoint.scheme, CONNECT_TIMEOUT)
                .await
                .map_err(|e| self.unreachable(&e))?,
        };
        let response = tokio::time::timeout(ANSWER_TIMEOUT, sender.send_request(request))
            .await
            .map_err(|_| self.unreachable(&"it did not answer within 60 s"))?
            .map_err(|e| self.unreachable(&e))?;
        *connection = Some(sender);
        Ok(response)
    }

    /// A GET to another host (a redirect), without our credentials.
    async fn get_elsewhere(&self, location: &str) -> Result<Response<Incoming>, RegistryError> {
        let uri: Uri = location.parse().map_err(|_| {
            self.unreachable(&format_args!("it redirected to `{location}`, not a URL"))
        })?;
        let request = Request::get(uri.clone())
            .body(Full::new(Bytes::new()))
            .map_err(|e| self.unreachable(&e))?;
        self.one_off(&uri, request).await
    }

    /// A request on its own connection (token servers, redirects).
    async fn one_off(
        &self,
        uri: &Uri,
        mut request: Request<Full<Bytes>>,
    ) -> Result<Response<Incoming>, RegistryError> {
        let scheme = match uri.scheme_str() {
            Some("http") => Scheme::Http,
            _ => Scheme::Https,
        };
        if let Some(authority) = uri.authority()
            && let Ok(host) = HeaderValue::from_str(authority.as_str())
        {
            request.headers_mut().insert(http::header::HOST, host);
        }
        let mut sender = crate::net::connect(uri, scheme, CONNECT_TIMEOUT)
            .await
            .map_err(|e| self.unreachable(&e))?;
        tokio::time::timeout(ANSWER_TIMEOUT, sender.send_request(request))
            .await
            .map_err(|_| self.unreachable(&"it did not answer within 60 s"))?
            .map_err(|e| self.unreachable(&e))
    }
}

/// The host serving a registry's API: Docker Hub's is not its name.
fn api_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

/// The value of header `name` of `response`, or empty.
fn header(response: &Response<Incoming>, name: http::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// `Bearer realm="…",service="…"` as its scheme and parameters.
fn parse_challenge(challenge: &str) -> (String, Vec<(String, String)>) {
    let challenge = challenge.trim();
    let (scheme, rest) = challenge.split_once(' ').unwrap_or((challenge, ""));
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (
                quoted[..end].to_owned(),
                quoted.get(end + 1..).unwrap_or(""),
            )
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        params.push((key, value));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_owned(), params)
}

/// Percent-encodes a query value.
fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The path of a `Link: <…>; rel="next"` header (tag list pages).
fn next_link(response: &Response<Incoming>) -> Option<String> {
    let link = response.headers().get(http::header::LINK)?.to_str().ok()?;
    let target = link
        .split(';')
        .next()?
        .trim()
        .strip_prefix('<')?
        .strip_suffix('>')?;
    let uri: Uri = target.parse().ok()?;
    uri.path_and_query().map(|p| p.to_string())
}

/// `: <message>` from a registry's JSON error body, if it has one.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<OciError>,
    }
    #[derive(serde::Deserialize)]
    struct OciError {
        code: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_slice::<Errors>(body) {
        Ok(errors) => errors
            .errors
            .iter()
            .map(|e| {
                let code = e.code.as_deref().unwrap_or_default();
                let message = e.message.as_deref().unwrap_or_default();
                format!(": {code} {message}")
            })
            .collect::<String>()
            .trim_end()
            .to_owned(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let (scheme, params) = parse_challenge(
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/p:pull""#,
        );
        assert_eq!(scheme, "Bearer");
        assert_eq!(params[0], ("realm".into(), "https://ghcr.io/token".into()));
        assert_eq!(params[1], ("service".into(), "ghcr.io".into()));
        assert_eq!(params[2].1, "repository:o/p:pull");
        let (scheme, params) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!((scheme.as_str(), params.len()), ("Basic", 1));
        assert_eq!(
            encode_query("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
    }

    #[test]
    fn registry_errors_are_summarized() {
        let body =
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#;
        assert_eq!(error_message(body), ": MANIFEST_UNKNOWN manifest unknown");
        assert_eq!(error_message(b"<html>"), "");
    }
}
