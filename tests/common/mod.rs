//! Helpers shared by the Rust integration tests.

/// The text of a file under `tests/fixtures/`, at compile time.
#[macro_export]
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}
