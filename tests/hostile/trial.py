"""The hostile trial: bad inputs and faults that a new user might try, each run as the ``sciml``
command in its own process, and each outcome classified.

    python -m tests.hostile.trial                 # all cases, a table and the counts
    python -m tests.hostile.trial --only cache    # cases whose name contains "cache"
    python -m tests.hostile.trial --subprocess    # fresh interpreters instead of forks (slow)

Every case is a process: forked from this one after ``import sciml`` (the import is the slow
part of a fresh interpreter, and a fork still gives a real exit status, real stdout and stderr, a
real signal and a time limit), or a fresh ``python -c "from sciml.cli import main; main()"``
with ``--subprocess``. Outcomes:

* ``clean``: a refusal -- non-zero exit, one ``error:`` line of at most 600 characters on
  stderr (``warning:`` lines allowed), no traceback -- where the case expects one;
* ``ok``: a valid request that did what it should (the case's check passed);
* ``traceback``, ``hang`` (killed after the time limit), ``crash`` (killed by a signal the case
  did not send), ``unclean`` (a refusal of several lines, or none);
* ``wrong result``: exit 0 where a refusal was due, or a result that the case's check finds wrong
  (e.g. a resumed run that differs from the uninterrupted one);
* ``data loss``: a good file damaged or lost (e.g. model.h5 overwritten by a refused run).

The target is 0 in every category but clean and ok. Exit status 1 when any case misses it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BAD = ("traceback", "hang", "crash", "unclean", "wrong result", "data loss")
TINY = {
    "adam_steps": 5,
    "lbfgs_steps": 0,
    "nx": 16,
    "nt": 2,
    "width": 8,
    "depth": 2,
    "n_collocation": 64,
    "n_initial": 16,
    "n_boundary": 16,
}
LONG = {**TINY, "adam_steps": 20, "lbfgs_steps": 300, "checkpoint_every": 5, "eval_every": 10**4}
OPERATOR = {"n_train": 2, "n_test": 1, "resolution": 16, "generation_resolution": 64}


# -- running one command ----------------------------------------------------------------------
@dataclass
class Result:
    code: int | None  # exit status; None: killed by the time limit
    stdout: str
    stderr: str
    signal: int | None = None  # the signal that ended it

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


@dataclass
class Trial:
    root: Path
    use_subprocess: bool = False
    timeout: float = 180.0
    env: dict[str, str] = field(default_factory=dict)
    runs: int = 0

    def run(
        self,
        args: list[str],
        cwd: Path,
        env: dict[str, str] | None = None,
        during: Callable[[int, Path], None] | None = None,
        python: Callable[[], Any] | None = None,
        umask: int | None = None,
        timeout: float | None = None,
    ) -> Result:
        """``sciml ARGS`` (or ``python()``) in ``cwd``; ``during(pid, cwd)`` runs meanwhile."""
        cwd.mkdir(parents=True, exist_ok=True)
        self.runs += 1  # each command its own files: a check may run further commands here
        out, err = cwd / f".stdout-{self.runs}", cwd / f".stderr-{self.runs}"
        environment = {**self.env, **(env or {})}
        if self.use_subprocess and python is None:
            pid = self._spawn(args, cwd, environment, out, err, umask)
        else:
            pid = self._fork(args, cwd, environment, out, err, python, umask)
        if during is not None:
            try:
                during(pid, cwd)
            except Exception as error:  # noqa: BLE001 - the trial goes on; the check will see
                print(f"  (during: {error})", file=sys.stderr)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return Result(
                    None, out.read_text(errors="replace"), err.read_text(errors="replace")
                )
            time.sleep(0.01)
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        killed = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        return Result(
            code if killed is None else -killed,
            out.read_text(errors="replace"),
            err.read_text(errors="replace"),
            killed,
        )

    def _spawn(self, args, cwd, env, out, err, umask) -> int:
        def prepare() -> None:
            if umask is not None:
                os.umask(umask)

        import sciml

        command = [sys.executable, "-c", "from sciml.cli import main; main()", *args]
        root = str(Path(sciml.__file__).resolve().parents[1])  # this sciml, not an installed one
        with open(out, "w") as stdout, open(err, "w") as stderr:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env={**os.environ, **env, "PYTHONPATH": root},
                stdout=stdout,
                stderr=stderr,
                preexec_fn=prepare,
            )
        return process.pid

    def _fork(self, args, cwd, env, out, err, python, umask) -> int:
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:  # the child: become the command, never return
            os.chdir(cwd)
            os.environ.update(env)
            if umask is not None:
                os.umask(umask)
            for fd, path in ((1, out), (2, err)):
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(handle, fd)
                os.close(handle)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - lives as long as the child
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            code = _child(args, python)
        except BaseException:  # noqa: BLE001 - the child reports everything on its stderr
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _child(args: list[str], python: Callable[[], Any] | None) -> int:
    import warnings

    from sciml.cli import _one_line_warning, main
    from sciml.core.errors import SciMLError

    if python is None:
        sys.argv = ["sciml", *args]
        try:
            main()
        except SystemExit as done:
            return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        return 0
    warnings.formatwarning = _one_line_warning
    try:
        python()
    except SciMLError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


# -- what a case is -----------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    args: list[str] = field(default_factory=list)
    expect: str = "error"  # "error": a clean refusal; "ok": success; "any": the check decides
    contains: str = ""  # text the refusal must hold
    setup: Callable[[Trial, Path], None] | None = None
    during: Callable[[int, Path], None] | None = None
    check: Callable[[Trial, Path, Result], str | None] | None = None  # "wrong result: ..."
    python: Callable[[], Any] | None = None
    env: dict[str, str] = field(default_factory=dict)
    umask: int | None = None
    timeout: float | None = None


def classify(case: Case, result: Result, check: str | None) -> tuple[str, str]:
    """(category, detail) of one case's result."""
    if result.code is None:
        return "hang", "killed after the time limit"
    if "Traceback (most recent call last)" in result.stderr:
        return "traceback", _last(result.stderr)
    if check and check.split(":")[0] in BAD:
        category, _, detail = check.partition(": ")
        return category, detail
    if result.signal is not None and case.expect != "any":
        return "crash", f"signal {result.signal}"
    errors = [line for line in result.lines if line.startswith("error:")]
    others = [line for line in result.lines if not line.startswith(("error:", "warning:"))]
    if case.expect == "error":
        if result.code == 0:
            return "wrong result", "accepted: " + (result.stdout.strip()[-150:] or "exit 0")
        if len(errors) != 1 or others or len(errors[0]) > 600:
            return "unclean", " | ".join(result.lines)[:300] or f"exit {result.code}, no message"
        if case.contains and case.contains not in errors[0]:
            return "wrong result", f"refused for another reason: {errors[0][:200]}"
        return "clean", errors[0][:200]
    if case.expect == "ok" and result.code != 0:
        return "wrong result", f"exit {result.code}: " + " | ".join(result.lines)[:250]
    if case.expect == "ok" and others:
        return "unclean", " | ".join(others)[:250]
    if case.expect == "any":  # the check decided: the designed outcome
        return "ok", (_last(result.stderr) or f"exit {result.code}")[:200]
    return ("clean" if result.code else "ok"), (check or _last(result.stderr) or "exit 0")[:200]


