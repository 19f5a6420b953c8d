//! The values of the flags `run`, `serve` and `dev` share: durations,
//! sizes and fuel (`--timeout`, `--max-memory`, `--fuel`), `KEY=VALUE`
//! (`--env`), `HOST[::GUEST]` (`--dir`, `--ro-dir`) and `--allow-http`
//! hosts, and `--addr`. The host library takes them as values; their spelling on the
//! command line is the CLI's.

use std::net::SocketAddr;
use std::time::Duration;

use wcomp_core::fmt::Excerpt;
use wcomp_host::{DirGrant, OutgoingHttp};

/// A limit given on the command line that does not parse.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid {what} `{}`{}", Excerpt(.input), why_negative(*.negative))]
#[diagnostic(code(wcomp::run::bad_limit), help("{help}"))]
pub struct BadLimit {
    what: &'static str,
    input: String,
    help: &'static str,
    /// Whether the input is a negative number.
    negative: bool,
}

/// What [`BadLimit`] adds for a negative input: clap shows only the
/// message of a value's error, so the message says it.
fn why_negative(negative: bool) -> &'static str {
    if negative {
        ": it must not be negative"
    } else {
        ""
    }
}

impl BadLimit {
    fn new(what: &'static str, input: &str, help: &'static str) -> Self {
        BadLimit {
            what,
            input: input.to_owned(),
            help,
            negative: input.trim_start().starts_with('-'),
        }
    }
}

/// Parses `500ms`, `2s`, `1.5m`, `1h`; a bare number is seconds.
pub fn parse_duration(input: &str) -> Result<Duration, BadLimit> {
    let bad = || {
        BadLimit::new(
            "duration",
            input,
            "write a number with a unit: `500ms`, `2s`, `1m`, `1h`",
        )
    };
    let s = input.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(bad)
}

/// Parses `64MiB`, `64M`, `1GiB`, `512KiB`, `1048576`; units are binary.
pub fn parse_size(input: &str) -> Result<u64, BadLimit> {
    let bad = || {
        BadLimit::new(
            "size",
            input,
            "write a number with a unit: `64MiB`, `1GiB`, `512KiB`",
        )
    };
    let s = input.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(bad()),
    };
    number
        .checked_mul(1 << shift)
        .filter(|n| *n > 0)
        .ok_or_else(bad)
}

/// Parses an amount of fuel: a whole number, `0` included.
pub fn parse_fuel(input: &str) -> Result<u64, BadLimit> {
    input.trim().parse().map_err(|_| {
        BadLimit::new(
            "amount of fuel",
            input,
            "write a whole number, e.g. `1000000`",
        )
    })
}

/// A grant given on the command line that cannot be used as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadGrant {
    #[error("`{}` has an empty host path; write `HOST[::GUEST]`", Excerpt(.0))]
    EmptyHost(String),
    #[error("`{}` has an empty guest path after `::`; write `HOST::GUEST`, or just `HOST`", Excerpt(.0))]
    EmptyGuest(String),
    #[error("`{}` is not KEY=VALUE", Excerpt(.0))]
    NotKeyValue(String),
    #[error("the variable name in `{}` contains `=`, a NUL or a line break", Excerpt(.0))]
    BadKey(String),
    #[error("the value of `{}` contains a NUL", Excerpt(.0))]
    BadValue(String),
    /// An `--allow-http` value that is not `HOST` or `HOST:PORT`.
    #[error("`{}` is not a host to allow HTTP requests to: {why}; write `HOST` or `HOST:PORT`, e.g. `example.com` or `localhost:8080`", Excerpt(.spec))]
    BadHttpHost { spec: String, why: &'static str },
}

/// Parses `HOST[::GUEST]` (`--dir`, `--ro-dir`); the guest path defaults
/// to the host path.
pub fn parse_dir(spec: &str, read_only: bool) -> Result<DirGrant, BadGrant> {
    let (host, guest) = match spec.split_once("::") {
        Some((_, "")) => return Err(BadGrant::EmptyGuest(spec.to_owned())),
        Some((host, guest)) => (host, guest),
        None => (spec, spec),
    };
    if host.is_empty() {
        return Err(BadGrant::EmptyHost(spec.to_owned()));
    }
    Ok(match read_only {
        true => DirGrant::read_only(host, guest),
        false => DirGrant::read_write(host, guest),
    })
}

/// Parses `KEY=VALUE` for an environment variable of the guest.
pub fn parse_env(spec: &str) -> Result<(String, String), BadGrant> {
    let (key, value) = spec
        .split_once('=')
        .filter(|(key, _)| !key.is_empty())
        .ok_or_else(|| BadGrant::NotKeyValue(spec.to_owned()))?;
    if key.contains(['\0', '\n', '\r']) {
        return Err(BadGrant::BadKey(spec.to_owned()));
    }
    if value.contains('\0') {
        return Err(BadGrant::BadValue(key.to_owned()));
    }
    Ok((key.to_owned(), value.to_owned()))
}

/// The grant of `--allow-http` given `values` times: no flag denies,
/// a bare `--allow-http` (an empty value) allows every host, and
/// `--allow-http HOST` adds HOST.
pub fn allow_http(values: &[String]) -> OutgoingHttp {
    if values.is_empty() {
        OutgoingHttp::Denied
    } else if values.iter().any(|v| v.is_empty() || v == "*") {
        OutgoingHttp::Any
    } else {
        OutgoingHttp::Hosts(values.iter().map(|v| v.to_ascii_lowercase()).collect())
    }
}

