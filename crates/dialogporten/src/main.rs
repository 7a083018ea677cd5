//! The `dialogporten` command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use dialogporten::config::{Config, Overrides};
use dialogporten::server;
use dp_idp::TokenKind;
use dp_idp::testtools::{MintError, Minted, Params};

mod clients_cli;
use clients_cli::{ClientsCommand, clients_command};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// PostgreSQL database instead of the SQLite store in the data directory
    /// (postgres://USER@HOST:PORT/DB; also DIALOGPORTEN_DATABASE_URL or database_url in the
    /// file). Several servers on one database behave as one service.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Args)]
struct GenerateArgs {
    /// Dialogs to write.
    #[arg(long)]
    dialogs: usize,
    /// Organisations (one person per ten parties, each holding roles on several of them).
    #[arg(long, default_value_t = 10_000)]
    parties: usize,
    /// Service owners (org codes so000, so001, ...; three resources each).
    #[arg(long, default_value_t = 5)]
    service_owners: usize,
    /// Seed of the random generator; the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Generate even if the store already holds dialogs (the registry is replaced).
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    ///
    /// With no issuers configured it runs in local mode: it trusts its own embedded Altinn
    /// issuer and serves the Altinn test-token generator under /testtools/api/, an embedded
    /// Maskinporten under /maskinporten/ (JWT-bearer grants of the clients registered with
    /// `dialogporten clients`) and the client admin API under /admin/clients (bearer token:
    /// admin_token / DIALOGPORTEN_ADMIN_TOKEN, else generated into DIR/admin-token). With
    /// issuers configured (issuers.maskinporten|idporten|altinn.well_known) it trusts only
    /// those.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Registry file (JSON: service owners, resources, parties, roles) [default: the
        /// built-in demo registry].
        #[arg(long, value_name = "FILE")]
        registry: Option<PathBuf>,
    },
    /// Manage the registry (service owners, resources, parties, roles): import, export or check
    /// it, and grant or revoke rights and API-scope delegations on the stored one.
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
    /// Manage the OAuth clients of the embedded Maskinporten and ID-porten (DIR/clients.json, or
    /// the database with --database-url).
    ///
    /// A Maskinporten client (id, owning organisation, allowed scopes, public keys) asks for
    /// tokens with JWT grants at {public_url}/maskinporten/token; an ID-porten client logs
    /// people in at {public_url}/idporten. A running server on the same data directory sees
    /// changes on its next request. The same is available over HTTP at /admin/clients with the
    /// admin token (DIR/admin-token or the admin_token setting).
    Clients {
        #[command(subcommand)]
        command: ClientsCommand,
    },
    /// Fill an empty store (the data directory's, or PostgreSQL with --database-url, loaded by
    /// COPY) with generated data for benchmarks and demos.
    ///
    /// Writes a registry (service owners with three resources each, organisations, and persons
    /// who hold DAGL over many of them) and dialogs with content in nb/nn/en, transmissions,
    /// activities, attachments, labels and seen logs. Dialogs per party and per resource are
    /// skewed, as in real data. Reproducible for the same --seed. Replaces the stored registry,
    /// so it refuses a store that already holds dialogs unless --force is given.
    Generate(GenerateArgs),
    /// Move data between stores: `store copy --from sqlite:DIR --to postgres://…` (or back).
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Manage the Ed25519 keys that sign dialog tokens (DIR/keys/dialog-token-keys.json).
    ///
    /// The server signs every dialog token with the Primary key and publishes Primary and
    /// Secondary at /api/v1/.well-known/jwks.json. The keys are created on first use.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Copy the registry and every dialog (deleted ones too) from one store into another, in
    /// batches of 1,000 with a progress bar, and check that the counts agree at the end; from a
    /// SQLite data directory to PostgreSQL the signing keys go along, so issued tokens keep
    /// verifying. Refuses a target that already holds dialogs unless --force.
    Copy {
        /// The source: sqlite:DIR (a data directory) or postgres://USER@HOST:PORT/DB.
        #[arg(long, value_name = "STORE")]
        from: dialogporten::store_copy::Location,
        /// The target, in the same forms.
        #[arg(long, value_name = "STORE")]
        to: dialogporten::store_copy::Location,
        /// Copy into a store that already holds dialogs (its registry is replaced).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Rotate the dialog-token keys: the Secondary becomes Primary and a fresh key becomes
    /// Secondary; prints the old and the new Primary kid.
    ///
    /// Verifiers refresh the published key set at least every 24 hours, so a key must be
    /// published at least 48 hours before it signs: rotate only after the current Secondary
    /// has been served for 48 hours (and wait as long again before the next rotation). The
    /// old Primary leaves the key set. A running server picks up the rotated keys at its next
    /// start.
    Rotate,
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Print the stored registry (or, before any is stored, the built-in demo) as JSON.
    Export,
    /// Validate a registry file and store it, replacing the stored registry. A running server
    /// on the same data directory answers with it from its next request.
    Import {
        /// The registry file (JSON).
        file: PathBuf,
    },
    /// Validate a registry file without storing it; names the first invalid entry.
    Check {
        /// The registry file (JSON).
        file: PathBuf,
    },
    /// Give a subject a right on a party: a role, an access package, a resource or one
    /// instance. A running server on the same data directory applies it on its next request.
    /// Example: `registry grant --from urn:altinn:organization:identifier-no:310923044
    /// --to urn:altinn:person:identifier-no:03886595947 --role DAGL`
    Grant(RightArgs),
    /// Take a right away again (same arguments as grant); effective on the next request.
    Revoke(RightArgs),
    /// Add a party (a person or an organisation) with its name, or rename one, so that actor
    /// ids on dialogs (`performedBy`, `sender`) can be named. A running server on the same
    /// data directory answers with it from its next request.
    /// Example: `registry add-party 15018510100 "KARI NORDMANN"`
    AddParty {
        /// `urn:altinn:person:identifier-no:…`, `urn:altinn:organization:identifier-no:…`, or
        /// the bare national identity number (11 digits) or organisation number (9 digits).
        id: String,
        /// The party's name, as Register would give it.
        name: String,
        /// For a sub-unit: its main unit (organisation number or URN).
        #[arg(long)]
        parent: Option<String>,
    },
}

