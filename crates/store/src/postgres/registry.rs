//! The registry on PostgreSQL: one document, validated before it is stored (a document whose
//! references do not resolve is refused and leaves the stored one in place), and a revision
//! that every instance reads on each request, so a grant made through one instance is seen by
//! all of them on their next request (issue 13 item 3).

use deadpool_postgres::GenericClient;
use dp_authz::RegistryDocument;

use crate::StoreError;

pub(super) async fn replace(
    client: &impl GenericClient,
    document: &RegistryDocument,
) -> Result<(), StoreError> {
    dp_authz::Registry::new(document.clone())
        .map_err(|e| StoreError::Database(format!("registry refused: {e}")))?;
    let text = serde_json::to_string(document)
        .map_err(|e| StoreError::Corrupt(format!("unserializable registry: {e}")))?;
    let statement = client
        .prepare_cached("update registry set document = $1, revision = revision + 1 where id = 1")
        .await?;
    client.execute(&statement, &[&text]).await?;
    Ok(())
}

pub(super) async fn load(
    client: &impl GenericClient,
) -> Result<Option<RegistryDocument>, StoreError> {
    let statement = client
        .prepare_cached("select document from registry where id = 1")
        .await?;
    let row = client.query_one(&statement, &[]).await?;
    let text: Option<&str> = row.get(0);
    text.map(|t| serde_json::from_str(t).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

pub(super) async fn revision(client: &impl GenericClient) -> Result<i64, StoreError> {
    let statement = client
        .prepare_cached("select revision from registry where id = 1")
        .await?;
    Ok(client.query_one(&statement, &[]).await?.get(0))
}
