import { systemClock } from '@troupe/core';
import { runDemo } from './demo.ts';

const values = await runDemo({ clock: systemClock, print: (line) => console.log(line) });
const converged = values.every((value) => value === values[0]);
console.log(converged ? `All three replicas agree: ${values[0]}` : `Replicas disagree: ${values.join(', ')}`);
process.exitCode = converged ? 0 : 1;