#[derive(Args)]
struct RightArgs {
    /// The party the right is held on (`urn:altinn:organization:identifier-no:…` or a person).
    #[arg(long)]
    from: String,
    /// Who holds it: a person, e-mail user or `urn:altinn:systemuser:uuid:…`.
    #[arg(long)]
    to: String,
    /// A role code such as DAGL or PRIV (persons only).
    #[arg(long, conflicts_with_all = ["package", "resource", "scopes"])]
    role: Option<String>,
    /// An API delegation (Maskinporten supplier): these scopes, space- or comma-separated,
    /// from the consumer --from to the supplier --to (organisation numbers or
    /// urn:altinn:organization:identifier-no:…). Revoke takes the listed scopes away.
    #[arg(long, conflicts_with_all = ["role", "package", "resource"])]
    scopes: Option<String>,
    /// An access package code such as skatt-naering.
    #[arg(long, conflicts_with_all = ["role", "resource", "scopes"])]
    package: Option<String>,
    /// A resource id (with or without urn:altinn:resource:) for a resource delegation.
    #[arg(long, conflicts_with = "scopes")]
    resource: Option<String>,
    /// With --resource: delegate one instance only (urn:altinn:dialog-id:…,
    /// urn:altinn:instance-id:…, urn:altinn:correspondence-id:…).
    #[arg(long, requires = "resource")]
    instance: Option<String>,
    /// With --resource: only these actions (comma-separated) [default: every action of the
    /// resource's rules].
    #[arg(long, requires = "resource", value_delimiter = ',')]
    actions: Vec<String>,
}

