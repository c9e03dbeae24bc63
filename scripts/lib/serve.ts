/** `pipewright serve` on a free port for the demos: resolves with the server process and its URL. */
import { execa, type ResultPromise } from 'execa';

export async function startServe(
  bin: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ server: ResultPromise; url: string }> {
  const server = execa('node', [bin, 'serve', '--port', '0', '--json'], { cwd, env, reject: false });
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout?.on('data', (d: Buffer) => {
      const m = /"url":"([^"]+)"/.exec(d.toString());
      if (m?.[1]) resolve(m[1]);
    });
    void server.then((r) => reject(new Error(`server exited: ${r.stderr}`)));
  });
  return { server, url };
}
