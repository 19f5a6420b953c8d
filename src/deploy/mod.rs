//! Deploying a composed app beyond one machine: to the hosts of a wasmCloud
//! v2 lattice (JSON over NATS, [`protocol`]), or as the Kubernetes
//! manifests a cluster runs ([`kubernetes`]). And a local lattice for
//! development and tests ([`local`]).

pub mod kubernetes;
pub mod local;
pub mod nats;
pub mod placement;
pub mod protocol;
mod state;

use std::time::{Duration, Instant};

use protocol::{HostHeartbeat, WorkloadIdRequest, WorkloadResponse};
pub use state::{Deployment, Record};

use nats::{Nats, NatsError};

/// A lattice operation failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DeployError {
    #[error("{0}")]
    #[diagnostic(
        code(wcomp::deploy::nats),
        help(
            "start one with `wcomp lattice up`, or pass the lattice's URL with `--lattice nats://HOST:PORT`"
        )
    )]
    Nats(#[from] NatsError),

    #[error("no wasmCloud host answered on the lattice `{lattice}` within {waited:?}")]
    #[diagnostic(
        code(wcomp::deploy::no_hosts),
        help(
            "start hosts with `wcomp lattice up --hosts N`, or `wash host --scheduler-nats-url {lattice}`"
        )
    )]
    NoHosts { lattice: String, waited: Duration },

    #[error(
        "{replicas} replicas need {replicas} hosts with an HTTP address; the lattice has {available}"
    )]
    #[diagnostic(
        code(wcomp::deploy::too_few_hosts),
        help(
            "ask for at most {available} with `--replicas`, or add hosts (`wcomp lattice up --hosts {replicas}`)"
        )
    )]
    TooFewHosts { replicas: usize, available: usize },

    #[error("host `{host}` did not start `{name}`: {reason}")]
    #[diagnostic(code(wcomp::deploy::start))]
    StartFailed {
        host: String,
        name: String,
        reason: String,
    },

    #[error("{0}")]
    #[diagnostic(code(wcomp::deploy::not_answering))]
    NotAnswering(Box<NotAnswering>),

    #[error("host `{host}` sent an answer wcomp cannot read: {reason}")]
    #[diagnostic(code(wcomp::deploy::protocol))]
    Protocol { host: String, reason: String },

    #[error("cannot record the deployment in `{path}`: {source}")]
    #[diagnostic(code(wcomp::deploy::state))]
    State {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// A replica that runs but does not answer HTTP.
#[derive(Debug)]
pub struct NotAnswering {
    pub host: String,
    pub name: String,
    pub url: String,
    pub vhost: String,
    pub waited: Duration,
    pub reason: String,
}

impl std::fmt::Display for NotAnswering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let NotAnswering {
            host,
            name,
            url,
            vhost,
            waited,
            reason,
        } = self;
        write!(
            f,
            "host `{host}` runs `{name}`, but {url} did not answer for `Host: {vhost}` within {waited:?}: {reason}"
        )
    }
}

/// How long one host may take to pull, compile and start a workload.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a workload command other than start may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to a lattice, by its NATS URL.
pub struct Lattice {
    pub url: String,
    nats: Nats,
}

/// The workload id wcomp gives app `name` on every host.
pub fn workload_id(name: &str) -> String {
    format!("wcomp-{name}")
}

impl Lattice {
    pub async fn connect(url: &str) -> Result<Lattice, DeployError> {
        let nats = Nats::connect(url, Duration::from_secs(5)).await?;
        Ok(Lattice {
            url: url.to_owned(),
            nats,
        })
    }

