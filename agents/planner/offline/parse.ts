/**
 * The offline planner's reading of a goal: the grammars of this folder, one per kind of phrase (sources,
 * target, models, gate, prep, split, params, resources, monitoring, references, operations, script, text
 * features), assembled into one intent frame (../intent.ts). Nothing here knows the eval sentences or what
 * exists in the workspace; the resolver binds references afterwards.
 *
 * When a property is stated twice (a goal plus a follow-up such as "use 10 folds instead"), the last mention
 * wins.
 */

import type { GoalSpec, IntentFrame } from '../intent.ts';
import { plainRequest } from '../surface.ts';
import { parseAi } from './ai.ts';
import { parseTextFeatures } from './features.ts';
import { CHAMPION_OPT_OUT, metricMentions, PROD_CLAUSE, parseGate, VS_PRODUCTION_MODEL } from './gate.ts';
import { maskModels, parseModels, spellAlgorithmIds } from './models.ts';
import { parseDrift, parseNotify } from './monitoring.ts';
import { saysNoDeploy, saysNoRegister, saysNoTraining, withoutNoTraining } from './negations.ts';
import { notWantedDeployed, notWantedRegistered } from './negations-wanted.ts';
import {
  detectOperation,
  parseCanaryShare,
  parseHoldFor,
  parseOutput,
  parseRollback,
  parseSinceDay,
  parseWatchLimits,
  parseWindow,
  ROLLBACK,
} from './operations.ts';
import { blankScorerNames } from './output-path.ts';
import { parseDatasetName, parseModelName, parseParams, parseRegisterAlias, TUNE } from './params.ts';
import { parsePrep } from './prep.ts';
import { parseModelReferences, parseParkedAlias } from './references.ts';
import { APPROVAL, parseApprovers, parseDuration, parseResources } from './resources.ts';
import { NEWEST_DATA, NEWEST_NAMED_VERSION, parseRerunReference } from './run-references.ts';
import { findS3 } from './s3.ts';
import { parseSchedule } from './schedule.ts';
import { parseScript } from './script.ts';
import { spellShorthand } from './shorthand.ts';
import { parseSources, withoutQuery, withoutSources } from './sources.ts';
import { parseHoldout } from './split.ts';
import { targetPhrases } from './target.ts';
import { formulaFeatures, looseTargetPhrases, targetBeforeSource } from './target-loose.ts';
import { mendTypos } from './typos.ts';
import { COUNT_WORD } from './words.ts';

export type {
  Comparator,
  Framework,
  Gate,
  GoalSpec,
  ModelChoice,
  PrepIntent,
  SourceSpec,
} from '../intent.ts';
export { LOWER_IS_BETTER } from './gate.ts';
export { sqlQuery } from './sources.ts';

const TRAIN_WORDS =
  /\b(train|retrain|re-train|predict(?!ions)|forecast|classif\w*|regress\w*|fit|model(?:s|ing|ling)?\b|estimat\w*|learn|build an? \w*\s*(?:model|classifier|regressor)|route|routes|routing|triage|auto-?assign|categori[sz]e|categori[sz]ing)/i;
const TARGET_CUES =
  /\b(?:guess\w*|infer(?:s|red|ring)?|anticipat\w*|figur(?:e|es|ing) out|find(?:s|ing)? out|tell(?:s|ing)? apart|work(?:s|ing)? out)\b|\b(?:want|need|like|wish) (?:to )?know\s+(?!(?:how|what|why|when|where|whether|if|which|who)\b)|\b(?:target|label)\s*(?:column|variable|field)?\s*(?:[=:]|is\b)|\bis (?:the|our|my) (?:target|label|outcome|output(?!\s+(?:folder|dir|directory|file|path|bucket|table|location)))\b|\b(?:dependent variable|target (?:column|variable)|label column|output (?:column|variable))\b|\b(?:sort|sorts|sorting|bucket|bucketing)\s+(?:\S+\s+){0,10}?into\b|\by\s*(?:=|is\b)|\b(?:what|which\s+(?:\w+\s+)?(?:factors?|features?|columns?|variables?))\s+(?:drives?|determines?|affects?|influences?|explains?)\b|\b(?:column|field|variable) (?:we|i) (?:care|are curious) about\b|\b(?:that|which|to|can|could) tells? (?:me|us|you|them) (?:the|which|what)\b/i;
