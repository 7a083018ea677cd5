//! The embedded Altinn issuer and test-token generator: endpoints, parameters, defaults and
//! payloads as auth.md §5 describes the real generator.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::{TestServer, header, now, payload};
use serde_json::{Value, json};

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn enterprise_tokens_match_the_real_generator() {
    let server = TestServer::local().await;
    let token = server
        .test_token(
            "GetEnterpriseToken",
            "env=tt02&scopes=digdir:dialogporten.serviceprovider&org=ttd&orgNo=991825827",
        )
        .await;
    let claims = payload(&token);
    assert_eq!(
        keys(&claims),
        [
            "scope",
            "token_type",
            "exp",
            "iat",
            "client_id",
            "jti",
            "consumer",
            "urn:altinn:orgNumber",
            "urn:altinn:authenticatemethod",
            "urn:altinn:authlevel",
            "iss",
            "actual_iss",
            "nbf",
            "urn:altinn:org"
        ]
    );
    assert_eq!(claims["scope"], "digdir:dialogporten.serviceprovider");
    assert_eq!(claims["token_type"], "Bearer");
    assert_eq!(
        claims["consumer"],
        json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"})
    );
    assert_eq!(claims["urn:altinn:orgNumber"], "991825827");
    assert_eq!(claims["urn:altinn:authenticatemethod"], "maskinporten");
    assert_eq!(claims["urn:altinn:authlevel"], 3);
    assert_eq!(claims["urn:altinn:org"], "ttd");
    assert_eq!(claims["actual_iss"], "altinn-test-tools");
    assert_eq!(
        claims["iss"],
        format!("{}/authentication/api/v1/openid/", server.url)
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        1800
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 43);
    assert!((claims["iat"].as_i64().unwrap() - now()).abs() < 5);
    let header = header(&token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");

    // Optional claims come after, only when asked for; ttl sets the lifetime.
    let token = server
        .test_token(
            "GetEnterpriseToken",
            "env=at23&scopes=a,b&orgNo=991825827&supplierOrgNo=310923044&clientId=my-client&delegationSource=https://tt02.altinn.no/&ttl=60",
        )
        .await;
    let claims = payload(&token);
    assert_eq!(claims["scope"], "a b");
    assert_eq!(claims["client_id"], "my-client");
    assert_eq!(claims["supplier"]["ID"], "0192:310923044");
    assert_eq!(claims["delegation_source"], "https://tt02.altinn.no/");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
    assert!(claims.get("urn:altinn:org").is_none());
}

#[tokio::test]
async fn personal_system_user_email_and_enterprise_user_tokens_match_the_real_generator() {
    let server = TestServer::local().await;
    let personal = payload(
        &server
            .test_token(
                "GetPersonalToken",
                "env=tt02&pid=08844397713&scopes=digdir:dialogporten",
            )
            .await,
    );
    assert_eq!(
        keys(&personal),
        [
            "urn:altinn:authenticatemethod",
            "urn:altinn:authlevel",
            "client_amr",
            "pid",
            "token_type",
            "client_id",
            "acr",
            "scope",
            "exp",
            "iat",
            "iss",
            "actual_iss",
            "nbf"
        ]
    );
    assert_eq!(
        personal["urn:altinn:authlevel"], "3",
        "a string, as the real generator writes it"
    );
    assert_eq!(personal["acr"], "idporten-loa-substantial");
    assert_eq!(personal["client_amr"], "virksomhetssertifikat");
    assert_eq!(personal["urn:altinn:authenticatemethod"], "NotDefined");
    let defaults = payload(
        &server
            .test_token(
                "GetPersonalToken",
                "env=tt02&authLvl=2&userId=5&partyId=7&consumerOrgNo=991825827",
            )
            .await,
    );
    assert_eq!(defaults["scope"], "altinn:enduser");
    assert_eq!(defaults["acr"], "idporten-loa-low");
    assert_eq!(defaults["pid"].as_str().unwrap().len(), 11, "a random pid");
    assert!(dp_domain::NationalIdentityNumber::parse(defaults["pid"].as_str().unwrap()).is_ok());
    assert_eq!(
        (
            defaults["urn:altinn:userid"].clone(),
            defaults["nameid"].clone()
        ),
        (json!(5), json!("5"))
    );
    assert_eq!(defaults["urn:altinn:partyid"], 7);
    assert_eq!(defaults["consumer"]["ID"], "0192:991825827");

    let system = payload(
        &server
            .test_token("GetSystemUserToken", "env=tt02&scopes=digdir:dialogporten&systemUserId=7633be4c-dbd5-49f4-bbc4-c058b275de7b&systemUserOrg=310057223")
            .await,
    );
    let details = &system["authorization_details"][0];
    assert_eq!(details["type"], "urn:altinn:systemuser");
    assert_eq!(
        details["systemuser_id"],
        json!(["7633be4c-dbd5-49f4-bbc4-c058b275de7b"])
    );
    assert_eq!(details["systemuser_org"]["ID"], "0192:310057223");
    assert_eq!(
        system["consumer"]["ID"], "0192:991825827",
        "orgNo defaults to 991825827"
    );
    assert_eq!(system["urn:altinn:authlevel"], 3);

    let email = payload(
        &server
            .test_token(
                "GetSelfRegisteredEmailUserToken",
                "env=tt02&email=Someone@Example.com",
            )
            .await,
    );
    assert_eq!(email["acr"], "selfregistered-email");
    assert_eq!(email["amr"], json!(["Selfregistered-email"]));
    assert_eq!(email["urn:altinn:username"], "epost:Someone@Example.com");
    assert_eq!(
        email["urn:altinn:party:external-identifier"],
        "urn:altinn:person:idporten-email:Someone@Example.com"
    );
    assert_eq!(email["urn:altinn:authlevel"], 0);
    assert_eq!(email["scope"], "altinn:portal/enduser");
    assert!(
        email["sub"]
            .as_str()
            .unwrap()
            .starts_with("urn:altinn:party:uuid:")
    );

    let enterprise_user = payload(
        &server
            .test_token(
                "GetEnterpriseUserToken",
                "env=tt02&orgNo=991825827&partyId=1&userId=2&userName=someone",
            )
            .await,
    );
    assert_eq!(
        enterprise_user["urn:altinn:authenticatemethod"],
        "virksomhetsbruker"
    );
    assert_eq!(enterprise_user["urn:altinn:username"], "someone");
}

#[tokio::test]
async fn invalid_parameters_bulk_dump_and_basic_auth() {
    let server = TestServer::local().await;
    let get = |path: &str| {
        server
            .client
            .get(format!("{}/testtools/api/{path}", server.url))
    };

    let response = get("GetEnterpriseToken?env=tt02&orgNo=12&ttl=-1")
        .basic_auth("dev", Some("dev"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let errors: BTreeMap<String, String> = response.json().await.unwrap();
    assert_eq!(errors["scopes"], "Parameter must be supplied");
    assert_eq!(
        errors["orgNo"],
        "Parameter was supplied with a invalid value"
    );
    assert_eq!(errors["ttl"], "Parameter was supplied with a invalid value");
    let response = get("GetSystemUserToken?env=tt02&scopes=UPPER")
        .basic_auth("dev", Some("dev"))
        .send()
        .await
        .unwrap();
    let errors: BTreeMap<String, String> = response.json().await.unwrap();
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        ["scopes", "systemUserId"]
    );

    let response = get("GetPersonalToken?env=tt02&scopes=digdir:dialogporten&bulkCount=3")
        .basic_auth("dev", Some("dev"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bulk: BTreeMap<String, String> = response.json().await.unwrap();
    assert_eq!(bulk.len(), 3);
    for (pid, token) in &bulk {
        assert_eq!(payload(token)["pid"], pid.as_str());
        assert_eq!(
            server
                .call(
                    "GET",
                    &format!("/api/v1/enduser/dialogs?party=urn:altinn:person:identifier-no:{pid}"),
                    Some(token)
                )
                .await
                .status(),
            200,
            "each generated person is a working end user"
        );
    }

    let dump = get("GetEnterpriseToken?env=tt02&scopes=a&dump=true")
        .basic_auth("dev", Some("dev"))
        .send()
        .await
        .unwrap();
    let text = dump.text().await.unwrap();
    let (head, body) = text.split_once("\n.\n").unwrap();
    assert_eq!(serde_json::from_str::<Value>(head).unwrap()["alg"], "RS256");
    assert_eq!(serde_json::from_str::<Value>(body).unwrap()["scope"], "a");

    for request in [
        get("GetEnterpriseToken?env=tt02&scopes=a"),
        get("GetEnterpriseToken?scopes=a").basic_auth("dev", Some("wrong")),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Basic realm="AltinnTestTools - TokenGenerator""#
        );
    }
    assert_eq!(
        get("NoSuchToken?scopes=a")
            .basic_auth("dev", Some("dev"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn the_altinn_issuer_publishes_discovery_and_keys_that_verify_its_tokens() {
    let server = TestServer::local().await;
    let discovery: Value = server
        .call(
            "GET",
            "/authentication/api/v1/openid/.well-known/openid-configuration",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["issuer"],
        format!("{}/authentication/api/v1/openid/", server.url)
    );
    let jwks: jsonwebtoken::jwk::JwkSet = server
        .client
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = server
        .test_token("GetEnterpriseToken", "env=tt02&scopes=x&orgNo=991825827")
        .await;
    let kid = header(&token)["kid"].as_str().unwrap().to_owned();
    let jwk = jwks.find(&kid).expect("the token's kid is published");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[discovery["issuer"].as_str().unwrap()]);
    validation.validate_aud = false;
    let decoded = jsonwebtoken::decode::<Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .expect("a standard JWT library verifies the token");
    assert_eq!(decoded.claims["urn:altinn:orgNumber"], "991825827");
}
