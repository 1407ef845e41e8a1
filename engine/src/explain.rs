//! How numbers, months and lists read in explanations: `USD 1,200.50`, `15.72%`, `2023-05 and 2023-06`.

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
        push_with_unit(&mut out, v, measure.name());
    }
    out
}

/// Writes `v` with thousands separators, a space and its unit: `40 paid_seats`, `12,000 bizapps-mcv`.
pub fn push_with_unit(out: &mut String, v: Decimal, unit: &str) {
    push_grouped(out, v);
    out.push(' ');
    out.push_str(unit);
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
    // The decimal's text as `Display` writes it, on the stack (the report's own writer); one decimal place reads as
    // cents (`{v:.2}`): the same digits and a zero.
    let text = crate::report::DecimalText::new(&v);
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
        if v.scale() == 1 {
            out.push('0');
        }
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

/// Items joined by commas, the first `LIST_LIMIT` in full and a count of the rest.
pub fn join_limited<T: AsRef<str>>(items: &[T]) -> String {
    let shown: Vec<&str> = items.iter().take(LIST_LIMIT).map(AsRef::as_ref).collect();
    let mut out = shown.join(", ");
    if items.len() > LIST_LIMIT {
        out.push_str(&format!(" and {} more", items.len() - LIST_LIMIT));
    }
    out
}

/// A list for an explanation that formats only the items it will show: a partner may add thousands of
/// customers, and only the first `LIST_LIMIT` are written out.
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

    /// Issue 15: grouped digits are cut from the report's stack writer; they must read as they did when cut from
    /// `format!` (`{v:.2}` for one decimal place, `{v}` otherwise).
    #[test]
    fn grouped_reads_as_the_formatted_decimal_did() {
        let old = |v: Decimal| {
            let v = v.normalize();
            let text = if v.scale() == 1 { format!("{v:.2}") } else { v.to_string() };
            let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |r| ("-", r));
            let (int, frac) = digits.split_once('.').map_or((digits, None), |(i, f)| (i, Some(f)));
            let mut out = sign.to_owned();
            for (i, ch) in int.chars().enumerate() {
                if i > 0 && (int.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(ch);
            }
            frac.map_or(out.clone(), |f| format!("{out}.{f}"))
        };
        let mut cases: Vec<Decimal> = [
            "0",
            "-0",
            "0.0",
            "0.5",
            "-0.5",
            "1200.5",
            "1200.50",
            "-1200.5",
            "999",
            "1000",
            "-1000000",
            "0.05",
            "12345678.9",
            "0.0000000000000000000000000001",
            "-79228162514264337593543950335",
            "79228162514264337593543950335",
            "7922816251426433759354395033.5",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(Decimal::new((x >> 1) as i64 * if x & 1 == 0 { 1 } else { -1 }, (x % 29) as u32));
        }
        for v in cases {
            assert_eq!(grouped(v), old(v), "{v:?}");
        }
    }

    #[test]
    fn amounts_read_like_money() {
        assert_eq!(amount("1200.5".parse().unwrap(), Measure::AcrUsd), "USD 1,200.50");
        assert_eq!(amount("1000000".parse().unwrap(), Measure::AcrUsd), "USD 1,000,000");
        assert_eq!(amount("-999".parse().unwrap(), Measure::AcrUsd), "USD -999");
        assert_eq!(amount("25".parse().unwrap(), Measure::PaidSeats), "25 paid_seats");
        assert_eq!(pct("15.7123".parse().unwrap()), "15.71%");
    }
}
