//! The run's results as JSON, as `report.md` (tables and the targets of issue 6) and as
//! `scaling.svg` (search latency against data size, drawn by hand).

use std::fmt::Write as _;

use crate::load::Summary;
use crate::runner::{ScenarioResult, Settings};
use crate::scenarios::Kind;
use crate::setup::{Generation, Persona};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    pub cpus: usize,
    pub model: String,
    pub memory_mib: u64,
    pub kernel: String,
}

impl Machine {
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map_or_else(|| "unknown".to_owned(), |m| m.trim().to_owned());
        let memory_mib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .map_or(0, |kib| kib / 1024);
        Self {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            model,
            memory_mib,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|k| k.trim().to_owned())
                .unwrap_or_default(),
        }
    }
}

/// One data size: its generation, the server's memory and every scenario.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SizeResult {
    pub generation: Generation,
    pub startup_seconds: f64,
    pub rss_start_kib: u64,
    pub rss_end_kib: u64,
    pub peak_rss_kib: u64,
    pub personas: Vec<Persona>,
    /// Compilers and cargo processes seen when the size started and ended.
    pub busy_start: Vec<String>,
    pub busy_end: Vec<String>,
    pub scenarios: Vec<ScenarioResult>,
    /// `/health` again after the scenarios: the baseline's drift.
    pub baseline_end: Option<Summary>,
}

