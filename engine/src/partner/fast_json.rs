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

/// Reads an object whose keys are among the listed ones into a local `Option` per key, each key's value read by
/// its function: `"key" => local: read`. A key given twice (serde refuses it as a duplicate field), any other key
/// or a value its function does not read gives up with `None`.
macro_rules! fields {
    ($reader:expr, $($key:literal => $local:ident: $read:expr),+ $(,)?) => {
        $(let mut $local = None;)+
        $reader.object(|r, key| {
            match key {
                $($key => {
                    if $local.is_some() {
                        return None;
                    }
                    $local = Some(($read)(r)?);
                })+
                _ => return None,
            }
            Some(())
        })?;
    };
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
        fields!(self,
            "partner" => partner: Reader::partner_id,
            "as_of" => as_of: Reader::month,
            "path" => path: Reader::string,
            "coverage" => coverage: |r: &mut Self| r.array(Reader::coverage),
            "customers" => customers: |r: &mut Self| r.array(Reader::customer),
            "usage" => usage: |r: &mut Self| r.array(Reader::usage),
            "people" => people: |r: &mut Self| r.array(Reader::person),
            "history" => history: Reader::history,
            "solutions" => solutions: |r: &mut Self| r.array(Reader::solution),
        );
        Some(PartnerFile {
            partner: partner?,
            as_of: as_of?,
            path,
            coverage,
            customers,
            usage: usage.unwrap_or_default(),
            people: people.unwrap_or_default(),
            history,
            solutions: solutions.unwrap_or_default(),
        })
    }

    fn partner_id(&mut self) -> Option<PartnerIdFile> {
        fields!(self, "id" => id: Reader::string, "name" => name: Reader::string);
        Some(PartnerIdFile { id: id?, name })
    }

    fn coverage(&mut self) -> Option<CoverageFile> {
        fields!(self,
            "measure" => measure: Reader::word,
            "from" => from: Reader::month,
            "to" => to: Reader::month,
            "source" => source: Reader::string,
        );
        Some(CoverageFile { measure: measure?, from: from?, to: to?, source })
    }

    fn customer(&mut self) -> Option<CustomerFile> {
        fields!(self, "id" => id: Reader::string, "segment" => segment: Reader::word);
        Some(CustomerFile { id: id?, segment })
    }

    fn usage(&mut self) -> Option<UsageFile> {
        let start = self.at;
        if let Some(row) = self.usage_in_order() {
            return Some(row);
        }
        self.at = start;
        fields!(self,
            "customer" => customer: Reader::string,
            "month" => month: Reader::month,
            "product" => product: Reader::string,
            "measure" => measure: Reader::word,
            "value" => value: Reader::amount,
            "association" => association: Reader::word,
            "offer" => offer: Reader::string,
            "cloud" => cloud: Reader::word,
        );
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

    /// A usage row whose keys come in the order the file's writers put them (`customer`, `month`, `product`,
    /// `measure`, `value`, then those of `association`, `offer` and `cloud` it has, in that order), as nearly
    /// every row of a portfolio does: each key is matched where it is expected, byte for byte, instead of being
    /// read as a string and looked up (issue 15: keys were half of reading a row). The values are read as
    /// [`Reader::usage`] reads them. `None` on anything else, and the row is read again the general way.
    fn usage_in_order(&mut self) -> Option<UsageFile> {
        self.expect(b'{')?;
        self.key(r#""customer""#)?;
        let customer = self.string()?;
        self.next_key(r#""month""#)?;
        let month = self.month()?;
        self.next_key(r#""product""#)?;
        let product = self.string()?;
        self.next_key(r#""measure""#)?;
        let measure = self.word()?;
        self.next_key(r#""value""#)?;
        let value = self.amount()?;
        let association = if self.next_key_if(r#""association""#) { Some(self.word()?) } else { None };
        let offer = if self.next_key_if(r#""offer""#) { Some(self.string()?) } else { None };
        let cloud = if self.next_key_if(r#""cloud""#) { Some(self.word()?) } else { None };
        self.expect(b'}')?;
        Some(UsageFile { customer, month, product, measure, value, association, offer, cloud })
    }

    /// The key `key`, written with its quotes and without escapes (as a key the general way must be too), and its
    /// colon.
    fn key(&mut self, key: &str) -> Option<()> {
        self.skip_space();
        self.literal(key)?;
        self.expect(b':')
    }

    /// A comma, then the key `key` and its colon.
    fn next_key(&mut self, key: &str) -> Option<()> {
        self.expect(b',')?;
        self.key(key)
    }

    /// [`Reader::next_key`] when the text has it there; otherwise nothing is read.
    fn next_key_if(&mut self, key: &str) -> bool {
        let at = self.at;
        if self.next_key(key).is_some() {
            return true;
        }
        self.at = at;
        false
    }

    fn person(&mut self) -> Option<PersonFile> {
        fields!(self,
            "id" => id: Reader::string,
            "certifications" => certifications: |r: &mut Self| r.array(Reader::certification),
        );
        Some(PersonFile { id: id?, certifications: certifications.unwrap_or_default() })
    }

    fn certification(&mut self) -> Option<CertificationFile> {
        fields!(self, "name" => name: Reader::string, "earned" => earned: Reader::date, "expires" => expires: Reader::date);
        Some(CertificationFile { name: name?, earned: earned?, expires })
    }

    fn history(&mut self) -> Option<HistoryFile> {
        fields!(self,
            "anniversary" => anniversary: Reader::date,
            "designations" => designations: |r: &mut Self| r.array(Reader::attained),
        );
        Some(HistoryFile { anniversary, designations: designations.unwrap_or_default() })
    }

    fn attained(&mut self) -> Option<AttainedFile> {
        fields!(self, "id" => id: Reader::string, "attained" => attained: Reader::date);
        Some(AttainedFile { id: id?, attained: attained? })
    }

    fn solution(&mut self) -> Option<SolutionFile> {
        fields!(self, "id" => id: Reader::string, "name" => name: Reader::string, "facts" => facts: Reader::facts);
        Some(SolutionFile { id: id?, name, facts: facts.unwrap_or_default() })
    }

    /// A solution's facts by name; a fact named twice gives up: the full reader decides what that means.
    fn facts(&mut self) -> Option<BTreeMap<String, Fact>> {
        let mut facts = BTreeMap::new();
        self.object(|r, name| {
            let fact = r.fact()?;
            facts.insert(name.to_owned(), fact).is_none().then_some(())
        })?;
        Some(facts)
    }

    /// An amount: a number in JSON's syntax, read by the decimal reader, not below zero.
    fn amount(&mut self) -> Option<NonNegative> {
        NonNegative::new(json_number(self.number()?)?)
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

    /// Issue 15: a usage row with its keys in the writers' order is read by `usage_in_order`; in any other
    /// order, with spaces, with an unknown, repeated or escaped key, it is not, and `usage` reads it the general
    /// way to the same row (or gives up, as the general way does).
    #[test]
    fn usage_rows_in_the_writers_order_read_as_in_any_order() {
        let fields = [
            r#""customer":"c-1""#,
            r#""month":"2024-06""#,
            r#""product":"Azure Plan 2""#,
            r#""measure":"acr_usd""#,
            r#""value":1200.50"#,
            r#""association":"csp""#,
            r#""offer":"pay-as-you-go""#,
            r#""cloud":"government""#,
        ];
        let usage = |text: &str| Reader { text, bytes: text.as_bytes(), at: 0 }.usage();
        let in_order = |text: &str| Reader { text, bytes: text.as_bytes(), at: 0 }.usage_in_order();
        let mut rng = Lcg(11);
        let (mut fast, mut general) = (0, 0);
        for round in 0..4_000 {
            // The five required fields and a subset of the optional ones, in order or shuffled.
            let mut chosen: Vec<&str> = fields[..5].to_vec();
            chosen.extend(fields[5..].iter().filter(|_| rng.next(2) == 0));
            if round % 2 == 1 {
                for i in (1..chosen.len()).rev() {
                    chosen.swap(i, rng.next(i + 1));
                }
            }
            let plain = chosen.join(",");
            let spaced = format!(" {{ {} }} ", chosen.join(" , ").replace(':', " : "));
            let ordered = chosen.iter().zip(fields.iter().filter(|f| chosen.contains(f))).all(|(a, b)| a == b);
            for text in [format!("{{{plain}}}"), spaced] {
                let expected: Option<UsageFile> = serde_json::from_str(&text).ok();
                assert_eq!(usage(&text), expected, "{text}");
                assert_eq!(in_order(&text).is_some(), ordered, "{text}");
                if ordered {
                    assert_eq!(in_order(&text), expected, "{text}");
                    fast += 1;
                } else {
                    general += 1;
                }
            }
        }
        assert!(fast > 500 && general > 500, "{fast} in order, {general} not");
        // What the general way gives up on, the in-order way does not take either.
        for text in [
            r#"{"customer":"c-1","month":"2024-06","product":"p","measure":"acr_usd","value":1,"cloud":"government","cloud":"government"}"#,
            r#"{"customer":"c-1","month":"2024-06","product":"p","measure":"acr_usd","value":1,"colour":"blue"}"#,
            r#"{"customer":"c-1","month":"2024-06","product":"p","measure":"acr_usd","value":1,"association":"csp","association":"csp"}"#,
            r#"{"cust\u006fmer":"c-1","month":"2024-06","product":"p","measure":"acr_usd","value":1}"#,
            r#"{"customer":"c-1","month":"2024-06","product":"p","measure":"acr_usd"}"#,
            r#"{"customer":"c-1","month":"2024-06","product":"p","measure":"acr_usd","value":-1}"#,
            r#"{"customer":"c-1","month":"2024-06","product":"p","measure":"acr_usd","value":1,}"#,
        ] {
            assert_eq!(in_order(text), None, "{text}");
            assert_eq!(usage(text), None, "{text}");
        }
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
