//! `#[derive(FromJs)]`, `#[derive(ToJs)]` and `#[derive(Shape)]`: horde-wasm's compact converters between JavaScript
//! values and a struct (the `crate::jsval::FromJs` and `crate::jsval::ToJs` traits), generated
//! from the struct's own definition.
//!
//! The wire name of every field comes from its serde attributes, read by
//! `serde_derive_internals` as serde's and tsify's derives read them: so the native serde
//! decoders, the TypeScript declarations and these converters share one definition.
//!
//! # Attributes
//!
//! Read from `#[serde(...)]`:
//!
//! - `rename_all` on the struct and `rename` on a field: the wire names. `FromJs` reads the
//!   deserialize name and `ToJs` writes the serialize name.
//! - `default` on a field of type `Option<_>`: a missing field is `None` (through
//!   `FromJs::missing`, as without it).
//! - `skip_serializing_if = "Option::is_none"`: `ToJs` leaves out every absent value (`None`,
//!   `undefined`), with or without it.
//! - `with`, `serialize_with` or `deserialize_with` of `crate::jsval::preserve` or
//!   `crate::jsval::preserve_opt` (a value kept as the JavaScript value it is): the converters
//!   read and write such a field through its type's `FromJs` and `ToJs`, which keep JavaScript
//!   values as they are.
//!
//! Any other serde attribute that changes what is read or written (another `deserialize_with`
//! without a `js(read)`, `serialize_with`, `alias`, `flatten`, `skip*`, `default` on a field that
//! is not an `Option`, `default = "path"`, `transparent`, `tag`, `from`, `into`,
//! `deny_unknown_fields`, a container `default`) is a compile error rather than a silent
//! difference between the two decoders.
//!
//! Their own, `#[js(...)]`:
//!
//! - `#[js(read = path)]` on a field: read it with `path`, a
//!   `fn(JsValue) -> Result<T, DeError>` (the converters' counterpart of a serde
//!   `deserialize_with`, which needs one).
//! - `#[js(options)]` on the struct (with `FromJs`): also implements
//!   `crate::jsval::Options`, an options argument whose unknown keys are rejected.
//!
//! # What is generated
//!
//! `Shape` generates `crate::jsval::Shape`: a static table of the wire names and, per field,
//! its type's shape, which the one interpreter `crate::jsval::check` reads to validate an answer
//! that passes through and copy it clean. It takes one name per field and no `js(read)`.
//!
//! `FromJs` generates `KEYS`, the wire names read, on every target, and the `FromJs` impl: one
//! `crate::jsval::field` (or `field_with`) call per field, in the struct's order. `ToJs`
//! generates one `crate::jsval::put` call per field. The impls are compiled for
//! `target_arch = "wasm32"` only, where `crate::jsval` exists: horde-core defines it, and
//! horde-wasm re-exports it at its root (the paths start at `crate::`, so a crate using the
//! derives has the module `jsval` at its root).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use serde_derive_internals::{ast, attr, Ctxt, Derive};
use syn::{parse_macro_input, DeriveInput, Ident, LitStr};

