/**
 * A tiny request/response protocol over the IPC channel of a forked child
 * (child_process.fork with serialization 'advanced', so typed arrays cross
 * cheaply). The parent calls `child.call(type, payload)`; the child serves
 * handlers by type. Every child is a separate OS process, so the load it
 * generates is not limited by the orchestrator's event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface Request {
  id: number;
  type: string;
  payload: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor(readonly name: string, readonly proc: ChildProcess) {
    proc.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`${name}: ${m.error}`));
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  call<T>(type: string, payload: unknown = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, type, payload } satisfies Request);
    });
  }

  /** Asks the child to exit, then kills it (by its own pid) if it does not. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    try {
      this.proc.send({ id: 0, type: 'exit', payload: {} } satisfies Request);
    } catch {
      /* channel already closed */
    }
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(t);
  }
}

/** Forks a TypeScript module under tsx as a child with an IPC channel. */
export function forkTs(name: string, modulePath: string, execArgv: string[] = []): Child {
  const proc = fork(modulePath, [], {
    execArgv: [...execArgv, '--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Child(name, proc);
}

/** In a child: answers the parent's calls with these handlers. */
export function serve(handlers: Record<string, (payload: never) => unknown>): void {
  process.on('message', (m: Request) => {
    if (m.type === 'exit') {
      void Promise.resolve(handlers.exit?.({} as never)).finally(() => process.exit(0));
      return;
    }
    const h = handlers[m.type];
    if (!h) {
      process.send!({ id: m.id, ok: false, error: `unknown call ${m.type}` } satisfies Reply);
      return;
    }
    Promise.resolve()
      .then(() => h(m.payload as never))
      .then(
        (result) => process.send!({ id: m.id, ok: true, result } satisfies Reply),
        (e: unknown) => process.send!({ id: m.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies Reply),
      );
  });
  // The parent went away: nothing left to do.
  process.on('disconnect', () => process.exit(0));
}
