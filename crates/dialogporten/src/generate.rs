//! `dialogporten generate`: fills a store with realistic, reproducible data for benchmarks
//! (issue 6): a registry of service owners, organisations and persons who hold rights over
//! many parties, and dialogs with content in nb/nn/en, transmissions, activities, attachments,
//! labels and seen logs. Dialogs per party and per resource are skewed (a few parties and
//! services have most of them, as in real data). Written in large transactions.

use std::time::Instant;

use anyhow::Context;
use dp_authz::RegistryDocument;
use dp_authz::registry::{
    Party, ResourceType, RoleAssignment, Rule, ServiceOwner, ServiceResource,
};
use dp_domain::Timestamp;
use dp_domain::dialog::{
    Activity, Actor, Attachment, AttachmentUrl, Content, ContentValue, Dialog, EndUserContext,
    GuiAction, Localization, SeenLog, ServiceOwnerContext, Transmission, TransmissionContent,
};
use dp_domain::enums::{
    ActivityType, ActorType, AttachmentUrlConsumerType, DialogStatus, GuiActionPriority, HttpVerb,
    SystemLabel, TransmissionType,
};
use dp_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Dialogs per transaction: large enough to amortise the commit, small enough to keep memory flat.
const BATCH: usize = 5_000;
const RESOURCES_PER_OWNER: usize = 3;
/// Dialogs are spread over the last two years.
const SPAN_MICROS: i64 = 2 * 365 * 24 * 3600 * 1_000_000;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub dialogs: usize,
    pub parties: usize,
    pub service_owners: usize,
    pub seed: u64,
}

/// What was generated, for the summary line.
pub struct Generated {
    pub dialogs: usize,
    pub parties: usize,
    pub persons: usize,
    pub seconds: f64,
}

/// A valid organisation number from a counter, distinct for distinct counters (mod-11
/// weights 3,2,7,6,5,4,3,2; one of ten consecutive bases always has a valid check digit).
pub fn org_number(n: usize) -> String {
    let weights = [3, 2, 7, 6, 5, 4, 3, 2];
    for i in 0..10 {
        let base = 31_000_000 + n * 10 + i;
        let digits: Vec<usize> = base
            .to_string()
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| d as usize)
            .collect();
        let sum: usize = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
        let check = (11 - sum % 11) % 11;
        if check != 10 {
            return format!("{base}{check}");
        }
    }
    unreachable!("one of ten consecutive bases has a check digit")
}

fn fnr_checks(base: &str) -> Option<String> {
    let digits: Vec<usize> = base
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| d as usize)
        .collect();
    let check = |weights: &[usize], digits: &[usize]| {
        let k = 11
            - weights
                .iter()
                .zip(digits)
                .map(|(w, d)| w * d)
                .sum::<usize>()
                % 11;
        if k == 11 {
            Some(0)
        } else if k == 10 {
            None
        } else {
            Some(k)
        }
    };
    let k1 = check(&[3, 7, 6, 1, 8, 9, 4, 5, 2], &digits)?;
    let mut with = digits.clone();
    with.push(k1);
    let k2 = check(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2], &with)?;
    Some(format!("{base}{k1}{k2}"))
}

/// A valid synthetic national identity number (born 1980–1999), distinct for distinct counters.
pub fn person_number(n: usize) -> String {
    // Forty candidates per counter: distinct counters never share a number below 150 000.
    for i in 0..40 {
        let serial = n * 40 + i;
        let individual = 100 + serial % 900;
        let rest = serial / 900;
        let day = 1 + rest % 28;
        let month = 1 + (rest / 28) % 12;
        let year = 80 + (rest / 336) % 20;
        if let Some(number) = fnr_checks(&format!("{day:02}{month:02}{year:02}{individual:03}")) {
            return number;
        }
    }
    unreachable!("a valid number among forty consecutive candidates")
}

/// One person per ten parties, at most 100 000.
fn persons_for(options: &GenerateOptions) -> usize {
    (options.parties / 10).clamp(1, 100_000)
}

/// A skewed index in `0..n`: low indexes are much more likely (about 40% of draws land in the
/// first 10%), like dialogs over parties and services.
fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.random();
    ((u * u * u) * n as f64) as usize % n.max(1)
}

/// Ordered by language code, as the API stores every localization list.
fn loc(nb: &str, nn: &str, en: &str) -> Vec<Localization> {
    vec![
        Localization {
            language_code: "en".into(),
            value: en.into(),
        },
        Localization {
            language_code: "nb".into(),
            value: nb.into(),
        },
        Localization {
            language_code: "nn".into(),
            value: nn.into(),
        },
    ]
}

