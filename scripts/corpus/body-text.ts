/** Release bodies: Markdown paragraphs, headings, lists, quotes and links of generated sentences. */
import { int, pick, type Random } from './random.js';
import { PLACES, TOPICS, VERBS, WORDS } from './word-lists.js';
import { zipfWord } from './zipf-vocabulary.js';

function sentence(random: Random, subject: string): string {
  // A third from the themed list (the words tests look for), the rest from the Zipf vocabulary.
  const words = Array.from({ length: int(random, 6, 16) }, () =>
    random() < 0.33 ? pick(random, WORDS) : zipfWord(random),
  );
  return `${subject} ${pick(random, VERBS)} ${words.join(' ')}.`;
}

export function makeBody(
  random: Random,
  title: string,
  speaker: string,
  size: number,
  names: readonly string[],
): string {
  const parts: string[] = [];
  let bytes = 0;
  const push = (text: string) => {
    parts.push(text);
    bytes += Buffer.byteLength(text, 'utf8') + 2;
  };
  const surname = speaker.split(' ').at(-1) ?? speaker;
  push(`${sentence(random, `The Government`)} ${sentence(random, title)}`);
  for (const name of names) push(`${sentence(random, `In ${name}, the council`)}`);
  while (bytes < size) {
    const roll = random();
    if (roll < 0.1) push(`## ${pick(random, TOPICS).replace(/^./, (c) => c.toUpperCase())}`);
    else if (roll < 0.2)
      push(
        Array.from({ length: int(random, 2, 5) }, () => `- ${sentence(random, pick(random, PLACES))}`).join(
          '\n',
        ),
      );
    else if (roll < 0.35) push(`“${sentence(random, 'This')}” Mr ${surname} says.`);
    else if (roll < 0.4)
      push(
        `The Prime\u00a0Minister will visit ${pick(random, PLACES)} to discuss **${pick(random, WORDS)}**.`,
      );
    else if (roll < 0.45)
      push(
        `More detail is on [the ${pick(random, WORDS)} page](https://www.govt.nz/${pick(random, WORDS)}).`,
      );
    else
      push(
        Array.from({ length: int(random, 2, 5) }, () =>
          sentence(
            random,
            pick(random, ['It', 'The plan', 'Funding', 'The programme', `Minister ${surname}`]),
          ),
        ).join(' '),
      );
  }
  return parts.join('\n\n');
}
