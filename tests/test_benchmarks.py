"""The benchmarks still run: each one's smallest configuration, its results' shape, every transfer complete.

Speed is not judged here (CONTRIBUTING: never assert wall-clock limits); ``python -m
benchmarks`` measures it. ``emulator_speed`` is left out: the exchange it times is run by
``tests/devices`` already, and its quick run alone takes most of a minute.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from benchmarks import airtime, cbke, concurrency, fleet, gbcs_codec, ota_throughput, startup


def _json_round_trip(results: dict[str, Any]) -> dict[str, Any]:
    """What the benchmark would write to its JSON file."""
    return json.loads(json.dumps(results))


def test_ota_throughput_quick_run_completes_every_transfer_with_its_references() -> None:
    results = _json_round_trip(asyncio.run(ota_throughput.run(quick=True)))

    assert [row["block_size"] for row in results["rows"]] == [40, 50, 64, 65]
    assert results["emulator_latency_per_hop_s"] == 0
    for row in results["rows"]:
        assert row["image_octets"] > results["image_payload_octets"]  # the whole file, header and signature too
        assert row["blocks"] == -(-row["image_octets"] // row["block_size"])
        assert row["ratio_to_floor"] > 0 and row["ratio_to_zigpy"] > 0
        # the air's limit is the physical one: no host path on the emulator comes near it
        assert row["air_ms_per_block"] > row["floor_ms_per_block"]
    assert results["zigpy"]["block_size"] == 50 and results["zigpy"]["octets"] > results["image_payload_octets"]
    assert set(results["met"]) == {"ratio_to_floor", "ratio_to_zigpy"}


def test_concurrency_quick_run_completes_every_device_and_measures_both_processes() -> None:
    results = _json_round_trip(asyncio.run(concurrency.run(quick=True)))

    assert [row["devices"] for row in results["rows"]] == [1, 4]
    for row in results["rows"]:
        assert row["completed"] == row["devices"]
        assert row["octets"] > row["devices"] * results["image_payload_octets"]
        assert row["rig_peak_rss_mb"] > 0 and row["emulator_peak_rss_mb"] > 0
    assert results["met"]["all_completed"] is True


def test_gbcs_codec_quick_run_decodes_verifies_and_signs_every_rtds_vector() -> None:
    results = _json_round_trip(gbcs_codec.run(quick=True))

    assert results["vectors"] == 70 and results["signed_vectors"] == results["valid_signatures"] == 24
    assert {name: rate["messages"] for name, rate in results["rates"].items()} == {
        "decode and verify": 70, "decode only": 70, "verify only": 70, "sign": 24}


def test_airtime_quick_run_reads_the_emulators_prediction_for_every_block_size() -> None:
    results = _json_round_trip(asyncio.run(airtime.run(quick=True)))

    assert [row["block_size"] for row in results["rows"]] == [40, 50, 64, 65]
    for row in results["rows"]:
        # per block at least the request, the response and their two APS ACKs
        assert row["frames"] >= 4 * row["blocks"]
        assert row["emulator_airtime_s"] > 0 and row["analytical_airtime_s"] > 0
        # real-time air: one device's frames follow each other, so its transfer takes at least their airtime
        assert row["wall_s"] >= row["emulator_airtime_s"]
    assert [row["published_kbit_per_s"] for row in results["published"]] == [163.0, 35.0, 19.0]


def test_the_airtime_model_comes_within_six_percent_of_the_published_802_15_4_maximum() -> None:
    latre = airtime.against_published()[0]
    assert "Latré" in latre["source"]
    assert -0.06 <= latre["model_error"] <= 0


def test_the_airtime_model_which_counts_only_the_air_is_faster_than_every_measured_module() -> None:
    measured = [row for row in airtime.against_published() if "measured" in row["source"]]
    assert measured and all(row["model_kbit_per_s"] > row["published_kbit_per_s"] for row in measured)


def test_startup_quick_run_sees_hanrig_run_serve_its_first_block() -> None:
    results = _json_round_trip(asyncio.run(startup.run(quick=True)))

    assert len(results["runs_s"]) == 1 and results["median_s"] == results["runs_s"][0] > 0


def test_cbke_quick_run_times_every_operation_for_both_suites() -> None:
    results = _json_round_trip(cbke.run(quick=True))

    assert set(results["suites"]) == {"sect163k1", "sect283k1"}
    operations = {"scalar_multiple_ms", "decode_point_ms", "one_side_ms", "exchange_ms"}
    assert all(set(timings) == operations and all(v > 0 for v in timings.values())
               for timings in results["suites"].values())
    assert set(results["suite_2_over_suite_1"]) == operations


def test_fleet_quick_run_activates_every_device_and_measures_the_whole_process_tree() -> None:
    results = _json_round_trip(fleet.run(quick=True))

    assert [(row["benches"], row["parallel"]) for row in results["rows"]] == [(1, 1), (2, 2)]
    for row in results["rows"]:
        assert row["devices"] == 2 * row["benches"] == row["activated"]
        assert row["devices_per_minute"] > 0
    # the tree holds the campaign, each bench's hanrig run and each emulator: more than one process's worth
    assert results["rows"][1]["peak_rss_mb"] > results["rows"][0]["peak_rss_mb"] > 100