/// Implements `crate::jsval::FromJs` for a struct with named fields, and `KEYS`, the wire names
/// of its fields (see the crate's documentation for the attributes).
#[proc_macro_derive(FromJs, attributes(serde, js))]
pub fn derive_from_js(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model(&input, Derive::Deserialize)
        .map(|m| from_js(&m))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `crate::jsval::ToJs` for a struct with named fields (see the crate's
/// documentation for the attributes).
#[proc_macro_derive(ToJs, attributes(serde, js))]
pub fn derive_to_js(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model(&input, Derive::Serialize)
        .map(|m| to_js(&m))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `crate::jsval::Shape` for a struct with named fields: a static table of its wire
/// names and their fields' shapes, which `crate::jsval::check` interprets (see the crate's
/// documentation).
#[proc_macro_derive(Shape, attributes(serde, js))]
pub fn derive_shape(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model(&input, Derive::Deserialize)
        .and_then(|m| shape(&m))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A struct as the converters see it.
struct Model {
    ident: Ident,
    /// `#[js(options)]`.
    options: bool,
    fields: Vec<Field>,
}

struct Field {
    member: Ident,
    /// The key read (serde's deserialize name).
    read_name: String,
    /// The key written (serde's serialize name).
    write_name: String,
    /// `#[js(read = path)]`.
    read: Option<syn::Path>,
    ty: syn::Type,
}

/// Reads the struct's serde and js attributes; errors name what the converters cannot do.
fn model(input: &DeriveInput, derive: Derive) -> syn::Result<Model> {
    let cx = Ctxt::new();
    let container = ast::Container::from_ast(&cx, input, derive);
    cx.check()?;
    let Some(container) = container else {
        return Err(syn::Error::new_spanned(input, "cannot read this item"));
    };
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.add(
            &input.generics,
            "the JS converters take structs without generics",
        );
    }
    check_container(&container.attrs, input, &mut errors);
    let options = container_js(input, &mut errors);
    let fields = match &container.data {
        ast::Data::Struct(ast::Style::Struct, fields) => fields,
        _ => {
            return Err(errors.fail(input, "the JS converters take structs with named fields"));
        }
    };
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        if let Some(field) = field(f, &mut errors) {
            out.push(field);
        }
    }
    for (i, f) in out.iter().enumerate() {
        if out.iter().take(i).any(|g| g.read_name == f.read_name) {
            errors.add(&f.member, format!("a second field reads `{}`", f.read_name));
        }
        if out.iter().take(i).any(|g| g.write_name == f.write_name) {
            errors.add(
                &f.member,
                format!("a second field writes `{}`", f.write_name),
            );
        }
    }
    errors.finish()?;
    Ok(Model {
        ident: input.ident.clone(),
        options,
        fields: out,
    })
}

fn check_container(attrs: &attr::Container, input: &DeriveInput, errors: &mut Errors) {
    let unsupported = [
        (attrs.transparent(), "transparent"),
        (attrs.deny_unknown_fields(), "deny_unknown_fields"),
        (!attrs.default().is_none(), "default"),
        (!matches!(attrs.tag(), attr::TagType::External), "tag"),
        (attrs.type_from().is_some(), "from"),
        (attrs.type_try_from().is_some(), "try_from"),
        (attrs.type_into().is_some(), "into"),
        (attrs.remote().is_some(), "remote"),
    ];
    for (_, name) in unsupported.iter().filter(|(set, _)| *set) {
        errors.add(
            &input.ident,
            format!("the JS converters do not implement #[serde({name})]"),
        );
    }
}

/// `#[js(options)]` on the struct.
fn container_js(input: &DeriveInput, errors: &mut Errors) -> bool {
    let mut options = false;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("js")) {
        let r = a.parse_nested_meta(|meta| {
            if meta.path.is_ident("options") {
                options = true;
                Ok(())
            } else {
                Err(meta.error("unknown js attribute of a struct; it has `options`"))
            }
        });
        if let Err(e) = r {
            errors.push(e);
        }
    }
    options
}

/// `#[js(read = path)]` on a field.
fn field_js(field: &syn::Field, errors: &mut Errors) -> Option<syn::Path> {
    let mut read = None;
    for a in field.attrs.iter().filter(|a| a.path().is_ident("js")) {
        let r = a.parse_nested_meta(|meta| {
            if meta.path.is_ident("read") {
                read = Some(meta.value()?.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(meta.error("unknown js attribute of a field; it has `read = path`"))
            }
        });
        if let Err(e) = r {
            errors.push(e);
        }
    }
    read
}

fn field(f: &ast::Field, errors: &mut Errors) -> Option<Field> {
    let syn::Member::Named(member) = &f.member else {
        errors.add(f.original, "the JS converters take named fields");
        return None;
    };
    let a = &f.attrs;
    let read = field_js(f.original, errors);
    let mut unsupported = |set: bool, message: &str| {
        if set {
            errors.add(member, message);
        }
    };
    unsupported(
        a.flatten(),
        "the JS converters do not read #[serde(flatten)]",
    );
    unsupported(
        a.skip_serializing() || a.skip_deserializing(),
        "the JS converters do not skip fields (#[serde(skip...)])",
    );
    unsupported(
        a.aliases().len() > 1,
        "the JS converters read one name per field, without #[serde(alias)]",
    );
    unsupported(
        matches!(a.default(), attr::Default::Path(_)),
        "the JS converters do not read #[serde(default = \"path\")]",
    );
    unsupported(
        matches!(a.default(), attr::Default::Default)
            && !a.skip_deserializing()
            && !is_option(f.ty),
        "the JS converters take #[serde(default)] on an Option only (a missing field is None)",
    );
    unsupported(
        a.skip_serializing_if()
            .is_some_and(|p| !ends_with(&p.path, &["Option", "is_none"])),
        "the JS converters leave out absent values only: skip_serializing_if = \"Option::is_none\"",
    );
    unsupported(
        a.serialize_with().is_some_and(|p| !preserves(&p.path)),
        "the JS converters take no serialize_with but crate::jsval::preserve's or preserve_opt's",
    );
    unsupported(
        read.is_none() && a.deserialize_with().is_some_and(|p| !preserves(&p.path)),
        "a field with #[serde(deserialize_with)] needs #[js(read = path)], its reader of a JsValue",
    );
    Some(Field {
        member: member.clone(),
        read_name: a.name().deserialize_name().to_owned(),
        write_name: a.name().serialize_name().to_owned(),
        read,
        ty: f.ty.clone(),
    })
}

/// Whether `ty` is written `Option<_>`.
fn is_option(ty: &syn::Type) -> bool {
    match serde_derive_internals::ungroup(ty) {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            s.ident == "Option" && matches!(s.arguments, syn::PathArguments::AngleBracketed(_))
        }),
        _ => false,
    }
}

