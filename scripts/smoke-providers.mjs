// Runs a short text case and a tool-call case against the real provider APIs whose keys are set,
// and skips the others with a note. Not run in CI (it costs money and needs network).
//
//   node --conditions=@troupe/source --import tsx scripts/smoke-providers.mjs
//
// Models can be overridden with SMOKE_OPENAI_MODEL, SMOKE_ANTHROPIC_MODEL, SMOKE_GEMINI_MODEL and
// SMOKE_OLLAMA_MODEL.
import { existsSync, readFileSync } from 'node:fs';

// Workspace packages are loaded from their folders (the root does not depend on them): their
// source entry under the `@troupe/source` condition, their build otherwise.
const useSource = process.execArgv.some((flag) => flag.includes('@troupe/source'));
async function importPackage(name) {
  const folder = new URL(`../packages/${name.replace('@troupe/', '')}/`, import.meta.url);
  const manifestUrl = new URL('package.json', folder);
  if (!existsSync(manifestUrl)) throw new Error(`${name} is not in this workspace`);
  const entry = JSON.parse(readFileSync(manifestUrl, 'utf8')).exports['.'];
  return import(new URL(useSource ? entry['@troupe/source'] : entry.import, folder).href);
}

const { collectModelResponse } = await importPackage('@troupe/core');

// Read by name: these are the user's own keys, not build inputs.
const variable = (name) => process.env[name] || undefined;

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const providers = [
  {
    name: 'openai',
    present: () => Boolean(variable('OPENAI_API_KEY')),
    missing: 'OPENAI_API_KEY is not set',
    create: async () => {
      const { openai } = await importPackage('@troupe/provider-openai');
      return openai({ model: variable('SMOKE_OPENAI_MODEL') ?? 'gpt-4o-mini' });
    },
  },
  {
    name: 'anthropic',
    present: () => Boolean(variable('ANTHROPIC_API_KEY')),
    missing: 'ANTHROPIC_API_KEY is not set',
    create: async () => {
      const { anthropic } = await importPackage('@troupe/provider-anthropic');
      return anthropic({ model: variable('SMOKE_ANTHROPIC_MODEL') ?? 'claude-haiku-4-5' });
    },
  },
  {
    name: 'gemini',
    present: () => Boolean(variable('GEMINI_API_KEY') || variable('GOOGLE_API_KEY')),
    missing: 'neither GEMINI_API_KEY nor GOOGLE_API_KEY is set',
    create: async () => {
      const { gemini } = await importPackage('@troupe/provider-gemini');
      return gemini({ model: variable('SMOKE_GEMINI_MODEL') ?? 'gemini-2.5-flash' });
    },
  },
  {
    name: 'ollama',
    present: () => Boolean(variable('OLLAMA_HOST')),
    missing: 'OLLAMA_HOST is not set',
    create: async () => {
      const { ollama } = await importPackage('@troupe/provider-ollama');
      return ollama({ model: variable('SMOKE_OLLAMA_MODEL') ?? 'llama3.2', host: variable('OLLAMA_HOST') });
    },
  },
];

async function textCase(model) {
  const response = await collectModelResponse(
    model.stream({ messages: [{ role: 'user', content: 'Reply with the single word: pong' }], maxOutputTokens: 200 }),
  );
  if (!/pong/i.test(response.text)) throw new Error(`expected "pong", got ${JSON.stringify(response.text)}`);
  return `text "${response.text.trim()}", finish ${response.finishReason}, usage ${JSON.stringify(response.usage)}`;
}

async function toolCase(model) {
  const first = await collectModelResponse(
    model.stream({
      messages: [{ role: 'user', content: 'What is the weather in Paris? Use the tool.' }],
      tools: [weatherTool],
      toolChoice: 'required',
      maxOutputTokens: 1000,
    }),
  );
  const call = first.toolCalls[0];
  if (call === undefined || call.name !== 'get_weather')
    throw new Error(`expected a get_weather call, got ${JSON.stringify(first.toolCalls)}`);
  const second = await collectModelResponse(
    model.stream({
      messages: [
        { role: 'user', content: 'What is the weather in Paris? Use the tool.' },
        first.message,
        { role: 'tool', toolCallId: call.id, toolName: call.name, content: '{"tempC":21,"sky":"clear"}' },
      ],
      tools: [weatherTool],
      maxOutputTokens: 1000,
    }),
  );
  if (second.text.trim().length === 0) throw new Error('expected an answer after the tool result');
  return `tool call ${JSON.stringify(call.arguments)}, then "${second.text.trim().slice(0, 60)}"`;
}

let failures = 0;
for (const provider of providers) {
  if (!provider.present()) {
    console.log(`- ${provider.name}: skipped (${provider.missing})`);
    continue;
  }
  let model;
  try {
    model = await provider.create();
  } catch (error) {
    failures++;
    console.log(`✗ ${provider.name}: could not create the model: ${error.message}`);
    continue;
  }
  for (const [label, run] of [
    ['text', textCase],
    ['tool call', toolCase],
  ]) {
    try {
      console.log(`✓ ${provider.name} ${label}: ${await run(model)}`);
    } catch (error) {
      failures++;
      console.log(`✗ ${provider.name} ${label}: ${error.name}: ${error.message}`);
    }
  }
}
process.exitCode = failures > 0 ? 1 : 0;
