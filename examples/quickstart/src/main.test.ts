import { describe, expect, it } from 'vitest';
import { main } from './main.ts';

describe('quickstart example', () => {
  it('calls the zod tool on the offline model and streams the answer', async () => {
    const lines: string[] = [];
    const result = await main((line) => lines.push(line));
    expect(result.toolResults).toEqual(['18C and cloudy in Lagos']);
    expect(result.answer).toBe('Here is the weather: 18C and cloudy in Lagos.');
    expect(result.version).toBe(1);
    expect(result.eventTypes[0]).toBe('turn-start');
    expect(result.eventTypes.at(-1)).toBe('turn-complete');
    expect(lines).toContain('→ get_weather({"city":"Lagos"})');
    expect(lines.at(-1)).toContain('offline demo model');
  });
});
