//! Smoke test of the load harness (what `.ci/run` exercises): every scenario of `bench/run`
//! answers as expected against 200 generated dialogs, a handful of requests per phase, and the
//! report and plot render. No timing is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dialogporten::generate::GenerateOptions;
use dp_bench::report::{Machine, Report, SizeResult, markdown, svg};
use dp_bench::runner::Settings;
use dp_bench::setup::{self, Fixture};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_against_generated_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = GenerateOptions {
        dialogs: 200,
        parties: 50,
        service_owners: 2,
        seed: 6,
    };
    let (generation, document) =
        setup::generate(&setup::Backing::sqlite(dir.path()), &options, false)
            .await
            .expect("generated");
    assert_eq!(generation.dialogs, 200);
    let (target, server) = setup::serve_in_process(
        &setup::Backing::sqlite(dir.path()),
        "127.0.0.1:0".parse().unwrap(),
        None,
    )
    .await
    .expect("server");
    let fixture = Fixture::load(&target, dir.path(), &document)
        .await
        .expect("fixture");
    let wanted: Vec<usize> = fixture.personas.iter().map(|(p, _)| p.wanted).collect();
    assert_eq!(wanted, [1, 20, 200]);
    assert_eq!(
        fixture.personas[0].0.roles, 0,
        "the one-party person acts only for themselves"
    );
    assert_eq!(fixture.personas[0].0.parties, Some(1));

    let settings = Settings {
        connections: 2,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(10),
        serial: Duration::from_secs(10),
        open_fraction: 0.5,
        max_requests: Some(5),
        grant_pool: 5,
    };
    let (results, baseline_end) =
        dp_bench::run_all(&target, &fixture, &settings, true, 1, &[], false)
            .await
            .expect("scenarios");
    for result in &results {
        assert_eq!(
            result.errors(),
            0,
            "{}: {}",
            result.id,
            result.first_error.as_deref().unwrap_or_default()
        );
        assert_eq!(result.closed.requests, 5, "{}", result.id);
        assert!(result.open.is_some_and(|o| o.requests > 0), "{}", result.id);
    }
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    let mut expected = vec![
        "health",
        "so-get",
        "eu-get",
        "so-search-party",
        "so-search-text",
        "eu-search-1",
        "eu-search-20",
        "eu-search-200",
        "eu-search-text",
        "so-create",
        "so-patch",
        "token-testtools",
    ];
    if fixture.grant.is_some() {
        expected.push("token-maskinporten");
    }
    assert_eq!(ids, expected);
    assert!(
        results
            .iter()
            .filter(|r| r.id.contains("search"))
            .all(|r| r.serial.is_some())
    );

    // The report and the plot render from these results (two sizes, for the scaling parts).
    let size = SizeResult {
        generation,
        startup_seconds: 0.0,
        rss_start_kib: 0,
        rss_end_kib: 0,
        peak_rss_kib: 0,
        personas: fixture.personas.iter().map(|(p, _)| p.clone()).collect(),
        busy_start: Vec::new(),
        busy_end: Vec::new(),
        scenarios: results,
        baseline_end,
    };
    let mut larger = size.clone();
    larger.generation.dialogs = 2_000;
    let report = Report {
        date: "today".into(),
        commit: "test".into(),
        machine: Machine::detect(),
        settings,
        client_threads: 2,
        server: "in-process".into(),
        idle_rss_kib: Some(1024),
        sizes: vec![size.clone(), larger.clone()],
        postgres: Vec::new(),
        balanced: Vec::new(),
    };
    let text = markdown(&report);
    assert!(text.contains("## Targets of issue 6"), "{text}");
    assert!(text.contains("## Scaling of the searches"), "{text}");
    let plot = svg(&report);
    assert!(plot.starts_with("<svg") && plot.trim_end().ends_with("</svg>"));
    assert!(plot.contains("<polyline"));
    server.abort();
}
