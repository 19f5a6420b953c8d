//! The limits a guest runs under: wall-clock time, memory and fuel.

use std::fmt;
use std::time::Duration;

use wcomp_core::fmt::Size;

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

/// The guest tried to grow its memories past `--max-memory`.
#[derive(Debug)]
#[non_exhaustive]
pub struct MemoryLimitReached {
    /// The limit, in bytes.
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
    /// A limiter that allows `limit` bytes in all (`None`: any amount).
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
