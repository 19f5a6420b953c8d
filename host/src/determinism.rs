//! A fixed clock and seeded randomness, for runs that must give the same
//! output every time (`wcomp test`'s `clock` and `random-seed`).
//!
//! The wall clock stands still at the time given. The monotonic clock
//! starts at 0 and moves one [`MONOTONIC_STEP`] each time it is read, so
//! that a guest measuring a duration sees time pass, the same amount on
//! every run. Both `wasi:random` generators come from one seed, through
//! SplitMix64: the same bytes on every run, and never the host's entropy
//! (nothing seeded this way is secret).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// How far the fixed monotonic clock moves per read: 1 µs.
pub const MONOTONIC_STEP: u64 = 1_000;

/// A wall clock that always says the same time.
pub(crate) struct FixedWall(pub(crate) Duration);

impl FixedWall {
    /// The clock fixed at `time` (the epoch, for a time before it).
    pub(crate) fn at(time: SystemTime) -> Self {
        FixedWall(
            time.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default(),
        )
    }
}

impl HostWallClock for FixedWall {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        self.0
    }
}

/// A monotonic clock that moves [`MONOTONIC_STEP`] per read, from 0.
#[derive(Default)]
pub(crate) struct SteppedMonotonic(AtomicU64);

impl HostMonotonicClock for SteppedMonotonic {
    fn resolution(&self) -> u64 {
        MONOTONIC_STEP
    }

    fn now(&self) -> u64 {
        self.0.fetch_add(MONOTONIC_STEP, Ordering::Relaxed)
    }
}

/// SplitMix64: a small generator whose whole output follows from its seed.
pub(crate) struct Seeded(u64);

impl Seeded {
    /// The generator for `seed`; `stream` tells apart generators of one
    /// seed (the secure and the insecure one).
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        Seeded(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
}

impl rand_core::TryRng for Seeded {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.try_next_u64().map(|x| (x >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn a_seed_gives_the_same_bytes_and_streams_differ() {
        let bytes = |seed, stream| {
            let mut buf = [0u8; 13];
            Seeded::new(seed, stream).fill_bytes(&mut buf);
            buf
        };
        assert_eq!(bytes(42, 0), bytes(42, 0));
        assert_ne!(bytes(42, 0), bytes(43, 0));
        assert_ne!(bytes(42, 0), bytes(42, 1));
    }

    #[test]
    fn the_monotonic_clock_steps_and_the_wall_clock_stands() {
        let clock = SteppedMonotonic::default();
        assert_eq!((clock.now(), clock.now()), (0, MONOTONIC_STEP));
        let wall = FixedWall::at(SystemTime::UNIX_EPOCH + Duration::from_secs(86_400));
        assert_eq!(
            (wall.now(), wall.now()),
            (Duration::from_secs(86_400), Duration::from_secs(86_400))
        );
    }
}
