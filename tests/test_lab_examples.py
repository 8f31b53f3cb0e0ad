"""The README's lab examples run as written, twice in a row, and pass; a HIL test without a config fails."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.paths import REPO

RUN_TIMEOUT = 600


def _examples() -> list[str]:
    section = (REPO / "README.md").read_text().split("## Writing a lab's own suite", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.+?)```", section, flags=re.S)


def test_the_readme_has_the_lab_examples() -> None:
    assert len(_examples()) == 3


def test_each_lab_example_runs_twice_in_a_row_and_passes(pytester: pytest.Pytester) -> None:
    shutil.copy(REPO / "hil_config.yaml", pytester.path / "hil_config.yaml")  # as a lab copies it
    files = [str(pytester.makepyfile(**{f"test_lab_{n}": example})) for n, example in enumerate(_examples())]

    # --keep-duplicates: every example twice in the same session, on the same devices
    result = pytester.runpytest_subprocess("--hil-config", "hil_config.yaml", "--keep-duplicates",
                                           "-p", "no:cacheprovider", *files, *files, timeout=RUN_TIMEOUT)

    result.assert_outcomes(passed=2 * len(files))


def test_a_hil_test_without_a_config_fails_saying_so_unless_told_to_skip(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_lab="def test_needs_the_bench(rig):\n    pass\n")

    failed = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    skipped = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--hil-skip-without-config")

    failed.assert_outcomes(errors=1)
    failed.stdout.fnmatch_lines(["*no --hil-config given: HIL tests need a rig config*"])
    skipped.assert_outcomes(skipped=1)