/// Checks one `--allow-http` value: `*` (every host), `HOST` or
/// `HOST:PORT`, where HOST is a DNS name, an IPv4 address or an IPv6
/// address in brackets and PORT is 1 to 65535. The value is returned as
/// given, for [`allow_http`].
pub fn parse_http_host(spec: &str) -> Result<String, BadGrant> {
    let bad = |why| BadGrant::BadHttpHost {
        spec: spec.to_owned(),
        why,
    };
    if spec == "*" {
        return Ok(spec.to_owned());
    }
    if spec.is_empty() {
        return Err(bad("it is empty (leave out the value to allow every host)"));
    }
    if spec.contains("://") {
        return Err(bad("give the host alone, without a scheme"));
    }
    if spec.contains('/') {
        return Err(bad("give the host alone, without a path"));
    }
    let (host, port) = match spec.rfind(':') {
        Some(colon) if !spec[colon..].contains(']') => (&spec[..colon], Some(&spec[colon + 1..])),
        _ => (spec, None),
    };
    let valid_host = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && host.len() <= 253
    };
    if !valid_host {
        return Err(bad(
            "a host is a DNS name, an IPv4 address or an IPv6 address in brackets",
        ));
    }
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Err(bad("the port must be a number from 1 to 65535"));
    }
    Ok(spec.to_owned())
}

/// An address given on the command line that is not `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error(
    "invalid address `{input}`: write HOST:PORT with an IP address or `localhost`, e.g. `127.0.0.1:8080`, `0.0.0.0:80`, `[::1]:8080`"
)]
#[diagnostic(code(wcomp::serve::bad_address))]
pub struct BadAddress {
    input: String,
}

/// Parses `HOST:PORT`, where HOST is an IPv4 address, a bracketed IPv6
/// address or `localhost` (127.0.0.1). Names are not looked up: a server
/// listens on one of its own addresses.
pub fn parse_addr(input: &str) -> Result<SocketAddr, BadAddress> {
    let bad = || BadAddress {
        input: input.to_owned(),
    };
    if let Ok(addr) = input.parse() {
        return Ok(addr);
    }
    match input.rsplit_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => {
            let port: u16 = port.parse().map_err(|_| bad())?;
            Ok(SocketAddr::from(([127, 0, 0, 1], port)))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("2 weeks").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("1gib").unwrap(), 1 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn negative_limits_say_so() {
        for err in [
            parse_duration("-1").unwrap_err(),
            parse_duration(" -2s").unwrap_err(),
            parse_size("-64MiB").unwrap_err(),
            parse_fuel("-5").unwrap_err(),
        ] {
            assert!(
                err.to_string().ends_with(": it must not be negative"),
                "{err}"
            );
        }
        assert_eq!(parse_fuel("0").unwrap(), 0);
        assert_eq!(
            parse_duration("x").unwrap_err().to_string(),
            "invalid duration `x`"
        );
    }

    #[test]
    fn dir_grants() {
        assert_eq!(
            parse_dir("./data::/data", false),
            Ok(DirGrant::read_write("./data", "/data"))
        );
        assert_eq!(parse_dir("/tmp", true).unwrap().guest, "/tmp");
        assert!(matches!(
            parse_dir("/tmp::", false),
            Err(BadGrant::EmptyGuest(_))
        ));
        assert!(matches!(
            parse_dir("::/x", false),
            Err(BadGrant::EmptyHost(_))
        ));
    }

    #[test]
    fn env_grants() {
        assert_eq!(parse_env("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert_eq!(parse_env("A="), Ok(("A".into(), String::new())));
        assert!(matches!(parse_env("=x"), Err(BadGrant::NotKeyValue(_))));
        assert!(matches!(parse_env("A"), Err(BadGrant::NotKeyValue(_))));
        assert!(matches!(parse_env("A\nB=x"), Err(BadGrant::BadKey(_))));
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr("127.0.0.1:8080").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 8080))
        );
        assert_eq!(parse_addr("[::1]:80").unwrap().port(), 80);
        assert_eq!(
            parse_addr("localhost:3000").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 3000))
        );
        for bad in [
            "8080",
            "127.0.0.1",
            "example.com:80",
            "127.0.0.1:99999",
            ":80",
            "localhost:x",
        ] {
            assert!(parse_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags() {
        assert_eq!(allow_http(&[]), OutgoingHttp::Denied);
        assert_eq!(allow_http(&[String::new()]), OutgoingHttp::Any);
        assert_eq!(
            allow_http(&["API.example.com".into()]),
            OutgoingHttp::Hosts(vec!["api.example.com".into()])
        );
    }

    #[test]
    fn allowed_hosts_are_checked() {
        for good in [
            "*",
            "example.com",
            "localhost:8080",
            "127.0.0.1",
            "[::1]:443",
            "a-b.c",
        ] {
            assert_eq!(parse_http_host(good).unwrap(), good);
        }
        for (bad, why) in [
            ("", "it is empty"),
            ("a b", "a host is"),
            ("host:99999", "the port must be"),
            ("host:0", "the port must be"),
            ("host:", "the port must be"),
            ("http://x", "without a scheme"),
            ("x/y", "without a path"),
            ("[::1", "a host is"),
            ("a..b", "a host is"),
        ] {
            let err = parse_http_host(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
            assert!(err.contains("write `HOST` or `HOST:PORT`"), "{err}");
        }
    }
}
