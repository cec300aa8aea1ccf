//! The Leases contract, held by both adapters: Kubernetes Leases on the real kube-apiserver and
//! the in-process leases of `prow local`. One holder at a time until it expires, renewal by the
//! holder, release only by the holder, and of two racing for a free lease exactly one wins.

use jiff::{SignedDuration, Timestamp};
use prow_kube::KubeLeases;
use prow_ports::lease::{Leases, MemoryLeases};
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::create_namespace;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

const TTL: SignedDuration = SignedDuration::from_secs(60);

async fn contract(leases: &dyn Leases) {
    let pool = "tide-acme-widgets-main";
    let first = leases.acquire(pool, "a", at(0), TTL).await.unwrap();
    assert!(first.is_some(), "a free lease is taken");
    assert!(
        leases
            .acquire(pool, "b", at(10), TTL)
            .await
            .unwrap()
            .is_none(),
        "held"
    );
    let renewed = leases.acquire(pool, "a", at(20), TTL).await.unwrap();
    assert!(renewed.is_some(), "the holder renews it");
    assert!(
        leases
            .acquire(pool, "b", at(70), TTL)
            .await
            .unwrap()
            .is_none(),
        "renewed at 20, it holds until 80"
    );
    let taken = leases.acquire(pool, "b", at(81), TTL).await.unwrap();
    assert!(taken.is_some(), "an expired lease passes on");
    // a's old proof gives back nothing: b holds it now.
    leases.release(first.unwrap()).await.unwrap();
    assert!(
        leases
            .acquire(pool, "c", at(90), TTL)
            .await
            .unwrap()
            .is_none()
    );
    leases.release(taken.unwrap()).await.unwrap();
    assert!(
        leases
            .acquire(pool, "c", at(91), TTL)
            .await
            .unwrap()
            .is_some(),
        "released"
    );
    // Two racing for a free lease: exactly one wins.
    let race = "tide-acme-gadgets-main";
    let (x, y) = tokio::join!(
        leases.acquire(race, "x", at(100), TTL),
        leases.acquire(race, "y", at(100), TTL)
    );
    let winners = [x.unwrap(), y.unwrap()]
        .iter()
        .filter(|h| h.is_some())
        .count();
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn in_process_leases_keep_the_contract() {
    contract(&MemoryLeases::default()).await;
}

#[tokio::test]
async fn kubernetes_leases_keep_the_contract() {
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let client = env.client().await.unwrap();
    let namespace = create_namespace(&client, "leases").await.unwrap();
    contract(&KubeLeases::new(client, &namespace)).await;
}