def _last(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


# -- building blocks for the cases ----------------------------------------------------------------
def sets(values: dict[str, Any]) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]


def solve(problem="convection-diffusion", method="pinn", out="run", values=TINY, *extra) -> list:
    return ["solve", problem, "--method", method, "--budget", "smoke", "--device", "cpu"] + [
        "--out",
        out,
        "-q",
        *sets(values),
        *extra,
    ]


def copy_run(name: str, checkpoint: bool = True) -> Callable[[Trial, Path], None]:
    """Setup: the baseline run ``name`` copied to ``run/`` (without its checkpoint: a finished
    earlier run whose outputs a new run must not damage)."""

    def setup(trial: Trial, case_dir: Path) -> None:
        shutil.copytree(trial.root / "baseline" / name, case_dir / "run")
        if not checkpoint:
            for path in (case_dir / "run").glob("checkpoint-*.pt"):
                path.unlink()

    return setup


def edit_model(change: Callable[[Any], None], name: str = "tiny") -> Callable[[Trial, Path], None]:
    """Setup: the baseline model copied to ``model.h5`` and changed with h5py."""

    def setup(trial: Trial, case_dir: Path) -> None:
        import h5py

        case_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(trial.root / "baseline" / name / "model.h5", case_dir / "model.h5")
        with h5py.File(case_dir / "model.h5", "r+") as f:
            change(f)

    return setup


def config_change(path: tuple, value: Any) -> Callable[[Any], None]:
    def change(f: Any) -> None:
        config = json.loads(f.attrs["config"])
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        f.attrs["config"] = json.dumps(config)

    return change


def write(name: str, text: str | bytes) -> Callable[[Trial, Path], None]:
    def setup(trial: Trial, case_dir: Path) -> None:
        case_dir.mkdir(parents=True, exist_ok=True)
        target = case_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())

    return setup


def unchanged(*names: str) -> Callable[[Trial, Path, Result], str | None]:
    """Check: the baseline run's files in ``run/`` are byte for byte what the setup put there."""

    def check(trial: Trial, case_dir: Path, result: Result) -> str | None:
        for name in names:
            before = (trial.root / "baseline" / "tiny" / name).read_bytes()
            path = case_dir / "run" / name
            if not path.exists() or path.read_bytes() != before:
                return f"data loss: run/{name} was changed or removed"
        return None

    return check


def metrics_equal(baseline: str, run: str = "run") -> Callable[[Trial, Path, Result], str | None]:
    """Check: run/metrics.json has the baseline's headline metric and steps."""

    def check(trial: Trial, case_dir: Path, result: Result) -> str | None:
        path = case_dir / run / "metrics.json"
        if not path.exists():
            return None if result.code else "wrong result: no metrics.json"
        ours = json.loads(path.read_text())
        theirs = json.loads((trial.root / "baseline" / baseline / "metrics.json").read_text())
        for key in ("rel_l2", "steps"):
            if ours.get(key) != theirs.get(key):
                return f"wrong result: {key} {ours.get(key)} != uninterrupted {theirs.get(key)}"
        return None

    return check


def warned_once(trial: Trial, case_dir: Path, result: Result) -> str | None:
    warnings = [line for line in result.lines if "regenerating" in line]
    if len(warnings) != 1:
        return f"unclean: {len(warnings)} cache warnings"
    return metrics_equal("tiny")(trial, case_dir, result)


def both(*checks: Callable) -> Callable[[Trial, Path, Result], str | None]:
    def check(trial: Trial, case_dir: Path, result: Result) -> str | None:
        for one in checks:
            found = one(trial, case_dir, result)
            if found:
                return found
        return None

    return check


def wait_for(path: Path, seconds: float = 120.0, phase: int | None = None) -> None:
    import torch

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            if phase is None:
                return
            try:
                if torch.load(path, weights_only=True)["phase_index"] == phase:
                    return
            except Exception:  # noqa: BLE001, S110 - being replaced: look again
                pass
        time.sleep(0.02)
    raise TimeoutError(f"{path} did not appear")


