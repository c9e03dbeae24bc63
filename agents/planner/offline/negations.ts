/**
 * Stages a goal says it does not want. No model (yet): "no model yet", "no training", "don't train anything", "without
 * fitting a model", "skip the modelling", "just the split", "only prep it", "data prep only", "we'll train
 * later" (the phrase is masked out, so that its "model" names neither a model nor a target). No deployment:
 * "don't deploy", "no deployment", "without deploying it", "skip the deploy", "instead of deploying", "nothing is to
 * be deployed" (but not "don't deploy until …").
 */

const MODEL_NOUN = String.raw`(?:models?|(?:re-?)?training|modell?ing|ml|machine learning|fitting|classifiers?|regressors?|estimators?)`;
const TRAIN_VERB = String.raw`(?:(?:re-?)?train|(?:re-?)?fit|model|learn)`;
const DATA_NOUN = String.raw`(?:split(?:ting)?|prep(?:aration|ping)?|pre-?processing|clean(?:ing|up)?|data (?:work|prep(?:aration)?)|transform(?:ation)?s?|encoding|versioning)`;
/** Who trains, or when: not this pipeline ("later", "myself", "on our own"). */
const SOMEONE_ELSE = String.raw`(?:later|afterwards|another time|separately|elsewhere|somewhere else|ourselves|myself|themselves|outside|in-house|on (?:my|our|their) own|by (?:myself|ourselves|hand))\b`;
/** "no model registry", "skip the training data": the noun is part of another thing. */
const NOT_PART = String.raw`(?!\s+(?:data|set|rows|file|registry|registration|deploy\w*|serving|versions?|names?|cards?|drift|metrics?)\b)`;
/** Words for data after the prep: "the cleaned table", "the tidy dataset". */
const CLEANED = 'clean(?:ed)?|tidy|tidied|prepared|processed|transformed|resulting|final';
/** "just the split." but not "just the split of 2020 rows, then train". */
const ENDS = String.raw`(?=\s*(?:[,.;:!?)]|$|please\b|pls\b|thanks\b|for now\b|nothing else\b|no more\b))`;