const DEPLOY =
  /\b(deploy\w*|serv(?:e|es|ing) (?:it|the model|predictions|the best)|ship(?:s|ped|ping)? (?:it|them|the|an?|this|that|our|my)|promot\w+|roll(?:s|ing)?[- ]?out|(?:put|push|move|release)(?:es|ed|ing)? (?:it |them |the (?:\w+ )?model )?(?:in|into|to) prod(?:uction)?|go(?:es)? live|(?:go|goes|going|get|gets)\s+in\s+prod(?:uction)?|make it live|(?:in)?to prod(?:uction)?|behind an? (?:http |rest )?(?:endpoint|api)|canary)\b/i;
/**
 * Deploy verbs the deploy grammar lacks: "replace the incumbent", "make it the live one", "it replaces it only
 * if it scores better", "takes its place once it wins".
 */
const DEPLOY_SYNONYMS =
  /\b(?:replace|supersede|unseat|dethrone)\s+(?:the\s+)?(?:incumbent|champion|production|prod|current|live|deployed)\b|\b(?:replaces?|supersedes?|takes?\s+over\s+from)\s+(?:it|them|that\s+one)\s+(?:only\s+)?(?:if|when|once|after|provided|as\s+long\s+as)\b|\btakes?\s+(?:its|their)\s+place\b|\bmake\s+(?:it|this|that)\s+the\s+(?:live|production|current|serving)\s+(?:one|model|version)\b/i;

const PREDICT =
  /\b(batch[- ]?(?:predict|scor)\w*|(?:score|scores|scoring)\s+(?:the\s+|all\s+|every\s+|new\s+|each\s+)?\S*|(?:write|generate|make|produce|output|save|export)\s+(?:the\s+)?(?:batch\s+)?predictions|predictions (?:for|on|to)\b|predict on\b|predict(?:ions)?\s+with\b)/i;
const MONITOR =
  /\bdrift\w*|\bmonitor\w*\b|\bdata shift\b|\bdistribution shift\b|\bdifferent data than\b|\b(?:inputs?|data) (?:has |have )?(?:changed|shifted)\b/i;
const REGISTER =
  /\bregist(?:er|ry|ered|ering)\b|\bsave the model\b|\bpublish\w*\b|\bversion the model\b|\bmodel store\b/i;
const COMPARE =
  /\bcompar\w*\b|\bversus\b|\bvs\.?\s|\b(?:two|three|several|a few|multiple|different) (?:models|algorithms|approaches)\b|\bbake[- ]?off\b|\bpick the best\b|\bbest (?:of|model)\b/i;