fn text(nb: &str, nn: &str, en: &str) -> ContentValue {
    ContentValue {
        value: loc(nb, nn, en),
        media_type: "text/plain".into(),
    }
}

const SUBJECTS: &[(&str, &str, &str)] = &[
    ("Skattemelding", "Skattemelding", "Tax return"),
    ("Sykepenger", "Sjukepengar", "Sickness benefit"),
    ("Byggesøknad", "Byggjesøknad", "Building application"),
    ("Merverdiavgift", "Meirverdiavgift", "Value added tax"),
    ("Årsregnskap", "Årsrekneskap", "Annual accounts"),
    ("Foreldrepenger", "Foreldrepengar", "Parental benefit"),
    ("Tilskudd", "Tilskot", "Grant"),
    ("Innkreving", "Innkrevjing", "Debt collection"),
];

/// The registry: `service_owners` owners with three resources each, `parties` organisations
/// (every tenth a sub-unit), a person per ten parties holding DAGL on a skewed set of them
/// (a few persons represent hundreds of parties).
pub fn registry(options: &GenerateOptions, rng: &mut StdRng) -> RegistryDocument {
    let mut document = RegistryDocument::default();
    for s in 0..options.service_owners {
        let code = format!("so{s:03}");
        document.service_owners.push(ServiceOwner {
            org_code: code.clone(),
            org_number: org_number(900_000 + s),
            name: [("nb".to_owned(), format!("Tjenesteeier {s}"))]
                .into_iter()
                .collect(),
        });
        for r in 0..RESOURCES_PER_OWNER {
            document.resources.push(ServiceResource {
                identifier: format!("{code}-service-{r}"),
                resource_type: ResourceType::GenericAccessResource,
                owner: code.clone(),
                title: [("nb".to_owned(), format!("Tjeneste {r} hos {code}"))]
                    .into_iter()
                    .collect(),
                minimum_authentication_level: 3,
                rules: vec![Rule {
                    subjects: vec![
                        "urn:altinn:rolecode:priv".into(),
                        "urn:altinn:rolecode:dagl".into(),
                    ],
                    actions: vec!["read".into(), "write".into(), "transmissionread".into()],
                    resource_attributes: Default::default(),
                }],
            });
        }
    }
    for p in 0..options.parties {
        let identifier = format!("urn:altinn:organization:identifier-no:{}", org_number(p));
        let parent = (p % 10 == 9 && p > 0).then(|| {
            format!(
                "urn:altinn:organization:identifier-no:{}",
                org_number(p - 1)
            )
        });
        document.parties.push(Party {
            identifier,
            name: format!("VIRKSOMHET {p} AS"),
            parent,
        });
    }
    let persons = persons_for(options);
    for q in 0..persons {
        let person = format!("urn:altinn:person:identifier-no:{}", person_number(q));
        document.parties.push(Party {
            identifier: person.clone(),
            name: format!("PERSON {q}"),
            parent: None,
        });
        // Person q holds DAGL on a number of parties that falls off steeply with q.
        let count = (options.parties / (q + 1)).clamp(1, 500);
        let mut chosen = std::collections::BTreeSet::new();
        for _ in 0..count {
            chosen.insert(rng.random_range(0..options.parties));
        }
        for p in chosen {
            document.roles.push(RoleAssignment {
                from: format!("urn:altinn:organization:identifier-no:{}", org_number(p)),
                to: person.clone(),
                role: "DAGL".into(),
            });
        }
    }
    document
}

/// A UUIDv7 at `micros` with random bits from the seeded generator, so the same seed gives the
/// same ids and every id's timestamp is its dialog's creation time (api.md §2 id rules).
fn v7(rng: &mut StdRng, micros: i64) -> Uuid {
    let millis = u64::try_from(micros / 1000).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.random::<[u8; 10]>()).into_uuid()
}

fn v4(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random::<[u8; 16]>()).into_uuid()
}