def interrupt(phase: int, sig: int = signal.SIGINT) -> Callable[[int, Path], None]:
    """During: send ``sig`` once the run's checkpoint reaches ``phase`` (0 Adam, 1 L-BFGS)."""

    def during(pid: int, case_dir: Path) -> None:
        wait_for(case_dir / "run" / "checkpoint-window0.pt", phase=phase)
        os.kill(pid, sig)

    return during


def resumed_equals_straight(trial: Trial, case_dir: Path, result: Result) -> str | None:
    """Check after a Ctrl-C: the hint was printed, exit 130, and --resume gives the uninterrupted
    metrics."""
    if result.code != 130:
        return f"wrong result: exit {result.code} after Ctrl-C"
    if result.lines != ["interrupted; rerun with --resume to continue from the last checkpoint"]:
        return f"unclean: {' | '.join(result.lines)[:200]}"
    again = trial.run(solve(values=LONG) + ["--resume"], case_dir)
    if again.code != 0:
        return f"wrong result: resume failed: {' | '.join(again.lines)[:200]}"
    return metrics_equal("long")(trial, case_dir, again)


def old_model_survives(trial: Trial, case_dir: Path, result: Result) -> str | None:
    """Check after kill -9: the model.h5 of the earlier run is intact and loads."""
    before = (trial.root / "baseline" / "tiny" / "model.h5").read_bytes()
    path = case_dir / "run" / "model.h5"
    if not path.exists() or path.read_bytes() != before:
        return "data loss: the earlier model.h5 was damaged"
    return None


def second_run_refused(trial: Trial, case_dir: Path, result: Result) -> str | None:
    second = Result(*json.loads((case_dir / ".second.json").read_text()))
    category, detail = classify(Case("second", contains="in use"), second, None)
    if category != "clean":
        return f"{category}: second run: {detail}" if category in BAD else None
    if result.code != 0:
        return f"wrong result: the first run failed: {' | '.join(result.lines)[:200]}"
    return None


def start_second_run(trial: Trial) -> Callable[[int, Path], None]:
    def during(pid: int, case_dir: Path) -> None:
        wait_for(case_dir / "run" / ".sciml.lock")
        second = trial.run(solve(out=str(case_dir / "run"), values=LONG), case_dir / "second")
        (case_dir / ".second.json").write_text(
            json.dumps([second.code, second.stdout, second.stderr, second.signal])
        )

    return during


def cache_entry(trial: Trial, case_dir: Path) -> Path:
    """The dataset cache entry of the tiny run, generated in the case's own cache."""
    data = case_dir / "datasets"
    trial.run(
        ["data", "convection-diffusion", "--set", "nx=16", "--set", "nt=2"],
        case_dir,
        env={"SCIML_DATA_DIR": str(data)},
    )
    return next(data.glob("convection-diffusion-field-*.h5"))


def damage_cache(change: Callable[[Path], None]) -> Callable[[Trial, Path], None]:
    def setup(trial: Trial, case_dir: Path) -> None:
        change(cache_entry(trial, case_dir))

    return setup


def h5_edit(edit: Callable[[Any], None]) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        import h5py

        with h5py.File(path, "r+") as f:
            edit(f)

    return change


def _wrong_shape(f: Any) -> None:
    import numpy as np

    del f["fields/u"]
    f["fields/u"] = np.zeros((3, 3))


def _values_edited(f: Any) -> None:
    f["fields/u"][0, 0] += 1.0


def another_problems_entry(trial: Trial, case_dir: Path) -> None:
    path = cache_entry(trial, case_dir)
    other = case_dir / "other"
    trial.run(
        ["data", "convection-diffusion", "--set", "nx=16", "--set", "nt=2", "--set", "beta=7"],
        other,
        env={"SCIML_DATA_DIR": str(other / "datasets")},
    )
    shutil.copy(next((other / "datasets").glob("*.h5")), path)


def predict_with(points: Any) -> Callable[[], None]:
    def run() -> None:
        import sciml

        model = sciml.load("model.h5")
        values = model.predict(points)
        print(values.shape)

    return run


