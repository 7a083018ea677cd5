//! The HTML pages of the embedded ID-porten, in Bokmål, Nynorsk and English: login (test
//! persons from the registry, any valid national identity number, level of assurance),
//! consent, errors and logout. Plain forms, no script.

use axum::http::StatusCode;
use axum::response::Response;

use super::params::{esc, html};
use super::state::Pending;
use super::{
    Acr, CONSENT_PATH, CONSENT_SECONDS, IdportenIssuer, LOGIN_PATH, Locale, SCOPE_DIALOGPORTEN,
};

/// Why the login form is shown again.
#[derive(Debug, Clone, Copy)]
pub(super) enum LoginError {
    InvalidPid,
    Level,
}

struct Texts {
    lang: &'static str,
    login_title: &'static str,
    login_intro: &'static str,
    local_note: &'static str,
    persons: &'static str,
    no_persons: &'static str,
    other_pid: &'static str,
    level: &'static str,
    substantial: &'static str,
    high: &'static str,
    login: &'static str,
    cancel: &'static str,
    invalid_pid: &'static str,
    level_too_low: &'static str,
    consent_title: &'static str,
    consent_intro: &'static str,
    consent_as: &'static str,
    consent_days: &'static str,
    accept: &'static str,
    reject: &'static str,
    dialogporten: &'static str,
    error_title: &'static str,
    logged_out_title: &'static str,
    logged_out: &'static str,
}

const NB: Texts = Texts {
    lang: "nb",
    login_title: "Logg inn med ID-porten",
    login_intro: "Du logger inn på",
    local_note: "Lokal test-ID-porten: velg en testperson, ingen ekte innlogging.",
    persons: "Testperson",
    no_persons: "Registeret har ingen personer.",
    other_pid: "Annet fødselsnummer eller d-nummer (11 siffer)",
    level: "Sikkerhetsnivå",
    substantial: "Betydelig (idporten-loa-substantial, nivå 3)",
    high: "Høyt (idporten-loa-high, nivå 4)",
    login: "Logg inn",
    cancel: "Avbryt",
    invalid_pid: "Ugyldig fødselsnummer eller d-nummer.",
    level_too_low: "Tjenesten krever et høyere sikkerhetsnivå.",
    consent_title: "Samtykke",
    consent_intro: "ber om tilgang til følgende på dine vegne:",
    consent_as: "Innlogget som",
    consent_days: "Samtykket gjelder i {days} dager.",
    accept: "Godta",
    reject: "Avvis",
    dialogporten: "Dialogporten: se og handle i dialoger for deg og dem du representerer",
    error_title: "Noe gikk galt",
    logged_out_title: "Du er logget ut",
    logged_out: "Du er nå logget ut av ID-porten.",
};

const NN: Texts = Texts {
    lang: "nn",
    login_title: "Logg inn med ID-porten",
    login_intro: "Du loggar inn på",
    local_note: "Lokal test-ID-porten: vel ein testperson, inga ekte innlogging.",
    persons: "Testperson",
    no_persons: "Registeret har ingen personar.",
    other_pid: "Anna fødselsnummer eller d-nummer (11 siffer)",
    level: "Tryggleiksnivå",
    substantial: "Betydeleg (idporten-loa-substantial, nivå 3)",
    high: "Høgt (idporten-loa-high, nivå 4)",
    login: "Logg inn",
    cancel: "Avbryt",
    invalid_pid: "Ugyldig fødselsnummer eller d-nummer.",
    level_too_low: "Tenesta krev eit høgare tryggleiksnivå.",
    consent_title: "Samtykke",
    consent_intro: "ber om tilgang til følgjande på dine vegner:",
    consent_as: "Innlogga som",
    consent_days: "Samtykket gjeld i {days} dagar.",
    accept: "Godta",
    reject: "Avvis",
    dialogporten: "Dialogporten: sjå og handle i dialogar for deg og dei du representerer",
    error_title: "Noko gjekk gale",
    logged_out_title: "Du er logga ut",
    logged_out: "Du er no logga ut av ID-porten.",
};

const EN: Texts = Texts {
    lang: "en",
    login_title: "Log in with ID-porten",
    login_intro: "You are logging in to",
    local_note: "Local test ID-porten: choose a test person, no real login.",
    persons: "Test person",
    no_persons: "The registry has no persons.",
    other_pid: "Other national identity number or D number (11 digits)",
    level: "Level of assurance",
    substantial: "Substantial (idporten-loa-substantial, level 3)",
    high: "High (idporten-loa-high, level 4)",
    login: "Log in",
    cancel: "Cancel",
    invalid_pid: "Invalid national identity number or D number.",
    level_too_low: "The service requires a higher level of assurance.",
    consent_title: "Consent",
    consent_intro: "asks for access to the following on your behalf:",
    consent_as: "Logged in as",
    consent_days: "The consent is valid for {days} days.",
    accept: "Accept",
    reject: "Decline",
    dialogporten: "Dialogporten: see and act on dialogs for you and those you represent",
    error_title: "Something went wrong",
    logged_out_title: "You are logged out",
    logged_out: "You are now logged out of ID-porten.",
};

fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::Nb => &NB,
        Locale::Nn => &NN,
        Locale::En => &EN,
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f6;color:#1e2b3c}\
main{max-width:34rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:6px}\
h1{font-size:1.5rem}fieldset{border:1px solid #ccd;margin:1rem 0;padding:.5rem 1rem}\
label{display:block;margin:.4rem 0}.pid{color:#556;font-variant-numeric:tabular-nums}\
.error{color:#a0121d;font-weight:600}.note{font-size:.9rem;color:#556}\
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}";

fn page(texts: &Texts, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} – ID-porten</title><style>{STYLE}</style></head>\
<body><main>\n<h1>{title}</h1>\n{body}</main></body></html>\n",
        lang = texts.lang,
        title = esc(title),
    )
}

fn hidden(rid: &str, pending: &Pending) -> String {
    format!(
        "<input type=\"hidden\" name=\"rid\" value=\"{}\">\n\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\n",
        esc(rid),
        esc(&pending.csrf)
    )
}

pub(super) fn login(
    me: &IdportenIssuer,
    rid: &str,
    pending: &Pending,
    error: Option<LoginError>,
) -> Response {
    let t = texts(pending.locale);
    let mut body = format!(
        "<p>{} <strong>{}</strong>.</p>\n<p class=\"note\">{}</p>\n",
        t.login_intro,
        esc(&pending.client_name),
        t.local_note
    );
    if let Some(error) = error {
        let message = match error {
            LoginError::InvalidPid => t.invalid_pid,
            LoginError::Level => t.level_too_low,
        };
        body.push_str(&format!(
            "<p class=\"error\" id=\"error\" role=\"alert\">{message}</p>\n"
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" id=\"login-form\">\n{}",
        esc(&me.url(LOGIN_PATH)),
        hidden(rid, pending)
    ));
    body.push_str(&format!("<fieldset><legend>{}</legend>\n", t.persons));
    let persons = me.persons();
    if persons.is_empty() {
        body.push_str(&format!("<p>{}</p>\n", t.no_persons));
    }
    for (index, person) in persons.iter().enumerate() {
        let checked = if index == 0 { " checked" } else { "" };
        body.push_str(&format!(
            "<label><input type=\"radio\" name=\"pid\" value=\"{pid}\" id=\"person-{pid}\"{checked}> \
{name} <span class=\"pid\">{pid}</span></label>\n",
            pid = esc(&person.pid),
            name = esc(&person.name),
        ));
    }
    body.push_str(&format!(
        "<label for=\"other_pid\">{}</label>\n<input type=\"text\" name=\"other_pid\" id=\"other_pid\" \
inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"11\" pattern=\"[0-9]{{11}}\">\n</fieldset>\n",
        t.other_pid
    ));
    body.push_str(&format!("<fieldset><legend>{}</legend>\n", t.level));
    for acr in Acr::ALL.into_iter().filter(|a| *a >= pending.acr) {
        let label = match acr {
            Acr::Substantial => t.substantial,
            Acr::High => t.high,
        };
        let checked = if acr == pending.acr { " checked" } else { "" };
        body.push_str(&format!(
            "<label><input type=\"radio\" name=\"acr\" value=\"{value}\" id=\"acr-{value}\"{checked}> {label}</label>\n",
            value = acr.as_str(),
        ));
    }
    body.push_str(&format!(
        "</fieldset>\n<button type=\"submit\" name=\"action\" value=\"login\" id=\"login\">{}</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" id=\"cancel\" formnovalidate>{}</button>\n</form>\n",
        t.login, t.cancel
    ));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(status, page(t, t.login_title, &body))
}

pub(super) fn consent(
    me: &IdportenIssuer,
    rid: &str,
    pending: &Pending,
    pid: &str,
    scopes: &[String],
) -> Response {
    let t = texts(pending.locale);
    let who = me
        .persons()
        .into_iter()
        .find(|p| p.pid == pid)
        .map(|p| p.name)
        .unwrap_or_else(|| pid.to_owned());
    let mut body = format!(
        "<p class=\"note\">{} {}</p>\n<p><strong>{}</strong> {}</p>\n<ul id=\"scopes\">\n",
        t.consent_as,
        esc(&who),
        esc(&pending.client_name),
        t.consent_intro
    );
    for scope in scopes {
        let description = if scope == SCOPE_DIALOGPORTEN {
            t.dialogporten
        } else {
            ""
        };
        body.push_str(&format!(
            "<li><code>{}</code> {}</li>\n",
            esc(scope),
            description
        ));
    }
    body.push_str(&format!(
        "</ul>\n<p>{}</p>\n<form method=\"post\" action=\"{}\" id=\"consent-form\">\n{}\
<button type=\"submit\" name=\"action\" value=\"accept\" id=\"accept\">{}</button>\
<button type=\"submit\" name=\"action\" value=\"reject\" id=\"reject\">{}</button>\n</form>\n",
        t.consent_days
            .replace("{days}", &(CONSENT_SECONDS / 86_400).to_string()),
        esc(&me.url(CONSENT_PATH)),
        hidden(rid, pending),
        t.accept,
        t.reject
    ));
    html(StatusCode::OK, page(t, t.consent_title, &body))
}

pub(super) fn error_page(locale: Locale, status: StatusCode, message: &str) -> Response {
    let t = texts(locale);
    let body = format!("<p class=\"error\" id=\"error\">{}</p>\n", esc(message));
    html(status, page(t, t.error_title, &body))
}

pub(super) fn logged_out(locale: Locale) -> Response {
    let t = texts(locale);
    let body = format!("<p>{}</p>\n", t.logged_out);
    html(StatusCode::OK, page(t, t.logged_out_title, &body))
}
