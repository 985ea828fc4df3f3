//! Open enums: wire strings with a set of known values that never reject an unknown one.
//!
//! The AI Horde adds samplers, metadata types and return codes over time (API.md §13.15), and a
//! client that rejects a value it does not know breaks on the next server release (horde-sdk
//! PR #115). Every enum of this crate that mirrors a server enum is therefore declared with
//! [`open_enum!`](crate::open_enum): known values get a variant, anything else parses into
//! `Other(String)` and serialises back unchanged. Its TypeScript type is the union of the known
//! literals plus `(string & {})`, which keeps editor completion without rejecting new values.

/// Declares an open string enum (see the module documentation).
///
/// ```text
/// open_enum! {
///     /// Doc.
///     pub enum Sampler { KEuler = "k_euler", Ddim = "DDIM" }
/// }
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the SDK does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every wire value this version of the SDK knows, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The TypeScript declaration of this type.
            pub const TS_DECL: &'static str = concat!(
                "export type ", stringify!($name), " = ",
                $( "\"", $wire, "\" | ", )*
                "(string & {});"
            );

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s.as_str(),
                }
            }

            /// Whether this value is one of [`Self::KNOWN`].
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $( $wire => Self::$variant, )*
                    _ => Self::Other(s),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                }
                d.deserialize_string(V)
            }
        }

        #[cfg(target_arch = "wasm32")]
        impl $crate::jsval::FromJs for $name {
            fn from_js(v: ::wasm_bindgen::JsValue) -> Result<Self, $crate::jsval::DeError> {
                <String as $crate::jsval::FromJs>::from_js(v).map($name::from)
            }
        }

        #[cfg(target_arch = "wasm32")]
        impl $crate::jsval::Shape for $name {
            const KIND: &'static $crate::jsval::Kind = &$crate::jsval::Kind::Str;
        }

        #[cfg(target_arch = "wasm32")]
        impl $crate::jsval::Placeholder for $name {
            fn placeholder() -> Self {
                Self::Other(String::new())
            }
        }

        #[cfg(target_arch = "wasm32")]
        impl $crate::jsval::ToJs for $name {
            fn to_js(&self) -> ::wasm_bindgen::JsValue {
                ::wasm_bindgen::JsValue::from_str(self.as_str())
            }
        }

        const _: () = {
            #[::wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
            const TS_APPEND_CONTENT: &'static str = $name::TS_DECL;
        };
    };
}
