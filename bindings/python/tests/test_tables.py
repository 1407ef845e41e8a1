"""issue 15: `designate.RuleSet.score_tables` gives exactly the rows and columns `designate score --format csv` writes
for the same tables (pandas DataFrames read from the CSV tables, pyarrow Tables read from the Parquet tables), with
exact decimals; a portfolio that cannot be read raises `designate.Error` naming table, row and column; a partner that
fails fails alone, and nothing the others scored is lost."""

import csv
import decimal
import io
import warnings

import pandas
import pyarrow
import pyarrow.parquet
import pytest

import designate

TABLES = ("partners", "usage", "customers", "people")
DECIMALS = ("points", "max_points", "designation_points")


@pytest.fixture(scope="session")
def root(workspace):
    return designate.RuleSet(workspace / "rules")


@pytest.fixture(scope="session")
def generated(cli, tmp_path_factory):
    """30 generated partners written by the CLI as CSV tables and as Parquet tables (the same portfolio)."""
    folder = tmp_path_factory.mktemp("generated")
    for fmt in ("csv", "parquet"):
        out = cli("generate", "--partners", "30", "--seed", "7", "--tables", str(folder / fmt), "--tables-format", fmt)
        assert out.returncode == 0, out.stderr
    return folder


def read_csv_tables(folder):
    """The CSV tables as pandas reads them as text: every cell a str, an empty cell ''."""
    return {
        t: pandas.read_csv(folder / f"{t}.csv", dtype=str, keep_default_na=False)
        for t in TABLES
        if (folder / f"{t}.csv").is_file()
    }


def read_parquet_tables(folder):
    return {t: pyarrow.parquet.read_table(folder / f"{t}.parquet") for t in TABLES if (folder / f"{t}.parquet").is_file()}


def cli_csv(cli, folder):
    """`designate score --format csv` over a folder of tables: (header, rows), each row a list of cell texts."""
    out = cli("score", "--format", "csv", "--rules", "rules", str(folder))
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    return rows[0], rows[1:]


