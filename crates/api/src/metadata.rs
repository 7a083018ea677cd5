//! The anonymous metadata group (`MetadataGroup` in the real service's
//! `Digdir.Domain.Dialogporten.WebApi/Endpoints/V1/Metadata`): `GET /api/v1/metadata/limits`,
//! the search limits this server enforces (api.md §3.1–3.2), so clients can size their
//! filters, and `GET /api/v1/metadata/serviceresources`, the service resources in use.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::read::common::Items;
use dp_app::read::metadata::{
    EndUserSearchLimits, Limits, ServiceOwnerSearchLimits, ServiceResourceMetadataItem,
};

use crate::problem::ApiError;
use crate::state::DialogState;

pub use crate::respond::require_json_accept;
use dp_app::validate::{
    MAX_END_USER_PARTY_VALUES as MAX_END_USER_PARTY_FILTER_VALUES, MAX_FILTER_VALUES,
};

pub async fn limits(headers: HeaderMap) -> Result<Response, ApiError> {
    require_json_accept(&headers)?;
    let body = Limits {
        end_user_search: EndUserSearchLimits {
            max_extended_status_filter_values: MAX_FILTER_VALUES,
            max_org_filter_values: MAX_FILTER_VALUES,
            max_party_filter_values: MAX_END_USER_PARTY_FILTER_VALUES,
            max_service_resource_filter_values: MAX_FILTER_VALUES,
        },
        service_owner_search: ServiceOwnerSearchLimits {
            max_extended_status_filter_values: MAX_FILTER_VALUES,
            max_party_filter_values: MAX_FILTER_VALUES,
            max_service_resource_filter_values: MAX_FILTER_VALUES,
        },
    };
    Ok(crate::respond::ok_json(&body, None))
}

/// `GET /api/v1/metadata/serviceresources` (`GetServiceResourceMetadataEndpoint`): the metadata
/// of every service resource some dialog refers to, in the end-user `serviceresources` item
/// shape, ordered by name (`nb`, else `en`, else the first language) and then id. Names are
/// pruned by `Accept-Language`; a header that does not parse is ignored here, as the real
/// endpoint ignores it.
pub async fn service_resources(
    State(state): State<DialogState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_json_accept(&headers)?;
    let languages = crate::enduser::presentation::accepted_languages(&headers).unwrap_or_default();
    let registry = state.registry.clone();
    let candidates: Vec<String> = registry
        .document()
        .resources
        .iter()
        .map(|r| format!("urn:altinn:resource:{}", r.identifier))
        .collect();
    let probes = candidates.into_iter().map(|r| (None, r)).collect();
    let referenced = state.store.resources_in_use(probes).await?;
    let mut items: Vec<((String, String), ServiceResourceMetadataItem)> = referenced
        .iter()
        .map(|resource| {
            let id = resource.trim_start_matches("urn:altinn:resource:");
            let title = registry.resource(id).map(|r| &r.title);
            let name = title
                .and_then(|t| {
                    t.get("nb")
                        .or_else(|| t.get("en"))
                        .or_else(|| t.values().next())
                })
                .cloned()
                .unwrap_or_default()
                .to_lowercase();
            let item = crate::enduser::parties::resource_item(&registry, resource, &languages);
            ((name, id.to_owned()), item)
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let items = items.into_iter().map(|(_, item)| item).collect();
    Ok(crate::respond::ok_json(&Items { items }, None))
}
