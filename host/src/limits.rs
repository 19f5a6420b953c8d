//! The limits a guest runs under: wall-clock time, memory and fuel.

use std::fmt;
use std::time::Duration;

use wcomp_core::fmt::{Excerpt, Size};

/// The limits of one run; `None` means unlimited, and the default is no
/// limit at all. Build them with the `with_` methods:
///
/// ```
/// # use std::time::Duration;
/// let limits = wcomp_host::Limits::default()
///     .with_timeout(Duration::from_secs(5))
///     .with_max_memory(64 << 20);
/// assert_eq!(limits.fuel, None);
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Limits {
    /// Wall-clock time for the whole run, at the resolution of the epoch
    /// [`TICK`](crate::TICK); the host must allow timeouts
    /// ([`HostBuilder::timeouts`](crate::HostBuilder::timeouts)).
    pub timeout: Option<Duration>,
    /// Bytes of linear memory, all of the guest's memories together.
    pub max_memory: Option<u64>,
    /// Units of fuel (about one per wasm instruction); the host must count
    /// fuel ([`HostBuilder::fuel`](crate::HostBuilder::fuel)).
    pub fuel: Option<u64>,
}

impl Limits {
    /// Stops the run once `timeout` has passed (`None`: never).
    pub fn with_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Fails the guest's memory growth past `bytes` (`None`: no cap).
    pub fn with_max_memory(mut self, bytes: impl Into<Option<u64>>) -> Self {
        self.max_memory = bytes.into();
        self
    }

    /// Stops the guest once it has used `fuel` units (`None`: no limit).
    pub fn with_fuel(mut self, fuel: impl Into<Option<u64>>) -> Self {
        self.fuel = fuel.into();
        self
    }
}

/// A limit given on the command line that does not parse.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid {what} `{}`{}", Excerpt(.input), why_negative(*.negative))]
#[diagnostic(code(wcomp::run::bad_limit), help("{help}"))]
#[non_exhaustive]
pub struct BadLimit {
    pub what: &'static str,
    pub input: String,
    pub help: &'static str,
    /// Whether the input is a negative number.
    pub negative: bool,
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

/// The guest tried to grow its memories past `--max-memory`.
#[derive(Debug)]
#[non_exhaustive]
pub struct MemoryLimitReached {
    pub limit: u64,
}

impl fmt::Display for MemoryLimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "memory limit of {} reached", Size(self.limit))
    }
}

impl std::error::Error for MemoryLimitReached {}

/// Caps the guest's linear memories in total (a composed component has one
/// per inner component) and fails the growth with [`MemoryLimitReached`].
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    limit: Option<u64>,
    used: u64,
}

impl MemoryLimiter {
    pub fn new(limit: Option<u64>) -> Self {
        MemoryLimiter { limit, used: 0 }
    }

    /// Bytes the guest's linear memories hold, all of them together. Wasm
    /// memories never shrink, so this is also their peak.
    pub fn used(&self) -> u64 {
        self.used
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let grow = (desired - current) as u64;
        if let Some(limit) = self.limit
            && self.used + grow > limit
        {
            return Err(wasmtime::Error::new(MemoryLimitReached { limit }));
        }
        self.used += grow;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
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
    fn limiter_counts_every_memory() {
        use wasmtime::ResourceLimiter;
        let mut limiter = MemoryLimiter::new(Some(3 << 16));
        assert!(limiter.memory_growing(0, 2 << 16, None).unwrap());
        assert!(limiter.memory_growing(0, 1 << 16, None).unwrap());
        assert_eq!(limiter.used(), 3 << 16);
        let err = limiter.memory_growing(1 << 16, 2 << 16, None).unwrap_err();
        assert_eq!(err.to_string(), "memory limit of 192 KiB reached");
    }
}
