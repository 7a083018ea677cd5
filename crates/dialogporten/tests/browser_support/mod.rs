//! Headless Chromium for the browser tests: Debian's `chromium` driven over WebDriver
//! (`chromedriver` + the `fantoccini` client). A test is skipped, loudly, only when one of the
//! two binaries is missing (`.ci/run` installs both); any other failure to start fails it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// True, after a banner that says so, when the browser test of `what` cannot run here.
pub fn browser_missing(what: &str) -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return false;
    }
    eprintln!(
        "\n\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !! SKIPPED: the headless Chromium test of {what} did NOT run\n\
         !! missing {missing:?}\n\
         !! install with: apt-get install -y chromium chromium-driver\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    );
    true
}

/// Kills chromedriver when the test ends, however it ends.
pub struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a free port and waits until it answers.
pub async fn start_driver() -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(format!("{url}/status")).await
            && response.status() == 200
        {
            return (driver, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {url}");
}

/// A headless Chromium session with its own profile directory; `extra` adds arguments.
pub async fn browser(driver: &str, profile: &Path, extra: &[&str]) -> Client {
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--no-first-run".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("headless Chromium starts")
}

/// On the embedded ID-porten's login page, which must list the person `pid` as `name`: picks
/// them and logs in.
pub async fn log_in_as(browser: &Client, pid: &str, name: &str) {
    use fantoccini::Locator;
    let form = match browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("login-form"))
        .await
    {
        Ok(form) => form,
        Err(error) => panic!(
            "no login page ({error}) at {:?}: {}",
            browser.current_url().await.map(|u| u.to_string()),
            browser.source().await.unwrap_or_default()
        ),
    };
    assert!(form.text().await.unwrap().contains(name));
    for id in [format!("person-{pid}"), "login".to_owned()] {
        browser
            .find(Locator::Id(&id))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
}
