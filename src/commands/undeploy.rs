use std::process::ExitCode;
use std::time::Duration;

use crate::commands::deploy::lattice_url;
use crate::deploy::protocol::State;
use crate::deploy::{Lattice, Record};
use crate::toolchain::Home;
use crate::ui::Ui;

/// Stop a deployed app on every host of the lattice that runs it.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp undeploy app
  wcomp undeploy app --lattice nats://10.0.0.5:4222")]
pub struct UndeployCommand {
    /// The workload's name, as `wcomp deploy --name` gave it.
    pub name: String,

    /// The lattice's NATS; default: the local lattice if one is up, else
    /// `nats://127.0.0.1:4222`.
    #[arg(long, value_name = "URL")]
    pub lattice: Option<String>,
}

impl UndeployCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let home = Home::from_env()?;
        let url = lattice_url(self.lattice, &home);
        let name = self.name;
        crate::registry::block_on(async {
            let lattice = Lattice::connect(&url).await?;
            let mut record = Record::load(home.root(), &url);
            let hosts = lattice
                .hosts(&record.hosts, usize::MAX, Duration::from_secs(0))
                .await?;
            let mut stopped = 0;
            for host in &hosts {
                if lattice
                    .status(host, &name)
                    .await?
                    .workload_status
                    .workload_state
                    == State::NotFound
                {
                    continue;
                }
                let status = lattice.stop(host, &name).await?.workload_status;
                stopped += 1;
                ui.result(
                    "Stopped",
                    format_args!("`{name}` on `{}`: {}", host.hostname, status.workload_state),
                );
            }
            if let Some(deployment) = record.deployments.remove(&name) {
                for (id, host_name) in deployment.hosts {
                    if !hosts.iter().any(|h| h.id == id) {
                        ui.warn(format_args!(
                            "host `{host_name}` ({id}) that ran `{name}` does not answer"
                        ));
                    }
                }
            }
            if stopped == 0 {
                ui.warn(format_args!("`{name}` ran on no host of `{url}`"));
            }
            record.save(home.root(), &url)?;
            Ok::<_, crate::deploy::DeployError>(())
        })?;
        Ok(ExitCode::SUCCESS)
    }
}
