use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use wcomp_compose::App;

use crate::commands::push::parse_reference;
use crate::deploy::protocol::{HostHeartbeat, HttpWorld, Spec, State};
use crate::deploy::{self, DeployError, Deployment, Lattice, Record, kubernetes};
use crate::registry::{Registries, transfer};
use crate::toolchain::Home;
use crate::ui::Ui;

/// Deploy a composed HTTP app to a wasmCloud v2 lattice, or emit the
/// Kubernetes manifests that run it.
///
/// Pushes the component to `--image`, then starts it on `--replicas`
/// distinct hosts of the lattice (least loaded first, found from their
/// heartbeats), routed by the `Host` header `--http-host`, and waits until
/// each replica answers. Deploying again keeps the replicas that run and
/// places the missing ones (on a host that disappeared) elsewhere.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp lattice up --hosts 2
  wcomp deploy composed.wasm --image 127.0.0.1:5000/acme/app:1 --replicas 2
  wcomp deploy --status app
  wcomp deploy composed.wasm --image ghcr.io/acme/app:1 --emit kubernetes k8s/")]
pub struct DeployCommand {
    /// The component, or an app manifest: built and composed first.
    #[arg(value_name = "FILE", default_value = "app.toml")]
    pub file: PathBuf,

    /// The OCI reference the hosts pull: `registry/repository:tag`.
    #[arg(long, value_name = "REF", required_unless_present = "status")]
    pub image: Option<String>,

    /// The lattice's NATS; default: the local lattice if one is up, else
    /// `nats://127.0.0.1:4222`.
    #[arg(long, value_name = "URL")]
    pub lattice: Option<String>,

    /// Do not push: the image is in its registry already (FILE only tells
    /// which wasi:http it serves).
    #[arg(long)]
    pub no_push: bool,

    /// Give the component an environment variable (repeatable). Its
    /// capability policy still holds: a dependency denied its environment
    /// sees none of them.
    #[arg(long, value_name = "KEY=VALUE", value_parser = crate::flags::parse_env)]
    pub env: Vec<(String, String)>,

    /// How many hosts run it, one replica each.
    #[arg(long, default_value_t = 1)]
    pub replicas: usize,

    /// The workload's name; default: the app's name, or the file's.
    #[arg(long)]
    pub name: Option<String>,

    /// The virtual host it serves; default: `NAME.local`.
    #[arg(long, value_name = "VHOST")]
    pub http_host: Option<String>,

    /// How long to wait for hosts' heartbeats, in seconds (hosts heartbeat
    /// every 15 s).
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub wait_hosts: u64,

    /// List a deployment (all recorded ones without NAME) and its hosts.
    #[arg(long, value_name = "NAME", num_args = 0..=1, conflicts_with = "emit")]
    pub status: Option<Option<String>>,

    /// Write manifests instead of deploying: `kubernetes DIR`.
    #[arg(long, num_args = 2, value_names = ["KIND", "DIR"])]
    pub emit: Option<Vec<String>>,
}

/// The lattice to talk to: the flag, else the local lattice, else the
/// default NATS port on loopback.
pub fn lattice_url(flag: Option<String>, home: &Home) -> String {
    flag.or_else(|| deploy::local::current(home.root()).map(|l| l.nats))
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into())
}

impl DeployCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let home = Home::from_env()?;
        if let Some(name) = self.status {
            let url = lattice_url(self.lattice, &home);
            return crate::registry::block_on(status(ui, &home, &url, name)).map_err(Into::into);
        }
        let (file, app_name) = if self.file.extension().is_some_and(|e| e == "toml") {
            let name = App::load(&self.file)?.name().to_string();
            (build_and_compose(ui, &self.file)?, Some(name))
        } else {
            (self.file.clone(), None)
        };
        let http = http_world(&file)?;
        let name = match self.name.or(app_name) {
            Some(name) => name,
            None => kebab(&file),
        };
        let vhost = self.http_host.unwrap_or_else(|| format!("{name}.local"));
        let image = self.image.expect("clap requires --image");
        let reference = parse_reference(&image)?;

        let environment = self.env.into_iter().collect();
        let workload = Spec {
            name: &name,
            image: &image,
            http,
            vhost: &vhost,
            environment: &environment,
        };
        if let Some(emit) = self.emit {
            emit_manifests(ui, &emit, &workload, self.replicas)?;
            return Ok(ExitCode::SUCCESS);
        }

        if !self.no_push {
            let mut registries = Registries::new(None)?;
            let pushed =
                crate::registry::block_on(transfer::push_file(&mut registries, &reference, &file))?;
            crate::commands::push::report(ui, "Pushed", "to", &file, &pushed);
        }
        let url = lattice_url(self.lattice, &home);
        let wait = Duration::from_secs(self.wait_hosts);
        crate::registry::block_on(deploy(ui, &home, &url, &workload, self.replicas, wait))?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Which wasi:http the component in `file` serves; a component that
