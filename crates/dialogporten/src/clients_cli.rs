//! `dialogporten clients`: the OAuth clients of the embedded Maskinporten and ID-porten
//! (DIR/clients.json), as the command line manages them.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use dialogporten::config::Config;

use crate::print_out;

#[derive(Subcommand)]
pub(crate) enum ClientsCommand {
    /// Register a client.
    ///
    /// Maskinporten: `clients add --kind maskinporten --client-id my-system --org 991825827
    /// --scopes "digdir:dialogporten.serviceprovider" --generate-key my-system.pem` writes a new
    /// RSA key (PKCS#8 PEM, mode 0600) and registers its public half; sign JWT grants with it,
    /// header `kid` as printed, `aud` = {public_url}/maskinporten/, `iss` = the client id.
    /// Or register your own public keys with --jwks FILE ({"keys": [...]}, up to 5 RSA keys).
    ///
    /// ID-porten: `clients add --kind idporten --client-id web --org 991825827 --scopes "openid
    /// digdir:dialogporten" --redirect-uri http://localhost:3000/callback` (client_secret_basic
    /// with a generated secret, printed once, unless --auth-method or --secret say otherwise).
    Add(Box<AddClientArgs>),
    /// List the registered clients (id, kind, organisation, scopes, key ids, redirect URIs).
    List {
        /// Print JSON (as GET /admin/clients) instead of one line per client.
        #[arg(long)]
        json: bool,
    },
    /// Replace a client's public keys (the whole set, as Digdir's self-service API does).
    Keys {
        /// The client's id.
        client_id: String,
        /// A JWKS file: {"keys": [...]}, one to five RSA public keys with unique kids.
        #[arg(long, value_name = "FILE", required_unless_present = "generate_key")]
        jwks: Option<PathBuf>,
        /// Generate a new RSA key instead: the private key goes to this PEM file (created, mode
        /// 0600), its public half replaces the registered keys.
        #[arg(long, value_name = "OUT.pem", conflicts_with = "jwks")]
        generate_key: Option<PathBuf>,
    },
    /// Remove a client; its tokens stay valid until they expire.
    Remove {
        /// The client's id.
        client_id: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ClientKindArg {
    /// A Maskinporten client (JWT-bearer grants, machine to machine).
    Maskinporten,
    /// An ID-porten OIDC client (people log in; authorization code + PKCE).
    Idporten,
}

#[derive(Args)]
pub(crate) struct AddClientArgs {
    /// Which provider the client belongs to.
    #[arg(long, value_enum)]
    kind: ClientKindArg,
    /// The client id [default: a random UUID].
    #[arg(long)]
    client_id: Option<String>,
    /// The organisation number owning the client (the token's consumer, or supplier).
    #[arg(long, value_name = "ORGNO")]
    org: String,
    /// Scopes the client may ask for, space- or comma-separated.
    #[arg(long)]
    scopes: String,
    /// A display name.
    #[arg(long)]
    name: Option<String>,
    /// Public keys to register: a JWKS file ({"keys": [...]}).
    #[arg(long, value_name = "FILE", conflicts_with = "generate_key")]
    jwks: Option<PathBuf>,
    /// Generate an RSA key: the private key goes to this PEM file (created, mode 0600), the
    /// public key is registered.
    #[arg(long, value_name = "OUT.pem")]
    generate_key: Option<PathBuf>,
    /// ID-porten: an allowed redirect URI (exact match); repeat or list several.
    #[arg(long = "redirect-uri", value_name = "URI", num_args = 1..)]
    redirect_uris: Vec<String>,
    /// ID-porten: an allowed post-logout redirect URI; repeat or list several.
    #[arg(long = "post-logout-redirect-uri", value_name = "URI", num_args = 1..)]
    post_logout_redirect_uris: Vec<String>,
    /// ID-porten: how the client authenticates at the token endpoint [default:
    /// client_secret_basic].
    #[arg(long, value_parser = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"])]
    auth_method: Option<String>,
    /// ID-porten: the client secret (at least 16 characters; `-` reads it from stdin)
    /// [default: generated and printed once].
    #[arg(long)]
    secret: Option<String>,
}

/// Writes a new private key file: never over an existing file, mode 0600.
fn write_private_key(path: &std::path::Path, pem: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} exists already; not overwriting a key", path.display())
        } else {
            anyhow::anyhow!("cannot create {}: {e}", path.display())
        }
    })?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