const NO_CHAMPION =
  /\b(?:no need to|don'?t|do not|without|skip(?:ping)?|never|no)\s+(?:\w+\s+){0,2}?(?:compar\w*|champion\w*|a comparison|check(?:ing)? against|evaluat\w* (?:against|the production))\b|\b(?:regardless of|(?<!\b(?:beats?|than|against|outperforms?|with|to)\s+)whatever|ignore)\s+(?:the\s+)?(?:production|current|deployed)\b/i;
const VS_PRODUCTION = new RegExp(
  String.raw`\b(?:against|than|versus|vs\.?|beats?|outperforms?|compared? (?:it |them )?(?:to|with)|side\s+by\s+side\s+with)\s+(?:(?:the\s+)?(?:current\s+)?(?:production|prod|deployed|live|champion|current)(?:\s+(?:model|version|one))?\b|${PROD_CLAUSE})`,
  'i',
);
const EVENT =
  /\bwhen(?:ever)?\s+(?:a\s+)?new\s+(?:data|files?|batch(?:es)?|rows|extracts?)\s+(?:arrives?|lands?|(?:is|are)\s+(?:uploaded|added|dropped)|shows? up|comes? in)\b/i;

/** "it scores better", "scoring above the current one": a metric compared, no rows scored. */
const SCORES_AS_METRIC =
  /\bscor(?:e|es|ed|ing)\s+(?:better|higher|worse|lower|best|above|below|over|under|at\s+least|more\s+than|less\s+than)\b/gi;

/** "built yesterday", "trained two days ago": when a version was made. */
const DATED_MAKING = new RegExp(
  String.raw`\b(?:made|built|created|trained|fitted|produced)\s+(?:(?:\d+|${COUNT_WORD})\s+days?\s+(?:ago|back|earlier)|yesterday|the\s+day\s+before\s+yesterday|earlier\s+today)\b`,
  'gi',
);

export function parseGoal(goal: string): GoalSpec {
  const written = plainRequest(goal);
  const said = spellShorthand(spellAlgorithmIds(mendTypos(written)));
  // "no model yet", "just the split": nothing is trained, and the phrase names no model or target.
  const noTraining = saysNoTraining(said);
  const text = noTraining ? withoutNoTraining(said) : said;
  const noModels = maskModels(text);
  const models = parseModels(text);
  const mentions = metricMentions(text);
  const script = parseScript(text);
  // "the training data" names data (e.g. a drift reference), not a wish to train.
  // "into train, validation and test" names parts of a split, not a wish to train.
  const trainText = blankScorerNames(noModels)
    .replace(/\btraining (?:data(?:set)?|set|rows|snapshot|distribution|file|sample|split)\b/gi, ' ')
    // "different than training", "changed since the training": the time of training, not a wish to train.
    .replace(
      /\b(?:than|from|since|vs\.?|versus|like)\s+(?:the\s+|its\s+)?training\b(?=\s*(?:[?.!,;]|$))/gi,
      ' ',
    )
    // "different inputs than it was trained on": when the model was trained, not a wish to train.
    .replace(
      /\b(?:than|from|since|vs\.?|versus|like|unlike|as)\s+(?:what\s+)?(?:it|they|the\s+model)\s+(?:was\s+|were\s+)?(?:trained|fitted|fit|built|learned|learnt)\s+(?:on|with|from)\b/gi,
      ' ',
    )
    // "the version built yesterday", "the model made 3 days ago": a dated participle names a version, not a wish.
    .replace(DATED_MAKING, ' ')
    // "the rows v1 was fit on": a past passive says when a model was trained, not a wish to train.
    .replace(/\b(?:was|were|been)\s+(?:trained|fitted|fit|built)\s+(?:on|with|from)\b/gi, ' ')
    // "now that it has been retrained", "it's been refitted": training that is done, not a wish to train.
    .replace(
      /(?:\b(?:has|have|had|was|were|been|got|is|are|just|already|recently|freshly|newly)|'s)\s+(?:re-?)?(?:trained|fitted|refitted)\b/gi,
      ' ',
    )
    .replace(
      /\btrain(?:ing)?\s*(?:\/|,|and|&)\s*(?:validation|val|test|dev)\b|\btrain(?:ing)? (?:set|split|part|portion|share)\b/gi,
      ' ',
    )
    // "prepare the data for modelling", "before I do any modelling": a purpose, not a model to train.
    .replace(
      /\b(?:for|before|ahead of|ready for)\s+(?:(?:i|we|you|they|anyone)\s+(?:do|start|begin|try|get to)\s+)?(?:any\s+|the\s+|later\s+)?(?:model(?:l)?ing|training|machine learning|ml|analysis|analytics)\b(?:\s+anything\b)?/gi,
      ' ',
    );
  const sources = parseSources(script ? text.replace(script.path, ' ') : text);
  // "we want to know X", "guess X", "label = X" over a named data file: a target, so training.
  const trains =
    !noTraining &&
    (TRAIN_WORDS.test(trainText) ||
      models.length > 0 ||
      (sources.length > 0 &&
        (TARGET_CUES.test(trainText) || looseTargetPhrases(withoutSources(trainText), (p) => p).length > 0)));
  // The negations are read on the goal as said: "do not train or register" loses its "do not train" above.
  const deploy =
    (DEPLOY.test(text) || DEPLOY_SYNONYMS.test(text)) && !saysNoDeploy(said) && !notWantedDeployed(text);
  // "z-score the columns" scales them, "if it scores better" compares a metric: neither scores rows.
  const predict = PREDICT.test(text.replace(/\bz-?scor\w*/gi, ' ').replace(SCORES_AS_METRIC, ' '));
  const register = REGISTER.test(text) && !saysNoRegister(said) && !notWantedRegistered(text);
  const notify = parseNotify(text);
  // A family name ("plain linear regression") is a model to train, never a registered one.
  const limits = parseWatchLimits(text);
  const rollback = parseRollback(text, limits);
  // "back to the golden version": that word names a version of the model, not a model.
  const modelRefs = parseModelReferences(maskModels(text, 'modelfamily')).filter(
    (r) => !(rollback?.toAlias && r.words.length === 1 && r.words[0] === rollback.toAlias),
  );
  const run = parseRerunReference(text, modelRefs, sources.length > 0);
  const monitor = MONITOR.test(text);
  const strongRefs = modelRefs.filter((r) => !r.exactOnly);
  const noChampion = NO_CHAMPION.test(text) || CHAMPION_OPT_OUT.test(text);
  const operation = detectOperation(text, {
    hasSource: sources.length > 0,
    hasNamedRef: modelRefs.some((r) => r.exactOnly),
    hasScorerRef: strongRefs.some((r) => r.role === 'scorer'),
    trafficShare: parseCanaryShare(text) !== undefined,
    trains,
    // Present forms only: "the data it was trained on" and "the model that run X trained" train nothing.
    retrains:
      /\b(?:re-?train(?:s|ing)?|train(?:s|ing)?|fit(?:s|ting)?|build(?:s|ing)?\s+(?:a|an|the)\b|learn(?:s|ing)?)\b/i.test(
        trainText,
      ),
    // "the staging cars-mpg": a bare name with an alias or version is an existing version, too.
    // "the penguins-species built yesterday": a dated name is an existing version as well.
    hasModelRef:
      strongRefs.length > 0 ||
      modelRefs.some(
        (r) =>
          r.alias ||
          r.version !== undefined ||
          r.registeredDaysAgo !== undefined ||
          r.deployedDaysAgo !== undefined,
      ),
    hasRunRef: run !== undefined,
    hasScript: script !== undefined,
    monitor,
    rollback: rollback !== undefined,
    rollbackOnBreach: rollback?.onBreach === true,
    deploys: deploy,
    namesAlgorithm: models.length > 0,
    noComparison: noChampion,
    limits,
    driftThresholds: Object.keys(parseDrift(text)).length > 0,
  });
  const train = trains || deploy || register || predict;

  let taskType: GoalSpec['taskType'];
  // "predict whether it is late" is yes/no; "I wonder whether titles matter" is the person's own question.
  if (
    /\bclassif\w*|(?<!\b(?:wonder(?:s|ing)?|curious|sure|unsure|doubt|check|ask(?:s|ing)?|question)\s+)\bwhether\b|\bbinary\b|\bcategori[sz]e\b|\bwhich (?:class|category)\b|\b(?:route|routes|routing|triage)\b/i.test(
      noModels,
    )
  )
    taskType = 'classification';
  if (/\bregression\b|\bregressor\b|\bhow (?:much|many)\b/i.test(noModels)) taskType = 'regression';

  const holdout = parseHoldout(text);
  const gate = parseGate(text, mentions, trains && operation === 'pipeline');
  const schedule = parseSchedule(text);
  const bucket = findS3(text).find((m) => m.arrival)?.url;
  const approvalTimeout = parseDuration(text);
  const approvers = parseApprovers(text);
  const modelName = parseModelName(text);
  const registerAlias = parseRegisterAlias(text) ?? parseParkedAlias(text);
  const datasetName = parseDatasetName(text, !trains);
  const text$ = parseTextFeatures(withoutSources(text));
  const features = formulaFeatures(withoutSources(noModels));
  const canaryShare = parseCanaryShare(text);
  const holdFor = parseHoldFor(text);
  const window = parseWindow(text);
  const sinceDay = window ? undefined : parseSinceDay(text);
  const output = parseOutput(text);
  const watching = operation === 'canary' || rollback?.onBreach === true || Object.keys(limits).length > 0;

  const frame: IntentFrame = {
    goal: written,
    operation,
    sources,
    // "price off data/x.csv with …": a column said before its file comes last (checked against the columns).
    targetPhrases: [
      ...new Set([...targetPhrases(withoutSources(withoutQuery(noModels))), ...targetBeforeSource(text)]),
    ],
    ...(taskType ? { taskType } : {}),
    wants: {
      train,
      register: register || deploy,
      deploy,
      predict,
      monitor,
      notify: notify !== undefined,
      split:
        /\bsplit\b|\bhold[- ]?out\b|\btrain\/test\b|\btest set\b/i.test(text) ||
        train ||
        holdout.testShare !== undefined ||
        holdout.split !== undefined,
      version: /\bversion\w*\b|\bsnapshot\w*\b/i.test(text) || train || datasetName !== undefined,
      data: /\b(load|ingest|import|pull|read|fetch|clean|prepare|preprocess|version|snapshot|split|profile|copy|standardi[sz]e|normali[sz]e|impute|one-hot)\w*\b/i.test(
        text,
      ),
    },
    models,
    compare:
      COMPARE.test(text) &&
      !/\bcompar\w*\s+(?:\S+\s+){0,4}?against\s+production\b/i.test(text) &&
      !VS_PRODUCTION_MODEL.test(text)
        ? true
        : models.length > 1,
    ...holdout,
    ...(mentions[0] ? { metric: mentions[0].metric } : {}),
    ...(gate ? { gate } : {}),
    ...(noChampion
      ? { compareWithProduction: false }
      : VS_PRODUCTION.test(text)
        ? { compareWithProduction: true }
        : {}),
    ...(schedule ? { schedule } : {}),
    ...(bucket ? { bucket } : EVENT.test(text) ? { event: 'file.arrived' } : {}),
    resources: parseResources(text),
    approval: APPROVAL.test(text) || approvers.length > 0,
    approvers,
    ...(approvalTimeout ? { approvalTimeout } : {}),
    drift: parseDrift(text),
    ...(notify ? { notify } : {}),
    prep: parsePrep(text),
    params: parseParams(text, models),
    tune: TUNE.test(text),
    ...(modelName ? { modelName } : {}),
    ...(registerAlias ? { registerAlias } : {}),
    ...(datasetName ? { datasetName } : {}),
    textColumns: text$.explicit,
    ...(features.length ? { featureColumns: features } : {}),
    textColumnHints: text$.maybe,
    ...(canaryShare !== undefined || operation === 'canary'
      ? {
          canary: {
            ...(canaryShare !== undefined ? { share: canaryShare } : {}),
            // "ship it as a 10% canary for 30 minutes": a trained model's canary has a period too.
            ...((operation === 'canary' || (operation === 'pipeline' && canaryShare !== undefined)) && holdFor
              ? { duration: holdFor }
              : {}),
          },
        }
      : {}),
    ...(watching
      ? {
          watch: {
            ...limits,
            ...(operation !== 'canary' && holdFor && !schedule ? { duration: holdFor } : {}),
          },
        }
      : {}),
    ...(rollback ? { rollback } : {}),
    ...(window && operation === 'serving-metrics' ? { servingWindow: window } : {}),
    ...(window && operation !== 'serving-metrics' ? { trafficSince: window } : {}),
    ...(sinceDay ? { sinceDay } : {}),
    ...(output ? { output } : {}),
    ...(script ? { script } : {}),
    refs: {
      models: modelRefs,
      ...(run ? { run } : {}),
      newestData: NEWEST_DATA.test(text) || (!!run && NEWEST_NAMED_VERSION.test(text)),
    },
  };
  // Documents, search indexes and LLM calls: their own grammar and builder (offline/ai.ts, build/ai.ts).
  // "embeddings of the body" of a table with a column to predict: text features of a tabular model.
  const tabularText =
    trains &&
    text$.explicit.length > 0 &&
    frame.targetPhrases.length > 0 &&
    sources.some((s) => s.kind === 'file' && /\.(?:csv|tsv|json|jsonl|ndjson|parquet)$/i.test(s.path));
  const ai = script || tabularText ? undefined : parseAi(text);
  return ai ? { ...frame, operation: 'ai', ai, sources: [] } : frame;
}

export { ROLLBACK };
