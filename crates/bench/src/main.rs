//! `dp-bench`: the load harness of issue 6 (`bench/run` calls `dp-bench run`).
#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use dialogporten::generate::GenerateOptions;
use dp_bench::report::{Machine, Report};
use dp_bench::runner::Settings;
use dp_bench::setup::{self, Backing, Fixture, ServerCommand, ServerProcess};
use dp_bench::suite::{self, Plan, StoreKind};

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
        /// The stores to measure each size on, comma-separated: `sqlite`, `postgres`, or both
        /// (`sqlite,postgres`: PostgreSQL's targets are judged against SQLite in the same run).
        #[arg(long, value_delimiter = ',', default_value = "sqlite")]
        store: Vec<StoreKind>,
        /// PostgreSQL server for `--store postgres`: a database `dp_bench_{dialogs}` is created
        /// (dropped first) on it per size [default: DP_TEST_DATABASE_URL, else
        /// postgres://postgres@127.0.0.1:5432/test].
        #[arg(long)]
        database_url: Option<String>,
        /// Instances behind nginx at the largest PostgreSQL size (one, then this many; 0: skip).
        #[arg(long, default_value_t = 2)]
        instances: usize,
        /// The scenarios measured behind nginx.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "so-get,so-create,so-search-party,eu-search-200"
        )]
        balanced_only: Vec<String>,
    },
    /// Run scenarios against a server already running on a data directory (for profiling).
    Load {
        #[arg(long)]
        data_dir: PathBuf,
        /// The server's PostgreSQL database, when it runs on one.
        #[arg(long)]
        database_url: Option<String>,
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
        /// Generate into this PostgreSQL database instead of the data directory's SQLite store.
        #[arg(long)]
        database_url: Option<String>,
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
        /// The PostgreSQL database to serve instead of the data directory's SQLite store.
        #[arg(long)]
        database_url: Option<String>,
        /// The public URL [default: http://LISTEN].
        #[arg(long)]
        public_url: Option<String>,
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

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            data_dir,
            database_url,
            dialogs,
            data,
        } => {
            let options = GenerateOptions {
                dialogs,
                parties: data.parties,
                service_owners: data.service_owners,
                seed: data.seed,
            };
            let (generation, _) = tokio::runtime::Runtime::new()?.block_on(setup::generate(
                &Backing {
                    dir: data_dir,
                    database_url,
                },
                &options,
                true,
            ))?;
            eprintln!(
                "{} dialogs in {:.1} s ({:.0}/s), store {:.0} MB",
                generation.dialogs,
                generation.seconds,
                generation.dialogs as f64 / generation.seconds,
                generation.bytes as f64 / 1e6
            );
            Ok(())
        }
        Command::Serve {
            data_dir,
            listen,
            database_url,
            public_url,
        } => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let backing = Backing {
                    dir: data_dir.clone(),
                    database_url,
                };
                let (target, handle) =
                    setup::serve_in_process(&backing, listen, public_url).await?;
                eprintln!("serving {} on {}", data_dir.display(), target.base_url());
                handle.await?;
                Ok(())
            })
        }
        Command::Load {
            data_dir,
            database_url,
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
                let backing = Backing {
                    dir: data_dir.clone(),
                    database_url,
                };
                let store = backing.open().await?;
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
            suite::write_report(&out, &report)
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
            store,
            database_url,
            instances,
            balanced_only,
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
                postgres: Vec::new(),
                balanced: Vec::new(),
            };

            // Idle memory: a fresh data directory (demo registry), a second after start.
            let idle = tempfile::Builder::new()
                .prefix("dp-bench-idle-")
                .tempdir_in(&work_dir)?;
            report.idle_rss_kib = runtime.block_on(async {
                let server =
                    ServerProcess::start(&command, &Backing::sqlite(idle.path()), None).await?;
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

            let plan = Plan {
                sizes,
                data: GenerateOptions {
                    dialogs: 0,
                    parties: data.parties,
                    service_owners: data.service_owners,
                    seed: data.seed,
                },
                settings,
                command,
                work_dir,
                out: out.clone(),
                keep_data,
                only,
                stores: store,
                admin_url: database_url.unwrap_or_else(dp_bench::postgres::default_admin_url),
                instances,
                balanced_only,
            };
            suite::run(&plan, &runtime, &mut report)?;
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
