"""confluent-kafka (librdkafka) against a SASL listener: produce one record and list the topics.

Usage: sasl_check.py BOOTSTRAP PROTOCOL USER PASSWORD [CA_FILE], with SASL_MECHANISM in the environment (PLAIN by
default; SCRAM-SHA-256 or SCRAM-SHA-512). Prints one JSON line: {"ok": true, "topics": [...]}
or {"ok": false, "error": "..."} (the first error librdkafka reported).
"""
import json
import os
import sys

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

bootstrap, protocol, user, password = sys.argv[1:5]
conf = {
    "bootstrap.servers": bootstrap,
    "security.protocol": protocol,
    "sasl.mechanism": os.environ.get("SASL_MECHANISM", "PLAIN"),
    "sasl.username": user,
    "sasl.password": password,
    "log_level": 0,
}
if len(sys.argv) > 5:
    conf["ssl.ca.location"] = sys.argv[5]
errors = []
conf["error_cb"] = lambda e: errors.append(str(e))
producer = Producer(conf)
producer.produce("sasl-check", b"hello")
left = producer.flush(10)
if left == 0 and not errors:
    topics = sorted(AdminClient({k: v for k, v in conf.items() if k != "error_cb"}).list_topics(timeout=10).topics)
    print(json.dumps({"ok": True, "topics": topics}))
else:
    print(json.dumps({"ok": False, "error": errors[0] if errors else f"{left} record(s) not delivered"}))
