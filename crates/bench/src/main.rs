//! `dp-bench`: the load harness of issue 6 (`bench/run` calls `dp-bench run`).
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use dialogporten::generate::GenerateOptions;
use dp_bench::report::{Machine, Report, SizeResult};
use dp_bench::runner::Settings;
use dp_bench::setup::{self, Fixture, ServerCommand, ServerProcess};

#[derive(Parser)]
#[command(
    name = "dp-bench",
    about = "Load harness and data generator for Dialogporten benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Data {
    /// Parties (organisations; one person per ten parties).
    #[arg(long, default_value_t = 10_000)]
    parties: usize,
    /// Service owners (three resources each; at most 6 so every resource fits one end-user
    /// search, which takes 20 `serviceResource` values).
    #[arg(long, default_value_t = 5)]
    service_owners: usize,
    #[arg(long, default_value_t = 6)]
    seed: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Generate data, start the server per size, run every scenario, write the report and plot.
    Run {
        /// Data sizes (dialogs), comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<usize>,
        #[command(flatten)]
        data: Data,
        /// Seconds of each closed-loop and open-loop phase.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Seconds of warm-up before the closed-loop phase.
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        /// Seconds of the one-connection phase of searches (0: skip).
        #[arg(long, default_value_t = 3.0)]
        serial_seconds: f64,
        /// Connections of the closed-loop phase.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Open-loop rate as a fraction of the closed-loop throughput.
        #[arg(long, default_value_t = 0.5)]
        open_fraction: f64,
        /// Worker threads of the load generator's runtime.
        #[arg(long, default_value_t = 1)]
        client_threads: usize,
        /// JWT grants signed per phase at most (each is an RSA-2048 signature).
        #[arg(long, default_value_t = 3000)]
        grant_pool: usize,
        /// The server binary; without it (or when missing) this binary's `serve` is used.
        #[arg(long)]
        server_bin: Option<PathBuf>,
        /// Where the temporary data directories go.
        #[arg(long, default_value_os_t = std::env::temp_dir())]
        work_dir: PathBuf,
        /// Where report.md, scaling.svg and results.json go.
        #[arg(long, default_value = "bench")]
        out: PathBuf,
        /// Keep the generated data directories.
        #[arg(long)]
        keep_data: bool,
        /// Run only these scenarios (ids, comma-separated; `health` is always run).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Run scenarios against a server already running on a data directory (for profiling).
    Load {
        #[arg(long)]
        data_dir: PathBuf,
        /// Where the server listens.
        #[arg(long)]
        addr: std::net::SocketAddr,
        /// Only these scenarios (ids, comma-separated).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Skip the one-connection and fixed-rate phases.
        #[arg(long)]
        closed_only: bool,
    },
    /// Fill a data directory's store with generated data (what `dialogporten generate` does
    /// once it is wired in), then make the one-party persona.
    Generate {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        dialogs: usize,
        #[command(flatten)]
        data: Data,
    },
    /// Serve a data directory with `dialogporten::build` in this binary.
    Serve {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Rewrite report.md and scaling.svg from results.json.
    Render {
        #[arg(long, default_value = "bench")]
        out: PathBuf,
    },
}

fn shell(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn write_report(out: &Path, report: &Report) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(report)?,
    )?;
    std::fs::write(out.join("report.md"), dp_bench::report::markdown(report))?;
    std::fs::write(out.join("scaling.svg"), dp_bench::report::svg(report))?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            data_dir,
            dialogs,
            data,
        } => {
            let options = GenerateOptions {
                dialogs,
                parties: data.parties,
                service_owners: data.service_owners,
                seed: data.seed,
            };
            let (generation, _) = tokio::runtime::Runtime::new()?
                .block_on(setup::generate(&data_dir, &options, true))?;
            eprintln!(
                "{} dialogs in {:.1} s ({:.0}/s), store {:.0} MB",
                generation.dialogs,
                generation.seconds,
                generation.dialogs as f64 / generation.seconds,
                generation.bytes as f64 / 1e6
            );
            Ok(())
        }
        Command::Serve { data_dir, listen } => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let (target, handle) = setup::serve_in_process(&data_dir, listen).await?;
                eprintln!("serving {} on {}", data_dir.display(), target.base_url());
                handle.await?;
                Ok(())
            })
        }
        Command::Load {
            data_dir,
            addr,
            only,
            seconds,
            connections,
            closed_only,
        } => {
            let settings = Settings {
                connections,
                warmup: Duration::from_secs(1),
                duration: Duration::from_secs_f64(seconds),
                serial: if closed_only {
                    Duration::ZERO
                } else {
                    Duration::from_secs(3)
                },
                open_fraction: if closed_only { 0.0 } else { 0.5 },
                max_requests: None,
                grant_pool: 3000,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()?;
            let document = runtime.block_on(async {
                let store = dp_store::sqlite::open(&data_dir.join("dialogporten.db"))?;
                store.load_registry().await?.context("no registry stored")
            })?;
            runtime.block_on(async {
                let target = dp_bench::load::Target::new(addr);
                let fixture = Fixture::load(&target, &data_dir, &document).await?;
                dp_bench::run_all(&target, &fixture, &settings, true, 2, &only, true).await?;
                anyhow::Ok(())
            })
        }
        Command::Render { out } => {
            let text = std::fs::read_to_string(out.join("results.json"))?;
            let report: Report = serde_json::from_str(&text)?;
            write_report(&out, &report)
        }
        Command::Run {
            sizes,
            data,
            seconds,
            warmup,
            serial_seconds,
            connections,
            open_fraction,
            client_threads,
            grant_pool,
            server_bin,
            work_dir,
            out,
            keep_data,
            only,
        } => {
            let settings = Settings {
                connections,
                warmup: Duration::from_secs_f64(warmup),
                duration: Duration::from_secs_f64(seconds),
                serial: Duration::from_secs_f64(serial_seconds),
                open_fraction,
                max_requests: None,
                grant_pool,
            };
            let command = match server_bin {
                Some(bin) if bin.exists() => ServerCommand::Dialogporten(bin),
                _ => ServerCommand::SelfHosted(std::env::current_exe()?),
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(client_threads.max(1))
                .enable_all()
                .build()?;
            let dirty =
                !shell("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
            let mut report = Report {
                date: shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
                commit: format!(
                    "{}{}",
                    shell("git", &["rev-parse", "--short", "HEAD"]),
                    if dirty { " + uncommitted changes" } else { "" }
                ),
                machine: Machine::detect(),
                settings: settings.clone(),
                client_threads,
                server: match &command {
                    ServerCommand::Dialogporten(bin) => format!("`{}`", bin.display()),
                    ServerCommand::SelfHosted(_) => {
                        "`dp-bench serve` (dialogporten::build in the harness binary)".into()
                    }
                },
                idle_rss_kib: None,
                sizes: Vec::new(),
            };

            // Idle memory: a fresh data directory (demo registry), a second after start.
            let idle = tempfile::Builder::new()
                .prefix("dp-bench-idle-")
                .tempdir_in(&work_dir)?;
            report.idle_rss_kib = runtime.block_on(async {
                let server = ServerProcess::start(&command, idle.path()).await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
                let rss = server.memory_kib().map(|(rss, _)| rss);
                server.stop();
                anyhow::Ok(rss)
            })?;
            eprintln!(
                "idle server: RSS {:.1} MB",
                report.idle_rss_kib.unwrap_or(0) as f64 / 1024.0
            );
            drop(idle);

            for (index, &dialogs) in sizes.iter().enumerate() {
                let dir = tempfile::Builder::new()
                    .prefix("dp-bench-data-")
                    .tempdir_in(&work_dir)?;
                let options = GenerateOptions {
                    dialogs,
                    parties: data.parties,
                    service_owners: data.service_owners,
                    seed: data.seed,
                };
                eprintln!(
                    "generating {dialogs} dialogs, {} parties, {} service owners into {}",
                    options.parties,
                    options.service_owners,
                    dir.path().display()
                );
                let (generation, document) =
                    runtime.block_on(setup::generate(dir.path(), &options, true))?;
                eprintln!(
                    "generated in {:.1} s ({:.0}/s), store {:.0} MB",
                    generation.seconds,
                    generation.dialogs as f64 / generation.seconds,
                    generation.bytes as f64 / 1e6
                );
                let busy_start = setup::busy_processes();
                let size = runtime.block_on(async {
                    let server = ServerProcess::start(&command, dir.path()).await?;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let (rss_start, _) = server.memory_kib().unwrap_or_default();
                    let fixture = Fixture::load(&server.target, dir.path(), &document)
                        .await
                        .context("preparing the scenarios")?;
                    eprintln!(
                        "server up in {:.1} s, RSS {:.1} MB; {} scenarios{}",
                        server.startup_seconds,
                        rss_start as f64 / 1024.0,
                        if index == 0 { "all" } else { "data-dependent" },
                        if fixture.grant.is_none() {
                            " (no embedded Maskinporten: JWT grant skipped)"
                        } else {
                            ""
                        }
                    );
                    let (scenarios, baseline_end) = dp_bench::run_all(
                        &server.target,
                        &fixture,
                        &settings,
                        index == 0,
                        2,
                        &only,
                        true,
                    )
                    .await?;
                    let (rss_end, peak) = server.memory_kib().unwrap_or_default();
                    let startup_seconds = server.startup_seconds;
                    server.stop();
                    anyhow::Ok(SizeResult {
                        generation,
                        startup_seconds,
                        rss_start_kib: rss_start,
                        rss_end_kib: rss_end,
                        peak_rss_kib: peak,
                        personas: fixture.personas.iter().map(|(p, _)| p.clone()).collect(),
                        busy_start,
                        busy_end: setup::busy_processes(),
                        scenarios,
                        baseline_end,
                    })
                })?;
                report.sizes.push(size);
                write_report(&out, &report)?;
                if keep_data {
                    let kept = dir.keep();
                    eprintln!("kept {}", kept.display());
                }
            }
            eprintln!(
                "wrote {}, {} and {}",
                out.join("report.md").display(),
                out.join("scaling.svg").display(),
                out.join("results.json").display()
            );
            Ok(())
        }
    }
}