impl SizeResult {
    pub fn scenario(&self, id: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn baseline_rps(&self) -> f64 {
        self.scenario("health").map_or(0.0, |s| s.closed.rps)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub date: String,
    pub commit: String,
    pub machine: Machine,
    pub settings: Settings,
    pub client_threads: usize,
    pub server: String,
    /// RSS of the server just started on an empty data directory.
    pub idle_rss_kib: Option<u64>,
    /// The sizes on the SQLite store (issue 6).
    pub sizes: Vec<SizeResult>,
    /// The same sizes on PostgreSQL (issue 13), when the run measured it.
    #[serde(default)]
    pub postgres: Vec<SizeResult>,
    /// Instances behind nginx on one PostgreSQL database: one, then two.
    #[serde(default)]
    pub balanced: Vec<crate::report_pg::Balanced>,
}

pub fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

pub fn count(n: f64) -> String {
    let n = n.round() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

pub(crate) fn mib(kib: u64) -> String {
    format!("{:.0} MB", kib as f64 / 1024.0)
}

pub(crate) fn size_label(dialogs: usize) -> String {
    match dialogs {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// One target of issue 6 and how it fared.
#[derive(Debug, Clone)]
pub struct Check {
    pub target: String,
    pub measured: String,
    /// `None`: not measured in this run.
    pub met: Option<bool>,
}

pub(crate) fn miss(
    met: bool,
    measured: f64,
    limit: f64,
    higher_is_better: bool,
    unit: &str,
) -> String {
    if met {
        let margin = if higher_is_better {
            measured / limit
        } else {
            limit / measured.max(1e-9)
        };
        format!("met, {margin:.1}× inside")
    } else if higher_is_better {
        format!(
            "missed by {} {unit} ({:.0}% short)",
            ms(limit - measured),
            (1.0 - measured / limit) * 100.0
        )
    } else {
        format!(
            "missed by {} {unit} ({:.1}× the limit)",
            ms(measured - limit),
            measured / limit
        )
    }
}

/// Growth exponent of `value` between two data sizes: 1 is linear, 0 flat.
pub fn exponent(small: (usize, f64), large: (usize, f64)) -> Option<f64> {
    if small.0 == large.0 || small.1 <= 0.0 || large.1 <= 0.0 {
        return None;
    }
    Some((large.1 / small.1).ln() / (large.0 as f64 / small.0 as f64).ln())
}

/// The latency a search's scaling is judged on: one connection when measured, else closed.
pub(crate) fn search_latency(result: &ScenarioResult) -> Summary {
    result.serial.unwrap_or(result.closed)
}

pub fn checks(report: &Report) -> Vec<Check> {
    let mut out = Vec::new();
    let sizes = &report.sizes;
    let Some(largest) = sizes.iter().max_by_key(|s| s.generation.dialogs) else {
        return out;
    };
    let at = format!("at {} dialogs", size_label(largest.generation.dialogs));
    let health = largest.baseline_rps();
    if let Some(get) = largest.scenario("so-get") {
        let share = if health > 0.0 {
            get.closed.rps / health
        } else {
            0.0
        };
        let met = share >= 0.25;
        out.push(Check {
            target: "Authenticated GET: ≥ 25% of the bare endpoint's throughput".into(),
            measured: format!(
                "{} rps = {:.0}% of /health's {} rps {at}; {}",
                count(get.closed.rps),
                share * 100.0,
                count(health),
                if met {
                    format!("met, {:.1}× the target share", share / 0.25)
                } else {
                    format!(
                        "missed: {:.0} percentage points short",
                        (0.25 - share) * 100.0
                    )
                }
            ),
            met: Some(met),
        });
        if let Some(open) = get.open {
            let met = open.p99_ms < 10.0 && open.errors == 0;
            out.push(Check {
                target: "Authenticated GET: p99 < 10 ms at half its throughput".into(),
                measured: format!(
                    "p99 {} ms at {} rps {at}; {}",
                    ms(open.p99_ms),
                    count(get.open_rate),
                    miss(met, open.p99_ms, 10.0, false, "ms")
                ),
                met: Some(met),
            });
        }
    }
    if let Some(create) = largest.scenario("so-create") {
        let met = create.closed.rps >= 1500.0;
        out.push(Check {
            target: "Create dialog: ≥ 1 500 per second".into(),
            measured: format!(
                "{} per second {at}; {}",
                count(create.closed.rps),
                miss(met, create.closed.rps, 1500.0, true, "per second")
            ),
            met: Some(met),
        });
        if let Some(open) = create.open {
            let met = open.p99_ms < 50.0 && open.errors == 0;
            out.push(Check {
                target: "Create dialog: p99 < 50 ms at half of that rate".into(),
                measured: format!(
                    "p99 {} ms at {} per second {at}; {}",
                    ms(open.p99_ms),
                    count(create.open_rate),
                    miss(met, open.p99_ms, 50.0, false, "ms")
                ),
                met: Some(met),
            });
        }
    }
    for (id, limit, name) in [
        (
            "eu-search-200",
            50.0,
            "End-user search, person with 200 parties",
        ),
        ("so-search-party", 20.0, "Service-owner search by party"),
    ] {
        if let Some(result) = largest.scenario(id) {
            let loaded = result.open.unwrap_or(result.closed);
            let single = search_latency(result);
            let met = loaded.p95_ms < limit && single.p95_ms < limit;
            out.push(Check {
                target: format!("{name}: p95 < {limit:.0} ms {at}"),
                measured: format!(
                    "p95 {} ms with one connection, {} ms at a fixed {} rps (half its throughput); {}",
                    ms(single.p95_ms),
                    ms(loaded.p95_ms),
                    count(result.open_rate),
                    miss(met, loaded.p95_ms.max(single.p95_ms), limit, false, "ms")
                ),
                met: Some(met),
            });
        }
    }
    if let Some(smallest) = sizes.iter().min_by_key(|s| s.generation.dialogs)
        && smallest.generation.dialogs < largest.generation.dialogs
    {
        let mut worst: Option<(String, f64)> = None;
        for result in largest.scenarios.iter().filter(|s| s.kind == Kind::Search) {
            let Some(small) = smallest.scenario(&result.id) else {
                continue;
            };
            if let Some(e) = exponent(
                (smallest.generation.dialogs, search_latency(small).p50_ms),
                (largest.generation.dialogs, search_latency(result).p50_ms),
            ) && worst.as_ref().is_none_or(|(_, w)| e > *w)
            {
                worst = Some((result.id.clone(), e));
            }
        }
        if let Some((id, e)) = worst {
            out.push(Check {
                target: "Search latency grows sub-linearly with data size".into(),
                measured: format!(
                    "largest growth exponent of p50 (one connection) from {} to {} dialogs: {e:.2} ({id}; 1 = linear)",
                    size_label(smallest.generation.dialogs),
                    size_label(largest.generation.dialogs)
                ),
                met: Some(e < 1.0),
            });
        }
    }
    match report
        .sizes
        .iter()
        .find(|s| s.generation.dialogs >= 1_000_000)
    {
        Some(size) => {
            let minutes = size.generation.seconds / 60.0;
            let met = minutes < 10.0;
            out.push(Check {
                target: "Generator: 1 000 000 dialogs in < 10 minutes".into(),
                measured: format!(
                    "{minutes:.1} minutes for {} dialogs ({} per second); {}",
                    count(size.generation.dialogs as f64),
                    count(size.generation.dialogs as f64 / size.generation.seconds),
                    miss(met, minutes, 10.0, false, "minutes")
                ),
                met: Some(met),
            });
            let met = size.peak_rss_kib < 300 * 1024;
            out.push(Check {
                target: "Memory at 1 000 000 dialogs < 300 MB".into(),
                measured: format!(
                    "{} after start, peak {} under load; {}",
                    mib(size.rss_start_kib),
                    mib(size.peak_rss_kib),
                    miss(met, size.peak_rss_kib as f64 / 1024.0, 300.0, false, "MB")
                ),
                met: Some(met),
            });
        }
        None => out.push(Check {
            target: "Generator and memory at 1 000 000 dialogs".into(),
            measured: "not measured in this run".into(),
            met: None,
        }),
    }
    if let Some(idle) = report.idle_rss_kib {
        let met = idle < 50 * 1024;
        out.push(Check {
            target: "Idle memory < 50 MB".into(),
            measured: format!(
                "{} just after start on an empty data directory; {}",
                mib(idle),
                miss(met, idle as f64 / 1024.0, 50.0, false, "MB")
            ),
            met: Some(met),
        });
    }
    out
}

pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    preamble(&mut md, report, "Benchmark report");
    if !report.sizes.is_empty() {
        let _ = writeln!(md, "## Targets of issue 6\n");
        targets(&mut md, &checks(report));
        sizes_sections(&mut md, report, &report.sizes, "scaling.svg");
    }
    if !report.postgres.is_empty() {
        let _ = writeln!(
            md,
            "\nThe same sizes on PostgreSQL, and instances behind nginx: [postgres.md](postgres.md)."
        );
    }
    md
}

/// The targets table.
pub(crate) fn targets(md: &mut String, checks: &[Check]) {
    let _ = writeln!(md, "| Target | Measured | Met |\n|---|---|---|");
    for check in checks {
        let met = match check.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        let _ = writeln!(md, "| {} | {} | {met} |", check.target, check.measured);
    }
}

/// The run's preamble: where, on what and how each scenario was measured.
pub(crate) fn preamble(md: &mut String, report: &Report, title: &str) {
    let s = &report.settings;
    let _ = writeln!(md, "# {title}\n");
    let _ = writeln!(
        md,
        "Written by `bench/run` on {}, commit `{}`. Server: {}.\n",
        report.date, report.commit, report.server
    );
    let _ = writeln!(
        md,
        "Machine: {} CPUs ({}), {} MiB memory, Linux {}. The load generator runs on the same machine \
         ({} client thread{}, HTTP/1.1 keep-alive connections).\n",
        report.machine.cpus,
        report.machine.model,
        report.machine.memory_mib,
        report.machine.kernel,
        report.client_threads,
        if report.client_threads == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        md,
        "Each scenario: {} s closed loop with {} connections after {} s warm-up (throughput and \
         latency at a fixed concurrency); searches also {} s with one connection (latency without \
         contention, as Dialogporten's k6 thresholds are measured); then {} s open loop at {:.0}% of \
         the closed-loop throughput, latency timed from each request's scheduled start (latency at a \
         fixed rate). `× /health` is the scenario's closed-loop throughput as a share of the bare \
         endpoint's in the same run. Token scenarios run at the first size only.\n",
        s.duration.as_secs_f64(),
        s.connections,
        s.warmup.as_secs_f64(),
        s.serial.as_secs_f64(),
        s.duration.as_secs_f64(),
        s.open_fraction * 100.0
    );
}

/// Data and memory, each size's scenarios and the scaling of the searches over `sizes`.
pub(crate) fn sizes_sections(md: &mut String, report: &Report, sizes: &[SizeResult], plot: &str) {
    let s = &report.settings;
    let _ = writeln!(md, "\n## Data and memory\n");
    let _ = writeln!(
        md,
        "| Dialogs | Parties | Persons | Generated in | Rate | Store on disk | Server start | RSS after start | Peak RSS | Other compilers running (start / end) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for size in sizes {
        let g = &size.generation;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.1} s | {}/s | {:.0} MB | {:.1} s | {} | {} | {} / {} |",
            count(g.dialogs as f64),
            count(g.parties as f64),
            count(g.persons as f64),
            g.seconds,
            count(g.dialogs as f64 / g.seconds.max(1e-9)),
            g.bytes as f64 / 1e6,
            size.startup_seconds,
            mib(size.rss_start_kib),
            mib(size.peak_rss_kib),
            size.busy_start.len(),
            size.busy_end.len()
        );
    }
    if let Some(idle) = report.idle_rss_kib {
        let _ = writeln!(
            md,
            "\nIdle server (empty data directory, demo registry): RSS {}.",
            mib(idle)
        );
    }

    for size in sizes {
        let health = size.baseline_rps();
        let _ = writeln!(
            md,
            "\n## {} dialogs\n",
            count(size.generation.dialogs as f64)
        );
        let personas: Vec<String> = size
            .personas
            .iter()
            .map(|p| {
                format!(
                    "{}-party person: {} roles, {} parties listed by `/enduser/parties`, {} dialogs on the first page",
                    p.wanted,
                    p.roles,
                    p.parties.map_or("?".into(), |n| n.to_string()),
                    p.first_page.map_or("?".into(), |n| n.to_string())
                )
            })
            .collect();
        let _ = writeln!(md, "Personas: {}.\n", personas.join("; "));
        let _ = writeln!(
            md,
            "| Scenario | rps ({} conn) | × /health | p50 | p95 | p99 | 1 conn p50 / p95 | fixed rate | p50 | p95 | p99 | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            s.connections
        );
        for r in &size.scenarios {
            let c = r.closed;
            let serial = r.serial.map_or("—".into(), |v| {
                format!("{} / {}", ms(v.p50_ms), ms(v.p95_ms))
            });
            let (o50, o95, o99) = r.open.map_or(("—".into(), "—".into(), "—".into()), |o| {
                (ms(o.p50_ms), ms(o.p95_ms), ms(o.p99_ms))
            });
            let _ = writeln!(
                md,
                "| {} | {} | {:.1}% | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.title,
                count(c.rps),
                if health > 0.0 {
                    c.rps / health * 100.0
                } else {
                    0.0
                },
                ms(c.p50_ms),
                ms(c.p95_ms),
                ms(c.p99_ms),
                serial,
                count(r.open_rate),
                o50,
                o95,
                o99,
                r.errors()
            );
        }
        if let Some(end) = size.baseline_end {
            let _ = writeln!(
                md,
                "\nLatencies in ms. `/health` again after the scenarios: {} rps (drift {:+.0}%).",
                count(end.rps),
                if health > 0.0 {
                    (end.rps / health - 1.0) * 100.0
                } else {
                    0.0
                }
            );
        }
        for r in size.scenarios.iter().filter(|r| r.first_error.is_some()) {
            let _ = writeln!(
                md,
                "\n`{}` first error: {}",
                r.id,
                r.first_error.as_deref().unwrap_or_default()
            );
        }
    }

    if sizes.len() > 1 {
        let _ = writeln!(md, "\n## Scaling of the searches\n");
        let _ = writeln!(
            md,
            "p50 / p95 in ms with one connection; the exponent is the growth of p50 from the \
             smallest to the largest size (1 = linear in the number of dialogs, 0 = flat).\n"
        );
        let mut header = String::from("| Search |");
        let mut rule = String::from("|---|");
        for size in sizes {
            let _ = write!(header, " {} |", size_label(size.generation.dialogs));
            rule.push_str("---:|");
        }
        let _ = writeln!(md, "{header} exponent |\n{rule}---:|");
        let first = &sizes[0];
        let last = &sizes[sizes.len() - 1];
        for r in first.scenarios.iter().filter(|r| r.kind == Kind::Search) {
            let mut row = format!("| {} |", r.title);
            for size in sizes {
                match size.scenario(&r.id) {
                    Some(x) => {
                        let l = search_latency(x);
                        let _ = write!(row, " {} / {} |", ms(l.p50_ms), ms(l.p95_ms));
                    }
                    None => row.push_str(" — |"),
                }
            }
            let e = last.scenario(&r.id).and_then(|l| {
                exponent(
                    (first.generation.dialogs, search_latency(r).p50_ms),
                    (last.generation.dialogs, search_latency(l).p50_ms),
                )
            });
            let _ = writeln!(row, " {} |", e.map_or("—".into(), |e| format!("{e:.2}")));
            md.push_str(&row);
        }
        let _ = writeln!(md, "\n![Search latency against data size]({plot})");
    }
}

const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A plotted search: id, title and (dialogs, p50, p95) points.
type Series = (String, String, Vec<(usize, f64, f64)>);

/// Search latency (p95 and p50 with one connection) against the number of dialogs, log-log.
pub fn svg(report: &Report) -> String {
    svg_of(&report.sizes)
}

/// The plot of `sizes`.
pub fn svg_of(sizes_measured: &[SizeResult]) -> String {
    let (width, height) = (820.0_f64, 480.0_f64);
    let (left, right, top, bottom) = (70.0, 250.0, 40.0, 60.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let sizes: Vec<usize> = sizes_measured
        .iter()
        .map(|s| s.generation.dialogs)
        .collect();
    let mut series: Vec<Series> = Vec::new();
    if let Some(first) = sizes_measured.first() {
        for r in first.scenarios.iter().filter(|r| r.kind == Kind::Search) {
            let points: Vec<(usize, f64, f64)> = sizes_measured
                .iter()
                .filter_map(|size| {
                    size.scenario(&r.id).map(|x| {
                        let l = search_latency(x);
                        (size.generation.dialogs, l.p50_ms, l.p95_ms)
                    })
                })
                .collect();
            series.push((r.id.clone(), r.title.clone(), points));
        }
    }
    let values: Vec<f64> = series
        .iter()
        .flat_map(|(_, _, p)| p.iter().flat_map(|&(_, a, b)| [a, b]))
        .filter(|v| *v > 0.0)
        .chain([20.0, 50.0])
        .collect();
    let min_y = values.iter().copied().fold(f64::MAX, f64::min).max(0.01);
    let max_y = values.iter().copied().fold(0.0, f64::max).max(min_y * 10.0);
    let (y0, y1) = (
        10f64.powf(min_y.log10().floor()),
        10f64.powf(max_y.log10().ceil()),
    );
    let (x0, x1) = match (sizes.iter().min(), sizes.iter().max()) {
        (Some(&a), Some(&b)) if b > a => (a as f64 / 1.5, b as f64 * 1.5),
        (Some(&a), _) => (a as f64 / 3.0, a as f64 * 3.0),
        _ => (1.0, 10.0),
    };
    let x = |v: f64| left + (v.ln() - x0.ln()) / (x1.ln() - x0.ln()) * plot_w;
    let y = |v: f64| top + plot_h - (v.max(y0).ln() - y0.ln()) / (y1.ln() - y0.ln()) * plot_h;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{}" y="22" font-size="15" font-weight="bold">Search latency against data size (one connection; p95 solid, p50 dashed)</text>"#,
        left
    );
    // Grid and axes.
    let mut tick = y0;
    while tick <= y1 * 1.0001 {
        for m in [1.0, 2.0, 5.0] {
            let v = tick * m;
            if v > y1 * 1.0001 {
                break;
            }
            let _ = writeln!(
                out,
                r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="{}" /><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                left + plot_w,
                if m == 1.0 { "#ccc" } else { "#eee" },
                left - 6.0,
                y(v) + 4.0,
                ms(v).trim_end_matches(".00"),
                yy = y(v)
            );
        }
        tick *= 10.0;
    }
    for &size in &sizes {
        let xx = x(size as f64);
        let _ = writeln!(
            out,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{top}" y2="{}" stroke="#ddd"/><text x="{xx:.1}" y="{}" text-anchor="middle">{}</text>"##,
            top + plot_h,
            top + plot_h + 18.0,
            size_label(size)
        );
    }
    let _ = writeln!(
        out,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">dialogs in the store (log scale)</text>"#,
        left + plot_w / 2.0,
        height - 18.0
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle">latency, ms (log scale)</text>"#,
        top + plot_h / 2.0
    );
    // Targets.
    for (limit, label) in [
        (50.0, "target: end-user search p95 50 ms"),
        (20.0, "target: service-owner search p95 20 ms"),
    ] {
        if limit >= y0 && limit <= y1 {
            let _ = writeln!(
                out,
                r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#e33" stroke-dasharray="2 4"/><text x="{}" y="{:.1}" fill="#c22" font-size="10">{label}</text>"##,
                left + plot_w,
                left + 4.0,
                y(limit) - 3.0,
                yy = y(limit)
            );
        }
    }
    // A linear-growth guide from the slowest series' first point.
    if let Some((_, _, points)) = series.iter().max_by(|a, b| {
        let fa = a.2.first().map_or(0.0, |p| p.2);
        let fb = b.2.first().map_or(0.0, |p| p.2);
        fa.total_cmp(&fb)
    }) && let (Some(first), Some(&last_size)) = (points.first(), sizes.iter().max())
        && last_size > first.0
    {
        let end = first.2 * last_size as f64 / first.0 as f64;
        let _ = writeln!(
            out,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" fill="#777" font-size="10" text-anchor="end">linear growth</text>"##,
            x(first.0 as f64),
            y(first.2),
            x(last_size as f64),
            y(end.min(y1)),
            x(last_size as f64) - 4.0,
            y(end.min(y1)) + 12.0
        );
    }
    for (index, (_, title, points)) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        for (dash, pick) in [("", 2usize), (r#" stroke-dasharray="5 3""#, 1)] {
            let path: Vec<String> = points
                .iter()
                .map(|p| {
                    let v = if pick == 2 { p.2 } else { p.1 };
                    format!("{:.1},{:.1}", x(p.0 as f64), y(v))
                })
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
                path.join(" ")
            );
        }
        for p in points {
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                x(p.0 as f64),
                y(p.2)
            );
        }
        let ly = top + 14.0 + index as f64 * 34.0;
        let lx = left + plot_w + 14.0;
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"/>"#,
            lx + 18.0
        );
        let mut lines = vec![String::new()];
        for word in title.split(' ') {
            let current = lines.last_mut().map_or(0, |l| l.len());
            if current + word.len() > 34 {
                lines.push(String::new());
            }
            if let Some(line) = lines.last_mut() {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
        }
        for (n, line) in lines.iter().take(2).enumerate() {
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{:.1}" font-size="10">{}</text>"#,
                lx + 22.0,
                ly + 4.0 + n as f64 * 12.0,
                escape(line)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}
