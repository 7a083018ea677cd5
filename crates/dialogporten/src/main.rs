//! The `dialogporten` command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use dialogporten::config::{Config, Overrides};
use dialogporten::server;
use dp_idp::TokenKind;
use dp_idp::testtools::{MintError, Minted, Params};

/// Dialogporten v1 API server (Norway's common inbox for dialogs between service owners and
/// citizens or businesses), with embedded identity providers for local use.
///
/// Configuration precedence, lowest to highest: defaults, the TOML file given by --config (or
/// DIALOGPORTEN_CONFIG), DIALOGPORTEN_* environment variables (nested keys joined by `__`, e.g.
/// DIALOGPORTEN_ISSUERS__MASKINPORTEN__WELL_KNOWN), then command-line flags.
#[derive(Parser)]
#[command(name = "dialogporten", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct CommonArgs {
    /// TOML configuration file.
    #[arg(long, global = true, env = "DIALOGPORTEN_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for the store and signing keys [default: ./data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Base URL clients reach the server at; used for every issuer and printed link
    /// [default: http://127.0.0.1:8080].
    #[arg(long, global = true, value_name = "URL")]
    public_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    ///
    /// With no issuers configured it runs in local mode: it trusts its own embedded Altinn
    /// issuer and serves the Altinn test-token generator under /testtools/api/. With issuers
    /// configured (issuers.maskinporten|idporten|altinn.well_known) it trusts only those.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Registry file (JSON: service owners, resources, parties, roles) [default: the
        /// built-in demo registry].
        #[arg(long, value_name = "FILE")]
        registry: Option<PathBuf>,
    },
    /// Manage the registry (service owners, resources, parties, roles): import, export or check.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Mint a token with the embedded Altinn issuer (local mode only) and print it.
    ///
    /// The token is the one the test-token generator endpoint of the same name would return,
    /// signed with the key in the data directory, so a server using that directory and
    /// public URL accepts it.
    Token {
        #[command(subcommand)]
        kind: TokenCommand,
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Print the stored registry (or, before any is stored, the built-in demo) as JSON.
    Export,
    /// Validate a registry file and store it, replacing the stored registry. A running server
    /// picks it up at its next start.
    Import {
        /// The registry file (JSON).
        file: PathBuf,
    },
    /// Validate a registry file without storing it; names the first invalid entry.
    Check {
        /// The registry file (JSON).
        file: PathBuf,
    },
}

#[derive(Args)]
struct MintArgs {
    /// Space- or comma-separated scopes.
    #[arg(long)]
    scopes: Option<String>,
    /// Lifetime in seconds [default: 1800].
    #[arg(long)]
    ttl: Option<u32>,
    /// Any other generator parameter as NAME=VALUE (e.g. -p supplierOrgNo=991825827); repeatable.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Print the decoded header and payload instead of the token.
    #[arg(long)]
    dump: bool,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// A service-owner (Maskinporten, exchanged) token, as GetEnterpriseToken.
    Enterprise {
        /// Service-owner short code, claim urn:altinn:org (e.g. ttd).
        #[arg(long)]
        org: Option<String>,
        /// Organisation number of the consumer [default: random].
        #[arg(long)]
        org_no: Option<String>,
        #[command(flatten)]
        mint: MintArgs,
    },
    /// A person's (ID-porten, exchanged) token, as GetPersonalToken.
    Personal {
        /// National identity number [default: random synthetic].
        #[arg(long)]
        pid: Option<String>,
        /// Authentication level 1-4 [default: 3].
        #[arg(long)]
        auth_lvl: Option<u8>,
        #[command(flatten)]
        mint: MintArgs,
    },
    /// A system user's (Maskinporten with authorization_details) token, as GetSystemUserToken.
    Systemuser {
        /// The system user's id (UUID).
        #[arg(long)]
        system_user_id: String,
        /// Organisation owning the system user [default: 991825827].
        #[arg(long)]
        system_user_org: Option<String>,
        /// The vendor's organisation number (consumer) [default: 991825827].
        #[arg(long)]
        org_no: Option<String>,
        #[command(flatten)]
        mint: MintArgs,
    },
    /// A self-registered e-mail user's token, as GetSelfRegisteredEmailUserToken.
    Email {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        mint: MintArgs,
    },
}