fn dialog(
    rng: &mut StdRng,
    document: &RegistryDocument,
    options: &GenerateOptions,
    created: i64,
    now: i64,
) -> Dialog {
    let resource = &document.resources[skewed(rng, document.resources.len())];
    let party = if rng.random_bool(0.85) {
        format!(
            "urn:altinn:organization:identifier-no:{}",
            org_number(skewed(rng, options.parties))
        )
    } else {
        let persons = persons_for(options);
        format!(
            "urn:altinn:person:identifier-no:{}",
            person_number(skewed(rng, persons))
        )
    };
    let (nb, nn, en) = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
    let number: u32 = rng.random_range(1000..99_999);
    // Spread over the last two years, in microseconds.
    let created_at = Timestamp::from_unix_micros(created).unwrap_or_else(Timestamp::now);
    // Updated up to 30 days later, never after now (a dialog "updated" in the future would
    // count as unseen on every read).
    let updated = (created + rng.random_range(0..2_592_000_000_000_i64)).min(now);
    let updated_at = Timestamp::from_unix_micros(updated).unwrap_or(created_at);
    let service_owner = Actor {
        actor_type: ActorType::ServiceOwner,
        actor_name: None,
        actor_id: None,
    };
    let transmissions: Vec<Transmission> = (0..rng.random_range(0..4))
        .map(|t| Transmission {
            id: v7(rng, created),
            idempotent_key: None,
            created_at,
            authorization_attribute: None,
            extended_type: None,
            external_reference: None,
            related_transmission_id: None,
            transmission_type: if t % 3 == 2 {
                TransmissionType::Submission
            } else {
                TransmissionType::Information
            },
            sender: service_owner.clone(),
            content: TransmissionContent {
                title: Some(text(
                    &format!("{nb}: melding {t}"),
                    &format!("{nn}: melding {t}"),
                    &format!("{en}: message {t}"),
                )),
                ..TransmissionContent::default()
            },
            attachments: Vec::new(),
            navigational_actions: Vec::new(),
        })
        .collect();
    let activities: Vec<Activity> = (0..rng.random_range(1..4))
        .map(|_| Activity {
            id: v7(rng, created),
            created_at,
            extended_type: None,
            activity_type: ActivityType::DialogOpened,
            transmission_id: None,
            performed_by: service_owner.clone(),
            description: Vec::new(),
        })
        .collect();
    let attachments: Vec<Attachment> = (0..rng.random_range(0..3))
        .map(|a| Attachment {
            id: v7(rng, created),
            display_name: loc(
                &format!("Vedlegg {a}"),
                &format!("Vedlegg {a}"),
                &format!("Attachment {a}"),
            ),
            name: Some(format!("vedlegg-{a}.pdf")),
            urls: vec![AttachmentUrl {
                id: v7(rng, created),
                url: format!("https://example.com/{number}/{a}.pdf"),
                media_type: Some("application/pdf".into()),
                consumer_type: AttachmentUrlConsumerType::Gui,
            }],
            expires_at: None,
        })
        .collect();
    let seen_log = if rng.random_bool(0.4) {
        vec![SeenLog {
            id: v7(rng, created),
            seen_at: updated_at,
            seen_by: Actor {
                actor_type: ActorType::PartyRepresentative,
                actor_name: Some("PERSON 0".into()),
                actor_id: Some(format!(
                    "urn:altinn:person:identifier-no:{}",
                    person_number(0)
                )),
            },
            is_via_service_owner: false,
        }]
    } else {
        Vec::new()
    };
    let labels = if rng.random_bool(0.3) {
        vec![format!("case:{number}")]
    } else {
        Vec::new()
    };
    let system_label = match rng.random_range(0..10) {
        0 => SystemLabel::Bin,
        1 | 2 => SystemLabel::Archive,
        _ => SystemLabel::Default,
    };
    let statuses = [
        DialogStatus::InProgress,
        DialogStatus::Awaiting,
        DialogStatus::Completed,
        DialogStatus::RequiresAttention,
        DialogStatus::NotApplicable,
    ];
    let mut dialog = Dialog {
        id: v7(rng, created),
        revision: v4(rng),
        org: resource.owner.clone(),
        service_resource: format!("urn:altinn:resource:{}", resource.identifier),
        service_resource_type: "genericaccessresource".into(),
        party,
        idempotent_key: None,
        progress: Some(rng.random_range(0..=100)),
        extended_status: None,
        external_reference: Some(format!("ref-{number}")),
        visible_from: None,
        due_at: None,
        expires_at: None,
        created_at,
        updated_at,
        content_updated_at: updated_at,
        deleted_at: None,
        frozen: false,
        process: None,
        preceding_process: None,
        is_api_only: false,
        status: statuses[rng.random_range(0..statuses.len())],
        has_unopened_content: false,
        content: Content {
            title: Some(text(
                &format!("{nb} {number}"),
                &format!("{nn} {number}"),
                &format!("{en} {number}"),
            )),
            summary: Some(text(
                &format!("Saken gjelder {nb} nr. {number}"),
                &format!("Saka gjeld {nn} nr. {number}"),
                &format!("Regarding {en} no. {number}"),
            )),
            sender_name: Some(text(&resource.owner, &resource.owner, &resource.owner)),
            ..Content::default()
        },
        search_tags: vec![nb.to_lowercase()],
        attachments,
        gui_actions: vec![GuiAction {
            id: v7(rng, created),
            action: "read".into(),
            url: format!("https://example.com/{number}"),
            authorization_attribute: None,
            is_delete_dialog_action: false,
            http_method: HttpVerb::Get,
            priority: GuiActionPriority::Primary,
            title: loc("Åpne", "Opne", "Open"),
            prompt: None,
        }],
        api_actions: Vec::new(),
        transmissions,
        activities,
        seen_log,
        end_user_context: EndUserContext {
            revision: v4(rng),
            system_labels: vec![system_label],
            label_log: Vec::new(),
        },
        service_owner_context: ServiceOwnerContext {
            revision: v4(rng),
            service_owner_labels: labels,
        },
    };
    if dialog.transmissions.iter().any(Transmission::is_from_party) {
        dialog.end_user_context.add(SystemLabel::Sent);
    }
    dialog.has_unopened_content = dialog.compute_has_unopened_content(false);
    dialog
}

