export { type FakeTool, type FakeToolCall, type FakeToolOptions, fakeTool } from './fake-tool.ts';
export { type ManualClock, manualClock } from './manual-clock.ts';
export { referenceStore } from './reference-store.ts';
export {
  type ModelScript,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptStep,
  scriptedModel,
  textReply,
  toolCallReply,
} from './scripted-model.ts';