fn mint_token(config: &Config, command: TokenCommand) -> anyhow::Result<String> {
    let (kind, mut pairs, mint) = match command {
        TokenCommand::Enterprise { org, org_no, mint } => (
            TokenKind::Enterprise,
            vec![("org", org), ("orgNo", org_no)],
            mint,
        ),
        TokenCommand::Personal {
            pid,
            auth_lvl,
            mint,
        } => (
            TokenKind::Personal,
            vec![("pid", pid), ("authLvl", auth_lvl.map(|l| l.to_string()))],
            mint,
        ),
        TokenCommand::Systemuser {
            system_user_id,
            system_user_org,
            org_no,
            mint,
        } => (
            TokenKind::SystemUser,
            vec![
                ("systemUserId", Some(system_user_id)),
                ("systemUserOrg", system_user_org),
                ("orgNo", org_no),
            ],
            mint,
        ),
        TokenCommand::Email { email, mint } => (
            TokenKind::SelfRegisteredEmail,
            vec![("email", Some(email))],
            mint,
        ),
    };
    pairs.push(("scopes", mint.scopes));
    pairs.push(("ttl", mint.ttl.map(|t| t.to_string())));
    pairs.push(("dump", mint.dump.then(|| "true".to_owned())));
    let mut params: Vec<(String, String)> = pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect();
    for extra in mint.params {
        let (name, value) = extra
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--param expects NAME=VALUE, got {extra:?}"))?;
        params.push((name.to_owned(), value.to_owned()));
    }
    let altinn = server::embedded_altinn(config)?;
    let generator = dp_idp::TestTokenGenerator::new(altinn, Vec::new());
    match generator.mint(kind, &Params::new(params)) {
        Ok(Minted::Token(token) | Minted::Dump(token)) => Ok(token),
        Ok(Minted::Bulk(tokens)) => Ok(serde_json::to_string_pretty(&tokens)?),
        Err(MintError::Invalid(errors)) => {
            let list: Vec<String> = errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            anyhow::bail!("invalid parameters: {}", list.join("; "))
        }
        Err(MintError::Signing(error)) => anyhow::bail!("signing failed: {error}"),
    }
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if config.log_format == "json" {
        builder.json().init()
    } else {
        builder.init()
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    init_tracing(&config);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr()?;
    let server = server::build(&config).await?;
    server::log_startup(&config, address, &server);
    axum::serve(listener, server.router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await?;
    Ok(())
}

fn summary(document: &dp_authz::RegistryDocument) -> String {
    format!(
        "{} service owners, {} resources, {} parties, {} role assignments",
        document.service_owners.len(),
        document.resources.len(),
        document.parties.len(),
        document.roles.len()
    )
}

fn registry_command(config: &Config, command: RegistryCommand) -> anyhow::Result<()> {
    use dialogporten::registry;
    match command {
        RegistryCommand::Check { file } => {
            let checked = registry::read_file(&file)?;
            print_out(&format!(
                "{}: valid; {}",
                file.display(),
                summary(checked.document())
            ));
        }
        RegistryCommand::Import { file } => {
            let imported = registry::read_file(&file)?;
            registry::open_store(config)?.replace_registry(imported.document())?;
            print_out(&format!(
                "imported {} into {}: {}",
                file.display(),
                config.database_path().display(),
                summary(imported.document())
            ));
        }
        RegistryCommand::Export => {
            let stored = registry::open_store(config)?.load_registry()?;
            print_out(
                &stored
                    .unwrap_or_else(dp_authz::RegistryDocument::demo)
                    .to_json(),
            );
        }
    }
    Ok(())
}

/// Prints a line to stdout; a closed pipe (`| head`) ends output quietly instead of panicking.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let (listen, registry) = match &cli.command {
        Command::Serve { listen, registry } => (*listen, registry.clone()),
        _ => (None, None),
    };
    let overrides = Overrides {
        listen,
        public_url: cli.common.public_url.clone(),
        data_dir: cli.common.data_dir.clone(),
        registry,
    };
    let result = async {
        let config = Config::load(cli.common.config.as_deref(), &overrides)?;
        match cli.command {
            Command::Serve { .. } => serve(config).await,
            Command::Registry { command } => registry_command(&config, command),
            Command::Token { kind } => {
                dp_auth::install_crypto_provider();
                print_out(&mint_token(&config, kind)?);
                Ok(())
            }
        }
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
