//! Benchmarks of issue 6: a load harness that generates data, starts the server, runs every
//! scenario at a fixed concurrency, with one connection and at a fixed rate, and writes a
//! report and a scaling plot (`bench/run`); its smoke test; and micro-benchmarks
//! (`cargo bench -p dp-bench`).

pub mod balancer;
pub mod load;
pub mod postgres;
pub mod report;
pub mod report_pg;
pub mod runner;
pub mod scenarios;
pub mod setup;
pub mod suite;

use load::{Mode, Summary, Target, run};
use runner::{ScenarioResult, Settings, run_scenario};
use scenarios::{Kind, Scenario};
use setup::Fixture;

/// Runs every scenario of `fixture` (token scenarios only with `tokens`; with `only`, just
/// those and the baseline), then `/health` again.
/// Progress goes to stderr when `verbose`.
pub async fn run_all(
    target: &Target,
    fixture: &Fixture,
    settings: &Settings,
    tokens: bool,
    signing_threads: usize,
    only: &[String],
    verbose: bool,
) -> anyhow::Result<(Vec<ScenarioResult>, Option<Summary>)> {
    let list: Vec<Scenario> = scenarios::all(fixture, signing_threads)
        .into_iter()
        .filter(|s| tokens || s.kind != Kind::Token)
        .filter(|s| only.is_empty() || s.kind == Kind::Baseline || only.iter().any(|o| o == s.id))
        .collect();
    let mut results = Vec::with_capacity(list.len());
    for scenario in &list {
        let result = run_scenario(target, scenario, settings).await?;
        if verbose {
            eprintln!(
                "  {:<20} {:>8.0} rps  p50 {:>7} p99 {:>7} ms | 1 conn p95 {:>7} | at {:>6.0}/s p99 {:>7} ms{}",
                result.id,
                result.closed.rps,
                report::ms(result.closed.p50_ms),
                report::ms(result.closed.p99_ms),
                result.serial.map_or("-".into(), |s| report::ms(s.p95_ms)),
                result.open_rate,
                result.open.map_or("-".into(), |s| report::ms(s.p99_ms)),
                match result.errors() {
                    0 => String::new(),
                    n => format!(
                        "  {n} errors: {}",
                        result.first_error.as_deref().unwrap_or_default()
                    ),
                }
            );
        }
        results.push(result);
    }
    let baseline_end = match list.iter().find(|s| s.kind == Kind::Baseline) {
        Some(health) => {
            let outcome = run(
                target,
                health.make.clone(),
                health.expect,
                Mode::Closed {
                    connections: settings.connections,
                    warmup: settings.warmup,
                    duration: settings.duration,
                },
                settings.max_requests,
            )
            .await;
            Some(Summary::of(&outcome))
        }
        None => None,
    };
    Ok((results, baseline_end))
}
