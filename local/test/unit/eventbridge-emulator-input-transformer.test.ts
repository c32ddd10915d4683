import { describe, expect, it } from '@jest/globals';
import type { EventBridgeApiError } from '../../src/eventbridge/errors.ts';
import { compileTargetInput, type TargetInputContext } from '../../src/eventbridge/input-transformer.ts';
import { compileJsonPath } from '../../src/eventbridge/json-path.ts';
import type { EventEnvelope, TargetRecord } from '../../src/eventbridge/model.ts';

/** The EC2 example event of the EventBridge input-transformation guide. */
const event: EventEnvelope = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING', tags: ['a', 'b'], size: { cpu: 2 } },
};
const context: TargetInputContext = {
  event,
  eventJson: JSON.stringify(event),
  ruleArn: 'arn:aws:events:us-east-2:123456789012:rule/example',
  ruleName: 'example',
  ingestionTime: '2015-11-11T21:29:55.123Z',
};
const paths = {
  instance: '$.detail.instance-id',
  state: '$.detail.state',
  tags: '$.detail.tags',
  size: '$.detail.size',
};

function render(target: Partial<TargetRecord>): string {
  const result = compileTargetInput({
    Id: 't',
    Arn: 'arn:aws:sqs:us-east-1:123456789012:q',
    ...target,
  }).render(context);
  if (!result.ok) throw new Error(result.reason);
  return result.body;
}

function renderTemplate(template: string, inputPathsMap: Record<string, string> = paths): string {
  return render({ InputTransformer: { InputPathsMap: inputPathsMap, InputTemplate: template } });
}

