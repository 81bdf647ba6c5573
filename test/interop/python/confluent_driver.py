"""The interoperability suite's driver for confluent-kafka-python (librdkafka in its wheel).

    python confluent_driver.py <scenario> '<json parameters>'
"""
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic, ResourceType

from common import Deadline, emit, headers_in, main, record_out, stdin_leave_flag, stop_after, unb64


def conf(p, **extra):
    c = {"bootstrap.servers": p["bootstrap"], "client.id": p.get("clientId", "interop-confluent")}
    c.update(extra)
    return c


def consumer(p, group=None, **extra):
    return Consumer(
        conf(
            p,
            **{
                # librdkafka wants a group id even for assign(); a throwaway one joins nothing.
                "group.id": group or "interop-" + uuid.uuid4().hex,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "isolation.level": p.get("isolation", "read_uncommitted"),
                "partition.assignment.strategy": "range",
                "session.timeout.ms": 10000,
                "heartbeat.interval.ms": 500,
            },
            **extra,
        )
    )


def out(msg):
    return record_out(
        msg.topic(), msg.partition(), msg.offset(), msg.timestamp()[1], msg.key(), msg.value(), msg.headers()
    )


def check(msg):
    if msg is not None and msg.error():
        raise KafkaException(msg.error())
    return msg


def metadata(p):
    md = AdminClient(conf(p)).list_topics(timeout=30)
    return {
        "brokers": [{"id": b.id, "host": b.host, "port": b.port} for b in md.brokers.values()],
        "topics": sorted(
            ({"name": t.topic, "partitions": len(t.partitions)} for t in md.topics.values()),
            key=lambda t: t["name"],
        ),
    }


def create_topic(p):
    admin = AdminClient(conf(p))  # kept referenced until the futures resolve: its handle serves them
    futures = admin.create_topics([NewTopic(p["topic"], num_partitions=p["partitions"])])
    futures[p["topic"]].result(30)
    return {"created": p["topic"]}


def send_all(producer, topic, records):
    offsets = [None] * len(records)

    def delivered(i):
        def cb(err, msg):
            if err is not None:
                raise KafkaException(err)
            offsets[i] = {"partition": msg.partition(), "offset": msg.offset()}

        return cb

    for i, r in enumerate(records):
        kwargs = {"key": unb64(r.get("key")), "value": unb64(r.get("value")), "headers": headers_in(r)}
        if "partition" in r:
            kwargs["partition"] = r["partition"]
        if r.get("timestamp") is not None:
            kwargs["timestamp"] = r["timestamp"]
        producer.produce(topic, on_delivery=delivered(i), **kwargs)
    if producer.flush(30) != 0:
        raise RuntimeError("records still undelivered after 30 s")
    return offsets


def produce(p):
    producer = Producer(conf(p, **{"enable.idempotence": bool(p.get("idempotent")), "acks": "all", "linger.ms": 0}))
    return {"offsets": send_all(producer, p["topic"], p["records"])}


def partitions_of(c, p):
    if "partitions" in p:
        return p["partitions"]
    return sorted(c.list_topics(p["topic"], timeout=30).topics[p["topic"]].partitions.keys())


def consume(p):
    deadline = Deadline(p)
    c = consumer(p)
    try:
        c.assign([TopicPartition(p["topic"], n, OFFSET_BEGINNING) for n in partitions_of(c, p)])
        records = []
        while not deadline.passed():
            msg = check(c.poll(0.1))
            if msg is None:
                continue
            records.append(out(msg))
            if stop_after(records, p, records[-1]):
                break
        return {"records": records}
    finally:
        c.close()


def group_member(p):
    leave = stdin_leave_flag()
    c = consumer(p, p["group"])

    def assigned(consumer_, partitions):
        emit({"event": "assigned", "partitions": sorted(tp.partition for tp in partitions)})

    c.subscribe([p["topic"]], on_assign=assigned)
    consumed = 0
    while not leave.is_set():
        msg = check(c.poll(0.1))
        if msg is None:
            continue
        emit(dict(out(msg), event="record"))
        consumed += 1
        c.commit(message=msg, asynchronous=False)
    c.close()
    return {"left": True, "consumed": consumed}


def commit(p):
    deadline = Deadline(p, 30000)
    c = consumer(p, p["group"])
    c.subscribe([p["topic"]])
    nxt = -1
    while nxt < p["offset"] and not deadline.passed():
        msg = check(c.poll(0.1))
        if msg is not None:
            nxt = max(nxt, msg.offset() + 1)
    if nxt < p["offset"]:
        raise RuntimeError("read only up to offset %d before the deadline" % nxt)
    c.commit(offsets=[TopicPartition(p["topic"], 0, p["offset"])], asynchronous=False)
    c.close()
    return {"committed": p["offset"]}


