"""The package's layers and the absence of import cycles, checked by import-linter.

The contracts live in pyproject.toml ([tool.importlinter]); docs/architecture.md draws them.
"""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_layers_and_acyclic_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert "2 kept, 0 broken" in report
