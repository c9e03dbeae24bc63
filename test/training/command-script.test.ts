/**
 * train.command in script mode: a person's own script with its arguments, the GPUs granted to the step, and
 * the artifact it writes kept as a registrable model folder.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openModelRegistry } from '../../src/store/index.ts';
import { resolveModel } from '../../tools/lib/model-reference.ts';
import { ArtifactModelRef } from '../../tools/lib/refs.ts';
import { registerModel } from '../../tools/register/model.ts';
import { trainCommand } from '../../tools/train/command.ts';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';

const FINETUNE = `
import argparse, json, os
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, required=True)
p.add_argument("--epochs", type=int, default=1)
a = p.parse_args()
os.makedirs("out", exist_ok=True)
with open("out/ckpt.pt", "wb") as f:
    f.write(b"weights lr=%g epochs=%d gpus=%s" % (a.lr, a.epochs, os.environ.get("CUDA_VISIBLE_DEVICES", "none").encode()))
print("::progress 0.5 half way")
print("::metric val_loss 0.25")
with open(os.path.join(os.environ["PIPEWRIGHT_OUTPUT_DIR"], "metrics.json"), "w") as f:
    json.dump({"val_accuracy": 0.8, "seed": int(os.environ["PIPEWRIGHT_SEED"])}, f)
`;

let ctx: TestContext;
beforeEach(() => {
  ctx = makeTaskContext({ devices: { gpus: ['0', '1'] } });
  mkdirSync(path.join(ctx.workspace, 'scripts'));
  writeFileSync(path.join(ctx.workspace, 'scripts', 'finetune.py'), FINETUNE);
});
afterEach(() => rmSync(ctx.workspace, { recursive: true, force: true }));

describe('train.command script mode', () => {
  test('runs the script with its args on the granted GPUs and keeps out/ckpt.pt as a registrable model', async () => {
    const out = await trainCommand.run(
      trainCommand.input.parse({
        script: 'scripts/finetune.py',
        args: ['--lr', '3e-4', '--epochs', '2'],
        artifact: 'out/ckpt.pt',
      }),
      ctx,
    );
    const model = ArtifactModelRef.parse(out.model);
    expect(model).toMatchObject({ framework: 'command', kind: 'artifact', artifact: 'artifact/ckpt.pt' });
    expect(model.dir).toBe(path.join(ctx.config.stateDir, 'models', model.hash));
    expect(readFileSync(out.artifact?.path as string, 'utf8')).toBe('weights lr=0.0003 epochs=2 gpus=0,1');
    expect(out.artifact?.size).toBe(35);
    expect(out.metrics).toEqual({ val_loss: 0.25, val_accuracy: 0.8, seed: 42 });
    expect(ctx.progressReports.some((p) => p.message === 'half way')).toBe(true);

    const registered = await registerModel.run(
      registerModel.input.parse({ name: 'finetuned', model: out.model }),
      ctx,
    );
    expect(registered.version).toBe(1);
    const registry = openModelRegistry(ctx.config);
    try {
      expect(registry.getVersion('finetuned', 1).metrics).toEqual(out.metrics);
    } finally {
      registry.close();
    }
    // Registered and traceable, but not something pipewright can score rows with: said so clearly.
    expect(() => resolveModel('finetuned:1', ctx.config)).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_SCORABLE' }),
    );
  });

  test('without an artifact the output folder is the model; with nothing written it fails clearly', async () => {
    writeFileSync(
      path.join(ctx.workspace, 'scripts', 'save.sh'),
      'echo "$1" > "$PIPEWRIGHT_OUTPUT_DIR/model.txt"\n',
    );
    const out = await trainCommand.run(
      trainCommand.input.parse({ script: 'scripts/save.sh', args: ['hello'] }),
      ctx,
    );
    expect(ArtifactModelRef.parse(out.model).files).toEqual(['model.txt']);
    expect(out.artifact).toBeUndefined();

    writeFileSync(path.join(ctx.workspace, 'scripts', 'nothing.sh'), 'true\n');
    await expect(
      trainCommand.run(trainCommand.input.parse({ script: 'scripts/nothing.sh' }), ctx),
    ).rejects.toMatchObject({ code: 'TRAIN_COMMAND_NO_ARTIFACT' });
    await expect(
      trainCommand.run(
        trainCommand.input.parse({ command: ['bash', 'scripts/nothing.sh'], artifact: 'out/missing.pt' }),
        ctx,
      ),
    ).rejects.toMatchObject({
      code: 'TRAIN_COMMAND_NO_ARTIFACT',
      what: 'Your training script did not write the artifact "out/missing.pt"',
    });
  });

  test('refuses ambiguous or half-given inputs, each with its path', () => {
    const problems = (v: unknown) => {
      const r = trainCommand.input.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ script: 'a.py', command: ['python3', 'a.py'] })).toEqual([
      'command: give either command or script (one of them)',
    ]);
    expect(problems({ args: ['--lr', '1'] })).toEqual([
      'command: give either command or script (one of them)',
    ]);
    expect(problems({ script: 'a.py', target: 'y' })).toEqual([
      'dataset: dataset and target go together: both (pipewright prepares the data) or neither (script mode)',
    ]);
    expect(problems({ script: 'a.py', artifact: '../outside.pt' })).toEqual([]);
  });

  test('an artifact path outside the workspace is refused before the script runs', async () => {
    await expect(
      trainCommand.run(
        trainCommand.input.parse({
          script: 'scripts/finetune.py',
          args: ['--lr', '1'],
          artifact: '../../etc/passwd',
        }),
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    expect(existsSync(path.join(ctx.workspace, 'out'))).toBe(false);
  });
});
