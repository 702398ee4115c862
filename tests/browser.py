"""A tiny headless-Chromium driver for the tests, speaking the Chrome DevTools Protocol over a pipe.

Standard library only. Chromium runs with ``--remote-debugging-pipe``: it reads NUL-terminated JSON commands on
fd 3 and writes NUL-terminated JSON answers and events on fd 4. Pages have no network: the proxy and host
resolver point nowhere and CDP turns the page offline. Every wait has a timeout (TimeoutError).

    with Browser() as browser, browser.new_page(width=800, height=600) as page:
        page.emulate_media(reduced_motion=True)   # optional, before goto
        page.goto(tmp_path / "index.html")        # waits for the load event
        page.press("ArrowRight"); page.click("#play")
        assert page.eval("document.title") == "x" and not page.console_errors

What a page records (lists that grow over the page's life; clear them as needed):
  console_errors  console.error(...) messages, uncaught exceptions and rejections, and browser log errors, which
                  include "Failed to load resource: net::ERR_... URL" for every request that failed (offline:
                  any request to the network). An exception thrown by Page.eval is raised, not recorded.
  requests        the URL of every request of the page's documents, in order: the file:// document itself, its
                  scripts, styles, images, fetches, XHRs (failed ones too), data: URLs among them (except a data:
                  image that does not decode, and a URL repeated in a document is listed once: the memory cache
                  serves the repeats); not requests of workers.
  failed_requests {url: error text}, e.g. "net::ERR_INTERNET_DISCONNECTED" for anything on the network.

Chromium runs in a process group of its own, which close() kills (also at interpreter exit). If the test process
is killed outright, Chromium sees its pipe close and exits a few seconds later; its /tmp profile stays.

CLI: ``python3 tests/browser.py --install`` installs Debian's chromium when it is missing (root and apt-get only),
and otherwise says why the browser tests will be skipped; it always exits 0.
"""

from __future__ import annotations

import atexit
import base64
import ctypes
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "chrome"))), None)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-dev-shm-usage", "--disable-crash-reporter", "--mute-audio", "--remote-debugging-pipe",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND",
]  # fmt: skip
# Moves the pipe ends onto fds 3 and 4, then becomes Chromium: a preexec_fn would do it in the forked child of a
# threaded process (pytest-xdist workers are), which Python's documentation calls unsafe.
_ON_FDS_3_4 = (
    "import fcntl,os,sys\nr,w=(fcntl.fcntl(int(f),fcntl.F_DUPFD,10) for f in sys.argv[1:3])\n"
    "os.dup2(r,3);os.dup2(w,4);[os.close(f) for f in (r,w,*map(int,sys.argv[1:3])) if f>4]\n"
    "os.execv(sys.argv[3],sys.argv[3:])"
)
KEYS = {  # key: (code, windowsVirtualKeyCode, text)
    "ArrowLeft": ("ArrowLeft", 37, ""), "ArrowUp": ("ArrowUp", 38, ""), "ArrowRight": ("ArrowRight", 39, ""),
    "ArrowDown": ("ArrowDown", 40, ""), "Home": ("Home", 36, ""), "End": ("End", 35, ""), "Tab": ("Tab", 9, ""),
    "PageUp": ("PageUp", 33, ""), "PageDown": ("PageDown", 34, ""), "Escape": ("Escape", 27, ""),
    "Enter": ("Enter", 13, "\r"), " ": ("Space", 32, " "),
}  # fmt: skip


class BrowserError(RuntimeError):
    """Chromium failed, exited, or answered a command with an error; or JavaScript threw (message included)."""


