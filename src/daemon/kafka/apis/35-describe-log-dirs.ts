// DescribeLogDirs (key 35): v1-v5 (v0 was removed in Kafka 4.0).
//
// - kafkalite has one log directory: the one holding its database (the broker core's describeLogDirs). Each partition
//   asked for (every partition when Topics is null) is listed with the bytes of its stored batches as its size, an
//   offset lag of 0 (the log end is the high watermark on a single broker), and IsFutureKey false.
// - v4+: TotalBytes and UsableBytes of the directory's file system (-1 when unknown); v5: IsCordoned false.
// - Topics that do not exist are left out, as Kafka leaves out the partitions it does not host.
import {APIS, type DescribeLogDirsRequest, type DescribeLogDirsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const describeLogDirsApi = defineKafkaApi<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  codec: APIS.DescribeLogDirs,
  minVersion: 1,
  maxVersion: 5,
  handle(req, ctx) {
    const id = ctx.core.config.brokerId
    const res = ctx.core.describeLogDirs({
      brokers: [id],
      topics: req.topics === null ? null : req.topics.map((t) => ({topic: t.topic, partitions: t.partitions})),
    })
    const logDirs = res.brokers[0]!.logDirs
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      results: logDirs.map((d) => {
        const byTopic = new Map<
          string,
          {partitionIndex: number; partitionSize: number; offsetLag: number; isFutureKey: boolean}[]
        >()
        for (const p of d.partitions) {
          let list = byTopic.get(p.topic)
          if (list === undefined) byTopic.set(p.topic, (list = []))
          list.push({
            partitionIndex: p.partition,
            partitionSize: p.size,
            offsetLag: p.offsetLag,
            isFutureKey: p.isFuture,
          })
        }
        return {
          errorCode: errorFields(d.error).errorCode,
          logDir: d.logDir,
          topics: [...byTopic].map(([name, partitions]) => ({name, partitions})),
          totalBytes: d.totalBytes,
          usableBytes: d.usableBytes,
          isCordoned: false,
        }
      }),
    }
  },
  errorResponse: (_req, errorCode) => ({throttleTimeMs: 0, errorCode, results: []}),
})
