//! Switching to a backup host when the primary cannot be reached, sans-IO.
//!
//! Each Chat region has a backup domain (spec §2.2, for when the primary's DNS is
//! hijacked). [`Failover`] decides which host a request goes to: the primary, until a
//! request to it fails before it was sent (DNS, connect, TLS handshake); then the backup
//! for [`Failover::stay`], after which the primary is tried again. A backup that cannot be
//! reached either sends the next request back to the primary. Each change is returned
//! once, as a [`Switch`], for the caller to log.
//!
//! ```
//! use core::time::Duration;
//! use callkit_core::failover::{Failover, Host, Switch};
//! let mut failover = Failover::new(Duration::from_secs(300));
//! let t = Duration::from_secs(10);
//! assert_eq!(failover.host(t), (Host::Primary, None));
//! assert_eq!(failover.unreachable(Host::Primary, t), Some(Switch::ToBackup));
//! assert_eq!(failover.host(t + Duration::from_secs(1)), (Host::Backup, None));
//! // Five minutes on, the primary is tried again.
//! assert_eq!(failover.host(t + Duration::from_secs(300)), (Host::Primary, Some(Switch::BackToPrimary)));
//! ```

use core::time::Duration;

/// How long the client stays on the backup host by default before trying the primary.
pub const DEFAULT_STAY: Duration = Duration::from_secs(300);

/// Which of a server's two hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// The region's primary host.
    Primary,
    /// The region's backup host.
    Backup,
}

/// A change of host, to be logged once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Switch {
    /// The primary could not be reached: requests go to the backup for a while.
    ToBackup,
    /// The stay on the backup is over (or the backup could not be reached either):
    /// requests go to the primary again.
    BackToPrimary,
}

/// The failover state of one client (monotonic time in, host out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failover {
    stay: Duration,
    /// While on the backup: until when.
    backup_until: Option<Duration>,
}

impl Failover {
    /// Starts on the primary; after a switch, stays `stay` on the backup.
    pub const fn new(stay: Duration) -> Self {
        Failover {
            stay,
            backup_until: None,
        }
    }

    /// How long a switch to the backup lasts.
    pub const fn stay(&self) -> Duration {
        self.stay
    }

    /// The host for a request starting at `now`, and the switch that choosing it makes
    /// (the stay on the backup ending).
    pub fn host(&mut self, now: Duration) -> (Host, Option<Switch>) {
        match self.backup_until {
            Some(until) if now < until => (Host::Backup, None),
            Some(_) => {
                self.backup_until = None;
                (Host::Primary, Some(Switch::BackToPrimary))
            }
            None => (Host::Primary, None),
        }
    }

    /// A request to `host` failed before it was sent, at `now`: switch to the other host
    /// (unless an earlier request already did).
    pub fn unreachable(&mut self, host: Host, now: Duration) -> Option<Switch> {
        match (host, self.backup_until) {
            (Host::Primary, None) => {
                self.backup_until = Some(now.saturating_add(self.stay));
                Some(Switch::ToBackup)
            }
            (Host::Backup, Some(_)) => {
                self.backup_until = None;
                Some(Switch::BackToPrimary)
            }
            // Another request already switched away from `host`.
            _ => None,
        }
    }
}

impl Default for Failover {
    fn default() -> Self {
        Self::new(DEFAULT_STAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn sticky_then_back_and_each_switch_reported_once() {
        let mut f = Failover::new(S * 60);
        assert_eq!(f.unreachable(Host::Primary, S), Some(Switch::ToBackup));
        // A concurrent request that also failed on the primary: no second switch.
        assert_eq!(f.unreachable(Host::Primary, S), None);
        assert_eq!(f.host(S * 60), (Host::Backup, None));
        assert_eq!(f.host(S * 61), (Host::Primary, Some(Switch::BackToPrimary)));
        assert_eq!(f.host(S * 62), (Host::Primary, None));
        // The backup unreachable: back to the primary at once.
        f.unreachable(Host::Primary, S * 70);
        assert_eq!(
            f.unreachable(Host::Backup, S * 71),
            Some(Switch::BackToPrimary)
        );
        assert_eq!(f.host(S * 72), (Host::Primary, None));
        assert_eq!(f.unreachable(Host::Backup, S * 73), None);
    }
}
