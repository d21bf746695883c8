"""Property-based fuzzing of the HDF5 surrogate loader: random files, byte-mutated model files and
structurally mutated ones (attributes, JSON config, weights, links) either load and predict, or
fail with a one-line SciMLError -- never another exception, a crash or a hang. Each case runs in
a forked child under a time limit, so that a crash or a hang is seen, not suffered.

``SCIML_FUZZ_EXAMPLES`` multiplies the number of cases (e.g. 20 for a long fuzzing run)."""

import json
import os
import shutil
import tempfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sciml
from sciml.core.errors import SciMLError
from tests.hostile.forked import run_forked

SCALE = int(os.environ.get("SCIML_FUZZ_EXAMPLES", "1"))
FUZZ = settings(
    deadline=30_000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


ORIGINAL: list[bytes] = []  # the trained model file (not an argument: examples print short)


@pytest.fixture(autouse=True)
def _original(trained):
    if not ORIGINAL:
        ORIGINAL.append((trained / "model.h5").read_bytes())


def _load_and_predict(path):
    def target():
        surrogate = sciml.load(path)
        try:
            surrogate.predict(np.array([[1.0, 0.5], [3.0, 0.0]]))
        except SciMLError as error:
            assert "\n" not in str(error)
            raise

    return target


def _check(data: bytes, mutate=None):
    folder = tempfile.mkdtemp(prefix="sciml-fuzz-")
    try:
        path = os.path.join(folder, "model.h5")
        with open(path, "wb") as f:
            f.write(data)
        if mutate is not None:
            try:
                with h5py.File(path, "r+") as f:
                    mutate(f)
            except (OSError, KeyError, ValueError, TypeError, RuntimeError):
                pass  # h5py refused to make this change: the file stays as it was
        outcome, detail = run_forked(_load_and_predict(path), timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert outcome in ("ok", "sciml-error"), f"{outcome}: {detail}"
    if outcome == "sciml-error":
        assert "\n" not in detail and len(detail) <= 500, detail


@settings(FUZZ, max_examples=40 * SCALE)
@given(st.binary(max_size=4096), st.booleans())
def test_fuzz_random_files(data, signature):
    _check((b"\x89HDF\r\n\x1a\n" if signature else b"") + data)


@settings(FUZZ, max_examples=80 * SCALE)
@given(
    st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1, max_size=30),
    st.one_of(st.none(), st.integers(0, 10**9)),
)
def test_fuzz_byte_mutations_of_a_model_file(flips, cut):
    raw = bytearray(ORIGINAL[0])
    for position, value in flips:
        raw[position % len(raw)] = value
    if cut is not None:
        raw = raw[: cut % len(raw)]
    _check(bytes(raw))


JSON = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(), st.text(max_size=8)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
ATTRIBUTES = ["format", "format_version", "problem", "method", "task", "inputs", "outputs"]
ATTRIBUTES += ["config", "metrics", "metadata"]
CONFIG_PATHS = [
    ("network", "type"),
    ("network", "kwargs"),
    ("network", "kwargs", "edges"),
    ("network", "kwargs", "time_index"),
    ("network", "kwargs", "window"),
    ("network", "kwargs", "window", "width"),
    ("network", "kwargs", "window", "depth"),
    ("network", "kwargs", "window", "activation"),
    ("network", "kwargs", "window", "initial"),
    ("network", "kwargs", "window", "lower"),
    ("network", "kwargs", "window", "periods"),
    ("options",),
    ("options", "lr"),
    ("problem",),
    ("problem", "name"),
    ("problem", "equation"),
    ("problem", "task"),
    ("problem", "seed"),
    ("problem", "source"),
    ("problem", "parameters"),
    ("problem", "parameters", "nx"),
    ("problem", "parameters", "beta"),
    ("problem", "parameters", "u0"),
]
VALUES = st.one_of(
    JSON,
    st.sampled_from(
        [10**9, -1, 0, 2**63, 1e308, "9**9**9**9", "__import__('os')", "burgers", "operator"]
    ),
)


class Mutation:
    """A change to an open file that prints as what it does (for falsifying examples)."""

    def __init__(self, text, change):
        self.text, self.change = text, change

    def __call__(self, f):
        self.change(f)

    def __repr__(self):
        return self.text


@st.composite
def mutations(draw):
    """One change to an open model file, as an h5py editor (or a bit of bad luck) might make."""
    kind = draw(
        st.sampled_from(
            ["attribute", "delete attribute", "config", "weight", "delete weight", "extra", "link"]
        )
    )
    if kind == "attribute":
        name = draw(st.sampled_from(ATTRIBUTES))
        value = draw(st.one_of(st.text(max_size=30), JSON.map(json.dumps), st.integers()))

        def mutate(f):
            f.attrs[name] = value

    elif kind == "delete attribute":
        name = draw(st.sampled_from(ATTRIBUTES))

        def mutate(f):
            del f.attrs[name]

    elif kind == "config":
        path = draw(st.sampled_from(CONFIG_PATHS))
        value = draw(VALUES)

        def mutate(f):
            config = json.loads(f.attrs["config"])
            node = config
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            f.attrs["config"] = json.dumps(config)

    elif kind in ("weight", "delete weight"):
        index = draw(st.integers(0, 100))
        shape = tuple(draw(st.lists(st.integers(0, 6), max_size=3)))
        dtype = draw(st.sampled_from(["f4", "f8", "i4", "u1", "c8", "?", "S3"]))
        fill = draw(st.sampled_from([0.0, np.nan, np.inf, 1e30]))

        def mutate(f):
            names = sorted(f["weights"])
            name = names[index % len(names)]
            del f["weights"][name]
            if kind == "weight":
                data = np.full(shape, fill if dtype in ("f4", "f8", "c8") else 1).astype(dtype)
                f["weights"].create_dataset(name, data=data)

    elif kind == "extra":
        where = draw(st.sampled_from(["weights", "arrays"]))
        shape = tuple(draw(st.lists(st.integers(0, 10**7), max_size=3)))

        def mutate(f):
            f[where].create_dataset("extra", shape=shape, dtype="f8")

    else:
        target = draw(st.sampled_from(["soft", "external", "group"]))

        def mutate(f):
            name = sorted(f["weights"])[0]
            del f["weights"][name]
            if target == "soft":
                f["weights"][name] = h5py.SoftLink("/arrays")
            elif target == "external":
                f["weights"][name] = h5py.ExternalLink("/dev/zero", "/x")
            else:
                f["weights"].create_group(name)

    return Mutation(f"{kind}: {', '.join(map(repr, locals_of(mutate)))}", mutate)


def locals_of(function):
    """The values a mutation closes over (its description)."""
    return [cell.cell_contents for cell in function.__closure__ or ()]


@settings(FUZZ, max_examples=100 * SCALE)
@given(st.lists(mutations(), min_size=1, max_size=3))
def test_fuzz_structural_mutations_of_a_model_file(changes):
    def mutate(f):
        for change in changes:
            try:
                change(f)
            except (KeyError, ValueError, TypeError, IndexError, AttributeError, OSError):
                pass  # not applicable to this file

    _check(ORIGINAL[0], mutate)
