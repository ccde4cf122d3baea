import cliProgress from "cli-progress";

/** Progress of a long command: a bar on a terminal, plain periodic lines otherwise, on stderr. */
export interface Progress {
  tick(count?: number): void;
  stop(): void;
}

export function startProgress(options: {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  intervalMs?: number;
}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { tick: () => {}, stop: () => {} };
  const started = performance.now();
  let done = 0;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${options.label} [{bar}] {value}/{total} {percentage}% | {speed}/s | ETA {eta_formatted}`,
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.total, 0, { speed: "0" });
    return {
      tick: (count = 1) => {
        done += count;
        const rate = done / Math.max(0.001, (performance.now() - started) / 1000);
        bar.update(done, { speed: rate.toFixed(1) });
      },
      stop: () => bar.stop(),
    };
  }
  const interval = options.intervalMs ?? 5_000;
  let last = started;
  const line = (): void => {
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(0.001, seconds);
    const eta = rate > 0 ? Math.max(0, (options.total - done) / rate) : Number.NaN;
    const percent = options.total > 0 ? Math.floor((done / options.total) * 100) : 100;
    stream.write(
      `${options.label}: ${done}/${options.total} (${percent}%) ${rate.toFixed(1)}/s ETA ${Number.isNaN(eta) ? "?" : `${Math.ceil(eta)}s`}\n`,
    );
  };
  return {
    tick: (count = 1) => {
      done += count;
      const now = performance.now();
      if (now - last >= interval) {
        last = now;
        line();
      }
    },
    stop: line,
  };
}
