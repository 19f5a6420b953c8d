//! Which hosts get the replicas: distinct hosts, spread, least loaded
//! first (fewest workloads, then least CPU), keeping the hosts that run the
//! workload already.

use super::protocol::HostHeartbeat;

/// The hosts to start the workload on, given the live hosts and those that
/// run it already (which keep it): `replicas - running` more, least loaded
/// first. Not enough hosts is an error carrying how many could hold a
/// replica: one host runs one replica of a workload id, so wcomp spreads.
pub fn choose<'a>(
    hosts: &'a [HostHeartbeat],
    running: &[String],
    replicas: usize,
) -> Result<Vec<&'a HostHeartbeat>, usize> {
    let needed = replicas.saturating_sub(running.len());
    let mut free: Vec<&HostHeartbeat> = hosts
        .iter()
        .filter(|h| !running.contains(&h.id) && h.http_port != 0)
        .collect();
    free.sort_by(|a, b| {
        a.workload_count
            .cmp(&b.workload_count)
            .then(a.system_cpu_usage.total_cmp(&b.system_cpu_usage))
            .then(a.hostname.cmp(&b.hostname))
    });
    if free.len() < needed {
        return Err(free.len() + running.len());
    }
    free.truncate(needed);
    Ok(free)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(id: &str, workloads: u64, cpu: f32) -> HostHeartbeat {
        HostHeartbeat {
            id: id.into(),
            hostname: id.into(),
            workload_count: workloads,
            system_cpu_usage: cpu,
            http_port: 8000,
            ..Default::default()
        }
    }

    #[test]
    fn least_loaded_first_and_distinct() {
        let hosts = [host("a", 3, 1.0), host("b", 0, 50.0), host("c", 0, 10.0)];
        let chosen: Vec<_> = choose(&hosts, &[], 2)
            .unwrap()
            .iter()
            .map(|h| h.id.as_str())
            .collect();
        assert_eq!(chosen, ["c", "b"]);
    }

    #[test]
    fn running_replicas_stay_and_the_missing_ones_go_elsewhere() {
        let hosts = [host("a", 1, 1.0), host("b", 0, 50.0), host("c", 5, 10.0)];
        let chosen: Vec<_> = choose(&hosts, &["a".into(), "gone".into()], 3)
            .unwrap()
            .iter()
            .map(|h| h.id.as_str())
            .collect();
        assert_eq!(chosen, ["b"]);
        let chosen = choose(&hosts, &["a".into()], 3).unwrap();
        assert_eq!(chosen.len(), 2);
    }

    #[test]
    fn more_replicas_than_hosts_is_refused() {
        let hosts = [host("a", 0, 1.0)];
        assert_eq!(choose(&hosts, &[], 2).err(), Some(1));
        // A host without an HTTP ingress cannot serve a handler.
        let mut deaf = host("b", 0, 1.0);
        deaf.http_port = 0;
        assert_eq!(choose(&[deaf], &[], 1).err(), Some(0));
    }
}
