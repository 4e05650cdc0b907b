/**
 * A server this test process started on a private loopback port (never the shared 6379/5432),
 * that the test may kill, pause and restart.
 */
export interface PrivateServer {
  /** The loopback port it listens on. */
  readonly port: number;
  /** URL to connect to it (`redis://…` or `postgres://…/postgres`). */
  readonly url: string;
  /** Stops the server as abruptly as its kind allows (a crash) and waits until its port is closed. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open but answers nothing (a hung server). */
  pause(): Promise<void>;
  /** SIGCONT after `pause`. */
  resume(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}
