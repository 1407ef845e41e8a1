"""issue 15: `designate.RuleSet.score` gives what `designate score --format json` gives, for partner files and for
dicts; bad rules and bad partners raise `designate.Error` with the CLI's located message; no float gets in or out."""

import datetime
import decimal
import pathlib
import tomllib
import warnings

import pytest

import designate
from conftest import floats_in, loads


@pytest.fixture(scope="session")
def root(workspace):
    return designate.RuleSet(workspace / "rules")


@pytest.mark.filterwarnings("ignore::UserWarning")  # test_partner_warnings_are_the_cli_warnings checks them
def test_every_example_partner_file_scores_as_the_cli_does(workspace, cli, root):
    partners = sorted((workspace / "snapshots" / "partners").glob("*.yaml"))
    assert len(partners) > 50
    # One CLI run over the folder: one JSON result per partner that scores, in name order; the others (a partner
    # no version covers) are reported on stderr, and the module must raise the same message for them.
    out = cli("score", "--rules", "rules", "snapshots/partners")
    expected = iter(loads(line) for line in out.stdout.splitlines())
    scored = failed = 0
    for path in partners:
        try:
            got = root.score(path)  # a PathLike
        except designate.Error as error:
            first = str(error).splitlines()[0].replace(str(workspace) + "/", "")
            assert f"error: {first}\n" in out.stderr, path.name
            failed += 1
            continue
        assert got == next(expected), path.name
        assert root.score(str(path)) == got, path.name  # and a str
        assert floats_in(got) == [], path.name
        scored += 1
    assert next(expected, None) is None, "the CLI scored more partners than the module"
    assert scored > 50 and out.stderr.count("could not be scored") == (failed > 0)


def test_partner_warnings_are_the_cli_warnings(workspace, cli, root):
    path = "snapshots/partners/l26-sovereign-cloud.yaml"
    out = cli("score", "--format", "json", "--rules", "rules", path)
    warned = [line.removeprefix("warning: ") for line in out.stderr.splitlines() if line.startswith("warning: ")]
    assert warned, out.stderr
    with pytest.warns(UserWarning) as caught:
        root.score(path)
    assert [str(w.message).splitlines()[0].removeprefix("warning: ") for w in caught] == warned


@pytest.mark.filterwarnings("ignore::UserWarning")  # the portfolios' warnings; test_partner_warnings_... checks them
def test_every_portfolio_partner_given_as_a_dict_scores_as_the_cli_does(workspace, cli, root):
    for portfolio in ("example.ndjson", "example-2026.ndjson"):
        path = workspace / "snapshots" / "portfolios" / portfolio
        out = cli("score", "--rules", "rules", str(path))
        assert out.returncode == 0, out.stderr
        expected = [loads(line) for line in out.stdout.splitlines()]
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        assert len(lines) == len(expected) > 0
        for n, (line, want) in enumerate(zip(lines, expected), 1):
            assert root.score(loads(line)) == want, f"{portfolio}:{n}"


def test_version_and_digest_of_a_folder_and_of_a_root(workspace, cli):
    one = designate.RuleSet(workspace / "rules" / "2024-06")
    out = cli("score", "--format", "json", "--rules", "rules/2024-06", "snapshots/partners/contoso-smb.yaml")
    report = loads(out.stdout)
    assert one.version == "2024-06" == report["rules"]["version"]
    assert one.digest == report["rules"]["digest"] and one.digest.startswith("sha256:")
    assert [v["version"] for v in one.versions] == ["2024-06"]

    root = designate.RuleSet(str(workspace / "rules"))
    assert root.version is None and root.digest is None
    versions = root.versions
    assert [v["version"] for v in versions] == sorted(p.name for p in (workspace / "rules").iterdir() if (p / "program.toml").is_file())
    assert versions[1]["digest"] == one.digest
    assert versions[-1]["effective_until"] is None and versions[0]["effective_until"] is not None
    assert "2024-06" in repr(root)


def partner(value):
    """A small valid partner whose one usage row holds `value`."""
    return {
        "partner": {"id": "p-1", "name": "One"},
        "as_of": "2024-06",
        "customers": [{"id": "c-1", "segment": "smb"}],
        "usage": [
            {"customer": "c-1", "month": "2024-06", "product": "Azure SQL Database", "measure": "acr_usd", "value": value}
        ],
    }


def test_exact_numbers_as_int_str_and_decimal_give_the_same_report(workspace):
    rules = designate.RuleSet(workspace / "rules" / "2024-06")
    as_decimal = rules.score(partner(decimal.Decimal("1200.50")))
    assert rules.score(partner("1200.50")) == as_decimal
    assert rules.score(partner(decimal.Decimal("1200"))) == rules.score(partner(1200))
    assert floats_in(as_decimal) == []


