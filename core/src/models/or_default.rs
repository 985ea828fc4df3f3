//! [`OrDefault`]: a field that decodes from a missing key or `null` as its default value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ops::{Deref, DerefMut};

/// A value that decodes from a missing key or `null` as `T::default()`, and is always present
/// when encoded.
///
/// horde_sdk gives some response fields a default (`generations` is `[]`, `shared` is `false`).
/// A plain `#[serde(default)]` would make those fields optional in the generated TypeScript,
/// although the SDK always returns them; this wrapper keeps the TypeScript type exact
/// (`generations: ImageGeneration[]`) and is transparent in Rust through `Deref`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct OrDefault<T>(pub T);

impl<T> Deref for OrDefault<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for OrDefault<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for OrDefault<T> {
    fn from(value: T) -> Self {
        OrDefault(value)
    }
}

impl<T: Serialize> Serialize for OrDefault<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for OrDefault<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `Option` goes through `deserialize_option`, which is also what serde calls for a
        // missing key, so a missing key, `null` and `undefined` all land here as `None`.
        Ok(OrDefault(Option::<T>::deserialize(d)?.unwrap_or_default()))
    }
}
