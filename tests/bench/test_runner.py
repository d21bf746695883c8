"""sciml bench: the manifest is valid, changes beyond 20% are flagged, results are written."""

import json
import math
import subprocess
import sys

import pytest

from sciml.bench import load_manifest, run_bench
from sciml.bench.runner import BenchRun, compare_to_record, select
from sciml.core.errors import SciMLError

TINY = """
[[run]]
id = "tiny/right"
group = "Tiny"
problem = "burgers"
method = "deeponet"
budget = "smoke"
threads = 1
recorded = {{ rel_l2 = {right} }}

[[run]]
id = "tiny/wrong"
group = "Tiny"
problem = "burgers"
method = "deeponet"
budget = "smoke"
threads = 1
recorded = {{ rel_l2 = {wrong} }}

[[run]]
id = "tiny/script"
group = "Scripts"
script = "benchmarks/no_such_script.py"
recorded = {{ rel_l2 = 0.1 }}
"""


def test_the_shipped_manifest_is_valid_and_has_a_quick_subset():
    runs = load_manifest()  # plans every run: problem, method, budget and --set values
    assert len({r.id for r in runs}) == len(runs) >= 20
    quick = select(runs, quick=True, only=None)
    assert quick and all(r.budget == "smoke" and r.recorded.get("rel_l2") for r in quick)
    full = select(runs, quick=False, only=None)
    assert not set(r.id for r in quick) & set(r.id for r in full)
    assert any(r.script == "benchmarks/burgers_vs_deepxde.py" for r in full)


def test_flags_a_change_of_more_than_twenty_percent():
    run = BenchRun("a", "g", "burgers", "pinn", recorded={"rel_l2": 1e-2, "train_seconds": 100})
    assert compare_to_record(run, {"rel_l2": 1.19e-2, "train_seconds": 300}, timing=False) == []
    assert compare_to_record(run, {"rel_l2": 0.81e-2}, timing=False) == []
    assert len(compare_to_record(run, {"rel_l2": 1.21e-2}, timing=False)) == 1
    assert len(compare_to_record(run, {"rel_l2": 0.79e-2}, timing=False)) == 1  # better counts
    flags = compare_to_record(run, {"rel_l2": 1e-2, "train_seconds": 130}, timing=True)
    assert flags == ["train_seconds 130 vs recorded 100 (30% change)"]
    assert compare_to_record(run, {"rel_l2": math.nan}, timing=False)  # NaN is a change


def test_run_bench_writes_results_and_flags_the_wrong_record(tmp_path):
    first = run_bench(
        only=["smoke/burgers/deeponet"],
        out=tmp_path / "one",
        progress=False,
        report=lambda line: None,
    )
    value = first[0]["measured"]["rel_l2"]
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(TINY.format(right=value * 1.05, wrong=value * 2))
    lines = []
    rows = run_bench(
        quick=False,
        only=["tiny/right", "tiny/wrong", "tiny/script"],
        out=tmp_path / "b",
        manifest=manifest,
        progress=False,
        report=lines.append,
    )
    assert lines[0].startswith("sciml bench: 3 runs, expected about")
    assert [r["status"] for r in rows] == ["ok", "changed", rows[2]["status"]]
    assert rows[0]["measured"]["rel_l2"] == value  # same seed, same thread count, same number
    assert "not in this installation" in rows[2]["status"] and rows[2]["flags"] == []
    saved = json.loads((tmp_path / "b" / "results.json").read_text())
    assert [r["id"] for r in saved] == ["tiny/right", "tiny/wrong", "tiny/script"]
    table = (tmp_path / "b" / "results.md").read_text()
    assert "## Tiny" in table and "## Scripts" in table and "| tiny/wrong | rel_l2 |" in table


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[run]]\nid = 'a'\ngroup = 'g'\nproblem = 'burgerz'\nmethod = 'pinn'\n", "burgerz"),
        (
            "[[run]]\nid = 'a'\ngroup = 'g'\nproblem = 'burgers'\nmethod = 'pinn'\ncolour = 1\n",
            "colour",
        ),
        (
            "[[run]]\nid = 'a'\ngroup = 'g'\nproblem = 'burgers'\nmethod = 'pinn'\n"
            "[[run]]\nid = 'a'\ngroup = 'g'\nproblem = 'burgers'\nmethod = 'pinn'\n",
            "twice",
        ),
        ("[[run]\n", "not valid TOML"),
    ],
)
def test_bad_manifests_fail_in_one_line_before_any_run(tmp_path, text, message):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(SciMLError, match=message):
        load_manifest(path)


def test_cli_unknown_run_id_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "from sciml.cli import main; main()", "bench", "--only", "nope"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown bench run 'nope'; choices:" in result.stderr.strip()
