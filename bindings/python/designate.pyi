"""Type stubs of the `designate` module (Rust, PyO3): see bindings/python/README.md."""

import os
from decimal import Decimal
from typing import Any, Literal, Mapping, Optional, Union

__version__: str

class Error(ValueError):
    """A problem with rules or a partner. The message is the designate CLI's: `file:line:col: message` or
    `file: field.path: message` (a dict partner is `<dict>`, a table row `usage: row 12, column value`), optionally
    followed by `\\n  hint: ...`; several problems are one per line. Raised by `score_tables` for partners that
    failed, it carries the rows of the partners that scored as `.result` (a pandas DataFrame); `None` otherwise."""

    result: Optional[Any]

class RuleSet:
    """A rule version folder (`rules/2024-06`) or a rules root (`rules/`, each partner by the version in force at
    its `as_of`), loaded once. Consistency lints are issued as `UserWarning`s, as the CLI prints them."""

    def __init__(self, path: Union[str, os.PathLike[str]]) -> None: ...
    @property
    def version(self) -> Optional[str]:
        """The version (`"2024-06"`); `None` for a rules root (each result names the version that scored it)."""
    @property
    def digest(self) -> Optional[str]:
        """`"sha256:…"` of the version's files, as every result names it; `None` for a rules root."""
    @property
    def versions(self) -> list[dict[str, Optional[str]]]:
        """Every version loaded, oldest first: `{version, digest, effective_from, effective_until}`."""
    def score(
        self, partner: Union[Mapping[str, Any], str, os.PathLike[str]], *, origin: Optional[str] = None
    ) -> dict[str, Any]:
        """The report `designate score --format json` writes, as `json.loads(text, parse_float=Decimal)` reads
        it. `partner` is a dict in the partner-file shape (numbers as `int`, `str` or `Decimal`; a `float` is
        refused; dates as `str` or `datetime.date`) or the path of a partner file. `origin` names a dict in
        messages (default `<dict>`). Raises `Error` for a partner that does not validate or cannot be scored."""
    def score_json(self, text: str, *, origin: Optional[str] = None) -> str:
        """One partner as JSON text (an NDJSON line) in, its result line out: the bytes `designate score -` writes
        for that line, without the newline. `origin` names the text in messages (default `<json>`)."""
    def score_tables(
        self,
        partners: Any,
        usage: Any,
        customers: Optional[Any] = None,
        people: Optional[Any] = None,
        *,
        errors: Literal["raise", "warn"] = "raise",
    ) -> Any:
        """A portfolio as tables in, flat results out: each table a pandas DataFrame, a pyarrow Table, or anything
        with `__arrow_c_stream__` (a polars DataFrame, a pyarrow RecordBatchReader), with the columns of the CSV
        tables (docs/partner-data.md; a DataFrame's NaN is an empty cell, its index is not read). Returns a pandas
        DataFrame with the rows (in `partners` order) and columns of `designate score --format csv` for the same
        tables: text as `str`, `qualified` as `bool`, `points`, `max_points` and `designation_points` as
        `Decimal` (`str(value)` is the CSV cell). A portfolio that cannot be read (a missing, unknown or mistyped
        column, a partner listed twice, a row naming an unlisted partner, an argument that is not a table) raises
        `Error` naming the table, row and column. A partner that fails (a bad cell, a file that does not
        validate) does not stop the others: with `errors="raise"`, once all are scored, `Error` lists every failed
        partner and holds the others' rows as `.result`; with `errors="warn"`, each failed partner is a
        `UserWarning` and the others' rows are returned. Partner warnings are `UserWarning`s."""