# -- the cases ----------------------------------------------------------------------------------
def cases(trial: Trial) -> list[Case]:
    import numpy as np

    nan_points = np.array([[1.0, 0.5], [np.nan, 0.2]])
    cd = "convection-diffusion"
    big = 9 * 10**20
    out: list[Case] = [
        # command line and problem parameters
        Case("unknown problem", solve("burgerz"), contains="unknown problem"),
        Case("unknown method", solve(cd, "pinnn"), contains="unknown method"),
        Case("missing --method", ["solve", cd], contains="--method"),
        Case("unknown command", ["solv", cd], contains="solv"),
        Case("--set without =", solve() + ["--set", "nu"], contains="KEY=VALUE"),
        Case("--set empty key", solve() + ["--set", "=3"], contains="KEY=VALUE"),
        Case("--set unknown key", solve() + ["--set", "nuu=1"], contains="nuu"),
        Case("parameter out of range", solve(values={**TINY, "beta": 1000}), contains="beta"),
        Case("parameter nan", solve(values={**TINY, "beta": "nan"}), contains="beta"),
        Case("parameter inf", solve(values={**TINY, "beta": "inf"}), contains="beta"),
        Case("parameter -inf", solve(values={**TINY, "nu": "-inf"}), contains="nu"),
        Case("parameter empty", solve(values={**TINY, "beta": ""}), contains="beta"),
        Case("parameter text", solve(values={**TINY, "beta": "fast"}), contains="beta"),
        Case("parameter huge", solve(values={**TINY, "beta": "1e400"}), contains="beta"),
        Case("int parameter 2.7", solve(values={**TINY, "nx": 2.7}), contains="nx"),
        Case("int parameter 1e9", solve(values={**TINY, "nx": "1e9"}), contains="nx"),
        Case("int parameter hex", solve(values={**TINY, "nx": "0x10"}), contains="nx"),
        Case("bad budget", solve() + ["--budget", "huge"], contains="budget"),
        Case("bad device", solve() + ["--device", "tpu"], contains="device"),
        Case("cuda without cuda", solve() + ["--device", "cuda"], contains="cuda"),
        Case("negative seed", solve() + ["--seed", "-1"], contains="seed"),
        Case("huge seed", solve() + ["--seed", str(big)], contains="seed"),
        Case("seed text", solve() + ["--seed", "abc"], contains="seed"),
        # method options (item 6)
        Case("n_collocation 1e12", solve(values={**TINY, "n_collocation": "1e12"}), contains="n_"),
        Case("lr nan", solve(values={**TINY, "lr": "nan"}), contains="lr"),
        Case("lr zero", solve(values={**TINY, "lr": 0}), contains="lr"),
        Case("lr negative", solve(values={**TINY, "lr": -1}), contains="lr"),
        Case("eval_every 0", solve(values={**TINY, "eval_every": 0}), contains="eval_every"),
        Case("width 0", solve(values={**TINY, "width": 0}), contains="width"),
        Case("width -5", solve(values={**TINY, "width": -5}), contains="width"),
        Case("activation __import__", solve(values={**TINY, "activation": "__import__"})),
        Case("dtype float16", solve(values={**TINY, "dtype": "float16"}), contains="dtype"),
        Case("negative adam steps", solve(values={**TINY, "adam_steps": -1}), contains="adam"),
        Case("negative lbfgs steps", solve(values={**TINY, "lbfgs_steps": -5}), contains="lbfgs"),
        Case("adam_steps 2.7", solve(values={**TINY, "adam_steps": 2.7}), contains="adam"),
        Case("embedding bogus", solve(values={**TINY, "embedding": "bogus"}), contains="embed"),
        Case("resample maybe", solve(values={**TINY, "resample": "maybe"}), contains="resample"),
        Case("ic_weight 1e300", solve(values={**TINY, "ic_weight": "1e300"}), contains="ic_"),
        Case(
            "window_length 1e-300",
            solve(cd, "causal-pinn", "run", {**TINY, "window_length": "1e-300"}),
            contains="window",
        ),
        Case(
            "eps_schedule with nan",
            solve(cd, "causal-pinn", "run", {**TINY, "eps_schedule": "1,nan"}),
            contains="eps",
        ),
        Case("fno epochs -1", solve("burgers", "fno", "run", {**OPERATOR, "epochs": -1})),
        Case("deeponet layers 0", solve("burgers", "deeponet", "run", {"branch_layers": "0,0"})),
        Case("mgno smoothing bad list", solve("burgers", "mgno", "run", {"smoothing": "[1,"})),
        Case("option of another method", solve(values={**TINY, "n_chunks": 4}), contains="n_ch"),
        # formulas (item 2)
        Case("formula 9**9**9**9", solve(values={**TINY, "u0": "9**9**9**9"}), contains="**"),
        Case("formula code", solve(values={**TINY, "u0": "__import__('os').system('id')"})),
        Case("formula 50,000 terms", solve(values={**TINY, "u0": "+".join(["x"] * 50_000)})),
        Case("formula 5,000 parens", solve(values={**TINY, "u0": "(" * 5000 + "x" + ")" * 5000})),
        Case("formula x**x", solve(values={**TINY, "u0": "x**x"}), contains="**"),
        Case("formula 1/0", solve(values={**TINY, "u0": "1/0"}), contains="formula"),
        Case("formula syntax", solve(values={**TINY, "u0": "sin(x"}), contains="formula"),
        Case("formula unknown name", solve(values={**TINY, "u0": "y"}), contains="y"),
        Case("formula attribute", solve(values={**TINY, "u0": "x.real"}), contains="formula"),
        Case("formula lambda", solve(values={**TINY, "u0": "lambda: 1"}), contains="formula"),
        Case("formula ok", solve(values={**TINY, "u0": "sin(x)**2"}), expect="ok"),
        # problem files
        Case("problem file missing", solve("missing.toml"), contains="missing.toml"),
        Case("problem file not TOML", solve("p.toml"), setup=write("p.toml", "name = ")),
        Case("problem file binary", solve("p.toml"), setup=write("p.toml", os.urandom(300))),
        Case("problem file no name", solve("p.toml"), setup=write("p.toml", 'equation="x"\n')),
        Case(
            "problem file unknown equation",
            solve("p.toml"),
            setup=write("p.toml", 'name="p"\nequation="magic"\n[tasks.field]\n'),
            contains="magic",
        ),
        Case(
            "problem file extends itself",
            solve("p.toml"),
            setup=write("p.toml", 'extends="p.toml"\nname="p"\n'),
            contains="extends itself",
        ),
        Case(
            "problem file default out of range",
            solve("p.toml"),
            setup=write(
                "p.toml", 'extends="convection-diffusion"\n[parameters.beta]\ndefault=1e9\n'
            ),
        ),
        Case(
            "problem file formula default hangs",
            solve("p.toml"),
            setup=write(
                "p.toml",
                'extends="convection-diffusion"\n[parameters.u0]\ntype="formula"\n'
                'variables=["x"]\ndefault="9**9**9**9"\n',
            ),
        ),
        Case(
            "problem file bad parameter type",
            solve("p.toml"),
            setup=write("p.toml", 'extends="burgers"\n[parameters.nu]\ntype="exec"\ndefault=1\n'),
        ),
        Case(
            "problem file bad tuned option",
            solve("p.toml"),
            setup=write(
                "p.toml",
                'extends="convection-diffusion"\n[tasks.field.options.smoke.pinn]\nwidth=-1\n',
            ),
            contains="width",
        ),
        Case(
            "problem file bad tuned option, not overridden",
            solve("p.toml", values={k: v for k, v in TINY.items() if k != "depth"}),
            setup=write(
                "p.toml", 'extends="convection-diffusion"\n[tasks.field.options.all]\ndepth=0\n'
            ),
            contains="depth",
        ),
        Case(
            "problem file unknown budget",
            solve("p.toml"),
            setup=write("p.toml", 'extends="burgers"\n[tasks.field.budgets.huge]\nnx=16\n'),
            contains="huge",
        ),
        Case(
            "relative extends from another folder",
            ["list", "files/child.toml"],
            expect="ok",
            setup=lambda trial, d: (
                write("files/base.toml", 'extends="burgers"\nname="base"\n')(trial, d),
                write("files/child.toml", 'extends="base.toml"\nname="child"\n')(trial, d),
                write("base.toml", 'name="decoy"\nequation="lorenz"\n[tasks.field]\n')(trial, d),
            ),
            check=lambda trial, d, r: None if "child" in r.stdout else "wrong result: not child",
        ),
        Case("csv empty", solve("t.csv", "pinn"), setup=write("t.csv", "")),
        Case("csv nan", ["list", "t.csv"], setup=write("t.csv", "x,y\n1,2\nnan,3\n")),
        # tasks and comparisons (item 5)
        Case("method of another task", solve("lorenz", "fno"), contains="fno"),
        Case("compare across tasks", ["compare", "burgers", "--methods", "pinn,fno"]),
        Case("compare nothing", ["compare", "burgers", "--methods", ","]),
        Case("compare twice", ["compare", "burgers", "--methods", "pinn,pinn"]),
        Case("data unknown task", ["data", "lorenz", "--task", "operator"], contains="operator"),
        # memory (item 7)
        Case(
            "operator data 1e5 x 1024^2",
            ["data", "navier-stokes", "--task", "operator"]
            + sets({"n_train": 100000, "generation_resolution": 1024, "resolution": 1024}),
            contains="memory",
        ),
        Case(
            "field reference 1024^2 x 1001",
            ["data", "navier-stokes"] + sets({"resolution": 1024, "nt": 1001}),
            contains="memory",
        ),
        Case(
            "network of a billion parameters",
            solve(values={**TINY, "width": 4096, "depth": 64}),
            contains="memory",
        ),
        Case(
            "a million collocation points",
            solve(values={**TINY, "n_collocation": 10**6, "width": 256}),
            contains="memory",
            env={"SCIML_MEMORY_LIMIT": "2G"},
        ),
        Case("memory limit not a size", solve(), env={"SCIML_MEMORY_LIMIT": "lots"}),
        # model files (items 7, 8, 10)
        Case("eval missing file", ["eval", "absent.h5"], contains="no surrogate file"),
        Case("eval a directory", ["eval", "."], contains="no surrogate file"),
        Case("eval /dev/zero", ["eval", "/dev/zero"]),
        Case("eval empty file", ["eval", "model.h5"], setup=write("model.h5", b"")),
        Case("eval random bytes", ["eval", "model.h5"], setup=write("model.h5", os.urandom(4096))),
        Case(
            "eval truncated model",
            ["eval", "model.h5"],
            setup=lambda trial, d: write(
                "model.h5", (trial.root / "baseline/tiny/model.h5").read_bytes()[:3000]
            )(trial, d),
        ),
        Case(
            "eval a dataset file",
            ["eval", "model.h5"],
            setup=lambda trial, d: shutil.copy(
                next((trial.root / "datasets").glob("*.h5")), d / "model.h5"
            ),
            contains="not a sciml surrogate",
        ),
        Case(
            "eval future format",
            ["eval", "model.h5"],
            setup=edit_model(lambda f: f.attrs.__setitem__("format_version", 99)),
        ),
        Case(
            "eval bad JSON config",
            ["eval", "model.h5"],
            setup=edit_model(lambda f: f.attrs.__setitem__("config", "{oops")),
        ),
        Case(
            "eval unknown network",
            ["eval", "model.h5"],
            setup=edit_model(config_change(("network", "type"), "os.system")),
        ),
        Case(
            "eval wrong weight shapes",
            ["eval", "model.h5"],
            setup=edit_model(_reshape_weight),
            contains="the network needs",
        ),
        Case("eval missing weight", ["eval", "model.h5"], setup=edit_model(_drop_weight)),
        Case(
            "eval network depth 1e9",
            ["eval", "model.h5"],
            setup=edit_model(config_change(("network", "kwargs", "window", "depth"), 10**9)),
        ),
        Case(
            "eval network width 1e7",
            ["eval", "model.h5"],
            setup=edit_model(config_change(("network", "kwargs", "window", "width"), 10**7)),
        ),
        Case(
            "eval declared 8 TB array",
            ["eval", "model.h5"],
            setup=edit_model(
                lambda f: f["arrays"].create_dataset("big", shape=(10**6, 10**6), dtype="f8")
            ),
            contains="memory",
        ),
        Case(
            "eval weight as external link",
            ["eval", "model.h5"],
            setup=edit_model(_external_weight),
            contains="link",
        ),
        Case(
            "eval stored nx = nt = 1e9",
            ["eval", "model.h5"],
            setup=edit_model(
                config_change(("problem", "parameters"), {**_stored(), "nx": 10**9, "nt": 10**9})
            ),
            contains="nx",
        ),
        Case(
            "eval stored formula hangs",
            ["eval", "model.h5"],
            setup=edit_model(
                config_change(("problem", "parameters"), {**_stored(), "u0": "9**9**9**9"})
            ),
            contains="**",
        ),
        Case(
            "eval stored parameter missing",
            ["eval", "model.h5"],
            setup=edit_model(config_change(("problem", "parameters"), {"beta": 30.0})),
        ),
        Case(
            "eval stored huge seed",
            ["eval", "model.h5"],
            setup=edit_model(config_change(("problem", "seed"), 2**70)),
            contains="seed",
        ),
        Case(
            "eval stored unknown equation",
            ["eval", "model.h5"],
            setup=edit_model(config_change(("problem", "equation"), "magic")),
        ),
        Case(
            "eval stored problem not an object",
            ["eval", "model.h5"],
            setup=edit_model(config_change(("problem",), [1, 2])),
        ),
        Case(
            "eval NaN weights",
            ["eval", "model.h5"],
            setup=edit_model(_nan_weights),
            expect="any",
            check=_nan_score_fails,
        ),
        Case(
            "eval good model",
            ["eval", "model.h5"],
            setup=edit_model(lambda f: None),
            expect="ok",
            check=_same_as_stored,
        ),
        Case("predict NaN", python=predict_with(nan_points), setup=edit_model(lambda f: None)),
        Case(
            "predict inf",
            python=predict_with(np.array([[1.0, np.inf]])),
            setup=edit_model(lambda f: None),
        ),
        Case(
            "predict complex",
            python=predict_with(np.array([[1.0 + 1j, 0.5]])),
            setup=edit_model(lambda f: None),
        ),
        Case("predict text", python=predict_with([["a", "b"]]), setup=edit_model(lambda f: None)),
        Case(
            "predict ragged", python=predict_with([[1.0, [2.0]]]), setup=edit_model(lambda f: None)
        ),
        Case(
            "predict 3 columns",
            python=predict_with(np.zeros((2, 3))),
            setup=edit_model(lambda f: None),
        ),
        Case(
            "predict outside the domain warns",
            python=predict_with(np.array([[100.0, 0.5]])),
            setup=edit_model(lambda f: None),
            expect="ok",
            check=lambda trial, d, r: (
                None
                if any("outside the domain" in line for line in r.lines)
                else "wrong result: no warning"
            ),
        ),
        Case(
            "predict field points to an operator",
            python=predict_with(np.array([[0.5, 0.25], [-0.5, 0.75]])),
            setup=edit_model(lambda f: None, name="fno"),
        ),
        Case(
            "generate on a field model",
            python=lambda: __import__("sciml").load("model.h5").generate([1.0], 3),
            setup=edit_model(lambda f: None),
        ),
        Case(
            "api adam_steps 2.7",
            python=lambda: __import__("sciml").solve(cd, "pinn", overrides={"adam_steps": 2.7}),
        ),
        Case(
            "api beta True",
            python=lambda: __import__("sciml").solve(cd, "pinn", overrides={"beta": True}),
        ),
        Case(
            "api lr nan",
            python=lambda: __import__("sciml").solve(cd, "pinn", overrides={"lr": float("nan")}),
        ),
        Case(
            "api seed 2.5",
            python=lambda: __import__("sciml").solve(cd, "pinn", seed=2.5, overrides=TINY),
        ),
        # resume and checkpoints (items 1, 3, 10)
        Case(
            "resume as another parameter",
            solve(values={**TINY, "beta": 50}) + ["--resume"],
            setup=copy_run("tiny"),
            contains="parameters.beta",
            check=unchanged("model.h5", "metrics.json"),
        ),
        Case(
            "resume as another problem",
            solve("burgers") + ["--resume"],
            setup=copy_run("tiny"),
            contains="problem",
            check=unchanged("model.h5", "metrics.json"),
        ),
        Case(
            "resume as another method",
            solve(cd, "causal-pinn") + ["--resume"],
            setup=copy_run("tiny"),
            contains="another run",
            check=unchanged("model.h5"),
        ),
        Case(
            "resume with another seed",
            solve() + ["--resume", "--seed", "1"],
            setup=copy_run("tiny"),
            contains="seed",
            check=unchanged("model.h5"),
        ),
        Case("resume without a checkpoint", solve() + ["--resume"], expect="ok"),
        Case(
            "resume a finished run",
            solve() + ["--resume"],
            setup=copy_run("tiny"),
            expect="ok",
            check=metrics_equal("tiny"),
        ),
        Case(
            "resume random-bytes checkpoint",
            solve() + ["--resume"],
            setup=_checkpoint(lambda path: path.write_bytes(os.urandom(5000))),
            contains="cannot resume",
            check=unchanged("model.h5"),
        ),
        Case(
            "resume pickle-payload checkpoint",
            solve() + ["--resume"],
            setup=_checkpoint(_pickle_payload),
            contains="cannot resume",
            check=_nothing_executed,
        ),
        Case(
            "resume truncated checkpoint",
            solve() + ["--resume"],
            setup=_checkpoint(lambda path: path.write_bytes(path.read_bytes()[:3000])),
            contains="cannot resume",
        ),
        Case(
            "resume checkpoint of wrong shapes",
            solve() + ["--resume"],
            setup=_checkpoint(_checkpoint_wrong_shapes),
            contains="cannot resume",
        ),
        Case(
            "Ctrl-C in Adam, then resume",
            solve(values={**LONG, "adam_steps": 400, "lbfgs_steps": 0}),
            expect="any",
            during=interrupt(0),
            check=lambda trial, d, r: _resumed(
                trial, d, r, {**LONG, "adam_steps": 400, "lbfgs_steps": 0}
            ),
        ),
        Case(
            "Ctrl-C in L-BFGS, then resume",
            solve(values=LONG),
            expect="any",
            during=interrupt(1),
            check=resumed_equals_straight,
        ),
        Case(
            "kill -9 during training keeps the old model",
            solve(values=LONG),
            setup=copy_run("tiny", checkpoint=False),
            expect="any",
            during=interrupt(1, signal.SIGKILL),
            check=old_model_survives,
        ),
        Case(
            "kill -9, then resume",
            solve(values=LONG),
            expect="any",
            during=interrupt(1, signal.SIGKILL),
            check=_resume_after_kill,
        ),
        # outputs (items 9, 10)
        Case(
            "two solves into one --out",
            solve(values=LONG),
            expect="ok",
            during=None,  # set below: needs the trial
            check=second_run_refused,
        ),
        Case(
            "stale lock of a dead run",
            solve(),
            setup=write("run/.sciml.lock", "999999999"),
            expect="ok",
        ),
        Case("garbage lock file", solve(), setup=write("run/.sciml.lock", "garbage"), expect="ok"),
        Case("--out is a file", solve(out="file"), setup=write("file", "x")),
        Case("--out under a file", solve(out="file/run"), setup=write("file", "x")),
        Case("--out unwritable", solve(out="/proc/sciml-run")),
        Case("umask 027", solve(), expect="ok", umask=0o027, check=_modes(0o640)),
        Case("umask 077", solve(), expect="ok", umask=0o077, check=_modes(0o600)),
        Case("data --out unwritable", ["data", cd, "--out", "/proc/x.h5"] + sets({"nx": 16})),
        # the dataset cache (item 4)
        Case(
            "cache entry random bytes",
            solve(),
            setup=damage_cache(lambda p: p.write_bytes(os.urandom(3000))),
            expect="ok",
            check=warned_once,
            env={"SCIML_DATA_DIR": "datasets"},
        ),
        Case(
            "cache entry wrong-shaped field",
            solve(),
            setup=damage_cache(h5_edit(_wrong_shape)),
            expect="ok",
            check=warned_once,
            env={"SCIML_DATA_DIR": "datasets"},
        ),
        Case(
            "cache entry bad JSON attribute",
            solve(),
            setup=damage_cache(h5_edit(lambda f: f.attrs.__setitem__("inputs", "[x"))),
            expect="ok",
            check=warned_once,
            env={"SCIML_DATA_DIR": "datasets"},
        ),
        Case(
            "cache entry values edited in place",
            solve(),
            setup=damage_cache(h5_edit(_values_edited)),
            expect="ok",
            check=warned_once,
            env={"SCIML_DATA_DIR": "datasets"},
        ),
        Case(
            "cache entry of another problem",
            solve(),
            setup=another_problems_entry,
            expect="ok",
            check=warned_once,
            env={"SCIML_DATA_DIR": "datasets"},
        ),
        Case(
            "cache directory is a file",
            solve(),
            setup=write("datafile", "x"),
            expect="ok",
            check=metrics_equal("tiny"),
            env={"SCIML_DATA_DIR": "datafile"},
        ),
        Case(
            "cache directory unwritable",
            solve(),
            expect="ok",
            check=metrics_equal("tiny"),
            env={"SCIML_DATA_DIR": "/proc/sciml-cache"},
        ),
        Case(
            "eval with a damaged cache",
            ["eval", "model.h5"],
            setup=lambda trial, d: (
                edit_model(lambda f: None)(trial, d),
                damage_cache(lambda p: p.write_bytes(b"junk"))(trial, d),
            ),
            expect="ok",
            check=_same_as_stored,
            env={"SCIML_DATA_DIR": "datasets"},
        ),
    ]
    for case in out:
        if case.name == "two solves into one --out":
            case.during = start_second_run(trial)
    return out


