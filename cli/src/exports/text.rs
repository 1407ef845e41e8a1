//! The text of an export file: its encoding (UTF-8 with or without a byte-order mark, UTF-16 little or big endian
//! with one), its delimiter (a tab or a comma, sniffed from the header), and its records, each cell with the line
//! and column it starts at, so that every problem with a value names the place a person can find it.
//!
//! Quoting follows RFC 4180 (a cell in double quotes may hold the delimiter, `""` stands for one quote), which
//! also reads Partner Center's unquoted TSV. Columns are counted in characters from 1, as editors count them.

use std::path::Path;

use anyhow::{anyhow, Result};

/// One cell: its text (unquoted, trimmed) and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub line: usize,
    pub col: usize,
}

/// One record: its first line and its cells.
#[derive(Debug)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<Cell>,
}

/// A whole export file read: its data records (the header is read by [`header_of`]).
pub struct Delimited {
    pub records: Vec<Record>,
}

/// The file's bytes as text: a UTF-8 or UTF-16 byte-order mark decides the encoding (and is dropped); without
/// one the text must be UTF-8.
pub fn decode(bytes: &[u8], path: &Path) -> Result<String> {
    let utf16 = |data: &[u8], le: bool| -> Result<String> {
        if !data.len().is_multiple_of(2) {
            return Err(anyhow!("{}: UTF-16 text with an odd number of bytes", path.display()));
        }
        let units = data.chunks_exact(2).map(|b| {
            if le {
                u16::from_le_bytes([b[0], b[1]])
            } else {
                u16::from_be_bytes([b[0], b[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| anyhow!("{}: invalid UTF-16 text ({e})", path.display()))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest, path),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => utf8(bytes, path),
    }
}

fn utf8(bytes: &[u8], path: &Path) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        anyhow!(
            "{}: file is not UTF-8 text (invalid byte at offset {})\n  hint: save it as UTF-8, or as UTF-16 with a byte-order mark",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// The delimiter of a file, from its first line: a tab when it holds one, else a comma.
fn delimiter(text: &str) -> char {
    let first = text.lines().next().unwrap_or("");
    if first.contains('\t') {
        '\t'
    } else {
        ','
    }
}

/// The first line's names, trimmed (to recognise a file without reading it all).
pub fn header_of(text: &str) -> Vec<String> {
    let mut parser = Parser::new(text);
    parser.record().map(|r| r.cells.into_iter().map(|c| c.text).collect()).unwrap_or_default()
}

/// Reads the whole file: the header, then every record that is not blank.
pub fn read(text: &str, path: &Path) -> Result<Delimited> {
    let mut parser = Parser::new(text);
    if parser.record().is_none() {
        return Err(anyhow!("{}: file is empty", path.display()));
    }
    let mut records = Vec::new();
    while let Some(record) = parser.record() {
        if let Some(open) = parser.open_quote.take() {
            return Err(anyhow!(
                "{}:{}:{}: a quote is not closed\n  hint: a cell that starts with \" ends with \"",
                path.display(),
                open.0,
                open.1
            ));
        }
        if record.cells.iter().all(|c| c.text.is_empty()) {
            continue;
        }
        records.push(record);
    }
    Ok(Delimited { records })
}

/// A cursor over the text, counting lines and columns.
struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    delimiter: char,
    line: usize,
    col: usize,
    /// Where a quote that never closed opened.
    open_quote: Option<(usize, usize)>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser { chars: text.chars().peekable(), delimiter: delimiter(text), line: 1, col: 1, open_quote: None }
    }

    fn next(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    /// The next record, or `None` at the end of the text.
    fn record(&mut self) -> Option<Record> {
        self.chars.peek()?;
        let line = self.line;
        let mut cells = Vec::new();
        loop {
            let (cell_line, cell_col) = (self.line, self.col);
            let mut text = String::new();
            let mut end_of_record = false;
            if self.chars.peek() == Some(&'"') {
                self.next();
                let mut closed = false;
                while let Some(c) = self.next() {
                    if c == '"' {
                        if self.chars.peek() == Some(&'"') {
                            self.next();
                            text.push('"');
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        text.push(c);
                    }
                }
                if !closed {
                    self.open_quote = Some((cell_line, cell_col));
                }
            }
            // The rest of the cell, up to the delimiter or the end of the line.
            loop {
                match self.next() {
                    None => {
                        end_of_record = true;
                        break;
                    }
                    Some('\n') => {
                        end_of_record = true;
                        break;
                    }
                    Some(c) if c == self.delimiter => break,
                    Some(c) => text.push(c),
                }
            }
            let text = text.trim_end_matches('\r').trim().to_owned();
            cells.push(Cell { text, line: cell_line, col: cell_col });
            if end_of_record {
                return Some(Record { line, cells });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<(String, usize, usize)>> {
        let d = read(text, Path::new("f")).unwrap();
        d.records.iter().map(|r| r.cells.iter().map(|c| (c.text.clone(), c.line, c.col)).collect()).collect()
    }

    // issue 16: TSV and CSV (quoted commas, doubled quotes, CRLF) give the same cells, each at its line and column.
    #[test]
    fn tsv_and_csv_cells_carry_their_line_and_column() {
        let tsv = cells("A\tB\r\nx\tSmall, Medium\r\n");
        assert_eq!(tsv, vec![vec![("x".into(), 2, 1), ("Small, Medium".into(), 2, 3)]]);
        let csv = cells("A,B\n\"x \"\"q\"\"\",\"Small, Medium\"\n\n");
        assert_eq!(csv, vec![vec![("x \"q\"".into(), 2, 1), ("Small, Medium".into(), 2, 11)]]);
    }

    // issue 16: UTF-8 with a byte-order mark and UTF-16 of either order read as the same text.
    #[test]
    fn byte_order_marks_choose_the_encoding() {
        let p = Path::new("f");
        assert_eq!(decode(b"\xEF\xBB\xBFMonth", p).unwrap(), "Month");
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain("Mé".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("Mé".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&le, p).unwrap(), "Mé");
        assert_eq!(decode(&be, p).unwrap(), "Mé");
        assert!(decode(b"\xFFabc", p).unwrap_err().to_string().contains("not UTF-8"));
    }

    #[test]
    fn a_quote_left_open_is_refused_at_its_place() {
        let e = read("A,B\n1,\"open\n2,3\n", Path::new("f")).err().unwrap().to_string();
        assert!(e.starts_with("f:2:3: a quote is not closed"), "{e}");
    }
}
