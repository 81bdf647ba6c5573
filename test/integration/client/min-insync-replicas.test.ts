// min.insync.replicas as Kafka enforces it: one broker is an in-sync replica set of one, so a topic that asks for
// more refuses acks=all writes (NOT_ENOUGH_REPLICAS) and takes acks=1 and acks=0 ones.
import {expect, it} from 'vitest'
import {KafkaProducer} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const home = TestHome.forEachTest()

it('refuses acks=all on a topic with min.insync.replicas=2 (NOT_ENOUGH_REPLICAS) and accepts acks=1', async () => {
  const topic = uniqueTopic()
  const config = home.config
  await home.withAdmin((admin) =>
    admin.createTopics([{name: topic, numPartitions: 1, configs: {'min.insync.replicas': '2'}}]),
  )
  const all = new KafkaProducer({...config, acks: 'all', 'delivery.timeout.ms': '1000', 'request.timeout.ms': '500'})
  await expect(all.send({topic, value: 'v'})).rejects.toMatchObject({
    code: 'NOT_ENOUGH_REPLICAS',
    message: expect.stringMatching(/insufficient to satisfy the min.isr requirement of 2 for partition .*-0/),
  })
  await all.close()
  const one = new KafkaProducer({...config, acks: '1'})
  expect((await one.send({topic, value: 'v'})).offset).toBe(0)
  await one.close()
})
