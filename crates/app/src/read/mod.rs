//! Read models (issue 12): one typed struct per response schema of the contract, built from the
//! stored aggregate by an allow-list and serialized by serde straight into the response body
//! (no intermediate `serde_json::Value`).
//!
//! * [`serviceowner`]: `V1ServiceOwnerDialogsQueries*` (api.md §1, §3.1, §4.7, §4.8, §6);
//! * [`enduser`]: `V1EndUserDialogsQueries*` (api.md §3.2, §4.7, §6), with the reader's
//!   authorization flags and URL replacement;
//! * [`metadata`]: the identifier lookups, authorized parties, service-resource metadata and
//!   search limits (api.md §1, §4.8; authz.md §3.3, §3.4);
//! * [`presentation`]: the end-user passes over these models: localization pruning by
//!   `Accept-Language`, masking of other persons' ids, URL replacement (api.md §0, §4.7, §6);
//! * [`common`]: the parts both groups share.
//!
//! Models borrow from the dialog they show (`&'a str`, `Cow` where a pass may replace a value),
//! so building one copies no text. JSON keys keep the order of the contract's properties as the
//! service has always written them; absent optional values are left out, except `null` for an
//! activity without a description.

pub mod common;
pub mod enduser;
pub mod metadata;
pub mod presentation;
pub mod serviceowner;

#[cfg(test)]
mod tests;
