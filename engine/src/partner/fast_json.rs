//! A fast reader for partner files in JSON, the shape of every line of an NDJSON portfolio (issue 15).
//!
//! `score -` spent about a third of its time reading lines through serde_json and the [`Strict`] wrapper:
//! every string handed over as a copy, every number as text in a one-entry map, every key matched through
//! generic visitors. This reader walks the bytes once and builds the same [`PartnerFile`] directly.
//!
//! It reads only what is plainly valid: objects of the file's keys, each key once; strings without escapes or
//! control characters; numbers in JSON's own syntax; no `null`. Anything else (an unknown or repeated key, an
//! escape, a value of another type, a month that does not read, a negative amount, a syntax error) makes it
//! give up with `None`, and the caller reads the text with serde_json as before: every file the fast reader
//! takes is read to the same value, and every message about a file that does not read is the one serde_json
//! and the strict reader give. Leaf values go through the same functions as serde's: months and dates through
//! their `FromStr`, measures and segments through their own `Deserialize`, amounts through the decimal reader.
//!
//! [`Strict`]: crate::strict::Strict

use std::collections::BTreeMap;

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::{DeserializeOwned, IntoDeserializer};

use super::{
    AttainedFile, CertificationFile, CoverageFile, CustomerFile, Fact, HistoryFile, PartnerFile, PartnerIdFile,
    PersonFile, SolutionFile, UsageFile,
};
use crate::value::{json_number, Date, Month, NonNegative};

/// The partner file `text` holds, when it is plainly valid JSON of the file's shape; `None` when the full reader
/// must decide (see the module's documentation).
pub(super) fn read(text: &str) -> Option<PartnerFile> {
    let mut r = Reader { text, bytes: text.as_bytes(), at: 0 };
    let file = r.partner_file()?;
    r.skip_space();
    (r.at == r.bytes.len()).then_some(file)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// Which keys of an object were read, so that a repeated one gives up (serde refuses it as a duplicate field).
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Option<()> {
        let mask = 1 << bit;
        if self.0 & mask != 0 {
            return None;
        }
        self.0 |= mask;
        Some(())
    }
}

impl<'a> Reader<'a> {
    /// JSON's whitespace: space, tab, line feed, carriage return.
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string without escapes or control characters, borrowed from the text.
    fn str(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let rest = &self.bytes[start..];
        let len = special_byte(rest)?;
        if rest[len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are ASCII quotes, so the slice lies on character boundaries.
        self.text.get(start..start + len)
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    /// A number token in JSON's syntax (`-`, an integer part without leading zeros, a fraction, an exponent),
    /// as written.
    fn number(&mut self) -> Option<&'a str> {
        self.skip_space();
        let start = self.at;
        let b = self.bytes;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        // A token runs on to a delimiter: `01` or `1x` is not a number.
        if b.get(i).is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')) {
            return None;
        }
        self.at = i;
        self.text.get(start..i)
    }

