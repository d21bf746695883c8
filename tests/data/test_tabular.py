"""CSV tables: what is read, what is refused (one line naming the place), and the seeded split."""

import os

import numpy as np
import pytest

from sciml.core.errors import SciMLError
from sciml.data.tabular import read_csv_table, split_table


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def table_of(tmp_path, n=20):
    rows = "\n".join(f"{i},{2 * i},{i % 7 + 0.5}" for i in range(n))
    return read_csv_table(write(tmp_path, "a,b,y\n" + rows + "\n"))


def test_reads_names_and_numbers(tmp_path):
    path = write(tmp_path, ' a , "b",y\n1,2.5,-3e2\n\n4, 5 ,6\n', encoding="utf-8-sig")
    table = read_csv_table(path)
    assert table.columns == ("a", "b", "y")  # names stripped, byte-order mark dropped
    np.testing.assert_array_equal(table.values, [[1, 2.5, -300], [4, 5, 6]])  # blank line skipped
    assert table.values.dtype == np.float64 and not table.values.flags.writeable
    np.testing.assert_array_equal(table.column("b"), [2.5, 5])


def test_a_changed_file_is_read_again(tmp_path):
    path = write(tmp_path, "a,y\n1,2\n3,4\n")
    assert read_csv_table(path).n_rows == 2
    path.write_text("a,y\n1,2\n3,4\n5,6\n")
    os.utime(path, ns=(0, 10**18))  # a new modification time even on a coarse clock
    assert read_csv_table(path).n_rows == 3


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "is empty; expected a header row"),
        ("\n \n", "is empty; expected a header row"),
        ("a,b,y\n", "has a header but no rows of data"),
        ("a,b,y\n1,2,3\n", "has one row of data; a train/test split needs at least two"),
        (
            "1,2,3\n4,5,6\n7,8,9\n",
            "the first row holds numbers (1, 2, 3); it must name the columns",
        ),
        ("a,,y\n1,2,3\n4,5,6\n", "column 2 has no name"),
        ("a,b,a\n1,2,3\n4,5,6\n", "the header names column 'a' twice"),
        ("a;b;y\n1;2;3\n4;5;6\n", "looks separated by ';'"),
        ("a,b,y\n1,2,3\n4,5\n", "row 2 (line 3) has 2 values; the header names 3 columns"),
        (
            "a,b,y\n1,2,3\n4,five,6\n",
            "column 'b', row 2 (line 3) holds 'five', which is not a number",
        ),
        ("a,b,y\n1,2,3\n4,,6\n", "column 'b', row 2 (line 3) is empty"),
        (
            "a,b,y\n1,2,nan\n4,5,6\n",
            "column 'y', row 1 (line 2) is 'nan'; every value must be finite",
        ),
        ("a,b,y\n1,2,3\n\n4,-inf,6\n", "column 'b', row 2 (line 4) is '-inf'"),
    ],
)
def test_bad_files_are_refused_in_one_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(SciMLError) as error:
        read_csv_table(path)
    message = str(error.value)
    assert expected in message and "\n" not in message, message
    assert str(path) in message


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(SciMLError, match=r"CSV file '.*absent.csv' does not exist"):
        read_csv_table(tmp_path / "absent.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes("caf\xe9,y\n1,2\n3,4\n".encode("latin-1"))
    with pytest.raises(SciMLError, match="is not a UTF-8 text file"):
        read_csv_table(path)


def test_split_is_a_seeded_permutation_of_the_rows(tmp_path):
    table = table_of(tmp_path, n=20)
    split = split_table(table, "y", 0.25, seed=0)
    assert split.input_columns == ("a", "b") and split.target_columns == ("y",)
    assert split.train_inputs.shape == (15, 2) and split.train_targets.shape == (15, 1)
    assert split.test_inputs.shape == (5, 2) and split.test_targets.shape == (5, 1)
    rows = np.concatenate([split.train_rows, split.test_rows])
    np.testing.assert_array_equal(np.sort(rows), np.arange(20))  # every row once
    np.testing.assert_array_equal(split.test_inputs, table.values[split.test_rows][:, :2])
    np.testing.assert_array_equal(split.test_targets[:, 0], table.values[split.test_rows, 2])
    again = split_table(table, "y", 0.25, seed=0)
    np.testing.assert_array_equal(again.test_rows, split.test_rows)
    other = split_table(table, "y", 0.25, seed=1)
    assert not np.array_equal(other.test_rows, split.test_rows)


def test_split_keeps_a_row_on_each_side_and_any_column_can_be_the_target(tmp_path):
    table = table_of(tmp_path, n=3)
    assert len(split_table(table, "y", 0.01, seed=0).test_rows) == 1
    assert len(split_table(table, "y", 0.99, seed=0).train_rows) == 1
    split = split_table(table, "a", 0.5, seed=0)
    assert split.input_columns == ("b", "y") and split.target_columns == ("a",)


def test_split_refusals(tmp_path):
    table = table_of(tmp_path)
    with pytest.raises(SciMLError, match=r"has no column 'z'; columns: a, b, y"):
        split_table(table, "z", 0.2, seed=0)
    for fraction in (0.0, 1.0, -0.5):
        with pytest.raises(SciMLError, match=r"for test_fraction: expected a number in \(0, 1\)"):
            split_table(table, "y", fraction, seed=0)
    constant = read_csv_table(write(tmp_path, "a,y\n1,3\n2,3\n3,3\n", "constant.csv"))
    with pytest.raises(SciMLError, match="target column 'y' is constant"):
        split_table(constant, "y", 0.2, seed=0)
    alone = read_csv_table(write(tmp_path, "y\n1\n2\n", "alone.csv"))
    with pytest.raises(SciMLError, match="has only the target column 'y'"):
        split_table(alone, "y", 0.5, seed=0)
