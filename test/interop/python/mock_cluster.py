"""librdkafka's mock cluster (test.mock.num.brokers): three brokers in this process, on loopback ports.

Usage: mock_cluster.py TOPIC...  Produces one record to each topic (which creates it, 4 partitions spread over the
brokers), prints the bootstrap addresses on the first line and each topic's partition leaders on the next ones
("topic 0:1 1:1 2:2 3:3"), then serves until its standard input closes.
"""
import sys

from confluent_kafka import Producer

producer = Producer({"test.mock.num.brokers": 3, "bootstrap.servers": "", "log_level": 0})
for topic in sys.argv[1:]:
    producer.produce(topic, b"seed", partition=0)
producer.flush(10)
metadata = producer.list_topics(timeout=10)
print(",".join(f"{b.host}:{b.port}" for b in metadata.brokers.values()), flush=True)
for topic in sys.argv[1:]:
    partitions = sorted(metadata.topics[topic].partitions.items())
    print(topic, " ".join(f"{p}:{m.leader}" for p, m in partitions), flush=True)
sys.stdin.read()
