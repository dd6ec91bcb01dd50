/**
 * A stdio transport for the SDK's `Client` that owns its process the way Token Lens needs: spawned
 * in a process group of its own (so the whole tree can be ended, process-tree.ts), stderr kept
 * (the last 64 KB), stdout lines that are not JSON-RPC kept apart as "garbage" instead of being
 * dropped, and the exit of the process reported at once (a crash at start is a failure now, not
 * at the timeout).
 */
import type { ChildProcess } from 'node:child_process';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { TailBuffer } from './bounded-text';
import { DETACHED, killTree } from './process-tree';
import { mcpSdk } from './sdk';

export interface StdioLaunch {
  command: string;
  args: string[];
  cwd?: string;
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  stderrLimitBytes?: number;
  /** Longest stdout line accepted (a 5,000-tool answer is a few MB). */
  maxLineBytes?: number;
  /** Non-JSON-RPC stdout lines tolerated (some servers print a banner) before failing. */
  maxGarbageLines?: number;
}

export class ProcessStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly stderr: TailBuffer;
  /** The first lines of stdout that were not JSON-RPC messages. */
  readonly garbage: string[] = [];
  garbageCount = 0;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Called when the process exits or stdout breaks: the client fails at once. */
  onfatal?: (error: Error) => void;

  private child: ChildProcess | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;

  constructor(private readonly launch: StdioLaunch) {
    this.stderr = new TailBuffer(launch.stderrLimitBytes ?? 64 * 1024);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    const { crossSpawn } = mcpSdk();
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = crossSpawn(this.launch.command, this.launch.args, {
          cwd: this.launch.cwd,
          env: this.launch.env,
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: DETACHED,
          windowsHide: true,
          shell: false,
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.child = child;
      child.once('error', (err) => {
        reject(err);
        this.onfatal?.(err);
      });
      child.once('spawn', () => resolve());
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        if (!this.closed) this.onfatal?.(new Error(`the server exited${code !== null ? ` with code ${code}` : ` on ${signal}`} before answering`));
      });
      child.once('close', () => {
        if (!this.closed) this.onclose?.();
      });
      child.stdin?.on('error', (err) => this.onerror?.(err));
      child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
      child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    });
  }

  private onStdout(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      this.pending.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.pending).toString('utf8').replace(/\r$/, '');
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
      this.onLine(line);
      if (this.closed) return;
    }
    const rest = chunk.subarray(start);
    this.pending.push(rest);
    this.pendingBytes += rest.length;
    const max = this.launch.maxLineBytes ?? 32 * 1024 * 1024;
    if (this.pendingBytes > max) {
      this.pending = [];
      this.pendingBytes = 0;
      this.onfatal?.(new Error(`the server wrote a line over ${Math.round(max / 1024 / 1024)} MB to stdout`));
    }
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let message: JSONRPCMessage;
    try {
      message = mcpSdk().deserializeMessage(line);
    } catch {
      this.garbageCount++;
      if (this.garbage.length < 5) this.garbage.push(line.length > 200 ? `${line.slice(0, 200)}…` : line);
      if (this.garbageCount > (this.launch.maxGarbageLines ?? 20)) {
        this.onfatal?.(new Error('its stdout is not JSON-RPC'));
      }
      return;
    }
    this.onmessage?.(message);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.closed || stdin.destroyed) {
        reject(new Error('the server is not running'));
        return;
      }
      if (stdin.write(mcpSdk().serializeMessage(message))) resolve();
      else stdin.once('drain', () => resolve());
    });
  }

  /** Ends the process and its descendants. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const child = this.child;
    if (child) {
      child.stdout?.removeAllListeners('data');
      await killTree(child);
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    this.onclose?.();
  }
}