const NO_TRAINING = new RegExp(
  [
    // "no model yet", "no training for now", "no ML", "no modelling step".
    String.raw`\bno\s+(?:(?:actual|real|new)\s+)?${MODEL_NOUN}${NOT_PART}(?:\s+(?:step|stage|part|needed|required|wanted))?(?:\s+(?:yet|for now|at this point|at this stage|this time|today))?\b`,
    // "no retrain", "no refit asap": the verb said as a noun.
    String.raw`\bno\s+(?:re-?)?(?:train|fit)s?${NOT_PART}(?![/-])\b`,
    // "don't train anything", "do not fit a model", "no need to train it yet".
    // Only with no object or a model as the object: "don't fit the scaler on test rows" still trains.
    String.raw`\b(?:don'?t|do not|won'?t|will not|shouldn'?t|should not|must not|mustn'?t|shall not|shan'?t|no need to|not going to)\s+(?:\w+\s+)?${TRAIN_VERB}\w*(?:\s+(?:anything|any(?:thing)?\s+model|an?\s+(?:new\s+)?model|models?|it|one))?(?:\s+(?:yet|just yet|for now|at all|at this point|at this stage|this time|today))?(?=\s*(?:[,.;:!?)\u2013\u2014-]|$|please\b|thanks\b|and\b|but\b|just\b|only\b|or\s+(?:regist|deploy|ship|publish|serv)\w*))`,
    // "don't build a model", "no need to create any classifier".
    String.raw`\b(?:don'?t|do not|won'?t|will not|no need to|not going to)\s+(?:build|make|create|need|want)\s+(?:a|an|any)\s+(?:\w+\s+)?(?:models?|classifiers?|regressors?|estimators?)\b`,
    // "we're not modelling yet", "not training anything", "not retraining anything".
    String.raw`\bnot\s+(?:re-?)?(?:training|modell?ing|fitting)${NOT_PART}(?:\s+(?:anything|a model|models?))?(?:\s+(?:yet|for now|at this point|at this stage|this time|today))?\b`,
    // "we're not ready to train yet", "not ready for modelling".
    String.raw`\b(?:not|aren'?t|isn'?t)\s+(?:quite\s+)?ready\s+(?:to\s+${TRAIN_VERB}\w*|for\s+(?:the\s+)?${MODEL_NOUN}${NOT_PART})(?:\s+(?:anything|a model|models?|it))?(?:\s+(?:yet|just yet|for now))?\b`,
    // "without training", "without a model", "without fitting anything".
    String.raw`(?:\bwithout|\bw/o)\s+(?:any\s+|a\s+)?(?:${MODEL_NOUN}${NOT_PART}|${TRAIN_VERB}\w*(?:\s+(?:anything|a model|models?))?)\b`,
    // "skip the training", "leave out the model", "hold off on modelling".
    String.raw`\b(?:skip|skipping|leave out|leaving out|hold off on|holding off on|drop)\s+(?:the\s+|any\s+)?${MODEL_NOUN}${NOT_PART}(?:\s+(?:step|stage|part))?\b`,
    // "we'll train later", "modelling comes later", "the model comes later".
    String.raw`\b(?:we'?ll|we will|i'?ll|i will|we|i|they)\s+(?:(?:can|could|would|will|shall|plan to|want to|are going to|am going to|'re going to|'m going to)\s+)?${TRAIN_VERB}\w*\s+(?:\w+\s+){0,4}?${SOMEONE_ELSE}`,
    // "I'll do the modelling myself", "we'll handle the training ourselves", "the model is built by our team".
    String.raw`\b(?:we'?ll|we will|i'?ll|i will|we|i|they|our team|the team)\s+(?:do|handle|take care of|own|build|deal with|look after|sort out)\s+(?:the\s+|any\s+|all\s+)?${MODEL_NOUN}${NOT_PART}\s+(?:\w+\s+){0,3}?${SOMEONE_ELSE}`,
    String.raw`\b(?:the\s+)?${MODEL_NOUN}${NOT_PART}\s+(?:is|are|will be|gets?)\s+(?:built|trained|done|handled|fit(?:ted)?|made)\s+(?:by\s+(?:us|me|them|our team|the team|someone else|another team)|later|separately|elsewhere|outside)\b`,
    // "modelling is out of scope", "the model part is not needed", "modelling is someone else's job".
    String.raw`\b${MODEL_NOUN}${NOT_PART}(?:\s+(?:step|stage|part|bit|side))?\s+(?:is|are)\s+(?:out of scope|not needed|not required|not wanted|not part of (?:this|it)|for another (?:day|time)|(?:someone|somebody) else'?s (?:job|problem|task)|another team'?s (?:job|problem|task)|not (?:my|our) (?:job|problem|task))\b`,
    // "no need for a model", "they will train it", "my team will fit the model".
    String.raw`\bno\s+need\s+(?:for|of)\s+(?:a|an|any|the)?\s*${MODEL_NOUN}${NOT_PART}`,
    String.raw`\b(?:they|my team|our team|the team|someone else|somebody else|another team|the (?:ml|data science|modell?ing) team)\s+(?:will|'ll|would|are going to|is going to|can)\s+(?:do\s+the\s+)?${TRAIN_VERB}\w*(?:\s+(?:it|them|the model|a model|models))?\b`,
    // "nothing gets trained today", "nothing to train", "train nothing", "nothing new train" (verb last).
    String.raw`\bnothing\s+(?:new\s+)?(?:(?:gets|is|will be|should be|must be|may be|can be|needs to be|has to be)\s+)?(?:re-?)?(?:trained|fitted|fit|modell?ed|learned|learnt)\b|\bnothing\s+(?:new\s+)?to\s+(?:train|fit|model)\b|\bnothing\s+new\s+(?:re-?)?(?:train|fit)\b|\b(?:train|fit)\s+nothing\b`,
    // "must not retrain or redeploy anything", "**may not** fit a model", "never retrain it": a forbidding modal.
    String.raw`\b(?:(?:must|may|shall|can)\s*(?:not|n'?t)|never)\b[*_]*\s+(?:\w+\s+)?${TRAIN_VERB}\w*(?:\s+(?:anything|any(?:thing)?\s+model|an?\s+(?:new\s+)?model|models?|it|one))?(?=\s*(?:[,.;:!?)*_\u2013\u2014-]|$|and\b|but\b|or\s+(?:re-?)?(?:regist|deploy|ship|publish|serv)\w*))`,
    // A ticket's "Out of scope: retraining, canary." / "Out of scope – deployment/training" / "Non-goals: …": a listed item.
    String.raw`\b(?:out\s+of\s+scope|not\s+in\s+scope|non-?goals?)\s*[:\u2013\u2014-]\s*(?:[^.\n]*?(?:,|;|\band\b|\bor\b|\/)\s*)?(?:any\s+|the\s+|new\s+)?(?:model\s+)?${MODEL_NOUN}${NOT_PART}(?=\s*(?:[,;.)]|$|\n|and\b|or\b))[^.\n]*`,
    // "data only", "data-only": the data and nothing after it.
    String.raw`\bdata[- ]only\b(?=\s*(?:[,.;:!?)]|$))`,
    String.raw`\b(?:the\s+)?${MODEL_NOUN}\s+(?:comes?|will come|is for|happens?|will happen|is done|gets done)\s+${SOMEONE_ELSE}`,
    // "leave the modelling for later", "save training for another day".
    String.raw`\b(?:leave|leaving|save|saving|keep|keeping|park|parking)\s+(?:the\s+)?${MODEL_NOUN}${NOT_PART}\s+(?:for|till|until|to)\s+(?:later|another (?:day|time)|next (?:week|time)|afterwards)\b`,
    // "just the split", "only the prep", "data prep only", "prep-only", "just split it".
    String.raw`\b(?:just|only)\s+(?:the\s+|do\s+the\s+)?${DATA_NOUN}\b${ENDS}`,
    String.raw`\b${DATA_NOUN}[- ]only\b`,
    // "just the cleaned table", "I only need the tidy dataset", "the prepared table is all I need".
    String.raw`\b(?:just|only)\s+(?:(?:want|need)\s+)?(?:the\s+)?(?:(?:${CLEANED})\s+(?:table|dataset)|table)\b${ENDS}`,
    String.raw`\b(?:the\s+)?(?:${CLEANED})\s+(?:table|data(?:set)?)\s+is\s+all\s+(?:i|we)\s+(?:need|want)\b`,
    // "…, not a model", "but not a classifier yet": a model named only to be turned down.
    String.raw`(?:[,;]|\bbut)\s*(?:but\s+)?not\s+(?:a|an|any)\s+(?:new\s+)?(?:models?|classifiers?|regressors?|estimators?)(?:\s+(?:yet|for now|this time|today))?${ENDS}`,
    String.raw`\b(?:just|only)\s+(?:split|prep|prepare|clean|version|encode|transform)\s+(?:it|the data|them)\b${ENDS}`,
  ].join('|'),
  'gi',
);