def test_a_float_is_refused_at_its_field_with_a_hint(workspace):
    rules = designate.RuleSet(workspace / "rules" / "2024-06")
    with pytest.raises(designate.Error) as raised:
        rules.score(partner(0.1))
    assert str(raised.value) == (
        '<dict>: usage[0].value: 0.1 is a binary float, not an exact number\n'
        '  hint: pass decimal.Decimal("0.1"), or the number as a str or an int'
    )
    # Even a float that happens to be exact: whether one is exact depends on the value, so none is taken.
    with pytest.raises(designate.Error, match=r"usage\[0\]\.value: 2\.5 is a binary float"):
        rules.score(partner(2.5))
    assert issubclass(designate.Error, ValueError)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.pop("as_of"), "<dict>: missing field `as_of`"),
        (
            lambda p: p["usage"][0].update(measure="acr"),
            "<dict>: usage[0].measure: unknown value `acr`, expected one of `acr_usd`, `revenue_usd`, `paid_seats`,"
            " `active_users`, `protected_users`, `capacity`",
        ),
        (lambda p: p["usage"][0].update(customer="c-9"), "<dict>: usage[0].customer: "),
        (lambda p: p.update(peeple=[]), "<dict>: peeple: unknown key `peeple`"),
        (lambda p: p.update(as_of=202406), "<dict>: as_of: invalid type: integer `202406`, expected a month as YYYY-MM"),
        (lambda p: p["usage"][0].update(value=decimal.Decimal("NaN")), '<dict>: usage[0].value: Decimal("NaN") is not a finite number'),
        (lambda p: p["usage"][0].update(value=b"12"), "<dict>: usage[0].value: a value of type bytes cannot be read"),
        (lambda p: p.update({1: "x"}), "<dict>: key 1 is not a str"),
        # serde places a refused value at the end of its row, as in a JSON file: the row is named.
        (lambda p: p["usage"][0].update(value="-5"), "<dict>: usage[0]: invalid value: -5, expected a non-negative number"),
    ],
)
def test_a_bad_dict_raises_the_located_message(workspace, change, message):
    rules = designate.RuleSet(workspace / "rules" / "2024-06")
    bad = partner("10")
    change(bad)
    with pytest.raises(designate.Error) as raised:
        rules.score(bad)
    assert str(raised.value).startswith(message), str(raised.value)


def test_a_dict_that_contains_itself_is_refused_not_a_crash(workspace):
    rules = designate.RuleSet(workspace / "rules" / "2024-06")
    bad = partner("10")
    bad["usage"][0]["value"] = bad
    with pytest.raises(designate.Error, match="nested more than"):
        rules.score(bad)


def test_dates_and_origin(workspace):
    rules = designate.RuleSet(workspace / "rules" / "2024-06")
    good = partner("10")
    good["people"] = [{"id": "a", "certifications": [{"name": "AZ-104", "earned": datetime.date(2023, 1, 2)}]}]
    assert rules.score(good)["partner"] == "p-1"
    bad = partner("10")
    bad["usage"][0]["month"] = "2024-13"
    with pytest.raises(designate.Error, match=r"^row 7: usage\[0\]\.month: "):
        rules.score(bad, origin="row 7")


def test_every_bad_partner_file_raises_the_cli_first_line(workspace):
    """The CLI's own cases (cli/tests/bad-inputs/expected.toml): a path raises what `designate score` prints."""
    folder = workspace / "cli" / "tests" / "bad-inputs"
    cases = tomllib.loads((folder / "expected.toml").read_text())["case"]
    rules = designate.RuleSet(workspace / "rules")
    for case in cases:
        expected = case["message"].removeprefix("error: ")
        with pytest.raises(designate.Error) as raised:
            rules.score(folder / case["file"])
        # Messages name files as given: make the CLI's relative names absolute to compare.
        first = str(raised.value).splitlines()[0].replace(str(folder) + "/", "")
        assert first == expected, case["file"]


def test_rules_that_do_not_load_raise_every_problem(workspace, cli, tmp_path):
    with pytest.raises(designate.Error, match=r"nope: no such rules folder$"):
        designate.RuleSet(tmp_path / "nope")
    with pytest.raises(designate.Error, match=r"neither a rule set \(no program.toml\) nor a folder of rule sets"):
        designate.RuleSet(tmp_path)
    broken = tmp_path / "2024-06"
    broken.mkdir()
    (broken / "program.toml").write_text('version = "2024-06"\neffective_from = "2024-06"\nmax_pointz = 3\n')
    with pytest.raises(designate.Error) as raised:
        designate.RuleSet(broken)
    lines = str(raised.value).splitlines()
    assert lines[0].startswith(str(broken / "program.toml") + ":"), lines
    assert lines[-1].startswith(f"the rule set {broken} has ")
    # issue 15: the same words as the CLI's (one engine function writes them), problem for problem.
    out = cli("score", "--rules", str(broken), "snapshots/partners/contoso-smb.yaml")
    assert out.returncode == 2
    assert [line.removeprefix("error: ") for line in out.stderr.splitlines()] == lines


def test_a_partner_that_is_neither_dict_nor_path_is_a_type_error(workspace):
    rules = designate.RuleSet(workspace / "rules" / "2024-06")
    with pytest.raises(TypeError, match="a partner is a dict in the partner-file shape or the path of a partner file"):
        rules.score(12)


def test_score_json_writes_the_cli_ndjson_line_byte_for_byte(workspace, cli):
    rules = designate.RuleSet(workspace / "rules" / "2024-06")
    path = workspace / "snapshots" / "portfolios" / "example.ndjson"
    out = cli("score", "--rules", "rules/2024-06", "-", stdin=path.read_text())
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    expected = out.stdout.splitlines()
    assert len(expected) == len(lines) > 0, out.stderr
    for n, (line, want) in enumerate(zip(lines, expected), 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            assert rules.score_json(line) == want, f"example.ndjson:{n}"
    with pytest.raises(designate.Error, match=r"^row 3:1:\d+: missing field `as_of`$"):
        rules.score_json('{"partner": {"id": "p", "name": "P"}}', origin="row 3")
