// The interoperability suite's driver for Apache Kafka's Java client (org.apache.kafka:kafka-clients).
//
//   java -cp '<libs>/*' Driver <scenario> '<json parameters>'
//
// Every driver of the suite speaks the same contract: one JSON object per line on stdout, events first
// ({"event": ...}) and then exactly one {"result": ...} or {"error": "..."}. Records travel as
// {partition, offset, timestamp, key, value, headers: [[name, value]]} with keys, values and header values in
// base64 (null stays null), so bytes compare exactly across languages. A long-running scenario (group-member)
// reads commands from stdin, one a line.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class Driver {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Decoder UNB64 = Base64.getDecoder();

  private Driver() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Driver <scenario> '<json parameters>'");
      System.exit(2);
    }
    JsonNode p = JSON.readTree(args[1]);
    try {
      Object result =
          switch (args[0]) {
            case "metadata" -> metadata(p);
            case "create-topic" -> createTopic(p);
            case "produce" -> produce(p);
            case "consume" -> consume(p);
            case "group-member" -> groupMember(p);
            case "commit" -> commit(p);
            case "resume" -> resume(p);
            case "transactions" -> transactions(p);
            case "consume-transform-produce" -> consumeTransformProduce(p);
            case "offsets-for-times" -> offsetsForTimes(p);
            case "delete-records" -> deleteRecords(p);
            case "configs" -> configs(p);
            case "watermarks" -> watermarks(p);
            case "group-offsets" -> groupOffsets(p);
            default -> throw new IllegalArgumentException("unknown scenario: " + args[0]);
          };
      ObjectNode out = JSON.createObjectNode();
      out.set("result", JSON.valueToTree(result));
      emit(out);
      System.exit(0);
    } catch (Exception e) {
      ObjectNode out = JSON.createObjectNode();
      out.put("error", e.toString() + (e.getCause() != null ? " caused by " + e.getCause() : ""));
      emit(out);
      System.exit(1);
    }
  }

  private static synchronized void emit(JsonNode node) {
    System.out.println(node.toString());
    System.out.flush();
  }

  private static Properties common(JsonNode p) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, p.get("bootstrap").asText());
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, p.path("clientId").asText("interop-java"));
    return props;
  }

  private static KafkaProducer<byte[], byte[]> producer(JsonNode p, Map<String, Object> extra) {
    Properties props = common(p);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // Idempotence is the client's default; a plain producer here has it off, a transactional one needs it.
    boolean idempotent =
        p.path("idempotent").asBoolean(false) || extra.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.putAll(extra);
    return new KafkaProducer<>(props);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(JsonNode p, String group) {
    Properties props = common(p);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, p.path("isolation").asText("read_uncommitted"));
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      props.put(
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
          "org.apache.kafka.clients.consumer.RangeAssignor");
      props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
      props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
    }
    return new KafkaConsumer<>(props);
  }

  private static Admin admin(JsonNode p) {
    return Admin.create(common(p));
  }

  private static byte[] bytes(JsonNode n) {
    return n == null || n.isNull() ? null : UNB64.decode(n.asText());
  }

  private static String b64(byte[] b) {
    return b == null ? null : B64.encodeToString(b);
  }

  private static ProducerRecord<byte[], byte[]> toRecord(String topic, JsonNode r) {
    RecordHeaders headers = new RecordHeaders();
    for (JsonNode h : r.path("headers")) {
      headers.add(h.get(0).asText(), bytes(h.get(1)));
    }
    Integer partition = r.has("partition") ? r.get("partition").asInt() : null;
    Long timestamp = r.hasNonNull("timestamp") ? r.get("timestamp").asLong() : null;
    return new ProducerRecord<>(topic, partition, timestamp, bytes(r.get("key")), bytes(r.get("value")), headers);
  }

  private static ObjectNode fromRecord(ConsumerRecord<byte[], byte[]> r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("topic", r.topic());
    o.put("partition", r.partition());
    o.put("offset", r.offset());
    o.put("timestamp", r.timestamp());
    o.put("key", b64(r.key()));
    o.put("value", b64(r.value()));
    ArrayNode hs = o.putArray("headers");
    for (Header h : r.headers()) {
      ArrayNode pair = hs.addArray();
      pair.add(h.key());
      pair.add(b64(h.value()));
    }
    return o;
  }

  private static Map<String, Object> metadata(JsonNode p) throws Exception {
    try (Admin admin = admin(p)) {
      Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      List<Map<String, Object>> brokers = new ArrayList<>();
      for (Node n : nodes) {
        brokers.add(Map.of("id", n.id(), "host", n.host(), "port", n.port()));
      }
      List<Map<String, Object>> topics = new ArrayList<>();
      for (String name : new TreeSet<>(names)) {
        topics.add(Map.of("name", name, "partitions", described.get(name).partitions().size()));
      }
      return Map.of("brokers", brokers, "topics", topics);
    }
  }

  private static Map<String, Object> createTopic(JsonNode p) throws Exception {
    try (Admin admin = admin(p)) {
      NewTopic topic = new NewTopic(p.get("topic").asText(), p.get("partitions").asInt(), (short) 1);
      admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      return Map.of("created", p.get("topic").asText());
    }
  }

  private static List<Map<String, Object>> sendAll(
      KafkaProducer<byte[], byte[]> producer, String topic, JsonNode records) throws Exception {
    List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
    for (JsonNode r : records) {
      sent.add(producer.send(toRecord(topic, r)));
    }
    producer.flush();
    List<Map<String, Object>> out = new ArrayList<>();
    for (var f : sent) {
      RecordMetadata m = f.get(30, TimeUnit.SECONDS);
      out.add(Map.of("partition", m.partition(), "offset", m.offset()));
    }
    return out;
  }

  private static Map<String, Object> produce(JsonNode p) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer(p, Map.of())) {
      return Map.of("offsets", sendAll(producer, p.get("topic").asText(), p.get("records")));
    }
  }

  private static List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> consumer, JsonNode p) {
    String topic = p.get("topic").asText();
    List<TopicPartition> tps = new ArrayList<>();
    if (p.has("partitions")) {
      for (JsonNode n : p.get("partitions")) {
        tps.add(new TopicPartition(topic, n.asInt()));
      }
    } else {
      consumer.partitionsFor(topic).forEach((i) -> tps.add(new TopicPartition(topic, i.partition())));
    }
    return tps;
  }

  /** Reads from the beginning, without a group, until `count` records or the record keyed `stopKey`. */
  private static Map<String, Object> consume(JsonNode p) throws Exception {
    int count = p.path("count").asInt(Integer.MAX_VALUE);
    String stopKey = p.path("stopKey").asText(null);
    long deadline = System.currentTimeMillis() + p.path("timeoutMs").asLong(20_000);
    List<JsonNode> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(p, null)) {
      List<TopicPartition> tps = partitionsOf(consumer, p);
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      boolean done = false;
      while (!done && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          records.add(fromRecord(r));
          if (records.size() >= count || (stopKey != null && stopKey.equals(b64(r.key())))) {
            done = true;
            break;
          }
        }
      }
    }
    return Map.of("records", records);
  }

  private static ObjectNode assignmentEvent(Collection<TopicPartition> assignment) {
    ObjectNode e = JSON.createObjectNode();
    e.put("event", "assigned");
    ArrayNode parts = e.putArray("partitions");
    assignment.stream().map(TopicPartition::partition).sorted().forEach(parts::add);
    return e;
  }

  /**
   * A member of a consumer group that reports each assignment and each record, commits after each poll, and
   * leaves the group (LeaveGroup) when stdin says "leave" or closes.
   */
  private static Map<String, Object> groupMember(JsonNode p) throws Exception {
    AtomicBoolean leave = new AtomicBoolean(false);
    Thread stdin =
        new Thread(
            () -> {
              try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !line.trim().equals("leave")) {
                  // other commands: none yet
                }
              } catch (Exception ignored) {
                // stdin closed: leave
              }
              leave.set(true);
            });
    stdin.setDaemon(true);
    stdin.start();
    int consumed = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(p, p.get("group").asText())) {
      consumer.subscribe(
          List.of(p.get("topic").asText()),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              emit(assignmentEvent(consumer.assignment()));
            }
          });
      while (!leave.get()) {
        var records = consumer.poll(Duration.ofMillis(100));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          ObjectNode e = fromRecord(r);
          e.put("event", "record");
          emit(e);
          consumed++;
        }
        if (!records.isEmpty()) {
          consumer.commitSync();
        }
      }
    }
    return Map.of("left", true, "consumed", consumed);
  }

  /** Joins `group`, reads until offset `offset` of partition 0 is reached, commits it and leaves. */
  private static Map<String, Object> commit(JsonNode p) throws Exception {
    long offset = p.get("offset").asLong();
    TopicPartition tp = new TopicPartition(p.get("topic").asText(), 0);
    long deadline = System.currentTimeMillis() + p.path("timeoutMs").asLong(30_000);
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(p, p.get("group").asText())) {
      consumer.subscribe(List.of(tp.topic()));
      long next = -1;
      while (next < offset && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          next = Math.max(next, r.offset() + 1);
        }
      }
      if (next < offset) {
        throw new IllegalStateException("read only up to offset " + next + " before the deadline");
      }
      consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset)));
      return Map.of("committed", offset);
    }
  }

  /** Joins `group` again and reports its committed offset and the first record it is given. */
  private static Map<String, Object> resume(JsonNode p) throws Exception {
    TopicPartition tp = new TopicPartition(p.get("topic").asText(), 0);
    long deadline = System.currentTimeMillis() + p.path("timeoutMs").asLong(30_000);
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(p, p.get("group").asText())) {
      OffsetAndMetadata committed = consumer.committed(Set.of(tp)).get(tp);
      consumer.subscribe(List.of(tp.topic()));
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          Map<String, Object> out = new HashMap<>();
          out.put("committed", committed == null ? null : committed.offset());
          out.put("firstOffset", r.offset());
          return out;
        }
      }
      throw new IllegalStateException("no record within the deadline");
    }
  }

  /** One transaction per list in `transactions`, each committed or aborted as it says. */
  private static Map<String, Object> transactions(JsonNode p) throws Exception {
    String topic = p.get("topic").asText();
    List<String> outcomes = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        producer(p, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, p.get("transactionalId").asText()))) {
      producer.initTransactions();
      for (JsonNode txn : p.get("transactions")) {
        producer.beginTransaction();
        sendAll(producer, topic, txn.get("records"));
        if (txn.get("commit").asBoolean()) {
          producer.commitTransaction();
          outcomes.add("committed");
        } else {
          producer.abortTransaction();
          outcomes.add("aborted");
        }
      }
    }
    return Map.of("transactions", outcomes);
  }

  /**
   * Reads `count` records of `input` in group `group` (read_committed) and writes each to `output` with the
   * value prefixed by `prefix`, in one transaction that also commits the group's offsets
   * (sendOffsetsToTransaction).
   */
  private static Map<String, Object> consumeTransformProduce(JsonNode p) throws Exception {
    int count = p.get("count").asInt();
    byte[] prefix = p.get("prefix").asText().getBytes(StandardCharsets.UTF_8);
    String output = p.get("output").asText();
    long deadline = System.currentTimeMillis() + p.path("timeoutMs").asLong(30_000);
    ObjectNode cp = ((ObjectNode) p.deepCopy()).put("isolation", "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(cp, p.get("group").asText());
        KafkaProducer<byte[], byte[]> producer =
            producer(p, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, p.get("transactionalId").asText()))) {
      producer.initTransactions();
      consumer.subscribe(List.of(p.get("input").asText()));
      List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
      while (batch.size() < count && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(batch::add);
      }
      if (batch.size() < count) {
        throw new IllegalStateException("read " + batch.size() + " of " + count + " records before the deadline");
      }
      producer.beginTransaction();
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : batch.subList(0, count)) {
        byte[] value = new byte[prefix.length + r.value().length];
        System.arraycopy(prefix, 0, value, 0, prefix.length);
        System.arraycopy(r.value(), 0, value, prefix.length, r.value().length);
        producer.send(new ProducerRecord<>(output, null, r.key(), value, r.headers()));
        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      producer.commitTransaction();
      return Map.of("transformed", count);
    }
  }

  private static Map<String, Object> offsetsForTimes(JsonNode p) throws Exception {
    TopicPartition tp = new TopicPartition(p.get("topic").asText(), p.path("partition").asInt(0));
    List<Object> offsets = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(p, null)) {
      for (JsonNode ts : p.get("timestamps")) {
        OffsetAndTimestamp found =
            consumer.offsetsForTimes(Map.of(tp, ts.asLong()), Duration.ofSeconds(30)).get(tp);
        offsets.add(found == null ? null : found.offset());
      }
    }
    return Map.of("offsets", offsets);
  }

  private static Map<String, Object> deleteRecords(JsonNode p) throws Exception {
    TopicPartition tp = new TopicPartition(p.get("topic").asText(), p.path("partition").asInt(0));
    try (Admin admin = admin(p)) {
      DeletedRecords deleted =
          admin
              .deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(p.get("before").asLong())))
              .lowWatermarks()
              .get(tp)
              .get(30, TimeUnit.SECONDS);
      return Map.of("lowWatermark", deleted.lowWatermark());
    }
  }

  /** Sets topic configs with IncrementalAlterConfigs (SET), then reads the topic's and the broker's back. */
  private static Map<String, Object> configs(JsonNode p) throws Exception {
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, p.get("topic").asText());
    ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, p.path("broker").asText("1"));
    try (Admin admin = admin(p)) {
      if (p.has("set")) {
        List<AlterConfigOp> ops = new ArrayList<>();
        p.get("set")
            .fields()
            .forEachRemaining(
                e ->
                    ops.add(
                        new AlterConfigOp(
                            new ConfigEntry(e.getKey(), e.getValue().asText()), AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(Map.of(topic, ops)).all().get(30, TimeUnit.SECONDS);
      }
      Map<ConfigResource, Config> described =
          admin.describeConfigs(List.of(topic, broker)).all().get(30, TimeUnit.SECONDS);
      return Map.of(
          "topic", values(described.get(topic), p.get("topicConfigs")),
          "broker", values(described.get(broker), p.get("brokerConfigs")));
    }
  }

  private static Map<String, Object> values(Config config, JsonNode names) {
    Map<String, Object> out = new HashMap<>();
    for (JsonNode name : names) {
      ConfigEntry e = config.get(name.asText());
      out.put(name.asText(), e == null ? null : e.value());
    }
    return out;
  }

  private static Map<String, Object> watermarks(JsonNode p) throws Exception {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(p, null)) {
      List<TopicPartition> tps = partitionsOf(consumer, p);
      Map<TopicPartition, Long> low = consumer.beginningOffsets(tps);
      Map<TopicPartition, Long> high = consumer.endOffsets(tps);
      List<Map<String, Object>> out = new ArrayList<>();
      for (TopicPartition tp : tps) {
        out.add(Map.of("partition", tp.partition(), "low", low.get(tp), "high", high.get(tp)));
      }
      return Map.of("partitions", out);
    }
  }

  private static Map<String, Object> groupOffsets(JsonNode p) throws Exception {
    try (Admin admin = admin(p)) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets(p.get("group").asText())
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      List<Map<String, Object>> out = new ArrayList<>();
      offsets.forEach(
          (tp, o) -> out.add(Map.of("topic", tp.topic(), "partition", tp.partition(), "offset", o.offset())));
      return Map.of("offsets", out);
    }
  }
}
