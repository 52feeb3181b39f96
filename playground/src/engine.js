// Client side of the engine worker: request/response by id, a time limit per request,
// and a restart when the limit is hit (a terminated worker cannot be resumed).
export class Engine {
  constructor({ timeoutMs = 4000, onRestart = () => {} } = {}) {
    this.timeoutMs = timeoutMs;
    this.onRestart = onRestart;
    this.nextId = 1;
    this.pending = new Map();
    this.start();
  }

  start() {
    this.worker = new Worker(new URL("./engine.worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = (event) => {
      const { id, result, error } = event.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      if (error) p.reject(new Error(error));
      else p.resolve(result);
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.restart(`the engine failed: ${event.message || "unknown error"}`);
    };
  }

  call(op, args, { timeoutMs = this.timeoutMs } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.restart(`stopped after ${(timeoutMs / 1000).toFixed(0)} s without an answer`),
        timeoutMs,
      );
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ id, op, args });
    });
  }

  get busy() {
    return this.pending.size > 0;
  }

  /** Terminates the worker (a runaway evaluation), fails what was pending, starts afresh. */
  restart(reason = "stopped") {
    this.worker.terminate();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(Object.assign(new Error(reason), { stopped: true }));
    }
    this.pending.clear();
    this.start();
    this.onRestart(reason);
  }
}