def _stored() -> dict[str, Any]:
    return {"beta": 30.0, "nu": 0.0, "u0": "sin(x)", "t_end": 1.0, "nx": 16, "nt": 2}


def _reshape_weight(f: Any) -> None:
    import numpy as np

    name = "windows.0.hidden.1.weight"
    shape = f["weights"][name].shape
    del f["weights"][name]
    f["weights"][name] = np.zeros((shape[0] + 3, shape[1]), dtype=np.float32)


def _drop_weight(f: Any) -> None:
    del f["weights"]["windows.0.head.weight"]


def _external_weight(f: Any) -> None:
    import h5py

    del f["weights"]["windows.0.head.weight"]
    f["weights"]["windows.0.head.weight"] = h5py.ExternalLink("/dev/zero", "/x")


def _nan_weights(f: Any) -> None:
    f["weights"]["windows.0.head.bias"][...] = float("nan")


def _nan_score_fails(trial: Trial, case_dir: Path, result: Result) -> str | None:
    if result.code == 0:
        return "wrong result: a NaN score exited 0"
    try:
        metrics = json.loads(result.stdout, parse_constant=lambda c: 1 / 0)
    except (ValueError, ZeroDivisionError):
        return "wrong result: eval printed no strict JSON"
    return None if metrics.get("rel_l2") is None else "wrong result: rel_l2 is not null"


