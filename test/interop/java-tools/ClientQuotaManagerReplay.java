// Replays a script of quota changes and recordings through Kafka's own ClientQuotaManager (Apache Kafka 4.4, the
// broker's class with its DefaultQuotaCallback, metrics and Rate), printing the throttle time of each recording:
// test/interop/client-quotas.test.ts compares them with kafkalite's QuotaMeter on the same script. Run with the
// single-file source launcher on the broker's classpath:
//   java -cp 'kafka-4.4.0/libs/*' ClientQuotaManagerReplay.java SAMPLES WINDOW_SECONDS < script
// Script lines: `Q user client bound|remove` (user and client: a name, `*` the default, `-` none) and
// `R user client value timeMs`; output: one throttle time per R line.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Quota;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.network.Session;
import org.apache.kafka.server.config.ClientQuotaManagerConfig;
import org.apache.kafka.server.quota.ClientQuotaEntity;
import org.apache.kafka.server.quota.ClientQuotaManager;
import org.apache.kafka.server.quota.QuotaType;

public class ClientQuotaManagerReplay {
    static long now = 0;

    public static void main(String[] args) throws Exception {
        Time time = new Time() {
            public long milliseconds() { return now; }
            public long nanoseconds() { return now * 1_000_000L; }
            public void sleep(long ms) { now += ms; }
            public void waitObject(Object o, Supplier<Boolean> condition, long deadlineMs) {}
        };
        Metrics metrics = new Metrics(new MetricConfig(), List.of(), time);
        ClientQuotaConfig config = new ClientQuotaConfig(Integer.parseInt(args[0]), Integer.parseInt(args[1]));
        ClientQuotaManager manager = new ClientQuotaManager(
            new ClientQuotaManagerConfig(config.samples, config.windowSeconds), metrics, QuotaType.PRODUCE, time, "replay-");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        StringBuilder out = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            String[] p = line.split(" ");
            if (p[0].equals("Q")) {
                Optional<Quota> quota = p[3].equals("remove") ? Optional.empty() : Optional.of(Quota.upperBound(Double.parseDouble(p[3])));
                manager.updateQuota(user(p[1]), client(p[2]), quota);
            } else {
                now = Long.parseLong(p[4]);
                Session session = new Session(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, p[1]), InetAddress.getLoopbackAddress());
                out.append(manager.maybeRecordAndGetThrottleTimeMs(session, p[2], Double.parseDouble(p[3]), now)).append('\n');
            }
        }
        System.out.print(out);
        manager.shutdown();
        metrics.close();
    }

    record ClientQuotaConfig(int samples, int windowSeconds) {}

    static Optional<ClientQuotaEntity.ConfigEntity> user(String s) {
        if (s.equals("-")) return Optional.empty();
        if (s.equals("*")) return Optional.of(ClientQuotaManager.DEFAULT_USER_ENTITY);
        return Optional.of(new ClientQuotaManager.UserEntity(s));
    }

    static Optional<ClientQuotaEntity.ConfigEntity> client(String s) {
        if (s.equals("-")) return Optional.empty();
        if (s.equals("*")) return Optional.of(ClientQuotaManager.DEFAULT_USER_CLIENT_ID);
        return Optional.of(new ClientQuotaManager.ClientIdEntity(s));
    }
}
