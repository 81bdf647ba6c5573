"""confluent-kafka's schema-registry client and Avro serde (AvroSerializer / AvroDeserializer) against a broker and a
registry: `produce` registers the schema and produces the values; `consume` reads values and prints them with the
schema ids of their bytes. One JSON line out, for test/interop/schema-serdes.test.ts.

Usage: avro_serde_driver.py produce <bootstrap> <registry-url> <topic> <schema> <values-json>
       avro_serde_driver.py consume <bootstrap> <registry-url> <topic> <count>
"""
import json
import struct
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def produce(bootstrap, url, topic, schema, values):
    registry = SchemaRegistryClient({"url": url})
    serializer = AvroSerializer(registry, schema)
    producer = Producer({"bootstrap.servers": bootstrap})
    delivered = []

    def on_delivery(err, msg):
        if err is not None:
            raise RuntimeError(str(err))
        delivered.append(msg.offset())

    for value in json.loads(values):
        producer.produce(
            topic,
            value=serializer(value, SerializationContext(topic, MessageField.VALUE)),
            on_delivery=on_delivery,
        )
    producer.flush(30)
    print(json.dumps({"delivered": len(delivered)}))


def consume(bootstrap, url, topic, count):
    registry = SchemaRegistryClient({"url": url})
    deserializer = AvroDeserializer(registry)
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "interop-serdes", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    values, ids = [], []
    deadline = time.time() + 60
    while len(values) < int(count) and time.time() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise RuntimeError(str(msg.error()))
        ids.append(struct.unpack(">bI", msg.value()[:5])[1])
        values.append(deserializer(msg.value(), SerializationContext(topic, MessageField.VALUE)))
    consumer.close()
    print(json.dumps({"values": values, "ids": ids}))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"produce": produce, "consume": consume}[mode](*args)
