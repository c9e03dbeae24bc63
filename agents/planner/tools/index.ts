/** Tools the drafting model may call before it answers, and the bounded loop that runs them. */
export * from './planner-tools.ts';
export * from './tool-rounds.ts';
export * from './workspace-tools.ts';
