// Drives a served julesform emulator with the official Jules TypeScript SDK and prints what it saw as
// JSON on stdout. Usage: node sdk-check.mjs BASE_URL API_KEY   (BASE_URL ends in /v1alpha)
// The emulator runs on a manual clock; time is moved through its admin endpoint.
import { connect } from '@google/jules-sdk';

const [baseUrl, apiKey] = process.argv.slice(2);
const adminUrl = baseUrl.replace(/\/v1alpha$/, '/_emulator');
const jules = connect({ apiKey, baseUrl, config: { pollingIntervalMs: 20 } });

async function advance(seconds) {
  const response = await fetch(`${adminUrl}/clock`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ advance: seconds }),
  });
  if (!response.ok) throw new Error(`clock: ${response.status}`);
}

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const seen = {};
seen.sources = (await collect(jules.sources())).map((s) => s.name);
seen.source = (await jules.sources.get({ github: 'example-org/widget-app' }))?.name ?? null;

// jules.session() asks for plan approval and AUTO_CREATE_PR by default; it calls sources.get first.
const session = await jules.session({
  prompt: 'Add unit tests for the auth module.\n\n## Tests (4)\nWrite `tests/test_auth.py`.',
  title: 'SDK check [jf:sdk/auth]',
  source: { github: 'example-org/widget-app', baseBranch: 'main' },
});
seen.id = session.id;
await advance(3600);
seen.stateBeforeApproval = (await session.info()).state;
await session.approve();
await advance(3600);
seen.activityTypes = (await collect(session.history())).map((a) => a.type);
const outcome = await session.result();
seen.outcomeState = outcome.state;
seen.pullRequest = outcome.pullRequest?.url ?? null;
seen.listed = (await jules.sessions({ pageSize: 10 })).sessions.map((s) => s.id);
await session.archive();
seen.listedAfterArchive = (await jules.sessions({ pageSize: 10 })).sessions.map((s) => s.id);
process.stdout.write(JSON.stringify(seen) + '\n');
