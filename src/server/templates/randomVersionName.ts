import { randomInt } from "node:crypto";

/** Words people can say aloud and type; short and unambiguous. */
const ADJECTIVES = [
  "amber", "bold", "brave", "bright", "calm", "clever", "cosmic", "crisp", "daring", "eager",
  "fancy", "fond", "gentle", "glad", "golden", "happy", "honest", "jolly", "keen", "kind",
  "lively", "lucky", "merry", "mighty", "modest", "neat", "nimble", "noble", "polite", "proud",
  "quick", "quiet", "rapid", "sharp", "shiny", "silent", "smart", "snowy", "sunny", "swift",
  "tidy", "vivid", "warm", "wise", "witty", "zesty",
];
const NOUNS = [
  "badger", "beaver", "bison", "cobra", "crane", "dingo", "eagle", "falcon", "ferret", "gecko",
  "heron", "ibis", "koala", "lemur", "lynx", "marmot", "moose", "newt", "ocelot", "orca",
  "otter", "panda", "puffin", "quokka", "raven", "robin", "salmon", "seal", "shrew", "sloth",
  "stork", "tapir", "tiger", "toucan", "turtle", "walrus", "weasel", "wombat", "yak", "zebra",
];

/** A readable version name such as "brave-otter-3", for versions pushed without one. */
export function randomVersionName(): string {
  const pick = (words: readonly string[]) => words[randomInt(words.length)]!;
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1, 100)}`;
}
