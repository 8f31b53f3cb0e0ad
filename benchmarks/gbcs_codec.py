"""How fast the GBCS codec decodes, verifies and signs: the RTDS vectors in ``../shared/rtds``.

    .venv/bin/python -m benchmarks.gbcs_codec [--quick]

Every RTDS 4.5.0 vector, in passes over the whole set: decoded (framing and payload, as
``hanrig gbcs decode`` does) and verified (signature and MAC, with the RTDS keystore);
then decoding alone and verifying alone, to show where the time goes; then every vector
that carries a signature signed again with the test Supplier key (``gbcs.security.sign``:
ECDSA P-256 over the message). Rates are messages per second, each over at least
``MIN_SECONDS`` (one pass with ``--quick``). Prints a table and writes
``benchmarks/results/gbcs_codec.json``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import print_table, write_results
from hanrig import testpki
from hanrig.gbcs.framing import GbcsMessage, decode
from hanrig.gbcs.keystore import KeyStore
from hanrig.gbcs.payloads import decode_payload
from hanrig.gbcs.security import Verdict, sign, verify
from tests.paths import shared_dir

NAME = "gbcs_codec"
MIN_SECONDS = 3.0


def _rate(items: list[Any], work: Callable[[Any], object], quick: bool) -> tuple[float, int]:
    """Items per second doing ``work`` on each, in whole passes over ``items``; and how many were done."""
    done = 0
    started = time.perf_counter()
    while True:
        for item in items:
            work(item)
        done += len(items)
        elapsed = time.perf_counter() - started
        if quick or elapsed >= MIN_SECONDS:
            return done / elapsed, done


def run(quick: bool = False) -> dict[str, Any]:
    rtds = shared_dir() / "rtds"
    vectors = [bytes.fromhex(path.read_text()) for path in sorted((rtds / "RTDS-4.5.0").rglob("*.HEX"))]
    keystore = KeyStore.load(rtds / "keystore")
    messages = [decode(raw) for raw in vectors]
    signed = [m for m in messages if m.signature is not None]
    key = testpki.private_key(testpki.SUPPLIER, "ds")

    def decode_and_verify(raw: bytes) -> None:
        message = decode(raw)
        decode_payload(message)
        verify(message, keystore)

    def decode_only(raw: bytes) -> None:
        decode_payload(decode(raw))

    def sign_again(message: GbcsMessage) -> None:
        sign(message, key)

    verified = [verify(message, keystore) for message in messages]
    rows: dict[str, dict[str, float | int]] = {}
    for name, items, work in (("decode and verify", vectors, decode_and_verify),
                              ("decode only", vectors, decode_only),
                              ("verify only", messages, lambda message: verify(message, keystore)),
                              ("sign", signed, sign_again)):
        rate, done = _rate(items, work, quick)
        rows[name] = {"per_second": rate, "messages": done}
    return {"vectors": len(vectors), "signed_vectors": len(signed),
            # what each pass checks: tests/gbcs/test_security.py says why one MAC is not valid
            "valid_signatures": sum(v.signature is Verdict.VALID for v in verified),
            "valid_macs": sum(v.mac is Verdict.VALID for v in verified),
            "rates": rows}


def report(results: dict[str, Any]) -> None:
    print_table(f"GBCS codec over {results['vectors']} RTDS vectors ({results['signed_vectors']} signed)",
                ("operation", "messages/s", "messages done"),
                [(name, r["per_second"], r["messages"]) for name, r in results["rates"].items()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one pass over the vectors")
    args = parser.parse_args()
    results = run(args.quick)
    report(results)
    if not args.quick:  # a smoke run's figures are not worth recording
        write_results(NAME, results)


if __name__ == "__main__":
    main()
