"""What the suite's Python drivers share: the JSON contract of every driver (see test/interop/drivers.ts).

One JSON object per line on stdout: events first ({"event": ...}), then exactly one {"result": ...} or
{"error": "..."}. Keys, values and header values travel in base64 (null stays null).
"""
import base64
import json
import sys
import threading
import time
import traceback


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def b64(data):
    return None if data is None else base64.b64encode(bytes(data)).decode("ascii")


def unb64(text):
    return None if text is None else base64.b64decode(text)


def record_out(topic, partition, offset, timestamp, key, value, headers):
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": timestamp,
        "key": b64(key),
        "value": b64(value),
        "headers": [[name, b64(val)] for name, val in (headers or [])],
    }


def headers_in(record):
    return [(name, unb64(value)) for name, value in record.get("headers", [])]


class Deadline:
    def __init__(self, params, default_ms=20000):
        self.end = time.monotonic() + params.get("timeoutMs", default_ms) / 1000

    def left(self):
        return self.end - time.monotonic()

    def passed(self):
        return self.left() <= 0


def stdin_leave_flag():
    """A flag set when stdin says "leave" or closes: how the suite tells a group member to leave."""
    flag = threading.Event()

    def watch():
        for line in sys.stdin:
            if line.strip() == "leave":
                break
        flag.set()

    threading.Thread(target=watch, daemon=True).start()
    return flag


def stop_after(records, params, record):
    """Whether a consume scenario has what it asked for: `count` records, or the record keyed `stopKey`."""
    count = params.get("count")
    if count is not None and len(records) >= count:
        return True
    stop_key = params.get("stopKey")
    return stop_key is not None and record["key"] == stop_key


def main(scenarios):
    if len(sys.argv) != 3:
        sys.stderr.write("usage: driver.py <scenario> '<json parameters>'\n")
        sys.exit(2)
    name, params = sys.argv[1], json.loads(sys.argv[2])
    scenario = scenarios.get(name)
    if scenario is None:
        emit({"error": "unknown scenario: " + name})
        sys.exit(1)
    try:
        result = scenario(params)
    except Exception as e:  # the suite reports it with the driver's stderr
        traceback.print_exc()
        emit({"error": "%s: %s" % (type(e).__name__, e)})
        sys.exit(1)
    emit({"result": result})
    sys.exit(0)
