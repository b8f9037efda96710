#!/usr/bin/env python3
"""The console's incident page against the API's incident, on a running server (issue 16's figure:
the page within 2x the time of GET /v1/incidents/{id} for the same incident).

    scripts/bench-console.py --base http://127.0.0.1:8080 --key EDITOR_KEY [--requests 500] [--fresh]

Opens an incident (Examples/three-states-and-gdpr.yaml's facts), signs into the console, then times
requests on one kept-alive connection each, alternating the two, and prints median and p95 of each
and their ratio.

The console remembers a page it has drawn for as long as nothing on it changes (RenderMemo), so by
default the page is timed as a reader sees it on a reload. With --fresh a new incident with the same
facts is opened (through the API, not timed) before each pair, so every page timed is drawn afresh.
"""
import argparse
import http.client
import json
import statistics
import time
import urllib.parse

FACTS = {
    "timezone": "America/New_York", "events": {"discoveredAt": "2026-03-02T14:00:00-05:00"},
    "entity": {"role": "owner", "sectors": []}, "data": {"elements": ["name", "ssn", "contact-details"], "encrypted": False},
    "riskOfHarm": "likely", "affected": {"US-CA": 1200, "US-TX": 300, "US-NY": 40, "DE": 80},
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--fresh", action="store_true", help="open a new incident before each timed pair")
    parser.add_argument("--closed", type=int, default=0,
                        help="first open and close this many incidents, then also time the incidents page (open ones)")
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.base)
    api = http.client.HTTPConnection(url.hostname, url.port)
    page = http.client.HTTPConnection(url.hostname, url.port)
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}
    api.request("POST", "/v1/incidents", json.dumps({"title": "Bench", "facts": FACTS}), headers)
    incident = json.loads(api.getresponse().read())["id"]

    def fresh():
        nonlocal incident
        api.request("POST", "/v1/incidents", json.dumps({"title": "Bench", "facts": FACTS}), headers)
        reply = api.getresponse()
        incident = json.loads(reply.read())["id"]
        assert reply.status == 201, ("POST", reply.status)

    for _ in range(args.closed):
        api.request("POST", "/v1/incidents", json.dumps({"title": "Closed", "facts": FACTS}), headers)
        created = api.getresponse()
        closed = json.loads(created.read())["id"]
        api.request("POST", f"/v1/incidents/{closed}/close", headers=dict(headers, **{"If-Match": created.getheader("ETag")}))
        reply = api.getresponse()
        reply.read()
        assert reply.status == 200, ("close", reply.status)

    page.request("POST", "/console/sign-in", urllib.parse.urlencode({"key": args.key}),
                 {"Content-Type": "application/x-www-form-urlencoded"})
    response = page.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie").split(";")[0]

    def timed(connection, path, extra):
        started = time.perf_counter()
        connection.request("GET", path, headers=extra)
        reply = connection.getresponse()
        body = reply.read()
        assert reply.status == 200, (path, reply.status)
        return time.perf_counter() - started, len(body)

    for _ in range(50):  # warm-up
        timed(api, f"/v1/incidents/{incident}", {"Authorization": headers["Authorization"]})
        timed(page, f"/console/incidents/{incident}", {"Cookie": cookie})
    api_times, page_times = [], []
    for _ in range(args.requests):
        if args.fresh:
            fresh()
        api_times.append(timed(api, f"/v1/incidents/{incident}", {"Authorization": headers["Authorization"]})[0])
        page_times.append(timed(page, f"/console/incidents/{incident}", {"Cookie": cookie})[0])
    api_size = timed(api, f"/v1/incidents/{incident}", {"Authorization": headers["Authorization"]})[1]
    page_size = timed(page, f"/console/incidents/{incident}", {"Cookie": cookie})[1]

    def report(name, values, size):
        values = sorted(values)
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{name}: median {statistics.median(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, {size} bytes")

    print("each page drawn afresh (--fresh)" if args.fresh else "pages as on a reload (remembered while unchanged)")
    report("GET /v1/incidents/{id}       ", api_times, api_size)
    report("GET /console/incidents/{id}  ", page_times, page_size)
    print(f"ratio of medians: {statistics.median(page_times) / statistics.median(api_times):.2f}")
    if args.closed:
        lists = [timed(page, "/console/incidents", {"Cookie": cookie}) for _ in range(50)]
        report(f"GET /console/incidents ({args.closed} closed)", [t for t, _ in lists], lists[-1][1])


if __name__ == "__main__":
    main()
