//! Scalar values shared by partner files and rule files: exact decimals, months and dates.
//!
//! TOML, YAML and JSON each hand numbers to serde in their own way (an `f64`, an integer, a string, or
//! serde_json's arbitrary-precision map). The types here accept all of them and end as an exact
//! [`Decimal`], so `3.3` written in a rule file is the decimal 3.3, never the nearest binary float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// An exact decimal read from any supported file format.
///
/// A float literal arrives from TOML and YAML as an `f64`; its shortest round-trip text is the literal as
/// written for every literal of up to 15 significant digits, which is what this type keeps. Longer literals
/// should be quoted (`"0.1234567890123456789"`), which is read as text without any float in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dec(pub Decimal);

/// A [`Dec`] that refuses negative values while it is being read, so the parser reports the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NonNegative(pub Decimal);

struct DecVisitor;

/// serde_json's private key for a number kept as text (`arbitrary_precision`).
const JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Visitor<'de> for DecVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom(format!("{v} is not a finite decimal number")));
        }
        // `Display` for f64 prints the shortest text that reads back as the same float: the literal.
        parse_decimal(&v.to_string()).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == JSON_NUMBER_TOKEN => {
                let text: String = map.next_value()?;
                parse_decimal(&text).map_err(de::Error::custom)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

/// Parses decimal text such as `1200.50`, `-3`, `1e3` or `1_000` into an exact decimal.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim().replace('_', "");
    let parsed = if t.contains(['e', 'E']) { Decimal::from_scientific(&t) } else { Decimal::from_str(&t) };
    parsed.map_err(|_| format!("expected a decimal number, found \"{}\"", text.trim()))
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecVisitor).map(Dec)
    }
}

impl<'de> Deserialize<'de> for NonNegative {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = d.deserialize_any(DecVisitor)?;
        if v.is_sign_negative() && !v.is_zero() {
            let shown = v.to_string();
            return Err(de::Error::invalid_value(de::Unexpected::Other(&shown), &"a non-negative number"));
        }
        Ok(NonNegative(v))
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

/// A calendar month, stored as a month count since year 0 so that month arithmetic is integer arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    /// Builds a month from a year and a month number (1–12).
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12).contains(&month).then(|| Month(year * 12 + month as i32 - 1))
    }

    /// The month `n` months after this one (`n` may be negative).
    pub fn offset(self, n: i32) -> Month {
        Month(self.0 + n)
    }

    /// The number of months from `earlier` to `self`.
    pub fn since(self, earlier: Month) -> i32 {
        self.0 - earlier.0
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    pub fn number(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The last day of the month.
    pub fn last_day(self) -> Date {
        let (y, m) = (self.year(), self.number());
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let day = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        Date { year: y, month: m, day }
    }
}

/// Exactly `width` ASCII digits: integer parsing alone would take a sign (`+6`) and fill the width with it.
fn digits(part: &str, width: usize) -> bool {
    part.len() == width && part.bytes().all(|b| b.is_ascii_digit())
}

impl FromStr for Month {
    type Err = String;

    fn from_str(s: &str) -> Result<Month, String> {
        let bad = || format!("expected a month as YYYY-MM, found \"{s}\"");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if !digits(y, 4) || !digits(m, 2) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Month::new(year, month).ok_or_else(|| format!("month {month} is out of range 01–12 in \"{s}\""))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.number())
    }
}