def _same_as_stored(trial: Trial, case_dir: Path, result: Result) -> str | None:
    if result.code != 0:
        return None
    stored = json.loads((trial.root / "baseline" / "tiny" / "metrics.json").read_text())
    printed = json.loads(result.stdout)
    if abs(printed["rel_l2"] - stored["rel_l2"]) > 1e-6 * abs(stored["rel_l2"]):
        return f"wrong result: eval {printed['rel_l2']} != saved {stored['rel_l2']}"
    return None


def _checkpoint(change: Callable[[Path], None]) -> Callable[[Trial, Path], None]:
    def setup(trial: Trial, case_dir: Path) -> None:
        copy_run("tiny")(trial, case_dir)
        change(case_dir / "run" / "checkpoint-window0.pt")

    return setup


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch EXECUTED",))


def _pickle_payload(path: Path) -> None:
    import pickle

    path.write_bytes(pickle.dumps(_Payload()))


def _nothing_executed(trial: Trial, case_dir: Path, result: Result) -> str | None:
    if any(p.name == "EXECUTED" for p in case_dir.rglob("EXECUTED")):
        return "wrong result: the checkpoint's pickle ran code"
    return unchanged("model.h5")(trial, case_dir, result)


def _checkpoint_wrong_shapes(path: Path) -> None:
    import torch

    state = torch.load(path, weights_only=True)
    state["model"] = {k: torch.zeros(3, 3) for k in state["model"]}
    torch.save(state, path)


