//! The scenarios of issue 6, built from a [`Fixture`].

use std::sync::Arc;

use hyper::Method;
use serde_json::{Value, json};

use crate::load::{MakeRequest, Template};
use crate::setup::{Fixture, SERVICE_OWNER, all_resources_query, basic, enterprise_query};

/// The create scenario's body: a typical dialog (transmission, attachments, GUI and API actions,
/// an activity); its resource and party are replaced by the generated data's.
const CREATE_BODY: &str = include_str!("../../../bench/create-dialog.json");

/// What a scenario exercises; decides where it is reported and whether it is repeated per size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// `/health`: no auth, no store. Every figure is also given as a ratio to it.
    Baseline,
    Read,
    /// Searches: also measured with one connection, and plotted against data size.
    Search,
    Write,
    /// Token minting: independent of the data, run at the first size only.
    Token,
}

/// Builds `count` single-use requests (JWT grants) right before a phase.
pub type Prepare = Arc<dyn Fn(usize) -> anyhow::Result<MakeRequest> + Send + Sync>;

pub struct Scenario {
    pub id: &'static str,
    pub title: String,
    pub kind: Kind,
    pub expect: u16,
    pub make: MakeRequest,
    /// Single-use requests: made fresh for every phase, at most this many per phase.
    pub prepare: Option<Prepare>,
}

fn cycle(templates: Vec<Template>) -> MakeRequest {
    let templates = Arc::new(templates);
    Arc::new(move |i| templates[(i % templates.len() as u64) as usize].clone())
}

fn same(template: Template) -> MakeRequest {
    Arc::new(move |_| template.clone())
}

pub const FREE_TEXT: &str = "sykepenger";

