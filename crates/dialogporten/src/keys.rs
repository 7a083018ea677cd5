//! Where signing keys live (issue 13 item 3): with SQLite, in the data directory's `keys/`
//! files (mode 0600), which every process on the machine shares; with PostgreSQL, in the
//! database's `secret` table, so that a token one instance signs verifies on every other and
//! `keys rotate` rotates once for all. The first instance to need a key creates it; instances
//! starting together all get the first one stored.

use std::sync::Arc;

use anyhow::Context;
use dp_auth::{DialogTokenIssuer, DialogTokenKeyRing};
use dp_idp::SigningKey;
use dp_store::{SharedState, Store};

use crate::config::Config;

/// The embedded issuers' RSA keys, by the name of their file in `DIR/keys/` (and of their
/// secret in the database).
#[derive(Debug, Clone, Copy)]
pub enum Issuer {
    Altinn,
    Maskinporten,
    Idporten,
}

impl Issuer {
    fn file_name(self) -> &'static str {
        match self {
            Self::Altinn => "altinn-signing-key.p8",
            Self::Maskinporten => "maskinporten-signing-key.p8",
            Self::Idporten => "idporten-signing-key.p8",
        }
    }
}

/// The signing key of an embedded issuer, loaded or created where keys live.
pub async fn signing_key(
    config: &Config,
    store: &dyn Store,
    issuer: Issuer,
) -> anyhow::Result<SigningKey> {
    let name = issuer.file_name();
    let context = || format!("loading the {issuer:?} signing key");
    match store.shared_state() {
        Some(shared) => {
            let der = match shared.load_secret(name).await? {
                Some(der) => der,
                None => {
                    let fresh = SigningKey::generate_pkcs8().map_err(anyhow::Error::msg)?;
                    shared.create_secret(name, fresh).await?
                }
            };
            SigningKey::from_pkcs8(&der)
                .map_err(|e| anyhow::anyhow!("the database's {name}: {e}"))
                .with_context(context)
        }
        None => SigningKey::load_or_create(&config.data_dir.join("keys").join(name))
            .with_context(context),
    }
}

/// Every key file of `DIR/keys/`, by the name of its secret in the database.
pub const KEY_FILES: [&str; 4] = [
    "altinn-signing-key.p8",
    "maskinporten-signing-key.p8",
    "idporten-signing-key.p8",
    DialogTokenKeyRing::FILE_NAME,
];

/// The secret that holds the dialog-token key ring in the database.
const DIALOG_TOKEN_SECRET: &str = DialogTokenKeyRing::FILE_NAME;

async fn shared_ring(shared: &dyn SharedState) -> anyhow::Result<DialogTokenKeyRing> {
    let text = match shared.load_secret(DIALOG_TOKEN_SECRET).await? {
        Some(text) => text,
        None => {
            let fresh = DialogTokenKeyRing::generate()?.to_json();
            shared.create_secret(DIALOG_TOKEN_SECRET, fresh).await?
        }
    };
    Ok(DialogTokenKeyRing::from_json(
        &text,
        &format!("the database's {DIALOG_TOKEN_SECRET}"),
    )?)
}

/// The dialog-token issuer; in every mode, since Dialogporten itself issues dialog tokens also
/// when it trusts external issuers.
pub async fn dialog_token_issuer(
    config: &Config,
    store: &dyn Store,
) -> anyhow::Result<Arc<DialogTokenIssuer>> {
    let ring = match store.shared_state() {
        Some(shared) => shared_ring(shared).await,
        None => DialogTokenKeyRing::load_or_create(&config.data_dir).map_err(Into::into),
    }
    .context("loading the dialog-token keys")?;
    Ok(Arc::new(DialogTokenIssuer::new(config.public_url(), ring)))
}

/// `keys rotate`: rotates the ring where it lives and returns the rotation with a description
/// of that place.
pub async fn rotate_dialog_token_keys(
    config: &Config,
    store: &dyn Store,
) -> anyhow::Result<(dp_auth::dialog_token::Rotation, String)> {
    match store.shared_state() {
        Some(shared) => {
            let previous = shared_ring(shared).await?;
            let current = previous.rotated(DIALOG_TOKEN_SECRET)?;
            shared
                .replace_secret(DIALOG_TOKEN_SECRET, current.to_json())
                .await?;
            let rotation = dp_auth::dialog_token::Rotation { previous, current };
            Ok((rotation, config.store_description()))
        }
        None => {
            let rotation = DialogTokenKeyRing::rotate(&config.data_dir)?;
            let path = DialogTokenKeyRing::path(&config.data_dir);
            Ok((rotation, path.display().to_string()))
        }
    }
}
