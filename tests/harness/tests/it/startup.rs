//! The whole harness starts together: the GitHub stand-in, the Pub/Sub emulator and the S3
//! server, each answering. Prints how long each took (the figure the harness issue asks for);
//! speed is measured here, not asserted.

use github_standin::{GitHubStandIn, World};
use prow_test_harness::{PubSubEmulator, S3Server};
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_starts_and_answers() {
    let started = Instant::now();
    let (github, pubsub, s3) = tokio::join!(
        async {
            let t = Instant::now();
            let mut world = World::default();
            world.add_repo("example-org/app");
            let standin = GitHubStandIn::start(world).await.unwrap();
            let answer = reqwest::get(format!("{}/repos/example-org/app", standin.url()))
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
            (standin, t.elapsed())
        },
        async {
            let t = Instant::now();
            let emulator = PubSubEmulator::start_or_skip().await.unwrap();
            (emulator, t.elapsed())
        },
        async {
            let t = Instant::now();
            let server = S3Server::start(&["prow-artifacts"]).await.unwrap();
            let answer = reqwest::get(server.endpoint()).await.unwrap();
            assert_eq!(answer.status(), 403, "an unsigned request is refused");
            (server, t.elapsed())
        },
    );
    eprintln!(
        "harness ready in {:?}: GitHub stand-in {:?}, Pub/Sub emulator {:?}, S3 {:?}",
        started.elapsed(),
        github.1,
        pubsub.1,
        s3.1
    );
    if let Some(emulator) = &pubsub.0 {
        emulator
            .create_topic("prow-test", "ready-check")
            .await
            .unwrap();
    }
}
