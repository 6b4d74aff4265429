export { type GeminiApiOptions, type GeminiOptions, type GeminiVertexOptions, gemini } from './gemini-model.ts';
export { isEmptyObjectSchema, toGeminiSchema } from './gemini-schema.ts';
