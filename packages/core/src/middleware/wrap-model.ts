import type { LanguageModel } from '../model.ts';

/** A function from model to model: retries, rate limits, fallbacks, logging, your own. */
export type ModelMiddleware = (model: LanguageModel) => LanguageModel;

/**
 * Applies middleware to a model. The first middleware listed is the outermost: it sees each call
 * first and each chunk last. `wrapModel(m, withLogging(), withRetry())` logs once per call,
 * around all the retries.
 */
export function wrapModel(model: LanguageModel, ...middleware: ModelMiddleware[]): LanguageModel {
  let wrapped = model;
  for (let index = middleware.length - 1; index >= 0; index--) {
    wrapped = (middleware[index] as ModelMiddleware)(wrapped);
  }
  return wrapped;
}
