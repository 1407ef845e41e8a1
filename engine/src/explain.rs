//! How numbers, months and lists read in explanations: `USD 1,200.50`, `15.72%`, `2023-05 and 2023-06`.

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::partner::Measure;
use crate::value::Month;

/// Items listed in full before an explanation says "and N more".
const LIST_LIMIT: usize = 25;

/// A value of a measure as people read it: money as `USD 1,200.50`, counts as `1,200 paid_seats`.
pub fn amount(v: Decimal, measure: Measure) -> String {
    let mut out = String::with_capacity(24);
    if measure.is_money() {
        out.push_str("USD ");
        push_grouped(&mut out, v);
    } else {
        push_grouped(&mut out, v);
        out.push(' ');
        out.push_str(measure.name());
    }
    out
}

/// A decimal with thousands separators and no trailing zeros beyond cents (`1,200.5` → `1,200.50`).
pub fn grouped(v: Decimal) -> String {
    let mut out = String::with_capacity(20);
    push_grouped(&mut out, v);
    out
}

/// [`grouped`] written at the end of `out`. Issue 15: explanations show thousands of values; each was three
/// allocations (the decimal's text, the grouped digits, the result), now none beyond `out`'s own.
pub(crate) fn push_grouped(out: &mut String, v: Decimal) {
    let v = v.normalize();
    let mut text = Text::default();
    // A decimal's text is at most 31 bytes and the buffer holds 48: the write cannot fail.
    let _ = if v.scale() == 1 { write!(text, "{v:.2}") } else { write!(text, "{v}") };
    let text = text.as_str();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    out.push_str(sign);
    // The integer part is ASCII digits: a byte is a character.
    for (i, ch) in int.bytes().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(char::from(ch));
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
}

/// Text written into a buffer on the stack, for [`push_grouped`]: writing more than it holds fails.
struct Text {
    bytes: [u8; 48],
    len: usize,
}

impl Default for Text {
    fn default() -> Text {
        Text { bytes: [0; 48], len: 0 }
    }
}

impl Text {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are written: the bytes are UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl Write for Text {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A change with its sign: `+2.5`, `-4`, `0`.
pub fn signed(d: Decimal) -> String {
    if d.is_sign_positive() && !d.is_zero() {
        format!("+{}", d.normalize())
    } else {
        d.normalize().to_string()
    }
}

/// A percentage to two decimals at most: `15.72%`, `80%`.
pub fn pct(v: Decimal) -> String {
    format!("{}%", v.round_dp(2).normalize())
}

/// Months joined for reading with a conjunction: `2024-06`, `2023-05 and 2023-06`, `2023-05 or 2023-06`.
pub fn list_months(months: &[Month], conjunction: &str) -> String {
    let names: Vec<String> = months.iter().map(Month::to_string).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

/// Months in order as runs of consecutive months: `2023-07–2023-12, 2024-03`.
pub fn month_runs(months: &[Month]) -> String {
    let mut runs: Vec<(Month, Month)> = Vec::new();
    for m in months {
        match runs.last_mut() {
            Some((_, end)) if end.offset(1) == *m => *end = *m,
            _ => runs.push((*m, *m)),
        }
    }
    let runs: Vec<String> = runs.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") }).collect();
    runs.join(", ")
}

/// Items joined by commas, the first [`LIST_LIMIT`] in full and a count of the rest.
pub fn join_limited<T: AsRef<str>>(items: &[T]) -> String {
    let shown: Vec<&str> = items.iter().take(LIST_LIMIT).map(AsRef::as_ref).collect();
    let mut out = shown.join(", ");
    if items.len() > LIST_LIMIT {
        out.push_str(&format!(" and {} more", items.len() - LIST_LIMIT));
    }
    out
}

/// A list for an explanation that formats only the items it will show: a partner may add thousands of
/// customers, and only the first [`LIST_LIMIT`] are written out.
#[derive(Default)]
pub struct Listing {
    shown: Vec<String>,
    count: usize,
}

impl Listing {
    /// Adds an item, formatting it only when it will be shown.
    pub fn push_with(&mut self, item: impl FnOnce() -> String) {
        if self.shown.len() < LIST_LIMIT {
            self.shown.push(item());
        }
        self.count += 1;
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The items joined as [`join_limited`] joins them.
    pub fn joined(&self) -> String {
        let mut out = self.shown.join(", ");
        if self.count > self.shown.len() {
            out.push_str(&format!(" and {} more", self.count - self.shown.len()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_like_money() {
        assert_eq!(amount("1200.5".parse().unwrap(), Measure::AcrUsd), "USD 1,200.50");
        assert_eq!(amount("1000000".parse().unwrap(), Measure::AcrUsd), "USD 1,000,000");
        assert_eq!(amount("-999".parse().unwrap(), Measure::AcrUsd), "USD -999");
        assert_eq!(amount("25".parse().unwrap(), Measure::PaidSeats), "25 paid_seats");
        assert_eq!(pct("15.7123".parse().unwrap()), "15.71%");
    }
}
