//! The manifests a Kubernetes cluster needs to run the same app: wasmCloud's
//! `WorkloadDeployment` (`runtime.wasmcloud.dev/v1alpha1`, for its
//! runtime-operator) and SpinKube's `SpinApp` (`core.spinkube.dev/v1alpha1`).
//! Built as JSON values and written as YAML (block style, every string
//! double-quoted, which YAML reads as JSON strings).

use serde_json::{Value, json};

use super::protocol::Spec;

/// wasmCloud's `WorkloadDeployment` of `spec` with `replicas` replicas,
/// serving its virtual host through the wasi:http the component exports,
/// with its environment.
pub fn workload_deployment(spec: &Spec<'_>, replicas: usize) -> Value {
    let interface = spec.http.host_interface(spec.vhost);
    let (name, image) = (spec.name, spec.image);
    let mut component = json!({ "name": name, "image": image });
    if !spec.environment.is_empty() {
        component["localResources"] = json!({ "environment": { "config": spec.environment } });
    }
    json!({
        "apiVersion": "runtime.wasmcloud.dev/v1alpha1",
        "kind": "WorkloadDeployment",
        "metadata": { "name": name },
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "components": [component],
                    "hostInterfaces": [{
                        "namespace": interface.namespace,
                        "package": interface.package,
                        "version": interface.version,
                        "interfaces": interface.interfaces,
                        "config": interface.config,
                    }],
                }
            }
        }
    })
}

/// SpinKube's `SpinApp` of the same image. SpinKube runs wasi:http 0.2
/// components through its containerd shim.
pub fn spin_app(name: &str, image: &str, replicas: usize) -> Value {
    json!({
        "apiVersion": "core.spinkube.dev/v1alpha1",
        "kind": "SpinApp",
        "metadata": { "name": name },
        "spec": {
            "image": image,
            "replicas": replicas,
            "executor": "containerd-shim-spin",
        }
    })
}

/// `value` as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, false);
    out
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => serde_json::to_string(s).expect("a string serializes"),
        other => other.to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    matches!(value, Value::Object(m) if !m.is_empty())
        || matches!(value, Value::Array(a) if !a.is_empty())
}

/// Writes `value` at `indent`; `inline` when the first line continues a
/// `- ` already written.
fn write_value(out: &mut String, value: &Value, indent: usize, inline: bool) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (i, (key, item)) in map.iter().enumerate() {
                if !(inline && i == 0) {
                    out.push_str(&pad);
                }
                out.push_str(key);
                if is_block(item) {
                    out.push_str(":\n");
                    write_value(out, item, indent + 2, false);
                } else {
                    out.push_str(": ");
                    out.push_str(&empty_or_scalar(item));
                    out.push('\n');
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                if is_block(item) {
                    write_value(out, item, indent + 2, true);
                } else {
                    out.push_str(&empty_or_scalar(item));
                    out.push('\n');
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&empty_or_scalar(other));
            out.push('\n');
        }
    }
}

