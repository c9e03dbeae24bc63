/** Writes a server policy file (YAML) where a config looks for it: <stateDir>/policy.yaml. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../src/config.ts';

export function writePolicy(config: Pick<Config, 'policyFile'>, yaml: string): void {
  mkdirSync(path.dirname(config.policyFile), { recursive: true });
  writeFileSync(config.policyFile, yaml);
}

/** The stand-in servers of a test listen on 127.0.0.1, which the egress guard refuses by default. */
export const ALLOW_LOOPBACK = 'egress:\n  allowHosts: [127.0.0.1]\n';