fn read_jwks(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let jwks: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", path.display()))?;
    dp_idp::clients::validate_jwks(&jwks)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(jwks)
}

/// A key id for a generated key: the client id and a random suffix (kids should be unique).
fn new_kid(client_id: &str) -> String {
    let suffix: String = dp_idp::clients::generate_secret().chars().take(8).collect();
    format!("{client_id}-{suffix}")
}

fn kids(client: &dp_idp::OAuthClient) -> Vec<String> {
    client
        .jwks
        .as_ref()
        .and_then(|j| j.get("keys"))
        .and_then(serde_json::Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k.get("kid").and_then(serde_json::Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn describe_client(client: &dp_idp::OAuthClient) -> String {
    let kind = match client.kind {
        dp_idp::ClientKind::Maskinporten => "maskinporten",
        dp_idp::ClientKind::Idporten => "idporten",
    };
    let mut line = format!(
        "{}  {kind}  org {}  scopes: {}",
        client.client_id,
        client.org_number,
        client.scopes.join(" ")
    );
    if !client.name.is_empty() {
        line.push_str(&format!("  name: {}", client.name));
    }
    let kids = kids(client);
    if !kids.is_empty() {
        line.push_str(&format!("  keys: {}", kids.join(", ")));
    }
    if client.kind == dp_idp::ClientKind::Idporten {
        line.push_str(&format!(
            "  auth: {}  redirect URIs: {}",
            client.token_endpoint_auth_method,
            client.redirect_uris.join(" ")
        ));
    }
    line
}

pub(crate) fn clients_command(config: &Config, command: ClientsCommand) -> anyhow::Result<()> {
    use dp_idp::admin::{ClientInput, Scopes, build_client, public_view};
    let clients = dialogporten::shared_entries::client_registry(config)?;
    let public_url = config.public_url();
    match command {
        ClientsCommand::Add(args) => {
            let args = *args;
            let kind = match args.kind {
                ClientKindArg::Maskinporten => dp_idp::ClientKind::Maskinporten,
                ClientKindArg::Idporten => dp_idp::ClientKind::Idporten,
            };
            let client_id = args
                .client_id
                .unwrap_or_else(dp_idp::clients::new_client_id);
            anyhow::ensure!(
                clients.get(&client_id).is_none(),
                "a client with id {client_id:?} exists already (remove it first, or use `clients keys` for new keys)"
            );
            let generated = match &args.generate_key {
                Some(_) => Some(
                    dp_idp::clients::generate_rsa_key(&new_kid(&client_id))
                        .map_err(anyhow::Error::msg)?,
                ),
                None => None,
            };
            let jwks = match (&args.jwks, &generated) {
                (Some(path), _) => Some(read_jwks(path)?),
                (None, Some(key)) => Some(serde_json::json!({"keys": [key.jwk]})),
                (None, None) => None,
            };
            if kind == dp_idp::ClientKind::Maskinporten {
                anyhow::ensure!(
                    jwks.is_some(),
                    "a Maskinporten client needs keys: give --jwks FILE or --generate-key OUT.pem"
                );
            }
            let secret = match args.secret.as_deref() {
                Some("-") => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    Some(line.trim_end_matches(['\r', '\n']).to_owned())
                }
                other => other.map(str::to_owned),
            };
            let input = ClientInput {
                client_id: Some(client_id.clone()),
                kind,
                org_number: args.org,
                name: args.name.unwrap_or_default(),
                scopes: Scopes::Text(args.scopes),
                jwks,
                redirect_uris: args.redirect_uris,
                post_logout_redirect_uris: args.post_logout_redirect_uris,
                token_endpoint_auth_method: args.auth_method,
                client_secret: secret,
            };
            let (client, generated_secret) =
                build_client(input, None).map_err(|e| anyhow::anyhow!("invalid client: {e}"))?;
            // The key file first: a registered key without its private half would be useless.
            if let (Some(path), Some(key)) = (&args.generate_key, &generated) {
                write_private_key(path, &key.private_pem)?;
            }
            clients.add(client.clone())?;
            let mut out = format!(
                "added {}\nclients file: {}",
                describe_client(&client),
                dp_idp::ClientRegistry::path_in(&config.data_dir).display()
            );
            if let (Some(path), Some(key)) = (&args.generate_key, &generated) {
                out.push_str(&format!(
                    "\nprivate key (PKCS#8 PEM, RS256) written to {}; key id (kid): {}",
                    path.display(),
                    key.kid
                ));
            }
            if kind == dp_idp::ClientKind::Maskinporten {
                out.push_str(&format!(
                    "\nJWT grant: header kid = a registered kid, alg RS256; claims aud = {public_url}/maskinporten/, iss = {client_id}, scope, iat, exp (at most 120 s after iat), jti\n\
                     token endpoint: {public_url}/maskinporten/token (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<grant>)"
                ));
            } else {
                out.push_str(&format!(
                    "\ndiscovery: {public_url}/idporten/.well-known/openid-configuration"
                ));
            }
            if let Some(secret) = generated_secret {
                out.push_str(&format!(
                    "\nclient secret (shown only now; stored as a hash): {secret}"
                ));
            }
            print_out(&out);
        }
        ClientsCommand::List { json } => {
            let list = clients.list();
            if json {
                let views: Vec<serde_json::Value> = list.iter().map(public_view).collect();
                print_out(&serde_json::to_string_pretty(&views)?);
            } else if list.is_empty() {
                print_out(&format!(
                    "no clients in {}; add one with `dialogporten clients add`",
                    dp_idp::ClientRegistry::path_in(&config.data_dir).display()
                ));
            } else {
                let lines: Vec<String> = list.iter().map(describe_client).collect();
                print_out(&lines.join("\n"));
            }
        }
        ClientsCommand::Keys {
            client_id,
            jwks,
            generate_key,
        } => {
            let mut client = clients
                .get(&client_id)
                .ok_or_else(|| anyhow::anyhow!("no client with id {client_id:?}"))?;
            let generated = match &generate_key {
                Some(_) => Some(
                    dp_idp::clients::generate_rsa_key(&new_kid(&client_id))
                        .map_err(anyhow::Error::msg)?,
                ),
                None => None,
            };
            client.jwks = Some(match (&jwks, &generated) {
                (Some(path), _) => read_jwks(path)?,
                (None, Some(key)) => serde_json::json!({"keys": [key.jwk]}),
                (None, None) => anyhow::bail!("give --jwks FILE or --generate-key OUT.pem"),
            });
            client
                .validate()
                .map_err(|e| anyhow::anyhow!("invalid client: {e}"))?;
            if let (Some(path), Some(key)) = (&generate_key, &generated) {
                write_private_key(path, &key.private_pem)?;
            }
            clients.update(client.clone())?;
            let mut out = format!(
                "replaced the keys of {client_id}; keys now: {}",
                kids(&client).join(", ")
            );
            if let Some(path) = &generate_key {
                out.push_str(&format!("\nprivate key written to {}", path.display()));
            }
            print_out(&out);
        }
        ClientsCommand::Remove { client_id } => {
            clients.remove(&client_id)?;
            print_out(&format!("removed {client_id}"));
        }
    }
    Ok(())
}
