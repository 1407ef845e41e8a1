"""Type stubs of the `designate` module (Rust, PyO3): see bindings/python/README.md."""

import os
from decimal import Decimal
from typing import Any, Mapping, Optional, Union

__version__: str

class Error(ValueError):
    """A problem with rules or a partner. The message is the designate CLI's: `file:line:col: message` or
    `file: field.path: message` (a dict partner is `<dict>`), optionally followed by `\\n  hint: ...`; several
    problems are one per line."""

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
