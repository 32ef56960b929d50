"""The HTML report opened in a real browser: Debian's `chromium`, headless, driven over the Chrome
DevTools protocol (a small WebSocket client below, standard library only). The page must load
with no console error, no exception and no failed request; the diagram and the capacity chart
must be on screen with a size; and screenshots of each, decoded as PNG (zlib, by hand), must not
be blank.

Chromium runs with a new empty profile, no sandbox (containers), no GPU, and every background
service off (no networking, component updates, sync or QUIC), so it fetches nothing.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars"]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make system-deps installs it)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]


# --- a WebSocket client, just enough for the DevTools protocol -----------------------------------

class WebSocket:
    def __init__(self, url: str, timeout: float = 60.0):
        assert url.startswith("ws://")
        host_port, _, path = url[5:].partition("/")
        host, _, port = host_port.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection during the handshake")
            head += chunk
        status, _, rest = head.partition(b"\r\n\r\n")
        assert b" 101 " in status.split(b"\r\n")[0], status
        self.buffer = rest

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def send(self, text: str) -> None:
        data = text.encode()
        header = bytes([0x81])
        n = len(data)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            if opcode in (0x9, 0xA):      # ping, pong
                continue
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self):
        self.sock.close()


class DevTools:
    """Commands and events of one page target."""

    def __init__(self, ws: WebSocket):
        self.ws = ws
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.receive())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        for e in self.events:
            if e["method"] == method:
                return e
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.receive())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg
        raise TimeoutError(method)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")


# --- PNG, decoded with zlib -------------------------------------------------------------------

def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, filters undone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytes(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = bytes(line)
    return width, height, [bytes(r) if channels == 3 else bytes(v for i, v in enumerate(r) if i % 4 != 3)
                           for r in rows]


def not_blank(png: bytes) -> tuple[int, int, int, float]:
    """(width, height, distinct colours sampled, share of pixels that are not background)."""
    width, height, rows = png_pixels(png)
    background = rows[0][:3]
    colours, inked, sampled = set(), 0, 0
    for y in range(0, height, max(1, height // 200)):
        row = rows[y]
        for x in range(0, width, max(1, width // 200)):
            px = row[x * 3:x * 3 + 3]
            colours.add(px)
            sampled += 1
            inked += px != background
    return width, height, len(colours), inked / max(1, sampled)


# --- the browser ------------------------------------------------------------------------------

@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "profile"
    profile.mkdir()
    log = open(tmp_path / "chromium.log", "wb")
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                             "--window-size=1400,1000", "about:blank"], stdout=log, stderr=log)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"chromium did not start:\n{(tmp_path / 'chromium.log').read_text()[-3000:]}")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30).read())
        page = next(t for t in targets if t.get("type") == "page")
        ws = WebSocket(page["webSocketDebuggerUrl"])
        tools = DevTools(ws)
        yield tools
        ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def console_problems(events: list[dict]) -> list[str]:
    out = []
    for e in events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p.get('args', [])]}")
        elif m == "Runtime.exceptionThrown":
            out.append(f"exception: {p.get('exceptionDetails', {}).get('text')}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        elif m == "Network.loadingFailed":
            out.append(f"request failed: {p.get('errorText')}")
    return out


def element_box(tools: DevTools, selector: str) -> dict:
    return tools.evaluate(f"""(() => {{
        const e = document.querySelector({json.dumps(selector)});
        if (!e) return null;
        e.scrollIntoView({{block: "start"}});
        const r = e.getBoundingClientRect(), s = getComputedStyle(e);
        return {{x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height,
                 visible: s.visibility !== "hidden" && s.display !== "none" && Number(s.opacity) > 0}};
    }})()""")


def screenshot(tools: DevTools, box: dict | None = None) -> bytes:
    """A PNG of the viewport, or of an element's box; at half scale (decoding PNG in Python is slow)."""
    box = box or {"x": tools.evaluate("scrollX"), "y": tools.evaluate("scrollY"), "width": 1400, "height": 1000}
    clip = {"x": box["x"], "y": box["y"], "width": min(box["width"], 1400), "height": min(box["height"], 1000),
            "scale": 0.5}
    return base64.b64decode(tools.call("Page.captureScreenshot", format="png", clip=clip,
                                       captureBeyondViewport=True)["data"])


def test_report_in_headless_chromium(tmp_path, browser):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(EXAMPLES / "dr_warm_standby.arch"), "--chaos", "region:us-east-1",
                                       "--duration", "20m", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output

    tools = browser
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.call(f"{domain}.enable")
    tools.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
    tools.call("Page.navigate", url=out.as_uri())
    tools.wait_for("Page.loadEventFired")
    assert tools.evaluate("document.readyState") == "complete"
    assert tools.evaluate("document.title") == "archform report: dr_warm_standby.arch"

    diagram = element_box(tools, "#archform-diagram")
    chart = element_box(tools, "#capacity-chart")
    timeline = element_box(tools, "#timeline-chart")
    for name, box in (("diagram", diagram), ("capacity chart", chart), ("timeline", timeline)):
        assert box is not None, f"no {name} in the page"
        assert box["visible"] and box["width"] > 300 and box["height"] > 100, (name, box)
    # it fits the page at 1,400 px, and the no-script toggle shows it at its own, larger size
    page_width = tools.evaluate("document.documentElement.clientWidth")
    assert diagram["width"] <= page_width, (diagram, page_width)
    tools.evaluate("document.getElementById('full-size').click()")
    full = element_box(tools, "#archform-diagram")
    assert full["width"] > diagram["width"], (full, diagram)
    tools.evaluate("document.getElementById('full-size').click()")
    # the diagram holds the resources, drawn (the SVG has laid-out nodes with a size)
    nodes = tools.evaluate("""[...document.querySelectorAll('#archform-diagram g.node')]
                              .filter(g => g.getBBox().width > 0).length""")
    # every node the scene draws (route tables and security groups only with --network; a VPC's
    # and a subnet's anchor node is drawn empty: its frame says it)
    from archform.dsl.resolve import resolve
    from archform.planner.diagram import build_scene, items_of
    desired, _ = resolve(EXAMPLES / "dr_warm_standby.arch")
    scene = build_scene(items_of(desired))
    drawn = [n for n in scene.nodes.values() if not (n.anchor and n.kind in ("vpc", "subnet"))]
    assert len(drawn) > 30 and nodes >= len(drawn)
    rows = tools.evaluate("document.querySelectorAll('#capacity-chart .service-row polyline').length")
    assert rows >= 3

    tools.evaluate("window.scrollTo(0, 0)")
    page = screenshot(tools)
    for name, png in (("page", page), ("diagram", screenshot(tools, diagram)), ("chart", screenshot(tools, chart))):
        (tmp_path / f"{name}.png").write_bytes(png)
        width, height, colours, inked = not_blank(png)
        assert width > 200 and height > 100, name
        assert colours >= 8, f"{name} screenshot looks blank ({colours} colours)"
        assert inked > 0.02, f"{name} screenshot looks blank ({inked:.1%} inked)"

    time.sleep(0.2)                       # let late console messages arrive
    tools.call("Runtime.evaluate", expression="1")
    assert console_problems(tools.events) == []
    # and the listening works: an error the page would log is caught
    tools.call("Runtime.evaluate", expression="console.error('probe')")
    tools.call("Runtime.evaluate", expression="1")
    assert any("probe" in p for p in console_problems(tools.events))
