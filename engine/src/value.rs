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
/// must be quoted (`"0.1234567890123456789"`), which is read as text without any float in between; the files'
/// readers refuse them unquoted with [`inexact_float_literals`]. Text with more than [`MAX_DIGITS`] significant
/// digits is refused, never rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dec(pub Decimal);

/// A [`Dec`] that refuses negative values while it is being read, so the parser reports the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NonNegative(pub Decimal);

struct DecVisitor;

/// serde_json's private key for a number kept as text (`arbitrary_precision`).
pub(crate) const JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

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

    // TOML hands integers beyond i64 over as i128.
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Decimal, E> {
        Decimal::try_from_i128_with_scale(v, 0).map_err(|_| E::custom(format!("{v} is too large for a decimal")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Decimal, E> {
        i128::try_from(v)
            .map_or_else(|_| Err(E::custom(format!("{v} is too large for a decimal"))), |v| self.visit_i128(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom(format!("{v} is not a finite decimal number")));
        }
        // `Display` for f64 prints the shortest text that reads back as the same float: the literal.
        parse_decimal(&v.to_string()).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_exact(v).map_err(|e| refused(v, e, &self))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == JSON_NUMBER_TOKEN => {
                let text: String = map.next_value()?;
                parse_exact(&text).map_err(|e| refused(&text, e, &self))
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

/// The most significant digits a decimal holds whatever its value (rust_decimal's 96-bit mantissa holds every
/// 28-digit number and some of 29).
pub const MAX_DIGITS: usize = 28;

/// Parses decimal text such as `1200.50`, `-3`, `1e3` or `1_000` into an exact decimal.
///
/// Text with more digits than a decimal holds is refused, not rounded: rounding would let
/// `499.999…9` (30 nines) silently reach a threshold of 500.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    parse_exact(text).map_err(|e| match e {
        Inexact::Syntax => format!("expected a decimal number, found \"{}\"", text.trim()),
        other => format!("{} {}", text.trim(), other.reason()),
    })
}

/// Why decimal text has no exact decimal.
#[derive(Debug, PartialEq)]
enum Inexact {
    Syntax,
    /// More significant digits than a decimal holds (the count).
    Digits(usize),
    /// Too large, or too many places after the point.
    Range,
}

impl Inexact {
    /// What follows the literal in a message.
    fn reason(&self) -> String {
        match self {
            Inexact::Syntax => "is not a decimal number".to_owned(),
            Inexact::Digits(n) => {
                format!("has {n} significant digits, more than the {MAX_DIGITS} an exact decimal holds")
            }
            Inexact::Range => format!("is out of the range of an exact decimal ({MAX_DIGITS} places at most)"),
        }
    }
}

fn parse_exact(text: &str) -> Result<Decimal, Inexact> {
    let t = text.trim().replace('_', "");
    let parsed = if t.contains(['e', 'E']) { Decimal::from_scientific(&t) } else { Decimal::from_str(&t) };
    let written = significant(&t);
    match (parsed, written) {
        (Ok(d), Some(w)) if canonical(d) == w => Ok(d),
        (_, Some((digits, _))) if digits.len() > MAX_DIGITS => Err(Inexact::Digits(digits.len())),
        (_, Some(_)) => Err(Inexact::Range),
        // Text rust_decimal reads but this reader does not take apart is kept as rust_decimal reads it.
        (Ok(d), None) => Ok(d),
        (Err(_), None) => Err(Inexact::Syntax),
    }
}

/// The value written in decimal text as significant digits (no leading or trailing zeros) and a power of
/// ten: `1200.50` is ("12005", 1). Zero is ("", 0). `None` when the text is not plain decimal syntax.
fn significant(text: &str) -> Option<(String, i64)> {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let all = format!("{int}{frac}");
    let digits = all.trim_start_matches('0');
    let kept = digits.trim_end_matches('0');
    if kept.is_empty() {
        return Some((String::new(), 0));
    }
    let power = exponent.checked_sub(frac.len() as i64)?.checked_add((digits.len() - kept.len()) as i64)?;
    Some((kept.to_owned(), power))
}

/// A decimal as significant digits and a power of ten, like [`significant`].
fn canonical(d: Decimal) -> (String, i64) {
    if d.is_zero() {
        return (String::new(), 0);
    }
    let digits = d.mantissa().unsigned_abs().to_string();
    let kept = digits.trim_end_matches('0');
    (kept.to_owned(), (digits.len() - kept.len()) as i64 - i64::from(d.scale()))
}

/// The most significant digits a float literal of TOML or YAML is sure to keep: every literal of up to 15
/// digits reads back from its `f64` as written; longer ones may not.
const FLOAT_DIGITS: usize = 15;

/// Number literals in TOML or YAML text that the parser would hand over as floats and that do not survive the
/// trip exactly: more digits than a float keeps (`0.12345678901234567890` would read as 0.12345678901234568)
/// or than a decimal holds (`499.999…9`, 30 nines, would read as 500). Each is an error at its line and
/// column; quoting the number keeps every digit a decimal can hold.
///
/// The scan is lexical: it skips comments and quoted strings and looks at tokens shaped like a float (a point
/// or an exponent), so it needs no parser and sees the text exactly as written.
pub fn inexact_float_literals(text: &str, file: &str) -> Vec<crate::error::Error> {
    scan_literals(text, file, false)
}

/// [`inexact_float_literals`] for YAML, which also hands whole numbers beyond 64 bits over as binary floats
/// (`99999999999999999999` arrived as `1e20`): those are refused by their text too, with a hint to quote them.
pub fn inexact_yaml_literals(text: &str, file: &str) -> Vec<crate::error::Error> {
    scan_literals(text, file, true)
}

fn scan_literals(text: &str, file: &str, wide_integers: bool) -> Vec<crate::error::Error> {
    let bytes = text.as_bytes();
    let mut errors = Vec::new();
    let token_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-' | b':');
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let after_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        match b {
            // A comment, unless the `#` is part of a word (`C#`).
            b'#' if !after_word => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'"' | b'\'' if !after_word => {
                let triple = [b, b, b];
                if bytes[i..].starts_with(&triple) {
                    let end = text[i + 3..].find(std::str::from_utf8(&triple).unwrap_or("\"\"\""));
                    i = end.map_or(bytes.len(), |n| i + 3 + n + 3);
                } else {
                    // A quoted string ends at its quote (skipping escapes in "...") or, unclosed, at the line's end.
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j] != b && bytes[j] != b'\n' {
                        j += if b == b'"' && bytes[j] == b'\\' { 2 } else { 1 };
                    }
                    i = j + 1;
                }
            }
            _ if token_byte(b) && (i == 0 || !token_byte(bytes[i - 1])) => {
                let end = bytes[i..].iter().position(|c| !token_byte(*c)).map_or(bytes.len(), |n| i + n);
                let token = &text[i..end];
                let found = inexact_float(token).or_else(|| wide_integers.then(|| wide_integer(token)).flatten());
                if let Some((reason, hint)) = found {
                    errors.push(
                        crate::error::Error::new(
                            crate::error::Located::offset(file, text, i),
                            format!("{token} {reason}"),
                        )
                        .with_code(crate::codes::INEXACT_NUMBER)
                        .with_hint(hint),
                    );
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    errors
}

/// Why a whole-number token would not be read exactly by a YAML parser (beyond 64 bits it becomes a float),
/// and what to do about it.
fn wide_integer(token: &str) -> Option<(String, String)> {
    let plain = token.replace('_', "");
    let digits = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fits = if plain.starts_with('-') { plain.parse::<i64>().is_ok() } else { digits.parse::<u64>().is_ok() };
    (!fits).then(|| {
        (
            "is a whole number too large for a YAML number to keep exactly (more than 64 bits)".to_owned(),
            format!("quote the number to keep its digits exactly: \"{token}\""),
        )
    })
}

/// Why a float-shaped token would not be read exactly, if it would not, and what to do about it.
fn inexact_float(token: &str) -> Option<(String, String)> {
    if !token.contains(['.', 'e', 'E'])
        || !token.bytes().next().is_some_and(|b| b.is_ascii_digit() || b"+-.".contains(&b))
    {
        return None;
    }
    let plain = token.replace('_', "");
    let (digits, _) = significant(&plain)?;
    if digits.len() <= FLOAT_DIGITS {
        return None;
    }
    if digits.len() > MAX_DIGITS {
        return Some((
            Inexact::Digits(digits.len()).reason(),
            format!("round it to at most {MAX_DIGITS} significant digits"),
        ));
    }
    let float: f64 = plain.parse().ok()?;
    let read = parse_exact(&float.to_string()).ok()?;
    let written = parse_exact(&plain).ok()?;
    (read != written).then(|| {
        (
            format!(
                "has {} significant digits, more than a number literal keeps exactly ({FLOAT_DIGITS})",
                digits.len()
            ),
            format!("quote the number to keep its digits exactly: \"{token}\""),
        )
    })
}

/// A decimal text refused while reading, through `invalid_value` so that parsers attach their location.
fn refused<E: de::Error>(text: &str, why: Inexact, expected: &DecVisitor) -> E {
    match why {
        Inexact::Syntax => E::invalid_value(de::Unexpected::Str(text), expected),
        Inexact::Digits(n) => E::invalid_value(
            de::Unexpected::Other(&format!("{}, {n} significant digits", text.trim())),
            &"a decimal of at most 28 significant digits",
        ),
        Inexact::Range => E::invalid_value(
            de::Unexpected::Other(text.trim()),
            &"a decimal of at most 28 significant digits and 28 places after the point",
        ),
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecVisitor).map(Dec)
    }
}

impl<'de> Deserialize<'de> for NonNegative {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = d.deserialize_any(DecVisitor)?;
        NonNegative::new(v).ok_or_else(|| {
            let shown = v.to_string();
            de::Error::invalid_value(de::Unexpected::Other(&shown), &"a non-negative number")
        })
    }
}

impl NonNegative {
    /// The value, unless it is below zero (a negative zero is kept as it was written).
    pub(crate) fn new(v: Decimal) -> Option<NonNegative> {
        (!v.is_sign_negative() || v.is_zero()).then_some(NonNegative(v))
    }
}

/// The decimal a JSON number token (its text exactly as written, as serde_json's `arbitrary_precision` hands it
/// over) reads as, or `None` where [`Dec`]'s reader refuses it. A token of at most [`MAX_DIGITS`] digits and no
/// exponent is what `Decimal::from_str` makes of it (exact: its mantissa is below 10²⁸ and its scale at most 28,
/// which is all the checks of `parse_exact` find then); any other token takes `parse_exact` itself.
pub(crate) fn json_number(token: &str) -> Option<Decimal> {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    if digits <= MAX_DIGITS && !token.contains(['e', 'E', '_']) && token.trim() == token {
        return Decimal::from_str(token).ok();
    }
    parse_exact(token).ok()
}

/// A decimal's scale, sign and mantissa, when the mantissa is not zero and fits in 64 bits.
#[inline(always)]
fn parts(d: &Decimal) -> Option<(u32, bool, u64)> {
    let b = d.serialize();
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    if word(12) != 0 {
        return None;
    }
    let m = u64::from(word(4)) | u64::from(word(8)) << 32;
    let flags = word(0);
    (m != 0).then_some(((flags >> 16) & 0xff, flags >> 31 == 1, m))
}

/// 10⁰ to 10¹⁹, the powers of ten a `u64` holds.
const POWERS_OF_TEN: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// The mantissas of two decimals of the same sign at the larger of their scales, with that scale; `None` when one
/// of them is zero or does not fit in 64 bits, or the signs differ, or the scales are more than 19 apart.
#[inline(always)]
fn aligned(a: &Decimal, b: &Decimal) -> Option<(u128, u128, u32, bool)> {
    let ((sa, na, ma), (sb, nb, mb)) = (parts(a)?, parts(b)?);
    if na != nb {
        return None;
    }
    // Below 2⁶⁴ times at most 10¹⁹ < 2⁶⁴: below 2¹²⁸.
    let up = |m: u64, by: u32| POWERS_OF_TEN.get(by as usize).map(|p| u128::from(m) * u128::from(*p));
    if sa == sb {
        Some((u128::from(ma), u128::from(mb), sa, na))
    } else if sa < sb {
        Some((up(ma, sb - sa)?, u128::from(mb), sb, na))
    } else {
        Some((u128::from(ma), up(mb, sa - sb)?, sa, na))
    }
}

/// `a + b`, the same decimal to the bit (value and scale) as rust_decimal's `+` gives, and the same panic on
/// overflow. Issue 15: summing usage values is most of the decimal work of scoring, and nearly every sum is of
/// two non-zero values of the same sign whose mantissas fit in 64 bits; those are added here as integers at the
/// larger scale, exactly, which is what rust_decimal gives whenever the sum fits in 96 bits (it rescales only
/// beyond). Anything else (a zero, whose other operand rust_decimal returns as it is; opposite signs; a larger
/// mantissa) takes rust_decimal's own path.
#[inline]
pub(crate) fn add(a: Decimal, b: Decimal) -> Decimal {
    match integer_sum(&a, &b) {
        Some(sum) => sum,
        None => a + b,
    }
}

/// The sum of `values` as rust_decimal's `Sum` makes it (zero plus each value in turn, to the bit), and the same
/// panic on overflow. Issue 15: the spans of a customer's months that the kinds sum (twelve months and more, for
/// each month of the window) were a third of the decimal work of scoring. While the total is positive, it is
/// kept as an integer mantissa and scale and each positive value is added to it at the larger scale, exactly, as
/// rust_decimal does while the total fits in 96 bits; a zero leaves it as it is, as rust_decimal returns the
/// other operand of a zero. Anything else (a negative value, a total that would not fit, a scale too far apart)
/// goes through [`add`].
#[inline]
pub(crate) fn sum(values: impl Iterator<Item = Decimal>) -> Decimal {
    let mut total = Decimal::ZERO;
    // `total`, while it is positive: its mantissa and scale, written back into `total` only at the end or before
    // a value that takes rust_decimal's path.
    let mut open: Option<(u128, u32)> = None;
    for v in values {
        if let Some((m, scale)) = open {
            if v.is_zero() {
                continue;
            }
            if let Some(next) = parts(&v).filter(|p| !p.1).and_then(|(s, _, mv)| integer_total(m, scale, mv, s)) {
                open = Some(next);
                continue;
            }
            total = positive(m, scale);
        }
        total = add(total, v);
        open = u128::try_from(total.mantissa()).ok().filter(|m| *m != 0).map(|m| (m, total.scale()));
    }
    match open {
        Some((m, scale)) => positive(m, scale),
        None => total,
    }
}

/// The positive decimal of mantissa `m` (below 2⁹⁶, not zero) and `scale`.
#[inline(always)]
fn positive(m: u128, scale: u32) -> Decimal {
    Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, false, scale)
}

/// A positive total (mantissa `m` below 2⁹⁶ at `scale`) plus a positive value (mantissa `mv` at `sv`), exactly, at
/// the larger scale; `None` when that does not fit in 96 bits.
#[inline(always)]
fn integer_total(m: u128, scale: u32, mv: u64, sv: u32) -> Option<(u128, u32)> {
    let up = |m: u128, by: u32| POWERS_OF_TEN.get(by as usize).and_then(|p| m.checked_mul(u128::from(*p)));
    let (a, b, s) = match scale.cmp(&sv) {
        std::cmp::Ordering::Equal => (m, u128::from(mv), scale),
        std::cmp::Ordering::Less => (up(m, sv - scale)?, u128::from(mv), sv),
        std::cmp::Ordering::Greater => (m, up(u128::from(mv), scale - sv)?, scale),
    };
    a.checked_add(b).filter(|t| *t >> 96 == 0).map(|t| (t, s))
}

/// `a.checked_add(b)`, to the bit, with [`add`]'s integer path.
#[inline]
pub(crate) fn checked_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    match integer_sum(&a, &b) {
        Some(sum) => Some(sum),
        None => a.checked_add(b),
    }
}

