//! Checked automations.

use std::time::Duration;

use crate::CronSchedule;
use crate::config::{AutomationConfig, Backoff};

/// A checked automation: its references resolve and its templates parse.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationSchema {
    pub(crate) config: AutomationConfig,
    pub(crate) schedule: Option<CronSchedule>,
    pub(crate) retry: RetryPolicy,
}

impl AutomationSchema {
    /// The automation's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The automation as written (checked).
    pub fn config(&self) -> &AutomationConfig {
        &self.config
    }

    /// The parsed schedule of a `schedule` trigger.
    pub fn schedule(&self) -> Option<&CronSchedule> {
        self.schedule.as_ref()
    }

    /// How failed actions are retried.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }
}

/// How failed actions are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// How the delay grows.
    pub backoff: Backoff,
    /// The delay before the first retry.
    pub initial_delay: Duration,
    /// The longest delay between attempts.
    pub max_delay: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff: Backoff::Exponential,
            initial_delay: Duration::from_secs(1),
            max_delay: None,
        }
    }
}
