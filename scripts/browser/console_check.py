"""Drives a real headless Chromium through the DevTools protocol against a running breachclock serve.

    python console_check.py --base http://127.0.0.1:PORT --key EDITOR_KEY --out DIR

Steps: sign in with the key; open an incident through the console's form; record a notice; check that
the countdown was rewritten by the page's script and that the timeline is drawn; save screenshots of
the incident page at 1280 and 390 pixels wide in DIR; run axe-core's WCAG 2.0-2.2 A and AA rules
(contrast, labels, names, structure) on every console page at both widths. Exits non-zero, saying
which step failed.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib import resources

import websocket  # websocket-client, from PyPI (scripts/browser-test pins it)


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="bc-chromium-")
        self.process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > deadline or self.process.poll() is not None:
                raise SystemExit("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise SystemExit(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise SystemExit(f"script failed: {expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression, what, seconds=15):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if self.evaluate(expression):
                    return
            except SystemExit:
                pass
            time.sleep(0.1)
        raise SystemExit(f"timed out waiting for {what}")

    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'", f"{url} to load")

    def submit(self, form_selector):
        before = self.evaluate("location.href + '#' + performance.timeOrigin")
        self.evaluate(f"document.querySelector({json.dumps(form_selector)}).requestSubmit()")
        self.wait_for(f"(location.href + '#' + performance.timeOrigin) !== {json.dumps(before)} && document.readyState === 'complete'",
                      f"the page after submitting {form_selector}")

    def screenshot(self, width, path, full=True):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600)
        height = self.evaluate("Math.ceil(document.documentElement.scrollHeight)") if full else 900
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=min(max(height, 600), 6000), deviceScaleFactor=1,
                  mobile=width < 600)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def accessibility(self, width, page):
        """axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on the page as shown at `width`; the
        violations as `rule: element` lines (none when it passes)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600)
        if not self.evaluate("typeof axe !== 'undefined'"):
            self.evaluate(AXE_SOURCE + "; true")
        found = self.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
            ".then(r => ({passes: r.passes.length, violations: r.violations.flatMap(v => v.nodes.map(n => "
            "v.id + ': ' + n.target.join(' ') + ' (' + (n.failureSummary || '').split('\\n').slice(1).join('; ').trim() + ')'))}))")
        if found["passes"] == 0:
            raise SystemExit(f"axe ran no checks on {page}")
        return [f"{page} at {width}px: {line}" for line in found["violations"]]

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


AXE_SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")

FACTS = """timezone: America/Chicago
events: { discoveredAt: %s }
entity: { role: owner, sectors: [] }
data: { elements: [name, ssn], encrypted: false }
riskOfHarm: likely
affected: { US-TX: 400 }
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    browser = Browser(args.chromium)
    try:
        step = "sign in"
        browser.goto(args.base + "/console/sign-in")
        browser.evaluate(f"document.querySelector('#key').value = {json.dumps(args.key)}")
        browser.submit("form[action='/console/sign-in']")
        if not browser.evaluate("location.pathname === '/console/incidents'"):
            raise SystemExit(f"{step}: not on the incidents page")

        step = "create an incident"
        # Discovered ten days ago, so the Texas deadlines are weeks ahead and counting down.
        discovered = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 10 * 86400))
        browser.goto(args.base + "/console/incidents/new")
        browser.evaluate("document.querySelector('#title').value = 'Browser test: <script>alert(1)</script>'")
        browser.evaluate(f"document.querySelector('#facts').value = {json.dumps(FACTS % discovered)}")
        browser.submit("form[action='/console/incidents']")
        if not browser.evaluate("/^\\/console\\/incidents\\/inc_/.test(location.pathname)"):
            raise SystemExit(f"{step}: not on the new incident's page ({browser.evaluate('location.href')})")
        if browser.evaluate("document.querySelector('h1').textContent") != "Browser test: <script>alert(1)</script>":
            raise SystemExit(f"{step}: the title did not stay text")

        step = "record a notice"
        sent = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        browser.evaluate("document.querySelector('#obligation').value = 'US-TX/regulator'")
        browser.evaluate(f"document.querySelector('#sentAt').value = {json.dumps(sent)}")
        browser.evaluate("document.querySelector('#method').value = 'online form'")
        browser.submit("form[action$='/notices']")
        if "Notice recorded." not in browser.evaluate("document.body.innerText"):
            raise SystemExit(f"{step}: no confirmation on the page")
        if "US-TX/regulator:" not in browser.evaluate("document.body.innerText"):
            raise SystemExit(f"{step}: the notice is not listed")

        step = "check the countdown and the timeline"
        countdown = browser.evaluate("(document.querySelector('[data-due]') || {}).textContent || ''")
        if not countdown.endswith(" left") and "overdue by" not in countdown:
            raise SystemExit(f"{step}: no live countdown (found {countdown!r})")
        marks = browser.evaluate("document.querySelectorAll('svg[role=img] path, svg[role=img] circle').length")
        if marks < 2:
            raise SystemExit(f"{step}: the timeline shows {marks} marks")

        step = "accessibility (WCAG 2.2 AA, axe-core)"
        incident = browser.evaluate("location.pathname")
        pages = [incident, "/console/incidents", "/console/incidents?show=all", "/console/incidents/new", "/console/jurisdictions",
                 "/console/jurisdictions/US-TX", "/console/programme", "/console/exercises", "/console/evidence"]
        problems = []
        for path in pages:
            browser.goto(args.base + path)
            for width in (1280, 390):
                problems += browser.accessibility(width, path)
        browser.goto(args.base + incident)
        if problems:
            raise SystemExit("\n  " + "\n  ".join(problems))
        print(f"axe-core: no WCAG 2.2 A or AA violations on {len(pages)} pages at 1280 and 390 pixels")

        step = "screenshots"
        for width in (1280, 390):
            browser.screenshot(width, os.path.join(args.out, f"incident-{width}.png"))
        browser.screenshot(1280, os.path.join(args.out, "incident-1280-top.png"), full=False)
        browser.screenshot(390, os.path.join(args.out, "incident-390-top.png"), full=False)
        print(f"console check passed; screenshots in {args.out}")
    except SystemExit as failure:
        print(f"console check failed at step '{step}': {failure}", file=sys.stderr)
        sys.exit(1)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
