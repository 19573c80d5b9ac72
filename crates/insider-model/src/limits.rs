//! Client-side limits one provider enforces for every caller: requests per minute, tokens per
//! minute, concurrent connections, and an adaptive slow-down after 429s.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Concurrent requests per provider when the config gives none (Inspect's default).
pub const DEFAULT_MAX_CONNECTIONS: usize = 10;

/// The limits of one provider instance.
pub struct Limits {
    rpm: Option<DefaultDirectRateLimiter>,
    tpm: Option<(DefaultDirectRateLimiter, u32)>,
    connections: Semaphore,
    max_connections: usize,
    /// Permits currently in circulation (lowered after 429s, raised again on success).
    current: AtomicUsize,
    cool_down_until: Mutex<Option<Instant>>,
}

/// A held connection slot; released on drop.
pub struct Slot<'a> {
    _permit: SemaphorePermit<'a>,
}

impl Limits {
    /// Limits from the config figures (`None` = unlimited rpm/tpm).
    pub fn new(rpm: Option<u32>, tpm: Option<u32>, max_connections: Option<usize>) -> Limits {
        let max_connections = max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS).max(1);
        Limits {
            rpm: rpm
                .and_then(NonZeroU32::new)
                .map(|n| RateLimiter::direct(Quota::per_minute(n))),
            tpm: tpm
                .and_then(NonZeroU32::new)
                .map(|n| (RateLimiter::direct(Quota::per_minute(n)), n.get())),
            connections: Semaphore::new(max_connections),
            max_connections,
            current: AtomicUsize::new(max_connections),
            cool_down_until: Mutex::new(None),
        }
    }

    /// Wait until a request of about `estimated_tokens` may start, and take a connection slot.
    pub async fn acquire(&self, estimated_tokens: u32) -> Slot<'_> {
        let permit = self
            .connections
            .acquire()
            .await
            .expect("the connection semaphore is never closed");
        self.wait_cool_down().await;
        if let Some(limiter) = &self.rpm {
            limiter.until_ready().await;
        }
        if let Some((limiter, cap)) = &self.tpm {
            let n = NonZeroU32::new(estimated_tokens.clamp(1, *cap)).expect("clamped to >= 1");
            // Cannot fail: n never exceeds the burst size.
            let _ = limiter.until_n_ready(n).await;
        }
        Slot { _permit: permit }
    }

    async fn wait_cool_down(&self) {
        loop {
            let until = *self.cool_down_until.lock().unwrap();
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t.into()).await,
                _ => return,
            }
        }
    }

    /// After a 429: pause every caller for `wait` and halve the concurrency.
    pub fn on_rate_limited(&self, wait: Duration) {
        {
            let mut until = self.cool_down_until.lock().unwrap();
            let candidate = Instant::now() + wait;
            if until.is_none_or(|t| t < candidate) {
                *until = Some(candidate);
            }
        }
        let current = self.current.load(Ordering::Relaxed);
        let target = (current / 2).max(1);
        if target < current {
            let forgotten = self.connections.forget_permits(current - target);
            self.current.fetch_sub(forgotten, Ordering::Relaxed);
        }
    }

    /// After a success: give back one connection slot taken away by an earlier 429.
    pub fn on_success(&self) {
        let grew = self
            .current
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| {
                (c < self.max_connections).then_some(c + 1)
            });
        if grew.is_ok() {
            self.connections.add_permits(1);
        }
    }

    /// Connection slots currently allowed (for tests and progress displays).
    pub fn current_connections(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rate_limited_halves_and_success_restores() {
        let limits = Limits::new(None, None, Some(8));
        limits.on_rate_limited(Duration::from_millis(1));
        assert_eq!(limits.current_connections(), 4);
        limits.on_rate_limited(Duration::from_millis(1));
        assert_eq!(limits.current_connections(), 2);
        for _ in 0..10 {
            limits.on_success();
        }
        assert_eq!(limits.current_connections(), 8);
        let started = Instant::now();
        limits.on_rate_limited(Duration::from_millis(150));
        let _slot = limits.acquire(1).await;
        assert!(started.elapsed() >= Duration::from_millis(140));
    }

    #[tokio::test]
    async fn rpm_budget_delays_beyond_burst() {
        // 600/min = one every 100 ms after a burst of 600; use a tiny budget instead.
        let limits = Limits::new(Some(120), None, Some(4));
        let started = Instant::now();
        for _ in 0..120 {
            drop(limits.acquire(1).await);
        }
        assert!(started.elapsed() < Duration::from_millis(400));
        drop(limits.acquire(1).await);
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn tpm_budget_delays_large_requests() {
        // 6000 tokens/min = 100 per second after a burst of 6000.
        let limits = Limits::new(None, Some(6000), Some(4));
        let started = Instant::now();
        drop(limits.acquire(6000).await);
        assert!(started.elapsed() < Duration::from_millis(200));
        drop(limits.acquire(50).await);
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
    }
}