/// A calendar day (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// A day, if it exists.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let last = Month::new(year, month)?.last_day().day;
        (1..=last).contains(&day).then_some(Date { year, month, day })
    }

    pub fn month(self) -> Month {
        Month::new(self.year, self.month).expect("a date holds a valid month")
    }

    pub fn day(self) -> u32 {
        self.day
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("expected a date as YYYY-MM-DD, found \"{s}\"");
        let t = s.trim();
        let mut parts = t.splitn(3, '-');
        let (y, m, d) = match (parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d)) if digits(y, 4) && digits(m, 2) && digits(d, 2) => (y, m, d),
            _ => return Err(bad()),
        };
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        let day: u32 = d.parse().map_err(|_| bad())?;
        let last = Month::new(year, month)
            .ok_or_else(|| format!("month {month} is out of range 01–12 in \"{s}\""))?
            .last_day()
            .day;
        if !(1..=last).contains(&day) {
            return Err(format!("day {day} does not exist in {year:04}-{month:02}"));
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Reads text from a plain string, or from TOML's datetime value (a bare `2024-06-30` in a TOML file).
struct TextVisitor(&'static str);

impl<'de> Visitor<'de> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        // TOML hands a datetime over as a one-entry map holding its text.
        match map.next_key::<String>()? {
            Some(_) => map.next_value::<String>(),
            None => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

// Bad values are reported through `invalid_value` rather than `custom`: parsers attach their location to it.
impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = d.deserialize_any(TextVisitor("a month as YYYY-MM"))?;
        text.parse().map_err(|_| {
            de::Error::invalid_value(de::Unexpected::Str(&text), &"a month as YYYY-MM, with a month from 01 to 12")
        })
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = d.deserialize_any(TextVisitor("a date as YYYY-MM-DD"))?;
        text.parse()
            .map_err(|_| de::Error::invalid_value(de::Unexpected::Str(&text), &"an existing date as YYYY-MM-DD"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_do_arithmetic_across_years() {
        let m: Month = "2024-01".parse().unwrap();
        assert_eq!(m.offset(-1).to_string(), "2023-12");
        assert_eq!(m.offset(-13).to_string(), "2022-12");
        assert_eq!(m.since(m.offset(-12)), 12);
        assert_eq!("2024-02".parse::<Month>().unwrap().last_day().to_string(), "2024-02-29");
    }

    #[test]
    fn malformed_months_and_dates_are_refused() {
        assert!("2024-13".parse::<Month>().unwrap_err().contains("out of range"));
        assert!("2024-6".parse::<Month>().is_err());
        assert!("2023-02-29".parse::<Date>().unwrap_err().contains("does not exist"));
    }

    // Issue 11: `2024-+6`, `+024-06` and `2024-06-+1` were read as 2024-06 and 2024-06-01.
    #[test]
    fn signs_and_non_digits_in_months_and_dates_are_refused() {
        for bad in ["2024-+6", "+024-06", "-024-06", "2024--6", "２０２４-06", "2024-0x"] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
        for bad in ["2024-06-+1", "2024-+6-01", "+024-06-01", "2024-06--1", "2024-06-1 "] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert_eq!("2024-06".parse::<Month>().unwrap().to_string(), "2024-06");
        assert_eq!("2024-06-01".parse::<Date>().unwrap().to_string(), "2024-06-01");
    }

    #[test]
    fn decimals_stay_exact_through_float_literals() {
        assert_eq!(DecVisitor.visit_f64::<de::value::Error>(3.3).unwrap().to_string(), "3.3");
        assert_eq!(parse_decimal("1_000.50").unwrap().to_string(), "1000.50");
        assert_eq!(parse_decimal("1e3").unwrap(), Decimal::from(1000));
    }
}

// JSON Schema descriptions of the scalars, for `designate schema` and editors.
mod json_schema {
    use std::borrow::Cow;

    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

    use super::{Date, Dec, Month};

    impl JsonSchema for Dec {
        fn schema_name() -> Cow<'static, str> {
            "Decimal".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "an exact decimal: a number (read exactly up to 15 significant digits) or a quoted decimal",
                "anyOf": [{ "type": "number" }, { "type": "string", "pattern": "^-?[0-9_]+(\\.[0-9_]+)?([eE][-+]?[0-9]+)?$" }]
            })
        }
    }

    impl JsonSchema for Month {
        fn schema_name() -> Cow<'static, str> {
            "Month".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "a month as YYYY-MM",
                "type": "string",
                "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"
            })
        }
    }

    impl JsonSchema for Date {
        fn schema_name() -> Cow<'static, str> {
            "Date".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "a day as YYYY-MM-DD (a TOML date, or a string)",
                "type": "string",
                "format": "date"
            })
        }
    }
}