def _resumed(trial: Trial, case_dir: Path, result: Result, values: dict) -> str | None:
    if result.code != 130:
        return f"wrong result: exit {result.code} after Ctrl-C"
    if result.lines != ["interrupted; rerun with --resume to continue from the last checkpoint"]:
        return f"unclean: {' | '.join(result.lines)[:200]}"
    again = trial.run(solve(values=values) + ["--resume"], case_dir)
    straight = trial.run(solve(out="straight", values=values), case_dir)
    if again.code != 0 or straight.code != 0:
        return "wrong result: resume or straight run failed"
    ours = json.loads((case_dir / "run" / "metrics.json").read_text())
    theirs = json.loads((case_dir / "straight" / "metrics.json").read_text())
    if (ours["rel_l2"], ours["steps"]) != (theirs["rel_l2"], theirs["steps"]):
        return f"wrong result: resumed {ours['rel_l2']} != uninterrupted {theirs['rel_l2']}"
    return None


def _resume_after_kill(trial: Trial, case_dir: Path, result: Result) -> str | None:
    if result.signal != signal.SIGKILL:
        return None  # finished before the kill: nothing to resume
    stale = case_dir / "run" / ".sciml.lock"
    if not stale.exists():
        return None
    again = trial.run(solve(values=LONG) + ["--resume"], case_dir)
    if again.code != 0:
        return f"wrong result: resume after kill -9 failed: {' | '.join(again.lines)[:200]}"
    return metrics_equal("long")(trial, case_dir, again)


