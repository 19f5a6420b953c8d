//! The wasmCloud v2 host control protocol, as wash 2.10.3 speaks it: the
//! protobuf messages of `proto/wasmcloud/runtime/v2/*.proto` in their
//! pbjson JSON form (camelCase fields, enums as their names, 64-bit
//! integers as strings), over NATS request/reply.
//!
//! - hosts publish a [`HostHeartbeat`] on `runtime.operator.heartbeat.<id>`
//!   every 15 s (and answer `runtime.host.<id>.heartbeat` requests);
//! - `runtime.host.<id>.workload.start|status|stop` take a
//!   [`WorkloadStartRequest`] / [`WorkloadIdRequest`] and answer a
//!   [`WorkloadResponse`].
//!
//! Only the fields wcomp reads or writes are modelled; unknown ones are
//! ignored, absent ones default, as pbjson does.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// Where every host announces itself.
pub const HEARTBEATS: &str = "runtime.operator.heartbeat.*";

/// The subject of `command` (`heartbeat`, `workload.start`, …) on host `id`.
pub fn host_subject(id: &str, command: &str) -> String {
    format!("runtime.host.{id}.{command}")
}

/// What a host says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostHeartbeat {
    pub id: String,
    /// The `--host-name` it was given.
    pub hostname: String,
    pub friendly_name: String,
    pub version: String,
    pub system_cpu_usage: f32,
    #[serde(deserialize_with = "u64_text")]
    pub workload_count: u64,
    #[serde(deserialize_with = "u64_text")]
    pub component_count: u64,
    /// The port of its HTTP ingress (`--http-addr`); 0 when it has none.
    pub http_port: u32,
    pub exports: Vec<WitInterface>,
}

/// pbjson writes 64-bit integers as strings; accept numbers too.
fn u64_text<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Number(n) => Ok(n),
        Either::Text(t) => t.parse().map_err(serde::de::Error::custom),
    }
}

/// A WIT package's interfaces that a host provides or a workload needs,
/// with the configuration the host applies to them (for wasi:http, the
/// virtual host name under `host`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WitInterface {
    pub namespace: String,
    pub package: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    pub interfaces: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
}

/// `workload.start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadStartRequest {
    pub workload_id: String,
    pub workload: Workload,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    pub namespace: String,
    pub name: String,
    pub wit_world: WitWorld,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WitWorld {
    pub components: Vec<Component>,
    pub host_interfaces: Vec<WitInterface>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    pub name: String,
    pub image: String,
    /// `IMAGE_PULL_POLICY_ALWAYS`: a redeploy of the same tag gets the new
    /// component.
    pub image_pull_policy: String,
    #[serde(default, skip_serializing_if = "LocalResources::is_empty")]
    pub local_resources: LocalResources,
}

/// What the host gives the component of its own: its environment
/// variables (`wasi:cli/environment`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LocalResources {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
}

impl LocalResources {
    fn is_empty(&self) -> bool {
        self.environment.is_empty()
    }
}

/// What each replica of a deployment runs, and how it is reached.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// The workload's name.
    pub name: &'a str,
    /// The OCI reference the hosts pull.
    pub image: &'a str,
    /// The wasi:http the component serves.
    pub http: HttpWorld,
    /// The virtual host it is routed by.
    pub vhost: &'a str,
    /// The environment the host gives it (`--env`). The component's own
    /// policy still decides which of its parts see it.
    pub environment: &'a BTreeMap<String, String>,
}

/// `workload.status` and `workload.stop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadIdRequest {
    pub workload_id: String,
}

/// The answer to every workload command.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadResponse {
    pub workload_status: WorkloadStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadStatus {
    pub workload_id: String,
    pub workload_state: State,
    pub message: String,
}

/// `WorkloadState`, by its protobuf name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum State {
    #[default]
    #[serde(rename = "WORKLOAD_STATE_UNSPECIFIED")]
    Unspecified,
    #[serde(rename = "WORKLOAD_STATE_STARTING")]
    Starting,
    #[serde(rename = "WORKLOAD_STATE_RUNNING")]
    Running,
    #[serde(rename = "WORKLOAD_STATE_COMPLETED")]
    Completed,
    #[serde(rename = "WORKLOAD_STATE_STOPPING")]
    Stopping,
    #[serde(rename = "WORKLOAD_STATE_ERROR")]
    Error,
    #[serde(rename = "WORKLOAD_STATE_NOT_FOUND")]
    NotFound,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Unspecified => "unspecified",
            State::Starting => "starting",
            State::Running => "running",
            State::Completed => "completed",
            State::Stopping => "stopping",
            State::Error => "error",
            State::NotFound => "not found",
        })
    }
}

/// Which wasi:http a component serves: `incoming-handler@0.2.x` or
/// `handler@0.3.x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpWorld {
    P2,
    P3,
}