describe('target input', () => {
  it('given no input settings, when rendered, then the target gets the event as sent', () => {
    expect(render({})).toBe(context.eventJson);
  });

  it('given a constant Input, when rendered, then the target gets it verbatim', () => {
    expect(render({ Input: '{"kind": "ping"}' })).toBe('{"kind": "ping"}');
  });

  it('given an InputPath, when rendered, then the target gets the selected value as JSON', () => {
    expect(render({ InputPath: '$.detail.state' })).toBe('"RUNNING"');
    expect(render({ InputPath: '$.detail.tags[1]' })).toBe('"b"');
    expect(render({ InputPath: '$' })).toBe(context.eventJson);
  });

  it('given an InputPath that selects nothing, when rendered, then the delivery fails with a reason', () => {
    const result = compileTargetInput({
      Id: 't',
      Arn: 'arn:aws:sqs:us-east-1:1:q',
      InputPath: '$.detail.nope',
    }).render(context);
    expect(result).toEqual({ ok: false, reason: 'InputPath $.detail.nope selects nothing in the event' });
  });

  describe('input transformer (examples of the EventBridge user guide)', () => {
    it('given a string template, when rendered, then values are inserted raw and the quotes stay', () => {
      expect(renderTemplate('"instance <instance> is in <state>"')).toBe(
        '"instance i-0123456789 is in RUNNING"',
      );
    });

    it('given a string with escaped quotes, when rendered, then the escapes are kept', () => {
      expect(renderTemplate('"instance \\"<instance>\\" is in <state>"')).toBe(
        '"instance \\"i-0123456789\\" is in RUNNING"',
      );
    });

    it('given a JSON template with bare placeholders, when rendered, then values become JSON values', () => {
      expect(
        JSON.parse(
          renderTemplate('{"instance" : <instance>, "state": [9, <state>, true], "Transformed": "Yes"}'),
        ),
      ).toEqual({
        instance: 'i-0123456789',
        state: [9, 'RUNNING', true],
        Transformed: 'Yes',
      });
    });

    it('given placeholders inside and outside strings of a JSON template, when rendered, then each is quoted accordingly', () => {
      const body = renderTemplate(
        '{"instance": <instance>, "state": "<state>", "status": "instance \\"<instance>\\" is in <state>"}',
      );
      expect(JSON.parse(body)).toEqual({
        instance: 'i-0123456789',
        state: 'RUNNING',
        status: 'instance "i-0123456789" is in RUNNING',
      });
    });

    it('given a JSON template, when rendered, then the output is minified', () => {
      expect(renderTemplate('{\n  "state" : <state>\n}')).toBe('{"state":"RUNNING"}');
    });

    it('given objects and arrays, when rendered bare they stay JSON, and inside a string they lose their quotes', () => {
      expect(JSON.parse(renderTemplate('{"tags": <tags>, "size": <size>}'))).toEqual({
        tags: ['a', 'b'],
        size: { cpu: 2 },
      });
      expect(JSON.parse(renderTemplate('{"summary": "size <size>"}'))).toEqual({ summary: 'size {cpu:2}' });
    });

    it('given a path missing from the event, when rendered, then it is null as a value and empty inside a string', () => {
      const missing = { ...paths, gone: '$.detail.gone' };
      expect(JSON.parse(renderTemplate('{"gone": <gone>, "text": "[<gone>]"}', missing))).toEqual({
        gone: null,
        text: '[]',
      });
      expect(renderTemplate('"value: <gone>."', missing)).toBe('"value: ."');
    });

    it('given the reserved variables, when rendered, then rule, time and event are filled in', () => {
      const body = JSON.parse(
        renderTemplate(
          '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "original": <aws.events.event>, "whole": <aws.events.event.json>}',
        ),
      );
      const { detail: _detail, ...withoutDetail } = event;
      expect(body).toEqual({
        ruleArn: context.ruleArn,
        ruleName: 'example',
        at: context.ingestionTime,
        original: withoutDetail,
        whole: event,
      });
      expect(renderTemplate('"<aws.events.rule-name> triggered"')).toBe('"example triggered"');
    });

    it('given a value holding a quote inside a JSON string, when rendered, then it is inserted unescaped like EventBridge does', () => {
      const quoted: TargetInputContext = { ...context, event: { ...event, detail: { note: 'say "hi"' } } };
      const result = compileTargetInput({
        Id: 't',
        Arn: 'arn:aws:sqs:us-east-1:1:q',
        InputTransformer: { InputPathsMap: { note: '$.detail.note' }, InputTemplate: '{"note": "<note>"}' },
      }).render(quoted);
      expect(result).toEqual({ ok: true, body: '{"note": "say "hi""}' });
    });
  });

  describe('validation at PutTargets', () => {
    function compileError(target: Partial<TargetRecord>): EventBridgeApiError | undefined {
      try {
        compileTargetInput({ Id: 't', Arn: 'arn:aws:sqs:us-east-1:1:q', ...target });
        return undefined;
      } catch (error) {
        return error as EventBridgeApiError;
      }
    }

    it('when more than one of Input, InputPath and InputTransformer is set, then ValidationException', () => {
      expect(compileError({ Input: '{}', InputPath: '$' })).toMatchObject({ code: 'ValidationException' });
    });

    it('when Input is not JSON, then ValidationException', () => {
      expect(compileError({ Input: 'not json' })).toMatchObject({ code: 'ValidationException' });
    });

    it('when a placeholder has no path and is not reserved, then ValidationException naming it', () => {
      expect(
        compileError({ InputTransformer: { InputPathsMap: {}, InputTemplate: '"<who>"' } }),
      ).toMatchObject({
        code: 'ValidationException',
        message: 'InputTemplate for target t contains invalid placeholder who.',
      });
    });

    it('when a JSON template is not JSON once filled, then ValidationException', () => {
      expect(
        compileError({ InputTransformer: { InputPathsMap: { a: '$.a' }, InputTemplate: '{"a": <a>,}' } }),
      ).toMatchObject({
        code: 'ValidationException',
      });
    });

    it('when an InputPathsMap key uses a reserved name or a bad path, then ValidationException', () => {
      expect(
        compileError({
          InputTransformer: { InputPathsMap: { 'aws.events.event': '$' }, InputTemplate: '"x"' },
        }),
      ).toMatchObject({ code: 'ValidationException' });
      expect(
        compileError({ InputTransformer: { InputPathsMap: { a: 'detail.a' }, InputTemplate: '"<a>"' } }),
      ).toMatchObject({
        code: 'ValidationException',
      });
    });
  });
});

describe('JSON paths', () => {
  const document = { detail: { items: [{ id: 1 }, { id: 2 }], 'weird/key': true, 'dash-key': 'x' } };

  it('given dot, bracket and index steps, when selected, then the value is found', () => {
    expect(compileJsonPath('$.detail.dash-key')?.select(document)).toEqual({ found: true, value: 'x' });
    expect(compileJsonPath('$.detail.weird/key')?.select(document)).toEqual({ found: true, value: true });
    expect(compileJsonPath("$.detail['dash-key']")?.select(document)).toEqual({ found: true, value: 'x' });
    expect(compileJsonPath('$.detail.items[1].id')?.select(document)).toEqual({ found: true, value: 2 });
  });

  it('given a wildcard, when selected, then every match is returned as an array', () => {
    expect(compileJsonPath('$.detail.items[*].id')?.select(document)).toEqual({ found: true, value: [1, 2] });
  });

  it('given a missing member, when selected, then nothing is found', () => {
    expect(compileJsonPath('$.detail.items[5]')?.select(document)).toEqual({ found: false });
    expect(compileJsonPath('$.nope.deeper')?.select(document)).toEqual({ found: false });
  });

  it('given text that is not a supported path, when compiled, then it is refused', () => {
    expect(compileJsonPath('detail.a')).toBeUndefined();
    expect(compileJsonPath('$.a[')).toBeUndefined();
    expect(compileJsonPath('$..a')).toBeUndefined();
  });
});
