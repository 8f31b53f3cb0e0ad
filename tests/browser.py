"""Headless Chromium for the tests that look at the HTML report as a reader would: its DOM,
screenshots and the printed PDF. Debian's chromium is needed (scripts/test installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image

TIMEOUT = 120
#: A4 at 96 dpi, the page a reader prints
A4_PIXELS = (794, 1123)


class Chromium:
    def __init__(self, profile: Path) -> None:
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        assert binary, "Debian's chromium is needed (scripts/test installs it)"
        self._command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run",
                         f"--user-data-dir={profile}"]

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*self._command, *args], capture_output=True, text=True, timeout=TIMEOUT)
        assert result.returncode == 0, result.stderr
        return result

    def dom(self, page: Path) -> str:
        return self._run("--dump-dom", page.as_uri()).stdout

    def screenshot(self, page: Path, out: Path, size: tuple[int, int]) -> Image.Image:
        self._run(f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", "--hide-scrollbars", page.as_uri())
        return Image.open(out).convert("RGB")

    def pdf(self, page: Path, out: Path) -> Path:
        self._run(f"--print-to-pdf={out}", "--no-pdf-header-footer", page.as_uri())
        return out


def pixels_near(image: Image.Image, colour: str, tolerance: int = 48) -> int:
    """How many pixels of an RGB image are within ``tolerance`` (per channel) of ``colour`` (#rrggbb)."""
    target = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    data = image.tobytes()
    return sum(1 for i in range(0, len(data), 3)
               if all(abs(data[i + k] - target[k]) <= tolerance for k in range(3)))
