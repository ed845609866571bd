//! The storage conformance suite: plain async functions over a fresh `Arc<dyn Storage>` each.

/// `StorageCase`s named after their functions.
macro_rules! named_cases {
    ($($name:ident),* $(,)?) => {
        vec![$(super::StorageCase { name: stringify!($name), run: |storage| Box::pin($name(storage)) }),*]
    };
}

mod cascades;
mod files;
mod fixture;
mod migrations;
mod outbox;
mod queries;
mod races;

pub use races::{IncrementOutcome, racing_increments};
mod records;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::backend::Storage;

/// A case's future.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One case of the suite.
pub struct StorageCase {
    /// What the case checks.
    pub name: &'static str,
    /// Runs the case against a fresh, empty storage; panics on failure.
    pub run: fn(Arc<dyn Storage>) -> CaseFuture,
}

/// Every case of the suite.
pub fn storage_cases() -> Vec<StorageCase> {
    let mut cases = records::cases();
    cases.extend(races::cases());
    cases.extend(queries::cases());
    cases.extend(migrations::cases());
    cases.extend(files::cases());
    cases.extend(outbox::cases());
    cases.extend(cascades::cases());
    cases
}

/// Runs every case, each on a storage `fresh` makes (a new database or schema), and panics
/// listing every case that failed.
///
/// ```no_run
/// # async fn run() {
/// # struct MyStorage;
/// # async fn connect_to_a_new_database() -> std::sync::Arc<dyn omnera_core::backend::Storage> { unimplemented!() }
/// omnera_core::testing::run_storage_conformance(|| connect_to_a_new_database()).await;
/// # }
/// ```
pub async fn run_storage_conformance<F, Fut>(mut fresh: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Arc<dyn Storage>>,
{
    let mut failures = Vec::new();
    let cases = storage_cases();
    let count = cases.len();
    for case in cases {
        let storage = fresh().await;
        if let Err(error) = tokio::spawn((case.run)(storage)).await {
            let message = error
                .try_into_panic()
                .ok()
                .and_then(|panic| {
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
                })
                .unwrap_or_else(|| "cancelled".to_owned());
            failures.push(format!("{}: {message}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} storage cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