def resume(p):
    deadline = Deadline(p, 30000)
    c = consumer(p, p["group"])
    committed = c.committed([TopicPartition(p["topic"], 0)], timeout=30)[0].offset
    c.subscribe([p["topic"]])
    try:
        while not deadline.passed():
            msg = check(c.poll(0.1))
            if msg is not None:
                return {"committed": committed if committed >= 0 else None, "firstOffset": msg.offset()}
        raise RuntimeError("no record within the deadline")
    finally:
        c.close()


def transactions(p):
    producer = Producer(conf(p, **{"transactional.id": p["transactionalId"], "linger.ms": 0}))
    producer.init_transactions(30)
    outcomes = []
    for txn in p["transactions"]:
        producer.begin_transaction()
        send_all(producer, p["topic"], txn["records"])
        if txn["commit"]:
            producer.commit_transaction(30)
            outcomes.append("committed")
        else:
            producer.abort_transaction(30)
            outcomes.append("aborted")
    return {"transactions": outcomes}


def consume_transform_produce(p):
    deadline = Deadline(p, 30000)
    prefix = p["prefix"].encode()
    c = consumer(dict(p, isolation="read_committed"), p["group"])
    producer = Producer(conf(p, **{"transactional.id": p["transactionalId"], "linger.ms": 0}))
    producer.init_transactions(30)
    c.subscribe([p["input"]])
    batch = []
    while len(batch) < p["count"] and not deadline.passed():
        msg = check(c.poll(0.1))
        if msg is not None:
            batch.append(msg)
    if len(batch) < p["count"]:
        raise RuntimeError("read %d of %d records before the deadline" % (len(batch), p["count"]))
    producer.begin_transaction()
    offsets = {}
    for msg in batch:
        producer.produce(p["output"], key=msg.key(), value=prefix + msg.value(), headers=msg.headers())
        offsets[(msg.topic(), msg.partition())] = msg.offset() + 1
    producer.send_offsets_to_transaction(
        [TopicPartition(t, n, o) for (t, n), o in offsets.items()], c.consumer_group_metadata(), 30
    )
    producer.commit_transaction(30)
    c.close()
    return {"transformed": len(batch)}


def offsets_for_times(p):
    c = consumer(p)
    try:
        offsets = []
        for ts in p["timestamps"]:
            found = c.offsets_for_times([TopicPartition(p["topic"], p.get("partition", 0), ts)], timeout=30)[0]
            offsets.append(found.offset if found.offset >= 0 else None)
        return {"offsets": offsets}
    finally:
        c.close()


def delete_records(p):
    tp = TopicPartition(p["topic"], p.get("partition", 0), p["before"])
    admin = AdminClient(conf(p))
    futures = admin.delete_records([tp])
    deleted = next(iter(futures.values())).result(30)
    return {"lowWatermark": deleted.low_watermark}


def configs(p):
    """Sets topic configs with IncrementalAlterConfigs (SET), then reads the topic's and the broker's back."""
    admin = AdminClient(conf(p))
    topic = ConfigResource(ResourceType.TOPIC, p["topic"])
    if p.get("set"):
        entries = [
            ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET) for name, value in p["set"].items()
        ]
        resource = ConfigResource(ResourceType.TOPIC, p["topic"], incremental_configs=entries)
        futures = admin.incremental_alter_configs([resource])
        for f in futures.values():
            f.result(30)
    broker = ConfigResource(ResourceType.BROKER, p.get("broker", "1"))
    described = admin.describe_configs([topic, broker])
    values = {}
    for resource, f in described.items():
        configs_ = f.result(30)
        keys = p["topicConfigs"] if resource.restype == ResourceType.TOPIC else p["brokerConfigs"]
        values["topic" if resource.restype == ResourceType.TOPIC else "broker"] = {k: configs_[k].value for k in keys}
    return values


def watermarks(p):
    c = consumer(p)
    try:
        out_ = []
        for n in partitions_of(c, p):
            low, high = c.get_watermark_offsets(TopicPartition(p["topic"], n), timeout=30)
            out_.append({"partition": n, "low": low, "high": high})
        return {"partitions": out_}
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
        "transactions": transactions,
        "consume-transform-produce": consume_transform_produce,
        "offsets-for-times": offsets_for_times,
        "delete-records": delete_records,
        "configs": configs,
        "watermarks": watermarks,
    }
)
