//! The `dp-bench run` command end to end, as `bench/run` calls it but tiny: one small data size,
//! a fraction of a second per phase, the server as a child process (`dp-bench serve`). Checks
//! that the report, results and plot are written and name every scenario; no timing is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn run_writes_the_report_results_and_plot() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_dp-bench"))
        .args([
            "run",
            "--sizes",
            "300",
            "--parties",
            "40",
            "--service-owners",
            "2",
        ])
        .args([
            "--seconds",
            "0.2",
            "--warmup",
            "0",
            "--serial-seconds",
            "0.1",
        ])
        .args(["--connections", "2", "--grant-pool", "20"])
        .arg("--work-dir")
        .arg(work.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dp-bench run failed:\n{stderr}");

    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for expected in [
        "# Benchmark report",
        "## Targets of issue 6",
        "## Data and memory",
        "Service owner: create dialog",
        "End user: search, person with 200 parties",
        "Token: Maskinporten JWT grant",
    ] {
        assert!(
            report.contains(expected),
            "report.md has {expected}:\n{report}"
        );
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let size = &results["sizes"][0];
    assert_eq!(size["generation"]["dialogs"], 300);
    let scenarios = size["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 12, "{scenarios:?}");
    for scenario in scenarios {
        assert!(
            scenario["closed"]["requests"].as_u64().unwrap() > 0,
            "{} ran: {scenario}",
            scenario["id"]
        );
    }
    let plot = std::fs::read_to_string(out.join("scaling.svg")).unwrap();
    assert!(plot.starts_with("<svg"));
    // The generated data directories are temporary: nothing is left in the work directory
    // but the report folder.
    let left: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("out")]);
}

/// `--store sqlite,postgres` with two instances behind nginx: postgres.md judges PostgreSQL
/// against SQLite of the same run and reports one and two instances. Skipped (with a note)
/// without PostgreSQL or Debian's nginx; `.ci/run` has both.
#[test]
fn run_on_postgres_writes_its_report_with_instances_behind_nginx() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(url) = runtime.block_on(dp_store::postgres::scratch::database_url()) else {
        return;
    };
    if !dp_bench::balancer::available() {
        eprintln!(
            "note: skipped: no {} (Debian's nginx)",
            dp_bench::balancer::NGINX
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_dp-bench"))
        .args([
            "run",
            "--sizes",
            "200",
            "--parties",
            "40",
            "--service-owners",
            "2",
        ])
        .args([
            "--seconds",
            "0.2",
            "--warmup",
            "0",
            "--serial-seconds",
            "0.1",
        ])
        .args(["--connections", "2", "--grant-pool", "20"])
        .args(["--store", "sqlite,postgres", "--instances", "2"])
        .args(["--database-url", &url])
        .arg("--work-dir")
        .arg(work.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dp-bench run failed:\n{stderr}");
    let report = std::fs::read_to_string(out.join("postgres.md")).unwrap();
    for expected in [
        "# Benchmark report: PostgreSQL",
        "## Targets of issue 13",
        "% of SQLite's",
        "2 instances behind nginx on one database: zero errors",
        "## Instances behind nginx",
        "## What the data occupies",
        "`dialog_search`",
    ] {
        assert!(
            report.contains(expected),
            "postgres.md has {expected}:\n{report}"
        );
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["postgres"][0]["generation"]["dialogs"], 200);
    let balanced = results["balanced"].as_array().unwrap();
    assert_eq!(
        balanced
            .iter()
            .map(|b| b["instances"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2]
    );
    for phase in balanced {
        for scenario in phase["scenarios"].as_array().unwrap() {
            assert!(
                scenario["closed"]["requests"].as_u64().unwrap() > 0,
                "{scenario}"
            );
        }
    }
    assert!(
        std::fs::read_to_string(out.join("postgres-scaling.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    // The size's database is dropped afterwards.
    let left = runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .query_one(
                "select count(*) from pg_database where datname = 'dp_bench_200'",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
    });
    assert_eq!(left, 0);
}
