//! A whole `dp-bench run`: for each data size and each store asked for, generate the data,
//! start the release server on it, run every scenario and record the server's memory; on
//! PostgreSQL at the largest size also one and then several instances behind nginx on the same
//! database (issue 13). The report is rewritten after every size, so an interrupted run keeps
//! what it measured.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use dialogporten::generate::GenerateOptions;
use dp_authz::RegistryDocument;

use crate::balancer::{self, Balancer};
use crate::load::Target;
use crate::report::{Report, SizeResult};
use crate::report_pg::Balanced;
use crate::runner::Settings;
use crate::setup::{self, Backing, Fixture, ServerCommand, ServerProcess};

/// The store a size is measured on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The embedded SQLite store in a data directory.
    Sqlite,
    /// PostgreSQL: a fresh database per size on the server of `--database-url`.
    Postgres,
}

/// What a run measures and where it writes.
pub struct Plan {
    pub sizes: Vec<usize>,
    /// The generator's options except the number of dialogs.
    pub data: GenerateOptions,
    pub settings: Settings,
    pub command: ServerCommand,
    pub work_dir: PathBuf,
    pub out: PathBuf,
    pub keep_data: bool,
    pub only: Vec<String>,
    pub stores: Vec<StoreKind>,
    /// Where the PostgreSQL databases `dp_bench_{dialogs}` are created.
    pub admin_url: String,
    /// Instances behind nginx at the largest PostgreSQL size (below 2: not measured).
    pub instances: usize,
    /// The scenarios measured behind nginx.
    pub balanced_only: Vec<String>,
}

/// Writes results.json, report.md and scaling.svg, and with PostgreSQL sizes postgres.md and
/// postgres-scaling.svg, into `out`.
pub fn write_report(out: &Path, report: &Report) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(report)?,
    )?;
    std::fs::write(out.join("report.md"), crate::report::markdown(report))?;
    std::fs::write(out.join("scaling.svg"), crate::report::svg(report))?;
    if !report.postgres.is_empty() {
        std::fs::write(out.join("postgres.md"), crate::report_pg::markdown(report))?;
        std::fs::write(
            out.join("postgres-scaling.svg"),
            crate::report::svg_of(&report.postgres),
        )?;
    }
    Ok(())
}

/// Measures every size on every store of `plan` into `report`, rewriting it after each.
pub fn run(
    plan: &Plan,
    runtime: &tokio::runtime::Runtime,
    report: &mut Report,
) -> anyhow::Result<()> {
    let largest = plan.sizes.iter().copied().max().unwrap_or(0);
    for (index, &dialogs) in plan.sizes.iter().enumerate() {
        for &store in &plan.stores {
            let balanced = store == StoreKind::Postgres && dialogs == largest;
            let (size, behind) = measure(plan, runtime, store, dialogs, index == 0, balanced)?;
            match store {
                StoreKind::Sqlite => report.sizes.push(size),
                StoreKind::Postgres => report.postgres.push(size),
            }
            report.balanced.extend(behind);
            write_report(&plan.out, report)?;
        }
    }
    Ok(())
}

/// Where a size's data goes: a fresh data directory, and on PostgreSQL a fresh database.
async fn backing(
    plan: &Plan,
    store: StoreKind,
    dir: &Path,
    dialogs: usize,
) -> anyhow::Result<(Backing, Option<String>)> {
    match store {
        StoreKind::Sqlite => Ok((Backing::sqlite(dir), None)),
        StoreKind::Postgres => {
            let name = format!("dp_bench_{dialogs}");
            let url = crate::postgres::fresh_database(&plan.admin_url, &name).await?;
            Ok((
                Backing {
                    dir: dir.to_owned(),
                    database_url: Some(url),
                },
                Some(name),
            ))
        }
    }
}

