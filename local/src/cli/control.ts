// People's shortcuts to the control API of a running `npm start`:
//   npm run token  -- [--role dispatcher|admin|driver] [--crew-id <crewId>]
//   npm run outbox
//   npm run sms    -- --from +16195550123 "message text"
import { parseArgs } from 'node:util';

const base = process.env.QDN_API_URL ?? `http://localhost:${process.env.QDN_PORT ?? 3000}`;
const [command, ...rest] = process.argv.slice(2);

async function call(path: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, init);
  } catch {
    console.error(`Nothing answers at ${base}. Is \`npm start\` running? (QDN_PORT / QDN_API_URL)`);
    process.exit(1);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    console.error(`${response.status}: ${JSON.stringify(body)}`);
    process.exit(1);
  }
  return body;
}

if (command === 'token') {
  const { values } = parseArgs({
    args: rest,
    options: { role: { type: 'string', default: 'dispatcher' }, 'crew-id': { type: 'string' } },
  });
  const query = new URLSearchParams({ role: values.role ?? 'dispatcher' });
  if (values['crew-id']) query.set('crewId', values['crew-id']);
  const { token } = (await call(`/_local/token?${query}`)) as {
    token: string;
  };
  console.log(token);
} else if (command === 'outbox') {
  const { messages } = (await call('/_local/twilio/messages')) as {
    messages: {
      dateCreated?: string;
      direction?: string;
      to: string;
      from: string | null;
      status: string;
      body: string;
    }[];
  };
  if (messages.length === 0) console.log('(no messages yet)');
  for (const message of messages) {
    console.log(
      `${message.dateCreated ?? ''}  ${message.from ?? '(service)'} → ${message.to}  [${message.status}]\n    ${message.body}`,
    );
  }
} else if (command === 'sms') {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' } },
  });
  if (!values.from || positionals.length === 0) {
    console.error('usage: npm run sms -- --from +16195550123 "message text"');
    process.exit(2);
  }
  const result = await call('/_local/twilio/inbound', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: values.from, to: values.to, body: positionals.join(' ') }),
  });
  console.log(JSON.stringify(result, null, 2));
} else {
  console.error('usage: control.ts token|outbox|sms');
  process.exit(2);
}