/** Whether the goal says that no model is to be trained. */
export function saysNoTraining(text: string): boolean {
  return new RegExp(NO_TRAINING.source, 'i').test(text);
}

/** The goal without its "no model" phrases (so that they name neither a model nor a target). */
export function withoutNoTraining(text: string): string {
  return text.replace(NO_TRAINING, ' ').replace(/\s+/g, ' ').trim();
}

const NO_DEPLOY =
  /\b(?:(?:don'?t|do not|no need to|won'?t|will not|shouldn'?t|should not|must not|mustn'?t|may not|cannot|can'?t|never)\s+(?:\w+\s+)?(?:deploy|ship|serve|release|promote)\w*|(?:(?:are|am|is|'re|'m)\s+not|aren'?t|isn'?t)\s+(?:\w+\s+)?(?:deploying|shipping|serving|releasing|promoting|rolling\s+out)|no\s+(?:deploy(?:ment)?s?|serving|rollout|release)|without\s+(?:deploy\w*|serving|shipping|releasing)|skip(?:ping)?\s+(?:the\s+)?(?:deploy(?:ment)?|serving|rollout)|(?:instead of|rather than)\s+(?:deploy\w*|serving|shipping|releasing)|nothing\s+(?:(?:is|gets|will|should|must|needs|has|may|can|goes)\s+)?(?:(?:to|be|get|go)\s+){0,2}(?:deployed|shipped|released|promoted|served|rolled\s+out|live))\b(?:\s+(?:it|them|anything|the model|this|that))?(?!\s+(?:unless|until|before|without|if|till|automatically|straight|directly|right away|yet)\b)/i;

/** "Out of scope: retraining, deployment.": a ticket's list of what is not wanted. */
const OUT_OF_SCOPE_DEPLOY =
  /\bout of scope\s*[:\u2013\u2014-]\s*(?:[\w-]+(?:\s+[\w-]+)?\s*(?:,|\band\b|\bor\b|\/)\s*)*?(?:any\s+|the\s+)?(?:deploy(?:ment|ing)?s?|serving|rollouts?|releases?|going live)\b/i;

/** Whether the goal says that nothing is to be deployed ("register it as staging, don't deploy"). */
export function saysNoDeploy(text: string): boolean {
  return NO_DEPLOY.test(text) || OUT_OF_SCOPE_DEPLOY.test(text);
}

const NO_REGISTER =
  /\b(?:(?:don'?t|do not|no need to|won'?t|will not|shouldn'?t|should not|never)\s+(?:\w+\s+(?:or\s+|nor\s+)?)?regist(?:er|ering)\b(?:\s+(?:it|them|anything|the (?:\w+ )?(?:model|result|checkpoint|output|weights)))?|(?:must|should|may|can|shall|will)\s*(?:not|n'?t)\s+(?:yet\s+)?be\s+registered\b(?:\s*,\s*the\s+(?:\w+\s+)?model\s*,)?|(?:don'?t|do not|won'?t|will not)\s+(?:want|need)\s+(?:anything|it|them|this|that|(?:the|a|any)\s+(?:\w+\s+)?(?:model|result|checkpoint|output|weights|run))\s+(?:to\s+be\s+)?registered\b(?:\s+(?:just\s+)?(?:yet|for now))?|no\s+(?:(?:model|training|prep|deploy\w*)\s+(?:or\s+|nor\s+)?)?regist(?:ering|ration|ry)\b|regist(?:er|ering)\s+nothing\b|without\s+registering\b|skip(?:ping)?\s+(?:the\s+)?regist(?:ering|ration|ry)\b|nothing\s+(?:(?:is|gets|will|should|must|needs|has|may|can)\s+)?(?:(?:to|be|get)\s+){0,2}registered\b)(?!(?:\s+[\w'-]+){0,3}?\s+(?:unless|until|before|till|if|yet)\b(?!\s+(?:i|we)\s+(?:have\s+)?(?:look(?:ed)?\s+at|see|seen|check(?:ed)?|read|inspect(?:ed)?)\s+(?:the\s+|its\s+)?(?:metrics|results|numbers|scores|evaluation|report)\b))/i;

/**
 * Whether the goal says that nothing is to be registered ("dont register anything, its a smoke test", "it must not
 * be registered, the model, before I look at the metrics": looking comes after this run; "until I approve" gates).
 */
export function saysNoRegister(text: string): boolean {
  return NO_REGISTER.test(text);
}