#[inline(always)]
fn integer_sum(a: &Decimal, b: &Decimal) -> Option<Decimal> {
    let (x, y, scale, negative) = aligned(a, b)?;
    let sum = x.checked_add(y).filter(|s| *s >> 96 == 0)?;
    Some(Decimal::from_parts(sum as u32, (sum >> 32) as u32, (sum >> 64) as u32, negative, scale))
}

/// `a.cmp(b)` (by value: `1.5` equals `1.50`), comparing the mantissas as integers at the larger scale when both
/// are non-zero, of the same sign and fit in 64 bits, as usage values and the thresholds they are tested against
/// nearly always do (issue 15). A zero (of either sign, at any scale) is compared by the other's sign alone: a month
/// without rows is a zero tested against a threshold, and rust_decimal's own comparison of it cost about 140
/// instructions.
#[inline]
pub(crate) fn cmp(a: &Decimal, b: &Decimal) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let above_zero = |d: &Decimal| if d.is_sign_negative() { Less } else { Greater };
    match (a.is_zero(), b.is_zero()) {
        (true, true) => return Equal,
        (true, false) => return above_zero(b).reverse(),
        (false, true) => return above_zero(a),
        (false, false) => {}
    }
    match aligned(a, b) {
        Some((x, y, _, false)) => x.cmp(&y),
        Some((x, y, _, true)) => y.cmp(&x),
        None => a.cmp(b),
    }
}