def _modes(mode: int) -> Callable[[Trial, Path, Result], str | None]:
    def check(trial: Trial, case_dir: Path, result: Result) -> str | None:
        for name in ("model.h5", "metrics.json", "solution.png"):
            found = (case_dir / "run" / name).stat().st_mode & 0o777
            if found != mode:
                return f"wrong result: {name} has mode {found:o}, the umask gives {mode:o}"
        return None

    return check


# -- the trial --------------------------------------------------------------------------------
def baselines(trial: Trial) -> None:
    """Runs the cases compare against: tiny (a finished run), long (uninterrupted, with L-BFGS),
    fno (an operator model)."""
    base = trial.root / "baseline"
    for name, args in (
        ("tiny", solve(out=str(base / "tiny"))),
        ("long", solve(out=str(base / "long"), values=LONG)),
        ("fno", solve("burgers", "fno", str(base / "fno"), {**OPERATOR, "epochs": 1})),
    ):
        result = trial.run(args, trial.root)
        if result.code != 0:
            raise SystemExit(f"baseline {name} failed: {result.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--subprocess", action="store_true", help="fresh interpreters, no forks")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per command")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    options = parser.parse_args(argv)

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    import sciml.cli  # noqa: F401 - imported once, before forking

    torch.set_num_threads(1)
    root = options.keep or Path(tempfile.mkdtemp(prefix="sciml-hostile-"))
    root.mkdir(parents=True, exist_ok=True)
    trial = Trial(
        root.resolve(),
        options.subprocess,
        options.timeout,
        {"SCIML_DATA_DIR": str((root / "datasets").resolve()), "OMP_NUM_THREADS": "1"},
    )
    started = time.monotonic()
    baselines(trial)
    counts: Counter[str] = Counter()
    selected = [c for c in cases(trial) if options.only.lower() in c.name.lower()]
    for number, case in enumerate(selected, 1):
        case_dir = trial.root / "cases" / f"{number:03d}"
        case_dir.mkdir(parents=True, exist_ok=True)
        if case.setup:
            case.setup(trial, case_dir)
        env = {
            k: (str(case_dir / v) if k == "SCIML_DATA_DIR" and not v.startswith("/") else v)
            for k, v in case.env.items()
        }
        tick = time.monotonic()
        result = trial.run(
            case.args, case_dir, env, case.during, case.python, case.umask, case.timeout
        )
        check = case.check(trial, case_dir, result) if case.check else None
        category, detail = classify(case, result, check)
        counts[category] += 1
        mark = "  " if category in ("clean", "ok") else "!!"
        print(
            f"{mark} {number:3d} {category:<12} {case.name:<42} {time.monotonic() - tick:5.1f} s  "
            f"{detail}",
            flush=True,
        )
    total = sum(counts.values())
    summary = ", ".join(f"{counts[k]} {k}" for k in ("clean", "ok", *BAD))
    print(f"\n{total} cases in {time.monotonic() - started:.0f} s: {summary}")
    if not options.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if any(counts[k] for k in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
