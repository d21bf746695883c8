"""Dataset cache: corrupt entries are regenerated, unwritable caches only cost a recomputation."""

import numpy as np

from sciml.core.errors import SciMLError
from sciml.data.cache import cache_path, cached
from sciml.data.field import cached_reference, read_field_reference
from sciml.problems.base import load_problem

SMALL = {"resolution": "32", "t_end": "0.1", "nt": "2"}


def test_a_corrupt_cache_entry_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIML_DATA_DIR", str(tmp_path))
    problem = load_problem("navier-stokes", overrides=SMALL, seed=3)
    first = cached_reference(problem)
    path = cache_path(problem)
    assert path.parent == tmp_path and path.name.startswith("navier-stokes-field-")
    np.testing.assert_array_equal(read_field_reference(path).values, first.values)
    path.write_bytes(b"not an HDF5 file")
    again = cached_reference(problem)
    np.testing.assert_array_equal(again.values, first.values)
    np.testing.assert_array_equal(read_field_reference(path).values, first.values)


def test_cached_computes_once_and_survives_an_unwritable_cache(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return 42

    def fail(_path, _value):
        raise OSError("read-only file system")

    def read(_path):
        raise SciMLError("unreadable")

    assert cached(tmp_path / "x.h5", read, compute, fail) == 42
    assert not (tmp_path / "x.h5").exists() and len(calls) == 1
    written = tmp_path / "y.h5"

    def read_int(path):
        return int(path.read_text())

    def write_int(path, value):
        path.write_text(str(value))

    assert cached(written, read_int, compute, write_int) == 42
    assert cached(written, read_int, compute, write_int) == 42
    assert len(calls) == 2  # the second call read the file