fn ends_with(path: &syn::Path, tail: &[&str]) -> bool {
    let skip = path.segments.len().checked_sub(tail.len());
    skip.is_some_and(|skip| {
        path.segments
            .iter()
            .skip(skip)
            .zip(tail)
            .all(|(s, t)| s.ident == t)
    })
}

/// Whether a serde `with` function is one of `crate::jsval::preserve`'s or `preserve_opt`'s.
fn preserves(path: &syn::Path) -> bool {
    ["preserve", "preserve_opt"].iter().any(|m| {
        ends_with(path, &["jsval", m, "serialize"]) || ends_with(path, &["jsval", m, "deserialize"])
    })
}

/// A local of the generated code, out of reach of the struct's names.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn from_js(m: &Model) -> Tokens {
    let ident = &m.ident;
    let (v, o, failed, r) = (local("v"), local("o"), local("failed"), local("r"));
    let keys = m
        .fields
        .iter()
        .map(|f| LitStr::new(&f.read_name, Span::call_site()));
    let reads = m.fields.iter().map(|f| {
        let member = &f.member;
        let name = LitStr::new(&f.read_name, Span::call_site());
        match &f.read {
            None => quote!(#member: crate::jsval::field(&#o, #name, &mut #failed)),
            Some(read) => {
                quote!(#member: crate::jsval::field_with(&#o, #name, #read, &mut #failed))
            }
        }
    });
    let options = m.options.then(|| {
        quote! {
            #[cfg(target_arch = "wasm32")]
            impl crate::jsval::Options for #ident {
                const KEYS: &'static [&'static str] = <#ident>::KEYS;
            }
        }
    });
    let count = m.fields.len();
    // The names live in a static, so that a crate using `KEYS` refers to the defining crate's
    // strings rather than copying them into its own code.
    quote! {
        impl #ident {
            /// The wire names of the fields.
            #[allow(dead_code)]
            pub const KEYS: &'static [&'static str] = {
                static KEYS: [&str; #count] = [#(#keys),*];
                &KEYS
            };
        }

        #[cfg(target_arch = "wasm32")]
        impl crate::jsval::FromJs for #ident {
            fn from_js(
                #v: ::wasm_bindgen::JsValue,
            ) -> ::core::result::Result<Self, crate::jsval::DeError> {
                let #o = crate::jsval::object(#v)?;
                let mut #failed: ::core::option::Option<crate::jsval::DeError> =
                    ::core::option::Option::None;
                let #r = #ident { #(#reads,)* };
                match #failed {
                    ::core::option::Option::None => ::core::result::Result::Ok(#r),
                    ::core::option::Option::Some(e) => ::core::result::Result::Err(e),
                }
            }
        }

        #options
    }
}

