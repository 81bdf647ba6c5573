"""The interoperability suite's driver for kafka-python (pure Python; no idempotence, no transactions).

    python kafka_python_driver.py <scenario> '<json parameters>'
"""
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.structs import OffsetAndMetadata

from common import Deadline, emit, headers_in, main, record_out, stdin_leave_flag, stop_after, unb64


def common(p):
    return {"bootstrap_servers": p["bootstrap"], "client_id": p.get("clientId", "interop-kafka-python")}


def consumer(p, group=None):
    return KafkaConsumer(
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        partition_assignment_strategy=[RangePartitionAssignor],
        session_timeout_ms=10000,
        heartbeat_interval_ms=500,
        **common(p),
    )


def out(r):
    return record_out(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value, r.headers)


def metadata(p):
    admin = KafkaAdminClient(**common(p))
    try:
        cluster = admin.describe_cluster()
        names = admin.list_topics()
        described = admin.describe_topics(names)
        return {
            "brokers": [{"id": b["node_id"], "host": b["host"], "port": b["port"]} for b in cluster["brokers"]],
            "topics": sorted(
                ({"name": t["topic"], "partitions": len(t["partitions"])} for t in described),
                key=lambda t: t["name"],
            ),
        }
    finally:
        admin.close()


def create_topic(p):
    admin = KafkaAdminClient(**common(p))
    try:
        response = admin.create_topics([NewTopic(p["topic"], p["partitions"], 1)])
        errors = [(t[0], t[1]) for t in response.topic_errors if t[1] != 0]
        if errors:
            raise RuntimeError("CreateTopics errors: %r" % errors)
        return {"created": p["topic"]}
    finally:
        admin.close()


def produce(p):
    if p.get("idempotent"):
        raise RuntimeError("kafka-python 2.0.2 has no idempotent producer")
    producer = KafkaProducer(acks="all", linger_ms=0, **common(p))
    futures = []
    for r in p["records"]:
        futures.append(
            producer.send(
                p["topic"],
                key=unb64(r.get("key")),
                value=unb64(r.get("value")),
                headers=headers_in(r),
                partition=r.get("partition"),
                timestamp_ms=r.get("timestamp"),
            )
        )
    producer.flush(30)
    offsets = []
    for f in futures:
        m = f.get(30)
        offsets.append({"partition": m.partition, "offset": m.offset})
    producer.close()
    return {"offsets": offsets}


def partitions_of(c, p):
    if "partitions" in p:
        return p["partitions"]
    deadline = Deadline({"timeoutMs": 30000})
    while not deadline.passed():
        found = c.partitions_for_topic(p["topic"])
        if found:
            return sorted(found)
    raise RuntimeError("no metadata for topic " + p["topic"])


def consume(p):
    if p.get("isolation", "read_uncommitted") != "read_uncommitted":
        raise RuntimeError("kafka-python 2.0.2 reads only read_uncommitted")
    deadline = Deadline(p)
    c = consumer(p)
    try:
        tps = [TopicPartition(p["topic"], n) for n in partitions_of(c, p)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        records = []
        while not deadline.passed():
            for batch in c.poll(timeout_ms=100).values():
                for r in batch:
                    records.append(out(r))
                    if stop_after(records, p, records[-1]):
                        return {"records": records}
        return {"records": records}
    finally:
        c.close()


class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        emit({"event": "assigned", "partitions": sorted(tp.partition for tp in assigned)})


def group_member(p):
    leave = stdin_leave_flag()
    c = consumer(p, p["group"])
    c.subscribe([p["topic"]], listener=Listener())
    consumed = 0
    while not leave.is_set():
        polled = c.poll(timeout_ms=100)
        for batch in polled.values():
            for r in batch:
                emit(dict(out(r), event="record"))
                consumed += 1
        if polled:
            c.commit()
    c.close()  # sends LeaveGroup
    return {"left": True, "consumed": consumed}


def commit(p):
    deadline = Deadline(p, 30000)
    c = consumer(p, p["group"])
    c.subscribe([p["topic"]])
    nxt = -1
    while nxt < p["offset"] and not deadline.passed():
        for batch in c.poll(timeout_ms=100).values():
            for r in batch:
                nxt = max(nxt, r.offset + 1)
    if nxt < p["offset"]:
        raise RuntimeError("read only up to offset %d before the deadline" % nxt)
    c.commit({TopicPartition(p["topic"], 0): OffsetAndMetadata(p["offset"], None)})
    c.close()
    return {"committed": p["offset"]}


def resume(p):
    deadline = Deadline(p, 30000)
    c = consumer(p, p["group"])
    try:
        committed = c.committed(TopicPartition(p["topic"], 0))
        c.subscribe([p["topic"]])
        while not deadline.passed():
            for batch in c.poll(timeout_ms=100, max_records=1).values():
                for r in batch:
                    return {"committed": committed, "firstOffset": r.offset}
        raise RuntimeError("no record within the deadline")
    finally:
        c.close()


def offsets_for_times(p):
    c = consumer(p)
    try:
        tp = TopicPartition(p["topic"], p.get("partition", 0))
        offsets = []
        for ts in p["timestamps"]:
            found = c.offsets_for_times({tp: ts})[tp]
            offsets.append(None if found is None else found.offset)
        return {"offsets": offsets}
    finally:
        c.close()


def configs(p):
    """Sets topic configs with the legacy AlterConfigs (kafka-python has no incremental one: it replaces the topic's
    overrides), then reads the topic's and the broker's back."""
    admin = KafkaAdminClient(**common(p))
    try:
        if p.get("set"):
            response = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, p["topic"], configs=p["set"])])
            errors = [r for r in response.resources if r[0] != 0]
            if errors:
                raise RuntimeError("AlterConfigs errors: %r" % errors)
        values = {}
        for kind, resource_type, name in (
            ("topic", ConfigResourceType.TOPIC, p["topic"]),
            ("broker", ConfigResourceType.BROKER, p.get("broker", "1")),
        ):
            keys = p["topicConfigs"] if kind == "topic" else p["brokerConfigs"]
            for response in admin.describe_configs([ConfigResource(resource_type, name, configs=dict.fromkeys(keys))]):
                for error_code, error_message, _type, _name, entries in response.resources:
                    if error_code != 0:
                        raise RuntimeError("DescribeConfigs error %d: %s" % (error_code, error_message))
                    values[kind] = {e[0]: e[1] for e in entries}
        return values
    finally:
        admin.close()


def watermarks(p):
    c = consumer(p)
    try:
        tps = [TopicPartition(p["topic"], n) for n in partitions_of(c, p)]
        low, high = c.beginning_offsets(tps), c.end_offsets(tps)
        return {"partitions": [{"partition": tp.partition, "low": low[tp], "high": high[tp]} for tp in tps]}
    finally:
        c.close()


main(
    {
        "metadata": metadata,
        "create-topic": create_topic,
        "produce": produce,
        "consume": consume,
        "group-member": group_member,
        "commit": commit,
        "resume": resume,
        "offsets-for-times": offsets_for_times,
        "configs": configs,
        "watermarks": watermarks,
    }
)
