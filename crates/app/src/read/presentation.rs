//! How end users see dialog data (api.md §0, §3.2, §4.7, §6), as passes over the typed read
//! models: localizations pruned to the one language the request prefers, other people's
//! national identity numbers masked, and links the user may not follow replaced.
//!
//! Pruning and masking visit every localization list and every actor of a model through
//! [`Walk`]; the URL passes ([`hide_attachment_urls`], [`hide_navigational_urls`],
//! [`hide_content_reference`]) work on the parts that carry URLs.

use std::borrow::Cow;
use std::sync::OnceLock;

use dp_domain::Timestamp;

use super::common::{
    Activity, Actor, ApiAction, Attachment, ContentValue, GuiAction, LabelAssignment, Localization,
    NavigationalAction, SeenLog, TransmissionContent,
};
use super::metadata::{
    AuthorizationEvidence, EndUserLookup, EvidenceItem, LookupServiceOwner, LookupServiceResource,
};

pub const UNAUTHORIZED_URL: &str = "urn:dialogporten:unauthorized";
pub const EXPIRED_URL: &str = "urn:dialogporten:expired";

/// What a pass does with the parts of a model it visits.
pub trait Visitor<'a> {
    fn localizations(&mut self, _list: &mut Vec<Localization<'a>>) {}
    fn actor(&mut self, _actor: &mut Actor<'a>) {}
}

/// A read model whose localization lists and actors a [`Visitor`] can reach.
pub trait Walk<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>);
}

impl<'a, T: Walk<'a>> Walk<'a> for Vec<T> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.iter_mut().for_each(|item| item.walk(visitor));
    }
}

impl<'a, T: Walk<'a>> Walk<'a> for Option<T> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        if let Some(item) = self {
            item.walk(visitor);
        }
    }
}

impl<'a> Walk<'a> for ContentValue<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.localizations(&mut self.value);
    }
}

impl<'a> Walk<'a> for Actor<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.actor(self);
    }
}

impl<'a> Walk<'a> for Attachment<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.localizations(&mut self.display_name);
    }
}

impl<'a> Walk<'a> for GuiAction<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.localizations(&mut self.title);
        if let Some(prompt) = &mut self.prompt {
            visitor.localizations(prompt);
        }
    }
}

impl<'a> Walk<'a> for ApiAction<'a> {
    fn walk(&mut self, _visitor: &mut dyn Visitor<'a>) {}
}

impl<'a> Walk<'a> for Activity<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.actor(&mut self.performed_by);
        if let Some(description) = &mut self.description {
            visitor.localizations(description);
        }
    }
}

impl<'a> Walk<'a> for NavigationalAction<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.localizations(&mut self.title);
    }
}

impl<'a> Walk<'a> for TransmissionContent<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.title.walk(visitor);
        self.summary.walk(visitor);
        self.content_reference.walk(visitor);
    }
}

impl<'a> Walk<'a> for SeenLog<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.actor(&mut self.seen_by);
    }
}

impl<'a> Walk<'a> for LabelAssignment<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.actor(&mut self.performed_by);
    }
}

impl<'a> Walk<'a> for EvidenceItem<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        if let Some(name) = &mut self.name {
            visitor.localizations(name);
        }
    }
}

impl<'a> Walk<'a> for AuthorizationEvidence<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.evidence.walk(visitor);
    }
}

impl<'a> Walk<'a> for LookupServiceOwner<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.localizations(&mut self.name);
    }
}

impl<'a> Walk<'a> for LookupServiceResource<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        visitor.localizations(&mut self.name);
    }
}

impl<'a> Walk<'a> for EndUserLookup<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.service_owner.walk(visitor);
        self.service_resource.walk(visitor);
        self.authorization_evidence.walk(visitor);
        if let Some(title) = &mut self.title {
            visitor.localizations(title);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Localization pruning

/// DP's `PruneLocalizations` on one list: it keeps one localization, the first of `order` that
/// it has; a list with none of them is left whole, and an empty order (no `Accept-Language`)
/// prunes nothing.
pub fn prune_list(list: &mut Vec<Localization<'_>>, order: &[String]) {
    let chosen = order
        .iter()
        .find_map(|language| list.iter().position(|l| l.language_code == language));
    if let Some(index) = chosen {
        let keep = list.swap_remove(index);
        list.clear();
        list.push(keep);
    }
}

struct Prune<'o>(&'o [String]);

