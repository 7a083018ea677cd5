//! Micro-benchmarks of issue 6: token validation, create-dialog validation and JSON
//! serialization of a full dialog. `cargo bench -p dp-bench` (add a name to run only the
//! benchmarks whose name contains it).
//!
//! A small timing loop, no benchmark framework: each benchmark is calibrated to about 20 ms
//! per sample, then 15 samples are taken; the median and the fastest sample are printed per
//! iteration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use dp_app::input::CreateDialog;
use dp_app::read::serviceowner as view;
use dp_app::validate::create as validate_create;
use dp_bench::load::{Template, send_once};
use dp_domain::Timestamp;
use dp_idp::TokenKind;
use dp_idp::testtools::{Minted, Params};
use hyper::Method;

/// The harness's create body (`bench/create-dialog.json`): a typical dialog with a transmission,
/// attachments, GUI and API actions and an activity.
const RICH: &str = include_str!("../../../bench/create-dialog.json");
const MINIMAL: &str = r#"{"serviceResource":"urn:altinn:resource:ttd-dialogporten-automated-tests","party":"urn:altinn:organization:identifier-no:310923044","content":{"title":{"value":[{"languageCode":"nb","value":"En tittel"}]}}}"#;

struct Bench {
    filter: Option<String>,
}

impl Bench {
    fn enabled(&self, name: &str) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| name.contains(f.as_str()))
    }

    /// Times `f`, which does `per_call` iterations per call.
    fn run<T>(&self, name: &str, per_call: u64, mut f: impl FnMut() -> T) {
        if !self.enabled(name) {
            return;
        }
        let mut calls = 1u64;
        loop {
            let started = Instant::now();
            for _ in 0..calls {
                black_box(f());
            }
            if started.elapsed() >= Duration::from_millis(20) || calls >= 1 << 30 {
                break;
            }
            calls *= 2;
        }
        let mut samples: Vec<f64> = (0..15)
            .map(|_| {
                let started = Instant::now();
                for _ in 0..calls {
                    black_box(f());
                }
                started.elapsed().as_nanos() as f64 / (calls * per_call) as f64
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        report(name, samples[samples.len() / 2], samples[0]);
    }

    /// Times `f` once on each item (things that change state when used, such as a cache).
    fn each<I, T>(&self, name: &str, items: &[I], mut f: impl FnMut(&I) -> T) {
        if !self.enabled(name) {
            return;
        }
        let started = Instant::now();
        for item in items {
            black_box(f(item));
        }
        let per = started.elapsed().as_nanos() as f64 / items.len() as f64;
        report(name, per, per);
    }
}

fn report(name: &str, median_ns: f64, best_ns: f64) {
    let unit = |ns: f64| {
        if ns >= 1_000_000.0 {
            format!("{:.2} ms", ns / 1e6)
        } else if ns >= 1_000.0 {
            format!("{:.2} µs", ns / 1e3)
        } else {
            format!("{ns:.0} ns")
        }
    };
    println!(
        "{name:<58} {:>11}/iter (best {:>11}) {:>12.0}/s",
        unit(median_ns),
        unit(best_ns),
        1e9 / median_ns
    );
}

fn context() -> dp_app::validate::Context {
    dp_app::validate::Context {
        now: Timestamp::now(),
        is_admin: false,
        correspondence: false,
        legacy_html: false,
        existing_transmissions: Vec::new(),
        is_update: false,
        existing_attachments: Vec::new(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a free argument filters by name.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let bench = Bench { filter };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (target, server) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let config = dialogporten::Config {
            listen: address,
            public_url: format!("http://{address}"),
            data_dir: data.path().to_owned(),
            ..dialogporten::Config::default()
        };
        let server = dialogporten::build(&config).await.unwrap();
        let router = server.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (dp_bench::load::Target::new(address), server)
    });
    let generator = server.generator.clone().expect("local mode");
    let mint = |kind: TokenKind, params: &[(&str, &str)]| -> String {
        let params = Params::new(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        match generator.mint(kind, &params) {
            Ok(Minted::Token(token)) => token,
            _ => panic!("minting failed"),
        }
    };
    let enterprise = [
        ("env", "tt02"),
        ("org", "ttd"),
        ("orgNo", "991825827"),
        ("scopes", "digdir:dialogporten.serviceprovider"),
    ];
    let personal = [
        ("env", "tt02"),
        ("pid", "08844397713"),
        ("scopes", "digdir:dialogporten"),
    ];

    println!("## Tokens (RS256, the embedded Altinn issuer's key; aws-lc-rs)\n");
    let verifier = server.verifier.clone();
    let token = mint(TokenKind::Enterprise, &enterprise);
    runtime.block_on(verifier.verify(&token)).unwrap();
    bench.run(
        "token validation, cache hit (same token again)",
        100,
        || {
            runtime.block_on(async {
                for _ in 0..100 {
                    black_box(verifier.verify(&token).await.unwrap());
                }
            })
        },
    );
    if bench.enabled("token validation, cache miss") {
        let tokens: Vec<String> = (0..1000)
            .map(|i| {
                if i % 2 == 0 {
                    mint(TokenKind::Enterprise, &enterprise)
                } else {
                    mint(TokenKind::Personal, &personal)
                }
            })
            .collect();
        bench.each(
            "token validation, cache miss (signature, claims, cache insert)",
            &tokens,
            |t| runtime.block_on(verifier.verify(t)).unwrap(),
        );
    }
    bench.run("token minting, enterprise (RS256 sign)", 1, || {
        mint(TokenKind::Enterprise, &enterprise)
    });

    println!("\n## Create-dialog validation\n");
    for (label, body) in [("minimal body", MINIMAL), ("typical body", RICH)] {
        let dto: CreateDialog = dp_api::json::parse_body(body.as_bytes()).unwrap();
        let errors = validate_create::validate(&dto, &context());
        assert!(errors.is_empty(), "{label} is valid: {errors:?}");
        bench.run(
            &format!("parse_body, {label} ({} bytes)", body.len()),
            1,
            || dp_api::json::parse_body::<CreateDialog>(body.as_bytes()).unwrap(),
        );
        bench.run(&format!("validate, {label}"), 1, || {
            validate_create::validate(&dto, &context())
        });
        bench.run(&format!("parse_body + validate, {label}"), 1, || {
            let dto: CreateDialog = dp_api::json::parse_body(body.as_bytes()).unwrap();
            validate_create::validate(&dto, &context())
        });
    }

    println!("\n## JSON of a full dialog\n");
    // The rich body created through the API, then read back from the store.
    let token = mint(
        TokenKind::Enterprise,
        &[
            ("env", "tt02"),
            ("org", "ttd"),
            ("orgNo", "991825827"),
            ("scopes", "digdir:dialogporten.serviceprovider"),
        ],
    );
    let (status, body) = runtime
        .block_on(send_once(
            &target,
            &Template::with_body(
                Method::POST,
                "/api/v1/serviceowner/dialogs",
                "application/json",
                RICH,
            )
            .bearer(&token),
        ))
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let id = uuid::Uuid::parse_str(body.trim().trim_matches('"')).unwrap();
    let dialog = runtime
        .block_on(server.store.get_dialog(id))
        .unwrap()
        .unwrap()
        .dialog;
    let json = serde_json::to_vec(&view::dialog(&dialog, None)).unwrap();
    bench.run(
        "read::serviceowner::dialog (build the typed model)",
        1,
        || view::dialog(&dialog, None),
    );
    bench.run(
        &format!(
            "read::serviceowner::dialog + serde_json::to_vec ({} bytes)",
            json.len()
        ),
        1,
        || serde_json::to_vec(&view::dialog(&dialog, None)).unwrap(),
    );
    bench.run(
        "read::serviceowner::search_item + serde_json::to_vec",
        1,
        || serde_json::to_vec(&view::search_item(&dialog, None)).unwrap(),
    );
    let stored = serde_json::to_string(&dialog).unwrap();
    bench.run(
        &format!(
            "store document: serde_json::from_str::<Dialog> ({} bytes)",
            stored.len()
        ),
        1,
        || serde_json::from_str::<dp_domain::dialog::Dialog>(&stored).unwrap(),
    );
}
