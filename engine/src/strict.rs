//! File shapes read strictly: a table stays a table, and messages speak of tables and keys, never of Rust types.
//!
//! serde's derived structs also accept a sequence, matched to the fields by position, so `partner: [p1, Name]`
//! would read as `partner: {id: p1, name: Name}`: data silently moved between keys. serde has no attribute to
//! forbid that, so every file struct is read through [`Strict`], a deserializer wrapper that refuses a sequence
//! wherever a struct is asked for, at every depth, whatever the parser. It hands everything else through
//! untouched (the parser's own deserializer still reads the values), so places, spans (`toml::Spanned`) and exact
//! numbers (serde_json's `arbitrary_precision`) keep working. It also replaces what a derived visitor says it
//! expected (`struct PartnerIdFile`, `enum Segment`) with the file's vocabulary: the keys, or the allowed values.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::Deserialize;

/// The words a file format uses for a table of keys and for a list.
pub(crate) trait Words {
    const TABLE: &'static str;
    const LIST: &'static str;
    /// serde-saphyr refuses a sequence for a struct before any visitor sees it, with a message about parser
    /// events; asking it for any value lets [`WrapVisitor`] refuse with the keys instead.
    const ANY_FOR_TABLES: bool = false;
}

/// YAML: mappings and sequences.
pub(crate) struct Yaml;
/// JSON: objects and arrays.
pub(crate) struct Json;
/// TOML: tables and arrays.
pub(crate) struct Toml;

impl Words for Yaml {
    const TABLE: &'static str = "mapping";
    const LIST: &'static str = "sequence";
    const ANY_FOR_TABLES: bool = true;
}
impl Words for Json {
    const TABLE: &'static str = "object";
    const LIST: &'static str = "array";
}
impl Words for Toml {
    const TABLE: &'static str = "table";
    const LIST: &'static str = "array";
}

/// A `T` read strictly: no positional sequence stands for a struct anywhere inside it.
pub(crate) struct Strict<T, W>(pub T, PhantomData<W>);

impl<'de, T: Deserialize<'de>, W: Words> Deserialize<'de> for Strict<T, W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        FAILED_KEY.with(|f| f.borrow_mut().take());
        T::deserialize(Wrap::<D, W>(d, PhantomData)).map(|v| Strict(v, PhantomData))
    }
}

// serde-saphyr places an error raised by a value's own checks (a negative amount, a month 13) at the start of
// the enclosing mapping, not at the value. For YAML the wrapper therefore notes the key whose value failed,
// innermost first, so that `Error::from_yaml` can find that key below the reported place and point at the value.
// Thread-local because the parser's error type cannot carry it; a parse runs on one thread from start to end.
thread_local! {
    /// The last text the parser handed to a visitor: right after a map key is read, that key.
    static LAST_TEXT: RefCell<String> = const { RefCell::new(String::new()) };
    /// The key of the innermost mapping value that failed in the last YAML parse on this thread.
    static FAILED_KEY: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The key whose value failed in the last YAML parse on this thread, if a value failed (taken: asked once).
pub(crate) fn take_failed_key() -> Option<String> {
    FAILED_KEY.with(|f| f.borrow_mut().take())
}

fn note_text<W: Words>(text: &str) {
    if W::ANY_FOR_TABLES {
        LAST_TEXT.with(|t| {
            let mut t = t.borrow_mut();
            t.clear();
            t.push_str(text);
        });
    }
}

/// What a wrapped visitor was asked for.
#[derive(Clone, Copy)]
enum Shape {
    /// A struct with these keys: a sequence is refused.
    Table(&'static [&'static str]),
    /// An enum with these values.
    OneOf(&'static [&'static str]),
    /// Anything else: the visitor's own words.
    Other,
}

fn list(names: &[&str]) -> String {
    names.join(", ")
}

/// `a mapping`, `an object`, `an array`.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

struct Wrap<D, W>(D, PhantomData<W>);

struct WrapVisitor<V, W> {
    inner: V,
    shape: Shape,
    words: PhantomData<W>,
}

impl<V, W> WrapVisitor<V, W> {
    fn new(inner: V, shape: Shape) -> Self {
        WrapVisitor { inner, shape, words: PhantomData }
    }
}