class Browser:
    """A headless Chromium with a fresh profile: a context manager that closes it (and kills it on errors)."""

    def __init__(self, timeout: float = 10.0, executable: str | None = None):
        self.timeout, self.executable = timeout, executable or CHROMIUM
        self.proc: subprocess.Popen | None = None
        self._id, self._answers, self._pages, self._crashed = 0, {}, {}, set()
        self._buffer, self._scanned = bytearray(), 0

    def __enter__(self) -> Browser:
        if self.executable is None:
            raise BrowserError("headless Chromium not found (python3 tests/browser.py --install)")
        self._dir = tempfile.mkdtemp(prefix="geoanim-chromium-")
        (to_r, self._w), (self._r, from_w) = os.pipe(), os.pipe()
        argv = [sys.executable, "-I", "-S", "-c", _ON_FDS_3_4, str(to_r), str(from_w), self.executable, *FLAGS]
        with open(os.path.join(self._dir, "stderr.log"), "wb") as log:
            self.proc = subprocess.Popen([*argv, f"--user-data-dir={self._dir}/profile", "about:blank"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(to_r, from_w),
                                         start_new_session=True)  # fmt: skip
        os.close(to_r)
        os.close(from_w)
        atexit.register(self.close, kill=True)
        try:
            self.version = self.send("Browser.getVersion")["product"]
        except BaseException:
            self.close(kill=True)
            raise
        return self

    def __exit__(self, exc_type, *_):
        self.close(kill=exc_type is not None)

    def close(self, kill: bool = False) -> None:
        """Closes Chromium (SIGKILL to its process group if `kill` or it lingers) and removes its profile."""
        if self.proc is None:
            return
        atexit.unregister(self.close)
        was_reaper = _subreaper(True)
        try:
            if not kill and self.proc.poll() is None:
                try:
                    self._write({"id": 0, "method": "Browser.close"})
                    self.proc.wait(5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            deadline = time.monotonic() + 5  # SIGKILL its process group until no process of it is left
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    break
                self.proc.poll()
                try:  # the zygotes and renderers that Chromium left behind, now our children (not zombies of init)
                    while os.waitpid(-self.proc.pid, os.WNOHANG)[0]:
                        pass
                except ChildProcessError:
                    pass
                time.sleep(0.005)
        finally:
            _subreaper(was_reaper)
        self.proc.wait()
        self.proc = None
        os.close(self._r)
        os.close(self._w)
        shutil.rmtree(self._dir, ignore_errors=True)

    def new_page(self, width: int = 800, height: int = 600, scale: float = 1) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = self._pages[session] = Page(self, target, session)
        for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable", "Inspector.enable"):
            page.send(method)
        page.send("Page.setLifecycleEventsEnabled", {"enabled": True})
        page.send("Emulation.setFocusEmulationEnabled", {"enabled": True})  # every page focused, as if alone
        offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
        page.send("Network.emulateNetworkConditions", offline)
        page.set_width(width, height, scale)
        return page

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout=None) -> dict:
        """Sends one command and returns its result, handling the events that arrive meanwhile."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        try:
            self._write({**message, "sessionId": session} if session else message)
        except BrokenPipeError:
            self._exited()
        self.pump(lambda: self._id in self._answers or session in self._crashed, timeout, f"answer to {method}")
        if session in self._crashed:
            raise BrowserError(f"{method}: the page crashed")
        answer = self._answers.pop(self._id)
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error'].get('message')} {answer['error'].get('data', '')}")
        return answer["result"]

    def pump(self, done, timeout: float | None = None, what: str = "") -> bool:
        """Handles Chromium's messages until done() is true; TimeoutError after `timeout` s (0: no wait, no error)."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not done():
            end = self._buffer.find(b"\0", self._scanned)
            if end < 0:
                self._scanned = len(self._buffer)
                if not select.select([self._r], [], [], max(deadline - time.monotonic(), 0))[0]:
                    if timeout == 0:
                        return False
                    raise TimeoutError(f"Chromium: no {what} within {timeout:g} s")
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    self._exited()
                self._buffer += chunk
                continue
            message = json.loads(self._buffer[:end])
            del self._buffer[: end + 1]
            self._scanned = 0
            if "id" in message:
                self._answers[message["id"]] = message
            elif message.get("sessionId") in self._pages:
                self._pages[message["sessionId"]]._on_event(message["method"], message["params"])
        return True

    def _write(self, message: dict) -> None:
        data = memoryview(json.dumps(message).encode() + b"\0")
        while data:
            data = data[os.write(self._w, data) :]

    def _exited(self):
        try:
            code = self.proc.wait(1)
        except subprocess.TimeoutExpired:
            code = "not yet"
        log = Path(self._dir, "stderr.log").read_text(errors="replace").splitlines()[-15:]
        raise BrowserError(f"Chromium closed its pipe (exit status: {code}); its last words:\n" + "\n".join(log))


class Page:
    """A tab (from Browser.new_page), offline, with a fixed viewport; a context manager that closes it."""

    def __init__(self, browser: Browser, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session
        self._errors: list[str] = []
        self._requests: list[str] = []
        self._failed: dict[str, str] = {}
        self._urls: dict[str, str] = {}
        self._loaded: set[str] = set()

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *_):
        self.close()

    def close(self) -> None:
        if self.browser._pages.pop(self.session, None) and self.browser.proc:
            self.browser.send("Target.closeTarget", {"targetId": self.target})

    def send(self, method: str, params: dict | None = None, timeout: float | None = None) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    # the three records, once the events that have arrived are handled (pump with timeout 0)
    @property
    def console_errors(self) -> list[str]:
        self.browser.pump(lambda: False, 0)
        return self._errors

    @property
    def requests(self) -> list[str]:
        self.browser.pump(lambda: False, 0)
        return self._requests

    @property
    def failed_requests(self) -> dict[str, str]:
        self.browser.pump(lambda: False, 0)
        return self._failed

    def _on_event(self, method: str, params: dict) -> None:
        if method == "Runtime.consoleAPICalled" and params["type"] == "error":
            args = params["args"]
            self._errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self._errors.append(details.get("exception", {}).get("description") or details["text"])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self._errors.append(f"{params['entry']['text']} {params['entry'].get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            self._requests.append(params["request"]["url"])
            self._urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed":
            self._failed[self._urls.get(params["requestId"], "?")] = params["errorText"]
        elif method == "Page.lifecycleEvent" and params["name"] == "load":
            self._loaded.add(params["loaderId"])
        elif method == "Inspector.targetCrashed":
            self.browser._crashed.add(self.session)
            self._errors.append("the page crashed")

    def goto(self, url_or_path: str | os.PathLike, timeout: float | None = None) -> None:
        """Loads a URL or a file and waits for its load event (a path's '#' is in its name: for a #fragment, pass
        path.as_uri() + "#fragment")."""
        url = str(url_or_path)
        if isinstance(url_or_path, os.PathLike) or not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]+:", url):
            url = Path(url).resolve().as_uri()
        result = self.send("Page.navigate", {"url": url}, timeout)
        if result.get("errorText"):
            raise BrowserError(f"could not load {url}: {result['errorText']}")
        if "loaderId" in result:  # none for a same-document navigation (a #fragment)
            loaded = lambda: result["loaderId"] in self._loaded or self.session in self.browser._crashed
            self.browser.pump(loaded, timeout, f"load event from {url}")
            if self.session in self.browser._crashed:
                raise BrowserError(f"the page crashed loading {url}")

    def eval(self, expression: str, timeout: float | None = None):
        """The value of a JavaScript expression (promises awaited, returned by value); BrowserError if it throws."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True, "userGesture": True}
        result = self.send("Runtime.evaluate", params, timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or details["text"])
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10):
        """Polls the expression (a throw counts as false) until it is truthy and returns its value."""
        deadline, last = time.monotonic() + timeout, None
        while True:
            try:
                if value := self.eval(expression, timeout=max(deadline - time.monotonic(), 0.1)):
                    return value
                last = value
            except BrowserError as error:
                last = error
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression!r} still not truthy after {timeout} s (last: {last!r})")
            time.sleep(0.02)

    def screenshot(self, clip: tuple[float, float, float, float] | None = None) -> bytes:
        """PNG bytes of the viewport, or of its part clip = (x, y, width, height), in CSS px as in getClientRects."""
        params: dict = {"format": "png", "captureBeyondViewport": False}
        if clip:
            scrolled = self.send("Page.getLayoutMetrics")["cssVisualViewport"]  # the clip is in page coordinates
            x, y, width, height = clip
            params["clip"] = {"x": x + scrolled["pageX"], "y": y + scrolled["pageY"], "width": width, "height": height}
            params["clip"]["scale"] = 1
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def press(self, key: str) -> None:
        """Presses and releases a key: one from KEYS, a letter or a digit (as the page's keydown sees it)."""
        if key in KEYS:
            code, vk, text = KEYS[key]
        elif len(key) == 1 and key.isascii() and key.isalnum():
            code, vk, text = ("Digit" if key.isdigit() else "Key") + key.upper(), ord(key.upper()), key
        else:
            raise ValueError(f"press: unknown key {key!r}")
        event = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
        down = {"type": "keyDown", "text": text, "unmodifiedText": text} if text else {"type": "rawKeyDown"}
        self.send("Input.dispatchKeyEvent", {**down, **event})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **event})

    def click(self, selector: str) -> None:
        """Clicks the centre of the first element matching the CSS selector (scrolled into view)."""
        box = self.eval(f"""(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;
            e.scrollIntoView({{block: "nearest", inline: "nearest"}}); const r = e.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2, r.width * r.height]; }})()""")
        if not box or not box[2]:
            raise BrowserError(f"click: {selector!r} matches {'an invisible element' if box else 'nothing'}")
        at = {"x": box[0], "y": box[1], "clickCount": 1}
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "button": "none", "buttons": 0, **at})
        self.send("Input.dispatchMouseEvent", {"type": "mousePressed", "button": "left", "buttons": 1, **at})
        self.send("Input.dispatchMouseEvent", {"type": "mouseReleased", "button": "left", "buttons": 0, **at})

    def set_width(self, width: int, height: int | None = None, scale: float | None = None) -> None:
        """Resizes the viewport (CSS px; scale = device pixels per CSS px); returns once the page sees it."""
        self.width, self.height = width, height or self.height
        self.scale = scale or self.scale
        metrics = {"width": width, "height": self.height, "deviceScaleFactor": self.scale, "mobile": False}
        self.send("Emulation.setDeviceMetricsOverride", metrics)
        self.wait_for(f"innerWidth === {width} && innerHeight === {self.height}", self.browser.timeout)

    def emulate_media(self, reduced_motion: bool = False, color_scheme: str = "") -> None:
        """Emulates prefers-reduced-motion: reduce (and prefers-color-scheme: light or dark); also before goto."""
        features = [{"name": "prefers-reduced-motion", "value": "reduce" if reduced_motion else ""},
                    {"name": "prefers-color-scheme", "value": color_scheme}]  # fmt: skip
        self.send("Emulation.setEmulatedMedia", {"features": features})


