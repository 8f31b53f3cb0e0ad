"""How long the CBKE arithmetic takes, per crypto suite: what an emulated exchange costs its CPU.

    .venv/bin/python -m benchmarks.cbke [--quick]

For sect163k1 (suite 1) and sect283k1 (suite 2), pure Python (``hanrig.cbke``): one scalar
multiple of the generator, decoding a compressed point (with its order check), one side's
agreement (ECQV reconstruction, ECMQV, KDF and both MACs) and a whole exchange as both
sides compute it (two ephemeral keys, two agreements). Milliseconds each, the median of
``ROUNDS`` (3 with ``--quick``), and suite 2's time as a multiple of suite 1's. Prints a
table and writes ``benchmarks/results/cbke.json``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import print_table, write_results
from hanrig.cbke.agreement import agree, generate_ephemeral
from hanrig.cbke.suites import SUITE_1, SUITE_2, CryptoSuite
from hanrig.testpki.cbke import credentials, seeded_scalars

NAME = "cbke"
ROUNDS = 15
DEVICE, HUB = "48414E52494700A4", "48414E52494700A2"


def _median_ms(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _suite(suite: CryptoSuite, rounds: int) -> dict[str, float]:
    curve = suite.curve
    device, hub = credentials(DEVICE, suite), credentials(HUB, suite)
    scalars = seeded_scalars(f"benchmark {suite.name}")
    point = curve.encode(curve.base_multiply(scalars(curve.order)))
    mine, theirs = generate_ephemeral(suite, scalars), generate_ephemeral(suite, scalars)

    def one_side() -> object:
        return agree(device, mine, initiator=True, partner_certificate=hub.certificate,
                     partner_ephemeral=theirs.public_key)

    def exchange() -> object:
        first, second = generate_ephemeral(suite, scalars), generate_ephemeral(suite, scalars)
        agree(device, first, initiator=True, partner_certificate=hub.certificate, partner_ephemeral=second.public_key)
        return agree(hub, second, initiator=False, partner_certificate=device.certificate,
                     partner_ephemeral=first.public_key)

    return {"scalar_multiple_ms": _median_ms(lambda: curve.base_multiply(scalars(curve.order)), rounds),
            "decode_point_ms": _median_ms(lambda: curve.decode(point), rounds),
            "one_side_ms": _median_ms(one_side, rounds),
            "exchange_ms": _median_ms(exchange, rounds)}


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 3 if quick else ROUNDS
    suites = {suite.curve.name: _suite(suite, rounds) for suite in (SUITE_1, SUITE_2)}
    one, two = suites["sect163k1"], suites["sect283k1"]
    return {"rounds": rounds, "suites": suites, "suite_2_over_suite_1": {key: two[key] / one[key] for key in one}}


def report(results: dict[str, Any]) -> None:
    one, two = results["suites"]["sect163k1"], results["suites"]["sect283k1"]
    print_table(f"CBKE arithmetic, ms (median of {results['rounds']})",
                ("operation", "suite 1 (sect163k1)", "suite 2 (sect283k1)", "suite 2 / suite 1"),
                [(key.removesuffix("_ms").replace("_", " "), one[key], two[key],
                  results["suite_2_over_suite_1"][key]) for key in one])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three rounds")
    args = parser.parse_args()
    results = run(args.quick)
    report(results)
    if not args.quick:
        write_results(NAME, results)


if __name__ == "__main__":
    main()
