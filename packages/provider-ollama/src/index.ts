export { type OllamaOptions, ollama } from './ollama-model.ts';
