//! The values of export cells that are not words: months, days and numbers, in the spellings Partner Center
//! writes them (`2024-06-01`, `2024-06-01T00:00:00`, `202406`, `6/1/2024 12:00:00 AM`, `Jun 2024`), each turned
//! into the contract's exact type or refused with a message saying what was expected.

use designate_engine::value::{Date, Month};
use rust_decimal::Decimal;

const MONTH_NAMES: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const FULL_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month: `2024-06`, a day of it (with or without a time), `202406`, `6/1/2024` (month first, as the
/// downloads write it), or the month's English name and the year (`Jun 2024`, `June 2024`, `2024-Jun`).
pub fn month(text: &str) -> Result<Month, String> {
    let t = text.trim();
    let bad = || format!("expected a month (2024-06, 2024-06-01, 202406, 6/1/2024 or Jun 2024), found \"{t}\"");
    if let Ok(date) = date(t) {
        return Ok(date.month());
    }
    if let Ok(m) = t.parse::<Month>() {
        return Ok(m);
    }
    if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        let (y, m) = t.split_at(4);
        return Month::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad);
    }
    // A month's name and a year, in either order, separated by a space, a dash or nothing else.
    let parts: Vec<&str> = t.split([' ', '-']).filter(|p| !p.is_empty()).collect();
    if let [a, b] = parts.as_slice() {
        let (name, year) = if a.bytes().all(|c| c.is_ascii_digit()) { (b, a) } else { (a, b) };
        let name = name.to_lowercase();
        // The abbreviation or the whole name: `Juno` is no month.
        let number = MONTH_NAMES.iter().position(|m| name == *m).or_else(|| FULL_NAMES.iter().position(|m| name == *m));
        if let (Some(n), true) = (number, year.len() == 4 && year.bytes().all(|c| c.is_ascii_digit())) {
            return Month::new(year.parse().map_err(|_| bad())?, n as u32 + 1).ok_or_else(bad);
        }
    }
    Err(bad())
}

/// A day: `2024-06-01`, with an optional time after a `T` or a space, or `6/1/2024` (month first) with an
/// optional time.
pub fn date(text: &str) -> Result<Date, String> {
    let t = text.trim();
    let bad = || format!("expected a date (2024-06-01 or 6/1/2024), found \"{t}\"");
    let day = t.split(['T', ' ']).next().unwrap_or("");
    if day.contains('/') {
        let parts: Vec<&str> = day.split('/').collect();
        let [m, d, y] = parts.as_slice() else { return Err(bad()) };
        let num = |s: &str, width: std::ops::RangeInclusive<usize>| {
            (width.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
        };
        let (Some(m), Some(d), Some(y)) = (num(m, 1..=2), num(d, 1..=2), num(y, 4..=4)) else { return Err(bad()) };
        return Date::new(y as i32, m, d).ok_or_else(|| format!("day {d} does not exist in {y:04}-{m:02} in \"{t}\""));
    }
    if day.len() != 10 {
        return Err(bad());
    }
    day.parse::<Date>().map_err(|e| if e.starts_with("expected") { bad() } else { e })
}

/// A number, exactly: `1200.50`, `-3` (a credit), `1e3`. Thousands separators are refused: `1,200` could be a
/// decimal comma.
pub fn number(text: &str) -> Result<Decimal, String> {
    designate_engine::value::parse_decimal(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    // issue 16: the month spellings of the downloads and the API all read as the same month.
    #[test]
    fn months_in_every_spelling_partner_center_writes() {
        for text in [
            "2024-06",
            "2024-06-01",
            "2024-06-01T00:00:00",
            "2024-06-01 00:00:00",
            "202406",
            "6/1/2024",
            "06/01/2024 12:00:00 AM",
            "Jun 2024",
            "June 2024",
            "2024-Jun",
        ] {
            assert_eq!(month(text).map(|m| m.to_string()), Ok("2024-06".to_owned()), "{text}");
        }
        for bad in ["2024-13", "13/1/2024", "Juno 2024", "24-06", "lots", ""] {
            assert!(month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn days_and_numbers() {
        assert_eq!(date("2023-02-28T10:00:00").unwrap().to_string(), "2023-02-28");
        assert_eq!(date("2/28/2023").unwrap().to_string(), "2023-02-28");
        assert!(date("2023-02-29").is_err());
        assert_eq!(number("1200.50").unwrap().to_string(), "1200.50");
        assert!(number("1,200").is_err());
    }
}