impl RightArgs {
    fn right(&self) -> anyhow::Result<dialogporten::registry::Right> {
        use dialogporten::registry::Right;
        let actions = (!self.actions.is_empty()).then(|| self.actions.clone());
        Ok(
            match (&self.role, &self.package, &self.resource, &self.instance) {
                (Some(role), None, None, None) => Right::Role(role.clone()),
                (None, Some(package), None, None) => Right::Package(package.clone()),
                (None, None, Some(resource), None) => Right::Resource {
                    resource: resource.clone(),
                    actions,
                },
                (None, None, Some(resource), Some(instance)) => Right::Instance {
                    resource: resource.clone(),
                    instance_ref: instance.clone(),
                    actions,
                },
                _ => anyhow::bail!(
                    "name exactly one right: --role, --package or --resource [--instance]"
                ),
            },
        )
    }
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

async fn mint_token(config: &Config, command: TokenCommand) -> anyhow::Result<String> {
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
    let store = dialogporten::registry::open_store(config).await?;
    let altinn = server::embedded_altinn(config, store.as_ref()).await?;
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

async fn keys_command(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate => {
            let store = dialogporten::registry::open_store(config).await?;
            let (rotation, place) =
                dialogporten::keys::rotate_dialog_token_keys(config, store.as_ref()).await?;
            print_out(&format!(
                "rotated the dialog-token keys in {place}\nold primary kid: {}\nnew primary kid: {}\nnew secondary kid: {}\n\
                 restart the servers to sign with the new primary key",
                rotation.previous.primary.kid(),
                rotation.current.primary.kid(),
                rotation.current.secondary.kid(),
            ));
        }
    }
    Ok(())
}

async fn store_command(config: &Config, command: StoreCommand) -> anyhow::Result<()> {
    let StoreCommand::Copy { from, to, force } = command;
    let copied = dialogporten::store_copy::copy(&from, &to, force, true, &config.database).await?;
    print_out(&format!(
        "copied {} dialogs, the registry and {} signing keys in {:.1} s ({:.0} dialogs/s); counts verified",
        copied.dialogs,
        copied.keys,
        copied.seconds,
        copied.dialogs as f64 / copied.seconds.max(1e-9),
    ));
    Ok(())
}

async fn generate_command(config: &Config, args: GenerateArgs) -> anyhow::Result<()> {
    let store = dialogporten::registry::open_store(config).await?;
    let existing = store
        .search_dialogs(dp_store::DialogQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("reading the store: {e}"))?;
    if !existing.is_empty() && !args.force {
        anyhow::bail!(
            "the store ({}) already holds dialogs; generate into an empty store, or give \
             --force to add to it (its registry is replaced)",
            config.store_description()
        );
    }
    let options = dialogporten::generate::GenerateOptions {
        dialogs: args.dialogs,
        parties: args.parties,
        service_owners: args.service_owners,
        seed: args.seed,
    };
    let generated = dialogporten::generate::generate(store.as_ref(), &options, true).await?;
    print_out(&format!(
        "generated {} dialogs for {} organisations, {} persons and {} service owners in {:.1} s \
         ({:.0} dialogs/s) into {}",
        generated.dialogs,
        generated.parties,
        generated.persons,
        args.service_owners,
        generated.seconds,
        generated.dialogs as f64 / generated.seconds.max(1e-9),
        config.store_description()
    ));
    Ok(())
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
    server::log_startup(&config, address, &server).await;
    dialogporten::listener::serve(listener, server.router, config.limits.clone(), async {
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

enum RightChange {
    Grant,
    Revoke,
}

/// Space- or comma-separated values, in order, without duplicates.
fn split_list(text: &str) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for value in text.split([' ', ',']).filter(|v| !v.is_empty()) {
        if !values.iter().any(|v| v == value) {
            values.push(value.to_owned());
        }
    }
    values
}

/// An organisation number, bare or as `urn:altinn:organization:identifier-no:…`.
fn org_number(value: &str) -> anyhow::Result<String> {
    let bare = value
        .strip_prefix("urn:altinn:organization:identifier-no:")
        .unwrap_or(value);
    dp_domain::OrganizationNumber::parse(bare)
        .map_err(|e| anyhow::anyhow!("{value:?} is not an organisation number: {e}"))?;
    Ok(bare.to_owned())
}

/// Adds scopes to (or takes them from) the API delegation `from` → `to` in the stored
/// registry; returns whether anything changed.
async fn change_api_delegation(
    store: &dyn dp_store::Store,
    grant: bool,
    from: &str,
    to: &str,
    scopes: &[String],
) -> anyhow::Result<bool> {
    use anyhow::Context;
    anyhow::ensure!(!scopes.is_empty(), "--scopes names no scope");
    let (from, to) = (org_number(from)?, org_number(to)?);
    let mut document = store
        .load_registry()
        .await?
        .unwrap_or_else(dp_authz::RegistryDocument::demo);
    let before = document.clone();
    let delegations = &mut document.api_scope_delegations;
    match delegations
        .iter_mut()
        .find(|d| d.from == from && d.to == to)
    {
        Some(existing) if grant => {
            for scope in scopes {
                if !existing.scopes.contains(scope) {
                    existing.scopes.push(scope.clone());
                }
            }
        }
        Some(existing) => existing.scopes.retain(|s| !scopes.contains(s)),
        None if grant => delegations.push(dp_authz::registry::ApiScopeDelegation {
            from,
            to,
            scopes: scopes.to_vec(),
        }),
        None => {}
    }
    delegations.retain(|d| !d.scopes.is_empty());
    if document == before {
        return Ok(false);
    }
    let registry =
        dp_authz::Registry::new(document).context("the registry with this change is invalid")?;
    store.replace_registry(registry.document().clone()).await?;
    Ok(true)
}

async fn registry_command(config: &Config, command: RegistryCommand) -> anyhow::Result<()> {
    use dialogporten::registry;
    let command_kind = match &command {
        RegistryCommand::Revoke(_) => RightChange::Revoke,
        _ => RightChange::Grant,
    };
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
            registry::open_store(config)
                .await?
                .replace_registry(imported.document().clone())
                .await?;
            print_out(&format!(
                "imported {} into {}: {}",
                file.display(),
                config.store_description(),
                summary(imported.document())
            ));
        }
        RegistryCommand::Grant(args) | RegistryCommand::Revoke(args) if args.scopes.is_some() => {
            let store = registry::open_store(config).await?;
            let grant = matches!(command_kind, RightChange::Grant);
            let scopes = split_list(args.scopes.as_deref().unwrap_or_default());
            let changed =
                change_api_delegation(store.as_ref(), grant, &args.from, &args.to, &scopes).await?;
            print_out(match (grant, changed) {
                (true, true) => "granted",
                (true, false) => "already granted; nothing changed",
                (false, true) => "revoked",
                (false, false) => "no such delegation; nothing changed",
            });
        }
        RegistryCommand::Grant(args) => {
            let store = registry::open_store(config).await?;
            let changed =
                registry::change_right(store.as_ref(), true, &args.from, &args.to, &args.right()?)
                    .await?;
            print_out(if changed {
                "granted"
            } else {
                "already granted; nothing changed"
            });
        }
        RegistryCommand::Revoke(args) => {
            let store = registry::open_store(config).await?;
            let changed =
                registry::change_right(store.as_ref(), false, &args.from, &args.to, &args.right()?)
                    .await?;
            print_out(if changed {
                "revoked"
            } else {
                "no such right; nothing changed"
            });
        }
        RegistryCommand::AddParty { id, name, parent } => {
            let store = registry::open_store(config).await?;
            let changed =
                registry::add_party(store.as_ref(), &id, &name, parent.as_deref()).await?;
            print_out(&if changed {
                format!("added {} ({name})", registry::party_urn(&id))
            } else {
                "already there with that name; nothing changed".to_owned()
            });
        }
        RegistryCommand::Export => {
            let stored = registry::open_store(config).await?.load_registry().await?;
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

fn main() -> std::process::ExitCode {
    // Store calls run on the blocking pool; SQLite serves them with four readers and one
    // writer, so more threads than a few per connection only queue on its locks while each
    // keeps its own allocator cache (tokio's default allows 512).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(6)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
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
        database_url: cli.common.database_url.clone(),
    };
    let result = async {
        let config = Config::load(cli.common.config.as_deref(), &overrides)?;
        match cli.command {
            Command::Serve { .. } => serve(config).await,
            Command::Registry { command } => registry_command(&config, command).await,
            Command::Keys { command } => keys_command(&config, command).await,
            Command::Generate(args) => generate_command(&config, args).await,
            Command::Store { command } => store_command(&config, command).await,
            Command::Clients { command } => clients_command(&config, command),
            Command::Token { kind } => {
                dp_auth::install_crypto_provider();
                print_out(&mint_token(&config, kind).await?);
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