def as_text(frame):
    """A result frame as the CSV writes its cells: decimals by `str`, booleans as true/false."""
    def cell(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return [[cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def assert_exact_types(frame):
    for column in DECIMALS:
        assert all(type(v) is decimal.Decimal for v in frame[column]), column
    assert all(type(v) is bool for v in frame["qualified"])
    for column in ("partner_id", "as_of", "rules_version", "rules_digest", "designation", "path", "metric"):
        assert all(type(v) is str for v in frame[column]), column


@pytest.mark.filterwarnings("ignore::UserWarning")  # the partners' own warnings; test_warnings_... checks them
def test_example_csv_tables_as_dataframes_give_the_cli_csv_cell_for_cell(workspace, cli, root):
    folder = workspace / "snapshots" / "portfolios" / "tables"
    header, expected = cli_csv(cli, folder)
    got = root.score_tables(**read_csv_tables(folder))
    assert list(got.columns) == header
    assert as_text(got) == expected
    assert len(expected) > 20
    assert_exact_types(got)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generated_tables_give_the_cli_csv_cell_for_cell(cli, root, generated, fmt):
    folder = generated / fmt
    header, expected = cli_csv(cli, folder)
    tables = read_csv_tables(folder) if fmt == "csv" else read_parquet_tables(folder)
    got = root.score_tables(tables["partners"], tables["usage"], tables.get("customers"), tables.get("people"))
    assert list(got.columns) == header
    assert as_text(got) == expected
    assert len({row[0] for row in expected}) == 30
    assert_exact_types(got)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_any_arrow_stream_is_a_table(root, generated):
    """A RecordBatchReader, and any object with `__arrow_c_stream__` (what polars frames offer), read alike."""
    tables = read_parquet_tables(generated / "parquet")
    want = root.score_tables(**tables)

    class Stream:
        def __init__(self, table):
            self.table = table

        def __arrow_c_stream__(self, requested_schema=None):
            return self.table.__arrow_c_stream__(requested_schema)

    readers = {t: pyarrow.RecordBatchReader.from_batches(v.schema, v.to_batches(max_chunksize=7)) for t, v in tables.items()}
    assert root.score_tables(**readers).equals(want)
    assert root.score_tables(**{t: Stream(v) for t, v in tables.items()}).equals(want)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_categorical_and_dictionary_columns_read_as_their_text(root, generated):
    """Text columns as pandas categoricals (8-bit codes) and as pyarrow dictionaries of 32-bit keys (what a
    dictionary-encoded Parquet column reads as), partner ids included, score exactly as the plain text does."""
    frames = read_csv_tables(generated / "csv")
    want = root.score_tables(**frames)
    categorical = {t: f.astype("category") for t, f in frames.items()}
    assert all(str(d) == "category" for d in categorical["usage"].dtypes)
    assert root.score_tables(**categorical).equals(want)

    def dictionaries(table):
        text = (pyarrow.types.is_string, pyarrow.types.is_large_string)
        columns = [
            c.cast(pyarrow.string()).dictionary_encode() if any(t(c.type) for t in text) else c for c in table.columns
        ]
        return pyarrow.table(columns, names=table.column_names)

    encoded = {t: dictionaries(pyarrow.Table.from_pandas(f, preserve_index=False)) for t, f in frames.items()}
    assert pyarrow.types.is_dictionary(encoded["usage"].schema.field("partner_id").type)
    assert encoded["usage"].schema.field("partner_id").type.index_type == pyarrow.int32()
    assert root.score_tables(**encoded).equals(want)


def small(value="10", partner="p-1"):
    """One partner, one customer, one usage row holding `value`, as DataFrames."""
    return {
        "partners": pandas.DataFrame({"partner_id": ["p-1", "p-2"], "as_of": ["2024-06", "2024-06"]}),
        "usage": pandas.DataFrame(
            {
                "partner_id": [partner, "p-2"],
                "customer": ["c-1", "c-1"],
                "month": ["2024-06", "2024-05"],
                "product": ["Azure SQL Database", "Azure SQL Database"],
                "measure": ["acr_usd", "acr_usd"],
                "value": [value, "20"],
            }
        ),
    }


def raised(root, **tables):
    with pytest.raises(designate.Error) as error:
        root.score_tables(**tables)
    return str(error.value)


def test_a_portfolio_that_cannot_be_read_raises_naming_table_row_and_column(root):
    t = small()
    assert raised(root, partners=t["partners"], usage=t["usage"].drop(columns=["value"])) == 'usage: missing column "value"'

    t = small()
    t["usage"]["value"] = [True, False]
    assert raised(root, **t) == (
        "usage: column value: a column of type boolean cannot hold exact numbers\n"
        "  hint: store numbers as DECIMAL, integers or text"
    )

    t = small(partner="p-9")
    assert raised(root, **t) == 'usage: row 1: partner "p-9" is not in partners\n  hint: did you mean "p-1"?'

    t = small()
    t["partners"]["partner_id"] = ["p-1", "p-1"]
    assert raised(root, **t) == 'partners: row 2: partner "p-1" is listed twice (first at row 1)'

    t = small()
    t["usage"]["valeu"] = t["usage"].pop("value")
    assert raised(root, **t).startswith('usage: unknown column "valeu"\n  hint: did you mean "value"?')

    t = small()
    assert raised(root, partners=[1, 2], usage=t["usage"]).startswith("partners: not a table but a value of type list\n")
    assert raised(root, partners=t["partners"], usage=t["usage"], people="people.csv").startswith(
        "people: not a table but a value of type str\n"
    )


def test_a_table_without_rows_still_has_its_columns_checked_and_none_is_no_table(root):
    """A frame with no columns is not an empty table of the right shape: its columns are checked whether or not a
    batch of rows crosses (a pyarrow reader of no batches too), and `None` for a required table is refused, as the
    CLI refuses a folder without its usage table; a table of the right columns and no rows is read as such."""
    t = small()
    assert raised(root, partners=t["partners"], usage=pandas.DataFrame()) == 'usage: missing column "partner_id"'
    no_batches = pyarrow.RecordBatchReader.from_batches(pyarrow.schema([("partner_id", pyarrow.string())]), [])
    assert raised(root, partners=t["partners"], usage=no_batches) == 'usage: missing column "customer"'
    foo = pyarrow.RecordBatchReader.from_batches(pyarrow.schema([("foo", pyarrow.string())]), [])
    assert raised(root, partners=t["partners"], usage=t["usage"], customers=foo).startswith(
        'customers: unknown column "foo"'
    )
    for name in ("partners", "usage"):
        given = dict(t, **{name: None})
        assert raised(root, **given) == (
            f"{name}: a table is required, and None was given\n"
            f"  hint: when there are no {name} rows, pass a table with the {name} columns and no rows"
        )
    # The right columns and no rows: partners without usage score (with no points), as an empty usage.csv does.
    empty = t["usage"].iloc[0:0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        frame = root.score_tables(t["partners"], empty)
    assert sorted(set(frame["partner_id"])) == ["p-1", "p-2"]
    assert not any(frame["qualified"])


def test_a_filtered_dataframe_is_read_by_its_rows_not_its_index(root):
    """pandas keeps the index of the rows a filter left: it is not a column, and the rows are numbered from 1."""
    t = small(value="abc")
    t["usage"] = t["usage"].iloc[::-1]  # index 1, 0
    with pytest.raises(designate.Error) as error:
        root.score_tables(**t)
    assert str(error.value).startswith("usage: row 2, column value: "), str(error.value)


def test_a_bad_cell_fails_only_its_partner_and_nothing_scored_is_lost(root):
    good = root.score_tables(**small())
    assert set(good["partner_id"]) == {"p-1", "p-2"}
    others = good[good["partner_id"] == "p-2"].reset_index(drop=True)

    with pytest.raises(designate.Error) as error:
        root.score_tables(**small(value="abc"))
    lines = str(error.value).splitlines()
    assert lines[0].startswith("usage: row 1, column value: "), lines
    assert lines[-1].startswith("1 partner(s) could not be scored"), lines
    assert error.value.result.equals(others)

    with pytest.warns(UserWarning) as caught:
        returned = root.score_tables(**small(value="abc"), errors="warn")
    assert returned.equals(others)
    assert [str(w.message).splitlines()[0] for w in caught] == [lines[0]]

    with pytest.raises(ValueError, match='errors must be "raise" or "warn"'):
        root.score_tables(**small(), errors="ignore")


def test_a_partner_that_does_not_validate_is_placed_on_its_row(root):
    t = small()
    t["usage"].loc[1, "month"] = "2024-07"  # after p-2's as_of
    with pytest.raises(designate.Error) as error:
        root.score_tables(**t)
    first = str(error.value).splitlines()[0]
    assert first.startswith("usage: row 2: "), first
    assert set(error.value.result["partner_id"]) == {"p-1"}


def test_a_pandas_float_column_reads_exactly_as_written(root):
    as_text_values = small(value="0.1")
    as_floats = small()
    as_floats["usage"]["value"] = [0.1, 20.0]
    assert as_floats["usage"]["value"].dtype == "float64"
    assert root.score_tables(**as_floats).equals(root.score_tables(**as_text_values))
    # A float whose shortest text has more digits than a float holds as written is not taken for a decimal.
    as_floats["usage"]["value"] = [0.1 + 0.2, 20.0]
    with pytest.raises(designate.Error, match=r"^usage: row 1, column value: 0\.30000000000000004 is a binary"):
        root.score_tables(**as_floats)
    # NaN, pandas' missing value, is an empty cell: refused where a value is required, like an empty CSV cell.
    as_floats["usage"]["value"] = [float("nan"), 20.0]
    with pytest.raises(designate.Error, match=r"^usage: row 1, column value: "):
        root.score_tables(**as_floats)


def test_a_pandas_datetime_column_reads_as_its_months(root):
    """pandas' datetime64 (an Arrow timestamp without a time zone) at midnight is a date; on the first, a month."""
    as_dates = small()
    as_dates["usage"]["month"] = pandas.to_datetime(["2024-06-01", "2024-05-01"])
    as_dates["partners"]["as_of"] = pandas.to_datetime(["2024-06-01", "2024-06-01"])
    assert as_dates["usage"]["month"].dtype.kind == "M"
    assert root.score_tables(**as_dates).equals(root.score_tables(**small()))
    # A time of day is not a month: refused at its cell, not rounded to some day.
    as_dates["usage"]["month"] = pandas.to_datetime(["2024-06-01 12:00", "2024-05-01 00:00"])
    with pytest.raises(designate.Error, match=r"^usage: row 1, column month: the timestamp has a time of day"):
        root.score_tables(**as_dates)


def test_a_decimal_column_of_pandas_reads_as_its_text(root):
    """An object column of decimal.Decimal becomes an Arrow DECIMAL: exact, the same partner as the text."""
    as_decimals = small()
    as_decimals["usage"]["value"] = [decimal.Decimal("1234.5678"), decimal.Decimal("20")]
    got = root.score_tables(**as_decimals)
    assert got.equals(root.score_tables(**small(value="1234.5678")))
    assert_exact_types(got)


def test_warnings_are_user_warnings_placed_on_their_row(root):
    t = small()
    t["people"] = pandas.DataFrame(
        {"partner_id": ["p-1"], "person_id": ["a"], "certification": ["AZ-1O4"], "earned": ["2023-01-02"]}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root.score_tables(**t)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert messages and all(m.startswith("warning: people: row 1: ") for m in messages), messages
