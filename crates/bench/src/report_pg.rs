//! The PostgreSQL part of a run as `postgres.md` (issue 13): its targets against the SQLite
//! store measured in the same run, what one and two instances behind nginx reach on one
//! database, what each table and its indexes occupy, and the usual per-size tables.

use std::fmt::Write as _;

use crate::report::{
    Check, Report, SizeResult, count, exponent, miss, ms, preamble, search_latency, size_label,
    sizes_sections, targets,
};
use crate::runner::ScenarioResult;
use crate::scenarios::Kind;

/// Instances behind nginx (`least_conn`) on one PostgreSQL database, at one data size.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Balanced {
    pub dialogs: usize,
    pub instances: usize,
    pub scenarios: Vec<ScenarioResult>,
}

impl Balanced {
    pub fn scenario(&self, id: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn errors(&self) -> u64 {
        self.scenarios.iter().map(ScenarioResult::errors).sum()
    }
}

fn largest(sizes: &[SizeResult]) -> Option<&SizeResult> {
    sizes.iter().max_by_key(|s| s.generation.dialogs)
}

/// The p95 a search is judged on: the worse of one connection and the fixed rate.
fn judged_p95(result: &ScenarioResult) -> f64 {
    let single = result.serial.map_or(result.closed.p95_ms, |s| s.p95_ms);
    result.open.map_or(single, |o| o.p95_ms.max(single))
}

fn get_share(report: &Report, pg: &SizeResult) -> Option<Check> {
    let dialogs = pg.generation.dialogs;
    let get = pg.scenario("so-get")?;
    let at = format!("at {} dialogs", size_label(dialogs));
    let Some(sqlite) = report
        .sizes
        .iter()
        .find(|s| s.generation.dialogs == dialogs)
        .and_then(|s| s.scenario("so-get"))
    else {
        return Some(Check {
            target: "Service-owner GET on PostgreSQL: ≥ 50% of SQLite's throughput in the same run"
                .into(),
            measured: format!(
                "{} rps {at}; SQLite not measured in this run (`--store sqlite,postgres`)",
                count(get.closed.rps)
            ),
            met: None,
        });
    };
    let share = get.closed.rps / sqlite.closed.rps.max(1e-9);
    let met = share >= 0.5;
    Some(Check {
        target: "Service-owner GET on PostgreSQL: ≥ 50% of SQLite's throughput in the same run"
            .into(),
        measured: format!(
            "{} rps = {:.0}% of SQLite's {} rps {at}; {}",
            count(get.closed.rps),
            share * 100.0,
            count(sqlite.closed.rps),
            miss(met, share * 100.0, 50.0, true, "percentage points")
        ),
        met: Some(met),
    })
}

fn search_checks(pg: &SizeResult, out: &mut Vec<Check>) {
    let at = format!("at {} dialogs", size_label(pg.generation.dialogs));
    for (id, limit, name) in [
        (
            "eu-search-200",
            50.0,
            "End-user search, person with 200 parties",
        ),
        ("so-search-party", 20.0, "Service-owner search by party"),
        (
            "so-search-text",
            30.0,
            "Free text, service owner for an end user",
        ),
        ("eu-search-text", 30.0, "Free text, end user"),
    ] {
        let Some(result) = pg.scenario(id) else {
            continue;
        };
        let p95 = judged_p95(result);
        let met = p95 < limit && result.errors() == 0;
        out.push(Check {
            target: format!("{name}: p95 < {limit:.0} ms {at}"),
            measured: format!(
                "p95 {} ms with one connection, {} ms at a fixed {} rps; {}",
                ms(result.serial.map_or(result.closed.p95_ms, |s| s.p95_ms)),
                result.open.map_or("—".into(), |o| ms(o.p95_ms)),
                count(result.open_rate),
                miss(met, p95, limit, false, "ms")
            ),
            met: Some(met),
        });
    }
}

fn growth_check(sizes: &[SizeResult]) -> Option<Check> {
    let small = sizes.iter().min_by_key(|s| s.generation.dialogs)?;
    let large = largest(sizes)?;
    if small.generation.dialogs == large.generation.dialogs {
        return None;
    }
    let worst = large
        .scenarios
        .iter()
        .filter(|s| s.kind == Kind::Search)
        .filter_map(|r| {
            let e = exponent(
                (
                    small.generation.dialogs,
                    search_latency(small.scenario(&r.id)?).p50_ms,
                ),
                (large.generation.dialogs, search_latency(r).p50_ms),
            )?;
            Some((r.id.clone(), e))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    Some(Check {
        target: format!(
            "Search latency grows sub-linearly from {} to {} dialogs",
            size_label(small.generation.dialogs),
            size_label(large.generation.dialogs)
        ),
        measured: format!(
            "largest growth exponent of p50 (one connection): {:.2} ({}; 1 = linear)",
            worst.1, worst.0
        ),
        met: Some(worst.1 < 1.0),
    })
}

fn balanced_check(report: &Report) -> Option<Check> {
    let one = report.balanced.iter().find(|b| b.instances == 1)?;
    let many = report.balanced.iter().max_by_key(|b| b.instances)?;
    let errors: u64 = report.balanced.iter().map(Balanced::errors).sum();
    let rps = |b: &Balanced, id: &str| b.scenario(id).map_or(0.0, |s| s.closed.rps);
    Some(Check {
        target: format!(
            "{} instances behind nginx on one database: zero errors",
            many.instances
        ),
        measured: format!(
            "{errors} errors; service-owner GET {} rps with one instance, {} with {}; create {} / {} per second",
            count(rps(one, "so-get")),
            count(rps(many, "so-get")),
            many.instances,
            count(rps(one, "so-create")),
            count(rps(many, "so-create")),
        ),
        met: Some(errors == 0),
    })
}

/// The targets of issue 13 over the PostgreSQL sizes of `report`.
pub fn checks(report: &Report) -> Vec<Check> {
    let mut out = Vec::new();
    let Some(pg) = largest(&report.postgres) else {
        return out;
    };
    out.extend(get_share(report, pg));
    if let Some(create) = pg.scenario("so-create") {
        let met = create.closed.rps >= 1000.0 && create.errors() == 0;
        out.push(Check {
            target: "Create dialog on PostgreSQL: ≥ 1 000 per second".into(),
            measured: format!(
                "{} per second at {} dialogs; {}",
                count(create.closed.rps),
                size_label(pg.generation.dialogs),
                miss(met, create.closed.rps, 1000.0, true, "per second")
            ),
            met: Some(met),
        });
    }
    search_checks(pg, &mut out);
    out.extend(growth_check(&report.postgres));
    out.extend(balanced_check(report));
    out
}

fn balanced_section(md: &mut String, report: &Report) {
    let Some(first) = report.balanced.first() else {
        return;
    };
    let _ = writeln!(
        md,
        "\n## Instances behind nginx ({} dialogs on one database)\n",
        count(first.dialogs as f64)
    );
    let _ = writeln!(
        md,
        "Debian's nginx with `least_conn` and keep-alive to the upstreams, on the same two CPUs as \
         the instances, PostgreSQL and the load generator; the same proxy hop with one upstream and \
         with two, so the difference is the second instance. Closed loop, {} connections.\n",
        report.settings.connections
    );
    let _ = writeln!(
        md,
        "| Scenario | instances | rps | p50 | p95 | p99 | errors |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for result in &first.scenarios {
        for balanced in &report.balanced {
            if let Some(r) = balanced.scenario(&result.id) {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    r.title,
                    balanced.instances,
                    count(r.closed.rps),
                    ms(r.closed.p50_ms),
                    ms(r.closed.p95_ms),
                    ms(r.closed.p99_ms),
                    r.errors()
                );
            }
        }
    }
}

fn relations_section(md: &mut String, sizes: &[SizeResult]) {
    let _ = writeln!(md, "\n## What the data occupies\n");
    let _ = writeln!(
        md,
        "After `VACUUM ANALYZE`, per table: heap with TOAST / its indexes, in MB, and bytes per dialog \
         (table and indexes).\n"
    );
    let Some(large) = largest(sizes) else {
        return;
    };
    let mut header = String::from("| Table |");
    let mut rule = String::from("|---|");
    for size in sizes {
        let _ = write!(header, " {} |", size_label(size.generation.dialogs));
        rule.push_str("---:|");
    }
    let _ = writeln!(
        md,
        "{header} bytes per dialog at {} |\n{rule}---:|",
        size_label(large.generation.dialogs)
    );
    let mb = |b: u64| format!("{:.1}", b as f64 / 1e6);
    for relation in &large.generation.relations {
        let mut row = format!("| `{}` |", relation.table);
        for size in sizes {
            match size
                .generation
                .relations
                .iter()
                .find(|r| r.table == relation.table)
            {
                Some(r) => {
                    let _ = write!(row, " {} / {} |", mb(r.table_bytes), mb(r.index_bytes));
                }
                None => row.push_str(" — |"),
            }
        }
        let per = (relation.table_bytes + relation.index_bytes) as f64
            / large.generation.dialogs.max(1) as f64;
        let _ = writeln!(row, " {per:.0} |");
        md.push_str(&row);
    }
    let mut row = String::from("| whole database |");
    for size in sizes {
        let _ = write!(row, " {} |", mb(size.generation.bytes));
    }
    let _ = writeln!(
        row,
        " {:.0} |",
        large.generation.bytes as f64 / large.generation.dialogs.max(1) as f64
    );
    md.push_str(&row);
}

/// `postgres.md`: the PostgreSQL sizes, the instances behind nginx and the targets of issue 13.
pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    preamble(&mut md, report, "Benchmark report: PostgreSQL");
    let _ = writeln!(
        md,
        "The server runs with `--database-url` on a fresh database per size (the machine's \
         PostgreSQL, on the same two CPUs); data generated into it by `COPY`. The SQLite figures of \
         the same run are in [report.md](report.md).\n"
    );
    let _ = writeln!(md, "## Targets of issue 13\n");
    targets(&mut md, &checks(report));
    balanced_section(&mut md, report);
    relations_section(&mut md, &report.postgres);
    sizes_sections(&mut md, report, &report.postgres, "postgres-scaling.svg");
    md
}