    /// The keys of an object in order, each handed to `field` to read its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.str()?;
            self.expect(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array<T>(&mut self, mut element: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(out);
        }
        loop {
            out.push(element(self)?);
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    fn month(&mut self) -> Option<Month> {
        self.str()?.parse().ok()
    }

    fn date(&mut self) -> Option<Date> {
        self.str()?.parse().ok()
    }

    /// A value of the file's vocabulary (a measure, a segment), read by its own `Deserialize`.
    fn word<T: DeserializeOwned>(&mut self) -> Option<T> {
        let s: StrDeserializer<'_, ValueError> = self.str()?.into_deserializer();
        T::deserialize(s).ok()
    }

    fn partner_file(&mut self) -> Option<PartnerFile> {
        let mut seen = Seen::default();
        let (mut partner, mut as_of, mut path, mut coverage, mut customers) = (None, None, None, None, None);
        let (mut usage, mut people, mut history, mut solutions) = (Vec::new(), Vec::new(), None, Vec::new());
        self.object(|r, key| {
            match key {
                "partner" => {
                    seen.first(0)?;
                    partner = Some(r.partner_id()?);
                }
                "as_of" => {
                    seen.first(1)?;
                    as_of = Some(r.month()?);
                }
                "path" => {
                    seen.first(2)?;
                    path = Some(r.string()?);
                }
                "coverage" => {
                    seen.first(3)?;
                    coverage = Some(r.array(Reader::coverage)?);
                }
                "customers" => {
                    seen.first(4)?;
                    customers = Some(r.array(Reader::customer)?);
                }
                "usage" => {
                    seen.first(5)?;
                    usage = r.array(Reader::usage)?;
                }
                "people" => {
                    seen.first(6)?;
                    people = r.array(Reader::person)?;
                }
                "history" => {
                    seen.first(7)?;
                    history = Some(r.history()?);
                }
                "solutions" => {
                    seen.first(8)?;
                    solutions = r.array(Reader::solution)?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(PartnerFile {
            partner: partner?,
            as_of: as_of?,
            path,
            coverage,
            customers,
            usage,
            people,
            history,
            solutions,
        })
    }

    fn partner_id(&mut self) -> Option<PartnerIdFile> {
        let mut seen = Seen::default();
        let (mut id, mut name) = (None, None);
        self.object(|r, key| {
            match key {
                "id" => {
                    seen.first(0)?;
                    id = Some(r.string()?);
                }
                "name" => {
                    seen.first(1)?;
                    name = Some(r.string()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(PartnerIdFile { id: id?, name })
    }

    fn coverage(&mut self) -> Option<CoverageFile> {
        let mut seen = Seen::default();
        let (mut measure, mut from, mut to, mut source) = (None, None, None, None);
        self.object(|r, key| {
            match key {
                "measure" => {
                    seen.first(0)?;
                    measure = Some(r.word()?);
                }
                "from" => {
                    seen.first(1)?;
                    from = Some(r.month()?);
                }
                "to" => {
                    seen.first(2)?;
                    to = Some(r.month()?);
                }
                "source" => {
                    seen.first(3)?;
                    source = Some(r.string()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(CoverageFile { measure: measure?, from: from?, to: to?, source })
    }

    fn customer(&mut self) -> Option<CustomerFile> {
        let mut seen = Seen::default();
        let (mut id, mut segment) = (None, None);
        self.object(|r, key| {
            match key {
                "id" => {
                    seen.first(0)?;
                    id = Some(r.string()?);
                }
                "segment" => {
                    seen.first(1)?;
                    segment = Some(r.word()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(CustomerFile { id: id?, segment })
    }

    fn usage(&mut self) -> Option<UsageFile> {
        let mut seen = Seen::default();
        let (mut customer, mut month, mut product, mut measure, mut value) = (None, None, None, None, None);
        let (mut association, mut offer, mut cloud) = (None, None, None);
        self.object(|r, key| {
            match key {
                "customer" => {
                    seen.first(0)?;
                    customer = Some(r.string()?);
                }
                "month" => {
                    seen.first(1)?;
                    month = Some(r.month()?);
                }
                "product" => {
                    seen.first(2)?;
                    product = Some(r.string()?);
                }
                "measure" => {
                    seen.first(3)?;
                    measure = Some(r.word()?);
                }
                "value" => {
                    seen.first(4)?;
                    value = Some(NonNegative::new(json_number(r.number()?)?)?);
                }
                "association" => {
                    seen.first(5)?;
                    association = Some(r.word()?);
                }
                "offer" => {
                    seen.first(6)?;
                    offer = Some(r.string()?);
                }
                "cloud" => {
                    seen.first(7)?;
                    cloud = Some(r.word()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(UsageFile {
            customer: customer?,
            month: month?,
            product: product?,
            measure: measure?,
            value: value?,
            association,
            offer,
            cloud,
        })
    }

    fn person(&mut self) -> Option<PersonFile> {
        let mut seen = Seen::default();
        let (mut id, mut certifications) = (None, Vec::new());
        self.object(|r, key| {
            match key {
                "id" => {
                    seen.first(0)?;
                    id = Some(r.string()?);
                }
                "certifications" => {
                    seen.first(1)?;
                    certifications = r.array(Reader::certification)?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(PersonFile { id: id?, certifications })
    }

    fn certification(&mut self) -> Option<CertificationFile> {
        let mut seen = Seen::default();
        let (mut name, mut earned, mut expires) = (None, None, None);
        self.object(|r, key| {
            match key {
                "name" => {
                    seen.first(0)?;
                    name = Some(r.string()?);
                }
                "earned" => {
                    seen.first(1)?;
                    earned = Some(r.date()?);
                }
                "expires" => {
                    seen.first(2)?;
                    expires = Some(r.date()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(CertificationFile { name: name?, earned: earned?, expires })
    }

    fn history(&mut self) -> Option<HistoryFile> {
        let mut seen = Seen::default();
        let (mut anniversary, mut designations) = (None, Vec::new());
        self.object(|r, key| {
            match key {
                "anniversary" => {
                    seen.first(0)?;
                    anniversary = Some(r.date()?);
                }
                "designations" => {
                    seen.first(1)?;
                    designations = r.array(Reader::attained)?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(HistoryFile { anniversary, designations })
    }

    fn attained(&mut self) -> Option<AttainedFile> {
        let mut seen = Seen::default();
        let (mut id, mut attained) = (None, None);
        self.object(|r, key| {
            match key {
                "id" => {
                    seen.first(0)?;
                    id = Some(r.string()?);
                }
                "attained" => {
                    seen.first(1)?;
                    attained = Some(r.date()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(AttainedFile { id: id?, attained: attained? })
    }

    fn solution(&mut self) -> Option<SolutionFile> {
        let mut seen = Seen::default();
        let (mut id, mut name, mut facts) = (None, None, BTreeMap::new());
        self.object(|r, key| {
            match key {
                "id" => {
                    seen.first(0)?;
                    id = Some(r.string()?);
                }
                "name" => {
                    seen.first(1)?;
                    name = Some(r.string()?);
                }
                "facts" => {
                    seen.first(2)?;
                    // A fact named twice gives up: the full reader decides what that means.
                    r.object(|r, name| {
                        let fact = r.fact()?;
                        facts.insert(name.to_owned(), fact).is_none().then_some(())
                    })?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(SolutionFile { id: id?, name, facts })
    }

    /// A fact: a number, `true` or `false`, a text, or a list of texts.
    fn fact(&mut self) -> Option<Fact> {
        match self.peek()? {
            b'"' => self.string().map(Fact::Text),
            b'[' => self.array(Reader::string).map(Fact::List),
            b't' => self.literal("true").map(|()| Fact::Flag(true)),
            b'f' => self.literal("false").map(|()| Fact::Flag(false)),
            _ => json_number(self.number()?).map(Fact::Number),
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.at + word.len();
        if self.bytes.get(self.at..end)? != word.as_bytes() {
            return None;
        }
        if self.bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        self.at = end;
        Some(())
    }
}

/// The place of the first byte of `bytes` that ends a plain string: a quote, a backslash or a control character.
/// Eight bytes at a time: for each of the three tests a byte of the word is flagged by the bit trick that finds
/// a zero byte, which may also flag bytes above a true one (borrows run upwards) but never below it, so the
/// lowest flag is exact.
fn special_byte(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let below_space = word.wrapping_sub(ONES * 0x20) & !word;
        let flags =
            (zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\'))) | below_space) & HIGH;
        if flags != 0 {
            return Some(at + flags.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::partner::{json_readers_agree, serde_json_file, Partner};

    fn workspace() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    /// A small deterministic generator (a 64-bit LCG's high bits), so that a failure replays.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: usize) -> usize {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % below as u64) as usize
        }
    }

    /// The partner files as JSON that the other tests start from: every snapshot partner, the example
    /// portfolios' lines, the JSON inputs of the CLI's bad-input tests and of the fuzz corpus, and generated
    /// partners of every shipped version.
    fn texts() -> Vec<String> {
        let root = workspace();
        let mut texts = Vec::new();
        let mut files: Vec<_> =
            std::fs::read_dir(root.join("snapshots/partners")).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let partner = Partner::load(&file).expect("snapshot partners load");
            texts.push(PartnerFile::from(&partner).to_json_line());
        }
        for portfolio in ["snapshots/portfolios/example.ndjson", "snapshots/portfolios/example-2026.ndjson"] {
            let text = std::fs::read_to_string(root.join(portfolio)).unwrap();
            texts.extend(text.lines().map(str::to_owned));
        }
        for dir in ["cli/tests/bad-inputs", "engine/fuzz/corpus/partner"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
            files.sort();
            texts.extend(
                files
                    .iter()
                    .filter(|f| f.extension().is_some_and(|e| e == "json"))
                    .filter_map(|f| std::fs::read_to_string(f).ok()),
            );
        }
        for version in ["2023-07", "2024-06", "2026-07"] {
            let rules = crate::RuleSet::load(&root.join("rules").join(version)).expect("shipped rules load");
            let generator = crate::generate::Generator::new(&rules);
            for i in 0..6 {
                texts.push(generator.partner(i, 3, rules.effective_from.offset(i as i32)).to_json_line());
            }
        }
        texts
    }

    #[test]
    fn plain_partner_files_read_as_serde_json_reads_them() {
        let texts = texts();
        let mut taken = 0;
        for text in &texts {
            assert!(json_readers_agree(text), "{text}");
            if let Some(fast) = read(text) {
                let slow = serde_json_file(text).expect("what the fast reader takes, serde_json takes");
                assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
                taken += 1;
            }
        }
        // Every file that serde_json reads here is plain: the fast reader must not give any of them up.
        let plain = texts.iter().filter(|t| serde_json_file(t).is_ok() && !t.contains('\\')).count();
        assert_eq!(taken, plain, "of {} texts", texts.len());
        assert!(taken > 100, "{taken}");
    }

    #[test]
    fn what_the_fast_reader_gives_up_is_read_or_refused_as_before() {
        let base = r#"{"partner":{"id":"p-1","name":"Fabrikam"},"as_of":"2024-06","usage":[{"customer":"c-1","month":"2024-06","product":"Azure SQL Database","measure":"acr_usd","value":1200.50}]}"#;
        assert!(read(base).is_some());
        let cases = [
            // Escapes, in keys and in values; a raw control character.
            base.replace("Fabrikam", r#"Fab\"rikam"#),
            base.replace("Fabrikam", r"Fab\u00e9rikam"),
            base.replace(r#""id""#, r#""\u0069d""#),
            base.replace("Fabrikam", "Fab\u{1}rikam"),
            // Repeated and unknown keys, at the top and inside a row.
            base.replace(r#""as_of":"2024-06""#, r#""as_of":"2024-06","as_of":"2024-05""#),
            base.replace(r#""value":1200.50"#, r#""value":1200.50,"value":1"#),
            base.replace(r#""as_of""#, r#""as_off""#),
            base.replace(r#""value":1200.50"#, r#""value":1200.50,"seats":3"#),
            // null, types, positional rows, missing keys.
            base.replace(r#""name":"Fabrikam""#, r#""name":null"#),
            base.replace(r#""value":1200.50"#, r#""value":"1200.50""#),
            base.replace(r#""as_of":"2024-06""#, r#""as_of":202406"#),
            base.replace(r#"{"customer":"c-1","month":"2024-06","product":"Azure SQL Database","measure":"acr_usd","value":1200.50}"#, r#"["c-1","2024-06","Azure SQL Database","acr_usd",1200.50]"#),
            base.replace(r#""partner":{"id":"p-1","name":"Fabrikam"},"#, ""),
            // Numbers outside JSON's syntax, negative, too long, with exponents.
            base.replace("1200.50", "01200.50"),
            base.replace("1200.50", "1200."),
            base.replace("1200.50", "+1200.50"),
            base.replace("1200.50", "-1200.50"),
            base.replace("1200.50", "-0.00"),
            base.replace("1200.50", "1.2005e3"),
            base.replace("1200.50", "1200.5E-400"),
            base.replace("1200.50", "12345678901234567890123456789.5"),
            base.replace("1200.50", "0.00000000000000000000000000001"),
            base.replace("1200.50", "1200.50x"),
            // Months and vocabulary that do not read; a month with spaces.
            base.replace(r#""as_of":"2024-06""#, r#""as_of":"2024-13""#),
            base.replace(r#""as_of":"2024-06""#, r#""as_of":" 2024-06""#),
            base.replace("acr_usd", "acr"),
            // Around the document: trailing text, a second document, a byte-order mark, whitespace.
            format!("{base} x"),
            format!("{base}{base}"),
            format!("\u{feff}{base}"),
            format!(" \t\r\n{base}\n "),
            base.replace(",", " ,\n\t").replace(":", " : "),
        ];
        for text in &cases {
            assert!(json_readers_agree(text), "{text}");
            let fast = Partner::parse(text, crate::Format::Json, "x.json");
            let slow = serde_json_file(text)
                .map_err(|e| crate::Error::from_json("x.json", &e))
                .and_then(|f| Partner::from_file(f, "x.json"));
            match (&fast, &slow) {
                (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
                _ => panic!("{text}: {fast:?} against {slow:?}"),
            }
        }
        // The fast reader took the ones that are plainly valid (a negative zero amount, an exponent the decimal
        // reader takes, a month its `FromStr` trims, whitespace around and between tokens) and gave up the rest.
        let taken: Vec<usize> = (0..cases.len()).filter(|&i| read(&cases[i]).is_some()).collect();
        assert_eq!(taken, [17, 18, 24, 29, 30]);
    }

    #[test]
    fn mutated_files_are_given_up_or_read_as_serde_json_reads_them() {
        let texts: Vec<String> = texts().into_iter().filter(|t| t.len() < 20_000).collect();
        assert!(texts.len() > 50, "{}", texts.len());
        let pieces: &[&str] = &[
            "\"",
            "\\",
            ",",
            ":",
            "{",
            "}",
            "[",
            "]",
            " ",
            "0",
            "1",
            "-",
            ".",
            "e",
            "null",
            "true",
            "\"x\"",
            "\u{1}",
            "é",
            "\"value\":",
            "\"usage\":[]",
            "2024-13",
            "00",
        ];
        let mut rng = Lcg(15);
        let mut taken = 0;
        for round in 0..30_000 {
            let text = &texts[round % texts.len()];
            let mut bytes = text.clone().into_bytes();
            for _ in 0..1 + rng.next(3) {
                let at = rng.next(bytes.len() + 1);
                match rng.next(3) {
                    0 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 => {
                        let piece = pieces[rng.next(pieces.len())];
                        bytes.splice(at..at, piece.bytes());
                    }
                    _ => {
                        // A stretch repeated: a key or a row twice.
                        let end = (at + rng.next(40)).min(bytes.len());
                        let copy = bytes[at..end].to_vec();
                        bytes.splice(end..end, copy);
                    }
                }
            }
            let Ok(mutated) = String::from_utf8(bytes) else { continue };
            assert!(json_readers_agree(&mutated), "{mutated}");
            taken += usize::from(read(&mutated).is_some());
        }
        // Some mutations leave a valid file (a repeated digit, a space): those were read, not only given up.
        assert!(taken > 1_000, "{taken}");
    }

    #[test]
    fn the_special_byte_is_the_first_quote_backslash_or_control_character() {
        let mut rng = Lcg(7);
        let alphabet: &[u8] = &[b'a', b'"', b'\\', 0, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff, b'0', 0x5c ^ 0x80, 0x22 + 1];
        for _ in 0..50_000 {
            let len = rng.next(40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| if rng.next(4) == 0 { alphabet[rng.next(alphabet.len())] } else { b'a' + rng.next(26) as u8 })
                .collect();
            let naive = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            assert_eq!(special_byte(&bytes), naive, "{bytes:?}");
        }
        // Every byte value, at every place of a word and after it.
        for b in 0..=255u8 {
            for at in 0..17 {
                let mut bytes = vec![b'x'; 17];
                bytes[at] = b;
                let naive = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
                assert_eq!(special_byte(&bytes), naive, "{b} at {at}");
            }
        }
    }
}