/// serves none is deployed as a WASI 0.2 one.
fn http_world(file: &std::path::Path) -> miette::Result<HttpWorld> {
    let bytes = wcomp_core::decode::read(file)?;
    Ok(match wcomp_host::serve::expect_handler(file, &bytes)? {
        Some(wcomp_host::serve::HandlerKind::P3(_)) => HttpWorld::P3,
        Some(_) => HttpWorld::P2,
        None => wcomp_core::decode::expect_component(file, &bytes).map(|()| HttpWorld::P2)?,
    })
}

/// `--emit KIND DIR`: writes the manifests of `kind` (only `kubernetes`)
/// into `dir` instead of deploying.
fn emit_manifests(
    ui: &Ui,
    emit: &[String],
    workload: &Spec<'_>,
    replicas: usize,
) -> miette::Result<()> {
    let (kind, dir) = (&emit[0], PathBuf::from(&emit[1]));
    if kind != "kubernetes" {
        miette::bail!("`--emit {kind}`: the one kind is `kubernetes`");
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| miette::miette!("cannot create `{}`: {e}", dir.display()))?;
    let (name, image) = (workload.name, workload.image);
    for (file_name, value) in [
        (
            "workloaddeployment.yaml",
            kubernetes::workload_deployment(workload, replicas),
        ),
        ("spinapp.yaml", kubernetes::spin_app(name, image, replicas)),
    ] {
        let path = dir.join(file_name);
        std::fs::write(&path, kubernetes::to_yaml(&value))
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
        ui.status("Wrote", format_args!("`{}`", path.display()));
    }
    Ok(())
}

/// Builds and composes the app of `manifest`, as `wcomp build` and `wcomp
/// compose` would; its composed output.
fn build_and_compose(ui: &Ui, manifest: &std::path::Path) -> miette::Result<PathBuf> {
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Build {
        #[command(flatten)]
        command: crate::commands::build::BuildCommand,
    }
    #[derive(clap::Parser)]
    struct Compose {
        #[command(flatten)]
        command: crate::commands::compose::ComposeCommand,
    }
    let path = manifest.as_os_str();
    let build = Build::try_parse_from(["build".as_ref(), "--manifest".as_ref(), path])
        .map_err(|e| miette::miette!("{e}"))?;
    if build.command.exec(ui)? != ExitCode::SUCCESS {
        miette::bail!("the build of `{}` failed", manifest.display());
    }
    let compose =
        Compose::try_parse_from(["compose".as_ref(), path]).map_err(|e| miette::miette!("{e}"))?;
    compose.command.exec(ui)?;
    Ok(App::load(manifest)?.output())
}

/// The file's stem in kebab-case.
fn kebab(file: &std::path::Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let kebab: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let kebab = kebab.trim_matches('-').to_owned();
    if kebab.is_empty() {
        "app".into()
    } else {
        kebab
    }
}

/// Deploys `workload` on `replicas` hosts of the lattice at `url`: keeps
/// the replicas that run it unchanged, starts the missing ones on the least
/// loaded free hosts, waits until each answers, and records where it runs.
async fn deploy(
    ui: &Ui,
    home: &Home,
    url: &str,
    workload: &Spec<'_>,
    replicas: usize,
    wait: Duration,
) -> Result<(), DeployError> {
    let name = workload.name;
    let lattice = Lattice::connect(url).await?;
    let mut record = Record::load(home.root(), url);
    let hosts = live_hosts(&lattice, &mut record, url, replicas, wait).await?;
    let mut running = running_on(&lattice, &hosts, name).await?;
    let previous = record.deployments.remove(name).unwrap_or_default();
    warn_lost_hosts(ui, &previous, &hosts, name);
    let changed = previous.image != workload.image
        || previous.vhost != workload.vhost
        || previous.environment != *workload.environment;
    if changed {
        stop_replicas(&lattice, &hosts, &running, name).await?;
        running.clear();
    }
    running.truncate(replicas);
    let chosen = deploy::placement::choose(&hosts, &running, replicas).map_err(|available| {
        DeployError::TooFewHosts {
            replicas,
            available,
        }
    })?;
    let mut deployment = Deployment {
        image: workload.image.to_owned(),
        vhost: workload.vhost.to_owned(),
        environment: workload.environment.clone(),
        replicas,
        hosts: Default::default(),
    };
    for host in hosts.iter().filter(|h| running.contains(&h.id)) {
        deployment
            .hosts
            .insert(host.id.clone(), host.hostname.clone());
        let url = lattice.http_url(host);
        let host = &host.hostname;
        ui.result(
            "Running",
            format_args!("`{name}` on `{host}` ({url}), unchanged"),
        );
    }
    for host in chosen {
        start_replica(ui, &lattice, host, workload).await?;
        deployment
            .hosts
            .insert(host.id.clone(), host.hostname.clone());
    }
    record.deployments.insert(name.to_owned(), deployment);
    record.save(home.root(), url)
}

