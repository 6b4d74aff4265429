// The offline quick start: a runtime with a zod tool on a scripted demo model. The demo model comes
// from @troupe/core/testing and needs no API key; swap it for `openai({ model: 'gpt-4o-mini' })`
// (or any provider) to talk to a real model.
import { pathToFileURL } from 'node:url';
import { createRuntime, llmAgent } from '@troupe/agent';
import { messageText } from '@troupe/core';
import { scriptedModel, textReply, toolCallReply } from '@troupe/core/testing';
import { defineTool } from '@troupe/tool';
import { z } from 'zod';

/** What one run of the example produced. */
export interface QuickstartResult {
  /** The assistant's streamed answer. */
  answer: string;
  /** Every event type in the order it arrived. */
  eventTypes: string[];
  /** The tool results the model saw. */
  toolResults: string[];
  /** The session version after the turn. */
  version: number;
}

const weather = defineTool({
  name: 'get_weather',
  description: 'Look up the weather in a city.',
  input: z.object({ city: z.string() }),
  execute: async ({ city }) => `18C and cloudy in ${city}`,
});

/** OFFLINE DEMO MODEL: calls get_weather for the city in the question, then answers from the result. */
function demoModel() {
  return scriptedModel(
    [
      (request) => {
        const last = request.messages.at(-1);
        if (last?.role === 'tool') return textReply(`Here is the weather: ${last.content}.`);
        const city = /in ([A-Z][a-z]+)/.exec(last ? messageText(last) : '')?.[1] ?? 'Lagos';
        return toolCallReply([{ name: 'get_weather', arguments: { city } }]);
      },
    ],
    { provider: 'demo', modelId: 'offline-demo', whenExhausted: 'repeat-last' },
  );
}

/** Runs one turn and prints its events through `print`. */
export async function main(print: (line: string) => void = console.log): Promise<QuickstartResult> {
  const runtime = await createRuntime({
    model: demoModel(),
    agent: (model) => llmAgent({ model, name: 'assistant', instructions: 'Be brief.', tools: [weather] }),
  });
  const result: QuickstartResult = { answer: '', eventTypes: [], toolResults: [], version: 0 };
  try {
    for await (const event of runtime.run('user-123', 'What is the weather in Lagos?')) {
      result.eventTypes.push(event.type);
      if (event.type === 'text-delta') result.answer += event.text;
      if (event.type === 'tool-call') print(`→ ${event.call.name}(${JSON.stringify(event.call.arguments)})`);
      if (event.type === 'tool-result') {
        result.toolResults.push(event.content);
        print(`← ${event.content}`);
      }
      if (event.type === 'turn-complete') result.version = event.version;
    }
    print(`assistant: ${result.answer}`);
    print(`(offline demo model; session version ${result.version})`);
  } finally {
    await runtime.stop();
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
