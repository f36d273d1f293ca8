"""The dashboard in a real headless browser (Debian's chromium): it renders its charts,
the screenshot is not blank, and the numbers in the rendered page match the JSON.
Never skipped: without chromium this test fails and says how to install it."""
import shutil
import struct
import subprocess
import zlib

import pytest

from tests.functions.conftest import ADMIN
from tests.functions.test_reports_function import SEEDED_PERIOD, seeded  # noqa: F401 (fixture)
from tests.reports_support import figures_in_html, mismatches

AUTH = {"Authorization": f"Bearer {ADMIN}"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,2000"]


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is missing: apt-get update && apt-get install -y chromium (.ci/run does it)")
    return path


def run_browser(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), *FLAGS, *args], capture_output=True, text=True, timeout=120)


def png_pixels(path) -> tuple[int, int, set]:
    """Width, height and the distinct colours of a sample of rows (stdlib PNG decoding)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert header is not None, "no IHDR chunk"
    width, height, depth, colour_type = header[:4]
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels + 1
    colours: set[bytes] = set()
    previous = bytearray(stride - 1)
    for y in range(height):
        line = bytearray(raw[y * stride + 1:(y + 1) * stride])
        kind = raw[y * stride]
        for x in range(len(line)):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 10 == 0:
            colours.update(bytes(line[i:i + 3]) for i in range(0, len(line), channels * 2))
        previous = line
    return width, height, colours


def test_dashboard_in_headless_chromium(seeded, client, tmp_path):  # noqa: F811
    report = client("reports").get("/figures.json" + SEEDED_PERIOD, headers=AUTH).get_json()
    html = client("reports").get("/dashboard" + SEEDED_PERIOD, headers=AUTH).get_data(as_text=True)
    page = tmp_path / "dashboard.html"  # chromium cannot send the admin header: render the served page from a file
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "dashboard.png"
    done = run_browser(f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    width, height, colours = png_pixels(shot)
    assert (width, height) == (1280, 2000)
    assert {bytes.fromhex("1f6fb2"), bytes.fromhex("2e8b57")} <= colours  # both bar colours were painted
    assert len(colours) > 20  # text, tables and charts, not a blank page
    dom = run_browser(f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert "chart-compliance" in rendered and "chart-trend" in rendered and rendered.count("<rect") >= 6
    assert figures_in_html(rendered) == figures_in_html(html) and len(figures_in_html(rendered)) > 50
    assert mismatches(rendered, report) == []
