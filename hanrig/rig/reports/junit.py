"""JUnit XML: one testcase per scenario, with the traceability CI systems show as properties.

As labgrid does, the test suite carries properties that tie the verdicts to what was
tested: rig and dependency versions, the config's SHA-256, every image's SHA-256 and
Manufacturer Image hash, and the coordinator's EZSP version. Each testcase says what its
verdict rests on (``evidence_basis``: the device, or a rig self-check) and how many of its
checks judged the device and how many the rig's CH model.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from hanrig.rig.record import Outcome, RunRecord, ScenarioRecord


def _properties(parent: ElementTree.Element, values: dict[str, object]) -> None:
    element = ElementTree.SubElement(parent, "properties")
    for name, value in values.items():
        if value is not None:
            ElementTree.SubElement(element, "property", name=name, value=str(value))


def _suite_properties(record: RunRecord) -> dict[str, object]:
    values: dict[str, object] = {f"{name}_version": version for name, version in record.versions.items()}
    values.update({
        "run_id": record.run_id,
        "config_path": record.config.get("path"),
        "config_sha256": record.config.get("sha256"),
        "station": record.station.get("hostname"),
        "radio": record.radio.get("radio"),
        "radio_path": record.radio.get("path"),
        "ezsp_version": record.radio.get("ezsp_version"),
        "journal_torn_tail": record.journal_torn or None,
        "radio_resets": sum(e["state"] == "lost" for e in record.radio_events) or None,
    })
    for image in record.images:
        values[f"image_{image['name']}_sha256"] = image.get("sha256")
        values[f"image_{image['name']}_manufacturer_image_sha256"] = image.get("manufacturer_image_sha256")
        values[f"image_{image['name']}_file_version"] = image.get("file_version")
    return values


def _testcase(suite: ElementTree.Element, record: RunRecord, scenario: ScenarioRecord) -> None:
    case = ElementTree.SubElement(suite, "testcase", classname=record.suite or "hanrig",
                                  name=f"{scenario.id} {scenario.title}".strip(),
                                  time=f"{scenario.duration or 0:.3f}")
    _properties(case, {"scenario_id": scenario.id, "evidence": "; ".join(e["text"] for e in scenario.evidence) or None,
                       "evidence_basis": scenario.basis.value, "device_checks": len(scenario.checks_of("device")),
                       "ch_model_checks": len(scenario.checks_of("ch-model"))})
    failed = [m for m in scenario.measurements if m.get("verdict") == "fail"]
    details = "\n".join(f"{m['name']} [{m.get('subject', '?')}]: {m['value']} (expected {m['expected']})"
                        for m in failed)
    if scenario.outcome is Outcome.FAIL:
        ElementTree.SubElement(case, "failure", message=scenario.reason or "a check failed").text = details
    elif scenario.outcome in (Outcome.ERROR, Outcome.INTERRUPTED):
        ElementTree.SubElement(case, "error", message=scenario.reason or scenario.outcome.value).text = details
    elif scenario.outcome is Outcome.SKIPPED:
        ElementTree.SubElement(case, "skipped", message=scenario.reason)
    lines = [f"{t['device']}: {t['stage']} {t.get('detail', '')}".rstrip() for t in scenario.transitions]
    lines += [f"{m['direction']} {m.get('decoded', {}).get('use_case') or 'undecodable'} "
              f"{m.get('decoded', {}).get('alert_code') or ''}".rstrip() for m in scenario.messages]
    if lines:
        ElementTree.SubElement(case, "system-out").text = "\n".join(lines)


def write_junit(record: RunRecord, path: Path) -> Path:
    counts = record.counts()
    root = ElementTree.Element("testsuites")
    suite = ElementTree.SubElement(
        root, "testsuite", name=record.suite or "hanrig", tests=str(len(record.scenarios)),
        failures=str(counts["fail"]), errors=str(counts["error"] + counts["interrupted"]),
        skipped=str(counts["skipped"]),
        time=f"{(record.finished or record.started or 0) - (record.started or 0):.3f}")
    _properties(suite, _suite_properties(record))
    for scenario in record.scenarios:
        _testcase(suite, record, scenario)
    ElementTree.indent(root)
    path.write_bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True))
    return path
