"""The README's lab examples run as written, twice in a row, and pass; a HIL test without a config fails;
a lab's own test file runs under plain pytest beside packages named like hanrig's."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

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


def test_a_labs_own_test_file_runs_under_plain_pytest_with_the_fixtures_beside_its_own_packages(
        pytester: pytest.Pytester) -> None:
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    config["report_dir"] = str(pytester.path / "reports")
    pytester.makefile(".yaml", hil_config=yaml.safe_dump(config))
    # A lab's repository has packages of its own with names hanrig's subpackages also have.
    for package in ("fixtures", "devices", "rig", "gbcs"):
        pytester.mkpydir(package).joinpath("lab.py").write_text(f'NAME = "the lab\'s own {package}"\n')
    pytester.makepyfile(test_lab="""
        import pytest
        from devices.lab import NAME as DEVICES
        from fixtures.lab import NAME as FIXTURES
        from hanrig.rig.tracking import Stage

        @pytest.mark.hil_feature("ppmid")
        def test_our_ppmid_takes_the_update(rig, ppmid, ota_image):
            assert (FIXTURES, DEVICES) == ("the lab's own fixtures", "the lab's own devices")
            assert rig.update(ppmid, rig.newer(ota_image(ppmid))).distribution.stage is Stage.ACTIVATED

        @pytest.mark.hil_feature("esme")
        def test_needs_an_esme(rig):
            pass

        @pytest.mark.physical_only("needs the lab's real PPMID")
        def test_on_hardware(rig):
            pass
    """)

    result = pytester.runpytest_subprocess("--hil-config", "hil_config.yaml", "-p", "no:cacheprovider",
                                           timeout=RUN_TIMEOUT)

    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*hanrig reports: *reports*"])