def _subreaper(on: bool) -> bool:
    """Makes this process the reaper of its orphaned descendants, or not, and returns whether it was (Linux only).

    Chromium does not wait for its zygote and renderers as it exits, and init here reaps orphans only every second
    or two; as the reaper during Browser.close, this process reaps them at once (no zombie for pgrep to see)."""
    try:
        prctl, was = ctypes.CDLL(None, use_errno=True).prctl, ctypes.c_int(0)
        prctl(37, ctypes.byref(was), 0, 0, 0)  # PR_GET_CHILD_SUBREAPER
        prctl(36, int(on), 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        return bool(was.value)
    except (OSError, AttributeError):
        return False


def install() -> None:
    """Installs Debian's chromium if it is missing; says why the browser tests will be skipped otherwise."""
    if CHROMIUM:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        why = "not running as root" if os.geteuid() != 0 else "no apt-get"
        print(f"headless Chromium not found and not installed ({why}); browser tests will be skipped", file=sys.stderr)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = lambda *args: subprocess.run(["apt-get", *args], env=env, stdin=subprocess.DEVNULL).returncode == 0
    if not apt("install", "-y", "-q", "chromium"):
        apt("update", "-q")
        if not apt("install", "-y", "-q", "chromium"):
            print("installing chromium with apt-get failed; browser tests will be skipped", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1:] != ["--install"]:
        sys.exit("usage: python3 tests/browser.py --install")
    install()
