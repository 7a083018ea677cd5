//! Runs a scenario through its phases: closed loop at a fixed concurrency (throughput and
//! latency), one connection (searches: latency without contention, as Dialogporten's own k6
//! thresholds are measured with one virtual user), and open loop at half the closed-loop
//! throughput (latency at a fixed request rate).

use std::time::Duration;

use crate::load::{Mode, Outcome, Summary, Target, run};
use crate::scenarios::{Kind, Scenario};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// Connections of the closed-loop phase (and workers of the open-loop phase).
    pub connections: usize,
    pub warmup: Duration,
    /// Length of the closed-loop and of the open-loop phase.
    pub duration: Duration,
    /// Length of the one-connection phase of searches (zero: skipped).
    pub serial: Duration,
    /// Open-loop rate as a fraction of the closed-loop throughput.
    pub open_fraction: f64,
    /// Requests per phase at most (the smoke test's handful); `None`: by time only.
    pub max_requests: Option<u64>,
    /// Single-use requests (JWT grants) signed per phase at most.
    pub grant_pool: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ScenarioResult {
    pub id: String,
    pub title: String,
    pub kind: Kind,
    pub closed: Summary,
    pub serial: Option<Summary>,
    /// Requests per second of the open-loop phase.
    pub open_rate: f64,
    pub open: Option<Summary>,
    pub first_error: Option<String>,
}

impl ScenarioResult {
    pub fn errors(&self) -> u64 {
        self.closed.errors + self.serial.map_or(0, |s| s.errors) + self.open.map_or(0, |s| s.errors)
    }
}

fn note_error(first: &mut Option<String>, outcome: &Outcome) {
    if first.is_none() {
        first.clone_from(&outcome.first_error);
    }
}

pub async fn run_scenario(
    target: &Target,
    scenario: &Scenario,
    settings: &Settings,
) -> anyhow::Result<ScenarioResult> {
    let mut first_error = None;
    let prepared = |count: usize| -> anyhow::Result<(crate::load::MakeRequest, Option<u64>)> {
        match &scenario.prepare {
            Some(prepare) => {
                let count = settings
                    .max_requests
                    .map_or(count, |m| count.min(m as usize))
                    .max(1);
                Ok((prepare(count)?, Some(count as u64)))
            }
            None => Ok((scenario.make.clone(), settings.max_requests)),
        }
    };

    let (make, limit) = prepared(settings.grant_pool)?;
    let warmup = if scenario.prepare.is_some() {
        Duration::ZERO
    } else {
        settings.warmup
    };
    let outcome = run(
        target,
        make,
        scenario.expect,
        Mode::Closed {
            connections: settings.connections,
            warmup,
            duration: settings.duration,
        },
        limit,
    )
    .await;
    note_error(&mut first_error, &outcome);
    let closed = Summary::of(&outcome);

    let serial = if scenario.kind == Kind::Search && !settings.serial.is_zero() {
        let (make, limit) = prepared(settings.grant_pool)?;
        let outcome = run(
            target,
            make,
            scenario.expect,
            Mode::Closed {
                connections: 1,
                warmup: Duration::from_millis(100).min(settings.warmup),
                duration: settings.serial,
            },
            limit,
        )
        .await;
        note_error(&mut first_error, &outcome);
        Some(Summary::of(&outcome))
    } else {
        None
    };

    let open_rate = closed.rps * settings.open_fraction;
    let open = if open_rate > 0.0 {
        let wanted = (open_rate * settings.duration.as_secs_f64()).ceil() as usize;
        let (make, limit) = prepared(wanted.min(settings.grant_pool))?;
        let outcome = run(
            target,
            make,
            scenario.expect,
            Mode::Open {
                connections: settings.connections,
                rate: open_rate,
                duration: settings.duration,
            },
            limit,
        )
        .await;
        note_error(&mut first_error, &outcome);
        Some(Summary::of(&outcome))
    } else {
        None
    };
    Ok(ScenarioResult {
        id: scenario.id.to_owned(),
        title: scenario.title.clone(),
        kind: scenario.kind,
        closed,
        serial,
        open_rate,
        open,
        first_error,
    })
}