impl HttpWorld {
    /// The host interface that routes requests for `vhost` to the workload.
    pub fn host_interface(self, vhost: &str) -> WitInterface {
        let (version, interface) = match self {
            HttpWorld::P2 => ("0.2.0", "incoming-handler"),
            HttpWorld::P3 => ("0.3.0", "handler"),
        };
        WitInterface {
            namespace: "wasi".into(),
            package: "http".into(),
            version: version.into(),
            interfaces: vec![interface.into()],
            config: BTreeMap::from([("host".to_owned(), vhost.to_owned())]),
        }
    }

    /// `0.2` or `0.3`.
    pub fn label(self) -> &'static str {
        match self {
            HttpWorld::P2 => "wasi:http 0.2",
            HttpWorld::P3 => "wasi:http 0.3",
        }
    }
}

/// The start request for workload `id`, running what `spec` says.
pub fn start_request(id: &str, spec: &Spec<'_>) -> WorkloadStartRequest {
    WorkloadStartRequest {
        workload_id: id.to_owned(),
        workload: Workload {
            namespace: "default".into(),
            name: spec.name.to_owned(),
            wit_world: WitWorld {
                components: vec![Component {
                    name: spec.name.to_owned(),
                    image: spec.image.to_owned(),
                    image_pull_policy: "IMAGE_PULL_POLICY_ALWAYS".into(),
                    local_resources: LocalResources {
                        environment: spec.environment.clone(),
                    },
                }],
                host_interfaces: vec![spec.http.host_interface(spec.vhost)],
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A heartbeat as wash 2.10.3 sends it (trimmed), read back.
    #[test]
    fn reads_a_wash_heartbeat() {
        let text = r#"{"id": "01a24de1-c162", "hostname": "h2", "friendlyName": "curly-rail-0073",
            "version": "2.10.3", "labels": {"hostgroup": "default"}, "systemCpuUsage": 83.04,
            "systemMemoryTotal": "25276182528", "componentCount": "1", "workloadCount": "1",
            "httpPort": 18082, "exports": [{"namespace": "wasi", "package": "http",
            "version": "0.3.0", "interfaces": ["handler", "types"]}]}"#;
        let hb: HostHeartbeat = serde_json::from_str(text).unwrap();
        assert_eq!(hb.hostname, "h2");
        assert_eq!(hb.workload_count, 1);
        assert_eq!(hb.http_port, 18082);
        assert_eq!(hb.exports[0].interfaces, ["handler", "types"]);
        // A host with nothing running leaves the counts out.
        let idle: HostHeartbeat = serde_json::from_str(r#"{"id": "x"}"#).unwrap();
        assert_eq!(idle.workload_count, 0);
    }

    #[test]
    fn writes_the_start_request_wash_accepts() {
        let mut spec = Spec {
            name: "demo",
            image: "127.0.0.1:5000/demo:1",
            http: HttpWorld::P3,
            vhost: "demo.local",
            environment: &BTreeMap::new(),
        };
        let json = serde_json::to_value(start_request("wcomp-demo", &spec)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "workloadId": "wcomp-demo",
                "workload": {
                    "namespace": "default",
                    "name": "demo",
                    "witWorld": {
                        "components": [{"name": "demo", "image": "127.0.0.1:5000/demo:1",
                            "imagePullPolicy": "IMAGE_PULL_POLICY_ALWAYS"}],
                        "hostInterfaces": [{"namespace": "wasi", "package": "http",
                            "version": "0.3.0", "interfaces": ["handler"],
                            "config": {"host": "demo.local"}}]
                    }
                }
            })
        );
        // An environment goes to the component's local resources.
        let environment = BTreeMap::from([("SECRET".to_owned(), "hush".to_owned())]);
        spec.environment = &environment;
        let json = serde_json::to_value(start_request("wcomp-demo", &spec)).unwrap();
        assert_eq!(
            json["workload"]["witWorld"]["components"][0]["localResources"],
            serde_json::json!({"environment": {"SECRET": "hush"}})
        );
    }

    #[test]
    fn reads_workload_answers() {
        let text = r#"{"workloadStatus": {"workloadId": "w1",
            "workloadState": "WORKLOAD_STATE_RUNNING", "message": "Workload started successfully"}}"#;
        let answer: WorkloadResponse = serde_json::from_str(text).unwrap();
        assert_eq!(answer.workload_status.workload_state, State::Running);
        let gone: WorkloadResponse = serde_json::from_str(
            r#"{"workloadStatus": {"workloadId": "w1", "workloadState": "WORKLOAD_STATE_NOT_FOUND"}}"#,
        )
        .unwrap();
        assert_eq!(gone.workload_status.workload_state, State::NotFound);
    }
}
