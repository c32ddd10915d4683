import { beforeEach, describe, expect, it, jest } from '@jest/globals';

// The metered gateway's EMF lines, read back from stdout (where CloudWatch Logs reads them).
process.env.POWERTOOLS_METRICS_NAMESPACE = 'qdn';
process.env.POWERTOOLS_SERVICE_NAME = 'notifications';

const { meteredGateway } = await import('../../src/adapters/sms-metrics.ts');
const { SmsSendError } = await import('../../src/domain/ports.ts');
type Gateway = import('../../src/domain/ports.ts').SmsGateway;

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line.includes('"_aws"')),
    );
    return true;
  });
});
const metrics = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

const sms = {
  brandId: 'qdn',
  to: '+16195550150',
  body: 'On the way',
  sender: { from: '+16195550100' },
} as Parameters<Gateway['send']>[0];
const cause = { occurredAt: '2026-12-04T12:00:00.000Z' };
const now = () => new Date('2026-12-04T12:00:02.500Z');

describe('the metered SMS gateway', () => {
  it("counts a text Twilio took, with the latency from its event's occurredAt", async () => {
    const gateway: Gateway = {
      send: async () => ({ messageSid: 'SM1', status: 'queued' }),
      findSent: async () => undefined,
    };
    await expect(meteredGateway(gateway, cause, now).send(sms)).resolves.toEqual({
      messageSid: 'SM1',
      status: 'queued',
    });
    expect(metrics()).toEqual([
      expect.objectContaining({ brand: 'qdn', SmsSent: 1 }),
      expect.objectContaining({ brand: 'qdn', FanOutLatency: 2500 }),
    ]);
  });

  it('counts a permanent refusal as failed, and a transient one not at all (it is retried)', async () => {
    const refusing = (kind: 'permanent' | 'transient'): Gateway => ({
      send: async () => {
        throw new SmsSendError(kind, 'refused', 21211);
      },
      findSent: async () => undefined,
    });
    await expect(meteredGateway(refusing('permanent'), cause, now).send(sms)).rejects.toThrow('refused');
    await expect(meteredGateway(refusing('transient'), cause, now).send(sms)).rejects.toThrow('refused');
    expect(metrics()).toEqual([expect.objectContaining({ brand: 'qdn', SmsFailed: 1 })]);
  });

  it("counts a dispatcher's own text by its brand, with no fan-out latency (no event caused it)", async () => {
    const gateway: Gateway = {
      send: async () => ({ messageSid: 'SM2', status: 'queued' }),
      findSent: async () => undefined,
    };
    await meteredGateway(gateway, {}, now).send({ ...sms, brandId: 'jada' });
    expect(metrics()).toEqual([expect.objectContaining({ brand: 'jada', SmsSent: 1 })]);
  });
});