    /// The live hosts: those wcomp has seen before that still answer, and
    /// any that heartbeat within `wait` (hosts heartbeat every 15 s). Stops
    /// listening early once `want` hosts are known.
    pub async fn hosts(
        &self,
        known: &[String],
        want: usize,
        wait: Duration,
    ) -> Result<Vec<HostHeartbeat>, DeployError> {
        let (sid, mut beats) = self.nats.subscribe(protocol::HEARTBEATS).await?;
        let mut found: Vec<HostHeartbeat> = Vec::new();
        for id in known {
            if let Some(hb) = self.heartbeat(id).await {
                found.push(hb);
            }
        }
        let deadline = Instant::now() + wait;
        while found.len() < want {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, beats.recv()).await {
                Ok(Some(message)) => {
                    if let Ok(hb) = serde_json::from_slice::<HostHeartbeat>(&message.payload)
                        && !found.iter().any(|h| h.id == hb.id)
                    {
                        found.push(hb);
                    }
                }
                _ => break,
            }
        }
        // Heartbeats already queued count too.
        while let Ok(message) = beats.try_recv() {
            if let Ok(hb) = serde_json::from_slice::<HostHeartbeat>(&message.payload)
                && !found.iter().any(|h| h.id == hb.id)
            {
                found.push(hb);
            }
        }
        self.nats.unsubscribe(sid).await?;
        found.sort_by(|a, b| a.hostname.cmp(&b.hostname).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    /// Host `id`'s heartbeat, asked for directly; `None` when it is gone.
    pub async fn heartbeat(&self, id: &str) -> Option<HostHeartbeat> {
        let answer = self
            .nats
            .request(
                &protocol::host_subject(id, "heartbeat"),
                b"{}",
                Duration::from_secs(2),
            )
            .await
            .ok()?;
        serde_json::from_slice(&answer).ok()
    }

    /// Starts a replica of what `spec` says on `host`.
    pub async fn start(
        &self,
        host: &HostHeartbeat,
        spec: &protocol::Spec<'_>,
    ) -> Result<WorkloadResponse, DeployError> {
        let request = protocol::start_request(&workload_id(spec.name), spec);
        let body = serde_json::to_vec(&request).expect("a start request serializes");
        self.command(host, "workload.start", &body, START_TIMEOUT)
            .await
    }

    pub async fn status(
        &self,
        host: &HostHeartbeat,
        name: &str,
    ) -> Result<WorkloadResponse, DeployError> {
        self.workload_command(host, "workload.status", name).await
    }

    pub async fn stop(
        &self,
        host: &HostHeartbeat,
        name: &str,
    ) -> Result<WorkloadResponse, DeployError> {
        self.workload_command(host, "workload.stop", name).await
    }

    async fn workload_command(
        &self,
        host: &HostHeartbeat,
        command: &str,
        name: &str,
    ) -> Result<WorkloadResponse, DeployError> {
        let body = serde_json::to_vec(&WorkloadIdRequest {
            workload_id: workload_id(name),
        })
        .expect("a workload id serializes");
        self.command(host, command, &body, COMMAND_TIMEOUT).await
    }

    async fn command(
        &self,
        host: &HostHeartbeat,
        command: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<WorkloadResponse, DeployError> {
        let answer = self
            .nats
            .request(&protocol::host_subject(&host.id, command), body, timeout)
            .await?;
        serde_json::from_slice(&answer).map_err(|e| DeployError::Protocol {
            host: host.hostname.clone(),
            reason: format!("{e}: {}", String::from_utf8_lossy(&answer)),
        })
    }

    /// The HTTP address of `host`: its heartbeat gives the port, the
    /// lattice's NATS host the machine (right for a local lattice).
    pub fn http_url(&self, host: &HostHeartbeat) -> String {
        let machine = nats::address(&self.url)
            .ok()
            .and_then(|a| a.rsplit_once(':').map(|(h, _)| h.to_owned()))
            .unwrap_or_else(|| "127.0.0.1".into());
        format!("http://{machine}:{}", host.http_port)
    }
}

/// The status code and body of `GET {url}{path}` with `Host: vhost`, over
/// HTTP/1.0 (so the body ends with the connection).
pub async fn get(url: &str, path: &str, vhost: &str) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.0\r\nHost: {vhost}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await?;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "not an HTTP answer: `{}`",
                head.lines().next().unwrap_or("")
            ))
        })?;
    Ok((code, body.to_owned()))
}

/// Waits until `url` answers for `vhost` with something other than the
/// host's own "no workload here" (a 404 with no body).
pub async fn wait_answering(url: &str, vhost: &str, wait: Duration) -> Result<u16, String> {
    let deadline = Instant::now() + wait;
    loop {
        let reason = match get(url, "/", vhost).await {
            Ok((404, body)) if body.is_empty() => {
                "the host routes nothing to it yet (404)".to_owned()
            }
            Ok((code, _)) => return Ok(code),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(reason);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