/// Every scenario, baseline first, reads and searches before writes.
pub fn all(fixture: &Fixture, signing_threads: usize) -> Vec<Scenario> {
    let so = fixture.so_token.as_str();
    let mut scenarios = vec![Scenario {
        id: "health",
        title: "GET /health (baseline: no auth, no store)".into(),
        kind: Kind::Baseline,
        expect: 200,
        make: same(Template::get("/health")),
        prepare: None,
    }];
    scenarios.push(Scenario {
        id: "so-get",
        title: "Service owner: GET dialog".into(),
        kind: Kind::Read,
        expect: 200,
        make: cycle(
            fixture
                .so_ids
                .iter()
                .map(|id| Template::get(format!("/api/v1/serviceowner/dialogs/{id}")).bearer(so))
                .collect(),
        ),
        prepare: None,
    });
    let (reader, reader_token) = &fixture.personas[fixture.eu_reader];
    scenarios.push(Scenario {
        id: "eu-get",
        title: format!("End user: GET dialog ({}-party person)", reader.wanted),
        kind: Kind::Read,
        expect: 200,
        make: cycle(
            fixture
                .eu_ids
                .iter()
                .map(|id| {
                    Template::get(format!("/api/v1/enduser/dialogs/{id}")).bearer(reader_token)
                })
                .collect(),
        ),
        prepare: None,
    });
    scenarios.push(Scenario {
        id: "so-search-party",
        title: "Service owner: search by party".into(),
        kind: Kind::Search,
        expect: 200,
        make: cycle(
            fixture
                .parties
                .iter()
                .map(|party| {
                    Template::get(format!("/api/v1/serviceowner/dialogs?party={party}")).bearer(so)
                })
                .collect(),
        ),
        prepare: None,
    });
    // `endUserId` needs a party or service resource: the service owner's own resources.
    let own_resources: Vec<String> = fixture
        .resources
        .iter()
        .filter(|r| r.starts_with(&format!("urn:altinn:resource:{SERVICE_OWNER}-")))
        .cloned()
        .collect();
    let text_persona = fixture
        .personas
        .iter()
        .find(|(p, _)| p.wanted == 20)
        .unwrap_or(&fixture.personas[0]);
    scenarios.push(Scenario {
        id: "so-search-text",
        title: format!(
            "Service owner: free text `{FREE_TEXT}` for an end user ({}-party person)",
            text_persona.0.wanted
        ),
        kind: Kind::Search,
        expect: 200,
        make: same(
            Template::get(format!(
                "/api/v1/serviceowner/dialogs?{}&endUserId={}&search={FREE_TEXT}",
                all_resources_query(&own_resources),
                text_persona.0.urn()
            ))
            .bearer(so),
        ),
        prepare: None,
    });
    let resources = all_resources_query(&fixture.resources);
    for (persona, token) in &fixture.personas {
        let id = match persona.wanted {
            1 => "eu-search-1",
            20 => "eu-search-20",
            _ => "eu-search-200",
        };
        scenarios.push(Scenario {
            id,
            title: format!(
                "End user: search, person with {} part{} ({} roles + self)",
                persona.wanted,
                if persona.wanted == 1 { "y" } else { "ies" },
                persona.roles
            ),
            kind: Kind::Search,
            expect: 200,
            make: same(Template::get(format!("/api/v1/enduser/dialogs?{resources}")).bearer(token)),
            prepare: None,
        });
    }
    scenarios.push(Scenario {
        id: "eu-search-text",
        title: format!(
            "End user: free text `{FREE_TEXT}` ({}-party person)",
            text_persona.0.wanted
        ),
        kind: Kind::Search,
        expect: 200,
        make: same(
            Template::get(format!(
                "/api/v1/enduser/dialogs?{resources}&search={FREE_TEXT}"
            ))
            .bearer(&text_persona.1),
        ),
        prepare: None,
    });
    let mut create_body: Value =
        serde_json::from_str(CREATE_BODY).expect("bench/create-dialog.json is JSON");
    create_body["serviceResource"] =
        json!(format!("urn:altinn:resource:{SERVICE_OWNER}-service-0"));
    create_body["party"] = json!(fixture.create_party);
    let create_body = create_body.to_string();
    scenarios.push(Scenario {
        id: "so-create",
        title: "Service owner: create dialog (bench/create-dialog.json: typical body)".into(),
        kind: Kind::Write,
        expect: 201,
        make: same(
            Template::with_body(
                Method::POST,
                "/api/v1/serviceowner/dialogs",
                "application/json",
                create_body,
            )
            .bearer(so),
        ),
        prepare: None,
    });
    let ids = Arc::new(fixture.so_ids.clone());
    let patch_token = fixture.so_token.clone();
    scenarios.push(Scenario {
        id: "so-patch",
        title: "Service owner: PATCH dialog (replace /progress)".into(),
        kind: Kind::Write,
        expect: 204,
        make: Arc::new(move |i| {
            let id = &ids[(i % ids.len() as u64) as usize];
            Template::with_body(
                Method::PATCH,
                format!("/api/v1/serviceowner/dialogs/{id}"),
                "application/json-patch+json",
                json!([{ "op": "replace", "path": "/progress", "value": i % 100 }]).to_string(),
            )
            .bearer(&patch_token)
        }),
        prepare: None,
    });
    scenarios.push(Scenario {
        id: "token-testtools",
        title: "Token: test-token generator, enterprise token (RS256 sign)".into(),
        kind: Kind::Token,
        expect: 200,
        make: same(
            Template::get(format!(
                "/testtools/api/GetEnterpriseToken?{}",
                enterprise_query(
                    SERVICE_OWNER,
                    &fixture.so_org_no,
                    "digdir:dialogporten.serviceprovider"
                )
            ))
            .header("authorization", format!("Basic {}", basic("dev", "dev"))),
        ),
        prepare: None,
    });
    scenarios.extend(grant_scenario(fixture, signing_threads));
    scenarios
}

/// The Maskinporten JWT grant, when the server has the embedded Maskinporten.
fn grant_scenario(fixture: &Fixture, signing_threads: usize) -> Option<Scenario> {
    let grant = fixture.grant.as_ref()?;
    let client = grant.clone();
    let prepare: Prepare = Arc::new(move |count| {
        let requests = client.requests(count, signing_threads)?;
        Ok(cycle(requests))
    });
    Some(Scenario {
        id: "token-maskinporten",
        title: "Token: Maskinporten JWT grant (RS256 verify + sign)".into(),
        kind: Kind::Token,
        expect: 200,
        make: same(Template::get("/health")),
        prepare: Some(prepare),
    })
}
