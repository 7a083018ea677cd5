//! The commands of the application core against a real SQLite store and the demo registry:
//! each returns the domain events it caused (issue 12 item 1), in order, with the silent flag.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use dp_app::dialogs::{children, create, lifecycle};
use dp_app::events::{DialogRef, DomainEvent};
use dp_app::input::{Activity, CreateDialog};
use dp_app::{AppError, DialogState};
use dp_auth::{Principal, Scheme};
use dp_authz::Registry;
use dp_authz::access::{RegistryAuthorization, RegistrySource};

struct Demo(Arc<Registry>);

impl RegistrySource for Demo {
    fn registry(&self) -> Arc<Registry> {
        self.0.clone()
    }
}

fn state(dir: &tempfile::TempDir) -> DialogState {
    let registry = Arc::new(Registry::demo());
    let authorization = Arc::new(RegistryAuthorization::new(Arc::new(Demo(registry.clone()))));
    DialogState {
        store: dp_store::sqlite::open(&dir.path().join("dialogs.sqlite")).unwrap(),
        registry,
        access: authorization.clone(),
        pdp: authorization,
        dialog_tokens: None,
    }
}

/// Digdir (`ttd`) with the service-provider scope, as a Maskinporten token names it.
fn service_owner() -> Principal {
    let claims = serde_json::json!({
        "scope": "digdir:dialogporten.serviceprovider",
        "consumer": { "authority": "iso6523-actorid-upis", "ID": "0192:991825827" },
    });
    let serde_json::Value::Object(claims) = claims else {
        unreachable!()
    };
    Principal::from_claims(Scheme::Maskinporten, Arc::new(claims), i64::MAX)
}

fn input() -> CreateDialog {
    serde_json::from_value(serde_json::json!({
        "serviceResource": "urn:altinn:resource:ttd-dialogporten-automated-tests",
        "party": "urn:altinn:organization:identifier-no:310923044",
        "status": "InProgress",
        "content": {
            "title": { "value": [ { "languageCode": "nb", "value": "Tittel" } ] },
            "summary": { "value": [ { "languageCode": "nb", "value": "Sammendrag" } ] }
        },
        "transmissions": [ {
            "type": "Information",
            "sender": { "actorType": "ServiceOwner" },
            "content": {
                "title": { "value": [ { "languageCode": "nb", "value": "Melding" } ] },
                "summary": { "value": [ { "languageCode": "nb", "value": "Innhold" } ] }
            }
        } ],
        "activities": [ { "type": "Information", "performedBy": { "actorType": "ServiceOwner" },
                          "description": [ { "languageCode": "nb", "value": "Startet" } ] } ]
    }))
    .unwrap()
}

fn kinds(events: &[DomainEvent]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| match e {
            DomainEvent::Created(_) => "created",
            DomainEvent::Updated(_) => "updated",
            DomainEvent::Deleted { hard: false, .. } => "deleted",
            DomainEvent::Deleted { hard: true, .. } => "purged",
            DomainEvent::Restored(_) => "restored",
            DomainEvent::Seen { .. } => "seen",
            DomainEvent::TransmissionCreated { .. } => "transmission created",
            DomainEvent::ActivityCreated { .. } => "activity created",
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_return_the_events_they_caused() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let owner = service_owner();

    let created = create::create(&state, &owner, input(), false)
        .await
        .unwrap();
    let id = created.value.id;
    assert_eq!(
        kinds(&created.events),
        ["created", "transmission created", "activity created"]
    );
    let DomainEvent::Created(reference) = &created.events[0] else {
        unreachable!()
    };
    assert_eq!(
        reference,
        &DialogRef {
            dialog_id: id,
            service_resource: "urn:altinn:resource:ttd-dialogporten-automated-tests".into(),
            party: "urn:altinn:organization:identifier-no:310923044".into(),
            process: None,
            preceding_process: None,
            silent: false,
            visible_from: None,
        }
    );

    let activity: Activity = serde_json::from_value(serde_json::json!({
        "type": "Information", "performedBy": { "actorType": "ServiceOwner" },
        "description": [ { "languageCode": "nb", "value": "Mer" } ] }))
    .unwrap();
    let appended = children::append_activity(&state, &owner, (id, None, true), activity)
        .await
        .unwrap();
    assert_eq!(kinds(&appended.events), ["updated", "activity created"]);
    assert!(
        appended.events.iter().all(|e| e.dialog().silent),
        "a silent update says so"
    );
    let DomainEvent::ActivityCreated { activity_id, .. } = &appended.events[1] else {
        unreachable!()
    };
    assert_eq!(*activity_id, appended.value.id);

    let deleted = lifecycle::delete(&state, &owner, id, Some(appended.value.revision))
        .await
        .unwrap();
    assert_eq!(kinds(&deleted.events), ["deleted"]);
    let restored = lifecycle::restore(&state, &owner, id, None).await.unwrap();
    assert_eq!(kinds(&restored.events), ["restored"]);
    let again = lifecycle::restore(&state, &owner, id, None).await.unwrap();
    assert!(again.events.is_empty(), "a no-op causes nothing");
    assert_eq!(again.value, restored.value);

    // A refused command causes nothing and changes nothing.
    let stale = lifecycle::delete(&state, &owner, id, Some(created.value.revision)).await;
    assert!(matches!(stale, Err(AppError::PreconditionFailed)));

    let purged = lifecycle::purge(&state, &owner, id, None).await.unwrap();
    assert_eq!(kinds(&purged.events), ["purged"]);
    assert!(state.get_dialog(id).await.unwrap().is_none());
}