fn measure(
    plan: &Plan,
    runtime: &tokio::runtime::Runtime,
    store: StoreKind,
    dialogs: usize,
    first: bool,
    balanced: bool,
) -> anyhow::Result<(SizeResult, Vec<Balanced>)> {
    let dir = tempfile::Builder::new()
        .prefix("dp-bench-data-")
        .tempdir_in(&plan.work_dir)?;
    let (backing, database) = runtime.block_on(backing(plan, store, dir.path(), dialogs))?;
    let options = GenerateOptions {
        dialogs,
        ..plan.data.clone()
    };
    eprintln!(
        "{store:?}: generating {dialogs} dialogs, {} parties, {} service owners into {}",
        options.parties,
        options.service_owners,
        database.as_deref().map_or_else(
            || dir.path().display().to_string(),
            |name| format!("database {name}")
        )
    );
    let (generation, document) = runtime.block_on(setup::generate(&backing, &options, true))?;
    eprintln!(
        "generated in {:.1} s ({:.0}/s), store {:.0} MB",
        generation.seconds,
        generation.dialogs as f64 / generation.seconds,
        generation.bytes as f64 / 1e6
    );
    let busy_start = setup::busy_processes();
    let size = runtime.block_on(async {
        let server = ServerProcess::start(&plan.command, &backing, None).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (rss_start, _) = server.memory_kib().unwrap_or_default();
        let fixture = Fixture::load(&server.target, dir.path(), &document)
            .await
            .context("preparing the scenarios")?;
        eprintln!(
            "server up in {:.1} s, RSS {:.1} MB; {} scenarios{}",
            server.startup_seconds,
            rss_start as f64 / 1024.0,
            if first { "all" } else { "data-dependent" },
            if fixture.grant.is_none() {
                " (no embedded Maskinporten: JWT grant skipped)"
            } else {
                ""
            }
        );
        let (scenarios, baseline_end) = crate::run_all(
            &server.target,
            &fixture,
            &plan.settings,
            first,
            2,
            &plan.only,
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
    let behind = if balanced && plan.instances >= 2 {
        if balancer::available() {
            runtime.block_on(run_balanced(plan, &backing, &document, dialogs))?
        } else {
            eprintln!(
                "no {} (Debian's nginx): instances behind a load balancer not measured",
                balancer::NGINX
            );
            Vec::new()
        }
    } else {
        Vec::new()
    };
    if plan.keep_data {
        let kept = dir.keep();
        eprintln!(
            "kept {}{}",
            kept.display(),
            database.map_or_else(String::new, |name| format!(" and database {name}"))
        );
    } else if let Some(name) = database {
        runtime.block_on(crate::postgres::drop_database(&plan.admin_url, &name))?;
    }
    Ok((size, behind))
}

/// One instance behind nginx, then `plan.instances`, all on `backing`'s database and all with
/// nginx's address as their public URL (so a token one mints, another accepts).
async fn run_balanced(
    plan: &Plan,
    backing: &Backing,
    document: &RegistryDocument,
    dialogs: usize,
) -> anyhow::Result<Vec<Balanced>> {
    let listen: std::net::SocketAddr = ([127, 0, 0, 1], setup::free_port()?).into();
    let public = format!("http://{listen}");
    let mut servers = Vec::with_capacity(plan.instances);
    for _ in 0..plan.instances {
        servers.push(ServerProcess::start(&plan.command, backing, Some(&public)).await?);
    }
    let mut fixture = None;
    let mut results = Vec::new();
    for instances in [1, plan.instances] {
        let upstreams: Vec<Target> = servers[..instances]
            .iter()
            .map(|s| s.target.clone())
            .collect();
        let nginx = Balancer::start(&backing.dir.join("nginx"), listen, &upstreams).await?;
        let loaded = match fixture.take() {
            Some(loaded) => loaded,
            None => Fixture::load(&nginx.target, &backing.dir, document).await?,
        };
        eprintln!("{instances} instance(s) behind nginx on {listen}:");
        let (scenarios, _) = crate::run_all(
            &nginx.target,
            &loaded,
            &plan.settings,
            false,
            2,
            &plan.balanced_only,
            true,
        )
        .await?;
        drop(nginx);
        fixture = Some(loaded);
        results.push(Balanced {
            dialogs,
            instances,
            scenarios,
        });
    }
    Ok(results)
}