impl<'a> Visitor<'a> for Prune<'_> {
    fn localizations(&mut self, list: &mut Vec<Localization<'a>>) {
        prune_list(list, self.0);
    }
}

/// Prunes every localization list of `model` to the request's preference `order` (from the
/// `Accept-Language` header, fallbacks included; see [`prune_list`]).
pub fn prune_localizations<'a>(model: &mut (impl Walk<'a> + ?Sized), order: &[String]) {
    if !order.is_empty() {
        model.walk(&mut Prune(order));
    }
}

// ---------------------------------------------------------------------------------------------
// Masking

const PERSON_PREFIX: &str = "urn:altinn:person:identifier-no:";

/// A per-process random salt: the same person masks to the same id within one run only
/// (DP `IdentifierMasker`).
fn salt() -> &'static [u8; 32] {
    static SALT: OnceLock<[u8; 32]> = OnceLock::new();
    SALT.get_or_init(rand::random)
}

/// `urn:altinn:person:identifier-ephemeral:<10 hex>` for a person identifier.
pub fn mask(actor_id: &str) -> String {
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    context.update(salt());
    context.update(actor_id.as_bytes());
    let digest = context.finish();
    let hex: String = digest.as_ref()[..5]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("urn:altinn:person:identifier-ephemeral:{hex}")
}

struct Mask;

impl<'a> Visitor<'a> for Mask {
    fn actor(&mut self, actor: &mut Actor<'a>) {
        if let Some(id) = &mut actor.actor_id
            && id.starts_with(PERSON_PREFIX)
        {
            *id = Cow::Owned(mask(id));
        }
    }
}

/// Masks the id of every person actor in `model` (api.md §4.7).
pub fn mask_person_ids<'a>(model: &mut (impl Walk<'a> + ?Sized)) {
    model.walk(&mut Mask);
}

/// The last steps of every end-user view: prune languages, mask person ids.
pub fn finish<'a>(model: &mut (impl Walk<'a> + ?Sized), order: &[String]) {
    prune_localizations(model, order);
    mask_person_ids(model);
}

// ---------------------------------------------------------------------------------------------
// URL replacement (api.md §6)

fn expired(expires_at: Option<Timestamp>, now: Timestamp) -> bool {
    expires_at.is_some_and(|t| t < now)
}

/// With `authorized == false` every attachment URL becomes `urn:dialogporten:unauthorized`;
/// otherwise the URLs of attachments expired at `now` become `urn:dialogporten:expired`.
pub fn hide_attachment_urls(attachments: &mut [Attachment<'_>], authorized: bool, now: Timestamp) {
    for attachment in attachments {
        let replacement = if !authorized {
            UNAUTHORIZED_URL
        } else if expired(attachment.expires_at, now) {
            EXPIRED_URL
        } else {
            continue;
        };
        for url in &mut attachment.urls {
            url.url = replacement;
        }
    }
}

/// Navigational actions as attachments: unauthorized, else expired, URLs replaced.
pub fn hide_navigational_urls(
    actions: &mut [NavigationalAction<'_>],
    authorized: bool,
    now: Timestamp,
) {
    for action in actions {
        if !authorized {
            action.url = UNAUTHORIZED_URL;
        } else if expired(action.expires_at, now) {
            action.url = EXPIRED_URL;
        }
    }
}

/// A content reference the user may not follow: every localization becomes
/// `urn:dialogporten:unauthorized`.
pub fn hide_content_reference(reference: &mut ContentValue<'_>) {
    for localization in &mut reference.value {
        localization.value = Cow::Borrowed(UNAUTHORIZED_URL);
    }
}
