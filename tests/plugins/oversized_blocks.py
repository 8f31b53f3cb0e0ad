"""A pytest plugin that makes the rig, as CH, serve one octet more per block than its OTA policy allows.

A CH-model fault for tests/test_wrong_evidence.py: the rig's own block-size check must
catch it. Loaded with ``-p oversized_blocks`` (PYTEST_ADDOPTS) into the process that runs
the suite, where the bench runs.
"""

from __future__ import annotations

import dataclasses

from hanrig.rig.ota.session import OtaSession

_send_block = OtaSession._send_block


async def _oversized(self: OtaSession, tsn: int | None, offset: int, requested: int) -> int:
    policy = self.policy
    self.policy = dataclasses.replace(policy, max_block_size=policy.max_block_size + 1)
    try:
        return await _send_block(self, tsn, offset, requested)
    finally:
        self.policy = policy


OtaSession._send_block = _oversized  # type: ignore[method-assign]
