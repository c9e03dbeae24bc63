/**
 * The column a goal wants predicted, as candidate phrases (best first): "predict X", "X as the target",
 * "label X", "for X", "predicting X", "classify … by X", "the X model", passives ("X classified"), agent and
 * task nouns ("a classifier for X", "X prediction"), arrows ("data/x.json -> X"). The planner matches the
 * phrases to real columns later (columns.ts); here nothing knows the data.
 */

export const STOP =
  'from|using|with|based|given|on|in|for|by|at|per|every|each|if|and|then|when|so|to|via|into|across|after|before|while|only|but|use|over|under|as';
export const TARGET_VERBS =
  'learn(?:s|ing)?(?:\\s+to\\s+(?:predict|tell|identify|recogni[sz]e|distinguish))?|predict(?:s|ing)?|forecast(?:s|ing)?|estimat(?:e|es|ing)|regress(?:es|ing)?|classify(?:ing)?|model(?:s|ing|ling)?|anticipat(?:e|es|ing)|project(?:s|ing)?|infer(?:s|ring)?|guess(?:es|ing)?|figur(?:e|es|ing)\\s+out|find(?:s|ing)?\\s+out|tell(?:s|ing)?\\s+apart|recogni[sz](?:e|es|ing)|identif(?:y|ies|ying)|work(?:s|ing)?\\s+out';

import { looseTargetPhrases, neverTarget } from './target-loose.ts';

/** Verbs that start a clause ("train model …"), so what follows them is not a column phrase. */
const CLAUSE_VERBS =
  'train|retrain|re-train|fit|refit|build|rebuild|make|create|use|get|need|want|deploy|ship|run|try|add|give|set|compare|pick|choose|register|load|check|monitor|score|evaluate|the|a|an|and|then|with|new|my|our|your|this|that|one|some|best|better|final|same';

/** One to four words of a column phrase ("Seattle weather type", "Body Mass (g)"). */
const PHRASE = String.raw`(?:[\w()%-]+\s+){0,3}?[\w()%-]+`;
const PARTICIPLES =
  'classified|predicted|forecast(?:ed)?|estimated|modell?ed|projected|categori[sz]ed|anticipated|inferred';
/** "the model deployed", "which model got promoted", "each model returned": a determiner, "model", a participle. */
const NOUN_MODEL = new RegExp(
  String.raw`\b((?:the|a|an|which|what|whichever|this|that|our|my|your|each|every|any|new|best|current|same|winning|and|or|both|either|with|vs)\s+)models?\b(?=\s+(?:(?:got|gets|was|were|is|are|has\s+been|had|have)\s+)?(?:${PARTICIPLES}|\w+[^e\W]ed|built|chosen|shown|run|won|made|picked|given|taken|sent)\b)`,
  'gi',
);
export const AGENT_NOUNS = 'models?|classifiers?|regressors?|predictors?|forecasters?|estimators?';

/** The words after the last preposition, verb or agent noun: "a classifier with weather" → "weather". */
function afterLastBreak(phrase: string): string | undefined {
  const at = new RegExp(
    String.raw`\b(?:${STOP}|${CLAUSE_VERBS}|fit|where|whose|which|${AGENT_NOUNS})\b`,
    'i',
  );
  return phrase.split(at).pop();
}