/// Generates into `store`, replacing its registry. Shows a progress bar with rate and ETA.
pub async fn generate(
    store: &dyn Store,
    options: &GenerateOptions,
    progress: bool,
) -> anyhow::Result<Generated> {
    anyhow::ensure!(
        options.parties > 0 && options.service_owners > 0,
        "--parties and --service-owners must be at least 1"
    );
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let document = registry(options, &mut rng);
    let persons = document
        .parties
        .iter()
        .filter(|p| p.identifier.contains(":person:"))
        .count();
    dp_authz::Registry::new(document.clone()).context("the generated registry is invalid")?;
    store.replace_registry(document.clone()).await?;
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(options.dialogs as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} dialogs  {per_sec}  {elapsed_precise} elapsed, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let now = Timestamp::now().unix_micros();
    let mut written = 0;
    while written < options.dialogs {
        let count = BATCH.min(options.dialogs - written);
        let batch: Vec<Dialog> = (0..count)
            .map(|i| {
                // Dialogs arrive over the last two years in order, as a live service receives
                // them: creation times (and so the UUIDv7 ids) grow through the run, which keeps
                // the id index appending instead of splitting pages all over a large file.
                let position = (written + i) as i64;
                let created = now - SPAN_MICROS
                    + position * SPAN_MICROS / options.dialogs.max(1) as i64
                    + rng.random_range(0..1_000_000);
                dialog(&mut rng, &document, options, created.min(now), now)
            })
            .collect();
        store
            .insert_dialogs(batch)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        written += count;
        bar.set_position(written as u64);
    }
    bar.finish();
    Ok(Generated {
        dialogs: written,
        parties: options.parties,
        persons,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn numbers_pass_their_checks_and_a_small_store_is_searchable() {
        for n in [0, 1, 17, 999, 123_456] {
            assert!(
                dp_domain::OrganizationNumber::parse(&org_number(n)).is_ok(),
                "{}",
                org_number(n)
            );
            assert!(
                dp_domain::NationalIdentityNumber::parse(&person_number(n)).is_ok(),
                "{}",
                person_number(n)
            );
        }
        let dir = tempfile::tempdir().expect("dir");
        let store = dp_store::sqlite::open(&dir.path().join("g.db")).expect("store");
        let options = GenerateOptions {
            dialogs: 1_200,
            parties: 50,
            service_owners: 2,
            seed: 7,
        };
        let generated = generate(store.as_ref(), &options, false)
            .await
            .expect("generated");
        assert_eq!(generated.dialogs, 1_200);
        let registry = store.load_registry().await.expect("load").expect("stored");
        assert_eq!(registry.service_owners.len(), 2);
        let found = store
            .search_dialogs(dp_store::DialogQuery {
                org: vec!["so000".into()],
                limit: 10_000,
                ..Default::default()
            })
            .await
            .expect("search");
        assert!(!found.is_empty() && found.len() < 1_200);
        let hits = store
            .search_dialogs(dp_store::DialogQuery {
                search: Some("sykepenger".into()),
                limit: 10_000,
                ..Default::default()
            })
            .await
            .expect("free text");
        assert!(!hits.is_empty());
    }
}
