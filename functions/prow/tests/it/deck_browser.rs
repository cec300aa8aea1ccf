//! deck in a real browser: `prow local --demo` serves deck at its root with the demo's two jobs
//! (one passes, one fails), and headless Chromium, driven over WebDriver, uses it as a person
//! would: filters the job list, opens the failed job, follows its highlighted failing line, reads
//! its failed test, and looks at tide and command help. Screenshots of each page are written to
//! `$PROW_TEST_ARTIFACTS/deck` (else the system's temporary folder), named in the output.

use prow_test_harness::Browser;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// `prow local --demo`, serving until dropped.
struct Demo {
    child: Child,
    url: String,
    _state: tempfile::TempDir,
}

impl Demo {
    /// Starts the demo and waits until both jobs have finished and the PR says so.
    fn start() -> Demo {
        let state = tempfile::tempdir().unwrap();
        let port = prow_test_harness::free_port().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_prow"))
            .args(["local", "--demo"])
            .arg(format!("--state-dir={}", state.path().display()))
            .arg(format!("--address=127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (done, waiting) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let finished = line.contains("] done: ");
                seen.push(line);
                if finished {
                    let _ = done.send(Ok(()));
                }
            }
            let _ = done.send(Err(seen.join("\n")));
        });
        match waiting.recv_timeout(Duration::from_secs(120)) {
            Ok(Ok(())) => {}
            Ok(Err(output)) => panic!("the demo stopped before it was done:\n{output}"),
            Err(_) => panic!("the demo was not done within 120 s"),
        }
        Demo {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _state: state,
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn shot(browser: &Browser, folder: &std::path::Path, name: &str) {
    browser.screenshot(&folder.join(name)).await.unwrap();
}

/// Runs `script` in the page, without arguments; what it returns.
async fn run_script(browser: &Browser, script: &str) -> serde_json::Value {
    browser
        .execute(script, serde_json::json!([]))
        .await
        .unwrap()
}

fn screenshots() -> PathBuf {
    std::env::var_os("PROW_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("prow-test-artifacts"))
        .join("deck")
}

async fn rows(browser: &Browser) -> Vec<String> {
    let mut jobs = Vec::new();
    for cell in browser.find_all("#jobs tbody td.job").await.unwrap() {
        jobs.push(browser.text(&cell).await.unwrap());
    }
    jobs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_finds_the_failed_job_its_failing_line_and_its_failed_test() {
    let Some(browser) = Browser::start_or_skip().await.unwrap() else {
        return;
    };
    let demo = Demo::start();
    let shots = screenshots();

    // The job list: both jobs, newest first, each with a state.
    browser.goto(&format!("{}/", demo.url)).await.unwrap();
    browser.wait_for("#jobs tbody tr", WAIT).await.unwrap();
    let mut jobs = rows(&browser).await;
    jobs.sort();
    assert_eq!(jobs, ["lint", "unit-tests"]);
    let summary = browser.find("#summary").await.unwrap();
    let summary = browser.text(&summary).await.unwrap();
    assert!(summary.contains("2 jobs"), "{summary}");
    assert!(
        summary.contains("1 failure") && summary.contains("1 success"),
        "{summary}"
    );
    shot(&browser, &shots, "job-list.png").await;

    // Choosing a state filters at once (the page's script submits the form), into the URL.
    run_script(&browser, "const s = document.querySelector('select[name=state]'); s.value = 'failure'; s.dispatchEvent(new Event('change'));").await;
    let deadline = std::time::Instant::now() + WAIT;
    while !browser
        .current_url()
        .await
        .unwrap()
        .contains("state=failure")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the filter did not apply"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.wait_for("#jobs tbody tr", WAIT).await.unwrap();
    assert_eq!(rows(&browser).await, ["lint"]);
    // Typing part of a name narrows it further; a name that matches nothing says so.
    let job = browser.find("input[name=job]").await.unwrap();
    browser.type_into(&job, "unit\u{E007}").await.unwrap();
    browser.wait_for("p.notice", WAIT).await.unwrap();
    assert!(browser.current_url().await.unwrap().contains("job=unit"));
    assert_eq!(rows(&browser).await, Vec::<String>::new());
    shot(&browser, &shots, "job-list-filtered.png").await;

    // The failed job's page: its failing line highlighted, its failed test open.
    browser
        .goto(&format!("{}/?state=failure", demo.url))
        .await
        .unwrap();
    let log = browser
        .wait_for("#jobs tbody tr td a[title='Logs and results']", WAIT)
        .await
        .unwrap();
    browser.click(&log).await.unwrap();
    let highlighted = browser.wait_for(".log .line.hl", WAIT).await.unwrap();
    let line = browser.text(&highlighted).await.unwrap();
    assert!(
        line.contains("ERROR: hello.go:3: line is 142 characters long"),
        "{line}"
    );
    let failed = browser
        .find("section.junit details.case.failed summary")
        .await
        .unwrap();
    assert!(browser.text(&failed).await.unwrap().contains("line-length"));
    let open = run_script(
        &browser,
        "return document.querySelector('section.junit details.case.failed').open",
    )
    .await;
    assert_eq!(open, serde_json::json!(true), "a failed test is shown open");
    // The colour the job printed is kept, on the highlight's background.
    let colours = run_script(&browser, "const line = document.querySelector('.log .line.hl'); return [getComputedStyle(line.querySelector('.ansi-fg-1')).color, getComputedStyle(line).backgroundColor];").await;
    assert_eq!(
        colours,
        serde_json::json!(["rgb(255, 123, 114)", "rgb(90, 29, 29)"])
    );
    shot(&browser, &shots, "failed-run.png").await;
    // The summary's link goes to the line.
    let link = browser.find("p.highlights a").await.unwrap();
    browser.click(&link).await.unwrap();
    let url = browser.current_url().await.unwrap();
    assert!(
        url.contains("/view/s3/prow-artifacts/pr-logs/pull/demo-org_hello/1/lint/"),
        "{url}"
    );
    assert!(url.ends_with("#L3"), "{url}");

    // Rerunning needs a sign-in: bob, who is no member, is refused; alice, a member whom `/test`
    // trusts on this pull request, reruns it.
    let run_page = browser.current_url().await.unwrap();
    let run_page = run_page.split('#').next().unwrap().to_string();
    let refused = rerun_as(&browser, &run_page, "bob").await;
    assert_eq!(refused, "You don't have permission to rerun that job.");
    shot(&browser, &shots, "rerun-refused.png").await;
    browser
        .goto(&format!("{}/github-logout", demo.url))
        .await
        .unwrap();
    let done = rerun_as(&browser, &run_page, "alice").await;
    assert_eq!(
        done,
        "Job successfully triggered. Wait 30 seconds and refresh the page for the job to show up."
    );
    shot(&browser, &shots, "rerun-done.png").await;
    browser
        .goto(&format!("{}/?job=lint", demo.url))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while rows(&browser).await.len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the rerun is not in the list"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser
            .goto(&format!("{}/?job=lint", demo.url))
            .await
            .unwrap();
    }
    browser.goto(&run_page).await.unwrap();

    // Its history lists the runs.
    let history = browser
        .find("dl.meta a[href^='/job-history/']")
        .await
        .unwrap();
    browser.click(&history).await.unwrap();
    browser.wait_for("#history tbody tr", WAIT).await.unwrap();
    // The run, and the rerun once it has uploaded its files.
    let history = browser.current_url().await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while browser.find_all("#history tbody tr").await.unwrap().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the rerun is not in the history"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser.goto(&history).await.unwrap();
    }
    shot(&browser, &shots, "job-history.png").await;

    // Tide, after one sync, and command help from hook.
    reqwest::Client::new()
        .post(format!("{}/functions/tide", demo.url))
        .send()
        .await
        .unwrap();
    browser.goto(&format!("{}/tide", demo.url)).await.unwrap();
    let queries = browser
        .wait_for("details.queries summary", WAIT)
        .await
        .unwrap();
    assert_eq!(browser.text(&queries).await.unwrap(), "1 query");
    shot(&browser, &shots, "tide.png").await;
    browser
        .goto(&format!("{}/command-help", demo.url))
        .await
        .unwrap();
    browser.wait_for("#commands tbody tr", WAIT).await.unwrap();
    let commands = browser.find("#commands").await.unwrap();
    let commands = browser.text(&commands).await.unwrap();
    assert!(commands.contains("/ok-to-test"), "{commands}");
    shot(&browser, &shots, "command-help.png").await;
    // The configuration as deck loaded it.
    let read = |path: &str| {
        let url = format!("{}{path}", demo.url);
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    let config = read("/config").await;
    assert!(config.contains("prowjob_namespace: prow"), "{config}");
    let plugins = read("/plugin-config").await;
    assert!(plugins.contains("triggers:"), "{plugins}");
    eprintln!("deck screenshots: {}", shots.display());
}

/// On `run_page`, signs in as `login` through GitHub's (the stand-in's) sign-in page, comes back,
/// presses Rerun, and returns what deck answered.
async fn rerun_as(browser: &Browser, run_page: &str, login: &str) -> String {
    browser.goto(run_page).await.unwrap();
    let sign_in = browser.wait_for("#sign-in", WAIT).await.unwrap();
    browser.click(&sign_in).await.unwrap();
    let field = browser.wait_for("#login_field", WAIT).await.unwrap();
    browser.type_into(&field, login).await.unwrap();
    let submit = browser.find("input[type=submit]").await.unwrap();
    browser.click(&submit).await.unwrap();
    let signed_in = browser.wait_for("#actions strong", WAIT).await.unwrap();
    assert_eq!(browser.text(&signed_in).await.unwrap(), login);
    assert_eq!(
        browser.current_url().await.unwrap(),
        run_page,
        "back on the run's page"
    );
    let rerun = browser.find("#rerun").await.unwrap();
    browser.click(&rerun).await.unwrap();
    let result = browser.find("#action-result").await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = browser.text(&result).await.unwrap();
        if !text.is_empty() {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no answer to the rerun"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