fn empty_or_scalar(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::protocol::HttpWorld;

    /// What `demo` runs: `image`, serving `vhost` through `http`.
    fn spec<'a>(
        image: &'a str,
        http: HttpWorld,
        vhost: &'a str,
        environment: &'a std::collections::BTreeMap<String, String>,
    ) -> Spec<'a> {
        Spec {
            name: "demo",
            image,
            http,
            vhost,
            environment,
        }
    }

    #[test]
    fn workload_deployment_yaml() {
        let none = Default::default();
        let spec = spec(
            "ghcr.io/acme/demo:1",
            HttpWorld::P3,
            "demo.example.com",
            &none,
        );
        let yaml = to_yaml(&workload_deployment(&spec, 2));
        assert_eq!(
            yaml,
            r#"apiVersion: "runtime.wasmcloud.dev/v1alpha1"
kind: "WorkloadDeployment"
metadata:
  name: "demo"
spec:
  replicas: 2
  template:
    spec:
      components:
        - image: "ghcr.io/acme/demo:1"
          name: "demo"
      hostInterfaces:
        - config:
            host: "demo.example.com"
          interfaces:
            - "handler"
          namespace: "wasi"
          package: "http"
          version: "0.3.0"
"#
        );
    }

    /// Checks `value` against an OpenAPI v3 schema as the API server would
    /// (types, required fields, unknown fields, enums, sizes); the path of
    /// each problem.
    fn violations(value: &Value, schema: &Value, path: &str, out: &mut Vec<String>) {
        let ty = schema["type"].as_str();
        let ok = match (ty, value) {
            (Some("object"), Value::Object(_))
            | (Some("array"), Value::Array(_))
            | (Some("string"), Value::String(_))
            | (Some("boolean"), Value::Bool(_))
            | (None, _) => true,
            (Some("integer"), Value::Number(n)) => n.is_i64() || n.is_u64(),
            (Some("number"), Value::Number(_)) => true,
            _ => false,
        };
        if !ok {
            out.push(format!("{path}: not a {}", ty.unwrap_or("?")));
            return;
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            out.push(format!("{path}: {value} is not one of {allowed:?}"));
        }
        if let (Some(max), Value::String(s)) = (schema["maxLength"].as_u64(), value)
            && s.len() as u64 > max
        {
            out.push(format!("{path}: longer than {max}"));
        }
        match value {
            Value::Object(map) => {
                for required in schema["required"].as_array().into_iter().flatten() {
                    let key = required.as_str().unwrap();
                    if !map.contains_key(key) {
                        out.push(format!("{path}.{key}: required"));
                    }
                }
                let properties = schema["properties"].as_object();
                for (key, item) in map {
                    let sub = format!("{path}.{key}");
                    match properties.and_then(|p| p.get(key)) {
                        Some(s) => violations(item, s, &sub, out),
                        None if schema["additionalProperties"].is_object() => {
                            violations(item, &schema["additionalProperties"], &sub, out)
                        }
                        None if properties.is_none()
                            || schema["x-kubernetes-preserve-unknown-fields"] == true => {}
                        None => out.push(format!("{sub}: unknown field")),
                    }
                }
            }
            Value::Array(items) => {
                if let Some(min) = schema["minItems"].as_u64()
                    && (items.len() as u64) < min
                {
                    out.push(format!("{path}: fewer than {min} items"));
                }
                for (i, item) in items.iter().enumerate() {
                    violations(item, &schema["items"], &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }

    fn check(value: &Value, crd: &str) {
        let crd: Value = serde_json::from_str(crd).unwrap();
        assert_eq!(
            value["apiVersion"],
            format!(
                "{}/{}",
                crd["group"].as_str().unwrap(),
                crd["version"].as_str().unwrap()
            )
        );
        assert_eq!(value["kind"], crd["kind"]);
        let mut out = Vec::new();
        violations(value, &crd["schema"], "", &mut out);
        assert!(out.is_empty(), "{out:#?}");
    }

    /// The manifests fit the vendored CRD schemas (see `crds/SOURCE.md`),
    /// and the checker does catch what they forbid.
    #[test]
    fn manifests_fit_the_upstream_crds() {
        let wd = include_str!("crds/workloaddeployment.schema.json");
        let spin = include_str!("crds/spinapp.schema.json");
        let environment = [("SECRET".to_owned(), "hush".to_owned())].into();
        for http in [HttpWorld::P2, HttpWorld::P3] {
            let spec = spec("ghcr.io/acme/demo:1", http, "demo.local", &environment);
            let manifest = workload_deployment(&spec, 2);
            let local = &manifest["spec"]["template"]["spec"]["components"][0]["localResources"];
            assert_eq!(local["environment"]["config"]["SECRET"], "hush");
            check(&manifest, wd);
        }
        check(&spin_app("demo", "ghcr.io/acme/demo:1", 2), spin);

        let none = Default::default();
        let mut bad = workload_deployment(&spec("x:1", HttpWorld::P2, "d", &none), 2);
        bad["spec"]["replicas"] = json!("two");
        bad["spec"]["template"]["spec"]["hostInterfaces"][0]["interfaces"] = json!([]);
        bad["spec"]["template"]["spec"]["nonsense"] = json!(1);
        let mut out = Vec::new();
        violations(
            &bad,
            &serde_json::from_str::<Value>(wd).unwrap()["schema"],
            "",
            &mut out,
        );
        assert_eq!(
            out,
            [
                ".spec.replicas: not a integer",
                ".spec.template.spec.hostInterfaces[0].interfaces: fewer than 1 items",
                ".spec.template.spec.nonsense: unknown field",
            ]
        );
    }

    #[test]
    fn spin_app_yaml() {
        let yaml = to_yaml(&spin_app("demo", "ghcr.io/acme/demo:1", 3));
        assert!(yaml.contains("kind: \"SpinApp\"\n"), "{yaml}");
        assert!(yaml.contains("  replicas: 3\n"), "{yaml}");
        assert!(
            yaml.contains("  executor: \"containerd-shim-spin\"\n"),
            "{yaml}"
        );
    }
}
