/**
 * Served traffic said by who sent it: "the birds people have sent to our live penguin model", "the cars
 * customers have been sending to cars-mpg", "what users submitted to the endpoint".
 */
const SENDERS = String.raw`(?:people|users|customers|clients|callers|visitors|folks|apps?|teams?)`;
const SENT = String.raw`(?:(?:have|has|had)\s+(?:been\s+)?)?(?:sent|sending|send|fed|feeding|submitted|submitting|posted|posting|passed|given|pushed|pushing)`;

export const SENT_TO_MODEL = new RegExp(
  String.raw`\b(?:the\s+)?[\w-]+\s+(?:that\s+|which\s+)?${SENDERS}\s+${SENT}\s+(?:in\s+)?(?:to|into)\s+(?!us\b|me\b|you\b|them\b)`,
  'i',
);
