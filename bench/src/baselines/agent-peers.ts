import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { tool as langchainTool } from '@langchain/core/tools';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import {
  Agent as OpenAiAgent,
  type Model as OpenAiModel,
  type ModelRequest as OpenAiModelRequest,
  type ModelResponse as OpenAiModelResponse,
  run as openAiRun,
  tool as openAiTool,
  setTracingDisabled,
  Usage,
} from '@openai/agents';
import { tool as aiTool, generateText, stepCountIs } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';

// Every peer does the same turn as the Troupe benchmark: the model asks for get_weather({ city:
// 'Lagos' }), the framework validates the arguments with zod and runs the tool, the model answers
// with a short text. The models answer at once (zero latency); none of the peers persists a session.

const input = z.object({ city: z.string() });
const weather = ({ city }: { city: string }) => `18C in ${city}`;
const answer = 'It is 18C.';

/** One Vercel AI SDK `generateText` turn on its mock model; returns the final text. */
export function aiSdkTurn(): () => Promise<string> {
  const usage = {
    inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 5, text: 5, reasoning: undefined },
  };
  const model = new MockLanguageModelV3({
    doGenerate: async (options) => {
      const last = options.prompt.at(-1);
      if (last?.role === 'tool') {
        return {
          content: [{ type: 'text', text: answer }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage,
          warnings: [],
        };
      }
      return {
        content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', input: '{"city":"Lagos"}' }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      };
    },
  });
  const tools = {
    get_weather: aiTool({ description: 'Weather.', inputSchema: input, execute: async (args) => weather(args) }),
  };
  return async () => {
    // The mock records every call; keep it from growing over the run.
    model.doGenerateCalls.length = 0;
    const result = await generateText({ model, tools, prompt: 'Weather in Lagos?', stopWhen: stepCountIs(10) });
    return result.text;
  };
}

/** A minimal OpenAI Agents JS `Model`: a tool call first, then a text answer once a tool result is in. */
class FakeOpenAiModel implements OpenAiModel {
  async getResponse(request: OpenAiModelRequest): Promise<OpenAiModelResponse> {
    const items = Array.isArray(request.input) ? request.input : [];
    const answered = items.some((item) => item.type === 'function_call_result');
    const usage = new Usage({ requests: 1, inputTokens: 10, outputTokens: 5, totalTokens: 15 });
    if (answered) {
      return {
        usage,
        output: [
          { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: answer }] },
        ],
      };
    }
    return {
      usage,
      output: [
        {
          type: 'function_call',
          callId: 'call_1',
          name: 'get_weather',
          arguments: '{"city":"Lagos"}',
          status: 'completed',
        },
      ],
    };
  }

  // biome-ignore lint/correctness/useYield: the benchmark never streams.
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('FakeOpenAiModel does not stream.');
  }
}

/** One OpenAI Agents JS `run` turn on a fake model; returns the final output. */
export function openAiAgentsTurn(): () => Promise<unknown> {
  setTracingDisabled(true);
  const agent = new OpenAiAgent({
    name: 'bench',
    instructions: '',
    model: new FakeOpenAiModel(),
    tools: [
      openAiTool({
        name: 'get_weather',
        description: 'Weather.',
        parameters: input,
        execute: async (args) => weather(args),
      }),
    ],
  });
  return async () => (await openAiRun(agent, 'Weather in Lagos?')).finalOutput;
}

/** A fake chat model that calls get_weather first and answers once it sees the tool result. */
class FakeToolCallingChatModel extends FakeListChatModel {
  constructor() {
    super({ responses: [answer] });
  }

  override bindTools(): this {
    return this;
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const last = messages.at(-1);
    const message =
      last?._getType() === 'tool'
        ? new AIMessage({ content: answer })
        : new AIMessage({
            content: '',
            tool_calls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Lagos' }, type: 'tool_call' }],
          });
    return { generations: [{ message, text: typeof message.content === 'string' ? message.content : '' }] };
  }
}

/** One LangGraph.js `createReactAgent` turn on a fake tool-calling chat model; returns the last message. */
export function langGraphTurn(): () => Promise<unknown> {
  const agent = createReactAgent({
    llm: new FakeToolCallingChatModel(),
    tools: [
      langchainTool(async (args: { city: string }) => weather(args), {
        name: 'get_weather',
        description: 'Weather.',
        schema: input,
      }),
    ],
  });
  return async () => {
    const state = await agent.invoke({ messages: [{ role: 'user', content: 'Weather in Lagos?' }] });
    return state.messages.at(-1)?.content;
  };
}