fn other<V, W>(inner: V) -> WrapVisitor<V, W> {
    WrapVisitor::new(inner, Shape::Other)
}

macro_rules! forward_plain {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(other::<V, W>(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>, W: Words> Deserializer<'de> for Wrap<D, W> {
    type Error = D::Error;

    forward_plain!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, other::<V, W>(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, other::<V, W>(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, other::<V, W>(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, other::<V, W>(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // Parsers' private structs (`toml::Spanned`, serde_json's numbers) start with `$`: hand them through.
        if name.starts_with('$') {
            return self.0.deserialize_struct(name, fields, other::<V, W>(visitor));
        }
        let visitor = WrapVisitor::<V, W>::new(visitor, Shape::Table(fields));
        if W::ANY_FOR_TABLES {
            self.0.deserialize_any(visitor)
        } else {
            self.0.deserialize_struct(name, fields, visitor)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, WrapVisitor::<V, W>::new(visitor, Shape::OneOf(variants)))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

// Text handed over is noted (for YAML) so that a map knows its current key; see `LAST_TEXT`.
macro_rules! note {
    (visit_str, $v:ident) => {
        note_text::<W>($v)
    };
    (visit_borrowed_str, $v:ident) => {
        note_text::<W>($v)
    };
    (visit_string, $v:ident) => {
        note_text::<W>(&$v)
    };
    ($other:ident, $v:ident) => {};
}

// A scalar where a table or an enum is expected is refused here, so the message says what the file should
// hold (`a mapping with keys id, name`) instead of the derived visitor's `struct PartnerIdFile`.
macro_rules! forward_value {
    ($($method:ident($v:ident: $ty:ty) => $unexpected:expr),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, $v: $ty) -> Result<V::Value, E> {
                note!($method, $v);
                match self.shape {
                    Shape::Other => self.inner.$method($v),
                    _ => Err(E::invalid_type($unexpected, &self)),
                }
            }
        )*
    };
}

impl<'de, V: Visitor<'de>, W: Words> Visitor<'de> for WrapVisitor<V, W> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.shape {
            Shape::Table(fields) => write!(f, "{} {} with keys {}", article(W::TABLE), W::TABLE, list(fields)),
            Shape::OneOf(values) => write!(f, "one of {}", list(values)),
            Shape::Other => self.inner.expecting(f),
        }
    }

    forward_value!(
        visit_bool(v: bool) => de::Unexpected::Bool(v),
        visit_i8(v: i8) => de::Unexpected::Signed(i64::from(v)),
        visit_i16(v: i16) => de::Unexpected::Signed(i64::from(v)),
        visit_i32(v: i32) => de::Unexpected::Signed(i64::from(v)),
        visit_i64(v: i64) => de::Unexpected::Signed(v),
        visit_i128(v: i128) => de::Unexpected::Other("an integer"),
        visit_u8(v: u8) => de::Unexpected::Unsigned(u64::from(v)),
        visit_u16(v: u16) => de::Unexpected::Unsigned(u64::from(v)),
        visit_u32(v: u32) => de::Unexpected::Unsigned(u64::from(v)),
        visit_u64(v: u64) => de::Unexpected::Unsigned(v),
        visit_u128(v: u128) => de::Unexpected::Other("an integer"),
        visit_f32(v: f32) => de::Unexpected::Float(f64::from(v)),
        visit_f64(v: f64) => de::Unexpected::Float(v),
        visit_char(v: char) => de::Unexpected::Char(v),
        visit_str(v: &str) => de::Unexpected::Str(v),
        visit_borrowed_str(v: &'de str) => de::Unexpected::Str(v),
        visit_string(v: String) => de::Unexpected::Str(&v),
        visit_bytes(v: &[u8]) => de::Unexpected::Bytes(v),
        visit_borrowed_bytes(v: &'de [u8]) => de::Unexpected::Bytes(v),
        visit_byte_buf(v: Vec<u8>) => de::Unexpected::Bytes(&v),
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        match self.shape {
            Shape::Other => self.inner.visit_none(),
            _ => Err(E::invalid_type(de::Unexpected::Other("null"), &self)),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        match self.shape {
            Shape::Other => self.inner.visit_unit(),
            _ => Err(E::invalid_type(de::Unexpected::Other("null"), &self)),
        }
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.inner.visit_some(Wrap::<D2, W>(d, PhantomData))
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.inner.visit_newtype_struct(Wrap::<D2, W>(d, PhantomData))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if let Shape::Table(_) = self.shape {
            // `invalid_type` rather than `custom`: parsers attach their location to it.
            return Err(de::Error::invalid_type(de::Unexpected::Other(W::LIST), &self));
        }
        self.inner.visit_seq(WrapSeq::<A, W>(seq, PhantomData))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(WrapMap::<A, W>(map, String::new(), PhantomData))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(WrapEnum::<A, W>(data, PhantomData))
    }
}

/// A seed whose deserializer is wrapped, so strictness reaches every element, key and value.
struct WrapSeed<S, W>(S, PhantomData<W>);

impl<'de, S: DeserializeSeed<'de>, W: Words> DeserializeSeed<'de> for WrapSeed<S, W> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Wrap::<D, W>(d, PhantomData))
    }
}

struct WrapSeq<A, W>(A, PhantomData<W>);

impl<'de, A: SeqAccess<'de>, W: Words> SeqAccess<'de> for WrapSeq<A, W> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(WrapSeed::<T, W>(seed, PhantomData))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A map, with (for YAML) the key being read, to name it when its value fails.
struct WrapMap<A, W>(A, String, PhantomData<W>);

impl<'de, A: MapAccess<'de>, W: Words> MapAccess<'de> for WrapMap<A, W> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let key = self.0.next_key_seed(WrapSeed::<K, W>(seed, PhantomData))?;
        if W::ANY_FOR_TABLES {
            self.1.clear();
            LAST_TEXT.with(|t| self.1.push_str(&t.borrow()));
        }
        Ok(key)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let value = self.0.next_value_seed(WrapSeed::<S, W>(seed, PhantomData));
        if W::ANY_FOR_TABLES && value.is_err() {
            FAILED_KEY.with(|f| {
                let mut failed = f.borrow_mut();
                if failed.is_none() {
                    *failed = Some(self.1.clone());
                }
            });
        }
        value
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct WrapEnum<A, W>(A, PhantomData<W>);

impl<'de, A: EnumAccess<'de>, W: Words> EnumAccess<'de> for WrapEnum<A, W> {
    type Error = A::Error;
    type Variant = WrapVariant<A::Variant, W>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(WrapSeed::<S, W>(seed, PhantomData))?;
        Ok((value, WrapVariant(variant, PhantomData)))
    }
}

struct WrapVariant<A, W>(A, PhantomData<W>);

impl<'de, A: VariantAccess<'de>, W: Words> VariantAccess<'de> for WrapVariant<A, W> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(WrapSeed::<S, W>(seed, PhantomData))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, other::<V, W>(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, WrapVisitor::<V, W>::new(visitor, Shape::Table(fields)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        id: String,
        #[serde(default)]
        name: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        partner: Inner,
        #[serde(default)]
        list: Vec<Inner>,
    }

    // Issue 11: a positional array in place of a table was read by field order, moving data between keys.
    #[test]
    fn positional_arrays_are_refused_at_every_depth_in_every_format() {
        let json = serde_json::from_str::<Strict<Outer, Json>>(r#"{"partner": ["p", "Name"]}"#).err().unwrap();
        assert!(json.to_string().starts_with("invalid type: array, expected an object with keys id, name"), "{json}");
        let toml =
            toml::from_str::<Strict<Outer, Toml>>("partner = { id = \"p\" }\nlist = [[\"a\", \"b\"]]\n").err().unwrap();
        assert!(toml.message().contains("invalid type: array, expected a table with keys id, name"), "{toml}");
        let yaml =
            serde_saphyr::from_str::<Strict<Outer, Yaml>>("partner: {id: p}\nlist: [[p, Name]]\n").err().unwrap();
        assert!(yaml.to_string().contains("invalid type: sequence, expected a mapping with keys id, name"), "{yaml}");
        // Tables still read as before.
        let ok = serde_json::from_str::<Strict<Outer, Json>>(r#"{"partner": {"id": "p"}}"#).unwrap().0;
        assert_eq!(ok.partner, Inner { id: "p".into(), name: None });
    }
}
