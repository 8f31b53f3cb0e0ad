"""``hanrig run`` has pytest rewrite the asserts of its suites only, never the code of the libraries it imports."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.runs import hanrig

#: loaded into the run's process (not the emulator's): at exit it lists the top-level packages
#: of the modules pytest's assertion rewriter loaded
_SITECUSTOMIZE = '''
import atexit, json, os, sys

def _report():
    from _pytest.assertion.rewrite import AssertionRewritingHook
    rewritten = sorted({name.split(".")[0] for name, module in list(sys.modules.items())
                        if isinstance(getattr(getattr(module, "__spec__", None), "loader", None),
                                      AssertionRewritingHook)})
    with open(os.environ["HANRIG_TEST_REWRITTEN"], "w") as out:
        json.dump(rewritten, out)

if sys.argv[1:2] == ["run"]:
    atexit.register(_report)
'''


def test_a_run_rewrites_the_asserts_of_its_suite_and_of_no_library(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    found = tmp_path / "rewritten.json"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "HANRIG_TEST_REWRITTEN": str(found)}

    result = hanrig("run", "--scenario", "SECMP0007-07", "--report-dir", str(tmp_path / "r"), env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    rewritten = json.loads(found.read_text())
    assert "hanrig" in rewritten  # the suite itself: its failures show the values compared
    assert not {"zigpy", "bellows", "numpy", "matplotlib", "asyncio", "cryptography"} & set(rewritten), rewritten
