"""The HAN capture of an emulated bench under air loss: the retransmissions are on it, as a sniffer hears them."""

from __future__ import annotations

import collections
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from hanrig.rig.bench import Bench
from hanrig.rig.config import load_config
from hanrig.rig.journal import Journal
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import Stage
from hanrig.rig.update import distribute
from tests.paths import REPO

LOSS = 0.05


def _lossy_bench(directory: Path) -> Path:
    config: dict[str, Any] = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["images"]["ppmid-v2"]["build"]["payload_size"] = 8192
    config["coordinator"]["emulator"] = {"seed": 5, "faults": {"air": {"loss": LOSS}}}
    path = directory / "hil_config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


async def test_a_transfer_with_5_percent_air_loss_shows_its_retransmissions_in_the_capture(tmp_path: Path) -> None:
    assert shutil.which("tshark"), "tshark is needed (the README's test command installs it)"
    capture = tmp_path / "han.pcap"
    with Journal(tmp_path / "run.journal") as journal:
        bench = Bench(load_config(_lossy_bench(tmp_path)), Recorder(journal), workdir=tmp_path / "work",
                      capture=capture)
        try:
            await bench.start()
            ppmid = bench.config.device("ppmid")
            await bench.join(ppmid)
            update = await distribute(bench, ppmid, bench.image("ppmid-v2"))
            assert bench.emulator is not None
            lost = [e for e in await bench.emulator.request("events") if e["kind"] == "lost" and "attempt" in e]
        finally:
            await bench.stop()
    assert update.distribution.stage is Stage.TRANSFERRED

    keys = capture.with_suffix(".keys").read_text().strip()
    frames = subprocess.run(
        ["tshark", "-r", str(capture), "-o", f"uat:zigbee_pc_keys:{keys}", "-Y", "zbee_aps.type == 0",
         "-T", "fields", "-e", "wpan.src16", "-e", "wpan.dst16", "-e", "zbee_aps.counter", "-e", "zbee_aps.cluster"],
        capture_output=True, text=True, timeout=120, check=True).stdout.splitlines()
    sent = collections.Counter(tuple(frame.split("\t")) for frame in frames)
    again = {(source, int(counter), cluster) for (source, _, counter, cluster), count in sent.items() if count > 1}

    # the sniffer heard a frame the air lost and its retry: each frame heard twice is one the air lost
    assert again and again <= {(e["from"].lower(), e["counter"], e["cluster"].lower()) for e in lost}
    assert 0 < sum(count - 1 for count in sent.values()) <= len(lost)
    assert any(cluster == "0x0019" for _, _, cluster in again), "no OTA frame was sent again"


async def test_the_host_side_capture_holds_what_the_rig_sent_and_received_and_tshark_reads_it(tmp_path: Path) -> None:
    # What a physical bench writes; here on the emulated radio, whose own capture is left off
    config: dict[str, Any] = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["images"]["ppmid-v2"]["build"]["payload_size"] = 4096
    (tmp_path / "hil_config.yaml").write_text(yaml.safe_dump(config))
    capture = tmp_path / "han-host.pcap"
    with Journal(tmp_path / "run.journal") as journal:
        bench = Bench(load_config(tmp_path / "hil_config.yaml"), Recorder(journal), workdir=tmp_path / "work",
                      host_capture=capture)
        try:
            await bench.start()
            ppmid = bench.config.device("ppmid")
            await bench.join(ppmid)
            image = bench.image("ppmid-v2")
            update = await distribute(bench, ppmid, image)
        finally:
            await bench.stop()
    assert update.distribution.stage is Stage.TRANSFERRED

    rows = subprocess.run(
        ["tshark", "-r", str(capture), "-Y", "zbee_zcl_general.ota.cmd.srv_tx.id == 0x05", "-T", "fields",
         "-e", "wpan.src16", "-e", "wpan.dst16", "-e", "zbee_zcl_general.ota.file.offset"],
        capture_output=True, text=True, timeout=120, check=True).stdout.splitlines()
    requests = subprocess.run(
        ["tshark", "-r", str(capture), "-Y", "zbee_zcl_general.ota.cmd.srv_rx.id == 0x03", "-T", "fields",
         "-e", "wpan.src16"], capture_output=True, text=True, timeout=120, check=True).stdout.splitlines()

    offsets = [int(row.split("\t")[2]) for row in rows]
    assert offsets == list(range(0, len(image.data), 64))
    assert {tuple(row.split("\t")[:2]) for row in rows} == {("0x0000", "0x2560")}
    assert len(requests) == len(offsets) and set(requests) == {"0x2560"}
    assert not capture.with_suffix(".keys").exists()