fn to_js(m: &Model) -> Tokens {
    let ident = &m.ident;
    let o = local("o");
    let puts = m.fields.iter().map(|f| {
        let member = &f.member;
        let name = LitStr::new(&f.write_name, Span::call_site());
        quote!(crate::jsval::put(&#o, #name, &self.#member);)
    });
    quote! {
        #[cfg(target_arch = "wasm32")]
        impl crate::jsval::ToJs for #ident {
            fn to_js(&self) -> ::wasm_bindgen::JsValue {
                let #o = ::js_sys::Object::new();
                #(#puts)*
                #o.into()
            }
        }
    }
}

fn shape(m: &Model) -> syn::Result<Tokens> {
    let ident = &m.ident;
    let mut errors = Errors::default();
    for f in &m.fields {
        if f.read.is_some() {
            errors.add(&f.member, "a shape has no custom reader (#[js(read)])");
        }
        if f.read_name != f.write_name {
            errors.add(&f.member, "a shape reads and writes one name per field");
        }
    }
    errors.finish()?;
    let fields = m.fields.iter().map(|f| {
        let name = LitStr::new(&f.read_name, Span::call_site());
        let ty = &f.ty;
        quote!(crate::jsval::Field { name: #name, kind: <#ty as crate::jsval::Shape>::KIND })
    });
    Ok(quote! {
        #[cfg(target_arch = "wasm32")]
        impl crate::jsval::Shape for #ident {
            const KIND: &'static crate::jsval::Kind =
                &crate::jsval::Kind::Object(&[#(#fields),*]);
        }
    })
}

/// Compile errors, all reported at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn add(&mut self, at: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(at, message));
    }

    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// Every error so far and this last one.
    fn fail(mut self, at: impl quote::ToTokens, message: impl std::fmt::Display) -> syn::Error {
        let mut last = syn::Error::new_spanned(at, message);
        if let Some(mut all) = self.0.take() {
            all.combine(last);
            last = all;
        }
        last
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn names(input: DeriveInput) -> Vec<(String, String, String)> {
        let m = model(&input, Derive::Deserialize).unwrap_or_else(|e| panic!("{e}"));
        m.fields
            .into_iter()
            .map(|f| (f.member.to_string(), f.read_name, f.write_name))
            .collect()
    }

    fn error(input: DeriveInput) -> String {
        match model(&input, Derive::Deserialize) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    fn n(member: &str, read: &str, write: &str) -> (String, String, String) {
        (member.to_owned(), read.to_owned(), write.to_owned())
    }

    #[test]
    fn wire_names_come_from_serde() {
        let input = parse_quote! {
            #[serde(rename_all = "camelCase")]
            struct S {
                timeout_ms: Option<f64>,
                #[serde(rename = "type")]
                r#type: String,
                #[serde(rename(serialize = "out", deserialize = "in"))]
                both: u32,
                plain: bool,
            }
        };
        assert_eq!(
            names(input),
            [
                n("timeout_ms", "timeoutMs", "timeoutMs"),
                n("r#type", "type", "type"),
                n("both", "in", "out"),
                n("plain", "plain", "plain"),
            ]
        );
    }

    #[test]
    fn each_field_is_one_call_with_its_name() {
        let input = parse_quote! {
            #[js(options)]
            struct S {
                #[serde(rename = "height")]
                a: u32,
                #[serde(deserialize_with = "x")]
                #[js(read = crate::read_b)]
                b: String,
            }
        };
        let m = model(&input, Derive::Deserialize).unwrap();
        let read = from_js(&m).to_string();
        assert!(read.contains(r#"static KEYS : [& str ; 2usize] = ["height" , "b"]"#));
        assert!(read.contains(r#"a : crate :: jsval :: field (& o , "height" , & mut failed)"#));
        assert!(read.contains(
            r#"b : crate :: jsval :: field_with (& o , "b" , crate :: read_b , & mut failed)"#
        ));
        assert!(read.contains("impl crate :: jsval :: Options for S"));
        let write = to_js(&m).to_string();
        assert!(write.contains(r#"crate :: jsval :: put (& o , "height" , & self . a) ;"#));
        assert!(write.contains(r#"crate :: jsval :: put (& o , "b" , & self . b) ;"#));
    }

    #[test]
    fn a_shape_is_a_table_of_names_and_field_types() {
        let input = parse_quote! {
            struct S {
                #[serde(rename = "height")]
                a: u32,
                b: Option<Vec<String>>,
            }
        };
        let m = model(&input, Derive::Deserialize).unwrap();
        let table = shape(&m).unwrap().to_string();
        assert!(table.contains(
            r#"crate :: jsval :: Field { name : "height" , kind : < u32 as crate :: jsval :: Shape > :: KIND }"#
        ));
        assert!(table.contains(
            r#"crate :: jsval :: Field { name : "b" , kind : < Option < Vec < String > > as crate :: jsval :: Shape > :: KIND }"#
        ));
    }

    #[test]
    fn a_shape_has_one_name_per_field_and_no_custom_reader() {
        let cases: [(DeriveInput, &str); 2] = [
            (
                parse_quote!(
                    struct S {
                        #[serde(rename(serialize = "out", deserialize = "in"))]
                        a: u32,
                    }
                ),
                "one name per field",
            ),
            (
                parse_quote!(
                    struct S {
                        #[serde(deserialize_with = "x")]
                        #[js(read = crate::read_a)]
                        a: u32,
                    }
                ),
                "no custom reader",
            ),
        ];
        for (input, message) in cases {
            let m = model(&input, Derive::Deserialize).unwrap();
            let e = shape(&m).err().unwrap().to_string();
            assert!(e.contains(message), "{e}");
        }
    }

    #[test]
    fn preserved_values_need_no_reader() {
        let input = parse_quote! {
            struct S {
                #[serde(with = "crate::jsval::preserve")]
                img: JsString,
                #[serde(default, with = "crate::jsval::preserve_opt")]
                mask: Option<JsString>,
            }
        };
        assert_eq!(
            names(input),
            [n("img", "img", "img"), n("mask", "mask", "mask")]
        );
    }

    #[test]
    fn what_the_converters_cannot_do_does_not_compile() {
        let cases: [(DeriveInput, &str); 8] = [
            (
                parse_quote!(
                    struct S {
                        #[serde(deserialize_with = "f")]
                        a: String,
                    }
                ),
                "needs #[js(read = path)]",
            ),
            (
                parse_quote!(
                    struct S {
                        #[serde(with = "m")]
                        a: String,
                    }
                ),
                "no serialize_with",
            ),
            (
                parse_quote!(
                    struct S {
                        #[serde(default)]
                        a: String,
                    }
                ),
                "on an Option only",
            ),
            (
                parse_quote!(
                    struct S {
                        #[serde(alias = "b")]
                        a: String,
                    }
                ),
                "without #[serde(alias)]",
            ),
            (
                parse_quote!(
                    struct S {
                        #[serde(skip)]
                        a: String,
                    }
                ),
                "do not skip fields",
            ),
            (
                parse_quote!(
                    struct S {
                        #[serde(skip_serializing_if = "f")]
                        a: Option<u32>,
                    }
                ),
                "Option::is_none",
            ),
            (
                parse_quote!(
                    struct S {
                        a: u32,
                        #[serde(rename = "a")]
                        b: u32,
                    }
                ),
                "a second field reads `a`",
            ),
            (
                parse_quote!(
                    #[serde(deny_unknown_fields)]
                    struct S {
                        a: u32,
                    }
                ),
                "deny_unknown_fields",
            ),
        ];
        for (input, expected) in cases {
            let e = error(input);
            assert!(e.contains(expected), "{e}");
        }
    }
}