/// The lattice's hosts that answer within `wait` (enough for `replicas`
/// if there are), noted in `record`; none is an error.
async fn live_hosts(
    lattice: &Lattice,
    record: &mut Record,
    url: &str,
    replicas: usize,
    wait: Duration,
) -> Result<Vec<HostHeartbeat>, DeployError> {
    let hosts = lattice.hosts(&record.hosts, replicas.max(1), wait).await?;
    if hosts.is_empty() {
        return Err(DeployError::NoHosts {
            lattice: url.to_owned(),
            waited: wait,
        });
    }
    record.saw(hosts.iter().map(|h| h.id.clone()));
    Ok(hosts)
}

/// The ids of the hosts among `hosts` that run `name` now.
async fn running_on(
    lattice: &Lattice,
    hosts: &[HostHeartbeat],
    name: &str,
) -> Result<Vec<String>, DeployError> {
    let mut running = Vec::new();
    for host in hosts {
        if lattice
            .status(host, name)
            .await?
            .workload_status
            .workload_state
            == State::Running
        {
            running.push(host.id.clone());
        }
    }
    Ok(running)
}

/// Warns of each host that ran `name` last time and is gone: its replica
/// is placed elsewhere.
fn warn_lost_hosts(ui: &Ui, previous: &Deployment, hosts: &[HostHeartbeat], name: &str) {
    for (id, host_name) in &previous.hosts {
        if !hosts.iter().any(|h| &h.id == id) {
            ui.warn(format_args!(
                "host `{host_name}` ({id}) that ran `{name}` is gone; placing its replica elsewhere"
            ));
        }
    }
}

/// Stops `name` on the hosts whose ids are in `running` (a new image or
/// virtual host restarts them).
async fn stop_replicas(
    lattice: &Lattice,
    hosts: &[HostHeartbeat],
    running: &[String],
    name: &str,
) -> Result<(), DeployError> {
    for host in hosts.iter().filter(|h| running.contains(&h.id)) {
        lattice.stop(host, name).await?;
    }
    Ok(())
}

/// Starts one replica of `workload` on `host` and waits until it answers.
async fn start_replica(
    ui: &Ui,
    lattice: &Lattice,
    host: &HostHeartbeat,
    workload: &Spec<'_>,
) -> Result<(), DeployError> {
    let Spec {
        name, http, vhost, ..
    } = *workload;
    let answer = lattice.start(host, workload).await?;
    let status = answer.workload_status;
    if status.workload_state != State::Running {
        return Err(DeployError::StartFailed {
            host: host.hostname.clone(),
            name: name.to_owned(),
            reason: format!("{}: {}", status.workload_state, status.message),
        });
    }
    let http_url = lattice.http_url(host);
    let waited = Duration::from_secs(30);
    let code = deploy::wait_answering(&http_url, vhost, waited)
        .await
        .map_err(|reason| {
            DeployError::NotAnswering(Box::new(deploy::NotAnswering {
                host: host.hostname.clone(),
                name: name.to_owned(),
                url: http_url.clone(),
                vhost: vhost.to_owned(),
                waited,
                reason,
            }))
        })?;
    ui.result(
        "Started",
        format_args!(
            "`{name}` ({}) on `{}` at {http_url}, Host: {vhost}: {}, answers {code}",
            http.label(),
            host.hostname,
            status.workload_state
        ),
    );
    Ok(())
}

async fn status(
    ui: &Ui,
    home: &Home,
    url: &str,
    name: Option<String>,
) -> Result<ExitCode, DeployError> {
    let lattice = Lattice::connect(url).await?;
    let mut record = Record::load(home.root(), url);
    let hosts = lattice
        .hosts(&record.hosts, usize::MAX, Duration::from_secs(0))
        .await?;
    record.saw(hosts.iter().map(|h| h.id.clone()));
    let names: Vec<String> = match name {
        Some(name) => vec![name],
        None => record.deployments.keys().cloned().collect(),
    };
    for name in names {
        let mut any = false;
        for host in &hosts {
            let status = lattice.status(host, &name).await?.workload_status;
            if status.workload_state != State::NotFound {
                any = true;
                println!(
                    "{name}\t{}\t{}\t{}",
                    host.hostname,
                    lattice.http_url(host),
                    status.workload_state
                );
            }
        }
        if let Some(deployment) = record.deployments.get(&name) {
            for (id, host_name) in &deployment.hosts {
                if !hosts.iter().any(|h| &h.id == id) {
                    any = true;
                    println!("{name}\t{host_name}\t-\tgone (host {id} does not answer)");
                }
            }
        }
        if !any {
            ui.warn(format_args!("`{name}` runs on no host of `{url}`"));
        }
    }
    record.save(home.root(), url)?;
    Ok(ExitCode::SUCCESS)
}
