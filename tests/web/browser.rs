//! Headless Chromium over WebDriver: a chromedriver per test on a free
//! port, one test at a time (the machines are small). Missing browsers
//! fail the test under CI=true and skip it elsewhere, saying so.

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// One browser at a time across the test binary's runtimes.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Browser {
    pub client: Client,
    driver: tokio::process::Child,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// A browser, or `None` (skipped, said on stderr) when Chromium is not
/// installed and this is not CI.
pub async fn browser() -> Option<Browser> {
    if !(installed("chromedriver") && installed("chromium")) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true, but chromium and chromedriver are not installed (.ci/test installs them)"
            );
        }
        eprintln!(
            "skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let turn = ONE_AT_A_TIME.lock().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let driver = tokio::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let webdriver = format!("http://127.0.0.1:{port}");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,900", "--hide-scrollbars"]
        }),
    );
    let mut last = None;
    for _ in 0..100 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&webdriver)
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    driver,
                    _turn: turn,
                });
            }
            Err(e) => last = Some(e),
        }
        // chromedriver is a separate process starting up: nothing to inject.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not accept a session: {last:?}");
}

impl Browser {
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .expect("a body")
            .text()
            .await
            .expect("its text")
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .expect("its text")
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("a query")
            .len()
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("a url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Submits a form built on the page (as a forged one would be: the
    /// browser's cookie goes with it) to `path` with `fields`, and returns
    /// the heading of the page that answers.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let form: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        self.client
            .execute(
                "const [path, fields] = arguments;
                 const form = document.createElement('form');
                 form.method = 'post'; form.action = path;
                 for (const [k, v] of Object.entries(fields)) {
                   const input = document.createElement('input');
                   input.type = 'hidden'; input.name = k; input.value = v;
                   form.appendChild(input);
                 }
                 document.body.appendChild(form);
                 document.body.dataset.left = 'no';
                 form.submit();",
                vec![path.into(), serde_json::Value::Object(form)],
            )
            .await
            .expect("the script runs");
        self.arrived().await;
        self.text_of("h1, h2").await
    }

    /// Waits until the page the last action led to has loaded.
    pub async fn arrived(&self) {
        self.client
            .wait()
            .for_element(Locator::Css("body:not([data-left])"))
            .await
            .expect("the next page loads");
    }

    /// Clicks the element matching `css` and waits for the next page.
    pub async fn click(&self, css: &str) {
        self.client
            .execute("document.body.dataset.left = 'no'", vec![])
            .await
            .expect("marked");
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .expect("clicked");
        self.arrived().await;
    }

    /// The CSRF token of the page's forms.
    pub async fn csrf(&self) -> String {
        self.client
            .find(Locator::Css("input[name=csrf]"))
            .await
            .expect("a form")
            .attr("value")
            .await
            .expect("an attribute")
            .expect("a token")
    }

    pub async fn close(self) {
        let Browser {
            client, mut driver, ..
        } = self;
        let _ = client.close().await;
        let _ = driver.kill().await;
    }
}
