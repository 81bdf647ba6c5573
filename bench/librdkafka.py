"""librdkafka (confluent-kafka for Python) for bench/kafka-listener.mjs, run in the interop venv.

  python bench/librdkafka.py create-topic <bootstrap> <topic>
      creates a topic of one partition through the Admin API and waits until the partition has a leader
  python bench/librdkafka.py latency <bootstrap> <topic> <records> <per second>
      end-to-end latency: a producer (linger.ms=0) sends records at a steady rate, each carrying its send time; a
      consumer assigned to the end of partition 0 takes the receive time minus the send time. Prints one JSON line:
      {"p50": ms, "p99": ms, "records": n, "librdkafka": version}
"""

import json
import sys
import threading
import time

from confluent_kafka import OFFSET_END, Consumer, KafkaException, Producer, TopicPartition, libversion
from confluent_kafka.admin import AdminClient, NewTopic


def create_topic(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
        future.result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions
        if 0 in partitions and partitions[0].leader >= 0:
            return
        time.sleep(0.05)
    raise SystemExit(f"topic {topic} has no leader after 30 s")


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def latency(bootstrap, topic, records, rate):
    # Nagle off on both sides, as any client tuned for latency runs; every other setting is librdkafka's default.
    common = {"bootstrap.servers": bootstrap, "socket.nagle.disable": True}
    producer = Producer({**common, "linger.ms": 0, "acks": 1})
    consumer = Consumer({**common, "group.id": "bench-latency", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, OFFSET_END)])

    def send(value):
        producer.produce(topic, value=value, partition=0)
        producer.poll(0)

    # Warm-up: until a record sent now arrives, the consumer may not yet be fetching at the end.
    deadline = time.monotonic() + 30
    while True:
        send(b"warm-up")
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            break
        if time.monotonic() > deadline:
            raise SystemExit("the consumer received nothing in 30 s")
    producer.flush(10)
    while (msg := consumer.poll(0.2)) is not None:  # what is left of the warm-up
        pass

    def produce_steadily():
        interval = 1.0 / rate
        start = time.monotonic()
        for i in range(records):
            wait = start + i * interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            send(str(time.monotonic_ns()).encode())
        producer.flush(10)

    thread = threading.Thread(target=produce_steadily)
    thread.start()
    samples = []
    deadline = time.monotonic() + records / rate + 30
    while len(samples) < records and time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        received = time.monotonic_ns()
        if msg.value() != b"warm-up":
            samples.append((received - int(msg.value())) / 1e6)
    thread.join()
    consumer.close()
    if len(samples) < records:
        raise SystemExit(f"received {len(samples)} of {records} records")
    samples.sort()
    out = {"p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99), "records": len(samples)}
    print(json.dumps({**out, "librdkafka": libversion()[0]}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "create-topic":
        create_topic(*args)
    elif command == "latency":
        latency(args[0], args[1], int(args[2]), float(args[3]))
    else:
        raise SystemExit(f"unknown command {command}: use create-topic or latency")
