//! A real OCI registry for the tests: Debian's `docker-registry`
//! (distribution 2.8) on 127.0.0.1, with a throwaway storage folder,
//! optionally behind htpasswd basic auth; stopped when dropped. And wkg
//! 0.16.1, the reference client, installed once into a folder keyed by its
//! version.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The pinned wkg.
pub const WKG_VERSION: &str = "0.16.1";

/// The user and password of the authenticating registry, and the password's
/// bcrypt hash (cost 5) for its htpasswd file.
pub const USER: &str = "wcomp-ci";
pub const PASSWORD: &str = "not-a-real-secret-7";
const PASSWORD_BCRYPT: &str = "$2b$05$YHKN3.6VzdZlxFOyZPq0eOOqObVTm745Mqd8DMyk/zHrFBGtwUt2G";

/// A running registry.
pub struct Registry {
    child: Child,
    dir: tempfile::TempDir,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

/// `docker-registry`, or a loud failure saying how to install it.
fn docker_registry() -> PathBuf {
    let path = PathBuf::from("/usr/bin/docker-registry");
    assert!(
        path.exists(),
        "the registry tests need Debian's `docker-registry` (distribution 2.8): \
         `apt-get install -y docker-registry skopeo` (scripts/test installs them)"
    );
    path
}

/// A free port on loopback (the registry binds it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Registry {
    /// Starts a registry; with `auth`, only `USER`/`PASSWORD` may use it.
    pub fn start(auth: bool) -> Registry {
        let bin = docker_registry();
        let dir = tempfile::tempdir().unwrap();
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let mut auth_section = String::new();
        if auth {
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{USER}:{PASSWORD_BCRYPT}\n")).unwrap();
            auth_section = format!(
                "auth:\n  htpasswd:\n    realm: wcomp-test\n    path: {}\n",
                htpasswd.display()
            );
        }
        // A port taken between the probe and the bind is retried.
        for _ in 0..5 {
            let addr = format!("127.0.0.1:{}", free_port());
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n{auth_section}",
                    storage.display()
                ),
            )
            .unwrap();
            let mut child = Command::new(&bin)
                .arg("serve")
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("docker-registry starts");
            let begun = Instant::now();
            while begun.elapsed() < Duration::from_secs(10) {
                if std::net::TcpStream::connect(&addr).is_ok() {
                    return Registry { child, dir, addr };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("docker-registry did not start on loopback within 10 s");
    }

    /// The registry's storage: its blobs are files, to tamper with.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// A wkg config for this registry as the default one (plain HTTP, as
    /// wkg needs it said), written into `dir`; its path.
    pub fn wkg_config(&self, dir: &Path, extra: &str) -> PathBuf {
        let path = dir.join("wkg-config.toml");
        std::fs::write(
            &path,
            format!(
                "default_registry = \"{addr}\"\n\n[registry.\"{addr}\".oci]\nprotocol = \"http\"\n{extra}",
                addr = self.addr
            ),
        )
        .unwrap();
        path
    }

    /// Stops it now (the tests of `--offline` need it gone).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where pinned tools for the tests are installed: `$WCOMP_TOOLS_CACHE`
/// (scripts/test keeps it across CI runs), else `target/tools`.
fn tools_cache() -> PathBuf {
    std::env::var_os("WCOMP_TOOLS_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::target_dir().join("tools"))
}

/// wkg 0.16.1, installed by `scripts/install-wkg` on first use (which
/// `scripts/test` runs ahead of the tests).
pub fn wkg() -> PathBuf {
    static WKG: OnceLock<PathBuf> = OnceLock::new();
    WKG.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-wkg");
        let out = Command::new("bash")
            .arg(&script)
            .arg(tools_cache())
            .stderr(Stdio::inherit())
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "installing wkg {WKG_VERSION} with {} failed",
            script.display()
        );
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        assert!(bin.ends_with("bin/wkg"), "{}", bin.display());
        bin
    })
    .clone()
}

/// `skopeo` (Debian), or a loud failure.
pub fn skopeo() -> PathBuf {
    let path = PathBuf::from("/usr/bin/skopeo");
    assert!(
        path.exists(),
        "the registry tests need Debian's `skopeo`: `apt-get install -y docker-registry skopeo`"
    );
    path
}

/// Runs a tool, asserting success; its stdout.
#[track_caller]
pub fn tool(cmd: &mut Command) -> String {
    let output = cmd.output().expect("the tool runs");
    assert!(
        output.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A component exporting `docs:adder/add@0.1.0` (`add(a, b) = a + b`),
/// from WAT: no toolchain needed. `salt` changes its bytes (a custom
/// section), not its behaviour.
pub fn adder(salt: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add)
    (@custom "salt" "{salt}"))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
  (instance $add-instance (export "add" (func $add)))
  (export "docs:adder/add@0.1.0" (instance $add-instance)))"#
    ))
    .expect("the adder's WAT is valid")
}