/// `text.trim()`, without looking at characters when the text is trimmed already: it starts and ends with an
/// ASCII character above the space, none of which is white space. Issue 15: every id, product and offer of every
/// usage row is trimmed, and `str::trim` decodes a character at each end to test it against Unicode's white
/// space (about 50 instructions a call; 5 % of scoring Parquet tables).
pub(crate) fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(b'!'..=b'~'), Some(b'!'..=b'~')) => text,
        _ => text.trim(),
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

    /// How many months `earlier` is before `self`: `None` when it is after `self` or too far to count in a `u32`.
    pub fn months_after(self, earlier: Month) -> Option<u32> {
        u32::try_from(i64::from(self.0) - i64::from(earlier.0)).ok()
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
        // The usual text, `YYYY-MM` and nothing around it, read digit by digit (issue 15: a portfolio holds
        // months by the million); a month out of range, and any other text, takes the general way below.
        if let &[y0, y1, y2, y3, b'-', m0, m1] = s.as_bytes() {
            let digits = [y0, y1, y2, y3, m0, m1];
            if digits.iter().all(u8::is_ascii_digit) {
                let [y0, y1, y2, y3, m0, m1] = digits.map(|d| i32::from(d - b'0'));
                if let Some(month) = Month::new(((y0 * 10 + y1) * 10 + y2) * 10 + y3, (m0 * 10 + m1) as u32) {
                    return Ok(month);
                }
            }
        }
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

impl Month {
    /// Whether the year has four digits (0000–9999): every month a partner reads, and the months whose text sorts
    /// as they do.
    pub fn four_digit_year(self) -> bool {
        (0..=9999).contains(&self.year())
    }

    /// `YYYY-MM` written into `buf` with hand-set digits, exactly what `Display` writes; `None` outside the years
    /// 0000–9999. Issue 15: the months of evidence and of the window are written by the tens of thousands.
    pub fn write_text(self, buf: &mut [u8; 7]) -> Option<&str> {
        if !self.four_digit_year() {
            return None;
        }
        let (y, n) = (self.year() as u32, self.number());
        let digit = |d: u32| b'0' + d as u8;
        *buf = [
            digit(y / 1000),
            digit(y / 100 % 10),
            digit(y / 10 % 10),
            digit(y % 10),
            b'-',
            digit(n / 10),
            digit(n % 10),
        ];
        std::str::from_utf8(buf).ok()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.write_text(&mut [0; 7]) {
            Some(text) => f.write_str(text),
            // Years before 0 and after 9999: the sign and every digit, as `{:04}` writes them.
            None => write!(f, "{:04}-{:02}", self.year(), self.number()),
        }
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

    /// The same day `n` months later, clamped to the end of a shorter month (2024-02-29 + 12 is 2025-02-28).
    pub fn plus_months(self, n: i32) -> Date {
        let month = self.month().offset(n);
        let last = month.last_day();
        Date { day: self.day.min(last.day), ..last }
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

    /// Decimals of every kind the integer paths of [`add`] and [`cmp`] meet or pass on: zeros of every scale and
    /// both signs, mantissas around 2³², 2⁶⁴ and 2⁹⁶, scales 0 to 28, both signs.
    fn decimals() -> Vec<Decimal> {
        let mantissas: [u128; 14] = [
            0,
            1,
            7,
            250,
            30_250,
            u32::MAX as u128,
            u32::MAX as u128 + 1,
            1 << 52,
            u64::MAX as u128 - 1,
            u64::MAX as u128,
            u64::MAX as u128 + 1,
            (1 << 80) + 3,
            (1 << 96) - 2,
            (1 << 96) - 1,
        ];
        let mut out = Vec::new();
        for m in mantissas {
            for scale in [0, 1, 2, 3, 9, 19, 27, 28] {
                let v = Decimal::from_i128_with_scale(m as i128, scale);
                out.extend([v, -v]);
                let mut negative_zero = v;
                negative_zero.set_sign_negative(true);
                out.push(negative_zero);
            }
        }
        out
    }

    /// Issue 15: [`add`], [`checked_add`], [`sum`] and [`cmp`] give rust_decimal's results to the bit for every pair of
    /// [`decimals`], in both orders: the same value and scale (`serialize`), the same overflow.
    #[test]
    fn integer_sums_and_comparisons_are_rust_decimals() {
        let all = decimals();
        let mut integer = 0;
        for a in &all {
            for b in &all {
                let expected = a.checked_add(*b);
                assert_eq!(
                    checked_add(*a, *b).map(|d| d.serialize()),
                    expected.map(|d| d.serialize()),
                    "{a:?} + {b:?}"
                );
                if let Some(sum) = expected {
                    assert_eq!(add(*a, *b).serialize(), sum.serialize(), "{a:?} + {b:?}");
                }
                assert_eq!(cmp(a, b), a.cmp(b), "{a:?} against {b:?}");
                integer += usize::from(integer_sum(a, b).is_some());
            }
        }
        assert!(integer > 1_000, "the integer path was taken {integer} times");
        // Sums of up to 24 of them, in a deterministic order, as `Sum` makes them (or both overflow).
        let mut rng = crate::generate::Rng::new(7, 0);
        let mut next = |below: usize| rng.below(below as u64) as usize;
        let positives: Vec<Decimal> = all.iter().copied().filter(|d| !d.is_sign_negative()).collect();
        let (mut summed, mut overflowed) = (0, 0);
        for round in 0..60_000 {
            // Mostly positive values of few scales, as usage is; now and then anything.
            let pool = if round % 4 == 0 { &all } else { &positives };
            let values: Vec<Decimal> = (0..next(25)).map(|_| pool[next(pool.len())]).collect();
            let expected = values.iter().try_fold(Decimal::ZERO, |t, v| t.checked_add(*v));
            match expected {
                Some(e) => {
                    assert_eq!(sum(values.iter().copied()).serialize(), e.serialize(), "{values:?}");
                    summed += 1;
                }
                None => {
                    // A few of them are checked to panic (each panic prints its message).
                    if overflowed < 3 {
                        let copy = values.clone();
                        assert!(std::panic::catch_unwind(move || sum(copy.into_iter())).is_err(), "{values:?}");
                    }
                    overflowed += 1;
                }
            }
        }
        assert!(summed > 10_000 && overflowed > 100, "{summed} sums, {overflowed} overflows");
        let overflow = std::panic::catch_unwind(|| add(Decimal::MAX, Decimal::MAX));
        assert!(overflow.is_err(), "an overflowing sum panics as `+` does");
    }

    /// Issue 15: [`trim`] is `str::trim` for every character at either end (all of Unicode's scalar values,
    /// each with plain text on the other side and with the same character there), for text of one character,
    /// for the empty text and for text that is all white space.
    #[test]
    fn trim_is_what_str_trim_gives() {
        let mut cases = vec![String::new(), " ".into(), " \t\n\r\x0b\x0c\u{85}\u{a0}\u{3000} ".into()];
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            cases.extend([format!("{c}"), format!("{c}id"), format!("id{c}"), format!("{c}i d{c}"), format!("{c}{c}")]);
            for text in cases.drain(..) {
                assert_eq!(trim(&text), text.trim(), "{text:?}");
            }
        }
    }

    #[test]
    fn json_numbers_read_as_the_decimal_reader_reads_them() {
        let mut tokens: Vec<String> = [
            "0",
            "-0",
            "-0.00",
            "1200.50",
            "1200.5",
            "0.1",
            "100",
            "-3",
            "1e3",
            "1E-3",
            "2.5e+2",
            "1e400",
            "9999999999999999999999999999",
            "99999999999999999999999999999",
            "0.0000000000000000000000000001",
            "0.00000000000000000000000000001",
            "79228162514264337593543950335",
            "7922816251426433759354395033.5",
            "1234567890123456789012345678.9",
            "0.1000000000000000000000000000",
            "123456789012345678901234567890",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        // Every length of digits around the limit, with the point at every place and either sign.
        for len in 1..=31 {
            let digits: String = (0..len).map(|i| char::from(b'1' + (i % 9) as u8)).collect();
            for point in 0..len {
                let (int, frac) = digits.split_at(point + 1);
                let text = if frac.is_empty() { int.to_owned() } else { format!("{int}.{frac}") };
                tokens.push(format!("-{text}"));
                tokens.push(text);
            }
        }
        for t in &tokens {
            let exact = parse_exact(t).ok();
            let fast = json_number(t);
            assert_eq!(format!("{fast:?}"), format!("{exact:?}"), "{t}");
        }
    }

    #[test]
    fn months_of_seven_characters_read_as_the_general_way_reads_them() {
        let general = |s: &str| -> Result<Month, String> {
            let (y, m) = s.trim().split_once('-').ok_or("no dash")?;
            if !digits(y, 4) || !digits(m, 2) {
                return Err("digits".into());
            }
            Month::new(y.parse().unwrap(), m.parse().unwrap()).ok_or_else(|| "range".into())
        };
        for text in [
            "2024-06", "0000-01", "9999-12", "2024-00", "2024-13", "2024-99", "20a4-06", "2024+06", "+024-06",
            "-024-06", "2024-6 ", " 2024-6", "2024-1٣",
        ] {
            assert_eq!(text.parse::<Month>().ok(), general(text).ok(), "{text}");
        }
        for y in (0..10_000).step_by(7) {
            for m in 0..=13 {
                let text = format!("{y:04}-{m:02}");
                assert_eq!(text.parse::<Month>().ok(), general(&text).ok(), "{text}");
            }
        }
    }

    #[test]
    fn months_do_arithmetic_across_years() {
        let m: Month = "2024-01".parse().unwrap();
        assert_eq!(m.offset(-1).to_string(), "2023-12");
        assert_eq!(m.offset(-13).to_string(), "2022-12");
        assert_eq!(m.since(m.offset(-12)), 12);
        assert_eq!("2024-02".parse::<Month>().unwrap().last_day().to_string(), "2024-02-29");
    }

    // Issue 15: a month is written with hand-set digits for years 0–9999; every month reads exactly as
    // `{:04}-{:02}` writes it, at the edges of that range and beyond it (negative years, five digits).
    #[test]
    fn months_are_written_as_the_format_string_writes_them() {
        for year in (-120..=130).chain(1890..=2110).chain(9890..=10_130) {
            for number in 1..=12 {
                let month = Month::new(year, number).expect("a month");
                assert_eq!(month.to_string(), format!("{year:04}-{number:02}"), "{year} {number}");
                assert_eq!(format!("[{month}]"), format!("[{year:04}-{number:02}]"));
            }
        }
    }

    #[test]
    fn months_added_to_a_day_clamp_to_a_shorter_month() {
        // Issue 13: a retirement grace of 12 months from 2024-02-29 ends on 2025-02-28, not in March.
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(day("2024-02-29").plus_months(12), day("2025-02-28"));
        assert_eq!(day("2025-05-31").plus_months(12), day("2026-05-31"));
        assert_eq!(day("2026-01-31").plus_months(1), day("2026-02-28"));
        assert_eq!(day("2025-12-15").plus_months(2), day("2026-02-15"));
    }

    #[test]
    fn malformed_months_and_dates_are_refused() {
        assert!("2024-13".parse::<Month>().unwrap_err().contains("out of range"));
        assert!("2024-6".parse::<Month>().is_err());
        assert!("2023-02-29".parse::<Date>().unwrap_err().contains("does not exist"));
    }

    /// Issue 11: `499.999…9` (30 nines) was rounded to 500 and reached a threshold of 500.
    #[test]
    fn decimal_text_with_more_digits_than_a_decimal_holds_is_refused() {
        let nines = format!("499.{}", "9".repeat(30));
        assert_eq!(
            parse_decimal(&nines).unwrap_err(),
            format!("{nines} has 33 significant digits, more than the 28 an exact decimal holds")
        );
        assert!(parse_decimal("0.00000000000000000000000000001").unwrap_err().contains("out of the range"));
        assert!(parse_decimal("79228162514264337593543950336").is_err());
        // Ordinary literals, trailing zeros and the largest decimal are kept.
        for ok in ["3.3", "500.00", "1e3", "1_000.50", "-0", "0.0", "79228162514264337593543950335", "1.5E-3"] {
            assert!(parse_decimal(ok).is_ok(), "{ok}");
        }
        assert_eq!(parse_decimal("500.00").unwrap().to_string(), "500.00");
    }

    /// Issue 11: YAML handed whole numbers beyond 64 bits over as floats: `99999999999999999999` scored as
    /// `100,000,000,000,000,000,000`. They are refused by their text; 64-bit ones, quoted ones and TOML's are not.
    #[test]
    fn yaml_whole_numbers_beyond_64_bits_are_refused_not_rounded() {
        let text = "a: 99999999999999999999\nb: 18446744073709551617\nc: -9223372036854775809\nd: 18446744073709551615\ne: \"99999999999999999999\"\nf: -9223372036854775808\n";
        let found: Vec<String> = inexact_yaml_literals(text, "p.yaml").iter().map(|e| e.to_string()).collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(
            found[0],
            "p.yaml:1:4: 99999999999999999999 is a whole number too large for a YAML number to keep exactly (more than 64 bits)\n  hint: quote the number to keep its digits exactly: \"99999999999999999999\""
        );
        assert!(found[1].starts_with("p.yaml:2:4: 18446744073709551617 "), "{}", found[1]);
        assert!(found[2].starts_with("p.yaml:3:4: -9223372036854775809 "), "{}", found[2]);
        // TOML reads such integers exactly (as decimals): only floats are checked there.
        assert!(inexact_float_literals(text, "p.toml").is_empty());
    }

    /// Issue 11: TOML and YAML hand a float literal over as f64, which kept 500 for `499.999…9`.
    #[test]
    fn float_literals_that_a_float_cannot_keep_are_found_by_their_text() {
        let nines = format!("499.{}", "9".repeat(30));
        let text = format!("# 0.12345678901234567890 in a comment\nname = \"0.12345678901234567890\"\nday = 2024-06-30\nshare = 0.8\nx = 3.3\nbig = 1e28\nt = {nines}\ny = 0.12345678901234567890\n");
        let found: Vec<String> = inexact_float_literals(&text, "f.toml").iter().map(|e| e.to_string()).collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(
            found[0],
            format!("f.toml:7:5: {nines} has 33 significant digits, more than the 28 an exact decimal holds\n  hint: round it to at most 28 significant digits")
        );
        assert!(found[1].starts_with("f.toml:8:5: 0.12345678901234567890 has 19 significant digits, more than a number literal keeps exactly (15)"), "{}", found[1]);
        // 16 and 17 digits that a float keeps exactly are not flagged; YAML's plain words with quotes are not strings.
        assert!(inexact_float_literals("a: 0.1000000000000000\nb: Contoso's 0.5\nc: C# 1.25\n", "f.yaml").is_empty());
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

    impl JsonSchema for super::NonNegative {
        fn schema_name() -> Cow<'static, str> {
            "NonNegativeDecimal".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "an exact decimal of at least 0: a number (read exactly up to 15 significant digits) or a quoted decimal",
                "anyOf": [{ "type": "number", "minimum": 0 }, { "type": "string", "pattern": "^[0-9_]+(\\.[0-9_]+)?([eE][-+]?[0-9]+)?$" }]
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
