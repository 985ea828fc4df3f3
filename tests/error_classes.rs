//! The JavaScript error classes are the same in every place that lists them: `ERROR_CLASSES`
//! (horde-core's `error.rs`), `js/errors.js`, and the re-exports, TypeScript declarations and
//! `ErrorToJs::to_js` of `src/js_error.rs`.
#![cfg(not(target_arch = "wasm32"))]
// Tests may panic: that is how they fail (Cargo.toml denies it in the shipped code).
#![allow(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use horde_wasm::error::ERROR_CLASSES;

/// The text from `start` to the next `end` (or the end of `text`).
fn block<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}"));
    let rest = &text[from + start.len()..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn every_place_lists_the_same_error_classes() {
    let js = include_str!("../js/errors.js");
    let rust = include_str!("../src/js_error.rs");
    let names: Vec<&str> = ERROR_CLASSES.iter().map(|c| c.name).collect();
    let count = |text: &str, pattern: &str| text.matches(pattern).count();
    // js/errors.js: one class or `named` export each, and the lookup table of createError.
    assert_eq!(
        count(js, "export class ") + count(js, "= named("),
        names.len()
    );
    let lookup = block(js, "const classes = {", "};");
    assert_eq!(
        lookup.split(',').filter(|w| !w.trim().is_empty()).count(),
        names.len()
    );
    // The re-exports and the TypeScript declarations.
    assert_eq!(count(rust, "=> reexport_"), names.len());
    let ts = block(rust, "const ERROR_DECLARATIONS: &str = r#\"", "\"#;");
    assert_eq!(count(ts, "export class "), names.len());
    for c in ERROR_CLASSES {
        let (name, parent) = (c.name, c.parent);
        if parent == "Error" {
            assert!(js.contains(&format!("export class {name} extends Error {{")));
        } else {
            assert!(
                js.contains(&format!("export const {name} = named({parent}, '{name}');")),
                "{name} in js/errors.js"
            );
        }
        assert!(
            lookup.split(',').any(|w| w.trim() == name),
            "{name} in createError's table"
        );
        assert!(
            rust.contains(&format!("    {name} => reexport_")),
            "{name} re-exported"
        );
        assert!(
            ts.contains(&format!("\"{name}\"")),
            "{name} in the HordeErrorName types"
        );
        let class = block(
            ts,
            &format!("export class {name} extends {parent} "),
            "export class ",
        );
        for field in c.fields {
            assert!(
                class.contains(&format!("readonly {field}:"))
                    || class.contains(&format!("readonly {field}?:")),
                "{name}.{field} declared in TypeScript"
            );
        }
    }
    // Every field ErrorToJs::to_js sets is a field of some class.
    let fields: Vec<&str> = ERROR_CLASSES
        .iter()
        .flat_map(|c| c.fields.iter().copied())
        .collect();
    for set in rust.split("set(&props, \"").skip(1) {
        let field = &set[..set.find('"').unwrap()];
        assert!(
            fields.contains(&field),
            "{field} set by ErrorToJs::to_js but listed by no class"
        );
    }
}