export function targetPhrases(said: string): string[] {
  // A masked source leaves spaces behind ("predict Origin (data/x.json)" → "predict Origin ").
  const goal = said
    .replace(/\(\s*\)/g, ' ')
    // "a model (max depth six) that predicts X": the model's settings in brackets, not the target.
    .replace(new RegExp(String.raw`\b(${AGENT_NOUNS})\s*\([^()]{0,60}\)`, 'gi'), '$1')
    // "a forest of 150 trees", "a model of 3 layers": the model's size, not the target.
    .replace(
      new RegExp(
        String.raw`\b(${AGENT_NOUNS})\s+(?:of|with)\s+(?:\d+|a (?:hundred|thousand)|[a-z]+ hundred)\s+(?:[\w-]+\s+)?(?:trees|estimators|rounds|iterations|layers|neighbou?rs|leaves|epochs|stumps|learners)\b`,
        'gi',
      ),
      '$1',
    )
    // "a model with k = 7 predicting X", "a model with max_depth=4 that predicts X": a setting, not the target.
    .replace(
      new RegExp(
        String.raw`\b(${AGENT_NOUNS})\s+with\s+(?:the\s+)?[\w-]+\s*(?:=|:)\s*\d+(?:\.\d+)?(?:\s*(?:,|and)\s*[\w-]+\s*(?:=|:)\s*\d+(?:\.\d+)?)*`,
        'gi',
      ),
      '$1',
    )
    .replace(/\s+/g, ' ')
    .trim();
  const out: string[] = [];
  const push = (p: string | undefined) => {
    const t = p
      ?.trim()
      .replace(/^(?:(?:of|for)\s+)?(?:the|an?)\s+/i, '')
      .replace(/^["'`]|["'`]$/g, '')
      .replace(/\s+(?:instead|too|as well|either|now|then|please|pls|thanks|thank you)$/i, '');
    const verbish =
      /^(?:trained|built|fitted|fit|that|which|to|it|them|this|should|must|will|would|can|could|is|are|was|be|been|gets?|has|have|vs|versus)\b|\b(?:the|an?|my|our|your|this|that)$/i;
    if (t && !/[a-z0-9]/i.test(t)) return;
    if (t && new RegExp(String.raw`^(?:${TARGET_VERBS})$`, 'i').test(t)) return;
    if (t && neverTarget(t)) return;
    if (t && !new RegExp(String.raw`^(?:${STOP})\b`, 'i').test(t) && !verbish.test(t) && !out.includes(t))
      out.push(t);
  };
  // A heading that names the column in brackets: "life expectancy (life_expect in data/x.json): …".
  const heading =
    /^(?:[\w-]+\s+){0,4}[([]\s*(?:(?:column|col|field|target|label)\s*:?\s*)?["'\x60]?([A-Za-z_][\w%-]*)["'\x60]?\s*(?:(?:in|from|of)\s+\S+\s*)?[)\]]\s*(?:(?:in|from|on|of)\s*)?[:,\u2014\u2013-]/i.exec(
      goal,
    );
  if (heading) push(heading[1]);
  // "tells the penguin species apart", "tell sexes apart", "distinguish (between) the species".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\btell(?:s|ing)?\s+(?:the\s+|their\s+|its\s+)?(${PHRASE})\s+apart\b|\b(?:distinguish(?:es|ing)?|differentiat(?:e|es|ing)|discriminat(?:e|es|ing)|separat(?:e|es|ing))\s+(?:between\s+|among\s+)?(?:the\s+|their\s+|its\s+)?([^,.;:!?]+?)(?=\s+(?:${STOP}|apart)\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1] ?? m[2]);
  // Quoted: predict "Body Mass (g)".
  for (const m of goal.matchAll(
    new RegExp(String.raw`\b(?:${TARGET_VERBS})\s+(?:the\s+)?["'\x60]([^"'\x60]+)["'\x60]`, 'gi'),
  ))
    push(m[1]);
  // "X as the target", "target column X", "label: X".
  // Only the words after the last preposition or verb: "fit a classifier with weather as the outcome" → "weather".
  for (const m of goal.matchAll(
    /((?:[\w()%-]+\s+){0,4}?[\w()%-]+)["'`]?\s+as\s+(?:the\s+|our\s+|my\s+)?(?:target|label|outcome|response|dependent|y)\b/gi,
  ))
    push(afterLastBreak(m[1] as string));
  // "IMDB Rating (the response variable)", "Species (our label)": a column with its role in brackets.
  for (const m of goal.matchAll(
    /((?:[\w%-]+\s+){0,3}?[\w%-]+)["'`]?\s*\(\s*(?:the\s+|our\s+|my\s+|as\s+(?:the\s+)?)?(?:target|label|outcome|response|dependent|y)(?:\s+(?:variable|column|var|field))?\s*\)/gi,
  ))
    push(afterLastBreak((m[1] as string).replace(/^.*\b(?:of|on|for|with|from|about|regress\w*)\s+/i, '')));
  for (const m of goal.matchAll(
    /\b(?:target|tgt|targ|label|lbl|outcome|response|dependent variable|dep var|y)\s*(?:column|col|variable|var|field)?\s*(?:is|=|:|should be|of)\s*["'`]?([^,.;"'`]+)|\b(?:predict(?:ing)?|to be (?:predicted|forecast|estimated|classified)|to predict)\s*[:=]\s*["'`]?([^,.;"'`]+)/gi,
  ))
    push(m[1] ?? m[2]);
  // "the column to predict is X", "what we want to forecast is X", "X is what we want to predict".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:(?:column|field|variable|thing|value)\s+to\s+|what\s+(?:we|i|you)\s+(?:(?:want|need|have|would like)\s+to\s+)?)(?:${TARGET_VERBS})\s+is\s+(?:the\s+)?["'\x60]?([\w()%-]+(?:\s+[\w()%-]+){0,3}?)["'\x60]?(?=\s+(?:${STOP})\b|\s*[,;:!?]|\.(?:\s|$)|$)|\b(${PHRASE})\s+is\s+what\s+(?:we|i|you|they)\s*(?:(?:want|need|have|would like)\s+to\s+|(?:'re|'m|are|am)\s+(?:(?:trying|hoping|looking|aiming|going)\s+to\s+)?|(?:'ll|will)\s+(?:be\s+)?)(?:${TARGET_VERBS})\b`,
      'gi',
    ),
  ))
    push(m[1] ?? afterLastBreak(m[2] as string));
  // "we want to know X" (not "want to know if / how …").
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:want|need|like|wish)\s+(?:to\s+)?know\s+(?!(?:how|what|why|when|where|whether|if|which|who)\b)(?:the\s+|a\s+|an\s+|its\s+|their\s+)?([^,.;:!?]+?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "find out what the Acceleration of a car will be", "a model that finds the queue".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:${TARGET_VERBS}|tell(?:s)?\s+(?:me|us))\s+what\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?([\w()%-]+(?:\s+(?!(?:of|for|will|would|is|are|was)\b)[\w()%-]+)?)\s+(?:of\s+(?:\w+\s+){1,2})?(?:will|would|is|are|was|should)\b|\b(?:which|that)\s+finds?\s+(?:out\s+)?(?:the\s+|a\s+|an\s+|its\s+|their\s+)?([\w()%-]+(?:\s+(?!(?:${STOP})\b)[\w()%-]+)?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1] ?? m[2]);
  // "a model that says which species a penguin is", "decides what category each ticket belongs to".
  for (const m of goal.matchAll(
    /\b(?:says?|tells?|knows?|decides?|works? out|figures? out|shows?|learns?|learning|guess(?:es|ing)?|predicts?|predicting|identif(?:y|ies|ying)|spots?)\s+(?:me\s+|us\s+)?(?:which|what)\s+([\w()%-]+(?:\s+(?!(?:a|an|the|each|every|this|it|they|its|their)\b)[\w()%-]+)?)\s+(?:a|an|the|each|every|this|it|they|its|their)\b/gi,
  ))
    push(m[1]);
  // Articles dropped: "predict which island penguin live on", "guess what genre film belongs to".
  for (const m of goal.matchAll(
    /\b(?:says?|tells?|decides?|works? out|figures? out|guess(?:es|ing)?|predicts?|predicting|identif(?:y|ies|ying))\s+(?:which|what)\s+([\w()%-]+)\s+[\w-]+\s+(?:lives?|is|are|belongs?|comes?|falls?|goes?|sits?|was|were|gets?|ends?)\b/gi,
  ))
    push(m[1]);
  // The verb last (German word order): "from the file the weather type predict, with …".
  for (const m of goal.matchAll(
    /\b(?:the|a|an)\s+([\w()%-]+(?:\s+[\w()%-]+){0,2}?)\s+(?:predict|forecast|classify|estimate)(?=\s*[,;:!?]|\.(?:\s|$)|$)/gi,
  ))
    push(m[1]);
  // "something that tells me the species of a penguin".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:that|which|to|can|could)\s+tells?\s+(?:me|us|you|them)\s+(?!(?:how|why|when|where|whether|if|who|about)\b)(?:the\s+|which\s+|what\s+)?([^,.;:!?]+?)(?=\s+(?:${STOP}|of|is|are|will|would)\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "Major Genre is what we want", "price is what I'm after".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(${PHRASE})\s+is\s+what\s+(?:we|i|you)\s*(?:want|need|care about|'re after|'m after|are after|am after)(?=\s*[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(afterLastBreak(m[1] as string));
  // A formula, "X is the number we care about", "X from the other measurements" (target-loose.ts).
  for (const p of looseTargetPhrases(goal, afterLastBreak)) push(p);
  // "the column we care about is X", "the field I am curious about: X", "the number I want to predict is X".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:column|field|variable|thing|value|number|quantity|figure|one|answer|output|outcome)\s+(?:that\s+)?(?:we|i|you)\s+(?:(?:really\s+)?(?:care|are curious|am curious)\s+about|(?:want|need|would like)(?:\s+to\s+(?:predict|know|forecast|estimate|get|see))?|(?:are|am|'re|'m)\s+(?:after|looking for))\s*(?:is|=|:)\s*["'\x60]?([\w()%-]+(?:\s+[\w()%-]+){0,3}?)["'\x60]?(?=\s+(?:${STOP})\b|\s*[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "X = label", "how many Cylinders does a car have", "assign each ticket a queue".
  for (const m of goal.matchAll(
    new RegExp(
      [
        String.raw`\b([\w()%-]+)\s*=\s*(?:the\s+)?(?:label|target|outcome|y)\b`,
        String.raw`\bhow\s+(?:much|many)\s+([\w()%-]+(?:\s+(?!(?:does|do|did|will|would|is|are|has|have)\b)[\w()%-]+)?)\s+(?:does|do|did|will|would|is|are|has|have|a|an|the|each|every|it|they|its|their)\b`,
        String.raw`\bassign(?:s|ing)?\s+(?:each|every|the|a)\s+[\w-]+\s+(?:a|an|the|its|their)\s+([\w()%-]+)`,
      ].join('|'),
      'gi',
    ),
  ))
    push(m[1] ?? m[2] ?? m[3]);
  // "regression of Horsepower on the rest", "classification for queue".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:regression|classification|forecast(?:ing)?|prediction|estimation)\s+(?:of|for)\s+(?:the\s+|a\s+|an\s+)?([\w()%-]+(?:\s+(?!(?:${STOP}|of)\b)[\w()%-]+)?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // Questions about what explains a column: "what drives Horsepower?", "which factors influence the price".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:what|which\s+(?:\w+\s+)?(?:factors?|features?|columns?|variables?|things?))\s+(?:drives?|determines?|affects?|influences?|explains?|predicts?|impacts?)\s+(?:the\s+|a\s+)?["'\x60]?(${PHRASE}?)["'\x60]?(?=\s*[?,;:!]|\.(?:\s|$)|$|\s+(?:${STOP})\b)`,
      'gi',
    ),
  ))
    push(m[1]);
  // A change of target: "change the target to price", "switch the label over to Sex", "make the outcome 'yield'".
  for (const m of goal.matchAll(
    /\b(?:change|changing|set|setting|switch|switching|make|swap|move|update)\s+(?:the\s+|our\s+|its\s+)?(?:target|label|outcome|prediction target)(?:\s+(?:column|variable|field))?\s+(?:(?:over\s+)?to|into|as|with)?\s*["'`]?([\w()%-]+(?:\s+[\w()%-]+){0,3}?)["'`]?(?=\s+(?:instead|then|and|please|now)\b|\s*[,;:!?]|\.(?:\s|$)|$)/gi,
  ))
    push(m[1]);
  // Explicit: "label Horsepower", "with label net_generation", "target column price", "into 'queue'" after a
  // routing verb, "predicting X" (a participle after the data: "random forest on x.json predicting Sex").
  for (const m of goal.matchAll(
    /\b(?:with\s+(?:the\s+)?)?(?:label|target|dependent variable|outcome variable|output (?:column|variable))(?:\s+(?:column|variable|field))?\s+["'`]?([\w()%-]+(?:\s+[\w()%-]+){0,2}?)["'`]?(?=\s*(?:[,;:!?]|\.(?:\s|$)|$)|\s+(?:and|then|with|using|on|from|in|for)\b)/gi,
  ))
    if (!/^(?:column|variable|field|is|as|of|should)$/i.test(m[1] as string)) push(m[1]);
  // "into queues by what they wrote": not the preposition after the column.
  for (const m of goal.matchAll(
    /\b(?:route|routes|routing|sort|sorts|sorting|triage|assign|assigns|file|files|bucket|put)\b[^.;]{0,80}?\binto\s+(?:the\s+|their\s+|a\s+)?["'`]?([\w()%-]+(?:\s+[\w()%-]+)?)["'`]?/gi,
  ))
    push((m[1] as string).replace(new RegExp(String.raw`\s+(?:${STOP})$`, 'i'), ''));
  // "route the tickets to a queue", "triage each message to the right team".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:route|routes|routing|routed|triage|triages|triaging|dispatch|dispatches|dispatching|assign|assigns|assigning)\b[^.;]{0,80}?\bto\s+(?:the\s+(?:right|correct|proper)\s+|one\s+of\s+(?:the\s+)?|the\s+|their\s+|its\s+|an?\s+)?([\w()%-]+(?:\s+(?!(?:${STOP})\b)[\w()%-]+)?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "classify penguins by species", "classify flights into delay".
  for (const m of goal.matchAll(
    /\bclassif(?:y|ying|ication)\s+[\w\s-]{0,30}?\b(?:by|into|according to)\s+(?:their\s+|its\s+|the\s+)?([\w\s()-]+?)(?=[,.;:!?]|\s+(?:using|with|from|on|in|and|then)\b|$)/gi,
  ))
    push(m[1]);
  // "predict whether a flight will be delayed" → "delayed".
  for (const m of goal.matchAll(
    /\b(?:predict|forecast|estimate)\w*\s+(?:whether|if)\s+(?:an?\s+|the\s+)?\w+\s+(?:is|will be|gets|has|was)\s+([\w-]+)/gi,
  ))
    push(m[1]);
  // "predict (the) X (from|using|...)"; "the model deployed", "which model got picked": "model" is a noun there.
  const nounModel = goal.replace(NOUN_MODEL, '$1item');
  for (const m of nounModel.matchAll(
    new RegExp(
      String.raw`\b(?:${TARGET_VERBS})(?!\s+(?:should|must|will|would|can|could|shall|is|are|was|has|have|needs?)\b)\s+(?:(?:that|which|to|and|it)\s+(?:${TARGET_VERBS})\s+)?(?:the\s+|a\s+|an\s+|its\s+|their\s+|each\s+\w+'s\s+|how\s+(?:much|many)\s+)?([^,.;:!?]+?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // Passive: "the weather type classified", "get species predicted", "X to be forecast".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:the|an?|my|our|their|its|each|want|get|have|need|see)\s+(${PHRASE})\s+(?:(?:to\s+be|should\s+be|must\s+be|is|are|being)\s+)?(?:${PARTICIPLES})\b`,
      'gi',
    ),
  ))
    push(m[1]);
  // Agent nouns: "a classifier for Origin", "a model of fertility", "regressor that predicts X" (handled above).
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:${AGENT_NOUNS})\s+(?:for|of|to\s+(?:predict|estimate|forecast|classify)|predicting|estimating|forecasting)\s+(?:the\s+|a\s+|an\s+)?([^,.;:!?]+?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "retrain the delay model", "a net generation forecaster" → "delay", "net generation".
  // "a text classifier", "an image model": the kind of model, not a column.
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:the|a|an|my|our|new|for|better|good)\s+([\w-]+(?:\s+[\w-]+)?)\s+(?:${AGENT_NOUNS})\b`,
      'gi',
    ),
  ))
    if (
      !/^(?:text|texts|document|image|binary|multi-?class|multi-?label|sequence|token|sentence|tabular|nlp|language)$/i.test(
        m[1] as string,
      )
    )
      push(m[1]);
  // At the start of a clause, without a determiner: "Species classifier off data/x.json", "; delay model, …".
  // "please make model …": a request, not a column.
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`(?:^|[.;:!?\u2014\u2013]\s*|\s-\s)([\w-]+(?:\s+[\w-]+)?)\s+(?:${AGENT_NOUNS})\b`,
      'gi',
    ),
  ))
    if (
      !new RegExp(String.raw`(?:^|\s)(?:${CLAUSE_VERBS}|please|pls|kindly|can|could|u|you|we|i)\b`, 'i').test(
        m[1] as string,
      )
    )
      push(m[1]);
  // An arrow from the data to the column: "data/x.json -> sex", "x.csv → price".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`(?:->|\u2192)\s*(?:the\s+)?(${PHRASE}?)(?=\s*(?:[,;:!?()]|\.(?:\s|$)|$)|\s+(?:${STOP})\b)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "<column> is the target", "the sex column" (weakest: only a column word marks it).
  // "where life_expect is the output": the words after the last break.
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(${PHRASE})\s+(?:is|will be|should be|being)\s+(?:the\s+|our\s+|my\s+)?(?:target|label|outcome|response|dependent variable|output(?!\s+(?:folder|dir|directory|file|path|bucket|table|location)))\b`,
      'gi',
    ),
  ))
    push(afterLastBreak(m[1] as string));
  for (const m of goal.matchAll(
    new RegExp(String.raw`\bthe\s+(${PHRASE})\s+(?:column|field|variable|attribute)\b`, 'gi'),
  ))
    push(m[1]);
  // Weakest: a trailing "for X" that ends the clause ("… model with k=5 on penguins.json for island", "retrain
  // nightly for Species, then …").
  for (const m of goal.matchAll(
    /\b(?:model|classifier|regressor|predictor|forecaster|estimator|network|tree|forest|boosting|svm|knn|(?:re-?)?train(?:s|ing)?|(?:re)?fit(?:s|ting)?)\b[^.;,]{0,60}?\bfor\s+(?:the\s+|each\s+|every\s+)?([\w()%-]+(?:\s+[\w()%-]+)?)\s*(?=[,;!?]|\.(?:\s|$)|$)/gi,
  ))
    push(m[1]);
  // At the start of a clause: "queue prediction for x.csv", "price forecast, weekly".
  for (const m of goal.matchAll(
    /(?:^|[.;:!?\u2014\u2013]\s*|\s-\s)([\w()%-]+(?:\s+[\w()%-]+)?)\s+(?:predictions?|forecasts?|forecasting|classification|estimation|regression)\b/gi,
  ))
    if (
      !new RegExp(String.raw`(?:^|\s)(?:${CLAUSE_VERBS}|please|pls|text|binary)\b`, 'i').test(m[1] as string)
    )
      push(m[1]);
  // Task nouns: "a species classification", "for delay prediction", "price forecasting".
  // "text classification", "binary classification": the kind of task, not a column.
  for (const m of goal.matchAll(
    /\b(?:the|a|an|my|our|new|for|do|run|some)\s+([\w-]+(?:\s+[\w-]+)?)\s+(?:predictions?|forecasts?|forecasting|classification|estimation|estimates?|regression|model(?:l)?ing)\b/gi,
  ))
    if (
      !/^(?:text|texts|document|image|binary|multi-?class|multi-?label|sequence|token|sentence|tabular)$/i.test(
        m[1] as string,
      )
    )
      push(m[1]);
  // Last resort, when nothing else names it: a short heading before a colon ("Barley yield on x.json: …").
  const head = /^\s*((?:[\w()%-]+\s+){0,2}[\w()%-]+)\s*:/.exec(goal);
  if (
    out.length === 0 &&
    head &&
    !new RegExp(
      String.raw`(?:^|\s)(?:${CLAUSE_VERBS}|${TARGET_VERBS}|hi|hey|hello|please|pls|note|goal|task|request|todo|context|fyi|urgent|data|dataset|file|prep|training|job|pipeline|plan|step|steps|models?)\b`,
      'i',
    ).test(head[1] as string)
  )
    push(head[1]);
  return out;
}
